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

/// What names an object and where it came from, without the object: what
/// the clash checks, the merge of several states and the messages need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectId {
    pub phase: Phase,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub file_name: String,
    pub origin: String,
}

impl ObjectId {
    pub fn is_secret(&self) -> bool {
        self.kind == "Secret"
    }
}

impl From<Manifest> for ObjectId {
    fn from(m: Manifest) -> ObjectId {
        ObjectId {
            phase: m.phase,
            api_version: m.api_version,
            kind: m.kind,
            name: m.name,
            namespace: m.namespace,
            file_name: m.file_name,
            origin: m.origin,
        }
    }
}

impl From<&Manifest> for ObjectId {
    fn from(m: &Manifest) -> ObjectId {
        ObjectId {
            phase: m.phase,
            api_version: m.api_version.clone(),
            kind: m.kind.clone(),
            name: m.name.clone(),
            namespace: m.namespace.clone(),
            file_name: m.file_name.clone(),
            origin: m.origin.clone(),
        }
    }
}

/// An object as a renderer makes it: what names it, and how to build it.
/// The typed k8s-openapi object is built, and turned into its JSON tree,
/// only when the object is kept or printed (`Built::manifest`): the clash
/// checks need only the names (`ids`), and building the objects, making
/// their trees and dropping them at once was most of what `validate`
/// spent rendering.
pub(crate) struct Built<'a> {
    pub id: ObjectId,
    /// Builds the object, given its name, and makes its tree.
    object: Box<dyn FnOnce(&str) -> Value + 'a>,
}

impl<'a> Built<'a> {
    /// A namespaced object of the project named `name`; `build` makes it,
    /// given that name, when it is needed.
    fn namespaced<T>(
        project: &Project,
        phase: Phase,
        name: String,
        file_name: String,
        origin: &str,
        build: impl FnOnce(&str) -> T + 'a,
    ) -> Built<'a>
    where
        T: k8s_openapi::Resource + Serialize,
    {
        let namespace = Some(project.namespace.clone());
        Built::new(phase, name, namespace, file_name, origin, build)
    }

    /// An object of kind `T` named `name` in `namespace` (`None` for a
    /// cluster-scoped one); `build` makes it, given that name, when it is
    /// needed.
    fn new<T>(
        phase: Phase,
        name: String,
        namespace: Option<String>,
        file_name: String,
        origin: &str,
        build: impl FnOnce(&str) -> T + 'a,
    ) -> Built<'a>
    where
        T: k8s_openapi::Resource + Serialize,
    {
        let id = ObjectId {
            phase,
            api_version: T::API_VERSION.to_string(),
            kind: T::KIND.to_string(),
            name,
            namespace,
            file_name,
            origin: origin.to_string(),
        };
        Built {
            id,
            object: Box::new(move |name| metadata_first(&build(name))),
        }
    }

    /// The object, built, with its JSON tree.
    fn manifest(self) -> Manifest {
        let object = (self.object)(&self.id.name);
        // The id was given apart from the object: they must agree.
        debug_assert_eq!(
            object.pointer("/metadata/name").and_then(Value::as_str),
            Some(self.id.name.as_str()),
        );
        debug_assert_eq!(
            object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str),
            self.id.namespace.as_deref(),
        );
        let ObjectId {
            phase,
            api_version,
            kind,
            name,
            namespace,
            file_name,
            origin,
        } = self.id;
        Manifest {
            phase,
            api_version,
            kind,
            name,
            namespace,
            file_name,
            origin,
            object,
        }
    }
}

impl Manifest {
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
    value
}

/// Every object of the project, in apply order. Within a phase, objects
/// keep the order of the state (app services, then infrastructure).
pub fn render(project: &Project) -> Vec<Manifest> {
    let mut manifests = ByPhase::default();
    let _ = visit(project, None, &mut |built: Built| {
        let manifest = built.manifest();
        manifests.push(manifest.phase, manifest);
        Ok::<(), std::convert::Infallible>(())
    });
    manifests.in_apply_order()
}

/// Every object of the project in apply order (the order of `render`),
/// handed to `each` as soon as it is built and dropped after: the project
/// is rendered phase by phase, each phase building only its own objects,
/// so at most one service's objects of one phase exist at a time. Stops
/// at the first error of `each`.
pub fn for_each<E>(
    project: &Project,
    mut each: impl FnMut(Manifest) -> Result<(), E>,
) -> Result<(), E> {
    for phase in PHASES {
        visit(project, Some(phase), &mut |built: Built| {
            each(built.manifest())
        })?;
    }
    Ok(())
}

/// What every object of the project is called, in apply order, without
/// the objects: each service is rendered once and its objects dropped at
/// once, never made into JSON trees, so this takes the memory of the
/// names only.
pub fn ids(project: &Project) -> Vec<ObjectId> {
    let mut ids = ByPhase::default();
    let _ = visit(project, None, &mut |built: Built| {
        ids.push(built.id.phase, built.id);
        Ok::<(), std::convert::Infallible>(())
    });
    ids.in_apply_order()
}

/// Objects gathered phase by phase, each phase in the order they came:
/// what a stable sort by phase gives, in one pass (a sort moved every
/// object log n times).
struct ByPhase<T> {
    phases: [Vec<T>; PHASES.len()],
}

impl<T> Default for ByPhase<T> {
    fn default() -> Self {
        ByPhase {
            phases: std::array::from_fn(|_| Vec::new()),
        }
    }
}

impl<T> ByPhase<T> {
    fn push(&mut self, phase: Phase, item: T) {
        // `PHASES` lists the phases in their declared order.
        self.phases[phase as usize].push(item);
    }

    fn in_apply_order(self) -> Vec<T> {
        let mut all = Vec::with_capacity(self.phases.iter().map(Vec::len).sum());
        for phase in self.phases {
            all.extend(phase);
        }
        all
    }
}

const PHASES: [Phase; 6] = [
    Phase::Namespace,
    Phase::Config,
    Phase::Services,
    Phase::Workloads,
    Phase::Autoscalers,
    Phase::Ingress,
];

/// The objects of the project (of one phase, or all), in state order:
/// the Namespace, the app services, the infrastructure, the Ingress.
fn visit<'p, E>(
    project: &'p Project,
    only: Option<Phase>,
    each: &mut impl FnMut(Built<'p>) -> Result<(), E>,
) -> Result<(), E> {
    let wanted = |phase: Phase| only.is_none_or(|only| only == phase);
    if wanted(Phase::Namespace) {
        if let Some(ns) = project::namespace(project) {
            each(ns)?;
        }
    }
    // Services and decisions make no Namespace or Ingress.
    if !matches!(only, Some(Phase::Namespace | Phase::Ingress)) {
        for svc in &project.services {
            for manifest in workload::render_service(project, svc, only) {
                each(manifest)?;
            }
        }
        for decision in &project.infra {
            let objects = match &decision.hosting {
                Hosting::Skip => Vec::new(),
                Hosting::Managed { env, .. } if wanted(Phase::Config) => config::env_objects(
                    project,
                    &decision.name,
                    meta::Owner::managed(&decision.name),
                    env,
                    &decision.path,
                ),
                Hosting::Managed { .. } => Vec::new(),
                Hosting::SelfHosted(svc) => workload::render_service(project, svc, only),
            };
            for manifest in objects {
                each(manifest)?;
            }
        }
    }
    if wanted(Phase::Ingress) {
        if let Some(ingress) = project::ingress(project) {
            each(ingress)?;
        }
    }
    Ok(())
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
    let mut stream = Stream::new(out, StreamFormat::Yaml)?;
    manifests.into_iter().try_for_each(|m| stream.write(m))?;
    stream.finish().map(drop)
}

/// Write the manifests to `out` as the JSON `List` of `to_json_list`, byte
/// for byte, one object at a time and without copying them into a list
/// first.
pub fn write_json_list<'a>(
    out: &mut impl std::io::Write,
    manifests: impl IntoIterator<Item = &'a Manifest>,
) -> std::io::Result<()> {
    let mut stream = Stream::new(out, StreamFormat::Json)?;
    manifests.into_iter().try_for_each(|m| stream.write(m))?;
    stream.finish().map(drop)
}

/// The two shapes of a printed set of objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// `---` before each object (the text of `to_yaml_stream`).
    Yaml,
    /// A `List` (the text of `to_json_list`).
    Json,
}

/// Objects written one at a time as they come, as a YAML stream or a JSON
/// `List`; the memory it takes is that of the largest object.
pub struct Stream<'w, W: std::io::Write> {
    out: &'w mut W,
    format: StreamFormat,
    written: usize,
    /// The text of one object, reused from object to object.
    yaml: String,
    json: Vec<u8>,
}

impl<'w, W: std::io::Write> Stream<'w, W> {
    /// Start the stream (the JSON `List` writes its head).
    pub fn new(out: &'w mut W, format: StreamFormat) -> std::io::Result<Self> {
        if format == StreamFormat::Json {
            out.write_all(
                b"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"metadata\": {},\n  \"items\": [",
            )?;
        }
        Ok(Stream {
            out,
            format,
            written: 0,
            yaml: String::new(),
            json: Vec::new(),
        })
    }

    pub fn write(&mut self, manifest: &Manifest) -> std::io::Result<()> {
        match self.format {
            StreamFormat::Yaml => {
                self.yaml.clear();
                self.yaml.push_str("---\n");
                crate::yaml::push_value(&manifest.object, &mut self.yaml);
                self.out.write_all(self.yaml.as_bytes())?;
            }
            StreamFormat::Json => {
                self.out
                    .write_all(if self.written > 0 { b",\n" } else { b"\n" })?;
                // Printed as nested in the `List` (`items` of the top
                // map): the bytes `to_string_pretty` gives the whole list,
                // in one pass and one write.
                self.json.clear();
                self.json.extend_from_slice(ListItem::INDENT);
                let mut serializer =
                    serde_json::Serializer::with_formatter(&mut self.json, ListItem::new());
                serde::Serialize::serialize(&manifest.object, &mut serializer)?;
                self.out.write_all(&self.json)?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// End the stream (the JSON `List` closes); the number of objects.
    pub fn finish(self) -> std::io::Result<usize> {
        if self.format == StreamFormat::Json {
            self.out.write_all(if self.written > 0 {
                b"\n  ]\n}\n"
            } else {
                b"]\n}\n"
            })?;
        }
        Ok(self.written)
    }
}

/// serde_json's pretty printing (two spaces a level) of an item of a
/// `List`, which sits two levels deep (`{"items": [ here ]}`). Each
/// indentation is one write, where printing the item alone and indenting
/// each of its lines took three per line (a cost that musl's `memcpy`, in
/// the release archives, made half of `render -o json`).
struct ListItem {
    level: usize,
    has_value: bool,
}

impl ListItem {
    /// The indentation of the item's first line.
    const INDENT: &'static [u8] = b"    ";

    fn new() -> Self {
        ListItem {
            level: 2,
            has_value: false,
        }
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            out.write_all(b"\n")?;
            self.indent(out)?;
        }
        out.write_all(bracket)
    }

    /// The line break and indentation before a list item or a map key.
    fn next<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(out)
    }

    fn indent<W: ?Sized + std::io::Write>(&self, out: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8; 64] = &[b' '; 64];
        let mut width = 2 * self.level;
        while width > 0 {
            let now = width.min(SPACES.len());
            out.write_all(&SPACES[..now])?;
            width -= now;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ListItem {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.open(out, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.close(out, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(out, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.open(out, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        self.close(out, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(out, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        out: &mut W,
    ) -> std::io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    fn phases_are_listed_in_their_declared_order() {
        // `ByPhase` files an object under `phase as usize`.
        for (index, phase) in PHASES.iter().enumerate() {
            assert_eq!(*phase as usize, index, "{phase:?}");
        }
    }

    #[test]
    fn objects_come_in_apply_order_and_state_order_within_a_phase() {
        let state = include_str!("../../examples/multi-service.yaml");
        let project = crate::pipeline::build(state, "multi-service.yaml", &Default::default())
            .expect("the example builds")
            .project;
        let mut in_state_order = Vec::new();
        let _ = visit(&project, None, &mut |built: Built| {
            in_state_order.push(built.id);
            Ok::<(), ()>(())
        });
        let mut sorted = in_state_order.clone();
        sorted.sort_by_key(|id| id.phase);
        assert_ne!(sorted, in_state_order, "the example mixes the phases");
        assert_eq!(ids(&project), sorted);
        let rendered: Vec<ObjectId> = render(&project).iter().map(ObjectId::from).collect();
        assert_eq!(rendered, sorted);
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
    fn a_list_item_is_printed_as_pretty_printing_the_list_nests_it() {
        for item in [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": {}, "b": [], "c": [{}, [], [[]], {"d": null}]}),
            serde_json::json!({"s": "two\nlines", "n": 1.5, "t": true, "l": [1, "x", {"k": "v"}]}),
            serde_json::json!("text"),
        ] {
            let list = serde_json::to_string_pretty(&serde_json::json!({"items": [item]})).unwrap();
            let mut printed = ListItem::INDENT.to_vec();
            let mut serializer =
                serde_json::Serializer::with_formatter(&mut printed, ListItem::new());
            serde::Serialize::serialize(&item, &mut serializer).unwrap();
            let printed = String::from_utf8(printed).unwrap();
            assert_eq!(
                list,
                format!("{{\n  \"items\": [\n{printed}\n  ]\n}}"),
                "{item}"
            );
        }
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
