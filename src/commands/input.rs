//! Reading the state named by `-f` and building it.

use std::io::Read;

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::{Error, Result};
use crate::pipeline::{self, Build, BuildOptions};

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
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::io("<stdin>", e))?;
            Ok((text, "<stdin>".into()))
        }
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            Ok((text, path.to_string()))
        }
    }
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
