//! Wait-for init containers and envFrom references that dependencies add
//! (STATE.md §6.2).

use k8s_openapi::api::core::v1::{Container, EnvFromSource};

use super::config;
use super::volumes::truncate_name;
use crate::model::{Hosting, Project, Service, Target, Workload};

pub const WAIT_IMAGE: &str = "busybox:1.36";

/// Where a dependency can be reached: the DNS name of a Service that really
/// exists, and the port to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: i32,
}

/// The in-cluster endpoint of a self-hosted service, if it has one.
pub fn endpoint(dep: &Service) -> Option<Endpoint> {
    let container_port = dep.port?;
    match &dep.workload {
        Workload::Deployment(_) | Workload::DaemonSet(_) => Some(Endpoint {
            host: dep.name.clone(),
            port: dep.exposed_port()?,
        }),
        Workload::StatefulSet(sts) if sts.also_create_cluster_ip => Some(Endpoint {
            host: dep.name.clone(),
            port: dep.exposed_port()?,
        }),
        // A headless name resolves to the pods themselves, so the
        // container port is the one that answers.
        Workload::StatefulSet(sts) => Some(Endpoint {
            host: sts.headless_service_name.clone(),
            port: container_port,
        }),
        Workload::Job(_) | Workload::CronJob(_) => None,
    }
}

/// The endpoint a dependency name leads to, with an optional port override.
pub fn resolve(project: &Project, name: &str, port: Option<i32>) -> Option<Endpoint> {
    match project.lookup(name)? {
        Target::Service(dep) => {
            let mut endpoint = endpoint(dep)?;
            if let Some(port) = port {
                endpoint.port = port;
            }
            Some(endpoint)
        }
        Target::Managed(_) | Target::Skipped => None,
    }
}

/// `wait-for-<dep>`: loops until the host answers on the port.
pub fn container(dep: &str, endpoint: &Endpoint) -> Container {
    let Endpoint { host, port } = endpoint;
    let script = format!(
        "echo \"Waiting for {host}:{port}...\"; until nc -z {host} {port}; do sleep 2; done; echo \"{host}:{port} is ready\""
    );
    Container {
        name: truncate_name(&format!("wait-for-{dep}")),
        image: Some(WAIT_IMAGE.to_string()),
        command: Some(vec!["sh".into(), "-c".into(), script]),
        ..Container::default()
    }
}

/// envFrom references to the ConfigMap/Secret of each Managed dependency.
pub fn managed_env_from(project: &Project, svc: &Service) -> Vec<EnvFromSource> {
    let mut refs = Vec::new();
    for name in &svc.dependencies {
        let Some(Target::Managed(decision)) = project.lookup(name) else {
            continue;
        };
        if let Hosting::Managed { env, .. } = &decision.hosting {
            if config::has_config(env) {
                refs.push(config::config_map_ref(&decision.name));
            }
            if config::has_secret(env) {
                refs.push(config::secret_ref(&decision.name));
            }
        }
    }
    refs
}
