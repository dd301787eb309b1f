//! `labelSelector` / `fieldSelector` query strings (equality-based, plus
//! set-based `in`/`notin` and existence for labels).

use serde_json::Value;

#[derive(Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

#[derive(Debug, Default)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        split_top_level(text)
            .into_iter()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(parse_requirement)
            .collect::<Result<Vec<_>, _>>()
            .map(Selector)
    }

    /// Against `metadata.labels`.
    pub fn matches_labels(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        self.matches(|key| {
            labels
                .and_then(|l| l.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    }

    /// Against the fields every type supports: `metadata.name`, `metadata.namespace`.
    pub fn matches_fields(&self, object: &Value) -> bool {
        self.matches(|key| {
            let pointer = format!("/{}", key.replace('.', "/"));
            object
                .pointer(&pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    }

    fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.0.iter().all(|req| match req {
            Requirement::Equals(k, v) => lookup(k).as_ref() == Some(v),
            Requirement::NotEquals(k, v) => lookup(k).as_ref() != Some(v),
            Requirement::In(k, vs) => lookup(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => lookup(k).is_none_or(|x| !vs.contains(&x)),
            Requirement::Exists(k) => lookup(k).is_some(),
            Requirement::NotExists(k) => lookup(k).is_none(),
        })
    }
}

/// Splits on commas outside parentheses (`a in (x,y),b=c`).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(text: &str) -> Result<Requirement, String> {
    let owned = |s: &str| s.trim().to_string();
    if let Some(key) = text.strip_prefix('!') {
        return Ok(Requirement::NotExists(owned(key)));
    }
    if let Some((k, v)) = text.split_once("!=") {
        return Ok(Requirement::NotEquals(owned(k), owned(v)));
    }
    if let Some((k, v)) = text.split_once("==").or_else(|| text.split_once('=')) {
        return Ok(Requirement::Equals(owned(k), owned(v)));
    }
    for (word, negated) in [(" notin ", true), (" in ", false)] {
        if let Some((k, rest)) = text.split_once(word) {
            let values = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("unable to parse requirement: {text:?}"))?;
            let values: Vec<String> = values.split(',').map(owned).collect();
            return Ok(if negated {
                Requirement::NotIn(owned(k), values)
            } else {
                Requirement::In(owned(k), values)
            });
        }
    }
    if text.contains(char::is_whitespace) {
        return Err(format!("unable to parse requirement: {text:?}"));
    }
    Ok(Requirement::Exists(owned(text)))
}
