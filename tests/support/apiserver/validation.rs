//! Validation (422 Invalid) of the rules clients commonly trip over: names,
//! required fields, selectors matching templates, immutable fields.
//! Messages follow the real validators; Go's `%#v` rendering of compound
//! values is approximated with JSON.

use base64::Engine;
use serde_json::Value;

use super::quantity;
use super::resources::ResourceType;
use super::status::{ApiError, Cause};

const SUBDOMAIN_HELP: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_HELP: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const CONFIG_KEY_HELP: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

fn quote(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

fn is_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

fn is_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_label)
}

/// The name rule of a type: Namespaces are RFC 1123 labels, Services DNS-1035
/// labels, everything else RFC 1123 subdomains.
fn name_causes(rt: &ResourceType, name: &str) -> Vec<Cause> {
    let field = "metadata.name";
    if name.is_empty() {
        return vec![Cause::required(field, "name or generateName is required")];
    }
    let (ok, help, max) = match rt.kind {
        "Namespace" => (is_label(name), LABEL_HELP, 63),
        "Service" => (
            is_label(name) && name.starts_with(|c: char| c.is_ascii_lowercase()),
            DNS1035_HELP,
            63,
        ),
        _ => (is_subdomain(name), SUBDOMAIN_HELP, 253),
    };
    let mut causes = Vec::new();
    if name.len() > max {
        causes.push(Cause::invalid(
            field,
            &quote(name),
            &format!("must be no more than {max} characters"),
        ));
    }
    if !ok && name.len() <= max {
        causes.push(Cause::invalid(field, &quote(name), help));
    }
    causes
}

/// Validates a whole object about to be stored.
pub fn validate(rt: &ResourceType, object: &Value) -> Result<(), ApiError> {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut causes = name_causes(rt, name);
    let spec = object.get("spec").unwrap_or(&Value::Null);
    match rt.kind {
        "ConfigMap" => config_keys(object, &mut causes),
        "Secret" => config_keys(object, &mut causes),
        "Service" => service(spec, &mut causes),
        "PersistentVolumeClaim" => pvc(spec, "spec", &mut causes),
        "Deployment" | "StatefulSet" | "DaemonSet" => workload(spec, &mut causes),
        "Job" => job(spec, "spec", &mut causes),
        "CronJob" => cronjob(spec, &mut causes),
        "Ingress" => ingress(spec, &mut causes),
        "HorizontalPodAutoscaler" => hpa(spec, &mut causes),
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_for(rt, name, causes))
    }
}

/// Secret `data` must be base64; the real server fails decoding with 400.
pub fn secret_data_encoding(object: &Value) -> Result<(), ApiError> {
    let Some(data) = object.get("data").and_then(Value::as_object) else {
        return Ok(());
    };
    for (key, value) in data {
        let text = value.as_str().unwrap_or("");
        if base64::engine::general_purpose::STANDARD
            .decode(text)
            .is_err()
        {
            return Err(ApiError::bad_request(format!(
                "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data in data[{key}]"
            )));
        }
    }
    Ok(())
}

fn config_keys(object: &Value, causes: &mut Vec<Cause>) {
    for section in ["data", "binaryData"] {
        let Some(map) = object.get(section).and_then(Value::as_object) else {
            continue;
        };
        for key in map.keys() {
            let ok = !key.is_empty()
                && key.len() <= 253
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
            let field = format!("{section}[{key}]");
            if !ok {
                causes.push(Cause::invalid(field, &quote(key), CONFIG_KEY_HELP));
            } else if let Some(detail) = reserved_key(key) {
                causes.push(Cause::invalid(field, &quote(key), detail));
            }
        }
    }
}

fn service(spec: &Value, causes: &mut Vec<Cause>) {
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    let ports = spec
        .get("ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if ports.is_empty() && kind != "ExternalName" && !headless {
        causes.push(Cause::required("spec.ports", ""));
    }
    for (i, port) in ports.iter().enumerate() {
        let number = port.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&number) {
            causes.push(Cause::invalid(
                format!("spec.ports[{i}].port"),
                &number.to_string(),
                "must be between 1 and 65535, inclusive",
            ));
        }
        if ports.len() > 1
            && port
                .get("name")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            causes.push(Cause::required(format!("spec.ports[{i}].name"), ""));
        }
    }
}

fn pvc(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    if spec
        .get("accessModes")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        causes.push(Cause::required(format!("{path}.accessModes"), ""));
    }
    if spec.pointer("/resources/requests/storage").is_none() {
        causes.push(Cause::required(format!("{path}.resources[storage]"), ""));
    }
}

fn workload(spec: &Value, causes: &mut Vec<Cause>) {
    selector_matches_template(spec, causes);
    pod_spec(spec.pointer("/template/spec"), "spec.template.spec", causes);
    if let Some(claims) = spec.get("volumeClaimTemplates").and_then(Value::as_array) {
        for (i, claim) in claims.iter().enumerate() {
            let claim_spec = claim.get("spec").unwrap_or(&Value::Null);
            pvc(
                claim_spec,
                &format!("spec.volumeClaimTemplates[{i}].spec"),
                causes,
            );
        }
    }
}

fn selector_matches_template(spec: &Value, causes: &mut Vec<Cause>) {
    let selector = spec
        .get("selector")
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()));
    let Some(selector) = selector else {
        causes.push(Cause::required("spec.selector", ""));
        return;
    };
    let labels = spec
        .pointer("/template/metadata/labels")
        .cloned()
        .unwrap_or(Value::Null);
    if !selector_matches(selector, &labels) {
        causes.push(Cause::invalid(
            "spec.template.metadata.labels",
            &go_string_map(&labels),
            "`selector` does not match template `labels`",
        ));
    }
}

/// Renders a label map as Go's `%#v` does for `map[string]string`.
fn go_string_map(labels: &Value) -> String {
    let pairs: Vec<String> = labels
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{}:{}", quote(k), v))
                .collect()
        })
        .unwrap_or_default();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

/// Whether a `LabelSelector` (matchLabels + matchExpressions) selects `labels`.
pub fn selector_matches(selector: &Value, labels: &Value) -> bool {
    let label = |key: &str| labels.get(key).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let labels_ok = match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str());
    let expressions = selector.get("matchExpressions").and_then(Value::as_array);
    let expressions_ok = expressions.into_iter().flatten().all(|expr| {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = expr
            .get("values")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match expr.get("operator").and_then(Value::as_str) {
            Some("In") => label(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        }
    });
    labels_ok && expressions_ok
}

/// IsConfigMapKey's rules beyond the characters: `.`, `..` and a `..`
/// prefix would collide with the files kubelet keeps beside the keys.
fn reserved_key(key: &str) -> Option<&'static str> {
    match key {
        "." => Some("must not be '.'"),
        ".." => Some("must not be '..'"),
        _ if key.starts_with("..") => Some("must not start with '..'"),
        _ => None,
    }
}

fn pod_spec(spec: Option<&Value>, path: &str, causes: &mut Vec<Cause>) {
    if let Some(spec) = spec {
        tolerations(spec, path, causes);
        volumes(spec, path, causes);
    }
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    let Some(containers) = containers.filter(|c| !c.is_empty()) else {
        causes.push(Cause::required(format!("{path}.containers"), ""));
        return;
    };
    let init = spec
        .and_then(|s| s.get("initContainers"))
        .and_then(Value::as_array);
    for (i, container) in init.into_iter().flatten().enumerate() {
        container_rules(container, &format!("{path}.initContainers[{i}]"), causes);
    }
    for (i, container) in containers.iter().enumerate() {
        container_rules(container, &format!("{path}.containers[{i}]"), causes);
        for field in ["name", "image"] {
            if container
                .get(field)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                causes.push(Cause::required(
                    format!("{path}.containers[{i}].{field}"),
                    "",
                ));
            }
        }
    }
}

fn job(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    let pod_path = format!("{path}.template.spec");
    pod_spec(spec.pointer("/template/spec"), &pod_path, causes);
    let field = format!("{pod_path}.restartPolicy");
    match spec
        .pointer("/template/spec/restartPolicy")
        .and_then(Value::as_str)
    {
        None => causes.push(Cause::required(
            field,
            "valid values: \"OnFailure\", \"Never\"",
        )),
        Some("OnFailure" | "Never") => {}
        Some(other) => causes.push(Cause::unsupported(field, other, &["OnFailure", "Never"])),
    }
}

fn cronjob(spec: &Value, causes: &mut Vec<Cause>) {
    match spec.get("schedule").and_then(Value::as_str) {
        None | Some("") => causes.push(Cause::required("spec.schedule", "")),
        Some(schedule) => {
            for problem in super::cron::check(schedule) {
                causes.push(Cause::invalid("spec.schedule", &quote(schedule), &problem));
            }
        }
    }
    let job_spec = spec.pointer("/jobTemplate/spec").unwrap_or(&Value::Null);
    job(job_spec, "spec.jobTemplate.spec", causes);
}

fn ingress(spec: &Value, causes: &mut Vec<Cause>) {
    let rules = spec
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (r, rule) in rules.iter().enumerate() {
        let paths = rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (p, path) in paths.iter().enumerate() {
            match path.get("pathType").and_then(Value::as_str) {
                Some("Exact" | "Prefix" | "ImplementationSpecific") => {}
                Some(other) => causes.push(Cause::unsupported(
                    format!("spec.rules[{r}].http.paths[{p}].pathType"),
                    other,
                    &["Exact", "ImplementationSpecific", "Prefix"],
                )),
                None => causes.push(Cause::required(
                    format!("spec.rules[{r}].http.paths[{p}].pathType"),
                    "pathType must be specified",
                )),
            }
        }
    }
}

fn hpa(spec: &Value, causes: &mut Vec<Cause>) {
    for field in ["kind", "name"] {
        if spec.pointer(&format!("/scaleTargetRef/{field}")).is_none() {
            causes.push(Cause::required(format!("spec.scaleTargetRef.{field}"), ""));
        }
    }
    let max = spec.get("maxReplicas").and_then(Value::as_i64).unwrap_or(0);
    if max < 1 {
        causes.push(Cause::invalid(
            "spec.maxReplicas",
            &max.to_string(),
            "must be greater than or equal to 1",
        ));
    }
}

/// Rules about what an update may change.
pub fn validate_update(rt: &ResourceType, old: &Value, new: &Value) -> Result<(), ApiError> {
    let name = new
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let changed = |pointer: &str| old.pointer(pointer) != new.pointer(pointer);
    let immutable = |field: &str, pointer: &str| {
        let value = new
            .pointer(pointer)
            .map(Value::to_string)
            .unwrap_or_else(|| "null".into());
        Cause::invalid(field, &value, "field is immutable")
    };
    let mut causes = Vec::new();
    match rt.kind {
        "Deployment" | "DaemonSet" if changed("/spec/selector") => {
            causes.push(immutable("spec.selector", "/spec/selector"));
        }
        "StatefulSet" if statefulset_forbidden_change(old, new) => causes.push(Cause::forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        )),
        "Job" => {
            for (field, pointer) in [("spec.selector", "/spec/selector"), ("spec.template", "/spec/template"), ("spec.completions", "/spec/completions")] {
                if changed(pointer) {
                    causes.push(immutable(field, pointer));
                }
            }
        }
        "Service" => service_update(old, new, &mut causes),
        "Secret" if changed("/type") => causes.push(immutable("type", "/type")),
        "PersistentVolumeClaim" if pvc_spec_changed(old, new) => causes.push(Cause::forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        )),
        "ConfigMap" | "Secret" => {
            let was_immutable = old.get("immutable") == Some(&Value::Bool(true));
            if was_immutable && (changed("/data") || changed("/binaryData")) {
                causes.push(Cause::forbidden("data", "field is immutable when `immutable` is set"));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_for(rt, name, causes))
    }
}

/// Whether a PVC's spec changed beyond what may change: nothing while it
/// is not bound; `resources.requests` (and the volume attributes class)
/// once it is.
fn pvc_spec_changed(old: &Value, new: &Value) -> bool {
    let bound = old.pointer("/status/phase") == Some(&Value::from("Bound"));
    let strip = |v: &Value| {
        let mut spec = v.get("spec").cloned().unwrap_or(Value::Null);
        if bound {
            if let Some(map) = spec.as_object_mut() {
                map.shift_remove("volumeAttributesClassName");
                if let Some(resources) = map.get_mut("resources").and_then(Value::as_object_mut) {
                    resources.shift_remove("requests");
                }
            }
        }
        spec
    };
    strip(old) != strip(new)
}

fn statefulset_forbidden_change(old: &Value, new: &Value) -> bool {
    const MUTABLE: &[&str] = &[
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
    ];
    let strip = |v: &Value| {
        let mut spec = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(map) = spec.as_object_mut() {
            map.retain(|k, _| !MUTABLE.contains(&k.as_str()));
        }
        spec
    };
    strip(old) != strip(new)
}

fn service_update(old: &Value, new: &Value, causes: &mut Vec<Cause>) {
    let old_ip = old.pointer("/spec/clusterIP");
    let new_ip = new.pointer("/spec/clusterIP");
    let external = new.pointer("/spec/type").and_then(Value::as_str) == Some("ExternalName");
    if old_ip.is_some() && new_ip.is_some() && old_ip != new_ip && !external {
        let ips = new
            .pointer("/spec/clusterIPs")
            .cloned()
            .unwrap_or(Value::Null);
        causes.push(Cause::invalid(
            "spec.clusterIPs[0]",
            &format!(
                "[]string{}",
                ips.to_string().replace('[', "{").replace(']', "}")
            ),
            "may not change once set",
        ));
    }
}

const LABEL_NAME_HELP: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// A qualified name (`[prefix/]name`), as label keys and toleration keys
/// are checked: the message of the first rule broken, like the real one.
fn qualified_name_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("prefix part must be non-empty".into());
        }
        if !is_subdomain(prefix) {
            return Some(format!("prefix part {SUBDOMAIN_HELP}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".into());
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".into());
    }
    let bytes = name.as_bytes();
    let ok = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric();
    (!ok).then(|| LABEL_NAME_HELP.to_string())
}

fn tolerations(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    let list = spec.get("tolerations").and_then(Value::as_array);
    for (i, toleration) in list.into_iter().flatten().enumerate() {
        let key = toleration.get("key").and_then(Value::as_str).unwrap_or("");
        if key.is_empty() {
            continue;
        }
        if let Some(problem) = qualified_name_problem(key) {
            let field = format!("{path}.tolerations[{i}].key");
            causes.push(Cause::invalid(field, &quote(key), &problem));
        }
    }
}

/// validatePathNoBacksteps: no `..` element in the path.
fn has_backstep(path: &str) -> bool {
    path.split(['/', '\\']).any(|part| part == "..")
}

/// The rules of a path inside a volume (`items[].path`, `subPath`):
/// relative, without `..` elements, not starting with `..`.
fn local_path_problems(path: &str, field: &str, causes: &mut Vec<Cause>) {
    if path.starts_with('/') {
        causes.push(Cause::invalid(
            field,
            &quote(path),
            "must be a relative path",
        ));
    }
    if has_backstep(path) {
        causes.push(Cause::invalid(field, &quote(path), "must not contain '..'"));
    } else if path.starts_with("..") {
        causes.push(Cause::invalid(
            field,
            &quote(path),
            "must not start with '..'",
        ));
    }
}

fn volumes(spec: &Value, path: &str, causes: &mut Vec<Cause>) {
    let list = spec.get("volumes").and_then(Value::as_array);
    for (i, volume) in list.into_iter().flatten().enumerate() {
        let at = format!("{path}.volumes[{i}]");
        if let Some(host) = volume.pointer("/hostPath/path").and_then(Value::as_str) {
            if has_backstep(host) {
                let field = format!("{at}.hostPath.path");
                causes.push(Cause::invalid(field, &quote(host), "must not contain '..'"));
            }
        }
        for source in ["configMap", "secret"] {
            let items = volume
                .pointer(&format!("/{source}/items"))
                .and_then(Value::as_array);
            for (j, item) in items.into_iter().flatten().enumerate() {
                let item_at = format!("{at}.{source}.items[{j}]");
                if let Some(item_path) = item.get("path").and_then(Value::as_str) {
                    local_path_problems(item_path, &format!("{item_at}.path"), causes);
                }
            }
        }
    }
}

fn container_rules(container: &Value, at: &str, causes: &mut Vec<Cause>) {
    let mounts = container.get("volumeMounts").and_then(Value::as_array);
    for (j, mount) in mounts.into_iter().flatten().enumerate() {
        let mount_at = format!("{at}.volumeMounts[{j}]");
        if let Some(mount_path) = mount.get("mountPath").and_then(Value::as_str) {
            if has_backstep(mount_path) {
                let field = format!("{mount_at}.mountPath");
                causes.push(Cause::invalid(
                    field,
                    &quote(mount_path),
                    "must not contain '..'",
                ));
            }
        }
        if let Some(sub_path) = mount.get("subPath").and_then(Value::as_str) {
            if !sub_path.is_empty() {
                local_path_problems(sub_path, &format!("{mount_at}.subPath"), causes);
            }
        }
    }
    requests_within_limits(container, at, causes);
}

/// validateResourceRequirements: a request above its limit is refused.
fn requests_within_limits(container: &Value, at: &str, causes: &mut Vec<Cause>) {
    let (Some(requests), Some(limits)) = (
        container
            .pointer("/resources/requests")
            .and_then(Value::as_object),
        container
            .pointer("/resources/limits")
            .and_then(Value::as_object),
    ) else {
        return;
    };
    for (resource, request) in requests {
        let (Some(request), Some(limit)) = (
            request.as_str(),
            limits.get(resource).and_then(Value::as_str),
        ) else {
            continue;
        };
        if quantity::compare(request, limit) == Some(std::cmp::Ordering::Greater) {
            causes.push(Cause::invalid(
                format!("{at}.resources.requests[{resource}]"),
                &quote(request),
                &format!("must be less than or equal to {resource} limit of {limit}"),
            ));
        }
    }
}
