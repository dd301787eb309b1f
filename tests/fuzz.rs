//! Fuzzing the loader and validator with proptest, a bounded number of
//! cases per `cargo test` run: arbitrary bytes, and the examples broken at
//! the text level with YAML's own punctuation (anchors, aliases, merge
//! keys, tags, quotes, document markers, a byte order mark, repeated and
//! deleted lines). Properties: no panic; a refused input names where
//! (line and column for syntax, a path for every rule); an accepted one
//! renders the same bytes twice, every object passes the official 1.33
//! schemas, and its YAML reads back into the very objects rendered,
//! through the same loader.

use kubectl_wizard::error::Error;
use kubectl_wizard::pipeline::{self, BuildOptions};
use kubectl_wizard::{render, yaml};
use proptest::prelude::*;

#[path = "support/schema_check.rs"]
mod schema_check;

/// The official 1.33 schemas, loaded once for every case.
fn schemas() -> &'static schema_check::Schemas {
    static SCHEMAS: std::sync::OnceLock<schema_check::Schemas> = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(schema_check::Schemas::kubernetes)
}

fn examples() -> Vec<String> {
    ["statefulset.yaml", "deployment.yaml"]
        .iter()
        .map(|name| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("examples")
                    .join(name),
            )
            .expect("the example exists")
        })
        .collect()
}

/// Pieces of YAML syntax worth throwing into a state.
const TOKENS: &[&str] = &[
    "&a ",
    "*a",
    "<<: *a\n",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "\t",
    "\u{feff}",
    "---\n",
    "...\n",
    "!!str ",
    "!!int ",
    "!custom ",
    "? ",
    "|\n",
    ">-\n",
    "#",
    ",",
    "\n",
    "  ",
    "~",
    "null",
    "1.10",
    "0x1F",
    ".inf",
    "yes",
    "\u{0}",
    "\u{1b}[31m",
    "%YAML 1.2\n",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    RepeatLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::RepeatLine),
    ]
}

fn char_boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(mut text: String, edits: &[Edit]) -> String {
    for edit in edits {
        match *edit {
            Edit::Insert(at, token) => {
                let at = char_boundary(&text, at);
                text.insert_str(at, TOKENS[token]);
            }
            Edit::Delete(at, len) => {
                let start = char_boundary(&text, at);
                let end = char_boundary(&text, start + len).max(start);
                text.replace_range(start..end, "");
            }
            Edit::RepeatLine(at) => {
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = at % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    text = out.join("\n") + "\n";
                }
            }
        }
    }
    text
}

/// The properties every input must have.
fn check(text: &str) -> Result<(), TestCaseError> {
    match pipeline::build(text, "state", &BuildOptions::default()) {
        Err(Error::Syntax {
            location, message, ..
        }) => {
            prop_assert!(!message.is_empty());
            prop_assert!(
                location != "?",
                "a syntax error without a position: {message}"
            );
        }
        Err(Error::Invalid(diags)) => {
            prop_assert!(diags.has_errors());
        }
        Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        Ok(build) => {
            let again = pipeline::build(text, "state", &BuildOptions::default())
                .map_err(|e| TestCaseError::fail(format!("second build failed: {e}")))?;
            let stream = render::to_yaml_stream(&build.manifests)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let stream_again = render::to_yaml_stream(&again.manifests)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&stream, &stream_again, "rendering is deterministic");
            for manifest in &build.manifests {
                // Whatever passes validation renders objects a real 1.33
                // server's schema accepts.
                if let Err(problems) = schemas().validate(&manifest.object) {
                    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    prop_assert!(
                        false,
                        "{} fails the 1.33 schema:\n{}\nstate:\n{text}",
                        manifest.file_name,
                        listed.join("\n")
                    );
                }
                let written = yaml::value_to_string(&manifest.object);
                let read = yaml::parse(&written)
                    .map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?;
                prop_assert_eq!(&read, &manifest.object, "{}", written);
            }
        }
    }
    Ok(())
}

/// The unbroken examples take the accepting path (schema check included).
#[test]
fn the_examples_themselves_pass_every_property() {
    for text in examples() {
        assert!(pipeline::build(&text, "state", &BuildOptions::default()).is_ok());
        if let Err(failure) = check(&text) {
            panic!("{failure}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        // Most random bytes are not UTF-8: their refusal must say where.
        match yaml::decode(bytes) {
            Ok(text) => check(&text)?,
            Err(error) => {
                prop_assert!(error.line.is_some() && error.column.is_some(), "{}", error.message);
                prop_assert!(error.message.contains("byte offset"), "{}", error.message);
            }
        }
    }

    #[test]
    fn broken_examples_never_panic_and_explain(which in 0usize..2, edits in proptest::collection::vec(edit(), 1..6)) {
        let text = apply(examples()[which].clone(), &edits);
        check(&text)?;
    }
}
