//! The README's test command must pass on a fresh machine: nothing but the
//! Rust toolchain, kubectl (kpt, tmux) and git, no Python. `.ci/run` runs
//! it that way (an empty HOME, a bare PATH, `python`/`pip` replaced by
//! stubs that fail); these checks keep the test code honest about it
//! without running anything: every program a test starts is listed here.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Programs a test may start by name, besides the plugin's own binaries.
const ALLOWED_PROGRAMS: &[&str] = &[
    "kubectl",
    "kpt",
    "tmux",
    "git",
    "bash",
    "sh",
    "tar",
    "sha256sum",
    "diff",
    "mkfifo",
    // benches/process.rs: the start-up baseline (coreutils, like `sh`)
    "true",
];

/// Expressions (other than a string literal) that name the program to run,
/// and what they resolve to. A new one must be added here, with the
/// program it runs, so a reviewer sees it.
const KNOWN_EXPRESSIONS: &[(&str, &str)] = &[
    // tests/cluster.rs
    ("KUBECTL", "kubectl"),
    // tests/common/mod.rs: kubectl on PATH
    ("kubectl()", "kubectl"),
    // tests/plugin.rs: /usr/local/bin/kubectl or /usr/bin/kubectl
    ("kubectl", "kubectl"),
    ("env!(\"CARGO_BIN_EXE_kubectl-wizard\")", "kubectl-wizard"),
    // benches/process.rs: ours, or another build of it (BENCH_WIZARD)
    ("wizard_binary()", "kubectl-wizard"),
    // benches/process.rs: a build of the plugin (the one above, or the
    // musl build the release archives hold, when it was built)
    ("plugin_binary", "kubectl-wizard"),
    (
        "assert_cmd::cargo::cargo_bin(\"kubectl-wizard\")",
        "kubectl-wizard",
    ),
    // tests/gitops.rs: kpt on PATH; the Argo CD plugin's generate command
    // (asserted there to be `sh -c`)
    ("&kpt", "kpt"),
    ("&command[0]", "sh"),
    ("repo().join(\"scripts/dist.sh\")", "scripts/dist.sh"),
    // tests/krew.rs: a copy of it in a scratch checkout
    ("checkout.join(\"scripts/dist.sh\")", "scripts/dist.sh"),
];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text between the parenthesis that opens at `start` and its match.
fn argument(text: &str, start: usize) -> &str {
    let mut depth = 0;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return text[start + 1..start + i].trim();
                }
            }
            _ => {}
        }
    }
    text[start + 1..].trim()
}

/// The names `std::process::Command` and `assert_cmd::Command` go by in a
/// file (`use std::process::Command as Process;`).
fn command_names(text: &str) -> Vec<String> {
    let mut names = vec!["Command".to_string()];
    for line in text.lines() {
        if let Some((_, alias)) = line.trim().split_once("Command as ") {
            names.push(alias.trim_end_matches(';').trim().to_string());
        }
    }
    names
}

/// A process a test starts: where, the expression naming the program,
/// and whether it goes through `cargo_bin` (which only finds this
/// package's binaries).
#[derive(Debug)]
struct Started {
    place: String,
    expression: String,
    cargo_bin: bool,
}

/// Every process a file starts: `Command::new(..)` under any of its names,
/// and `cargo_bin(..)`, in the order they appear.
fn started_programs(path: &Path, text: &str) -> Vec<Started> {
    let mut patterns: Vec<(String, bool)> = command_names(text)
        .into_iter()
        .map(|name| (format!("{name}::new("), false))
        .collect();
    patterns.push((["cargo", "_bin("].concat(), true));
    // By the position of the opening parenthesis: `AssertCommand::new(`
    // also matches `Command::new(`, and is one call.
    let mut calls = std::collections::BTreeMap::new();
    for (pattern, cargo_bin) in &patterns {
        for (at, _) in text.match_indices(pattern.as_str()) {
            let open = at + pattern.len() - 1;
            let line = text[..at].matches('\n').count() + 1;
            calls.entry(open).or_insert(Started {
                place: format!("{}:{line}", path.display()),
                expression: argument(text, open).to_string(),
                cargo_bin: *cargo_bin,
            });
        }
    }
    calls.into_values().collect()
}

/// What an expression runs, if the tests may run it.
fn resolve(expression: &str, is_cargo_bin: bool) -> Option<String> {
    if is_cargo_bin {
        // cargo_bin only finds binaries this package builds.
        return Some("kubectl-wizard".into());
    }
    if let Some(literal) = expression
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
    {
        return ALLOWED_PROGRAMS
            .contains(&literal)
            .then(|| literal.to_string());
    }
    KNOWN_EXPRESSIONS
        .iter()
        .find(|(known, _)| *known == expression)
        .map(|(_, program)| program.to_string())
}

#[test]
fn tests_start_only_the_toolchain_kubectl_and_our_binaries() {
    let mut files = Vec::new();
    for dir in ["tests", "benches"] {
        rust_files(&repo().join(dir), &mut files);
    }
    let this_file = repo().join("tests/fresh_machine.rs");
    let mut unknown = Vec::new();
    let mut scripts = Vec::new();
    let mut programs = std::collections::BTreeSet::new();
    let mut seen = 0;
    for path in files.iter().filter(|p| **p != this_file) {
        let text = std::fs::read_to_string(path).expect("a test source");
        for started in started_programs(path, &text) {
            seen += 1;
            match resolve(&started.expression, started.cargo_bin) {
                Some(program) if program.starts_with("scripts/") => scripts.push(program),
                Some(program) => {
                    programs.insert(program);
                }
                None => unknown.push(format!("{}: {}", started.place, started.expression)),
            }
        }
    }
    assert!(
        seen > 10,
        "found only {seen} started programs: is the scan broken?"
    );
    assert!(
        unknown.is_empty(),
        "tests start programs a fresh machine may not have (allowed: {ALLOWED_PROGRAMS:?}, \
         our binaries, or an expression listed in KNOWN_EXPRESSIONS):\n{}",
        unknown.join("\n")
    );
    for script in scripts {
        assert_no_python(&repo().join(&script));
    }
    // What a fresh machine may lack, the README's test command installs.
    let installed = test_tools_table();
    let not_installed: Vec<&String> = programs
        .iter()
        .filter(|program| {
            !(OURS.contains(&program.as_str())
                || OPTIONAL.contains(&program.as_str())
                || program.as_str() == "sh"
                || installed.contains(program))
        })
        .collect();
    assert!(
        not_installed.is_empty(),
        "tests start {not_installed:?}, which scripts/test-tools does not install (it has {installed:?})"
    );
}

/// Our own binaries, built by `cargo test`.
const OURS: &[&str] = &["kubectl-wizard", "kubectl_complete-wizard"];

/// Tools whose tests pass without running them when they are missing,
/// saying so (and fail under `KUBECTL_WIZARD_TEST_NO_SKIP`, as in CI).
const OPTIONAL: &[&str] = &["kpt", "tmux"];

/// The programs `scripts/test-tools` installs when missing: the first word
/// of each line of its `program package` table.
fn test_tools_table() -> Vec<String> {
    let script =
        std::fs::read_to_string(repo().join("scripts/test-tools")).expect("scripts/test-tools");
    let table = script
        .split("table='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("scripts/test-tools has its table");
    table
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [program, _package] => Some(program.to_string()),
                _ => None,
            },
        )
        .collect()
}

/// A shell script runs no Python or pip: no command (the first word of a
/// line or after `;`, `&&`, `||`, `|`, `$(`, `exec`, `env`, assignments)
/// is one of them. Comments aside; a name merely mentioned is fine.
fn assert_no_python(path: &Path) {
    let text = std::fs::read_to_string(path).expect("a script");
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or_default();
        let runs_python = code
            .split([';', '&', '|', '(', '`'])
            .filter_map(|command| {
                command.split_whitespace().find(|w| {
                    !matches!(*w, "exec" | "env" | "-i" | "then" | "do") && !w.contains('=')
                })
            })
            .map(|program| program.rsplit('/').next().unwrap_or(program))
            .any(|program| matches!(program, "python" | "python3" | "pip" | "pip3" | "pipx"));
        assert!(
            !runs_python,
            "{}:{} runs Python: {line}",
            path.display(),
            i + 1
        );
    }
}

/// The README's test command: what a fresh machine lacks, then every test.
const TEST_COMMAND: &str = "scripts/test-tools && cargo test";

#[test]
fn ci_runs_the_readme_test_command_in_a_clean_environment() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let try_it = readme
        .split("## Try it")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a Try it section");
    assert!(
        try_it
            .lines()
            .any(|l| l.trim_start().starts_with(TEST_COMMAND)),
        "the README's test command is `{TEST_COMMAND}`:\n{try_it}"
    );
    let ci = repo().join(".ci/run");
    assert_no_python(&ci);
    let text = std::fs::read_to_string(&ci).expect(".ci/run");
    let code: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for needed in [
        "cargo fmt --check",
        "cargo clippy --all-targets -- -D warnings",
    ] {
        assert!(code.contains(&needed), ".ci/run runs `{needed}`");
    }
    // The last command: the README's under `env -i`, nothing else.
    let last = code.last().copied().unwrap_or_default();
    assert!(
        last.ends_with(&format!("sh -c '{TEST_COMMAND}'")),
        ".ci/run ends with the README's command: {last}"
    );
    assert!(
        text.contains("env -i"),
        ".ci/run runs the tests with an empty environment"
    );
}

#[test]
fn the_scan_finds_every_way_of_starting_a_program() {
    let text = "use std::process::Command as Process;\n\
                fn a() { Process::new(\"python3\").arg(\"x\"); }\n\
                fn b() { Command::new(helper(\"y\")).output(); }\n\
                fn c() { assert_cmd::Command::cargo_bin(\"kubectl-wizard\"); }\n";
    let calls = started_programs(Path::new("t.rs"), text);
    let expressions: Vec<&str> = calls.iter().map(|c| c.expression.as_str()).collect();
    assert_eq!(
        expressions,
        ["\"python3\"", "helper(\"y\")", "\"kubectl-wizard\""]
    );
    assert_eq!(calls[0].place, "t.rs:2");
    assert_eq!(
        calls.iter().map(|c| c.cargo_bin).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(resolve("\"python3\"", false), None);
    assert_eq!(resolve("helper(\"y\")", false), None);
    assert_eq!(resolve("\"kubectl\"", false).as_deref(), Some("kubectl"));
    assert_eq!(resolve("KUBECTL", false).as_deref(), Some("kubectl"));
}

#[test]
fn the_script_check_tells_running_python_from_naming_it() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let script = dir.path().join("s.sh");
    let check = |text: &str| {
        std::fs::write(&script, text).expect("write");
        std::panic::catch_unwind(|| assert_no_python(&script)).is_ok()
    };
    assert!(check(
        "for stub in python pip; do touch $stub; done\n# python3 -m pip\n"
    ));
    assert!(check("echo 'no python here'\n"));
    for runs in [
        "python3 -m pip install x\n",
        "cd x && pip install y\n",
        "out=$(/usr/bin/python3 gen.py)\n",
        "env -i PATH=/bin python script.py\n",
        "if true; then exec pip3 list; fi\n",
    ] {
        assert!(!check(runs), "{runs}");
    }
}
