//! `kubectl wizard explain FIELD`: what a field of the state means (see
//! `state::explain`). An unknown field is a usage error (exit 2) naming
//! where the path went wrong and the nearest names.

use crate::cli::ExplainArgs;
use crate::error::{Error, Result, EXIT_OK};
use crate::state::explain;

pub fn run(args: &ExplainArgs) -> Result<i32> {
    let path = args.field.as_deref().unwrap_or("");
    let text = explain::explain(path, args.recursive).map_err(|unknown| {
        Error::Usage(crate::sanitize::for_terminal(&unknown.to_string()).into_owned())
    })?;
    super::emit(&text)?;
    Ok(EXIT_OK)
}
