//! One service: the questions every kind shares, then its kind's own, then
//! the optional groups behind a yes/no.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::{daemonset, deployment, job, pod, statefulset, Fields};
use crate::error::{Error, Result};

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

/// The answers about one service so far, for the questions that depend on
/// them.
pub struct Current<'a> {
    pub name: &'a str,
    pub kind: &'static str,
    pub port: Option<i64>,
    pub replicas: Option<i64>,
    /// The project has an Ingress host, which needs a ClusterIP Service.
    pub ingress: bool,
}

/// Ask for service number `number` (from 1), given the ones entered before
/// and whether the project has an Ingress host.
pub fn ask_service(
    ask: &mut Ask<'_>,
    number: usize,
    earlier: &[Value],
    ingress: bool,
) -> Result<Value> {
    ask.heading(&format!("Service {number}"));
    let names: Vec<String> = earlier.iter().filter_map(service_name).collect();
    // A service's own Service takes its name, so a StatefulSet's headless
    // Service name is taken too.
    let headless = earlier
        .iter()
        .filter_map(|s| s.get("headlessServiceName")?.as_str());
    let taken: Vec<String> = names
        .iter()
        .cloned()
        .chain(headless.map(str::to_string))
        .collect();
    let name = ask.name(
        "Service name, e.g. web",
        None,
        &taken,
        "the name of another service or of a StatefulSet's headless Service",
    )?;
    let kind = ask.choose("Kind of workload", KINDS, 0)?;
    let image = ask.text("Container image, e.g. nginx:1.27", None, ask::not_empty)?;
    let mut fields = Fields::default();
    fields.set("name", name.as_str());
    fields.set("kind", kind);
    fields.set("image", image);
    let port = ask_port(ask, kind)?;
    fields.set_some("port", port);
    let replicas = match kind {
        "Deployment" | "StatefulSet" => Some(ask.number("Replicas (pods to run)", 1, 0)?),
        _ => None,
    };
    fields.set_some("replicas", replicas);
    let current = Current {
        name: &name,
        kind,
        port,
        replicas,
        ingress,
    };
    let mut taken = Taken {
        containers: vec![name.clone()],
        ..Taken::default()
    };
    match kind {
        "StatefulSet" => statefulset::ask(ask, &current, &names, &mut taken, &mut fields)?,
        "Deployment" => deployment::ask(ask, &current, earlier, &mut taken, &mut fields)?,
        "DaemonSet" => daemonset::ask(ask, &mut taken, &mut fields)?,
        _ => job::ask(ask, kind, &mut fields)?,
    }
    pod::ask_groups(ask, &current, &mut taken, &mut fields)?;
    Ok(fields.into_value())
}

/// Jobs have no Service, so no port is asked; a DaemonSet often needs none.
fn ask_port(ask: &mut Ask<'_>, kind: &str) -> Result<Option<i64>> {
    let check = |a: &str| crate::check::numbers::parse_port(a).map(drop);
    let answer = match kind {
        "Job" | "CronJob" => None,
        "DaemonSet" => ask.optional("Container port (Enter for none)", check)?,
        _ => ask.suggested("Container port", "8080", check)?,
    };
    answer
        .map(|a| crate::check::numbers::parse_port(&a).map(i64::from))
        .transpose()
        .map_err(Error::Failed)
}

pub fn service_name(service: &Value) -> Option<String> {
    service.get("name")?.as_str().map(str::to_string)
}
