//! `render -o yaml` and `render -o json` print the same objects: a YAML
//! stream, and a `List` as `kubectl get -o json` prints many.

mod common;

#[path = "../benches/support/states.rs"]
#[allow(dead_code)]
mod states;

use common::{assert_success, example, parse_stream, render_file_stream, wizard};
use serde_json::Value;

const EXAMPLES: &[&str] = &["statefulset.yaml", "deployment.yaml", "multi-service.yaml"];

fn render_json(path: &std::path::Path) -> Value {
    let output = wizard()
        .args(["render", "-o", "json", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert_success(&output);
    serde_json::from_slice(&output.stdout).expect("render -o json prints one JSON document")
}

#[test]
fn json_list_items_are_the_yaml_documents() {
    for name in EXAMPLES {
        let path = example(name);
        let list = render_json(&path);
        assert_eq!(list["apiVersion"], "v1", "{name}");
        assert_eq!(list["kind"], "List", "{name}");
        let docs = parse_stream(&render_file_stream(&path));
        assert!(!docs.is_empty());
        assert_eq!(list["items"], Value::Array(docs), "{name}");
    }
}

#[test]
fn yaml_stream_holds_the_files_render_writes() {
    for name in EXAMPLES {
        let path = example(name);
        let docs = parse_stream(&render_file_stream(&path));
        let rendered = common::render_file(&path, &[]);
        let resources = rendered.file("kustomization.yaml")["resources"]
            .as_array()
            .unwrap()
            .clone();
        let files: Vec<&Value> = resources
            .iter()
            .map(|file| rendered.file(file.as_str().unwrap()))
            .collect();
        assert_eq!(files, docs.iter().collect::<Vec<_>>(), "{name}");
    }
}

/// The apply phase of a kind (STATE.md §8): namespace; config, secrets and
/// claims; services; workloads; autoscalers; ingress.
fn phase(kind: &str) -> usize {
    match kind {
        "Namespace" => 0,
        "ConfigMap" | "Secret" | "PersistentVolumeClaim" => 1,
        "Service" => 2,
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => 3,
        "HorizontalPodAutoscaler" => 4,
        "Ingress" => 5,
        other => panic!("unexpected kind {other}"),
    }
}

fn printed(state: &std::path::Path, extra: &[&str]) -> String {
    let output = wizard()
        .args(["render", "-o", "yaml", "-f"])
        .arg(state)
        .args(extra)
        .output()
        .unwrap();
    assert_success(&output);
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The stream is printed as the objects are rendered, phase by phase; it
/// must still be exactly the files, in the order `kustomization.yaml`
/// applies them, with the Secrets (when asked for) in their phase.
#[test]
fn the_yaml_stream_is_the_files_in_apply_order_byte_for_byte() {
    let tmp = tempfile::TempDir::new().unwrap();
    // Every kind and feature, services and infra decisions interleaving
    // the phases (a stream in state order would differ).
    let generated = tmp.path().join("generated.yaml");
    std::fs::write(&generated, states::state(24)).unwrap();
    for path in [example("multi-service.yaml"), generated] {
        let stream = printed(&path, &[]);
        let rendered = common::render_file(&path, &[]);
        let resources = rendered.file("kustomization.yaml")["resources"]
            .as_array()
            .unwrap()
            .clone();
        let files: String = resources
            .iter()
            .map(|file| format!("---\n{}", rendered.texts[file.as_str().unwrap()]))
            .collect();
        assert_eq!(stream, files, "{}", path.display());

        let with_secrets = printed(&path, &["--include-secrets"]);
        let docs = parse_stream(&with_secrets);
        let phases: Vec<usize> = docs
            .iter()
            .map(|d| phase(d["kind"].as_str().unwrap()))
            .collect();
        assert!(
            phases.windows(2).all(|pair| pair[0] <= pair[1]),
            "not in apply order: {phases:?}"
        );
        assert!(phases.contains(&0) && phases.contains(&5), "{phases:?}");
        let secrets = docs.iter().filter(|d| d["kind"] == "Secret").count();
        assert!(secrets > 0, "the state has Secrets");
        let others: Vec<&Value> = docs.iter().filter(|d| d["kind"] != "Secret").collect();
        assert_eq!(others, parse_stream(&stream).iter().collect::<Vec<_>>());
        for secret in docs.iter().filter(|d| d["kind"] == "Secret") {
            let name = secret["metadata"]["name"].as_str().unwrap();
            assert_eq!(
                Some(secret),
                rendered.files.get(&format!("secrets/{name}.yaml")),
                "{name}"
            );
        }
    }
}

#[test]
fn an_invalid_state_prints_nothing_even_when_its_error_is_in_the_last_service() {
    let tmp = tempfile::TempDir::new().unwrap();
    let path = tmp.path().join("state.yaml");
    // The last app service, after every other service was checked.
    let state = states::state(12).replace(
        "_infraDecisions:\n",
        "  - {name: broken, kind: Job, image: busybox, port: \"80a\"}\n_infraDecisions:\n",
    );
    std::fs::write(&path, state).unwrap();
    for format in ["yaml", "json"] {
        let output = wizard()
            .args(["render", "-o", format, "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert!(
            output.stdout.is_empty(),
            "{format}: printed before the end of the checks"
        );
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("found \"80a\""), "{err}");
    }
}

/// `render --output-dir` writes each object as it is rendered (a writer
/// thread creates the files while the next ones are rendered): a new
/// folder must still hold exactly one file per object, the bytes the
/// stream prints, reported in apply order with `kustomization.yaml` last,
/// the Secrets owner-only and everything else with the mode any new file
/// gets; an existing folder with one changed object gets only that file
/// rewritten (with `--force`; skipped without).
#[test]
fn files_are_the_printed_objects_in_apply_order_and_only_a_changed_one_is_rewritten() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::TempDir::new().unwrap();
    let state = tmp.path().join("state.yaml");
    std::fs::write(&state, states::state(24)).unwrap();
    let dir = tmp.path().join("deploy/out");
    let render = |state: &std::path::Path, extra: &[&str]| {
        wizard()
            .args(["render", "-f"])
            .arg(state)
            .arg("--output-dir")
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let output = render(&state, &[]);
    assert_success(&output);
    let report = String::from_utf8(output.stdout).unwrap();
    let written: Vec<&str> = report
        .lines()
        .map(|line| line.strip_prefix("wrote     ").expect(line))
        .collect();
    // The printed objects, Secrets included, in the same order.
    let stream = printed(&state, &["--include-secrets"]);
    let docs: Vec<&str> = stream.split("---\n").skip(1).collect();
    assert_eq!(written.len(), docs.len() + 1, "{report}");
    assert_eq!(
        written.last().unwrap(),
        &dir.join("kustomization.yaml").display().to_string()
    );
    let plain = tmp.path().join("plain");
    std::fs::write(&plain, "").unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    for (path, doc) in written.iter().zip(&docs) {
        let path = std::path::Path::new(path);
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            doc,
            "{}",
            path.display()
        );
        let expected = match doc.contains("\nkind: Secret\n") {
            true => 0o600,
            false => mode(&plain),
        };
        assert_eq!(mode(path), expected, "{}", path.display());
    }
    let (files, _) = common::read_dir(&dir);
    assert_eq!(files.len(), written.len(), "no other file in the folder");
    let beside: Vec<_> = std::fs::read_dir(tmp.path().join("deploy"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["out"], "no staging folder left beside it");

    // One service changed: its Deployment differs, nothing else.
    let edited = tmp.path().join("edited.yaml");
    let text = std::fs::read_to_string(&state).unwrap();
    std::fs::write(&edited, text.replacen("web:1.4.0\n", "web:1.5.0\n", 1)).unwrap();
    let inodes = || -> Vec<u64> {
        written
            .iter()
            .map(|path| std::fs::metadata(path).unwrap().ino())
            .collect()
    };
    let before = inodes();
    let changed = dir.join("web-0-deployment.yaml").display().to_string();
    let skipped = render(&edited, &[]);
    assert_eq!(skipped.status.code(), Some(1));
    let lines = String::from_utf8(skipped.stdout).unwrap();
    assert_eq!(
        lines
            .lines()
            .filter(|l| !l.starts_with("unchanged "))
            .collect::<Vec<_>>(),
        [format!(
            "skipped   {changed} (differs from what would be written; --force overwrites it)"
        )]
    );
    assert_eq!(inodes(), before, "nothing rewritten without --force");
    let forced = render(&edited, &["--force"]);
    assert_success(&forced);
    let lines = String::from_utf8(forced.stdout).unwrap();
    assert_eq!(lines.lines().count(), written.len(), "{lines}");
    assert_eq!(
        lines
            .lines()
            .filter(|l| !l.starts_with("unchanged "))
            .collect::<Vec<_>>(),
        [format!("wrote     {changed}")]
    );
    let after = inodes();
    for ((path, old), new) in written.iter().zip(&before).zip(&after) {
        assert_eq!(
            old == new,
            *path != changed,
            "{path} replaced iff it changed"
        );
    }
    assert!(std::fs::read_to_string(&changed)
        .unwrap()
        .contains("web:1.5.0"));
}
