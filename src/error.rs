//! Errors that end a command, and the exit status each one means.
//!
//! The exit status of every command, in one place (the README's table):
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success; `diff`: no difference |
//! | 1 | the work is incomplete because of the objects: `diff` found differences; `render` skipped files; `apply`: the server refused objects (invalid, conflict, forbidden), or `--wait` timed out / a rollout failed |
//! | 2 | the state or the command line is wrong: nothing was written or sent |
//! | 3 | a file, the terminal or the cluster failed, whatever the command and however far it got: unreachable, credentials refused, no answer in time, connection lost, the server failing (5xx, 429 after retries; `Failure::is_fault`); `diff`: an object it could not compare |
//! | 130 | the interactive wizard was cancelled |

use std::path::PathBuf;

use crate::diag::Diagnostics;

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: differences found (diff), files not overwritten (render),
/// objects not applied (apply).
pub const EXIT_INCOMPLETE: i32 = 1;
/// Exit status: invalid state or usage.
pub const EXIT_INVALID: i32 = 2;
/// Exit status: input/output or cluster failure.
pub const EXIT_FAILURE: i32 = 3;
/// Exit status: the user stopped the interactive wizard (Ctrl-C, end of
/// input); 128 + SIGINT, as shells report an interrupted command.
pub const EXIT_CANCELLED: i32 = 130;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or its combination of options is wrong.
    #[error("{0}")]
    Usage(String),
    /// The state does not parse.
    #[error("{source_name}:{location}: {message}")]
    Syntax {
        source_name: String,
        location: String,
        message: String,
    },
    /// The state parses but breaks rules; every problem is listed.
    #[error("the state has {} error(s); nothing was written or sent", .0.errors().count())]
    Invalid(Diagnostics),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The work was done only in part; the message says what is missing.
    #[error("{0}")]
    Incomplete(String),
    /// Anything else that went wrong outside the tool (cluster, terminal).
    #[error("{0}")]
    Failed(String),
    /// The user stopped the interactive wizard before it finished.
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// Esc at a question of the interactive wizard: go back one step. The
    /// wizard's flow always catches it; it never ends a command.
    #[error("went back a step")]
    Back,
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Syntax { .. } | Error::Invalid(_) => EXIT_INVALID,
            Error::Incomplete(_) => EXIT_INCOMPLETE,
            Error::Io { .. } | Error::Failed(_) => EXIT_FAILURE,
            Error::Cancelled | Error::Back => EXIT_CANCELLED,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
