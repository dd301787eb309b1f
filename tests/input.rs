//! The state's text, through the built binary: values arrive as written,
//! encodings are judged with the byte offset, syntax errors and duplicate
//! keys carry their line in YAML and JSON alike, findings come in file
//! order, and a missing file is reported in kubectl's words.

mod common;

use common::{find, parse_stream, status, stderr, stdout, wizard, StateDir};

/// What the user typed, and what YAML 1.2 would otherwise make of it.
const WRITTEN: &[&str] = &[
    "1.10",
    "+4915112345678",
    "0x1F",
    "1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "010",
    "0o17",
    "yes",
    "True",
    "99999999999999999999999",
];

fn rendered_config(state: &str) -> serde_json::Value {
    let dir = StateDir::new(state);
    let out = dir.run(&["render", "-f", "state.yaml", "-o", "yaml"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let docs = parse_stream(&stdout(&out));
    find(&docs, "ConfigMap", "web-config")["data"].clone()
}

#[test]
fn env_values_keep_the_text_written_in_yaml() {
    let mut state = String::from("_services:\n  - name: web\n    image: nginx\n    envVars:\n");
    for (i, text) in WRITTEN.iter().enumerate() {
        state.push_str(&format!("      - {{key: V{i}, value: {text}}}\n"));
    }
    let data = rendered_config(&state);
    for (i, text) in WRITTEN.iter().enumerate() {
        assert_eq!(data[format!("V{i}")], *text, "V{i}: {data}");
    }
}

#[test]
fn env_values_keep_the_text_written_in_json() {
    let state = r#"{"_services": [{"name": "web", "image": "nginx", "envVars": [
        {"key": "A", "value": 1.10}, {"key": "B", "value": 1e3},
        {"key": "C", "value": 8080}, {"key": "D", "value": 0.5},
        {"key": "E", "value": true}]}]}"#;
    let data = rendered_config(state);
    assert_eq!(data["A"], "1.10");
    assert_eq!(data["B"], "1e3");
    assert_eq!(data["C"], "8080");
    assert_eq!(data["D"], "0.5");
    assert_eq!(data["E"], "true");
}

#[test]
fn a_number_field_still_reads_what_it_did() {
    // A non-canonical number is an error naming the text, not a silent
    // conversion; ordinary ones work as before.
    let dir = StateDir::new("_services:\n  - {name: web, image: nginx, port: 80, replicas: 1e3}\n");
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2);
    assert!(
        stderr(&out)
            .contains("error: _services[0].replicas: found \"1e3\"; expected a whole number"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = StateDir::new("\u{feff}_services:\n  - {name: web, image: nginx}\n");
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
}

#[test]
fn text_that_is_not_utf8_is_exit_2_with_the_byte_offset() {
    let dir = StateDir::new("");
    std::fs::write(
        dir.join("state.yaml"),
        b"_services:\n  - {name: w\xe9b, image: nginx}\n",
    )
    .unwrap();
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("state.yaml:2:13: the text is not UTF-8: byte 0xE9 at byte offset 23"),
        "{}",
        stderr(&out)
    );

    let utf16: Vec<u8> = "\u{feff}_services: []\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(dir.join("state.yaml"), utf16).unwrap();
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("UTF-16"), "{}", stderr(&out));
}

#[test]
fn a_missing_file_is_reported_as_kubectl_reports_it() {
    let dir = StateDir::new("");
    let out = dir.run(&["validate", "-f", "nothere.yaml"]);
    assert_eq!(
        stderr(&out),
        "error: the path \"nothere.yaml\" does not exist\n"
    );
    assert_ne!(status(&out), 0);
}

#[test]
fn duplicate_keys_are_errors_at_their_line_in_yaml_and_json() {
    for (name, text, at) in [
        (
            "state.yaml",
            "_services:\n  - name: web\n    image: nginx\n    image: httpd\n",
            "state.yaml:4:5",
        ),
        (
            "state.json",
            "{\"_services\": [\n  {\"name\": \"web\",\n   \"image\": \"nginx\",\n   \"image\": \"httpd\"}]}\n",
            "state.json:4:4",
        ),
    ] {
        let dir = StateDir::with_file(name, text);
        let out = dir.run(&["validate", "-f", name]);
        assert_eq!(status(&out), 2, "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "{at}: duplicate key \"image\" in `_services[0]`"
            )),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn findings_are_listed_in_file_order() {
    // Cross-service rules run after every service is read; the report
    // still follows the file.
    let state = "\
_services:
  - name: a
    image: nginx
    port: 80a
    dependencies: [b]
  - name: b
    image: nginx
    dependencies: [a]
    replicas: -1
namespace: Bad_NS
";
    let dir = StateDir::new(state);
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2);
    let paths: Vec<String> = stderr(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .filter_map(|l| l.split_once(": ").map(|(p, _)| p.to_string()))
        .filter(|p| !p.contains(' '))
        .collect();
    let order = |p: &str| paths.iter().position(|x| x == p).unwrap_or(usize::MAX);
    assert!(
        order("_services[0].port") < order("_services[1].replicas"),
        "{paths:?}"
    );
    assert!(
        order("_services[1].replicas") < order("namespace"),
        "{paths:?}"
    );
    assert!(order("namespace") != usize::MAX, "{paths:?}");
}

#[test]
fn an_alias_bomb_is_refused_quickly_with_the_limit() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let out = wizard()
        .args(["validate", "-f", "-"])
        .write_stdin(text)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(status(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "holds more than {} values",
            kubectl_wizard::yaml::MAX_NODES
        )),
        "{}",
        stderr(&out)
    );
}
