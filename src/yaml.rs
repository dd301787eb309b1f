//! The one place that knows the YAML crate: reading a document into a JSON
//! value tree and writing values back as YAML. Swapping the YAML library
//! means changing this file only.

use serde::Serialize;
use serde_json::Value;

/// A document that could not be parsed, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

mod block;
mod flow;
mod json;
mod load;
mod rewrite;
mod tally;

pub use rewrite::rewrite;

pub use load::{MAX_DEPTH, MAX_NODES};

/// Parse YAML or JSON (JSON is YAML) into a JSON value tree. Map keys that
/// are not strings (`8080: x`) are turned into their text. Anchors, aliases
/// and `<<:` merge keys are expanded; a key given twice in one map is an
/// error (in JSON too); a plain scalar that YAML reads as a number keeps the
/// text written unless that is the number's own JSON form (`1.10` stays
/// `"1.10"`). The tree is bounded: `MAX_NODES` values, `MAX_DEPTH` levels.
///
/// A document whose first non-blank character is `{` is tried as JSON
/// first, any other as block-style YAML (`block`: the tree is the same,
/// read several times faster); the YAML reader takes whatever those do
/// not accept, and reports its errors.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    parse_split(text, &mut Whole)
}

/// Takes the items of one list of a document as the reader completes
/// each, so that a large list (a state's services) is never held whole.
pub trait Split {
    /// Whether the items of the list under `keys` are handed over: asked
    /// for each list that is the value of a key in a map that is the
    /// document or a value of it (`keys` has one or two map keys, from
    /// the document down), until one answer is yes. A list that is an
    /// alias or has an anchor is not asked about (what it holds must stay
    /// in the tree for the alias).
    fn wants(&mut self, keys: &[&str]) -> bool;
    /// The next item of that list, complete (its aliases and merge keys
    /// expanded).
    fn item(&mut self, value: Value);
    /// Forget every item handed over: the text is read again from its
    /// start (the JSON reader did not accept it; the YAML reader reads it).
    fn restart(&mut self);
}

/// A `Split` that takes nothing: the whole tree.
struct Whole;

impl Split for Whole {
    fn wants(&mut self, _: &[&str]) -> bool {
        false
    }
    fn item(&mut self, _: Value) {}
    fn restart(&mut self) {}
}

/// `parse`, handing the items of the list `split` wants to `split` as
/// each is complete instead of keeping them: in the tree, that list is
/// empty. Limits, errors and the values handed over are exactly those of
/// `parse` (its node count includes the items handed over); on a syntax
/// error, what `split` took is of no use.
pub fn parse_split(text: &str, split: &mut dyn Split) -> Result<Value, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The fast readers take what they are sure of; the YAML reader the
    // rest, and it reports the errors.
    let fast = match text.trim_start().starts_with('{') {
        true => json::parse(text, split),
        false => block::parse(text, split),
    };
    match fast {
        Some(value) => Ok(value),
        None => {
            split.restart();
            load::parse(text, split)
        }
    }
}

/// Where each key and list item of a document starts (line, column), by
/// the path the state reader uses for it (`_services[0].image`).
pub fn positions(text: &str) -> std::collections::HashMap<String, (usize, usize)> {
    load::positions(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The most bytes a state may have; a real one is a few hundred kilobytes.
pub const MAX_BYTES: u64 = 32 << 20;

/// Decode a state's bytes: UTF-8, with or without a byte order mark.
/// Anything else (UTF-16, Latin-1, binary) is refused with the byte offset
/// of the first byte that is not UTF-8, and its line.
pub fn decode(bytes: Vec<u8>) -> Result<String, SyntaxError> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(SyntaxError {
            line: Some(1),
            column: Some(1),
            message: "the text is UTF-16 (it starts with a UTF-16 byte order mark at byte offset 0); save the state as UTF-8".into(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count();
        let column = 1 + offset - bytes[..offset]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |nl| nl + 1);
        SyntaxError {
            line: Some(line),
            column: Some(column),
            message: format!(
                "the text is not UTF-8: byte 0x{:02X} at byte offset {offset} cannot start or continue a character; save the state as UTF-8",
                bytes[offset]
            ),
        }
    })
}

/// Serialize anything serde can into a YAML document (no leading `---`).
///
/// The document is written here rather than by serde_yaml because kubectl
/// reads YAML with YAML 1.1 rules: serde_yaml leaves `yes`, `on`, `1_000`,
/// `1:20` or `2001-12-14` unquoted, and kubectl would read a boolean, a
/// number or a timestamp where the user wrote a string. Every string that
/// either YAML version could read as something else is quoted.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, serde_yaml::Error> {
    let tree = serde_json::to_value(value)
        .map_err(|e| <serde_yaml::Error as serde::ser::Error>::custom(e.to_string()))?;
    Ok(value_to_string(&tree))
}

/// A value tree as a YAML document; see `to_string`.
pub fn value_to_string(value: &Value) -> String {
    let mut out = String::new();
    emit::document(value, &mut out);
    out
}

/// Append a value tree as a YAML document to `out`; see `to_string`.
/// Without the copy into a new tree that `to_string` makes.
pub fn push_value(value: &Value, out: &mut String) {
    emit::document(value, out);
}

/// A block-style YAML writer for JSON value trees, in serde_yaml's layout
/// (sequences under a key are not indented) so the files read the same.
mod emit {
    use serde_json::Value;

    // Everything is written straight into `out`: printing 10,000 services
    // wrote ~1.5 million keys and scalars, each through a String of its own.

    pub fn document(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) if !map.is_empty() => mapping(map, 0, false, out),
            Value::Array(items) if !items.is_empty() => sequence(items, 0, false, out),
            scalar => {
                inline_or_block(scalar, 0, out);
                out.push('\n');
            }
        }
    }

    /// The entries of `map` at `indent`; `after_dash`: the first line
    /// goes after a sequence's `- `, which stands for its indentation.
    fn mapping(
        map: &serde_json::Map<String, Value>,
        indent: usize,
        mut after_dash: bool,
        out: &mut String,
    ) {
        for (key, value) in map {
            if !std::mem::take(&mut after_dash) {
                pad(indent, out);
            }
            push_string(key, out);
            out.push(':');
            match value {
                Value::Object(child) if !child.is_empty() => {
                    out.push('\n');
                    mapping(child, indent + 2, false, out);
                }
                Value::Array(items) if !items.is_empty() => {
                    out.push('\n');
                    sequence(items, indent, false, out);
                }
                scalar => {
                    out.push(' ');
                    inline_or_block(scalar, indent + 2, out);
                    out.push('\n');
                }
            }
        }
    }

    /// The items of a sequence at `indent`; `after_dash` as for `mapping`.
    fn sequence(items: &[Value], indent: usize, mut after_dash: bool, out: &mut String) {
        for item in items {
            if !std::mem::take(&mut after_dash) {
                pad(indent, out);
            }
            out.push_str("- ");
            match item {
                // A nested block starts on the dash's line.
                Value::Object(map) if !map.is_empty() => mapping(map, indent + 2, true, out),
                Value::Array(inner) if !inner.is_empty() => sequence(inner, indent + 2, true, out),
                scalar => {
                    inline_or_block(scalar, indent + 2, out);
                    out.push('\n');
                }
            }
        }
    }

    fn pad(indent: usize, out: &mut String) {
        out.extend(std::iter::repeat_n(' ', indent));
    }

    /// A scalar or empty collection; a multi-line string becomes a literal
    /// block whose lines are indented by `indent`.
    fn inline_or_block(value: &Value, indent: usize, out: &mut String) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => {
                use std::fmt::Write as _;
                let _ = write!(out, "{n}");
            }
            Value::String(s) if literal_block_fits(s) => literal_block(s, indent, out),
            Value::String(s) => push_string(s, out),
            Value::Array(_) => out.push_str("[]"),
            Value::Object(_) => out.push_str("{}"),
        }
    }

    /// A string as a plain, single-quoted or double-quoted scalar.
    #[cfg(test)]
    pub fn string(s: &str) -> String {
        let mut out = String::new();
        push_string(s, &mut out);
        out
    }

    /// `string`, appended to `out`.
    fn push_string(s: &str, out: &mut String) {
        if s.chars().any(needs_escape) || s.contains('\n') {
            double_quoted(s, out)
        } else if plain_is_safe(s) {
            out.push_str(s)
        } else {
            out.push('\'');
            for (i, part) in s.split('\'').enumerate() {
                if i > 0 {
                    out.push_str("''");
                }
                out.push_str(part);
            }
            out.push('\'');
        }
    }

    fn needs_escape(c: char) -> bool {
        c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
    }

    fn double_quoted(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if needs_escape(c) => {
                    use std::fmt::Write as _;
                    let _ = write!(out, "\\u{:04X}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// Multi-line text without control characters reads best as `|`.
    fn literal_block_fits(s: &str) -> bool {
        s.contains('\n')
            && !s.starts_with([' ', '\n'])
            && !s.ends_with("\n\n")
            && !s.chars().any(|c| c != '\n' && needs_escape(c))
            && s.lines().all(|line| line.trim_end() == line)
    }

    fn literal_block(s: &str, indent: usize, out: &mut String) {
        let (header, body) = match s.strip_suffix('\n') {
            Some(body) => ("|", body),
            None => ("|-", s),
        };
        out.push_str(header);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                pad(indent, out);
                out.push_str(line);
            }
        }
    }

    /// Whether `s` reads back as this same string, unquoted, under both
    /// YAML 1.1 and YAML 1.2 rules.
    fn plain_is_safe(s: &str) -> bool {
        let Some(first) = s.chars().next() else {
            return false;
        };
        let second = s.chars().nth(1);
        let starts_ok = match first {
            '-' | '?' | ':' => second.is_some_and(|c| c != ' '),
            ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
            | '@' | '`' | ' ' => false,
            _ => true,
        };
        starts_ok
            && !s.ends_with([' ', ':'])
            && !s
                .as_bytes()
                .windows(2)
                .any(|pair| pair == b": " || pair == b" #")
            && !is_special_word(s)
            && !looks_numeric(s)
            && !looks_like_date(s)
    }

    /// Booleans and nulls of YAML 1.1 and 1.2, and the 1.1 merge/value keys.
    fn is_special_word(s: &str) -> bool {
        [
            "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
        ]
        .iter()
        .any(|word| s.eq_ignore_ascii_case(word))
    }

    /// Integers (with `_`, `0x`, `0o`, `0b`, sexagesimal `1:20`), floats
    /// and `.inf`/`.nan`: anything starting like a number and made only of
    /// characters a number can hold is quoted, which errs on the safe side.
    fn looks_numeric(s: &str) -> bool {
        let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
        // Each form below starts so (checked first: most strings do not).
        if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return false;
        }
        let lower = unsigned.to_ascii_lowercase();
        if matches!(lower.as_str(), ".inf" | ".nan") {
            return true;
        }
        let digits_and = |rest: &str, extra: &str| {
            rest.chars()
                .all(|c| c.is_ascii_digit() || extra.contains(c))
        };
        if let Some(hex) = lower.strip_prefix("0x") {
            return hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
        }
        if let Some(rest) = lower
            .strip_prefix("0o")
            .or_else(|| lower.strip_prefix("0b"))
        {
            return digits_and(rest, "_");
        }
        lower.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && lower.chars().any(|c| c.is_ascii_digit())
            && digits_and(&lower, "_:.e+-")
    }

    /// YAML 1.1 timestamps start with `YYYY-M-D`.
    fn looks_like_date(s: &str) -> bool {
        // Four digits and a dash first (checked first: most strings fail).
        let bytes = s.as_bytes();
        if bytes.len() < 5 || bytes[4] != b'-' || !bytes[..4].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let mut parts = s.splitn(3, '-');
        let year = parts.next().unwrap_or_default();
        let month = parts.next().unwrap_or_default();
        let rest = parts.next().unwrap_or_default();
        let day: String = rest.chars().take_while(char::is_ascii_digit).collect();
        year.len() == 4
            && year.chars().all(|c| c.is_ascii_digit())
            && (1..=2).contains(&month.len())
            && month.chars().all(|c| c.is_ascii_digit())
            && (1..=2).contains(&day.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_read_by_the_json_parser_and_flow_yaml_still_works() {
        let json = parse(r#" {"a": {"b": [1, 2.5, "x"]}, "c": null}"#).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"a": {"b": [1, 2.5, "x"]}, "c": null})
        );
        let flow = parse("{a: 1, b: [x, y]}").unwrap();
        assert_eq!(flow, serde_json::json!({"a": 1, "b": ["x", "y"]}));
        let err = parse("{\"a\": [1, 2}").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
    }

    #[test]
    fn json_and_yaml_give_the_same_tree() {
        let a = parse(r#"{"a": [1, "x", null, true]}"#).unwrap();
        let b = parse("a:\n  - 1\n  - x\n  - null\n  - true\n").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(err.column.is_some());
    }

    /// Strings YAML 1.1 (kubectl) or YAML 1.2 would read as something else.
    const AMBIGUOUS: &[&str] = &[
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "N",
        "true",
        "False",
        "null",
        "~",
        "",
        "1_000",
        "1:20",
        "2001-12-14",
        "2001-12-14 21:59:43",
        "1e3",
        "0x1F",
        "012",
        "0o17",
        "0b101",
        "+12",
        ".5",
        "-.inf",
        ".NaN",
        "<<",
        "=",
        "8080",
        "-",
        "a: b",
        "x #y",
        " padded",
        "end:",
        "#comment",
        "*alias",
        "&anchor",
        "!tag",
        "@at",
        "%dir",
        "'q'",
        "\"q\"",
        "[a]",
        "{a}",
    ];

    #[test]
    fn ambiguous_strings_are_quoted() {
        for s in AMBIGUOUS {
            let quoted = emit::string(s);
            assert!(quoted.starts_with(['\'', '"']), "{s:?} written as {quoted}");
            let text = value_to_string(&serde_json::json!({ *s: *s }));
            assert_eq!(text, format!("{quoted}: {quoted}\n"));
            if *s == "<<" {
                // Read back, `<<` is a merge key by design (see `parse`).
                continue;
            }
            assert_eq!(
                parse(&text).unwrap(),
                serde_json::json!({ *s: *s }),
                "{text}"
            );
        }
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "10Gi",
            "500m",
            "25%",
            "-c",
            "--older-than",
            "30d",
            "30 3 * * *",
            "nginx:1.25",
            "${LOG_LEVEL}",
            "api-headless",
            "redis://cache:6379",
            "/var/log",
            "best-effort",
        ] {
            assert_eq!(
                value_to_string(&serde_json::json!({ "k": s })),
                format!("k: {s}\n")
            );
        }
    }

    #[test]
    fn layout_matches_kubectl_style() {
        let value = serde_json::json!({
            "a": {"b": [1, {"c": "x", "d": []}, [true, null]]},
            "e": {},
            "script": "set -e\n./migrate\n",
        });
        assert_eq!(
            value_to_string(&value),
            "a:\n  b:\n  - 1\n  - c: x\n    d: []\n  - - true\n    - null\ne: {}\nscript: |\n  set -e\n  ./migrate\n"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips(key in "\\PC{0,12}", value in "(\\PC|\n|\t| ){0,24}") {
            let tree = serde_json::json!({ "k": { key.clone(): [value.clone()] }, "v": value });
            proptest::prop_assert_eq!(parse(&value_to_string(&tree)).unwrap(), tree);
        }
    }

    #[test]
    fn merge_keys_are_expanded() {
        let v = parse("base: &b {image: nginx, port: 80}\nweb:\n  <<: *b\n  port: 8080\n").unwrap();
        assert_eq!(v["web"]["image"], "nginx");
        assert_eq!(v["web"]["port"], 8080);
        assert!(v["web"].get("<<").is_none());
    }

    #[test]
    fn non_string_keys_become_strings() {
        let v = parse("8080: web\ntrue: x\n1.5: f\n~: n\n").unwrap();
        assert_eq!(v["8080"], "web");
        assert_eq!(v["true"], "x");
        assert_eq!(v["1.5"], "f");
        assert_eq!(v["null"], "n");
    }

    #[test]
    fn tags_are_dropped_and_order_is_kept() {
        let v = parse("b: !custom 1\na: !!str 2\nc: .nan\n").unwrap();
        assert_eq!(v["b"], 1);
        assert_eq!(v["a"], "2");
        // No JSON number: the text written.
        assert_eq!(v["c"], ".nan");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let err = parse("a: 1\nb:\n  c: 2\n  c: 3\n").unwrap_err();
        assert_eq!(
            err.message,
            "duplicate key \"c\" in `b`; a key may appear once in a map"
        );
        // Located at the second key.
        assert_eq!((err.line, err.column), (Some(4), Some(3)), "{err:?}");
        // JSON alike (its parsers usually keep the last value silently).
        let err = parse("{\n  \"a\": 1,\n  \"a\": 2\n}\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(3)), "{err:?}");
    }

    #[test]
    fn a_byte_order_mark_is_accepted_and_other_encodings_are_refused() {
        assert_eq!(
            parse("\u{feff}a: 1\n").unwrap(),
            serde_json::json!({"a": 1})
        );
        let err = decode(b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(4)));
        assert!(
            err.message.contains("byte 0xFF at byte offset 8"),
            "{}",
            err.message
        );
        let err = decode(vec![0xff, 0xfe, b'a', 0]).unwrap_err();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
    }

    #[test]
    fn aliases_count_as_expanded_and_the_tree_is_bounded() {
        // Ten levels of ten aliases each: 10^10 values from a few lines.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(
            err.message.contains(&MAX_NODES.to_string()),
            "{}",
            err.message
        );
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("nested more than"), "{}", err.message);
        assert!(parse("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .message
            .contains("one YAML document"));
    }

    /// Takes the items of the list under `keys`, recording what it is asked.
    #[derive(Default)]
    struct Take {
        keys: Vec<&'static str>,
        asked: Vec<String>,
        /// The first 100 items.
        items: Vec<Value>,
        count: usize,
        restarts: usize,
    }

    impl Split for Take {
        fn wants(&mut self, keys: &[&str]) -> bool {
            self.asked.push(keys.join("."));
            keys == self.keys.as_slice()
        }
        fn item(&mut self, value: Value) {
            self.count += 1;
            if self.items.len() < 100 {
                self.items.push(value);
            }
        }
        fn restart(&mut self) {
            self.items.clear();
            self.count = 0;
            self.asked.clear();
            self.restarts += 1;
        }
    }

    fn take(keys: &[&'static str], text: &str) -> (Result<Value, SyntaxError>, Take) {
        let mut split = Take {
            keys: keys.to_vec(),
            ..Take::default()
        };
        (parse_split(text, &mut split), split)
    }

    #[test]
    fn a_split_list_goes_item_by_item_and_stays_empty_in_the_tree() {
        let yaml = "a: [0]\nk:\n  l: &i [1]\n  s:\n    - {c: 2, <<: {d: 3}, e: *i}\n    - *i\n    - [4]\n  t: [5]\n";
        let whole = parse(yaml).unwrap();
        for text in [yaml.to_string(), serde_json::to_string(&whole).unwrap()] {
            let (tree, split) = take(&["k", "s"], &text);
            assert_eq!(split.items, whole["k"]["s"].as_array().unwrap().clone());
            let mut expected = whole.clone();
            expected["k"]["s"] = serde_json::json!([]);
            assert_eq!(tree.unwrap(), expected);
            // Asked about lists one or two maps deep until it said yes;
            // not about `k.l` in YAML, whose anchor an alias needs.
            let asked = if text.starts_with('{') {
                vec!["a", "k.l", "k.s"]
            } else {
                vec!["a", "k.s"]
            };
            assert_eq!(split.asked, asked, "{text}");
        }
    }

    #[test]
    fn the_json_reader_giving_up_restarts_the_split() {
        let (tree, split) = take(&["s"], "{\"s\": [1, 2], \"t\": 3} # a comment\n");
        assert_eq!(tree.unwrap(), serde_json::json!({"s": [], "t": 3}));
        assert_eq!(split.restarts, 1);
        assert_eq!(split.items, [serde_json::json!(1), serde_json::json!(2)]);
    }

    #[test]
    fn errors_inside_a_split_list_name_the_item() {
        let (tree, _) = take(&["s"], "s:\n  - a: 1\n  - b: 1\n    b: 2\n");
        let err = tree.unwrap_err();
        assert_eq!(
            err.message,
            "duplicate key \"b\" in `s[1]`; a key may appear once in a map"
        );
        assert_eq!((err.line, err.column), (Some(4), Some(5)));
        // Items handed over count towards the limit on values, aliases
        // as expanded: 1,000 values used 2,001 times.
        let values = vec!["0"; 999].join(", ");
        let aliases = vec!["*a"; 2_001].join(", ");
        let text = format!("a: &a [{values}]\ns: [{aliases}]\n");
        let (tree, split) = take(&["s"], &text);
        assert!(tree.unwrap_err().message.contains(&MAX_NODES.to_string()));
        // 1,004 values before the aliases (the maps, keys and `a`).
        assert_eq!(split.count, (MAX_NODES - 1_004) / 1_000);
    }
}
