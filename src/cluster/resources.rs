//! Where the API serves each kind the renderer produces. The table is
//! static because the tool only ever sends these kinds: no run needs
//! discovery, which saves a round trip per API group.

use kube::api::ApiResource;

/// One kind and its REST coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub kind: &'static str,
    /// Empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

const fn kind(
    kind: &'static str,
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Kind {
    Kind {
        kind,
        group,
        version,
        plural,
        namespaced,
    }
}

/// Every kind `render` can emit.
pub const KINDS: &[Kind] = &[
    kind("Namespace", "", "v1", "namespaces", false),
    kind("ConfigMap", "", "v1", "configmaps", true),
    kind("Secret", "", "v1", "secrets", true),
    kind(
        "PersistentVolumeClaim",
        "",
        "v1",
        "persistentvolumeclaims",
        true,
    ),
    kind("Service", "", "v1", "services", true),
    kind("Deployment", "apps", "v1", "deployments", true),
    kind("StatefulSet", "apps", "v1", "statefulsets", true),
    kind("DaemonSet", "apps", "v1", "daemonsets", true),
    kind("Job", "batch", "v1", "jobs", true),
    kind("CronJob", "batch", "v1", "cronjobs", true),
    kind("Ingress", "networking.k8s.io", "v1", "ingresses", true),
    kind(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        true,
    ),
];

impl Kind {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: self.api_version(),
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }
}

/// The table entry for an object's `apiVersion` and `kind`.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_version() == api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_api_version() {
        assert_eq!(
            lookup("apps/v1", "StatefulSet").unwrap().plural,
            "statefulsets"
        );
        assert_eq!(lookup("v1", "Secret").unwrap().group, "");
        assert_eq!(
            lookup("autoscaling/v2", "HorizontalPodAutoscaler")
                .unwrap()
                .plural,
            "horizontalpodautoscalers"
        );
        assert!(!lookup("v1", "Namespace").unwrap().namespaced);
    }

    #[test]
    fn a_wrong_version_is_not_found() {
        assert!(lookup("extensions/v1beta1", "Ingress").is_none());
        assert!(lookup("v1", "Deployment").is_none());
    }

    #[test]
    fn every_rendered_kind_is_in_the_table() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/deployment.yaml"
        ))
        .unwrap();
        let build = crate::pipeline::build(&text, "deployment.yaml", &Default::default()).unwrap();
        for m in &build.manifests {
            assert!(
                lookup(&m.api_version, &m.kind).is_some(),
                "{} {}",
                m.api_version,
                m.kind
            );
        }
    }
}
