//! One gate for text that came from outside (a state file, a server's
//! answer) on its way to a terminal or a log: control characters that could
//! move the cursor, recolour or retitle the terminal are replaced, and very
//! long text is cut, saying how long it was.

use std::borrow::Cow;

/// Longest text shown from one outside value, in bytes.
pub const MAX_SHOWN: usize = 4096;

/// `text` made safe to print: every control character except newline and
/// tab becomes `�` (so an escape sequence shows as text and does nothing),
/// and text longer than [`MAX_SHOWN`] bytes is cut at a character boundary
/// with `… (N bytes in all)` after it.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let needs_cut = text.len() > MAX_SHOWN;
    let needs_clean = text.chars().any(is_unsafe);
    if !needs_cut && !needs_clean {
        return Cow::Borrowed(text);
    }
    let shown = if needs_cut {
        &text[..floor_char_boundary(text, MAX_SHOWN)]
    } else {
        text
    };
    let mut out: String = shown
        .chars()
        .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
        .collect();
    if needs_cut {
        out.push_str(&format!("… ({} bytes in all)", text.len()));
    }
    Cow::Owned(out)
}

/// Like [`for_terminal`], for text that must stay on one line (a value
/// quoted inside a message): newlines and tabs are shown as `\n` and `\t`.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r', '\t']) {
        return for_terminal(text);
    }
    let escaped = text
        .replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    Cow::Owned(for_terminal(&escaped).into_owned())
}

/// C0 and C1 controls and DEL, but not newline or tab; also the bidi
/// overrides that can make shown text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The largest index ≤ `max` that is a character boundary of `text`.
fn floor_char_boundary(text: &str, max: usize) -> usize {
    (0..=max.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            for_terminal("api: found \"80a\"\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_and_carriage_returns_are_neutralised() {
        assert_eq!(
            for_terminal("a\x1b[2Jb\rc\x07d\u{9b}e"),
            "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e"
        );
        assert_eq!(for_terminal("x\u{202E}y"), "x\u{FFFD}y");
        assert_eq!(
            for_terminal("keeps\ttabs\nand newlines"),
            "keeps\ttabs\nand newlines"
        );
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_with_its_size() {
        let text = "é".repeat(3000); // 6000 bytes
        let shown = for_terminal(&text);
        assert!(shown.ends_with("… (6000 bytes in all)"), "{shown}");
        let kept = shown.trim_end_matches("… (6000 bytes in all)");
        assert_eq!(kept.len(), 4096);
        assert!(kept.chars().all(|c| c == 'é'));
    }

    #[test]
    fn one_line_escapes_line_breaks() {
        assert_eq!(one_line("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(one_line("a\x1bb"), "a\u{FFFD}b");
    }
}
