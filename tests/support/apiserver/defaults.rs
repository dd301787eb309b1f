//! Defaulting, as kube-apiserver's registered defaulters do it, for the
//! served types. Defaults are filled in after merging and are never owned
//! by the writer of an apply, so clients see the same diff noise (and the
//! same clean re-applies) as against a real cluster.

use serde_json::{json, Map, Value};

use super::quantity;
use super::resources::ResourceType;
use super::schema::Type;

/// Inserts `value` under `key` unless present.
fn default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !map.contains_key(key) {
        map.insert(key.to_string(), value);
    }
}

/// The object at `key`, created empty if missing (or not an object).
fn child<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key.to_string()).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    match slot {
        Value::Object(inner) => inner,
        _ => unreachable!("just made an object"),
    }
}

/// The object at `key` if it exists.
fn child_if<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    map.get_mut(key).and_then(Value::as_object_mut)
}

fn objects_in<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Fills in every default the real server would for this type, and
/// writes every quantity in its canonical form.
pub fn apply_defaults(rt: &ResourceType, object: &mut Value) {
    canonical_quantities(object, Type::root(&rt.api_version(), rt.kind));
    let Some(root) = object.as_object_mut() else {
        return;
    };
    match rt.kind {
        "Namespace" => namespace(root),
        "Secret" => default(root, "type", json!("Opaque")),
        "Service" => service(child(root, "spec")),
        "PersistentVolumeClaim" => default(child(root, "spec"), "volumeMode", json!("Filesystem")),
        "Deployment" => deployment(child(root, "spec")),
        "StatefulSet" => statefulset(child(root, "spec")),
        "DaemonSet" => daemonset(child(root, "spec")),
        "Job" => job(child(root, "spec")),
        "CronJob" => cronjob(child(root, "spec")),
        "HorizontalPodAutoscaler" => hpa(child(root, "spec")),
        _ => {}
    }
}

/// The status a freshly created object starts with, if it has one.
pub fn initial_status(rt: &ResourceType) -> Option<Value> {
    match rt.kind {
        "Namespace" => Some(json!({"phase": "Active"})),
        "Service" | "Ingress" => Some(json!({"loadBalancer": {}})),
        "PersistentVolumeClaim" => Some(json!({"phase": "Pending"})),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => Some(json!({})),
        "HorizontalPodAutoscaler" => Some(json!({"currentMetrics": null, "desiredReplicas": 0})),
        _ => None,
    }
}

fn namespace(root: &mut Map<String, Value>) {
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    // The NamespaceDefaultLabelName admission adds this label.
    child(child(root, "metadata"), "labels").insert("kubernetes.io/metadata.name".into(), name);
    default(child(root, "spec"), "finalizers", json!(["kubernetes"]));
}

fn service(spec: &mut Map<String, Value>) {
    default(spec, "type", json!("ClusterIP"));
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    default(spec, "sessionAffinity", json!("None"));
    for port in objects_in(spec, "ports") {
        default(port, "protocol", json!("TCP"));
        if let Some(number) = port.get("port").cloned() {
            default(port, "targetPort", number);
        }
    }
    if kind == "ExternalName" {
        return;
    }
    default(spec, "internalTrafficPolicy", json!("Cluster"));
    default(spec, "ipFamilyPolicy", json!("SingleStack"));
    default(spec, "ipFamilies", json!(["IPv4"]));
    if kind == "NodePort" || kind == "LoadBalancer" {
        default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

fn deployment(spec: &mut Map<String, Value>) {
    default(spec, "replicas", json!(1));
    default(spec, "revisionHistoryLimit", json!(10));
    default(spec, "progressDeadlineSeconds", json!(600));
    let strategy = child(spec, "strategy");
    default(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        let rolling = child(strategy, "rollingUpdate");
        default(rolling, "maxUnavailable", json!("25%"));
        default(rolling, "maxSurge", json!("25%"));
    }
    pod_template(child(spec, "template"), false);
}

fn statefulset(spec: &mut Map<String, Value>) {
    default(spec, "replicas", json!(1));
    default(spec, "podManagementPolicy", json!("OrderedReady"));
    default(spec, "revisionHistoryLimit", json!(10));
    // As SetDefaults_StatefulSet in 1.33: an empty type becomes
    // RollingUpdate with a `rollingUpdate: {}` to default; a partition is
    // only filled into a rollingUpdate that exists (none is created for an
    // explicit RollingUpdate; maxUnavailable is behind an alpha gate).
    let strategy = child(spec, "updateStrategy");
    if strategy.get("type").is_none_or(|t| t == "") {
        strategy.insert("type".into(), json!("RollingUpdate"));
        default(strategy, "rollingUpdate", json!({}));
    }
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        if let Some(rolling) = child_if(strategy, "rollingUpdate") {
            default(rolling, "partition", json!(0));
        }
    }
    let retention = child(spec, "persistentVolumeClaimRetentionPolicy");
    default(retention, "whenDeleted", json!("Retain"));
    default(retention, "whenScaled", json!("Retain"));
    for claim in objects_in(spec, "volumeClaimTemplates") {
        default(claim, "apiVersion", json!("v1"));
        default(claim, "kind", json!("PersistentVolumeClaim"));
        default(child(claim, "metadata"), "creationTimestamp", Value::Null);
        default(child(claim, "spec"), "volumeMode", json!("Filesystem"));
        default(claim, "status", json!({"phase": "Pending"}));
    }
    pod_template(child(spec, "template"), false);
}

fn daemonset(spec: &mut Map<String, Value>) {
    default(spec, "revisionHistoryLimit", json!(10));
    let strategy = child(spec, "updateStrategy");
    default(strategy, "type", json!("RollingUpdate"));
    if strategy.get("type") == Some(&json!("RollingUpdate")) {
        let rolling = child(strategy, "rollingUpdate");
        default(rolling, "maxUnavailable", json!(1));
        default(rolling, "maxSurge", json!(0));
    }
    pod_template(child(spec, "template"), false);
}

fn job(spec: &mut Map<String, Value>) {
    default(spec, "parallelism", json!(1));
    default(spec, "completions", json!(1));
    default(spec, "backoffLimit", json!(6));
    default(spec, "completionMode", json!("NonIndexed"));
    default(spec, "suspend", json!(false));
    default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    pod_template(child(spec, "template"), true);
}

fn cronjob(spec: &mut Map<String, Value>) {
    default(spec, "concurrencyPolicy", json!("Allow"));
    default(spec, "suspend", json!(false));
    default(spec, "successfulJobsHistoryLimit", json!(3));
    default(spec, "failedJobsHistoryLimit", json!(1));
    let template = child(spec, "jobTemplate");
    default(
        child(template, "metadata"),
        "creationTimestamp",
        Value::Null,
    );
    pod_template(child(child(template, "spec"), "template"), true);
}

fn hpa(spec: &mut Map<String, Value>) {
    default(spec, "minReplicas", json!(1));
    let no_metrics = spec
        .get("metrics")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if no_metrics {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = child_if(spec, "behavior") {
        scaling_rules(
            child(behavior, "scaleUp"),
            Some(0),
            &[("Pods", 4), ("Percent", 100)],
        );
        // Scale-down's window is left unset: the controller's
        // --horizontal-pod-autoscaler-downscale-stabilization (5m) applies.
        scaling_rules(child(behavior, "scaleDown"), None, &[("Percent", 100)]);
    }
}

fn scaling_rules(rules: &mut Map<String, Value>, window: Option<u32>, policies: &[(&str, u32)]) {
    if let Some(window) = window {
        default(rules, "stabilizationWindowSeconds", json!(window));
    }
    default(rules, "selectPolicy", json!("Max"));
    let policies: Vec<Value> = policies
        .iter()
        .map(|(kind, value)| json!({"type": kind, "value": value, "periodSeconds": 15}))
        .collect();
    default(rules, "policies", Value::Array(policies));
}

/// Pod template defaults shared by every workload.
fn pod_template(template: &mut Map<String, Value>, is_job: bool) {
    default(
        child(template, "metadata"),
        "creationTimestamp",
        Value::Null,
    );
    let spec = child(template, "spec");
    if !is_job {
        default(spec, "restartPolicy", json!("Always"));
    }
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "securityContext", json!({}));
    default(spec, "schedulerName", json!("default-scheduler"));
    for list in ["initContainers", "containers"] {
        for container in objects_in(spec, list) {
            self::container(container);
        }
    }
    for volume in objects_in(spec, "volumes") {
        for source in ["configMap", "secret"] {
            if let Some(source) = child_if(volume, source) {
                default(source, "defaultMode", json!(420));
            }
        }
        // HostPathUnset: the type is stored as an empty string.
        if let Some(host_path) = child_if(volume, "hostPath") {
            default(host_path, "type", json!(""));
        }
    }
}

fn container(container: &mut Map<String, Value>) {
    let image = container.get("image").and_then(Value::as_str).unwrap_or("");
    default(container, "imagePullPolicy", json!(pull_policy(image)));
    default(container, "resources", json!({}));
    default(
        container,
        "terminationMessagePath",
        json!("/dev/termination-log"),
    );
    default(container, "terminationMessagePolicy", json!("File"));
    for port in objects_in(container, "ports") {
        default(port, "protocol", json!("TCP"));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(probe) = child_if(container, probe) {
            self::probe(probe);
        }
    }
    for env in objects_in(container, "env") {
        if let Some(field_ref) = child_if(env, "valueFrom").and_then(|v| child_if(v, "fieldRef")) {
            default(field_ref, "apiVersion", json!("v1"));
        }
    }
}

fn probe(probe: &mut Map<String, Value>) {
    default(probe, "timeoutSeconds", json!(1));
    default(probe, "periodSeconds", json!(10));
    default(probe, "successThreshold", json!(1));
    default(probe, "failureThreshold", json!(3));
    if let Some(http) = child_if(probe, "httpGet") {
        default(http, "scheme", json!("HTTP"));
    }
}

/// `Always` for `:latest` or untagged images, else `IfNotPresent`.
pub fn pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    match last_segment.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// Job controller labels and selector, derived from the new Job's uid
/// (the real server generates them unless `manualSelector` is set).
pub fn job_selector(object: &mut Value, uid: &str, name: &str) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if spec.get("manualSelector") == Some(&json!(true)) {
        return;
    }
    let labels = json!({
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    });
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
    );
    let template_labels = child(child(child(spec, "template"), "metadata"), "labels");
    if let Value::Object(generated) = labels {
        for (key, value) in generated {
            template_labels.insert(key, value);
        }
    }
}

/// Hands out cluster IPs and node ports, like the service IP and port
/// allocators (sequential, never reused: tests only need uniqueness).
#[derive(Debug)]
pub struct Allocator {
    next_ip: u32,
    next_node_port: u32,
}

impl Default for Allocator {
    fn default() -> Self {
        // 10.96.0.1 is the `kubernetes` Service's address in a real cluster.
        Allocator {
            next_ip: u32::from_be_bytes([10, 96, 0, 10]),
            next_node_port: 30_000,
        }
    }
}

impl Allocator {
    fn cluster_ip(&mut self) -> String {
        let ip = std::net::Ipv4Addr::from(self.next_ip);
        self.next_ip += 1;
        ip.to_string()
    }

    fn node_port(&mut self) -> u32 {
        let port = self.next_node_port;
        self.next_node_port += 1;
        port
    }

    /// Keeps a Service's allocated values across updates and allocates
    /// missing ones; `live` is the stored Service, if any.
    pub fn service(&mut self, object: &mut Value, live: Option<&Value>) {
        let live_spec = live
            .and_then(|l| l.get("spec"))
            .cloned()
            .unwrap_or(json!({}));
        let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
            return;
        };
        if live.is_some() {
            drop_type_dependent_fields(spec, &live_spec);
        }
        let kind = spec
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        if kind == "ExternalName" {
            return;
        }
        for key in ["clusterIP", "clusterIPs"] {
            if let Some(value) = live_spec.get(key) {
                default(spec, key, value.clone());
            }
        }
        if !spec.contains_key("clusterIP") {
            let ip = self.cluster_ip();
            spec.insert("clusterIP".into(), json!(ip));
        }
        if let Some(ip) = spec.get("clusterIP").cloned() {
            default(spec, "clusterIPs", json!([ip]));
        }
        if kind == "NodePort" || kind == "LoadBalancer" {
            self.node_ports(spec, &live_spec);
        }
    }

    fn node_ports(&mut self, spec: &mut Map<String, Value>, live_spec: &Value) {
        let live_ports = live_spec
            .get("ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for port in objects_in(spec, "ports") {
            if port.contains_key("nodePort") {
                continue;
            }
            let previous = live_ports
                .iter()
                .find(|p| p.get("port") == port.get("port"))
                .and_then(|p| p.get("nodePort"))
                .cloned();
            let value = previous.unwrap_or_else(|| json!(self.node_port()));
            port.insert("nodePort".into(), value);
        }
    }
}

/// Rewrites every `resource.Quantity` in canonical form (`0.5` → `500m`),
/// as decoding into the Go types does; texts that are not quantities are
/// left for validation.
fn canonical_quantities(value: &mut Value, ty: Type) {
    match value {
        Value::String(text) if ty.is_quantity() => {
            if let Some(canonical) = quantity::canonical(text) {
                *text = canonical;
            }
        }
        Value::Number(number) if ty.is_quantity() => {
            if let Some(canonical) = quantity::canonical(&number.to_string()) {
                *value = Value::String(canonical);
            }
        }
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                canonical_quantities(child, ty.field(key));
            }
        }
        Value::Array(items) => {
            for item in items {
                canonical_quantities(item, ty.item());
            }
        }
        _ => {}
    }
}

/// What the Service strategy wipes when an update changes the type: a
/// field the old type needed and the new one does not goes, unless the
/// writer changed it too (then validation has the last word).
fn drop_type_dependent_fields(spec: &mut Map<String, Value>, old: &Value) {
    let type_of = |s: Option<&Value>| s.and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
    let (old_type, new_type) = (type_of(old.get("type")), type_of(spec.get("type")));
    let needs_node_port = |t: &str| t == "NodePort" || t == "LoadBalancer";
    let externally_accessible = |t: &str, s: &Value| {
        needs_node_port(t)
            || (t == "ClusterIP"
                && s.get("externalIPs")
                    .and_then(Value::as_array)
                    .is_some_and(|ips| !ips.is_empty()))
    };
    let same = |key: &str, spec: &Map<String, Value>| spec.get(key) == old.get(key);
    if needs_node_port(&old_type) && !needs_node_port(&new_type) {
        let node_ports = |ports: Option<&Value>| -> Vec<Value> {
            ports
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| p.get("nodePort").cloned().unwrap_or(Value::Null))
                .collect()
        };
        if node_ports(spec.get("ports")) == node_ports(old.get("ports")) {
            for port in objects_in(spec, "ports") {
                port.shift_remove("nodePort");
            }
        }
    }
    let old_local =
        old_type == "LoadBalancer" && old.get("externalTrafficPolicy") == Some(&json!("Local"));
    if old_local && new_type != "LoadBalancer" && same("healthCheckNodePort", spec) {
        spec.shift_remove("healthCheckNodePort");
    }
    if old_type == "LoadBalancer" && new_type != "LoadBalancer" {
        for key in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] {
            if same(key, spec) {
                spec.shift_remove(key);
            }
        }
    }
    let now_accessible = externally_accessible(&new_type, &Value::Object(spec.clone()));
    if externally_accessible(&old_type, old)
        && !now_accessible
        && same("externalTrafficPolicy", spec)
    {
        spec.shift_remove("externalTrafficPolicy");
    }
}
