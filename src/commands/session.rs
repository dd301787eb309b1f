//! What the cluster commands share: the async runtime, the connection
//! built from the global flags, and terminal detection.

use std::io::IsTerminal;

use crate::cli::{ColorWhen, GlobalArgs};
use crate::cluster::connect::{self, Overrides, Target};
use crate::cluster::duration;
use crate::cluster::retry::Backoff;
use crate::cluster::transport::Transport;
use crate::error::{Error, Result};

/// A single-threaded runtime: the work is waiting on the network, and it
/// starts in microseconds.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the async runtime: {e}")))
}

/// `--request-timeout`, checked before anything is sent.
pub fn request_timeout(global: &GlobalArgs) -> Result<Option<std::time::Duration>> {
    match global.request_timeout.as_deref() {
        None => Ok(None),
        Some(text) => {
            duration::parse(text).map_err(|e| Error::Usage(format!("--request-timeout: {e}")))
        }
    }
}

/// Connect as `--kubeconfig`, `--context` and the connection flags say.
pub async fn transport(global: &GlobalArgs, field_manager: &str) -> Result<Transport> {
    let timeout = request_timeout(global)?;
    let connection = connect::connect(&target(global), timeout).await?;
    Ok(Transport::new(connection, timeout, Backoff::default())
        .with_verbosity(global.verbosity)
        .with_field_manager(field_manager))
}

/// The cluster and identity the global flags name.
pub fn target(global: &GlobalArgs) -> Target {
    let flags = &global.connection;
    Target {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
        overrides: Overrides {
            cluster: flags.cluster.clone(),
            user: flags.user.clone(),
            server: flags.server.clone(),
            token: flags.token.as_ref().map(|t| t.0.clone()),
            impersonate: flags.impersonate.clone(),
            impersonate_groups: flags.impersonate_groups.clone(),
            insecure_skip_tls_verify: flags.insecure_skip_tls_verify,
            certificate_authority: flags.certificate_authority.clone(),
            client_certificate: flags.client_certificate.clone(),
            client_key: flags.client_key.clone(),
        },
    }
}

/// Colour and live progress only for a person at a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// `--color`: `always` and `never` say it; `auto` colours a terminal
/// unless `NO_COLOR` (https://no-color.org) is set to something.
pub fn use_colour(global: &GlobalArgs) -> bool {
    match global.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
