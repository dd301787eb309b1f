//! What the process start gives every command, whichever entry point the
//! platform uses (on Linux with glibc the program starts at its own C
//! `main`, not std's): a closed pipe ends the output quietly, and a closed
//! standard output is no error and changes nothing else.

mod common;
mod support;

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

/// Run `command` with its standard output closed, as `>&-` leaves it: its
/// exit code and what it wrote on stderr.
fn run_with_stdout_closed(command: &mut Command) -> (Option<i32>, String) {
    // SAFETY: close() is async-signal-safe; it runs in the child only.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let output = command
        .stderr(Stdio::piped())
        .output()
        .expect("the plugin starts");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn render_into_a_folder_with_stdout_closed_writes_the_same_files_and_exits_0() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let render = |out: &str| {
        let mut command = plugin();
        command
            .args(["render", "-f"])
            .arg(example("deployment.yaml"))
            .arg("--output-dir")
            .arg(dir.path().join(out));
        command
    };
    let (code, stderr) = run_with_stdout_closed(&mut render("closed"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    let opened = render("open").output().expect("the plugin starts");
    assert_eq!(opened.status.code(), Some(0));
    // The report went nowhere: no file holds it, or differs at all.
    let (_, closed) = common::read_dir(&dir.path().join("closed"));
    let (_, open) = common::read_dir(&dir.path().join("open"));
    assert!(closed.contains_key("kustomization.yaml"), "{closed:?}");
    assert_eq!(closed, open);
}

#[test]
fn diff_into_a_closed_stdout_talks_to_the_server_undisturbed() {
    // The kubeconfig, the runtime and the connection are all opened while
    // stdout is closed.
    let sandbox = support::Sandbox::start_with(support::ServerOptions::default());
    let (code, stderr) = run_with_stdout_closed(
        plugin()
            .arg("--kubeconfig")
            .arg(&sandbox.kubeconfig)
            .args(["diff", "--allow-unset", "-f"])
            .arg(example("deployment.yaml"))
            .env_remove("KUBECTL_EXTERNAL_DIFF"),
    );
    // 1: differences found (everything is new), as kubectl diff says it.
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn version_into_a_closed_stdout_exits_0() {
    assert_eq!(
        run_with_stdout_closed(plugin().arg("version")),
        (Some(0), String::new())
    );
}
