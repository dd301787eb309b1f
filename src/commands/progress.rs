//! `apply --wait`'s progress. On a terminal: one line per workload, in
//! kubectl's rollout words, redrawn in place and each cut to the terminal's
//! width (a line the terminal wraps could not be redrawn and would stay on
//! screen); the last state stays when the wait ends. Elsewhere (a pipe, a
//! log): one plain line per change.
//!
//! Hand-written rather than indicatif: a fixed set of lines redrawn with two
//! escape sequences (cursor up, erase line) needs no crate, and the width
//! comes from `console`, which dialoguer already builds.

use std::collections::HashMap;
use std::io::Write;

use dialoguer::console::{measure_text_width, truncate_str, Term};

use crate::cluster::wait::Rollout;

pub struct Progress {
    terminal: bool,
    /// Lines drawn last time, to move back over.
    drawn: usize,
    last: HashMap<String, Rollout>,
}

impl Progress {
    pub fn new(terminal: bool) -> Progress {
        Progress {
            terminal,
            drawn: 0,
            last: HashMap::new(),
        }
    }

    pub fn show(&mut self, states: &[(String, Rollout)]) {
        if self.terminal {
            self.redraw(states);
        } else {
            for (reference, state) in states {
                if self.last.get(reference) == Some(state) {
                    continue;
                }
                match state {
                    Rollout::Done { ready, desired, .. } => {
                        say!("{reference} {} ({ready}/{desired})", done_word(reference))
                    }
                    other => say!("{}", describe(reference, other)),
                }
                self.last.insert(reference.clone(), state.clone());
            }
        }
        let _ = std::io::stdout().flush();
    }

    fn redraw(&mut self, states: &[(String, Rollout)]) {
        // Read each time: the terminal may have been resized meanwhile.
        let width = usize::from(Term::stdout().size().1);
        let mut out = String::new();
        if self.drawn > 0 {
            out.push_str(&format!("\x1b[{}A", self.drawn));
        }
        for (reference, state) in states {
            out.push_str("\r\x1b[K");
            out.push_str(&line(reference, state, width));
            out.push('\n');
        }
        say_partial!("{out}");
        self.drawn = states.len();
    }
}

/// One workload on one line of at most `width - 1` columns (the last
/// column is left free: some terminals wrap on it), e.g.
/// `deployment.apps/web 2/3 Waiting for deployment "web" rollout to
/// finish: 2 of 3 updated replicas are available...`.
pub fn line(reference: &str, state: &Rollout, width: usize) -> String {
    let counts = match state {
        Rollout::Done { ready, desired, .. } | Rollout::Waiting { ready, desired, .. } => {
            format!(" {ready}/{desired}")
        }
        Rollout::Failed(_) => " failed:".to_string(),
    };
    let text = format!("{reference}{counts} {}", state.message());
    let room = width.saturating_sub(1).max(1);
    if measure_text_width(&text) <= room {
        text
    } else {
        truncate_str(&text, room, "…").into_owned()
    }
}

/// What a finished workload is: a Job completes, the others get ready.
pub fn done_word(reference: &str) -> &'static str {
    if reference.starts_with("job.batch/") {
        "complete"
    } else {
        "ready"
    }
}

/// `deployment.apps/api (1/3 ready: Waiting for deployment "api" rollout
/// to finish: 1 of 3 updated replicas are available...)`.
pub fn describe(reference: &str, state: &Rollout) -> String {
    let word = done_word(reference);
    match state {
        Rollout::Done { ready, desired, .. } => format!("{reference} ({ready}/{desired} {word})"),
        Rollout::Waiting {
            ready,
            desired,
            reason,
        } => format!("{reference} ({ready}/{desired} {word}: {reason})"),
        Rollout::Failed(why) => format!("{reference} ({why})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_fits_the_terminal() {
        let state = Rollout::Waiting {
            ready: 2,
            desired: 3,
            reason: "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...".into(),
        };
        let text = line("deployment.apps/web", &state, 80);
        assert_eq!(measure_text_width(&text), 79);
        assert!(text.starts_with("deployment.apps/web 2/3 Waiting for deployment \"web\" rollout"));
        assert!(text.ends_with('…'));
        let done = Rollout::Done {
            ready: 3,
            desired: 3,
            message: "deployment \"web\" successfully rolled out".into(),
        };
        assert_eq!(
            line("deployment.apps/web", &done, 80),
            "deployment.apps/web 3/3 deployment \"web\" successfully rolled out"
        );
    }
}
