//! kubectl plugin conventions: `version`, `completion`, and the
//! `kubectl_complete-wizard` protocol, driven through the built binaries
//! (and through the real kubectl when it is installed).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

fn wizard() -> Command {
    Command::cargo_bin("kubectl-wizard").unwrap()
}

fn stdout_of(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// `kubectl version`'s shape: `Client Version: vX` in plain text, the
/// fields under `clientVersion` in JSON and YAML.
#[test]
fn version_looks_like_kubectl_version() {
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        stdout_of(wizard().arg("version")),
        format!("Client Version: {version}\n")
    );
    // kubectl's habit: `--client` is accepted and changes nothing.
    assert_eq!(
        stdout_of(wizard().args(["version", "--client"])),
        format!("Client Version: {version}\n")
    );

    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(wizard().args(["version", "-o", "json"]))).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["clientVersion"]);
    let client = &json["clientVersion"];
    let fields: Vec<&str> = client
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "major",
            "minor",
            "gitVersion",
            "gitCommit",
            "buildDate",
            "rustVersion",
            "compiler",
            "platform"
        ]
    );
    assert_eq!(client["gitVersion"], version.as_str());
    let mut numbers = env!("CARGO_PKG_VERSION").split('.');
    assert_eq!(client["major"], numbers.next().unwrap());
    assert_eq!(client["minor"], numbers.next().unwrap());
    assert_eq!(client["compiler"], "rustc");
    let platform = client["platform"].as_str().unwrap();
    let (os, arch) = platform.split_once('/').unwrap();
    assert!(["linux", "darwin", "windows"].contains(&os), "{platform}");
    assert!(
        !arch.is_empty() && arch != "x86_64" && arch != "aarch64",
        "{platform}"
    );

    let yaml: serde_json::Value =
        serde_yaml::from_str(&stdout_of(wizard().args(["version", "-o", "yaml"]))).unwrap();
    assert_eq!(yaml, json);
}

/// Built from this checkout, the binary knows its commit and that commit's
/// date (build.rs), as `git` reports them.
#[test]
fn version_names_the_commit_it_was_built_from() {
    // `git` in UTC, since the build's date is.
    let git = |args: &[&str]| {
        Process::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("TZ", "UTC")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(wizard().args(["version", "-o", "json"]))).unwrap();
    let client = &json["clientVersion"];
    let Some(head) = git(&["rev-parse", "HEAD"]) else {
        // A source archive without git: the build says so.
        assert_eq!(client["gitCommit"], "unknown");
        return;
    };
    // With the build's variables set (as for a commit-heavy loop), the
    // version says what they say: checked too, never skipped.
    match std::env::var("KUBECTL_WIZARD_GIT_COMMIT") {
        Ok(commit) => assert_eq!(client["gitCommit"], commit.as_str()),
        Err(_) => assert_eq!(client["gitCommit"], head.as_str()),
    }
    let date = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) => Some(utc(epoch.parse().expect("SOURCE_DATE_EPOCH is a number"))),
        Err(_) => git(&[
            "show",
            "-s",
            "--format=%cd",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
            "HEAD",
        ]),
    };
    assert_eq!(client["buildDate"].as_str(), date.as_deref());
}

/// `1970-01-01T00:00:00Z` for 0 seconds since the epoch.
fn utc(seconds: i64) -> String {
    let (year, month, day) =
        kubectl_wizard::cluster::log::civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// kubectl 1.28 dropped `version --short`; so do we, saying what to use.
#[test]
fn version_short_is_refused_with_a_note() {
    for args in [
        &["version", "--short"][..],
        &["version", "--short", "-o", "json"],
    ] {
        let output = wizard().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(output.stdout.is_empty(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--short was removed, as kubectl 1.28 removed it")
                && stderr.contains("-o json"),
            "{stderr}"
        );
    }
    let help = stdout_of(wizard().args(["version", "--help"]));
    assert!(!help.contains("--short"), "{help}");
}

#[test]
fn help_speaks_of_kubectl_wizard() {
    let help = stdout_of(wizard().arg("--help"));
    assert!(
        help.contains("Usage: kubectl wizard [OPTIONS] <COMMAND>"),
        "{help}"
    );
    let render = stdout_of(wizard().args(["render", "-h"]));
    assert!(
        render.contains("Usage: kubectl wizard render [OPTIONS]"),
        "{render}"
    );
    for flag in ["--namespace", "--context", "--kubeconfig"] {
        assert!(render.contains(flag), "{flag} missing from render help");
    }
}

#[test]
fn completion_scripts_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _kubectl__wizard"),
        ("zsh", "#compdef kubectl-wizard"),
        ("fish", "complete -c kubectl-wizard"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(wizard().args(["completion", shell]));
        assert!(script.contains(marker), "{shell}: {marker} missing");
    }
    wizard().args(["completion", "tcsh"]).assert().code(2);
}

/// Run the bash completion function as bash would for `words` (the last
/// one being completed) and return what it offers.
fn bash_complete(words: &[&str]) -> String {
    let script = stdout_of(wizard().args(["completion", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}' && complete -p kubectl-wizard >/dev/null && \
         COMP_WORDS=({}) && COMP_CWORD={cword} && \
         _kubectl__wizard kubectl-wizard '{}' '{prev}' && echo \"${{COMPREPLY[*]}}\"",
        path.display(),
        quoted.join(" "),
        words[cword],
    );
    let output = Process::new("bash")
        .args(["-c", &program])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[test]
fn bash_completion_loads_and_completes_subcommands_and_their_flags() {
    assert_eq!(bash_complete(&["kubectl-wizard", "re"]), "render");
    assert_eq!(
        bash_complete(&["kubectl-wizard", "render", "-o", ""]),
        "yaml json"
    );
    assert_eq!(
        bash_complete(&["kubectl-wizard", "render", "--f"]),
        "--filename --force"
    );
}

fn complete_with(binary: &str, words: &[&str]) -> String {
    let mut command = Command::cargo_bin(binary).unwrap();
    if binary == "kubectl-wizard" {
        command.arg("__complete");
    }
    stdout_of(command.args(words))
}

#[test]
fn cobra_protocol_from_both_entry_points() {
    for binary in ["kubectl_complete-wizard", "kubectl-wizard"] {
        assert_eq!(
            complete_with(binary, &["re"]),
            "render\tWrite the manifests of a state as files, or print them\n:4\n"
        );
        // Flags in the words are completed, not parsed as our own: a
        // namespace has no offline candidates, and after it come the
        // subcommands as before.
        assert_eq!(complete_with(binary, &["-n", ""]), ":4\n");
        assert_eq!(
            complete_with(binary, &["-n", "prod", ""]),
            complete_with(binary, &[""])
        );
        assert_eq!(
            complete_with(binary, &["render", "-f", ""]),
            "yaml\nyml\njson\n:8\n"
        );
        assert_eq!(complete_with(binary, &["version", "-o", "j"]), "json\n:4\n");
    }
}

#[test]
fn context_values_come_from_the_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n\
         - name: prod\n  context: {cluster: c, user: u}\n\
         - name: staging\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let got = stdout_of(
        Command::cargo_bin("kubectl_complete-wizard")
            .unwrap()
            .env_remove("KUBECONFIG")
            .args(["--kubeconfig", config.to_str().unwrap(), "--context", "st"]),
    );
    assert_eq!(got, "staging\n:4\n");
}

/// A PATH holding only the two built executables, then the system's.
fn plugin_path() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    for name in ["kubectl-wizard", "kubectl_complete-wizard"] {
        let built = assert_cmd::cargo::cargo_bin(name);
        std::fs::copy(&built, dir.path().join(built.file_name().unwrap())).unwrap();
    }
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", dir.path().display());
    (dir, path)
}

/// The real kubectl, a prerequisite of the tests (README, *Development*):
/// missing, the test fails rather than passing without running.
fn kubectl() -> PathBuf {
    ["/usr/local/bin/kubectl", "/usr/bin/kubectl"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("kubectl is not installed in /usr/local/bin or /usr/bin: the tests need the real kubectl (see README, Development)")
}

fn run_kubectl(kubectl: &Path, path: &str, args: &[&str]) -> std::process::Output {
    Process::new(kubectl)
        .args(args)
        .env("PATH", path)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap()
}

#[test]
fn the_real_kubectl_finds_runs_and_completes_the_plugin() {
    let kubectl = kubectl();
    let (_dir, path) = plugin_path();

    let list = run_kubectl(&kubectl, &path, &["plugin", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    let warnings = String::from_utf8_lossy(&list.stderr);
    assert!(list.status.success(), "{list:?}");
    assert!(listed.contains("/kubectl-wizard\n"), "{listed}");
    assert!(!listed.contains("kubectl_complete"), "{listed}");
    assert!(!warnings.contains("warning"), "{warnings}");

    let version = run_kubectl(&kubectl, &path, &["wizard", "version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("Client Version: v{}\n", env!("CARGO_PKG_VERSION"))
    );

    let completion = run_kubectl(&kubectl, &path, &["__complete", "wizard", "re"]);
    let offered = String::from_utf8_lossy(&completion.stdout);
    assert!(offered.starts_with("render\t"), "{offered}");
    assert!(offered.ends_with("\n:4\n"), "{offered}");
}
