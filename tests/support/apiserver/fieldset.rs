//! Field paths and sets of them, in structured-merge-diff's model, and
//! their `FieldsV1` wire format (`{"f:spec":{"f:replicas":{}}}`).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::schema::{self, ListType, Type};

/// One step of a path into an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A map/struct field: `f:name`.
    Field(String),
    /// An associative-list item: `k:{"name":"api"}`. Pairs are sorted by
    /// field name; values are JSON texts.
    Key(Vec<(String, String)>),
    /// A set-list item: `v:"value"` (JSON text).
    Value(String),
    /// A positional list item: `i:0`.
    Index(usize),
}

pub type Path = Vec<PathElement>;

impl PathElement {
    /// The `FieldsV1` map key of this element.
    fn wire(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(pairs) => {
                let body: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
                    .collect();
                format!("k:{{{}}}", body.join(","))
            }
            PathElement::Value(json) => format!("v:{json}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    fn from_wire(key: &str) -> Result<PathElement, String> {
        let (prefix, rest) = key
            .split_once(':')
            .ok_or_else(|| format!("bad fieldsV1 key {key:?}"))?;
        match prefix {
            "f" => Ok(PathElement::Field(rest.to_string())),
            "v" => Ok(PathElement::Value(rest.to_string())),
            "i" => rest
                .parse()
                .map(PathElement::Index)
                .map_err(|_| format!("bad index {key:?}")),
            "k" => {
                let parsed: Map<String, Value> =
                    serde_json::from_str(rest).map_err(|e| format!("bad key {key:?}: {e}"))?;
                let mut pairs: Vec<(String, String)> = parsed
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect();
                pairs.sort();
                Ok(PathElement::Key(pairs))
            }
            _ => Err(format!("bad fieldsV1 key {key:?}")),
        }
    }
}

/// A path as structured-merge-diff prints it in conflict messages:
/// `.spec.template.spec.containers[name="api"].image`.
pub fn path_string(path: &[PathElement]) -> String {
    let mut out = String::new();
    for element in path {
        match element {
            PathElement::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathElement::Key(pairs) => {
                let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push_str(&format!("[{}]", body.join(",")));
            }
            PathElement::Value(json) => out.push_str(&format!("[={json}]")),
            PathElement::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A set of paths. A path whose descendants are also in the set is both a
/// member and a parent (the `.` entry in `FieldsV1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet(BTreeSet<Path>);

impl FieldSet {
    pub fn insert(&mut self, path: Path) {
        self.0.insert(path);
    }

    pub fn contains(&self, path: &[PathElement]) -> bool {
        self.0.contains(path)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Path> {
        self.0.iter()
    }

    /// Whether `path` or anything below it is a member.
    pub fn contains_under(&self, path: &[PathElement]) -> bool {
        self.0
            .range(path.to_vec()..)
            .next()
            .is_some_and(|p| p.starts_with(path))
    }

    pub fn union(&mut self, other: &FieldSet) {
        self.0.extend(other.0.iter().cloned());
    }

    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.difference(&other.0).cloned().collect())
    }

    pub fn remove_all(&mut self, other: &FieldSet) {
        self.0.retain(|p| !other.0.contains(p));
    }

    /// Drops `path` and everything below it.
    pub fn remove_under(&mut self, path: &[PathElement]) {
        self.0.retain(|p| !p.starts_with(path));
    }

    /// The `FieldsV1` JSON tree.
    pub fn to_fields_v1(&self) -> Value {
        let mut root = Map::new();
        for path in &self.0 {
            insert_wire(&mut root, path);
        }
        sort_wire(&mut root);
        Value::Object(root)
    }

    pub fn from_fields_v1(tree: &Value) -> Result<FieldSet, String> {
        let mut set = FieldSet::default();
        let Value::Object(map) = tree else {
            return Err("fieldsV1 must be an object".into());
        };
        read_wire(map, &mut Vec::new(), &mut set)?;
        Ok(set)
    }
}

fn insert_wire(root: &mut Map<String, Value>, path: &[PathElement]) {
    let mut node = root;
    for element in path {
        let child = node
            .entry(element.wire())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(child) = child else {
            return;
        };
        node = child;
    }
    // `path` itself is a member: mark it, unless it is a plain leaf (the
    // marker only appears next to children, fixed up by `sort_wire`).
    node.entry(".").or_insert_with(|| Value::Object(Map::new()));
}

/// Puts `.` first and children in key order, and turns a node whose only
/// entry is `.` into a leaf `{}`.
fn sort_wire(node: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(node).into_iter().collect();
    entries.sort_by(|a, b| (a.0 != ".", &a.0).cmp(&(b.0 != ".", &b.0)));
    let only_marker = entries.len() == 1 && entries[0].0 == ".";
    for (key, mut value) in entries {
        if only_marker {
            break;
        }
        if let Value::Object(child) = &mut value {
            sort_wire(child);
        }
        node.insert(key, value);
    }
}

fn read_wire(
    map: &Map<String, Value>,
    prefix: &mut Path,
    set: &mut FieldSet,
) -> Result<(), String> {
    if map.is_empty() && !prefix.is_empty() {
        set.insert(prefix.clone());
    }
    for (key, child) in map {
        if key == "." {
            set.insert(prefix.clone());
            continue;
        }
        prefix.push(PathElement::from_wire(key)?);
        let Value::Object(child) = child else {
            return Err(format!("fieldsV1 entry {key:?} must be an object"));
        };
        read_wire(child, prefix, set)?;
        prefix.pop();
    }
    Ok(())
}

/// The key element of an associative-list item, or `None` if it is not an
/// object. Missing key fields take their schema default, else are left out.
pub fn item_key<K: AsRef<str>>(item: &Value, keys: &[K]) -> Option<PathElement> {
    let object = item.as_object()?;
    let mut pairs: Vec<(String, String)> = keys
        .iter()
        .map(AsRef::as_ref)
        .filter_map(|k| {
            let value = object
                .get(k)
                .cloned()
                .or_else(|| schema::key_default(k).map(|d| Value::String(d.into())))?;
            Some((k.to_string(), value.to_string()))
        })
        .collect();
    pairs.sort();
    Some(PathElement::Key(pairs))
}

/// The element that addresses `item` inside a list of the given type.
pub fn element_for(item: &Value, list: ListType, index: usize) -> PathElement {
    match list {
        ListType::Map(keys) => item_key(item, keys).unwrap_or(PathElement::Index(index)),
        ListType::Set => PathElement::Value(item.to_string()),
        ListType::Atomic => PathElement::Index(index),
    }
}

/// Fields a manager owns when it applies `config` (of type `ty`): every
/// leaf value, every associative-list item, and atomic maps/lists as a
/// whole. The second set holds the leaves only (the places where values
/// can conflict).
pub fn applied_fields(config: &Value, ty: Type) -> (FieldSet, FieldSet) {
    let mut walk = Walk::default();
    walk.value(config, &mut Vec::new(), ty);
    (walk.members, walk.leaves)
}

#[derive(Default)]
struct Walk {
    members: FieldSet,
    leaves: FieldSet,
}

impl Walk {
    fn leaf(&mut self, path: &Path) {
        if !path.is_empty() {
            self.members.insert(path.clone());
            self.leaves.insert(path.clone());
        }
    }

    fn value(&mut self, value: &Value, path: &mut Path, ty: Type) {
        match value {
            Value::Object(map) if !map.is_empty() && !ty.is_atomic_map() => {
                self.fields(map, path, ty)
            }
            Value::Array(items) if !items.is_empty() => self.list(items, path, ty),
            _ => self.leaf(path),
        }
    }

    fn fields(&mut self, map: &Map<String, Value>, path: &mut Path, ty: Type) {
        for (key, child) in map {
            path.push(PathElement::Field(key.clone()));
            self.value(child, path, ty.field(key));
            path.pop();
        }
    }

    fn list(&mut self, items: &[Value], path: &mut Path, ty: Type) {
        let list = ty.list_type();
        if list == ListType::Atomic {
            return self.leaf(path);
        }
        let item_ty = ty.item();
        for (index, item) in items.iter().enumerate() {
            path.push(element_for(item, list, index));
            match (list, item) {
                // An item of an atomic struct type is owned whole.
                (ListType::Map(_), Value::Object(map)) if !item_ty.is_atomic_map() => {
                    self.members.insert(path.clone());
                    self.fields(map, path, item_ty);
                }
                _ => self.leaf(path),
            }
            path.pop();
        }
    }
}

/// What an update changed between `old` and `new` (of type `ty`): paths
/// set or changed (including new list items and newly created free-form
/// maps), and paths removed. `old = None` means a create: everything in
/// `new` is changed.
pub fn changed_fields(old: Option<&Value>, new: &Value, ty: Type) -> (FieldSet, FieldSet) {
    let mut diff = Diff::default();
    let empty = Value::Object(Map::new());
    diff.compare(old.unwrap_or(&empty), new, &mut Vec::new(), ty);
    (diff.changed, diff.removed)
}

#[derive(Default)]
struct Diff {
    changed: FieldSet,
    removed: FieldSet,
}

impl Diff {
    fn compare(&mut self, old: &Value, new: &Value, path: &mut Path, ty: Type) {
        match (old, new) {
            (Value::Object(o), Value::Object(n)) if !ty.is_atomic_map() => {
                if n.is_empty() && !o.is_empty() && !path.is_empty() {
                    self.changed.insert(path.clone());
                }
                for (key, new_child) in n {
                    path.push(PathElement::Field(key.clone()));
                    match o.get(key) {
                        Some(old_child) => self.compare(old_child, new_child, path, ty.field(key)),
                        None => self.added(new_child, path, ty.field(key)),
                    }
                    path.pop();
                }
                for key in o.keys().filter(|k| !n.contains_key(*k)) {
                    let mut gone = path.clone();
                    gone.push(PathElement::Field(key.clone()));
                    self.removed.insert(gone);
                }
            }
            (Value::Array(o), Value::Array(n)) if ty.list_type() != ListType::Atomic => {
                self.compare_lists(o, n, path, ty)
            }
            _ if old != new => {
                self.removed.insert(path.clone());
                self.added(new, path, ty);
            }
            _ => {}
        }
    }

    fn compare_lists(&mut self, old: &[Value], new: &[Value], path: &mut Path, ty: Type) {
        let list = ty.list_type();
        let item_ty = ty.item();
        let old_elements: Vec<PathElement> = old
            .iter()
            .enumerate()
            .map(|(i, item)| element_for(item, list, i))
            .collect();
        let mut new_elements = Vec::new();
        for (index, item) in new.iter().enumerate() {
            let element = element_for(item, list, index);
            path.push(element.clone());
            match old_elements.iter().position(|e| *e == element) {
                Some(i) => self.compare(&old[i], item, path, item_ty),
                None => self.added(item, path, item_ty),
            }
            path.pop();
            new_elements.push(element);
        }
        for element in old_elements
            .into_iter()
            .filter(|e| !new_elements.contains(e))
        {
            let mut gone = path.clone();
            gone.push(element);
            self.removed.insert(gone);
        }
    }

    /// Everything in a value that did not exist before.
    fn added(&mut self, value: &Value, path: &mut Path, ty: Type) {
        match value {
            Value::Object(map) if !map.is_empty() && !ty.is_atomic_map() => {
                if ty.is_free_form_map() || is_list_item(path) {
                    self.changed.insert(path.clone());
                }
                for (key, child) in map {
                    path.push(PathElement::Field(key.clone()));
                    self.added(child, path, ty.field(key));
                    path.pop();
                }
            }
            Value::Array(items) if !items.is_empty() && ty.list_type() != ListType::Atomic => {
                let list = ty.list_type();
                for (index, item) in items.iter().enumerate() {
                    path.push(element_for(item, list, index));
                    self.added(item, path, ty.item());
                    path.pop();
                }
            }
            _ if !path.is_empty() => self.changed.insert(path.clone()),
            _ => {}
        }
    }
}

fn is_list_item(path: &[PathElement]) -> bool {
    matches!(
        path.last(),
        Some(PathElement::Key(_) | PathElement::Index(_))
    )
}

/// The value at `path`, following keys and set values into lists.
pub fn get_at<'a>(value: &'a Value, path: &[PathElement]) -> Option<&'a Value> {
    let mut current = value;
    for element in path {
        current = match (element, current) {
            (PathElement::Field(name), Value::Object(map)) => map.get(name)?,
            (PathElement::Index(i), Value::Array(items)) => items.get(*i)?,
            (element, Value::Array(items)) => {
                items.iter().find(|item| matches_element(item, element))?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the value at `path`, if present.
pub fn remove_at(value: &mut Value, path: &[PathElement]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = value;
    for element in parents {
        let next = match (element, current) {
            (PathElement::Field(name), Value::Object(map)) => map.get_mut(name),
            (PathElement::Index(i), Value::Array(items)) => items.get_mut(*i),
            (element, Value::Array(items)) => {
                items.iter_mut().find(|item| matches_element(item, element))
            }
            _ => None,
        };
        let Some(next) = next else {
            return;
        };
        current = next;
    }
    match (last, current) {
        (PathElement::Field(name), Value::Object(map)) => {
            map.shift_remove(name);
        }
        (PathElement::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
        }
        (element, Value::Array(items)) => items.retain(|item| !matches_element(item, element)),
        _ => {}
    }
}

fn matches_element(item: &Value, element: &PathElement) -> bool {
    match element {
        PathElement::Key(pairs) => {
            let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            item_key(item, &keys).as_ref() == Some(element)
        }
        PathElement::Value(json) => serde_json::from_str::<Value>(json).is_ok_and(|v| v == *item),
        PathElement::Field(_) | PathElement::Index(_) => false,
    }
}

/// Every associative or set list in an applied configuration that names
/// one item twice, in structured-merge-diff's words
/// (`.spec.template.spec.containers[name="api"].env: duplicate entries for
/// key [name="FOO"]`): the real server refuses such an apply outright.
pub fn duplicate_items(config: &Value, ty: Type) -> Vec<String> {
    let mut found = Vec::new();
    find_duplicates(config, ty, &mut Vec::new(), &mut found);
    found
}

fn find_duplicates(value: &Value, ty: Type, path: &mut Path, found: &mut Vec<String>) {
    match value {
        Value::Object(map) if !ty.is_atomic_map() => {
            for (key, child) in map {
                path.push(PathElement::Field(key.clone()));
                find_duplicates(child, ty.field(key), path, found);
                path.pop();
            }
        }
        Value::Array(items) if ty.list_type() != ListType::Atomic => {
            let list = ty.list_type();
            let mut seen: Vec<PathElement> = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let element = element_for(item, list, index);
                if seen.contains(&element) {
                    let item_text = path_string(std::slice::from_ref(&element));
                    let what = if matches!(element, PathElement::Value(_)) {
                        "value"
                    } else {
                        "key"
                    };
                    found.push(format!(
                        "{}: duplicate entries for {what} {item_text}",
                        path_string(path)
                    ));
                    continue;
                }
                path.push(element.clone());
                find_duplicates(item, ty.item(), path, found);
                path.pop();
                seen.push(element);
            }
        }
        _ => {}
    }
}
