//! Environments: one state, several namespaces with a few fields changed
//! per service. An environment is applied to the state's value tree before
//! it is read, so every value it brings is checked by the same rules as the
//! state's own; findings about an overridden value are then reported at the
//! environment's path (`environments[1].services.web.replicas`).

use serde_json::{Map, Value};

use super::fields::{self, Table};
use crate::diag::Diagnostics;

/// An environment, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    pub name: String,
    /// Path of its entry (`environments[1]`, or under `kubernetes.`).
    pub path: String,
    entry: Map<String, Value>,
}

/// The state of one environment, and where each overridden value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub document: Value,
    /// (path in the state, path in the environment), for messages.
    origins: Vec<(String, String)>,
}

impl Selected {
    /// Report a finding about an overridden value at the environment's
    /// path; other findings keep theirs.
    pub fn origin_of(&self, path: &str) -> Option<String> {
        self.origins.iter().find_map(|(target, source)| {
            let rest = path.strip_prefix(target.as_str())?;
            (rest.is_empty() || rest.starts_with(['.', '['])).then(|| format!("{source}{rest}"))
        })
    }
}

/// Where the state's keys are: the document, or its `kubernetes:` map.
fn state_of(document: &Value) -> (&str, Option<&Map<String, Value>>) {
    match document.get("kubernetes") {
        Some(inner) => ("kubernetes.", inner.as_object()),
        None => ("", document.as_object()),
    }
}

/// The environments of a state, each checked against the state: its name,
/// namespace, the services it names and the fields it overrides.
pub fn read(document: &Value) -> (Vec<Environment>, Diagnostics) {
    let mut problems = Diagnostics::default();
    let (prefix, Some(state)) = state_of(document) else {
        return (Vec::new(), problems);
    };
    let list = match state.get("environments") {
        None | Some(Value::Null) => return (Vec::new(), problems),
        Some(Value::Array(list)) => list,
        Some(other) => {
            problems.error(
                format!("{prefix}environments"),
                format!(
                    "found {}; expected a list of environments such as [{{name: prod, namespace: shop-prod}}]",
                    super::reader::describe(other)
                ),
            );
            return (Vec::new(), problems);
        }
    };
    let mut environments: Vec<Environment> = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let path = format!("{prefix}environments[{index}]");
        let Some(entry) = item.as_object() else {
            problems.error(
                &path,
                format!(
                    "found {}; expected an environment such as {{name: prod, namespace: shop-prod}}",
                    super::reader::describe(item)
                ),
            );
            continue;
        };
        unknown_keys(entry, &fields::ENVIRONMENT, &path, &mut problems);
        let name = match entry.get("name").and_then(Value::as_str) {
            Some(name) => name.to_string(),
            None => {
                problems.error(
                    format!("{path}.name"),
                    "missing; each environment needs a name (a DNS label such as prod)",
                );
                continue;
            }
        };
        if let Err(why) = crate::check::check_dns_label(&name) {
            problems.error(format!("{path}.name"), why);
        }
        if let Some(earlier) = environments.iter().find(|e| e.name == name) {
            problems.error(
                format!("{path}.name"),
                format!(
                    "found \"{name}\" again (also {}); each environment name may appear once",
                    earlier.path
                ),
            );
        }
        check_entry(state, entry, &path, &mut problems);
        environments.push(Environment {
            name,
            path,
            entry: entry.clone(),
        });
    }
    (environments, problems)
}

/// An unknown key of an environment or an override is an error: a
/// misspelt override would otherwise silently change nothing.
fn unknown_keys(entry: &Map<String, Value>, table: &Table, path: &str, problems: &mut Diagnostics) {
    let known: Vec<&str> = table.fields().map(|f| f.name).collect();
    for key in entry.keys() {
        if !known.contains(&key.as_str()) {
            problems.error(
                format!("{path}.{key}"),
                format!(
                    "an environment cannot set `{key}` here; allowed: {}",
                    known.join(", ")
                ),
            );
        }
    }
}

fn check_entry(
    state: &Map<String, Value>,
    entry: &Map<String, Value>,
    path: &str,
    problems: &mut Diagnostics,
) {
    if let Some(namespace) = entry.get("namespace") {
        match namespace.as_str().map(crate::check::check_dns_label) {
            Some(Ok(())) => {}
            Some(Err(why)) => problems.error(format!("{path}.namespace"), why),
            None => problems.error(
                format!("{path}.namespace"),
                format!(
                    "found {}; expected a namespace name",
                    super::reader::describe(namespace)
                ),
            ),
        }
    }
    if entry.contains_key("ingress") && state.get("ingress").is_none_or(empty) {
        problems.error(
            format!("{path}.ingress"),
            "the state has no `ingress`, so there is no Ingress whose host an environment could change",
        );
    }
    for (service_path, name, fields) in overrides(entry, path, problems) {
        match find_service(state, &name) {
            Some((_, service)) => check_override(service, &fields, &service_path, problems),
            None => problems.error(
                &service_path,
                format!(
                    "no service \"{name}\" in the state; services: {}",
                    service_names(state).join(", ")
                ),
            ),
        }
    }
}

fn empty(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
}

/// The overrides of an environment: (path, service name, fields), from
/// the map form (`web: {replicas: 3}`) or the list form (`- name: web`).
fn overrides(
    entry: &Map<String, Value>,
    path: &str,
    problems: &mut Diagnostics,
) -> Vec<(String, String, Map<String, Value>)> {
    let mut found = Vec::new();
    match entry.get("services") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let service_path = format!("{path}.services.{name}");
                match value {
                    Value::Object(fields) => {
                        found.push((service_path, name.clone(), fields.clone()))
                    }
                    Value::Null => {}
                    other => problems.error(
                        service_path,
                        format!(
                            "found {}; expected the service's overrides such as {{replicas: 3}}",
                            super::reader::describe(other)
                        ),
                    ),
                }
            }
        }
        Some(Value::Array(list)) => {
            for (index, value) in list.iter().enumerate() {
                let service_path = format!("{path}.services[{index}]");
                let fields = value.as_object().cloned().unwrap_or_default();
                match fields.get("name").and_then(Value::as_str) {
                    Some(name) => {
                        let mut fields = fields.clone();
                        let name = name.to_string();
                        fields.remove("name");
                        found.push((service_path, name, fields));
                    }
                    None => problems.error(
                        format!("{service_path}.name"),
                        "missing; name the service this entry overrides",
                    ),
                }
            }
        }
        Some(other) => problems.error(
            format!("{path}.services"),
            format!(
                "found {}; expected a map of service name to overrides, such as {{web: {{replicas: 3}}}}",
                super::reader::describe(other)
            ),
        ),
    }
    found
}

/// Every app service and infrastructure decision: (list key, index, entry).
fn services(state: &Map<String, Value>) -> Vec<(String, &Map<String, Value>)> {
    let mut found = Vec::new();
    for (key, alias) in [
        ("_services", "services"),
        ("_infraDecisions", "infraDecisions"),
    ] {
        let (key, list) = match (state.get(key), state.get(alias)) {
            (Some(Value::Array(list)), _) => (key, list),
            (None, Some(Value::Array(list))) => (alias, list),
            _ => continue,
        };
        for (index, item) in list.iter().enumerate() {
            if let Some(service) = item.as_object() {
                found.push((format!("{key}[{index}]"), service));
            }
        }
    }
    found
}

fn service_names(state: &Map<String, Value>) -> Vec<String> {
    services(state)
        .into_iter()
        .filter_map(|(_, s)| s.get("name").and_then(Value::as_str).map(String::from))
        .collect()
}

fn find_service<'s>(
    state: &'s Map<String, Value>,
    name: &str,
) -> Option<(String, &'s Map<String, Value>)> {
    services(state)
        .into_iter()
        .find(|(_, s)| s.get("name").and_then(Value::as_str) == Some(name))
}

/// Whether the service has what each override changes.
fn check_override(
    service: &Map<String, Value>,
    fields: &Map<String, Value>,
    path: &str,
    problems: &mut Diagnostics,
) {
    let known: Vec<&str> = fields::OVERRIDE
        .fields()
        .map(|f| f.name)
        .filter(|n| *n != "name")
        .collect();
    let kind = service
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("Deployment");
    for (key, value) in fields {
        let at = format!("{path}.{key}");
        match key.as_str() {
            "replicas" if !matches!(kind, "Deployment" | "StatefulSet") => problems.error(
                at,
                format!("a {kind} has no replicas; only a Deployment's or StatefulSet's can be overridden"),
            ),
            "image" | "replicas" if kind == "Managed" || kind == "Skip" => problems.error(
                at,
                format!("a {kind} decision runs nothing in the cluster; there is no {key} to override"),
            ),
            "autoscaling" if !autoscaled(service) => problems.error(
                at,
                "the service's autoscaling is not enabled; an environment can change the bounds of an autoscaler, not add one",
            ),
            "autoscaling" | "resources" => {
                let table = if key == "autoscaling" {
                    &fields::BOUNDS
                } else {
                    &fields::RESOURCES
                };
                match value.as_object() {
                    Some(map) => unknown_keys(map, table, &at, problems),
                    None => problems.error(
                        at,
                        format!("found {}; expected a map", super::reader::describe(value)),
                    ),
                }
            }
            "env" => check_env(service, value, &at, problems),
            _ if known.contains(&key.as_str()) => {}
            _ => problems.error(
                at,
                format!(
                    "an environment cannot override `{key}`; it can override: {}",
                    known.join(", ")
                ),
            ),
        }
    }
}

fn autoscaled(service: &Map<String, Value>) -> bool {
    let enabled = service.get("autoscaling").and_then(|a| a.get("enabled"));
    matches!(enabled, Some(Value::Bool(true))) || enabled.and_then(Value::as_str) == Some("true")
}

/// An env override names hardcoded or variable entries the service has.
fn check_env(service: &Map<String, Value>, value: &Value, path: &str, problems: &mut Diagnostics) {
    let Some(values) = value.as_object() else {
        problems.error(
            path,
            format!(
                "found {}; expected a map of env keys to values, such as {{LOG_LEVEL: debug}}",
                super::reader::describe(value)
            ),
        );
        return;
    };
    for (key, new) in values {
        let at = format!("{path}.{key}");
        if !(new.is_string() || new.is_number() || new.is_boolean()) {
            problems.error(
                &at,
                format!("found {}; expected a value", super::reader::describe(new)),
            );
        }
        match env_entry(service, key) {
            Some(EnvEntry::Listed(_, entry)) => {
                let kind = entry
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("hardcoded");
                if !matches!(kind, "hardcoded" | "plain" | "variable") {
                    problems.error(
                        at,
                        format!("{key} is a {kind} entry; only hardcoded and variable values can be overridden (a Secret's values never come from the state)"),
                    );
                }
            }
            Some(EnvEntry::Mapped) => {}
            None => problems.error(
                at,
                format!("the service has no env entry {key}; an environment can change the value of an entry, not add one"),
            ),
        }
    }
}

enum EnvEntry<'s> {
    /// In `envVars` (or `env` as a list): its index and the entry.
    Listed(String, &'s Map<String, Value>),
    /// In `env` as a map.
    Mapped,
}

fn env_entry<'s>(service: &'s Map<String, Value>, key: &str) -> Option<EnvEntry<'s>> {
    for list_key in ["envVars", "env"] {
        match service.get(list_key) {
            Some(Value::Array(list)) => {
                for (index, item) in list.iter().enumerate() {
                    let Some(entry) = item.as_object() else {
                        continue;
                    };
                    let name = entry.get("key").or_else(|| entry.get("name"));
                    if name.and_then(Value::as_str) == Some(key) {
                        return Some(EnvEntry::Listed(format!("{list_key}[{index}]"), entry));
                    }
                }
            }
            Some(Value::Object(map)) if map.contains_key(key) => return Some(EnvEntry::Mapped),
            _ => {}
        }
    }
    None
}

/// The state of environment `env`: its namespace, Ingress host and
/// overrides written into a copy of the state (without `environments`).
pub fn select(document: &Value, env: &Environment) -> Selected {
    let mut document = document.clone();
    let mut origins = Vec::new();
    let (prefix, _) = state_of(&document);
    let prefix = prefix.to_string();
    let state = match prefix.as_str() {
        "" => document.as_object_mut(),
        _ => document
            .get_mut("kubernetes")
            .and_then(Value::as_object_mut),
    };
    let Some(state) = state else {
        return Selected { document, origins };
    };
    state.remove("environments");
    for key in ["namespace", "ingress"] {
        if let Some(value) = env.entry.get(key) {
            state.insert(key.into(), value.clone());
            origins.push((format!("{prefix}{key}"), format!("{}.{key}", env.path)));
        }
    }
    let mut ignored = Diagnostics::default();
    for (source, name, fields) in overrides(&env.entry, &env.path, &mut ignored) {
        let Some((at, _)) = find_service(state, &name) else {
            continue;
        };
        let target = format!("{prefix}{at}");
        let Some(service) = pointer_mut(state, &at) else {
            continue;
        };
        for (key, value) in fields {
            let from = format!("{source}.{key}");
            match (key.as_str(), value) {
                ("resources" | "autoscaling", Value::Object(changes)) => {
                    let map = service
                        .entry(key.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(map) = map.as_object_mut() {
                        for (field, new) in changes {
                            origins.push((
                                format!("{target}.{key}.{field}"),
                                format!("{from}.{field}"),
                            ));
                            map.insert(field, new);
                        }
                    }
                }
                ("env", Value::Object(values)) => {
                    for (env_key, new) in values {
                        let text = match &new {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        if let Some(at) = set_env(service, &env_key, text) {
                            origins.push((format!("{target}.{at}"), format!("{from}.{env_key}")));
                        }
                    }
                }
                (_, value) => {
                    origins.push((format!("{target}.{key}"), from));
                    service.insert(key, value);
                }
            }
        }
    }
    // Longest first, so a nested path wins over its parent.
    origins.sort_by_key(|(target, _)| std::cmp::Reverse(target.len()));
    Selected { document, origins }
}

/// `_services[2]` of the state, to change.
fn pointer_mut<'s>(
    state: &'s mut Map<String, Value>,
    at: &str,
) -> Option<&'s mut Map<String, Value>> {
    let (key, index) = at.trim_end_matches(']').split_once('[')?;
    let index: usize = index.parse().ok()?;
    state
        .get_mut(key)?
        .as_array_mut()?
        .get_mut(index)?
        .as_object_mut()
}

/// Give env entry `key` the value `text` (a variable entry becomes a
/// hardcoded one); where it is, relative to the service.
fn set_env(service: &mut Map<String, Value>, key: &str, text: String) -> Option<String> {
    let at = match env_entry(service, key)? {
        EnvEntry::Listed(at, _) => at,
        EnvEntry::Mapped => {
            let map = service.get_mut("env")?.as_object_mut()?;
            map.insert(key.to_string(), Value::String(text));
            return Some(format!("env.{key}"));
        }
    };
    let (list_key, index) = at.trim_end_matches(']').split_once('[')?;
    let index: usize = index.parse().ok()?;
    let entry = service
        .get_mut(list_key)?
        .as_array_mut()?
        .get_mut(index)?
        .as_object_mut()?;
    entry.insert("type".into(), Value::String("hardcoded".into()));
    entry.insert("value".into(), Value::String(text));
    entry.remove("varName");
    Some(at)
}

/// The state without its environments: the base (in place: a large
/// state is not copied).
pub fn remove(document: &mut Value) {
    let state = match document.get("kubernetes") {
        Some(_) => document
            .get_mut("kubernetes")
            .and_then(Value::as_object_mut),
        None => document.as_object_mut(),
    };
    if let Some(state) = state {
        state.remove("environments");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> Value {
        json!({
            "namespace": "shop",
            "ingress": "shop.example.com",
            "_services": [
                {"name": "web", "image": "web:1", "port": 80, "replicas": 2,
                 "envVars": [{"key": "LOG_LEVEL", "type": "variable"}, {"key": "TOKEN", "type": "secret"}],
                 "autoscaling": {"enabled": true, "minReplicas": 2, "maxReplicas": 4}},
                {"name": "agent", "kind": "DaemonSet", "image": "agent:1"}
            ],
            "environments": [
                {"name": "prod", "namespace": "shop-prod",
                 "services": {"web": {"replicas": 5, "env": {"LOG_LEVEL": "warn"}, "resources": {"cpu_limit": "1"}}}}
            ]
        })
    }

    #[test]
    fn select_writes_the_overrides_and_remembers_their_origin() {
        let (envs, problems) = read(&state());
        assert!(problems.items.is_empty(), "{problems:?}");
        let selected = select(&state(), &envs[0]);
        let doc = &selected.document;
        assert!(doc.get("environments").is_none());
        assert_eq!(doc["namespace"], "shop-prod");
        assert_eq!(doc["_services"][0]["replicas"], 5);
        assert_eq!(doc["_services"][0]["resources"]["cpu_limit"], "1");
        assert_eq!(
            doc["_services"][0]["envVars"][0],
            json!({"key": "LOG_LEVEL", "type": "hardcoded", "value": "warn"})
        );
        assert_eq!(
            selected.origin_of("_services[0].replicas").as_deref(),
            Some("environments[0].services.web.replicas")
        );
        assert_eq!(
            selected
                .origin_of("_services[0].envVars[0].value")
                .as_deref(),
            Some("environments[0].services.web.env.LOG_LEVEL.value")
        );
        assert_eq!(selected.origin_of("_services[0].image"), None);
    }

    #[test]
    fn overrides_of_what_a_service_does_not_have_are_errors() {
        let mut doc = state();
        doc["environments"] = json!([
            {"name": "dev", "services": {
                "agent": {"replicas": 2},
                "web": {"env": {"TOKEN": "x", "NOPE": "y"}, "port": 81},
                "ghost": {"image": "x"}}},
            {"name": "dev", "ingress": "dev.example.com"}
        ]);
        let (_, problems) = read(&doc);
        let paths: Vec<&str> = problems.items.iter().map(|d| d.path.as_str()).collect();
        for path in [
            "environments[0].services.agent.replicas",
            "environments[0].services.web.env.TOKEN",
            "environments[0].services.web.env.NOPE",
            "environments[0].services.web.port",
            "environments[0].services.ghost",
            "environments[1].name",
        ] {
            assert!(paths.contains(&path), "no error at {path}: {paths:?}");
        }
    }
}
