//! The shape the fast readers' bracketed collections share: JSON's objects
//! and arrays and YAML's flow maps and lists are items separated by commas
//! up to a closing bracket; only the white space and the items differ.

use serde_json::Value;

/// A reader positioned in its text, as `separated` walks it.
pub trait Cursor {
    /// The byte at the position, `None` at the end.
    fn peek(&self) -> Option<u8>;
    /// Past one byte.
    fn step(&mut self);
    /// Past the white space this kind of text allows between tokens.
    fn skip_blank(&mut self);
    /// Give a complete item of the split list to the `Split`.
    fn hand_over(&mut self, item: Value);
}

/// A list, its opening bracket already read: its `item`s in an array, or,
/// when `split`, each handed over as it is read (the array left empty).
pub fn list<C: Cursor>(
    cursor: &mut C,
    split: bool,
    mut item: impl FnMut(&mut C) -> Option<Value>,
) -> Option<Value> {
    let mut items = Vec::new();
    separated(cursor, b']', |cursor| {
        let value = item(cursor)?;
        match split {
            true => cursor.hand_over(value),
            false => items.push(value),
        }
        Some(())
    })?;
    Some(Value::Array(items))
}

/// Read `item`s separated by commas up to `close` and past it, the opening
/// bracket already read; an empty collection reads none. `None` when an
/// item fails or anything but a comma or `close` follows one.
pub fn separated<C: Cursor>(
    cursor: &mut C,
    close: u8,
    mut item: impl FnMut(&mut C) -> Option<()>,
) -> Option<()> {
    cursor.skip_blank();
    if cursor.peek() == Some(close) {
        cursor.step();
        return Some(());
    }
    loop {
        item(cursor)?;
        cursor.skip_blank();
        match cursor.peek()? {
            b',' => {
                cursor.step();
                cursor.skip_blank();
            }
            byte if byte == close => {
                cursor.step();
                return Some(());
            }
            _ => return None,
        }
    }
}
