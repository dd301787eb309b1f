//! Just enough of Kubernetes' protobuf encoding to read the bodies that
//! kubectl's typed `create` commands send (`kubectl create secret generic`,
//! `create configmap`, `create namespace`): client-go sends these as
//! `application/vnd.kubernetes.protobuf` only, and a real server accepts
//! them. Other types stay unsupported (415), with a message saying so.
//!
//! The envelope is the magic `k8s\0` followed by a `runtime.Unknown`
//! message (1: typeMeta {1: apiVersion, 2: kind}, 2: raw); field numbers
//! below are those of k8s.io/api's generated.proto.

use serde_json::{json, Map, Value};

const MAGIC: &[u8] = b"k8s\0";

/// The object a protobuf body holds, as JSON.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let unknown = body
        .strip_prefix(MAGIC)
        .ok_or("protobuf body without the k8s\\0 prefix")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (field, value) in fields(unknown)? {
        match (field, value) {
            (1, Wire::Bytes(type_meta)) => {
                for (f, v) in fields(type_meta)? {
                    match (f, v) {
                        (1, Wire::Bytes(b)) => api_version = text(b)?,
                        (2, Wire::Bytes(b)) => kind = text(b)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            _ => {}
        }
    }
    let mut object = match (api_version.as_str(), kind.as_str()) {
        ("v1", "Secret") => secret(raw)?,
        ("v1", "ConfigMap") => config_map(raw)?,
        ("v1", "Namespace") => namespace(raw)?,
        _ => {
            return Err(format!(
                "the test server reads protobuf bodies only for v1 Secret, ConfigMap and Namespace, not {api_version} {kind}; send JSON"
            ))
        }
    };
    object.insert("apiVersion".into(), json!(api_version));
    object.insert("kind".into(), json!(kind));
    Ok(Value::Object(object))
}

fn secret(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut object = Map::new();
    let (mut data, mut string_data) = (Map::new(), Map::new());
    for (field, value) in fields(raw)? {
        match (field, value) {
            (1, Wire::Bytes(b)) => insert(&mut object, "metadata", object_meta(b)?),
            (2, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                data.insert(key, json!(base64(value)));
            }
            (3, Wire::Bytes(b)) => insert(&mut object, "type", json!(text(b)?)),
            (4, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                string_data.insert(key, json!(text(value)?));
            }
            (5, Wire::Varint(v)) => insert(&mut object, "immutable", json!(v != 0)),
            _ => {}
        }
    }
    if !data.is_empty() {
        object.insert("data".into(), Value::Object(data));
    }
    if !string_data.is_empty() {
        object.insert("stringData".into(), Value::Object(string_data));
    }
    Ok(object)
}

fn config_map(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut object = Map::new();
    let (mut data, mut binary) = (Map::new(), Map::new());
    for (field, value) in fields(raw)? {
        match (field, value) {
            (1, Wire::Bytes(b)) => insert(&mut object, "metadata", object_meta(b)?),
            (2, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                data.insert(key, json!(text(value)?));
            }
            (3, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                binary.insert(key, json!(base64(value)));
            }
            (4, Wire::Varint(v)) => insert(&mut object, "immutable", json!(v != 0)),
            _ => {}
        }
    }
    if !data.is_empty() {
        object.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary));
    }
    Ok(object)
}

fn namespace(raw: &[u8]) -> Result<Map<String, Value>, String> {
    let mut object = Map::new();
    for (field, value) in fields(raw)? {
        match (field, value) {
            (1, Wire::Bytes(b)) => insert(&mut object, "metadata", object_meta(b)?),
            (2, Wire::Bytes(spec)) => {
                let finalizers = strings(spec, 1)?;
                if !finalizers.is_empty() {
                    object.insert("spec".into(), json!({"finalizers": finalizers}));
                }
            }
            _ => {}
        }
    }
    Ok(object)
}

/// The parts of ObjectMeta a client may set on create.
fn object_meta(raw: &[u8]) -> Result<Value, String> {
    let mut meta = Map::new();
    let (mut labels, mut annotations) = (Map::new(), Map::new());
    for (field, value) in fields(raw)? {
        match (field, value) {
            (1, Wire::Bytes(b)) => insert(&mut meta, "name", json!(text(b)?)),
            (2, Wire::Bytes(b)) => insert(&mut meta, "generateName", json!(text(b)?)),
            (3, Wire::Bytes(b)) => insert(&mut meta, "namespace", json!(text(b)?)),
            (6, Wire::Bytes(b)) => insert(&mut meta, "resourceVersion", json!(text(b)?)),
            (11, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                labels.insert(key, json!(text(value)?));
            }
            (12, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                annotations.insert(key, json!(text(value)?));
            }
            _ => {}
        }
    }
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    let finalizers = strings(raw, 14)?;
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), json!(finalizers));
    }
    Ok(Value::Object(meta))
}

/// Empty strings are protobuf's "unset": leave them out, as JSON would.
fn insert(map: &mut Map<String, Value>, key: &str, value: Value) {
    if value != json!("") {
        map.insert(key.into(), value);
    }
}

/// A map entry: key = 1, value = 2.
fn map_entry(raw: &[u8]) -> Result<(String, &[u8]), String> {
    let (mut key, mut value) = (String::new(), &[][..]);
    for (field, wire) in fields(raw)? {
        match (field, wire) {
            (1, Wire::Bytes(b)) => key = text(b)?,
            (2, Wire::Bytes(b)) => value = b,
            _ => {}
        }
    }
    Ok((key, value))
}

/// Every value of a repeated string field.
fn strings(raw: &[u8], wanted: u64) -> Result<Vec<String>, String> {
    fields(raw)?
        .into_iter()
        .filter_map(|(field, wire)| match wire {
            Wire::Bytes(b) if field == wanted => Some(text(b)),
            _ => None,
        })
        .collect()
}

fn text(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| "protobuf string is not UTF-8".to_string())
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The (field number, value) pairs of one message, in order.
fn fields(mut raw: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, String> {
    let mut out = Vec::new();
    while !raw.is_empty() {
        let key = varint(&mut raw)?;
        let wire = match key & 7 {
            0 => Wire::Varint(varint(&mut raw)?),
            1 => skip(&mut raw, 8)?,
            2 => {
                let len = usize::try_from(varint(&mut raw)?).map_err(|e| e.to_string())?;
                if raw.len() < len {
                    return Err("truncated protobuf message".into());
                }
                let (bytes, rest) = raw.split_at(len);
                raw = rest;
                Wire::Bytes(bytes)
            }
            5 => skip(&mut raw, 4)?,
            other => return Err(format!("unsupported protobuf wire type {other}")),
        };
        out.push((key >> 3, wire));
    }
    Ok(out)
}

fn skip<'a>(raw: &mut &'a [u8], n: usize) -> Result<Wire<'a>, String> {
    if raw.len() < n {
        return Err("truncated protobuf message".into());
    }
    *raw = &raw[n..];
    Ok(Wire::Fixed)
}

fn varint(raw: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = raw.split_first().ok_or("truncated protobuf varint")?;
        *raw = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("protobuf varint too long".into())
}
