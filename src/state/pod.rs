//! Reading what goes into a pod: resources, probes, environment, init
//! containers, sidecars, companions, mesh, and the autoscaler settings.

use serde_json::Value;

use super::fields;
use super::reader::{describe, Obj};
use super::volume;
use crate::model::*;

/// `resources: {cpu_request, …}` and the flat `cpuRequest`… fields of the
/// same object; the nested object wins where both are given.
pub fn read_resources(obj: &Obj<'_, '_>) -> Resources {
    let nested = obj.child("resources", &fields::RESOURCES);
    let pick = |keys: &[&str]| -> Option<String> {
        let from_nested = nested
            .as_ref()
            .and_then(|n| keys.iter().find_map(|k| n.raw(k).map(|_| n.quantity(k))))
            .flatten();
        from_nested.or_else(|| {
            keys.iter()
                .find_map(|k| obj.raw(k).map(|_| obj.quantity(k)))
                .flatten()
        })
    };
    let resources = Resources {
        cpu_request: pick(&["cpu_request", "cpuRequest"]),
        cpu_limit: pick(&["cpu_limit", "cpuLimit"]),
        memory_request: pick(&["memory_request", "memRequest", "memoryRequest"]),
        memory_limit: pick(&["memory_limit", "memLimit", "memoryLimit"]),
    };
    // The API server refuses a request above its limit.
    for (what, request, limit) in [
        ("cpu", &resources.cpu_request, &resources.cpu_limit),
        ("memory", &resources.memory_request, &resources.memory_limit),
    ] {
        let (Some(request), Some(limit)) = (request, limit) else {
            continue;
        };
        let amount = crate::check::quantity::amount;
        if amount(request) > amount(limit) {
            let key = if nested.is_some() { "resources" } else { "" };
            let path = if key.is_empty() {
                obj.path.clone()
            } else {
                obj.path_of(key)
            };
            obj.reader().error(
                &path,
                format!(
                    "found {what} request {request} above its limit {limit}; a request must be at most the limit"
                ),
            );
        }
    }
    resources
}

/// A probe; `None` when absent, null or `enabled: false`. The port falls
/// back to the service port.
pub fn read_probe(obj: &Obj<'_, '_>, key: &str, service_port: Option<i32>) -> Option<Probe> {
    let probe = obj.child(key, &fields::PROBE)?;
    if probe.bool("enabled") == Some(false) {
        return None;
    }
    let kind = match probe.string("type") {
        None => "http",
        Some(_) => probe.one_of("type", fields::PROBE_TYPES)?,
    };
    let port = || {
        let port = probe.port("port").or(service_port);
        // A bad port is reported by `port`; an empty one reads as absent
        // and is reported here, or the probe would vanish without a word.
        let found = match probe.raw("port") {
            None => Some("nothing".to_string()),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Some(describe(&Value::String(s.clone())))
            }
            Some(_) => None,
        };
        if let (None, Some(found)) = (port, found) {
            probe.error("port", format!("found {found}; an http or tcp probe needs a port (set it here or set the service's port)"));
        }
        port
    };
    let action = match kind {
        "http" => port().map(|port| ProbeAction::Http {
            path: probe.string("path").unwrap_or_else(|| "/".into()),
            port,
        }),
        "tcp" => port().map(|port| ProbeAction::Tcp { port }),
        _ => probe
            .required_string("command", "a command for an exec probe")
            .map(|command| ProbeAction::Exec { command }),
    };
    // The numbers are checked even when the action is wrong, so one pass
    // reports every problem of the probe.
    let positive = |k: &str| probe.non_negative(k).filter(|v| *v > 0);
    let initial_delay_seconds = positive("initialDelaySeconds");
    let period_seconds = positive("periodSeconds");
    let failure_threshold = positive("extra").or_else(|| positive("failureThreshold"));
    Some(Probe {
        action: action?,
        initial_delay_seconds,
        period_seconds,
        failure_threshold,
    })
}

pub fn read_init_containers(obj: &Obj<'_, '_>) -> Vec<InitContainer> {
    obj.list("initContainers")
        .into_iter()
        .filter_map(|(path, value)| {
            let c = obj.reader().object(&path, value, &fields::INIT)?;
            let name = c.name("name", "a container name");
            let image = c.image("image");
            Some(InitContainer {
                name: name?,
                image: image?,
                command: c.string("command").filter(|s| !s.trim().is_empty()),
            })
        })
        .collect()
}

pub fn read_sidecars(obj: &Obj<'_, '_>) -> Vec<Sidecar> {
    obj.list("sidecars")
        .into_iter()
        .filter_map(|(path, value)| {
            let c = obj.reader().object(&path, value, &fields::SIDECAR)?;
            let name = c.name("name", "a container name");
            let image = c.image("image");
            let shared = read_shared_volume(&c);
            let command = c.string("command").filter(|s| !s.trim().is_empty());
            let native = c.bool("nativeSidecar").unwrap_or(true);
            Some(Sidecar {
                name: name?,
                image: image?,
                command,
                native,
                shared,
            })
        })
        .collect()
}

fn read_shared_volume(c: &Obj<'_, '_>) -> Option<SharedVolume> {
    match (
        c.raw("sharedVolume").is_some(),
        c.raw("sharedMount").is_some(),
    ) {
        (false, false) => None,
        (true, false) => {
            c.error(
                "sharedMount",
                "found nothing; a sharedVolume needs a sharedMount (where to mount it)",
            );
            None
        }
        (false, true) => {
            c.error(
                "sharedVolume",
                "found nothing; a sharedMount needs a sharedVolume (the volume's name)",
            );
            None
        }
        (true, true) => {
            let volume = c.optional_name("sharedVolume");
            let mount_path = c.absolute_path("sharedMount", "a mount path");
            Some(SharedVolume {
                volume: volume?,
                mount_path: mount_path?,
            })
        }
    }
}

pub fn read_companions(obj: &Obj<'_, '_>) -> Vec<Companion> {
    obj.list("companions")
        .into_iter()
        .filter_map(|(path, value)| {
            let c = obj.reader().object(&path, value, &fields::COMPANION)?;
            let name = c.name("name", "a companion name");
            let image = c.image("image");
            let depends_on = c
                .string("dependsOn")
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty() && d != "__main__");
            // Read every field before giving up on a bad name or image, so
            // one pass reports all of the companion's problems.
            let port = c.port("port");
            let env = super::env::read_env(&c);
            let resources = read_resources(&c);
            let volumes = volume::read_volumes(&c, "volumes");
            let depends_on_port = c.port("dependsOnPort").filter(|_| depends_on.is_some());
            Some(Companion {
                name: name?,
                image: image?,
                port,
                env: env.vars,
                env_from: env.from,
                resources,
                volumes,
                depends_on,
                depends_on_port,
            })
        })
        .collect()
}

/// `mesh`; absent, null, `enabled: false` or an empty provider mean none.
pub fn read_mesh(obj: &Obj<'_, '_>) -> Option<Mesh> {
    let mesh = obj.child("mesh", &fields::MESH)?;
    if mesh.bool("enabled") == Some(false) || mesh.string("provider").is_none() {
        return None;
    }
    let provider = match mesh.one_of("provider", fields::MESH_PROVIDERS)? {
        "istio" => MeshProvider::Istio,
        "linkerd" => MeshProvider::Linkerd,
        "consul" => MeshProvider::Consul,
        _ => MeshProvider::Kuma,
    };
    if matches!(provider, MeshProvider::Consul | MeshProvider::Kuma) {
        for key in ["logLevel", "excludeInbound", "excludeOutbound"] {
            if mesh.is_set(key) {
                mesh.warning(
                    key,
                    format!(
                        "`{key}` has no annotation for {} and is ignored",
                        mesh.string("provider").unwrap_or_default()
                    ),
                );
            }
        }
    }
    Some(Mesh {
        provider,
        proxy_cpu_request: mesh.quantity("proxyCpuRequest"),
        proxy_cpu_limit: mesh.quantity("proxyCpuLimit"),
        proxy_mem_request: mesh.quantity("proxyMemRequest"),
        proxy_mem_limit: mesh.quantity("proxyMemLimit"),
        exclude_inbound: read_port_list(&mesh, "excludeInbound"),
        exclude_outbound: read_port_list(&mesh, "excludeOutbound"),
        log_level: mesh.string("logLevel"),
    })
}

/// A port list for an annotation: `"8080,9090"`, `8080` or `[8080, 9090]`.
fn read_port_list(mesh: &Obj<'_, '_>, key: &str) -> Option<String> {
    let ports: Vec<String> = match mesh.raw(key)? {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect(),
        Value::String(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Value::Number(n) => vec![n.to_string()],
        other => {
            mesh.error(
                key,
                format!(
                    "found {}; expected a comma-separated list of ports",
                    describe(other)
                ),
            );
            return None;
        }
    };
    mesh.checked(
        key,
        crate::check::numbers::parse_port_list(&ports.join(",")),
    )
    .flatten()
}

pub fn read_autoscaling(obj: &Obj<'_, '_>) -> Option<Autoscaling> {
    let a = obj.child("autoscaling", &fields::AUTOSCALING)?;
    if a.bool("enabled") != Some(true) {
        return None;
    }
    let min = a.at_least("minReplicas", 1).unwrap_or(1);
    let max = a.at_least("maxReplicas", 1).unwrap_or(10);
    if max < min {
        a.error(
            "maxReplicas",
            format!("found {max}; maxReplicas must be at least minReplicas ({min})"),
        );
    }
    let percent = |k: &str| a.at_least(k, 1);
    Some(Autoscaling {
        min_replicas: min,
        max_replicas: max,
        target_cpu: percent("targetCPU"),
        target_memory: percent("targetMemory"),
    })
}

pub fn read_tolerations(obj: &Obj<'_, '_>) -> Vec<Toleration> {
    obj.list("tolerations")
        .into_iter()
        .filter_map(|(path, value)| {
            let t = obj.reader().object(&path, value, &fields::TOLERATION)?;
            let operator = t
                .one_of("operator", fields::TOLERATION_OPERATORS)
                .map(str::to_string);
            if operator.as_deref() == Some("Exists") && t.is_set("value") {
                t.error(
                    "value",
                    "a toleration with operator Exists must not have a value",
                );
            }
            let key = t.string("key");
            // A taint key is a qualified name, like a label key.
            let key = key.and_then(|k| t.checked("key", crate::check::names::check_label_key(&k).map(|()| k)));
            if key.is_none() && !t.is_set("key") && operator.as_deref() != Some("Exists") {
                t.error(
                    "key",
                    "found nothing; a toleration without a key must use operator Exists",
                );
            }
            let effect = t
                .one_of("effect", fields::TAINT_EFFECTS)
                .map(str::to_string);
            let toleration_seconds = t.seconds("tolerationSeconds", 0);
            // Only an evicting taint has a grace period; the API server
            // rejects tolerationSeconds with any other effect.
            if toleration_seconds.is_some() && effect.as_deref() != Some("NoExecute") {
                t.error(
                    "tolerationSeconds",
                    format!(
                        "found tolerationSeconds with effect {}; tolerationSeconds needs effect NoExecute",
                        effect.as_deref().unwrap_or("(none)")
                    ),
                );
            }
            Some(Toleration {
                key,
                operator,
                effect,
                value: t.string("value").and_then(|v| {
                    t.checked("value", crate::check::names::check_label_value(&v).map(|()| v))
                }),
                toleration_seconds,
            })
        })
        .collect()
}
