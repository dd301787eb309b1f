//! A Deployment's own questions: Service type, rollout strategy, volumes,
//! and the services it waits for.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::service::{Current, Taken};
use super::{volumes, Fields};
use crate::check::numbers;
use crate::error::Result;

const SERVICE_TYPES: &[Choice] = &[
    ("ClusterIP", "reachable inside the cluster (default)"),
    ("NodePort", "also on a port of every node"),
    ("LoadBalancer", "through a cloud load balancer"),
];

const STRATEGIES: &[Choice] = &[
    (
        "RollingUpdate",
        "replace pods gradually, no downtime (default)",
    ),
    ("Recreate", "stop every old pod, then start the new ones"),
];

pub fn ask(
    ask: &mut Ask<'_>,
    current: &Current<'_>,
    earlier: &[Value],
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    if current.port.is_some() {
        fields.set("serviceType", ask.choose("Service type", SERVICE_TYPES, 0)?);
    }
    let strategy = ask.choose("Rollout strategy", STRATEGIES, 0)?;
    fields.set("strategy", strategy);
    if strategy == "RollingUpdate" {
        ask_rolling_update(ask, fields)?;
    }
    let volumes = volumes::ask_volumes(ask, taken)?;
    if !volumes.is_empty() {
        fields.set("volumes", Value::Array(volumes));
    }
    let dependencies = ask_dependencies(ask, current.name, earlier)?;
    if !dependencies.is_empty() {
        fields.set("dependencies", Value::from(dependencies));
    }
    Ok(())
}

fn ask_rolling_update(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    // A rollout may surge past the replica count, as the state file allows.
    let surge = ask.text(
        "maxSurge (extra pods during a rollout, a number or a percentage)",
        Some("1"),
        |a| numbers::parse_int_or_percent(a, true).map(drop),
    )?;
    let surge_is_zero = is_zero(&surge);
    let unavailable = ask.text(
        "maxUnavailable (pods that may be down during a rollout)",
        Some("0"),
        |a| {
            numbers::parse_int_or_percent(a, false)?;
            if surge_is_zero && is_zero(a) {
                return Err(format!(
                    "found {a} with maxSurge {surge}; at least one of them must be above 0 or no pod could ever be replaced"
                ));
            }
            Ok(())
        },
    )?;
    fields.set("maxSurge", ask::int_or_percent_value(&surge)?);
    fields.set("maxUnavailable", ask::int_or_percent_value(&unavailable)?);
    Ok(())
}

fn is_zero(text: &str) -> bool {
    numbers::int_or_percent(text, false).is_some_and(|v| numbers::is_zero(&v))
}

/// Earlier services this one waits for: only those with a Service to wait
/// on (a port, and not a Job).
fn ask_dependencies(ask: &mut Ask<'_>, name: &str, earlier: &[Value]) -> Result<Vec<String>> {
    let candidates: Vec<String> = earlier
        .iter()
        .filter(|s| s.get("port").is_some())
        .filter_map(super::service::service_name)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let prompt =
        format!("Services {name} waits for before it starts (none ticked: starts at once)");
    let ticked = ask.tick(&prompt, &items)?;
    Ok(ticked.into_iter().map(|i| candidates[i].clone()).collect())
}
