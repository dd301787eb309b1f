//! `kubectl wizard validate`: check only.

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::{Result, EXIT_OK};

pub fn run(global: &GlobalArgs, args: &StateArgs) -> Result<i32> {
    let build = super::load_build(global, args)?;
    eprintln!(
        "state is valid: {} object(s) in namespace {}",
        build.manifests.len(),
        build.project.namespace
    );
    Ok(EXIT_OK)
}
