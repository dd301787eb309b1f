//! The pod template shared by every workload kind (STATE.md §3).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, ExecAction, HTTPGetAction, PodSpec, PodTemplateSpec,
    Probe as K8sProbe, ResourceRequirements, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::volumes::PodStorage;
use super::{config, mesh, meta, wait_for};
use crate::model::*;

/// `["sh", "-c", command]`.
pub fn shell(command: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), command.to_string()]
}

pub fn pod_template(project: &Project, svc: &Service, storage: &PodStorage) -> PodTemplateSpec {
    let annotations = svc.mesh.as_ref().map(mesh::annotations);
    let containers: Vec<Container> = std::iter::once(main_container(project, svc, storage))
        .chain(companion_containers(svc, storage))
        .chain(sidecar_containers(svc, storage, false))
        .collect();
    let init_containers = init_containers(project, svc, storage);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(meta::app_labels(&svc.name)),
            annotations,
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            init_containers: non_empty(init_containers),
            containers,
            volumes: non_empty(storage.volumes.clone()),
            ..PodSpec::default()
        }),
    }
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn main_container(project: &Project, svc: &Service, storage: &PodStorage) -> Container {
    let (mut env_from, env) = config::env_refs(&svc.name, &svc.env, &svc.env_from);
    env_from.extend(wait_for::managed_env_from(project, svc));
    let (command, args) = match &svc.workload {
        Workload::Job(job) => job_command(job),
        Workload::CronJob(cron) => job_command(&cron.job),
        _ => (None, None),
    };
    Container {
        name: svc.name.clone(),
        image: Some(svc.image.clone()),
        command,
        args,
        ports: ports(svc.port),
        env_from: non_empty(env_from),
        env: non_empty(env),
        resources: resources(&svc.resources),
        readiness_probe: svc.readiness_probe.as_ref().map(probe),
        liveness_probe: svc.liveness_probe.as_ref().map(probe),
        volume_mounts: non_empty(storage.main_mounts.clone()),
        ..Container::default()
    }
}

fn job_command(job: &JobSpec) -> (Option<Vec<String>>, Option<Vec<String>>) {
    (
        job.command.as_deref().map(shell),
        non_empty(job.args.clone()),
    )
}

fn ports(port: Option<i32>) -> Option<Vec<ContainerPort>> {
    port.map(|p| {
        vec![ContainerPort {
            container_port: p,
            ..ContainerPort::default()
        }]
    })
}

/// Requests and limits; nothing when every value is empty.
pub fn resources(r: &Resources) -> Option<ResourceRequirements> {
    let pair = |cpu: &Option<String>, memory: &Option<String>| {
        let map: BTreeMap<String, Quantity> = [("cpu", cpu), ("memory", memory)]
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), Quantity(v))))
            .collect();
        non_empty_map(map)
    };
    let requests = pair(&r.cpu_request, &r.memory_request);
    let limits = pair(&r.cpu_limit, &r.memory_limit);
    (requests.is_some() || limits.is_some()).then(|| ResourceRequirements {
        requests,
        limits,
        ..ResourceRequirements::default()
    })
}

fn non_empty_map<K, V>(map: BTreeMap<K, V>) -> Option<BTreeMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

fn probe(p: &Probe) -> K8sProbe {
    let mut probe = K8sProbe {
        initial_delay_seconds: p.initial_delay_seconds,
        period_seconds: p.period_seconds,
        failure_threshold: p.failure_threshold,
        ..K8sProbe::default()
    };
    match &p.action {
        ProbeAction::Http { path, port } => {
            probe.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::Int(*port),
                ..HTTPGetAction::default()
            })
        }
        ProbeAction::Tcp { port } => {
            probe.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::Int(*port),
                ..TCPSocketAction::default()
            })
        }
        ProbeAction::Exec { command } => {
            probe.exec = Some(ExecAction {
                command: Some(shell(command)),
            })
        }
    }
    probe
}

/// Dependency wait-fors, user init containers, native sidecars, companion
/// wait-fors; a host already waited for is not waited for again.
fn init_containers(project: &Project, svc: &Service, storage: &PodStorage) -> Vec<Container> {
    let mut waited: Vec<wait_for::Endpoint> = Vec::new();
    let mut wait = |name: &str, port: Option<i32>, out: &mut Vec<Container>| {
        if let Some(endpoint) = wait_for::resolve(project, name, port) {
            if !waited.iter().any(|e| e.host == endpoint.host) {
                out.push(wait_for::container(name, &endpoint));
                waited.push(endpoint);
            }
        }
    };
    let mut out = Vec::new();
    for dep in &svc.dependencies {
        wait(dep, None, &mut out);
    }
    out.extend(svc.init_containers.iter().map(|c| Container {
        name: c.name.clone(),
        image: Some(c.image.clone()),
        command: c.command.as_deref().map(shell),
        ..Container::default()
    }));
    out.extend(sidecar_containers(svc, storage, true));
    for companion in &svc.companions {
        if let Some(dep) = &companion.depends_on {
            wait(dep, companion.depends_on_port, &mut out);
        }
    }
    out
}

/// Sidecars of one flavour: native ones run as init containers that keep
/// running (`restartPolicy: Always`), regular ones after the main container.
fn sidecar_containers<'a>(
    svc: &'a Service,
    storage: &'a PodStorage,
    native: bool,
) -> impl Iterator<Item = Container> + 'a {
    svc.sidecars
        .iter()
        .zip(storage.sidecar_mounts.iter())
        .filter(move |(s, _)| s.native == native)
        .map(move |(s, mount)| Container {
            name: s.name.clone(),
            image: Some(s.image.clone()),
            command: s.command.as_deref().map(shell),
            restart_policy: native.then(|| "Always".to_string()),
            volume_mounts: mount.clone().map(|m| vec![m]),
            ..Container::default()
        })
}

fn companion_containers<'a>(
    svc: &'a Service,
    storage: &'a PodStorage,
) -> impl Iterator<Item = Container> + 'a {
    svc.companions
        .iter()
        .zip(storage.companion_mounts.iter())
        .map(move |(c, mounts)| {
            let owner = companion_owner(svc, c);
            let (env_from, env) = config::env_refs(&owner, &c.env, &c.env_from);
            Container {
                name: c.name.clone(),
                image: Some(c.image.clone()),
                ports: ports(c.port),
                env_from: non_empty(env_from),
                env: non_empty(env),
                resources: resources(&c.resources),
                volume_mounts: non_empty(mounts.clone()),
                ..Container::default()
            }
        })
}

/// The name prefix of a companion's ConfigMap/Secret: `<svc>-<companion>`.
pub fn companion_owner(svc: &Service, companion: &Companion) -> String {
    format!("{}-{}", svc.name, companion.name)
}
