//! `kubectl wizard render --explain` (`-o yaml --show-origin`): the YAML of
//! `render -o yaml`, every value commented with where it came from (see
//! `render::origin`). Kept apart from `render` so that the plain output
//! path stays as it is.

use crate::cli::{GlobalArgs, OutputFormat, RenderArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::pipeline::{self, BuildOptions};
use crate::render::{origin, Manifest};

pub fn run(global: &GlobalArgs, args: &RenderArgs) -> Result<i32> {
    if args.output == Some(OutputFormat::Json) {
        return Err(Error::Usage(
            "--explain writes YAML comments, which JSON cannot hold; use -o yaml --explain".into(),
        ));
    }
    if args.output_dir.is_some() {
        return Err(Error::Usage(
            "--explain prints the objects (as -o yaml does) and writes no files; leave out --output-dir".into(),
        ));
    }
    let states =
        super::input::read_states(global, &args.state, super::input::Wizard::WhenTerminal)?;
    let [(text, name)] = states.as_slice() else {
        return Err(Error::Usage(format!(
            "--explain explains one state at a time; {} were given",
            states.len()
        )));
    };
    let options = BuildOptions {
        namespace: global.namespace.clone(),
        strict: args.state.strict,
        environment: args.state.environment.clone(),
    };
    let build = pipeline::build(text, name, &options)?;
    super::print_warnings(&build.warnings);
    // The document parsed when the state was built: which fields it gives.
    let document = crate::yaml::parse(text).map_err(|e| Error::Failed(e.to_string()))?;
    let (secrets, printed): (Vec<&Manifest>, Vec<&Manifest>) = build
        .manifests
        .iter()
        .partition(|m| m.is_secret() && !args.include_secrets);
    let stream = origin::annotated_stream(&build.project, &document, &printed)
        .map_err(|why| Error::Failed(format!("cannot explain the output: {why}")))?;
    super::emit(&stream)?;
    if !secrets.is_empty() {
        let names: Vec<&str> = secrets.iter().map(|m| m.name.as_str()).collect();
        eprintln!(
            "{}",
            super::render::left_out_note(&names, &build.project.namespace)
        );
    }
    Ok(EXIT_OK)
}
