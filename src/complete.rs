//! Completion in Cobra's `__complete` protocol, which kubectl (1.26 and
//! later) speaks with plugins: for `kubectl wizard render -<TAB>` it runs
//! `kubectl_complete-wizard render -` (the words after the plugin name, the
//! last one being the word under the cursor, possibly empty) and hands the
//! answer to the user's shell. The answer is one candidate per line, each
//! optionally followed by a tab and a description, then a last line
//! `:<directive>` telling the shell what to do besides (see `Directive`).
//!
//! The candidates come from the clap definition in `crate::cli`, so the
//! completion knows every subcommand, flag and enumerated value there is.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;

use clap::{Arg, ArgAction, Command, ValueHint};

/// Cobra's `ShellCompDirective` bits.
pub mod directive {
    /// Complete with the candidates, or with file names when there are none.
    pub const DEFAULT: u32 = 0;
    /// No file-name completion when there are no candidates.
    pub const NO_FILE_COMP: u32 = 4;
    /// The candidates are file extensions: complete file names with them.
    pub const FILTER_FILE_EXT: u32 = 8;
    /// Complete directory names only.
    pub const FILTER_DIRS: u32 = 16;
}

/// Extensions `-f/--filename` completes, as `kubectl apply -f` does.
const STATE_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    pub candidates: Vec<Candidate>,
    pub directive: u32,
}

impl Completions {
    /// The reply in Cobra's wire format.
    pub fn to_cobra(&self) -> String {
        let mut out = String::new();
        for candidate in &self.candidates {
            match &candidate.description {
                Some(text) => {
                    let _ = writeln!(out, "{}\t{}", candidate.value, text);
                }
                None => {
                    let _ = writeln!(out, "{}", candidate.value);
                }
            }
        }
        let _ = writeln!(out, ":{}", self.directive);
        out
    }

    fn only(directive: u32) -> Completions {
        Completions {
            candidates: Vec::new(),
            directive,
        }
    }
}

/// Where the words before the cursor leave the command line.
struct Position<'a> {
    /// The innermost subcommand named so far.
    command: &'a Command,
    /// A flag that still waits for its value (the word under the cursor).
    pending: Option<&'a Arg>,
    /// `--` was given: everything after it is a positional argument.
    after_double_dash: bool,
    /// Ids of the flags already given, so they are not offered again.
    used: Vec<String>,
    /// `--kubeconfig` as given, for completing `--context`.
    kubeconfig: Option<String>,
    /// `--context` as given, for completing `-n` from that cluster.
    context: Option<String>,
}

/// Complete `words` (the arguments after the plugin name; the last one is
/// the word under the cursor) against `root`, which must be built
/// (`Command::build`) so global flags reach the subcommands.
pub fn complete(root: &Command, words: &[String]) -> Completions {
    let (current, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", words),
    };
    let position = walk(root, done);
    if let Some(arg) = position.pending {
        return values(arg, current, "", &position);
    }
    if !position.after_double_dash {
        if let Some((name, value)) = current
            .strip_prefix("--")
            .and_then(|rest| rest.split_once('='))
        {
            return match long_flag(position.command, name) {
                Some(arg) if takes_value(arg) => {
                    values(arg, value, &format!("--{name}="), &position)
                }
                _ => Completions::only(directive::NO_FILE_COMP),
            };
        }
        if current.starts_with('-') {
            return flags(&position, current);
        }
    }
    subcommands_and_values(&position, current)
}

fn walk<'a>(root: &'a Command, done: &[String]) -> Position<'a> {
    let mut position = Position {
        command: root,
        pending: None,
        after_double_dash: false,
        used: Vec::new(),
        kubeconfig: None,
        context: None,
    };
    for word in done {
        if let Some(arg) = position.pending.take() {
            match arg.get_id().as_str() {
                "kubeconfig" => position.kubeconfig = Some(word.clone()),
                "context" => position.context = Some(word.clone()),
                _ => {}
            }
            continue;
        }
        if position.after_double_dash {
            continue;
        }
        if word == "--" {
            position.after_double_dash = true;
        } else if let Some(rest) = word.strip_prefix("--") {
            let (name, inline_value) = match rest.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (rest, None),
            };
            if let Some(arg) = long_flag(position.command, name) {
                position.used.push(arg.get_id().to_string());
                match inline_value {
                    Some(value) if arg.get_id() == "kubeconfig" => {
                        position.kubeconfig = Some(value.to_string());
                    }
                    Some(value) if arg.get_id() == "context" => {
                        position.context = Some(value.to_string());
                    }
                    None if takes_value(arg) => position.pending = Some(arg),
                    _ => {}
                }
            }
        } else if let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) {
            position.pending = short_cluster(&mut position.used, position.command, cluster);
        } else if let Some(sub) = subcommand(position.command, word) {
            position.command = sub;
        }
    }
    position
}

/// `-n`, `-nprod`, `-hn`: records the flags of a cluster of short flags and
/// returns the one that waits for its value in the next word, if any.
fn short_cluster<'a>(
    used: &mut Vec<String>,
    command: &'a Command,
    cluster: &str,
) -> Option<&'a Arg> {
    for (index, letter) in cluster.char_indices() {
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_short() == Some(letter))?;
        used.push(arg.get_id().to_string());
        if takes_value(arg) {
            let rest = &cluster[index + letter.len_utf8()..];
            return rest.is_empty().then_some(arg);
        }
    }
    None
}

fn long_flag<'a>(command: &'a Command, name: &str) -> Option<&'a Arg> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(name))
}

fn subcommand<'a>(command: &'a Command, name: &str) -> Option<&'a Command> {
    command
        .get_subcommands()
        .find(|sub| sub.get_name() == name || sub.get_all_aliases().any(|alias| alias == name))
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// The values of a flag or positional argument: its enumerated values, the
/// contexts of the kubeconfig, the cluster's namespaces, file or directory
/// names by its value hint, or nothing.
fn values(arg: &Arg, current: &str, prefix: &str, position: &Position) -> Completions {
    if arg.get_id() == "context" {
        return contexts(position.kubeconfig.as_deref(), current, prefix);
    }
    if arg.get_id() == "namespace" {
        return namespaces(position, current, prefix);
    }
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        let candidates = possible
            .iter()
            .filter(|value| !value.is_hide_set() && value.get_name().starts_with(current))
            .map(|value| Candidate {
                value: format!("{prefix}{}", value.get_name()),
                description: value.get_help().map(first_line),
            })
            .collect();
        return Completions {
            candidates,
            directive: directive::NO_FILE_COMP,
        };
    }
    match arg.get_value_hint() {
        ValueHint::FilePath if arg.get_id() == "filename" => Completions {
            candidates: STATE_EXTENSIONS
                .iter()
                .map(|ext| Candidate {
                    value: (*ext).to_string(),
                    description: None,
                })
                .collect(),
            directive: directive::FILTER_FILE_EXT,
        },
        ValueHint::FilePath | ValueHint::AnyPath => Completions::only(directive::DEFAULT),
        ValueHint::DirPath => Completions::only(directive::FILTER_DIRS),
        _ => Completions::only(directive::NO_FILE_COMP),
    }
}

/// The context names of the kubeconfig kubectl would use (`--kubeconfig`,
/// else `$KUBECONFIG`, else `~/.kube/config`); none when it cannot be read,
/// since a completion has nowhere to report an error.
fn contexts(kubeconfig: Option<&str>, current: &str, prefix: &str) -> Completions {
    let config = match kubeconfig {
        Some(path) => kube::config::Kubeconfig::read_from(path),
        None => kube::config::Kubeconfig::read(),
    };
    let candidates = config
        .map(|config| config.contexts)
        .unwrap_or_default()
        .into_iter()
        .filter(|context| context.name.starts_with(current))
        .map(|context| Candidate {
            value: format!("{prefix}{}", context.name),
            description: None,
        })
        .collect();
    Completions {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

/// How long `-n <TAB>` waits for the cluster: a shell completion must not
/// hang on a slow or unreachable server.
pub const NAMESPACE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The namespaces of the cluster that `--kubeconfig`/`--context` (as given
/// so far) name, as `kubectl get namespaces` lists them; nothing when the
/// cluster cannot be asked within [`NAMESPACE_TIMEOUT`].
fn namespaces(position: &Position, current: &str, prefix: &str) -> Completions {
    let names = list_namespaces(position).unwrap_or_default();
    let candidates = names
        .into_iter()
        .filter(|name| name.starts_with(current))
        .map(|name| Candidate {
            value: format!("{prefix}{name}"),
            description: None,
        })
        .collect();
    Completions {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

fn list_namespaces(position: &Position) -> Option<Vec<String>> {
    use crate::cluster::{connect, retry::Backoff, transport::Transport};
    let target = connect::Target {
        kubeconfig: position.kubeconfig.clone(),
        context: position.context.clone(),
        overrides: connect::Overrides::default(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let work = async {
            let connection = connect::connect(&target, Some(NAMESPACE_TIMEOUT))
                .await
                .ok()?;
            let once = Backoff {
                attempts: 1,
                ..Backoff::default()
            };
            let transport = Transport::new(connection, Some(NAMESPACE_TIMEOUT), once);
            let items = transport.list("/api/v1/namespaces").await.ok()?;
            Some(
                items
                    .iter()
                    .filter_map(|ns| ns.pointer("/metadata/name")?.as_str().map(str::to_string))
                    .collect::<Vec<_>>(),
            )
        };
        tokio::time::timeout(NAMESPACE_TIMEOUT, work).await.ok()?
    })
}

/// The flags of `position.command` that start with `current`: long names,
/// and short ones too unless the word already starts with `--`. A flag
/// already given is not offered again unless it can repeat.
fn flags(position: &Position, current: &str) -> Completions {
    let mut candidates = Vec::new();
    for arg in position.command.get_arguments() {
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        let used = position.used.iter().any(|id| id == arg.get_id().as_str());
        if arg.is_hide_set() || arg.is_positional() || (used && !repeatable) {
            continue;
        }
        let description = arg.get_help().map(first_line);
        let names = arg
            .get_long()
            .map(|long| format!("--{long}"))
            .into_iter()
            .chain(arg.get_short().map(|short| format!("-{short}")));
        for name in names {
            let short_form = !name.starts_with("--");
            if name.starts_with(current) && !(short_form && current.starts_with("--")) {
                candidates.push(Candidate {
                    value: name,
                    description: description.clone(),
                });
            }
        }
    }
    Completions {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

/// Subcommands of `command` that start with `current`, then the values of
/// its first enumerated positional argument (`completion bash`).
fn subcommands_and_values(position: &Position, current: &str) -> Completions {
    let command = position.command;
    let mut candidates: Vec<Candidate> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name().starts_with(current))
        .map(|sub| Candidate {
            value: sub.get_name().to_string(),
            description: sub.get_about().map(first_line),
        })
        .collect();
    if let Some(arg) = command.get_positionals().next() {
        candidates.extend(values(arg, current, "", position).candidates);
    }
    Completions {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

/// Shells show one line per candidate: keep the first line of a help text.
fn first_line(text: &clap::builder::StyledStr) -> String {
    text.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The clap definition of the command line, ready for `complete`.
pub fn cli_command() -> Command {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    command.build();
    command
}

/// Answer one completion request: `args` are the words after the plugin
/// name, as kubectl passes them to `kubectl_complete-wizard`.
pub fn reply(args: &[String]) -> String {
    complete(&cli_command(), args).to_cobra()
}

/// The entry point of `kubectl_complete-wizard` and `kubectl-wizard
/// __complete`: answer on stdout. A word that is not UTF-8 cannot match a
/// flag or subcommand, so its lossy form is good enough; a closed stdout
/// leaves nobody to tell.
pub fn main(args: impl Iterator<Item = OsString>) {
    let words: Vec<String> = args.map(|arg| arg.to_string_lossy().into_owned()).collect();
    let _ = std::io::stdout().write_all(reply(&words).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(words: &[&str]) -> Completions {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        complete(&cli_command(), &words)
    }

    fn values_of(completions: &Completions) -> Vec<&str> {
        completions
            .candidates
            .iter()
            .map(|c| c.value.as_str())
            .collect()
    }

    #[test]
    fn subcommands_by_prefix() {
        let got = run(&["re"]);
        assert_eq!(values_of(&got), ["render"]);
        assert_eq!(got.directive, directive::NO_FILE_COMP);
        assert_eq!(
            got.candidates[0].description.as_deref(),
            Some("Write the manifests of a state as files, or print them")
        );
    }

    #[test]
    fn empty_word_lists_every_visible_subcommand() {
        let names = values_of(&run(&[""])).join(" ");
        assert!(
            names.contains("render") && names.contains("validate"),
            "{names}"
        );
        assert!(
            names.contains("completion") && names.contains("version"),
            "{names}"
        );
        assert!(!names.contains("__complete"), "{names}");
    }

    #[test]
    fn output_values() {
        assert_eq!(values_of(&run(&["render", "-o", ""])), ["yaml", "json"]);
        assert_eq!(values_of(&run(&["render", "--output", "j"])), ["json"]);
        assert_eq!(
            values_of(&run(&["render", "--output=y"])),
            ["--output=yaml"]
        );
    }

    #[test]
    fn state_file_completes_yaml_and_json_files() {
        let got = run(&["render", "-f", ""]);
        assert_eq!(got.directive, directive::FILTER_FILE_EXT);
        assert_eq!(values_of(&got), ["yaml", "yml", "json"]);
    }

    #[test]
    fn output_dir_completes_directories() {
        let got = run(&["render", "--output-dir", ""]);
        assert_eq!(got.directive, directive::FILTER_DIRS);
        assert!(got.candidates.is_empty());
    }

    #[test]
    fn flags_include_globals_and_skip_used_ones() {
        let all = values_of(&run(&["render", "--"])).join(" ");
        for flag in [
            "--filename",
            "--output",
            "--namespace",
            "--kubeconfig",
            "--help",
        ] {
            assert!(all.contains(flag), "{flag} missing from {all}");
        }
        assert!(!all.contains("-f "), "short flags offered after --: {all}");
        let after = values_of(&run(&["render", "-n", "prod", "-"])).join(" ");
        assert!(!after.contains("--namespace"), "{after}");
        assert!(after.contains("-f"), "{after}");
    }

    #[test]
    fn value_of_flag_is_not_taken_for_a_subcommand() {
        // `render` here is the namespace, so the word under the cursor is
        // still a subcommand.
        assert_eq!(values_of(&run(&["-n", "render", "va"])), ["validate"]);
    }

    #[test]
    fn completion_shells() {
        assert_eq!(
            values_of(&run(&["completion", ""])),
            ["bash", "zsh", "fish", "powershell"]
        );
    }

    #[test]
    fn wire_format() {
        let text = Completions {
            candidates: vec![
                Candidate {
                    value: "a".into(),
                    description: Some("the a".into()),
                },
                Candidate {
                    value: "b".into(),
                    description: None,
                },
            ],
            directive: 4,
        }
        .to_cobra();
        assert_eq!(text, "a\tthe a\nb\n:4\n");
    }
}
