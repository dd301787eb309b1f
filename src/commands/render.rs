//! `kubectl wizard render`: files in the output folder, or a stream on stdout.

use std::path::PathBuf;

use crate::cli::{GlobalArgs, OutputFormat, RenderArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::files::{self, Outcome, OutputFile};
use crate::pipeline::{Build, Files};
use crate::render;

pub fn run(global: &GlobalArgs, args: &RenderArgs) -> Result<i32> {
    let files = match (args.output, &args.output_dir) {
        (Some(_), _) => Files::None,
        (None, Some(_)) => Files::OneFolder,
        (None, None) => Files::StateOutputDirs,
    };
    let build = super::input::load_build_with(
        global,
        &args.state,
        super::input::Wizard::WhenTerminal,
        files,
    )?;
    match args.output {
        Some(OutputFormat::Yaml) => {
            let stream = render::to_yaml_stream(&build.manifests)
                .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?;
            super::emit(&stream)?;
        }
        Some(OutputFormat::Json) => super::emit(&render::to_json_list(&build.manifests))?,
        None => write_files(&build, args)?,
    }
    Ok(EXIT_OK)
}

/// The files of a build: one per object, then `kustomization.yaml`.
/// Secret manifests are readable by their owner only.
pub fn file_set(build: &Build) -> Result<Vec<OutputFile>> {
    let mut files = Vec::with_capacity(build.manifests.len() + 1);
    for manifest in &build.manifests {
        let text = crate::yaml::to_string(&manifest.object).map_err(|e| {
            Error::Failed(format!("cannot write YAML for {}: {e}", manifest.file_name))
        })?;
        files.push(OutputFile {
            name: manifest.file_name.clone(),
            content: text,
            private: manifest.kind == "Secret",
        });
    }
    files.push(OutputFile::new("kustomization.yaml", build.kustomization()));
    Ok(files)
}

fn write_files(build: &Build, args: &RenderArgs) -> Result<()> {
    let dir = match args.output_dir.as_deref() {
        // The command line may point anywhere.
        Some(dir) => PathBuf::from(dir),
        // A state's folder stays in the working directory, links followed.
        None => {
            let dir = PathBuf::from(&build.project.output_dir);
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            files::confine(&cwd, &dir)?;
            dir
        }
    };
    let files = file_set(build)?;
    let outcomes = files::write_all(&dir, &files, args.force)?;
    let mut skipped = 0;
    for (path, outcome) in &outcomes {
        match outcome {
            Outcome::Wrote => say!("wrote     {}", path.display()),
            Outcome::Unchanged => say!("unchanged {}", path.display()),
            Outcome::Skipped => {
                skipped += 1;
                say!(
                    "skipped   {} (differs from what would be written; --force overwrites it)",
                    path.display()
                );
            }
        }
    }
    if skipped > 0 {
        return Err(Error::Incomplete(format!(
            "{skipped} file(s) in {} differ from what the state generates and were not overwritten; run again with --force to replace them",
            dir.display()
        )));
    }
    Ok(())
}
