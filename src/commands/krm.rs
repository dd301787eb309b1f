//! `kubectl-wizard fn`: the KRM function at the edges, a `ResourceList`
//! read from stdin and written to stdout (the work is in `crate::krm`).

use crate::cli::{FnArgs, GlobalArgs};
use crate::error::{Error, Result, EXIT_INVALID, EXIT_OK};
use crate::pipeline::BuildOptions;

pub fn run(global: &GlobalArgs, args: &FnArgs) -> Result<i32> {
    let text = super::input::read_bounded(std::io::stdin().lock(), "<stdin>")?;
    let input =
        crate::yaml::parse(&text).map_err(|e| crate::pipeline::syntax_error("<stdin>", e))?;
    let options = BuildOptions {
        namespace: global.namespace.clone(),
        strict: args.strict,
        environment: None,
    };
    let outcome = crate::krm::process(&input, &options).map_err(|e| Error::Usage(e.0))?;
    let out = crate::yaml::to_string(&outcome.list)
        .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?;
    super::emit(&out)?;
    if outcome.failed {
        // The orchestrator shows the results; one line says why it stopped.
        eprintln!("error: the WizardState is not valid; see the results");
        return Ok(EXIT_INVALID);
    }
    Ok(EXIT_OK)
}
