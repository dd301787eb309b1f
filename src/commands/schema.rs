//! `kubectl wizard schema`: the JSON Schema of the state (see
//! `state::schema`), printed or written to a file.

use std::path::Path;

use crate::cli::SchemaArgs;
use crate::error::{Result, EXIT_OK};
use crate::state::schema;

pub fn run(args: &SchemaArgs) -> Result<i32> {
    let text = text();
    match &args.output {
        None => super::emit(&text)?,
        Some(file) => crate::files::write_atomically(Path::new(file), text.as_bytes(), false)?,
    }
    Ok(EXIT_OK)
}

/// The schema as pretty JSON with a final newline.
pub fn text() -> String {
    let schema = schema::generate(schema::URL);
    // Serialising a JSON value cannot fail (its keys are strings).
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
