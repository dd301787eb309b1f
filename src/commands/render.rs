//! `kubectl wizard render`: files in the output folder, or a stream on stdout.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, OutputFormat, RenderArgs};
use crate::error::{Error, Result, EXIT_OK};
use crate::files::{self, Outcome, OutputFile};
use crate::pipeline::{Build, Files, Keep};
use crate::render::{self, Manifest, Stream, StreamFormat, SECRET_PLACEHOLDER as PLACEHOLDER};

pub fn run(global: &GlobalArgs, args: &RenderArgs) -> Result<i32> {
    if args.explain {
        return super::render_explain::run(global, args);
    }
    let files = match (args.output, &args.output_dir) {
        (Some(_), _) => Files::None,
        (None, Some(_)) => Files::OneFolder,
        (None, None) => Files::StateOutputDirs,
    };
    let request = crate::substitute::Request {
        variables: args.substitute || !args.env_file.is_empty(),
        allow_unset: args.allow_unset,
        secrets: args.include_secret_values,
    };
    // Printed or written, the objects are rendered again one by one as
    // they go out (so memory is that of one object), unless Secret values
    // are filled from the environment: they fill kept objects. Files need
    // the environments (the overlays).
    let keep = Keep {
        objects: request.secrets,
        environments: args.output.is_none(),
    };
    let build = super::values::load(
        global,
        &args.state,
        super::input::Wizard::WhenTerminal,
        files,
        keep,
        &request,
        &args.env_file,
    )?;
    let Some(format) = args.output else {
        // The overlays of environments are made from the kept objects.
        let mut build = build;
        if !build.environments.is_empty() {
            build.keep_all_objects();
        }
        write_files(&build, args)?;
        return Ok(EXIT_OK);
    };
    // A printed stream is typically piped into `kubectl apply`, which would
    // write the Secrets' placeholders over live values.
    let printed = |m: &Manifest| args.include_secrets || !m.is_secret();
    let format = match format {
        OutputFormat::Yaml => StreamFormat::Yaml,
        OutputFormat::Json => StreamFormat::Json,
    };
    // Streamed object by object: the whole output is never held in memory
    // (the state was checked completely before the first byte).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = Stream::new(&mut out, format)
        .and_then(|mut stream| {
            build.for_each(|m| match printed(m) {
                true => stream.write(m),
                false => Ok(()),
            })?;
            stream.finish()
        })
        .and_then(|_| out.flush());
    match written {
        // A reader that went away (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(Error::io("<stdout>", e))
        }
        _ => {}
    }
    let secrets: Vec<&str> = build
        .objects
        .iter()
        .filter(|id| id.is_secret())
        .map(|id| id.name.as_str())
        .collect();
    if !secrets.is_empty() && !args.include_secrets {
        eprintln!("{}", left_out_note(&secrets, &build.project.namespace));
    }
    Ok(EXIT_OK)
}

/// The one line that says Secrets were left out of a printed stream, and
/// how their values get into the cluster.
pub(super) fn left_out_note(names: &[&str], namespace: &str) -> String {
    format!(
        "note: left out {} Secret(s) ({}): they hold only the {PLACEHOLDER} placeholder, which kubectl apply would write over live values; \
         set real ones with `kubectl create secret generic {} -n {namespace} --from-literal=KEY=VALUE`, \
         or let `kubectl wizard apply` create them (it never replaces a live value); --include-secrets prints them",
        names.len(),
        names.join(", "),
        names[0],
    )
}

/// The one line that says where the Secret files went, and why.
fn secrets_dir_note(count: usize, dir: &Path, namespace: &str) -> String {
    format!(
        "note: {count} Secret(s) with the {PLACEHOLDER} placeholder are in {}, which kustomization.yaml leaves out so that kubectl apply -k/-f cannot write their placeholders over live values; \
         set real ones with `kubectl create secret generic NAME -n {namespace} --from-literal=KEY=VALUE`, \
         or let `kubectl wizard apply` create them (it never replaces a live value)",
        dir.join(render::SECRETS_DIR).display(),
    )
}

/// The files of a build: one per object, then `kustomization.yaml`.
/// Secret manifests are readable by their owner only.
pub fn file_set(build: &Build) -> Vec<OutputFile> {
    let mut files = Vec::with_capacity(build.manifests.len() + 1);
    for manifest in &build.manifests {
        files.push(OutputFile {
            name: manifest.file_name.clone(),
            content: crate::yaml::value_to_string(&manifest.object),
            private: manifest.is_secret(),
        });
    }
    files.push(OutputFile::new(KUSTOMIZATION, build.kustomization()));
    if build.environments.is_empty() {
        return files;
    }
    // With environments: the base in base/, an overlay per environment in
    // overlays/<name>/ (kustomize refuses an overlay inside its base).
    for file in &mut files {
        file.name = format!("{BASE_DIR}/{}", file.name);
    }
    let base: Vec<&Manifest> = build.manifests.iter().filter(|m| !m.is_secret()).collect();
    for environment in &build.environments {
        let objects: Vec<&Manifest> = environment
            .manifests
            .iter()
            .filter(|m| !m.is_secret())
            .collect();
        let overlay = render::overlay::files(
            &base,
            &build.project.namespace,
            &objects,
            &environment.namespace,
            &format!("../../{BASE_DIR}"),
        );
        for file in overlay {
            files.push(OutputFile::new(
                format!("overlays/{}/{}", environment.name, file.name),
                file.content,
            ));
        }
    }
    files
}

/// Where the base goes when the state has environments.
const BASE_DIR: &str = "base";

/// The file that lists the others, and records what render wrote.
const KUSTOMIZATION: &str = "kustomization.yaml";

fn write_files(build: &Build, args: &RenderArgs) -> Result<()> {
    let dir = match args.output_dir.as_deref() {
        // The command line may point anywhere.
        Some(dir) => PathBuf::from(dir),
        // A state's folder stays in the working directory, links followed.
        None => {
            let dir = PathBuf::from(&build.project.output_dir);
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            files::confine(&cwd, &dir)?;
            dir
        }
    };
    let streamed = build.environments.is_empty();
    let whole = match streamed {
        true => Vec::new(),
        false => file_set(build),
    };
    let names: Vec<&str> = match streamed {
        true => build
            .objects
            .iter()
            .map(|id| id.file_name.as_str())
            .chain(std::iter::once(KUSTOMIZATION))
            .collect(),
        false => whole.iter().map(|file| file.name.as_str()).collect(),
    };
    // What the previous render wrote, read before this one replaces it;
    // stale files that stay are recorded again, so --prune can still
    // remove them later.
    let previous = read_record(&dir.join(KUSTOMIZATION))
        .and_then(|text| render::record::written(&text))
        .unwrap_or_default();
    let stale = render::record::stale(&previous, &names);
    let outcomes = match streamed {
        true => write_streamed(build, &dir, &names, &stale, args)?,
        // With environments (base/ and overlays/, no kustomization.yaml
        // at the top to record anything in) the files are made whole
        // first: the overlays are made from the base's objects.
        false => files::write_all(&dir, &whole, args.force)?,
    };
    // One write for the whole report: ten thousand files are as many lines.
    let mut report = String::new();
    let mut skipped = 0;
    for (path, outcome) in &outcomes {
        let path = path.display();
        let _ = match outcome {
            Outcome::Wrote => writeln!(report, "wrote     {path}"),
            Outcome::Unchanged => writeln!(report, "unchanged {path}"),
            Outcome::Skipped => {
                skipped += 1;
                writeln!(
                    report,
                    "skipped   {path} (differs from what would be written; --force overwrites it)"
                )
            }
        };
    }
    // A reader that went away (`| head`) does not undo the files written.
    let _ = super::emit(&report);
    clean_up(&dir, &stale, args.prune)?;
    let secrets = build.objects.iter().filter(|id| id.is_secret()).count();
    if secrets > 0 {
        let base = match build.environments.is_empty() {
            true => dir.clone(),
            false => dir.join(BASE_DIR),
        };
        eprintln!(
            "{}",
            secrets_dir_note(secrets, &base, &build.project.namespace)
        );
    }
    if skipped > 0 {
        return Err(Error::Incomplete(format!(
            "{skipped} file(s) in {} differ from what the state generates and were not overwritten; run again with --force to replace them",
            dir.display()
        )));
    }
    Ok(())
}

/// The objects, each rendered again and handed to the writer thread as
/// YAML while that thread writes the ones before, then `kustomization.yaml`,
/// which records the stale files that stay (unless `--prune`).
fn write_streamed(
    build: &Build,
    dir: &Path,
    names: &[&str],
    stale: &[String],
    args: &RenderArgs,
) -> Result<Vec<(PathBuf, Outcome)>> {
    let kept: Vec<&String> = match args.prune {
        true => Vec::new(),
        false => stale
            .iter()
            .filter(|name| is_regular_file(&dir.join(name)))
            .collect(),
    };
    let record = render::record::with_secret_files(build.kustomization(), &kept);
    files::write_with(dir, names, args.force, |writer| {
        build.for_each(|m| {
            let content = crate::yaml::value_to_string(&m.object);
            writer.add(m.file_name.as_str(), content, m.is_secret())
        })?;
        writer.add(KUSTOMIZATION, record.clone(), false)
    })
}

/// The previous `kustomization.yaml`, read only when it is a regular file
/// of a size render writes (a FIFO would block, a huge file fill memory;
/// `files::write_all` then refuses or skips them as usual).
fn read_record(path: &Path) -> Option<String> {
    const LARGEST: u64 = 1 << 20;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.len() > LARGEST {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Files an earlier render wrote that the state no longer generates:
/// listed, or removed with `--prune`. Only regular files are removed (a
/// link or folder of that name is not the tool's).
fn clean_up(dir: &Path, stale: &[String], prune: bool) -> Result<()> {
    let mut remaining = 0;
    for name in stale {
        let path = dir.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_file() => {
                if prune {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                    say!("removed   {}", path.display());
                } else {
                    remaining += 1;
                    say!(
                        "stale     {} (an earlier render wrote it; the state no longer generates it)",
                        path.display()
                    );
                }
            }
            Ok(_) => eprintln!("note: {} is not a regular file; left alone", path.display()),
            Err(_) => {}
        }
    }
    if remaining > 0 {
        eprintln!(
            "note: {remaining} stale file(s) remain in {}; render --prune removes them",
            dir.display()
        );
    }
    Ok(())
}
