//! Rendering: the validated model → Kubernetes objects, built with the
//! k8s-openapi types (so no field can be misspelt or misplaced) and returned
//! in apply order (STATE.md §8) with their file names.

mod config;
pub mod consistency;
mod mesh;
mod meta;
pub mod origin;
pub mod overlay;
mod pod;
mod project;
pub mod record;
mod service;
pub mod volumes;
mod wait_for;
mod workload;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Hosting, Project};

pub use config::{SECRETS_DIR, SECRET_PLACEHOLDER};
pub use project::kustomization;
pub use service::routable as routable_service;
pub use wait_for::{endpoint as service_endpoint, resolve as resolve_dependency, Endpoint};

/// Apply phases, in order: namespace; config, secrets and claims; services;
/// workloads; autoscalers; ingress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Namespace,
    Config,
    Services,
    Workloads,
    Autoscalers,
    Ingress,
}

/// One generated object and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub phase: Phase,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `None` for cluster-scoped objects (the Namespace).
    pub namespace: Option<String>,
    /// File name inside the output folder.
    pub file_name: String,
    /// Path in the state of what produced it, for messages.
    pub origin: String,
    /// The object as the API takes it.
    pub object: Value,
}

impl Manifest {
    /// Build from a typed k8s-openapi object.
    fn new<T>(phase: Phase, file_name: String, origin: &str, object: &T) -> Manifest
    where
        T: k8s_openapi::Resource
            + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>
            + Serialize,
    {
        let meta = object.metadata();
        Manifest {
            phase,
            api_version: T::API_VERSION.to_string(),
            kind: T::KIND.to_string(),
            name: meta.name.clone().unwrap_or_default(),
            namespace: meta.namespace.clone(),
            file_name,
            origin: origin.to_string(),
            object: metadata_first(object),
        }
    }

    /// Whether this is a Secret: it holds placeholders, never real values,
    /// and so is kept apart from what kubectl applies (see `SECRETS_DIR`).
    pub fn is_secret(&self) -> bool {
        self.kind == "Secret"
    }

    /// `deployment.apps/api`, as kubectl names objects.
    pub fn reference(&self) -> String {
        let group = self.api_version.split_once('/').map(|(g, _)| g);
        match group {
            Some(group) => format!("{}.{}/{}", self.kind.to_lowercase(), group, self.name),
            None => format!("{}/{}", self.kind.to_lowercase(), self.name),
        }
    }
}

/// The object as a JSON tree with `apiVersion`, `kind`, `metadata` first,
/// the order people read manifests in (k8s-openapi puts the other fields
/// in alphabetical order, so `data` would come before `metadata`).
fn metadata_first<T: Serialize>(object: &T) -> Value {
    // Serializing k8s-openapi types into a JSON tree cannot fail: all their
    // maps have string keys.
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        if let Some(metadata) = map.shift_remove("metadata") {
            map.shift_insert(2.min(map.len()), "metadata".to_string(), metadata);
        }
    }
    compact(&mut value);
    value
}

/// Give every map and list of a tree exactly the room it uses. A tree
/// built entry by entry keeps the slack of its growth (a map of 5 entries
/// has room for 7, a list of one for 4); with the state's value tree
/// dropped before rendering, this took a 20,000-service state from 260 to
/// 240 MB peak.
fn compact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut exact = serde_json::Map::with_capacity(map.len());
            for (key, mut item) in std::mem::take(map) {
                compact(&mut item);
                exact.insert(key, item);
            }
            *map = exact;
        }
        Value::Array(items) => {
            items.iter_mut().for_each(compact);
            items.shrink_to_fit();
        }
        _ => {}
    }
}

/// Every object of the project, in apply order. Within a phase, objects
/// keep the order of the state (app services, then infrastructure).
pub fn render(project: &Project) -> Vec<Manifest> {
    let mut manifests = Vec::new();
    if let Some(ns) = project::namespace(project) {
        manifests.push(ns);
    }
    for svc in &project.services {
        manifests.extend(workload::render_service(project, svc));
    }
    for decision in &project.infra {
        match &decision.hosting {
            Hosting::Skip => {}
            Hosting::Managed { env, .. } => manifests.extend(config::env_objects(
                project,
                &decision.name,
                meta::Owner::managed(&decision.name),
                env,
                &decision.path,
            )),
            Hosting::SelfHosted(svc) => manifests.extend(workload::render_service(project, svc)),
        }
    }
    manifests.extend(project::ingress(project));
    // A stable sort keeps state order inside each phase.
    manifests.sort_by_key(|m| m.phase);
    manifests
}

/// The manifests as one multi-document YAML stream.
pub fn to_yaml_stream(manifests: &[Manifest]) -> Result<String, serde_yaml::Error> {
    let mut out = String::new();
    for manifest in manifests {
        out.push_str("---\n");
        crate::yaml::push_value(&manifest.object, &mut out);
    }
    Ok(out)
}

/// Write the manifests to `out` as one multi-document YAML stream (the
/// text of `to_yaml_stream`), one object at a time: the memory it takes
/// grows with the largest object, not with the whole output.
pub fn write_yaml_stream<'a>(
    out: &mut impl std::io::Write,
    manifests: impl IntoIterator<Item = &'a Manifest>,
) -> std::io::Result<()> {
    let mut text = String::new();
    for manifest in manifests {
        text.clear();
        text.push_str("---\n");
        crate::yaml::push_value(&manifest.object, &mut text);
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// Write the manifests to `out` as the JSON `List` of `to_json_list`, byte
/// for byte, one object at a time and without copying them into a list
/// first. Each item is indented as `to_string_pretty` would nest it: its
/// lines (a string's line breaks are escaped, so lines are structure) get
/// four more spaces.
pub fn write_json_list<'a>(
    out: &mut impl std::io::Write,
    manifests: impl IntoIterator<Item = &'a Manifest>,
) -> std::io::Result<()> {
    out.write_all(
        b"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"metadata\": {},\n  \"items\": [",
    )?;
    let mut any = false;
    let mut text = Vec::new();
    for manifest in manifests {
        out.write_all(if any { b",\n" } else { b"\n" })?;
        any = true;
        text.clear();
        serde_json::to_writer_pretty(&mut text, &manifest.object)?;
        for (index, line) in text.split(|&byte| byte == b'\n').enumerate() {
            if index > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"    ")?;
            out.write_all(line)?;
        }
    }
    out.write_all(if any { b"\n  ]\n}\n" } else { b"]\n}\n" })
}

/// The manifests as a JSON `List`, the way `kubectl get -o json` prints many.
pub fn to_json_list(manifests: &[Manifest]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "items": manifests.iter().map(|m| &m.object).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifests() -> Vec<Manifest> {
        let state = include_str!("../../examples/multi-service.yaml");
        crate::pipeline::build(state, "multi-service.yaml", &Default::default())
            .expect("the example builds")
            .manifests
    }

    #[test]
    fn the_streamed_json_list_is_the_pretty_printed_one() {
        let manifests = manifests();
        let mut streamed = Vec::new();
        write_json_list(&mut streamed, &manifests).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            to_json_list(&manifests)
        );
        let mut empty = Vec::new();
        write_json_list(&mut empty, std::iter::empty()).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), to_json_list(&[]));
    }

    #[test]
    fn the_streamed_yaml_is_the_whole_stream() {
        let manifests = manifests();
        let mut streamed = Vec::new();
        write_yaml_stream(&mut streamed, &manifests).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            to_yaml_stream(&manifests).unwrap()
        );
    }
}
