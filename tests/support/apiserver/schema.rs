//! The little schema knowledge merging and field ownership need.
//!
//! The real server reads `x-kubernetes-list-type`, `-list-map-keys` and
//! `-map-type` from the OpenAPI schema. We only serve a dozen built-in
//! types, so a lookup by field name (plus its parent where the name is
//! ambiguous) reproduces the behaviour of the fields those types have.
//! Lists not named here are atomic, as they are for most built-in lists.

/// How a list merges and how its ownership is tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// Replaced and owned as a whole (`args`, `command`, `accessModes`...).
    Atomic,
    /// Items identified by these fields (`containers` by `name`...).
    Map(&'static [&'static str]),
    /// Items are unique scalars (`finalizers`).
    Set,
}

const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// `names` is the path of field names from the object root to the list,
/// e.g. `["spec", "template", "spec", "containers"]`.
pub fn list_type(names: &[String]) -> ListType {
    let Some(last) = names.last() else {
        return ListType::Atomic;
    };
    let parent = names.len().checked_sub(2).map(|i| names[i].as_str());
    match last.as_str() {
        "containers" | "initContainers" | "ephemeralContainers" => ListType::Map(&["name"]),
        "env" | "volumes" | "imagePullSecrets" | "resourceClaims" | "schedulingGates" => {
            ListType::Map(&["name"])
        }
        "volumeMounts" => ListType::Map(&["mountPath"]),
        "volumeDevices" => ListType::Map(&["devicePath"]),
        "ports" if parent.is_some_and(|p| CONTAINER_LISTS.contains(&p)) => {
            ListType::Map(&["containerPort", "protocol"])
        }
        "ports" if names.len() == 2 && names[0] == "spec" => ListType::Map(&["port", "protocol"]),
        "ownerReferences" => ListType::Map(&["uid"]),
        "conditions" => ListType::Map(&["type"]),
        "hostAliases" => ListType::Map(&["ip"]),
        "topologySpreadConstraints" => ListType::Map(&["topologyKey", "whenUnsatisfiable"]),
        "finalizers" => ListType::Set,
        _ => ListType::Atomic,
    }
}

/// Key fields that have a schema default; SSA fills them in before
/// building an item's key, which is why a port applied without `protocol`
/// still shows up as `k:{"containerPort":80,"protocol":"TCP"}`.
pub fn key_default(field: &str) -> Option<&'static str> {
    (field == "protocol").then_some("TCP")
}

/// Maps owned and replaced as a whole (`+mapType=atomic` / `+structType=atomic`).
pub fn is_atomic_map(names: &[String]) -> bool {
    matches!(
        names.last().map(String::as_str),
        Some("selector" | "labelSelector" | "namespaceSelector")
    )
}

/// Free-form maps (Go `map[string]...` or optional structs): when an update
/// creates one, the updater also owns the map itself (`.` in fieldsV1).
pub fn is_free_form_map(names: &[String]) -> bool {
    matches!(
        names.last().map(String::as_str),
        Some(
            "labels"
                | "annotations"
                | "data"
                | "binaryData"
                | "stringData"
                | "nodeSelector"
                | "matchLabels"
                | "requests"
                | "limits"
                | "rollingUpdate"
        )
    )
}

/// Strategic-merge-patch merge key of a list (`patchMergeKey`), where the
/// list merges instead of being replaced. Differs from SSA keys for ports.
pub fn smp_merge_key(names: &[String]) -> Option<&'static str> {
    match list_type(names) {
        ListType::Map(["containerPort", ..]) => Some("containerPort"),
        ListType::Map(["port", ..]) => Some("port"),
        ListType::Map(keys) => keys.first().copied(),
        ListType::Set | ListType::Atomic => None,
    }
}
