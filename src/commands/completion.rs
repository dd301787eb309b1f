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
        Shell::Bash => fix_bash_case_labels(&text),
        _ => text,
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
