//! The optional groups every kind shares, each behind a yes/no so a new user
//! can skip what they do not need: probes, resources, environment, init
//! containers, sidecars, mesh and autoscaling.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::service::{Current, Taken};
use super::Fields;
use crate::check::{self, numbers};
use crate::error::{Error, Result};

const PROBE_TYPES: &[Choice] = &[
    ("http", "an HTTP GET must answer 200-399"),
    ("tcp", "the port must accept a connection"),
    ("exec", "a command must exit with 0"),
];

const ENV_TYPES: &[Choice] = &[
    ("hardcoded", "a fixed value, kept in the ConfigMap"),
    (
        "variable",
        "a ${PLACEHOLDER} filled in when you deploy, kept in the ConfigMap",
    ),
    (
        "secret",
        "kept in the Secret; the file holds CHANGE_ME, never the value",
    ),
];

/// What a container name that is refused already is; the main container
/// takes the service's name, which a new user may not know.
const CONTAINER_TAKEN: &str =
    "the name of a container in this pod (the main one is named after the service)";

const MESHES: &[Choice] = &[("istio", ""), ("linkerd", ""), ("consul", ""), ("kuma", "")];

pub fn ask_groups(
    ask: &mut Ask<'_>,
    current: &Current<'_>,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    let long_running = !matches!(current.kind, "Job" | "CronJob");
    if long_running && ask.yes("Add health checks (readiness and liveness probes)?", false)? {
        ask_probes(ask, current.port, fields)?;
    }
    if ask.yes("Set CPU and memory requests and limits?", false)? {
        fields.set("resources", ask_resources(ask)?);
    }
    if ask.yes("Add environment variables?", false)? {
        fields.set("envVars", Value::Array(ask_env(ask, current.name)?));
    }
    if long_running
        && ask.yes(
            "Add init containers (run to completion before the main container)?",
            false,
        )?
    {
        fields.set(
            "initContainers",
            Value::Array(ask_init_containers(ask, taken)?),
        );
    }
    if ask.yes(
        "Add sidecar containers (run beside the main container)?",
        false,
    )? {
        fields.set("sidecars", Value::Array(ask_sidecars(ask, taken)?));
    }
    if long_running && ask.yes("Join a service mesh (istio, linkerd, consul, kuma)?", false)? {
        fields.set("mesh", ask_mesh(ask)?);
    }
    let scalable = matches!(current.kind, "Deployment" | "StatefulSet");
    if scalable && ask.yes("Scale automatically with a HorizontalPodAutoscaler?", false)? {
        let scaling = ask_autoscaling(ask, current.replicas)?;
        ask_missing_requests(ask, &scaling, fields)?;
        fields.set("autoscaling", scaling);
    }
    Ok(())
}

fn ask_probes(ask: &mut Ask<'_>, port: Option<i64>, fields: &mut Fields) -> Result<()> {
    let probes = [
        (
            "readinessProbe",
            "Readiness probe (traffic only once it passes)?",
            5,
        ),
        (
            "livenessProbe",
            "Liveness probe (restart the container when it fails)?",
            15,
        ),
    ];
    for (key, prompt, delay) in probes {
        if ask.yes(prompt, true)? {
            fields.set(key, ask_probe(ask, port, delay)?);
        }
    }
    Ok(())
}

fn ask_probe(ask: &mut Ask<'_>, port: Option<i64>, delay: i64) -> Result<Value> {
    let kind = ask.choose("Check", PROBE_TYPES, if port.is_some() { 0 } else { 2 })?;
    let mut probe = Fields::default();
    probe.set("type", kind);
    match kind {
        "http" => {
            probe.set(
                "path",
                ask.text("Path", Some("/healthz"), check::check_absolute_path)?,
            );
            probe.set("port", ask_probe_port(ask, port)?);
        }
        "tcp" => probe.set("port", ask_probe_port(ask, port)?),
        _ => probe.set(
            "command",
            ask.text("Command, run with sh -c", None, ask::not_empty)?,
        ),
    }
    probe.set(
        "initialDelaySeconds",
        ask.number("Seconds before the first check", delay, 0)?,
    );
    probe.set(
        "periodSeconds",
        ask.number("Seconds between checks", 10, 1)?,
    );
    probe.set(
        "extra",
        ask.number("Failures in a row before it counts as failed", 3, 1)?,
    );
    Ok(probe.into_value())
}

fn ask_probe_port(ask: &mut Ask<'_>, port: Option<i64>) -> Result<i64> {
    let default = port.map(|p| p.to_string());
    ask.parsed("Port", default.as_deref(), |a| {
        numbers::parse_port(a).map(i64::from)
    })
}

/// An autoscaler measures use as a percentage of the container's request:
/// a target whose request is not set would never scale anything, so the
/// request is asked for here.
fn ask_missing_requests(ask: &mut Ask<'_>, scaling: &Value, fields: &mut Fields) -> Result<()> {
    let needs = [
        (
            "targetCPU",
            "cpu_request",
            "CPU request (the autoscaler measures CPU use against it)",
            "100m",
        ),
        (
            "targetMemory",
            "memory_request",
            "Memory request (the autoscaler measures memory use against it)",
            "128Mi",
        ),
    ];
    for (target, key, prompt, default) in needs {
        let is_set = fields
            .get("resources")
            .and_then(|r| r.get(key))
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if scaling.get(target).is_none() || is_set {
            continue;
        }
        let request = ask.text(prompt, Some(default), check::check_quantity)?;
        if fields.get_mut("resources").is_none() {
            fields.set("resources", no_resources());
        }
        if let Some(Value::Object(resources)) = fields.get_mut("resources") {
            resources.insert(key.to_string(), Value::from(request));
        }
    }
    Ok(())
}

/// Resources as `ask_resources` stores them, every value left empty.
fn no_resources() -> Value {
    let mut resources = Fields::default();
    for key in ["cpu_request", "cpu_limit", "memory_request", "memory_limit"] {
        resources.set(key, "");
    }
    resources.into_value()
}

fn ask_resources(ask: &mut Ask<'_>) -> Result<Value> {
    let questions = [
        (
            "cpu_request",
            "CPU request (reserved; 1 = one core, 100m = a tenth)",
            "100m",
        ),
        ("cpu_limit", "CPU limit", "500m"),
        ("memory_request", "Memory request", "128Mi"),
        (
            "memory_limit",
            "Memory limit (the container is killed above it)",
            "512Mi",
        ),
    ];
    let mut resources = Fields::default();
    for (key, prompt, default) in questions {
        resources.set(key, ask.quantity(prompt, default)?.unwrap_or_default());
    }
    Ok(resources.into_value())
}

fn ask_env(ask: &mut Ask<'_>, service: &str) -> Result<Vec<Value>> {
    ask.repeat("Add another variable?", |ask, vars: &[Value]| {
        let key = ask.text("Variable name, e.g. APP_ENV", None, |a| {
            check::check_env_key(a)?;
            if vars
                .iter()
                .any(|v| v.get("key").and_then(Value::as_str) == Some(a))
            {
                return Err(format!("found \"{a}\" again; each variable is set once"));
            }
            Ok(())
        })?;
        ask_env_value(ask, service, key)
    })
}

fn ask_env_value(ask: &mut Ask<'_>, service: &str, key: String) -> Result<Value> {
    let kind = ask.choose("Kind of value", ENV_TYPES, 0)?;
    let mut var = Fields::default();
    var.set("key", key.as_str());
    var.set("type", kind);
    match kind {
        "hardcoded" => {
            let value = ask.optional("Value", ask::anything)?;
            var.set("value", value.unwrap_or_default());
        }
        "variable" => {
            let placeholder = format!("${{{key}}}");
            var.set("varName", ask.text("Placeholder", Some(&placeholder), ask::not_empty)?);
        }
        _ => ask.say(&format!(
            "  The Secret {service}-secrets will hold {key}: CHANGE_ME; apply keeps a value already in the cluster."
        )),
    }
    Ok(var.into_value())
}

fn ask_init_containers(ask: &mut Ask<'_>, taken: &mut Taken) -> Result<Vec<Value>> {
    ask.repeat("Add another init container?", |ask, _| {
        let c = ask_container(ask, "Init container name, e.g. migrate", taken)?;
        Ok(c.into_value())
    })
}

/// Name, image and command of an extra container; the name must be new
/// in the pod.
fn ask_container(ask: &mut Ask<'_>, prompt: &str, taken: &mut Taken) -> Result<Fields> {
    let mut c = Fields::default();
    let name = ask.name(prompt, None, &taken.containers, CONTAINER_TAKEN)?;
    taken.containers.push(name.clone());
    c.set("name", name);
    c.set("image", ask.text("Image", None, ask::not_empty)?);
    c.set_some("command", ask.command()?);
    Ok(c)
}

fn ask_sidecars(ask: &mut Ask<'_>, taken: &mut Taken) -> Result<Vec<Value>> {
    ask.repeat("Add another sidecar?", |ask, _| {
        let mut c = ask_container(ask, "Sidecar name, e.g. log-shipper", taken)?;
        let native = ask.yes(
            "Native sidecar (Kubernetes 1.28+: starts before and stops after the main container)?",
            true,
        )?;
        c.set("nativeSidecar", native);
        if ask.yes(
            "Share a folder with the main container (e.g. its logs)?",
            false,
        )? {
            let volume = ask.name(
                "Shared volume name",
                Some("shared"),
                &taken.volumes,
                ask::VOLUME_TAKEN,
            )?;
            taken.volumes.push(volume.clone());
            let mount = ask.mount_path(
                "Mount path, the same in both containers",
                Some("/shared"),
                &taken.mounts,
            )?;
            taken.mounts.push(mount.clone());
            c.set("sharedVolume", volume);
            c.set("sharedMount", mount);
        }
        Ok(c.into_value())
    })
}

fn ask_mesh(ask: &mut Ask<'_>) -> Result<Value> {
    let provider = ask.choose("Mesh", MESHES, 0)?;
    let mut mesh = Fields::default();
    mesh.set("provider", provider);
    let quantities = [
        (
            "proxyCpuRequest",
            "Proxy CPU request (Enter for the mesh's default)",
        ),
        (
            "proxyCpuLimit",
            "Proxy CPU limit (Enter for the mesh's default)",
        ),
        (
            "proxyMemRequest",
            "Proxy memory request (Enter for the mesh's default)",
        ),
        (
            "proxyMemLimit",
            "Proxy memory limit (Enter for the mesh's default)",
        ),
    ];
    for (key, prompt) in quantities {
        mesh.set_some(key, ask.optional(prompt, check::check_quantity)?);
    }
    // consul and kuma have no annotations for these.
    if matches!(provider, "istio" | "linkerd") {
        mesh.set_some(
            "logLevel",
            ask.optional(
                "Proxy log level, e.g. warning (Enter for the default)",
                ask::anything,
            )?,
        );
        let inbound = "Inbound ports the proxy skips, e.g. 9090 (Enter for none)";
        let outbound = "Outbound ports the proxy skips (Enter for none)";
        for (key, prompt) in [("excludeInbound", inbound), ("excludeOutbound", outbound)] {
            mesh.set_some(key, ask_port_list(ask, prompt)?);
        }
    }
    Ok(mesh.into_value())
}

/// Ports as `8080,9090`, however they were typed.
fn ask_port_list(ask: &mut Ask<'_>, prompt: &str) -> Result<Option<String>> {
    let ports = ask.optional_parsed(prompt, numbers::parse_port_list)?;
    Ok(ports.flatten())
}

fn ask_autoscaling(ask: &mut Ask<'_>, replicas: Option<i64>) -> Result<Value> {
    let min = ask.number("Minimum replicas", replicas.unwrap_or(1).max(1), 1)?;
    let max = ask.number("Maximum replicas", (min * 2).max(10), min)?;
    let percent = |a: &str| numbers::parse_at_least(a, 1).map(drop);
    let cpu = ask.suggested("Target CPU use, percent of the request", "80", percent)?;
    let memory = ask.optional(
        "Target memory use, percent of the request (Enter for none)",
        percent,
    )?;
    let mut scaling = Fields::default();
    scaling.set("enabled", true);
    scaling.set("minReplicas", min);
    scaling.set("maxReplicas", max);
    for (key, value) in [("targetCPU", cpu), ("targetMemory", memory)] {
        if let Some(value) = value {
            scaling.set(
                key,
                numbers::parse_at_least(&value, 1).map_err(Error::Failed)?,
            );
        }
    }
    Ok(scaling.into_value())
}
