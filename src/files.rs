//! Writing rendered files: atomically (a temporary file in the same folder,
//! then a rename), and never over a file with other content unless forced.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Created or replaced.
    Wrote,
    /// Already held exactly this content.
    Unchanged,
    /// Held other content and `--force` was not given.
    Skipped,
}

/// Write `files` (name, content) into `dir`, creating it when missing.
/// Returns each file's path and outcome, in the given order.
pub fn write_all(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
) -> Result<Vec<(PathBuf, Outcome)>> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    files
        .iter()
        .map(|(name, content)| {
            let path = dir.join(name);
            let outcome = write_one(&path, content, force)?;
            Ok((path, outcome))
        })
        .collect()
}

fn write_one(path: &Path, content: &str, force: bool) -> Result<Outcome> {
    match fs::read(path) {
        Ok(existing) if existing == content.as_bytes() => return Ok(Outcome::Unchanged),
        Ok(_) if !force => return Ok(Outcome::Skipped),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    write_atomically(path, content.as_bytes())?;
    Ok(Outcome::Wrote)
}

/// Write through a temporary sibling and rename it into place, so a reader
/// never sees half a file and a failure leaves the old file intact.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(content)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Create a file that must not exist yet (`init -o FILE` without consent to
/// replace), atomically.
pub fn create_new(path: &Path, content: &[u8], replace: bool) -> Result<()> {
    if !replace && path.exists() {
        return Err(Error::Incomplete(format!(
            "{} exists; not overwritten",
            path.display()
        )));
    }
    write_atomically(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_leaves_unchanged_then_skips_then_forces() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![("a.yaml".to_string(), "one\n".to_string())];
        let first = write_all(dir.path(), &files, false).unwrap();
        assert_eq!(first[0].1, Outcome::Wrote);
        let again = write_all(dir.path(), &files, false).unwrap();
        assert_eq!(again[0].1, Outcome::Unchanged);
        let changed = vec![("a.yaml".to_string(), "two\n".to_string())];
        let skipped = write_all(dir.path(), &changed, false).unwrap();
        assert_eq!(skipped[0].1, Outcome::Skipped);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "one\n"
        );
        let forced = write_all(dir.path(), &changed, true).unwrap();
        assert_eq!(forced[0].1, Outcome::Wrote);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "two\n"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
