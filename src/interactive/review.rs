//! The review before saving: the whole state on one screen (services,
//! kinds, ports, storage, where the Ingress routes, the files it makes and
//! any problem), then save, edit a service, add one, remove one, edit the
//! project, or cancel.

use serde_json::Value;

use super::ask::{scalar_text, Ask};
use super::{
    add_services, ask_project, has_ingress, service, services, services_mut, summary, to_text,
    Fields,
};
use crate::error::{Error, Result};
use crate::sanitize;

#[derive(Debug, Clone, Copy)]
enum Action {
    Save,
    Edit(usize),
    Add,
    Remove,
    Project,
    Cancel,
}

/// Show the state and act on it until the user saves (true) or cancels
/// (false).
pub fn review(ask: &mut Ask<'_>, namespace: Option<&str>, state: &mut Value) -> Result<bool> {
    loop {
        show(ask, namespace, state);
        let mut actions = vec![(Action::Save, "save".to_string())];
        for (i, s) in services(state).iter().enumerate() {
            let name = scalar_text(s.get("name")).unwrap_or_else(|| "unnamed".into());
            actions.push((
                Action::Edit(i),
                format!("edit service {} ({})", i + 1, sanitize::one_line(&name)),
            ));
        }
        actions.push((Action::Add, "add a service".into()));
        if !services(state).is_empty() {
            actions.push((Action::Remove, "remove a service".into()));
        }
        actions.push((
            Action::Project,
            "edit the project (namespace, folder, Ingress host)".into(),
        ));
        actions.push((Action::Cancel, "cancel (quit without saving)".into()));
        let labels: Vec<&str> = actions.iter().map(|(_, l)| l.as_str()).collect();
        let chosen = match ask.select("What now?", &labels, 0) {
            // Esc on the review itself: nothing before it to go back to.
            Err(Error::Back) => continue,
            other => other?,
        };
        let outcome = match actions[chosen].0 {
            Action::Save => return Ok(true),
            Action::Cancel => {
                if ask.yes("Quit without saving these answers?", false)? {
                    return Ok(false);
                }
                Ok(())
            }
            Action::Edit(index) => {
                let ingress = has_ingress(state);
                service::ask_service_at(ask, services_mut(state), index, ingress, false)
            }
            Action::Add => add_services(ask, state),
            Action::Remove => remove(ask, state),
            Action::Project => ask_project(ask, namespace, state, false),
        };
        match outcome {
            // Esc out of an action: back to the review.
            Ok(()) | Err(Error::Back) => {}
            Err(other) => return Err(other),
        }
    }
}

/// Remove a service; other services stop waiting for it.
fn remove(ask: &mut Ask<'_>, state: &mut Value) -> Result<()> {
    let names: Vec<String> = services(state)
        .iter()
        .map(|s| scalar_text(s.get("name")).unwrap_or_else(|| "unnamed".into()))
        .collect();
    let mut labels: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}. {}", i + 1, sanitize::one_line(n)))
        .collect();
    labels.push("none (back to the review)".into());
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let chosen = ask.select("Remove which service?", &labels, labels.len() - 1)?;
    let Some(name) = names.get(chosen) else {
        return Ok(());
    };
    services_mut(state).remove(chosen);
    for other in services_mut(state).iter_mut() {
        let mut fields = Fields::from(other);
        let Some(Value::Array(deps)) = fields.get("dependencies") else {
            continue;
        };
        if !deps.iter().any(|d| d.as_str() == Some(name)) {
            continue;
        }
        let kept: Vec<Value> = deps
            .iter()
            .filter(|d| d.as_str() != Some(name))
            .cloned()
            .collect();
        let who = fields.text("name").unwrap_or_default();
        if kept.is_empty() {
            fields.remove("dependencies");
        } else {
            fields.set("dependencies", Value::Array(kept));
        }
        *other = fields.into_value();
        ask.say(&format!(
            "  {} no longer waits for {}.",
            sanitize::one_line(&who),
            sanitize::one_line(name)
        ));
    }
    ask.say(&format!("Removed {}.", sanitize::one_line(name)));
    Ok(())
}

/// The state at a glance, then what it generates (or its problems).
fn show(ask: &mut Ask<'_>, namespace: Option<&str>, state: &Value) {
    ask.heading("Review");
    let text = |key: &str| scalar_text(state.get(key));
    let host = text("ingress");
    ask.say(&format!(
        "Namespace {}, files in {}/, {}",
        sanitize::one_line(&text("namespace").unwrap_or_else(|| "default".into())),
        sanitize::one_line(&text("output_dir").unwrap_or_else(|| "k8s".into())),
        match &host {
            Some(host) => format!("Ingress host {}", sanitize::one_line(host)),
            None => "no Ingress".into(),
        }
    ));
    for (i, s) in services(state).iter().enumerate() {
        ask.say(&format!("  {}. {}", i + 1, describe(s)));
    }
    if host.is_some() {
        let routes = ingress_routes(services(state));
        if routes.is_empty() {
            ask.say("  The Ingress routes to no service (none has a routable Service).");
        } else {
            ask.say(&format!("  The Ingress routes {}.", routes.join(", ")));
        }
    }
    match to_text(state) {
        Ok(text) => summary::show_summary(ask.prompter(), &text, namespace),
        Err(e) => ask.say(&format!("error: {e}")),
    }
}

/// One service on one line: name, kind, image, port, replicas, storage,
/// what it waits for.
fn describe(service: &Value) -> String {
    let text = |key: &str| scalar_text(service.get(key));
    let mut parts = vec![
        text("name").unwrap_or_else(|| "unnamed".into()),
        text("kind").unwrap_or_else(|| "Deployment".into()),
        text("image").unwrap_or_else(|| "no image".into()),
    ];
    if let Some(port) = text("port") {
        parts.push(format!("port {port}"));
    }
    if let Some(replicas) = text("replicas") {
        parts.push(format!("{replicas} replica(s)"));
    }
    let storage = ["volumeClaimTemplates", "volumes"]
        .iter()
        .filter_map(|k| service.get(*k)?.as_array())
        .flatten()
        .map(|v| {
            let t = |k: &str| scalar_text(v.get(k)).unwrap_or_default();
            match scalar_text(v.get("size")) {
                Some(size) => format!("{} {size} at {}", t("name"), t("mountPath")),
                None => format!("{} at {}", t("name"), t("mountPath")),
            }
        })
        .collect::<Vec<_>>();
    if !storage.is_empty() {
        parts.push(format!("storage: {}", storage.join(", ")));
    }
    if let Some(deps) = service.get("dependencies").and_then(Value::as_array) {
        let deps: Vec<String> = deps.iter().filter_map(|d| scalar_text(Some(d))).collect();
        if !deps.is_empty() {
            parts.push(format!("waits for {}", deps.join(", ")));
        }
    }
    sanitize::one_line(&parts.join("  ")).into_owned()
}

/// Where the Ingress sends each path (STATE.md 7.2): the first routed
/// service gets `/`, each other `/<name>`; e.g. `/ to web:8080`.
pub fn ingress_routes(services: &[Value]) -> Vec<String> {
    services
        .iter()
        .filter(|s| service::is_routed(s))
        .enumerate()
        .map(|(i, s)| {
            let name = scalar_text(s.get("name")).unwrap_or_default();
            let port = scalar_text(s.get("port")).unwrap_or_default();
            let path = if i == 0 {
                "/".to_string()
            } else {
                format!("/{name}")
            };
            sanitize::one_line(&format!("{path} to {name}:{port}")).into_owned()
        })
        .collect()
}

/// `ingress_routes` of a state under construction.
pub fn ingress_routes_of(fields: &Fields) -> Vec<String> {
    let services = fields
        .get("_services")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    ingress_routes(services)
}
