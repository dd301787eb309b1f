//! Environment variables → ConfigMap `<owner>-config` and Secret
//! `<owner>-secrets`, and the container references to them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, ConfigMapKeySelector, EnvFromSource, EnvVar as K8sEnvVar,
    EnvVarSource, Secret, SecretEnvSource, SecretKeySelector,
};

use super::meta;
use super::{Built, Phase};
use crate::model::{EnvFromRef, EnvSource, EnvVar, ExistingKind, Project};

/// What a secret entry holds in a generated file: never the real value.
pub const SECRET_PLACEHOLDER: &str = "CHANGE_ME";

pub fn config_map_name(owner: &str) -> String {
    format!("{owner}-config")
}

pub fn secret_name(owner: &str) -> String {
    format!("{owner}-secrets")
}

/// The folder of the output folder that holds the Secret manifests. Their
/// placeholder values would replace live ones if applied with kubectl, so
/// they stay out of `kustomization.yaml` (`kubectl apply -k`) and out of
/// the folder itself (`kubectl apply -f <dir>` does not descend).
pub const SECRETS_DIR: &str = "secrets";

pub fn has_config(env: &[EnvVar]) -> bool {
    env.iter()
        .any(|e| matches!(e.source, EnvSource::Hardcoded(_) | EnvSource::Variable(_)))
}

pub fn has_secret(env: &[EnvVar]) -> bool {
    env.iter().any(|e| matches!(e.source, EnvSource::Secret))
}

/// The ConfigMap and Secret for one owner (a service, a companion
/// `<svc>-<companion>`, or a managed infra decision), each only when it has
/// entries. `app` is the service (or managed decision) the objects belong to.
pub fn env_objects<'a>(
    project: &'a Project,
    owner: &str,
    app: meta::Owner<'a>,
    env: &'a [EnvVar],
    origin: &str,
) -> Vec<Built<'a>> {
    let mut objects = Vec::new();
    if has_config(env) {
        let name = config_map_name(owner);
        let file_name = format!("{name}.yaml");
        objects.push(Built::namespaced(
            project,
            Phase::Config,
            name,
            file_name,
            origin,
            move |name| {
                let data: BTreeMap<String, String> = env
                    .iter()
                    .filter_map(|e| match &e.source {
                        EnvSource::Hardcoded(value) | EnvSource::Variable(value) => {
                            Some((e.key.clone(), value.clone()))
                        }
                        EnvSource::Secret | EnvSource::KeyRef { .. } => None,
                    })
                    .collect();
                ConfigMap {
                    metadata: meta::labelled(project, name, app),
                    data: Some(data),
                    ..ConfigMap::default()
                }
            },
        ));
    }
    if has_secret(env) {
        let name = secret_name(owner);
        let file_name = format!("{SECRETS_DIR}/{name}.yaml");
        objects.push(Built::namespaced(
            project,
            Phase::Config,
            name,
            file_name,
            origin,
            move |name| {
                let data: BTreeMap<String, String> = env
                    .iter()
                    .filter(|e| matches!(e.source, EnvSource::Secret))
                    .map(|e| (e.key.clone(), SECRET_PLACEHOLDER.to_string()))
                    .collect();
                Secret {
                    metadata: meta::labelled(project, name, app),
                    type_: Some("Opaque".into()),
                    string_data: Some(data),
                    ..Secret::default()
                }
            },
        ));
    }
    objects
}

/// `envFrom` for the existing objects taken whole and then the owner's own
/// ConfigMap (a later source wins a clash, so the state's own values beat
/// an imported object's), and `env` entries for its secret keys and for
/// keys of existing objects, in state order.
pub fn env_refs(
    owner: &str,
    env: &[EnvVar],
    existing: &[EnvFromRef],
) -> (Vec<EnvFromSource>, Vec<K8sEnvVar>) {
    let mut env_from: Vec<EnvFromSource> = existing.iter().map(existing_env_from).collect();
    if has_config(env) {
        env_from.push(config_map_ref(owner));
    }
    let secret_name = secret_name(owner);
    let vars = env
        .iter()
        .filter_map(|e| {
            let source = match &e.source {
                EnvSource::Secret => EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret_name.clone(),
                        key: e.key.clone(),
                        ..SecretKeySelector::default()
                    }),
                    ..EnvVarSource::default()
                },
                EnvSource::KeyRef { object, key } => key_ref(object, key),
                EnvSource::Hardcoded(_) | EnvSource::Variable(_) => return None,
            };
            Some(K8sEnvVar {
                name: e.key.clone(),
                value_from: Some(source),
                ..K8sEnvVar::default()
            })
        })
        .collect();
    (env_from, vars)
}

/// `optional` is written only when true (false is the API's default).
fn optional(object: &crate::model::ExistingObject) -> Option<bool> {
    object.optional.then_some(true)
}

fn key_ref(object: &crate::model::ExistingObject, key: &str) -> EnvVarSource {
    match object.kind {
        ExistingKind::Secret => EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: object.name.clone(),
                key: key.to_string(),
                optional: optional(object),
            }),
            ..EnvVarSource::default()
        },
        ExistingKind::ConfigMap => EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: object.name.clone(),
                key: key.to_string(),
                optional: optional(object),
            }),
            ..EnvVarSource::default()
        },
    }
}

fn existing_env_from(reference: &EnvFromRef) -> EnvFromSource {
    let object = &reference.object;
    let mut source = EnvFromSource {
        prefix: reference.prefix.clone(),
        ..EnvFromSource::default()
    };
    match object.kind {
        ExistingKind::Secret => {
            source.secret_ref = Some(SecretEnvSource {
                name: object.name.clone(),
                optional: optional(object),
            })
        }
        ExistingKind::ConfigMap => {
            source.config_map_ref = Some(ConfigMapEnvSource {
                name: object.name.clone(),
                optional: optional(object),
            })
        }
    }
    source
}

pub fn config_map_ref(owner: &str) -> EnvFromSource {
    EnvFromSource {
        config_map_ref: Some(ConfigMapEnvSource {
            name: config_map_name(owner),
            ..ConfigMapEnvSource::default()
        }),
        ..EnvFromSource::default()
    }
}

pub fn secret_ref(owner: &str) -> EnvFromSource {
    EnvFromSource {
        secret_ref: Some(SecretEnvSource {
            name: secret_name(owner),
            ..SecretEnvSource::default()
        }),
        ..EnvFromSource::default()
    }
}
