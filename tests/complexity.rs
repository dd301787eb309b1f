//! Work grows linearly with the input for the shapes that used to blow up:
//! a long dependency chain (the circle check searched from every service),
//! many unknown keys (each warning was compared with every earlier one),
//! and aliases (expanded without a bound). Not a timed test: each shape is
//! built at n and 4n and the ratio must stay far below the 16 that
//! quadratic work gives, whatever the machine's speed. `benches/hostile.rs`
//! measures the same states.

#[path = "../benches/hostile_states.rs"]
mod hostile_states;

use std::time::{Duration, Instant};

use kubectl_wizard::pipeline::{self, BuildOptions};

/// The fastest of three builds (the least disturbed by other processes).
/// Each must succeed: a state refused early would time a shortcut, not
/// the work whose growth is measured.
fn fastest_build(text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let build =
                std::hint::black_box(pipeline::build(text, "state", &BuildOptions::default()));
            let took = start.elapsed();
            assert!(build.is_ok(), "the state must build: {:?}", build.err());
            took
        })
        .min()
        .unwrap_or_default()
}

fn assert_linear(what: &str, make: impl Fn(usize) -> String, n: usize) {
    let small = fastest_build(&make(n));
    let large = fastest_build(&make(4 * n));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 9.0,
        "{what}: {n} took {small:?}, {} took {large:?} (ratio {ratio:.1}; linear is 4, quadratic 16)",
        4 * n
    );
}

#[test]
fn a_dependency_chain_is_checked_in_linear_time() {
    assert_linear("dependency chain", hostile_states::dependency_chain, 1_000);
}

#[test]
fn unknown_keys_are_warned_about_in_linear_time() {
    assert_linear("unknown keys", hostile_states::unknown_keys, 5_000);
}

#[test]
fn the_chain_state_is_valid_and_a_closed_chain_is_one_circle() {
    let build = pipeline::build(
        &hostile_states::dependency_chain(500),
        "state",
        &BuildOptions::default(),
    );
    assert!(build.is_ok(), "{:?}", build.err());
    let closed = hostile_states::dependency_chain(500).replace(
        "  - {name: s499, image: nginx, port: 80}\n",
        "  - {name: s499, image: nginx, port: 80, dependencies: [s0]}\n",
    );
    let Err(kubectl_wizard::error::Error::Invalid(diags)) =
        pipeline::build(&closed, "state", &BuildOptions::default())
    else {
        panic!("a closed chain is a circle");
    };
    let circles: Vec<_> = diags
        .errors()
        .filter(|d| d.message.contains("circle of dependencies (s0 → s1 → s2"))
        .collect();
    assert_eq!(circles.len(), 1, "{diags:?}");
    assert_eq!(circles[0].path, "_services[0].dependencies[0]");
}

#[test]
fn the_alias_bomb_stops_at_the_limit() {
    let text = hostile_states::alias_bomb();
    assert!(text.len() > 300_000, "{} bytes", text.len());
    let Err(kubectl_wizard::error::Error::Syntax { message, .. }) =
        pipeline::build(&text, "state", &BuildOptions::default())
    else {
        panic!("the bomb must be refused");
    };
    assert!(message.contains("holds more than"), "{message}");
}
