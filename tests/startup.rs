//! What the process start gives every command, whichever entry point the
//! platform uses (on Linux with glibc the program starts at its own C
//! `main`, not std's): a closed pipe ends the output quietly, and a
//! standard stream the parent closed does not swallow or misplace output.

mod common;
mod support;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use common::example;

fn plugin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("kubectl-wizard"))
}

/// A pipe whose reading end is already closed: the first write to the
/// other end fails (EPIPE), or raises SIGPIPE where that is not ignored.
fn pipe_without_reader() -> OwnedFd {
    let mut ends = [0; 2];
    // SAFETY: `ends` has room for the two descriptors pipe() returns.
    assert_eq!(unsafe { libc::pipe(ends.as_mut_ptr()) }, 0, "pipe()");
    // SAFETY: both descriptors were just created and are owned here.
    let (reader, writer) =
        unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) };
    drop(reader);
    writer
}

#[test]
fn output_into_a_pipe_nobody_reads_ends_with_exit_code_0_and_no_message() {
    // `render -o yaml | head -1` as a shell runs it, once head has gone.
    let output = plugin()
        .args(["render", "-o", "yaml", "-f"])
        .arg(example("multi-service.yaml"))
        .stdout(Stdio::from(pipe_without_reader()))
        .stderr(Stdio::piped())
        .output()
        .expect("the plugin starts");
    assert_eq!(
        output.status.signal(),
        None,
        "killed by a signal (SIGPIPE is 13) instead of ending on EPIPE"
    );
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("error") && !stderr.to_lowercase().contains("broken pipe"),
        "{stderr}"
    );
}

#[test]
fn a_closed_stdout_is_neither_an_error_nor_a_place_for_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("deploy");
    let output = with_stdout_closed(
        plugin()
            .args(["render", "-f"])
            .arg(example("deployment.yaml"))
            .arg("--output-dir")
            .arg(&out)
            .stderr(Stdio::piped()),
    )
    .output()
    .expect("the plugin starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    // The report went nowhere, and no file holds it: a file opened while
    // stdout was closed would have taken its number.
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&out).expect("the folder was written") {
        let path = entry.expect("folder entry").path();
        if path.is_file() {
            let mut text = String::new();
            std::fs::File::open(&path)
                .and_then(|mut f| f.read_to_string(&mut text))
                .expect("readable file");
            assert!(
                !text.contains("wrote "),
                "{} holds the report",
                path.display()
            );
            names.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        }
    }
    assert!(
        names.contains(&Some("kustomization.yaml".to_string())),
        "{names:?}"
    );
}

/// The command with its standard output closed, as `>&-` leaves it.
fn with_stdout_closed(command: &mut Command) -> &mut Command {
    // SAFETY: close() is async-signal-safe; it runs in the child only.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            Ok(())
        })
    }
}

#[test]
fn diff_into_a_closed_stdout_talks_to_the_server_undisturbed() {
    // The kubeconfig, the runtime and the connection are all opened while
    // stdout is closed; none of them may take its number.
    let sandbox = support::Sandbox::start_with(support::ServerOptions::default());
    let output = with_stdout_closed(
        plugin()
            .arg("--kubeconfig")
            .arg(&sandbox.kubeconfig)
            .args(["diff", "--allow-unset", "-f"])
            .arg(example("deployment.yaml"))
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .stderr(Stdio::piped()),
    )
    .output()
    .expect("the plugin starts");
    // 1: differences found (everything is new), as kubectl diff says it.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn version_into_a_closed_stdout_exits_0() {
    let output = with_stdout_closed(plugin().arg("version").stderr(Stdio::piped()))
        .output()
        .expect("the plugin starts");
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned()
        ),
        (Some(0), String::new())
    );
}
