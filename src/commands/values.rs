//! Values from the environment for diff, apply and render: the states are
//! read and each is filled (see `crate::substitute`) before they merge;
//! what was left unfilled is said on stderr.

use crate::cli::{GlobalArgs, StateArgs};
use crate::error::Result;
use crate::pipeline::{Files, Keep};
use crate::substitute::{self, Filled, Request, Values};

use super::input::{Held, Wizard};

/// Read, build and fill the states as `request` says, from `env_files`
/// and the process environment.
pub fn load(
    global: &GlobalArgs,
    state: &StateArgs,
    wizard: Wizard,
    files: Files,
    keep: Keep,
    request: &Request,
    env_files: &[String],
) -> Result<Held> {
    let values = Values::load(env_files)?;
    let mut all = Filled::default();
    // Objects rendered before their values are filled would be rendered
    // again: the build checks them by name only, and they are rendered
    // once, filled (at 10,000 services, half the CPU and memory of diff).
    let checked = match request.variables {
        true => Keep {
            objects: false,
            ..keep
        },
        false => keep,
    };
    let build =
        super::input::load_build_each(global, state, wizard, files, checked, &mut |build| {
            let filled = substitute::apply(build, request, &values, keep.objects)?;
            all.kept.extend(filled.kept);
            if let Some(secrets) = filled.secrets {
                let total = all.secrets.get_or_insert_with(Default::default);
                total.filled += secrets.filled;
                total.missing.extend(secrets.missing);
            }
            Ok(())
        })?;
    for note in substitute::notes(&all, request.variables) {
        eprintln!("{}", crate::sanitize::for_terminal(&note));
    }
    Ok(Held::new(build))
}
