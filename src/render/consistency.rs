//! Cross-object consistency of a rendered set: every reference from one
//! generated object to another resolves. A broken reference is a bug in the
//! renderer or a rule the state reader missed, never the user's fault, so
//! this is asserted over every example and every generated state in the
//! tests; it is a plain module (not test-only) so the benchmarks, the
//! integration tests and the property test share one definition.
//!
//! What is checked:
//! - a pod volume's `claimName` names a generated PersistentVolumeClaim;
//! - `envFrom` (`configMapRef`, `secretRef`) and `env` (`secretKeyRef`,
//!   `configMapKeyRef`) that name one of *our* objects find it and the key;
//!   other names are existing objects the state refers to (`secretName`
//!   entries), which the renderer does not generate;
//! - a configMap/secret pod volume that names one of *our* objects (in the
//!   set, or `<owner>-config`/`<owner>-secrets` for a generated owner) finds
//!   it and its keys; other names are the user's own objects;
//! - every volumeMount names a pod volume or a claim template;
//! - container and volume names are unique within a pod;
//! - a workload's selector matches its pod template's labels;
//! - a Service's selector matches some pod template, and a numeric
//!   `targetPort` is a port of a container in such a pod;
//! - a StatefulSet's `serviceName` is a headless Service selecting its pods;
//! - an Ingress backend names a non-headless Service and one of its ports;
//! - an HPA's `scaleTargetRef` names a generated workload of that kind;
//! - a `wait-for-*` init container waits for the name of a generated Service;
//! - with a generated Namespace, every namespaced object is in it.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, PodSpec, PodTemplateSpec, Secret, Service as K8sService,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::DeserializeOwned;

use super::Manifest;

type Labels = BTreeMap<String, String>;

/// Every broken reference in `manifests`, each naming the object that
/// refers and what it refers to. Empty when the set is consistent.
pub fn check(manifests: &[Manifest]) -> Vec<String> {
    let mut problems = Vec::new();
    let index = Index::build(manifests, &mut problems);
    for workload in &index.workloads {
        index.check_workload(workload, &mut problems);
    }
    for service in &index.services {
        index.check_service(service, &mut problems);
    }
    for m in manifests {
        match m.kind.as_str() {
            "Ingress" => {
                if let Some(ingress) = typed::<Ingress>(m, &mut problems) {
                    index.check_ingress(m, &ingress, &mut problems);
                }
            }
            "HorizontalPodAutoscaler" => {
                if let Some(hpa) = typed::<HorizontalPodAutoscaler>(m, &mut problems) {
                    index.check_hpa(m, &hpa, &mut problems);
                }
            }
            _ => {}
        }
    }
    check_namespaces(manifests, &mut problems);
    problems
}

/// Deserialize a manifest into its k8s-openapi type.
fn typed<T: DeserializeOwned>(m: &Manifest, problems: &mut Vec<String>) -> Option<T> {
    match serde_json::from_value(m.object.clone()) {
        Ok(value) => Some(value),
        Err(e) => {
            problems.push(format!(
                "{}: does not read as a {}: {e}",
                m.reference(),
                m.kind
            ));
            None
        }
    }
}

struct ServiceInfo {
    reference: String,
    name: String,
    headless: bool,
    selector: Labels,
    /// (port, targetPort) pairs.
    ports: Vec<(i32, Option<IntOrString>)>,
}

struct WorkloadInfo {
    reference: String,
    kind: String,
    name: String,
    /// `spec.selector` of kinds that carry one (not Job/CronJob).
    selector: Option<LabelSelector>,
    pod_labels: Labels,
    pod: PodSpec,
    claim_templates: BTreeSet<String>,
    /// StatefulSet `serviceName`.
    service_name: Option<String>,
}

#[derive(Default)]
struct Index {
    /// Name → keys.
    config_maps: BTreeMap<String, BTreeSet<String>>,
    secrets: BTreeMap<String, BTreeSet<String>>,
    claims: BTreeSet<String>,
    services: Vec<ServiceInfo>,
    workloads: Vec<WorkloadInfo>,
    /// Names whose `-config`/`-secrets` objects would be ours: every `app`
    /// label value and every `<workload>-<container>`.
    owners: BTreeSet<String>,
}

impl Index {
    fn build(manifests: &[Manifest], problems: &mut Vec<String>) -> Index {
        let mut index = Index::default();
        for m in manifests {
            if let Some(app) = m
                .object
                .pointer("/metadata/labels/app")
                .and_then(|v| v.as_str())
            {
                index.owners.insert(app.to_string());
            }
            match m.kind.as_str() {
                "ConfigMap" => {
                    if let Some(cm) = typed::<ConfigMap>(m, problems) {
                        let keys = cm.data.unwrap_or_default().into_keys();
                        let binary = cm.binary_data.unwrap_or_default().into_keys();
                        index
                            .config_maps
                            .insert(m.name.clone(), keys.chain(binary).collect());
                    }
                }
                "Secret" => {
                    if let Some(secret) = typed::<Secret>(m, problems) {
                        let keys = secret.string_data.unwrap_or_default().into_keys();
                        let data = secret.data.unwrap_or_default().into_keys();
                        index
                            .secrets
                            .insert(m.name.clone(), keys.chain(data).collect());
                    }
                }
                "PersistentVolumeClaim" => {
                    index.claims.insert(m.name.clone());
                }
                "Service" => {
                    if let Some(svc) = typed::<K8sService>(m, problems) {
                        index.services.push(service_info(m, svc));
                    }
                }
                _ => {
                    if let Some(w) = workload_info(m, problems) {
                        for c in all_containers(&w.pod) {
                            index.owners.insert(format!("{}-{}", w.name, c.name));
                        }
                        index.workloads.push(w);
                    }
                }
            }
        }
        index
    }

    fn is_ours(&self, name: &str, suffix: &str, set: &BTreeMap<String, BTreeSet<String>>) -> bool {
        set.contains_key(name)
            || name
                .strip_suffix(suffix)
                .is_some_and(|owner| self.owners.contains(owner))
    }

    fn check_workload(&self, w: &WorkloadInfo, problems: &mut Vec<String>) {
        let at = &w.reference;
        if let Some(selector) = &w.selector {
            let wanted = selector.match_labels.clone().unwrap_or_default();
            if wanted.is_empty() || !is_subset(&wanted, &w.pod_labels) {
                problems.push(format!(
                    "{at}: selector {wanted:?} does not match the pod labels {:?}",
                    w.pod_labels
                ));
            }
        }
        if let Some(service_name) = &w.service_name {
            let headless = self.services.iter().find(|s| &s.name == service_name);
            match headless {
                Some(s) if s.headless && is_subset(&s.selector, &w.pod_labels) => {}
                _ => problems.push(format!(
                    "{at}: serviceName {service_name} is not a headless Service selecting its pods"
                )),
            }
        }
        self.check_pod(w, problems);
    }

    fn check_pod(&self, w: &WorkloadInfo, problems: &mut Vec<String>) {
        let at = &w.reference;
        let pod = &w.pod;
        let mut volume_names = BTreeSet::new();
        for volume in pod.volumes.iter().flatten() {
            if !volume_names.insert(volume.name.clone()) {
                problems.push(format!("{at}: pod volume {} is defined twice", volume.name));
            }
            if let Some(pvc) = &volume.persistent_volume_claim {
                if !self.claims.contains(&pvc.claim_name) {
                    problems.push(format!(
                        "{at}: volume {} claims {}, which is not generated",
                        volume.name, pvc.claim_name
                    ));
                }
            }
            if let Some(cm) = &volume.config_map {
                if self.is_ours(&cm.name, "-config", &self.config_maps) {
                    let keys = cm.items.iter().flatten().map(|i| i.key.as_str());
                    self.expect_keys(at, "ConfigMap", &cm.name, &self.config_maps, keys, problems);
                }
            }
            if let Some(secret) = &volume.secret {
                let name = secret.secret_name.clone().unwrap_or_default();
                if self.is_ours(&name, "-secrets", &self.secrets) {
                    let keys = secret.items.iter().flatten().map(|i| i.key.as_str());
                    self.expect_keys(at, "Secret", &name, &self.secrets, keys, problems);
                }
            }
        }
        let mut container_names = BTreeSet::new();
        for c in all_containers(pod) {
            if !container_names.insert(c.name.clone()) {
                problems.push(format!("{at}: container name {} is used twice", c.name));
            }
            for mount in c.volume_mounts.iter().flatten() {
                if !volume_names.contains(&mount.name) && !w.claim_templates.contains(&mount.name) {
                    problems.push(format!(
                        "{at}: container {} mounts {}, which is neither a pod volume nor a claim template",
                        c.name, mount.name
                    ));
                }
            }
            self.check_env(at, c, problems);
        }
        for c in pod.init_containers.iter().flatten() {
            self.check_wait_for(at, c, problems);
        }
    }

    /// References to our own objects must resolve; other names are
    /// objects the state refers to as existing (`secretName` entries).
    fn check_env(&self, at: &str, c: &Container, problems: &mut Vec<String>) {
        let config_maps = &self.config_maps;
        let secrets = &self.secrets;
        for source in c.env_from.iter().flatten() {
            if let Some(r) = &source.config_map_ref {
                if self.is_ours(&r.name, "-config", config_maps) {
                    self.expect_keys(at, "ConfigMap", &r.name, config_maps, [], problems);
                }
            }
            if let Some(r) = &source.secret_ref {
                if self.is_ours(&r.name, "-secrets", secrets) {
                    self.expect_keys(at, "Secret", &r.name, secrets, [], problems);
                }
            }
        }
        for var in c.env.iter().flatten() {
            let Some(from) = &var.value_from else {
                continue;
            };
            if let Some(r) = &from.secret_key_ref {
                if self.is_ours(&r.name, "-secrets", secrets) {
                    let keys = [r.key.as_str()];
                    self.expect_keys(at, "Secret", &r.name, secrets, keys, problems);
                }
            }
            if let Some(r) = &from.config_map_key_ref {
                if self.is_ours(&r.name, "-config", config_maps) {
                    let keys = [r.key.as_str()];
                    self.expect_keys(at, "ConfigMap", &r.name, config_maps, keys, problems);
                }
            }
        }
    }

    /// The object `name` exists in `set` and holds every key.
    fn expect_keys<'k>(
        &self,
        at: &str,
        kind: &str,
        name: &str,
        set: &BTreeMap<String, BTreeSet<String>>,
        keys: impl IntoIterator<Item = &'k str>,
        problems: &mut Vec<String>,
    ) {
        match set.get(name) {
            None => problems.push(format!(
                "{at}: refers to {kind} {name}, which is not generated"
            )),
            Some(present) => {
                for key in keys {
                    if !present.contains(key) {
                        problems.push(format!(
                            "{at}: refers to key {key} of {kind} {name}, which it does not hold"
                        ));
                    }
                }
            }
        }
    }

    /// `wait-for-*` runs `until nc -z <host> <port>`: the host must be a
    /// generated Service.
    fn check_wait_for(&self, at: &str, c: &Container, problems: &mut Vec<String>) {
        if !c.name.starts_with("wait-for-") {
            return;
        }
        let script = c.command.as_ref().and_then(|cmd| cmd.get(2));
        let host = script.and_then(|s| {
            let rest = s.split("nc -z ").nth(1)?;
            rest.split_whitespace().next()
        });
        match host {
            Some(host) if self.services.iter().any(|s| s.name == host) => {}
            Some(host) => problems.push(format!(
                "{at}: init container {} waits for {host}, which is not a generated Service",
                c.name
            )),
            None => problems.push(format!(
                "{at}: init container {} has no `nc -z <host>` loop",
                c.name
            )),
        }
    }

    fn check_service(&self, s: &ServiceInfo, problems: &mut Vec<String>) {
        let at = &s.reference;
        let pods: Vec<&WorkloadInfo> = self
            .workloads
            .iter()
            .filter(|w| !s.selector.is_empty() && is_subset(&s.selector, &w.pod_labels))
            .collect();
        if pods.is_empty() {
            problems.push(format!(
                "{at}: selector {:?} matches no generated pod template",
                s.selector
            ));
            return;
        }
        for (_, target) in &s.ports {
            let Some(IntOrString::Int(target)) = target else {
                continue;
            };
            let served = pods.iter().any(|w| {
                w.pod.containers.iter().any(|c| {
                    c.ports
                        .iter()
                        .flatten()
                        .any(|p| p.container_port == *target)
                })
            });
            if !served {
                problems.push(format!(
                    "{at}: targetPort {target} is not a container port of the pods it selects"
                ));
            }
        }
    }

    fn check_ingress(&self, m: &Manifest, ingress: &Ingress, problems: &mut Vec<String>) {
        let at = m.reference();
        let rules = ingress.spec.iter().flat_map(|s| s.rules.iter().flatten());
        let paths = rules.flat_map(|r| r.http.iter().flat_map(|h| h.paths.iter()));
        for path in paths {
            let Some(backend) = &path.backend.service else {
                problems.push(format!("{at}: a path has no Service backend"));
                continue;
            };
            let port = backend.port.as_ref().and_then(|p| p.number);
            let service = self.services.iter().find(|s| s.name == backend.name);
            match service {
                None => problems.push(format!(
                    "{at}: backend Service {} is not generated",
                    backend.name
                )),
                Some(s) if s.headless => problems.push(format!(
                    "{at}: backend Service {} is headless",
                    backend.name
                )),
                Some(s) if !s.ports.iter().any(|(p, _)| Some(*p) == port) => {
                    problems.push(format!(
                        "{at}: backend port {port:?} is not a port of Service {}",
                        backend.name
                    ))
                }
                Some(_) => {}
            }
        }
    }

    fn check_hpa(&self, m: &Manifest, hpa: &HorizontalPodAutoscaler, problems: &mut Vec<String>) {
        let Some(spec) = &hpa.spec else {
            problems.push(format!("{}: has no spec", m.reference()));
            return;
        };
        let target = &spec.scale_target_ref;
        let found = self
            .workloads
            .iter()
            .any(|w| w.kind == target.kind && w.name == target.name);
        if !found || target.api_version.as_deref() != Some("apps/v1") {
            problems.push(format!(
                "{}: scaleTargetRef {:?}/{} {} is not a generated workload",
                m.reference(),
                target.api_version,
                target.kind,
                target.name
            ));
        }
    }
}

fn service_info(m: &Manifest, svc: K8sService) -> ServiceInfo {
    let spec = svc.spec.unwrap_or_default();
    ServiceInfo {
        reference: m.reference(),
        name: m.name.clone(),
        headless: spec.cluster_ip.as_deref() == Some("None"),
        selector: spec.selector.unwrap_or_default(),
        ports: spec
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.port, p.target_port))
            .collect(),
    }
}

/// The pod-bearing parts of a workload manifest; `None` for other kinds.
fn workload_info(m: &Manifest, problems: &mut Vec<String>) -> Option<WorkloadInfo> {
    let mut claim_templates = BTreeSet::new();
    let mut service_name = None;
    let (selector, template): (Option<LabelSelector>, Option<PodTemplateSpec>) =
        match m.kind.as_str() {
            "Deployment" => {
                let spec = typed::<Deployment>(m, problems)?.spec?;
                (Some(spec.selector), Some(spec.template))
            }
            "DaemonSet" => {
                let spec = typed::<DaemonSet>(m, problems)?.spec?;
                (Some(spec.selector), Some(spec.template))
            }
            "StatefulSet" => {
                let spec = typed::<StatefulSet>(m, problems)?.spec?;
                claim_templates = spec
                    .volume_claim_templates
                    .iter()
                    .flatten()
                    .filter_map(|t| t.metadata.name.clone())
                    .collect();
                service_name = spec.service_name;
                (Some(spec.selector), Some(spec.template))
            }
            "Job" => (None, typed::<Job>(m, problems)?.spec.map(|s| s.template)),
            "CronJob" => {
                let spec = typed::<CronJob>(m, problems)?.spec?;
                (None, spec.job_template.spec.map(|s| s.template))
            }
            _ => return None,
        };
    let Some(template) = template else {
        problems.push(format!("{}: has no pod template", m.reference()));
        return None;
    };
    Some(WorkloadInfo {
        reference: m.reference(),
        kind: m.kind.clone(),
        name: m.name.clone(),
        selector,
        pod_labels: template
            .metadata
            .and_then(|meta| meta.labels)
            .unwrap_or_default(),
        pod: template.spec.unwrap_or_default(),
        claim_templates,
        service_name,
    })
}

fn all_containers(pod: &PodSpec) -> impl Iterator<Item = &Container> {
    pod.init_containers
        .iter()
        .flatten()
        .chain(pod.containers.iter())
}

fn is_subset(wanted: &Labels, labels: &Labels) -> bool {
    wanted.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// With a generated Namespace, every namespaced object lives in it; without
/// one, every namespaced object shares one namespace.
fn check_namespaces(manifests: &[Manifest], problems: &mut Vec<String>) {
    let generated = manifests
        .iter()
        .find(|m| m.kind == "Namespace")
        .map(|m| m.name.clone());
    let expected = generated.or_else(|| manifests.iter().find_map(|m| m.namespace.clone()));
    for m in manifests.iter().filter(|m| m.kind != "Namespace") {
        if m.namespace != expected {
            problems.push(format!(
                "{}: namespace {:?}, expected {:?}",
                m.reference(),
                m.namespace,
                expected
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, BuildOptions};

    fn manifests(state: &str) -> Vec<Manifest> {
        pipeline::build(state, "test", &BuildOptions::default())
            .expect("valid state")
            .manifests
    }

    const STATE: &str = r#"
_services:
  - name: web
    image: nginx
    port: 8080
    envVars: [{key: A, value: b}, {key: S, type: secret}]
    volumes: [{name: data, type: pvc-dynamic, mountPath: /data}]
    dependencies: [db]
_infraDecisions:
  - {name: db, kind: StatefulSet, image: postgres, port: 5432}
"#;

    #[test]
    fn a_rendered_state_is_consistent() {
        assert_eq!(check(&manifests(STATE)), Vec::<String>::new());
    }

    /// Each corruption must be caught: the check is not vacuous.
    #[test]
    fn broken_references_are_found() {
        let corruptions: [(&str, &str, serde_json::Value); 6] = [
            ("PersistentVolumeClaim", "/metadata/name", "other".into()),
            ("Secret", "/stringData", serde_json::json!({"T": "x"})),
            ("ConfigMap", "/metadata/name", "x-config".into()),
            ("Service", "/spec/selector/app", "nobody".into()),
            ("StatefulSet", "/spec/serviceName", "db".into()),
            (
                "Deployment",
                "/spec/template/metadata/labels/app",
                "x".into(),
            ),
        ];
        for (kind, pointer, value) in corruptions {
            let mut set = manifests(STATE);
            let m = set.iter_mut().find(|m| m.kind == kind).expect(kind);
            *m.object.pointer_mut(pointer).expect(pointer) = value;
            if pointer == "/metadata/name" {
                m.name = m.object["metadata"]["name"].as_str().unwrap().to_string();
            }
            assert!(!check(&set).is_empty(), "{kind} {pointer} not caught");
        }
    }

    #[test]
    fn a_wait_for_an_unknown_host_is_found() {
        let mut set = manifests(STATE);
        let web = set.iter_mut().find(|m| m.kind == "Deployment").unwrap();
        let script = web
            .object
            .pointer_mut("/spec/template/spec/initContainers/0/command/2")
            .unwrap();
        *script = script
            .as_str()
            .unwrap()
            .replace("nc -z db-headless", "nc -z db")
            .into();
        let problems = check(&set);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("waits for db"), "{problems:?}");
    }
}
