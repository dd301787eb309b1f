//! States shaped to make a careless reader slow, shared by the `hostile`
//! bench and `tests/complexity.rs`.

#![allow(dead_code)]

use std::fmt::Write;

/// `count` Deployments, each waiting for the next: one long chain, no circle.
pub fn dependency_chain(count: usize) -> String {
    let mut text = String::from("_services:\n");
    for i in 0..count {
        if i + 1 < count {
            let _ = writeln!(
                text,
                "  - {{name: s{i}, image: nginx, port: 80, dependencies: [s{}]}}",
                i + 1
            );
        } else {
            let _ = writeln!(text, "  - {{name: s{i}, image: nginx, port: 80}}");
        }
    }
    text
}

/// One service with `count` unknown keys: `count` distinct warnings.
pub fn unknown_keys(count: usize) -> String {
    let mut text = String::from("_services:\n  - name: web\n    image: nginx\n");
    for i in 0..count {
        let _ = writeln!(text, "    unknown{i}: 1");
    }
    text
}

/// About 318 KB whose anchors alias one large list 1,000 times: tens of
/// millions of values once expanded.
pub fn alias_bomb() -> String {
    let mut text = String::from("big: &big [");
    for i in 0..155_000 {
        let _ = write!(text, "{}x", if i == 0 { "" } else { "," });
    }
    text.push_str("]\n_services:\n  - name: web\n    image: nginx\n    args: [");
    for i in 0..1_000 {
        let _ = write!(text, "{}*big", if i == 0 { "" } else { ", " });
    }
    text.push_str("]\n");
    text
}
