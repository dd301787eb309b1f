//! The four kinds of question the wizard asks, behind a trait: `Terminal`
//! asks them with dialoguer on stderr; unit tests answer from a script. The
//! wizard's flow knows nothing about terminals.

use std::io::ErrorKind;

use dialoguer::console::{measure_text_width, Key, Term};
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{MultiSelect, Select};

use crate::error::{Error, Result};

/// Judges one typed answer: `Err` explains what is wrong, and the question
/// is asked again.
pub type Check<'a> = &'a dyn Fn(&str) -> std::result::Result<(), String>;

/// A question answered by typing.
pub struct Text<'a> {
    pub prompt: &'a str,
    /// Shown with the question and taken when the answer is empty.
    pub default: Option<&'a str>,
    /// Whether an empty answer is accepted (when there is no default).
    pub allow_empty: bool,
    pub check: Check<'a>,
}

/// Where the wizard's questions go. Every question may end in
/// `Error::Back` (Esc): the flow then goes back one step.
pub trait Prompter {
    /// A typed answer that passed `question.check`, trimmed.
    fn text(&mut self, question: &Text<'_>) -> Result<String>;
    /// The index of the chosen item.
    fn select(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize>;
    /// The indices of the ticked items, in order; `ticked` are ticked at
    /// first (missing entries are not).
    fn multi_select(&mut self, prompt: &str, items: &[&str], ticked: &[bool])
        -> Result<Vec<usize>>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    /// A line of information between questions.
    fn say(&mut self, line: &str);
    /// The title of a group of questions.
    fn heading(&mut self, title: &str) {
        self.say(title);
    }
}

/// dialoguer on standard error. While it lives, Ctrl-C cancels the wizard
/// instead of killing the process, so the cursor that dialoguer hides during
/// a choice is shown again and nothing half-done is left behind.
pub struct Terminal {
    term: Term,
    theme: ColorfulTheme,
    _interrupts: interrupt::Guard,
}

impl Terminal {
    pub fn new() -> Terminal {
        // console follows CLICOLOR; NO_COLOR (no-color.org) is honoured too.
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            dialoguer::console::set_colors_enabled_stderr(false);
        }
        Terminal {
            term: Term::stderr(),
            theme: ColorfulTheme::default(),
            _interrupts: interrupt::Guard::install(),
        }
    }

    /// Turn dialoguer's outcome into ours. A Ctrl-C (dialoguer sees it as an
    /// interrupted read) or the end of input cancels.
    fn finish<T>(&self, outcome: dialoguer::Result<T>) -> Result<T> {
        let stopped = |error: Error| {
            self.restore();
            Err(error)
        };
        if interrupt::happened() {
            return stopped(Error::Cancelled);
        }
        match outcome {
            Ok(value) => Ok(value),
            Err(dialoguer::Error::IO(e))
                if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::UnexpectedEof) =>
            {
                stopped(Error::Cancelled)
            }
            Err(dialoguer::Error::IO(e)) => stopped(Error::Failed(format!(
                "cannot ask questions on this terminal: {e}"
            ))),
        }
    }

    /// Show the cursor and end the half-drawn prompt line, so the shell's
    /// prompt starts clean.
    fn restore(&self) {
        let _ = self.term.show_cursor();
        let _ = self.term.write_line("");
    }

    /// `text` broken into lines that fit the terminal after the theme's
    /// two-column mark ("? ", "✘ "), keeping `reserve` columns free on the
    /// last line for what follows it (the default, the typed answer).
    /// dialoguer erases a question by counting the lines it wrote, so a
    /// line the terminal wraps by itself would stay on screen half-erased.
    fn fit(&self, text: &str, reserve: usize) -> String {
        let width = usize::from(self.term.size().1).saturating_sub(MARK_WIDTH);
        fit(text, width, reserve)
    }

    fn before_asking(&self) -> Result<()> {
        if interrupt::happened() {
            self.restore();
            return Err(Error::Cancelled);
        }
        Ok(())
    }

    /// Forget a Ctrl-C that cancelled the questions, so one more question
    /// (whether to keep a draft) can be asked.
    pub fn clear_interrupt(&self) {
        interrupt::clear();
    }

    /// Ask for one line of text: dialoguer's `Input` ignores Esc, so the
    /// line is read key by key here. Drawn with the same theme: the question
    /// with its default, then the answer in place of it once accepted, or
    /// the reason above it when the check refuses the answer.
    fn read_line(&self, prompt: &str, default: Option<&str>, check: Check<'_>) -> Result<String> {
        let mut error_lines = 0;
        loop {
            let mut shown = String::new();
            let _ = self.theme.format_input_prompt(&mut shown, prompt, default);
            let prompt_lines = shown.lines().count().max(1);
            self.term.write_str(&shown).map_err(|e| self.io_failed(e))?;
            let typed = self.read_keys()?;
            // The question (and any reason shown above it) is replaced.
            let _ = self.term.clear_line();
            let _ = self.term.clear_last_lines(prompt_lines - 1 + error_lines);
            let answer = match (typed.trim(), default) {
                ("", Some(default)) => default.to_string(),
                (typed, _) => typed.to_string(),
            };
            match check(&answer) {
                Ok(()) => {
                    let mut done = String::new();
                    let _ = self
                        .theme
                        .format_input_prompt_selection(&mut done, prompt, &answer);
                    let _ = self.term.write_line(&done);
                    return Ok(answer);
                }
                Err(why) => {
                    let mut reason = String::new();
                    let _ = self.theme.format_error(&mut reason, &self.fit(&why, 0));
                    error_lines = reason.lines().count().max(1);
                    let _ = self.term.write_line(&reason);
                }
            }
        }
    }

    /// Keys up to Enter: Esc goes back, Ctrl-C (a failed read, see
    /// `interrupt`) cancels, Backspace deletes.
    fn read_keys(&self) -> Result<String> {
        let mut typed = String::new();
        loop {
            let key = self.term.read_key();
            if interrupt::happened() {
                self.restore();
                return Err(Error::Cancelled);
            }
            match self.finish(key.map_err(dialoguer::Error::IO))? {
                Key::Enter => return Ok(typed),
                Key::Escape => {
                    let _ = self.term.write_line("");
                    return Err(Error::Back);
                }
                Key::Backspace => {
                    if let Some(c) = typed.pop() {
                        let _ = self.term.clear_chars(measure_text_width(&c.to_string()));
                    }
                }
                Key::Char(c) if !c.is_control() => {
                    typed.push(c);
                    let _ = self.term.write_str(&c.to_string());
                }
                _ => {}
            }
        }
    }

    fn io_failed(&self, e: std::io::Error) -> Error {
        self.restore();
        Error::Failed(format!("cannot ask questions on this terminal: {e}"))
    }
}

/// A typed answer to a yes/no question.
pub fn yes_or_no(answer: &str) -> std::result::Result<bool, String> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(true),
        "n" | "no" => Ok(false),
        other => Err(format!("found \"{other}\"; answer y (yes) or n (no)")),
    }
}

/// Columns taken by the theme's mark before a prompt or an error.
const MARK_WIDTH: usize = 2;

/// Columns kept free after a prompt for dialoguer's ` (default) › `.
const PROMPT_END: usize = 6;

/// Columns kept free after a prompt for a typed answer: one that runs past
/// the line's end leaves the question half-erased too, so a typical image
/// or path must fit.
const ANSWER_ROOM: usize = 30;

/// Break `text` at spaces into lines of at most `width` columns, the last
/// one at most `width - reserve`; continuation lines are indented as far as
/// the mark before the first one. A word longer than a line stays whole.
pub fn fit(text: &str, width: usize, reserve: usize) -> String {
    let indent = " ".repeat(MARK_WIDTH);
    let fits = |line: &str, room: usize| measure_text_width(line) <= room;
    if width == 0 || fits(text, width.saturating_sub(reserve)) {
        return text.to_string();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && !fits(&format!("{line} {word}"), width) {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    // The last line also leaves room for what follows it.
    let last_room = width.saturating_sub(reserve);
    if !fits(&line, last_room) {
        if let Some((head, tail)) = line.rsplit_once(' ') {
            lines.push(head.to_string());
            line = tail.to_string();
        }
    }
    lines.push(line);
    lines.join(&format!("\n{indent}"))
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.term.show_cursor();
    }
}

impl Prompter for Terminal {
    fn text(&mut self, question: &Text<'_>) -> Result<String> {
        self.before_asking()?;
        let check = question.check;
        let reserve = PROMPT_END + ANSWER_ROOM + question.default.map_or(0, str::len);
        let prompt = self.fit(question.prompt, reserve);
        let allow_empty = question.allow_empty || question.default.is_some();
        let answer = self.read_line(&prompt, question.default, &|answer: &str| {
            if answer.is_empty() && !allow_empty {
                return Err("an answer is required here".into());
            }
            check(answer)
        })?;
        Ok(answer.trim().to_string())
    }

    fn select(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize> {
        self.before_asking()?;
        let select = Select::with_theme(&self.theme)
            .with_prompt(self.fit(prompt, PROMPT_END))
            .items(items)
            .default(default);
        // Esc (or q) leaves a list without a choice: back one step.
        self.finish(select.interact_on_opt(&self.term))?
            .ok_or(Error::Back)
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[&str],
        ticked: &[bool],
    ) -> Result<Vec<usize>> {
        self.before_asking()?;
        let prompt = format!("{prompt} (space ticks, Enter confirms)");
        let ticked: Vec<bool> = (0..items.len())
            .map(|i| ticked.get(i).copied().unwrap_or(false))
            .collect();
        let select = MultiSelect::with_theme(&self.theme)
            .with_prompt(self.fit(&prompt, PROMPT_END))
            .items(items)
            .defaults(&ticked);
        self.finish(select.interact_on_opt(&self.term))?
            .ok_or(Error::Back)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        self.before_asking()?;
        // A typed y/n rather than dialoguer's Confirm: Confirm redraws only
        // the last line of its question, so a question that needs two lines
        // left copies of its first line on screen. Every answer ends with
        // Enter, so a stray key never answers.
        let shown = if default { "yes" } else { "no" };
        let prompt = self.fit(&format!("{prompt} (y/n)"), PROMPT_END + shown.len() + 3);
        let answer = self.read_line(&prompt, Some(shown), &|answer: &str| {
            yes_or_no(answer).map(drop)
        })?;
        yes_or_no(&answer).map_err(Error::Failed)
    }

    fn say(&mut self, line: &str) {
        let _ = self.term.write_line(&self.fit(line, 0));
    }

    fn heading(&mut self, title: &str) {
        let title = dialoguer::console::style(title)
            .for_stderr()
            .bold()
            .underlined();
        let _ = self.term.write_line(&format!("\n{title}"));
    }
}

/// Ctrl-C while the wizard runs. dialoguer reads keys in raw mode and, on
/// Ctrl-C, raises SIGINT itself; by default that kills the process with the
/// cursor still hidden. While a `Guard` lives, SIGINT only sets a flag: the
/// read that saw it fails as "interrupted" and the wizard cancels cleanly.
/// The previous handling is restored when the guard is dropped, so a later
/// long operation (apply) can still be interrupted the usual way.
#[cfg(unix)]
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};

    static INTERRUPTED: AtomicBool = AtomicBool::new(false);

    extern "C" fn note(_signal: libc::c_int) {
        // Only an atomic store: nothing else is safe in a signal handler.
        INTERRUPTED.store(true, Ordering::SeqCst);
    }

    pub fn happened() -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    pub fn clear() {
        INTERRUPTED.store(false, Ordering::SeqCst);
    }

    pub struct Guard {
        previous: Option<libc::sigaction>,
    }

    impl Guard {
        pub fn install() -> Guard {
            INTERRUPTED.store(false, Ordering::SeqCst);
            // SAFETY: the sigaction structs are plain C data, zero is a valid
            // starting value, and the handler only touches an atomic.
            let previous = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                (libc::sigaction(libc::SIGINT, &action, &mut previous) == 0).then_some(previous)
            };
            Guard { previous }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(previous) = &self.previous {
                // SAFETY: restores the action saved by `install`.
                unsafe {
                    libc::sigaction(libc::SIGINT, previous, std::ptr::null_mut());
                }
            }
        }
    }
}

/// Elsewhere Ctrl-C keeps its default effect; nothing is written before the
/// end, so no half-done file can be left either way.
#[cfg(not(unix))]
mod interrupt {
    pub fn happened() -> bool {
        false
    }

    pub fn clear() {}

    pub struct Guard;

    impl Guard {
        pub fn install() -> Guard {
            Guard
        }
    }
}

#[cfg(test)]
pub mod script {
    //! A `Prompter` that answers from a list, for unit tests of the flow.

    use std::collections::VecDeque;

    use super::{Prompter, Text};
    use crate::error::{Error, Result};

    /// One scripted answer. `Enter` takes the default.
    #[derive(Debug, Clone)]
    pub enum Answer {
        Type(&'static str),
        Enter,
        Pick(&'static str),
        Tick(&'static [&'static str]),
        Yes,
        No,
        /// Esc: back one step.
        Back,
    }

    /// Answers, each with a piece of the question it is meant for, so a
    /// flow that asks something else fails right there.
    #[derive(Default)]
    pub struct Script {
        answers: VecDeque<(&'static str, Answer)>,
        /// Every question asked, in order.
        pub asked: Vec<String>,
        /// Every rejected answer with the explanation given.
        pub rejected: Vec<(String, String)>,
        pub said: Vec<String>,
    }

    impl Script {
        pub fn new(answers: Vec<(&'static str, Answer)>) -> Script {
            Script {
                answers: answers.into(),
                ..Script::default()
            }
        }

        fn next(&mut self, prompt: &str) -> Result<Answer> {
            self.asked.push(prompt.to_string());
            // Running out of answers is like the end of input.
            let (expected, answer) = self.answers.pop_front().ok_or(Error::Cancelled)?;
            if !prompt.contains(expected) {
                return Err(Error::Failed(format!(
                    "asked \"{prompt}\" where the script expects \"{expected}\""
                )));
            }
            Ok(answer)
        }

        pub fn finished(&self) -> bool {
            self.answers.is_empty()
        }
    }

    fn unexpected(prompt: &str, answer: &Answer) -> Error {
        Error::Failed(format!("script answered {answer:?} to \"{prompt}\""))
    }

    impl Prompter for Script {
        fn text(&mut self, q: &Text<'_>) -> Result<String> {
            loop {
                let answer = match self.next(q.prompt)? {
                    Answer::Type(text) => text.trim().to_string(),
                    Answer::Enter => q.default.unwrap_or("").to_string(),
                    Answer::Back => return Err(Error::Back),
                    other => return Err(unexpected(q.prompt, &other)),
                };
                if answer.is_empty() && q.default.is_none() && !q.allow_empty {
                    continue;
                }
                match (q.check)(&answer) {
                    Ok(()) => return Ok(answer),
                    Err(why) => self.rejected.push((answer, why)),
                }
            }
        }

        fn select(&mut self, prompt: &str, items: &[&str], default: usize) -> Result<usize> {
            match self.next(prompt)? {
                Answer::Enter => Ok(default),
                Answer::Back => Err(Error::Back),
                Answer::Pick(item) => items
                    .iter()
                    .position(|i| *i == item || i.starts_with(&format!("{item} ")))
                    .ok_or_else(|| Error::Failed(format!("no item {item} in {items:?}"))),
                other => Err(unexpected(prompt, &other)),
            }
        }

        fn multi_select(
            &mut self,
            prompt: &str,
            items: &[&str],
            ticked: &[bool],
        ) -> Result<Vec<usize>> {
            match self.next(prompt)? {
                Answer::Enter => Ok((0..items.len())
                    .filter(|&i| ticked.get(i).copied().unwrap_or(false))
                    .collect()),
                Answer::Back => Err(Error::Back),
                Answer::Tick(ticked) => Ok(items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| ticked.iter().any(|t| i.starts_with(t)))
                    .map(|(n, _)| n)
                    .collect()),
                other => Err(unexpected(prompt, &other)),
            }
        }

        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
            match self.next(prompt)? {
                Answer::Enter => Ok(default),
                Answer::Yes => Ok(true),
                Answer::No => Ok(false),
                Answer::Back => Err(Error::Back),
                other => Err(unexpected(prompt, &other)),
            }
        }

        fn say(&mut self, line: &str) {
            self.said.push(line.to_string());
        }
    }
}
