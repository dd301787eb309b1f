//! Reading the state named by `-f` and building it.

use std::io::Read;

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::{Error, Result};
use crate::pipeline::{self, Build, BuildOptions};
use crate::yaml;

/// Whether a command without `-f` may ask for the state interactively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wizard {
    /// On a terminal, run the wizard (render, diff, apply).
    WhenTerminal,
    /// Never: `-f` is required (validate).
    Never,
}

/// The state's text and the name to use for it in messages. Without `-f`,
/// the wizard asks for it when allowed and stdin and stderr are terminals;
/// otherwise the command fails at once instead of waiting for input.
pub fn read_state(
    global: &GlobalArgs,
    args: &StateArgs,
    wizard: Wizard,
) -> Result<(String, String)> {
    match args.filename.as_deref() {
        None if wizard == Wizard::WhenTerminal => {
            crate::interactive::state_for_command(global.namespace.as_deref())
        }
        None => Err(Error::Usage(
            "no state given: pass -f FILE (or -f - to read standard input)".into(),
        )),
        Some("-") => {
            let text = read_bounded(std::io::stdin().lock(), "<stdin>")?;
            Ok((text, "<stdin>".into()))
        }
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| match e.kind() {
                // kubectl's words for the same mistake.
                std::io::ErrorKind::NotFound => {
                    Error::Failed(format!("the path \"{path}\" does not exist"))
                }
                _ => Error::io(path, e),
            })?;
            let text = read_bounded(file, path)?;
            Ok((text, path.to_string()))
        }
    }
}

/// Read at most `yaml::MAX_BYTES` and decode them as UTF-8 (a byte order
/// mark is fine); too much or undecodable text is a syntax error (exit 2)
/// with the byte offset.
fn read_bounded(source: impl Read, name: &str) -> Result<String> {
    let mut bytes = Vec::new();
    source
        .take(yaml::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    let syntax = |e| pipeline::syntax_error(name, e);
    if bytes.len() as u64 > yaml::MAX_BYTES {
        return Err(syntax(yaml::SyntaxError {
            line: None,
            column: None,
            message: format!(
                "the state is larger than {} MiB; a state is a few hundred kilobytes at most",
                yaml::MAX_BYTES >> 20
            ),
        }));
    }
    yaml::decode(bytes).map_err(syntax)
}

/// Read (or ask for), check and render the state; warnings are printed on
/// the way.
pub fn load_build(global: &GlobalArgs, args: &StateArgs) -> Result<Build> {
    load_build_with(global, args, Wizard::WhenTerminal)
}

/// `load_build`, saying whether the wizard may ask for a missing state.
pub fn load_build_with(global: &GlobalArgs, args: &StateArgs, wizard: Wizard) -> Result<Build> {
    let (text, name) = read_state(global, args, wizard)?;
    let options = BuildOptions {
        namespace: global.namespace.clone(),
        strict: args.strict,
    };
    let build = pipeline::build(&text, &name, &options)?;
    super::print_warnings(&build.warnings);
    Ok(build)
}
