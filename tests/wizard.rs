//! The interactive wizard, driven through a pseudo-terminal exactly as a
//! user types: prompts are waited for, answers sent key by key.

use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::Command as AssertCommand;
use rexpect::session::{spawn_command, PtySession};
use serde_json::Value;

/// Generous for a loaded machine; a passing run answers in milliseconds.
const TIMEOUT_MS: u64 = 15_000;

/// Move down one item in a list (dialoguer's `j`).
const DOWN: &str = "j";

fn spawn(dir: &Path, args: &[&str]) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-wizard"));
    command
        .args(args)
        .current_dir(dir)
        .env("CLICOLOR", "0")
        .env("TERM", "xterm");
    spawn_command(command, Some(TIMEOUT_MS)).expect("spawn in a pty")
}

/// Wait for a question, then answer it (the answer is followed by Enter).
fn answer(p: &mut PtySession, question: &str, keys: &str) {
    if let Err(e) = p.exp_string(question) {
        panic!("waiting for the question \"{question}\": {e}");
    }
    p.send_line(keys).expect("send answer");
}

fn exit_code(p: &mut PtySession) -> i32 {
    p.exp_eof().expect("the wizard ends");
    // rexpect reports nix's WaitStatus, which it does not re-export:
    // `Exited(Pid(123), 0)` for a normal exit.
    let status = format!("{:?}", p.process().wait().expect("wait"));
    status
        .strip_prefix("Exited(")
        .and_then(|rest| rest.rsplit_once(", "))
        .and_then(|(_, code)| code.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("the wizard did not exit normally: {status}"))
}

fn read_state(path: &Path) -> Value {
    let text = fs::read_to_string(path).expect("state saved");
    kubectl_wizard::yaml::parse(&text).expect("saved state parses")
}

/// Project questions: namespace shop, default folder, an Ingress host.
fn answer_project(p: &mut PtySession) {
    answer(p, "Namespace", "shop");
    answer(p, "Folder for the generated files", "");
    answer(p, "Ingress host", "shop.example.com");
}

/// The seed document's StatefulSet, with two claim templates.
fn answer_statefulset(p: &mut PtySession) {
    answer(p, "Service name", "api");
    answer(p, "Kind of workload", DOWN);
    answer(p, "Container image", "api:latest");
    answer(p, "Container port", "");
    answer(p, "Replicas", "3");
    answer(p, "Headless Service name", "");
    answer(p, "Pod management policy", DOWN);
    answer(p, "Update strategy", "");
    // A partition above the replica count would update no pod: asked again.
    answer(p, "Partition, 0 to 3", "4");
    answer(p, "found 4, above the 3 replicas", "2");
    // With an Ingress host, the question says the Ingress routes to it.
    answer(p, "Ingress will also route to it", "y");
    answer(p, "Add a volume claim template", "");
    answer(p, "Claim template name", "");
    answer(p, "Mount path in the container", "");
    answer(p, "Size", "10Gi");
    answer(p, "Access mode", "");
    answer(p, "Storage class", "longhorn");
    answer(p, "Add another claim template?", "y");
    answer(p, "Claim template name", "");
    answer(p, "Mount path in the container", "/var/log/app");
    answer(p, "Size", "5Gi");
    answer(p, "Access mode", "");
    answer(p, "Storage class", "");
    answer(p, "Add another claim template?", "");
    skip_groups(p, true);
}

/// Decline every optional group of a long-running service; only
/// Deployments and StatefulSets are offered autoscaling.
fn skip_groups(p: &mut PtySession, scalable: bool) {
    answer(p, "Add health checks", "");
    answer(p, "Set CPU and memory", "");
    answer(p, "Add environment variables?", "");
    answer(p, "Add init containers", "");
    answer(p, "Add sidecar containers", "");
    answer(p, "Join a service mesh", "");
    if scalable {
        answer(p, "Scale automatically", "");
    }
}

#[test]
fn init_saves_a_statefulset_and_a_deployment_that_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer_project(&mut p);
    answer_statefulset(&mut p);
    // A yes/no question takes y or n, and explains so.
    answer(&mut p, "Add another service?", "maybe");
    answer(&mut p, "answer y (yes) or n (no)", "y");

    // A name that is not a DNS label is explained and asked again.
    answer(&mut p, "Service name", "Web");
    answer(&mut p, "a name must be a DNS-1123 label", "web");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container image", "ghcr.io/example/web:1.4.2");
    // So is a port that is not a number.
    answer(&mut p, "Container port", "80a");
    answer(&mut p, "expected a port", "8080");
    answer(&mut p, "Replicas", "2");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "maxSurge", "25%");
    answer(&mut p, "maxUnavailable", "1");
    answer(&mut p, "Add volumes", "");
    // Tick the only earlier service with a Service: api.
    answer(&mut p, "Services web waits for", " ");
    answer(&mut p, "Add health checks", "");
    answer(&mut p, "Set CPU and memory", "");
    answer(&mut p, "Add environment variables?", "y");
    answer(&mut p, "Variable name", "APP_ENV");
    answer(&mut p, "Kind of value", "");
    answer(&mut p, "Value", "production");
    answer(&mut p, "Add another variable?", "y");
    answer(&mut p, "Variable name", "API_SECRET");
    p.exp_string("Kind of value").unwrap();
    p.send(DOWN).unwrap();
    p.send_line(DOWN).unwrap();
    answer(&mut p, "Add another variable?", "y");
    answer(&mut p, "Variable name", "LOG_LEVEL");
    answer(&mut p, "Kind of value", DOWN);
    answer(&mut p, "Placeholder", "");
    answer(&mut p, "Add another variable?", "");
    answer(&mut p, "Add init containers", "");
    answer(&mut p, "Add sidecar containers", "");
    answer(&mut p, "Join a service mesh", "");
    answer(&mut p, "Scale automatically", "");
    answer(&mut p, "Add another service?", "");

    // The summary lists the files render would write.
    p.exp_string("render writes them to k8s/").unwrap();
    p.exp_string("api-statefulset.yaml").unwrap();
    p.exp_string("web-deployment.yaml").unwrap();
    p.exp_string("kustomization.yaml").unwrap();
    p.exp_string("Saved the answers to wizard-state.yaml")
        .unwrap();
    assert_eq!(exit_code(&mut p), 0);

    let path = dir.path().join("wizard-state.yaml");
    let state = read_state(&path);
    assert_eq!(state["namespace"], "shop");
    assert_eq!(state["output_dir"], "k8s");
    assert_eq!(state["ingress"], "shop.example.com");
    let api = &state["_services"][0];
    assert_eq!(api["name"], "api");
    assert_eq!(api["kind"], "StatefulSet");
    assert_eq!(api["image"], "api:latest");
    assert_eq!(api["port"], 8080);
    assert_eq!(api["replicas"], 3);
    assert_eq!(api["headlessServiceName"], "api-headless");
    assert_eq!(api["podManagementPolicy"], "Parallel");
    assert_eq!(api["strategy"], "RollingUpdate");
    assert_eq!(api["partition"], 2);
    assert_eq!(api["alsoCreateClusterIP"], true);
    let vcts = api["volumeClaimTemplates"].as_array().unwrap();
    assert_eq!(vcts.len(), 2);
    assert_eq!(vcts[0]["name"], "data");
    assert_eq!(vcts[0]["mountPath"], "/var/lib/data");
    assert_eq!(vcts[0]["size"], "10Gi");
    assert_eq!(vcts[0]["accessMode"], "ReadWriteOnce");
    assert_eq!(vcts[0]["storageClass"], "longhorn");
    assert_eq!(vcts[1]["name"], "logs");
    assert_eq!(vcts[1]["mountPath"], "/var/log/app");
    assert_eq!(vcts[1]["size"], "5Gi");
    assert_eq!(vcts[1]["storageClass"], "");
    assert!(api.get("envVars").is_none());

    let web = &state["_services"][1];
    assert_eq!(web["name"], "web");
    assert_eq!(web["kind"], "Deployment");
    assert_eq!(web["port"], 8080);
    assert_eq!(web["replicas"], 2);
    assert_eq!(web["serviceType"], "ClusterIP");
    assert_eq!(web["maxSurge"], "25%");
    assert_eq!(web["maxUnavailable"], 1);
    assert_eq!(web["dependencies"], serde_json::json!(["api"]));
    assert_eq!(
        web["envVars"],
        serde_json::json!([
            {"key": "APP_ENV", "type": "hardcoded", "value": "production"},
            {"key": "API_SECRET", "type": "secret"},
            {"key": "LOG_LEVEL", "type": "variable", "varName": "${LOG_LEVEL}"},
        ])
    );

    // The saved state is an ordinary state file.
    let out = dir.path().join("out");
    AssertCommand::cargo_bin("kubectl-wizard")
        .unwrap()
        .current_dir(dir.path())
        .args(["render", "-f", "wizard-state.yaml", "--output-dir", "out"])
        .assert()
        .success();
    let mut files: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "api-headless-service.yaml",
            "api-service.yaml",
            "api-statefulset.yaml",
            "ingress.yaml",
            "kustomization.yaml",
            "namespace.yaml",
            "secrets",
            "web-config.yaml",
            "web-deployment.yaml",
            "web-service.yaml",
        ]
    );
    let statefulset = fs::read_to_string(out.join("api-statefulset.yaml")).unwrap();
    assert!(statefulset.contains("storageClassName: longhorn"));
    assert!(statefulset.contains("mountPath: /var/log/app"));
    let deployment = fs::read_to_string(out.join("web-deployment.yaml")).unwrap();
    assert!(deployment.contains("name: wait-for-api"));
    let secret = fs::read_to_string(out.join("secrets").join("web-secrets.yaml")).unwrap();
    assert!(secret.contains("API_SECRET: CHANGE_ME"));
}

#[test]
fn without_a_terminal_init_and_render_fail_at_once_pointing_to_f() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["init"][..], &["render"][..]] {
        let output = AssertCommand::cargo_bin("kubectl-wizard")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .write_stdin("")
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("-f FILE"), "{args:?}: {stderr}");
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn ctrl_c_writes_nothing_and_shows_the_cursor_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer_project(&mut p);
    answer(&mut p, "Service name", "web");
    // Stop in a list, where dialoguer hides the cursor.
    p.exp_string("Kind of workload").unwrap();
    p.send_control('c').unwrap();
    let rest = p.exp_string("cancelled; nothing was written").unwrap();
    assert!(rest.contains("\x1b[?25h"), "cursor shown again: {rest:?}");
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_existing_file_is_kept_unless_replacing_is_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("wizard-state.yaml");
    fs::write(&existing, "keep me\n").unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer(&mut p, "Namespace", "");
    answer(&mut p, "Folder for the generated files", "");
    answer(&mut p, "Ingress host", "");
    answer(&mut p, "Service name", "nightly");
    p.exp_string("Kind of workload").unwrap();
    p.send(&DOWN.repeat(4)).unwrap();
    p.send_line("").unwrap();
    answer(&mut p, "Container image", "busybox:1.36");
    answer(&mut p, "Schedule", "every night");
    answer(&mut p, "expected a five-field cron expression", "0 3 * * *");
    answer(&mut p, "When a run is due", "");
    answer(&mut p, "Command, run with sh -c", "echo hello");
    answer(&mut p, "Arguments", "");
    answer(&mut p, "When the container fails", "");
    answer(&mut p, "Set retry, parallelism and time limits?", "");
    answer(&mut p, "Set history limits", "");
    answer(&mut p, "Set CPU and memory", "");
    answer(&mut p, "Add environment variables?", "");
    answer(&mut p, "Add sidecar containers", "");
    answer(&mut p, "Add another service?", "");
    answer(&mut p, "wizard-state.yaml exists. Replace it?", "");
    answer(&mut p, "Save to which file instead?", "nightly.yaml");
    assert_eq!(exit_code(&mut p), 0);

    assert_eq!(fs::read_to_string(&existing).unwrap(), "keep me\n");
    let state = read_state(&dir.path().join("nightly.yaml"));
    let job = &state["_services"][0];
    assert_eq!(job["kind"], "CronJob");
    assert_eq!(job["schedule"], "0 3 * * *");
    assert_eq!(job["command"], "echo hello");
    assert_eq!(job["restartPolicy"], "Never");
    assert!(job.get("port").is_none());
}

#[test]
fn render_without_f_asks_offers_to_save_and_writes_the_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["render"]);
    answer(&mut p, "Namespace", "");
    answer(&mut p, "Folder for the generated files", "deploy");
    answer(&mut p, "Ingress host", "");
    answer(&mut p, "Service name", "agent");
    p.exp_string("Kind of workload").unwrap();
    p.send(DOWN).unwrap();
    p.send_line(DOWN).unwrap();
    answer(&mut p, "Container image", "fluent-bit:2.1");
    answer(&mut p, "Container port", "");
    answer(&mut p, "Update strategy", "");
    answer(&mut p, "maxUnavailable", "");
    answer(&mut p, "Node selector", "kubernetes.io/os=linux");
    answer(&mut p, "Add tolerations", "");
    answer(&mut p, "Share the node's namespaces", "");
    answer(&mut p, "Add volumes", "");
    skip_groups(&mut p, false);
    answer(&mut p, "Add another service?", "");
    p.exp_string("agent-daemonset.yaml").unwrap();
    answer(&mut p, "Save these answers as a state file", "");
    answer(&mut p, "File name", "");
    p.exp_string("wrote").unwrap();
    assert_eq!(exit_code(&mut p), 0);

    let state = read_state(&dir.path().join("wizard-state.yaml"));
    assert_eq!(state["_services"][0]["kind"], "DaemonSet");
    assert_eq!(
        state["_services"][0]["nodeSelector"],
        "kubernetes.io/os=linux"
    );
    let daemonset = fs::read_to_string(dir.path().join("deploy/agent-daemonset.yaml")).unwrap();
    assert!(daemonset.contains("kubernetes.io/os: linux"));
    assert!(dir.path().join("deploy/kustomization.yaml").exists());
}
