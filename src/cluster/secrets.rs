//! What apply sends for a Secret: never the placeholder over a live value.
//!
//! A key the live Secret already has keeps its live value, whoever set it;
//! only keys it lacks get the rendered placeholder. With server-side apply,
//! leaving out a field this manager applied before deletes it, so the
//! applied Secret carries every live key this manager owns, with its live
//! value, even when the state no longer lists it: removing a key from the
//! state must not delete the value from the cluster. A live key that only
//! others own is left out: it stays theirs, untouched, and the apply does
//! not take co-ownership of a value someone else set.
//!
//! A rendered value other than the placeholder was supplied on purpose
//! (`--secrets-from-env`): it replaces the live one.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::ByteString;
use serde_json::{Map, Value};

/// The Secret to apply, given the rendered one (which holds `stringData`
/// placeholders) and the live one, if it exists. The result uses `data`
/// (base64), never `stringData`, so the applied fields are the stored ones.
pub fn merge(rendered: &Value, live: Option<&Value>, manager: &str) -> Value {
    let wanted = rendered_values(rendered);
    let empty = Map::new();
    let live_data = live
        .and_then(|l| l.get("data"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let owned = live.map(|l| owned_keys(l, manager)).unwrap_or_default();

    let supplied = supplied_keys(rendered);
    let mut data = Map::new();
    for (key, value) in &wanted {
        if !live_data.contains_key(key) || supplied.contains(key) {
            data.insert(key.clone(), value.clone());
        }
    }
    // Keys this manager owns keep their live value. One that is gone from
    // the live object was deleted by someone else: it is not brought back
    // unless the state lists it (then it got the placeholder above).
    for key in owned.iter().filter(|k| !supplied.contains(*k)) {
        if let Some(value) = live_data.get(key) {
            data.insert(key.clone(), value.clone());
        }
    }
    let data: Map<String, Value> = data
        .into_iter()
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    with_data(rendered, data)
}

/// Whether the rendered Secret holds a value the user supplied.
pub fn has_supplied(rendered: &Value) -> bool {
    !supplied_keys(rendered).is_empty()
}

/// The `stringData` keys whose value is not the placeholder: real values
/// the user supplied, which win over live ones.
fn supplied_keys(rendered: &Value) -> BTreeSet<String> {
    match rendered.get("stringData") {
        Some(Value::Object(string_data)) => string_data
            .iter()
            .filter(|(_, v)| v.as_str() != Some(crate::render::SECRET_PLACEHOLDER))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The rendered keys with their values base64-encoded, as `data` holds them.
fn rendered_values(rendered: &Value) -> BTreeMap<String, Value> {
    let mut values = BTreeMap::new();
    if let Some(Value::Object(data)) = rendered.get("data") {
        values.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(Value::Object(string_data)) = rendered.get("stringData") {
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or_default();
            values.insert(key.clone(), encode(text));
        }
    }
    values
}

fn encode(text: &str) -> Value {
    // ByteString serializes as standard base64, the encoding of `data`;
    // serializing a byte string into a JSON value cannot fail.
    serde_json::to_value(ByteString(text.as_bytes().to_vec())).unwrap_or(Value::Null)
}

/// The rendered object with `stringData` replaced by `data`, which goes
/// right after `metadata` where people look for it.
fn with_data(rendered: &Value, data: Map<String, Value>) -> Value {
    let mut object = Map::new();
    if let Value::Object(map) = rendered {
        for (key, value) in map {
            match key.as_str() {
                "stringData" | "data" => {}
                "metadata" => {
                    object.insert(key.clone(), value.clone());
                    object.insert("data".into(), Value::Object(data.clone()));
                }
                _ => {
                    object.insert(key.clone(), value.clone());
                }
            }
        }
    }
    object.entry("data").or_insert_with(|| Value::Object(data));
    Value::Object(object)
}

/// The `data` keys that `manager` owns through apply, according to the
/// live object's `managedFields`.
pub fn owned_keys(live: &Value, manager: &str) -> BTreeSet<String> {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|entry| {
            entry.get("manager").and_then(Value::as_str) == Some(manager)
                && entry.get("operation").and_then(Value::as_str) == Some("Apply")
        })
        .filter_map(|entry| entry.pointer("/fieldsV1/f:data"))
        .filter_map(Value::as_object)
        .flat_map(|fields| fields.keys())
        .filter_map(|field| field.strip_prefix("f:"))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MANAGER: &str = "kubectl-wizard";

    fn rendered(keys: &[&str]) -> Value {
        let string_data: Map<String, Value> = keys
            .iter()
            .map(|k| (k.to_string(), Value::from("CHANGE_ME")))
            .collect();
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "api-secrets", "namespace": "shop", "labels": {"app": "api"}},
            "stringData": string_data,
            "type": "Opaque"
        })
    }

    fn live(data: Value, owned_by_us: &[&str]) -> Value {
        let fields: Map<String, Value> = owned_by_us
            .iter()
            .map(|k| (format!("f:{k}"), json!({})))
            .collect();
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "api-secrets",
                "managedFields": [
                    {"manager": MANAGER, "operation": "Apply", "apiVersion": "v1",
                     "fieldsType": "FieldsV1", "fieldsV1": {"f:data": fields}},
                    {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
                     "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:OTHER": {}}}}
                ]
            },
            "data": data,
            "type": "Opaque"
        })
    }

    #[test]
    fn a_new_secret_gets_the_placeholder_as_base64_data() {
        let merged = merge(&rendered(&["API_KEY"]), None, MANAGER);
        assert_eq!(merged["data"], json!({"API_KEY": "Q0hBTkdFX01F"}));
        assert!(merged.get("stringData").is_none());
        let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "data", "type"]);
    }

    #[test]
    fn a_live_value_set_by_someone_else_is_left_to_them() {
        let live = live(json!({"API_KEY": "c2VjcmV0"}), &[]);
        let merged = merge(&rendered(&["API_KEY", "NEW_KEY"]), Some(&live), MANAGER);
        assert_eq!(merged["data"], json!({"NEW_KEY": "Q0hBTkdFX01F"}));
    }

    #[test]
    fn a_supplied_value_replaces_the_live_one_and_a_placeholder_never_does() {
        let live = live(
            json!({"API_KEY": "c2VjcmV0", "OTHER_KEY": "b3RoZXI="}),
            &["API_KEY", "OTHER_KEY"],
        );
        let mut wanted = rendered(&["API_KEY", "OTHER_KEY"]);
        wanted["stringData"]["API_KEY"] = json!("new");
        let merged = merge(&wanted, Some(&live), MANAGER);
        assert_eq!(
            merged["data"],
            json!({"API_KEY": "bmV3", "OTHER_KEY": "b3RoZXI="})
        );
    }

    #[test]
    fn a_live_value_we_own_is_sent_as_it_is() {
        let live = live(json!({"API_KEY": "c2VjcmV0"}), &["API_KEY"]);
        let merged = merge(&rendered(&["API_KEY"]), Some(&live), MANAGER);
        assert_eq!(merged["data"], json!({"API_KEY": "c2VjcmV0"}));
    }

    #[test]
    fn a_key_removed_from_the_state_that_we_applied_is_still_sent() {
        let live = live(
            json!({"OLD": "b2xk", "API_KEY": "a2V5"}),
            &["OLD", "API_KEY"],
        );
        let merged = merge(&rendered(&["API_KEY"]), Some(&live), MANAGER);
        assert_eq!(merged["data"], json!({"API_KEY": "a2V5", "OLD": "b2xk"}));
    }

    #[test]
    fn keys_of_other_managers_are_left_to_them() {
        let live = live(json!({"OTHER": "eA==", "API_KEY": "a2V5"}), &["API_KEY"]);
        let merged = merge(&rendered(&["API_KEY"]), Some(&live), MANAGER);
        assert_eq!(merged["data"], json!({"API_KEY": "a2V5"}));
    }

    #[test]
    fn a_key_we_owned_but_someone_deleted_is_not_brought_back() {
        let live = live(json!({"API_KEY": "a2V5"}), &["API_KEY", "GONE"]);
        let merged = merge(&rendered(&["API_KEY"]), Some(&live), MANAGER);
        assert_eq!(merged["data"], json!({"API_KEY": "a2V5"}));
        let merged = merge(&rendered(&["API_KEY", "GONE"]), Some(&live), MANAGER);
        assert_eq!(
            merged["data"],
            json!({"API_KEY": "a2V5", "GONE": "Q0hBTkdFX01F"})
        );
    }

    #[test]
    fn ownership_is_read_from_apply_entries_of_our_manager_only() {
        let live = live(json!({}), &["A", "B"]);
        let owned: Vec<String> = owned_keys(&live, MANAGER).into_iter().collect();
        assert_eq!(owned, ["A", "B"]);
        assert!(owned_keys(&live, "someone-else").is_empty());
    }
}
