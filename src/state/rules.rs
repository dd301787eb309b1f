//! Rules that look across fields and services: duplicate names, what
//! dependencies point at, container names and mounts inside one pod, and
//! generated objects that would clash.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::check;
use crate::diag::Diagnostics;
use crate::model::{Project, Service, Target, VolumeSource, Workload};
use crate::render::{self, volumes, Manifest};

/// The rules that need no rendering; `generated_clashes` runs on the
/// manifests afterwards, when these found no error.
pub fn check(project: &Project, _document: &Value) -> Diagnostics {
    let mut diags = Diagnostics::default();
    duplicate_services(project, &mut diags);
    for svc in project.workloads() {
        container_names(project, svc, &mut diags);
        for (path, message) in volumes::plan(svc).problems {
            diags.error(path, message);
        }
        dependencies(project, svc, &mut diags);
        statefulset_companion_claims(svc, &mut diags);
    }
    if let Some(host) = &project.ingress_host {
        if !project
            .services
            .iter()
            .any(|s| render::routable_service(s).is_some())
        {
            diags.warning(
                "ingress",
                format!("no app service has a routable Service (a Deployment or DaemonSet with a port, or a StatefulSet with alsoCreateClusterIP), so no Ingress is generated for {host}"),
            );
        }
    }
    diags
}

fn duplicate_services(project: &Project, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let named = project
        .services
        .iter()
        .map(|s| (s.name.as_str(), s.path.as_str()))
        .chain(
            project
                .infra
                .iter()
                .map(|d| (d.name.as_str(), d.path.as_str())),
        );
    for (name, path) in named {
        if let Some(first) = seen.get(name) {
            diags.error(
                format!("{path}.name"),
                format!(
                    "found \"{name}\" again (first at {first}); each service needs its own name"
                ),
            );
        } else {
            seen.insert(name, path);
        }
    }
}

/// Container names must be unique within a pod, generated wait-fors included.
fn container_names(project: &Project, svc: &Service, diags: &mut Diagnostics) {
    let mut seen: BTreeSet<String> = BTreeSet::from([svc.name.clone()]);
    let mut claim = |name: String, path: String, diags: &mut Diagnostics| {
        if !seen.insert(name.clone()) {
            diags.error(
                path,
                format!("found container name \"{name}\" twice in the pod of {}; containers in one pod need distinct names", svc.name),
            );
        }
    };
    for (i, c) in svc.init_containers.iter().enumerate() {
        claim(
            c.name.clone(),
            format!("{}.initContainers[{i}].name", svc.path),
            diags,
        );
    }
    for (i, c) in svc.sidecars.iter().enumerate() {
        claim(
            c.name.clone(),
            format!("{}.sidecars[{i}].name", svc.path),
            diags,
        );
    }
    for (i, c) in svc.companions.iter().enumerate() {
        claim(
            c.name.clone(),
            format!("{}.companions[{i}].name", svc.path),
            diags,
        );
    }
    for (i, dep) in svc.dependencies.iter().enumerate() {
        if render::resolve_dependency(project, dep, None).is_some() {
            let name = volumes::truncate_name(&format!("wait-for-{dep}"));
            claim(name, format!("{}.dependencies[{i}]", svc.path), diags);
        }
    }
}

fn dependencies(project: &Project, svc: &Service, diags: &mut Diagnostics) {
    // Every name, for "did you mean"; only needed when a name is unknown.
    let names = || {
        project
            .services
            .iter()
            .map(|s| s.name.as_str())
            .chain(project.infra.iter().map(|d| d.name.as_str()))
    };
    let check_name = |name: &str, path: String, diags: &mut Diagnostics| {
        if name == svc.name {
            diags.error(
                path,
                format!("found \"{name}\"; a service cannot depend on itself"),
            );
            return;
        }
        match project.lookup(name) {
            None => {
                let hint = check::closest(name, names())
                    .map(|n| format!("; did you mean \"{n}\"?"))
                    .unwrap_or_default();
                diags.error(
                    path,
                    format!("found \"{name}\", which names no service or infra decision in the state{hint}"),
                );
            }
            Some(Target::Service(dep)) if wait_endpoint_missing(dep) => diags.warning(
                path,
                format!("\"{name}\" has no Service to wait for (it is a {} {}), so no wait-for container is added", dep.kind().as_str(), if dep.port.is_none() { "without a port" } else { "" }.trim_end()),
            ),
            Some(_) => {}
        }
    };
    for (i, dep) in svc.dependencies.iter().enumerate() {
        check_name(dep, format!("{}.dependencies[{i}]", svc.path), diags);
    }
    for (i, companion) in svc.companions.iter().enumerate() {
        if let Some(dep) = &companion.depends_on {
            check_name(
                dep,
                format!("{}.companions[{i}].dependsOn", svc.path),
                diags,
            );
        }
    }
}

fn wait_endpoint_missing(dep: &Service) -> bool {
    render::service_endpoint(dep).is_none()
}

/// A StatefulSet's storage comes from claim templates; a companion PVC
/// volume would need a PVC object the StatefulSet flow never creates.
fn statefulset_companion_claims(svc: &Service, diags: &mut Diagnostics) {
    if !matches!(svc.workload, Workload::StatefulSet(_)) {
        return;
    }
    for (c, companion) in svc.companions.iter().enumerate() {
        for volume in &companion.volumes {
            if matches!(volume.source, VolumeSource::Pvc(_)) {
                diags.error(
                    format!("{}.companions[{c}].volumes[{}].type", svc.path, volume.index),
                    "found a PVC volume on a StatefulSet companion; use the StatefulSet's volumeClaimTemplates for persistent storage",
                );
            }
        }
    }
}

/// Two generated objects of one kind and name, or two written to one file.
pub fn generated_clashes(manifests: &[Manifest], diags: &mut Diagnostics) {
    let mut by_object: BTreeMap<(String, String), &Manifest> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, &Manifest> = BTreeMap::new();
    for m in manifests {
        let key = (m.kind.clone(), m.name.clone());
        if let Some(first) = by_object.get(&key) {
            diags.error(
                m.origin.clone(),
                format!(
                    "generates {} \"{}\", which {} also generates; rename one of them",
                    m.kind, m.name, first.origin
                ),
            );
        } else {
            by_object.insert(key, m);
        }
        if let Some(first) = by_file.get(m.file_name.as_str()) {
            if first.kind != m.kind || first.name != m.name {
                diags.error(
                    m.origin.clone(),
                    format!(
                        "generates file {} ({} \"{}\"), which {} also writes ({} \"{}\"); rename one of them",
                        m.file_name, m.kind, m.name, first.origin, first.kind, first.name
                    ),
                );
            }
        } else {
            by_file.insert(&m.file_name, m);
        }
    }
}
