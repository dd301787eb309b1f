//! The object verbs: get, list, create, update, patch (apply, merge,
//! strategic, JSON), delete.

use serde_json::{json, Value};

use super::deletion;
use super::fieldset;
use super::gc;
use super::last_applied;
use super::merge::{self, strip_nulls};
use super::protobuf;
use super::resources::ResourceType;
use super::router::{ObjectRoute, Query};
use super::scale;
use super::schema::Type;
use super::selector::Selector;
use super::ssa::{self, ownable_view, read_managed};
use super::status::{self, ApiError, Cause};
use super::store::{ObjectKey, Store};
use super::typed;
use super::write::{self, commit, prepare, Commit, Reply};

/// Everything a verb needs from the HTTP request.
#[derive(Clone, Copy)]
pub struct ObjectRequest<'a> {
    pub method: &'a str,
    pub route: &'a ObjectRoute,
    pub query: &'a Query,
    pub content_type: &'a str,
    pub user_agent: &'a str,
    pub body: &'a [u8],
}

impl ObjectRequest<'_> {
    fn rt(&self) -> &'static ResourceType {
        self.route.rt
    }

    fn namespace(&self) -> &str {
        self.route.namespace.as_deref().unwrap_or("")
    }

    fn key(&self, name: &str) -> ObjectKey {
        ObjectKey::new(self.rt(), self.namespace(), name)
    }

    fn dry_run(&self) -> Result<bool, ApiError> {
        match self.query.get("dryRun") {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "Invalid dry run value: {other:?}; the only supported value is \"All\""
            ))),
        }
    }

    /// `fieldManager`, else what the real server derives from the
    /// User-Agent: the part before the first `/` (`kubectl/v1.32...` → `kubectl`).
    fn update_manager(&self) -> String {
        if let Some(manager) = self.query.get("fieldManager").filter(|m| !m.is_empty()) {
            return manager.to_string();
        }
        let prefix = self.user_agent.split('/').next().unwrap_or("");
        if prefix.is_empty() {
            "unknown".into()
        } else {
            prefix.chars().take(128).collect()
        }
    }
}

/// Serves one request on an object collection or object.
pub fn handle(store: &mut Store, req: &ObjectRequest<'_>) -> Result<Reply, ApiError> {
    if let Some(json) = decoded_protobuf(req)? {
        let decoded = ObjectRequest {
            content_type: "application/json",
            body: &json,
            ..*req
        };
        return handle(store, &decoded);
    }
    reject_binary_bodies(req)?;
    if req.route.subresource.as_deref() == Some("scale") {
        return scale_request(store, req);
    }
    let reply = match (req.method, req.route.name.as_deref()) {
        ("GET", Some(name)) => return get(store, req, name),
        ("GET", None) => return list(store, req),
        ("POST", None) => create(store, req),
        ("PUT", Some(name)) => update(store, req, name),
        ("PATCH", Some(name)) => patch(store, req, name),
        ("DELETE", Some(name)) => delete(store, req, name),
        ("DELETE", None) => delete_collection(store, req),
        (method, _) => Err(ApiError::method_not_allowed(method)),
    }?;
    // What the write left to the garbage collector (dependents of a
    // deleted owner, finalizers removed) is done before the next request.
    gc::collect(store);
    Ok(reply)
}

/// A protobuf create (kubectl's typed `create secret|configmap|namespace`)
/// as a JSON body; `None` for every other request.
fn decoded_protobuf(req: &ObjectRequest<'_>) -> Result<Option<Vec<u8>>, ApiError> {
    let media_type = req.content_type.split(';').next().unwrap_or("").trim();
    if req.body.is_empty() || media_type != "application/vnd.kubernetes.protobuf" {
        return Ok(None);
    }
    let object = protobuf::decode(req.body).map_err(|message| {
        let mut error = ApiError::unsupported_media_type(media_type);
        error.message = format!("{}: {message}", error.message);
        error
    })?;
    Ok(Some(object.to_string().into_bytes()))
}

/// CBOR bodies are not decoded here (CBOR clients fall back to JSON on a
/// 415); protobuf ones the test server cannot read get this clear message.
fn reject_binary_bodies(req: &ObjectRequest<'_>) -> Result<(), ApiError> {
    let media_type = req.content_type.split(';').next().unwrap_or("").trim();
    if !req.body.is_empty()
        && matches!(
            media_type,
            "application/vnd.kubernetes.protobuf" | "application/cbor"
        )
    {
        return Err(ApiError::unsupported_media_type(media_type));
    }
    Ok(())
}

fn get(store: &Store, req: &ObjectRequest<'_>, name: &str) -> Result<Reply, ApiError> {
    store
        .shared(&req.key(name))
        .map(|object| Reply::stored(200, object))
        .ok_or_else(|| ApiError::not_found(req.rt(), name))
}

/// The objects a collection request selects (namespace, `labelSelector`,
/// `fieldSelector`), by namespace and name.
pub fn select(store: &Store, route: &ObjectRoute, query: &Query) -> Result<Vec<Value>, ApiError> {
    Ok(selected(store, route, query)?
        .into_iter()
        .cloned()
        .collect())
}

fn selected<'a>(
    store: &'a Store,
    route: &ObjectRoute,
    query: &Query,
) -> Result<Vec<&'a Value>, ApiError> {
    let labels =
        Selector::parse(query.get("labelSelector").unwrap_or("")).map_err(ApiError::bad_request)?;
    let fields =
        Selector::parse(query.get("fieldSelector").unwrap_or("")).map_err(ApiError::bad_request)?;
    Ok(store
        .list(route.rt, route.namespace.as_deref())
        .into_iter()
        .filter(|o| labels.matches_labels(o) && fields.matches_fields(o))
        .collect())
}

/// The JSON of a list's answer, written straight from the stored objects:
/// copying every object first cost as much as writing it. Real lists
/// leave type meta off their items.
pub fn list_json(store: &Store, route: &ObjectRoute, query: &Query) -> Result<Vec<u8>, ApiError> {
    let items = selected(store, route, query)?;
    let list = ListBody {
        kind: format!("{}List", route.rt.kind),
        api_version: route.rt.api_version(),
        revision: store.revision().to_string(),
        items,
    };
    serde_json::to_vec(&list).map_err(|e| ApiError::internal(&e.to_string()))
}

/// A list's answer, borrowing its items from the store.
struct ListBody<'a> {
    kind: String,
    api_version: String,
    revision: String,
    items: Vec<&'a Value>,
}

impl serde::Serialize for ListBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("apiVersion", &self.api_version)?;
        map.serialize_entry("metadata", &json!({"resourceVersion": self.revision}))?;
        let items: Vec<Item<'_>> = self.items.iter().map(|item| Item(item)).collect();
        map.serialize_entry("items", &items)?;
        map.end()
    }
}

/// A listed object: without its type meta, as real lists serve items.
struct Item<'a>(&'a Value);

impl serde::Serialize for Item<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => serializer.collect_map(
                map.iter()
                    .filter(|(key, _)| !matches!(key.as_str(), "apiVersion" | "kind")),
            ),
            other => serde::Serialize::serialize(other, serializer),
        }
    }
}

/// A list's answer as a tree, for what is not answered with `list_json`'s
/// bytes directly (a list served from a stale cache): one writer of the
/// list's shape for both.
fn list(store: &Store, req: &ObjectRequest<'_>) -> Result<Reply, ApiError> {
    let json = list_json(store, req.route, req.query)?;
    serde_json::from_slice(&json)
        .map(Reply::ok)
        .map_err(|e| ApiError::internal(&e.to_string()))
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("json parse error: {e}")))
}

/// Apply bodies may be YAML or JSON (JSON is tried first: it is what
/// kubectl and kube-rs send).
fn parse_json_or_yaml(body: &[u8]) -> Result<Value, ApiError> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let yaml: serde_yaml::Value = serde_yaml::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    serde_json::to_value(yaml)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

fn object_body(value: Value) -> Result<Value, ApiError> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request(
            "Object 'Kind' is missing in the request body: not a JSON object",
        ))
    }
}

/// The body must be this type (apiVersion and kind, where given).
fn check_type(rt: &ResourceType, body: &Value) -> Result<(), ApiError> {
    let api_version = body.get("apiVersion").and_then(Value::as_str);
    let kind = body.get("kind").and_then(Value::as_str);
    if api_version.is_some_and(|v| v != rt.api_version()) {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            api_version.unwrap_or_default(),
            rt.api_version()
        )));
    }
    if kind.is_some_and(|k| k != rt.kind) {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({}) does not match the expected kind ({})",
            kind.unwrap_or_default(),
            rt.kind
        )));
    }
    Ok(())
}

fn body_name(body: &Value) -> Option<&str> {
    body.pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

/// The body's name and namespace, where given, must match the URL.
fn check_identity(
    req: &ObjectRequest<'_>,
    body: &Value,
    url_name: Option<&str>,
) -> Result<(), ApiError> {
    if let (Some(in_body), Some(in_url)) = (body_name(body), url_name) {
        if in_body != in_url {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({in_body}) does not match the name on the URL ({in_url})"
            )));
        }
    }
    let body_namespace = body
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    if req.rt().namespaced && body_namespace.is_some_and(|ns| ns != req.namespace()) {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

/// Optimistic concurrency: a resourceVersion in the body must be current.
fn check_resource_version(
    rt: &ResourceType,
    name: &str,
    body: &Value,
    live: &Value,
) -> Result<(), ApiError> {
    let wanted = body
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty());
    let current = live
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str);
    match wanted {
        Some(v) if Some(v) != current => Err(ApiError::stale_resource_version(rt, name)),
        _ => Ok(()),
    }
}

/// New objects need an existing namespace that is not being deleted.
fn require_namespace(store: &Store, req: &ObjectRequest<'_>, name: &str) -> Result<(), ApiError> {
    if !req.rt().namespaced {
        return Ok(());
    }
    match store.namespace(req.namespace()) {
        None => Err(ApiError::namespace_not_found(req.namespace())),
        Some(ns) if ns.pointer("/metadata/deletionTimestamp").is_some() => Err(
            ApiError::namespace_terminating(req.rt(), name, req.namespace()),
        ),
        Some(_) => Ok(()),
    }
}

fn create(store: &mut Store, req: &ObjectRequest<'_>) -> Result<Reply, ApiError> {
    let rt = req.rt();
    let body = object_body(parse_json_or_yaml(req.body)?)?;
    check_type(rt, &body)?;
    check_identity(req, &body, None)?;
    let name = match (
        body_name(&body),
        body.pointer("/metadata/generateName")
            .and_then(Value::as_str),
    ) {
        (Some(name), _) => name.to_string(),
        (None, Some(prefix)) if !prefix.is_empty() => {
            format!("{prefix}{}", super::clock::random_suffix(5))
        }
        _ => {
            let causes = vec![Cause::required(
                "metadata.name",
                "name or generateName is required",
            )];
            return Err(ApiError::invalid_for(rt, "", causes));
        }
    };
    let key = req.key(&name);
    if store.get(&key).is_some() {
        return Err(ApiError::already_exists(rt, &name));
    }
    require_namespace(store, req, &name)?;
    let object = prepare(store, rt, &key, None, body, false)?;
    let mut managers = Vec::new();
    let manager = req.update_manager();
    let view = ownable_view(&object, rt.has_status);
    ssa::record_update(
        &mut managers,
        Type::root(&rt.api_version(), rt.kind),
        None,
        &view,
        &manager,
        &rt.api_version(),
        None,
    );
    Ok(commit(
        store,
        Commit {
            rt,
            key,
            live: None,
            object,
            managers,
            writer: &manager,
            dry_run: req.dry_run()?,
            old_managers: None,
        },
    ))
}

fn update(store: &mut Store, req: &ObjectRequest<'_>, name: &str) -> Result<Reply, ApiError> {
    let body = object_body(parse_json_or_yaml(req.body)?)?;
    check_type(req.rt(), &body)?;
    check_identity(req, &body, Some(name))?;
    write_update(store, req, name, body)
}

/// PUT and non-apply patches: the candidate replaces the object and the
/// writer takes ownership of what it changed.
fn write_update(
    store: &mut Store,
    req: &ObjectRequest<'_>,
    name: &str,
    candidate: Value,
) -> Result<Reply, ApiError> {
    let rt = req.rt();
    let key = req.key(name);
    let live = store
        .get(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(rt, name))?;
    check_resource_version(rt, name, &candidate, &live)?;
    let status_write = req.route.subresource.as_deref() == Some("status");
    let candidate = if status_write {
        with_status_of(&live, &candidate)
    } else {
        candidate
    };
    let supplied = (!status_write)
        .then(|| supplied_managers(&candidate))
        .flatten();
    let object = prepare(store, rt, &key, Some(&live), candidate, status_write)?;
    let mut managers = supplied.unwrap_or_else(|| read_managed(&live));
    let manager = req.update_manager();
    let strip_status = rt.has_status && !status_write;
    let (old_view, new_view) = (
        ownable_view(&live, strip_status),
        ownable_view(&object, strip_status),
    );
    let subresource = req.route.subresource.as_deref();
    ssa::record_update(
        &mut managers,
        Type::root(&rt.api_version(), rt.kind),
        Some(&old_view),
        &new_view,
        &manager,
        &rt.api_version(),
        subresource,
    );
    Ok(commit(
        store,
        Commit {
            rt,
            key,
            live: Some(&live),
            object,
            managers,
            writer: &manager,
            dry_run: req.dry_run()?,
            old_managers: None,
        },
    ))
}

/// The managers a client wrote itself (kubectl's move from client-side to
/// server-side apply sends them in a JSON patch): taken as they are when
/// every entry reads (an empty `{}` entry clears them all), as the real
/// server does; a client that leaves the field out or empty keeps the
/// live ones.
fn supplied_managers(candidate: &Value) -> Option<Vec<ssa::ManagedEntry>> {
    let entries = candidate.pointer("/metadata/managedFields")?.as_array()?;
    if entries.is_empty() {
        return None;
    }
    let decoded = read_managed(candidate);
    let empty = entries
        .iter()
        .filter(|e| e.as_object().is_some_and(|m| m.is_empty()))
        .count();
    (decoded.len() + empty == entries.len()).then_some(decoded)
}

/// GET, PUT or PATCH on `<workload>/scale`: reads and writes
/// `spec.replicas` through an `autoscaling/v1` Scale.
fn scale_request(store: &mut Store, req: &ObjectRequest<'_>) -> Result<Reply, ApiError> {
    let Some(name) = req.route.name.as_deref() else {
        return Err(ApiError::method_not_allowed(req.method));
    };
    let live = store
        .get(&req.key(name))
        .cloned()
        .ok_or_else(|| ApiError::not_found(req.rt(), name))?;
    let current = scale::view(&live);
    let written = match req.method {
        "GET" => return Ok(Reply::ok(current)),
        "PUT" => object_body(parse_json_or_yaml(req.body)?)?,
        "PATCH" => {
            let body = parse_json(req.body)?;
            let media_type = req.content_type.split(';').next().unwrap_or("").trim();
            match media_type {
                "application/merge-patch+json" => merge::merge_patch(&current, &body),
                "application/strategic-merge-patch+json" => {
                    // A Scale is not among the definitions: no merge keys.
                    merge::strategic_merge(&current, &body, Type::unknown())
                        .map_err(ApiError::bad_request)?
                }
                "application/json-patch+json" => {
                    merge::json_patch(&current, &body).map_err(ApiError::bad_request)?
                }
                other => return Err(ApiError::unsupported_media_type(other)),
            }
        }
        other => return Err(ApiError::method_not_allowed(other)),
    };
    let mut candidate = scale::with_replicas(&live, &written).map_err(|detail| {
        let cause = Cause::invalid("spec.replicas", "", &detail);
        ApiError::invalid("Scale", "autoscaling", name, vec![cause])
    })?;
    // A Scale written with a resourceVersion is checked against the workload's.
    if let Some(version) = written.pointer("/metadata/resourceVersion") {
        candidate["metadata"]["resourceVersion"] = version.clone();
    }
    let reply = write_update(store, req, name, candidate)?;
    Ok(Reply::ok_with(reply.code, scale::view(&reply.body)))
}

/// A `/status` write changes only status.
fn with_status_of(live: &Value, candidate: &Value) -> Value {
    let mut object = live.clone();
    if let (Some(map), Some(status)) = (object.as_object_mut(), candidate.get("status")) {
        map.insert("status".into(), status.clone());
    }
    object
}

fn patch(store: &mut Store, req: &ObjectRequest<'_>, name: &str) -> Result<Reply, ApiError> {
    let media_type = req.content_type.split(';').next().unwrap_or("").trim();
    if media_type != "application/apply-patch+yaml" && req.query.get("force").is_some() {
        return Err(ApiError::invalid(
            "PatchOptions",
            "meta.k8s.io",
            "",
            vec![Cause::forbidden(
                "force",
                "may not be specified for non-apply patch",
            )],
        ));
    }
    let ty = Type::root(&req.rt().api_version(), req.rt().kind);
    let apply_patch =
        |patch: &dyn Fn(&Value, &Value) -> Result<Value, String>| -> Result<Value, ApiError> {
            let live = store
                .get(&req.key(name))
                .ok_or_else(|| ApiError::not_found(req.rt(), name))?;
            let body = parse_json(req.body)?;
            patch(live, &body).map_err(ApiError::bad_request)
        };
    let candidate = match media_type {
        "application/apply-patch+yaml" => return server_side_apply(store, req, name),
        "application/merge-patch+json" => apply_patch(&|l, p| Ok(merge::merge_patch(l, p)))?,
        "application/strategic-merge-patch+json" => {
            apply_patch(&|l, p| merge::strategic_merge(l, p, ty))?
        }
        "application/json-patch+json" => apply_patch(&merge::json_patch)?,
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    check_identity(req, &candidate, Some(name))?;
    write_update(store, req, name, candidate)
}

fn server_side_apply(
    store: &mut Store,
    req: &ObjectRequest<'_>,
    name: &str,
) -> Result<Reply, ApiError> {
    let rt = req.rt();
    let manager = req
        .query
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            let cause = Cause::required("fieldManager", "is required for apply patch");
            ApiError::invalid("PatchOptions", "meta.k8s.io", "", vec![cause])
        })?;
    if req.route.subresource.is_some() {
        return Err(ApiError::method_not_allowed(
            "apply to a subresource (not supported by the test server)",
        ));
    }
    let mut config = object_body(parse_json_or_yaml(req.body)?)?;
    check_type(rt, &config)?;
    check_identity(req, &config, Some(name))?;
    strip_nulls(&mut config);
    typed::check_apply(rt.kind, req.namespace(), name, &config)?;
    let key = req.key(name);
    // The stored object itself, not a copy: nothing changes it before
    // `commit`, which answers a no-op with it.
    let live = store.shared(&key);
    match &live {
        Some(live) => check_resource_version(rt, name, &config, live)?,
        None => require_namespace(store, req, name)?,
    }
    let new_object;
    let base: &Value = match &live {
        Some(live) => live,
        None => {
            new_object = json!({"metadata": {"name": name}});
            &new_object
        }
    };
    let managers = live.as_deref().map(read_managed).unwrap_or_default();
    let view = ownable_view(&config, rt.has_status);
    let ty = Type::root(&rt.api_version(), rt.kind);
    let duplicates = fieldset::duplicate_items(&view, ty);
    if !duplicates.is_empty() {
        let target = format!(
            "{}/{name}; {}, Kind={}",
            req.namespace(),
            rt.api_version(),
            rt.kind
        );
        return Err(ApiError::typed_patch(&target, &duplicates));
    }
    // kubectl's first server-side apply after client-side ones.
    let forgiven = manager == last_applied::KUBECTL
        && live.is_some()
        && last_applied::forgives(base, &view, ty, &managers, rt.has_status);
    let old_managers = Some(managers.clone());
    let mut applied = ssa::apply(
        base,
        &view,
        ty,
        managers,
        manager,
        &rt.api_version(),
        req.query.flag("force") || forgiven,
    )?;
    if manager == last_applied::KUBECTL {
        last_applied::update_annotation(live.as_deref(), &config, &mut applied.object);
    }
    let object = prepare(store, rt, &key, live.as_deref(), applied.object, false)?;
    Ok(commit(
        store,
        Commit {
            rt,
            key,
            live: live.as_deref(),
            object,
            managers: applied.managers,
            writer: manager,
            dry_run: req.dry_run()?,
            old_managers,
        },
    ))
}

fn delete(store: &mut Store, req: &ObjectRequest<'_>, name: &str) -> Result<Reply, ApiError> {
    let rt = req.rt();
    let key = req.key(name);
    let options = deletion::parse_options(req.body, req.query)?;
    if rt.kind == "Namespace" {
        let live = store
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        if store.async_namespace_deletion {
            return Ok(terminate_namespace(store, key, live, options.dry_run));
        }
        if !options.dry_run {
            store.remove(&key);
            store.remove_namespace_contents(name);
        }
        let uid = live
            .pointer("/metadata/uid")
            .cloned()
            .unwrap_or(Value::Null);
        return Ok(Reply::ok(status::delete_success(rt, name, &uid)));
    }
    deletion::delete(store, rt, &key, &options)
}

/// Like the real server: the Namespace turns `Terminating` and is
/// returned; the controller deletes its contents and then it.
fn terminate_namespace(store: &mut Store, key: ObjectKey, mut live: Value, dry_run: bool) -> Reply {
    if live.pointer("/metadata/deletionTimestamp").is_some() {
        return Reply::ok(live);
    }
    if let Some(meta) = live.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert(
            "deletionTimestamp".into(),
            json!(super::clock::now_rfc3339()),
        );
    }
    live["status"] = json!({"phase": "Terminating"});
    write::canonical_order(&mut live);
    if dry_run {
        Reply::ok(live)
    } else {
        // Restart the controller's clock: Terminating lasts one delay.
        Reply::stored(200, store.put(key, live, true))
    }
}

/// `deletecollection`: each selected object is deleted as a DELETE of
/// it would be (same options); the answer lists them as they were.
fn delete_collection(store: &mut Store, req: &ObjectRequest<'_>) -> Result<Reply, ApiError> {
    let options = deletion::parse_options(req.body, req.query)?;
    let doomed = select(store, req.route, req.query)?;
    for object in &doomed {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let key = ObjectKey::new(
            req.rt(),
            text("/metadata/namespace"),
            text("/metadata/name"),
        );
        match deletion::delete(store, req.rt(), &key, &options) {
            Err(error) if error.code != 404 => return Err(error),
            _ => {}
        }
    }
    Ok(Reply::ok(list_of(req.rt(), store, doomed)))
}

fn list_of(rt: &ResourceType, store: &Store, items: Vec<Value>) -> Value {
    json!({
        "kind": format!("{}List", rt.kind),
        "apiVersion": rt.api_version(),
        "metadata": {"resourceVersion": store.revision().to_string()},
        "items": items,
    })
}
