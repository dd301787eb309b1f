//! The request log of `-v N`, in kubectl's (klog's) line shape so that
//! people who read `kubectl -v=6` output read ours the same way:
//!
//! ```text
//! I1205 23:05:52.589787   25119 transport.rs] "Response" verb="GET" url="https://…" status="200 OK" milliseconds=12
//! ```
//!
//! Level 6 logs each answer (method, URL, status, time); level 8 adds the
//! request and response bodies with Secret values masked. The
//! Authorization header is never logged (it is added below this layer and
//! the log shows no headers at all).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::sanitize;

/// The level from which each request is logged.
pub const REQUESTS: u8 = 6;
/// The level from which bodies are logged.
pub const BODIES: u8 = 8;

/// How much of a body a log line shows (kubectl cuts bodies too).
const BODY_SHOWN: usize = 1024;

/// One klog-style line for stderr; `message` is the quoted message and
/// `fields` the `key=value` pairs after it.
pub fn line(message: &str, fields: &[(&str, String)]) -> String {
    let mut text = format!("{} {message:?}", prefix(SystemTime::now()));
    for (key, value) in fields {
        text.push_str(&format!(" {key}={value}"));
    }
    text
}

/// `"Response" verb="GET" url="…" status="200 OK" milliseconds=12`.
pub fn response(method: &str, url: &str, status: &str, took: Duration) -> String {
    line(
        "Response",
        &[
            ("verb", quote(method)),
            ("url", quote(url)),
            ("status", quote(status)),
            ("milliseconds", took.as_millis().to_string()),
        ],
    )
}

/// `"Request Body" body="…"` or `"Response Body" body="…"`, masked.
pub fn body(message: &str, bytes: &[u8]) -> String {
    line(message, &[("body", quote(&masked_body(bytes)))])
}

/// A body as it may be shown: JSON with every Secret's `data` and
/// `stringData` values replaced by `***` (in a list too), cut to a
/// readable length; text that is not JSON is shown cut and sanitised.
pub fn masked_body(bytes: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            mask_secrets(&mut value);
            value.to_string()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    if text.len() > BODY_SHOWN {
        let mut cut = BODY_SHOWN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{} [truncated {} chars]", &text[..cut], text.len() - cut)
    } else {
        text
    }
}

/// Secret values masked in a Secret or a SecretList (whose items carry no
/// `kind` of their own when a server lists them).
fn mask_secrets(value: &mut Value) {
    let kind = value.get("kind").and_then(Value::as_str);
    let (secret, whole_list) = (kind == Some("Secret"), kind == Some("SecretList"));
    if secret {
        mask_data(value);
    }
    if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if whole_list {
                mask_data(item);
            } else {
                mask_secrets(item);
            }
        }
    }
}

fn mask_data(secret: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(map) = secret.get_mut(field).and_then(Value::as_object_mut) {
            for entry in map.values_mut() {
                *entry = Value::from("***");
            }
        }
    }
}

/// A value in double quotes with `"` and `\` escaped, control characters
/// made harmless (a URL or a server's text can hold anything).
fn quote(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{}\"", sanitize::one_line(&escaped))
}

/// `I1205 23:05:52.589787   25119 transport.rs]`: severity, month, day,
/// time (UTC) with microseconds, process id, source.
fn prefix(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (_, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!(
        "I{month:02}{day:02} {:02}:{:02}:{:02}.{:06} {:>7} transport.rs]",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_micros(),
        std::process::id()
    )
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm), so that no date crate is needed for a log prefix. Public:
/// the test API server's timestamps use it too.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_out_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_427), (2025, 12, 5));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn the_prefix_has_klogs_shape() {
        let at = UNIX_EPOCH + Duration::from_micros(1_764_975_952_589_787);
        let text = prefix(at);
        assert!(text.starts_with("I1205 23:05:52.589787 "), "{text}");
        assert!(text.ends_with(" transport.rs]"), "{text}");
    }

    #[test]
    fn secret_values_are_masked_in_objects_and_lists() {
        let secret = br#"{"kind":"Secret","data":{"a":"c2VjcmV0"},"stringData":{"b":"plain"}}"#;
        assert_eq!(
            masked_body(secret),
            r#"{"kind":"Secret","data":{"a":"***"},"stringData":{"b":"***"}}"#
        );
        let list = br#"{"kind":"SecretList","items":[{"data":{"a":"eA=="}}]}"#;
        assert!(!masked_body(list).contains("eA=="));
        let config = br#"{"kind":"ConfigMap","data":{"a":"visible"}}"#;
        assert!(masked_body(config).contains("visible"));
    }

    #[test]
    fn quoted_values_stay_on_one_line_and_harmless() {
        assert_eq!(quote("a\"b\n\x1b[31m"), "\"a\\\"b\\n\u{FFFD}[31m\"");
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = format!("\"{}\"", "x".repeat(5000));
        let shown = masked_body(long.as_bytes());
        assert!(
            shown.len() < 1100 && shown.ends_with("[truncated 3978 chars]"),
            "{shown}"
        );
    }
}
