use clap::Parser;

use kubectl_wizard::cli::Cli;
use kubectl_wizard::commands;
use kubectl_wizard::error::EXIT_FAILURE;

fn main() {
    // A bug must still end in one readable line, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "error: internal error ({info}); please report this with the state that caused it"
        );
    }));
    // Cobra's hidden completion entry point, kept off clap so that flags in
    // the words being completed (`__complete -n ""`) are not parsed as ours.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "__complete")
    {
        kubectl_wizard::complete::main(std::env::args_os().skip(2));
        return;
    }
    let cli = match Cli::version_alone(std::env::args_os().skip(1)) {
        Some(cli) => cli,
        None => match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                std::process::exit(e.exit_code());
            }
        },
    };
    let code = match std::panic::catch_unwind(|| commands::run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            commands::print_error(&error);
            error.exit_code()
        }
        Err(_) => EXIT_FAILURE,
    };
    std::process::exit(code);
}
