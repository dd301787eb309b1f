//! The optional groups every kind shares, each behind a yes/no so a new user
//! can skip what they do not need: probes, resources, environment, init
//! containers, sidecars, mesh and autoscaling.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::service::{Current, Group, Taken};
use super::{item_name, keep_list, Fields};
use crate::check::{self, numbers};
use crate::error::{Error, Result};
use crate::images::{self, Probe};

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

/// One optional group, ticked in the list of optional settings.
pub fn ask_group(
    ask: &mut Ask<'_>,
    group: Group,
    current: &Current,
    fields: &mut Fields,
) -> Result<()> {
    match group {
        Group::Probes => {
            ask.heading("Health checks");
            ask_probes(ask, current, fields)
        }
        Group::Resources => {
            ask.heading("CPU and memory");
            ask_resources(ask, fields)
        }
        Group::Env => {
            ask.heading("Environment variables");
            let describe = |v: &Value| ask::scalar_text(v.get("key")).unwrap_or_default();
            if !keep_list(ask, fields, "envVars", "environment variables", describe)? {
                fields.set("envVars", Value::Array(ask_env(ask, &current.name)?));
            }
            Ok(())
        }
        Group::Init => {
            ask.heading("Init containers");
            if !keep_list(ask, fields, "initContainers", "init containers", item_name)? {
                let mut taken = Taken::of(fields, &["initContainers"]);
                let init = ask_init_containers(ask, &mut taken)?;
                fields.set("initContainers", Value::Array(init));
            }
            Ok(())
        }
        Group::Sidecars => {
            ask.heading("Sidecar containers");
            if !keep_list(ask, fields, "sidecars", "sidecars", item_name)? {
                let mut taken = Taken::of(fields, &["sidecars"]);
                let sidecars = ask_sidecars(ask, &mut taken)?;
                fields.set("sidecars", Value::Array(sidecars));
            }
            Ok(())
        }
        Group::Mesh => {
            ask.heading("Service mesh");
            let provider = fields
                .get("mesh")
                .and_then(|m| ask::scalar_text(m.get("provider")));
            if let Some(provider) = provider {
                if ask.yes(&format!("Keep the {provider} mesh settings?"), true)? {
                    return Ok(());
                }
            }
            fields.set("mesh", ask_mesh(ask)?);
            Ok(())
        }
        Group::Autoscaling => {
            ask.heading("Autoscaling");
            let before = fields.get("autoscaling").cloned();
            let scaling = ask_autoscaling(ask, current.replicas, before.as_ref())?;
            ask_missing_requests(ask, &scaling, fields)?;
            // Unchanged answers keep the file's value as written.
            if before.as_ref().map(same_scaling) != Some(same_scaling(&scaling)) {
                fields.set("autoscaling", scaling);
            }
            Ok(())
        }
    }
}

/// The autoscaling answers as numbers, however the file wrote them.
fn same_scaling(scaling: &Value) -> Vec<Option<String>> {
    [
        "enabled",
        "minReplicas",
        "maxReplicas",
        "targetCPU",
        "targetMemory",
    ]
    .iter()
    .map(|k| ask::scalar_text(scaling.get(*k)))
    .collect()
}

const PROBES: [(&str, &str, i64); 2] = [
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

fn ask_probes(ask: &mut Ask<'_>, current: &Current, fields: &mut Fields) -> Result<()> {
    let port = current.port;
    let none_yet = PROBES.iter().all(|(key, _, _)| !fields.has(key));
    // A well-known image's usual check, both probes in one answer.
    let usual = current.known.and_then(|k| k.probe).zip(port);
    if let (true, Some((probe, port))) = (none_yet, usual) {
        let (kind, what) = match probe {
            Probe::Tcp => ("tcp", format!("TCP port {port}")),
            Probe::Http(path) => ("http", format!("HTTP GET {path} on port {port}")),
        };
        let image = fields
            .str("image")
            .map(images::repository_name)
            .unwrap_or_default();
        if ask.yes(
            &format!("Use the usual checks for {image} ({what}, readiness and liveness)?"),
            true,
        )? {
            for (key, _, delay) in PROBES {
                let mut check = Fields::default();
                check.set("type", kind);
                if let Probe::Http(path) = probe {
                    check.set("path", path);
                }
                check.set("port", port);
                check.set("initialDelaySeconds", delay);
                check.set("periodSeconds", 10);
                check.set("extra", 3);
                fields.set(key, check.into_value());
            }
            return Ok(());
        }
    }
    for (key, prompt, delay) in PROBES {
        let before = fields.get(key).cloned();
        if ask.yes(prompt, before.is_some() || none_yet)? {
            let probe = ask_probe(ask, port, delay, before.as_ref())?;
            fields.set(key, probe);
        } else {
            fields.remove(key);
        }
    }
    Ok(())
}

fn ask_probe(
    ask: &mut Ask<'_>,
    port: Option<i64>,
    delay: i64,
    before: Option<&Value>,
) -> Result<Value> {
    let mut probe = Fields::from(before.unwrap_or(&Value::Null));
    let kind = ask.choose_from(
        "Check",
        PROBE_TYPES,
        probe.str("type"),
        if port.is_some() { 0 } else { 2 },
    )?;
    probe.set("type", kind);
    let port_text = probe.text("port").or_else(|| port.map(|p| p.to_string()));
    match kind {
        "http" => {
            let path = ask.text(
                "Path",
                Some(probe.text("path").as_deref().unwrap_or("/healthz")),
                check::check_absolute_path,
            )?;
            probe.answer("path", &path, path.as_str());
            let port = ask_probe_port(ask, port_text.as_deref())?;
            probe.answer("port", &port.to_string(), port);
            probe.remove("command");
        }
        "tcp" => {
            let port = ask_probe_port(ask, port_text.as_deref())?;
            probe.answer("port", &port.to_string(), port);
            probe.remove("path");
            probe.remove("command");
        }
        _ => {
            let command = ask.text(
                "Command, run with sh -c",
                probe.text("command").as_deref(),
                ask::not_empty,
            )?;
            probe.answer("command", &command, command.as_str());
            probe.remove("path");
            probe.remove("port");
        }
    }
    let numbers = [
        (
            "initialDelaySeconds",
            "Seconds before the first check",
            delay,
            0,
        ),
        ("periodSeconds", "Seconds between checks", 10, 1),
        (
            "extra",
            "Failures in a row before it counts as failed",
            3,
            1,
        ),
    ];
    for (key, prompt, default, min) in numbers {
        let default = probe.text(key).unwrap_or_else(|| default.to_string());
        let n = ask.parsed(prompt, Some(&default), |a| numbers::parse_at_least(a, min))?;
        probe.answer(key, &n.to_string(), n);
    }
    Ok(probe.into_value())
}

fn ask_probe_port(ask: &mut Ask<'_>, default: Option<&str>) -> Result<i64> {
    ask.parsed("Port", default, |a| numbers::parse_port(a).map(i64::from))
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
            fields.set("resources", Value::Object(serde_json::Map::new()));
        }
        if let Some(Value::Object(resources)) = fields.get_mut("resources") {
            resources.insert(key.to_string(), Value::from(request));
        }
    }
    Ok(())
}

/// The four quantities; only those answered are stored (an empty answer
/// is left out of the file), other keys of `resources` stay.
fn ask_resources(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
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
    let before = fields.get("resources").cloned();
    let mut resources = Fields::from(before.as_ref().unwrap_or(&Value::Null));
    for (key, prompt, default) in questions {
        let current = match resources.get(key) {
            // An empty value in the file means "not set": offer none.
            Some(Value::String(s)) if s.is_empty() => None,
            Some(_) => resources.text(key),
            None if before.is_some() => None,
            None => Some(default.to_string()),
        };
        match ask.optional_from(prompt, current.as_deref(), check::check_quantity)? {
            Some(answer) => resources.answer(key, &answer, answer.as_str()),
            None if resources.str(key) == Some("") => {}
            None => resources.remove(key),
        }
    }
    if resources.is_empty() {
        fields.remove("resources");
    } else {
        fields.set("resources", resources.into_value());
    }
    Ok(())
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

fn ask_autoscaling(
    ask: &mut Ask<'_>,
    replicas: Option<i64>,
    before: Option<&Value>,
) -> Result<Value> {
    let was = |key: &str| before.and_then(|b| ask::scalar_text(b.get(key)));
    let was_number = |key: &str| was(key).and_then(|t| t.parse::<i64>().ok());
    let min_default = was_number("minReplicas").unwrap_or(replicas.unwrap_or(1).max(1));
    let min = ask.number("Minimum replicas", min_default, 1)?;
    let max_default = was_number("maxReplicas").unwrap_or((min * 2).max(10));
    let max = ask.number("Maximum replicas", max_default, min)?;
    let percent = |a: &str| numbers::parse_at_least(a, 1).map(drop);
    let cpu_default = match before {
        Some(_) => was("targetCPU"),
        None => Some("80".to_string()),
    };
    let cpu = ask.optional_from(
        "Target CPU use, percent of the request (Enter for none)",
        cpu_default.as_deref(),
        percent,
    )?;
    let memory = ask.optional_from(
        "Target memory use, percent of the request (Enter for none)",
        was("targetMemory").as_deref(),
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
