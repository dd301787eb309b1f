//! The JSON Schema (draft 2020-12) of the state, generated from the field
//! tables the reader uses (`fields`), for editors: completion, hover help
//! and checks as you type (yaml-language-server, VS Code, Neovim).
//!
//! The schema accepts what the reader accepts: numbers may be strings,
//! booleans may be "true"/"false", an empty string or null reads as "not
//! given", unknown keys are allowed (the reader warns about them, and keys
//! starting with `_` are the UI's). What it cannot say (cross-field rules
//! such as a request above its limit, names that clash, dependencies that
//! name nothing) is left to `kubectl wizard validate`.

use serde_json::{json, Map, Value};

use super::fields::{self, Field, Need, Table, Ty};

/// Where the schema is published: the copy in the repository
/// (docs/state.schema.json), which a test keeps identical to what
/// `kubectl wizard schema` prints. States written by `init` point at it.
pub const URL: &str =
    "https://raw.githubusercontent.com/kubectl-wizard/kubectl-wizard/main/docs/state.schema.json";

/// The first line of a state file, for yaml-language-server (VS Code's
/// YAML extension, Neovim's yamlls): which schema the file follows.
pub fn modeline() -> String {
    format!("# yaml-language-server: $schema={URL}")
}

pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A DNS-1123 label.
pub const LABEL_PATTERN: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/// A DNS-1123 subdomain.
pub const SUBDOMAIN_PATTERN: &str =
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// A non-negative Kubernetes quantity (see `check::quantity`).
pub const QUANTITY_PATTERN: &str =
    "^(\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?)?$";
/// A whole number as a string; empty reads as "not given".
pub const INTEGER_PATTERN: &str = "^\\s*([+-]?[0-9]+)?\\s*$";
pub const BOOLEAN_PATTERN: &str = "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?$";
pub const INT_OR_PERCENT_PATTERN: &str = "^\\s*([0-9]+%?)?\\s*$";

/// The schema, with `id` as its `$id` (where it is published).
pub fn generate(id: &str) -> Value {
    let mut defs = Map::new();
    for table in fields::tables() {
        defs.insert(table.id.to_string(), table_schema(table));
    }
    // The document is a bare state, or a project file with the state under
    // `kubernetes:`; the root's own keys come from the `document` table.
    let root = defs
        .shift_remove(fields::ROOT.id)
        .unwrap_or_else(|| json!({}));
    let mut schema = json!({
        "$schema": DRAFT,
        "$id": id,
        "title": "kubectl-wizard state",
        "description": fields::ROOT.description,
        "type": "object",
        "$ref": format!("#/$defs/{}", fields::STATE.id),
        "properties": root.get("properties").cloned().unwrap_or_else(|| json!({})),
    });
    schema["$defs"] = Value::Object(defs);
    schema
}

fn table_schema(table: &Table) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut conditions = Vec::new();
    for field in table.fields() {
        properties.insert(field.name.to_string(), field_schema(field));
        match field.need {
            Need::Optional => {}
            Need::Always => required.push(field.name),
            Need::When(sibling, values) => conditions.push(json!({
                "if": {"properties": {sibling: {"enum": values}}, "required": [sibling]},
                "then": {"required": [field.name]},
            })),
            Need::Unless(sibling, values) => conditions.push(json!({
                "if": {"properties": {sibling: {"enum": values}}, "required": [sibling]},
                "else": {"required": [field.name]},
            })),
        }
    }
    let mut schema = json!({
        "title": table.title,
        "description": table.description,
        // A null map or list entry reads as absent.
        "type": ["object", "null"],
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if !conditions.is_empty() {
        schema["allOf"] = Value::Array(conditions);
    }
    schema
}

/// Where the field's description, default and Kubernetes fields are
/// written for a reader of the schema (hover text).
pub fn description(field: &Field) -> String {
    let mut text = field.description.to_string();
    if let Some(default) = field.default {
        text.push_str(&format!("\n\nDefault: {default}."));
    }
    if !field.becomes.is_empty() {
        text.push_str(&format!("\n\nBecomes: {}.", field.becomes));
    }
    text
}

fn field_schema(field: &Field) -> Value {
    let required = field.need == Need::Always;
    let mut schema = type_schema(&field.ty, required);
    let map = schema.as_object_mut().expect("type schemas are objects");
    map.insert("description".into(), Value::String(description(field)));
    if let Some(default) = field.default.and_then(|d| literal_default(&field.ty, d)) {
        map.insert("default".into(), default);
    }
    schema
}

/// A default that is a value (`1Gi`, `1`, `false`, `ReadWriteOnce`), as
/// opposed to a description of one (`<name>-headless`).
fn literal_default(ty: &Ty, text: &str) -> Option<Value> {
    match ty {
        Ty::Integer { .. } | Ty::IntOrPercent => text.parse::<i64>().ok().map(Value::from),
        Ty::Boolean => text.parse::<bool>().ok().map(Value::Bool),
        Ty::Enum(words) => words.contains(&text).then(|| Value::String(text.into())),
        Ty::Quantity | Ty::Label | Ty::Text => {
            (!text.contains([' ', '<', '$', '"'])).then(|| Value::String(text.into()))
        }
        Ty::List(_) if text == "[]" => Some(json!([])),
        _ => None,
    }
}

/// The JSON types a field accepts: null (absent) unless it is required.
fn types(names: &[&str], required: bool) -> Value {
    let mut list: Vec<&str> = names.to_vec();
    if !required {
        list.push("null");
    }
    json!(list)
}

fn reference(table: &Table) -> Value {
    json!({"$ref": format!("#/$defs/{}", table.id)})
}

fn type_schema(ty: &Ty, required: bool) -> Value {
    // Form values: YAML and form collectors turn `7` into a number, so
    // strings accept numbers and booleans in their text form.
    let text = ["string", "number", "boolean"];
    // An empty string reads as absent, so optional patterns allow it.
    let optional_pattern = |pattern: &str| {
        if required {
            pattern.to_string()
        } else {
            format!("^$|{pattern}")
        }
    };
    match ty {
        Ty::Text => json!({"type": types(&text, required)}),
        Ty::Label => json!({
            "type": types(&["string", "integer"], required),
            "pattern": optional_pattern(LABEL_PATTERN),
            "maxLength": 63,
        }),
        Ty::Subdomain => json!({
            "type": types(&["string", "integer"], required),
            "pattern": optional_pattern(SUBDOMAIN_PATTERN),
            "maxLength": 253,
        }),
        Ty::AbsolutePath => json!({"type": types(&["string"], required), "pattern": "^/"}),
        Ty::Integer { min, max } => json!({
            "type": types(&["integer", "string"], required),
            "pattern": INTEGER_PATTERN,
            "minimum": min,
            "maximum": max,
        }),
        Ty::Boolean => json!({
            "type": types(&["boolean", "string"], required),
            "pattern": BOOLEAN_PATTERN,
        }),
        Ty::Enum(words) => {
            let mut allowed: Vec<Value> = words.iter().map(|w| json!(w)).collect();
            if !required {
                allowed.extend([json!(""), Value::Null]);
            }
            json!({"enum": allowed})
        }
        Ty::Quantity => json!({
            "type": types(&["string", "number"], required),
            "pattern": QUANTITY_PATTERN,
            "minimum": 0,
        }),
        Ty::IntOrPercent => json!({
            "type": types(&["integer", "string"], required),
            "pattern": INT_OR_PERCENT_PATTERN,
            "minimum": 0,
        }),
        Ty::Object(table) => reference(table),
        Ty::List(table) => json!({
            "type": types(&["array"], required),
            "items": reference(table),
        }),
        Ty::ListOrMap(table) => json!({
            "type": types(&["array", "object"], required),
            "items": reference(table),
            "additionalProperties": {"anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                reference(table),
            ]},
        }),
        Ty::Strings => json!({
            "type": types(&["array"], required),
            "items": {"type": "string"},
        }),
        Ty::TextOrList => json!({
            "type": types(&["string", "array"], required),
            "items": {"type": text},
        }),
        Ty::Labels => json!({
            "type": types(&["string", "object"], required),
            "additionalProperties": {"type": text},
        }),
        Ty::Values => json!({
            "type": types(&["object"], required),
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        }),
        Ty::Ports => json!({
            "type": types(&["string", "integer", "array"], required),
            "items": {"type": ["string", "integer"]},
        }),
    }
}

/// How many fields the schema describes: the properties of the root and
/// of every definition (each definition once).
pub fn count_fields(schema: &Value) -> usize {
    let count = |v: &Value| {
        v.get("properties")
            .and_then(Value::as_object)
            .map_or(0, Map::len)
    };
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .map_or(0, |defs| defs.values().map(count).sum());
    count(schema) + defs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_written_by_init_start_with_the_schema_line() {
        let text = crate::interactive::to_text(&json!({"namespace": "shop"})).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "# yaml-language-server: $schema=https://raw.githubusercontent.com/kubectl-wizard/kubectl-wizard/main/docs/state.schema.json"
        );
    }

    #[test]
    fn the_schema_has_every_field_the_reader_knows() {
        let schema = generate("state.schema.json");
        assert_eq!(count_fields(&schema), fields::count());
        let vct = &schema["$defs"]["volumeClaimTemplate"]["properties"]["size"];
        assert_eq!(vct["default"], json!("1Gi"));
        assert_eq!(
            schema["$defs"]["service"]["properties"]["kind"]["enum"][1],
            json!("StatefulSet")
        );
    }
}
