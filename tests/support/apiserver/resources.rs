//! The fixed table of resource types the test server serves.
//!
//! Everything else (discovery documents, URL routing, defaulting) is keyed
//! off this table, so adding a type starts here.

/// Verbs a normal namespaced or cluster-scoped collection supports.
pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Verbs of a `/status` subresource.
pub const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

/// One served resource type (one group/version/resource).
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub namespaced: bool,
    /// Has a `/status` subresource: the main endpoint ignores `.status`.
    pub has_status: bool,
    /// Carries `metadata.generation`, bumped on spec changes.
    pub has_generation: bool,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `configmaps` for the core group, as used in
    /// NotFound / AlreadyExists messages.
    pub fn qualified_resource(&self) -> String {
        qualify(self.plural, self.group)
    }

    /// URL prefix of the group version: `/api/v1` or `/apis/apps/v1`.
    pub fn group_version_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
}

fn qualify(name: &str, group: &str) -> String {
    if group.is_empty() {
        name.to_string()
    } else {
        format!("{name}.{group}")
    }
}

const fn core(
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
    namespaced: bool,
    has_status: bool,
) -> ResourceType {
    ResourceType {
        group: "",
        version: "v1",
        kind,
        plural,
        singular,
        short_names,
        categories: &[],
        namespaced,
        has_status,
        has_generation: false,
    }
}

const fn grouped(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
    categories: &'static [&'static str],
) -> ResourceType {
    ResourceType {
        group,
        version,
        kind,
        plural,
        singular,
        short_names,
        categories,
        namespaced: true,
        has_status: true,
        has_generation: true,
    }
}

const ALL: &[&str] = &["all"];

/// Every resource type served, in discovery order.
pub static RESOURCES: &[ResourceType] = &[
    core("Namespace", "namespaces", "namespace", &["ns"], false, true),
    core("ConfigMap", "configmaps", "configmap", &["cm"], true, false),
    core("Secret", "secrets", "secret", &[], true, false),
    ResourceType {
        categories: ALL,
        ..core("Service", "services", "service", &["svc"], true, true)
    },
    core(
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        &["pvc"],
        true,
        true,
    ),
    grouped(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        &["deploy"],
        ALL,
    ),
    grouped(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        &["sts"],
        ALL,
    ),
    grouped(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        "daemonset",
        &["ds"],
        ALL,
    ),
    grouped("batch", "v1", "Job", "jobs", "job", &[], ALL),
    grouped(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        "cronjob",
        &["cj"],
        ALL,
    ),
    grouped(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        "ingress",
        &["ing"],
        &[],
    ),
    grouped(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        &["hpa"],
        ALL,
    ),
];

/// Looks a type up the way URLs name it.
pub fn by_plural(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Looks a type up the way objects name it (`apiVersion` + `kind`).
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

/// The served group versions, core first, in the order discovery lists them.
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for r in RESOURCES {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

/// The types of one group version.
pub fn in_group_version<'a>(
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static ResourceType> + 'a {
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && r.version == version)
}

/// Looks a type up by group and plural alone (each is served in one version).
pub fn by_plural_any_version(group: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural)
}
