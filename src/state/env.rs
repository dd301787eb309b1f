//! Reading environment entries (`envVars`, or `env` as the web wizard
//! names it): the state's own values (hardcoded, variable, secret) and
//! references to Secrets and ConfigMaps that exist in the namespace
//! already. Both the list form and the web wizard's map form
//! (`env: {LOG_LEVEL: debug}`) are read.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fields::{self, ENV_TYPES};
use super::reader::{describe, join, Obj, Reader};
use crate::check;
use crate::model::{EnvFromRef, EnvSource, EnvVar, ExistingKind, ExistingObject};

/// The environment of one container.
#[derive(Debug, Default)]
pub struct Env {
    pub vars: Vec<EnvVar>,
    pub from: Vec<EnvFromRef>,
}

/// `envVars`, or `env` when there is no `envVars`. Empty names are
/// skipped, a repeated name is an error.
pub fn read_env(obj: &Obj<'_, '_>) -> Env {
    let key = if obj.raw("envVars").is_some() {
        if obj.raw("env").is_some() {
            obj.warning(
                "env",
                "`env` is ignored because `envVars` is given (they are the same list)",
            );
        }
        "envVars"
    } else {
        "env"
    };
    let mut env = Env::default();
    let mut seen = BTreeSet::new();
    for (path, value, map_name) in entries(obj, key) {
        read_entry(obj.reader(), &path, value, map_name, &mut seen, &mut env);
    }
    env
}

/// The entries of a list, or of a map `{NAME: value-or-entry}` each with
/// its name.
fn entries<'v>(obj: &Obj<'_, 'v>, key: &str) -> Vec<(String, &'v Value, Option<String>)> {
    match obj.raw(key) {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| (join(&obj.path_of(key), name), value, Some(name.clone())))
            .collect(),
        _ => obj
            .list(key)
            .into_iter()
            .map(|(path, value)| (path, value, None))
            .collect(),
    }
}

fn read_entry(
    reader: &Reader,
    path: &str,
    value: &Value,
    map_name: Option<String>,
    seen: &mut BTreeSet<String>,
    env: &mut Env,
) {
    let (Some(name), false) = (&map_name, value.is_object()) else {
        let Some(entry) = reader.object(path, value, &fields::ENV) else {
            return;
        };
        read_object(&entry, map_name, seen, env);
        return;
    };
    // The map form's plain value: `LOG_LEVEL: debug`.
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        Value::Null => String::new(),
        other => {
            reader.error(
                path,
                format!(
                    "found {}; expected a value or an entry such as {{secretName: db, secretKey: password}}",
                    describe(other)
                ),
            );
            return;
        }
    };
    if let Some(name) = checked_name(reader, path, name, seen) {
        env.vars.push(EnvVar {
            key: name,
            source: EnvSource::Hardcoded(text),
            path: path.to_string(),
        });
    }
}

/// The variable name, checked and not seen before.
fn checked_name(
    reader: &Reader,
    path: &str,
    name: &str,
    seen: &mut BTreeSet<String>,
) -> Option<String> {
    if let Err(why) = check::check_env_key(name) {
        reader.error(path, why);
        return None;
    }
    if !seen.insert(name.to_string()) {
        reader.error(
            path,
            format!("found \"{name}\" again; each variable may appear once"),
        );
        return None;
    }
    Some(name.to_string())
}

fn read_object(
    entry: &Obj<'_, '_>,
    map_name: Option<String>,
    seen: &mut BTreeSet<String>,
    env: &mut Env,
) {
    // `key` is the wizard's field, `name` the Kubernetes one; the map
    // form's key names the entry when neither is given.
    let (name_path, name) = match (entry.string("key"), entry.string("name")) {
        (Some(key), _) => (entry.path_of("key"), Some(key)),
        (None, Some(name)) => (entry.path_of("name"), Some(name)),
        (None, None) => (entry.path.clone(), map_name),
    };
    let secret = entry.raw("secretName").is_some();
    let config_map = entry.raw("configMapName").is_some();
    if secret && config_map {
        entry.error(
            "configMapName",
            "found both secretName and configMapName; an entry reads from one object",
        );
        return;
    }
    let reference = match (secret, config_map) {
        (true, _) => Some(ExistingKind::Secret),
        (_, true) => Some(ExistingKind::ConfigMap),
        _ => None,
    };
    match reference {
        Some(kind) => read_reference(entry, kind, name.as_deref(), &name_path, seen, env),
        None => read_value(entry, name.as_deref(), &name_path, seen, env),
    }
}

/// An entry whose value the state holds (or a `${NAME}`, or a generated
/// Secret's placeholder).
fn read_value(
    entry: &Obj<'_, '_>,
    name: Option<&str>,
    name_path: &str,
    seen: &mut BTreeSet<String>,
    env: &mut Env,
) {
    for (key, needs) in [
        ("secretKey", "secretName"),
        ("configMapKey", "configMapName"),
    ] {
        if entry.is_set(key) {
            entry.error(
                key,
                format!("found {key} without {needs}; a reference names the object it reads"),
            );
        }
    }
    for key in ["optional", "prefix"] {
        if entry.is_set(key) {
            entry.warning(
                key,
                format!("`{key}` only means something on a reference (secretName or configMapName) and is ignored"),
            );
        }
    }
    let kind = entry.one_of("type", ENV_TYPES);
    if kind.is_none() && entry.raw("type").is_some() {
        return;
    }
    let Some(name) = name else {
        return;
    };
    let Some(name) = checked_name(entry.reader(), name_path, name, seen) else {
        return;
    };
    let source = match kind {
        Some("variable") => EnvSource::Variable(
            entry
                .string("varName")
                .unwrap_or_else(|| format!("${{{name}}}")),
        ),
        Some("secret") => EnvSource::Secret,
        _ => EnvSource::Hardcoded(entry.string("value").unwrap_or_default()),
    };
    env.vars.push(EnvVar {
        key: name,
        source,
        path: entry.path.clone(),
    });
}

/// `{name: X, secretName: s, secretKey: k}` reads one key (which defaults
/// to the variable's name); without a name, every key of the object
/// becomes a variable (`envFrom`).
fn read_reference(
    entry: &Obj<'_, '_>,
    kind: ExistingKind,
    name: Option<&str>,
    name_path: &str,
    seen: &mut BTreeSet<String>,
    env: &mut Env,
) {
    let (object_field, key_field) = match kind {
        ExistingKind::Secret => ("secretName", "secretKey"),
        ExistingKind::ConfigMap => ("configMapName", "configMapKey"),
    };
    let object_name = entry.required_subdomain(
        object_field,
        &format!("the name of an existing {}", kind.as_str()),
    );
    let optional = entry.bool("optional").unwrap_or(false);
    // The type is the wizard's; a reference's value comes from the object.
    if entry.raw("type").is_some() {
        entry.one_of("type", ENV_TYPES);
    }
    for key in ["value", "varName"] {
        if entry.is_set(key) {
            entry.warning(
                key,
                format!(
                    "`{key}` is ignored: the value comes from the {} named in {object_field}",
                    kind.as_str()
                ),
            );
        }
    }
    let Some(name) = name else {
        let prefix = entry.string("prefix").and_then(|prefix| {
            entry.checked("prefix", check::check_env_key(&prefix).map(|()| prefix))
        });
        if entry.is_set(key_field) {
            entry.error(
                key_field,
                format!("found {key_field} without a variable name; set `name` to read one key, or leave {key_field} out to take every key of the {}", kind.as_str()),
            );
            return;
        }
        if let Some(name) = object_name {
            env.from.push(EnvFromRef {
                object: ExistingObject {
                    kind,
                    name,
                    optional,
                    path: entry.path.clone(),
                },
                prefix,
            });
        }
        return;
    };
    if entry.is_set("prefix") {
        entry.warning(
            "prefix",
            "`prefix` only means something when every key of the object is taken (no `name`) and is ignored",
        );
    }
    let name = checked_name(entry.reader(), name_path, name, seen);
    let key = match entry.string(key_field) {
        Some(key) => entry.checked(key_field, check::check_config_map_key(&key).map(|()| key)),
        // The key defaults to the variable's name, which must then be a
        // valid key too.
        None => name.as_ref().and_then(|name| match check::check_config_map_key(name) {
            Ok(()) => Some(name.clone()),
            Err(why) => {
                entry.reader().error(
                    name_path,
                    format!("{why}; the key read from the {} defaults to the variable's name, so set {key_field}", kind.as_str()),
                );
                None
            }
        }),
    };
    let (Some(name), Some(object_name), Some(key)) = (name, object_name, key) else {
        return;
    };
    env.vars.push(EnvVar {
        key: name,
        source: EnvSource::KeyRef {
            object: ExistingObject {
                kind,
                name: object_name,
                optional,
                path: entry.path.clone(),
            },
            key,
        },
        path: entry.path.clone(),
    });
}

/// A Managed decision has no container: its entries become a ConfigMap and
/// a Secret its consumers read whole, which cannot hold a reference.
pub fn managed_env(obj: &Obj<'_, '_>, env: Env) -> Vec<EnvVar> {
    let references = env
        .vars
        .iter()
        .filter_map(|v| match &v.source {
            EnvSource::KeyRef { object, .. } => Some(object),
            _ => None,
        })
        .chain(env.from.iter().map(|r| &r.object));
    for object in references {
        obj.reader().warning(
            &object.path,
            format!(
                "a reference to the existing {} {} has no effect on a Managed decision (its entries become a ConfigMap and a Secret for its consumers) and is ignored",
                object.kind.as_str(),
                object.name
            ),
        );
    }
    env.vars
        .into_iter()
        .filter(|v| !matches!(v.source, EnvSource::KeyRef { .. }))
        .collect()
}
