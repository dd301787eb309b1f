//! What the server adds to an object that is not the user's business in a
//! diff: bookkeeping that changes on every write, and the status.

use serde_json::Value;

/// Metadata fields the server owns.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
];

/// Remove server bookkeeping and `status` from an object, in place.
pub fn strip(object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    map.shift_remove("status");
    if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
        for field in SERVER_METADATA {
            metadata.shift_remove(*field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn removes_bookkeeping_and_status_but_keeps_the_rest() {
        let mut object = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "api-config",
                "namespace": "shop",
                "labels": {"app": "api"},
                "managedFields": [{"manager": "kubectl-wizard"}],
                "resourceVersion": "42",
                "uid": "0b6c",
                "creationTimestamp": "2025-01-01T00:00:00Z",
                "generation": 3
            },
            "data": {"A": "1"},
            "status": {"phase": "Active"}
        });
        strip(&mut object);
        assert_eq!(
            object,
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "api-config", "namespace": "shop", "labels": {"app": "api"}},
                "data": {"A": "1"}
            })
        );
    }
}
