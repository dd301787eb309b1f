//! Pod storage planning: which pod volumes a service's pod has, which
//! container mounts what, and which PersistentVolumeClaims go with them.
//!
//! The plan is computed once per service and used both by validation (to
//! report clashing volume names and mount paths) and by rendering.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, EmptyDirVolumeSource, HostPathVolumeSource, KeyToPath,
    PersistentVolumeClaimVolumeSource, SecretVolumeSource, Volume as PodVolume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::model::{ClaimTemplate, PvcVolume, Service, Volume, VolumeSource, Workload};

/// Everything storage-related about one pod.
#[derive(Debug, Default)]
pub struct PodStorage {
    pub volumes: Vec<PodVolume>,
    pub main_mounts: Vec<VolumeMount>,
    /// Mounts of each companion, in companion order.
    pub companion_mounts: Vec<Vec<VolumeMount>>,
    /// The shared-volume mount of each sidecar, in sidecar order.
    pub sidecar_mounts: Vec<Option<VolumeMount>>,
    /// Claims to create as PersistentVolumeClaim objects.
    pub claims: Vec<PvcVolume>,
    /// Problems found while planning: (state path, message).
    pub problems: Vec<(String, String)>,
}

/// The PVC object name of a volume: `<svc>-<volume>`.
pub fn claim_name(service: &str, volume: &str) -> String {
    format!("{service}-{volume}")
}

pub fn plan(svc: &Service) -> PodStorage {
    let mut storage = PodStorage::default();
    // The state paths are written out only for a problem: a plan is made
    // for every service by the checks and again by every render of it.
    let volumes_path = || format!("{}.volumes", svc.path);
    for volume in &svc.volumes {
        let mount = storage.add_entry(svc, volume, &volumes_path);
        storage.mount_main(mount, || {
            format!("{}[{}].mountPath", volumes_path(), volume.index)
        });
    }
    if let Workload::StatefulSet(sts) = &svc.workload {
        for template in &sts.claim_templates {
            // Kubernetes supplies the pod volume from the claim template.
            let mount = mount(&template.name, &template.mount_path, false, None);
            storage.mount_main(mount, || format!("{}.mountPath", template.path));
        }
    }
    for (i, sidecar) in svc.sidecars.iter().enumerate() {
        let Some(shared) = &sidecar.shared else {
            storage.sidecar_mounts.push(None);
            continue;
        };
        let path = |field: &str| format!("{}.sidecars[{i}].{field}", svc.path);
        let definition = empty_dir(&shared.volume, false, None);
        let name = storage.add_volume(definition, true, || path("sharedVolume"), i);
        let mount = mount(&name, &shared.mount_path, false, None);
        storage.mount_main(mount.clone(), || path("sharedMount"));
        storage.sidecar_mounts.push(Some(mount));
    }
    for (c, companion) in svc.companions.iter().enumerate() {
        let path = || format!("{}.companions[{c}].volumes", svc.path);
        let mut mounts: Vec<VolumeMount> = Vec::new();
        for volume in &companion.volumes {
            let mount = storage.add_entry(svc, volume, &path);
            let mount_path = || format!("{}[{}].mountPath", path(), volume.index);
            push_mount(&mut mounts, mount, mount_path, &mut storage.problems);
        }
        storage.companion_mounts.push(mounts);
    }
    if let Workload::StatefulSet(sts) = &svc.workload {
        storage.check_claim_template_names(&sts.claim_templates);
    }
    storage
}

impl PodStorage {
    /// Add a `volumes` entry's pod volume (and claim) and return its mount;
    /// `list_path` is the path of the list it is in.
    fn add_entry(
        &mut self,
        svc: &Service,
        volume: &Volume,
        list_path: &dyn Fn() -> String,
    ) -> VolumeMount {
        let (definition, user_named) = pod_volume(svc, volume);
        let name = self.add_volume(
            definition,
            user_named,
            || format!("{}[{}].name", list_path(), volume.index),
            volume.index,
        );
        if let VolumeSource::Pvc(pvc) = &volume.source {
            if !self.claims.iter().any(|c| c.name == pvc.name) {
                self.claims.push(pvc.clone());
            }
        }
        let sub_path = match &volume.source {
            VolumeSource::ConfigMap { key, .. } | VolumeSource::Secret { key, .. } => key.clone(),
            _ => None,
        };
        mount(&name, &volume.mount_path, volume.read_only, sub_path)
    }

    /// Add a pod volume unless an identical one exists; returns the name
    /// used. A clash of user-given names is an error (at `path`); a clash
    /// of synthesized names is resolved by appending `-<index>`.
    fn add_volume(
        &mut self,
        mut definition: PodVolume,
        user_named: bool,
        path: impl FnOnce() -> String,
        index: usize,
    ) -> String {
        match self.volumes.iter().find(|v| v.name == definition.name) {
            None => {}
            Some(existing) if *existing == definition => return definition.name,
            Some(_) if user_named => {
                self.problems.push((
                    path(),
                    format!(
                        "found a second volume named \"{}\" with a different definition; volumes in one pod need distinct names",
                        definition.name
                    ),
                ));
                return definition.name;
            }
            Some(_) => {
                definition.name = truncate_name(&format!("{}-{index}", definition.name));
                if let Some(existing) = self.volumes.iter().find(|v| v.name == definition.name) {
                    if *existing == definition {
                        return definition.name;
                    }
                }
            }
        }
        let name = definition.name.clone();
        self.volumes.push(definition);
        name
    }

    /// Each claim template gives the pod a volume of its name (Kubernetes
    /// adds it, replacing any pod volume of that name), so its name must
    /// be its own.
    fn check_claim_template_names(&mut self, templates: &[ClaimTemplate]) {
        let mut seen = BTreeSet::new();
        for template in templates {
            let path = || format!("{}.name", template.path);
            let name = &template.name;
            if !seen.insert(name) {
                self.problems.push((
                    path(),
                    format!("found claim template \"{name}\" again; each claim template needs its own name"),
                ));
            } else if self.volumes.iter().any(|v| v.name == *name) {
                self.problems.push((
                    path(),
                    format!("found claim template \"{name}\", which is also the name of another volume of the pod (a volume, sharedVolume or companion volume); volumes in one pod need distinct names"),
                ));
            }
        }
    }

    fn mount_main(&mut self, mount: VolumeMount, path: impl FnOnce() -> String) {
        push_mount(&mut self.main_mounts, mount, path, &mut self.problems);
    }
}

/// Add a mount to a container's list: the same mount twice is kept once;
/// two different mounts at one path are an error (at `path`).
fn push_mount(
    mounts: &mut Vec<VolumeMount>,
    mount: VolumeMount,
    path: impl FnOnce() -> String,
    problems: &mut Vec<(String, String)>,
) {
    match mounts.iter().find(|m| m.mount_path == mount.mount_path) {
        Some(existing) if *existing == mount => {}
        Some(existing) => problems.push((
            path(),
            format!(
                "found mountPath \"{}\" again (already used by volume \"{}\"); two mounts in one container need different paths",
                mount.mount_path, existing.name
            ),
        )),
        None => mounts.push(mount),
    }
}

fn mount(name: &str, mount_path: &str, read_only: bool, sub_path: Option<String>) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: mount_path.to_string(),
        read_only: read_only.then_some(true),
        sub_path,
        ..VolumeMount::default()
    }
}

/// The pod volume of one `volumes` entry, and whether its name was given
/// by the user (rather than synthesized).
fn pod_volume(svc: &Service, volume: &Volume) -> (PodVolume, bool) {
    match &volume.source {
        VolumeSource::Pvc(pvc) => (
            PodVolume {
                name: pvc.name.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim_name(&svc.name, &pvc.name),
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..PodVolume::default()
            },
            true,
        ),
        VolumeSource::EmptyDir {
            name,
            memory,
            size_limit,
        } => {
            let synthesized = format!("empty-{}", volume.index);
            let named = name.clone().unwrap_or(synthesized);
            (
                empty_dir(&named, *memory, size_limit.clone()),
                name.is_some(),
            )
        }
        VolumeSource::ConfigMap {
            config_map_name,
            key,
        } => (
            PodVolume {
                name: synthesized_name("cm", config_map_name),
                config_map: Some(ConfigMapVolumeSource {
                    name: config_map_name.clone(),
                    items: key_items(key),
                    ..ConfigMapVolumeSource::default()
                }),
                ..PodVolume::default()
            },
            false,
        ),
        VolumeSource::Secret { secret_name, key } => (
            PodVolume {
                name: synthesized_name("sec", secret_name),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(secret_name.clone()),
                    items: key_items(key),
                    ..SecretVolumeSource::default()
                }),
                ..PodVolume::default()
            },
            false,
        ),
        VolumeSource::HostPath {
            name,
            path,
            host_type,
        } => (
            PodVolume {
                name: name
                    .clone()
                    .unwrap_or_else(|| format!("hp-{}", volume.index)),
                host_path: Some(HostPathVolumeSource {
                    path: path.clone(),
                    type_: host_type.clone(),
                }),
                ..PodVolume::default()
            },
            name.is_some(),
        ),
    }
}

fn empty_dir(name: &str, memory: bool, size_limit: Option<String>) -> PodVolume {
    PodVolume {
        name: name.to_string(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: memory.then(|| "Memory".to_string()),
            size_limit: size_limit.map(Quantity),
        }),
        ..PodVolume::default()
    }
}

fn key_items(key: &Option<String>) -> Option<Vec<KeyToPath>> {
    key.as_ref().map(|key| {
        vec![KeyToPath {
            key: key.clone(),
            path: key.clone(),
            ..KeyToPath::default()
        }]
    })
}

/// `cm-<name>` / `sec-<name>`. Object names may contain dots, volume names
/// may not, so dots become dashes; the result is cut to 63 characters.
fn synthesized_name(prefix: &str, object: &str) -> String {
    truncate_name(&format!("{prefix}-{}", object.replace('.', "-")))
}

/// A DNS-1123 label of at most 63 characters, without a trailing dash.
pub fn truncate_name(name: &str) -> String {
    let cut: String = name.chars().take(63).collect();
    cut.trim_end_matches('-').to_string()
}
