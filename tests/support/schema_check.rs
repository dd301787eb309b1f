//! Strict validation of Kubernetes objects against the official 1.33 JSON
//! Schemas (`tests/data/kubernetes-1.33.json`, see
//! `scripts/gen-kubernetes-schema.py`), without Python at test time.
//!
//! The definitions use a small part of JSON Schema (draft 2020-12), and this
//! module implements exactly that part: `$ref`, `type` (one name or a list,
//! `["string", "null"]`), `properties`, `additionalProperties` (`false`: an
//! unknown field is an error, or a schema for map values), `required`,
//! `items`, `enum`, `oneOf`, and `format` (`int32`, `int64`, `byte`,
//! `date-time`). Of the `x-kubernetes-*` extensions, `list-type` `set` and
//! `map` (with `list-map-keys`) constrain values, since server-side apply
//! refuses duplicate entries; the others only steer merging. Loading fails on
//! any keyword or format this module does not know, so a regenerated file
//! that starts using one cannot pass unnoticed.
//!
//! ```ignore
//! let schemas = Schemas::kubernetes();
//! schemas.validate(&object)?;  // Err(errors): every problem, each with its path
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde_json::{Map, Value};

/// Keywords with a meaning for validation, all implemented below.
const VALIDATING: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "enum",
    "oneOf",
    "format",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
];

/// Keywords that steer merging or document, and constrain no value.
const ANNOTATIONS: &[&str] = &[
    "description",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-unions",
];

/// Keys of the file itself, beside `$defs`.
const FILE_KEYS: &[&str] = &["$comment", "$defs", "kubernetesVersion", "roots"];

const FORMATS: &[&str] = &["int32", "int64", "byte", "date-time"];
const TYPES: &[&str] = &[
    "string", "object", "array", "integer", "number", "boolean", "null",
];

/// One problem with a value: where, what was there, what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// Path of the value in the object (`spec.template.spec.containers[0].name`);
    /// empty for the object itself.
    pub path: String,
    pub found: String,
    pub allowed: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() {
            "(the object)"
        } else {
            &self.path
        };
        write!(f, "{at}: found {}; expected {}", self.found, self.allowed)
    }
}

/// The definitions, and which one describes each apiVersion and kind.
pub struct Schemas {
    defs: Map<String, Value>,
    /// (apiVersion, kind) → definition name.
    kinds: HashMap<(String, String), String>,
}

impl Schemas {
    /// The Kubernetes 1.33 definitions kept in the repository.
    pub fn kubernetes() -> Schemas {
        let text = include_str!("../data/kubernetes-1.33.json");
        let doc: Value = match serde_json::from_str(text) {
            Ok(doc) => doc,
            Err(e) => panic!("tests/data/kubernetes-1.33.json is not JSON: {e}"),
        };
        match Schemas::from_document(&doc) {
            Ok(schemas) => schemas,
            Err(problems) => panic!(
                "tests/data/kubernetes-1.33.json cannot be checked:\n{}",
                problems.join("\n")
            ),
        }
    }

    /// Load a definitions document (`{"$defs": {...}}`), refusing keywords
    /// and formats this module does not implement and `$ref`s that point
    /// nowhere.
    pub fn from_document(doc: &Value) -> Result<Schemas, Vec<String>> {
        let mut problems = Vec::new();
        let Some(file) = doc.as_object() else {
            return Err(vec!["the document is not a JSON object".into()]);
        };
        for key in file.keys().filter(|k| !FILE_KEYS.contains(&k.as_str())) {
            problems.push(format!("unknown top-level key `{key}`"));
        }
        let Some(defs) = file.get("$defs").and_then(Value::as_object) else {
            problems.push("no `$defs` object".into());
            return Err(problems);
        };
        for (name, schema) in defs {
            audit(defs, schema, &format!("#/$defs/{name}"), &mut problems);
        }
        let kinds = kinds(defs, &mut problems);
        if problems.is_empty() {
            Ok(Schemas {
                defs: defs.clone(),
                kinds,
            })
        } else {
            Err(problems)
        }
    }

    /// Every (apiVersion, kind) the definitions describe.
    pub fn kinds(&self) -> BTreeSet<(String, String)> {
        self.kinds.keys().cloned().collect()
    }

    /// Check an object against the definition of its apiVersion and kind.
    pub fn validate(&self, object: &Value) -> Result<(), Vec<SchemaError>> {
        let api_version = object.get("apiVersion").and_then(Value::as_str);
        let kind = object.get("kind").and_then(Value::as_str);
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            return Err(vec![SchemaError {
                path: String::new(),
                found: "no apiVersion or kind".into(),
                allowed: "an object with string `apiVersion` and `kind`".into(),
            }]);
        };
        let key = (api_version.to_string(), kind.to_string());
        let Some(def) = self.kinds.get(&key) else {
            let known: Vec<String> = self
                .kinds()
                .iter()
                .map(|(a, k)| format!("{a} {k}"))
                .collect();
            return Err(vec![SchemaError {
                path: String::new(),
                found: format!("apiVersion {api_version:?}, kind {kind:?}"),
                allowed: format!("one of the kinds with a schema: {}", known.join(", ")),
            }]);
        };
        self.validate_as(def, object)
    }

    /// Check a value against a named definition
    /// (`io.k8s.api.core.v1.Service`).
    pub fn validate_as(&self, def: &str, value: &Value) -> Result<(), Vec<SchemaError>> {
        let Some(schema) = self.defs.get(def) else {
            return Err(vec![SchemaError {
                path: String::new(),
                found: format!("definition {def:?}"),
                allowed: "a definition of the schema file".into(),
            }]);
        };
        let mut errors = Vec::new();
        self.check(schema, value, "", &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<SchemaError>) {
        let error = |found: String, allowed: String| SchemaError {
            path: path.to_string(),
            found,
            allowed,
        };
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            // Loading checked that every reference resolves.
            if let Some(def) = target
                .strip_prefix("#/$defs/")
                .and_then(|n| self.defs.get(n))
            {
                self.check(def, value, path, errors);
            }
        }
        if let Some(types) = schema.get("type") {
            let names = type_names(types);
            if !names.iter().any(|t| has_type(value, t)) {
                errors.push(error(describe(value), names.join(" or ")));
                // Nothing else can be said of a value of the wrong type.
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                errors.push(error(
                    describe(value),
                    format!("one of {}", list.join(", ")),
                ));
            }
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            if let Some(problem) = check_format(format, value) {
                errors.push(error(describe(value), problem));
            }
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            let matching = branches
                .iter()
                .filter(|b| {
                    let mut inner = Vec::new();
                    self.check(b, value, path, &mut inner);
                    inner.is_empty()
                })
                .count();
            if matching != 1 {
                let shapes: Vec<String> = branches.iter().map(summary).collect();
                errors.push(error(
                    describe(value),
                    format!("exactly one of: {}", shapes.join("; ")),
                ));
            }
        }
        if let Value::Object(fields) = value {
            self.check_object(schema, fields, path, errors);
        }
        if let Value::Array(items) = value {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.check(item_schema, item, &format!("{path}[{i}]"), errors);
                }
            }
            check_list_type(schema, items, path, errors);
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        fields: &Map<String, Value>,
        path: &str,
        errors: &mut Vec<SchemaError>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    errors.push(SchemaError {
                        path: join(path, name),
                        found: "nothing".into(),
                        allowed: "a value (the field is required)".into(),
                    });
                }
            }
        }
        for (name, field) in fields {
            let field_path = join(path, name);
            if let Some(property) = properties.and_then(|p| p.get(name)) {
                self.check(property, field, &field_path, errors);
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    errors.push(SchemaError {
                        path: field_path,
                        found: format!("the unknown field `{name}`"),
                        allowed: if known.is_empty() {
                            "no fields".into()
                        } else {
                            format!("one of the fields {}", known.join(", "))
                        },
                    });
                }
                Some(values) if values.is_object() => {
                    self.check(values, field, &field_path, errors)
                }
                // Absent or `true`: any field is allowed.
                _ => {}
            }
        }
    }
}

/// `x-kubernetes-list-type`: `set` items are unique, `map` items unique by
/// their `x-kubernetes-list-map-keys`; `atomic` says nothing about items.
fn check_list_type(schema: &Value, items: &[Value], path: &str, errors: &mut Vec<SchemaError>) {
    let list_type = schema.get("x-kubernetes-list-type").and_then(Value::as_str);
    let keys: Vec<&str> = schema
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let identity = |item: &Value| -> Value {
        match list_type {
            Some("map") => Value::Array(
                keys.iter()
                    .map(|k| item.get(*k).cloned().unwrap_or(Value::Null))
                    .collect(),
            ),
            _ => item.clone(),
        }
    };
    if !matches!(list_type, Some("set" | "map")) {
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let id = identity(item);
        if let Some(first) = items[..i]
            .iter()
            .position(|earlier| identity(earlier) == id)
        {
            let what = match list_type {
                Some("map") => format!("the same {} as item {first}", keys.join(" and ")),
                _ => format!("the same value as item {first}"),
            };
            errors.push(SchemaError {
                path: format!("{path}[{i}]"),
                found: what,
                allowed: format!(
                    "unique items (x-kubernetes-list-type: {})",
                    list_type.unwrap_or("")
                ),
            });
        }
    }
}

/// Walk one schema, recording unknown keywords, formats and types, and
/// references that resolve to nothing.
fn audit(defs: &Map<String, Value>, schema: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(node) = schema.as_object() else {
        problems.push(format!("{at}: a schema must be an object"));
        return;
    };
    for (key, value) in node {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "$ref" => {
                let target = value.as_str().and_then(|t| t.strip_prefix("#/$defs/"));
                if !target.is_some_and(|t| defs.contains_key(t)) {
                    problems.push(format!("{here}: {value} resolves to no definition"));
                }
            }
            "type" => {
                for name in type_names(value) {
                    if !TYPES.contains(&name.as_str()) {
                        problems.push(format!("{here}: unknown type {name:?}"));
                    }
                }
            }
            "format" => {
                if !value.as_str().is_some_and(|f| FORMATS.contains(&f)) {
                    problems.push(format!(
                        "{here}: format {value} is not checked by schema_check"
                    ));
                }
            }
            "properties" => match value.as_object() {
                Some(props) => {
                    for (name, property) in props {
                        audit(defs, property, &format!("{here}/{name}"), problems);
                    }
                }
                None => problems.push(format!("{here}: expected an object")),
            },
            "additionalProperties" => {
                if !value.is_boolean() {
                    audit(defs, value, &here, problems);
                }
            }
            "items" => audit(defs, value, &here, problems),
            "oneOf" => match value.as_array() {
                Some(branches) => {
                    for (i, branch) in branches.iter().enumerate() {
                        audit(defs, branch, &format!("{here}/{i}"), problems);
                    }
                }
                None => problems.push(format!("{here}: expected a list")),
            },
            "x-kubernetes-list-type" => {
                if !matches!(value.as_str(), Some("atomic" | "set" | "map")) {
                    problems.push(format!("{here}: unknown list type {value}"));
                }
            }
            "required" | "enum" | "x-kubernetes-list-map-keys" => {
                if !value.is_array() {
                    problems.push(format!("{here}: expected a list"));
                }
            }
            other if VALIDATING.contains(&other) || ANNOTATIONS.contains(&other) => {}
            other => problems.push(format!(
                "{here}: keyword `{other}` is not implemented by tests/support/schema_check.rs"
            )),
        }
    }
}

/// (apiVersion, kind) → definition, from `x-kubernetes-group-version-kind`.
fn kinds(
    defs: &Map<String, Value>,
    problems: &mut Vec<String>,
) -> HashMap<(String, String), String> {
    let mut kinds = HashMap::new();
    for (name, schema) in defs {
        let Some(gvks) = schema
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
        else {
            continue;
        };
        for gvk in gvks {
            let field = |f: &str| gvk.get(f).and_then(Value::as_str).unwrap_or_default();
            let api_version = match field("group") {
                "" => field("version").to_string(),
                group => format!("{group}/{}", field("version")),
            };
            // DeleteOptions is listed under every group; the first wins,
            // and all of them point at the same definition anyway.
            let key = (api_version, field("kind").to_string());
            if let Some(other) = kinds.get(&key) {
                if other != name {
                    problems.push(format!("{key:?} is described by both {other} and {name}"));
                }
            }
            kinds.insert(key, name.clone());
        }
    }
    kinds
}

fn type_names(types: &Value) -> Vec<String> {
    match types {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// JSON Schema's types: an integer is a number without a fraction (`1.0`
/// included), and an integer is also a number.
fn has_type(value: &Value, name: &str) -> bool {
    match (name, value) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("string", Value::String(_)) => true,
        ("object", Value::Object(_)) => true,
        ("array", Value::Array(_)) => true,
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// What is wrong with a value of a format, if anything. Formats only
/// constrain values of their own type (JSON Schema's rule).
fn check_format(format: &str, value: &Value) -> Option<String> {
    match (format, value) {
        ("int32", Value::Number(n)) => out_of_range(n, i32::MIN.into(), i32::MAX.into(), "int32"),
        ("int64", Value::Number(n)) => out_of_range(n, i64::MIN, i64::MAX, "int64"),
        ("byte", Value::String(s)) => {
            (!is_base64(s)).then(|| "base64 text (format byte)".to_string())
        }
        ("date-time", Value::String(s)) => (!is_rfc3339(s))
            .then(|| "an RFC 3339 time such as 2026-12-05T10:00:00Z (format date-time)".into()),
        _ => None,
    }
}

fn out_of_range(n: &serde_json::Number, min: i64, max: i64, format: &str) -> Option<String> {
    let inside = if let Some(i) = n.as_i64() {
        (min..=max).contains(&i)
    } else if n.is_u64() {
        // Above i64::MAX, so above every maximum.
        false
    } else {
        // A float with a whole value: the ranges are -2^k..2^k-1, and 2^k
        // (unlike 2^63-1) is exact as a float.
        n.as_f64()
            .is_some_and(|f| f >= min as f64 && f < -(min as f64))
    };
    (!inside).then(|| format!("a whole number from {min} to {max} ({format})"))
}

/// Standard base64 with padding, as Go's encoding/json decodes `[]byte`
/// (which skips line breaks).
fn is_base64(text: &str) -> bool {
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &bytes[..bytes.len() - padding];
    padding <= 2
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'))
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            .then(|| text[range].parse::<u32>().unwrap_or(u32::MAX))
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let date_ok = matches!(
        (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19)
        ),
        (
            Some(_),
            Some(1..=12),
            Some(1..=31),
            Some(0..=23),
            Some(0..=59),
            Some(0..=60)
        )
    ) && at(4, b"-")
        && at(7, b"-")
        && at(10, b"Tt")
        && at(13, b":")
        && at(16, b":");
    if !date_ok {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        let fraction = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if fraction == 0 {
            return false;
        }
        i += 1 + fraction;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && matches!(
                    (digits(i + 1..i + 3), digits(i + 4..i + 6)),
                    (Some(0..=23), Some(0..=59))
                )
                && at(i + 3, b":")
        }
        _ => false,
    }
}

/// `spec` + `replicas` → `spec.replicas`.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// A value as a message shows it.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 60 => {
            let cut: String = s.chars().take(60).collect();
            format!("the string {cut:?}…")
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(items) => format!("a list of {} items", items.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// A oneOf branch, shortly (`string or null`).
fn summary(schema: &Value) -> String {
    match schema.get("type") {
        Some(types) => type_names(types).join(" or "),
        None => schema.to_string(),
    }
}
