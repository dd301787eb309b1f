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

use serde_json::{Map, Value};

use crate::sanitize;

/// The level from which each request is logged.
pub const REQUESTS: u8 = 6;
/// The level from which bodies are logged.
pub const BODIES: u8 = 8;

/// How much of a body a log line shows at `verbosity`: kubectl (client-go)
/// shows 1,024 characters at 8, 10,240 at 9 and the whole body from 10.
fn body_shown(verbosity: u8) -> Option<usize> {
    match verbosity {
        10.. => None,
        9 => Some(10_240),
        _ => Some(1_024),
    }
}

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

/// `"Request Body" body="…"` or `"Response Body" body="…"` of a request
/// to `url`, masked, cut as kubectl cuts it at `verbosity`.
pub fn body(message: &str, url: &str, bytes: &[u8], verbosity: u8) -> String {
    let shown = masked_body(bytes, names_secrets(url), body_shown(verbosity));
    line(message, &[("body", quote(&shown))])
}

/// The annotation in which `kubectl apply` (client-side) keeps a copy of
/// what it applied: in a Secret, that copy holds the values.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A body as it may be shown: JSON with every Secret value replaced by
/// `***`, then cut after `limit` bytes, if any (masking comes first, so
/// the cut never lets part of a value through); text that is not JSON is
/// shown cut and sanitised, unless it belongs to a Secret (`secrets`: the
/// request went to Secrets), which is not shown at all.
///
/// A Secret is found wherever it is: the body itself, a list's items, a
/// watch event's object. A body sent to or read from Secrets is a Secret
/// even without a `kind` (a merge patch; a list's items carry none).
pub fn masked_body(bytes: &[u8], secrets: bool, limit: Option<usize>) -> String {
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            mask_secrets(&mut value, secrets);
            value.to_string()
        }
        Err(_) if secrets => format!("[{} bytes of a Secret, not JSON: not shown]", bytes.len()),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    match limit {
        Some(limit) if text.len() > limit => {
            let mut cut = limit;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{} [truncated {} chars]", &text[..cut], text.len() - cut)
        }
        _ => text,
    }
}

/// Masks the values of every Secret in `value`; `secret` says that an
/// object without a `kind` here is a Secret (see `masked_body`).
fn mask_secrets(value: &mut Value, secret: bool) {
    match value {
        Value::Object(map) => {
            let kind = map.get("kind").and_then(Value::as_str);
            let items_are_secrets = secret || kind == Some("SecretList");
            if kind == Some("Secret") || (secret && kind.is_none()) {
                mask_data(map);
            }
            for (key, child) in map.iter_mut() {
                mask_secrets(child, secret || (key == "items" && items_are_secrets));
            }
        }
        Value::Array(items) => {
            for item in items {
                mask_secrets(item, secret);
            }
        }
        _ => {}
    }
}

fn mask_data(secret: &mut Map<String, Value>) {
    for field in ["data", "stringData"] {
        if let Some(map) = secret.get_mut(field).and_then(Value::as_object_mut) {
            for entry in map.values_mut() {
                *entry = Value::from("***");
            }
        }
    }
    let annotations = secret
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut);
    if let Some(copy) = annotations.and_then(|a| a.get_mut(LAST_APPLIED)) {
        *copy = Value::from("***");
    }
}

/// Whether `url` names core Secrets: all of them, a namespace's, or one.
fn names_secrets(url: &str) -> bool {
    let path = url.split('?').next().unwrap_or(url);
    let Some((_, rest)) = path.split_once("/api/v1/") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    matches!(
        segments.as_slice(),
        ["secrets", ..] | ["namespaces", _, "secrets", ..]
    )
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
            masked_body(secret, false, None),
            r#"{"kind":"Secret","data":{"a":"***"},"stringData":{"b":"***"}}"#
        );
        let list = br#"{"kind":"SecretList","items":[{"data":{"a":"eA=="}}]}"#;
        assert_eq!(
            masked_body(list, false, None),
            r#"{"kind":"SecretList","items":[{"data":{"a":"***"}}]}"#
        );
        let config = br#"{"kind":"ConfigMap","data":{"a":"visible"}}"#;
        assert!(masked_body(config, false, None).contains("visible"));
    }

    #[test]
    fn secrets_inside_other_bodies_are_masked() {
        let event = br#"{"type":"ADDED","object":{"kind":"Secret","data":{"a":"eA=="}}}"#;
        assert_eq!(
            masked_body(event, false, None),
            r#"{"type":"ADDED","object":{"kind":"Secret","data":{"a":"***"}}}"#
        );
        let mixed = br#"{"kind":"List","items":[{"kind":"Secret","data":{"a":"eA=="}},{"kind":"ConfigMap","data":{"b":"shown"}}]}"#;
        let shown = masked_body(mixed, false, None);
        assert!(
            !shown.contains("eA==") && shown.contains("shown"),
            "{shown}"
        );
    }

    #[test]
    fn what_goes_to_secrets_is_masked_without_a_kind() {
        let patch = br#"{"data":{"a":"eA=="},"metadata":{"annotations":{"x":"y"}}}"#;
        assert_eq!(
            masked_body(patch, true, None),
            r#"{"data":{"a":"***"},"metadata":{"annotations":{"x":"y"}}}"#
        );
        assert_eq!(
            masked_body(b"a: eA==", true, None),
            "[7 bytes of a Secret, not JSON: not shown]"
        );
        assert_eq!(masked_body(b"a: visible", false, None), "a: visible");
    }

    #[test]
    fn the_copy_kubectl_apply_keeps_of_a_secret_is_masked() {
        let secret = br#"{"kind":"Secret","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"a\":\"eA==\"}}","keep":"me"}},"data":{"a":"eA=="}}"#;
        let shown = masked_body(secret, false, None);
        assert!(!shown.contains("eA=="), "{shown}");
        assert!(shown.contains(r#""keep":"me""#), "{shown}");
    }

    #[test]
    fn secret_urls_are_recognised() {
        for url in [
            "https://h/api/v1/secrets",
            "https://h/api/v1/namespaces/shop/secrets?labelSelector=a",
            "https://h/prefix/api/v1/namespaces/shop/secrets/api-secrets?dryRun=All",
        ] {
            assert!(names_secrets(url), "{url}");
        }
        for url in [
            "https://h/api/v1/namespaces/secrets/configmaps",
            "https://h/apis/apps/v1/namespaces/shop/deployments/secrets",
            "https://h/api/v1/namespaces/shop/configmaps/secrets",
        ] {
            assert!(!names_secrets(url), "{url}");
        }
    }

    #[test]
    fn quoted_values_stay_on_one_line_and_harmless() {
        assert_eq!(quote("a\"b\n\x1b[31m"), "\"a\\\"b\\n\u{FFFD}[31m\"");
    }

    #[test]
    fn long_bodies_are_cut_as_kubectl_cuts_them() {
        let long = format!("\"{}\"", "x".repeat(20_000));
        let shown = masked_body(long.as_bytes(), false, body_shown(8));
        assert!(
            shown.len() < 1100 && shown.ends_with("[truncated 18978 chars]"),
            "{shown}"
        );
        let shown = masked_body(long.as_bytes(), false, body_shown(9));
        assert!(
            shown.ends_with("[truncated 9762 chars]"),
            "{}",
            &shown[10_000..]
        );
        assert_eq!(masked_body(long.as_bytes(), false, body_shown(10)), long);
    }
}
