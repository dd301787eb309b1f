//! A DaemonSet's own questions: update strategy, where it runs (node
//! selector, tolerations), the node's namespaces it shares, and volumes.

use serde_json::Value;

use super::ask::{self, Ask, Choice};
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

pub fn ask(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    let strategy = ask.choose_from("Update strategy", STRATEGIES, fields.str("strategy"), 0)?;
    fields.choice("strategy", strategy, "RollingUpdate");
    if strategy == "RollingUpdate" {
        let unavailable = ask.optional_from(
            "maxUnavailable (nodes updated at once, a number or a percentage; Enter for 1)",
            fields.text("maxUnavailable").as_deref(),
            |a| match numbers::parse_int_or_percent(a, false)? {
                // No maxSurge here, so 0 would let no pod be replaced.
                value if numbers::is_zero(&value) => Err(format!(
                    "found {a}; a DaemonSet's rolling update must take at least one pod down at a time"
                )),
                _ => Ok(()),
            },
        )?;
        match unavailable {
            Some(value) => {
                fields.answer("maxUnavailable", &value, ask::int_or_percent_value(&value)?)
            }
            None => fields.remove("maxUnavailable"),
        }
    } else {
        fields.remove("maxUnavailable");
    }
    let selector = ask.optional_from(
        "Node selector, e.g. disktype=ssd, kubernetes.io/os=linux (Enter for every node)",
        fields.text("nodeSelector").as_deref(),
        check::names::check_selector,
    )?;
    match selector {
        Some(selector) => fields.answer("nodeSelector", &selector, selector.as_str()),
        None => fields.remove("nodeSelector"),
    }
    ask_tolerations(ask, fields)?;
    let was: Vec<bool> = HOST_NAMESPACES
        .iter()
        .map(|k| fields.get(k).and_then(serde_json::Value::as_bool) == Some(true))
        .collect();
    let shared = ask.tick(
        "Share the node's namespaces (usually none)",
        HOST_NAMESPACES,
        &was,
    )?;
    for (index, key) in HOST_NAMESPACES.iter().enumerate() {
        if shared.contains(&index) {
            fields.set(key, true);
        } else if was[index] {
            fields.remove(key);
        }
    }
    volumes::ask_volumes(ask, fields)
}

fn ask_tolerations(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    let describe =
        |t: &Value| super::ask::scalar_text(t.get("key")).unwrap_or_else(|| "every taint".into());
    if super::keep_list(ask, fields, "tolerations", "tolerations", describe)? {
        return Ok(());
    }
    if !ask.yes("Add tolerations (also run on nodes with taints)?", false)? {
        return Ok(());
    }
    let tolerations = ask.repeat("Add another toleration?", |ask, _| ask_toleration(ask))?;
    fields.set("tolerations", Value::Array(tolerations));
    Ok(())
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
