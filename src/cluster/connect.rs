//! Finding the cluster the way kubectl does: `--kubeconfig`, else
//! `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service
//! account; `--context` picks a context of the kubeconfig, and the
//! connection flags (`--server`, `--token`, `--as` …) override what it says.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// The flags that say which cluster to talk to and as whom.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
    pub overrides: Overrides,
}

/// kubectl's connection flags, applied over the kubeconfig's values.
#[derive(Clone, Default)]
pub struct Overrides {
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub server: Option<String>,
    pub token: Option<String>,
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub insecure_skip_tls_verify: bool,
    pub certificate_authority: Option<String>,
    pub client_certificate: Option<String>,
    pub client_key: Option<String>,
}

// Hand-written so that the token can never reach a log or a message.
impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("cluster", &self.cluster)
            .field("user", &self.user)
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("impersonate", &self.impersonate)
            .field("impersonate_groups", &self.impersonate_groups)
            .finish_non_exhaustive()
    }
}

/// A client and what to call its server in messages.
pub struct Connection {
    pub client: Client,
    pub server: String,
    /// Whether credentials from the kubeconfig or the flags were left out
    /// because the server is plain `http://` (as kubectl does).
    pub credentials_dropped: bool,
}

/// Load the configuration and build a client. Nothing is sent yet: the
/// first request shows whether the server is there.
pub async fn connect(target: &Target, request_timeout: Option<Duration>) -> Result<Connection> {
    let overrides = &target.overrides;
    let mut config = match load_kubeconfig(target.kubeconfig.as_deref())? {
        Some((kubeconfig, origin)) => {
            from_kubeconfig(kubeconfig, &origin, target.context.as_deref(), overrides).await?
        }
        // kubectl needs no kubeconfig at all when --server says where to go.
        None if overrides.server.is_some() && target.context.is_none() => {
            from_kubeconfig(Kubeconfig::default(), "(none)", None, overrides).await?
        }
        None => in_cluster(target.context.as_deref())?,
    };
    apply_auth_overrides(&mut config.auth_info, overrides);
    let credentials_dropped = drop_credentials_over_http(&mut config);
    no_trust_store_over_http(&mut config);
    // Retries are ours (they honour Retry-After and cover dropped
    // connections), so kube's own layer would only multiply attempts.
    config.default_retry = false;
    if let Some(limit) = request_timeout {
        config.connect_timeout = Some(config.connect_timeout.map_or(limit, |c| c.min(limit)));
    }
    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let client = Client::try_from(config).map_err(|e| {
        Error::Failed(format!(
            "cannot set up a client for {server}: {}",
            super::transport::describe_error(&e)
        ))
    })?;
    Ok(Connection {
        client,
        server,
        credentials_dropped,
    })
}

/// `--token`, `--as`, `--as-group`, `--client-certificate`, `--client-key`
/// over the user of the kubeconfig. A token from the command line replaces
/// every other way the kubeconfig had to get one (kubectl sends the flag's).
fn apply_auth_overrides(auth: &mut AuthInfo, overrides: &Overrides) {
    if let Some(token) = &overrides.token {
        auth.token = Some(token.clone().into());
        auth.token_file = None;
        auth.exec = None;
        auth.auth_provider = None;
        auth.username = None;
        auth.password = None;
    }
    if let Some(user) = &overrides.impersonate {
        auth.impersonate = Some(user.clone());
    }
    if !overrides.impersonate_groups.is_empty() {
        auth.impersonate_groups = Some(overrides.impersonate_groups.clone());
    }
    if let Some(path) = &overrides.client_certificate {
        auth.client_certificate = Some(path.clone());
        auth.client_certificate_data = None;
    }
    if let Some(path) = &overrides.client_key {
        auth.client_key = Some(path.clone());
        auth.client_key_data = None;
    }
}

/// kubectl reads no credentials for a server reached over plain HTTP
/// (client-go only loads them when the transport is TLS): a token must not
/// cross the network in clear text. Impersonation headers still go, as
/// kubectl sends them. Returns whether anything was dropped.
fn drop_credentials_over_http(config: &mut Config) -> bool {
    if config.cluster_url.scheme_str() != Some("http") {
        return false;
    }
    let auth = &config.auth_info;
    let had = auth.token.is_some()
        || auth.token_file.is_some()
        || auth.exec.is_some()
        || auth.auth_provider.is_some()
        || auth.username.is_some()
        || auth.client_certificate.is_some()
        || auth.client_certificate_data.is_some();
    config.auth_info = AuthInfo {
        impersonate: auth.impersonate.clone(),
        impersonate_uid: auth.impersonate_uid.clone(),
        impersonate_groups: auth.impersonate_groups.clone(),
        impersonate_user_extra: auth.impersonate_user_extra.clone(),
        ..AuthInfo::default()
    };
    had
}

/// Nothing is verified over plain `http://` (`kubectl proxy`, a local test
/// server), yet kube builds a TLS configuration for every client, and with
/// no CA in the kubeconfig it reads the system's whole trust store for it:
/// 147 files and ~4-6 ms of each command here, and on a machine without a
/// CA bundle (a minimal container) an error, "No CA certificates were
/// loaded from the system", before anything is sent. kubectl needs no
/// trust store for http://; an empty set of roots, never used, skips it.
fn no_trust_store_over_http(config: &mut Config) {
    if config.cluster_url.scheme_str() == Some("http") && config.root_cert.is_none() {
        config.root_cert = Some(Vec::new());
    }
}

/// The kubeconfig to use and a name for it in messages, or `None` when
/// there is none at all (then the in-cluster account is tried).
fn load_kubeconfig(flag: Option<&str>) -> Result<Option<(Kubeconfig, String)>> {
    if let Some(path) = flag {
        let config = Kubeconfig::read_from(path).map_err(|e| unreadable(path, &e))?;
        return Ok(Some((config, path.to_string())));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return read_list(&value).map(Some);
    }
    let default = std::env::home_dir().map(|home| home.join(".kube").join("config"));
    match default {
        Some(path) if path.exists() => {
            let origin = path.display().to_string();
            let config = Kubeconfig::read_from(&path).map_err(|e| unreadable(&origin, &e))?;
            Ok(Some((config, origin)))
        }
        _ => Ok(None),
    }
}

/// One line naming the kubeconfig and the problem: the YAML parser's
/// message continues with a source snippet, which is left out.
fn unreadable(origin: &str, problem: &dyn std::fmt::Display) -> Error {
    let text = problem.to_string();
    let first = text.lines().next().unwrap_or_default();
    Error::Failed(format!("cannot read the kubeconfig {origin}: {first}"))
}

/// The files a `KUBECONFIG` list names, merged as kubectl merges them
/// (the first to set a value wins). As in kubectl, files that do not exist
/// are skipped; only a list where none exists is an error.
fn read_list(value: &std::ffi::OsStr) -> Result<(Kubeconfig, String)> {
    let origin = format!("KUBECONFIG={}", value.to_string_lossy());
    let existing: Vec<PathBuf> = std::env::split_paths(value)
        .filter(|p| !p.as_os_str().is_empty() && p.exists())
        .collect();
    if existing.is_empty() {
        return Err(Error::Failed(format!(
            "cannot read the kubeconfig {origin}: none of its files exists"
        )));
    }
    let merged = existing
        .iter()
        .try_fold(Kubeconfig::default(), |merged, path| {
            Kubeconfig::read_from(path)
                .and_then(|next| merged.merge(next))
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .map_err(|e| unreadable(&origin, &e))?;
    Ok((merged, origin))
}

async fn from_kubeconfig(
    mut kubeconfig: Kubeconfig,
    origin: &str,
    context: Option<&str>,
    overrides: &Overrides,
) -> Result<Config> {
    let name = if kubeconfig.contexts.is_empty() && overrides.server.is_some() {
        // Only --server (and perhaps --token): a context of our own.
        synthesize_context(&mut kubeconfig, overrides);
        SYNTHETIC.to_string()
    } else {
        pick_context(&kubeconfig, origin, context)?
    };
    let (cluster, user) = chosen_entries(&kubeconfig, &name, origin, overrides)?;
    override_cluster(&mut kubeconfig, &cluster, overrides);
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        cluster: Some(cluster),
        user,
    };
    Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| {
            Error::Failed(format!(
                "context \"{name}\" in the kubeconfig {origin}: {}",
                crate::sanitize::one_line(&e.to_string())
            ))
        })
}

/// Name of the context made up for `--server` without a kubeconfig.
const SYNTHETIC: &str = "kubectl-wizard-flags";

fn synthesize_context(kubeconfig: &mut Kubeconfig, overrides: &Overrides) {
    use kube::config::{Context, NamedAuthInfo, NamedCluster, NamedContext};
    kubeconfig.clusters.push(NamedCluster {
        name: SYNTHETIC.into(),
        cluster: Some(kube::config::Cluster {
            server: overrides.server.clone(),
            ..Default::default()
        }),
        other: Default::default(),
    });
    kubeconfig.auth_infos.push(NamedAuthInfo {
        name: SYNTHETIC.into(),
        auth_info: Some(AuthInfo::default()),
        other: Default::default(),
    });
    kubeconfig.contexts.push(NamedContext {
        name: SYNTHETIC.into(),
        context: Some(Context {
            cluster: SYNTHETIC.into(),
            user: Some(SYNTHETIC.into()),
            ..Default::default()
        }),
        other: Default::default(),
    });
}

fn pick_context(kubeconfig: &Kubeconfig, origin: &str, context: Option<&str>) -> Result<String> {
    let known: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let name = match context.or(kubeconfig.current_context.as_deref()) {
        Some(name) => name.to_string(),
        None => {
            return Err(Error::Failed(format!(
                "the kubeconfig {origin} has no current-context; pass --context ({})",
                list_contexts(&known)
            )))
        }
    };
    if !known.contains(&name) {
        return Err(Error::Failed(format!(
            "context \"{name}\" not found in the kubeconfig {origin} ({})",
            list_contexts(&known)
        )));
    }
    Ok(name)
}

/// The cluster and user names to use: the context's, or `--cluster` and
/// `--user`, which must name entries of the kubeconfig (as in kubectl).
fn chosen_entries(
    kubeconfig: &Kubeconfig,
    context: &str,
    origin: &str,
    overrides: &Overrides,
) -> Result<(String, Option<String>)> {
    let entry = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .unwrap_or_default();
    let cluster = overrides.cluster.clone().unwrap_or(entry.cluster);
    let clusters: Vec<&str> = kubeconfig
        .clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if !clusters.contains(&cluster.as_str()) && overrides.server.is_none() {
        return Err(Error::Failed(format!(
            "cluster \"{cluster}\" not found in the kubeconfig {origin} (known clusters: {})",
            clusters.join(", ")
        )));
    }
    let user = overrides.user.clone().or(entry.user);
    if let Some(name) = &user {
        let users: Vec<&str> = kubeconfig
            .auth_infos
            .iter()
            .map(|u| u.name.as_str())
            .collect();
        if !users.contains(&name.as_str()) && overrides.user.is_some() {
            return Err(Error::Failed(format!(
                "user \"{name}\" not found in the kubeconfig {origin} (known users: {})",
                users.join(", ")
            )));
        }
    }
    Ok((cluster, user))
}

/// `--server`, `--insecure-skip-tls-verify` and `--certificate-authority`
/// over the chosen cluster entry. As in kubectl, either TLS flag replaces
/// the entry's whole trust setting (its CA data and its skip flag), so a
/// kubeconfig CA does not make `--insecure-skip-tls-verify` an error and
/// `--certificate-authority` is not shadowed by embedded CA data.
fn override_cluster(kubeconfig: &mut Kubeconfig, name: &str, overrides: &Overrides) {
    use kube::config::NamedCluster;
    if !kubeconfig.clusters.iter().any(|c| c.name == name) {
        kubeconfig.clusters.push(NamedCluster {
            name: name.to_string(),
            cluster: Some(kube::config::Cluster::default()),
            other: Default::default(),
        });
    }
    let Some(entry) = kubeconfig.clusters.iter_mut().find(|c| c.name == name) else {
        return;
    };
    let cluster = entry.cluster.get_or_insert_with(Default::default);
    if let Some(server) = &overrides.server {
        cluster.server = Some(server.clone());
    }
    if overrides.insecure_skip_tls_verify || overrides.certificate_authority.is_some() {
        cluster.insecure_skip_tls_verify = Some(overrides.insecure_skip_tls_verify);
        cluster.certificate_authority = overrides.certificate_authority.clone();
        cluster.certificate_authority_data = None;
    }
}

fn list_contexts(known: &[String]) -> String {
    if known.is_empty() {
        "it defines no context".to_string()
    } else {
        format!("known contexts: {}", known.join(", "))
    }
}

fn in_cluster(context: Option<&str>) -> Result<Config> {
    let home = std::env::home_dir()
        .map(|h| h.join(".kube").join("config"))
        .unwrap_or_else(|| PathBuf::from("~/.kube/config"));
    if let Some(name) = context {
        return Err(Error::Failed(format!(
            "context \"{name}\" not found: there is no kubeconfig (no --kubeconfig, KUBECONFIG is not set, {} does not exist)",
            home.display()
        )));
    }
    Config::incluster().map_err(|e| {
        Error::Failed(format!(
            "no cluster to talk to: no kubeconfig (no --kubeconfig, KUBECONFIG is not set, {} does not exist) and not inside a cluster ({e})",
            home.display()
        ))
    })
}
