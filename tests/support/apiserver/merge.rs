//! Merging documents: server-side apply's structural merge, JSON merge
//! patch (RFC 7386), strategic merge patch and JSON patch (RFC 6902).

use serde_json::{Map, Value};

use super::fieldset::element_for;
use super::schema::{ListType, SmpList, Type};

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

/// SSA's merge of `config` onto `live` (both of type `ty`): the config's
/// values win, maps merge key by key, associative lists merge item by
/// item in the order described at [`merge_list`], atomic values are
/// replaced.
pub fn apply_merge(live: &Value, config: &Value, ty: Type) -> Value {
    merge_at(live, config, ty)
}

fn merge_at(live: &Value, config: &Value, ty: Type) -> Value {
    match (live, config) {
        (Value::Object(l), Value::Object(c)) if !ty.is_atomic_map() => {
            // Live keys keep their places (merged where the config has
            // them), new ones follow in the config's order. Each subtree
            // is copied once: cloning `l` whole and then merging into it
            // copied every level again below it.
            let mut out: Map<String, Value> = l
                .iter()
                .map(|(key, existing)| {
                    let merged = match c.get(key) {
                        Some(value) => merge_at(existing, value, ty.field(key)),
                        None => existing.clone(),
                    };
                    (key.clone(), merged)
                })
                .collect();
            for (key, value) in c {
                if !l.contains_key(key) {
                    out.insert(key.clone(), value.clone());
                }
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(c)) if ty.list_type() != ListType::Atomic => {
            Value::Array(merge_list(l, c, ty))
        }
        _ => config.clone(),
    }
}

/// structured-merge-diff's list merge: items both lists have appear in
/// the applied order; an applied item the live list lacks goes where the
/// config puts it; a live item the config does not name keeps its place
/// relative to its neighbours. So a reordered or inserted item moves.
fn merge_list(live: &[Value], config: &[Value], ty: Type) -> Vec<Value> {
    let list = ty.list_type();
    let item_ty = ty.item();
    let live_ids: Vec<_> = live
        .iter()
        .enumerate()
        .map(|(i, item)| element_for(item, list, i))
        .collect();
    let config_ids: Vec<_> = config
        .iter()
        .enumerate()
        .map(|(i, item)| element_for(item, list, i))
        .collect();
    let live_item = |id| live_ids.iter().position(|l| *l == id).map(|i| &live[i]);
    let in_config = |id: &_| config_ids.contains(id);
    // The shared items in the order the config lists them.
    let mut shared = config_ids
        .iter()
        .filter(|id| live_ids.contains(id))
        .cloned()
        .collect::<std::collections::VecDeque<_>>();
    let mut taken = Vec::new();
    let mut out = Vec::with_capacity(live.len().max(config.len()));
    let merge_one = |id, item: &Value| match live_item(id) {
        Some(existing) => merge_at(existing, item, item_ty),
        None => item.clone(),
    };
    let (mut l, mut c) = (0, 0);
    while l < live.len() || c < config.len() {
        if l < live.len() && c < config.len() {
            if live_ids[l] == config_ids[c] {
                out.push(merge_one(live_ids[l].clone(), &config[c]));
                taken.push(config_ids[c].clone());
                shared.retain(|s| *s != config_ids[c]);
                l += 1;
                c += 1;
                continue;
            }
            // A shared item whose turn has not come: skip it here, it is
            // placed when the config reaches it.
            if in_config(&live_ids[l]) && shared.front().is_some_and(|s| *s != live_ids[l]) {
                l += 1;
                continue;
            }
        }
        if l < live.len() {
            if !in_config(&live_ids[l]) {
                out.push(live[l].clone());
                l += 1;
                continue;
            }
            if taken.contains(&live_ids[l]) {
                l += 1;
                continue;
            }
        }
        if c < config.len() {
            out.push(merge_one(config_ids[c].clone(), &config[c]));
            taken.push(config_ids[c].clone());
            if shared.front() == Some(&config_ids[c]) {
                shared.pop_front();
            }
            c += 1;
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
pub fn strategic_merge(target: &Value, patch: &Value, ty: Type) -> Result<Value, String> {
    smp_at(target, patch, ty)
}

fn smp_at(target: &Value, patch: &Value, ty: Type) -> Result<Value, String> {
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
        let merged = smp_value(out.get(key), value, ty.field(key))?;
        out.insert(key.clone(), merged);
    }
    Ok(Value::Object(out))
}

fn smp_value(existing: Option<&Value>, patch: &Value, ty: Type) -> Result<Value, String> {
    match (existing, patch) {
        (Some(Value::Array(live)), Value::Array(items)) => match ty.smp_list() {
            SmpList::MergeKey(key) => smp_list(live, items, key, ty.item()),
            SmpList::Union => Ok(union(live, items)),
            SmpList::Replace => Ok(patch.clone()),
        },
        (Some(current), Value::Object(_)) => smp_at(current, patch, ty),
        (None, Value::Object(_)) => smp_at(&Value::Object(Map::new()), patch, ty),
        _ => Ok(patch.clone()),
    }
}

fn smp_list(live: &[Value], patch: &[Value], key: &str, ty: Type) -> Result<Value, String> {
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
            (_, Some(i)) => out[i] = smp_at(&out[i], item, ty)?,
            (_, None) => out.push(smp_at(&Value::Object(Map::new()), item, ty)?),
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
