//! `kubectl wizard init`: ask for a state on the terminal and save it.

use std::path::Path;

use crate::cli::{GlobalArgs, InitArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::interactive::{self, Ask, Terminal};

pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<i32> {
    if !interactive::has_terminal() {
        return Err(Error::Usage(
            "init asks its questions on a terminal, and this is not one; write a state file and pass it with -f FILE to render, diff or apply".into(),
        ));
    }
    let path = Path::new(&args.output);
    let mut terminal = Terminal::new();
    if path.exists() {
        eprintln!(
            "{} exists; you will be asked before it is replaced.",
            path.display()
        );
    }
    let namespace = global.namespace.as_deref();
    let state = interactive::ask_state(&mut terminal, namespace)?;
    let text = interactive::to_text(&state)?;
    interactive::show_summary(&mut terminal, &text, namespace);
    let saved = interactive::save(&mut Ask::new(&mut terminal), path, &text)?;
    eprintln!(
        "Next: kubectl wizard render -f {}   (diff and apply take -f too)",
        saved.display()
    );
    Ok(EXIT_OK)
}
