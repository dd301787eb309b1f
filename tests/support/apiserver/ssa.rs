//! Field ownership: `metadata.managedFields`, server-side apply (merge,
//! conflicts, pruning) and the ownership an ordinary update takes.

use serde_json::{json, Map, Value};

use super::fieldset::{self, applied_fields, changed_fields, get_at, path_string, FieldSet, Path};
use super::merge::apply_merge;
use super::schema::Type;
use super::status::ApiError;

/// One `metadata.managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedEntry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl ManagedEntry {
    /// The identity SSA tracks ownership by (everything but time and fields).
    fn same_manager(&self, other: &ManagedEntry) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
    }

    fn is_apply_by(&self, manager: &str) -> bool {
        self.manager == manager && self.operation == "Apply"
    }

    /// How conflict messages name a manager.
    fn display(&self) -> String {
        let mut name = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            name.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == "Update" {
            name.push_str(&format!(" using {}", self.api_version));
        }
        name
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": self.fields.to_fields_v1(),
        });
        if let Some(sub) = &self.subresource {
            entry["subresource"] = json!(sub);
        }
        entry
    }

    fn from_json(value: &Value) -> Option<ManagedEntry> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        Some(ManagedEntry {
            manager: text("manager")?,
            operation: text("operation")?,
            api_version: text("apiVersion").unwrap_or_default(),
            time: text("time").unwrap_or_default(),
            subresource: text("subresource"),
            fields: FieldSet::from_fields_v1(value.get("fieldsV1")?).ok()?,
        })
    }
}

/// The managers recorded on a stored object.
pub fn read_managed(object: &Value) -> Vec<ManagedEntry> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| entries.iter().filter_map(ManagedEntry::from_json).collect())
        .unwrap_or_default()
}

/// Encodes entries in the order the real server keeps them: Apply before
/// Update, then oldest first, then by name.
pub fn encode_managed(entries: &[ManagedEntry]) -> Value {
    Value::Array(
        in_encoded_order(entries)
            .into_iter()
            .map(ManagedEntry::to_json)
            .collect(),
    )
}

/// The entries `encode_managed` writes (the non-empty ones), in its order.
pub fn in_encoded_order(entries: &[ManagedEntry]) -> Vec<&ManagedEntry> {
    let mut sorted: Vec<&ManagedEntry> = entries.iter().filter(|e| !e.fields.is_empty()).collect();
    sorted.sort_by(|a, b| {
        (&a.operation, &a.time, &a.manager, &a.subresource).cmp(&(
            &b.operation,
            &b.time,
            &b.manager,
            &b.subresource,
        ))
    });
    sorted
}

/// Keeps a manager's old timestamp when its fields did not change, so a
/// no-op write leaves managedFields byte-identical.
pub fn stamp_times(
    new: &mut [ManagedEntry],
    old: &[ManagedEntry],
    now: &str,
    object_changed: bool,
    writer: &str,
) {
    for entry in new.iter_mut() {
        let previous = old.iter().find(|o| o.same_manager(entry));
        let unchanged = previous
            .is_some_and(|p| p.fields == entry.fields && p.api_version == entry.api_version);
        let wrote = object_changed && entry.manager == writer;
        entry.time = match previous {
            Some(p) if unchanged && !wrote => p.time.clone(),
            _ => now.to_string(),
        };
    }
}

/// The outcome of a successful apply, before defaulting and validation.
pub struct Applied {
    pub object: Value,
    pub managers: Vec<ManagedEntry>,
}

/// Server-side apply of `config` (already stripped to ownable fields) onto
/// `live` (of type `ty`) by `manager`.
pub fn apply(
    live: &Value,
    config: &Value,
    ty: Type,
    mut managers: Vec<ManagedEntry>,
    manager: &str,
    api_version: &str,
    force: bool,
) -> Result<Applied, ApiError> {
    let (applied, leaves) = applied_fields(config, ty);
    let mut merged = apply_merge(live, config, ty);

    let conflicts = find_conflicts(live, &merged, &leaves, &managers, manager);
    if !conflicts.is_empty() {
        if !force {
            return Err(conflict_error(&conflicts, &managers));
        }
        // Forcing moves ownership of the conflicting fields to the applier.
        for (index, path) in &conflicts {
            let mut lost = FieldSet::default();
            lost.insert(path.clone());
            managers[*index].fields.remove_all(&lost);
        }
    }

    let previous = managers
        .iter()
        .find(|e| e.is_apply_by(manager))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let mut others = FieldSet::default();
    for entry in managers.iter().filter(|e| !e.is_apply_by(manager)) {
        others.union(&entry.fields);
    }
    // Fields this manager applied before but not now are removed, unless
    // someone else still owns them (or something below them). A map or
    // struct the manager had fields in, and that nobody owns anything in
    // any more, goes whole: defaulted children and all, as
    // structured-merge-diff prunes (no `resources: {limits: {}}` or
    // `readinessProbe: {failureThreshold: 3}` left behind).
    let mut still_owned = others;
    still_owned.union(&applied);
    for path in previous.difference(&applied).iter() {
        if still_owned.contains_under(path) {
            continue;
        }
        fieldset::remove_at(&mut merged, path);
        for depth in (1..path.len()).rev() {
            let parent = &path[..depth];
            if !matches!(parent.last(), Some(fieldset::PathElement::Field(_)))
                || still_owned.contains_under(parent)
            {
                break;
            }
            fieldset::remove_at(&mut merged, parent);
        }
    }

    managers.retain(|e| !e.is_apply_by(manager));
    managers.push(ManagedEntry {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: api_version.to_string(),
        time: String::new(),
        subresource: None,
        fields: applied,
    });
    managers.retain(|e| !e.fields.is_empty());
    Ok(Applied {
        object: merged,
        managers,
    })
}

/// The paths on which an apply of `config` by `manager` would conflict
/// with another manager (what `apply` refuses without `force`).
pub fn conflicting_paths(
    live: &Value,
    config: &Value,
    ty: Type,
    managers: &[ManagedEntry],
    manager: &str,
) -> Vec<Path> {
    let (_, leaves) = applied_fields(config, ty);
    let merged = apply_merge(live, config, ty);
    find_conflicts(live, &merged, &leaves, managers, manager)
        .into_iter()
        .map(|(_, path)| path)
        .collect()
}

/// (index of the owning entry, path) for every applied leaf whose value
/// the apply changes while another manager owns it.
fn find_conflicts(
    live: &Value,
    merged: &Value,
    leaves: &FieldSet,
    managers: &[ManagedEntry],
    manager: &str,
) -> Vec<(usize, Path)> {
    let mut conflicts = Vec::new();
    for path in leaves.iter() {
        let before = get_at(live, path);
        if before.is_none() || before == get_at(merged, path) {
            continue;
        }
        for (index, entry) in managers.iter().enumerate() {
            if !entry.is_apply_by(manager) && entry.fields.contains(path) {
                conflicts.push((index, path.clone()));
            }
        }
    }
    conflicts
}

/// The 409 the real server sends, naming each conflicting manager and path.
fn conflict_error(conflicts: &[(usize, Path)], managers: &[ManagedEntry]) -> ApiError {
    let described: Vec<(String, String)> = conflicts
        .iter()
        .map(|(index, path)| (managers[*index].display(), path_string(path)))
        .collect();
    let causes = described
        .iter()
        .map(|(manager, path)| (format!("conflict with {manager}"), path.clone()))
        .collect();
    ApiError::apply_conflict(conflict_message(&described), causes)
}

/// Builds the real message: one conflict inline, several grouped by
/// manager in sorted order.
pub fn conflict_message(conflicts: &[(String, String)]) -> String {
    if let [(manager, path)] = conflicts {
        return format!("Apply failed with 1 conflict: conflict with {manager}: {path}");
    }
    let mut managers: Vec<&String> = conflicts.iter().map(|(m, _)| m).collect();
    managers.sort();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        for (_, path) in conflicts.iter().filter(|(m, _)| m == manager) {
            lines.push(format!("- {path}"));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Records the ownership an Update (create, PUT, merge/strategic patch,
/// status write) takes: the writer owns what it changed, others lose it.
pub fn record_update(
    managers: &mut Vec<ManagedEntry>,
    ty: Type,
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
) {
    let (changed, removed) = changed_fields(old, new, ty);
    for entry in managers.iter_mut() {
        for path in removed.iter() {
            entry.fields.remove_under(path);
        }
        entry.fields.remove_all(&changed);
    }
    let identity = ManagedEntry {
        manager: manager.to_string(),
        operation: "Update".into(),
        api_version: api_version.to_string(),
        time: String::new(),
        subresource: subresource.map(str::to_string),
        fields: FieldSet::default(),
    };
    match managers.iter_mut().find(|e| e.same_manager(&identity)) {
        Some(entry) => {
            entry.fields.union(&changed);
            entry.api_version = api_version.to_string();
        }
        None if !changed.is_empty() => managers.push(ManagedEntry {
            fields: changed,
            ..identity
        }),
        None => {}
    }
    managers.retain(|e| !e.fields.is_empty());
}

/// The part of an object ownership is tracked on: no type meta, no
/// server-owned metadata, no status when it is a subresource.
pub fn ownable_view(object: &Value, strip_status: bool) -> Value {
    let mut view = Map::new();
    let Value::Object(map) = object else {
        return Value::Object(view);
    };
    for (key, value) in map {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "status" if strip_status => {}
            "metadata" => {
                let kept = ownable_metadata(value);
                if !kept.is_empty() {
                    view.insert(key.clone(), Value::Object(kept));
                }
            }
            _ => {
                view.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(view)
}

fn ownable_metadata(metadata: &Value) -> Map<String, Value> {
    const OWNABLE: &[&str] = &["labels", "annotations", "finalizers", "ownerReferences"];
    metadata
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| OWNABLE.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}
