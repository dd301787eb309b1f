//! Diagnostics: errors and warnings about a state, each tied to the path of
//! the value it is about (`_services[1].volumeClaimTemplates[0].size`).

use std::collections::HashSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path of the offending value; empty for the document as a whole.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Paths and messages quote the state: no control character of it
        // reaches the terminal.
        let message = crate::sanitize::for_terminal(&self.message);
        if self.path.is_empty() {
            write!(f, "{label}: {message}")
        } else {
            let path = crate::sanitize::one_line(&self.path);
            write!(f, "{label}: {path}: {message}")
        }
    }
}

/// Everything found while reading and checking one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    /// What `items` holds, for a duplicate check in constant time (a
    /// state with 100,000 unknown keys made the old scan quadratic).
    seen: HashSet<Diagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, path.into(), message.into());
    }

    pub fn warning(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, path.into(), message.into());
    }

    fn push(&mut self, severity: Severity, path: String, message: String) {
        let item = Diagnostic {
            severity,
            path,
            message,
        };
        // The same finding can be reached twice (a shared helper called for
        // two views of one value); report it once.
        if self.seen.insert(item.clone()) {
            self.items.push(item);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// `--strict`: every warning becomes an error.
    pub fn promote_warnings(&mut self) {
        for item in &mut self.items {
            item.severity = Severity::Error;
        }
        self.seen = self.items.iter().cloned().collect();
    }

    /// Order the findings as they appear in the file: `position` gives
    /// where a path starts (line, column). A path the file does not hold
    /// (a required key that is missing, a value a merge key brought in)
    /// takes the position of its nearest enclosing value; findings about
    /// the whole document or the command line come first. Findings at one
    /// place keep the order they were found in.
    pub fn sort_by_position(&mut self, position: impl Fn(&str) -> Option<(usize, usize)>) {
        let located = |path: &str| {
            let mut path = path;
            loop {
                if let Some(at) = position(path) {
                    return at;
                }
                match path.rfind(['.', '[']) {
                    Some(cut) => path = &path[..cut],
                    None => return (0, 0),
                }
            }
        };
        self.items.sort_by_cached_key(|item| located(&item.path));
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for item in other.items {
            self.push(item.severity, item.path, item.message);
        }
    }
}
