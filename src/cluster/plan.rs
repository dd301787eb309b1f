//! Which objects depend on which, so that a failure stops only what builds
//! on it. Later phases of a service depend on its earlier ones (a workload
//! needs its ConfigMap, Secret and claims; an autoscaler needs its
//! workload); the Ingress depends on the services it routes to; everything
//! depends on the Namespace (`apply` drops that when the namespace existed
//! before the run: the API server needs it to exist, not to be applied).
//! Other services carry on.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::render::{Manifest, Phase};

/// The groups an object belongs to: the services it is part of, or all of
/// them for the Namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Groups {
    Everything,
    Services(Vec<String>),
}

/// The groups of every manifest, in order.
pub fn groups(manifests: &[Manifest]) -> Vec<Groups> {
    manifests
        .iter()
        .map(|m| match m.phase {
            Phase::Namespace => Groups::Everything,
            Phase::Ingress => Groups::Services(ingress_backends(&m.object, manifests)),
            _ => Groups::Services(vec![service_key(&m.origin).to_string()]),
        })
        .collect()
}

/// The service an object was generated for: the state path of the
/// service (`_services[0]` of `_services[0].companions[1]`).
fn service_key(origin: &str) -> &str {
    origin.split('.').next().unwrap_or(origin)
}

/// The services whose Service objects an Ingress routes to.
fn ingress_backends(ingress: &Value, manifests: &[Manifest]) -> Vec<String> {
    let backends: Vec<&str> = ingress
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|rule| rule.pointer("/http/paths").and_then(Value::as_array))
        .flatten()
        .filter_map(|path| {
            path.pointer("/backend/service/name")
                .and_then(Value::as_str)
        })
        .collect();
    let mut keys: Vec<String> = manifests
        .iter()
        .filter(|m| m.kind == "Service" && backends.contains(&m.name.as_str()))
        .map(|m| service_key(&m.origin).to_string())
        .collect();
    keys.dedup();
    keys
}

/// For each manifest, the earlier ones it waits for: every Namespace, and
/// the objects of its own services in earlier phases. Nothing else: the
/// API server itself needs only the Namespace first (it accepts a workload
/// before its ConfigMap), but a failed object must be able to skip what
/// builds on it, so that is sent only once it is known.
pub fn prerequisites(manifests: &[Manifest], groups: &[Groups]) -> Vec<Vec<usize>> {
    let mut everything = Vec::new();
    let mut by_service: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, group) in groups.iter().enumerate() {
        match group {
            Groups::Everything => everything.push(index),
            Groups::Services(keys) => {
                for key in keys {
                    by_service.entry(key.as_str()).or_default().push(index);
                }
            }
        }
    }
    groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let phase = manifests[index].phase;
            let earlier = |other: &&usize| manifests[**other].phase < phase;
            let mut waits: Vec<usize> = everything.iter().filter(earlier).copied().collect();
            if let Groups::Services(keys) = group {
                for key in keys {
                    let members = by_service.get(key.as_str()).into_iter().flatten();
                    waits.extend(members.filter(earlier).copied());
                }
            }
            waits.sort_unstable();
            waits.dedup();
            waits
        })
        .collect()
}

/// The failures so far, and what they block.
#[derive(Debug, Default)]
pub struct Blocker {
    everything: Option<String>,
    services: BTreeMap<String, String>,
}

impl Blocker {
    /// The reference of the object whose failure blocks one in `groups`.
    pub fn blocked_by(&self, groups: &Groups) -> Option<&str> {
        if let Some(reference) = &self.everything {
            return Some(reference);
        }
        match groups {
            Groups::Everything => None,
            Groups::Services(keys) => keys
                .iter()
                .find_map(|k| self.services.get(k))
                .map(String::as_str),
        }
    }

    /// Record that the object `reference` in `groups` was not applied.
    /// The first failure of a group is the one named later.
    pub fn record(&mut self, groups: &Groups, reference: &str) {
        match groups {
            Groups::Everything => {
                self.everything.get_or_insert_with(|| reference.to_string());
            }
            Groups::Services(keys) => {
                for key in keys {
                    self.services
                        .entry(key.clone())
                        .or_insert_with(|| reference.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build() -> Vec<Manifest> {
        let state = r#"
namespace: shop
ingress: shop.example.com
_services:
  - {name: api, image: "api:1", port: 8080, envVars: [{key: MODE, value: fast}]}
  - {name: web, image: "web:1", port: 80, envVars: [{key: MODE, value: slow}],
     autoscaling: {enabled: true, maxReplicas: 3}}
"#;
        crate::pipeline::build(state, "state.yaml", &Default::default())
            .unwrap()
            .manifests
    }

    fn find<'a>(manifests: &'a [Manifest], groups: &'a [Groups], reference: &str) -> &'a Groups {
        let index = manifests
            .iter()
            .position(|m| m.reference() == reference)
            .unwrap_or_else(|| panic!("{reference} not rendered"));
        &groups[index]
    }

    #[test]
    fn a_failed_config_map_blocks_its_service_only() {
        let manifests = build();
        let groups = groups(&manifests);
        let mut blocker = Blocker::default();
        blocker.record(
            find(&manifests, &groups, "configmap/api-config"),
            "configmap/api-config",
        );
        for blocked in [
            "service/api",
            "deployment.apps/api",
            "ingress.networking.k8s.io/app-ingress",
        ] {
            assert_eq!(
                blocker.blocked_by(find(&manifests, &groups, blocked)),
                Some("configmap/api-config"),
                "{blocked}"
            );
        }
        for free in [
            "service/web",
            "deployment.apps/web",
            "horizontalpodautoscaler.autoscaling/web",
        ] {
            assert_eq!(
                blocker.blocked_by(find(&manifests, &groups, free)),
                None,
                "{free}"
            );
        }
    }

    #[test]
    fn a_failed_workload_blocks_its_autoscaler() {
        let manifests = build();
        let groups = groups(&manifests);
        let mut blocker = Blocker::default();
        blocker.record(
            find(&manifests, &groups, "deployment.apps/web"),
            "deployment.apps/web",
        );
        assert_eq!(
            blocker.blocked_by(find(
                &manifests,
                &groups,
                "horizontalpodautoscaler.autoscaling/web"
            )),
            Some("deployment.apps/web")
        );
    }

    #[test]
    fn a_failed_namespace_blocks_everything() {
        let manifests = build();
        let groups = groups(&manifests);
        let mut blocker = Blocker::default();
        blocker.record(
            find(&manifests, &groups, "namespace/shop"),
            "namespace/shop",
        );
        assert!(groups
            .iter()
            .all(|g| blocker.blocked_by(g) == Some("namespace/shop")));
    }

    #[test]
    fn an_object_waits_for_its_services_earlier_objects_and_the_namespace_only() {
        let manifests = build();
        let groups = groups(&manifests);
        let waits = prerequisites(&manifests, &groups);
        let names = |reference: &str| -> Vec<String> {
            let index = manifests
                .iter()
                .position(|m| m.reference() == reference)
                .unwrap_or_else(|| panic!("{reference} not rendered"));
            waits[index]
                .iter()
                .map(|&i| manifests[i].reference())
                .collect()
        };
        assert!(names("namespace/shop").is_empty());
        assert_eq!(names("configmap/web-config"), ["namespace/shop"]);
        assert_eq!(
            names("deployment.apps/web"),
            ["namespace/shop", "configmap/web-config", "service/web"]
        );
        assert_eq!(
            names("horizontalpodautoscaler.autoscaling/web"),
            [
                "namespace/shop",
                "configmap/web-config",
                "service/web",
                "deployment.apps/web"
            ]
        );
        let ingress = names("ingress.networking.k8s.io/app-ingress");
        assert!(
            ingress.contains(&"deployment.apps/api".to_string()),
            "{ingress:?}"
        );
        assert!(ingress.contains(&"horizontalpodautoscaler.autoscaling/web".to_string()));
    }

    #[test]
    fn the_ingress_depends_on_every_backend() {
        let manifests = build();
        let groups = groups(&manifests);
        assert_eq!(
            find(&manifests, &groups, "ingress.networking.k8s.io/app-ingress"),
            &Groups::Services(vec!["_services[0]".into(), "_services[1]".into()])
        );
    }
}
