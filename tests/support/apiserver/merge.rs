//! Merging documents: server-side apply's structural merge, JSON merge
//! patch (RFC 7386), strategic merge patch and JSON patch (RFC 6902).

use serde_json::{Map, Value};

use super::fieldset::element_for;
use super::schema::{self, ListType};

/// Drops `null` members recursively. An apply configuration's nulls carry
/// no ownership here (the real server mostly treats them the same).
pub fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// SSA's merge: the config's values win, maps merge key by key,
/// associative lists merge item by item (live order, new items appended),
/// atomic values are replaced.
pub fn apply_merge(live: &Value, config: &Value) -> Value {
    merge_at(live, config, &mut Vec::new())
}

fn merge_at(live: &Value, config: &Value, names: &mut Vec<String>) -> Value {
    match (live, config) {
        (Value::Object(l), Value::Object(c)) if !schema::is_atomic_map(names) => {
            let mut out = l.clone();
            for (key, value) in c {
                names.push(key.clone());
                let merged = match l.get(key) {
                    Some(existing) => merge_at(existing, value, names),
                    None => value.clone(),
                };
                names.pop();
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(c)) if schema::list_type(names) != ListType::Atomic => {
            Value::Array(merge_list(l, c, names))
        }
        _ => config.clone(),
    }
}

fn merge_list(live: &[Value], config: &[Value], names: &mut Vec<String>) -> Vec<Value> {
    let list = schema::list_type(names);
    let mut out: Vec<Value> = live.to_vec();
    for (index, item) in config.iter().enumerate() {
        let element = element_for(item, list, index);
        let existing = out
            .iter()
            .enumerate()
            .position(|(i, live_item)| element_for(live_item, list, i) == element);
        match existing {
            Some(i) => out[i] = merge_at(&out[i], item, names),
            None => out.push(item.clone()),
        }
    }
    out
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_map {
        if value.is_null() {
            out.shift_remove(key);
        } else {
            let merged = merge_patch(out.get(key).unwrap_or(&Value::Null), value);
            out.insert(key.clone(), merged);
        }
    }
    Value::Object(out)
}

/// Strategic merge patch: a merge patch where lists with a patch merge key
/// merge by that key, plus the `$patch`, `$retainKeys`,
/// `$setElementOrder/` and `$deleteFromPrimitiveList/` directives
/// (order directives are accepted and ignored).
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value, String> {
    smp_at(target, patch, &mut Vec::new())
}

fn smp_at(target: &Value, patch: &Value, names: &mut Vec<String>) -> Result<Value, String> {
    let Value::Object(patch_map) = patch else {
        return Ok(patch.clone());
    };
    match patch_map.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replaced = patch_map.clone();
            replaced.shift_remove("$patch");
            return Ok(Value::Object(replaced));
        }
        Some("delete") => return Ok(Value::Null),
        Some(other) => return Err(format!("unknown patch type: {other}")),
        None => {}
    }
    let mut out = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch_map {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            delete_from_primitive_list(&mut out, field, value);
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() {
            out.shift_remove(key);
            continue;
        }
        names.push(key.clone());
        let merged = smp_value(out.get(key), value, names)?;
        names.pop();
        out.insert(key.clone(), merged);
    }
    Ok(Value::Object(out))
}

fn smp_value(
    existing: Option<&Value>,
    patch: &Value,
    names: &mut Vec<String>,
) -> Result<Value, String> {
    match (existing, patch) {
        (Some(Value::Array(live)), Value::Array(items)) => match schema::smp_merge_key(names) {
            Some(key) => smp_list(live, items, key, names),
            None if schema::list_type(names) == ListType::Set => Ok(union(live, items)),
            None => Ok(patch.clone()),
        },
        (Some(current), Value::Object(_)) => smp_at(current, patch, names),
        (None, Value::Object(_)) => smp_at(&Value::Object(Map::new()), patch, names),
        _ => Ok(patch.clone()),
    }
}

fn smp_list(
    live: &[Value],
    patch: &[Value],
    key: &str,
    names: &mut Vec<String>,
) -> Result<Value, String> {
    let mut out: Vec<Value> = live.to_vec();
    for item in patch {
        let directive = item.get("$patch").and_then(Value::as_str);
        let id = item.get(key);
        let position = out.iter().position(|l| l.get(key) == id && id.is_some());
        match (directive, position) {
            (Some("delete"), Some(i)) => {
                out.remove(i);
            }
            (Some("delete"), None) => {}
            (_, Some(i)) => out[i] = smp_at(&out[i], item, names)?,
            (_, None) => out.push(smp_at(&Value::Object(Map::new()), item, names)?),
        }
    }
    Ok(Value::Array(out))
}

fn union(live: &[Value], items: &[Value]) -> Value {
    let mut out = live.to_vec();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Value::Array(out)
}

fn delete_from_primitive_list(object: &mut Map<String, Value>, field: &str, values: &Value) {
    let (Some(Value::Array(items)), Value::Array(drop)) = (object.get_mut(field), values) else {
        return;
    };
    items.retain(|item| !drop.contains(item));
}

/// RFC 6902 JSON patch (`add`, `remove`, `replace`, `test`, `copy`, `move`).
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, String> {
    let ops = patch
        .as_array()
        .ok_or("json patch must be an array of operations")?;
    let mut doc = target.clone();
    for op in ops {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("operation without op")?;
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or("operation without path")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or(format!("{name} needs a value"))
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or(format!("{name} needs from"))
        };
        match name {
            "add" => pointer_add(&mut doc, path, value()?)?,
            "remove" => {
                pointer_remove(&mut doc, path)?;
            }
            "replace" => {
                pointer_remove(&mut doc, path)?;
                pointer_add(&mut doc, path, value()?)?;
            }
            "test" if doc.pointer(path) != Some(&value()?) => {
                return Err(format!("test failed at {path}"));
            }
            "test" => {}
            "copy" => {
                let copied = doc
                    .pointer(from()?)
                    .cloned()
                    .ok_or("copy from missing path")?;
                pointer_add(&mut doc, path, copied)?;
            }
            "move" => {
                let moved = pointer_remove(&mut doc, from()?)?;
                pointer_add(&mut doc, path, moved)?;
            }
            other => return Err(format!("unknown json patch operation {other:?}")),
        }
    }
    Ok(doc)
}

fn split_pointer(path: &str) -> Result<(String, String), String> {
    let (parent, last) = path.rsplit_once('/').ok_or(format!("bad path {path:?}"))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    Ok((parent.to_string(), last))
}

fn pointer_add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split_pointer(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(map)) => {
            map.insert(last, value);
            Ok(())
        }
        Some(Value::Array(items)) if last == "-" => {
            items.push(value);
            Ok(())
        }
        Some(Value::Array(items)) => {
            let index: usize = last.parse().map_err(|_| format!("bad index in {path:?}"))?;
            if index > items.len() {
                return Err(format!("index out of range in {path:?}"));
            }
            items.insert(index, value);
            Ok(())
        }
        _ => Err(format!("missing parent for {path:?}")),
    }
}

fn pointer_remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split_pointer(path)?;
    let removed = match doc.pointer_mut(&parent) {
        Some(Value::Object(map)) => map.shift_remove(&last),
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => Some(items.remove(i)),
            _ => None,
        },
        _ => None,
    };
    removed.ok_or(format!("nothing to remove at {path:?}"))
}
