//! `KUBECTL_EXTERNAL_DIFF`, with kubectl's contract: the variable holds a
//! program and arguments separated by spaces (kubectl keeps only arguments
//! made of letters, digits, `-` and `=`, so the variable cannot smuggle
//! in shell syntax); the program is called with two folders, `LIVE-…` and
//! `MERGED-…`, holding one YAML file per object named as kubectl names
//! them (`apps.v1.Deployment.shop.api`, `v1.Namespace..shop`); its exit
//! status becomes the command's (0 same, 1 different, more: it failed).

use std::path::Path;
use std::process::Command;

use crate::cluster::diff::Compared;
use crate::error::{Error, Result};
use crate::render::Manifest;

/// The environment variable kubectl reads.
pub const VARIABLE: &str = "KUBECTL_EXTERNAL_DIFF";

/// The program and arguments the variable names, or `None` when it is
/// unset or blank.
pub fn from_env() -> Option<(String, Vec<String>)> {
    let value = std::env::var(VARIABLE).ok()?;
    parse(&value)
}

/// `"diff -r"` → `("diff", ["-r"])`; arguments with other characters are
/// dropped, as kubectl drops them.
pub fn parse(value: &str) -> Option<(String, Vec<String>)> {
    let mut words = value.split(' ').filter(|w| !w.is_empty());
    let program = words.next()?.to_string();
    let args = words
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '=')
        })
        .map(str::to_string)
        .collect();
    Some((program, args))
}

/// kubectl's file name for an object: `[group.]version.Kind.namespace.name`.
pub fn file_name(manifest: &Manifest) -> String {
    let group_version = manifest.api_version.replace('/', ".");
    format!(
        "{group_version}.{}.{}.{}",
        manifest.kind,
        manifest.namespace.as_deref().unwrap_or(""),
        manifest.name
    )
}

/// Write both sides of every object into two fresh folders and run the
/// program on them; its exit status is returned as it is.
pub fn run(
    program: &str,
    args: &[String],
    manifests: &[Manifest],
    compared: &[Compared],
) -> Result<i32> {
    // Folders with unpredictable names, created exclusively and removed
    // afterwards (the Secrets in them are masked unless --show-secrets).
    let live = folder("LIVE-")?;
    let merged = folder("MERGED-")?;
    for (manifest, sides) in manifests.iter().zip(compared) {
        let name = file_name(manifest);
        // A missing object has no live file (diff -N reads it as empty).
        if let Some(text) = sides.live_yaml() {
            write(live.path(), &name, &text)?;
        }
        write(merged.path(), &name, &sides.after_yaml())?;
    }
    let status = Command::new(program)
        .args(args)
        .arg(live.path())
        .arg(merged.path())
        .status()
        .map_err(|e| {
            Error::Failed(format!(
                "cannot run {program} (from {VARIABLE}): {e}",
                program = crate::sanitize::one_line(program)
            ))
        })?;
    match status.code() {
        Some(code) => Ok(code),
        None => Err(Error::Failed(format!(
            "{} (from {VARIABLE}) was stopped by a signal ({status})",
            crate::sanitize::one_line(program)
        ))),
    }
}

fn folder(prefix: &str) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))
}

fn write(dir: &Path, name: &str, text: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_splits_on_spaces_and_keeps_kubectls_safe_arguments() {
        assert_eq!(
            parse("diff -r"),
            Some(("diff".to_string(), vec!["-r".to_string()]))
        );
        assert_eq!(
            parse("colordiff  -N -u --color=always ;rm $(x)"),
            Some((
                "colordiff".to_string(),
                vec!["-N".into(), "-u".into(), "--color=always".into()]
            ))
        );
        assert_eq!(parse("   "), None);
    }
}
