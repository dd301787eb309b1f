// On Linux with glibc the program starts at the C `main` below rather than
// at std's: std's start-up asks glibc where the main thread's stack ends,
// to guard it, and glibc answers by reading and parsing /proc/self/maps,
// with a signal stack set up and torn down around it; that was a fifth of
// the CPU time of `kubectl wizard version` (README, *Decisions*). Elsewhere
// (musl, macOS, Windows) std's start-up is cheap and stays, as it does for
// the unit tests, whose harness brings its own `main`.
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

use clap::Parser;

use kubectl_wizard::cli::Cli;
use kubectl_wizard::commands;
use kubectl_wizard::error::EXIT_FAILURE;

/// What std's start-up does that this program relies on, then the program.
/// The arguments need nothing: glibc hands them to std before `main`.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
#[no_mangle]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    open_missing_standard_streams();
    // SAFETY: setting a signal's disposition before any thread exists.
    // Writes to a closed pipe fail with EPIPE (`| head` is handled as the
    // end of the output) instead of killing the process.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    std::process::exit(run())
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() {
    std::process::exit(run())
}

/// A standard stream the parent closed is opened on /dev/null, as std's
/// start-up does: the first file the program opens would otherwise take
/// its number, and output meant for the terminal would land in that file.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
fn open_missing_standard_streams() {
    let mut streams = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `streams` is a valid array of three pollfd for the call.
    if unsafe { libc::poll(streams.as_mut_ptr(), 3, 0) } < 0 {
        return;
    }
    for stream in streams {
        if stream.revents & libc::POLLNVAL != 0 {
            // SAFETY: a NUL-terminated path; the lowest free number is the
            // closed stream's, so the descriptor stays open on purpose.
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        }
    }
}

/// The whole program; the exit code.
fn run() -> i32 {
    kubectl_wizard::allocator::keep_freed_memory();
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
        return 0;
    }
    let cli = match Cli::version_alone(std::env::args_os().skip(1)) {
        Some(cli) => cli,
        None => match Cli::try_parse() {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                return e.exit_code();
            }
        },
    };
    match std::panic::catch_unwind(|| commands::run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            commands::print_error(&error);
            error.exit_code()
        }
        Err(_) => EXIT_FAILURE,
    }
}
