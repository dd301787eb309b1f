//! The interactive wizard: questions on the terminal that build a state in
//! exactly the format of a state file (STATE.md), so a saved answer set is
//! an ordinary file that `render -f` reads.
//!
//! The flow (`ask_state`) only talks to a `Prompter`; `Terminal` puts it on
//! the screen with dialoguer. Nothing is written before the very end, so a
//! cancelled wizard leaves nothing behind.

mod ask;
mod daemonset;
mod deployment;
mod job;
mod pod;
pub mod prompts;
mod review;
mod service;
mod statefulset;
mod summary;
mod volumes;

use std::io::IsTerminal;

use serde_json::{Map, Value};

use crate::check;
use crate::error::{Error, Result};
pub use ask::Ask;
pub use prompts::{Prompter, Terminal};
pub use summary::{draft_path, save, show_summary, DEFAULT_FILE};

/// Whether questions can be asked: answers come from a terminal on stdin
/// and the questions are drawn on stderr.
pub fn has_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Ask for a whole state, starting from `state`: an empty object for a new
/// one, or a loaded file or draft to edit, whose values are every
/// question's default. Answers go into `state` as they are given, so after
/// a Ctrl-C (`Error::Cancelled`) the caller still holds them for a draft;
/// keys no question is about stay as they were. A new state is asked
/// question by question; one that has services starts at the review.
/// Returns whether to save (false: the review's cancel).
pub fn ask_state(
    prompter: &mut dyn Prompter,
    namespace: Option<&str>,
    state: &mut Value,
) -> Result<bool> {
    if !state.is_object() {
        *state = Value::Object(Map::new());
    }
    let mut ask = Ask::new(prompter);
    ask.say("Answer each question with Enter; Enter alone takes the value in parentheses.");
    ask.say("Esc goes back a step, keeping your answers. In a list, move with the arrow");
    ask.say("keys (or j/k). Ctrl-C stops and offers to keep your answers as a draft.");
    let fresh = services(state).is_empty();
    if fresh {
        ask.say("Enter first the services others wait for (a database, say): a Deployment");
        ask.say("can wait only for services entered before it.");
        // Esc in the first service goes back to the project's last
        // question; Esc in its first question stays there.
        let mut at_end = false;
        loop {
            match ask_project(&mut ask, namespace, state, at_end) {
                Err(Error::Back) => continue,
                other => other?,
            }
            match add_services(&mut ask, state) {
                Err(Error::Back) => at_end = true,
                other => break other?,
            }
        }
    }
    review::review(&mut ask, namespace, state)
}

/// The project's questions: namespace, output folder, Ingress host.
fn ask_project(
    ask: &mut Ask<'_>,
    namespace: Option<&str>,
    state: &mut Value,
    at_end: bool,
) -> Result<()> {
    ask.heading("Project");
    let mut fields = Fields::from(state);
    let current_namespace = fields.text("namespace");
    let outcome = ask.steps(
        &mut fields,
        |_| vec![0, 1, 2],
        |ask, step, fields| {
            match step {
                0 => {
                    let default = current_namespace
                        .as_deref()
                        .or(namespace)
                        .unwrap_or("default");
                    let answer = ask.text("Namespace", Some(default), check::check_dns_label)?;
                    fields.answer("namespace", &answer, answer.as_str());
                }
                1 => {
                    let current = fields.text("output_dir");
                    let answer = ask.text(
                        "Folder for the generated files",
                        Some(current.as_deref().unwrap_or("k8s")),
                        ask::not_empty,
                    )?;
                    fields.answer("output_dir", &answer, answer.as_str());
                }
                _ => {
                    let routes = review::ingress_routes_of(fields);
                    let prompt = if routes.is_empty() {
                        "Ingress host, e.g. app.example.com (Enter for no Ingress)".to_string()
                    } else {
                        format!(
                            "Ingress host, routing {} (Enter for no Ingress)",
                            routes.join(", ")
                        )
                    };
                    let current = fields.text("ingress");
                    match ask.optional_from(&prompt, current.as_deref(), check::check_host)? {
                        Some(host) => fields.answer("ingress", &host, host.as_str()),
                        // Empty answers are left out of the file.
                        None => fields.remove("ingress"),
                    }
                }
            }
            Ok(())
        },
        at_end,
    );
    *state = fields.into_value();
    outcome
}

/// The services of a state (none when `_services` is missing or not a list).
pub fn services(state: &Value) -> &[Value] {
    state
        .get("_services")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `_services` to change, created when missing.
fn services_mut(state: &mut Value) -> &mut Vec<Value> {
    if !state.get("_services").is_some_and(Value::is_array) {
        state["_services"] = Value::Array(Vec::new());
    }
    match &mut state["_services"] {
        Value::Array(items) => items,
        _ => unreachable!("set to a list just above"),
    }
}

fn has_ingress(state: &Value) -> bool {
    state
        .get("ingress")
        .and_then(Value::as_str)
        .is_some_and(|h| !h.is_empty())
}

/// New services one after another, each followed by "Add another
/// service?". Esc in the first question of a service goes back to that
/// question about the one before (or, for the first service, to the
/// caller); Esc at "Add another service?" goes back into the service just
/// entered.
fn add_services(ask: &mut Ask<'_>, state: &mut Value) -> Result<()> {
    let first = services(state).len();
    let mut start_at_end = false;
    loop {
        let ingress = has_ingress(state);
        let index = services(state).len();
        if !start_at_end {
            services_mut(state).push(Value::Object(Map::new()));
        }
        let outcome = service::ask_service_at(
            ask,
            services_mut(state),
            index - usize::from(start_at_end),
            ingress,
            start_at_end,
        );
        start_at_end = false;
        match outcome {
            Ok(()) => {}
            Err(Error::Back) => {
                // The service just begun is dropped; its answers were none.
                services_mut(state).pop();
                if services(state).len() == first {
                    return Err(Error::Back);
                }
            }
            Err(Error::Cancelled) => {
                // Keep what was answered of it for the draft, if anything.
                if services(state)
                    .last()
                    .is_some_and(|s| s.as_object().is_some_and(Map::is_empty))
                {
                    services_mut(state).pop();
                }
                return Err(Error::Cancelled);
            }
            Err(other) => return Err(other),
        }
        match ask.yes("Add another service?", false) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(Error::Back) => start_at_end = true,
            Err(other) => return Err(other),
        }
    }
}

/// A list the file (or an earlier answer) already has, e.g. `envVars`:
/// kept as it is with one answer (yes, the default), or left out to be
/// asked again (returns false). `describe` names one item.
pub fn keep_list(
    ask: &mut Ask<'_>,
    fields: &mut Fields,
    key: &str,
    noun: &str,
    describe: fn(&Value) -> String,
) -> Result<bool> {
    let items = match fields.get(key).and_then(Value::as_array) {
        Some(items) if !items.is_empty() => items,
        _ => {
            fields.remove(key);
            return Ok(false);
        }
    };
    let listed: Vec<String> = items.iter().map(describe).collect();
    let prompt = format!("Keep the {noun} ({})?", listed.join(", "));
    if ask.yes(&prompt, true)? {
        return Ok(true);
    }
    fields.remove(key);
    Ok(false)
}

/// An item's `name`, for `keep_list`.
pub fn item_name(item: &Value) -> String {
    ask::scalar_text(item.get("name")).unwrap_or_default()
}

/// The state as the text of a state file. The one function that writes a
/// state, for `init`, drafts and the `render` wizard alike.
pub fn to_text(state: &Value) -> Result<String> {
    let body = crate::yaml::to_string(state)
        .map_err(|e| Error::Failed(format!("cannot write the state as YAML: {e}")))?;
    Ok(format!(
        "{}\n# Wizard state written by `kubectl wizard`; render it with\n#   kubectl wizard render -f <this file>\n{body}",
        crate::state::schema::modeline()
    ))
}

/// The text to save for `state`, edited from a file whose text was
/// `original` and whose value was `loaded`: the file's own bytes when
/// nothing changed, else the file rewritten with only the changed parts
/// written anew (see `yaml::rewrite`).
pub fn edited_text(original: &str, loaded: &Value, state: &Value) -> Result<String> {
    if loaded == state {
        return Ok(original.to_string());
    }
    match crate::yaml::rewrite(original, loaded, state) {
        Some(text) => Ok(text),
        // A JSON state stays JSON.
        None if original.trim_start().starts_with('{') => serde_json::to_string_pretty(state)
            .map(|text| text + "\n")
            .map_err(|e| Error::Failed(format!("cannot write the state as JSON: {e}"))),
        None => to_text(state),
    }
}

/// Ask, show what it generates, and offer to save: the state behind
/// `render`, `diff` and `apply` run without `-f`. Returns the state's text
/// and the name to use for it in messages.
pub fn state_for_command(namespace: Option<&str>) -> Result<(String, String)> {
    if !has_terminal() {
        return Err(Error::Usage(
            "no state given: pass -f FILE (or -f - to read standard input); without -f the wizard asks for the state, which needs a terminal".into(),
        ));
    }
    let mut terminal = Terminal::new();
    let mut state = Value::Object(Map::new());
    if !ask_state(&mut terminal, namespace, &mut state)? {
        return Err(Error::Cancelled);
    }
    let text = to_text(&state)?;
    let mut ask = Ask::new(&mut terminal);
    if !ask.yes(
        "Save these answers as a state file, to use again with -f?",
        true,
    )? {
        return Ok((text, "<wizard>".into()));
    }
    let file = ask.text("File name", Some(DEFAULT_FILE), ask::not_empty)?;
    let saved = save(&mut ask, std::path::Path::new(&file), &text)?;
    Ok((text, saved.display().to_string()))
}

/// An object of the state under construction; keys keep their insertion
/// order, so a saved state reads in the order the questions were asked.
#[derive(Debug, Default, Clone)]
pub struct Fields(Map<String, Value>);

impl Fields {
    /// The keys of `value` (an object; anything else gives none), to be
    /// changed by answers while every other key stays as it was.
    pub fn from(value: &Value) -> Fields {
        Fields(value.as_object().cloned().unwrap_or_default())
    }

    /// A scalar's text, as a question offers it for its default.
    pub fn text(&self, key: &str) -> Option<String> {
        ask::scalar_text(self.0.get(key))
    }

    /// Store an answer typed as `text`: the value already there when its
    /// text is the answer (so `port: "8080"` stays a string), else `value`.
    pub fn answer(&mut self, key: &str, text: &str, value: impl Into<Value>) {
        if self.text(key).as_deref() != Some(text) {
            self.set(key, value);
        }
    }

    /// Store a choice from a list. While the key is absent, the state's
    /// default (`default`) leaves it absent: the file says the same with
    /// fewer keys, and an unchanged file stays unchanged.
    pub fn choice(&mut self, key: &str, value: &str, default: &str) {
        if self.has(key) || value != default {
            self.answer(key, value, value);
        }
    }

    /// Leave a key out, keeping the order of the others.
    pub fn remove(&mut self, key: &str) {
        self.0.shift_remove(key);
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.0.keys().cloned()
    }

    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// Set when there is a value; leave the key out otherwise.
    pub fn set_some(&mut self, key: &str, value: Option<impl Into<Value>>) {
        if let Some(value) = value {
            self.set(key, value);
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.get_mut(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
mod tests;
