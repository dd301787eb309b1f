//! Reading the state named by `-f` and building it.

use std::io::Read;

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::{Error, Result};
use crate::pipeline::{self, Build, BuildOptions};

/// The state's text and the name to use for it in messages.
pub fn read_state(args: &StateArgs) -> Result<(String, String)> {
    match args.filename.as_deref() {
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

/// Read, check and render the state; warnings are printed on the way.
pub fn load_build(global: &GlobalArgs, args: &StateArgs) -> Result<Build> {
    let (text, name) = read_state(args)?;
    let options = BuildOptions {
        namespace: global.namespace.clone(),
        strict: args.strict,
    };
    let build = pipeline::build(&text, &name, &options)?;
    super::print_warnings(&build.warnings);
    Ok(build)
}
