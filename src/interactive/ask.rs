//! Typed questions on top of a `Prompter`: each one states its default,
//! checks the answer with the same `check` functions a state file goes
//! through, and returns the value the state stores.

use serde_json::Value;

use super::prompts::{Prompter, Text};
use crate::check::{self, numbers};
use crate::error::{Error, Result};

/// Typed for the answers that leave a suggested value out.
const NONE: &str = "none";

/// What a volume name that is refused already is.
pub const VOLUME_TAKEN: &str = "the name of a volume of this pod";

/// A choice in a list: the value stored in the state, and what it means.
pub type Choice = (&'static str, &'static str);

pub struct Ask<'p> {
    prompter: &'p mut dyn Prompter,
}

impl<'p> Ask<'p> {
    pub fn new(prompter: &'p mut dyn Prompter) -> Ask<'p> {
        Ask { prompter }
    }

    /// The prompter underneath, for output that is not a question.
    pub fn prompter(&mut self) -> &mut dyn Prompter {
        &mut *self.prompter
    }

    /// One of `items` (built at run time); returns its index.
    pub fn select(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize> {
        let index = self.prompter.select(prompt, items, default)?;
        Ok(index.min(items.len().saturating_sub(1)))
    }

    pub fn say(&mut self, line: &str) {
        self.prompter.say(line);
    }

    pub fn heading(&mut self, title: &str) {
        self.prompter.heading(title);
    }

    /// A required answer; `default` is taken on Enter. Without a default,
    /// Enter alone is answered with an explanation, not silence.
    pub fn text(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<String> {
        self.prompter.text(&Text {
            prompt,
            default,
            allow_empty: default.is_none(),
            check: &|answer: &str| {
                if answer.is_empty() {
                    Err("an answer is required here".into())
                } else {
                    check(answer)
                }
            },
        })
    }

    /// An answer that may be left empty (Enter) for "not set".
    pub fn optional(
        &mut self,
        prompt: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>> {
        let answer = self.prompter.text(&Text {
            prompt,
            default: None,
            allow_empty: true,
            check: &|answer: &str| {
                if answer.is_empty() {
                    Ok(())
                } else {
                    check(answer)
                }
            },
        })?;
        Ok(Some(answer).filter(|a| !a.is_empty()))
    }

    /// An answer that may be left out, whose default is `current` (the
    /// value in the file or given before): Enter keeps it, `none` removes
    /// it. Without a current value it is `optional`.
    pub fn optional_from(
        &mut self,
        prompt: &str,
        current: Option<&str>,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>> {
        match current.filter(|c| !c.is_empty()) {
            None => self.optional(prompt, check),
            // "(Enter for none)" is no longer what Enter does.
            Some(current) => {
                let prompt = prompt.split(" (Enter").next().unwrap_or(prompt);
                self.suggested(prompt, current, check)
            }
        }
    }

    /// A suggested value taken on Enter, which `none` leaves out.
    pub fn suggested(
        &mut self,
        prompt: &str,
        default: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>> {
        let prompt = format!("{prompt}, or {NONE}");
        let answer = self.text(&prompt, Some(default), |answer| {
            if answer.eq_ignore_ascii_case(NONE) {
                Ok(())
            } else {
                check(answer)
            }
        })?;
        Ok(Some(answer).filter(|a| !a.eq_ignore_ascii_case(NONE)))
    }

    /// A DNS-1123 name that none of `taken` already uses; `taken_as` says
    /// what a taken name already is ("the name of another service").
    pub fn name(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        taken: &[String],
        taken_as: &str,
    ) -> Result<String> {
        let clash = format!("which is already {taken_as}; pick another name");
        self.unused(prompt, default, taken, check::check_dns_label, &clash)
    }

    /// An absolute path that none of `taken` already uses.
    pub fn mount_path(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        taken: &[String],
    ) -> Result<String> {
        self.unused(
            prompt,
            default,
            taken,
            check::check_absolute_path,
            "where the main container already mounts another volume; pick another path",
        )
    }

    /// An answer that passes `check` and is none of `taken`; `clash` says
    /// why a taken one is refused. A taken default is not offered.
    fn unused(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        taken: &[String],
        check: fn(&str) -> Result<(), String>,
        clash: &str,
    ) -> Result<String> {
        let is_taken = |answer: &str| taken.iter().any(|t| t == answer);
        let default = default.filter(|d| !is_taken(d));
        self.text(prompt, default, |answer| {
            check(answer)?;
            if is_taken(answer) {
                return Err(format!("found \"{answer}\", {clash}"));
            }
            Ok(())
        })
    }

    /// A required answer turned into a value by `parse`, which also judges
    /// it while it is typed.
    pub fn parsed<T>(
        &mut self,
        prompt: &str,
        default: Option<&str>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T> {
        let answer = self.text(prompt, default, |a| parse(a).map(drop))?;
        parse(&answer).map_err(Error::Failed)
    }

    /// Like `parsed`, for an answer that may be left empty.
    pub fn optional_parsed<T>(
        &mut self,
        prompt: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>> {
        let answer = self.optional(prompt, |a| parse(a).map(drop))?;
        answer.map(|a| parse(&a)).transpose().map_err(Error::Failed)
    }

    /// A whole number of at least `min`.
    pub fn number(&mut self, prompt: &str, default: i64, min: i64) -> Result<i64> {
        self.parsed(prompt, Some(&default.to_string()), |a| {
            numbers::parse_at_least(a, min)
        })
    }

    /// A whole number of at least `min`, or nothing (Enter).
    pub fn optional_number(&mut self, prompt: &str, min: i64) -> Result<Option<i64>> {
        self.optional_parsed(prompt, |a| numbers::parse_at_least(a, min))
    }

    /// A container's command, or the image's default (Enter).
    pub fn command(&mut self) -> Result<Option<String>> {
        self.optional(
            "Command, run with sh -c (Enter for the image's default)",
            anything,
        )
    }

    /// Items asked one after another, each followed by `another` (a yes/no
    /// whose default is no). `item` sees the items asked so far.
    pub fn repeat<T>(
        &mut self,
        another: &str,
        mut item: impl FnMut(&mut Self, &[T]) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        loop {
            let next = item(self, &items)?;
            items.push(next);
            if !self.yes(another, false)? {
                return Ok(items);
            }
        }
    }

    /// A Kubernetes quantity with a suggested value (`none` leaves it out).
    pub fn quantity(&mut self, prompt: &str, default: &str) -> Result<Option<String>> {
        self.suggested(prompt, default, check::check_quantity)
    }

    /// One of `choices`; returns its index (for lists whose values repeat).
    pub fn choose_index(
        &mut self,
        prompt: &str,
        choices: &[Choice],
        default: usize,
    ) -> Result<usize> {
        let items: Vec<String> = choices
            .iter()
            .map(|(value, meaning)| format!("{value} — {meaning}"))
            .collect();
        let items: Vec<&str> = items.iter().map(String::as_str).collect();
        let index = self.prompter.select(prompt, &items, default)?;
        Ok(index.min(choices.len() - 1))
    }

    /// One of `choices`; returns the stored value.
    pub fn choose(
        &mut self,
        prompt: &str,
        choices: &[Choice],
        default: usize,
    ) -> Result<&'static str> {
        let items: Vec<String> = choices
            .iter()
            .map(|(value, meaning)| {
                if meaning.is_empty() {
                    value.to_string()
                } else {
                    format!("{value} — {meaning}")
                }
            })
            .collect();
        let items: Vec<&str> = items.iter().map(String::as_str).collect();
        let index = self.prompter.select(prompt, &items, default)?;
        Ok(choices[index.min(choices.len() - 1)].0)
    }

    /// One of `choices`, the default being `current` when it is one of
    /// them (the value in the file), else `fallback`.
    pub fn choose_from(
        &mut self,
        prompt: &str,
        choices: &[Choice],
        current: Option<&str>,
        fallback: usize,
    ) -> Result<&'static str> {
        let default = current
            .and_then(|c| choices.iter().position(|(value, _)| *value == c))
            .unwrap_or(fallback);
        self.choose(prompt, choices, default)
    }

    /// The ticked subset of `items`; `ticked` are ticked at first.
    pub fn tick(&mut self, prompt: &str, items: &[&str], ticked: &[bool]) -> Result<Vec<usize>> {
        self.prompter.multi_select(prompt, items, ticked)
    }

    /// Run the steps `plan` gives, in order; the plan is asked again after
    /// each step, as answers change what comes next. Esc in a step goes
    /// back to the one before it, whose questions then offer the answers
    /// already given; Esc in the first step is returned to the caller.
    pub fn steps<S: Copy, T>(
        &mut self,
        subject: &mut T,
        plan: impl Fn(&T) -> Vec<S>,
        mut step: impl FnMut(&mut Self, S, &mut T) -> Result<()>,
        start_at_end: bool,
    ) -> Result<()> {
        let mut index = if start_at_end {
            plan(subject).len().saturating_sub(1)
        } else {
            0
        };
        loop {
            let steps = plan(subject);
            let Some(&next) = steps.get(index) else {
                return Ok(());
            };
            match step(self, next, subject) {
                Ok(()) => index += 1,
                Err(Error::Back) if index == 0 => return Err(Error::Back),
                Err(Error::Back) => index -= 1,
                Err(other) => return Err(other),
            }
        }
    }

    pub fn yes(&mut self, prompt: &str, default: bool) -> Result<bool> {
        self.prompter.confirm(prompt, default)
    }
}

/// The text of a scalar as a question offers it (`8080`, `"8080"` and
/// `true` alike); nothing for an empty string, a list or a map.
pub fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value that must not be empty (an image, a ConfigMap's name).
pub fn not_empty(answer: &str) -> Result<(), String> {
    if answer.trim().is_empty() {
        Err("found nothing; a value is required".into())
    } else {
        Ok(())
    }
}

/// Accepts anything (free text such as a command).
pub fn anything(_: &str) -> Result<(), String> {
    Ok(())
}

/// maxSurge and friends as the state stores them: `1` or `"25%"`. The
/// caller has checked the range already.
pub fn int_or_percent_value(text: &str) -> Result<Value> {
    use crate::model::IntOrPercent;
    match numbers::parse_int_or_percent(text, true).map_err(Error::Failed)? {
        IntOrPercent::Int(n) => Ok(Value::from(n)),
        IntOrPercent::Str(s) => Ok(Value::from(s)),
    }
}
