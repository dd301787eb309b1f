//! Why a request to the cluster failed, in words a user can act on.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::sanitize;

/// A request that did not succeed (after any retries).
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No connection could be made: wrong address, server down, TLS trouble.
    Unreachable { server: String, detail: String },
    /// The server refused the credentials (401).
    Unauthorized { server: String, detail: String },
    /// The server answered with an error status.
    Rejected(ApiStatus),
    /// Every attempt outlasted `--request-timeout`.
    TimedOut { after: Duration, attempts: u32 },
    /// The connection broke before the answer was complete, every time.
    Dropped { detail: String, attempts: u32 },
}

impl Failure {
    /// Whether the failure concerns every request, not just this object:
    /// the run stops instead of trying the other objects one by one.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Failure::Unreachable { .. } | Failure::Unauthorized { .. }
        )
    }

    /// Whether the cluster failed, rather than refused this object: no
    /// connection, credentials refused, no answer, a lost connection, or
    /// the server failing (5xx, or still throttling after the retries).
    /// Every command exits 3 for these (see `error::EXIT_FAILURE`).
    pub fn is_fault(&self) -> bool {
        match self {
            Failure::Rejected(status) if status.is_refused_configuration() => false,
            Failure::Rejected(status) => status.code >= 500 || status.code == 429,
            _ => true,
        }
    }

    /// Whether the object's namespace does not exist (yet): a dry run of
    /// an object in a namespace that the same apply creates gets this.
    pub fn is_missing_namespace(&self) -> bool {
        matches!(self, Failure::Rejected(status) if status.code == 404 && status.details_kind == "namespaces")
    }

    /// Whether the server gave no answer at all (every attempt timed out
    /// or lost its connection), as opposed to refusing the request.
    pub fn is_no_answer(&self) -> bool {
        matches!(self, Failure::TimedOut { .. } | Failure::Dropped { .. })
    }

    /// Whether a create found the object already there (409 AlreadyExists).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Failure::Rejected(status) if status.code == 409 && status.reason == "AlreadyExists")
    }

    /// Whether a write carrying a resourceVersion found the object changed
    /// since that version (409 Conflict without field-manager causes).
    pub fn is_stale(&self) -> bool {
        matches!(self, Failure::Rejected(status) if status.code == 409
            && status.reason == "Conflict" && status.conflicts().is_empty())
    }

    /// Whether `--force-conflicts` would have made the request succeed.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Failure::Rejected(status) if status.code == 409 && !status.conflicts().is_empty())
    }
}

/// A `metav1.Status` error answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiStatus {
    pub code: u16,
    pub reason: String,
    pub message: String,
    /// `details.kind`: the resource the status is about (`namespaces`
    /// for a 404; the kind, `StatefulSet`, for a 422).
    pub details_kind: String,
    pub causes: Vec<Cause>,
    /// Attempts made, when the status was retried (429, 5xx).
    pub attempts: u32,
}

/// One of `details.causes` (a `metav1.StatusCause`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cause {
    /// The cause's type (`FieldManagerConflict`, `FieldValueInvalid`...).
    /// Go calls it `Type`, but its JSON name is `reason`: a real server
    /// never sends a `type` member here.
    pub kind: String,
    pub message: String,
    pub field: String,
}

/// A field another manager owns, from a `FieldManagerConflict` cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub field: String,
    pub manager: String,
    /// What the server said, e.g. `conflict with "kubectl-edit" using apps/v1`.
    pub message: String,
}

/// Text from a server, made safe to show once here, where it comes in:
/// on one line, without control characters, at most 4 KB (with its size).
fn from_server(text: &str) -> String {
    sanitize::one_line(text.trim()).into_owned()
}

impl ApiStatus {
    /// Read an error answer; a body that is not a Status (a proxy's HTML
    /// page, say) becomes the message. Every text in it passes
    /// `sanitize::one_line`, so no message from a server reaches a
    /// terminal raw or at full length.
    pub fn parse(code: u16, body: &[u8]) -> ApiStatus {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            // An answer cut at the read limit is a Status whose end is
            // missing: its message (which comes early) still says why.
            if let Some(message) = cut_status_message(body) {
                return ApiStatus {
                    code,
                    message: from_server(&format!(
                        "{} (the rest of the answer was not read)",
                        message.trim_end()
                    )),
                    ..ApiStatus::default()
                };
            }
            return ApiStatus {
                code,
                message: from_server(&String::from_utf8_lossy(body)),
                ..ApiStatus::default()
            };
        };
        let text = |v: Option<&Value>| from_server(v.and_then(Value::as_str).unwrap_or_default());
        let causes = value
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| Cause {
                kind: text(c.get("reason")),
                message: text(c.get("message")),
                field: text(c.get("field")),
            })
            .collect();
        ApiStatus {
            code,
            reason: text(value.get("reason")),
            message: text(value.get("message")),
            details_kind: text(value.pointer("/details/kind")),
            causes,
            attempts: 1,
        }
    }

    /// Whether this is kube-apiserver refusing an apply configuration it
    /// cannot read against the schema (duplicate list keys, an undeclared
    /// field): a 500 without a reason whose message starts `failed to
    /// create typed patch object`. Unlike other 500s it is the same on
    /// every attempt, so it is not retried, and it is this object's
    /// refusal, not a fault of the cluster.
    pub fn is_refused_configuration(&self) -> bool {
        self.code == 500
            && self
                .message
                .starts_with("failed to create typed patch object")
    }

    /// The fields the server refused to change because they cannot change
    /// on an existing object (a 422 whose causes say so).
    pub fn immutable_fields(&self) -> Vec<&str> {
        if self.code != 422 {
            return Vec::new();
        }
        self.causes
            .iter()
            .filter(|c| IMMUTABLE.iter().any(|words| c.message.contains(words)))
            .map(|c| c.field.as_str())
            .collect()
    }

    /// Why an immutable field refused the change, and what the user can do
    /// about it, for the kinds the plugin writes.
    pub fn immutable_hint(&self) -> Option<String> {
        let fields = self.immutable_fields();
        if fields.is_empty() {
            return None;
        }
        // A 422's message is `Kind.group "name" is invalid: ...`.
        let name = quoted(&self.message).unwrap_or("NAME");
        let what = match self.details_kind.as_str() {
            "StatefulSet" => format!(
                "a StatefulSet's claim templates, selector, serviceName and podManagementPolicy are fixed when it is created; \
                 to change them, delete it without its pods (`kubectl delete statefulset {name} --cascade=orphan`: pods and volume claims keep running) and apply again \
                 (`apply --recreate-immutable` does that, and `diff --recreate-immutable` shows it first), or keep the old values in the state"
            ),
            "PersistentVolumeClaim" => "a PersistentVolumeClaim's storage class and access modes are fixed when it is created, and its size can only grow once it is bound; \
                 its data lives in the claim, so keep the old values in the state, or move the data to a new claim under another name"
                .to_string(),
            "Job" => format!(
                "a Job's pod template, selector and completions are fixed when it is created; \
                 delete it (`kubectl delete job {name}`) and apply again to run the new version \
                 (`apply --recreate-immutable` does that, and `diff --recreate-immutable` shows it first)"
            ),
            "Secret" => format!(
                "a Secret's type is fixed when it is created; delete it (`kubectl delete secret {name}`, noting its values first) and apply again, or keep the old type"
            ),
            kind => format!(
                "these fields are fixed when the object is created; delete it (`kubectl delete {} {name}`) and apply again, or keep the old values in the state",
                kind.to_lowercase()
            ),
        };
        Some(format!("{} cannot change: {what}", fields.join(", ")))
    }

    /// The fields held by other managers, for a 409 from server-side apply.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.causes
            .iter()
            .filter(|c| c.kind == "FieldManagerConflict")
            .map(|c| Conflict {
                field: c.field.clone(),
                manager: quoted(&c.message).unwrap_or("another manager").to_string(),
                message: c.message.clone(),
            })
            .collect()
    }
}

/// What the API server's validators say of a field that cannot change:
/// `ValidateImmutableField`, the PVC and StatefulSet update rules.
const IMMUTABLE: &[&str] = &[
    "field is immutable",
    "spec is immutable after creation",
    "updates to statefulset spec for fields other than",
];

/// The first double-quoted part of a text.
fn quoted(text: &str) -> Option<&str> {
    let start = text.find('"')? + 1;
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unreachable { server, detail } => write!(
                f,
                "cannot reach the cluster at {server}: {} (is the server running, and are --context/--kubeconfig the right ones?)",
                sanitize::one_line(detail)
            ),
            Failure::Unauthorized { server, detail } => write!(
                f,
                "the server at {server} rejected the credentials (401 Unauthorized: {}); the token or certificate in the kubeconfig is wrong or has expired",
                sanitize::one_line(detail)
            ),
            Failure::Rejected(status) => write!(f, "{status}"),
            Failure::TimedOut { after, attempts } => write!(
                f,
                "no answer within the request timeout of {} ({attempts} attempt(s)); --request-timeout sets it",
                humanize(*after)
            ),
            Failure::Dropped { detail, attempts } => write!(
                f,
                "the connection to the server was lost before its answer ({}; {attempts} attempt(s))",
                sanitize::one_line(detail)
            ),
        }
    }
}

/// The top-level `message` of a Status whose JSON ends early (a body cut at
/// the read limit), as far as it goes; `None` when the text is not the
/// start of a Status object or has no top-level `message`. Only the
/// message's own escapes are decoded: the rest is just skipped over.
fn cut_status_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let mut chars = text.trim_start().chars();
    if chars.next() != Some('{') {
        return None;
    }
    let mut depth = 1;
    // At depth 1, a string right after `{` or `,` is a key.
    let mut expecting_key = true;
    let mut key_was_message = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let (string, closed) = json_string(&mut chars);
                if depth == 1 && expecting_key {
                    key_was_message = string == "message";
                    expecting_key = false;
                } else if depth == 1 && key_was_message {
                    return Some(string);
                }
                if !closed {
                    return None;
                }
            }
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 1 => {
                expecting_key = true;
                key_was_message = false;
            }
            _ => {}
        }
    }
    None
}

/// The rest of a JSON string after its opening quote, decoded, and whether
/// its closing quote was found.
fn json_string(chars: &mut std::str::Chars<'_>) -> (String, bool) {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return (out, true),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = u32::from_str_radix(&hex, 16).ok();
                    // A surrogate half stands for itself: U+FFFD.
                    out.push(unit.and_then(char::from_u32).unwrap_or('\u{fffd}'));
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    (out, false)
}

impl fmt::Display for ApiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conflicts = self.conflicts();
        if self.code == 409 && !conflicts.is_empty() {
            let fields: Vec<String> = conflicts
                .iter()
                .map(|c| format!("{} is owned by \"{}\"", c.field, c.manager))
                .collect();
            return write!(
                f,
                "conflict with another field manager: {}",
                fields.join(", ")
            );
        }
        // Without a Status (a proxy, or a server that is not Kubernetes)
        // the HTTP reason phrase stands in for the reason.
        let reason = if self.reason.is_empty() {
            http::StatusCode::from_u16(self.code)
                .ok()
                .and_then(|code| code.canonical_reason())
                .map(|phrase| format!(" {phrase}"))
                .unwrap_or_default()
        } else {
            format!(" {}", self.reason)
        };
        if self.message.is_empty() {
            write!(
                f,
                "{}{reason}, with an empty answer (is the kubeconfig's server a Kubernetes API server?)",
                self.code
            )?;
        } else {
            write!(f, "{}{reason}: {}", self.code, self.message)?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if let Some(hint) = self.immutable_hint() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

/// `2s`, `1m30s`, `250ms`.
pub fn humanize(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        return format!("{millis}ms");
    }
    let secs = duration.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_patch_500_is_a_refusal_not_a_fault() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object (shop/api; apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"api\"].env: duplicate entries for key [name=\"A\"]","code":500}"#;
        let status = ApiStatus::parse(500, body);
        assert!(status.is_refused_configuration());
        assert!(!Failure::Rejected(status).is_fault());
        let busy = ApiStatus::parse(
            500,
            br#"{"message":"etcdserver: leader changed","code":500}"#,
        );
        assert!(!busy.is_refused_configuration());
        assert!(Failure::Rejected(busy).is_fault());
    }

    #[test]
    fn a_status_cut_short_still_shows_its_message() {
        let status = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Deployment.apps \"api\" is invalid: spec.replicas: Invalid value: -1\u00e9","reason":"Invalid","details":{"causes":[{"message":"no"}]},"code":422}"#;
        let cut = &status.as_bytes()[..status.find("\"details").unwrap()];
        let parsed = ApiStatus::parse(422, cut);
        assert_eq!(
            parsed.message,
            "Deployment.apps \"api\" is invalid: spec.replicas: Invalid value: -1\u{e9} (the rest of the answer was not read)"
        );
        // Cut inside the message itself: as much of it as arrived.
        let cut = &status.as_bytes()[..status.find("spec.replicas").unwrap()];
        assert_eq!(
            ApiStatus::parse(422, cut).message,
            "Deployment.apps \"api\" is invalid: (the rest of the answer was not read)"
        );
        // A nested message is not the Status's; without one, the raw text.
        let nested = r#"{"details":{"message":"inner"},"code":5"#;
        assert_eq!(ApiStatus::parse(500, nested.as_bytes()).message, nested);
        assert_eq!(
            ApiStatus::parse(502, b"<html>bad gateway").message,
            "<html>bad gateway"
        );
    }

    /// A 409 exactly as kube-apiserver 1.33 sends it for an apply conflict:
    /// `errors.NewApplyConflict` puts only the causes in `details`, and
    /// each `metav1.StatusCause` carries `reason`, `message` and `field`
    /// (the JSON names in the 1.33 OpenAPI definition of StatusCause).
    const CONFLICT: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
      "message":"Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas",
      "reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict",
      "message":"conflict with \"kubectl-edit\" using apps/v1","field":".spec.replicas"}]},"code":409}"#;

    #[test]
    fn a_conflict_names_the_field_and_its_manager() {
        let status = ApiStatus::parse(409, CONFLICT.as_bytes());
        assert_eq!(
            status.conflicts(),
            [Conflict {
                field: ".spec.replicas".into(),
                manager: "kubectl-edit".into(),
                message: "conflict with \"kubectl-edit\" using apps/v1".into(),
            }]
        );
        assert_eq!(
            status.to_string(),
            "conflict with another field manager: .spec.replicas is owned by \"kubectl-edit\""
        );
        assert!(Failure::Rejected(status).is_conflict());
    }

    /// A 422 as kube-apiserver 1.33 sends it for a changed claim template:
    /// `errors.NewInvalid` puts the kind, group and name in `details`.
    const STATEFULSET_FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
      "message":"StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      "reason":"Invalid","details":{"name":"db","group":"apps","kind":"StatefulSet","causes":[{"reason":"FieldValueForbidden",
      "message":"Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden","field":"spec"}]},"code":422}"#;

    #[test]
    fn a_refused_immutable_change_says_which_field_why_and_what_to_do() {
        let status = ApiStatus::parse(422, STATEFULSET_FORBIDDEN.as_bytes());
        assert_eq!(status.immutable_fields(), ["spec"]);
        let text = status.to_string();
        assert!(
            text.starts_with("422 Invalid: StatefulSet.apps \"db\" is invalid: spec: Forbidden"),
            "{text}"
        );
        assert!(
            text.contains("; spec cannot change: a StatefulSet's claim templates"),
            "{text}"
        );
        assert!(
            text.contains("`kubectl delete statefulset db --cascade=orphan`"),
            "{text}"
        );
    }

    #[test]
    fn an_immutable_job_template_names_the_field() {
        let body = br#"{"kind":"Status","code":422,"reason":"Invalid","message":"Job.batch \"migrate\" is invalid: spec.template: Invalid value: ...: field is immutable",
          "details":{"name":"migrate","group":"batch","kind":"Job","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: ...: field is immutable","field":"spec.template"}]}}"#;
        let text = ApiStatus::parse(422, body).to_string();
        assert!(
            text.contains("; spec.template cannot change: a Job's pod template"),
            "{text}"
        );
        assert!(text.contains("`kubectl delete job migrate`"), "{text}");
    }

    #[test]
    fn other_invalid_answers_get_no_immutable_hint() {
        let body = br#"{"kind":"Status","code":422,"reason":"Invalid","message":"m",
          "details":{"kind":"Deployment","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"}]}}"#;
        assert_eq!(ApiStatus::parse(422, body).immutable_hint(), None);
    }

    #[test]
    fn a_plain_error_shows_code_reason_and_message() {
        let body = br#"{"kind":"Status","code":422,"reason":"Invalid","message":"Deployment.apps \"api\" is invalid"}"#;
        let status = ApiStatus::parse(422, body);
        assert_eq!(
            status.to_string(),
            "422 Invalid: Deployment.apps \"api\" is invalid"
        );
    }

    #[test]
    fn a_body_that_is_not_a_status_becomes_the_message() {
        let status = ApiStatus::parse(502, b"<html>Bad Gateway</html>\n");
        assert_eq!(
            status.to_string(),
            "502 Bad Gateway: <html>Bad Gateway</html>"
        );
    }

    #[test]
    fn an_empty_answer_says_so() {
        let status = ApiStatus::parse(404, b"");
        assert_eq!(
            status.to_string(),
            "404 Not Found, with an empty answer (is the kubeconfig's server a Kubernetes API server?)"
        );
    }

    #[test]
    fn retried_statuses_say_how_often() {
        let mut status = ApiStatus::parse(
            503,
            br#"{"code":503,"reason":"ServiceUnavailable","message":"busy"}"#,
        );
        status.attempts = 4;
        assert_eq!(
            status.to_string(),
            "503 ServiceUnavailable: busy (after 4 attempts)"
        );
    }

    #[test]
    fn server_text_is_shown_without_escapes_and_cut_at_4_kb() {
        let body = serde_json::json!({
            "code": 500, "reason": "Internal\u{1b}[2J", "message": "\u{1b}]0;owned\u{7}boom\nnext",
            "details": {"causes": [{"type": "x", "message": "a\u{1b}[31mb", "field": "f\rg"}]},
        });
        let status = ApiStatus::parse(500, body.to_string().as_bytes());
        let shown = status.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(
            shown,
            "500 Internal\u{fffd}[2J: \u{fffd}]0;owned\u{fffd}boom\\nnext"
        );
        assert_eq!(status.causes[0].message, "a\u{fffd}[31mb");
        assert_eq!(status.causes[0].field, "f\\rg");

        let huge = format!(r#"{{"code":500,"message":"{}"}}"#, "x".repeat(50_000_000));
        let shown = ApiStatus::parse(500, huge.as_bytes()).to_string();
        assert!(shown.len() < 4200, "{}", shown.len());
        assert!(
            shown.ends_with("… (50000000 bytes in all)"),
            "{}",
            &shown[4000..]
        );
        let plain = ApiStatus::parse(502, "\u{1b}[5m<html>".repeat(2000).as_bytes()).to_string();
        // Each escape shown as U+FFFD takes 3 bytes for 1.
        assert!(plain.len() < 5000 && !plain.contains('\u{1b}'));
    }

    #[test]
    fn durations_read_like_kubectl_flags() {
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize(Duration::from_secs(2)), "2s");
        assert_eq!(humanize(Duration::from_secs(300)), "5m");
        assert_eq!(humanize(Duration::from_secs(90)), "1m30s");
    }
}
