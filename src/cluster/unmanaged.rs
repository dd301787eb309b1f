//! Objects read from the server's JSON without `metadata.managedFields`.
//! The managers' field sets are the largest part of most objects (half of
//! a Deployment), and apply reads every answer on the critical path of the
//! next request; only a Secret's managers are ever looked at (which of its
//! keys the tool owns, see `secrets::owned_keys`) and the deletion checks
//! of `prune` (their own reads). Skipping them in the reader, not removing
//! them afterwards, is what saves the work: no values are built for them.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

/// One object without `metadata.managedFields`; any other JSON as it is.
pub fn object(json: &[u8]) -> serde_json::Result<Value> {
    match serde_json::from_slice::<Object>(json) {
        Ok(Object(object)) => Ok(object),
        // Not an object with an object as metadata: read it as it is.
        Err(_) => serde_json::from_slice(json),
    }
}

/// The items of a list, each without `metadata.managedFields`.
pub fn items(json: &[u8]) -> serde_json::Result<Vec<Value>> {
    match serde_json::from_slice::<List>(json) {
        Ok(List(items)) => Ok(items),
        Err(_) => {
            let list: Value = serde_json::from_slice(json)?;
            Ok(match list.get("items") {
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            })
        }
    }
}

/// The keys of a JSON object, each value read by `read` (in order: the
/// map keeps them in the order of the text, as `Value` does).
fn read_map<'de, A: MapAccess<'de>>(
    mut map: A,
    mut read: impl FnMut(&str, &mut A) -> Result<Option<Value>, A::Error>,
) -> Result<Map<String, Value>, A::Error> {
    let mut kept = Map::new();
    while let Some(key) = map.next_key::<String>()? {
        if let Some(value) = read(&key, &mut map)? {
            kept.insert(key, value);
        }
    }
    Ok(kept)
}

struct Metadata(Map<String, Value>);

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Metadata;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object's metadata")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Metadata, A::Error> {
                read_map(map, |key, map| match key {
                    "managedFields" => map.next_value::<IgnoredAny>().map(|_| None),
                    _ => map.next_value().map(Some),
                })
                .map(Metadata)
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

struct Object(Value);

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object, A::Error> {
                read_map(map, |key, map| match key {
                    "metadata" => map
                        .next_value::<Metadata>()
                        .map(|m| Some(Value::Object(m.0))),
                    _ => map.next_value().map(Some),
                })
                .map(|fields| Object(Value::Object(fields)))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

struct List(Vec<Value>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = List;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List, A::Error> {
                let mut items = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "items" {
                        let read: Vec<Object> = map.next_value()?;
                        items = read.into_iter().map(|o| o.0).collect();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(List(items))
            }
        }
        deserializer.deserialize_map(Fields)
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
