//! Objects read from the server's JSON without `metadata.managedFields`.
//! The managers' field sets are the largest part of most objects (half of
//! a Deployment), and apply reads every answer on the critical path of the
//! next request; only a Secret's managers are ever looked at (which of its
//! keys the tool owns, see `secrets::owned_keys`) and the deletion checks
//! of `prune` (their own reads). Skipping them in the reader, not removing
//! them afterwards, is what saves the work: no values are built for them.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// One object without `metadata.managedFields`; any other JSON as it is.
pub fn object(json: &[u8]) -> serde_json::Result<Value> {
    read_without(json, &["metadata", "managedFields"]).or_else(|_| serde_json::from_slice(json))
}

/// The items of a list, each without `metadata.managedFields`.
pub fn items(json: &[u8]) -> serde_json::Result<Vec<Value>> {
    let list = read_without(json, &["items", EACH, "metadata", "managedFields"])
        .or_else(|_| serde_json::from_slice(json))?;
    Ok(match list {
        Value::Object(mut list) => match list.shift_remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    })
}

/// The step of a path that stands for every item of an array.
const EACH: &str = "[]";

/// `json`, an object (or an array at `EACH`) along every step of `path`,
/// read with the key at the end of the path left out; an error when it is
/// not JSON or does not have that shape.
fn read_without(json: &[u8], path: &[&str]) -> serde_json::Result<Value> {
    let mut reader = serde_json::Deserializer::from_slice(json);
    let value = Without(path).deserialize(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Reads a value with the key at the end of its path left out: the key of
/// the path's first step is read with the rest of the path, any other whole
/// (no values are built for what is left out). Key order is the text's, as
/// `Value` keeps it.
struct Without<'p>(&'p [&'p str]);

impl<'de> DeserializeSeed<'de> for Without<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.0.first() {
            Some(&EACH) => deserializer.deserialize_seq(self),
            _ => deserializer.deserialize_map(self),
        }
    }
}

impl<'de> Visitor<'de> for Without<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the path {}", self.0.join("."))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.0 {
                [last] if key == *last => {
                    map.next_value::<IgnoredAny>()?;
                }
                [step, rest @ ..] if key == *step => {
                    kept.insert(key, map.next_value_seed(Without(rest))?);
                }
                _ => {
                    kept.insert(key, map.next_value()?);
                }
            }
        }
        Ok(Value::Object(kept))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let rest = &self.0[1..];
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Without(rest))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_object_is_read_whole_but_for_its_managers() {
        let text = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "resourceVersion": "7",
                         "managedFields": [{"manager": "m", "fieldsV1": {"f:data": {}}}],
                         "labels": {"x": "y"}},
            "data": {"k": "v", "managedFields": "kept"}
        })
        .to_string();
        let read = object(text.as_bytes()).unwrap();
        assert_eq!(
            read,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "a", "resourceVersion": "7", "labels": {"x": "y"}},
                   "data": {"k": "v", "managedFields": "kept"}})
        );
        // Key order is the text's, as a `Value` keeps it.
        let keys: Vec<&String> = read["metadata"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "resourceVersion", "labels"]);
    }

    #[test]
    fn the_items_of_a_list_lose_their_managers_only() {
        let text = json!({
            "kind": "ConfigMapList", "metadata": {"resourceVersion": "9"},
            "items": [
                {"metadata": {"name": "a", "managedFields": []}, "data": {"k": "v"}},
                {"metadata": {"name": "b"}}
            ]
        })
        .to_string();
        assert_eq!(
            items(text.as_bytes()).unwrap(),
            [
                json!({"metadata": {"name": "a"}, "data": {"k": "v"}}),
                json!({"metadata": {"name": "b"}})
            ]
        );
    }

    #[test]
    fn other_json_is_read_as_it_is_and_broken_json_is_an_error() {
        assert_eq!(object(b"[1, 2]").unwrap(), json!([1, 2]));
        assert_eq!(
            object(br#"{"metadata": "odd"}"#).unwrap(),
            json!({"metadata": "odd"})
        );
        assert!(object(b"{\"metadata\": {").is_err());
        assert!(items(b"not json").is_err());
        assert_eq!(items(b"{}").unwrap(), Vec::<Value>::new());
    }
}
