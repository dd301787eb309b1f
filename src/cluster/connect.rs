//! Finding the cluster the way kubectl does: `--kubeconfig`, else
//! `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service
//! account; `--context` picks a context of the kubeconfig.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// The flags that say which cluster to talk to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
}

/// A client and what to call its server in messages.
pub struct Connection {
    pub client: Client,
    pub server: String,
}

/// Load the configuration and build a client. Nothing is sent yet: the
/// first request shows whether the server is there.
pub async fn connect(target: &Target, request_timeout: Option<Duration>) -> Result<Connection> {
    let mut config = match load_kubeconfig(target.kubeconfig.as_deref())? {
        Some((kubeconfig, origin)) => {
            from_kubeconfig(kubeconfig, &origin, target.context.as_deref()).await?
        }
        None => in_cluster(target.context.as_deref())?,
    };
    // Retries are ours (they honour Retry-After and cover dropped
    // connections), so kube's own layer would only multiply attempts.
    config.default_retry = false;
    if let Some(limit) = request_timeout {
        config.connect_timeout = Some(config.connect_timeout.map_or(limit, |c| c.min(limit)));
    }
    let server = config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let client = Client::try_from(config)
        .map_err(|e| Error::Failed(format!("cannot set up a client for {server}: {e}")))?;
    Ok(Connection { client, server })
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
    kubeconfig: Kubeconfig,
    origin: &str,
    context: Option<&str>,
) -> Result<Config> {
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
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..KubeConfigOptions::default()
    };
    Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| {
            Error::Failed(format!(
                "context \"{name}\" in the kubeconfig {origin}: {e}"
            ))
        })
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
