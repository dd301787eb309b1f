//! The interactive wizard, driven through a pseudo-terminal exactly as a
//! user types: prompts are waited for, answers sent key by key (rexpect).
//! Also `apply --wait`'s progress on an 80-column terminal.

mod support;

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

/// Esc: back one step.
const ESC: &str = "\x1b";

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
    wait_for(p, question);
    p.send_line(keys).expect("send answer");
}

fn wait_for(p: &mut PtySession, text: &str) -> String {
    match p.exp_string(text) {
        Ok(before) => before,
        Err(e) => panic!("waiting for \"{text}\": {e}"),
    }
}

/// Wait for a question, then press Esc (and nothing else).
fn go_back(p: &mut PtySession, question: &str) {
    wait_for(p, question);
    p.send(ESC).expect("send Esc");
    p.flush().expect("flush");
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
    answer(p, "Container image", "api:latest");
    answer(p, "Kind of workload", DOWN);
    answer(p, "Container port", "");
    answer(p, "Replicas", "3");
    answer(p, "Headless Service name", "");
    answer(p, "Pod management policy", DOWN);
    answer(p, "Update strategy", "");
    // A partition above the replica count would update no pod: asked again.
    answer(p, "Partition, 0 to 3", "4");
    answer(p, "found 4, above the 3 replicas", "2");
    // With an Ingress host, the question says where the Ingress would
    // route (no by default).
    answer(p, "Ingress would then route / to api:8080", "y");
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

/// Tick none of the optional groups.
fn skip_groups(p: &mut PtySession, _scalable: bool) {
    answer(p, "Optional settings", "");
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
    answer(&mut p, "Container image", "ghcr.io/example/web:1.4.2");
    answer(&mut p, "Kind of workload", "");
    // So is a port that is not a number.
    answer(&mut p, "Container port", "80a");
    answer(&mut p, "expected a port", "8080");
    answer(&mut p, "Replicas", "2");
    answer(&mut p, "Service type", "");
    // The second choice asks for the limits.
    answer(&mut p, "Rollout strategy", DOWN);
    answer(&mut p, "maxSurge", "25%");
    answer(&mut p, "maxUnavailable", "1");
    answer(&mut p, "Add volumes", "");
    // Tick the only earlier service with a Service: api.
    answer(&mut p, "Services web waits for", " ");
    // Tick the third group: environment variables.
    answer(&mut p, "Optional settings", &format!("{DOWN}{DOWN} "));
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
    answer(&mut p, "Add another service?", "");

    // The review shows the services, where the Ingress routes and the
    // files render would write; save is the first choice.
    wait_for(
        &mut p,
        "1. api  StatefulSet  api:latest  port 8080  3 replica(s)",
    );
    wait_for(
        &mut p,
        "The Ingress routes / to api:8080, /web to web:8080.",
    );
    wait_for(&mut p, "render writes them to k8s/");
    wait_for(&mut p, "api-statefulset.yaml");
    wait_for(&mut p, "web-deployment.yaml");
    wait_for(&mut p, "kustomization.yaml");
    answer(&mut p, "What now?", "");
    wait_for(&mut p, "Saved the answers to wizard-state.yaml");
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
    // RollingUpdate, the default, is left out.
    assert!(api.get("strategy").is_none());
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
    // No storage class answered: left out (the cluster's default).
    assert!(vcts[1].get("storageClass").is_none());
    assert!(api.get("envVars").is_none());

    let web = &state["_services"][1];
    assert_eq!(web["name"], "web");
    assert_eq!(web["kind"], "Deployment");
    assert_eq!(web["port"], 8080);
    assert_eq!(web["replicas"], 2);
    assert!(web.get("serviceType").is_none());
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
fn ctrl_c_writes_nothing_when_no_draft_is_wanted_and_shows_the_cursor_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer_project(&mut p);
    answer(&mut p, "Service name", "web");
    answer(&mut p, "Container image", "web:1");
    // Stop in a list, where dialoguer hides the cursor.
    wait_for(&mut p, "Kind of workload");
    p.send_control('c').unwrap();
    let shown = wait_for(
        &mut p,
        "Keep your answers as a draft (wizard-state.yaml.draft)",
    );
    assert!(shown.contains("\x1b[?25h"), "cursor shown again: {shown:?}");
    p.send_line("n").unwrap();
    wait_for(&mut p, "cancelled; nothing was written");
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn ctrl_c_keeps_a_draft_that_the_next_init_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer_project(&mut p);
    answer(&mut p, "Service name", "web");
    answer(&mut p, "Container image", "web:1");
    answer(&mut p, "Kind of workload", "");
    wait_for(&mut p, "Container port");
    p.send_control('c').unwrap();
    answer(
        &mut p,
        "Keep your answers as a draft (wizard-state.yaml.draft)",
        "",
    );
    wait_for(&mut p, "kubectl wizard init again to resume");
    assert_eq!(exit_code(&mut p), 130);
    let draft = dir.path().join("wizard-state.yaml.draft");
    let kept = read_state(&draft);
    assert_eq!(kept["namespace"], "shop");
    assert_eq!(kept["_services"][0]["image"], "web:1");
    assert!(!dir.path().join("wizard-state.yaml").exists());

    // The next init offers the draft and starts at the review.
    let mut p = spawn(dir.path(), &["init"]);
    answer(
        &mut p,
        "holds the answers of a wizard stopped with Ctrl-C",
        "",
    );
    wait_for(&mut p, "1. web  Deployment  web:1");
    answer(&mut p, "What now?", DOWN); // edit service 1 (web)
    answer(&mut p, "Service name", "");
    answer(&mut p, "Container image", "");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port", "");
    answer(&mut p, "Replicas", "");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    answer(&mut p, "Optional settings", "");
    answer(&mut p, "What now?", "");
    wait_for(&mut p, "Saved the answers to wizard-state.yaml");
    assert_eq!(exit_code(&mut p), 0);
    let state = read_state(&dir.path().join("wizard-state.yaml"));
    assert_eq!(state["namespace"], "shop");
    assert_eq!(state["ingress"], "shop.example.com");
    assert_eq!(state["_services"][0]["name"], "web");
    assert_eq!(state["_services"][0]["port"], 8080);
    // Its answers are in the saved file: the draft is gone.
    assert!(!draft.exists());
}

#[test]
fn esc_goes_back_from_the_probes_to_the_image_keeping_the_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    answer(&mut p, "Namespace", "");
    answer(&mut p, "Folder for the generated files", "");
    answer(&mut p, "Ingress host", "");
    answer(&mut p, "Service name", "web");
    answer(&mut p, "Container image", "web:1");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port", "9000");
    answer(&mut p, "Replicas", "2");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    answer(&mut p, "Optional settings", " "); // health checks
    answer(&mut p, "Readiness probe", "");
    // In the probe's questions: back to the optional settings, back to the
    // Deployment's questions, back to name and image.
    go_back(&mut p, "Check");
    go_back(&mut p, "Optional settings");
    go_back(&mut p, "Service type");
    // Every answer given is offered again.
    answer(&mut p, "Service name, e.g. web (web)", "");
    answer(&mut p, "Container image, e.g. nginx:1.27 (web:1)", "web:2");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port, or none (9000)", "");
    answer(&mut p, "Replicas (pods to run) (2)", "");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    // Health checks are still ticked: Enter keeps them.
    answer(&mut p, "Optional settings", "");
    answer(&mut p, "Readiness probe", "");
    answer(&mut p, "Check", "");
    answer(&mut p, "Path", "");
    answer(&mut p, "Port (9000)", "");
    answer(&mut p, "before the first check", "");
    answer(&mut p, "between checks", "");
    answer(&mut p, "Failures in a row", "");
    answer(&mut p, "Liveness probe", "n");
    answer(&mut p, "Add another service?", "");
    answer(&mut p, "What now?", "");
    assert_eq!(exit_code(&mut p), 0);
    let web = &read_state(&dir.path().join("wizard-state.yaml"))["_services"][0];
    assert_eq!(web["image"], "web:2");
    assert_eq!(web["port"], 9000);
    assert_eq!(web["replicas"], 2);
    assert_eq!(web["readinessProbe"]["port"], 9000);
    assert!(web.get("livenessProbe").is_none());
}

/// A state written by hand: comments, a number as a string, keys the
/// wizard does not know.
const HAND_WRITTEN: &str = "\
# shop, written by hand
namespace: shop   # the team's namespace
_owner: team-a
_services:
  # the database first
  - name: db
    kind: StatefulSet
    image: postgres:16
    port: \"5432\"   # a string on purpose
    x-custom: kept
  - name: web
    image: web:1
    port: 8080
    replicas: 2
    dependencies: [db]
    envVars:
      - {key: APP_ENV, type: hardcoded, value: production}
ingress: shop.example.com
";

#[test]
fn an_edited_state_saved_unchanged_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.yaml");
    fs::write(&path, HAND_WRITTEN).unwrap();
    let mut p = spawn(dir.path(), &["init", "-f", "shop.yaml"]);
    // An existing state starts at the review.
    wait_for(
        &mut p,
        "2. web  Deployment  web:1  port 8080  2 replica(s)  waits for db",
    );
    // Go through service 2 taking every default: the file's values.
    answer(&mut p, "What now?", &DOWN.repeat(2));
    answer(&mut p, "Service name, e.g. web (web)", "");
    answer(&mut p, "Container image, e.g. nginx:1.27 (web:1)", "");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port, or none (8080)", "");
    answer(&mut p, "Replicas (pods to run) (2)", "");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    answer(&mut p, "Services web waits for", "");
    answer(&mut p, "Optional settings", "");
    answer(&mut p, "Keep the environment variables (APP_ENV)?", "");
    answer(&mut p, "What now?", "");
    wait_for(&mut p, "No changes; shop.yaml is left as it was.");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(fs::read_to_string(&path).unwrap(), HAND_WRITTEN);
}

#[test]
fn the_review_edits_removes_and_adds_services_keeping_the_rest_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.yaml");
    fs::write(&path, HAND_WRITTEN).unwrap();
    let mut p = spawn(dir.path(), &["edit", "-f", "shop.yaml"]);
    // Edit web: 3 replicas.
    answer(&mut p, "What now?", &DOWN.repeat(2));
    answer(&mut p, "Service name", "");
    answer(&mut p, "Container image", "");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port", "");
    answer(&mut p, "Replicas (pods to run) (2)", "3");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    answer(&mut p, "Services web waits for", "");
    answer(&mut p, "Optional settings", "");
    answer(&mut p, "Keep the environment variables", "");
    wait_for(&mut p, "2. web  Deployment  web:1  port 8080  3 replica(s)");
    // Add a cache: save, edit 1, edit 2, add.
    answer(&mut p, "What now?", &DOWN.repeat(3));
    answer(&mut p, "Service name", "cache");
    answer(&mut p, "Container image", "memcached:1.6");
    answer(&mut p, "Kind of workload", "");
    answer(&mut p, "Container port, or none (11211)", "");
    answer(&mut p, "Replicas", "");
    answer(&mut p, "Service type", "");
    answer(&mut p, "Rollout strategy", "");
    answer(&mut p, "Add volumes", "");
    answer(&mut p, "Services cache waits for", "");
    // memcached's usual check is ticked.
    answer(&mut p, "Optional settings", "");
    answer(
        &mut p,
        "Use the usual checks for memcached (TCP port 11211",
        "",
    );
    answer(&mut p, "Add another service?", "");
    wait_for(&mut p, "3. cache  Deployment  memcached:1.6  port 11211");
    // Remove db: save, edit 1, edit 2, edit 3, add, remove.
    answer(&mut p, "What now?", &DOWN.repeat(5));
    answer(&mut p, "Remove which service?", "kkk"); // up from "none" to db
    wait_for(&mut p, "web no longer waits for db.");
    wait_for(&mut p, "Removed db.");
    answer(&mut p, "What now?", "");
    wait_for(&mut p, "Saved the changes to shop.yaml.");
    assert_eq!(exit_code(&mut p), 0);

    let text = fs::read_to_string(&path).unwrap();
    // What was not changed keeps its text, comments included.
    assert!(
        text.starts_with("# shop, written by hand\nnamespace: shop   # the team's namespace\n_owner: team-a\n_services:\n  # the database first\n"),
        "{text}"
    );
    assert!(text.ends_with("ingress: shop.example.com\n"), "{text}");
    let state = read_state(&path);
    let names: Vec<&str> = state["_services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "cache"]);
    let web = &state["_services"][0];
    assert_eq!(web["replicas"], 3);
    assert!(web.get("dependencies").is_none());
    assert_eq!(web["envVars"][0]["value"], "production");
    assert_eq!(state["_services"][1]["readinessProbe"]["port"], 11211);
    assert_eq!(state["_owner"], "team-a");
}

/// The common case, measured: a web app and its database. Prompts are the
/// questions answered, keystrokes every key sent (Enter included).
#[test]
fn postgres_defaults_and_a_database_the_ingress_does_not_route_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path(), &["init"]);
    let mut prompts = 0;
    let mut keys = 0;
    let mut step = |p: &mut PtySession, question: &str, typed: &str| {
        answer(p, question, typed);
        prompts += 1;
        keys += typed.chars().count() + 1;
    };
    step(&mut p, "Namespace", "shop");
    step(&mut p, "Folder for the generated files", "");
    step(&mut p, "Ingress host", "shop.example.com");
    step(&mut p, "Service name", "db");
    step(&mut p, "Container image", "postgres:16");
    step(
        &mut p,
        "Kind of workload (postgres keeps data: StatefulSet suggested)",
        "",
    );
    step(&mut p, "Container port, or none (5432)", "");
    // One replica: no pod management policy, no partition.
    step(&mut p, "Replicas", "");
    step(&mut p, "Headless Service name", "");
    step(&mut p, "Update strategy", "");
    // The database is not routed by the Ingress unless asked for.
    step(&mut p, "route / to db:5432)? (y/n) (no)", "");
    step(&mut p, "Add a volume claim template", "");
    step(&mut p, "Claim template name", "");
    step(&mut p, "(/var/lib/postgresql/data)", "");
    step(&mut p, "Size", "10Gi");
    step(&mut p, "Access mode", "");
    step(&mut p, "Storage class", "");
    step(&mut p, "Add another claim template?", "");
    // Health checks ticked to begin with, postgres's usual one offered.
    step(&mut p, "Optional settings", "");
    step(
        &mut p,
        "Use the usual checks for postgres (TCP port 5432",
        "",
    );
    step(&mut p, "Add another service?", "y");
    step(&mut p, "Service name", "web");
    step(&mut p, "Container image", "ghcr.io/example/web:1.0");
    step(&mut p, "Kind of workload", "");
    step(&mut p, "Container port, or none (8080)", "");
    step(&mut p, "Replicas", "2");
    step(&mut p, "Service type", "");
    step(&mut p, "Rollout strategy", "");
    step(&mut p, "Add volumes", "");
    step(&mut p, "Services web waits for", " ");
    step(&mut p, "Optional settings", "");
    step(&mut p, "Add another service?", "");
    wait_for(&mut p, "The Ingress routes / to web:8080.");
    step(&mut p, "What now?", "");
    assert_eq!(exit_code(&mut p), 0);
    // Before this wizard the same state took 47 prompts and 143 keystrokes.
    assert_eq!((prompts, keys), (33, 99));

    let state = read_state(&dir.path().join("wizard-state.yaml"));
    let db = &state["_services"][0];
    assert_eq!(db["kind"], "StatefulSet");
    assert_eq!(db["port"], 5432);
    assert_eq!(
        db["volumeClaimTemplates"][0]["mountPath"],
        "/var/lib/postgresql/data"
    );
    assert_eq!(db["readinessProbe"]["type"], "tcp");
    assert_eq!(db["livenessProbe"]["port"], 5432);
    assert!(db.get("alsoCreateClusterIP").is_none());
    assert_eq!(
        state["_services"][1]["dependencies"],
        serde_json::json!(["db"])
    );

    // The Ingress routes only to web.
    AssertCommand::cargo_bin("kubectl-wizard")
        .unwrap()
        .current_dir(dir.path())
        .args(["render", "-f", "wizard-state.yaml", "--output-dir", "out"])
        .assert()
        .success();
    let ingress = kubectl_wizard::yaml::parse(
        &fs::read_to_string(dir.path().join("out/ingress.yaml")).unwrap(),
    )
    .unwrap();
    let paths = ingress["spec"]["rules"][0]["http"]["paths"]
        .as_array()
        .unwrap();
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0]["backend"]["service"]["name"], "web");
    assert!(!dir.path().join("out/db-service.yaml").exists());
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
    answer(&mut p, "Container image", "busybox:1.36");
    answer(&mut p, "Kind of workload", &DOWN.repeat(4));
    answer(&mut p, "Schedule", "every night");
    answer(&mut p, "expected a five-field cron expression", "0 3 * * *");
    answer(&mut p, "When a run is due", "");
    answer(&mut p, "Command, run with sh -c", "echo hello");
    answer(&mut p, "Arguments", "");
    answer(&mut p, "When the container fails", "");
    answer(&mut p, "Set retry, parallelism and time limits?", "");
    answer(&mut p, "Set history limits", "");
    answer(&mut p, "Optional settings", "");
    answer(&mut p, "Add another service?", "");
    answer(&mut p, "What now?", "");
    answer(&mut p, "wizard-state.yaml exists. Replace it?", "");
    answer(&mut p, "Save to which file instead?", "nightly.yaml");
    assert_eq!(exit_code(&mut p), 0);

    assert_eq!(fs::read_to_string(&existing).unwrap(), "keep me\n");
    let state = read_state(&dir.path().join("nightly.yaml"));
    let job = &state["_services"][0];
    assert_eq!(job["kind"], "CronJob");
    assert_eq!(job["schedule"], "0 3 * * *");
    assert_eq!(job["command"], "echo hello");
    // Never, the default, is left out.
    assert!(job.get("restartPolicy").is_none());
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
    answer(&mut p, "Container image", "fluent-bit:2.1");
    answer(&mut p, "Kind of workload", &DOWN.repeat(2));
    answer(&mut p, "Container port", "");
    answer(&mut p, "Update strategy", "");
    answer(&mut p, "maxUnavailable", "");
    answer(&mut p, "Node selector", "kubernetes.io/os=linux");
    answer(&mut p, "Add tolerations", "");
    answer(&mut p, "Share the node's namespaces", "");
    answer(&mut p, "Add volumes", "");
    skip_groups(&mut p, false);
    answer(&mut p, "Add another service?", "");
    wait_for(&mut p, "agent-daemonset.yaml");
    answer(&mut p, "What now?", "");
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

/// Give the pseudo-terminal `columns` columns, as a resized terminal
/// window does (TIOCSWINSZ on its master side).
fn set_columns(p: &PtySession, columns: u16) {
    use std::os::fd::AsRawFd;
    let master = p.process().get_file_handle().expect("the pty's master");
    let size = libc::winsize {
        ws_row: 24,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: a valid descriptor and a winsize that lives for the call.
    let done = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    assert_eq!(done, 0, "set the terminal's size");
}

/// What a terminal shows of each line: escape sequences removed, and a
/// carriage return starting the line again (the terminal's own `\r\n`
/// for a newline is one line end).
fn screen_lines(output: &str) -> Vec<String> {
    // rexpect hands over each byte as a char: decode the UTF-8 again.
    let bytes: Vec<u8> = output.chars().map(|c| c as u8).collect();
    let output = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    let mut plain = String::new();
    let mut chars = output.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters, then the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
        .split('\n')
        .map(|line| line.rsplit('\r').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn apply_wait_on_an_80_column_terminal_draws_no_line_longer_than_80_columns() {
    let env = support::Sandbox::start_with(support::ServerOptions {
        ready_delay: Some(std::time::Duration::from_millis(1500)),
        ..support::ServerOptions::default()
    });
    let state = env.path("state.yaml");
    fs::write(
        &state,
        "namespace: shop\n_services:\n  - {name: storefront-web-application, image: \"web:1\", port: 8080, replicas: 3}\n  - {name: db, kind: StatefulSet, image: \"postgres:16\", port: 5432}\n",
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-wizard"));
    command
        .args([
            "apply",
            "-f",
            state.to_str().unwrap(),
            "--wait",
            "--timeout",
            "60s",
        ])
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .env("TERM", "xterm");
    let mut p = spawn_command(command, Some(60_000)).expect("spawn in a pty");
    set_columns(&p, 80);
    let output = p.exp_eof().expect("apply ends");
    let lines = screen_lines(&output);
    for line in &lines {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line:?}\n{output:?}",
            line.chars().count()
        );
    }
    // One line per workload in kubectl's words, the last state kept; the
    // Deployment's, too long for the terminal, is cut.
    assert!(
        lines.iter().any(|l| l.starts_with(
            "statefulset.apps/db 1/1 statefulset rolling update complete 1 pods at revision"
        )),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "deployment.apps/storefront-web-application 3/3 deployment \"storefront-web-app"
        ) && l.ends_with('…')),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l == "2 workload(s) ready"),
        "{lines:#?}"
    );
    assert_eq!(exit_code(&mut p), 0);
}
