//! Reading a wizard state: text → checked `model::Project` plus diagnostics.
//!
//! The document is parsed once into a value tree (`yaml::parse`), then read
//! field by field with `reader::Obj`, which records every problem with its
//! path instead of stopping at the first. The services, nearly all of a
//! large state, are read one at a time as the parser completes each
//! (`streamed`), so their trees are never all in memory. Cross-service
//! rules (duplicate names, dependencies, mount paths) run afterwards in
//! `rules`.

mod env;
pub mod environments;
pub mod explain;
pub mod fields;
mod pod;
pub mod reader;
mod rules;
pub mod schema;
mod service;
mod streamed;

pub use service::has_effect;
mod volume;

use serde_json::Value;

use crate::diag::Diagnostics;
use crate::model::{Hosting, InfraDecision, NameIndex, Project, Service};
use crate::render::{self, Manifest, ObjectId};
use crate::yaml::{self, SyntaxError};
use reader::{Obj, Reader};

/// What the caller can change about how a state is read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-n/--namespace`: replaces the state's namespace.
    pub namespace: Option<String>,
    /// Keep the rendered objects (`Loaded::manifests`); without, the
    /// checks render one service at a time and keep only the names.
    pub keep_objects: bool,
}

/// The result of reading a state: the model when there was no error, and
/// every diagnostic in document order.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub project: Option<Project>,
    pub diagnostics: Diagnostics,
    /// The manifests of `project`, rendered to check that no two clash, so
    /// that callers need not render again (empty without a project, and
    /// unless `LoadOptions::keep_objects`).
    pub manifests: Vec<Manifest>,
    /// What each object of `project` is called, in apply order (empty
    /// without a project).
    pub objects: Vec<ObjectId>,
}

/// Read a state from YAML or JSON text.
pub fn load(text: &str, options: &LoadOptions) -> Result<Loaded, SyntaxError> {
    Ok(match read_text(text, options)? {
        Text::Read(loaded) => *loaded,
        Text::Tree(document) => from_owned_value(document, options),
    })
}

/// What reading a state's text gives.
pub enum Text {
    /// The state, read (as `from_owned_value` reads its tree).
    Read(Box<Loaded>),
    /// The whole tree, for a state that is read whole: one with
    /// environments (they are applied to the tree before it is read), or
    /// whose services are not in a list that could be read on the way.
    Tree(Value),
}

/// Read a state from YAML or JSON text, its services one at a time as
/// the parser completes each (see `streamed`); or its whole tree when
/// the state must be read whole (`Text::Tree`).
pub fn read_text(text: &str, options: &LoadOptions) -> Result<Text, SyntaxError> {
    let mut services = streamed::Services::default();
    let document = yaml::parse_split(text, &mut services)?;
    if services.list.is_none() {
        return Ok(Text::Tree(document));
    }
    if !services.is_what_the_tree_reads(&document) {
        drop((services, document));
        return yaml::parse(text).map(Text::Tree);
    }
    // The rest of the tree is dropped before rendering, as in
    // `from_owned_value`.
    let (project, diagnostics) = {
        let streamed::Services { reader, read, .. } = services;
        let project = read_document(&reader, &document, options, Some(read));
        (project, reader.into_diagnostics())
    };
    drop(document);
    Ok(Text::Read(Box::new(finish(
        project,
        diagnostics,
        options.keep_objects,
    ))))
}

/// Read a state from a parsed document that is no longer needed: it is
/// dropped before rendering, as in `load`.
pub fn from_owned_value(document: Value, options: &LoadOptions) -> Loaded {
    let (project, diagnostics) = read(&document, options);
    drop(document);
    finish(project, diagnostics, options.keep_objects)
}

/// The model of a document, and the problems found reading it.
fn read(document: &Value, options: &LoadOptions) -> (Option<Project>, Diagnostics) {
    let reader = Reader::default();
    let project = read_document(&reader, document, options, None);
    (project, reader.into_diagnostics())
}

/// Render the model and run the rules that need every service (and the
/// names of the rendered objects); the model is kept only when nothing is
/// wrong. The objects are kept only when asked: a command that prints
/// them renders them again, one at a time (`render::for_each`), and a
/// large state's objects would otherwise all sit in memory at once.
fn finish(project: Option<Project>, mut diagnostics: Diagnostics, keep_objects: bool) -> Loaded {
    let mut manifests = Vec::new();
    let mut objects = Vec::new();
    if let Some(project) = &project {
        if keep_objects {
            manifests = render::render(project);
            objects = manifests.iter().map(ObjectId::from).collect();
        } else {
            objects = render::ids(project);
        }
        diagnostics.extend(rules::check(project, &objects));
    }
    let project = project.filter(|_| !diagnostics.has_errors());
    if project.is_none() {
        manifests.clear();
        objects.clear();
    }
    Loaded {
        project,
        diagnostics,
        manifests,
        objects,
    }
}

/// The project of `document`; its services are `services` when they were
/// read already (the document's list of them is then empty).
fn read_document(
    reader: &Reader,
    document: &Value,
    options: &LoadOptions,
    services: Option<Vec<Service>>,
) -> Option<Project> {
    if document.is_null() {
        reader.error(
            "",
            "the state is empty; expected a map with `_services` and the other keys",
        );
        return None;
    }
    // A project file keeps the state under `kubernetes:` (its other keys
    // belong to the UI); the bare state has the keys at the top.
    let empty = Value::Object(serde_json::Map::new());
    let (path, state) = match document.get("kubernetes") {
        Some(inner) if inner.is_object() => ("kubernetes", inner),
        // A project file whose wizard has collected nothing yet.
        Some(Value::Null) => ("kubernetes", &empty),
        Some(other) => {
            reader.error(
                "kubernetes",
                format!(
                    "found {}; a project file keeps the wizard state under `kubernetes:` as a map",
                    reader::describe(other)
                ),
            );
            return None;
        }
        None => ("", document),
    };
    let obj = reader.object(path, state, &fields::STATE)?;
    // The UI's project name, a sibling of `kubernetes:`, names what the
    // objects are part of; a bare state has none.
    let project_name = match path {
        "kubernetes" => document
            .get("name")
            .and_then(Value::as_str)
            .and_then(crate::check::names::to_label_value),
        _ => None,
    };
    Some(read_state(&obj, options, project_name, services))
}

fn read_state(
    obj: &Obj<'_, '_>,
    options: &LoadOptions,
    project_name: Option<String>,
    services: Option<Vec<Service>>,
) -> Project {
    let namespace = match &options.namespace {
        Some(ns) => {
            if let Err(why) = crate::check::check_dns_label(ns) {
                obj.reader().error("--namespace", why);
            }
            ns.clone()
        }
        None => obj
            .optional_name("namespace")
            .unwrap_or_else(|| "default".into()),
    };
    let output_dir = obj
        .string("output_dir")
        .map(|dir| normalise_output_dir(&dir))
        .filter(|dir| !dir.is_empty())
        .and_then(|dir| {
            obj.checked(
                "output_dir",
                crate::check::check_state_output_dir(&dir).map(|()| dir),
            )
        })
        .unwrap_or_else(|| "k8s".into());
    let ingress_host = obj.string("ingress").and_then(|host| {
        let host = host.trim().to_string();
        obj.checked("ingress", crate::check::check_host(&host).map(|()| host))
    });
    for (key, alias) in [
        ("_services", "services"),
        ("_infraDecisions", "infraDecisions"),
    ] {
        if obj.raw(key).is_some() && obj.raw(alias).is_some() {
            obj.warning(
                alias,
                format!("`{alias}` is ignored because `{key}` is given (they are the same list)"),
            );
        }
    }
    let services = services.unwrap_or_else(|| {
        obj.list_any(&["_services", "services"])
            .into_iter()
            .filter_map(|(path, value)| service::read_app_service(obj.reader(), &path, value))
            .collect()
    });
    let infra = obj
        .list_any(&["_infraDecisions", "infraDecisions"])
        .into_iter()
        .filter_map(|(path, value)| read_infra(obj.reader(), &path, value))
        .collect();
    Project {
        part_of: project_name.unwrap_or_else(|| namespace.clone()),
        namespace,
        output_dir,
        ingress_host,
        services,
        infra,
        names: NameIndex::default(),
    }
}

/// `k8s/` and `k8s` are the same folder.
fn normalise_output_dir(dir: &str) -> String {
    let trimmed = dir.trim();
    let without = trimmed.trim_end_matches('/');
    if without.is_empty() && trimmed.starts_with('/') {
        "/".into()
    } else {
        without.to_string()
    }
}

fn read_infra(reader: &Reader, path: &str, value: &Value) -> Option<InfraDecision> {
    let obj = reader.object(path, value, &fields::INFRA)?;
    let name = obj.name("name", "a name");
    let kind = obj
        .required_string(
            "kind",
            &format!("a kind (one of {})", fields::INFRA_KINDS.join(", ")),
        )
        .and_then(|_| obj.one_of("kind", fields::INFRA_KINDS));
    let hosting = match kind? {
        "Skip" => Hosting::Skip,
        "Managed" => Hosting::Managed {
            env: env::managed_env(&obj, env::read_env(&obj)),
            provider_notes: obj.string("providerNotes"),
        },
        _ => Hosting::SelfHosted(Box::new(service::read_service(&obj, true)?)),
    };
    Some(InfraDecision {
        path: path.to_string(),
        name: name?,
        hosting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_dir_trailing_slash_is_ignored() {
        assert_eq!(normalise_output_dir("out/"), "out");
        assert_eq!(normalise_output_dir("out//"), "out");
        assert_eq!(normalise_output_dir("/"), "/");
    }
}
