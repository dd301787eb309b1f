//! A StatefulSet's own questions, in the order of the user's document:
//! headless Service, pod management, update strategy and partition, the
//! optional ClusterIP Service, then the claim templates one by one.

use serde_json::Value;

use super::ask::{Ask, Choice, VOLUME_TAKEN};
use super::service::{Current, Taken};
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
    current: &Current<'_>,
    services: &[String],
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    let default_headless = format!("{}-headless", current.name);
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
    fields.set("headlessServiceName", headless);
    let policy = ask.choose("Pod management policy", POLICIES, 0)?;
    fields.set("podManagementPolicy", policy);
    let strategy = ask.choose("Update strategy", STRATEGIES, 0)?;
    fields.set("strategy", strategy);
    if strategy == "RollingUpdate" {
        let partition = ask_partition(ask, current.replicas.unwrap_or(1))?;
        fields.set("partition", partition);
    }
    // The Ingress routes to every app service with a ClusterIP Service, so
    // with a host this answer also decides whether it is exposed there.
    let exposure = if current.ingress {
        "; the Ingress will also route to it"
    } else {
        ""
    };
    let cluster_ip = ask.yes(
        &format!(
            "Also create a regular ClusterIP Service \"{}\" (one address for all pods{exposure})?",
            current.name
        ),
        current.ingress && current.port.is_some(),
    )?;
    fields.set("alsoCreateClusterIP", cluster_ip);
    let templates = ask_claim_templates(ask, taken)?;
    fields.set("volumeClaimTemplates", Value::Array(templates));
    Ok(())
}

/// A partition above the replica count would hold back every pod, which
/// a state file only warns about; here it is asked again.
fn ask_partition(ask: &mut Ask<'_>, replicas: i64) -> Result<i64> {
    let prompt = format!(
        "Partition, 0 to {replicas} (only pods with an ordinal at or above it are updated; 0 updates all)"
    );
    ask.parsed(&prompt, Some("0"), |a| {
        match check::numbers::parse_at_least(a, 0)? {
            n if n > replicas => Err(format!(
                "found {n}, above the {replicas} replicas: no pod would ever be updated; expected 0 to {replicas}"
            )),
            n => Ok(n),
        }
    })
}

/// Claim templates, one after another: each pod gets its own volume.
fn ask_claim_templates(ask: &mut Ask<'_>, taken: &mut Taken) -> Result<Vec<Value>> {
    if !ask.yes(
        "Add a volume claim template (persistent storage for each pod)?",
        true,
    )? {
        return Ok(Vec::new());
    }
    ask.repeat("Add another claim template?", |ask, templates| {
        ask.heading(&format!("Claim template {}", templates.len() + 1));
        ask_claim_template(ask, taken)
    })
}

fn ask_claim_template(ask: &mut Ask<'_>, taken: &mut Taken) -> Result<Value> {
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
    let default_mount = format!("/var/lib/{name}");
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
    // As the web wizard stores it: empty means the cluster's default class.
    fields.set("storageClass", storage_class.unwrap_or_default());
    Ok(fields.into_value())
}
