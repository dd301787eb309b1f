//! Helpers shared by the integration tests: run the built binary the way a
//! user does, in a working folder of its own.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// Run `kubectl-wizard` with `args` in `dir`, feeding `stdin` (empty when
/// `None`, so the command never sees a terminal).
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::cargo_bin("kubectl-wizard").expect("the binary is built");
    cmd.current_dir(dir)
        .args(args)
        // A panic must not turn into a backtrace even when one is asked for.
        .env("RUST_BACKTRACE", "1")
        .write_stdin(stdin.unwrap_or(""));
    cmd.output().expect("the binary runs")
}

/// Run `kubectl-wizard` in a fresh, empty working folder.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = TempDir::new().expect("temp dir");
    run_in(dir.path(), args, stdin)
}

/// A temporary working folder holding a state file.
pub struct StateDir {
    pub dir: TempDir,
}

impl StateDir {
    /// A new folder with `text` written to `state.yaml`.
    pub fn new(text: &str) -> StateDir {
        StateDir::with_file("state.yaml", text)
    }

    /// A new folder with `text` written to `name`.
    pub fn with_file(name: &str, text: &str) -> StateDir {
        let dir = TempDir::new().expect("temp dir");
        std::fs::write(dir.path().join(name), text).expect("write state");
        StateDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the folder.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args, None)
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn status(output: &Output) -> i32 {
    output.status.code().expect("the process exited")
}
