//! `kubectl wizard completion SHELL`: a static completion script for the
//! `kubectl-wizard` command, generated from the clap definition so it never
//! falls behind the flags. (`kubectl wizard <TAB>` goes through kubectl and
//! `kubectl_complete-wizard` instead; see `crate::complete`.)

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionArgs, CompletionShell};
use crate::error::{Result, EXIT_OK};

/// The name the scripts register completion for: the executable, since a
/// shell completes commands, not `kubectl wizard` (two words).
const BIN_NAME: &str = "kubectl-wizard";

pub fn run(args: &CompletionArgs) -> Result<i32> {
    super::emit(&script(args.shell))?;
    Ok(EXIT_OK)
}

/// The completion script for one shell.
pub fn script(shell: CompletionShell) -> String {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, BIN_NAME, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => complete_namespaces_bash(&fix_bash_case_labels(&text)),
        Shell::Zsh => complete_namespaces_zsh(&text),
        _ => text,
    }
}

/// Asks the plugin's own `__complete` entry point (the one kubectl uses
/// through `kubectl_complete-wizard`) for the cluster's namespaces, passing
/// the words typed so far, so that `--kubeconfig` and `--context` count. It
/// gives up after 2 s and prints nothing when the cluster cannot be asked.
/// The words come from the line itself rather than `COMP_WORDS`, which
/// bash splits at `=` (`--kubeconfig=PATH` would be three words).
const BASH_NAMESPACES: &str = r#"# -n/--namespace completes the cluster's namespaces: the plugin's own
# completion entry point is asked with the words typed so far (so
# --kubeconfig and --context count); it answers within 2 s, and with nothing
# when the cluster cannot be asked.
__kubectl_wizard_namespaces() {
    local line words
    COMPREPLY=()
    compopt +o default +o bashdefault 2>/dev/null
    read -ra words <<< "${COMP_LINE:0:COMP_POINT}"
    [[ ${COMP_LINE:0:COMP_POINT} == *[[:space:]] ]] && words+=("")
    while IFS= read -r line; do
        case "$line" in
            :*) ;;
            *) line=${line%%$'\t'*}; COMPREPLY+=("${line##*=}") ;;
        esac
    done < <("${words[0]}" __complete "${words[@]:1}" 2>/dev/null)
}

"#;

/// The zsh twin of [`BASH_NAMESPACES`].
const ZSH_NAMESPACES: &str = r#"# -n/--namespace completes the cluster's namespaces: the plugin's own
# completion entry point is asked with the words typed so far (so
# --kubeconfig and --context count); it answers within 2 s, and with nothing
# when the cluster cannot be asked.
__kubectl_wizard_namespaces() {
    local -a typed names
    typed=(${(z)LBUFFER})
    [[ $LBUFFER == *[[:space:]] ]] && typed+=('')
    # Quoted with (@): the empty word under the cursor must stay a word.
    names=(${(f)"$(${(Q)typed[1]} __complete "${(@Q)typed[2,-1]}" 2>/dev/null)"})
    names=(${${names:#:*}%%$'\t'*})
    compadd -- ${names##*=}
}

"#;

/// clap_complete completes any value of `-n/--namespace` with file names;
/// make it ask the cluster instead. Each `--namespace)` / `-n)` case of the
/// script gets the helper in place of its file-name completion.
fn complete_namespaces_bash(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + BASH_NAMESPACES.len());
    let mut after_namespace_case = false;
    for line in script.lines() {
        let trimmed = line.trim();
        if after_namespace_case && trimmed == r#"COMPREPLY=($(compgen -f "${cur}"))"# {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(indent);
            out.push_str("__kubectl_wizard_namespaces");
        } else {
            out.push_str(line);
        }
        out.push('\n');
        after_namespace_case = matches!(trimmed, "--namespace)" | "-n)");
    }
    let start = if out.starts_with("#!") {
        out.find('\n').map_or(0, |i| i + 1)
    } else {
        0
    };
    out.insert_str(start, BASH_NAMESPACES);
    out
}

/// The zsh script's `-n`/`--namespace` specs end in `:NAMESPACE:_default`
/// (any text); make them call the helper.
fn complete_namespaces_zsh(script: &str) -> String {
    let script = script.replace(
        ":NAMESPACE:_default'",
        ":NAMESPACE:__kubectl_wizard_namespaces'",
    );
    // After `#compdef` and `autoload` (the first lines zsh reads).
    match script.find("\n\n") {
        Some(at) => format!("{}\n\n{ZSH_NAMESPACES}{}", &script[..at], &script[at + 2..]),
        None => format!("{ZSH_NAMESPACES}{script}"),
    }
}

/// clap_complete's bash script names a subcommand's state
/// `kubectl__wizard__subcmd__render` where it enters it but
/// `kubectl__subcmd__wizard__subcmd__render` where it completes it (it turns
/// the `-` of the executable's name into `__subcmd__` there), so no flag
/// of a subcommand would complete. Use the first spelling throughout.
fn fix_bash_case_labels(script: &str) -> String {
    script.replace(
        "kubectl__subcmd__wizard__subcmd__",
        "kubectl__wizard__subcmd__",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_namespace_flag_of_the_bash_script_asks_the_cluster() {
        let script = script(CompletionShell::Bash);
        let lines: Vec<&str> = script.lines().map(str::trim).collect();
        let mut cases = 0;
        for (i, line) in lines.iter().enumerate() {
            if matches!(*line, "--namespace)" | "-n)") {
                cases += 1;
                assert_eq!(lines[i + 1], "__kubectl_wizard_namespaces", "after {line}");
            }
        }
        // The root command and each of its subcommands but `version` and
        // `completion`, which have no `-n` of their own, take it globally.
        assert!(cases >= 2 * 6, "{cases} namespace cases");
        assert!(script.contains("__kubectl_wizard_namespaces() {"));
    }

    #[test]
    fn every_namespace_flag_of_the_zsh_script_asks_the_cluster() {
        let script = script(CompletionShell::Zsh);
        assert!(script.starts_with("#compdef kubectl-wizard\n"), "{script}");
        assert!(!script.contains(":NAMESPACE:_default"));
        let specs = script
            .lines()
            .filter(|l| l.starts_with("'-n+[") || l.starts_with("'--namespace=["))
            .collect::<Vec<_>>();
        assert!(specs.len() >= 2 * 6, "{specs:?}");
        for spec in specs {
            assert!(
                spec.ends_with(":NAMESPACE:__kubectl_wizard_namespaces' \\"),
                "{spec}"
            );
        }
    }
}
