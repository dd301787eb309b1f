//! What the fast readers (`json`, `block`) keep track of as they read: the
//! values and the depth, counted as the YAML reader counts them (a
//! document over its limits is left to the YAML reader, which says so),
//! and the one list whose items go to a `Split`.

use serde_json::Value;

use super::load::{MAX_DEPTH, MAX_NODES};
use super::Split;

/// The map keys from the document down to a value while every value on
/// the way is a map, for `Split::wants`; `None` below that.
pub type Keys<'k> = Option<&'k mut Vec<String>>;

pub struct Tally<'s> {
    /// Values read so far (each key, each value, each list and map).
    nodes: usize,
    /// Where the items of one list go instead of the tree.
    split: &'s mut dyn Split,
    /// Whether `split` has taken a list (it takes one at most).
    split_chosen: bool,
}

impl<'s> Tally<'s> {
    pub fn new(split: &'s mut dyn Split) -> Self {
        Tally {
            nodes: 0,
            split,
            split_chosen: false,
        }
    }

    /// One more value; `None` past the limit.
    pub fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// Entering a list or map `depth` collections deep; `None` past the
    /// depth limit or the value limit.
    pub fn open(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.count()
    }

    /// Whether the list starting here goes to the `Split`: the first one
    /// it wants, at most two maps deep, as the YAML reader asks.
    pub fn split_wants(&mut self, keys: Keys<'_>) -> bool {
        let Some(keys) = keys.filter(|k| !self.split_chosen && (1..=2).contains(&k.len())) else {
            return false;
        };
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.split_chosen = self.split.wants(&keys);
        self.split_chosen
    }

    /// A complete item of the list the `Split` takes.
    pub fn hand_over(&mut self, item: Value) {
        self.split.item(item);
    }
}
