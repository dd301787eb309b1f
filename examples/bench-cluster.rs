//! Apply and diff of ~300 objects against the test API server with 5 ms
//! added latency per request, kubectl-wizard beside kubectl:
//!
//! ```text
//! cargo build --release && cargo run --release --example bench-cluster
//! cargo run --release --example bench-cluster -- --services 75 --latency-ms 5 --runs 3
//! ```
//!
//! Each tool gets its own namespace on the same server (so both create the
//! same number of objects), then re-applies and diffs an unchanged state.
//! kubectl's discovery cache is warmed first, as on a user's machine.
//!
//! Each line gives the median wall time and, for the same run, the CPU
//! time of the tool (user + system), the CPU time of the test API server
//! (it runs in this process) and the requests the server received: on a
//! machine of 2 shared cores the CPU shows what the wall time hides.
//! The lines of kubectl-wizard also say where the wall time outside the
//! requests goes: from the start to the first request's arrival, from
//! then to the first write's, and from the last answer to the exit.
//!
//! `--idle-objects N` then measures the test API server itself: the CPU
//! time it spends over 5 idle seconds holding N objects, with its rollout
//! controller running (it should wake on changes only).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use support::{ServerOptions, TestApiServer};

#[derive(Parser)]
struct Args {
    /// Services in the generated state; each gives 4 objects (ConfigMap,
    /// Secret, Service, Deployment), plus the Namespace.
    #[arg(long, default_value_t = 75)]
    services: usize,
    #[arg(long, default_value_t = 5)]
    latency_ms: u64,
    /// The tool's default `--concurrency`, for the bound of the runs
    /// that do not set it.
    #[arg(long, default_value_t = 16)]
    concurrency: u32,
    /// Timed runs of each re-apply and diff (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The kubectl-wizard binary (default: next to this example).
    #[arg(long)]
    wizard: Option<PathBuf>,
    #[arg(long, default_value = "/usr/bin/kubectl")]
    kubectl: PathBuf,
    /// Concurrency values to time apply (unchanged and new) and diff
    /// with, against the bound requests × latency / concurrency.
    #[arg(long, value_delimiter = ',', default_values_t = [8u32, 16, 32])]
    sweep: Vec<u32>,
    /// Also measure the CPU an idle server with about this many objects
    /// (and its controller) uses over 5 seconds; 0 = skip.
    #[arg(long, default_value_t = 0)]
    idle_objects: usize,
}

fn state_text(namespace: &str, services: usize) -> String {
    let mut text = format!("namespace: {namespace}\n_services:\n");
    for i in 0..services {
        text.push_str(&format!(
            "  - name: svc-{i}\n    image: \"nginx:1.27\"\n    port: 8080\n    replicas: 2\n    envVars:\n      - {{key: MODE, value: fast}}\n      - {{key: TOKEN, type: secret}}\n"
        ));
    }
    text
}

struct Tools {
    wizard: PathBuf,
    kubectl: PathBuf,
    kubeconfig: PathBuf,
    home: PathBuf,
}

/// One timed run of a tool.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    /// User + system time of the tool's process.
    tool_cpu: Duration,
    /// User + system time of this process meanwhile: the test API server.
    server_cpu: Duration,
    /// Requests the test API server received.
    requests: usize,
    /// The sum over those requests of the time from arrival to answer at
    /// the server (the latency and the server's own work).
    answering: Duration,
    /// Where the wall time outside the requests went: from the start of
    /// the tool to its first request's arrival (process start, reading the
    /// state, connecting), from then to the first write's arrival (the
    /// reads the writes wait for), and from the last answer to the tool's
    /// exit.
    to_first: Duration,
    to_first_write: Duration,
    after_last: Duration,
}

impl Tools {
    /// Run a tool and time it; returns the sample and exit status.
    fn time(&self, server: &TestApiServer, program: &Path, args: &[&str]) -> (Sample, i32) {
        let requests = server.requests().len();
        let answered = server.answers().len();
        let (children, own) = (cpu(libc::RUSAGE_CHILDREN), cpu(libc::RUSAGE_SELF));
        let start = Instant::now();
        let output = Command::new(program)
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env("HOME", &self.home)
            .env_remove("KUBECONFIG")
            .output()
            .expect("cannot run the tool");
        let end = Instant::now();
        let (tool_cpu, server_cpu) = (
            cpu(libc::RUSAGE_CHILDREN).saturating_sub(children),
            cpu(libc::RUSAGE_SELF).saturating_sub(own),
        );
        let answers = server.answers().split_off(answered);
        let first = answers.iter().map(|a| a.arrived).min().unwrap_or(end);
        let first_write = answers
            .iter()
            .filter(|a| a.write)
            .map(|a| a.arrived)
            .min()
            .unwrap_or(first);
        let last = answers.iter().map(|a| a.answered).max().unwrap_or(end);
        let sample = Sample {
            wall: end - start,
            tool_cpu,
            server_cpu,
            requests: server.requests().len() - requests,
            answering: answers.iter().map(|a| a.answered - a.arrived).sum(),
            to_first: first.saturating_duration_since(start),
            to_first_write: first_write.saturating_duration_since(first),
            after_last: end.saturating_duration_since(last),
        };
        let code = output.status.code().unwrap_or(-1);
        if code > 1 {
            eprintln!(
                "{} {:?} failed ({code}):\n{}",
                program.display(),
                args,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        (sample, code)
    }
}

/// The sample of median wall time, and the minimum wall time.
fn median(mut samples: Vec<Sample>) -> (Sample, Duration) {
    samples.sort_by_key(|s| s.wall);
    (samples[samples.len() / 2], samples[0].wall)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn ms1(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("bench-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let wizard = args.wizard.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("own path");
        // target/<profile>/examples/bench-cluster → target/<profile>/kubectl-wizard
        exe.parent()
            .and_then(Path::parent)
            .expect("target folder")
            .join("kubectl-wizard")
    });
    let server = TestApiServer::start_with(ServerOptions {
        latency: Duration::from_millis(args.latency_ms),
        // No rollout controller: it scans the store every 25 ms and would
        // compete for the CPU with the tools being measured.
        ready_delay: None,
        ..ServerOptions::default()
    });
    let tools = Tools {
        wizard,
        kubectl: args.kubectl.clone(),
        kubeconfig: dir.join("kubeconfig"),
        home: dir.clone(),
    };
    server
        .write_kubeconfig(&tools.kubeconfig)
        .expect("kubeconfig");

    let wizard_state = dir.join("wizard.yaml");
    std::fs::write(&wizard_state, state_text("bench-wizard", args.services)).expect("state");
    let kubectl_state = dir.join("kubectl.yaml");
    std::fs::write(&kubectl_state, state_text("bench-kubectl", args.services)).expect("state");
    let rendered = dir.join("rendered");
    let (_, code) = tools.time(
        &server,
        &tools.wizard,
        &[
            "render",
            "-f",
            kubectl_state.to_str().unwrap(),
            "--output-dir",
            rendered.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(code, 0, "render failed");
    std::fs::remove_file(rendered.join("kustomization.yaml")).expect("kustomization");
    // Secrets are in secrets/, which kubectl reads with -R: both tools
    // then send the same objects.
    let files = |dir: &Path| std::fs::read_dir(dir).map_or(0, |d| d.count());
    let objects = files(&rendered) - 1 + files(&rendered.join("secrets"));
    // Warm kubectl's discovery cache, as on a machine that has used kubectl.
    tools.time(&server, &tools.kubectl, &["get", "namespaces"]);

    let ws = wizard_state.to_str().unwrap();
    let rd = rendered.to_str().unwrap();
    let wizard_apply: &[&str] = &["apply", "-f", ws];
    let wizard_diff: &[&str] = &["diff", "-f", ws];
    let kubectl_apply: &[&str] = &[
        "apply",
        "--server-side",
        "--field-manager",
        "kubectl-wizard",
        "-R",
        "-f",
        rd,
    ];
    let kubectl_diff: &[&str] = &[
        "diff",
        "--server-side",
        "--field-manager",
        "kubectl-wizard",
        "-R",
        "-f",
        rd,
    ];

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!(
        "{objects} objects, {} ms latency per request, median of {} runs (min in brackets), load average {}\n",
        args.latency_ms,
        args.runs,
        load.join(" ")
    );
    println!(
        "bound = requests × latency / concurrency ({}), with the requests the server received;\nwith the server's answer times = the sum of each request's time from arrival to answer / concurrency\n",
        args.concurrency
    );
    let latency = Duration::from_millis(args.latency_ms);
    let line = |tool: &str, (sample, min): (Sample, Duration), concurrency: Option<u32>| {
        let ratio = |b: Duration| sample.wall.as_secs_f64() / b.as_secs_f64();
        let against = concurrency
            .map(|c| {
                // The same bound with each request taking as long as the
                // server took to answer it: what is left is the client's.
                let bound = latency * sample.requests as u32 / c;
                let answered = sample.answering / c;
                format!(
                    "  bound {:>7} ({:.2}×), with the server's answer times {:>7} ({:.2}×); first request {}, first write {} later, exit {} after the last answer",
                    ms(bound),
                    ratio(bound),
                    ms(answered),
                    ratio(answered),
                    ms1(sample.to_first),
                    ms1(sample.to_first_write),
                    ms1(sample.after_last),
                )
            })
            .unwrap_or_default();
        println!(
            "  {tool:<8}{:>9} ({:>7})  cpu {:>7}  server cpu {:>7}  {:>5} requests{against}",
            ms(sample.wall),
            ms(min),
            ms(sample.tool_cpu),
            ms(sample.server_cpu),
            sample.requests
        );
    };
    let report = |what: &str, kubectl: (Sample, Duration), wizard: (Sample, Duration)| {
        println!(
            "{what}: wizard {:.1}× faster than kubectl",
            kubectl.0.wall.as_secs_f64() / wizard.0.wall.as_secs_f64()
        );
        line("kubectl", kubectl, None);
        line("wizard", wizard, Some(args.concurrency));
    };
    let runs = args.runs.max(1);
    let sample = |program: &Path, args: &[&str], expected: i32| {
        let samples: Vec<Sample> = (0..runs)
            .map(|_| {
                let (sample, code) = tools.time(&server, program, args);
                assert_eq!(
                    code,
                    expected,
                    "{} {:?} exited {code}",
                    program.display(),
                    args
                );
                sample
            })
            .collect();
        median(samples)
    };
    // A first apply into a namespace of its own each time.
    let fresh = std::cell::Cell::new(0);
    let create = |extra: &[&str]| {
        let samples: Vec<Sample> = (0..runs)
            .map(|_| {
                fresh.set(fresh.get() + 1);
                let state = dir.join(format!("new-{}.yaml", fresh.get()));
                let namespace = format!("bench-wizard-new-{}", fresh.get());
                std::fs::write(&state, state_text(&namespace, args.services)).expect("state");
                let mut with = vec!["apply", "-f", state.to_str().unwrap()];
                with.extend_from_slice(extra);
                let (sample, code) = tools.time(&server, &tools.wizard, &with);
                assert_eq!(code, 0, "wizard apply of a new namespace exited {code}");
                sample
            })
            .collect();
        median(samples)
    };
    let (k, code) = tools.time(&server, &tools.kubectl, kubectl_apply);
    assert_eq!(code, 0, "kubectl apply failed");
    let (w, code) = tools.time(&server, &tools.wizard, wizard_apply);
    assert_eq!(code, 0, "wizard apply failed");
    report("apply (create all, one run each)", (k, k.wall), (w, w.wall));
    println!("apply (create all, a new namespace each run)");
    line("wizard", create(&[]), Some(args.concurrency));
    report(
        "apply (unchanged)",
        sample(&tools.kubectl, kubectl_apply, 0),
        sample(&tools.wizard, wizard_apply, 0),
    );
    let wizard_diff_time = sample(&tools.wizard, wizard_diff, 0);
    report(
        "diff (no difference)",
        sample(&tools.kubectl, kubectl_diff, 0),
        wizard_diff_time,
    );
    let kubectl_diff_5: Vec<&str> = kubectl_diff
        .iter()
        .copied()
        .chain(["--concurrency", "5"])
        .collect();
    report(
        "diff, kubectl --concurrency 5",
        sample(&tools.kubectl, &kubectl_diff_5, 0),
        wizard_diff_time,
    );
    // What apply's request pattern cannot beat: every request one round
    // trip, `concurrency` at a time.
    println!("\nwizard by --concurrency");
    for concurrency in args.sweep.iter() {
        let text = concurrency.to_string();
        let extra = ["--concurrency", text.as_str()];
        let with: Vec<&str> = wizard_apply.iter().copied().chain(extra).collect();
        println!("  --concurrency {concurrency}: apply (unchanged), apply (create all), diff");
        line("", sample(&tools.wizard, &with, 0), Some(*concurrency));
        line("", create(&extra), Some(*concurrency));
        let with: Vec<&str> = wizard_diff.iter().copied().chain(extra).collect();
        line("", sample(&tools.wizard, &with, 0), Some(*concurrency));
    }
    if args.idle_objects > 0 {
        idle_cpu(&tools, &dir, args.idle_objects);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU time of this process (the servers run on its threads).
fn own_cpu() -> Duration {
    cpu(libc::RUSAGE_SELF)
}

/// User + system time of this process (`RUSAGE_SELF`) or of its children
/// that have ended and been waited for (`RUSAGE_CHILDREN`).
fn cpu(who: libc::c_int) -> Duration {
    // SAFETY: a zeroed rusage is valid for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    unsafe { libc::getrusage(who, &mut usage) };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// A server with its rollout controller, filled with about `objects`
/// objects (4 per service), then left alone: the CPU it uses meanwhile.
fn idle_cpu(tools: &Tools, dir: &Path, objects: usize) {
    let server = TestApiServer::start_with(ServerOptions {
        ready_delay: Some(Duration::from_millis(300)),
        ..ServerOptions::default()
    });
    let kubeconfig = dir.join("idle-kubeconfig");
    server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let state = dir.join("idle.yaml");
    std::fs::write(&state, state_text("bench-idle", objects.div_ceil(4))).expect("state");
    let status = Command::new(&tools.wizard)
        .args(["apply", "-f", state.to_str().unwrap(), "--kubeconfig"])
        .arg(&kubeconfig)
        .env("HOME", &tools.home)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("cannot run the tool");
    assert!(status.success(), "apply failed");
    // Every rollout is reported done after 300 ms.
    std::thread::sleep(Duration::from_secs(1));
    let before = own_cpu();
    std::thread::sleep(Duration::from_secs(5));
    let used = own_cpu().saturating_sub(before);
    println!(
        "\nidle test API server with {} objects: {} of CPU in 5 s",
        objects.div_ceil(4) * 4 + 1,
        ms(used)
    );
}
