//! Whole-process costs, the release binary run as a user runs it:
//!
//! - `startup`: `kubectl-wizard version` next to `true`, spawned and
//!   waited for, in wall time and in CPU time (user + system, from
//!   `wait4`: steadier than wall time on a shared machine), then both run
//!   in turns and the ratio of their medians printed (the target of issue
//!   13: `version` within 1.5× of `true`);
//! - `seed-cpu`: CPU time (user + system) of rendering the StatefulSet
//!   example to stdout;
//! - `files`: at 1,000 and 10,000 services, `render -o yaml > file` next
//!   to `render --output-dir` into a new folder and into one that already
//!   holds the same files (wall time: the flush to disk is the point; the
//!   target is the folder within 2x of the stream), and the floor under
//!   both: the same files created by a plain loop and flushed once, with
//!   nothing rendered;
//! - peak memory (printed, not timed) of `render -o yaml` and `-o json` at
//!   1,000 and 10,000 services, and the size of their output; and of
//!   `validate` on the hostile states of `hostile.rs` (issue 10's targets:
//!   well under a second and 200 MB each).
//!
//! `cargo bench --bench process` measures; `cargo test --benches` runs each
//! once at 100 services, to check that it still works. `BENCH_WIZARD=PATH`
//! runs another build of the plugin (a "before" binary) instead of this
//! one, for paired runs.

#[path = "hostile_states.rs"]
mod hostile_states;
#[path = "support/states.rs"]
mod states;
#[path = "support/turns.rs"]
mod turns;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// What the kernel counted for one finished child.
struct Usage {
    wall: Duration,
    cpu: Duration,
    max_rss_bytes: u64,
}

/// Run `command` to its end, which must be a success; its usage.
fn run(command: &mut Command) -> Usage {
    run_to(command, 0)
}

/// Run `command` to its end, which must be exit code `code`; its usage,
/// from `wait4` (this child's only, unlike `RUSAGE_CHILDREN`).
// The child is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_to(command: &mut Command, code: i32) -> Usage {
    let start = Instant::now();
    let child = command.spawn().expect("cannot start the command");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for; both pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == code,
        "{command:?} failed: {status}"
    );
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Usage {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss_bytes: usage.ru_maxrss as u64 * 1024,
    }
}

/// This build of the plugin, or the one `BENCH_WIZARD` names.
fn wizard_binary() -> std::ffi::OsString {
    std::env::var_os("BENCH_WIZARD").unwrap_or_else(|| env!("CARGO_BIN_EXE_kubectl-wizard").into())
}

fn wizard(args: &[&str]) -> Command {
    plugin(&wizard_binary(), args)
}

/// A build of the plugin, run with `args` and no terminal.
fn plugin(plugin_binary: &std::ffi::OsStr, args: &[&str]) -> Command {
    let mut command = Command::new(plugin_binary);
    command
        .args(args)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.bench_function("true", |b| b.iter(|| run(&mut true_command())));
    group.bench_function("version", |b| b.iter(|| run(&mut wizard(&["version"]))));
    group.finish();
    let mut group = c.benchmark_group("startup-cpu");
    group.bench_function("true", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| run(&mut true_command()).cpu).sum())
    });
    group.bench_function("version", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| run(&mut wizard(&["version"])).cpu)
                .sum()
        })
    });
    group.finish();
    startup_ratio();
}

/// The baseline: a process that does nothing, started the same way.
fn true_command() -> Command {
    let mut command = Command::new("true");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The build the Linux release archives hold (static-PIE on musl, see
/// `release.yml`), when it was built into this target folder with
/// `cargo build --release --target x86_64-unknown-linux-musl`. It starts
/// without the dynamic loader, which is most of what `version` costs a
/// glibc build.
fn released_binary() -> Option<PathBuf> {
    let this = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-wizard"));
    let target = this.parent()?.parent()?;
    let musl = target.join("x86_64-unknown-linux-musl/release/kubectl-wizard");
    musl.is_file().then_some(musl)
}

/// `version` and `true` in turns (so that both see the same load), and the
/// ratio of their medians, in CPU and in wall time: for this build and,
/// when it is there, the build the release archives hold.
fn startup_ratio() {
    startup_ratio_of("", wizard_binary().into());
    if let Some(released) = released_binary() {
        startup_ratio_of(" (musl static-PIE, as released)", released);
    }
}

fn startup_ratio_of(label: &str, binary: PathBuf) {
    let rounds = if measuring() { 3_000 } else { 20 };
    let (mut baseline, mut version) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        baseline.push(run(&mut true_command()));
        version.push(run(&mut plugin(binary.as_os_str(), &["version"])));
    }
    let median = |runs: &[Usage], time: fn(&Usage) -> Duration| {
        let mut times: Vec<Duration> = runs.iter().map(time).collect();
        times.sort();
        times[times.len() / 2]
    };
    for (what, time) in [
        ("CPU", (|u: &Usage| u.cpu) as fn(&Usage) -> Duration),
        ("wall", |u| u.wall),
    ] {
        let (t, v) = (median(&baseline, time), median(&version, time));
        println!(
            "startup/{what}{label}: version {:.0} µs, true {:.0} µs: {:.2}× (medians of {rounds} runs in turns)",
            v.as_secs_f64() * 1e6,
            t.as_secs_f64() * 1e6,
            v.as_secs_f64() / t.as_secs_f64()
        );
    }
}

fn seed_cpu(c: &mut Criterion) {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/statefulset.yaml");
    let seed = seed.to_str().expect("UTF-8 path");
    let mut group = c.benchmark_group("seed-cpu");
    group.bench_function("render -o yaml", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| run(&mut wizard(&["render", "-f", seed, "-o", "yaml"])).cpu)
                .sum()
        })
    });
    group.finish();
}

/// A scratch folder with a state of `count` services, removed when dropped.
struct Scratch {
    dir: tempfile::TempDir,
    state: PathBuf,
}

impl Scratch {
    fn new(count: usize) -> Scratch {
        let dir = tempfile::tempdir().expect("scratch folder");
        let state = dir.path().join("state.yaml");
        std::fs::write(&state, states::state(count)).expect("state");
        Scratch { dir, state }
    }

    fn state(&self) -> &str {
        self.state.to_str().expect("UTF-8 path")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn files(c: &mut Criterion) {
    let counts: &[usize] = if measuring() {
        &[1_000, 10_000]
    } else {
        &[100]
    };
    // Every folder made stays until all sizes are measured: removing one
    // size's folders would slow the next size's creates (see below).
    let scratches: Vec<Scratch> = counts.iter().map(|&count| files_at(c, count)).collect();
    drop(scratches);
}

/// Measure one size; its scratch folder, with everything written, is
/// returned to be removed later.
fn files_at(c: &mut Criterion, count: usize) -> Scratch {
    let scratch = Scratch::new(count);
    let state = scratch.state();
    let stream = scratch.path("stream.yaml");
    let to_stream = || {
        let file = File::create(&stream).expect("output file");
        run(wizard(&["render", "-f", state, "-o", "yaml"]).stdout(file)).wall
    };
    // A fresh folder name each time, all removed after the last size:
    // removing the previous one just before would measure the file system
    // instead (ext4 without a journal skips recently freed inodes, scanning
    // past tens of thousands of them for every file created for a minute
    // or more; `cp -r` and a plain write loop pay the same then).
    let made = std::cell::Cell::new(0);
    let fresh = |kind: &str| {
        made.set(made.get() + 1);
        scratch.path(kind).join(made.get().to_string())
    };
    let to_new_folder = || {
        let dir = fresh("new");
        let dir = dir.to_str().expect("UTF-8 path");
        run(&mut wizard(&["render", "-f", state, "--output-dir", dir])).wall
    };
    // The floor under `--output-dir new`: the same files, already in
    // memory, created in a new folder by a plain loop (create, write,
    // close) and flushed with one `syncfs`, with nothing read, checked or
    // rendered. What the file system costs is the most any writer of these
    // files can gain on.
    let files = rendered_files(&scratch, state);
    let floor = || create_and_flush(&fresh("floor"), &files);
    let mut group = c.benchmark_group(format!("files-{count}"));
    group.sample_size(10);
    group.sampling_mode(criterion::SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(100));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("-o yaml > file", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| to_stream()).sum())
    });
    group.bench_function("--output-dir new", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| to_new_folder()).sum())
    });
    group.bench_function("plain loop floor", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| floor()).sum())
    });
    let out = scratch.path("out");
    group.bench_function("--output-dir unchanged", |b| {
        let dir = out.to_str().expect("UTF-8 path");
        run(&mut wizard(&["render", "-f", state, "--output-dir", dir]));
        b.iter(|| run(&mut wizard(&["render", "-f", state, "--output-dir", dir])))
    });
    group.finish();
    // Target 1 in turns, each round the three one after the other, so that
    // each ratio compares runs that saw the same state of the machine.
    let rounds = if measuring() { 9 } else { 1 };
    let mut ratios: [Vec<f64>; 2] = Default::default();
    for _ in 0..rounds {
        let stream = to_stream().as_secs_f64();
        ratios[0].push(to_new_folder().as_secs_f64() / stream);
        ratios[1].push(floor().as_secs_f64() / stream);
    }
    for (what, ratios) in ["--output-dir new", "plain loop floor"]
        .into_iter()
        .zip(ratios)
    {
        println!(
            "files-{count}/ratio of {what} to `-o yaml > file`: {}",
            turns::summary(ratios)
        );
    }
    scratch
}

/// Every file `render --output-dir` writes for `state`, by path relative
/// to the folder: rendered once, then read back.
fn rendered_files(scratch: &Scratch, state: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = scratch.path("rendered");
    let dir_text = dir.to_str().expect("UTF-8 path");
    run(&mut wizard(&[
        "render",
        "-f",
        state,
        "--output-dir",
        dir_text,
    ]));
    let mut files = Vec::new();
    let mut folders = vec![dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("rendered folder") {
            let path = entry.expect("folder entry").path();
            match path.is_dir() {
                true => folders.push(path),
                false => {
                    let content = std::fs::read(&path).expect("rendered file");
                    let relative = path.strip_prefix(&dir).expect("inside").to_path_buf();
                    files.push((relative, content));
                }
            }
        }
    }
    // Created in name order, as render creates them.
    files.sort();
    files
}

/// Create `files` in the new folder `dir` and flush them with one `syncfs`:
/// the wall time it took.
fn create_and_flush(dir: &Path, files: &[(PathBuf, Vec<u8>)]) -> Duration {
    use std::io::Write as _;
    use std::os::fd::AsRawFd as _;
    let start = Instant::now();
    let folders: std::collections::BTreeSet<&Path> =
        files.iter().filter_map(|(name, _)| name.parent()).collect();
    for folder in folders {
        std::fs::create_dir_all(dir.join(folder)).expect("floor folder");
    }
    for (name, content) in files {
        let mut file = File::create_new(dir.join(name)).expect("floor file");
        file.write_all(content).expect("floor write");
    }
    let folder = File::open(dir).expect("floor folder");
    // SAFETY: syncfs only reads the descriptor, which `folder` keeps open.
    assert_eq!(
        unsafe { libc::syncfs(folder.as_raw_fd()) },
        0,
        "syncfs failed"
    );
    start.elapsed()
}

/// Peak memory is not a time; it is printed beside the timings.
fn memory(_: &mut Criterion) {
    let counts: &[usize] = if measuring() {
        &[1_000, 10_000]
    } else {
        &[100]
    };
    for &count in counts {
        let scratch = Scratch::new(count);
        let state_size = std::fs::metadata(&scratch.state).map_or(0, |m| m.len());
        for format in ["yaml", "json"] {
            let output = scratch.path("output");
            let file = File::create(&output).expect("output file");
            let usage = run(wizard(&["render", "-f", scratch.state(), "-o", format]).stdout(file));
            let size = std::fs::metadata(&output).map_or(0, |m| m.len());
            println!(
                "memory/{count} services/-o {format}: peak RSS {:.1} MiB, output {:.1} MB, state {:.1} MB, {:.0} ms CPU",
                usage.max_rss_bytes as f64 / 1048576.0,
                size as f64 / 1e6,
                state_size as f64 / 1e6,
                usage.cpu.as_secs_f64() * 1000.0
            );
            let _ = std::fs::remove_file(&output);
        }
        // The floor under both: reading and checking the state.
        let usage = run(&mut wizard(&["validate", "-f", scratch.state()]));
        println!(
            "memory/{count} services/validate: peak RSS {:.1} MiB, {:.0} ms CPU",
            usage.max_rss_bytes as f64 / 1048576.0,
            usage.cpu.as_secs_f64() * 1000.0
        );
    }
    let scale = if measuring() { 1 } else { 100 };
    let hostile = [
        (
            "20,000-service dependency chain",
            hostile_states::dependency_chain(20_000 / scale),
            0,
        ),
        (
            "100,000 unknown keys",
            hostile_states::unknown_keys(100_000 / scale),
            0,
        ),
        // Refused at the limit on the values an alias expands to.
        ("318 KB alias bomb", hostile_states::alias_bomb(), 2),
    ];
    let scratch = Scratch::new(0);
    for (name, text, code) in hostile {
        std::fs::write(&scratch.state, text).expect("state");
        let usage = run_to(&mut wizard(&["validate", "-f", scratch.state()]), code);
        println!(
            "memory/validate {name}: peak RSS {:.1} MiB, {:.0} ms CPU, exit {code}",
            usage.max_rss_bytes as f64 / 1048576.0,
            usage.cpu.as_secs_f64() * 1000.0
        );
    }
}

criterion_group!(benches, startup, seed_cpu, files, memory);
criterion_main!(benches);
