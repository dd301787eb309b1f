//! The whole life of an app against the test API server: values from the
//! environment, the ApplySet and `--prune`, `delete`, and render cleaning
//! up after itself (issue 12). The real kubectl cross-checks the ApplySet.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{status, stderr, stdout};
use serde_json::{json, Value};
use support::ServerOptions;

const KUBECTL: &str = "/usr/bin/kubectl";

/// Two services; the worker has a claim.
const BOTH: &str = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    port: 8080
    envVars:
      - {key: MODE, value: fast}
  - name: worker
    image: "worker:1"
    port: 9000
    envVars:
      - {key: QUEUE, value: jobs}
    volumes:
      - {name: data, type: pvc-dynamic, mountPath: /data, size: 1Gi}
"#;

/// The worker removed.
const API_ONLY: &str = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    port: 8080
    envVars:
      - {key: MODE, value: fast}
"#;

/// The id kubectl computes for `secret/applyset-shop` in `shop`:
/// `printf %s applyset-shop.shop.Secret. | openssl dgst -sha256 -binary |
/// base64 | tr '+/' '-_' | tr -d =`.
const SET_ID: &str = "applyset-G3BhoYj8anC-VTON4w1VmD3s431mjOfTcUlr4yeQKpA-v1";

type Env = support::Sandbox;

impl Env {
    fn new() -> Env {
        Env::start_with(ServerOptions::default())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn wizard(&self, args: &[&str]) -> Output {
        self.wizard_with(args, &[])
    }

    /// kubectl-wizard against the server, with extra environment variables.
    fn wizard_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut command = Command::cargo_bin("kubectl-wizard").unwrap();
        command
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .current_dir(self.dir.path());
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(KUBECTL);
        command
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .env("KUBECTL_APPLYSET", "true");
        if let Some(text) = stdin {
            command.write_stdin(text);
        }
        command.output().unwrap()
    }

    fn get(&self, api_version: &str, kind: &str, name: &str) -> Option<Value> {
        self.server.get(api_version, kind, "shop", name)
    }

    /// The DELETE requests so far, as `resource/name`.
    fn deletions(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .map(|r| {
                let path = r.path.split('?').next().unwrap_or_default();
                let parts: Vec<&str> = path.rsplitn(3, '/').collect();
                format!("{}/{}", parts[1], parts[0])
            })
            .collect()
    }
}

#[track_caller]
fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        status(output),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

fn file(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// `BOTH` applied, and an unrelated ConfigMap in the namespace with every
/// label the worker's ConfigMap has (but the set's own).
fn applied_with_stranger() -> (Env, PathBuf) {
    let env = Env::new();
    let state = env.write("state.yaml", BOTH);
    assert_code(&env.wizard(&["apply", "-f", &file(&state)]), 0);
    let mut labels =
        env.get("v1", "ConfigMap", "worker-config").unwrap()["metadata"]["labels"].clone();
    assert_eq!(labels["applyset.kubernetes.io/part-of"], SET_ID);
    labels
        .as_object_mut()
        .unwrap()
        .shift_remove("applyset.kubernetes.io/part-of");
    let stranger = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "stranger", "namespace": "shop", "labels": labels},
        "data": {"A": "b"}
    });
    let out = env.kubectl(&["create", "-f", "-"], Some(&stranger.to_string()));
    assert!(out.status.success(), "{}", stderr(&out));
    (env, state)
}

#[test]
fn apply_records_the_set_in_a_parent_kubectl_would_compute() {
    let (env, _) = applied_with_stranger();
    let parent = env
        .get("v1", "Secret", "applyset-shop")
        .expect("the parent Secret");
    assert_eq!(
        parent["metadata"]["labels"]["applyset.kubernetes.io/id"],
        SET_ID
    );
    let annotations = &parent["metadata"]["annotations"];
    assert_eq!(
        annotations["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,PersistentVolumeClaim,Service"
    );
    assert_eq!(
        annotations["applyset.kubernetes.io/tooling"],
        format!("kubectl-wizard/v{}", env!("CARGO_PKG_VERSION"))
    );
    for (api_version, kind, name) in [
        ("v1", "ConfigMap", "api-config"),
        ("v1", "Service", "worker"),
        ("apps/v1", "Deployment", "worker"),
        ("v1", "PersistentVolumeClaim", "worker-data"),
    ] {
        let object = env.get(api_version, kind, name).unwrap();
        assert_eq!(
            object["metadata"]["labels"]["applyset.kubernetes.io/part-of"], SET_ID,
            "{kind}/{name}"
        );
    }
    // The Namespace holds the parent; it is not a member.
    let namespace = env.server.get("v1", "Namespace", "", "shop").unwrap();
    assert!(namespace["metadata"]["labels"]
        .get("applyset.kubernetes.io/part-of")
        .is_none());
}

#[test]
fn diff_prune_shows_deletions_and_apply_prune_removes_only_them() {
    let (env, _) = applied_with_stranger();
    let state = env.write("state.yaml", API_ONLY);
    let state = file(&state);

    // Without --prune nothing is shown: the api is unchanged.
    assert_code(&env.wizard(&["diff", "-f", &state]), 0);

    let out = env.wizard(&["diff", "-f", &state, "--prune"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    for title in [
        "Deployment/shop/worker",
        "Service/shop/worker",
        "ConfigMap/shop/worker-config",
    ] {
        assert!(
            text.contains(&format!("--- {title} (live)\n+++ {title} (pruned)\n")),
            "{title}:\n{text}"
        );
    }
    assert!(text.contains("-  name: worker\n"), "{text}");
    assert!(!text.contains("stranger"), "{text}");
    assert!(
        !text.contains("PersistentVolumeClaim/shop/worker-data"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("persistentvolumeclaim/worker-data would be kept: a PersistentVolumeClaim: its data stays"),
        "{}",
        stderr(&out)
    );

    let out = env.wizard(&["apply", "-f", &state, "--prune"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let pruned: Vec<&str> = text
        .lines()
        .filter(|l| l.ends_with(" pruned") && !l.contains("object(s)"))
        .collect();
    assert_eq!(
        pruned,
        [
            "deployment.apps/worker pruned",
            "service/worker pruned",
            "configmap/worker-config pruned"
        ],
        "{text}"
    );
    assert!(text.ends_with("3 object(s) pruned\n"), "{text}");
    assert_eq!(
        env.deletions(),
        [
            "deployments/worker",
            "services/worker",
            "configmaps/worker-config"
        ]
    );
    assert!(env.get("apps/v1", "Deployment", "worker").is_none());
    assert!(
        env.get("v1", "ConfigMap", "stranger").is_some(),
        "an object outside the set survives"
    );
    assert!(
        env.get("v1", "PersistentVolumeClaim", "worker-data")
            .is_some(),
        "a claim survives"
    );
    assert!(env.get("apps/v1", "Deployment", "api").is_some());
    // The kept claim keeps its kind listed, so a later prune still finds it.
    let parent = env.get("v1", "Secret", "applyset-shop").unwrap();
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,PersistentVolumeClaim,Service"
    );

    assert_code(&env.wizard(&["diff", "-f", &state, "--prune"]), 0);

    // --prune-volumes: the claim goes too, and the parent lists only what is left.
    let out = env.wizard(&["apply", "-f", &state, "--prune", "--prune-volumes"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("persistentvolumeclaim/worker-data pruned\n"));
    assert!(env
        .get("v1", "PersistentVolumeClaim", "worker-data")
        .is_none());
    let parent = env.get("v1", "Secret", "applyset-shop").unwrap();
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,Service"
    );
}

#[test]
fn an_object_another_manager_applies_is_reported_not_pruned() {
    let (env, _) = applied_with_stranger();
    // Someone else now applies the worker's Service.
    let service = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "worker", "namespace": "shop"},
        "spec": {"ports": [{"name": "http", "port": 9000, "targetPort": 9000}]}
    });
    let out = env.kubectl(
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "argocd",
            "--force-conflicts",
            "-f",
            "-",
        ],
        Some(&service.to_string()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let state = file(&env.write("state.yaml", API_ONLY));
    let out = env.wizard(&["apply", "-f", &state, "--prune"]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains(
            "service/worker kept: argocd applies it now; --force-conflicts deletes it anyway"
        ),
        "{}",
        stderr(&out)
    );
    assert!(env.get("v1", "Service", "worker").is_some());
    assert!(env.get("apps/v1", "Deployment", "worker").is_none());
    let out = env.wizard(&["apply", "-f", &state, "--prune", "--force-conflicts"]);
    assert_code(&out, 0);
    assert!(env.get("v1", "Service", "worker").is_none());
}

#[test]
fn another_tools_parent_is_never_changed() {
    let (env, state) = applied_with_stranger();
    let out = env.kubectl(
        &[
            "annotate",
            "secret",
            "applyset-shop",
            "-n",
            "shop",
            "--overwrite",
            "applyset.kubernetes.io/tooling=kubectl/v1.32.4",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before = env.server.requests().len();
    let out = env.wizard(&["apply", "-f", &file(&state), "--prune"]);
    assert_code(&out, 3);
    assert!(
        stderr(&out).contains("secret/applyset-shop in namespace shop is the ApplySet of another tool (applyset.kubernetes.io/tooling: kubectl/v1.32.4)"),
        "{}",
        stderr(&out)
    );
    let writes = env.server.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0, "nothing is sent");
}

/// The stream kubectl gets: the rendered objects but the Namespace (not a
/// member of the set; a namespaced parent's set holds namespaced objects).
fn kubectl_manifests(env: &Env, state: &str) -> PathBuf {
    let path = env.write("input-state.yaml", state);
    let out = env.wizard(&[
        "render",
        "-f",
        &file(&path),
        "-o",
        "yaml",
        "--include-secrets",
    ]);
    assert_code(&out, 0);
    let docs: Vec<String> = stdout(&out)
        .split("---\n")
        .filter(|d| !d.trim().is_empty() && !d.contains("kind: Namespace\n"))
        .map(str::to_string)
        .collect();
    env.write("manifests.yaml", &format!("---\n{}", docs.join("---\n")))
}

#[test]
fn the_real_kubectl_sees_the_same_set() {
    let (env, _) = applied_with_stranger();
    let run = |manifests: &Path| {
        env.kubectl(
            &[
                "apply",
                "--prune",
                "--applyset=secret/applyset-shop",
                "-n",
                "shop",
                "--server-side",
                "--dry-run=server",
                "-f",
                &file(manifests),
            ],
            None,
        )
    };
    let both = kubectl_manifests(&env, BOTH);
    // kubectl finds our parent (same id) and, as the KEP says, refuses to
    // take over another tool's set.
    let out = run(&both);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is managed by tooling \"kubectl-wizard\" instead of \"kubectl\""),
        "{}",
        stderr(&out)
    );
    // Handed over to kubectl (as a user moving to it would), it reads the
    // id, the kinds and the members exactly as we wrote them.
    let out = env.kubectl(
        &[
            "annotate",
            "secret",
            "applyset-shop",
            "-n",
            "shop",
            "--overwrite",
            "applyset.kubernetes.io/tooling=kubectl/v1.32.4",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&both);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("pruned"), "{}", stdout(&out));
    let out = run(&kubectl_manifests(&env, API_ONLY));
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let mut pruned: Vec<&str> = printed.lines().filter(|l| l.contains("pruned")).collect();
    pruned.sort();
    assert_eq!(
        pruned,
        [
            "configmap/worker-config pruned (server dry run)",
            "deployment.apps/worker pruned (server dry run)",
            "persistentvolumeclaim/worker-data pruned (server dry run)",
            "service/worker pruned (server dry run)",
        ],
        "kubectl's set is ours (kubectl itself has no claim rule):\n{}",
        stdout(&out)
    );
    assert!(
        env.get("apps/v1", "Deployment", "worker").is_some(),
        "a dry run"
    );
}

#[test]
fn delete_removes_the_set_in_reverse_order_and_leaves_claims() {
    let (env, state) = applied_with_stranger();
    let state = file(&state);
    // Not on a terminal: --yes is required.
    let out = env.wizard(&["delete", "-f", &state]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("pass --yes to confirm"),
        "{}",
        stderr(&out)
    );
    assert!(env.deletions().is_empty());

    let out = env.wizard(&["delete", "-f", &state, "--dry-run=client"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("deployment.apps/api deleted (dry run)\n"));
    assert!(env.deletions().is_empty());

    let out = env.wizard(&["delete", "-f", &state, "--yes", "--wait"]);
    assert_code(&out, 0);
    // Workloads, then Services, then config; within a phase at once.
    let deletions = env.deletions();
    let kinds: Vec<&str> = deletions
        .iter()
        .map(|d| d.split('/').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "deployments",
            "deployments",
            "services",
            "services",
            "configmaps",
            "configmaps"
        ],
        "{deletions:?}"
    );
    let mut names = deletions.clone();
    names.sort();
    assert_eq!(
        names,
        [
            "configmaps/api-config",
            "configmaps/worker-config",
            "deployments/api",
            "deployments/worker",
            "services/api",
            "services/worker",
        ]
    );
    assert!(stderr(&out).contains("persistentvolumeclaim/worker-data kept: a PersistentVolumeClaim: its data stays (--include-volumes deletes it)"));
    assert!(stderr(&out).contains("namespace/shop kept (--include-namespace deletes it"));
    assert!(
        stdout(&out).contains("6 object(s) gone\n"),
        "{}",
        stdout(&out)
    );
    assert!(env.get("v1", "ConfigMap", "stranger").is_some());
    assert!(env
        .get("v1", "PersistentVolumeClaim", "worker-data")
        .is_some());
    // The parent stays while a member does.
    assert!(env.get("v1", "Secret", "applyset-shop").is_some());

    let out = env.wizard(&[
        "delete",
        "-f",
        &state,
        "--yes",
        "--include-volumes",
        "--include-namespace",
    ]);
    assert_code(&out, 0);
    assert!(env
        .get("v1", "PersistentVolumeClaim", "worker-data")
        .is_none());
    assert!(env.get("v1", "Secret", "applyset-shop").is_none());
    assert!(
        stdout(&out).contains("namespace/shop deleted\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        env.deletions().last().map(String::as_str),
        Some("namespaces/shop")
    );
}

const WITH_ENV: &str = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    port: 8080
    envVars:
      - {key: MODE, value: fast}
      - {key: LOG_LEVEL, type: variable, varName: "${LOG_LEVEL}"}
      - {key: REGION, type: variable}
      - {key: API_KEY, type: secret}
"#;

const SECRET_VALUE: &str = "s3cr3t-Value-42";
const OTHER_VALUE: &str = "n3w-Value-77";

fn base64(text: &str) -> String {
    support::apiserver::base64_encode(text.as_bytes())
}

#[track_caller]
fn assert_hidden(out: &Output, values: &[&str]) {
    let all = format!("{}{}", stdout(out), stderr(out));
    for value in values {
        assert!(!all.contains(value), "{value} shown:\n{all}");
        assert!(
            !all.contains(&base64(value)),
            "{value} shown as base64:\n{all}"
        );
    }
}

#[test]
fn an_unset_variable_stops_everything_and_names_its_path() {
    let env = Env::new();
    let state = file(&env.write("state.yaml", WITH_ENV));
    let out = env.wizard_with(&["apply", "-f", &state], &[("LOG_LEVEL", "debug")]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("error: _services[0].envVars[2].varName: ${REGION} is not set in the environment or an --env-file; set it, or pass --allow-unset to send it as written"),
        "{}",
        stderr(&out)
    );
    assert!(env.server.requests().is_empty(), "nothing is sent");

    let out = env.wizard(&["apply", "-f", &state, "--allow-unset"]);
    assert_code(&out, 0);
    let data = &env.get("v1", "ConfigMap", "api-config").unwrap()["data"];
    assert_eq!(data["LOG_LEVEL"], "${LOG_LEVEL}");
    assert!(
        stderr(&out).contains("note: left 2 reference(s) as written (--allow-unset)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn values_from_the_environment_reach_the_cluster_and_no_output() {
    let env = Env::new();
    let state = file(&env.write("state.yaml", WITH_ENV));
    let env_file = env.write(
        "prod.env",
        &format!("# production\nLOG_LEVEL=debug\nexport API_KEY=\"{SECRET_VALUE}\"\n"),
    );
    let env_file = file(&env_file);
    let out = env.wizard_with(
        &[
            "apply",
            "-f",
            &state,
            "--env-file",
            &env_file,
            "--secrets-from-env",
            "-v",
            "8",
        ],
        &[
            ("REGION", "eu-west-1"),
            ("LOG_LEVEL", "ignored: the file wins"),
        ],
    );
    assert_code(&out, 0);
    assert_hidden(&out, &[SECRET_VALUE]);
    let config = env.get("v1", "ConfigMap", "api-config").unwrap();
    assert_eq!(config["data"]["LOG_LEVEL"], "debug");
    assert_eq!(config["data"]["REGION"], "eu-west-1");
    assert_eq!(config["data"]["MODE"], "fast");
    let secret = env.get("v1", "Secret", "api-secrets").unwrap();
    assert_eq!(secret["data"]["API_KEY"], base64(SECRET_VALUE));

    let vars = [("REGION", "eu-west-1"), ("API_KEY", OTHER_VALUE)];
    // Without --secrets-from-env the live value stays (never CHANGE_ME).
    let out = env.wizard_with(&["apply", "-f", &state, "--env-file", &env_file], &vars);
    assert_code(&out, 0);
    assert_eq!(
        env.get("v1", "Secret", "api-secrets").unwrap()["data"]["API_KEY"],
        base64(SECRET_VALUE)
    );
    // A new value from the process environment: diff shows a masked change.
    let diff_args = ["diff", "-f", &state, "--secrets-from-env", "-v", "8"];
    let out = env.wizard_with(
        &diff_args,
        &[
            ("REGION", "eu-west-1"),
            ("LOG_LEVEL", "debug"),
            ("API_KEY", OTHER_VALUE),
        ],
    );
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("API_KEY: '*** (after)'")
            || stdout(&out).contains("API_KEY: \"*** (after)\""),
        "{}",
        stdout(&out)
    );
    assert_hidden(&out, &[SECRET_VALUE, OTHER_VALUE]);
    let out = env.wizard_with(
        &["diff", "-f", &state, "--secrets-from-env", "--show-secrets"],
        &vars,
    );
    assert_code(&out, 2);
    assert_hidden(&out, &[SECRET_VALUE, OTHER_VALUE]);
}

#[test]
fn render_keeps_placeholders_unless_asked() {
    let env = Env::new();
    let state = file(&env.write("state.yaml", WITH_ENV));
    let vars = [
        ("LOG_LEVEL", "debug"),
        ("REGION", "eu"),
        ("API_KEY", SECRET_VALUE),
    ];
    let out = env.wizard_with(
        &["render", "-f", &state, "-o", "yaml", "--include-secrets"],
        &vars,
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("LOG_LEVEL: ${LOG_LEVEL}\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("note: 2 value(s) keep their ${NAME} placeholder: ${LOG_LEVEL} (_services[0].envVars[1]), ${REGION} (_services[0].envVars[2])"),
        "{}",
        stderr(&out)
    );
    assert_hidden(&out, &[SECRET_VALUE]);

    let out = env.wizard_with(
        &[
            "render",
            "-f",
            &state,
            "-o",
            "yaml",
            "--include-secrets",
            "--substitute",
        ],
        &vars,
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("LOG_LEVEL: debug\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("API_KEY: CHANGE_ME\n"));
    assert_hidden(&out, &[SECRET_VALUE]);

    let out = env.wizard_with(
        &[
            "render",
            "-f",
            &state,
            "--output-dir",
            "out",
            "--substitute",
            "--include-secret-values",
        ],
        &vars,
    );
    assert_code(&out, 0);
    assert_hidden(&out, &[SECRET_VALUE]);
    let written = std::fs::read_to_string(env.path("out/secrets/api-secrets.yaml")).unwrap();
    assert!(
        written.contains(&format!("API_KEY: {SECRET_VALUE}")),
        "{written}"
    );
}

#[test]
fn render_reports_stale_files_and_prunes_only_its_own() {
    let env = Env::new();
    let with_secret = BOTH.replace(
        "{key: QUEUE, value: jobs}",
        "{key: QUEUE, value: jobs}\n      - {key: TOKEN, type: secret}",
    );
    let both = file(&env.write("both.yaml", &with_secret));
    let api = file(&env.write("api.yaml", API_ONLY));
    assert_code(
        &env.wizard(&["render", "-f", &both, "--output-dir", "out"]),
        0,
    );
    env.write("out/notes.yaml", "mine: true\n");
    let out = env.wizard(&["render", "-f", &api, "--output-dir", "out", "--force"]);
    assert_code(&out, 0);
    let printed = stdout(&out);
    let stale: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("stale "))
        .collect();
    assert_eq!(stale.len(), 5, "{}", stdout(&out));
    for name in [
        "out/worker-config.yaml",
        "out/worker-service.yaml",
        "out/worker-deployment.yaml",
        "out/worker-data-pvc.yaml",
    ] {
        assert!(stale.iter().any(|l| l.contains(name)), "{name}: {stale:?}");
    }
    assert!(
        stale
            .iter()
            .any(|l| l.contains("secrets/worker-secrets.yaml")),
        "{stale:?}"
    );
    assert!(
        stderr(&out).contains("note: 5 stale file(s) remain in out; render --prune removes them"),
        "{}",
        stderr(&out)
    );
    // The record still knows them after a render that did not prune.
    let out = env.wizard(&["render", "-f", &api, "--output-dir", "out"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("stale "))
            .count(),
        5
    );
    let out = env.wizard(&[
        "render",
        "-f",
        &api,
        "--output-dir",
        "out",
        "--prune",
        "--force",
    ]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("removed "))
            .count(),
        5
    );
    let (files, _) = common::read_dir(&env.path("out"));
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(
        names.contains(&"notes.yaml"),
        "a file render did not write stays: {names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("worker")), "{names:?}");
    // Nothing is stale any more.
    let out = env.wizard(&["render", "-f", &api, "--output-dir", "out"]);
    assert_code(&out, 0);
    assert!(!stdout(&out).contains("stale"));
}
