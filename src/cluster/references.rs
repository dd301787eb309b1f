//! Existing Secrets and ConfigMaps the workloads read (`secretName` /
//! `configMapName` env entries of the state) that are missing from their
//! namespace. The pod of a workload that reads a missing object does not
//! start (CreateContainerConfigError) unless the reference is optional, so
//! diff and apply say so beforehand, as a warning: the object may well be
//! created by someone else before the pods need it.
//!
//! The references are read from the rendered objects, not the state, so
//! that a merged set of several states is checked as one. The lists come
//! from `Listed`: one list request per kind and namespace, however many
//! references there are, and none of its own when the run lists that kind
//! anyway (it does for the Secrets and ConfigMaps the set generates);
//! objects the set itself generates are not looked up.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::listed::Listed;
use crate::render::Manifest;

/// One reference from a container to an object it does not generate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub namespace: String,
    /// `Secret` or `ConfigMap`.
    pub kind: &'static str,
    pub name: String,
    pub optional: bool,
    /// The workload's state path (its manifest's origin) and container.
    pub origin: String,
    pub container: String,
}

/// Where a workload kind keeps its pod spec.
fn pod_spec(manifest: &Manifest) -> Option<&Value> {
    let pointer = match manifest.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
    };
    manifest.object.pointer(pointer)
}

/// Every reference of every container to a Secret or ConfigMap that the
/// set does not contain, in manifest order.
pub fn external(manifests: &[Manifest]) -> Vec<Reference> {
    let generated: BTreeSet<(Option<&str>, &str, &str)> = manifests
        .iter()
        .map(|m| (m.namespace.as_deref(), m.kind.as_str(), m.name.as_str()))
        .collect();
    let mut found = Vec::new();
    for manifest in manifests {
        let (Some(spec), Some(namespace)) = (pod_spec(manifest), &manifest.namespace) else {
            continue;
        };
        let containers = ["initContainers", "containers"]
            .iter()
            .filter_map(|key| spec.get(key).and_then(Value::as_array))
            .flatten();
        for container in containers {
            let container_name = container.get("name").and_then(Value::as_str).unwrap_or("");
            for (kind, selector) in selectors(container) {
                let Some(name) = selector.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if generated.contains(&(Some(namespace.as_str()), kind, name)) {
                    continue;
                }
                found.push(Reference {
                    namespace: namespace.clone(),
                    kind,
                    name: name.to_string(),
                    optional: selector.get("optional") == Some(&Value::Bool(true)),
                    origin: manifest.origin.clone(),
                    container: container_name.to_string(),
                });
            }
        }
    }
    found
}

/// The object selectors of a container's `envFrom` and `env[].valueFrom`.
fn selectors(container: &Value) -> Vec<(&'static str, &Value)> {
    let mut out = Vec::new();
    let list = |key: &str| {
        container
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    for source in list("envFrom") {
        out.extend(source.get("secretRef").map(|s| ("Secret", s)));
        out.extend(source.get("configMapRef").map(|s| ("ConfigMap", s)));
    }
    for var in list("env") {
        let Some(from) = var.get("valueFrom") else {
            continue;
        };
        out.extend(from.get("secretKeyRef").map(|s| ("Secret", s)));
        out.extend(from.get("configMapKeyRef").map(|s| ("ConfigMap", s)));
    }
    out
}

/// The collection (`/api/v1/namespaces/<ns>/secrets`) a reference's
/// object lives in.
fn collection(namespace: &str, kind: &str) -> String {
    let plural = match kind {
        "Secret" => "secrets",
        _ => "configmaps",
    };
    format!("/api/v1/namespaces/{namespace}/{plural}")
}

/// The collections to list for `missing`.
pub fn collections(manifests: &[Manifest]) -> Vec<String> {
    let wanted: BTreeSet<String> = external(manifests)
        .iter()
        .map(|r| collection(&r.namespace, r.kind))
        .collect();
    wanted.into_iter().collect()
}

/// The warnings for references whose object is not in the cluster, from
/// the lists of `collections`. A list that failed (no permission to list
/// Secrets, say) is one warning saying what could not be checked.
pub fn missing(listed: &Listed, manifests: &[Manifest]) -> Vec<String> {
    let references = external(manifests);
    let mut wanted: BTreeMap<(&str, &str), Vec<&Reference>> = BTreeMap::new();
    for reference in &references {
        wanted
            .entry((reference.namespace.as_str(), reference.kind))
            .or_default()
            .push(reference);
    }
    let mut warnings = Vec::new();
    for ((namespace, kind), refs) in wanted {
        let present = match listed.collection(&collection(namespace, kind)) {
            Ok(present) => present,
            Err(failure) => {
                let why =
                    failure.map_or_else(|| "it was not listed".to_string(), |f| f.to_string());
                warnings.push(format!(
                    "cannot check that the {kind}s the state refers to exist in namespace {namespace}: {why}"
                ));
                continue;
            }
        };
        let mut said = BTreeSet::new();
        for reference in refs {
            if present.contains_key(&reference.name) || !said.insert(reference) {
                continue;
            }
            let consequence = if reference.optional {
                "the reference is optional, so the container starts without those variables"
            } else {
                "the pod will not start until it exists"
            };
            warnings.push(format!(
                "{}: container {} reads {} {}, which does not exist in namespace {namespace}; {consequence}",
                reference.origin, reference.container, kind, reference.name
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(kind: &str, name: &str, object: Value) -> Manifest {
        Manifest {
            phase: crate::render::Phase::Workloads,
            api_version: "apps/v1".into(),
            kind: kind.into(),
            name: name.into(),
            namespace: Some("shop".into()),
            file_name: format!("{name}.yaml"),
            origin: "_services[0]".into(),
            object,
        }
    }

    #[test]
    fn references_to_generated_objects_are_not_external() {
        let pod = json!({"containers": [{"name": "api",
            "envFrom": [{"configMapRef": {"name": "api-config"}}, {"secretRef": {"name": "shared", "optional": true}}],
            "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "L", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}}]}]});
        let set = vec![
            manifest("ConfigMap", "api-config", json!({})),
            manifest(
                "Deployment",
                "api",
                json!({"spec": {"template": {"spec": pod}}}),
            ),
        ];
        let found: Vec<(&str, String, bool)> = external(&set)
            .into_iter()
            .map(|r| (r.kind, r.name, r.optional))
            .collect();
        let expected = [
            ("Secret", "shared", true),
            ("Secret", "db", false),
            ("ConfigMap", "settings", false),
        ];
        assert_eq!(
            found,
            expected.map(|(k, n, o)| (k, n.to_string(), o)).to_vec()
        );
    }
}
