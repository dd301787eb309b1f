//! Writing an edited state back into the user's own text: only what
//! changed is written anew, so comments, order, quoting and blank lines of
//! everything else stay as the user wrote them.
//!
//! The unit is a top-level key (its lines up to the next top-level key),
//! and within `_services` one list item: an unchanged one keeps its lines
//! byte for byte, a changed one is written by the emitter (its own comments
//! are lost), a removed one goes, a new one is added at the end. Anything
//! this does not follow (flow style at the top, a key not at column 1, an
//! item whose dash is not first on its line) gives `None`, and the caller
//! writes the whole document instead. The result is read back and must
//! give exactly the new state, or it is `None` too (aliases, say).

use serde_json::{Map, Value};

/// A block of whole lines of the original text: `[start, end)` line
/// indexes from 0.
#[derive(Debug, Clone, Copy)]
struct Lines {
    start: usize,
    end: usize,
}

pub fn rewrite(original: &str, before: &Value, after: &Value) -> Option<String> {
    let (Value::Object(old), Value::Object(new)) = (before, after) else {
        return None;
    };
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let positions = super::load::positions(original);
    // Top-level keys in the order of the text.
    let mut keys: Vec<(&String, usize)> = Vec::new();
    for key in old.keys() {
        let (line, column) = *positions.get(key.as_str())?;
        if column != 1 || line == 0 || key.contains(['.', '[']) {
            return None;
        }
        keys.push((key, line - 1));
    }
    keys.sort_by_key(|(_, line)| *line);
    let first = keys.first().map_or(lines.len(), |(_, line)| *line);
    let mut out: String = lines[..first].concat();
    for (i, (key, start)) in keys.iter().enumerate() {
        let end = keys.get(i + 1).map_or(lines.len(), |(_, line)| *line);
        // Comments and blank lines just before the next key belong to it.
        let body_end = trailing_notes(&lines, *start, end);
        let body = Lines {
            start: *start,
            end: body_end,
        };
        let notes: String = lines[body_end..end].concat();
        match new.get(key.as_str()) {
            None => {}
            Some(value) if Some(value) == old.get(key.as_str()) => {
                push_lines(&mut out, &lines, body);
            }
            Some(value) => {
                let services = (key.as_str() == "_services")
                    .then(|| rewrite_items(&lines, &positions, body, &old[key.as_str()], value))
                    .flatten();
                match services {
                    Some(text) => out.push_str(&text),
                    None => out.push_str(&entry(key, value)),
                }
            }
        }
        out.push_str(&notes);
    }
    for (key, value) in new {
        if !old.contains_key(key) {
            out.push_str(&entry(key, value));
        }
    }
    // Safety net: the text must read back as exactly the new state.
    (super::parse(&out).ok().as_ref() == Some(after)).then_some(out)
}

/// The first line of the run of comment and blank lines that ends the
/// block `[start, end)` (its first line, the key, never counts).
fn trailing_notes(lines: &[&str], start: usize, end: usize) -> usize {
    let mut cut = end;
    while cut > start + 1 {
        let line = lines[cut - 1].trim_start();
        if line.trim().is_empty() || line.starts_with('#') {
            cut -= 1;
        } else {
            break;
        }
    }
    cut
}

fn push_lines(out: &mut String, lines: &[&str], block: Lines) {
    out.push_str(&lines[block.start..block.end].concat());
    if !out.ends_with('\n') {
        out.push('\n');
    }
}

/// `key: value` as the emitter writes it.
fn entry(key: &str, value: &Value) -> String {
    let mut map = Map::new();
    map.insert(key.to_string(), value.clone());
    super::value_to_string(&Value::Object(map))
}

/// `_services:` with its unchanged items as written and the others
/// written anew (at the indentation the file uses).
fn rewrite_items(
    lines: &[&str],
    positions: &std::collections::HashMap<String, (usize, usize)>,
    block: Lines,
    old: &Value,
    new: &Value,
) -> Option<String> {
    let (Value::Array(old), Value::Array(new)) = (old, new) else {
        return None;
    };
    // `_services:` alone on its line, each item starting on a later line.
    let head = lines[block.start].trim_end();
    if head != "_services:" || old.is_empty() {
        return None;
    }
    let mut starts = Vec::new();
    let mut dash_column = None;
    for i in 0..old.len() {
        let (line, column) = *positions.get(&format!("_services[{i}]"))?;
        let text = lines.get(line - 1)?;
        let before = text.get(..column.checked_sub(1)?)?;
        let indent = before.len() - before.trim_start().len();
        if before.trim() != "-" || line - 1 <= block.start {
            return None;
        }
        if *dash_column.get_or_insert(indent) != indent {
            return None;
        }
        starts.push(line - 1);
    }
    let indent = " ".repeat(dash_column?);
    let mut out = lines[block.start..starts[0]].concat();
    for item in new {
        match old.iter().position(|o| o == item) {
            Some(i) => {
                let end = starts.get(i + 1).copied().unwrap_or(block.end);
                push_lines(
                    &mut out,
                    lines,
                    Lines {
                        start: starts[i],
                        end,
                    },
                );
            }
            None => {
                let text = super::value_to_string(&Value::Array(vec![item.clone()]));
                for line in text.lines() {
                    out.push_str(&indent);
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, change: impl FnOnce(&mut Value)) -> Option<String> {
        let before = super::super::parse(text).unwrap();
        let mut after = before.clone();
        change(&mut after);
        rewrite(text, &before, &after)
    }

    const STATE: &str = "\
# my shop
namespace: shop   # prod soon
_services:
  # the database first
  - name: db
    image: postgres:16   # pinned
    port: \"5432\"
  - name: web
    image: web:1
    _note: keep me
ingress: shop.example.com
";

    #[test]
    fn only_the_changed_service_is_written_anew() {
        let text = edit(STATE, |s| s["_services"][1]["image"] = "web:2".into()).unwrap();
        assert_eq!(
            text,
            "\
# my shop
namespace: shop   # prod soon
_services:
  # the database first
  - name: db
    image: postgres:16   # pinned
    port: \"5432\"
  - name: web
    image: web:2
    _note: keep me
ingress: shop.example.com
"
        );
    }

    #[test]
    fn a_changed_key_removed_service_and_new_key_keep_the_rest() {
        let text = edit(STATE, |s| {
            s["namespace"] = "store".into();
            s["_services"].as_array_mut().unwrap().remove(1);
            s["output_dir"] = "deploy".into();
        })
        .unwrap();
        assert_eq!(
            text,
            "\
# my shop
namespace: store
_services:
  # the database first
  - name: db
    image: postgres:16   # pinned
    port: \"5432\"
ingress: shop.example.com
output_dir: deploy
"
        );
    }

    #[test]
    fn flow_style_is_left_to_the_caller() {
        assert_eq!(
            edit("{namespace: shop}\n", |s| s["namespace"] = "x".into()),
            None
        );
    }
}
