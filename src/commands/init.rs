//! `kubectl wizard init`: ask for a state on the terminal and save it;
//! with `-f` (or as `edit`), edit an existing state. A Ctrl-C offers to keep
//! the answers as a draft beside the file, which the next `init` resumes.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::cli::{GlobalArgs, InitArgs};
use crate::error::{Error, Result, EXIT_CANCELLED, EXIT_OK};
use crate::interactive::{self, Ask, Terminal, DEFAULT_FILE};
use crate::{files, pipeline, yaml};

pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<i32> {
    if !interactive::has_terminal() {
        return Err(Error::Usage(
            "init asks its questions on a terminal, and this is not one; write a state file and pass it with -f FILE to render, diff or apply".into(),
        ));
    }
    let path = PathBuf::from(
        args.output
            .as_deref()
            .or(args.filename.as_deref())
            .unwrap_or(DEFAULT_FILE),
    );
    // The file being edited, as read: its text is kept where nothing changed.
    let edited = args.filename.as_deref().map(load).transpose()?;
    let draft = interactive::draft_path(&path);
    let mut terminal = Terminal::new();
    let mut state = match &edited {
        Some((_, value)) => value.clone(),
        None => Value::Object(Map::new()),
    };
    let mut resumed = false;
    if draft.exists() {
        let question = format!(
            "{} holds the answers of a wizard stopped with Ctrl-C. Resume them?",
            draft.display()
        );
        if Ask::new(&mut terminal).yes(&question, true)? {
            state = load(&draft.display().to_string())?.1;
            resumed = true;
        }
    } else if edited.is_none() && path.exists() {
        eprintln!(
            "{} exists; you will be asked before it is replaced (init -f {0} edits it).",
            path.display()
        );
    }
    let namespace = global.namespace.as_deref();
    let save = match interactive::ask_state(&mut terminal, namespace, &mut state) {
        Ok(save) => save,
        Err(Error::Cancelled) => return keep_draft(&mut terminal, &draft, &state),
        Err(other) => return Err(other),
    };
    if !save {
        eprintln!("Nothing was saved.");
        return Ok(EXIT_CANCELLED);
    }
    let mut ask = Ask::new(&mut terminal);
    let saved = match &edited {
        // Editing: the file named is the one to save, no question asked.
        Some((text, loaded)) if args.output.is_none() => {
            let new_text = interactive::edited_text(text, loaded, &state)?;
            if new_text == *text {
                ask.say(&format!(
                    "No changes; {} is left as it was.",
                    path.display()
                ));
            } else {
                files::write_atomically(&path, new_text.as_bytes(), false)?;
                ask.say(&format!("Saved the changes to {}.", path.display()));
            }
            path.clone()
        }
        Some((text, loaded)) => {
            let new_text = interactive::edited_text(text, loaded, &state)?;
            interactive::save(&mut ask, &path, &new_text)?
        }
        None => interactive::save(&mut ask, &path, &interactive::to_text(&state)?)?,
    };
    // The draft's answers are in the saved file now.
    if resumed {
        let _ = std::fs::remove_file(&draft);
    }
    eprintln!(
        "Next: kubectl wizard render -f {}   (diff and apply take -f too)",
        saved.display()
    );
    Ok(EXIT_OK)
}

/// A state file's text and value; a file that does not parse is refused
/// here, before any question.
fn load(name: &str) -> Result<(String, Value)> {
    let shown = name.to_string();
    let file = std::fs::File::open(name).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::Failed(format!("the path \"{shown}\" does not exist"))
        }
        _ => Error::io(name, e),
    })?;
    let text = super::input::read_bounded(file, name)?;
    let value = yaml::parse(&text).map_err(|e| pipeline::syntax_error(name, e))?;
    if !value.is_object() {
        return Err(Error::Usage(format!(
            "{name}: a state is a map of keys (namespace, _services, ...); found something else"
        )));
    }
    Ok((text, value))
}

/// After a Ctrl-C: offer to keep what was answered as a draft, which the
/// next `init` for the same file resumes. Exits 130 either way.
fn keep_draft(terminal: &mut Terminal, draft: &Path, state: &Value) -> Result<i32> {
    let answered = state.as_object().is_some_and(|m| !m.is_empty());
    if !answered {
        return Err(Error::Cancelled);
    }
    terminal.clear_interrupt();
    let question = format!(
        "Stopped. Keep your answers as a draft ({}), resumed by the next init?",
        draft.display()
    );
    // A second Ctrl-C here means no.
    if !Ask::new(terminal).yes(&question, true)? {
        return Err(Error::Cancelled);
    }
    files::write_atomically(draft, interactive::to_text(state)?.as_bytes(), false)?;
    eprintln!(
        "Kept the answers in {}; run kubectl wizard init again to resume them.",
        draft.display()
    );
    Ok(EXIT_CANCELLED)
}
