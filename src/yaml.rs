//! The one place that knows the YAML crate: reading a document into a JSON
//! value tree and writing values back as YAML. Swapping the YAML library
//! means changing this file only.

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// A document that could not be parsed, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Parse YAML or JSON (JSON is YAML) into a JSON value tree. Map keys that
/// are not strings (`8080: x`) are turned into their string form.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let location = e.location();
        SyntaxError {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message: e.to_string(),
        }
    })?;
    Ok(to_json(doc))
}

fn to_json(value: serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => number(&n),
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_string(k), to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => to_json(tagged.value),
    }
}

fn number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn key_string(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Null => "null".to_string(),
        other => serde_yaml::to_string(&other)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_default(),
    }
}

/// Serialize anything serde can into a YAML document (no leading `---`).
pub fn to_string<T: Serialize>(value: &T) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_give_the_same_tree() {
        let a = parse(r#"{"a": [1, "x", null, true]}"#).unwrap();
        let b = parse("a:\n  - 1\n  - x\n  - null\n  - true\n").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(err.column.is_some());
    }

    #[test]
    fn non_string_keys_become_strings() {
        let v = parse("8080: web\ntrue: x\n").unwrap();
        assert_eq!(v["8080"], "web");
        assert_eq!(v["true"], "x");
    }
}
