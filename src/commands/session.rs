//! What the cluster commands share: the async runtime, the connection
//! built from the global flags, and terminal detection.

use std::io::IsTerminal;

use crate::cli::GlobalArgs;
use crate::cluster::connect::{self, Target};
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

/// Connect as `--kubeconfig`/`--context` say.
pub async fn transport(global: &GlobalArgs) -> Result<Transport> {
    let timeout = request_timeout(global)?;
    let target = Target {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
    };
    let connection = connect::connect(&target, timeout).await?;
    Ok(Transport::new(connection, timeout, Backoff::default()))
}

/// Colour and live progress only for a person at a terminal; `NO_COLOR`
/// (https://no-color.org) turns colour off.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

pub fn use_colour() -> bool {
    stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
