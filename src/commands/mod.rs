//! One module per subcommand; this one dispatches and prints diagnostics.

/// `println!` for command output, through `say`.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::commands::say(format_args!($($arg)*))
    };
}

/// `print!` for command output, through `say_partial`.
macro_rules! say_partial {
    ($($arg:tt)*) => {
        $crate::commands::say_partial(format_args!($($arg)*))
    };
}

mod apply;
mod completion;
mod delete;
mod diff;
mod explain;
mod external_diff;
mod init;
mod input;
mod krm;
mod progress;
mod prune;
mod render;
mod render_explain;
mod schema;
mod session;
mod validate;
mod values;
mod version;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};

pub use input::load_build;
pub use version::{platform, VersionInfo, VersionOutput};

/// Run a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Render(args) => render::run(&cli.global, &args),
        Command::Validate(args) => validate::run(&cli.global, &args),
        Command::Diff(args) => diff::run(&cli.global, &args),
        Command::Apply(args) => apply::run(&cli.global, &args),
        Command::Delete(args) => delete::run(&cli.global, &args),
        Command::Init(args) => init::run(&cli.global, &args),
        Command::Version(args) => version::run(&args),
        Command::Completion(args) => completion::run(&args),
        Command::Fn(args) => krm::run(&cli.global, &args),
        Command::Schema(args) => schema::run(&args),
        Command::Explain(args) => explain::run(&args),
    }
}

/// Print warnings to stderr, one per line.
pub fn print_warnings(warnings: &[Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}

/// Everything apply and diff read before their first write, at once (one
/// round trip): the collections of the manifests, those of the Secrets and
/// ConfigMaps the workloads refer to (`cluster::references`), and single
/// `objects` of collections not listed otherwise (the ApplySet parent).
pub async fn read_before(
    transport: &crate::cluster::transport::Transport,
    manifests: &[crate::render::Manifest],
    objects: Vec<crate::cluster::transport::Target>,
    concurrency: usize,
) -> Result<crate::cluster::listed::Listed> {
    crate::cluster::listed::Listed::read(
        transport,
        reads_before(transport, manifests, objects),
        concurrency,
    )
    .await
    .map_err(|fatal| Error::Failed(fatal.to_string()))
}

/// The reads of `read_before`.
pub fn reads_before(
    transport: &crate::cluster::transport::Transport,
    manifests: &[crate::render::Manifest],
    objects: Vec<crate::cluster::transport::Target>,
) -> crate::cluster::listed::Reads {
    let mut reads = crate::cluster::listed::Reads::of(transport, manifests);
    for collection in crate::cluster::references::collections(manifests) {
        reads.collection(collection);
    }
    for target in objects {
        reads.object(target);
    }
    reads
}

/// Warn (on stderr) about existing Secrets/ConfigMaps the workloads read
/// that are not in the cluster; see `cluster::references`.
pub fn warn_missing_references(
    listed: &crate::cluster::listed::Listed,
    manifests: &[crate::render::Manifest],
) {
    for warning in crate::cluster::references::missing(listed, manifests) {
        eprintln!("warning: {}", crate::sanitize::for_terminal(&warning));
    }
}

/// Print an error the way every command does: each diagnostic of an
/// invalid state, then the summary line.
pub fn print_error(error: &Error) {
    if let Error::Invalid(diags) = error {
        for item in &diags.items {
            eprintln!("{item}");
        }
    }
    eprintln!("error: {error}");
}

/// A progress or result line for stdout. A reader that went away (`| head`)
/// must not stop the work half-way (an apply between two phases), so a
/// failed write is ignored; the exit status still tells the outcome.
pub fn say(line: std::fmt::Arguments<'_>) {
    let _ = emit(&format!("{line}\n"));
}

/// Like `say`, without the newline (a progress line rewritten in place).
pub fn say_partial(text: std::fmt::Arguments<'_>) {
    let _ = emit(&text.to_string());
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("<stdout>", e)),
    }
}
