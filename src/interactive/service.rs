//! One service, in steps: the questions every kind shares, its kind's own,
//! which optional groups it has, then each group. Esc in a step goes back
//! to the step before; every question offers the answer already there (the
//! file's value when editing, or the answer given before going back).

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::{daemonset, deployment, job, pod, statefulset, Fields};
use crate::error::{Error, Result};
use crate::images::{self, Known};

pub const KINDS: &[Choice] = &[
    (
        "Deployment",
        "interchangeable pods, e.g. a web app or an API",
    ),
    (
        "StatefulSet",
        "pods with stable names and their own storage, e.g. a database",
    ),
    ("DaemonSet", "one pod on every node, e.g. a log collector"),
    ("Job", "runs once to completion, e.g. a migration"),
    ("CronJob", "runs a Job on a schedule, e.g. a nightly backup"),
];

/// What later answers of one service must not repeat: names of containers
/// and volumes in its pod, and paths mounted in its main container.
#[derive(Debug, Default)]
pub struct Taken {
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
    pub mounts: Vec<String>,
}

impl Taken {
    /// What the service's answers take, leaving out the lists under
    /// `except` (the ones about to be asked again).
    pub fn of(fields: &Fields, except: &[&str]) -> Taken {
        let mut taken = Taken::default();
        taken.containers.extend(fields.text("name"));
        let items = |key: &str| -> Vec<Value> {
            if except.contains(&key) {
                return Vec::new();
            }
            fields
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let text = |item: &Value, key: &str| ask::scalar_text(item.get(key));
        for item in items("initContainers") {
            taken.containers.extend(text(&item, "name"));
        }
        for item in items("volumes")
            .into_iter()
            .chain(items("volumeClaimTemplates"))
        {
            taken.volumes.extend(text(&item, "name"));
            taken.mounts.extend(text(&item, "mountPath"));
        }
        for item in items("sidecars") {
            taken.containers.extend(text(&item, "name"));
            taken.volumes.extend(text(&item, "sharedVolume"));
            taken.mounts.extend(text(&item, "sharedMount"));
        }
        taken
    }
}

/// The answers about one service so far, for the questions that depend on
/// them.
pub struct Current {
    pub name: String,
    pub kind: &'static str,
    pub port: Option<i64>,
    pub replicas: Option<i64>,
    /// The project has an Ingress host, which needs a ClusterIP Service.
    pub ingress: bool,
    /// What is known about the image (port, data path, probe).
    pub known: Option<&'static Known>,
    /// Services before this one that the Ingress routes to.
    pub routed_before: usize,
}

/// The optional groups, each a step of its own when ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Probes,
    Resources,
    Env,
    Init,
    Sidecars,
    Mesh,
    Autoscaling,
}

impl Group {
    const ALL: [Group; 7] = [
        Group::Probes,
        Group::Resources,
        Group::Env,
        Group::Init,
        Group::Sidecars,
        Group::Mesh,
        Group::Autoscaling,
    ];

    fn label(self) -> &'static str {
        match self {
            Group::Probes => "health checks (readiness and liveness probes)",
            Group::Resources => "CPU and memory requests and limits",
            Group::Env => "environment variables",
            Group::Init => "init containers (run to completion first)",
            Group::Sidecars => "sidecar containers",
            Group::Mesh => "service mesh (istio, linkerd, consul, kuma)",
            Group::Autoscaling => "autoscaling (HorizontalPodAutoscaler)",
        }
    }

    /// The state keys the group's questions set.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Group::Probes => &["readinessProbe", "livenessProbe"],
            Group::Resources => &["resources"],
            Group::Env => &["envVars"],
            Group::Init => &["initContainers"],
            Group::Sidecars => &["sidecars"],
            Group::Mesh => &["mesh"],
            Group::Autoscaling => &["autoscaling"],
        }
    }

    /// Whether the group means anything for a kind.
    fn applies(self, kind: &str) -> bool {
        let long_running = !matches!(kind, "Job" | "CronJob");
        match self {
            Group::Probes | Group::Init | Group::Mesh => long_running,
            Group::Autoscaling => matches!(kind, "Deployment" | "StatefulSet"),
            _ => true,
        }
    }

    /// Groups the service has in the file (or from earlier answers).
    fn present(fields: &Fields) -> Vec<Group> {
        Group::ALL
            .into_iter()
            .filter(|g| g.keys().iter().any(|k| fields.has(k)))
            .collect()
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Basics,
    Kind,
    Options,
    Group(Group),
}

struct Draft {
    fields: Fields,
    groups: Vec<Group>,
}

fn plan(draft: &Draft) -> Vec<Step> {
    let mut steps = vec![Step::Basics, Step::Kind, Step::Options];
    steps.extend(draft.groups.iter().map(|g| Step::Group(*g)));
    steps
}

/// Ask about service `index` of `services` (a new one is an empty object),
/// in place: even when the questions stop early (Esc out of its first
/// step, Ctrl-C), the answers given so far are in `services[index]`.
/// `at_end` starts at its last step (going back into it).
pub fn ask_service_at(
    ask: &mut Ask<'_>,
    services: &mut [Value],
    index: usize,
    ingress: bool,
    at_end: bool,
) -> Result<()> {
    ask.heading(&format!("Service {}", index + 1));
    let others: Vec<Value> = services
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| s.clone())
        .collect();
    let earlier: Vec<Value> = services[..index].to_vec();
    let routed_before = earlier.iter().filter(|s| is_routed(s)).count();
    let fields = Fields::from(&services[index]);
    let mut draft = Draft {
        groups: Group::present(&fields),
        fields,
    };
    let outcome = ask.steps(
        &mut draft,
        plan,
        |ask, step, draft| {
            run_step(
                ask,
                step,
                draft,
                &Context {
                    others: &others,
                    earlier: &earlier,
                    ingress,
                    routed_before,
                },
            )
        },
        at_end,
    );
    services[index] = draft.fields.into_value();
    outcome
}

struct Context<'a> {
    others: &'a [Value],
    earlier: &'a [Value],
    ingress: bool,
    routed_before: usize,
}

/// Whether the Ingress routes to a service (STATE.md 7.2): a Deployment or
/// DaemonSet with a port, a StatefulSet with `alsoCreateClusterIP`.
pub fn is_routed(service: &Value) -> bool {
    let has_port = service.get("port").is_some_and(|p| !p.is_null());
    match service
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("Deployment")
    {
        "Deployment" | "DaemonSet" => has_port,
        "StatefulSet" => {
            has_port && service.get("alsoCreateClusterIP").and_then(Value::as_bool) == Some(true)
        }
        _ => false,
    }
}

fn run_step(ask: &mut Ask<'_>, step: Step, draft: &mut Draft, cx: &Context<'_>) -> Result<()> {
    match step {
        Step::Basics => ask_basics(ask, &mut draft.fields, cx.others),
        Step::Kind => {
            let current = current(&draft.fields, cx);
            let fields = &mut draft.fields;
            match current.kind {
                "StatefulSet" => statefulset::ask(ask, &current, cx.others, fields),
                "Deployment" => deployment::ask(ask, &current, cx.earlier, fields),
                "DaemonSet" => daemonset::ask(ask, fields),
                kind => job::ask(ask, kind, fields),
            }
        }
        Step::Options => ask_options(ask, draft),
        Step::Group(group) => {
            let current = current(&draft.fields, cx);
            pod::ask_group(ask, group, &current, &mut draft.fields)
        }
    }
}

/// The answers so far as the later questions need them.
fn current(fields: &Fields, cx: &Context<'_>) -> Current {
    let kind = fields.str("kind").unwrap_or("Deployment");
    let kind = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Deployment", |(k, _)| k);
    let number = |key: &str| {
        fields
            .text(key)
            .and_then(|t| crate::check::numbers::parse_at_least(&t, 0).ok())
    };
    Current {
        name: fields.str("name").unwrap_or_default().to_string(),
        kind,
        port: number("port"),
        replicas: number("replicas"),
        ingress: cx.ingress,
        known: fields.str("image").and_then(images::of_image),
        routed_before: cx.routed_before,
    }
}

/// Name, image, kind, port and replicas.
fn ask_basics(ask: &mut Ask<'_>, fields: &mut Fields, others: &[Value]) -> Result<()> {
    // A service's own Service takes its name, so a StatefulSet's headless
    // Service name is taken too.
    let taken: Vec<String> = others
        .iter()
        .filter_map(service_name)
        .chain(
            others
                .iter()
                .filter_map(|s| Some(s.get("headlessServiceName")?.as_str()?.to_string())),
        )
        .collect();
    let is_new = !fields.has("image");
    let name = ask.name(
        "Service name, e.g. web",
        fields.text("name").as_deref(),
        &taken,
        "the name of another service or of a StatefulSet's headless Service",
    )?;
    fields.answer("name", &name, name.as_str());
    let image = ask.text(
        "Container image, e.g. nginx:1.27",
        fields.text("image").as_deref(),
        ask::not_empty,
    )?;
    fields.answer("image", &image, image.as_str());
    let known = images::of_image(&image);
    // A database (or anything that keeps data) is suggested a StatefulSet.
    let suggested = usize::from(known.is_some_and(|k| k.stateful));
    let before = fields.str("kind").map(str::to_string);
    let prompt = match known {
        Some(k) if k.stateful => format!(
            "Kind of workload ({} keeps data: StatefulSet suggested)",
            images::repository_name(&image)
        ),
        _ => "Kind of workload".to_string(),
    };
    let kind = ask.choose_from(&prompt, KINDS, before.as_deref(), suggested)?;
    // A new service says its kind; an edited one without `kind` (a
    // Deployment by default) keeps its text.
    if is_new {
        fields.set("kind", kind);
    } else {
        fields.choice("kind", kind, "Deployment");
    }
    if before.as_deref().is_some_and(|b| b != kind) {
        forget_other_kinds(fields, kind);
    }
    let port = ask_port(ask, kind, fields.text("port").as_deref(), known)?;
    match port {
        Some(port) => fields.answer("port", &port.to_string(), port),
        None => fields.remove("port"),
    }
    if matches!(kind, "Deployment" | "StatefulSet") {
        let current = fields.text("replicas");
        let replicas = ask.parsed(
            "Replicas (pods to run)",
            Some(current.as_deref().unwrap_or("1")),
            |a| crate::check::numbers::parse_at_least(a, 0),
        )?;
        fields.answer("replicas", &replicas.to_string(), replicas);
    }
    Ok(())
}

/// After a change of kind, the answers only the old kind used are left
/// out (the state reader would warn that they do nothing).
fn forget_other_kinds(fields: &mut Fields, kind: &str) {
    let pointless: Vec<String> = fields
        .keys()
        .filter(|k| !crate::state::has_effect(k, kind))
        .collect();
    for key in pointless {
        fields.remove(&key);
    }
    // A strategy's values differ by kind (Recreate, OnDelete).
    fields.remove("strategy");
    if matches!(kind, "Job" | "CronJob") {
        fields.remove("port");
    }
}

/// Jobs have no Service, so no port is asked; a DaemonSet often needs none.
/// The default is the answer already given, else the image's usual port.
fn ask_port(
    ask: &mut Ask<'_>,
    kind: &str,
    current: Option<&str>,
    known: Option<&Known>,
) -> Result<Option<i64>> {
    let check = |a: &str| crate::check::numbers::parse_port(a).map(drop);
    let usual = known.and_then(|k| k.port).map(|p| p.to_string());
    let default = current.map(str::to_string).or(usual);
    let answer = match kind {
        "Job" | "CronJob" => None,
        "DaemonSet" => {
            ask.optional_from("Container port (Enter for none)", default.as_deref(), check)?
        }
        _ => ask.suggested(
            "Container port",
            default.as_deref().unwrap_or("8080"),
            check,
        )?,
    };
    answer
        .map(|a| crate::check::numbers::parse_port(&a).map(i64::from))
        .transpose()
        .map_err(Error::Failed)
}

/// Which optional groups the service has: one list instead of a yes/no
/// per group. A well-known image's health check is ticked to begin with.
fn ask_options(ask: &mut Ask<'_>, draft: &mut Draft) -> Result<()> {
    let kind = draft.fields.str("kind").unwrap_or("Deployment").to_string();
    let groups: Vec<Group> = Group::ALL
        .into_iter()
        .filter(|g| g.applies(&kind))
        .collect();
    let known_probe = draft
        .fields
        .str("image")
        .and_then(images::of_image)
        .is_some_and(|k| k.probe.is_some() && k.port.is_some());
    let fresh = draft.groups.is_empty();
    let ticked: Vec<bool> = groups
        .iter()
        .map(|g| draft.groups.contains(g) || (fresh && known_probe && *g == Group::Probes))
        .collect();
    let labels: Vec<&str> = groups.iter().map(|g| g.label()).collect();
    let chosen = ask.tick("Optional settings (none ticked: none)", &labels, &ticked)?;
    let chosen: Vec<Group> = chosen.into_iter().map(|i| groups[i]).collect();
    // A group unticked is left out of the file.
    for group in Group::ALL {
        if !chosen.contains(&group) {
            for key in group.keys() {
                draft.fields.remove(key);
            }
        }
    }
    draft.groups = chosen;
    Ok(())
}

pub fn service_name(service: &Value) -> Option<String> {
    service.get("name")?.as_str().map(str::to_string)
}
