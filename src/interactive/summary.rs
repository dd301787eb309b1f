//! The end of the wizard: what the answers generate, and saving them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ask::{self, Ask};
use super::prompts::Prompter;
use crate::error::{Error, Result};
use crate::files;
use crate::pipeline::{self, BuildOptions};

/// Where `init` saves when no file is named.
pub const DEFAULT_FILE: &str = "wizard-state.yaml";

/// Where a wizard stopped with Ctrl-C keeps its answers for the state file
/// `path`: beside it, as `<file>.draft`.
pub fn draft_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".draft");
    PathBuf::from(name)
}

/// Run the state through the same build as `render -f` and list the files
/// it would write, or every problem it has.
pub fn show_summary(prompter: &mut dyn Prompter, text: &str, namespace: Option<&str>) {
    let options = BuildOptions {
        namespace: namespace.map(str::to_string),
        strict: false,
        environment: None,
    };
    for line in summary_lines(&pipeline::build(text, "<wizard>", &options)) {
        prompter.say(&line);
    }
}

fn summary_lines(build: &Result<pipeline::Build>) -> Vec<String> {
    match build {
        Ok(build) => {
            let dir = &build.project.output_dir;
            let mut lines = vec![format!(
                "\nFiles this state generates (render writes them to {dir}/):"
            )];
            for m in &build.manifests {
                lines.push(format!("  {:<40} {} {}", m.file_name, m.kind, m.name));
                if m.kind == "Ingress" {
                    lines.extend(ingress_routes(&m.object));
                }
            }
            let has_ingress = build.manifests.iter().any(|m| m.kind == "Ingress");
            if let (Some(host), false) = (&build.project.ingress_host, has_ingress) {
                lines.push(format!(
                    "  No Ingress for {host}: none of the services has a ClusterIP Service to route to."
                ));
            }
            lines.push(format!(
                "  {:<40} lists them for kubectl apply -k",
                "kustomization.yaml"
            ));
            lines.extend(build.warnings.iter().map(|w| w.to_string()));
            lines
        }
        Err(Error::Invalid(diags)) => {
            let mut lines = vec![
                "\nThese answers make a state with problems; save it and fix them in the file:"
                    .to_string(),
            ];
            lines.extend(diags.items.iter().map(|d| format!("  {d}")));
            lines
        }
        Err(other) => vec![format!("\nThese answers cannot be rendered: {other}")],
    }
}

/// Where the Ingress sends each path, so a new user sees which service
/// answers at `/` (the first one that has a Service).
fn ingress_routes(ingress: &Value) -> Vec<String> {
    let rules = ingress["spec"]["rules"].as_array().into_iter().flatten();
    rules
        .flat_map(|rule| {
            let host = rule["host"].as_str().unwrap_or_default();
            let paths = rule["http"]["paths"].as_array().into_iter().flatten();
            paths.map(move |route| {
                let service = &route["backend"]["service"];
                format!(
                    "      {host}{} -> Service {} port {}",
                    route["path"].as_str().unwrap_or("/"),
                    service["name"].as_str().unwrap_or_default(),
                    service["port"]["number"]
                )
            })
        })
        .collect()
}

/// Save the state's text at `path`, atomically. An existing file is
/// replaced only when the user says so; otherwise another name is asked for.
pub fn save(ask: &mut Ask<'_>, path: &Path, text: &str) -> Result<PathBuf> {
    let mut path = path.to_path_buf();
    loop {
        let replace =
            path.exists() && ask.yes(&format!("{} exists. Replace it?", path.display()), false)?;
        if path.exists() && !replace {
            let other = ask.text("Save to which file instead?", None, ask::not_empty)?;
            path = PathBuf::from(other);
            continue;
        }
        match files::create_new(&path, text.as_bytes(), replace) {
            // Created by someone else since the question: ask again.
            Err(Error::Incomplete(_)) => continue,
            // The answers are still in memory: offer another place for them.
            Err(error) => {
                ask.say(&format!("error: {error}"));
                let other = ask.text("Save to which file instead?", None, ask::not_empty)?;
                path = PathBuf::from(other);
            }
            Ok(()) => {
                ask.say(&format!("Saved the answers to {}.", path.display()));
                return Ok(path);
            }
        }
    }
}
