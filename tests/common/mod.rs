//! Helpers shared by the integration tests: run the built binary the way a
//! user does, and parse what it prints or writes.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;
use tempfile::TempDir;

/// The `kubectl-wizard` binary built by cargo.
pub fn wizard() -> Command {
    Command::cargo_bin("kubectl-wizard").expect("the kubectl-wizard binary is built")
}

/// A file under `examples/`.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// Parse a multi-document YAML stream into one JSON value per document.
pub fn parse_stream(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("each document is valid YAML"))
        .filter(|doc| !doc.is_null())
        .collect()
}

/// Parse one YAML document.
pub fn parse_yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("valid YAML")
}

/// `render -f - -o yaml` with the state on stdin; the documents printed.
/// With `--include-secrets`: the mapping of every object is under test.
pub fn render_stream(state: &str, extra: &[&str]) -> Vec<Value> {
    let output = wizard()
        .args(["render", "-f", "-", "-o", "yaml", "--include-secrets"])
        .args(extra)
        .write_stdin(state)
        .output()
        .expect("the binary runs");
    assert_success(&output);
    parse_stream(&String::from_utf8(output.stdout).expect("UTF-8 output"))
}

/// The YAML stream `render -o yaml` prints for a state file.
pub fn render_file_stream(path: &Path) -> String {
    let output = wizard()
        .args(["render", "-o", "yaml", "-f"])
        .arg(path)
        .output()
        .expect("the binary runs");
    assert_success(&output);
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

pub fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "kubectl-wizard failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What `render` wrote into a folder.
pub struct Rendered {
    /// Keeps the temporary folder alive as long as the result.
    pub tmp: TempDir,
    /// The output folder.
    pub dir: PathBuf,
    /// File names in the order `render` reported writing them.
    pub reported: Vec<String>,
    /// Every file in the output folder, parsed, by name.
    pub files: BTreeMap<String, Value>,
    /// Raw text of every file, by name.
    pub texts: BTreeMap<String, String>,
}

impl Rendered {
    /// The parsed file `name`, or a failure listing the files there are.
    pub fn file(&self, name: &str) -> &Value {
        self.files.get(name).unwrap_or_else(|| {
            panic!(
                "no file {name} was written; files: {:?}",
                self.files.keys().collect::<Vec<_>>()
            )
        })
    }

    /// The names of the files written, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.files.keys().map(String::as_str).collect()
    }
}

/// Write `state` to a temporary folder and run `render -f <state>
/// --output-dir <tmp>/out` plus `extra`.
pub fn render_state(state: &str, extra: &[&str]) -> Rendered {
    let tmp = TempDir::new().expect("a temporary folder");
    let state_path = tmp.path().join("state.yaml");
    std::fs::write(&state_path, state).expect("the state is written");
    render_into(tmp, &state_path, extra)
}

/// Run `render -f <path> --output-dir <tmp>/out` plus `extra`.
pub fn render_file(path: &Path, extra: &[&str]) -> Rendered {
    let tmp = TempDir::new().expect("a temporary folder");
    render_into(tmp, path, extra)
}

fn render_into(tmp: TempDir, state: &Path, extra: &[&str]) -> Rendered {
    let dir = tmp.path().join("out");
    let output = wizard()
        .arg("render")
        .arg("-f")
        .arg(state)
        .arg("--output-dir")
        .arg(&dir)
        .args(extra)
        .current_dir(tmp.path())
        .output()
        .expect("the binary runs");
    assert_success(&output);
    let reported = reported_files(&String::from_utf8_lossy(&output.stdout));
    let (files, texts) = read_dir(&dir);
    Rendered {
        tmp,
        dir,
        reported,
        files,
        texts,
    }
}

/// The file names in `render`'s `wrote <path>` / `unchanged <path>` lines,
/// relative to the output folder (`secrets/api-secrets.yaml`).
pub fn reported_files(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(|path| {
            let path = Path::new(path);
            let name = path.file_name().expect("a file path").to_string_lossy();
            match path.parent().and_then(Path::file_name) {
                Some(folder) if folder == "secrets" => format!("secrets/{name}"),
                _ => name.into_owned(),
            }
        })
        .collect()
}

/// Every file of a folder and its subfolders, by path relative to it
/// (`secrets/api-secrets.yaml`): parsed, and as text.
pub fn read_dir(dir: &Path) -> (BTreeMap<String, Value>, BTreeMap<String, String>) {
    let mut files = BTreeMap::new();
    let mut texts = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("the output folder exists") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("a readable file");
            files.insert(name.clone(), parse_yaml(&text));
            texts.insert(name, text);
        }
    }
    (files, texts)
}

/// The document of `kind` named `name`.
pub fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} among {:?}", ids(docs)))
}

/// Whether a document of `kind` named `name` exists.
pub fn has(docs: &[Value], kind: &str, name: &str) -> bool {
    docs.iter()
        .any(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

/// `Kind/name` of every document, in order.
pub fn ids(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or("?"),
                d["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// The value at a JSON pointer, or a failure naming the pointer.
pub fn at<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer} in\n{doc:#}"))
}

/// Whether anything is at a JSON pointer.
pub fn present(doc: &Value, pointer: &str) -> bool {
    doc.pointer(pointer).is_some()
}

/// Compare two trees and fail with every path where they differ, so a
/// golden mismatch says which field is wrong rather than dumping both.
pub fn assert_tree_eq(actual: &Value, expected: &Value, what: &str) {
    let mut differences = String::new();
    diff("", actual, expected, &mut differences);
    assert!(
        differences.is_empty(),
        "{what} differs from the expected object:\n{differences}\nactual:\n{actual:#}"
    );
}

fn diff(path: &str, actual: &Value, expected: &Value, out: &mut String) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (key, e_value) in e {
                let child = format!("{path}/{key}");
                match a.get(key) {
                    Some(a_value) => diff(&child, a_value, e_value, out),
                    None => writeln!(out, "  {child}: missing, expected {e_value}").unwrap(),
                }
            }
            for (key, a_value) in a {
                if !e.contains_key(key) {
                    writeln!(out, "  {path}/{key}: unexpected {a_value}").unwrap();
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (a_item, e_item)) in a.iter().zip(e).enumerate() {
                diff(&format!("{path}/{i}"), a_item, e_item, out);
            }
        }
        _ if actual == expected => {}
        _ => writeln!(out, "  {path}: found {actual}, expected {expected}").unwrap(),
    }
}

/// Where `kubectl` is; fails with a clear message when it is missing, since
/// a test that cannot run must not pass.
pub fn kubectl() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("kubectl is not on PATH; these tests run the real `kubectl kustomize` (CI installs kubectl)")
    })
}

/// Run `kubectl-wizard` with `args` in `dir`, feeding `stdin` (empty when
/// `None`, so the command never sees a terminal).
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = wizard();
    cmd.current_dir(dir)
        .args(args)
        // A panic must not turn into a backtrace even when one is asked for.
        .env("RUST_BACKTRACE", "1")
        .write_stdin(stdin.unwrap_or(""));
    cmd.output().expect("the binary runs")
}

/// Run `kubectl-wizard` in a fresh, empty working folder.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let dir = TempDir::new().expect("temp dir");
    run_in(dir.path(), args, stdin)
}

/// A temporary working folder holding a state file.
pub struct StateDir {
    pub dir: TempDir,
}

impl StateDir {
    /// A new folder with `text` written to `state.yaml`.
    pub fn new(text: &str) -> StateDir {
        StateDir::with_file("state.yaml", text)
    }

    /// A new folder with `text` written to `name`.
    pub fn with_file(name: &str, text: &str) -> StateDir {
        let dir = TempDir::new().expect("temp dir");
        std::fs::write(dir.path().join(name), text).expect("write state");
        StateDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the folder.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args, None)
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn status(output: &Output) -> i32 {
    output.status.code().expect("the process exited")
}
