//! Writing rendered files: atomically, never over a file with other content
//! unless forced, and never through a symbolic link or into a special file
//! (FIFO, device) someone planted there. A folder that does not exist yet
//! is built whole under a hidden name beside it and renamed into place; into
//! an existing folder each file goes through an exclusively created
//! temporary file with an unpredictable name in its folder, then a rename.
//! The files are handed to a `Writer` as they are made, and a thread of its
//! own writes them, so rendering and the file system's work overlap.

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
    let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
    write_with(dir, &names, force, |writer| {
        files
            .iter()
            .try_for_each(|file| writer.add(file.name.clone(), file.content.clone(), file.private))
    })
}

/// Write into `dir` the files `feed` hands to the writer, each named in
/// `names` (known before anything is written, so that every path is
/// checked first), while `feed` makes the next ones. Returns each file's
/// path and outcome, in the order they were handed over. When the folder
/// is taken by something else while a new one is built, the new one is
/// removed and `feed` runs again into what is there.
pub fn write_with<S: AsRef<str>>(
    dir: &Path,
    names: &[S],
    force: bool,
    mut feed: impl FnMut(&mut Writer) -> Result<()>,
) -> Result<Vec<(PathBuf, Outcome)>> {
    // The second time the folder exists: an existing folder always ends.
    for _ in 0..2 {
        let mut writer = Writer::start(dir, names, force)?;
        feed(&mut writer)?;
        if let Some(outcomes) = writer.finish()? {
            return Ok(outcomes);
        }
    }
    Err(Error::Failed(format!(
        "{}: the folder appeared and went while render wrote it; nothing was written",
        dir.display()
    )))
}

/// Files written into a folder as they are handed over (`add`), by a
/// thread of its own: the kernel's work of creating ten thousand files
/// (half of the time of a large render) overlaps with rendering the next
/// ones, and no file's content is held longer than its turn in a short
/// queue. The files go over in batches: handed over one by one, each
/// woke the other thread (45,000 context switches for 10,000 services,
/// and the two threads took turns instead of running together). Nothing
/// is in place before `finish`: into a new folder the files go to a
/// hidden staging folder beside it, into an existing one each new content
/// to a temporary sibling of its file; `finish` flushes once and renames.
/// A failure, or a `Writer` dropped before `finish`, leaves nothing
/// behind.
pub struct Writer {
    dir: PathBuf,
    /// The hidden folder a new folder is built in.
    staging: Option<tempfile::TempDir>,
    /// Sub-folders of the output folder, as they will be named.
    folders: Vec<PathBuf>,
    queue: Option<std::sync::mpsc::SyncSender<Vec<Item>>>,
    /// The files not yet handed over.
    batch: Vec<Item>,
    thread: Option<std::thread::JoinHandle<Result<Done>>>,
}

/// One file handed to the writer thread.
struct Item {
    name: String,
    content: String,
    private: bool,
}

/// What the writer thread did.
#[derive(Default)]
struct Done {
    outcomes: Vec<(PathBuf, Outcome)>,
    /// New contents of an existing folder's files, each in its temporary
    /// file (removed when dropped), and where it goes.
    staged: Vec<(tempfile::TempPath, PathBuf)>,
}

/// How many files go over at once, and how many such batches may wait
/// for the writer thread: enough to ride out a slow create, few enough
/// that memory stays that of a few hundred objects.
const BATCH: usize = 64;
const QUEUE: usize = 4;

impl Writer {
    /// Start writing into `dir` (created when missing) the files named in
    /// `names`. Into an existing folder every name is checked first: a
    /// link, FIFO or folder at a file's name, or anything but a folder at
    /// a sub-folder's, stops it before anything is written.
    pub fn start<S: AsRef<str>>(dir: &Path, names: &[S], force: bool) -> Result<Writer> {
        let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        let folders: Vec<PathBuf> = sub_folders(&names)
            .into_iter()
            .map(|folder| dir.join(folder))
            .collect();
        let staging = match new_folder(dir, &names)? {
            Some(staging) => Some(staging),
            None => {
                prepare_existing(dir, &names, &folders)?;
                None
            }
        };
        let target = Target {
            dir: dir.to_path_buf(),
            staging: staging.as_ref().map(|s| s.path().to_path_buf()),
            force,
        };
        let (queue, items) = std::sync::mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || target.write_each(items))
            .map_err(|e| Error::io(dir, e))?;
        Ok(Writer {
            dir: dir.to_path_buf(),
            staging,
            folders,
            queue: Some(queue),
            batch: Vec::with_capacity(BATCH),
            thread: Some(thread),
        })
    }

    /// Hand over one file (named in `start`'s `names`); owner-only (0600)
    /// when `private`. An error is the writer's: it stopped at a file it
    /// could not write, named in the error.
    pub fn add(&mut self, name: impl Into<String>, content: String, private: bool) -> Result<()> {
        self.batch.push(Item {
            name: name.into(),
            content,
            private,
        });
        match self.batch.len() < BATCH {
            true => Ok(()),
            false => self.send(),
        }
    }

    /// Hand over the files gathered so far.
    fn send(&mut self) -> Result<()> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let sent = match &self.queue {
            Some(queue) => queue.send(batch).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The thread ends early only on an error.
        match self.stop() {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Failed(
                "internal error: the file writer stopped early".into(),
            )),
        }
    }

    /// Wait for every file, flush them all at once, and put them in place.
    /// Returns each file's path and outcome in the order they were handed
    /// over; `None` when a new folder's name was taken meanwhile (nothing
    /// was written: hand the files over again to a new `Writer`).
    pub fn finish(mut self) -> Result<Option<Vec<(PathBuf, Outcome)>>> {
        if !self.batch.is_empty() {
            self.send()?;
        }
        let done = self.stop()?;
        match self.staging.take() {
            Some(staging) => self.finish_new(staging, done),
            None => self.finish_existing(done).map(Some),
        }
    }

    /// A new folder: one flush, one rename, the parent flushed.
    fn finish_new(
        &self,
        staging: tempfile::TempDir,
        done: Done,
    ) -> Result<Option<Vec<(PathBuf, Outcome)>>> {
        let dir = &self.dir;
        let parent = parent_of(dir);
        flush(parent).map_err(|e| Error::io(parent, e))?;
        // Where there is no `syncfs`, the folders' names are flushed one by one.
        #[cfg(not(target_os = "linux"))]
        for folder in self
            .folders
            .iter()
            .filter_map(|folder| folder.strip_prefix(dir).ok())
            .map(|folder| staging.path().join(folder))
            .chain(std::iter::once(staging.path().to_path_buf()))
        {
            sync_folder(&folder).map_err(|e| Error::io(dir, e))?;
        }
        if let Err(e) = fs::rename(staging.path(), dir) {
            return match fs::symlink_metadata(dir) {
                // Something took the name meanwhile: the staged folder goes
                // (dropped), and the files are to go into what is there now.
                Ok(_) => Ok(None),
                Err(_) => Err(Error::io(dir, e)),
            };
        }
        // Renamed: there is nothing left under the staging name to remove.
        let _ = staging.keep();
        sync_folder(parent).map_err(|e| Error::io(parent, e))?;
        Ok(Some(done.outcomes))
    }

    /// An existing folder: the new contents were staged beside their
    /// files; one flush makes all of them durable at once (instead of one
    /// `fsync` per file, which was nine tenths of the time), and only then
    /// are they renamed into place, so after a crash each file is whole:
    /// old or new.
    fn finish_existing(&self, done: Done) -> Result<Vec<(PathBuf, Outcome)>> {
        if done.staged.is_empty() {
            return Ok(done.outcomes);
        }
        let dir = &self.dir;
        flush(dir).map_err(|e| Error::io(dir, e))?;
        for (temp, path) in done.staged {
            // On failure the temporary files not yet renamed are removed
            // when dropped; the files renamed so far are whole.
            temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        }
        // The renames themselves are durable once their folders are.
        for folder in std::iter::once(dir).chain(&self.folders) {
            sync_folder(folder).map_err(|e| Error::io(folder, e))?;
        }
        Ok(done.outcomes)
    }

    /// Close the queue and wait for the thread: what it did, or its error.
    fn stop(&mut self) -> Result<Done> {
        drop(self.queue.take());
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(done)) => done,
            Some(Err(_)) => Err(Error::Failed(
                "internal error: the file writer failed".into(),
            )),
            None => Err(Error::Failed(
                "internal error: the file writer was stopped twice".into(),
            )),
        }
    }
}

impl Drop for Writer {
    /// Unfinished (an error while the files were handed over): the thread
    /// is waited for before the staging folder and the staged files go,
    /// so nothing it creates is left behind.
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.stop();
        }
    }
}

/// Where the writer thread writes.
struct Target {
    dir: PathBuf,
    /// The staging folder of a new folder; `None` for an existing one.
    staging: Option<PathBuf>,
    force: bool,
}

impl Target {
    /// Write every file that comes, until the queue closes or one fails
    /// (then the queue is dropped, which tells `Writer::add`).
    fn write_each(self, batches: std::sync::mpsc::Receiver<Vec<Item>>) -> Result<Done> {
        let mut done = Done::default();
        for item in batches.into_iter().flatten() {
            let path = self.dir.join(&item.name);
            let outcome = match &self.staging {
                Some(staging) => {
                    create_exclusive(
                        &staging.join(&item.name),
                        item.content.as_bytes(),
                        item.private,
                    )
                    .map_err(|e| Error::io(&path, e))?;
                    Outcome::Wrote
                }
                None => {
                    let outcome = decide(&path, item.content.as_bytes(), self.force)?;
                    if outcome == Outcome::Wrote {
                        let temp = stage(&path, item.content.as_bytes(), item.private)
                            .map_err(|e| Error::io(&path, e))?;
                        done.staged.push((temp, path.clone()));
                    }
                    outcome
                }
            };
            done.outcomes.push((path, outcome));
        }
        Ok(done)
    }
}

/// The folder `dir` is in (`.` for a bare name).
fn parent_of(dir: &Path) -> &Path {
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Check an existing folder's names and make its sub-folders: nothing is
/// written when a name is refused.
fn prepare_existing(dir: &Path, names: &[&str], folders: &[PathBuf]) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    // Sub-folders of the output folder (`secrets/`) are checked like the
    // files: a link planted there would redirect every write into it.
    let refused: Vec<String> = folders
        .iter()
        .filter_map(|folder| {
            folder_refusal(folder).map(|why| format!("{}: {why}", folder.display()))
        })
        .chain(names.iter().filter_map(|name| {
            let path = dir.join(name);
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
    for folder in folders {
        match fs::create_dir(folder) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(Error::io(folder, e))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The sub-folders the files go into, relative to the output folder: every
/// level (`overlays/` and `overlays/prod/`), outermost first.
fn sub_folders<'a>(names: &[&'a str]) -> Vec<&'a Path> {
    let mut folders: Vec<&Path> = names
        .iter()
        .filter_map(|name| Path::new(*name).parent())
        .flat_map(Path::ancestors)
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// The hidden folder a new folder `dir` is built in, when nothing is at
/// `dir` yet: created beside it under an unpredictable name
/// (`.NAME.XXXXXX.tmp`), with the sub-folders the files go into. One flush
/// then makes everything in it durable, and one rename puts the whole
/// folder in place (`Writer::finish`). There is nothing to compare or
/// protect, so this skips the per-file checks and renames of an existing
/// folder (a rename per file was most of the time left after the single
/// flush), and the folder appears complete or not at all. `None` when
/// `dir` exists: the files are then written file by file.
fn new_folder(dir: &Path, names: &[&str]) -> Result<Option<tempfile::TempDir>> {
    // `.`, `..` and `/` have no name of their own to rename onto.
    let Some(name) = dir.file_name() else {
        return Ok(None);
    };
    if dir.parent().is_none() {
        return Ok(None);
    }
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        _ => return Ok(None),
    }
    let parent = parent_of(dir);
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    // Created with the mode `create_dir` gives (the umask applies), since
    // it becomes the output folder; removed with everything in it when
    // dropped before the rename, so a failure leaves nothing behind.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempdir_in(parent)
        .map_err(|e| Error::io(dir, e))?;
    for folder in sub_folders(names) {
        fs::create_dir(staging.path().join(folder)).map_err(|e| Error::io(dir.join(folder), e))?;
    }
    Ok(Some(staging))
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

/// What the writer does with one file of an existing folder.
fn decide(path: &Path, content: &[u8], force: bool) -> Result<Outcome> {
    Ok(match holds(path, content)? {
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

    /// The files of a folder and its sub-folders, hidden ones included.
    fn everything_in(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                for inner in everything_in(&path) {
                    found.push(format!(
                        "{}/{inner}",
                        path.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn a_new_folder_stopped_while_files_are_handed_over_leaves_nothing_behind() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("k8s");
        let names = ["a.yaml", "secrets/b.yaml", "c.yaml"];
        let err = write_with(&dir, &names, false, |writer| {
            writer.add("a.yaml", "a\n".into(), false)?;
            writer.add("secrets/b.yaml", "b\n".into(), true)?;
            // What renders the next file fails.
            Err(Error::Failed("rendering stopped".into()))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "rendering stopped");
        assert_eq!(
            everything_in(parent.path()),
            Vec::<String>::new(),
            "neither the folder nor its staging folder is left"
        );
    }

    #[test]
    fn an_existing_folder_stopped_while_files_are_handed_over_keeps_every_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let set = vec![
            OutputFile::new("a.yaml", "a\n"),
            OutputFile::new("secrets/b.yaml", "b\n"),
        ];
        write_all(dir.path(), &set, false).unwrap();
        let err = write_with(dir.path(), &["a.yaml", "secrets/b.yaml"], true, |writer| {
            writer.add("a.yaml", "a2\n".into(), false)?;
            Err(Error::Failed("rendering stopped".into()))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "rendering stopped");
        assert_eq!(
            everything_in(dir.path()),
            ["a.yaml", "secrets", "secrets/b.yaml"]
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "a\n"
        );
    }

    #[test]
    fn a_file_the_writer_cannot_write_stops_it_naming_the_path_and_nothing_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let set = vec![
            OutputFile::new("a.yaml", "a\n"),
            OutputFile::new("b.yaml", "b\n"),
        ];
        write_all(dir.path(), &set, false).unwrap();
        let names = ["a.yaml", "b.yaml", "c.yaml"];
        let err = write_with(dir.path(), &names, true, |writer| {
            // Checked when the writer started; a folder appears meanwhile.
            fs::remove_file(dir.path().join("b.yaml")).unwrap();
            fs::create_dir(dir.path().join("b.yaml")).unwrap();
            writer.add("a.yaml", "a2\n".into(), false)?;
            writer.add("b.yaml", "b2\n".into(), false)?;
            // The writer may take a moment to stop: every later file is
            // refused, with the writer's error.
            for _ in 0..(QUEUE + 2) * BATCH {
                writer.add("c.yaml", "c\n".into(), false)?;
            }
            Ok(())
        })
        .unwrap_err()
        .to_string();
        let path = dir.path().join("b.yaml").display().to_string();
        assert!(err.starts_with(&format!("{path}: found a folder")), "{err}");
        assert_eq!(
            everything_in(dir.path()),
            ["a.yaml", "b.yaml"],
            "no temporary file left"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            "a\n"
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
