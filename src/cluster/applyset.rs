//! The ApplySet (KEP-3659) that records which objects apply manages, so
//! that `--prune` and `delete` touch those and nothing else.
//!
//! The parent is a Secret `applyset-<part-of>` in the state's namespace,
//! labelled `applyset.kubernetes.io/id` (the id kubectl computes for it)
//! and annotated with the tooling (`kubectl-wizard/v<version>`) and the
//! kinds of its members (`contains-group-kinds`, `Kind.group`, sorted).
//! Each member carries `applyset.kubernetes.io/part-of: <id>`. The
//! Namespace is not a member: it holds the parent, and is deleted only on
//! request (`delete --include-namespace`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::render::{Manifest, Phase};

pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
pub const GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// The tool name in the tooling annotation; a parent of another tool is
/// never changed (the KEP's rule, which kubectl follows too).
pub const TOOL: &str = "kubectl-wizard";

/// `kubectl-wizard/v0.1.0`.
pub fn tooling() -> String {
    format!("{TOOL}/v{}", env!("CARGO_PKG_VERSION"))
}

/// One state's set: its parent Secret and the id its members carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySet {
    pub name: String,
    pub namespace: String,
    pub id: String,
}

impl ApplySet {
    /// The set of a project: one per `part-of` value and namespace, so two
    /// states of different names in one namespace never prune each other.
    pub fn new(part_of: &str, namespace: &str) -> ApplySet {
        let name = format!("applyset-{part_of}");
        let id = id(&name, namespace, "Secret", "");
        ApplySet {
            name,
            namespace: namespace.to_string(),
            id,
        }
    }

    /// `secret/applyset-shop`, the form `kubectl apply --applyset` takes.
    pub fn reference(&self) -> String {
        format!("secret/{}", self.name)
    }

    /// The label selector of the members.
    pub fn selector(&self) -> String {
        format!("{PART_OF_LABEL}={}", self.id)
    }

    /// The parent Secret to apply, listing `group_kinds`.
    pub fn parent(&self, group_kinds: &BTreeSet<String>) -> Value {
        let kinds: Vec<&str> = group_kinds.iter().map(String::as_str).collect();
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {ID_LABEL: self.id},
                "annotations": {
                    TOOLING_ANNOTATION: tooling(),
                    GROUP_KINDS_ANNOTATION: kinds.join(","),
                },
            },
        })
    }

    /// Whether the live parent already says what `parent(group_kinds)`
    /// would: its id, this version of the tool and these kinds. Writing it
    /// again would change nothing, so apply leaves it alone.
    pub fn is_current(&self, live: &Value, group_kinds: &BTreeSet<String>) -> bool {
        let wanted = self.parent(group_kinds);
        ["labels", "annotations"].iter().all(|field| {
            let pointer = format!("/metadata/{field}");
            let wanted = wanted.pointer(&pointer).and_then(Value::as_object);
            let live = live.pointer(&pointer).and_then(Value::as_object);
            wanted
                .into_iter()
                .flatten()
                .all(|(key, value)| live.and_then(|l| l.get(key)) == Some(value))
        })
    }

    /// The member kinds a live parent lists, or why this tool must not use
    /// it (another tool's set, or not a parent of this id at all).
    pub fn check_parent(&self, live: &Value) -> Result<BTreeSet<String>, String> {
        let text = |pointer: &str| live.pointer(pointer).and_then(Value::as_str);
        let what = format!("{} in namespace {}", self.reference(), self.namespace);
        let Some(tooling) = text(&format!(
            "/metadata/annotations/{}",
            escape(TOOLING_ANNOTATION)
        )) else {
            return Err(format!(
                "{what} exists but is not an ApplySet parent (it has no {TOOLING_ANNOTATION} annotation); rename or remove it"
            ));
        };
        let tool = tooling.rsplit_once('/').map_or(tooling, |(name, _)| name);
        if tool != TOOL {
            return Err(format!(
                "{what} is the ApplySet of another tool ({TOOLING_ANNOTATION}: {}); kubectl-wizard does not change another tool's set",
                crate::sanitize::one_line(tooling)
            ));
        }
        match text(&format!("/metadata/labels/{}", escape(ID_LABEL))) {
            Some(found) if found == self.id => {}
            found => {
                return Err(format!(
                    "{what} has {ID_LABEL}: {} instead of {}; it is not this set's parent",
                    crate::sanitize::one_line(found.unwrap_or("(none)")),
                    self.id
                ))
            }
        }
        Ok(text(&format!(
            "/metadata/annotations/{}",
            escape(GROUP_KINDS_ANNOTATION)
        ))
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect())
    }
}

/// `~1` for `/` in a JSON pointer.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The ApplySet id, as kubectl computes it: `applyset-` + unpadded
/// base64url of sha256(`<name>.<namespace>.<kind>.<group>`) + `-v1`.
pub fn id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{name}.{namespace}.{kind}.{group}").as_bytes(),
    );
    format!("applyset-{}-v1", base64url(digest.as_ref()))
}

/// RFC 4648 §5 base64url without padding.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// `Deployment.apps`, `ConfigMap`: the group-kind form of the annotation.
pub fn group_kind(api_version: &str, kind: &str) -> String {
    match api_version.split_once('/') {
        Some((group, _)) => format!("{kind}.{group}"),
        None => kind.to_string(),
    }
}

/// Whether a rendered object belongs to the set (all but the Namespace).
pub fn is_member(manifest: &Manifest) -> bool {
    manifest.phase != Phase::Namespace
}

/// The kinds of the members among `manifests`.
pub fn group_kinds(manifests: &[Manifest]) -> BTreeSet<String> {
    manifests
        .iter()
        .filter(|m| is_member(m))
        .map(|m| group_kind(&m.api_version, &m.kind))
        .collect()
}

/// Label every member with the set's id (what apply and diff send).
pub fn label_members(manifests: &mut [Manifest], set: &ApplySet) {
    for manifest in manifests.iter_mut().filter(|m| is_member(m)) {
        let Some(metadata) = manifest
            .object
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(PART_OF_LABEL.into(), Value::String(set.id.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_one_kubectl_computes() {
        // `printf %s applyset-shop.shop.Secret. | openssl dgst -sha256
        // -binary | base64 | tr '+/' '-_' | tr -d =`
        let set = ApplySet::new("shop", "shop");
        assert_eq!(
            set.id,
            "applyset-G3BhoYj8anC-VTON4w1VmD3s431mjOfTcUlr4yeQKpA-v1"
        );
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
        assert_eq!(base64url(b"abc"), "YWJj");
        assert_eq!(base64url(b"ab"), "YWI");
    }

    #[test]
    fn another_tools_parent_is_refused() {
        let set = ApplySet::new("shop", "shop");
        let mut live = set.parent(&["Deployment.apps".to_string()].into());
        assert_eq!(
            set.check_parent(&live),
            Ok(["Deployment.apps".to_string()].into())
        );
        live["metadata"]["annotations"][TOOLING_ANNOTATION] = json!("kubectl/v1.33.0");
        let why = set.check_parent(&live).unwrap_err();
        assert!(
            why.contains("another tool (applyset.kubernetes.io/tooling: kubectl/v1.33.0)"),
            "{why}"
        );
        live["metadata"]["annotations"][TOOLING_ANNOTATION] = json!(tooling());
        live["metadata"]["labels"][ID_LABEL] = json!("applyset-other-v1");
        assert!(set.check_parent(&live).unwrap_err().contains("instead of"));
    }

    #[test]
    fn a_parent_that_says_it_all_already_is_current() {
        let set = ApplySet::new("shop", "shop");
        let kinds: BTreeSet<String> =
            ["ConfigMap".to_string(), "Deployment.apps".to_string()].into();
        let mut live = set.parent(&kinds);
        live["metadata"]["resourceVersion"] = json!("7");
        live["metadata"]["labels"]["team"] = json!("a");
        assert!(set.is_current(&live, &kinds));
        let more: BTreeSet<String> = kinds
            .iter()
            .cloned()
            .chain(["Service".to_string()])
            .collect();
        assert!(!set.is_current(&live, &more));
        live["metadata"]["annotations"][TOOLING_ANNOTATION] = json!("kubectl-wizard/v0.0.1");
        assert!(!set.is_current(&live, &kinds));
    }

    #[test]
    fn group_kinds_use_the_annotation_form() {
        assert_eq!(group_kind("apps/v1", "Deployment"), "Deployment.apps");
        assert_eq!(group_kind("v1", "ConfigMap"), "ConfigMap");
        assert_eq!(
            group_kind("networking.k8s.io/v1", "Ingress"),
            "Ingress.networking.k8s.io"
        );
    }
}
