//! The fast path for JSON states (web wizards save JSON). JSON is YAML, and
//! the YAML reader gives the same tree, but at a fraction of the speed of a
//! reader that only has to know JSON's few tokens.
//!
//! The tree must be exactly the one the YAML reader builds: a number keeps
//! the text written unless that is its own JSON form (`1.10`, `1e3` and
//! `99999999999999999999999` stay strings), which serde_json's reader
//! cannot tell (it hands over the parsed number; keeping the text needs its
//! `arbitrary_precision`, which would change `serde_json::Number` for kube
//! and k8s-openapi too). So this reader is written here, and only for the
//! happy path: whatever it does not accept (a syntax error, a duplicate
//! key, a document over the limits, YAML flow such as `{a: 1}`, a comment)
//! gives `None`, and the YAML reader reads the text again and reports what
//! is wrong, where, in the words it always has. Errors cost a second
//! reading; states that read well cost one.

use serde_json::{Map, Value};

use super::flow::{list, separated, Cursor};
use super::load::resolve_plain;
use super::tally::{Keys, Tally};
use super::Split;

/// The tree of a JSON document whose first non-blank character is `{`, or
/// `None` when the text is anything else (see the module's comment). The
/// items of the list `split` wants go to it, as in `super::parse_split`.
pub fn parse(text: &str, split: &mut dyn Split) -> Option<Value> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        tally: Tally::new(split),
    };
    reader.skip_blank();
    if reader.peek() != Some(b'{') {
        return None;
    }
    let value = reader.value(0, Some(&mut Vec::new()))?;
    reader.skip_blank();
    (reader.at == reader.bytes.len()).then_some(value)
}

struct Reader<'t, 's> {
    text: &'t str,
    bytes: &'t [u8],
    /// Byte offset of the next character.
    at: usize,
    /// The values counted and the list handed over.
    tally: Tally<'s>,
}

impl Cursor for Reader<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn step(&mut self) {
        self.at += 1;
    }

    /// JSON's white space: space, tab, line feed, carriage return.
    fn skip_blank(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn hand_over(&mut self, item: Value) {
        self.tally.hand_over(item);
    }
}

impl Reader<'_, '_> {
    /// Consume `byte` (after white space), or fail.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_blank();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// The value starting at the next non-blank character. `depth` is the
    /// number of lists and maps it is inside, `keys` the way to it.
    fn value(&mut self, depth: usize, keys: Keys<'_>) -> Option<Value> {
        self.skip_blank();
        match self.peek()? {
            b'{' => self.object(depth, keys),
            b'[' => {
                let split = self.tally.split_wants(keys);
                self.array(depth, split)
            }
            b'"' => {
                self.tally.count()?;
                self.string().map(Value::String)
            }
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            _ => self.number(),
        }
    }

    /// Entering a list or map: within the depth the YAML reader allows.
    fn open(&mut self, depth: usize) -> Option<()> {
        self.tally.open(depth)?;
        self.at += 1;
        Some(())
    }

    fn object(&mut self, depth: usize, mut keys: Keys<'_>) -> Option<Value> {
        self.open(depth)?;
        let mut map = Map::new();
        separated(self, b'}', |reader| {
            if reader.peek() != Some(b'"') {
                return None;
            }
            reader.tally.count()?;
            let key = reader.string()?;
            reader.expect(b':')?;
            // The way down is followed only as deep as `Split` is asked.
            let value = match keys.as_deref_mut().filter(|k| k.len() < 2) {
                Some(way) => {
                    way.push(key.clone());
                    let value = reader.value(depth + 1, Some(&mut *way));
                    way.pop();
                    value?
                }
                None => reader.value(depth + 1, None)?,
            };
            // A key given twice: the YAML reader reports it at its line.
            map.insert(key, value).is_none().then_some(())
        })?;
        Some(Value::Object(map))
    }

    /// A list; its items go to the `Split` when `split`.
    fn array(&mut self, depth: usize, split: bool) -> Option<Value> {
        self.open(depth)?;
        list(self, split, |reader| reader.value(depth + 1, None))
    }

    /// `true`, `false` or `null`.
    fn word(&mut self, word: &str, value: Value) -> Option<Value> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return None;
        }
        self.at += word.len();
        self.tally.count()?;
        Some(value)
    }

    /// A number as JSON writes it, resolved from its text as the YAML
    /// reader resolves a plain scalar (the text kept when it is not the
    /// number's own JSON form).
    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        self.tally.count()?;
        Some(resolve_plain(self.text[start..self.at].into()))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// At least one digit.
    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// A string; the next character is its opening quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let start = self.at;
        // Most strings have no escape: one copy of the text between quotes.
        loop {
            match self.peek()? {
                b'"' => {
                    let text = &self.text[start..self.at];
                    self.at += 1;
                    return Some(text.to_string());
                }
                b'\\' => break,
                // JSON has no raw control characters in a string.
                0..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut out = String::from(&self.text[start..self.at]);
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                0..=0x1f => return None,
                _ => {
                    // Up to the next quote or backslash, whole characters.
                    let run = self.at;
                    while self
                        .peek()
                        .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
                    {
                        self.at += 1;
                    }
                    out.push_str(&self.text[run..self.at]);
                }
            }
        }
    }

    /// The character of an escape; the backslash is consumed.
    fn escape(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return None,
        })
    }

    /// `\uXXXX`, or a UTF-16 surrogate pair `\uD83D\uDE00` as JSON writes
    /// characters beyond the first plane. A lone surrogate is no character.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if !(0xD800..0xDC00).contains(&first) {
            return char::from_u32(first);
        }
        if !self.bytes[self.at..].starts_with(b"\\u") {
            return None;
        }
        self.at += 2;
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Whole, MAX_DEPTH, MAX_NODES};

    fn parse(text: &str) -> Option<Value> {
        super::parse(text, &mut Whole)
    }

    fn by_yaml_reader(text: &str) -> Result<Value, crate::yaml::SyntaxError> {
        super::super::load::parse(text, &mut Whole)
    }

    /// The YAML reader's tree of the same text.
    fn by_yaml(text: &str) -> Value {
        by_yaml_reader(text).unwrap()
    }

    #[test]
    fn gives_the_tree_the_yaml_reader_gives() {
        for text in [
            r#"{"a": {"b": [1, 2.5, "x", -3, 0, -0, 1.10, 1e3, 1E+3, 0.5, 99999999999999999999999]}, "c": null}"#,
            "{\n  \"_services\" : [ {\"name\":\"web\",\"port\":8080, \"on\": true, \"off\": false} ],\r\n \"e\": {}, \"f\": []}\n",
            r#"{"esc": "q\" b\\ s\/ \b\f\n\r\t \u00e9 \u4e2d", "": "empty key", "~": "tilde", "null": "x", "<<": {"a": 1}}"#,
            r#"{"unicode": "ünïcödé ✓", "big": 18446744073709551615, "neg": -9223372036854775808, "float": 1.5e-7}"#,
        ] {
            assert_eq!(parse(text), Some(by_yaml(text)), "{text}");
        }
    }

    #[test]
    fn tabs_between_tokens_are_json_white_space() {
        assert_eq!(
            parse("{\n\t\"a\":\t[1,\t2]\n}"),
            Some(serde_json::json!({"a": [1, 2]}))
        );
    }

    #[test]
    fn numbers_keep_the_text_written() {
        let v =
            parse(r#"{"a": 1.10, "b": 1e3, "c": 8080, "d": 0.5, "e": 99999999999999999999999}"#)
                .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": "1.10", "b": "1e3", "c": 8080, "d": 0.5, "e": "99999999999999999999999"})
        );
    }

    /// JSON writes a character beyond the first plane as a surrogate
    /// pair; the YAML reader refuses it (a YAML `\u` escape is one character).
    #[test]
    fn surrogate_pairs_are_one_character() {
        assert!(by_yaml_reader(r#"{"a": "\ud83d\ude00"}"#).is_err());
        assert_eq!(
            parse(r#"{"a": "\ud83d\ude00"}"#),
            Some(serde_json::json!({"a": "😀"}))
        );
        // Lone halves are left to the YAML reader, which refuses them.
        assert_eq!(parse(r#"{"a": "\ud83d"}"#), None);
        assert_eq!(parse(r#"{"a": "\ude00"}"#), None);
        assert_eq!(parse(r#"{"a": "\ud83d\u0041"}"#), None);
    }

    #[test]
    fn anything_but_plain_json_is_left_to_the_yaml_reader() {
        for text in [
            "",
            "a: 1",
            "[1, 2]",
            "{a: 1}",
            "{\"a\": 1} # note",
            "{\"a\": 1}\n---\n{}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\": [1, 2}",
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": .5}",
            "{\"a\": +1}",
            "{\"a\": -}",
            "{\"a\": 1e}",
            "{\"a\": tru}",
            "{\"a\": \"\\x41\"}",
            "{\"a\": \"line\nbreak\"}",
            "{\"a\": \"tab\there\"}",
            "{\"a\": 1,}",
            "{\"a\": [1,]}",
            "{\"a\" 1}",
            "{\"a\": 1",
            "{\"a\": \"\\u12\"}",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_limits_are_the_yaml_readers() {
        let nested = |levels: usize| {
            format!(
                "{}{}",
                "{\"a\": ".repeat(levels),
                "}".repeat(levels).replacen('}', "1}", 1)
            )
        };
        assert!(parse(&nested(MAX_DEPTH)).is_some());
        assert!(by_yaml_reader(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(parse(&nested(MAX_DEPTH + 1)), None);
        assert!(by_yaml_reader(&nested(MAX_DEPTH + 1)).is_err());

        // Each item a value, the list and the map one each, the key one.
        let items = |count: usize| format!("{{\"a\": [{}]}}", vec!["0"; count].join(","));
        assert!(parse(&items(MAX_NODES - 3)).is_some());
        assert!(by_yaml_reader(&items(MAX_NODES - 3)).is_ok());
        assert_eq!(parse(&items(MAX_NODES - 2)), None);
        assert!(by_yaml_reader(&items(MAX_NODES - 2)).is_err());
    }
}
