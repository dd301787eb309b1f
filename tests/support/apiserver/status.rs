//! `metav1.Status` failures, shaped like kube-apiserver's.
//!
//! Clients (kubectl, kube-rs) branch on `code` and `reason` and print
//! `message`, so those three follow the real server word for word where we
//! know it.

use serde_json::{json, Value};

use super::resources::ResourceType;

/// A failed request: becomes a `Status` body with the same HTTP code.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// One `details.causes` entry.
#[derive(Debug, Clone)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    pub fn new(reason: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Cause {
            reason,
            message: message.into(),
            field: field.into(),
        }
    }

    /// `field: Required value[: detail]`.
    pub fn required(field: impl Into<String>, detail: &str) -> Self {
        let message = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        Cause::new("FieldValueRequired", field, message)
    }

    /// `field: Invalid value: <value>: detail`.
    pub fn invalid(field: impl Into<String>, value: &str, detail: &str) -> Self {
        Cause::new(
            "FieldValueInvalid",
            field,
            format!("Invalid value: {value}: {detail}"),
        )
    }

    /// `field: Forbidden: detail`.
    pub fn forbidden(field: impl Into<String>, detail: &str) -> Self {
        Cause::new("FieldValueForbidden", field, format!("Forbidden: {detail}"))
    }

    /// `field: Unsupported value: "v": supported values: ...`.
    pub fn unsupported(field: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        let quoted: Vec<String> = supported.iter().map(|s| format!("\"{s}\"")).collect();
        Cause::new(
            "FieldValueNotSupported",
            field,
            format!(
                "Unsupported value: \"{value}\": supported values: {}",
                quoted.join(", ")
            ),
        )
    }

    fn to_json(&self) -> Value {
        json!({"reason": self.reason, "message": self.message, "field": self.field})
    }
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// `deployments.apps "x" not found`.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        ApiError::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", rt.qualified_resource()),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// The namespace an object is created in does not exist.
    pub fn namespace_not_found(namespace: &str) -> Self {
        ApiError::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        )
        .with_details(json!({"name": namespace, "kind": "namespaces"}))
    }

    /// Creating inside a namespace that is being deleted.
    pub fn namespace_terminating(rt: &ResourceType, name: &str, namespace: &str) -> Self {
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} \
                 because it is being terminated",
                rt.qualified_resource()
            ),
        )
        .with_details(json!({
            "name": name,
            "group": rt.group,
            "kind": rt.plural,
            "causes": [{
                "reason": "NamespaceTerminating",
                "message": format!("namespace {namespace} is being terminated"),
                "field": "metadata.namespace"
            }]
        }))
    }

    /// Unknown URL: what kube-apiserver says for a path no handler serves.
    pub fn no_route() -> Self {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", rt.qualified_resource()),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// Optimistic-concurrency failure (stale `metadata.resourceVersion`).
    pub fn stale_resource_version(rt: &ResourceType, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again",
                rt.qualified_resource()
            ),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// Server-side apply field conflicts; `causes` carry manager and path.
    pub fn apply_conflict(message: String, causes: Vec<(String, String)>) -> Self {
        let causes: Vec<Value> = causes
            .into_iter()
            .map(|(message, field)| {
                // `reason` is StatusCause.Type's JSON name (never `type`).
                json!({"reason": "FieldManagerConflict", "message": message, "field": field})
            })
            .collect();
        ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
    }

    /// What kube-apiserver answers when an apply configuration cannot be
    /// read against the schema (duplicate list keys): the error is not a
    /// Status, so it becomes a 500 without a reason, its text the message.
    pub fn typed_patch(target: &str, errors: &[String]) -> Self {
        let detail = match errors {
            [one] => one.clone(),
            many => format!("errors:\n  {}", many.join("\n  ")),
        };
        ApiError::new(
            500,
            "",
            format!("failed to create typed patch object ({target}): {detail}"),
        )
    }

    /// 422 with one entry per broken field, message like the real one.
    pub fn invalid(kind: &str, group: &str, name: &str, causes: Vec<Cause>) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let parts: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let joined = if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("[{}]", parts.join(", "))
        };
        let causes: Vec<Value> = causes.iter().map(Cause::to_json).collect();
        ApiError::new(
            422,
            "Invalid",
            format!("{qualified} \"{name}\" is invalid: {joined}"),
        )
        .with_details(json!({"name": name, "group": group, "kind": kind, "causes": causes}))
    }

    pub fn invalid_for(rt: &ResourceType, name: &str, causes: Vec<Cause>) -> Self {
        ApiError::invalid(rt.kind, rt.group, name, causes)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn method_not_allowed(method: &str) -> Self {
        ApiError::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
        .with_details(json!({}))
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: \
                 application/json, application/yaml, application/json-patch+json, \
                 application/merge-patch+json, application/apply-patch+yaml, \
                 application/strategic-merge-patch+json (the test server got {content_type:?})"
            ),
        )
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        ApiError::new(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        )
        .with_details(json!({"retryAfterSeconds": retry_after}))
    }

    /// An injected failure: `code` with its usual reason and `message` as is.
    pub fn injected(code: u16, message: &str) -> Self {
        let reason = match code {
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            409 => "Conflict",
            422 => "Invalid",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ if code >= 500 => "InternalError",
            _ => "BadRequest",
        };
        ApiError::new(code, reason, message)
    }

    pub fn internal(message: &str) -> Self {
        ApiError::new(
            500,
            "InternalError",
            format!("Internal error occurred: {message}"),
        )
        .with_details(json!({"causes": [{"message": message}]}))
    }

    /// The `Status` object sent as the response body.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        });
        // StatusReasonUnknown is "" and omitted, as Go's omitempty does.
        if !self.reason.is_empty() {
            status["reason"] = json!(self.reason);
        }
        if let Some(details) = &self.details {
            // StatusDetails' string fields are omitempty in Go: a core
            // kind's empty group is left out (`{"name":…,"kind":"secrets"}`).
            let mut details = details.clone();
            if let Some(fields) = details.as_object_mut() {
                fields.retain(|_, value| value.as_str() != Some(""));
            }
            status["details"] = details;
        }
        status["code"] = json!(self.code);
        status
    }
}

/// The `Status` a successful DELETE returns (`group` is omitted when
/// empty, as Go's omitempty does).
pub fn delete_success(rt: &ResourceType, name: &str, uid: &Value) -> Value {
    let mut details = json!({"name": name, "group": rt.group, "kind": rt.plural, "uid": uid});
    if rt.group.is_empty() {
        if let Some(map) = details.as_object_mut() {
            map.shift_remove("group");
        }
    }
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    })
}
