//! A StatefulSet's own questions, in the order of the user's document:
//! headless Service, pod management, update strategy and partition, the
//! optional ClusterIP Service, then the claim templates one by one.

use serde_json::Value;

use super::ask::{self, Ask, Choice, VOLUME_TAKEN};
use super::service::{service_name, Current, Taken};
use super::{volumes, Fields};
use crate::check;
use crate::error::Result;

const POLICIES: &[Choice] = &[
    (
        "OrderedReady",
        "start pods one at a time, in order (default)",
    ),
    ("Parallel", "start and stop all pods at once"),
];

const STRATEGIES: &[Choice] = &[
    (
        "RollingUpdate",
        "replace pods one by one, highest ordinal first",
    ),
    ("OnDelete", "replace a pod only when you delete it"),
];

pub fn ask(
    ask: &mut Ask<'_>,
    current: &Current,
    others: &[Value],
    fields: &mut Fields,
) -> Result<()> {
    let services: Vec<String> = others.iter().filter_map(service_name).collect();
    let default_headless = fields
        .text("headlessServiceName")
        .unwrap_or_else(|| format!("{}-headless", current.name));
    let headless = ask.text(
        "Headless Service name (gives each pod a DNS name)",
        Some(&default_headless),
        |answer| {
            check::check_dns_label(answer)?;
            if answer == current.name || services.iter().any(|s| s == answer) {
                return Err(format!(
                    "found \"{answer}\", which is the name of a service's own Service; pick another name"
                ));
            }
            Ok(())
        },
    )?;
    fields.answer("headlessServiceName", &headless, headless.as_str());
    let replicas = current.replicas.unwrap_or(1);
    // With one pod, the order pods start in and a partition cannot matter.
    if replicas > 1 {
        let policy = ask.choose_from(
            "Pod management policy",
            POLICIES,
            fields.str("podManagementPolicy"),
            0,
        )?;
        fields.choice("podManagementPolicy", policy, "OrderedReady");
    }
    let strategy = ask.choose_from("Update strategy", STRATEGIES, fields.str("strategy"), 0)?;
    fields.choice("strategy", strategy, "RollingUpdate");
    if strategy != "RollingUpdate" {
        fields.remove("partition");
    } else if replicas > 1 {
        let partition = ask_partition(ask, replicas, fields.text("partition").as_deref())?;
        fields.answer("partition", &partition.to_string(), partition);
    }
    ask_cluster_ip(ask, current, fields)?;
    ask_claim_templates(ask, current, fields)
}

/// A StatefulSet's extra ClusterIP Service (one address for all pods). The
/// Ingress routes to every app Service that is not headless (STATE.md
/// 7.2), so the question says where, and the default is no: a database
/// entered first would otherwise take the Ingress's `/`.
fn ask_cluster_ip(ask: &mut Ask<'_>, current: &Current, fields: &mut Fields) -> Result<()> {
    let exposure = match (current.ingress, current.port) {
        (true, Some(port)) => {
            let path = if current.routed_before == 0 {
                "/".to_string()
            } else {
                format!("/{}", current.name)
            };
            format!(
                "; the Ingress would then route {path} to {}:{port}",
                current.name
            )
        }
        _ => String::new(),
    };
    let before = fields.get("alsoCreateClusterIP").and_then(Value::as_bool);
    let cluster_ip = ask.yes(
        &format!(
            "Also create a regular ClusterIP Service \"{}\" (one address for all pods{exposure})?",
            current.name
        ),
        before.unwrap_or(false),
    )?;
    if before.is_some() || cluster_ip {
        fields.set("alsoCreateClusterIP", cluster_ip);
    }
    Ok(())
}

/// A partition above the replica count would hold back every pod, which
/// a state file only warns about; here it is asked again.
fn ask_partition(ask: &mut Ask<'_>, replicas: i64, current: Option<&str>) -> Result<i64> {
    let prompt = format!(
        "Partition, 0 to {replicas} (only pods with an ordinal at or above it are updated; 0 updates all)"
    );
    ask.parsed(&prompt, Some(current.unwrap_or("0")), |a| {
        match check::numbers::parse_at_least(a, 0)? {
            n if n > replicas => Err(format!(
                "found {n}, above the {replicas} replicas: no pod would ever be updated; expected 0 to {replicas}"
            )),
            n => Ok(n),
        }
    })
}

/// Claim templates, one after another: each pod gets its own volume. Those
/// in the file can be kept as they are with one answer.
fn ask_claim_templates(ask: &mut Ask<'_>, current: &Current, fields: &mut Fields) -> Result<()> {
    let existing = fields
        .get("volumeClaimTemplates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !existing.is_empty() {
        let listed: Vec<String> = existing
            .iter()
            .map(|t| {
                format!(
                    "{} at {}",
                    ask::scalar_text(t.get("name")).unwrap_or_default(),
                    ask::scalar_text(t.get("mountPath")).unwrap_or_default()
                )
            })
            .collect();
        if ask.yes(
            &format!("Keep the claim templates ({})?", listed.join(", ")),
            true,
        )? {
            return Ok(());
        }
    }
    fields.remove("volumeClaimTemplates");
    if !ask.yes(
        "Add a volume claim template (persistent storage for each pod)?",
        true,
    )? {
        return Ok(());
    }
    let mut taken = Taken::of(fields, &["volumeClaimTemplates"]);
    let data_path = current.known.and_then(|k| k.data_path);
    let templates = ask.repeat("Add another claim template?", |ask, templates| {
        ask.heading(&format!("Claim template {}", templates.len() + 1));
        let usual = if templates.is_empty() {
            data_path
        } else {
            None
        };
        ask_claim_template(ask, &mut taken, usual)
    })?;
    fields.set("volumeClaimTemplates", Value::Array(templates));
    Ok(())
}

/// One claim template; `usual` is where the image keeps its data.
fn ask_claim_template(ask: &mut Ask<'_>, taken: &mut Taken, usual: Option<&str>) -> Result<Value> {
    let default_name = if taken.volumes.is_empty() {
        "data"
    } else {
        "logs"
    };
    let name = ask.name(
        "Claim template name",
        Some(default_name),
        &taken.volumes,
        VOLUME_TAKEN,
    )?;
    let default_mount = usual.map_or_else(|| format!("/var/lib/{name}"), str::to_string);
    let mount_path = ask.mount_path(
        "Mount path in the container",
        Some(&default_mount),
        &taken.mounts,
    )?;
    let size = ask.text("Size", Some("1Gi"), check::check_quantity)?;
    let access_mode = ask.choose("Access mode", volumes::ACCESS_MODES, 0)?;
    let storage_class = ask.optional(
        "Storage class (Enter for the cluster's default)",
        check::check_dns_subdomain,
    )?;
    taken.volumes.push(name.clone());
    taken.mounts.push(mount_path.clone());
    let mut fields = Fields::default();
    fields.set("name", name);
    fields.set("mountPath", mount_path);
    fields.set("size", size);
    fields.set("accessMode", access_mode);
    // Left out when empty: the cluster's default class (STATE.md).
    fields.set_some("storageClass", storage_class);
    Ok(fields.into_value())
}
