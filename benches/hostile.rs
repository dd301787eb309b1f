//! Inputs shaped to blow up a careless reader, each answered in well under
//! a second: a 20,000-service dependency chain, 100,000 unknown keys, and a
//! 318 KB state whose aliases would expand to tens of millions of values.
//!
//! `cargo bench --bench hostile` measures; `cargo test --benches` runs each
//! once to check that it still works.

mod hostile_states;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use kubectl_wizard::pipeline::{self, BuildOptions};

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, text) in [
        (
            "dependency_chain_20000",
            hostile_states::dependency_chain(20_000),
        ),
        ("unknown_keys_100000", hostile_states::unknown_keys(100_000)),
        ("alias_bomb_318kb", hostile_states::alias_bomb()),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(pipeline::build(&text, "state", &BuildOptions::default())).is_ok())
        });
    }
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
