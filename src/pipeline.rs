//! The pure core end to end: state text → checked model → manifests.
//! Every command that needs manifests goes through `build`, so render,
//! diff and apply judge a state identically.

use crate::diag::{Diagnostic, Diagnostics};
use crate::error::{Error, Result};
use crate::model::Project;
use crate::render::{self, Manifest};
use crate::state::{self, LoadOptions};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `-n/--namespace`: replaces the state's namespace.
    pub namespace: Option<String>,
    /// `--strict`: warnings are errors.
    pub strict: bool,
}

/// A state that passed every check, and what it generates.
#[derive(Debug, Clone)]
pub struct Build {
    pub project: Project,
    pub manifests: Vec<Manifest>,
    pub warnings: Vec<Diagnostic>,
}

impl Build {
    /// The text of `kustomization.yaml` for these manifests.
    pub fn kustomization(&self) -> String {
        render::kustomization(&self.project, &self.manifests)
    }
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
    let load_options = LoadOptions {
        namespace: options.namespace.clone(),
    };
    let loaded = state::load(text, &load_options).map_err(|e| syntax_error(source_name, e))?;
    let mut diagnostics: Diagnostics = loaded.diagnostics;
    if !diagnostics.items.is_empty() {
        // A second reading, only when there is something to report.
        let positions = crate::yaml::positions(text);
        diagnostics.sort_by_position(|path| positions.get(path).copied());
    }
    if options.strict {
        diagnostics.promote_warnings();
    }
    match loaded.project {
        Some(project) if !diagnostics.has_errors() => {
            // Rendered once already, by the clash check of `state::load`.
            let manifests = loaded.manifests;
            Ok(Build {
                project,
                manifests,
                warnings: diagnostics.warnings().cloned().collect(),
            })
        }
        _ => Err(Error::Invalid(diagnostics)),
    }
}
