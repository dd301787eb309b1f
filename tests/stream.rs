//! `render -o yaml` and `render -o json` print the same objects: a YAML
//! stream, and a `List` as `kubectl get -o json` prints many.

mod common;

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
