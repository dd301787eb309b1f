//! Reading a YAML (or JSON, which is YAML) document into a JSON value tree
//! from the parser's events, which give what a serde reader hides: the text
//! of every scalar as written, the position of every node, and the size of
//! the tree as aliases expand it.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};

use super::{Split, SyntaxError};

/// The most values (scalars, lists and maps, each alias counted as often as
/// it is used) one document may hold. A 10,000-service state holds about
/// 400,000; the limit keeps a small file with nested aliases (the "billion
/// laughs") from taking the machine's memory.
pub const MAX_NODES: usize = 2_000_000;

/// The deepest nesting of lists and maps; a state needs about 8.
pub const MAX_DEPTH: usize = 64;

/// Parse one document, handing the items of the list `split` wants to
/// it. See `super::parse_split`.
pub fn parse(text: &str, split: &mut dyn Split) -> Result<Value, SyntaxError> {
    let mut builder = Builder {
        stack: Vec::new(),
        root: None,
        documents: 0,
        nodes: 0,
        anchors: HashMap::new(),
        split,
        split_chosen: false,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(scan_error)?;
        builder.event(event, span)?;
    }
    Ok(builder.root.unwrap_or(Value::Null))
}

/// The position (line, column; both from 1) of every key and list item of
/// a document, by the path the state reader gives it (`a.b[0].c`). Aliased
/// values are not entered: their paths fall back to the alias's position.
pub fn positions(text: &str) -> HashMap<String, (usize, usize)> {
    let mut out = HashMap::new();
    // Each open collection: its path, and for a map the key being read
    // (`None` while a key is expected), for a list the next index.
    enum Open {
        Map(String, Option<String>),
        Seq(String, usize),
    }
    let mut stack: Vec<Open> = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        let at = (span.start.line(), span.start.col() + 1);
        let is_start = matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        );
        if !is_start {
            if matches!(event, Event::SequenceEnd | Event::MappingEnd) {
                stack.pop();
                // The collection was a value: its parent map expects a key.
                if let Some(Open::Map(_, key)) = stack.last_mut() {
                    *key = None;
                }
            }
            continue;
        }
        // The path of this node, or `None` when it is a map key.
        let path = match stack.last_mut() {
            None => Some(String::new()),
            Some(Open::Seq(parent, index)) => {
                *index += 1;
                Some(format!("{parent}[{}]", *index - 1))
            }
            Some(Open::Map(parent, key @ None)) => {
                let name = match &event {
                    Event::Scalar(text, ..) if text.is_empty() => "null".to_string(),
                    Event::Scalar(text, ..) => text.to_string(),
                    _ => String::new(),
                };
                let path = join(parent, &name);
                out.entry(path).or_insert(at);
                *key = Some(name);
                None
            }
            Some(Open::Map(parent, Some(key))) => Some(join(parent, key)),
        };
        let Some(path) = path else {
            if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
                // A collection as a key: entered under an unnamed path.
                stack.push(Open::Seq(String::new(), 0));
            }
            continue;
        };
        out.entry(path.clone()).or_insert(at);
        match event {
            Event::SequenceStart(..) => stack.push(Open::Seq(path, 0)),
            Event::MappingStart(..) => stack.push(Open::Map(path, None)),
            _ => {
                if let Some(Open::Map(_, key)) = stack.last_mut() {
                    *key = None;
                }
            }
        }
    }
    out
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn scan_error(e: ScanError) -> SyntaxError {
    SyntaxError {
        line: Some(e.marker().line()),
        column: Some(e.marker().col() + 1),
        message: e.info().to_string(),
    }
}

fn error_at(span: &Span, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line: Some(span.start.line()),
        column: Some(span.start.col() + 1),
        message: message.into(),
    }
}

/// A map key being filled in: a named key, or `<<` (its value is merged).
enum Key {
    Named(String),
    Merge(Span),
}

enum Frame {
    Seq {
        items: Vec<Value>,
        /// Items handed to the `Split` instead of kept (`None`: the list
        /// keeps its items).
        handed_over: Option<usize>,
        anchor: usize,
        nodes_before: usize,
    },
    Map {
        map: Map<String, Value>,
        key: Option<Key>,
        merges: Vec<(Value, Span)>,
        anchor: usize,
        nodes_before: usize,
    },
}

struct Builder<'s> {
    stack: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
    /// Values created so far, aliases counted as expanded.
    nodes: usize,
    /// Anchored values, with the number of values each holds.
    anchors: HashMap<usize, (Value, usize)>,
    /// Where the items of one list go instead of the tree.
    split: &'s mut dyn Split,
    /// Whether `split` has taken a list (it takes one at most).
    split_chosen: bool,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(error_at(
                        &span,
                        "a second document (`---`) was found; a state is one YAML document",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, &span)?;
                if self.expects_key() {
                    let merge = style == ScalarStyle::Plain && text == "<<" && tag.is_none();
                    let name = if style == ScalarStyle::Plain && is_null(&text) {
                        "null".to_string()
                    } else {
                        exact(text)
                    };
                    if anchor != 0 {
                        self.anchors
                            .insert(anchor, (Value::String(name.clone()), 1));
                    }
                    return self.set_key(name, merge, span);
                }
                let value = resolve(text, style, tag.as_deref());
                self.finish(value, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some(&(_, count)) = self.anchors.get(&id) else {
                    return Err(error_at(&span, "an alias names an unknown anchor"));
                };
                if self.expects_key() {
                    let Some((Value::String(name), _)) = self.anchors.get(&id) else {
                        return Err(error_at(
                            &span,
                            "a map key must be a single value, not a list or a map",
                        ));
                    };
                    let name = name.clone();
                    self.count(1, &span)?;
                    return self.set_key(name, false, span);
                }
                // Counted before the copy is made: a bomb stops here.
                self.count(count, &span)?;
                let value = self.anchors.get(&id).map(|(v, _)| v.clone());
                self.finish(value.unwrap_or(Value::Null), 0, count)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(&span)?;
                let handed_over = (anchor == 0 && self.split_wants()).then_some(0);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    handed_over,
                    anchor,
                    nodes_before: self.nodes - 1,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(&span)?;
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                    nodes_before: self.nodes - 1,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    anchor,
                    nodes_before,
                    ..
                }) = self.stack.pop()
                {
                    let count = self.nodes - nodes_before;
                    self.finish(Value::Array(items), anchor, count)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    nodes_before,
                    ..
                }) = self.stack.pop()
                {
                    merge_into(&mut map, merges)?;
                    let count = self.nodes - nodes_before;
                    self.finish(Value::Object(map), anchor, count)?;
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn count(&mut self, values: usize, span: &Span) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(values);
        if self.nodes > MAX_NODES {
            return Err(error_at(
                span,
                format!(
                    "the document holds more than {MAX_NODES} values (each use of an alias counts its whole value); a state is far smaller, so this limit keeps a hostile file from taking the machine's memory"
                ),
            ));
        }
        Ok(())
    }

    /// A list or map starts here.
    fn open(&mut self, span: &Span) -> Result<(), SyntaxError> {
        if self.expects_key() {
            return Err(error_at(
                span,
                "a map key must be a single value, not a list or a map",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(error_at(
                span,
                format!("lists and maps are nested more than {MAX_DEPTH} deep; a state needs far fewer levels"),
            ));
        }
        self.count(1, span)
    }

    /// Whether the list starting here goes to the `Split`: the first one
    /// it wants, at most two maps deep (asked only there, and only until
    /// it has one, so the question costs nothing per item).
    fn split_wants(&mut self) -> bool {
        if self.split_chosen || self.stack.is_empty() || self.stack.len() > 2 {
            return false;
        }
        let mut keys = Vec::with_capacity(2);
        for frame in &self.stack {
            match frame {
                Frame::Map {
                    key: Some(Key::Named(name)),
                    ..
                } => keys.push(name.as_str()),
                _ => return false,
            }
        }
        self.split_chosen = self.split.wants(&keys);
        self.split_chosen
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, name: String, merge: bool, span: Span) -> Result<(), SyntaxError> {
        let Some(Frame::Map { map, key, .. }) = self.stack.last_mut() else {
            return Ok(());
        };
        if merge {
            *key = Some(Key::Merge(span));
            return Ok(());
        }
        // YAML forbids a key twice in one map, and JSON's "last one wins"
        // silently drops what was written first: which was meant is
        // anybody's guess, so it is an error in both.
        if map.contains_key(&name) {
            // Built only now: one path per key would cost an allocation
            // per key of every state.
            let path = self.path();
            let whose = if path.is_empty() {
                String::new()
            } else {
                format!(" in `{path}`")
            };
            return Err(error_at(
                &span,
                format!("duplicate key \"{name}\"{whose}; a key may appear once in a map"),
            ));
        }
        *key = Some(Key::Named(name));
        Ok(())
    }

    /// A complete value: remember it when anchored, then put it in place.
    fn finish(&mut self, value: Value, anchor: usize, count: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq {
                handed_over: Some(count),
                ..
            }) => {
                *count += 1;
                self.split.item(value);
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                map, key, merges, ..
            }) => match key.take() {
                Some(Key::Named(name)) => {
                    map.insert(name, value);
                }
                Some(Key::Merge(at)) => merges.push((value, at)),
                None => {}
            },
        }
        Ok(())
    }

    /// The path of the collection being filled, for messages.
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack[..self.stack.len().saturating_sub(1)] {
            match frame {
                Frame::Seq {
                    items, handed_over, ..
                } => {
                    let index = items.len() + handed_over.unwrap_or(0);
                    path.push_str(&format!("[{index}]"));
                }
                Frame::Map {
                    key: Some(Key::Named(name)),
                    ..
                } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                Frame::Map { .. } => {}
            }
        }
        path
    }
}

/// YAML merge keys: `<<: *base` (or a list of them) adds the keys of the
/// referenced maps that the map does not set itself; earlier sources win.
fn merge_into(map: &mut Map<String, Value>, merges: Vec<(Value, Span)>) -> Result<(), SyntaxError> {
    for (merged, span) in merges {
        let sources = match merged {
            Value::Array(sources) => sources,
            single => vec![single],
        };
        for source in sources {
            let Value::Object(source) = source else {
                return Err(error_at(
                    &span,
                    "a merge key `<<` must name a map or a list of maps",
                ));
            };
            for (key, v) in source {
                map.entry(key).or_insert(v);
            }
        }
    }
    Ok(())
}

/// The value of a scalar. Quoted and block scalars are strings; plain ones
/// follow YAML 1.2's core schema (`null`, `~`, `true`, numbers), except
/// that a number is kept only when its JSON form is the text written:
/// `1.10`, `+49151…`, `0x1F`, `1e3`, `.inf` or `010` stay the strings the
/// user typed (a number field still reads them, as it reads `"8080"`), so
/// an env value or annotation arrives character for character.
fn resolve(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag
        .filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.as_str());
    match core {
        Some("str") => return Value::String(exact(text)),
        Some("null" | "bool" | "int" | "float") => return resolve_plain(text),
        _ => {}
    }
    if style == ScalarStyle::Plain {
        resolve_plain(text)
    } else {
        Value::String(exact(text))
    }
}

/// The plain scalars YAML 1.2's core schema reads as null.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

pub(super) fn resolve_plain(text: Cow<'_, str>) -> Value {
    if is_null(&text) {
        return Value::Null;
    }
    match &*text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        let number = if let Ok(i) = text.parse::<i64>() {
            Some(Number::from(i))
        } else if let Ok(u) = text.parse::<u64>() {
            Some(Number::from(u))
        } else {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        };
        if let Some(number) = number.filter(|n| n.to_string() == text) {
            return Value::Number(number);
        }
    }
    Value::String(exact(text))
}

/// The scalar's text as a string of its own length. The parser's own
/// string, when it made one, keeps the spare capacity it grew with; a
/// tree of ~800,000 of them (10,000 services) held ~85 MB of it.
fn exact(text: Cow<'_, str>) -> String {
    match text {
        Cow::Borrowed(text) => text.to_string(),
        Cow::Owned(mut text) => {
            text.shrink_to_fit();
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_the_text_written_unless_it_is_their_json_form() {
        for (text, expected) in [
            ("8080", serde_json::json!(8080)),
            ("-3", serde_json::json!(-3)),
            ("0.5", serde_json::json!(0.5)),
            ("1.10", serde_json::json!("1.10")),
            ("+4915112345678", serde_json::json!("+4915112345678")),
            ("0x1F", serde_json::json!("0x1F")),
            ("1e3", serde_json::json!("1e3")),
            (".inf", serde_json::json!(".inf")),
            ("010", serde_json::json!("010")),
            ("yes", serde_json::json!("yes")),
            ("True", serde_json::json!("True")),
            ("true", serde_json::json!(true)),
            ("~", Value::Null),
            (
                "99999999999999999999999",
                serde_json::json!("99999999999999999999999"),
            ),
        ] {
            assert_eq!(resolve_plain(text.into()), expected, "{text}");
        }
    }

    #[test]
    fn positions_follow_the_reader_paths() {
        let text = "a: 1\nb:\n  - x\n  - c: 2\n    d: [3, 4]\n";
        let at = positions(text);
        assert_eq!(at["a"], (1, 1));
        assert_eq!(at["b"], (2, 1));
        assert_eq!(at["b[0]"], (3, 5));
        assert_eq!(at["b[1]"], (4, 5));
        assert_eq!(at["b[1].c"], (4, 5));
        assert_eq!(at["b[1].d"], (5, 5));
        assert_eq!(at["b[1].d[1]"], (5, 12));
    }
}
