//! Inputs shaped to blow up a careless reader, each answered in well under
//! a second: a 20,000-service dependency chain, 100,000 unknown keys, and a
//! 318 KB state whose aliases would expand to tens of millions of values.
//! Each is built as `validate` builds it (every object checked, only their
//! names kept) and as `render` into files does (everything kept). CPU time
//! of the measuring thread: the machines are shared, and wall time would
//! count other processes' turns. `benches/process.rs` prints the peak
//! memory of `validate` on the same states.
//!
//! `cargo bench --bench hostile` measures; `cargo test --benches` runs each
//! once to check that it still works.

mod hostile_states;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kubectl_wizard::pipeline::{self, BuildOptions, Keep};

/// Time this thread spent on a CPU, where Linux tells it.
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

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let validate = Keep {
        objects: false,
        environments: true,
    };
    for (name, text) in [
        (
            "dependency_chain_20000",
            hostile_states::dependency_chain(20_000),
        ),
        ("unknown_keys_100000", hostile_states::unknown_keys(100_000)),
        ("alias_bomb_318kb", hostile_states::alias_bomb()),
    ] {
        for (how, keep) in [("validate", validate), ("build", Keep::ALL)] {
            group.bench_function(format!("{name}/{how}"), |b| {
                b.iter_custom(|n| {
                    timed(n, || {
                        pipeline::build_keeping(&text, "state", &BuildOptions::default(), keep)
                            .is_ok()
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
