//! `kubectl wizard validate`: check only.

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::{Result, EXIT_OK};

pub fn run(global: &GlobalArgs, args: &StateArgs) -> Result<i32> {
    // Checking needs a file; a wizard's answers are checked as they are given.
    let build = super::input::load_build_with(
        global,
        args,
        super::input::Wizard::Never,
        crate::pipeline::Files::None,
        // Every object is checked, none kept: only their names are needed.
        crate::pipeline::Keep {
            objects: false,
            environments: true,
        },
    )?;
    eprintln!(
        "state is valid: {} object(s) in namespace {}",
        build.objects.len(),
        build.project.namespace
    );
    Ok(EXIT_OK)
}
