//! The rendered folder as kubectl sees it: the real `kubectl kustomize`
//! (which needs no cluster) must build every example's folder and find
//! every object, unchanged.
//!
//! `kubectl apply/create --dry-run=client` cannot run offline (they fetch
//! the server's API list first), so kustomize is the part of kubectl these
//! tests can drive.

mod common;

use std::path::Path;
use std::process::Command;

use common::{example, ids, kubectl, parse_stream, render_file, render_file_stream, Rendered};
use serde_json::Value;

const EXAMPLES: &[&str] = &["statefulset.yaml", "deployment.yaml", "multi-service.yaml"];

/// `kubectl kustomize <dir>`: the objects it builds.
fn kustomize(dir: &Path) -> Vec<Value> {
    let output = Command::new(kubectl())
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    parse_stream(&String::from_utf8(output.stdout).expect("UTF-8 output"))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

/// Each object kustomize built is the object in one of the files.
fn assert_same_objects(built: &[Value], expected: &[&Value], what: &str) {
    assert_eq!(
        sorted(ids(built)),
        sorted(ids(&expected
            .iter()
            .map(|v| (*v).clone())
            .collect::<Vec<_>>())),
        "{what}: objects kustomize found"
    );
    for object in built {
        let name = &object["metadata"]["name"];
        let original = expected
            .iter()
            .find(|e| e["kind"] == object["kind"] && e["metadata"]["name"] == *name)
            .expect("matched above");
        common::assert_tree_eq(object, original, what);
    }
}

/// Every file but kustomization.yaml and the Secrets of `secrets/` (their
/// placeholders would replace live values) is built, one object each.
fn check_folder(rendered: &Rendered, what: &str) {
    let built = kustomize(&rendered.dir);
    let objects: Vec<&Value> = rendered
        .files
        .iter()
        .filter(|(name, _)| *name != "kustomization.yaml" && !name.starts_with("secrets/"))
        .map(|(_, value)| value)
        .collect();
    assert_eq!(
        built.len(),
        objects.len(),
        "{what}: one object per file but kustomization.yaml and secrets/"
    );
    assert!(built.iter().all(|o| o["kind"] != "Secret"), "{what}");
    assert_same_objects(&built, &objects, what);
}

#[test]
fn every_example_folder_builds_with_kubectl_kustomize() {
    for name in EXAMPLES {
        let rendered = render_file(&example(name), &[]);
        check_folder(&rendered, name);
    }
}

#[test]
fn a_folder_in_the_default_namespace_builds_too() {
    let rendered = common::render_state(
        "_services: [{name: web, image: nginx, port: 80, envVars: [{key: A, value: b}]}]\n",
        &[],
    );
    check_folder(&rendered, "default namespace");
}

/// `render -o yaml | kubectl apply -f -` depends on kubectl reading the
/// stream: kustomize decodes it with the same machinery, so a stream it
/// reads back object for object is one kubectl accepts.
#[test]
fn the_yaml_stream_is_read_back_by_kubectl() {
    for name in EXAMPLES {
        let stream = render_file_stream(&example(name));
        let tmp = tempfile::TempDir::new().unwrap();
        std::fs::write(tmp.path().join("all.yaml"), &stream).unwrap();
        std::fs::write(
            tmp.path().join("kustomization.yaml"),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- all.yaml\n",
        )
        .unwrap();
        let built = kustomize(tmp.path());
        let docs = parse_stream(&stream);
        assert_same_objects(&built, &docs.iter().collect::<Vec<_>>(), name);
    }
}

/// kubectl reads YAML with YAML 1.1 rules, where `yes`, `on`, `1_000`,
/// `1:20` and dates are not strings; every such value must reach it as the
/// string the user wrote, keys included.
#[test]
fn ambiguous_strings_reach_kubectl_as_strings() {
    let values = [
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "N",
        "true",
        "null",
        "~",
        "1_000",
        "1:20",
        "2001-12-14",
        "2001-12-14 21:59:43",
        "1e3",
        "0x1F",
        "012",
        "0o17",
        "+12",
        ".5",
        "-.inf",
        "<<",
        "=",
        "8080",
        "25%",
        "10Gi",
        "-c",
        "a: b",
        "x #y",
        "multi\nline",
        " padded ",
        "",
    ];
    let env: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{{key: K{i}, value: {}}}",
                serde_json::to_string(v).unwrap()
            )
        })
        .chain([
            "{key: Y, value: a}".to_string(),
            "{key: ON, value: b}".to_string(),
        ])
        .collect();
    let state = format!(
        "_services: [{{name: web, image: nginx, envVars: [{}]}}]\n",
        env.join(", ")
    );
    let rendered = common::render_state(&state, &[]);
    let built = kustomize(&rendered.dir);
    let data = &common::find(&built, "ConfigMap", "web-config")["data"];
    for (i, value) in values.iter().enumerate() {
        assert_eq!(data[format!("K{i}")], *value, "value {value:?}");
    }
    assert_eq!(data["Y"], "a");
    assert_eq!(data["ON"], "b");
}
