//! The `/scale` subresource of Deployments and StatefulSets, which
//! `kubectl scale` (and the HPA controller) write through: an
//! `autoscaling/v1` Scale view of `spec.replicas`. A write takes ownership
//! of `spec.replicas` with `subresource: scale`, as on a real server, so a
//! later apply of another count conflicts with that manager.

use serde_json::{json, Value};

use super::resources::ResourceType;

/// Whether the type has a `/scale` subresource.
pub fn has_scale(rt: &ResourceType) -> bool {
    rt.group == "apps" && matches!(rt.kind, "Deployment" | "StatefulSet")
}

/// The Scale object for a workload.
pub fn view(object: &Value) -> Value {
    let metadata = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let pick = |key: &str| metadata.get(key).cloned().unwrap_or(Value::Null);
    let labels = object
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            "name": pick("name"),
            "namespace": pick("namespace"),
            "uid": pick("uid"),
            "resourceVersion": pick("resourceVersion"),
            "creationTimestamp": pick("creationTimestamp"),
        },
        "spec": {"replicas": object.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": {
            "replicas": object.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": labels,
        },
    })
}

/// The workload with the replica count of a written Scale; an error
/// message when the Scale has none that is a whole number ≥ 0.
pub fn with_replicas(live: &Value, scale: &Value) -> Result<Value, String> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0 && *n <= i64::from(i32::MAX))
        .ok_or("Scale.spec.replicas: must be a whole number greater than or equal to 0")?;
    let mut object = live.clone();
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("replicas".into(), json!(replicas));
    }
    Ok(object)
}
