//! Reading the states named by `-f` (files, folders, `-`) and building
//! them into one set.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, StateArgs};
use crate::diag::Diagnostics;
use crate::error::{Error, Result};
use crate::pipeline::{self, Build, BuildOptions, Files, Keep};
use crate::yaml;

/// Whether a command without `-f` may ask for the state interactively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wizard {
    /// On a terminal, run the wizard (render, diff, apply).
    WhenTerminal,
    /// Never: `-f` is required (validate).
    Never,
}

/// Extensions of the state files a folder given to `-f` contributes.
const STATE_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// The states' texts, each with the name to use for it in messages.
/// Without `-f`, the wizard asks for one when allowed and stdin and stderr
/// are terminals; otherwise the command fails at once instead of waiting
/// for input.
pub fn read_states(
    global: &GlobalArgs,
    args: &StateArgs,
    wizard: Wizard,
) -> Result<Vec<(String, String)>> {
    if args.filename.is_empty() {
        return match wizard {
            Wizard::WhenTerminal => {
                crate::interactive::state_for_command(global.namespace.as_deref())
                    .map(|state| vec![state])
            }
            Wizard::Never => Err(Error::Usage(
                "no state given: pass -f FILE (or -f - to read standard input)".into(),
            )),
        };
    }
    if args.filename.iter().filter(|f| *f == "-").count() > 1 {
        return Err(Error::Usage(
            "-f - (standard input) may be given only once".into(),
        ));
    }
    let mut states = Vec::new();
    for name in &args.filename {
        if name == "-" {
            let text = read_bounded(std::io::stdin().lock(), "<stdin>")?;
            states.push((text, "<stdin>".to_string()));
            continue;
        }
        for path in expand(Path::new(name), args.recursive)? {
            let shown = path.display().to_string();
            let file = std::fs::File::open(&path).map_err(|e| match e.kind() {
                // kubectl's words for the same mistake.
                std::io::ErrorKind::NotFound => {
                    Error::Failed(format!("the path \"{shown}\" does not exist"))
                }
                _ => Error::io(&path, e),
            })?;
            let text = read_bounded(file, &shown)?;
            states.push((text, shown));
        }
    }
    Ok(states)
}

/// Read at most `yaml::MAX_BYTES` and decode them as UTF-8 (a byte order
/// mark is fine); too much or undecodable text is a syntax error (exit 2)
/// with the byte offset.
pub fn read_bounded(source: impl Read, name: &str) -> Result<String> {
    let mut bytes = Vec::new();
    source
        .take(yaml::MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    let syntax = |e| pipeline::syntax_error(name, e);
    if bytes.len() as u64 > yaml::MAX_BYTES {
        return Err(syntax(yaml::SyntaxError {
            line: None,
            column: None,
            message: format!(
                "the state is larger than {} MiB; a state is a few hundred kilobytes at most",
                yaml::MAX_BYTES >> 20
            ),
        }));
    }
    yaml::decode(bytes).map_err(syntax)
}

/// A file as it is; a folder as its state files in name order (and, with
/// `-R`, those of its sub-folders), as `kubectl apply -f DIR [-R]` reads
/// a folder. A folder without any is an error: nothing to do is surely
/// not what was meant.
fn expand(path: &Path, recursive: bool) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    collect(path, recursive, &mut found)?;
    if found.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the folder holds no state files (*.yaml, *.yml, *.json){}",
            path.display(),
            if recursive {
                ""
            } else {
                "; -R also reads its sub-folders"
            }
        )));
    }
    Ok(found)
}

fn collect(dir: &Path, recursive: bool, found: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(dir, e))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if recursive {
                collect(&path, recursive, found)?;
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| STATE_EXTENSIONS.contains(&e))
        {
            found.push(path);
        }
    }
    Ok(())
}

/// A build as a command holds it: until the process ends. A command is the
/// last thing a process does, and the build is most of its memory: freed
/// object by object as the command returns, it cost 6% of a diff of
/// 10,000 services, work nobody waits for that the exit does at once.
pub type Held = std::mem::ManuallyDrop<Build>;

/// Read (or ask for), check and render the states, keeping the objects
/// (not the environments); warnings are printed on the way.
pub fn load_build(global: &GlobalArgs, args: &StateArgs) -> Result<Held> {
    load_build_with(
        global,
        args,
        Wizard::WhenTerminal,
        Files::None,
        Keep::OBJECTS,
    )
}

/// `load_build`, saying whether the wizard may ask for a missing state,
/// whether the set becomes files (which adds the checks of
/// `pipeline::merge`) and what the command uses. Several states are built
/// one by one, every problem of every file reported (each line naming its
/// file), then merged.
pub fn load_build_with(
    global: &GlobalArgs,
    args: &StateArgs,
    wizard: Wizard,
    files: Files,
    keep: Keep,
) -> Result<Held> {
    load_build_each(global, args, wizard, files, keep, &mut |_| Ok(())).map(Held::new)
}

/// `load_build_with`, with `each` run on every state's build before the
/// merge (filling values from the environment needs each state's model).
pub fn load_build_each(
    global: &GlobalArgs,
    args: &StateArgs,
    wizard: Wizard,
    files: Files,
    keep: Keep,
    each: &mut dyn FnMut(&mut Build) -> Result<()>,
) -> Result<Build> {
    let states = read_states(global, args, wizard)?;
    // Merging compares the objects of several states.
    let keep = Keep {
        objects: keep.objects || states.len() > 1,
        ..keep
    };
    let options = BuildOptions {
        namespace: global.namespace.clone(),
        strict: args.strict,
        environment: args.environment.clone(),
    };
    if let [(text, name)] = states.as_slice() {
        let mut build = pipeline::build_keeping(text, name, &options, keep)?;
        super::print_warnings(&build.warnings);
        each(&mut build)?;
        return Ok(build);
    }
    let mut builds = Vec::with_capacity(states.len());
    let mut problems = Diagnostics::default();
    for (text, name) in &states {
        match pipeline::build_keeping(text, name, &options, keep).and_then(|mut build| {
            each(&mut build)?;
            Ok(build)
        }) {
            Ok(mut build) => {
                for warning in &mut build.warnings {
                    warning.path = in_file(name, &warning.path);
                }
                builds.push((name.clone(), build));
            }
            Err(Error::Invalid(diagnostics)) => {
                for mut item in diagnostics.items {
                    item.path = in_file(name, &item.path);
                    problems.items.push(item);
                }
            }
            // A syntax error names its file already; the others are still
            // read so that each file's problems show at once.
            Err(syntax @ Error::Syntax { .. }) => problems.error("", syntax.to_string()),
            Err(other) => return Err(other),
        }
    }
    if problems.has_errors() {
        return Err(Error::Invalid(problems));
    }
    let build = pipeline::merge(builds, files)?;
    super::print_warnings(&build.warnings);
    Ok(build)
}

/// `file: path` for a diagnostic of one of several states.
fn in_file(name: &str, path: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {path}")
    }
}
