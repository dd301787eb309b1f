//! Pod volumes of a Deployment or DaemonSet, chosen by type; each type asks
//! only for its own fields.

use serde_json::Value;

use super::ask::{Ask, Choice, VOLUME_TAKEN};
use super::service::Taken;
use super::Fields;
use crate::check;
use crate::error::{Error, Result};

pub const ACCESS_MODES: &[Choice] = &[
    ("ReadWriteOnce", "read-write by the pods of one node"),
    ("ReadOnlyMany", "read-only by many nodes"),
    (
        "ReadWriteMany",
        "read-write by many nodes (if the storage class supports it)",
    ),
    ("ReadWriteOncePod", "read-write by a single pod"),
];

const TYPES: &[Choice] = &[
    (
        "pvc-dynamic",
        "a new PersistentVolumeClaim, provisioned by a storage class",
    ),
    (
        "pvc-static",
        "a claim bound to an existing PersistentVolume",
    ),
    ("emptyDir", "scratch space that lives as long as the pod"),
    ("configMap", "files from an existing ConfigMap"),
    ("secret", "files from an existing Secret"),
    ("hostPath", "a file or folder of the node"),
];

const MEDIA: &[Choice] = &[
    ("disk", "the node's disk (default)"),
    (
        "Memory",
        "RAM (tmpfs): fast, counts against the memory limit",
    ),
];

const HOST_TYPES: &[Choice] = &[
    ("any", "no check (default)"),
    ("DirectoryOrCreate", ""),
    ("Directory", ""),
    ("FileOrCreate", ""),
    ("File", ""),
    ("Socket", ""),
    ("CharDevice", ""),
    ("BlockDevice", ""),
];

const LOCALITIES: &[Choice] = &[
    ("default", "the Longhorn setting"),
    ("disabled", ""),
    ("best-effort", ""),
    ("strict-local", ""),
];

/// `volumes`, one after another behind a yes/no; those already there can
/// be kept with one answer.
pub fn ask_volumes(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    let describe = |v: &Value| {
        format!(
            "{} at {}",
            super::item_name(v),
            super::ask::scalar_text(v.get("mountPath")).unwrap_or_default()
        )
    };
    if super::keep_list(ask, fields, "volumes", "volumes", describe)? {
        return Ok(());
    }
    if !ask.yes("Add volumes (storage, config files, scratch space)?", false)? {
        return Ok(());
    }
    let mut taken = Taken::of(fields, &["volumes"]);
    let volumes = ask.repeat("Add another volume?", |ask, volumes| {
        ask.heading(&format!("Volume {}", volumes.len() + 1));
        ask_volume(ask, volumes.len(), &mut taken)
    })?;
    fields.set("volumes", Value::Array(volumes));
    Ok(())
}

fn ask_volume(ask: &mut Ask<'_>, index: usize, taken: &mut Taken) -> Result<Value> {
    let kind = ask.choose("Volume type", TYPES, 0)?;
    let mut fields = Fields::default();
    fields.set("type", kind);
    match kind {
        "pvc-dynamic" | "pvc-static" => ask_pvc(ask, kind, taken, &mut fields)?,
        "emptyDir" => ask_empty_dir(ask, index, taken, &mut fields)?,
        "configMap" => ask_projected(ask, "ConfigMap", "configMapName", taken, &mut fields)?,
        "secret" => ask_projected(ask, "Secret", "secretName", taken, &mut fields)?,
        _ => ask_host_path(ask, index, taken, &mut fields)?,
    }
    // Kubernetes mounts ConfigMaps and Secrets read-only whatever is asked.
    let writable = !matches!(kind, "configMap" | "secret");
    if writable && ask.yes("Mount it read-only?", false)? {
        fields.set("readOnly", true);
    }
    Ok(fields.into_value())
}

fn ask_name(
    ask: &mut Ask<'_>,
    default: &str,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    let name = ask.name("Volume name", Some(default), &taken.volumes, VOLUME_TAKEN)?;
    taken.volumes.push(name.clone());
    fields.set("name", name);
    Ok(())
}

const MOUNT_PROMPT: &str = "Mount path in the container";

fn ask_mount(
    ask: &mut Ask<'_>,
    default: Option<&str>,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    ask_mount_as(ask, MOUNT_PROMPT, default, taken, fields)
}

fn ask_mount_as(
    ask: &mut Ask<'_>,
    prompt: &str,
    default: Option<&str>,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    let path = ask.mount_path(prompt, default, &taken.mounts)?;
    taken.mounts.push(path.clone());
    fields.set("mountPath", path);
    Ok(())
}

fn ask_pvc(ask: &mut Ask<'_>, kind: &str, taken: &mut Taken, fields: &mut Fields) -> Result<()> {
    ask_name(ask, "data", taken, fields)?;
    let default_mount = format!("/var/lib/{}", fields.str("name").unwrap_or("data"));
    ask_mount(ask, Some(&default_mount), taken, fields)?;
    fields.set(
        "size",
        ask.text("Size", Some("10Gi"), check::check_quantity)?,
    );
    fields.set("accessMode", ask.choose("Access mode", ACCESS_MODES, 0)?);
    let class = ask.optional(
        "Storage class (Enter for the cluster's default)",
        check::check_dns_subdomain,
    )?;
    if kind == "pvc-static" {
        let pv = ask.text("PersistentVolume to bind", None, check::check_dns_subdomain)?;
        fields.set("pvName", pv);
    }
    if let Some(class) = class {
        if class.contains("longhorn") {
            ask_longhorn(ask, fields)?;
        }
        fields.set("storageClass", class);
    }
    Ok(())
}

/// Longhorn reads its replica count and data locality from PVC annotations.
fn ask_longhorn(ask: &mut Ask<'_>, fields: &mut Fields) -> Result<()> {
    let replicas = ask.optional(
        "Longhorn replicas, 1 to 100 (Enter for Longhorn's default)",
        |a| match check::numbers::parse_at_least(a, 1)? {
            1..=100 => Ok(()),
            n => Err(format!("found {n}; expected 1 to 100")),
        },
    )?;
    let locality = ask.choose("Longhorn data locality", LOCALITIES, 0)?;
    let mut config = Fields::default();
    if let Some(replicas) = replicas {
        let n = check::numbers::parse_at_least(&replicas, 1).map_err(Error::Failed)?;
        config.set("replicas", n);
    }
    if locality != "default" {
        config.set("dataLocality", locality);
    }
    if !config.is_empty() {
        fields.set("longhornConfig", config.into_value());
    }
    Ok(())
}

fn ask_empty_dir(
    ask: &mut Ask<'_>,
    index: usize,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    ask_name(ask, &format!("empty-{index}"), taken, fields)?;
    ask_mount(ask, None, taken, fields)?;
    if ask.choose("Medium", MEDIA, 0)? == "Memory" {
        fields.set("medium", "Memory");
    }
    let limit = ask.optional(
        "Size limit, e.g. 256Mi (Enter for none)",
        check::check_quantity,
    )?;
    fields.set_some("sizeLimit", limit);
    Ok(())
}

/// A ConfigMap or Secret mounted as files, or one key of it as one file.
fn ask_projected(
    ask: &mut Ask<'_>,
    what: &str,
    name_key: &str,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    let name = ask.text(&format!("{what} name"), None, check::check_dns_subdomain)?;
    fields.set(name_key, name);
    let key = ask.optional(
        &format!("Only this key, mounted as one file (Enter for every key of the {what})"),
        check::check_env_key,
    )?;
    // One key is mounted with subPath: the path names the file itself.
    let prompt = match &key {
        Some(key) => format!("Path of the file in the container, e.g. /etc/app/{key}"),
        None => format!("{MOUNT_PROMPT} (a folder holding one file per key)"),
    };
    fields.set_some("key", key);
    ask_mount_as(ask, &prompt, None, taken, fields)
}

fn ask_host_path(
    ask: &mut Ask<'_>,
    index: usize,
    taken: &mut Taken,
    fields: &mut Fields,
) -> Result<()> {
    ask_name(ask, &format!("hp-{index}"), taken, fields)?;
    let path = ask.text("Path on the node", None, check::check_absolute_path)?;
    fields.set("hostPath", path.as_str());
    let host_type = ask.choose("What must be at that path", HOST_TYPES, 0)?;
    if host_type != "any" {
        fields.set("hostType", host_type);
    }
    ask_mount(ask, Some(&path), taken, fields)
}
