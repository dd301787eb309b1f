//! What kube-apiserver does for kubectl's move from client-side to
//! server-side apply (its `lastAppliedManager` and `lastAppliedUpdater`),
//! for the field manager `kubectl` only:
//! - an apply that conflicts only on fields the object's
//!   `kubectl.kubernetes.io/last-applied-configuration` holds, with the
//!   live value still the one it holds, goes through as if forced: those
//!   fields were set by an earlier client-side `kubectl apply`;
//! - after an apply, an object that has the annotation gets it rewritten
//!   to the applied configuration, so a later client-side apply still
//!   computes the right patch.
//!
//! kubectl itself then moves the client-side manager's fields to `kubectl`
//! (a JSON patch of `managedFields`, which `handlers` honours).

use serde_json::{Map, Value};

use super::fieldset::{applied_fields, get_at, Path};
use super::schema::Type;
use super::ssa::{self, ownable_view, ManagedEntry};

pub const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The only manager these rules apply to.
pub const KUBECTL: &str = "kubectl";

fn annotation(object: &Value) -> Option<&str> {
    object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(ANNOTATION))
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// Whether every conflict of this apply is one the last-applied
/// configuration allows (there is at least one).
pub fn forgives(
    live: &Value,
    view: &Value,
    ty: Type,
    managers: &[ManagedEntry],
    has_status: bool,
) -> bool {
    let conflicts = ssa::conflicting_paths(live, view, ty, managers, KUBECTL);
    if conflicts.is_empty() {
        return false;
    }
    let Some(last) = annotation(live).and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
        return false;
    };
    if last.get("apiVersion") != live.get("apiVersion") {
        return false;
    }
    let last = ownable_view(&last, has_status);
    let (fields, _) = applied_fields(&last, ty);
    let allowed = |path: &Path| fields.contains(path) && get_at(live, path) == get_at(&last, path);
    conflicts.iter().all(allowed)
}

/// After an apply by `kubectl` of `config` onto `live`: the object with
/// the annotation rewritten, when `live` had it.
pub fn update_annotation(live: Option<&Value>, config: &Value, object: &mut Value) {
    if live.and_then(annotation).is_none() {
        return;
    }
    let mut recorded = config.clone();
    if let Some(Value::Object(annotations)) = recorded.pointer_mut("/metadata/annotations") {
        annotations.shift_remove(ANNOTATION);
    }
    // Go encodes a map with sorted keys, and the encoder ends with a newline.
    let text = format!("{}\n", sorted(&recorded));
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(ANNOTATION.into(), Value::String(text));
        }
    }
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
