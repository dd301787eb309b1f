//! The tool inside GitOps pipelines: as a KRM function run by the real
//! `kpt fn eval --exec` and fed a ResourceList directly, and as Argo CD's
//! config management plugin (`examples/argocd/plugin.yaml`) run the way
//! Argo CD's sidecar runs its generate command.

mod common;

#[path = "support/schema_check.rs"]
mod schema_check;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{example, parse_stream, parse_yaml, read_dir, render_file, wizard};
use serde_json::{json, Value};
use tempfile::TempDir;

const STATES: &[&str] = &["multi-service.yaml", "statefulset.yaml", "deployment.yaml"];

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kubectl-wizard")
}

/// A state file wrapped as the function's `functionConfig`.
fn wizard_state(example_name: &str) -> Value {
    let text = std::fs::read_to_string(example(example_name)).unwrap();
    let mut config = json!({
        "apiVersion": "kubectl-wizard.dev/v1alpha1",
        "kind": "WizardState",
        "metadata": {"name": "app"},
    });
    for (key, value) in parse_yaml(&text).as_object().unwrap() {
        config[key] = value.clone();
    }
    config
}

/// Set (to anything) by `.ci/run`: a test that cannot run for want of an
/// optional tool fails instead of passing without running.
const NO_SKIP: &str = "KUBECTL_WIZARD_TEST_NO_SKIP";

/// kpt, or `None` with a loud line. kpt is not among the README's
/// prerequisites, so a machine without it passes these tests without
/// running them; CI sets `KUBECTL_WIZARD_TEST_NO_SKIP`, and there a
/// missing kpt fails the test, so a skip can never go unnoticed.
fn kpt() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kpt"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os(NO_SKIP).is_none(),
            "kpt is not on PATH, and {NO_SKIP} is set (as .ci/run sets it): \
             install kpt (https://kpt.dev) so that the KRM function is run by kpt"
        );
        eprintln!(
            "\n!!!!!!!! kpt is not on PATH: the KRM function was NOT run by kpt. \
             Install kpt (https://kpt.dev) to run this test. !!!!!!!!\n"
        );
    }
    found
}

/// The annotations an orchestrator keeps for itself.
fn without_orchestrator_annotations(mut object: Value) -> Value {
    if let Some(annotations) = object
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.retain(|key, _| {
            !key.starts_with("config.kubernetes.io/")
                && !key.starts_with("internal.config.kubernetes.io/")
        });
        if annotations.is_empty() {
            object["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("annotations");
        }
    }
    object
}

/// What `render --output-dir` writes, by file, without kustomization.yaml
/// and the placeholder Secrets (a function leaves those out, as `-o` does).
fn rendered_files(example_name: &str) -> BTreeMap<String, Value> {
    let rendered = render_file(&example(example_name), &[]);
    rendered
        .files
        .into_iter()
        .filter(|(name, _)| name != "kustomization.yaml" && !name.starts_with("secrets/"))
        .collect()
}

#[test]
fn kpt_fn_eval_writes_the_files_render_writes() {
    let Some(kpt) = kpt() else { return };
    for name in STATES {
        let tmp = TempDir::new().unwrap();
        let package = tmp.path().join("deploy");
        std::fs::create_dir(&package).unwrap();
        let config = tmp.path().join("wizard-state-krm.yaml");
        std::fs::write(&config, serde_yaml::to_string(&wizard_state(name)).unwrap()).unwrap();
        let exec = format!("{} fn", binary().display());
        let output = Command::new(&kpt)
            .args(["fn", "eval"])
            .arg(&package)
            .args(["--exec", &exec, "--fn-config"])
            .arg(&config)
            .output()
            .expect("kpt runs");
        assert!(
            output.status.success(),
            "{name}: kpt fn eval failed\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (written, _) = read_dir(&package);
        let written: BTreeMap<String, Value> = written
            .into_iter()
            .map(|(file, object)| (file, without_orchestrator_annotations(object)))
            .collect();
        assert_eq!(
            written.keys().collect::<Vec<_>>(),
            rendered_files(name).keys().collect::<Vec<_>>(),
            "{name}: the files kpt wrote"
        );
        for (file, object) in rendered_files(name) {
            common::assert_tree_eq(&written[&file], &object, &format!("{name}: {file}"));
        }

        // A second run changes nothing: the objects replace themselves.
        let again = Command::new(&kpt)
            .args(["fn", "eval"])
            .arg(&package)
            .args(["--exec", &exec, "--fn-config"])
            .arg(&config)
            .output()
            .expect("kpt runs");
        assert!(again.status.success(), "{name}: second kpt fn eval failed");
        let (rewritten, _) = read_dir(&package);
        assert_eq!(
            rewritten.len(),
            written.len(),
            "{name}: a second run added files"
        );
    }
}

#[test]
fn kpt_shows_the_state_path_of_each_error() {
    let Some(kpt) = kpt() else { return };
    let tmp = TempDir::new().unwrap();
    let package = tmp.path().join("deploy");
    std::fs::create_dir(&package).unwrap();
    let mut state = wizard_state("multi-service.yaml");
    state["_services"][1]["replicas"] = json!("many");
    state["_services"][0]["image"] = json!("");
    let config = tmp.path().join("wizard-state-krm.yaml");
    std::fs::write(&config, serde_yaml::to_string(&state).unwrap()).unwrap();
    let output = Command::new(&kpt)
        .args(["fn", "eval"])
        .arg(&package)
        .args([
            "--exec",
            &format!("{} fn", binary().display()),
            "--fn-config",
        ])
        .arg(&config)
        .output()
        .expect("kpt runs");
    assert!(
        !output.status.success(),
        "kpt must fail on an invalid state"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for path in ["_services[0].image", "_services[1].replicas"] {
        assert!(
            stderr.contains(path),
            "kpt's output names {path}:\n{stderr}"
        );
    }
    assert!(
        read_dir(&package).0.is_empty(),
        "nothing is written on an error"
    );
}

/// `kubectl-wizard fn` with a ResourceList on stdin: the answer parsed.
fn run_fn(input: &Value) -> (Option<i32>, Value, String) {
    let output = wizard()
        .arg("fn")
        .write_stdin(serde_yaml::to_string(input).unwrap())
        .output()
        .expect("the binary runs");
    let list = parse_yaml(&String::from_utf8(output.stdout).unwrap());
    (
        output.status.code(),
        list,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn resource_list(config: Value, items: Value) -> Value {
    json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": config,
    })
}

#[test]
fn a_resource_list_through_the_binary_gives_renders_objects_after_the_items() {
    let kept = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "unrelated", "namespace": "storefront"}, "data": {"a": "b"}});
    let (code, list, stderr) = run_fn(&resource_list(
        wizard_state("multi-service.yaml"),
        json!([kept.clone()]),
    ));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(list["kind"], "ResourceList");
    let items: Vec<Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(without_orchestrator_annotations)
        .collect();
    assert_eq!(items[0], kept, "the items that came in stay first");
    let printed = common::render_file_stream(&example("multi-service.yaml"));
    assert_eq!(items[1..].to_vec(), parse_stream(&printed));
    // The Secrets left out are said, as an info result.
    let results = list["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["severity"] == "info"
            && r["message"].as_str().unwrap().contains("left out")),
        "{results:?}"
    );
}

#[test]
fn an_invalid_state_gives_error_results_with_paths_and_exit_2() {
    let mut state = wizard_state("statefulset.yaml");
    state["_services"][0]["volumeClaimTemplates"][0]["size"] = json!("lots");
    state["extra_key"] = json!(1);
    let item = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    let (code, list, stderr) = run_fn(&resource_list(state, json!([item.clone()])));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("see the results"), "{stderr}");
    assert_eq!(list["items"], json!([item]), "items pass through unchanged");
    let results = list["results"].as_array().unwrap();
    let find = |path: &str| {
        results
            .iter()
            .find(|r| r["field"]["path"] == path)
            .unwrap_or_else(|| panic!("no result for {path}: {results:?}"))
    };
    assert_eq!(
        find("_services[0].volumeClaimTemplates[0].size")["severity"],
        "error"
    );
    assert_eq!(find("extra_key")["severity"], "warning");
    for result in results {
        assert_eq!(result["resourceRef"]["kind"], "WizardState");
        assert_eq!(result["resourceRef"]["name"], "app");
    }
}

#[test]
fn input_that_is_not_a_resource_list_is_a_usage_error() {
    let output = wizard()
        .arg("fn")
        .write_stdin("apiVersion: v1\nkind: List\nitems: []\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expected kind ResourceList"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// The Argo CD plugin definition of the repository.
fn argocd_plugin() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/argocd/plugin.yaml");
    parse_yaml(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn argocd_plugin_is_a_cmp_v2_definition_that_discovers_the_state_file() {
    let plugin = argocd_plugin();
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "kubectl-wizard");
    assert_eq!(
        plugin["spec"]["discover"]["fileName"],
        "./wizard-state.yaml"
    );
    // A shell, so that `${ARGOCD_APP_NAMESPACE:+...}` is expanded.
    assert_eq!(plugin["spec"]["generate"]["command"], json!(["sh", "-c"]));
}

/// Run the plugin's generate command as Argo CD's sidecar does: in the
/// Application's source folder, with Argo CD's build environment.
fn argocd_generate(app_dir: &Path, namespace: &str) -> std::process::Output {
    let plugin = argocd_plugin();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let command = strings(&plugin["spec"]["generate"]["command"]);
    let args = strings(&plugin["spec"]["generate"]["args"]);
    let bin_dir = binary().parent().unwrap().to_path_buf();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display());
    Command::new(&command[0])
        .args(&command[1..])
        .args(&args)
        .current_dir(app_dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", app_dir)
        .env("ARGOCD_APP_NAME", "storefront")
        .env("ARGOCD_APP_NAMESPACE", namespace)
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("ARGOCD_APP_SOURCE_PATH", "apps/storefront")
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/apps.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "HEAD")
        .env("KUBE_VERSION", "1.33.0")
        .env(
            "KUBE_API_VERSIONS",
            "v1,apps/v1,batch/v1,networking.k8s.io/v1,autoscaling/v2",
        )
        .output()
        .expect("the generate command runs")
}

#[test]
fn argocd_generate_prints_valid_objects_in_the_app_namespace() {
    let tmp = TempDir::new().unwrap();
    let app = tmp.path().join("apps/storefront");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(example("multi-service.yaml"), app.join("wizard-state.yaml")).unwrap();
    let output = argocd_generate(&app, "storefront-prod");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let objects = parse_stream(&String::from_utf8(output.stdout).unwrap());
    assert!(objects.len() > 5, "{objects:?}");
    let schemas = schema_check::Schemas::kubernetes();
    for object in &objects {
        if let Err(errors) = schemas.validate(object) {
            panic!("{} is not valid: {errors:?}", object["kind"]);
        }
        assert_ne!(object["kind"], "Secret", "placeholder Secrets are left out");
        if object["kind"] == "Namespace" {
            assert_eq!(object["metadata"]["name"], "storefront-prod");
        } else {
            assert_eq!(
                object["metadata"]["namespace"], "storefront-prod",
                "{} {}",
                object["kind"], object["metadata"]["name"]
            );
        }
    }
    // Exactly what a user gets from render with that namespace.
    let expected = wizard()
        .args(["render", "-o", "yaml", "-n", "storefront-prod", "-f"])
        .arg(example("multi-service.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        objects,
        parse_stream(&String::from_utf8(expected.stdout).unwrap())
    );
    // Nothing written into the source folder.
    assert_eq!(std::fs::read_dir(&app).unwrap().count(), 1);
}

#[test]
fn argocd_generate_without_a_destination_namespace_keeps_the_states() {
    let tmp = TempDir::new().unwrap();
    std::fs::copy(
        example("statefulset.yaml"),
        tmp.path().join("wizard-state.yaml"),
    )
    .unwrap();
    let output = argocd_generate(tmp.path(), "");
    assert!(output.status.success());
    let objects = parse_stream(&String::from_utf8(output.stdout).unwrap());
    let state = parse_yaml(&std::fs::read_to_string(example("statefulset.yaml")).unwrap());
    let namespaced = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    assert_eq!(namespaced["metadata"]["namespace"], state["namespace"]);
}

#[test]
fn argocd_generate_fails_with_the_path_on_an_invalid_state() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(
        tmp.path().join("wizard-state.yaml"),
        "namespace: shop\n_services:\n  - {name: web, image: '', port: 80}\n",
    )
    .unwrap();
    let output = argocd_generate(tmp.path(), "shop");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output.stdout.is_empty(),
        "no half output for Argo CD to apply"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("_services[0].image"), "{stderr}");
}
