//! The tool as a KRM function (the exec-function contract of kustomize and
//! kpt): a `ResourceList` comes in, its `functionConfig` is a state wrapped
//! as an object of kind `WizardState`, and the generated objects go out
//! beside the items that came in, with every finding as a `result`.
//!
//! Pure: a value tree in, a value tree out. Reading stdin and writing
//! stdout is `commands::krm`.

use serde_json::{json, Map, Value};

use crate::diag::{Diagnostic, Severity};
use crate::error::Error;
use crate::pipeline::{self, BuildOptions};
use crate::render::Manifest;

/// The API version of the `functionConfig` object that carries a state.
pub const API_VERSION: &str = "kubectl-wizard.dev/v1alpha1";
/// Its kind.
pub const KIND: &str = "WizardState";
/// The API version of the envelope, as kustomize and kpt send it.
pub const RESOURCE_LIST_API_VERSION: &str = "config.kubernetes.io/v1";

/// Where the orchestrator keeps an item's file: kpt writes a generated
/// object to this path of the package, so objects land in the files
/// `render` would write. kustomize and kpt drop it from their output.
const PATH_ANNOTATION: &str = "internal.config.kubernetes.io/path";
/// The same for orchestrators that still read the older name.
const LEGACY_PATH_ANNOTATION: &str = "config.kubernetes.io/path";

/// What the function answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The `ResourceList` to write to stdout.
    pub list: Value,
    /// Whether a result is an error (the function then exits non-zero).
    pub failed: bool,
}

/// Why the input cannot be answered with a `ResourceList` at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAResourceList(pub String);

/// Run the function over a parsed `ResourceList`.
pub fn process(input: &Value, options: &BuildOptions) -> Result<Outcome, NotAResourceList> {
    let envelope = input.as_object().ok_or_else(|| {
        NotAResourceList(format!(
            "standard input: expected a ResourceList object, found {}",
            kind_of(input)
        ))
    })?;
    let kind = envelope.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != "ResourceList" {
        return Err(NotAResourceList(format!(
            "standard input: expected kind ResourceList (apiVersion {RESOURCE_LIST_API_VERSION}), found kind {kind:?}"
        )));
    }
    let items = match envelope.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(NotAResourceList(format!(
                "items: expected a list of objects, found {}",
                kind_of(other)
            )))
        }
    };
    let config = envelope.get("functionConfig").unwrap_or(&Value::Null);
    let (generated, results) = match state_of(config) {
        Ok(state) => generate(state, config, options),
        Err(message) => (Vec::new(), vec![config_result(config, "", &message)]),
    };
    let failed = results
        .iter()
        .any(|r| r.get("severity").and_then(Value::as_str) == Some("error"));
    // On an error nothing is generated: the items pass through unchanged.
    let items = if failed {
        items
    } else {
        merge_items(items, generated)
    };
    let mut list = json!({
        "apiVersion": RESOURCE_LIST_API_VERSION,
        "kind": "ResourceList",
        "items": items,
    });
    if !results.is_empty() {
        list["results"] = Value::Array(results);
    }
    Ok(Outcome { list, failed })
}

/// The state inside a `WizardState`: every field but apiVersion, kind and
/// metadata.
fn state_of(config: &Value) -> Result<Value, String> {
    let Some(fields) = config.as_object() else {
        return Err(format!(
            "functionConfig: expected an object of kind {KIND} (apiVersion {API_VERSION}), found {}",
            kind_of(config)
        ));
    };
    let api_version = fields.get("apiVersion").and_then(Value::as_str);
    let kind = fields.get("kind").and_then(Value::as_str);
    if api_version != Some(API_VERSION) || kind != Some(KIND) {
        return Err(format!(
            "functionConfig: expected apiVersion {API_VERSION}, kind {KIND}; found apiVersion {}, kind {}",
            shown(api_version),
            shown(kind)
        ));
    }
    let state: Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "apiVersion" | "kind" | "metadata"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Ok(Value::Object(state))
}

/// Build the state; the objects it generates (Secrets left out) and the
/// findings as results.
fn generate(state: Value, config: &Value, options: &BuildOptions) -> (Vec<Value>, Vec<Value>) {
    match pipeline::from_document(state, options, pipeline::Keep::ALL, |_| {}) {
        Ok(build) => {
            let mut results: Vec<Value> = build
                .warnings
                .iter()
                .map(|d| diagnostic_result(config, d))
                .collect();
            let (secrets, objects): (Vec<&Manifest>, Vec<&Manifest>) =
                build.manifests.iter().partition(|m| m.is_secret());
            if !secrets.is_empty() {
                results.push(secrets_left_out(config, &secrets));
            }
            (objects.into_iter().map(with_path).collect(), results)
        }
        Err(Error::Invalid(diagnostics)) => (
            Vec::new(),
            diagnostics
                .items
                .iter()
                .map(|d| diagnostic_result(config, d))
                .collect(),
        ),
        Err(other) => (
            Vec::new(),
            vec![config_result(config, "", &other.to_string())],
        ),
    }
}

/// Placeholder Secrets would write `CHANGE_ME` over live values wherever
/// the output is applied, so, as with `render -o`, they are left out.
fn secrets_left_out(config: &Value, secrets: &[&Manifest]) -> Value {
    let names: Vec<&str> = secrets.iter().map(|m| m.name.as_str()).collect();
    let mut result = config_result(
        config,
        "",
        &format!(
            "left out {} Secret(s) ({}): they would hold only the {} placeholder, which would replace live values when applied; create them with `kubectl create secret generic` or `kubectl wizard apply`",
            names.len(),
            names.join(", "),
            crate::render::SECRET_PLACEHOLDER
        ),
    );
    result["severity"] = json!("info");
    result
}

/// A generated object with the file kpt should write it to.
fn with_path(manifest: &Manifest) -> Value {
    let mut object = manifest.object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            for key in [PATH_ANNOTATION, LEGACY_PATH_ANNOTATION] {
                annotations.insert(key.into(), json!(manifest.file_name));
            }
        }
    }
    object
}

/// The items that came in, with each one the state generates replaced by
/// the new object (so running the function twice changes nothing), then
/// the generated objects not already there, in apply order.
fn merge_items(items: Vec<Value>, generated: Vec<Value>) -> Vec<Value> {
    let mut generated: Vec<Option<Value>> = generated.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(items.len() + generated.len());
    for item in items {
        let id = identity(&item);
        let replacement = generated.iter_mut().find(|g| {
            g.as_ref()
                .is_some_and(|g| id.is_some() && identity(g) == id)
        });
        match replacement {
            Some(slot) => merged.extend(slot.take().map(|new| keep_path(&item, new))),
            None => merged.push(item),
        }
    }
    merged.extend(generated.into_iter().flatten());
    merged
}

/// An object that replaces an item keeps the item's file.
fn keep_path(old: &Value, mut new: Value) -> Value {
    let old_annotations = old
        .pointer("/metadata/annotations")
        .and_then(Value::as_object);
    if let (Some(old_annotations), Some(annotations)) = (
        old_annotations,
        new.pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut),
    ) {
        for (key, value) in old_annotations {
            if key.starts_with("internal.config.kubernetes.io/")
                || key.starts_with("config.kubernetes.io/")
            {
                annotations.insert(key.clone(), value.clone());
            }
        }
    }
    new
}

/// apiVersion, kind, namespace and name: what makes two objects the same.
fn identity(object: &Value) -> Option<(String, String, String, String)> {
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(String::from)
    };
    Some((
        text("/apiVersion")?,
        text("/kind")?,
        text("/metadata/namespace").unwrap_or_default(),
        text("/metadata/name")?,
    ))
}

fn diagnostic_result(config: &Value, diagnostic: &Diagnostic) -> Value {
    let mut result = config_result(config, &diagnostic.path, &diagnostic.message);
    if diagnostic.severity == Severity::Warning {
        result["severity"] = json!("warning");
    }
    result
}

/// A result about the `functionConfig`: the state's path as the field,
/// and the file it came from when the orchestrator said.
fn config_result(config: &Value, path: &str, message: &str) -> Value {
    let mut result = json!({
        "message": message,
        "severity": "error",
        "resourceRef": {
            "apiVersion": config.get("apiVersion").cloned().unwrap_or(json!(API_VERSION)),
            "kind": config.get("kind").cloned().unwrap_or(json!(KIND)),
            "name": config.pointer("/metadata/name").cloned().unwrap_or(json!("")),
        },
    });
    if !path.is_empty() {
        result["field"] = json!({ "path": path });
    }
    let annotations = config
        .pointer("/metadata/annotations")
        .and_then(Value::as_object);
    let file = annotations.and_then(|a| {
        a.get(PATH_ANNOTATION)
            .or_else(|| a.get(LEGACY_PATH_ANNOTATION))
    });
    if let Some(file) = file {
        result["file"] = json!({ "path": file });
    }
    result
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn shown(text: Option<&str>) -> String {
    text.map_or_else(|| "(none)".into(), |t| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(config: Value, items: Value) -> Value {
        json!({
            "apiVersion": RESOURCE_LIST_API_VERSION,
            "kind": "ResourceList",
            "items": items,
            "functionConfig": config,
        })
    }

    fn config(state: Value) -> Value {
        let mut config = json!({
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {"name": "shop"},
        });
        for (key, value) in state.as_object().unwrap() {
            config[key] = value.clone();
        }
        config
    }

    fn web() -> Value {
        json!({"namespace": "shop", "_services": [{"name": "web", "image": "nginx:1.27", "port": 80}]})
    }

    #[test]
    fn generates_the_objects_after_the_items_and_marks_their_files() {
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "shop"}});
        let out = process(
            &list(config(web()), json!([other.clone()])),
            &BuildOptions::default(),
        )
        .unwrap();
        assert!(!out.failed);
        let items = out.list["items"].as_array().unwrap();
        assert_eq!(items[0], other);
        let deployment = items
            .iter()
            .find(|i| i["kind"] == "Deployment")
            .expect("a Deployment");
        assert_eq!(deployment["metadata"]["name"], "web");
        assert!(deployment["metadata"]["annotations"][PATH_ANNOTATION]
            .as_str()
            .unwrap()
            .ends_with(".yaml"));
    }

    #[test]
    fn running_twice_replaces_what_the_first_run_generated() {
        let once = process(&list(config(web()), json!([])), &BuildOptions::default()).unwrap();
        let twice = process(
            &list(config(web()), once.list["items"].clone()),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(once.list["items"], twice.list["items"]);
    }

    #[test]
    fn an_invalid_state_gives_error_results_with_the_field_path_and_no_objects() {
        let state =
            json!({"namespace": "shop", "_services": [{"name": "web", "image": "", "port": 80}]});
        let out = process(&list(config(state), json!([])), &BuildOptions::default()).unwrap();
        assert!(out.failed);
        assert_eq!(out.list["items"], json!([]));
        let results = out.list["results"].as_array().unwrap();
        assert!(results
            .iter()
            .any(|r| r["severity"] == "error" && r["field"]["path"] == "_services[0].image"));
        assert_eq!(results[0]["resourceRef"]["kind"], KIND);
        assert_eq!(results[0]["resourceRef"]["name"], "shop");
    }

    #[test]
    fn a_function_config_of_another_kind_is_an_error_result() {
        let cm =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}});
        let out = process(&list(cm, json!([])), &BuildOptions::default()).unwrap();
        assert!(out.failed);
        let message = out.list["results"][0]["message"].as_str().unwrap();
        assert!(message.contains("kind WizardState"), "{message}");
        assert!(message.contains("\"ConfigMap\""), "{message}");
    }

    #[test]
    fn input_that_is_not_a_resource_list_is_refused() {
        let err = process(&json!({"kind": "List"}), &BuildOptions::default()).unwrap_err();
        assert!(err.0.contains("expected kind ResourceList"), "{err}");
        let err = process(&json!([1]), &BuildOptions::default()).unwrap_err();
        assert!(err.0.contains("found a list"), "{err}");
    }
}
