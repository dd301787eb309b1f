//! A validator for the part of JSON Schema draft 2020-12 that
//! `kubectl wizard schema` emits, so the tests can check states against
//! it without Python or a network. `tests/support/schema_check.rs` serves
//! the Kubernetes definitions (with their `x-kubernetes-*` rules); the
//! state's schema needs other keywords (`pattern`, `minimum`, `anyOf`,
//! `if`/`then`/`else`), implemented here as the specification defines
//! them: `pattern` is an unanchored search and applies to strings only,
//! `minimum`/`maximum` to numbers only, `properties`/`required`/
//! `additionalProperties` to objects only, `items` to arrays only, and
//! `integer` is any number without a fraction.
//!
//! Loading fails on any keyword this module does not implement, so the
//! generator cannot start emitting one that the tests silently ignore.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "anyOf",
    "allOf",
    "if",
    "then",
    "else",
    "pattern",
    "minimum",
    "maximum",
    "maxLength",
];
/// Keywords that constrain nothing.
const ANNOTATIONS: &[&str] = &["$schema", "$id", "$defs", "title", "description", "default"];
const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

pub struct Validator {
    root: Value,
    patterns: HashMap<String, Regex>,
}

impl Validator {
    /// Check that every keyword is known and every pattern compiles.
    pub fn new(root: Value) -> Result<Validator, Vec<String>> {
        let mut problems = Vec::new();
        let mut patterns = HashMap::new();
        load(&root, "#", &mut patterns, &mut problems);
        if problems.is_empty() {
            Ok(Validator { root, patterns })
        } else {
            Err(problems)
        }
    }

    /// Every problem of `value`, each as `path: what`.
    pub fn validate(&self, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(&self.root, value, "", &mut errors);
        errors
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    fn check(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            return;
        };
        let at = if path.is_empty() {
            "(the document)"
        } else {
            path
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(reference) {
                Some(target) => self.check(target, value, path, errors),
                None => errors.push(format!("{at}: unresolved $ref {reference}")),
            }
        }
        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.iter().any(|t| has_type(value, t)) {
                errors.push(format!(
                    "{at}: found {}; expected type {}",
                    short(value),
                    names.join(" or ")
                ));
                return;
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            if !allowed.contains(value) {
                errors.push(format!(
                    "{at}: found {}; expected one of {}",
                    short(value),
                    Value::Array(allowed.clone())
                ));
            }
        }
        match value {
            Value::String(text) => {
                if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                    if !self.patterns[pattern].is_match(text) {
                        errors.push(format!(
                            "{at}: found {}; does not match {pattern}",
                            short(value)
                        ));
                    }
                }
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                    if text.chars().count() as u64 > max {
                        errors.push(format!("{at}: longer than {max} characters"));
                    }
                }
            }
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    if n < min {
                        errors.push(format!("{at}: found {number}; minimum is {min}"));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    if n > max {
                        errors.push(format!("{at}: found {number}; maximum is {max}"));
                    }
                }
            }
            Value::Object(map) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !map.contains_key(name) {
                        errors.push(format!("{at}: `{name}` is required"));
                    }
                }
                for (key, item) in map {
                    let item_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    match properties.and_then(|p| p.get(key)) {
                        Some(property) => self.check(property, item, &item_path, errors),
                        None => match schema.get("additionalProperties") {
                            Some(Value::Bool(false)) => {
                                errors.push(format!("{item_path}: unknown field"))
                            }
                            Some(other) => self.check(other, item, &item_path, errors),
                            None => {}
                        },
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            _ => {}
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for part in all {
                self.check(part, value, path, errors);
            }
        }
        if let Some(Value::Array(any)) = schema.get("anyOf") {
            if !any.iter().any(|part| self.passes(part, value)) {
                errors.push(format!(
                    "{at}: found {}; matches none of the allowed forms",
                    short(value)
                ));
            }
        }
        if let Some(condition) = schema.get("if") {
            let branch = if self.passes(condition, value) {
                "then"
            } else {
                "else"
            };
            if let Some(branch) = schema.get(branch) {
                self.check(branch, value, path, errors);
            }
        }
    }

    fn passes(&self, schema: &Value, value: &Value) -> bool {
        let mut errors = Vec::new();
        self.check(schema, value, "", &mut errors);
        errors.is_empty()
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 60 {
        format!(
            "{}…",
            &text[..text.char_indices().nth(60).map_or(text.len(), |(i, _)| i)]
        )
    } else {
        text
    }
}

/// Walk a schema: every keyword known, every pattern compiled, every type
/// name real.
fn load(
    schema: &Value,
    at: &str,
    patterns: &mut HashMap<String, Regex>,
    problems: &mut Vec<String>,
) {
    let Some(map) = schema.as_object() else {
        if !schema.is_boolean() {
            problems.push(format!("{at}: a schema must be an object or a boolean"));
        }
        return;
    };
    for (key, value) in map {
        let here = format!("{at}/{key}");
        if ANNOTATIONS.contains(&key.as_str()) {
            if key == "$defs" {
                for (name, def) in value.as_object().into_iter().flatten() {
                    load(def, &format!("{here}/{name}"), patterns, problems);
                }
            }
            continue;
        }
        if !KEYWORDS.contains(&key.as_str()) {
            problems.push(format!(
                "{here}: keyword `{key}` is not implemented by tests/support/json_schema.rs"
            ));
            continue;
        }
        match key.as_str() {
            "properties" => {
                for (name, property) in value.as_object().into_iter().flatten() {
                    load(property, &format!("{here}/{name}"), patterns, problems);
                }
            }
            "items" | "additionalProperties" | "if" | "then" | "else" => {
                load(value, &here, patterns, problems)
            }
            "anyOf" | "allOf" => {
                for (i, part) in value.as_array().into_iter().flatten().enumerate() {
                    load(part, &format!("{here}/{i}"), patterns, problems);
                }
            }
            "pattern" => match value.as_str().map(Regex::new) {
                Some(Ok(regex)) => {
                    patterns.insert(value.as_str().unwrap_or_default().to_string(), regex);
                }
                _ => problems.push(format!("{here}: not a valid pattern")),
            },
            "type" => {
                let names: Vec<&Value> = match value {
                    Value::Array(many) => many.iter().collect(),
                    one => vec![one],
                };
                for name in names {
                    if !name.as_str().is_some_and(|n| TYPES.contains(&n)) {
                        problems.push(format!("{here}: unknown type {name}"));
                    }
                }
            }
            _ => {}
        }
    }
}
