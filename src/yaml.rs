//! The one place that knows the YAML crate: reading a document into a JSON
//! value tree and writing values back as YAML. Swapping the YAML library
//! means changing this file only.

use std::fmt;

use serde::de::{
    self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
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
    serde_yaml::from_str::<Document>(text)
        .map(|doc| doc.0)
        .map_err(|e| {
            let location = e.location();
            SyntaxError {
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                message: e.to_string(),
            }
        })
}

/// A document read straight into a JSON value: going through
/// `serde_yaml::Value` first costs a second tree, with every key hashed,
/// which was a third of reading a large state.
struct Document(Value);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Document, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(Document)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(u.into()))
    }

    /// `.nan` and `.inf` have no JSON form: null, as before.
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Document(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    /// YAML forbids a key twice in one map; which value was meant is
    /// anybody's guess, so it is an error.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            let Document(value) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate entry with key \"{key}\""
                )));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }

    /// A tagged value (`!secret x`): the tag is dropped, the value kept.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<Document>().map(|doc| doc.0)
    }
}

/// A map key as a string: scalars in their YAML spelling, anything else as
/// the YAML text of its value.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        let value = deserializer.deserialize_any(ValueVisitor)?;
        Ok(Key(match value {
            Value::String(s) => s,
            Value::Null => "null".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if !n.is_i64() && !n.is_u64() => serde_yaml::Number::from(f).to_string(),
                _ => n.to_string(),
            },
            other => serde_yaml::to_string(&other)
                .map(|s| s.trim_end().to_string())
                .unwrap_or_default(),
        }))
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
        let v = parse("8080: web\ntrue: x\n1.5: f\n~: n\n").unwrap();
        assert_eq!(v["8080"], "web");
        assert_eq!(v["true"], "x");
        assert_eq!(v["1.5"], "f");
        assert_eq!(v["null"], "n");
    }

    #[test]
    fn tags_are_dropped_and_order_is_kept() {
        let v = parse("b: !custom 1\na: !!str 2\nc: .nan\n").unwrap();
        assert_eq!(v["b"], 1);
        assert_eq!(v["a"], "2");
        assert!(v["c"].is_null());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let err = parse("a: 1\nb:\n  c: 2\n  c: 3\n").unwrap_err();
        assert!(
            err.message.contains("duplicate entry with key \"c\""),
            "{}",
            err.message
        );
        // Located at the map that holds it (the old two-tree reading
        // could only say 1:1).
        assert!(err.message.starts_with("b: "), "{}", err.message);
        assert_eq!(err.line, Some(3), "{err:?}");
    }
}
