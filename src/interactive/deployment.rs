//! A Deployment's own questions: Service type, rollout strategy, volumes,
//! and the services it waits for.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::service::Current;
use super::{volumes, Fields};
use crate::check::numbers;
use crate::error::Result;

const SERVICE_TYPES: &[Choice] = &[
    ("ClusterIP", "reachable inside the cluster (default)"),
    ("NodePort", "also on a port of every node"),
    ("LoadBalancer", "through a cloud load balancer"),
];

/// The rollout choices: the first is STATE.md's default (maxSurge 1,
/// maxUnavailable 0), taken without asking for the limits.
const ROLLOUTS: &[Choice] = &[
    (
        "RollingUpdate",
        "replace pods gradually, no downtime: one extra pod at a time (default)",
    ),
    (
        "RollingUpdate",
        "with limits you choose (maxSurge, maxUnavailable)",
    ),
    ("Recreate", "stop every old pod, then start the new ones"),
];

pub fn ask(
    ask: &mut Ask<'_>,
    current: &Current,
    earlier: &[Value],
    fields: &mut Fields,
) -> Result<()> {
    if current.port.is_some() {
        let service_type =
            ask.choose_from("Service type", SERVICE_TYPES, fields.str("serviceType"), 0)?;
        fields.choice("serviceType", service_type, "ClusterIP");
    }
    ask_rollout(ask, fields)?;
    volumes::ask_volumes(ask, fields)?;
    let dependencies = ask_dependencies(ask, &current.name, earlier, fields)?;
    if dependencies.is_empty() {
        fields.remove("dependencies");
    } else if fields.get("dependencies") != Some(&Value::from(dependencies.clone())) {
        fields.set("dependencies", Value::from(dependencies));
    }
    Ok(())
}

/// The strategy, and the limits only when asked for: the default ones
/// are left out of the file.
fn ask_rollout(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    let limits = [fields.text("maxSurge"), fields.text("maxUnavailable")];
    let default_limits = matches!(limits[0].as_deref(), None | Some("1"))
        && matches!(limits[1].as_deref(), None | Some("0"));
    let default = match fields.str("strategy") {
        Some("Recreate") => 2,
        _ if default_limits => 0,
        _ => 1,
    };
    let choice = ask.choose_index("Rollout strategy", ROLLOUTS, default)?;
    match choice {
        2 => {
            fields.set("strategy", "Recreate");
            fields.remove("maxSurge");
            fields.remove("maxUnavailable");
        }
        0 => {
            // The default strategy: an absent key stays absent.
            if fields.has("strategy") {
                fields.set("strategy", "RollingUpdate");
            }
            if !default_limits {
                fields.remove("maxSurge");
                fields.remove("maxUnavailable");
            }
        }
        _ => {
            fields.set("strategy", "RollingUpdate");
            ask_rolling_update(ask, fields)?;
        }
    }
    Ok(())
}

fn ask_rolling_update(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    // A rollout may surge past the replica count, as the state file allows.
    let surge = ask.text(
        "maxSurge (extra pods during a rollout, a number or a percentage)",
        Some(fields.text("maxSurge").as_deref().unwrap_or("1")),
        |a| numbers::parse_int_or_percent(a, true).map(drop),
    )?;
    let surge_is_zero = is_zero(&surge);
    let unavailable = ask.text(
        "maxUnavailable (pods that may be down during a rollout)",
        Some(fields.text("maxUnavailable").as_deref().unwrap_or("0")),
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
    fields.answer("maxSurge", &surge, ask::int_or_percent_value(&surge)?);
    fields.answer(
        "maxUnavailable",
        &unavailable,
        ask::int_or_percent_value(&unavailable)?,
    );
    Ok(())
}

fn is_zero(text: &str) -> bool {
    numbers::int_or_percent(text, false).is_some_and(|v| numbers::is_zero(&v))
}

/// Earlier services this one waits for: only those with a Service to wait
/// on (a port, and not a Job).
fn ask_dependencies(
    ask: &mut Ask<'_>,
    name: &str,
    earlier: &[Value],
    fields: &Fields,
) -> Result<Vec<String>> {
    let candidates: Vec<String> = earlier
        .iter()
        .filter(|s| s.get("port").is_some())
        .filter_map(super::service::service_name)
        .collect();
    let before: Vec<String> = fields
        .get("dependencies")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if candidates.is_empty() {
        // Nothing to choose from; names the file gives are kept.
        return Ok(before);
    }
    let items: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let prompt =
        format!("Services {name} waits for before it starts (none ticked: starts at once)");
    let was_ticked: Vec<bool> = candidates.iter().map(|c| before.contains(c)).collect();
    let ticked: Vec<String> = ask
        .tick(&prompt, &items, &was_ticked)?
        .into_iter()
        .map(|i| candidates[i].clone())
        .collect();
    // Names that are not offered here (infrastructure decisions) stay, in
    // the file's order, followed by newly ticked services.
    let mut chosen: Vec<String> = before
        .into_iter()
        .filter(|d| !candidates.contains(d) || ticked.contains(d))
        .collect();
    for name in ticked {
        if !chosen.contains(&name) {
            chosen.push(name);
        }
    }
    Ok(chosen)
}
