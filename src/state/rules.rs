//! Rules that look across fields and services: duplicate names, what
//! dependencies point at, container names and mounts inside one pod, and
//! generated objects that would clash.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::check;
use crate::diag::Diagnostics;
use crate::model::{Project, Service, Target, VolumeSource, Workload};
use crate::render::{self, volumes, ObjectId};

/// Every cross-field rule; `objects` names what `project` renders to (the
/// rules need the objects' names, never the objects).
pub fn check(project: &Project, objects: &[ObjectId]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let repeated_names = duplicate_services(project, &mut diags);
    for svc in project.workloads() {
        container_names(project, svc, &mut diags);
        object_names(svc, &mut diags);
        for (path, message) in volumes::plan(svc).problems {
            diags.error(path, message);
        }
        dependencies(project, svc, &mut diags);
        statefulset_companion_claims(svc, &mut diags);
    }
    dependency_cycles(project, &mut diags);
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
    // Services with errors are left out of the model, so what clashes
    // among the others is real and is reported with the other errors. A
    // repeated service name is reported above; its objects would only
    // repeat that finding, so then the first service of each name is used.
    if repeated_names {
        generated_clashes(&render::ids(&first_of_each_name(project)), &mut diags);
    } else {
        generated_clashes(objects, &mut diags);
    }
    diags
}

/// Longest CronJob name: the controller names each Job `<name>-<minutes
/// since the epoch>`, 11 more characters, and the API server enforces it.
const MAX_CRON_JOB_NAME: usize = 52;
/// Longest StatefulSet name that works: each pod is labelled
/// `controller-revision-hash: <name>-<hash of up to 10 characters>`, and a
/// label value has at most 63 characters, so longer names create no pods.
const MAX_STATEFUL_SET_NAME: usize = 52;

/// Limits Kubernetes puts on generated names beyond DNS-1123 labels: Service
/// names are DNS-1035 labels (they start with a letter), the default
/// headless name must still fit in 63 characters, and CronJob and
/// StatefulSet names leave room for what the controllers append.
fn object_names(svc: &Service, diags: &mut Diagnostics) {
    let name_path = format!("{}.name", svc.path);
    if render::routable_service(svc).is_some() {
        if let Err(why) = check::names::check_service_name(&svc.name) {
            diags.error(
                &name_path,
                format!("{why}; this service gets a Service of that name"),
            );
        }
    }
    let limit = match &svc.workload {
        Workload::CronJob(_) => Some((
            MAX_CRON_JOB_NAME,
            "each Job it starts is named <name>-<11 more characters>",
        )),
        Workload::StatefulSet(_) => Some((
            MAX_STATEFUL_SET_NAME,
            "each pod is labelled <name>-<revision hash>, which must fit in 63",
        )),
        _ => None,
    };
    if let Some((max, why)) = limit {
        if svc.name.len() > max {
            diags.error(
                &name_path,
                format!(
                    "found \"{}\" ({} characters); a {} name has at most {max} characters, since {why}",
                    svc.name,
                    svc.name.len(),
                    svc.kind().as_str()
                ),
            );
        }
    }
    if let Workload::StatefulSet(sts) = &svc.workload {
        let headless = &sts.headless_service_name;
        let defaulted = *headless == format!("{}-headless", svc.name);
        let path = if defaulted {
            name_path
        } else {
            format!("{}.headlessServiceName", svc.path)
        };
        if let Err(why) = check::check_dns_label(headless)
            .and_then(|()| check::names::check_service_name(headless))
        {
            let hint = if defaulted {
                "; set headlessServiceName to a shorter name"
            } else {
                ""
            };
            diags.error(path, format!("the headless Service name: {why}{hint}"));
        }
    }
}

/// The project without services and decisions whose name came earlier.
fn first_of_each_name(project: &Project) -> Project {
    let mut seen = BTreeSet::new();
    let mut unique = project.clone();
    unique.services.retain(|s| seen.insert(s.name.clone()));
    unique.infra.retain(|d| seen.insert(d.name.clone()));
    unique
}

/// Report repeated service names; true when there was one.
fn duplicate_services(project: &Project, diags: &mut Diagnostics) -> bool {
    let mut repeated = false;
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
            repeated = true;
        } else {
            seen.insert(name, path);
        }
    }
    repeated
}

/// Container names must be unique within a pod, generated wait-fors
/// included. Names are claimed in pod order (dependency wait-fors first), so
/// the error lands on the user's container that takes a generated name.
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
    // Render waits for each host once (STATE.md §3.10); mirror that here.
    let mut waited_hosts: BTreeSet<String> = BTreeSet::new();
    let mut wait_for = |dep: &str, port: Option<i32>| {
        render::resolve_dependency(project, dep, port)
            .filter(|endpoint| waited_hosts.insert(endpoint.host.clone()))
            .map(|_| volumes::truncate_name(&format!("wait-for-{dep}")))
    };
    for (i, dep) in svc.dependencies.iter().enumerate() {
        if let Some(name) = wait_for(dep, None) {
            claim(name, format!("{}.dependencies[{i}]", svc.path), diags);
        }
    }
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
    for (i, companion) in svc.companions.iter().enumerate() {
        let dep = companion.depends_on.as_deref();
        if let Some(name) = dep.and_then(|dep| wait_for(dep, companion.depends_on_port)) {
            claim(
                name,
                format!("{}.companions[{i}].dependsOn", svc.path),
                diags,
            );
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

/// The services a service's pod waits for (a wait-for init container each),
/// with the path of the field that asks for it.
fn waits_of<'p>(project: &'p Project, svc: &'p Service) -> Vec<(&'p str, String)> {
    let dependencies = svc
        .dependencies
        .iter()
        .enumerate()
        .map(|(i, dep)| (dep, None, format!("{}.dependencies[{i}]", svc.path)));
    let companions = svc.companions.iter().enumerate().filter_map(|(i, c)| {
        let dep = c.depends_on.as_ref()?;
        Some((
            dep,
            c.depends_on_port,
            format!("{}.companions[{i}].dependsOn", svc.path),
        ))
    });
    dependencies
        .chain(companions)
        .filter(|(dep, port, _)| {
            **dep != svc.name && render::resolve_dependency(project, dep, *port).is_some()
        })
        .map(|(dep, _, path)| (dep.as_str(), path))
        .collect()
}

/// Pods that wait for each other in a circle never leave their init
/// containers: each waits for a Service whose pods are waiting too.
///
/// One depth-first search over the whole graph (linear in services and
/// waits; searching from every service took minutes on a 20,000-service
/// chain). A wait that leads back to a service still on the search path
/// closes a circle, reported at the first wait of that circle.
fn dependency_cycles(project: &Project, diags: &mut Diagnostics) {
    let waits: HashMap<&str, Vec<(&str, String)>> = project
        .workloads()
        .map(|svc| (svc.name.as_str(), waits_of(project, svc)))
        .collect();
    /// On the search path (at this depth), or finished.
    #[derive(Clone, Copy)]
    enum Mark {
        OnPath(usize),
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::with_capacity(waits.len());
    for root in project.workloads() {
        let root = root.name.as_str();
        if marks.contains_key(root) {
            continue;
        }
        // Each service on the path, with the index of its next wait.
        let mut path: Vec<(&str, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::OnPath(0));
        while let Some((node, next)) = path.last_mut() {
            let node: &str = node;
            let edges = waits.get(node).map_or(&[][..], Vec::as_slice);
            let Some((dep, _)) = edges.get(*next) else {
                marks.insert(node, Mark::Done);
                path.pop();
                continue;
            };
            *next += 1;
            match marks.get(dep).copied() {
                None => {
                    marks.insert(dep, Mark::OnPath(path.len()));
                    path.push((dep, 0));
                }
                Some(Mark::OnPath(depth)) => {
                    let (start, taken) = path[depth];
                    let cycle: Vec<&str> = path[depth..]
                        .iter()
                        .map(|(name, _)| *name)
                        .chain([*dep])
                        .collect();
                    diags.error(
                        waits[start][taken - 1].1.clone(),
                        format!(
                            "found a circle of dependencies ({}); each pod would wait for the next one forever, so drop one of them",
                            cycle.join(" → ")
                        ),
                    );
                }
                Some(Mark::Done) => {}
            }
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
pub fn generated_clashes(objects: &[ObjectId], diags: &mut Diagnostics) {
    // Hash maps of borrowed names: one lookup per object (10,000 services
    // render about 45,000 objects).
    let mut by_object: HashMap<(&str, &str), &ObjectId> = HashMap::with_capacity(objects.len());
    let mut by_file: HashMap<&str, &ObjectId> = HashMap::with_capacity(objects.len());
    for m in objects {
        match by_object.entry((m.kind.as_str(), m.name.as_str())) {
            Entry::Occupied(first) => diags.error(
                m.origin.clone(),
                format!(
                    "generates {} \"{}\", which {} also generates; rename one of them",
                    m.kind,
                    m.name,
                    first.get().origin
                ),
            ),
            Entry::Vacant(slot) => {
                slot.insert(m);
            }
        }
        match by_file.entry(m.file_name.as_str()) {
            Entry::Occupied(first) => {
                let first = *first.get();
                if first.kind != m.kind || first.name != m.name {
                    diags.error(
                        m.origin.clone(),
                        format!(
                            "generates file {} ({} \"{}\"), which {} also writes ({} \"{}\"); rename one of them",
                            m.file_name, m.kind, m.name, first.origin, first.kind, first.name
                        ),
                    );
                }
            }
            Entry::Vacant(slot) => {
                slot.insert(m);
            }
        }
    }
}
