//! The pure core end to end: state text → checked model → manifests.
//! Every command that needs manifests goes through `build`, so render,
//! diff and apply judge a state identically.

use crate::diag::{Diagnostic, Diagnostics};
use crate::error::{Error, Result};
use crate::model::Project;
use crate::render::{self, Manifest, ObjectId};
use crate::state::{self, environments, LoadOptions};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `-n/--namespace`: replaces the state's namespace.
    pub namespace: Option<String>,
    /// `--strict`: warnings are errors.
    pub strict: bool,
    /// `--env NAME`: build that environment of the state instead of the base.
    pub environment: Option<String>,
}

/// What a build keeps beyond the checked project. Each costs memory and
/// time in proportion to the state, so a command keeps only what it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// The rendered objects (`Build::manifests`). Without them the checks
    /// keep only the objects' names (`Build::objects`), and
    /// `Build::for_each` renders the objects again, one at a time.
    pub objects: bool,
    /// Each environment of the state, built (`Build::environments`). Only
    /// files (`render` into a folder) and `validate` use them; without,
    /// only the `environments` list itself is checked.
    pub environments: bool,
}

impl Keep {
    /// Everything: what `build` keeps.
    pub const ALL: Keep = Keep {
        objects: true,
        environments: true,
    };
    /// The objects without the environments: what diff, apply and
    /// delete use.
    pub const OBJECTS: Keep = Keep {
        objects: true,
        environments: false,
    };
}

/// A state that passed every check, and what it generates.
#[derive(Debug, Clone)]
pub struct Build {
    pub project: Project,
    /// Every object, in apply order; empty unless `keep.objects`.
    pub manifests: Vec<Manifest>,
    /// What every object is called, in apply order (always).
    pub objects: Vec<ObjectId>,
    pub warnings: Vec<Diagnostic>,
    /// The state's environments, each built (none with `--env`, which
    /// builds one environment as the set itself, nor unless
    /// `keep.environments`).
    pub environments: Vec<EnvironmentBuild>,
    /// Whether the state has environments (built or not) and no `--env`
    /// chose one.
    pub has_environments: bool,
    /// What this build kept.
    pub keep: Keep,
}

/// What one environment of a state generates.
#[derive(Debug, Clone)]
pub struct EnvironmentBuild {
    pub name: String,
    pub namespace: String,
    /// Its objects; empty unless `keep.objects` (see `Build::keep_all_objects`).
    pub manifests: Vec<Manifest>,
    /// Its checked model, from which the objects are rendered.
    pub project: Project,
}

impl Build {
    /// The text of `kustomization.yaml` for these objects (their names
    /// are enough, kept or not).
    pub fn kustomization(&self) -> String {
        render::kustomization(&self.project, &self.objects)
    }

    /// Keep the objects and each environment's, rendered now when only
    /// their names were kept: the overlays of a state with environments
    /// are made from both sets of objects.
    pub fn keep_all_objects(&mut self) {
        if !self.keep.objects {
            self.render_objects();
            for environment in &mut self.environments {
                environment.manifests = render::render(&environment.project);
            }
        }
    }

    /// Every object in apply order, one at a time: the kept ones, or
    /// else each rendered again and dropped after `each` (memory for one
    /// object, not for the set; the checks were complete before).
    pub fn for_each<E>(&self, mut each: impl FnMut(&Manifest) -> Result<(), E>) -> Result<(), E> {
        if self.keep.objects {
            return self.manifests.iter().try_for_each(each);
        }
        render::for_each(&self.project, |manifest| each(&manifest))
    }

    /// Render the objects from the project and keep them from now on, in
    /// place of any kept before: once its values are filled, or when only
    /// their names were kept.
    pub fn render_objects(&mut self) {
        self.manifests = render::render(&self.project);
        self.keep.objects = true;
    }
}

/// Whether and where a merged set is written as files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Not written (diff, apply, validate, `render -o`).
    None,
    /// Into the states' `output_dir`.
    StateOutputDirs,
    /// Into the folder `--output-dir` names.
    OneFolder,
}

/// Merge the builds of several states (each named by its file) into one
/// set, or report every clash: two states that generate an object of the
/// same kind, namespace and name with different content. The same object
/// from both (the Namespace of two states that share it) is kept once.
/// When the set becomes files (`render` without `-o`), the states must
/// also agree on `output_dir` (unless `--output-dir` is given) and no two
/// objects may share a file name. Objects stay in apply order.
pub fn merge(builds: Vec<(String, Build)>, files: Files) -> Result<Build> {
    let mut problems = Diagnostics::default();
    if builds.len() > 1 {
        if let Some((name, _)) = builds.iter().find(|(_, b)| b.has_environments) {
            return Err(Error::Usage(format!(
                "{name} has environments; a state with environments is rendered, diffed and applied on its own (one -f)"
            )));
        }
    }
    let mut iter = builds.into_iter();
    let Some((first_name, mut merged)) = iter.next() else {
        return Err(Error::Usage("no state given".into()));
    };
    if builds_without_objects(&merged, iter.as_slice()) {
        // Two states' objects are compared whole (an identical one is kept
        // once); `input::load_build_each` keeps them when merging.
        return Err(Error::Failed(
            "internal error: states merged without their objects".into(),
        ));
    }
    let mut origin: Vec<String> = vec![first_name.clone(); merged.manifests.len()];
    let mut dirs = vec![(first_name, merged.project.output_dir.clone())];
    for (name, build) in iter {
        dirs.push((name.clone(), build.project.output_dir.clone()));
        merged.warnings.extend(build.warnings);
        for manifest in build.manifests {
            let same = merged.manifests.iter().position(|m| {
                m.api_version == manifest.api_version
                    && m.kind == manifest.kind
                    && m.namespace == manifest.namespace
                    && m.name == manifest.name
            });
            match same {
                Some(index) if merged.manifests[index].object == manifest.object => {}
                Some(index) => problems.error(
                    "",
                    format!(
                        "{} is generated by both {} ({}) and {name} ({}); merged states may not share an object name",
                        crate::cluster::diff::title(&manifest),
                        origin[index],
                        merged.manifests[index].origin,
                        manifest.origin
                    ),
                ),
                None => {
                    // Distinct objects that `render` would write to one file.
                    let same_file = match files {
                        Files::None => None,
                        _ => merged
                            .manifests
                            .iter()
                            .position(|m| m.file_name == manifest.file_name),
                    };
                    if let Some(index) = same_file {
                        problems.error(
                            "",
                            format!(
                                "{} ({}) and {} ({name}) would both be written to {}; render them into different folders",
                                crate::cluster::diff::title(&merged.manifests[index]),
                                origin[index],
                                crate::cluster::diff::title(&manifest),
                                manifest.file_name
                            ),
                        );
                    }
                    origin.push(name.clone());
                    merged.manifests.push(manifest);
                }
            }
        }
    }
    if files == Files::StateOutputDirs && dirs.iter().any(|(_, dir)| *dir != dirs[0].1) {
        let listed: Vec<String> = dirs
            .iter()
            .map(|(name, dir)| format!("{name}: {dir}"))
            .collect();
        problems.error(
            "",
            format!(
                "the states write to different output_dirs ({}); pass --output-dir to write the merged set into one folder",
                listed.join(", ")
            ),
        );
    }
    if problems.has_errors() {
        return Err(Error::Invalid(problems));
    }
    // Stable: within a phase, the order of the files and their objects.
    merged.manifests.sort_by_key(|m| m.phase);
    merged.objects = merged.manifests.iter().map(ObjectId::from).collect();
    Ok(merged)
}

/// Whether any of the builds did not keep its objects.
fn builds_without_objects(first: &Build, others: &[(String, Build)]) -> bool {
    !first.keep.objects || others.iter().any(|(_, b)| !b.keep.objects)
}

/// A document that does not parse, or cannot be decoded, as an error
/// naming the input and the line and column.
pub fn syntax_error(source_name: &str, e: crate::yaml::SyntaxError) -> Error {
    Error::Syntax {
        source_name: source_name.to_string(),
        location: match (e.line, e.column) {
            (Some(line), Some(column)) => format!("{line}:{column}"),
            _ => "?".into(),
        },
        message: e.message,
    }
}

/// Read, check and render a state. `source_name` names the input in
/// syntax errors (a file path, or `<stdin>`).
pub fn build(text: &str, source_name: &str, options: &BuildOptions) -> Result<Build> {
    build_keeping(text, source_name, options, Keep::ALL)
}

/// `build`, keeping only what `keep` asks for.
pub fn build_keeping(
    text: &str,
    source_name: &str,
    options: &BuildOptions,
    keep: Keep,
) -> Result<Build> {
    let order = |diagnostics: &mut Diagnostics| {
        // A second reading, only when there is something to report.
        let positions = crate::yaml::positions(text);
        diagnostics.sort_by_position(|path| positions.get(path).copied());
    };
    let syntax = |e| syntax_error(source_name, e);
    if options.environment.is_some() {
        // One environment's state is built from the whole tree.
        let document = crate::yaml::parse(text).map_err(syntax)?;
        return from_document(document, options, keep, order);
    }
    // The services are read while the text is parsed (`state::read_text`);
    // a state with environments comes back as its tree.
    match state::read_text(text, &load_options(options, keep)).map_err(syntax)? {
        state::Text::Tree(document) => from_document(document, options, keep, order),
        state::Text::Read(loaded) => {
            let (outcome, diagnostics) = outcome(*loaded);
            conclude(
                outcome,
                diagnostics,
                Vec::new(),
                false,
                options,
                keep,
                order,
            )
        }
    }
}

/// Check and render a state that is already a value tree (a KRM
/// function's `functionConfig`). `order` puts the findings, when there are
/// any, in the order of the text they came from.
pub fn from_document(
    mut document: serde_json::Value,
    options: &BuildOptions,
    keep: Keep,
    order: impl FnOnce(&mut Diagnostics),
) -> Result<Build> {
    let (environments, mut diagnostics) = environments::read(&document);
    let mut built = Vec::new();
    let outcome = match &options.environment {
        Some(name) => {
            let Some(environment) = environments.iter().find(|e| &e.name == name) else {
                return Err(Error::Usage(unknown_environment(name, &environments)));
            };
            let mut selected = environments::select(&document, environment);
            drop(document);
            let (outcome, found) = check(std::mem::take(&mut selected.document), options, keep);
            diagnostics.extend(relocated(found, &selected, None));
            outcome
        }
        None => {
            // Each environment's state first: the document is then read
            // (and dropped before rendering) without a copy. Each is a
            // copy of the state, so only when the command uses them.
            let mut selected: Vec<environments::Selected> = environments
                .iter()
                .filter(|_| keep.environments)
                .map(|environment| environments::select(&document, environment))
                .collect();
            environments::remove(&mut document);
            let (outcome, found) = check(document, options, keep);
            // An environment's values are checked against a sound base.
            let base_is_sound = outcome.is_some() && !found.has_errors();
            diagnostics.extend(found);
            if base_is_sound {
                for (environment, selected) in environments.iter().zip(&mut selected) {
                    let (env_outcome, found) =
                        check(std::mem::take(&mut selected.document), options, keep);
                    let errors = found.errors().cloned().collect::<Vec<_>>();
                    let mut only_errors = Diagnostics::default();
                    for error in errors {
                        only_errors.error(error.path, error.message);
                    }
                    diagnostics.extend(relocated(only_errors, selected, Some(&environment.name)));
                    if let Some((project, manifests, _)) = env_outcome {
                        built.push(EnvironmentBuild {
                            name: environment.name.clone(),
                            namespace: project.namespace.clone(),
                            manifests,
                            project,
                        });
                    }
                }
            }
            outcome
        }
    };
    let has_environments = !environments.is_empty() && options.environment.is_none();
    conclude(
        outcome,
        diagnostics,
        built,
        has_environments,
        options,
        keep,
        order,
    )
}

/// The build, or every finding when one is an error (warnings too with
/// `--strict`), in the order `order` gives them.
fn conclude(
    outcome: Option<Checked>,
    mut diagnostics: Diagnostics,
    environments: Vec<EnvironmentBuild>,
    has_environments: bool,
    options: &BuildOptions,
    keep: Keep,
    order: impl FnOnce(&mut Diagnostics),
) -> Result<Build> {
    if !diagnostics.items.is_empty() {
        order(&mut diagnostics);
    }
    if options.strict {
        diagnostics.promote_warnings();
    }
    match outcome {
        Some((project, manifests, objects)) if !diagnostics.has_errors() => Ok(Build {
            project,
            manifests,
            objects,
            warnings: diagnostics.warnings().cloned().collect(),
            environments,
            has_environments,
            keep,
        }),
        _ => Err(Error::Invalid(diagnostics)),
    }
}

/// Read and render one state: the project and its objects when it can be
/// read, and every finding.
type Checked = (Project, Vec<Manifest>, Vec<ObjectId>);

fn check(
    document: serde_json::Value,
    options: &BuildOptions,
    keep: Keep,
) -> (Option<Checked>, Diagnostics) {
    outcome(state::from_owned_value(
        document,
        &load_options(options, keep),
    ))
}

fn load_options(options: &BuildOptions, keep: Keep) -> LoadOptions {
    LoadOptions {
        namespace: options.namespace.clone(),
        keep_objects: keep.objects,
    }
}

/// A state read: the project and its objects when it can be built.
fn outcome(loaded: state::Loaded) -> (Option<Checked>, Diagnostics) {
    // Rendered once already, by the clash check of `state::load`.
    let outcome = loaded
        .project
        .map(|project| (project, loaded.manifests, loaded.objects));
    (outcome, loaded.diagnostics)
}

/// Findings about an environment's state, at the environment's paths
/// where the value came from it; the others, in a base build, say which
/// environment they are about.
fn relocated(
    found: Diagnostics,
    selected: &environments::Selected,
    environment: Option<&str>,
) -> Diagnostics {
    let mut moved = Diagnostics::default();
    for item in found.items {
        let (path, message) = match (selected.origin_of(&item.path), environment) {
            (Some(path), _) => (path, item.message),
            (None, None) => (item.path, item.message),
            (None, Some(name)) => (
                item.path,
                format!("in environment {name}: {}", item.message),
            ),
        };
        match item.severity {
            crate::diag::Severity::Error => moved.error(path, message),
            crate::diag::Severity::Warning => moved.warning(path, message),
        }
    }
    moved
}

fn unknown_environment(name: &str, environments: &[environments::Environment]) -> String {
    if environments.is_empty() {
        return format!("--env {name}: the state has no environments (add an `environments` list)");
    }
    let names: Vec<&str> = environments.iter().map(|e| e.name.as_str()).collect();
    format!(
        "--env {name}: the state has no such environment; it has: {}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `validate` keeps: the names of the objects, not the objects.
    const NAMES_ONLY: Keep = Keep {
        objects: false,
        environments: true,
    };

    fn findings(text: &str, keep: Keep) -> Diagnostics {
        match build_keeping(text, "state.yaml", &BuildOptions::default(), keep) {
            Err(Error::Invalid(diagnostics)) => diagnostics,
            other => panic!("expected findings, got {other:?}"),
        }
    }

    #[test]
    fn the_clash_checks_need_only_the_names_of_the_objects() {
        // `web-redis`'s ConfigMap is also web's companion's; a Deployment
        // named `db-headless` writes the headless Service's file of `db`.
        let state = r#"
_services:
  - name: web
    image: nginx
    companions: [{name: redis, image: "redis:7", env: [{key: A, value: b}]}]
  - name: web-redis
    image: nginx
    envVars: [{key: MODE, value: x}]
  - {name: db, image: postgres, kind: StatefulSet, headlessServiceName: db-hl}
  - {name: db-headless, image: nginx, port: 80}
"#;
        let kept = findings(state, Keep::ALL);
        let messages: Vec<&str> = kept.items.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("also generates")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("also writes")),
            "{messages:?}"
        );
        assert_eq!(findings(state, NAMES_ONLY), kept);
    }

    #[test]
    fn a_build_without_its_objects_renders_them_again_in_apply_order() {
        let text = include_str!("../examples/multi-service.yaml");
        let kept = build(text, "multi-service.yaml", &BuildOptions::default()).unwrap();
        let named = build_keeping(
            text,
            "multi-service.yaml",
            &BuildOptions::default(),
            NAMES_ONLY,
        )
        .unwrap();
        assert!(named.manifests.is_empty());
        let ids: Vec<ObjectId> = kept.manifests.iter().map(ObjectId::from).collect();
        assert_eq!(named.objects, ids);
        let mut again = Vec::new();
        named
            .for_each(|m| {
                again.push(m.clone());
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(again, kept.manifests);
    }

    #[test]
    fn environments_are_built_only_when_kept() {
        let state = r#"
namespace: shop
_services: [{name: web, image: nginx, port: 80, replicas: 1}]
environments:
  - {name: prod, namespace: shop-prod, services: {web: {replicas: 3}}}
"#;
        let all = build(state, "s", &BuildOptions::default()).unwrap();
        assert_eq!(all.environments.len(), 1);
        assert_eq!(all.environments[0].namespace, "shop-prod");
        let objects = build_keeping(state, "s", &BuildOptions::default(), Keep::OBJECTS).unwrap();
        assert!(objects.environments.is_empty());
        assert!(objects.has_environments, "merging still refuses it");
        assert_eq!(objects.manifests, all.manifests);
    }
}
