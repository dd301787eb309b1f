//! Hiding Secret values in a diff the way `kubectl diff` does: every value
//! becomes `***`, and a value that changes becomes `*** (before)` on one
//! side and `*** (after)` on the other so the change stays visible.

use serde_json::{Map, Value};

const MASK: &str = "***";

/// Mask the `data` of a Secret's two versions, in place. `before` is the
/// live object (if any), `after` what apply would make of it.
pub fn mask_secret_pair(before: Option<&mut Value>, after: &mut Value) {
    let mut empty = Map::new();
    let before_data = before.and_then(data_mut);
    let after_data = data_mut(after);
    let (before_data, after_data) = match (before_data, after_data) {
        (None, None) => return,
        (Some(b), None) => (b, &mut empty),
        (None, Some(a)) => (&mut empty, a),
        (Some(b), Some(a)) => (b, a),
    };
    for (key, value) in before_data.iter_mut() {
        match after_data.get_mut(key) {
            Some(other) if other != value => {
                *value = Value::from(format!("{MASK} (before)"));
                *other = Value::from(format!("{MASK} (after)"));
            }
            Some(other) => {
                *value = Value::from(MASK);
                *other = Value::from(MASK);
            }
            None => *value = Value::from(MASK),
        }
    }
    for (key, value) in after_data.iter_mut() {
        if !before_data.contains_key(key) {
            *value = Value::from(MASK);
        }
    }
}

/// Mask every value of a Secret's `data` and `stringData`, in place, keeping
/// the keys: for printing an object as the server returned it, which holds
/// live values the user may never have sent.
pub fn mask_secret_values(object: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(Value::Object(values)) = object.get_mut(field) {
            for value in values.values_mut() {
                *value = Value::from(MASK);
            }
        }
    }
}

fn data_mut(object: &mut Value) -> Option<&mut Map<String, Value>> {
    object.get_mut("data").and_then(Value::as_object_mut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_are_masked_alike_and_changed_ones_are_marked() {
        let mut before = json!({"data": {"SAME": "YQ==", "CHANGED": "Yg==", "GONE": "Yw=="}});
        let mut after = json!({"data": {"SAME": "YQ==", "CHANGED": "eA==", "NEW": "eQ=="}});
        mask_secret_pair(Some(&mut before), &mut after);
        assert_eq!(
            before,
            json!({"data": {"SAME": "***", "CHANGED": "*** (before)", "GONE": "***"}})
        );
        assert_eq!(
            after,
            json!({"data": {"SAME": "***", "CHANGED": "*** (after)", "NEW": "***"}})
        );
    }

    #[test]
    fn a_new_secret_is_all_masked() {
        let mut after = json!({"kind": "Secret", "data": {"K": "Q0hBTkdFX01F"}});
        mask_secret_pair(None, &mut after);
        assert_eq!(after, json!({"kind": "Secret", "data": {"K": "***"}}));
    }

    #[test]
    fn every_value_of_a_returned_secret_is_masked_and_its_keys_kept() {
        let mut secret = json!({"kind": "Secret", "data": {"A": "bGl2ZQ==", "B": ""},
            "stringData": {"C": "x"}, "type": "Opaque"});
        mask_secret_values(&mut secret);
        assert_eq!(
            secret,
            json!({"kind": "Secret", "data": {"A": "***", "B": "***"},
                "stringData": {"C": "***"}, "type": "Opaque"})
        );
    }

    #[test]
    fn a_secret_without_data_is_left_alone() {
        let mut before = json!({"kind": "Secret"});
        let mut after = json!({"kind": "Secret", "type": "Opaque"});
        mask_secret_pair(Some(&mut before), &mut after);
        assert_eq!(after, json!({"kind": "Secret", "type": "Opaque"}));
    }
}
