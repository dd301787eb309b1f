//! The schema check a real server makes before server-side apply: the
//! configuration must convert to the type. A value of the wrong type
//! (`replicas: "2"`) is refused, and so is a field the type does not
//! declare. Without this a client that sent a malformed object would pass
//! here and fail on a real cluster. The types come from k8s-openapi;
//! reading into them and writing back shows which fields they declare.

use k8s_openapi::api::{apps, autoscaling, batch, core, networking};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::status::ApiError;

/// Check an apply configuration (nulls already removed) against its kind.
pub fn check_apply(
    kind: &str,
    namespace: &str,
    name: &str,
    config: &Value,
) -> Result<(), ApiError> {
    let checked = match kind {
        "Namespace" => round_trip::<core::v1::Namespace>(config),
        "ConfigMap" => round_trip::<core::v1::ConfigMap>(config),
        "Secret" => round_trip::<core::v1::Secret>(config),
        "PersistentVolumeClaim" => round_trip::<core::v1::PersistentVolumeClaim>(config),
        "Service" => round_trip::<core::v1::Service>(config),
        "Deployment" => round_trip::<apps::v1::Deployment>(config),
        "StatefulSet" => round_trip::<apps::v1::StatefulSet>(config),
        "DaemonSet" => round_trip::<apps::v1::DaemonSet>(config),
        "Job" => round_trip::<batch::v1::Job>(config),
        "CronJob" => round_trip::<batch::v1::CronJob>(config),
        "Ingress" => round_trip::<networking::v1::Ingress>(config),
        "HorizontalPodAutoscaler" => round_trip::<autoscaling::v2::HorizontalPodAutoscaler>(config),
        _ => Ok(()),
    };
    checked.map_err(|problem| {
        let api_version = config
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let object = if namespace.is_empty() {
            name.to_string()
        } else {
            format!("{namespace}/{name}")
        };
        ApiError::bad_request(format!(
            "failed to create typed patch object ({object}; {api_version}, Kind={kind}): {problem}"
        ))
    })
}

fn round_trip<T: DeserializeOwned + Serialize>(config: &Value) -> Result<(), String> {
    // Read from the borrowed value: no copy of the configuration.
    let typed =
        T::deserialize(config).map_err(|e| format!("{e} (the value has the wrong type)"))?;
    let declared = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match undeclared(config, &declared) {
        Some(mut steps) => {
            steps.reverse();
            Err(format!("{}: field not declared in schema", steps.concat()))
        }
        None => Ok(()),
    }
}

/// The first field of `given` that `declared` (the same object after a
/// trip through its type) lost: a field the type does not have, as the
/// steps of its path (`.spec`, `[0]`), last first. Written out only when
/// found: this runs on every apply.
fn undeclared(given: &Value, declared: &Value) -> Option<Vec<String>> {
    match (given, declared) {
        (Value::Object(given), Value::Object(declared)) => given.iter().find_map(|(key, value)| {
            let found = match declared.get(key) {
                None => Some(Vec::new()),
                Some(kept) => undeclared(value, kept),
            };
            found.map(|mut steps| {
                steps.push(format!(".{key}"));
                steps
            })
        }),
        (Value::Array(given), Value::Array(declared)) => given
            .iter()
            .zip(declared)
            .enumerate()
            .find_map(|(i, (value, kept))| {
                undeclared(value, kept).map(|mut steps| {
                    steps.push(format!("[{i}]"));
                    steps
                })
            }),
        _ => None,
    }
}
