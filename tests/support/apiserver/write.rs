//! The part of every write the server owns, whatever the verb: system
//! metadata, normalization, defaulting, validation, then storing with
//! resourceVersion/generation bookkeeping and no-op detection.

use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Map, Value};

use super::clock;
use super::defaults;
use super::deletion;
use super::resources::ResourceType;
use super::ssa::{encode_managed, in_encoded_order, read_managed, stamp_times, ManagedEntry};
use super::status::ApiError;
use super::store::{ObjectKey, Store};
use super::validation;

/// A successful response: HTTP code and body (shared with the store when
/// it is the stored object).
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub body: Arc<Value>,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply::stored(200, Arc::new(body))
    }

    pub fn ok_with(code: u16, body: Value) -> Self {
        Reply::stored(code, Arc::new(body))
    }

    pub fn stored(code: u16, body: Arc<Value>) -> Self {
        Reply { code, body }
    }
}

/// Metadata the server sets and clients cannot: copied from the live
/// object, or created for a new one.
const SYSTEM_METADATA: &[&str] = &[
    "uid",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Turns what a client asked for into the object that would be stored.
/// `status_write` keeps the candidate's status (a `/status` write);
/// otherwise status is the server's (live, or initial for a create).
pub fn prepare(
    store: &mut Store,
    rt: &ResourceType,
    key: &ObjectKey,
    live: Option<&Value>,
    mut object: Value,
    status_write: bool,
) -> Result<Value, ApiError> {
    let root = object
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("the object must be a JSON object"))?;
    root.insert("apiVersion".into(), json!(rt.api_version()));
    root.insert("kind".into(), json!(rt.kind));
    system_metadata(root, rt, key, live);
    if rt.has_status && !status_write {
        match live
            .and_then(|l| l.get("status"))
            .cloned()
            .or_else(|| defaults::initial_status(rt))
        {
            Some(status) => root.insert("status".into(), status),
            None => root.shift_remove("status"),
        };
    }
    if rt.kind == "Secret" {
        string_data_into_data(root);
        validation::secret_data_encoding(&object)?;
    }
    defaults::apply_defaults(rt, &mut object);
    if rt.kind == "Service" {
        store.allocator.service(&mut object, live);
    }
    if rt.kind == "Job" && live.is_none() {
        let uid = object
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        defaults::job_selector(&mut object, &uid, &key.name);
    }
    validation::validate(rt, &object)?;
    if let Some(live) = live {
        validation::validate_update(rt, live, &object)?;
        deletion::check_update(rt, live, &object)?;
    }
    Ok(object)
}

fn system_metadata(
    root: &mut Map<String, Value>,
    rt: &ResourceType,
    key: &ObjectKey,
    live: Option<&Value>,
) {
    let meta = root.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    meta.insert("name".into(), json!(key.name));
    if rt.namespaced {
        meta.insert("namespace".into(), json!(key.namespace));
    } else {
        meta.shift_remove("namespace");
    }
    for field in ["managedFields", "resourceVersion", "selfLink"] {
        meta.shift_remove(field);
    }
    for field in SYSTEM_METADATA {
        meta.shift_remove(*field);
    }
    match live.and_then(|l| l.get("metadata")) {
        Some(live_meta) => {
            for field in SYSTEM_METADATA {
                if let Some(value) = live_meta.get(*field) {
                    meta.insert(field.to_string(), value.clone());
                }
            }
        }
        None => {
            meta.insert("uid".into(), json!(clock::new_uid()));
            meta.insert("creationTimestamp".into(), json!(clock::now_rfc3339()));
        }
    }
}

/// Secrets: `stringData` is write-only; its entries overwrite `data`
/// (base64-encoded) and it is never stored.
fn string_data_into_data(root: &mut Map<String, Value>) {
    let Some(Value::Object(string_data)) = root.shift_remove("stringData") else {
        return;
    };
    let data = root.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    if let Some(data) = data.as_object_mut() {
        for (key, value) in string_data {
            let text = value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            data.insert(key, json!(encoded));
        }
    }
}

/// Whether two objects are equal but for the top-level keys `skip` and
/// the `metadata` keys `skip_metadata`. Compared in place: this runs on
/// every write, twice, and copies of the objects were a fifth of the
/// server's time for an apply.
fn equal_except(a: &Value, b: &Value, skip: &[&str], skip_metadata: &[&str]) -> bool {
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        return a == b;
    };
    let kept = |map: &'_ Map<String, Value>| {
        map.iter()
            .filter(|(key, _)| !skip.contains(&key.as_str()))
            .count()
    };
    kept(a) == kept(b)
        && a.iter()
            .filter(|(key, _)| !skip.contains(&key.as_str()))
            .all(|(key, value)| match b.get(key) {
                Some(other) if key == "metadata" && !skip_metadata.is_empty() => {
                    equal_except(value, other, skip_metadata, &[])
                }
                Some(other) => value == other,
                None => false,
            })
}

/// Equal but for what changes on every write anyway.
fn same_object(a: &Value, b: &Value) -> bool {
    equal_except(a, b, &[], &["managedFields", "resourceVersion"])
}

/// Equal in what `generation` tracks: all but metadata and status.
fn same_spec(a: &Value, b: &Value) -> bool {
    equal_except(a, b, &["metadata", "status", "apiVersion", "kind"], &[])
}

/// Whether two sets of managers encode to the same `managedFields`
/// (`encode_managed` keeps the non-empty entries in a fixed order, and an
/// entry's encoding holds exactly its fields), without encoding them.
fn same_managers(a: &[ManagedEntry], b: &[ManagedEntry]) -> bool {
    in_encoded_order(a) == in_encoded_order(b)
}

/// What a write does once the new object and its managers are known.
pub struct Commit<'a> {
    pub rt: &'a ResourceType,
    pub key: ObjectKey,
    pub live: Option<&'a Value>,
    pub object: Value,
    pub managers: Vec<ManagedEntry>,
    /// The manager doing this write (its timestamp is refreshed).
    pub writer: &'a str,
    pub dry_run: bool,
    /// `live`'s managers, when the caller has read them already (they
    /// are read from `live` otherwise).
    pub old_managers: Option<Vec<ManagedEntry>>,
}

/// Stores the object unless nothing changed (then the live object is
/// returned as is: same resourceVersion, which is how clients detect a
/// no-op apply). Dry runs compute everything and store nothing.
pub fn commit(store: &mut Store, write: Commit<'_>) -> Reply {
    let Commit {
        rt,
        key,
        live,
        mut object,
        mut managers,
        writer,
        dry_run,
        old_managers,
    } = write;
    let old_managers = match (old_managers, live) {
        (Some(parsed), _) => parsed,
        (None, live) => live.map(read_managed).unwrap_or_default(),
    };
    let object_changed = live.is_none_or(|l| !same_object(l, &object));
    let spec_changed = live.is_none_or(|l| !same_spec(l, &object));
    stamp_times(
        &mut managers,
        &old_managers,
        &clock::now_rfc3339(),
        object_changed,
        writer,
    );
    if let Some(live) = live {
        if !object_changed && same_managers(&managers, &old_managers) {
            // The stored object as it is (`live` was read from the store,
            // which nothing else writes meanwhile).
            return match store.shared(&key) {
                Some(stored) if std::ptr::eq(&*stored, live) => Reply::stored(200, stored),
                _ => Reply::ok(live.clone()),
            };
        }
    }
    let encoded = encode_managed(&managers);
    let live_generation = live
        .and_then(|l| l.pointer("/metadata/generation"))
        .and_then(Value::as_i64);
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if rt.has_generation {
            let generation = match live_generation {
                Some(g) if spec_changed => g + 1,
                Some(g) => g,
                None => 1,
            };
            meta.insert("generation".into(), json!(generation));
        }
        let live_rv = live
            .and_then(|l| l.pointer("/metadata/resourceVersion"))
            .cloned();
        meta.insert("resourceVersion".into(), live_rv.unwrap_or(json!("")));
        meta.insert("managedFields".into(), encoded);
    }
    canonical_order(&mut object);
    let code = if live.is_some() { 200 } else { 201 };
    if dry_run {
        if live.is_none() {
            if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.shift_remove("resourceVersion");
            }
        }
        return Reply::ok_with(code, object);
    }
    if rt.kind != "Namespace" && deletion::is_finished(&object) {
        // Marked for deletion and its last finalizer gone: deleted now,
        // and the update answers with the object as it was last.
        store.remove(&key);
        return Reply::ok_with(code, object);
    }
    Reply::stored(code, store.put(key, object, spec_changed))
}

/// Orders keys the way the real server's structs serialize: type meta,
/// metadata (system fields first), the rest, status last.
pub fn canonical_order(object: &mut Value) {
    const TOP: &[&str] = &["apiVersion", "kind", "metadata"];
    const META: &[&str] = &[
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    ];
    reorder(object, TOP, &["status"]);
    if let Some(meta) = object.get_mut("metadata") {
        reorder(meta, META, &[]);
    }
}

fn reorder(value: &mut Value, first: &[&str], last: &[&str]) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    let mut old = std::mem::take(map);
    for key in first {
        if let Some(v) = old.shift_remove(*key) {
            map.insert(key.to_string(), v);
        }
    }
    let tail: Vec<(String, Value)> = last
        .iter()
        .filter_map(|k| old.shift_remove(*k).map(|v| (k.to_string(), v)))
        .collect();
    map.extend(old);
    map.extend(tail);
}
