//! From client-side `kubectl apply` to server-side apply, through the real
//! kubectl: `kubectl apply --server-side` takes over what an earlier
//! client-side apply set (the server forgives the conflicts its
//! last-applied annotation explains, kubectl then moves the client-side
//! manager's fields to its own), and `kubectl wizard apply` after a
//! client-side `kubectl apply` of the same objects. With
//! `KUBECTL_WIZARD_TEST_KUBECONFIG` set they run against that cluster.

mod support;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

type Cluster = support::Sandbox;

use support::text;

impl Cluster {
    fn start() -> Cluster {
        Cluster::cluster(support::ServerOptions::default())
    }

    fn read(&self, kind: &str, name: &str) -> Value {
        let out = self.kubectl_stdout(
            &["get", kind, name, "-o", "json", "--show-managed-fields"],
            "",
        );
        serde_json::from_str(&out).expect("kubectl prints JSON")
    }

    fn wizard(&self, args: &[&str]) -> Output {
        assert_cmd::Command::cargo_bin("kubectl-wizard")
            .expect("the plugin is built")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .output()
            .expect("the plugin runs")
    }
}

/// (manager, operation) of each managedFields entry.
fn managers(object: &Value) -> Vec<(String, String)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn config_map(data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {{tier: web}}\ndata: {data}\n")
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[test]
fn kubectl_server_side_apply_takes_over_what_client_side_apply_set() {
    let cluster = Cluster::start();
    cluster.kubectl_stdout(&["apply", "-f", "-"], &config_map("{a: '1', b: '2'}"));
    let before = cluster.read("configmap", "settings");
    assert!(
        managers(&before).contains(&("kubectl-client-side-apply".into(), "Update".into())),
        "{:?}",
        managers(&before)
    );

    // A value the client-side apply set changes: no conflict.
    let out = cluster.kubectl_stdout(
        &["apply", "--server-side", "-f", "-"],
        &config_map("{a: '1', b: '3'}"),
    );
    assert!(
        out.contains("configmap/settings serverside-applied"),
        "{out}"
    );
    let after = cluster.read("configmap", "settings");
    assert_eq!(after["data"]["b"], "3");
    let owners = managers(&after);
    assert!(
        owners.contains(&("kubectl".into(), "Apply".into())),
        "{owners:?}"
    );
    assert!(
        owners.contains(&("kubectl-last-applied".into(), "Apply".into())),
        "{owners:?}"
    );
    assert!(
        !owners.iter().any(|(m, _)| m == "kubectl-client-side-apply"),
        "the client-side manager's fields moved to kubectl: {owners:?}"
    );
    // The annotation follows what was applied, for a later client-side apply.
    let recorded: Value = serde_json::from_str(
        after["metadata"]["annotations"][LAST_APPLIED]
            .as_str()
            .expect("the annotation stays"),
    )
    .expect("it holds JSON");
    assert_eq!(recorded["data"], serde_json::json!({"a": "1", "b": "3"}));

    // kubectl now owns what client-side apply set: leaving a key out
    // removes it.
    cluster.kubectl_stdout(
        &["apply", "--server-side", "-f", "-"],
        &config_map("{a: '1'}"),
    );
    let last = cluster.read("configmap", "settings");
    assert_eq!(last["data"], serde_json::json!({"a": "1"}));
}

#[test]
fn another_field_manager_is_not_forgiven_the_client_side_fields() {
    let cluster = Cluster::start();
    cluster.kubectl_stdout(&["apply", "-f", "-"], &config_map("{a: '1', b: '2'}"));
    let out = cluster.run_kubectl(
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "deployer",
            "-f",
            "-",
        ],
        &config_map("{a: '1', b: '3'}"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("conflict with \"kubectl-client-side-apply\" using v1: .data.b"),
        "{}",
        text(&out.stderr)
    );
}

/// `kubectl wizard apply` after a client-side `kubectl apply` of the same
/// rendered objects: the values it sets are the same, so it shares their
/// ownership without a conflict; a value it changes is owned by kubectl's
/// client-side manager, a conflict until `--force-conflicts` takes it over
/// once (the plugin never takes ownership silently).
#[test]
fn wizard_apply_after_a_client_side_kubectl_apply_conflicts_only_on_changed_values() {
    let cluster = Cluster::start();
    let state = |replicas: u32| -> PathBuf {
        let path = cluster.path(&format!("state-{replicas}.yaml"));
        let text = format!(
            "namespace: {}\n_services:\n  - name: api\n    image: \"api:1\"\n    port: 8080\n    replicas: {replicas}\n    envVars:\n      - {{key: MODE, value: fast}}\n",
            cluster.namespace
        );
        std::fs::write(&path, text).expect("write the state");
        path
    };
    let first = state(2);
    let rendered = cluster.path("rendered");
    let out = cluster.wizard(&[
        "render",
        "-f",
        first.to_str().expect("utf-8 path"),
        "--output-dir",
        rendered.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::remove_file(rendered.join("kustomization.yaml")).expect("rendered");
    cluster.kubectl_stdout(&["apply", "-f", rendered.to_str().expect("utf-8 path")], "");

    let same = cluster.wizard(&["apply", "-f", first.to_str().expect("utf-8 path")]);
    assert!(
        same.status.success(),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    assert!(
        !text(&same.stderr).contains("conflict"),
        "{}",
        text(&same.stderr)
    );
    let diff = cluster.wizard(&["diff", "-f", first.to_str().expect("utf-8 path")]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff.stdout));

    let scaled = state(3);
    let refused = cluster.wizard(&["apply", "-f", scaled.to_str().expect("utf-8 path")]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains(".spec.replicas is owned by \"kubectl-client-side-apply\""),
        "{}",
        text(&refused.stderr)
    );
    let forced = cluster.wizard(&[
        "apply",
        "-f",
        scaled.to_str().expect("utf-8 path"),
        "--force-conflicts",
    ]);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert_eq!(cluster.read("deployment", "api")["spec"]["replicas"], 3);
    let again = cluster.wizard(&["apply", "-f", scaled.to_str().expect("utf-8 path")]);
    assert!(again.status.success(), "{}", text(&again.stderr));
}
