//! Tells the binary which commit it was built from, and when that commit
//! was made, for `kubectl wizard version`.
//!
//! Sources, first found wins: `KUBECTL_WIZARD_GIT_COMMIT` (a build from a
//! source archive, or a container without git); `git` in the checkout
//! (`cargo build`, `cargo install --path .` or `--git`); the
//! `.cargo_vcs_info.json` cargo writes into a published crate; else
//! "unknown". The date is `SOURCE_DATE_EPOCH` or the commit's, never the
//! clock, so two builds of one commit are the same bytes.
//!
//! The script reruns only when HEAD moves (the files of HEAD, the branch it
//! points to and this worktree's HEAD log), not on every edit: a commit
//! rebuilds the crate once, an edit never.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=KUBECTL_WIZARD_GIT_COMMIT");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let from_env = std::env::var("KUBECTL_WIZARD_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    // A commit given from outside makes HEAD irrelevant: not watching it
    // spares a development loop (which sets the variable) a rebuild of the
    // crate and every test binary on each commit.
    if from_env.is_none() {
        watch_head(&root);
    }
    if root.join(".cargo_vcs_info.json").is_file() {
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    }

    let commit = from_env
        .or_else(|| git(&root, &["rev-parse", "HEAD"]))
        .or_else(|| vcs_info_commit(&root))
        .unwrap_or_else(|| "unknown".into());
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .or_else(|| git(&root, &["log", "-1", "--format=%ct"]))
        .and_then(|s| s.trim().parse::<i64>().ok());
    let date = epoch.map_or_else(|| "unknown".into(), rfc3339);
    println!(
        "cargo:rustc-env=KUBECTL_WIZARD_GIT_COMMIT={}",
        commit.trim()
    );
    println!("cargo:rustc-env=KUBECTL_WIZARD_BUILD_DATE={date}");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = run(&root, &rustc, &["--version"])
        .and_then(|v| v.split_whitespace().nth(1).map(String::from))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=KUBECTL_WIZARD_RUSTC_VERSION={rustc_version}");
    link_for_startup();
}

/// Link the executables as position-dependent on Linux with glibc. A PIE
/// carries ~22,000 relative relocations (vtables, tables of `&str`), and the
/// loader writes every one at start, which copies ~120 pages of relocated
/// read-only data: that was most of the CPU time of `version`. The objects
/// are position-independent anyway, so this only changes the link; the test
/// binaries stay PIE. RELRO and BIND_NOW stay on (README, *Decisions*).
/// Not with `+crt-static`: rustc then asks for a static PIE, and `-no-pie`
/// on top of it links an executable that crashes at once (tried).
fn link_for_startup() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .unwrap_or_default()
        .split(',')
        .any(|feature| feature == "crt-static");
    if os == "linux" && env == "gnu" && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// Rerun when HEAD moves: HEAD itself (a checkout), the branch's ref file or
/// packed-refs (a commit), and this worktree's HEAD log (either). Only files
/// that exist: cargo reruns every time for a missing one.
fn watch_head(root: &Path) {
    let mut files = vec!["HEAD".to_string(), "logs/HEAD".to_string()];
    match git(root, &["symbolic-ref", "-q", "HEAD"]) {
        Some(branch) => files.push(branch),
        None => return,
    }
    files.push("packed-refs".into());
    for file in files {
        let Some(path) = git(root, &["rev-parse", "--git-path", &file]) else {
            continue;
        };
        let path = root.join(path);
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// `git ARGS` in the checkout, trimmed; `None` without git or outside one.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    run(root, "git", args)
}

fn run(root: &Path, program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// The `"sha1": "…"` of a published crate's `.cargo_vcs_info.json`.
fn vcs_info_commit(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join(".cargo_vcs_info.json")).ok()?;
    let after = text.split("\"sha1\"").nth(1)?;
    let value = after.split('"').nth(1)?;
    (value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| value.to_string())
}

/// Seconds since 1970 as `2026-12-05T10:00:00Z` (UTC), the form kubectl's
/// `buildDate` has.
fn rfc3339(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}
