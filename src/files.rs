//! Writing rendered files: atomically, never over a file with other content
//! unless forced, and never through a symbolic link or into a special file
//! (FIFO, device) someone planted there. A folder that does not exist yet
//! is built whole under a hidden name beside it and renamed into place; into
//! an existing folder each file goes through an exclusively created
//! temporary file with an unpredictable name in its folder, then a rename.

use std::fs;
use std::io::{Read, Write};
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

/// One file to write into the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub content: String,
    /// Readable by the owner only (0600): Secret manifests.
    pub private: bool,
}

impl OutputFile {
    pub fn new(name: impl Into<String>, content: impl Into<String>) -> OutputFile {
        OutputFile {
            name: name.into(),
            content: content.into(),
            private: false,
        }
    }
}

/// Write `files` into `dir`, creating it when missing. Returns each file's
/// path and outcome, in the given order. A name that is not a regular file
/// (a symbolic link, a FIFO, a folder) stops the run before anything is
/// written, naming every such path.
pub fn write_all(dir: &Path, files: &[OutputFile], force: bool) -> Result<Vec<(PathBuf, Outcome)>> {
    if let Some(outcomes) = write_new_folder(dir, files)? {
        return Ok(outcomes);
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Sub-folders of the output folder (`secrets/`) are checked like the
    // files: a link planted there would redirect every write into it.
    let folders: Vec<PathBuf> = sub_folders(files)
        .into_iter()
        .map(|folder| dir.join(folder))
        .collect();
    let refused: Vec<String> = folders
        .iter()
        .filter_map(|folder| {
            folder_refusal(folder).map(|why| format!("{}: {why}", folder.display()))
        })
        .chain(files.iter().filter_map(|file| {
            let path = dir.join(&file.name);
            refusal(&path).map(|why| format!("{}: {why}", path.display()))
        }))
        .collect();
    if !refused.is_empty() {
        return Err(Error::Failed(format!(
            "nothing was written; {} not replaced:\n  {}",
            if refused.len() == 1 {
                "this path is not a regular file and is"
            } else {
                "these paths are not regular files and are"
            },
            refused.join("\n  ")
        )));
    }
    for folder in &folders {
        match fs::create_dir(folder) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(Error::io(folder, e))
            }
            _ => {}
        }
    }
    let outcomes: Vec<(PathBuf, Outcome)> = files
        .iter()
        .map(|file| {
            let path = dir.join(&file.name);
            let outcome = decide(&path, file, force)?;
            Ok((path, outcome))
        })
        .collect::<Result<_>>()?;
    // Every new content goes into its temporary file first; one flush then
    // makes all of them durable at once (instead of one `fsync` per file,
    // which was nine tenths of the time), and only then are they renamed
    // into place, so after a crash each file is whole: old or new.
    let mut staged = Vec::new();
    for ((path, outcome), file) in outcomes.iter().zip(files) {
        if *outcome == Outcome::Wrote {
            let temp = stage(path, file.content.as_bytes(), file.private)
                .map_err(|e| Error::io(path, e))?;
            staged.push((temp, path));
        }
    }
    if staged.is_empty() {
        return Ok(outcomes);
    }
    flush(dir).map_err(|e| Error::io(dir, e))?;
    for (temp, path) in staged {
        // On failure the temporary files not yet renamed are removed when
        // dropped; the files renamed so far are whole.
        temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    // The renames themselves are durable once their folders are.
    for folder in std::iter::once(dir).chain(folders.iter().map(PathBuf::as_path)) {
        sync_folder(folder).map_err(|e| Error::io(folder, e))?;
    }
    Ok(outcomes)
}

/// The sub-folders the files go into, relative to the output folder: every
/// level (`overlays/` and `overlays/prod/`), outermost first.
fn sub_folders(files: &[OutputFile]) -> Vec<&Path> {
    let mut folders: Vec<&Path> = files
        .iter()
        .filter_map(|file| Path::new(&file.name).parent())
        .flat_map(Path::ancestors)
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// Write `files` as the new folder `dir`, when nothing is at `dir` yet: all
/// of them go into a hidden folder created beside it under an unpredictable
/// name (`.NAME.XXXXXX.tmp`), one flush makes them durable, and one rename
/// puts the whole folder in place. There is nothing to compare or protect,
/// so this skips the per-file checks and renames of an existing folder
/// (a rename per file was most of the time left after the single flush),
/// and the folder appears complete or not at all. `None` when `dir` exists
/// (or appeared meanwhile): the caller then writes file by file.
fn write_new_folder(dir: &Path, files: &[OutputFile]) -> Result<Option<Vec<(PathBuf, Outcome)>>> {
    // `.`, `..` and `/` have no name of their own to rename onto.
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Ok(None);
    };
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        _ => return Ok(None),
    }
    let parent = match parent.as_os_str().is_empty() {
        true => Path::new("."),
        false => parent,
    };
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    // Created with the mode `create_dir` gives (the umask applies), since
    // it becomes the output folder; removed with everything in it when
    // dropped before the rename, so a failure leaves nothing behind.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempdir_in(parent)
        .map_err(|e| Error::io(dir, e))?;
    let folders = sub_folders(files);
    for folder in &folders {
        fs::create_dir(staging.path().join(folder)).map_err(|e| Error::io(dir.join(folder), e))?;
    }
    for file in files {
        create_exclusive(
            &staging.path().join(&file.name),
            file.content.as_bytes(),
            file.private,
        )
        .map_err(|e| Error::io(dir.join(&file.name), e))?;
    }
    flush(parent).map_err(|e| Error::io(parent, e))?;
    // Where there is no `syncfs`, the folders' names are flushed one by one.
    #[cfg(not(target_os = "linux"))]
    for folder in folders
        .iter()
        .map(|folder| staging.path().join(folder))
        .chain(std::iter::once(staging.path().to_path_buf()))
    {
        sync_folder(&folder).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = fs::rename(staging.path(), dir) {
        return match fs::symlink_metadata(dir) {
            // Something took the name meanwhile: the staged folder goes
            // (dropped), and the files are written into what is there now.
            Ok(_) => Ok(None),
            Err(_) => Err(Error::io(dir, e)),
        };
    }
    // Renamed: there is nothing left under the staging name to remove.
    let _ = staging.keep();
    sync_folder(parent).map_err(|e| Error::io(parent, e))?;
    Ok(Some(
        files
            .iter()
            .map(|file| (dir.join(&file.name), Outcome::Wrote))
            .collect(),
    ))
}

/// Create `path`, which must not exist (`O_EXCL`, never through a link),
/// holding `content`; owner-only when `private`. Closed at once: ten
/// thousand open files would pass the descriptor limit.
fn create_exclusive(path: &Path, content: &[u8], private: bool) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The umask still applies, as for any file a command creates.
        options
            .mode(if private { 0o600 } else { 0o666 })
            .custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path)?;
    file.write_all(content)?;
    // Where there is no `syncfs`, each file is flushed on its own.
    #[cfg(not(target_os = "linux"))]
    file.sync_all()?;
    Ok(())
}

/// What `write_all` does with one file, decided before anything is written.
fn decide(path: &Path, file: &OutputFile, force: bool) -> Result<Outcome> {
    Ok(match holds(path, file.content.as_bytes())? {
        None => Outcome::Wrote,
        Some(true) => Outcome::Unchanged,
        Some(false) if force => Outcome::Wrote,
        Some(false) => Outcome::Skipped,
    })
}

/// `content` in a closed temporary sibling of `path` (closed: ten thousand
/// open files would pass the descriptor limit), not yet flushed.
fn stage(path: &Path, content: &[u8], private: bool) -> std::io::Result<tempfile::TempPath> {
    let mut temp = temporary_sibling(path, private)?;
    temp.write_all(content)?;
    // Where there is no `syncfs`, each file is flushed on its own.
    #[cfg(not(target_os = "linux"))]
    temp.as_file().sync_all()?;
    Ok(temp.into_temp_path())
}

/// Flush everything written so far on the file system of `dir` with one
/// `syncfs`: the staged files all live there.
#[cfg(target_os = "linux")]
fn flush(dir: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let folder = fs::File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which `folder` keeps open.
    if unsafe { libc::syncfs(folder.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn flush(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Make the names in a folder (its renames) durable.
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Why an existing sub-folder `path` must not be written into, if it must
/// not: anything but a real folder (a link to one included).
fn folder_refusal(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_dir() {
        return None;
    }
    let what = if meta.file_type().is_symlink() {
        "a symbolic link"
    } else {
        "a file"
    };
    Some(format!(
        "found {what}; expected a folder or nothing (remove it to let render write here)"
    ))
}

/// Why an existing `path` must not be read or replaced, if it must not.
fn refusal(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "a special file (FIFO, socket or device)"
    };
    Some(format!(
        "found {what}; expected a regular file or nothing (remove it to let render write here)"
    ))
}

/// Whether the regular file at `path` holds exactly `content`; `None` when
/// there is no file. The size is compared first and at most that many bytes
/// are read, never following a symbolic link (a huge file or `/dev/zero`
/// planted there costs nothing).
fn holds(path: &Path, content: &[u8]) -> Result<Option<bool>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    if !meta.is_file() {
        return Err(Error::Failed(format!(
            "{}: {}",
            path.display(),
            refusal(path).unwrap_or_else(|| "not a regular file".into())
        )));
    }
    if meta.len() != content.len() as u64 {
        return Ok(Some(false));
    }
    let mut existing = Vec::with_capacity(content.len());
    open_regular(path)
        .and_then(|f| f.take(content.len() as u64 + 1).read_to_end(&mut existing))
        .map_err(|e| Error::io(path, e))?;
    Ok(Some(existing == content))
}

/// Open for reading without following a symbolic link and without blocking
/// on a FIFO swapped in after the check.
fn open_regular(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// A temporary sibling of `path`, created exclusively (`O_EXCL`) under an
/// unpredictable name, so nothing planted in the folder can redirect it.
fn temporary_sibling(path: &Path, private: bool) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The umask still applies, as for any file a command creates.
        builder.permissions(fs::Permissions::from_mode(if private {
            0o600
        } else {
            0o666
        }));
    }
    #[cfg(not(unix))]
    let _ = private;
    builder.tempfile_in(dir)
}

/// Write through a temporary sibling and rename it into place, so a reader
/// never sees half a file and a failure leaves the old file intact. The
/// rename replaces a symbolic link at `path` itself, never its target.
pub fn write_atomically(path: &Path, content: &[u8], private: bool) -> Result<()> {
    let mut temp = temporary_sibling(path, private).map_err(|e| Error::io(path, e))?;
    temp.write_all(content)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    // On failure the temporary file is removed when dropped.
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Create a file that must not exist yet (`init -o FILE` without consent to
/// replace), atomically; a file (or link) that appears meanwhile is never
/// replaced.
pub fn create_new(path: &Path, content: &[u8], replace: bool) -> Result<()> {
    if replace {
        return write_atomically(path, content, false);
    }
    let mut temp = temporary_sibling(path, false).map_err(|e| Error::io(path, e))?;
    temp.write_all(content)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Incomplete(
            format!("{} exists; not overwritten", path.display()),
        )),
        Err(e) => Err(Error::io(path, e.error)),
    }
}

/// Check that `dir`, an `output_dir` taken from a state, stays inside
/// `base` (the working directory) once symbolic links are followed: a
/// folder that is a link out of it (planted next to a state from someone
/// else) is refused. The text itself was checked to be relative and free
/// of `..` when the state was read.
pub fn confine(base: &Path, dir: &Path) -> Result<()> {
    let base_real = fs::canonicalize(base).map_err(|e| Error::io(base, e))?;
    // The deepest part of the folder that exists decides where it leads.
    let mut existing = base.join(dir);
    while fs::symlink_metadata(&existing).is_err() {
        match existing.parent() {
            Some(parent) => existing = parent.to_path_buf(),
            None => return Ok(()),
        }
    }
    let real = fs::canonicalize(&existing).map_err(|e| Error::io(&existing, e))?;
    if real.starts_with(&base_real) {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "output_dir: found \"{}\", which leads to {} through a symbolic link; a state's output_dir must stay inside the working directory {} (pass --output-dir to write elsewhere)",
            dir.display(),
            real.display(),
            base_real.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(content: &str) -> Vec<OutputFile> {
        vec![OutputFile::new("a.yaml", content)]
    }

    #[test]
    fn writes_then_leaves_unchanged_then_skips_then_forces() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_all(dir.path(), &files("one\n"), false).unwrap();
        assert_eq!(first[0].1, Outcome::Wrote);
        let again = write_all(dir.path(), &files("one\n"), false).unwrap();
        assert_eq!(again[0].1, Outcome::Unchanged);
        let skipped = write_all(dir.path(), &files("two\n"), false).unwrap();
        assert_eq!(skipped[0].1, Outcome::Skipped);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "one\n"
        );
        let forced = write_all(dir.path(), &files("two\n"), true).unwrap();
        assert_eq!(forced[0].1, Outcome::Wrote);
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "two\n"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn an_unchanged_file_is_not_rewritten_and_a_new_one_lands_whole() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let mut set = files("same\n");
        set.push(OutputFile::new("b.yaml", "b\n"));
        write_all(dir.path(), &set, false).unwrap();
        let inode = |name: &str| fs::metadata(dir.path().join(name)).unwrap().ino();
        let (a, b) = (inode("a.yaml"), inode("b.yaml"));
        set[1].content = "b2\n".into();
        let outcomes = write_all(dir.path(), &set, true).unwrap();
        assert_eq!(outcomes[0].1, Outcome::Unchanged);
        assert_eq!(outcomes[1].1, Outcome::Wrote);
        assert_eq!(inode("a.yaml"), a, "the unchanged file was not replaced");
        assert_ne!(
            inode("b.yaml"),
            b,
            "the changed file was renamed into place"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("b.yaml")).unwrap(),
            "b2\n"
        );
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_folder_appears_whole_with_nothing_beside_it() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("deploy/k8s");
        let mut secret = OutputFile::new("secrets/s.yaml", "s\n");
        secret.private = true;
        let set = vec![OutputFile::new("a.yaml", "a\n"), secret];
        let outcomes = write_all(&dir, &set, false).unwrap();
        assert_eq!(
            outcomes,
            vec![
                (dir.join("a.yaml"), Outcome::Wrote),
                (dir.join("secrets/s.yaml"), Outcome::Wrote)
            ]
        );
        assert_eq!(fs::read_to_string(dir.join("a.yaml")).unwrap(), "a\n");
        assert_eq!(
            fs::read_to_string(dir.join("secrets/s.yaml")).unwrap(),
            "s\n"
        );
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("secrets/s.yaml")), 0o600);
        // The folder has the mode any new folder gets, not a private one.
        let plain = parent.path().join("deploy/plain");
        fs::create_dir(&plain).unwrap();
        assert_eq!(mode(&dir), mode(&plain));
        assert_eq!(mode(&dir.join("secrets")), mode(&plain));
        let beside: Vec<_> = fs::read_dir(parent.path().join("deploy"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(beside.len(), 2, "no staging folder left: {beside:?}");
        let again = write_all(&dir, &set, false).unwrap();
        assert!(again
            .iter()
            .all(|(_, outcome)| *outcome == Outcome::Unchanged));
    }

    #[test]
    fn a_new_folder_that_fails_leaves_nothing_behind() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("k8s");
        // `a` is needed as a folder and as a file: the second one fails.
        let set = vec![
            OutputFile::new("a/b.yaml", "b\n"),
            OutputFile::new("a", "a\n"),
        ];
        let err = write_all(&dir, &set, false).unwrap_err().to_string();
        assert!(err.contains(&dir.join("a").display().to_string()), "{err}");
        assert!(
            !err.contains("/.k8s."),
            "the staging name is not shown: {err}"
        );
        assert_eq!(
            fs::read_dir(parent.path()).unwrap().count(),
            0,
            "neither the folder nor its staging folder is left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut secret = OutputFile::new("s.yaml", "x\n");
        secret.private = true;
        write_all(dir.path(), &[secret], false).unwrap();
        let mode = fs::metadata(dir.path().join("s.yaml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
