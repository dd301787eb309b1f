//! How rendering scales: states of 1 to 10,000 full-featured services, built
//! (parse + validate + render) from YAML and from JSON, with the objects
//! kept and (as `validate` builds) without, stage by stage, and then
//! serialised as one YAML stream.
//!
//! `cargo bench --bench render` measures; `cargo test --benches` runs each
//! benchmark once, on the small sizes only, to check that it still works.

#[path = "support/states.rs"]
mod states;
#[path = "support/turns.rs"]
mod turns;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use kubectl_wizard::pipeline::{self, BuildOptions};
use kubectl_wizard::render;
use kubectl_wizard::state::{self, LoadOptions};
use states::state;

/// Sizes measured by `cargo bench`; test mode stops at 100 so that
/// `cargo test --benches` stays quick in a debug build.
fn sizes() -> &'static [usize] {
    if measuring() {
        &[1, 100, 1_000, 10_000]
    } else {
        &[1, 100]
    }
}

/// Whether `cargo bench` runs this (`cargo test --benches` runs each
/// bench once, small).
fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// Time this thread spent on a CPU, where Linux tells it: the benchmark
/// machines are shared, and wall time would count other processes' turns
/// as ours. (Updated at least every scheduler tick: precise enough for
/// samples of hundreds of milliseconds.)
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Run `routine` `iterations` times; CPU time when known, else wall time.
fn timed<O>(iterations: u64, mut routine: impl FnMut() -> O) -> Duration {
    let wall = Instant::now();
    let cpu = on_cpu();
    for _ in 0..iterations {
        black_box(routine());
    }
    match (cpu, on_cpu()) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => wall.elapsed(),
    }
}

/// Like `timed`, with what `routine` returns freed off the clock: the
/// command holds its build until it exits and never frees it
/// (`commands::input::Held`), so freeing is no part of its time. (Freeing
/// the ~200 MB of objects kept for 10,000 services added 8-12% to the
/// time of a build.)
fn timed_held<O>(iterations: u64, mut routine: impl FnMut() -> O) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iterations {
        let mut held = None;
        spent += timed(1, || held = Some(routine()));
        drop(black_box(held));
    }
    spent
}

/// Like `timed`, once, for a routine that consumes what it is given.
fn timed_once<O>(routine: impl FnOnce() -> O) -> Duration {
    let mut routine = Some(routine);
    timed(1, || routine.take().map(|routine| routine()))
}

/// What `validate` and `render -o` build: every check, with the objects
/// rendered for the clash checks but not kept (only their names).
fn build_names_only(text: &str) -> pipeline::Build {
    let names_only = pipeline::Keep {
        objects: false,
        environments: true,
    };
    pipeline::build_keeping(black_box(text), "bench", &options(), names_only).unwrap()
}

/// What diff, apply and render into files build: every object kept.
fn build_kept(text: &str) -> pipeline::Build {
    pipeline::build(black_box(text), "bench", &options()).unwrap()
}

fn options() -> BuildOptions {
    BuildOptions {
        namespace: None,
        strict: true,
        environment: None,
    }
}

/// The generated state must stay full-featured as the renderer grows: every
/// kind of object appears (checked once, outside the measurements).
fn check_coverage() {
    let built = pipeline::build(&state(12), "bench", &options()).unwrap();
    let kinds: std::collections::BTreeSet<&str> =
        built.manifests.iter().map(|m| m.kind.as_str()).collect();
    for kind in [
        "Namespace",
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
        "Service",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "HorizontalPodAutoscaler",
        "Ingress",
    ] {
        assert!(kinds.contains(kind), "the bench state generates no {kind}");
    }
}

fn build(c: &mut Criterion) {
    check_coverage();
    build_group(c, "build", state);
}

/// The same states saved as JSON, the way web wizards save them.
fn build_json(c: &mut Criterion) {
    build_group(c, "build-json", |count| json_of(&state(count)));
}

/// A YAML state saved as JSON.
fn json_of(yaml: &str) -> String {
    serde_json::to_string(&kubectl_wizard::yaml::parse(yaml).unwrap()).unwrap()
}

/// `build_names_only` from YAML and from JSON. `build` above keeps the
/// objects: its 10,000 services hold ~200 MB more.
fn build_names(c: &mut Criterion) {
    let mut group = c.benchmark_group("build-names");
    group.sample_size(10);
    for &count in sizes() {
        let yaml = state(count);
        let json = json_of(&yaml);
        group.throughput(Throughput::Elements(count as u64));
        for (name, text) in [("yaml", &yaml), ("json", &json)] {
            group.bench_with_input(BenchmarkId::new(name, count), text, |b, text| {
                b.iter_custom(|n| timed_held(n, || build_names_only(text)))
            });
        }
    }
    group.finish();
}

/// `pipeline::build` on the state text `text_of(count)` for every size.
fn build_group(c: &mut Criterion, name: &str, text_of: impl Fn(usize) -> String) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    for &count in sizes() {
        let text = text_of(count);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &text, |b, text| {
            b.iter_custom(|n| timed_held(n, || build_kept(text)))
        });
    }
    group.finish();
}

/// Where a build's time goes, stage by stage: parsing the YAML and the
/// JSON text into a tree (`parse-yaml`, `parse-json`), reading the tree
/// into the model with every check, rendering and the cross-service rules
/// (`read`), and rendering alone: every object kept (`render`), or only
/// their names, as the checks of `validate` and `render -o` do (`ids`).
fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("stage");
    group.sample_size(10);
    for &count in sizes() {
        let yaml = state(count);
        let tree = kubectl_wizard::yaml::parse(&yaml).unwrap();
        let json = serde_json::to_string(&tree).unwrap();
        group.throughput(Throughput::Elements(count as u64));
        for (name, text) in [("parse-yaml", &yaml), ("parse-json", &json)] {
            group.bench_with_input(BenchmarkId::new(name, count), text, |b, text| {
                b.iter_custom(|n| timed(n, || kubectl_wizard::yaml::parse(black_box(text))))
            });
        }
        let options = LoadOptions::default();
        group.bench_with_input(BenchmarkId::new("read", count), &tree, |b, tree| {
            b.iter_custom(|n| {
                // The tree is consumed: each copy is made off the clock.
                let mut spent = Duration::ZERO;
                for _ in 0..n {
                    let copy = tree.clone();
                    spent += timed_once(|| state::from_owned_value(black_box(copy), &options));
                }
                spent
            })
        });
        let project = state::from_owned_value(tree, &options).project.unwrap();
        group.bench_with_input(BenchmarkId::new("render", count), &project, |b, project| {
            b.iter_custom(|n| timed(n, || render::render(black_box(project))))
        });
        group.bench_with_input(BenchmarkId::new("ids", count), &project, |b, project| {
            b.iter_custom(|n| timed(n, || render::ids(black_box(project))))
        });
    }
    group.finish();
}

fn to_yaml(c: &mut Criterion) {
    let mut group = c.benchmark_group("yaml");
    group.sample_size(10);
    for &count in sizes() {
        let built = pipeline::build(&state(count), "bench", &options()).unwrap();
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &built.manifests,
            |b, manifests| {
                b.iter_custom(|n| {
                    timed(n, || render::to_yaml_stream(black_box(manifests)).unwrap())
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    build,
    build_json,
    build_names,
    ratio,
    stages,
    to_yaml
);

/// Target 3's t(10k)/t(1k), measured in turns: a round builds the 1,000
/// services 10 times and the 10,000 once, and the ratio of each round is
/// taken. Medians of separate criterion groups minutes apart compare two
/// states of a shared machine (the same build's ratio moved from 10.3 to
/// 11.6 between runs); rounds in turns see the same one.
fn ratio(_: &mut Criterion) {
    // Not a criterion benchmark, so criterion's filter does not reach it:
    // it runs unfiltered or when the filter names it.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    if filter.is_some_and(|filter| !filter.contains("ratio")) {
        return;
    }
    let (small, large, rounds) = match measuring() {
        true => (1_000, 10_000, 25),
        false => (10, 100, 2),
    };
    let (small_yaml, large_yaml) = (state(small), state(large));
    let (small_json, large_json) = (json_of(&small_yaml), json_of(&large_yaml));
    type Build = fn(&str) -> pipeline::Build;
    let cases: [(&str, Build, &str, &str); 3] = [
        (
            "build-names/yaml",
            build_names_only,
            &small_yaml,
            &large_yaml,
        ),
        (
            "build-names/json",
            build_names_only,
            &small_json,
            &large_json,
        ),
        ("build/yaml", build_kept, &small_yaml, &large_yaml),
    ];
    for (name, build, small_text, large_text) in cases {
        let ratios = (0..rounds)
            .map(|_| {
                let small_time: Duration =
                    (0..10).map(|_| timed_held(1, || build(small_text))).sum();
                let large_time = timed_held(1, || build(large_text));
                large_time.as_secs_f64() / (small_time.as_secs_f64() / 10.0)
            })
            .collect();
        println!(
            "ratio/{name}: t({large})/t({small}) {}",
            turns::summary(ratios)
        );
    }
}

/// `criterion_main!`, with the plugin's allocator setting first: the builds
/// measured here run as they do in the plugin.
fn main() {
    kubectl_wizard::allocator::keep_freed_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
