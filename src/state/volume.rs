//! Reading `volumes` entries and StatefulSet `volumeClaimTemplates`.

use super::fields::{self, ACCESS_MODES, DEFAULT_ACCESS_MODE};
use super::reader::Obj;
use crate::model::*;

pub fn read_volumes(obj: &Obj<'_, '_>, key: &str) -> Vec<Volume> {
    obj.list(key)
        .into_iter()
        .enumerate()
        .filter_map(|(index, (path, value))| {
            let v = obj.reader().object(&path, value, &fields::VOLUME)?;
            read_volume(&v, index)
        })
        .collect()
}

fn read_volume(v: &Obj<'_, '_>, index: usize) -> Option<Volume> {
    let mount_path = v.absolute_path("mountPath", "a mountPath");
    let kind = v
        .required_string("type", "a volume type")
        .and_then(|_| v.one_of("type", fields::VOLUME_TYPES));
    let read_only = v.bool("readOnly").unwrap_or(false);
    warn_other_types_keys(v, kind?);
    let source = match kind? {
        "pvc-dynamic" | "pvc-static" => VolumeSource::Pvc(read_pvc(v, kind == Some("pvc-static"))?),
        "emptyDir" => VolumeSource::EmptyDir {
            name: v.optional_name("name"),
            memory: v.one_of("medium", fields::MEDIUMS).is_some(),
            size_limit: v.quantity("sizeLimit"),
        },
        "configMap" => VolumeSource::ConfigMap {
            config_map_name: v.required_subdomain("configMapName", "a configMapName")?,
            key: item_key(v)?,
        },
        "secret" => VolumeSource::Secret {
            secret_name: v.required_subdomain("secretName", "a secretName")?,
            key: item_key(v)?,
        },
        _ => {
            let name = v.optional_name("name");
            let path = v.absolute_path("hostPath", "a hostPath");
            let host_type = v
                .one_of("hostType", fields::HOST_PATH_TYPES)
                .map(str::to_string);
            VolumeSource::HostPath {
                name,
                path: path?,
                host_type,
            }
        }
    };
    Some(Volume {
        index,
        source,
        mount_path: mount_path?,
        read_only,
    })
}

/// The one key of a ConfigMap or Secret to mount: it becomes the item's
/// file name and the mount's subPath, so it may not be absolute or climb.
/// `Some(None)` when absent; `None` when invalid.
fn item_key(v: &Obj<'_, '_>) -> Option<Option<String>> {
    match v.string("key") {
        None => Some(None),
        Some(key) => v
            .checked(
                "key",
                crate::check::check_config_map_key(&key).map(|()| key),
            )
            .map(Some),
    }
}

/// The keys that only mean something for some volume types, with those types.
const TYPE_KEYS: &[(&str, &[&str])] = &[
    ("size", &["pvc-dynamic", "pvc-static"]),
    ("accessMode", &["pvc-dynamic", "pvc-static"]),
    ("storageClass", &["pvc-dynamic", "pvc-static"]),
    ("longhornConfig", &["pvc-dynamic", "pvc-static"]),
    ("pvName", &["pvc-static"]),
    ("medium", &["emptyDir"]),
    ("sizeLimit", &["emptyDir"]),
    ("configMapName", &["configMap"]),
    ("secretName", &["secret"]),
    ("key", &["configMap", "secret"]),
    ("hostPath", &["hostPath"]),
    ("hostType", &["hostPath"]),
];

/// Warn about settings of another volume type (`size` on an emptyDir
/// means nothing; `sizeLimit` is what limits it).
fn warn_other_types_keys(v: &Obj<'_, '_>, kind: &str) {
    for (key, types) in TYPE_KEYS {
        if v.is_set(key) && !types.contains(&kind) {
            v.warning(
                key,
                format!("`{key}` has no effect for {kind} volumes and is ignored"),
            );
        }
    }
}

fn read_pvc(v: &Obj<'_, '_>, is_static: bool) -> Option<PvcVolume> {
    let name = v.name("name", "a volume name");
    let pv_name = is_static.then(|| {
        v.required_subdomain(
            "pvName",
            "a pvName (the PersistentVolume to bind) for pvc-static",
        )
    });
    let storage_class = v.subdomain("storageClass");
    let longhorn = read_longhorn(v, storage_class.as_deref());
    let access_mode = v
        .one_of("accessMode", ACCESS_MODES)
        .unwrap_or(DEFAULT_ACCESS_MODE)
        .to_string();
    let size = v
        .positive_quantity("size")
        .unwrap_or_else(|| fields::DEFAULT_PVC_SIZE.into());
    Some(PvcVolume {
        name: name?,
        access_mode,
        size,
        storage_class,
        pv_name: match pv_name {
            Some(pv_name) => Some(pv_name?),
            None => None,
        },
        longhorn,
    })
}

/// `longhornConfig` only means something on a Longhorn storage class.
fn read_longhorn(v: &Obj<'_, '_>, storage_class: Option<&str>) -> Option<Longhorn> {
    let config = v.child("longhornConfig", &fields::LONGHORN)?;
    if !storage_class.is_some_and(|c| c.contains("longhorn")) {
        v.warning(
            "longhornConfig",
            "`longhornConfig` has no effect unless storageClass names a Longhorn class and is ignored",
        );
        return None;
    }
    let replicas = config.int_in("replicas", 1, 100).map(|r| r.to_string());
    let data_locality = config
        .one_of("dataLocality", fields::DATA_LOCALITY)
        .map(str::to_string);
    (replicas.is_some() || data_locality.is_some()).then_some(Longhorn {
        replicas,
        data_locality,
    })
}

pub fn read_claim_templates(obj: &Obj<'_, '_>) -> Vec<ClaimTemplate> {
    obj.list("volumeClaimTemplates")
        .into_iter()
        .filter_map(|(path, value)| {
            let t = obj.reader().object(&path, value, &fields::CLAIM_TEMPLATE)?;
            // Every field is read before giving up on a bad one, so one
            // pass reports all of the template's problems.
            let name = t.name("name", "a claim template name");
            let mount_path = t.absolute_path("mountPath", "a mountPath");
            let size = t
                .positive_quantity("size")
                .unwrap_or_else(|| fields::DEFAULT_CLAIM_SIZE.into());
            let access_mode = t
                .one_of("accessMode", ACCESS_MODES)
                .unwrap_or(DEFAULT_ACCESS_MODE)
                .to_string();
            let storage_class = t.subdomain("storageClass");
            Some(ClaimTemplate {
                path,
                name: name?,
                mount_path: mount_path?,
                size,
                access_mode,
                storage_class,
            })
        })
        .collect()
}

/// An infra StatefulSet describes its storage as PVC volumes: each becomes a
/// claim template with the same settings (and no PVC object); the other
/// volumes stay pod volumes.
pub fn take_pvcs_as_claim_templates(
    obj: &Obj<'_, '_>,
    volumes: &mut Vec<Volume>,
) -> Vec<ClaimTemplate> {
    let mut templates = Vec::new();
    volumes.retain(|volume| {
        let VolumeSource::Pvc(pvc) = &volume.source else {
            return true;
        };
        if pvc.pv_name.is_some() {
            obj.warning(
                &format!("volumes[{}].pvName", volume.index),
                "a claim template cannot bind every replica to one PersistentVolume; pvName is ignored",
            );
        }
        templates.push(ClaimTemplate {
            path: obj.path_of(&format!("volumes[{}]", volume.index)),
            name: pvc.name.clone(),
            mount_path: volume.mount_path.clone(),
            size: pvc.size.clone(),
            access_mode: pvc.access_mode.clone(),
            storage_class: pvc.storage_class.clone(),
        });
        false
    });
    templates
}
