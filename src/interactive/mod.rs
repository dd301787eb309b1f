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
pub use summary::{save, show_summary, DEFAULT_FILE};

/// Whether questions can be asked: answers come from a terminal on stdin
/// and the questions are drawn on stderr.
pub fn has_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Ask for a whole state. `namespace` (from `-n`) is offered as the default
/// namespace.
pub fn ask_state(prompter: &mut dyn Prompter, namespace: Option<&str>) -> Result<Value> {
    let mut ask = Ask::new(prompter);
    ask.say("Answer each question with Enter; Enter alone takes the value in parentheses.");
    ask.say("In a list, move with the arrow keys (or j/k). Ctrl-C stops, writing nothing.");
    ask.say("Enter first the services others wait for (a database, say): a Deployment");
    ask.say("can wait only for services entered before it.");
    ask.heading("Project");
    let mut state = Fields::default();
    let namespace = ask.text(
        "Namespace",
        Some(namespace.unwrap_or("default")),
        check::check_dns_label,
    )?;
    state.set("namespace", namespace);
    let output_dir = ask.text(
        "Folder for the generated files",
        Some("k8s"),
        ask::not_empty,
    )?;
    state.set("output_dir", output_dir);
    let ingress = ask.optional(
        "Ingress host, e.g. app.example.com (Enter for no Ingress)",
        check::check_host,
    )?;
    let has_ingress = ingress.is_some();
    state.set("ingress", ingress.unwrap_or_default());
    let services = ask.repeat("Add another service?", |ask, services| {
        service::ask_service(ask, services.len() + 1, services, has_ingress)
    })?;
    state.set("_services", Value::Array(services));
    Ok(state.into_value())
}

/// The state as the text of a state file.
pub fn to_text(state: &Value) -> Result<String> {
    let body = crate::yaml::to_string(state)
        .map_err(|e| Error::Failed(format!("cannot write the state as YAML: {e}")))?;
    Ok(format!(
        "{}\n# Wizard state written by `kubectl wizard`; render it with\n#   kubectl wizard render -f <this file>\n{body}",
        crate::state::schema::modeline()
    ))
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
    let state = ask_state(&mut terminal, namespace)?;
    let text = to_text(&state)?;
    show_summary(&mut terminal, &text, namespace);
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
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
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
