//! A DaemonSet's own questions: update strategy, where it runs (node
//! selector, tolerations), the node's namespaces it shares, and volumes.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
use super::service::Taken;
use super::{volumes, Fields};
use crate::check::{self, numbers};
use crate::error::Result;

const STRATEGIES: &[Choice] = &[
    ("RollingUpdate", "replace pods node by node (default)"),
    ("OnDelete", "replace a pod only when you delete it"),
];

const OPERATORS: &[Choice] = &[
    ("Equal", "the taint has this key and value"),
    ("Exists", "the taint has this key, any value"),
];

const EFFECTS: &[Choice] = &[
    ("any", "every effect (default)"),
    ("NoSchedule", ""),
    ("PreferNoSchedule", ""),
    ("NoExecute", ""),
];

const HOST_NAMESPACES: &[&str] = &["hostNetwork", "hostPID", "hostIPC"];

pub fn ask(ask: &mut Ask<'_>, taken: &mut Taken, fields: &mut Fields) -> Result<()> {
    let strategy = ask.choose("Update strategy", STRATEGIES, 0)?;
    fields.set("strategy", strategy);
    if strategy == "RollingUpdate" {
        let unavailable = ask.optional(
            "maxUnavailable (nodes updated at once, a number or a percentage; Enter for 1)",
            |a| match numbers::parse_int_or_percent(a, false)? {
                // No maxSurge here, so 0 would let no pod be replaced.
                value if numbers::is_zero(&value) => Err(format!(
                    "found {a}; a DaemonSet's rolling update must take at least one pod down at a time"
                )),
                _ => Ok(()),
            },
        )?;
        if let Some(value) = unavailable {
            fields.set("maxUnavailable", ask::int_or_percent_value(&value)?);
        }
    }
    let selector = ask.optional(
        "Node selector, e.g. disktype=ssd, kubernetes.io/os=linux (Enter for every node)",
        check::names::check_selector,
    )?;
    fields.set_some("nodeSelector", selector);
    let tolerations = ask_tolerations(ask)?;
    if !tolerations.is_empty() {
        fields.set("tolerations", Value::Array(tolerations));
    }
    let shared = ask.tick(
        "Share the node's namespaces (usually none)",
        HOST_NAMESPACES,
    )?;
    for index in shared {
        fields.set(HOST_NAMESPACES[index], true);
    }
    let volumes = volumes::ask_volumes(ask, taken)?;
    if !volumes.is_empty() {
        fields.set("volumes", Value::Array(volumes));
    }
    Ok(())
}

fn ask_tolerations(ask: &mut Ask<'_>) -> Result<Vec<Value>> {
    if !ask.yes("Add tolerations (also run on nodes with taints)?", false)? {
        return Ok(Vec::new());
    }
    ask.repeat("Add another toleration?", |ask, _| ask_toleration(ask))
}

fn ask_toleration(ask: &mut Ask<'_>) -> Result<Value> {
    let mut fields = Fields::default();
    let key = ask.optional(
        "Taint key, e.g. node-role.kubernetes.io/control-plane (Enter to tolerate every taint)",
        check::names::check_label_key,
    )?;
    let operator = match &key {
        None => "Exists",
        Some(_) => ask.choose("Operator", OPERATORS, 0)?,
    };
    fields.set_some("key", key);
    fields.set("operator", operator);
    if operator == "Equal" {
        let value = ask.optional(
            "Taint value (Enter for empty)",
            check::names::check_label_value,
        )?;
        fields.set_some("value", value);
    }
    let effect = ask.choose("Effect", EFFECTS, 0)?;
    if effect != "any" {
        fields.set("effect", effect);
    }
    Ok(fields.into_value())
}
