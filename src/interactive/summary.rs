//! The end of the wizard: what the answers generate, and saving them.

use std::path::{Path, PathBuf};

use super::ask::{self, Ask};
use super::prompts::Prompter;
use crate::error::{Error, Result};
use crate::files;
use crate::pipeline::{self, BuildOptions};

/// Where `init` saves when no file is named.
pub const DEFAULT_FILE: &str = "wizard-state.yaml";

/// Run the state through the same build as `render -f` and list the files
/// it would write, or every problem it has.
pub fn show_summary(prompter: &mut dyn Prompter, text: &str, namespace: Option<&str>) {
    let options = BuildOptions {
        namespace: namespace.map(str::to_string),
        strict: false,
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
