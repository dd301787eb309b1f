//! DELETE as kube-apiserver's generic registry does it (1.33):
//! `DeleteOptions` from the body, or from the query when there is no body;
//! `preconditions` (uid, resourceVersion); finalizers that keep an object,
//! marked with `deletionTimestamp`, until they are removed; and the garbage
//! collector's own finalizers, `orphan` and `foregroundDeletion`, chosen by
//! `propagationPolicy`, else by the object's finalizers, else by the
//! kind's default. The collector that acts on them is `gc.rs`.

use serde_json::{json, Value};

use super::clock;
use super::resources::ResourceType;
use super::router::Query;
use super::status::{self, ApiError, Cause};
use super::store::{ObjectKey, Store};
use super::write::{self, Reply};

/// The finalizer that makes the collector orphan the dependents first.
pub const ORPHAN: &str = "orphan";
/// The finalizer that makes the collector delete the blocking dependents first.
pub const FOREGROUND: &str = "foregroundDeletion";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Orphan,
    Background,
    Foreground,
}

impl Propagation {
    fn parse(text: &str) -> Option<Propagation> {
        match text {
            "Orphan" => Some(Propagation::Orphan),
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            _ => None,
        }
    }
}

/// The parts of `metav1.DeleteOptions` the server acts on.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub propagation: Option<Propagation>,
    /// The deprecated boolean form of Orphan.
    pub orphan_dependents: Option<bool>,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry_run: bool,
}

impl Options {
    /// What the garbage collector sends when it deletes a dependent.
    pub fn propagating(propagation: Propagation) -> Options {
        Options {
            propagation: Some(propagation),
            ..Options::default()
        }
    }
}

/// Reads and validates the options: a body wins whole over the query
/// (the real handler decodes one or the other, never both).
pub fn parse_options(body: &[u8], query: &Query) -> Result<Options, ApiError> {
    let raw = if body.iter().all(u8::is_ascii_whitespace) {
        from_query(query)
    } else {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("json parse error: {e}")))?;
        from_body(&value)
    };
    validate(raw)
}

/// Options before validation: the policy as sent, and each dryRun value.
struct RawOptions {
    propagation: Option<String>,
    orphan_dependents: Option<bool>,
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: Vec<String>,
}

fn from_query(query: &Query) -> RawOptions {
    RawOptions {
        propagation: query.get("propagationPolicy").map(str::to_string),
        orphan_dependents: query.get("orphanDependents").map(|v| v == "true"),
        uid: None,
        resource_version: None,
        dry_run: query
            .get("dryRun")
            .filter(|v| !v.is_empty())
            .map(|v| vec![v.to_string()])
            .unwrap_or_default(),
    }
}

fn from_body(body: &Value) -> RawOptions {
    let text = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    RawOptions {
        propagation: text("/propagationPolicy"),
        orphan_dependents: body.get("orphanDependents").and_then(Value::as_bool),
        uid: text("/preconditions/uid"),
        resource_version: text("/preconditions/resourceVersion"),
        dry_run: body
            .get("dryRun")
            .and_then(Value::as_array)
            .map(|all| {
                all.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// `ValidateDeleteOptions`: one policy form at most, a known policy, and
/// dryRun only `All`; refused as a 422 on `DeleteOptions.meta.k8s.io`.
fn validate(raw: RawOptions) -> Result<Options, ApiError> {
    let mut causes = Vec::new();
    if let (Some(policy), Some(_)) = (&raw.propagation, raw.orphan_dependents) {
        causes.push(Cause::invalid(
            "propagationPolicy",
            &format!("{policy:?}"),
            "orphanDependents and deletionPropagation cannot be both set",
        ));
    }
    let propagation = match raw.propagation.as_deref() {
        None => None,
        Some(text) => match Propagation::parse(text) {
            Some(p) => Some(p),
            None => {
                causes.push(Cause::unsupported(
                    "propagationPolicy",
                    text,
                    &["Foreground", "Background", "Orphan", "nil"],
                ));
                None
            }
        },
    };
    if raw.dry_run.iter().any(|v| v != "All") {
        let quoted: Vec<String> = raw.dry_run.iter().map(|v| format!("{v:?}")).collect();
        causes.push(Cause::new(
            "FieldValueNotSupported",
            "dryRun",
            format!(
                "Unsupported value: []string{{{}}}: supported values: \"All\"",
                quoted.join(", ")
            ),
        ));
    }
    if !causes.is_empty() {
        return Err(ApiError::invalid(
            "DeleteOptions",
            "meta.k8s.io",
            "",
            causes,
        ));
    }
    Ok(Options {
        propagation,
        orphan_dependents: raw.orphan_dependents,
        uid: raw.uid,
        resource_version: raw.resource_version,
        dry_run: !raw.dry_run.is_empty(),
    })
}

/// Deletes one object: at once when nothing holds it, else marks it
/// (`deletionTimestamp`, `deletionGracePeriodSeconds: 0`, the finalizers
/// the policy asks for) and returns it with 200, as the real server does.
pub fn delete(
    store: &mut Store,
    rt: &ResourceType,
    key: &ObjectKey,
    options: &Options,
) -> Result<Reply, ApiError> {
    let live = store
        .get(key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(rt, &key.name))?;
    check_preconditions(rt, &key.name, &live, options)?;
    let finalizers = finalizers(&live);
    let wanted = finalizers_for_collection(rt, &finalizers, options);
    if !wanted.is_empty() {
        let marked = mark_deleting(&live, wanted);
        if marked == live || options.dry_run {
            return Ok(Reply::ok(marked));
        }
        return Ok(Reply::stored(200, store.put(key.clone(), marked, false)));
    }
    if !options.dry_run {
        store.remove(key);
    }
    Ok(Reply::ok(gone(rt, &key.name, &live)))
}

/// The object's finalizers, in order.
pub fn finalizers(object: &Value) -> Vec<String> {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn is_deleting(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// An object marked for deletion whose last finalizer is gone: the
/// registry deletes it as part of the update that removed it.
pub fn is_finished(object: &Value) -> bool {
    is_deleting(object) && finalizers(object).is_empty()
}

/// Updates may not add finalizers to an object being deleted.
pub fn check_update(rt: &ResourceType, live: &Value, new: &Value) -> Result<(), ApiError> {
    if !is_deleting(live) {
        return Ok(());
    }
    let old = finalizers(live);
    let added: Vec<String> = finalizers(new)
        .into_iter()
        .filter(|f| !old.contains(f))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let quoted: Vec<String> = added.iter().map(|f| format!("{f:?}")).collect();
    let name = live
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let cause = Cause::forbidden(
        "metadata.finalizers",
        &format!(
            "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
            quoted.join(", ")
        ),
    );
    Err(ApiError::invalid_for(rt, name, vec![cause]))
}

/// `rest.BeforeDelete`'s precondition check: a 409 naming the kind.
fn check_preconditions(
    rt: &ResourceType,
    name: &str,
    live: &Value,
    options: &Options,
) -> Result<(), ApiError> {
    let meta = |field: &str| {
        live.pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let failure = |why: String| {
        // The registry names the kind here, not the resource.
        let qualified = if rt.group.is_empty() {
            rt.kind.to_string()
        } else {
            format!("{}.{}", rt.kind, rt.group)
        };
        ApiError::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qualified} \"{name}\": {why}"),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.kind}))
    };
    if let Some(uid) = options.uid.as_deref().filter(|u| *u != meta("uid")) {
        return Err(failure(format!(
            "the UID in the precondition ({uid}) does not match the UID in record ({}). \
             The object might have been deleted and then recreated",
            meta("uid")
        )));
    }
    if let Some(rv) = options
        .resource_version
        .as_deref()
        .filter(|v| *v != meta("resourceVersion"))
    {
        return Err(failure(format!(
            "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion \
             in record ({}). The object might have been modified",
            meta("resourceVersion")
        )));
    }
    Ok(())
}

/// The finalizers the object should carry once the request's policy is
/// applied (`deletionFinalizersForGarbageCollection`): the two collector
/// finalizers are dropped and put back as the policy says; the list is
/// left as it was when the set does not change.
fn finalizers_for_collection(
    rt: &ResourceType,
    current: &[String],
    options: &Options,
) -> Vec<String> {
    let has = |f: &str| current.iter().any(|c| c == f);
    let explicit = match (options.orphan_dependents, options.propagation) {
        (Some(true), _) => Some(Propagation::Orphan),
        (Some(false), _) => Some(Propagation::Background),
        (None, policy) => policy,
    };
    let (orphan, foreground) = match explicit {
        Some(Propagation::Orphan) => (true, false),
        Some(Propagation::Foreground) => (false, true),
        Some(Propagation::Background) => (false, false),
        // The object's own collector finalizer, else the kind's default.
        None if has(ORPHAN) => (true, false),
        None if has(FOREGROUND) => (false, true),
        None => (orphans_by_default(rt), false),
    };
    let mut wanted: Vec<String> = current
        .iter()
        .filter(|f| *f != ORPHAN && *f != FOREGROUND)
        .cloned()
        .collect();
    if orphan {
        wanted.push(ORPHAN.into());
    }
    if foreground {
        wanted.push(FOREGROUND.into());
    }
    let same_set = wanted.len() == current.len() && wanted.iter().all(|w| has(w));
    if same_set {
        current.to_vec()
    } else {
        wanted
    }
}

/// `DefaultGarbageCollectionPolicy`: batch/v1 Jobs orphan their pods
/// unless told otherwise (kept for old clients); the other kinds served
/// here delete their dependents in the background.
fn orphans_by_default(rt: &ResourceType) -> bool {
    rt.group == "batch" && rt.version == "v1" && rt.kind == "Job"
}

/// `markAsDeleting`: the first mark bumps `generation` (where there is
/// one) and sets `deletionTimestamp`; the grace period is 0.
fn mark_deleting(live: &Value, finalizers: Vec<String>) -> Value {
    let mut object = live.clone();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return object;
    };
    if !meta.contains_key("deletionTimestamp") {
        if let Some(generation) = meta.get("generation").and_then(Value::as_i64) {
            if generation > 0 {
                meta.insert("generation".into(), json!(generation + 1));
            }
        }
        meta.insert("deletionTimestamp".into(), json!(clock::now_rfc3339()));
    }
    meta.insert("deletionGracePeriodSeconds".into(), json!(0));
    meta.insert("finalizers".into(), json!(finalizers));
    write::canonical_order(&mut object);
    object
}

/// The body of a DELETE that removed the object: the object itself for
/// the registries that return it (Services), else a Success Status.
fn gone(rt: &ResourceType, name: &str, live: &Value) -> Value {
    if rt.kind == "Service" {
        return live.clone();
    }
    let uid = live
        .pointer("/metadata/uid")
        .cloned()
        .unwrap_or(Value::Null);
    status::delete_success(rt, name, &uid)
}
