//! `render --explain`: where each generated value came from. Every scalar
//! of the YAML carries a comment: the state path it was taken from
//! (`storage: 10Gi  # _services[0].volumeClaimTemplates[0].size`), the
//! path whose absence made the tool use its default
//! (`# default (set _services[0].replicas)`), or the rule that decided it
//! (`# rule: headless Service of a StatefulSet`).
//!
//! The objects are the ones `render -o yaml` prints and the YAML is the
//! same text: comments are only appended at the end of scalar lines, so
//! the output with them removed is byte for byte `-o yaml`. Where a value
//! came from is worked out afterwards from the object's path, the model
//! and the state document (whether a field was written or left out), so
//! the renderer itself carries no bookkeeping.

use serde_json::Value;

use super::Manifest;
use crate::model::{Project, Service, Workload};

/// Where one generated value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Taken from this state path.
    State(String),
    /// The state left this path out; the tool's default was used.
    Default(String),
    /// Decided by a generation rule, not by a state field.
    Rule(String),
}

impl Origin {
    pub fn comment(&self) -> String {
        let text = match self {
            Origin::State(path) => path.clone(),
            Origin::Default(path) => format!("default (set {path})"),
            Origin::Rule(why) => format!("rule: {why}"),
        };
        // A comment is one line, and `  # ` marks where it starts.
        crate::sanitize::one_line(&text).replace("  # ", " # ")
    }
}

fn rule(why: impl Into<String>) -> Origin {
    Origin::Rule(why.into())
}

/// The value at a state path (`_services[0].envVars[1]`) of a document.
pub fn lookup<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    let mut here = doc;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if !key.is_empty() {
            here = here.get(key)?;
        }
        for index in indices.split(']').filter_map(|s| s.strip_prefix('[')) {
            here = here.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(here)
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// What one manifest's values are explained from.
struct Ctx<'a> {
    doc: &'a Value,
    /// `kubernetes` in a project file, else empty.
    state: &'a str,
    project: &'a Project,
    manifest: &'a Manifest,
    /// The workload the manifest belongs to, if any.
    svc: Option<&'a Service>,
}

impl<'a> Ctx<'a> {
    fn given(&self, path: &str) -> bool {
        match lookup(self.doc, path) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        }
    }

    /// The first of `keys` under `base` that the state gives, else the
    /// default of the first.
    fn pick(&self, base: &str, keys: &[&str]) -> Origin {
        keys.iter()
            .map(|k| join(base, k))
            .find(|p| self.given(p))
            .map(Origin::State)
            .unwrap_or_else(|| Origin::Default(join(base, keys.first().copied().unwrap_or(""))))
    }

    fn top(&self, key: &str) -> String {
        join(self.state, key)
    }

    fn svc_path(&self) -> &str {
        self.svc.map_or("", |s| s.path.as_str())
    }

    fn name(&self) -> &str {
        self.svc.map_or("", |s| s.name.as_str())
    }

    /// The raw list of a state path, with each item's path.
    fn items(&self, path: &str) -> Vec<(String, &'a Value)> {
        match lookup(self.doc, path) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The env entries of an owner (`envVars`, else `env`), list or map
    /// form, each with its path and name.
    fn env_entries(&self, owner: &str) -> Vec<(String, Option<String>, &'a Value)> {
        let key = if self.given(&join(owner, "envVars")) {
            "envVars"
        } else {
            "env"
        };
        let path = join(owner, key);
        match lookup(self.doc, &path) {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(name, v)| (join(&path, name), Some(name.clone()), v))
                .collect(),
            _ => self
                .items(&path)
                .into_iter()
                .map(|(p, v)| {
                    let name = ["key", "name"]
                        .iter()
                        .find_map(|k| v.get(k).and_then(scalar_text).filter(|s| !s.is_empty()));
                    (p, name, v)
                })
                .collect(),
        }
    }

    fn env_entry(&self, owner: &str, name: &str) -> Option<(String, &'a Value)> {
        self.env_entries(owner)
            .into_iter()
            .find(|(_, n, _)| n.as_deref() == Some(name))
            .map(|(p, _, v)| (p, v))
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Where the value at `segments` of the manifest's object came from.
fn classify(ctx: &Ctx<'_>, segments: &[&str]) -> Origin {
    let kind = ctx.manifest.kind.as_str();
    match segments {
        ["apiVersion"] | ["kind"] => return rule(format!("a {kind}")),
        ["metadata", "namespace"] => return namespace(ctx),
        ["metadata", "labels", ..] => {
            return rule("labels: app=<service> and the recommended app.kubernetes.io labels")
        }
        _ => {}
    }
    let found = match kind {
        "Namespace" => match segments {
            ["metadata", "name"] => Some(namespace(ctx)),
            _ => None,
        },
        "ConfigMap" | "Secret" => config(ctx, segments),
        "Service" => service(ctx, segments),
        "PersistentVolumeClaim" => claim(ctx, segments),
        "HorizontalPodAutoscaler" => autoscaler(ctx, segments),
        "Ingress" => ingress(ctx, segments),
        _ => workload(ctx, segments),
    };
    found.unwrap_or_else(|| rule(format!("generated for {}", ctx.manifest.origin)))
}

fn namespace(ctx: &Ctx<'_>) -> Origin {
    let path = ctx.top("namespace");
    let written = lookup(ctx.doc, &path).and_then(scalar_text);
    match written {
        Some(ns) if ns == ctx.project.namespace => Origin::State(path),
        None if ctx.project.namespace == "default" => Origin::Default(path),
        _ => rule("-n/--namespace"),
    }
}

/// ConfigMap `<owner>-config` and Secret `<owner>-secrets`; the manifest's
/// origin is the owner (a service, a companion, a Managed decision).
fn config(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let owner = ctx.manifest.origin.as_str();
    Some(match segments {
        ["metadata", "name"] if ctx.manifest.kind == "Secret" => {
            rule(format!("<owner>-secrets: the secret entries of {owner}"))
        }
        ["metadata", "name"] => rule(format!(
            "<owner>-config: the hardcoded and variable entries of {owner}"
        )),
        ["type"] => rule("an Opaque Secret"),
        ["data", key] => {
            let (path, entry) = ctx.env_entry(owner, key)?;
            if !entry.is_object() {
                return Some(Origin::State(path));
            }
            match entry.get("type").and_then(Value::as_str) {
                Some("variable") => ctx.pick(&path, &["varName"]),
                _ => ctx.pick(&path, &["value"]),
            }
        }
        ["stringData", key] => {
            let (path, _) = ctx.env_entry(owner, key)?;
            rule(format!(
                "placeholder for {path}; apply never replaces a live value"
            ))
        }
        _ => return None,
    })
}

fn service(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let svc = ctx.svc?;
    let p = svc.path.as_str();
    let headless = ctx.manifest.object.pointer("/spec/clusterIP") == Some(&Value::from("None"));
    Some(match segments {
        ["metadata", "name"] if headless => ctx.pick(p, &["headlessServiceName"]),
        ["metadata", "name"] => Origin::State(join(p, "name")),
        ["spec", "clusterIP"] => rule("headless Service of a StatefulSet"),
        ["spec", "ports", _, "port"] if headless => Origin::State(join(p, "port")),
        ["spec", "ports", _, "port"] => ctx.pick(p, &["servicePort", "port"]),
        ["spec", "ports", _, "targetPort"] => Origin::State(join(p, "port")),
        ["spec", "selector", ..] => rule(format!("selects the pods labelled app={}", svc.name)),
        ["spec", "type"] if matches!(svc.workload, Workload::Deployment(_)) => {
            ctx.pick(p, &["serviceType"])
        }
        ["spec", "type"] => rule(format!(
            "a ClusterIP Service beside the headless one ({p}.alsoCreateClusterIP)"
        )),
        _ => return None,
    })
}

/// A PersistentVolumeClaim of a PVC volume: `<service>-<volume name>`.
fn claim(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let p = ctx.svc_path();
    let claim_name = ctx.manifest.name.as_str();
    let (volume, _) = ctx.items(&join(p, "volumes")).into_iter().find(|(_, v)| {
        v.get("name")
            .and_then(scalar_text)
            .is_some_and(|n| format!("{}-{n}", ctx.name()) == claim_name)
    })?;
    Some(match segments {
        ["metadata", "name"] => rule(format!("<service>-<name> of {volume}.name")),
        ["metadata", "annotations", ..] => Origin::State(join(&volume, "longhornConfig")),
        ["spec", "accessModes", _] => ctx.pick(&volume, &["accessMode"]),
        ["spec", "resources", "requests", "storage"] => ctx.pick(&volume, &["size"]),
        ["spec", "storageClassName"] => Origin::State(join(&volume, "storageClass")),
        ["spec", "volumeName"] => Origin::State(join(&volume, "pvName")),
        _ => return None,
    })
}

fn autoscaler(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let a = ctx.manifest.origin.as_str();
    Some(match segments {
        ["metadata", "name"] => rule(format!("<service>-hpa for {a}")),
        ["spec", "minReplicas"] => ctx.pick(a, &["minReplicas"]),
        ["spec", "maxReplicas"] => ctx.pick(a, &["maxReplicas"]),
        ["spec", "scaleTargetRef", ..] => rule("the service's workload"),
        ["spec", "metrics", i, rest @ ..] => {
            let pointer = format!("/spec/metrics/{i}/resource/name");
            let metric = ctx
                .manifest
                .object
                .pointer(&pointer)
                .and_then(Value::as_str);
            match (metric, rest) {
                (Some("cpu"), [.., "averageUtilization"]) => Origin::State(join(a, "targetCPU")),
                (Some("memory"), [.., "averageUtilization"]) => {
                    Origin::State(join(a, "targetMemory"))
                }
                _ => rule("a resource utilisation metric"),
            }
        }
        _ => return None,
    })
}

fn ingress(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    Some(match segments {
        ["spec", "rules", _, "host"] => Origin::State(ctx.top("ingress")),
        ["metadata", "name"] => {
            rule("<service>-ingress for one app service, app-ingress for several")
        }
        _ => rule("a path per app service with a Service: the first at /, the others at /<name>"),
    })
}

fn workload(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let svc = ctx.svc?;
    let p = svc.path.as_str();
    let pick = |keys: &[&str]| Some(ctx.pick(p, keys));
    match segments {
        ["metadata", "name"] => Some(Origin::State(join(p, "name"))),
        ["spec", "selector", ..] => Some(rule(format!(
            "selector app={} (fixed once the workload exists)",
            svc.name
        ))),
        ["spec", "replicas"] => pick(&["replicas"]),
        ["spec", "strategy", "type"] | ["spec", "updateStrategy", "type"] => pick(&["strategy"]),
        ["spec", "strategy", "rollingUpdate", key]
        | ["spec", "updateStrategy", "rollingUpdate", key] => pick(&[*key]),
        ["spec", "serviceName"] => pick(&["headlessServiceName"]),
        ["spec", "podManagementPolicy"] => pick(&["podManagementPolicy"]),
        ["spec", "volumeClaimTemplates", i, rest @ ..] => claim_template(ctx, i, rest),
        ["spec", "template", rest @ ..] => pod(ctx, rest),
        ["spec", "jobTemplate", "spec", "template", rest @ ..] => pod(ctx, rest),
        ["spec", "jobTemplate", "spec", key] | ["spec", key] => pick(&[*key]),
        _ => None,
    }
}

fn claim_template(ctx: &Ctx<'_>, index: &str, rest: &[&str]) -> Option<Origin> {
    let Workload::StatefulSet(set) = &ctx.svc?.workload else {
        return None;
    };
    let template = set.claim_templates.get(index.parse::<usize>().ok()?)?;
    let t = template.path.as_str();
    Some(match rest {
        ["apiVersion"] | ["kind"] => rule("a claim template is a PersistentVolumeClaim"),
        ["metadata", "name"] => Origin::State(join(t, "name")),
        ["spec", "accessModes", _] => ctx.pick(t, &["accessMode"]),
        ["spec", "resources", "requests", "storage"] => ctx.pick(t, &["size"]),
        ["spec", "storageClassName"] => Origin::State(join(t, "storageClass")),
        _ => return None,
    })
}

/// The pod template (`segments` after `template`).
fn pod(ctx: &Ctx<'_>, segments: &[&str]) -> Option<Origin> {
    let p = ctx.svc_path();
    Some(match segments {
        ["metadata", "labels", ..] => rule(format!(
            "pod label app={}, which the selectors match",
            ctx.name()
        )),
        ["metadata", "annotations", ..] => Origin::State(join(p, "mesh")),
        ["spec", "restartPolicy"] => ctx.pick(p, &["restartPolicy"]),
        ["spec", "nodeSelector", ..] => Origin::State(join(p, "nodeSelector")),
        ["spec", "tolerations", i, key] => Origin::State(format!("{p}.tolerations[{i}].{key}")),
        ["spec", key @ ("hostNetwork" | "hostPID" | "hostIPC")] => Origin::State(join(p, key)),
        ["spec", "volumes", i, rest @ ..] => {
            let pointer = format!("/spec/template/spec/volumes/{i}/name");
            let name = pod_pointer(ctx, &pointer)?;
            let volume = pod_volume(ctx, &name)?;
            match rest {
                ["name"] => Origin::State(join(&volume, "name")),
                _ => Origin::State(volume),
            }
        }
        ["spec", list @ ("containers" | "initContainers"), i, rest @ ..] => {
            container(ctx, list, i, rest)?
        }
        _ => return None,
    })
}

/// A string at a pointer of the pod template (CronJobs nest it deeper).
fn pod_pointer(ctx: &Ctx<'_>, pointer: &str) -> Option<String> {
    let object = &ctx.manifest.object;
    let nested = pointer.replacen("/spec/template", "/spec/jobTemplate/spec/template", 1);
    object
        .pointer(pointer)
        .or_else(|| object.pointer(&nested))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The state entry behind a pod volume name: a volume of the service or a
/// companion, a sidecar's shared volume.
fn pod_volume(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    let p = ctx.svc_path();
    let mut owners = vec![p.to_string()];
    owners.extend(
        ctx.items(&join(p, "companions"))
            .into_iter()
            .map(|(c, _)| c),
    );
    for owner in &owners {
        for (index, (path, v)) in ctx.items(&join(owner, "volumes")).into_iter().enumerate() {
            let text = |k: &str| v.get(k).and_then(scalar_text).unwrap_or_default();
            let candidates = [
                text("name"),
                format!("cm-{}", text("configMapName")),
                format!("sec-{}", text("secretName")),
                format!("empty-{index}"),
                format!("hp-{index}"),
            ];
            if candidates.iter().any(|c| c == name) {
                return Some(path);
            }
        }
    }
    ctx.items(&join(p, "sidecars"))
        .into_iter()
        .find(|(_, v)| v.get("sharedVolume").and_then(scalar_text).as_deref() == Some(name))
        .map(|(path, _)| join(&path, "sharedVolume"))
}

/// The state entry a container comes from: the service itself, a
/// companion, a sidecar or an init container.
fn container_base(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    let p = ctx.svc_path();
    if name == ctx.name() {
        return Some(p.to_string());
    }
    ["companions", "sidecars", "initContainers"]
        .iter()
        .flat_map(|list| ctx.items(&join(p, list)))
        .find(|(_, v)| v.get("name").and_then(scalar_text).as_deref() == Some(name))
        .map(|(path, _)| path)
}

fn container(ctx: &Ctx<'_>, list: &str, index: &str, rest: &[&str]) -> Option<Origin> {
    let pointer = format!("/spec/template/spec/{list}/{index}");
    let name = pod_pointer(ctx, &format!("{pointer}/name"))?;
    if name.starts_with("wait-for-") {
        return Some(rule(
            "waits until a dependency answers (dependencies, dependsOn)",
        ));
    }
    let base = container_base(ctx, &name)?;
    let at = |key: &str| Some(Origin::State(join(&base, key)));
    match rest {
        ["name"] | ["image"] => at(rest[0]),
        ["command", ..] => at("command"),
        ["args", ..] => at("args"),
        ["ports", _, "containerPort"] => at("port"),
        ["restartPolicy"] => Some(rule(
            "a native sidecar is an init container with restartPolicy Always",
        )),
        ["resources", kind, resource] => Some(resources(ctx, &base, kind, resource)),
        [probe @ ("readinessProbe" | "livenessProbe"), detail @ ..] => {
            Some(probe_origin(ctx, &join(&base, probe), detail))
        }
        ["env", j, detail @ ..] => env_var(ctx, &base, &pointer, j, detail),
        ["envFrom", j, detail @ ..] => env_from(ctx, &base, &pointer, j, detail),
        ["volumeMounts", j, key] => {
            let mount = pod_pointer(ctx, &format!("{pointer}/volumeMounts/{j}/name"))?;
            mount_origin(ctx, &mount, key)
        }
        _ => None,
    }
}

fn resources(ctx: &Ctx<'_>, base: &str, kind: &str, resource: &str) -> Origin {
    let nested = join(base, "resources");
    let (snake, flat): (&str, &[&str]) = match (kind, resource) {
        ("requests", "cpu") => ("cpu_request", &["cpuRequest"]),
        ("limits", "cpu") => ("cpu_limit", &["cpuLimit"]),
        ("requests", _) => ("memory_request", &["memRequest", "memoryRequest"]),
        _ => ("memory_limit", &["memLimit", "memoryLimit"]),
    };
    let mut candidates = vec![join(&nested, snake)];
    candidates.extend(flat.iter().map(|k| join(&nested, k)));
    candidates.extend(flat.iter().map(|k| join(base, k)));
    candidates
        .into_iter()
        .find(|c| ctx.given(c))
        .map_or_else(|| Origin::Default(join(&nested, snake)), Origin::State)
}

fn probe_origin(ctx: &Ctx<'_>, probe: &str, detail: &[&str]) -> Origin {
    match detail {
        ["httpGet", "path"] => ctx.pick(probe, &["path"]),
        [_, "port"] => ctx.pick(probe, &["port"]),
        ["exec", ..] => Origin::State(join(probe, "command")),
        ["failureThreshold"] => ctx.pick(probe, &["extra", "failureThreshold"]),
        [key] => Origin::State(join(probe, key)),
        _ => Origin::State(probe.to_string()),
    }
}

fn env_var(ctx: &Ctx<'_>, base: &str, pointer: &str, j: &str, detail: &[&str]) -> Option<Origin> {
    let name = pod_pointer(ctx, &format!("{pointer}/env/{j}/name"))?;
    let (entry, raw) = ctx.env_entry(base, &name)?;
    let name_key = if raw.get("key").is_some() {
        "key"
    } else {
        "name"
    };
    let own_secret = raw.get("secretName").is_none() && raw.get("configMapName").is_none();
    Some(match detail {
        ["name"] if raw.is_object() => Origin::State(join(&entry, name_key)),
        ["name"] => Origin::State(entry),
        [.., "name"] if own_secret => rule(format!("<owner>-secrets, the Secret of {base}")),
        [.., "key"] if own_secret => Origin::State(join(&entry, name_key)),
        [.., "name"] => ctx.pick(&entry, &["secretName", "configMapName"]),
        [.., "key"] if raw.get("secretName").is_some() => ctx.pick(&entry, &["secretKey"]),
        [.., "key"] => ctx.pick(&entry, &["configMapKey"]),
        [.., "optional"] => Origin::State(join(&entry, "optional")),
        _ => Origin::State(entry),
    })
}

fn env_from(ctx: &Ctx<'_>, base: &str, pointer: &str, j: &str, detail: &[&str]) -> Option<Origin> {
    let source = pod_pointer(ctx, &format!("{pointer}/envFrom/{j}/configMapRef/name"))
        .or_else(|| pod_pointer(ctx, &format!("{pointer}/envFrom/{j}/secretRef/name")))?;
    let field = if detail.first() == Some(&"configMapRef") {
        "configMapName"
    } else {
        "secretName"
    };
    let entry = ctx.env_entries(base).into_iter().find(|(_, name, v)| {
        name.is_none() && v.get(field).and_then(scalar_text).as_deref() == Some(source.as_str())
    });
    Some(match (entry, detail) {
        (Some((path, _, _)), ["prefix"]) => Origin::State(join(&path, "prefix")),
        (Some((path, _, _)), [.., "optional"]) => Origin::State(join(&path, "optional")),
        (Some((path, _, _)), _) => Origin::State(join(&path, field)),
        (None, _) if source.ends_with("-config") && detail.first() == Some(&"configMapRef") => {
            rule(format!("{source}: the ConfigMap of the hardcoded and variable entries (or of a Managed dependency)"))
        }
        (None, _) => rule(format!("{source}: the Secret of a Managed dependency")),
    })
}

fn mount_origin(ctx: &Ctx<'_>, mount: &str, key: &str) -> Option<Origin> {
    // A claim template, mounted by its name.
    if let Some(Workload::StatefulSet(set)) = ctx.svc.map(|s| &s.workload) {
        if let Some(t) = set.claim_templates.iter().find(|t| t.name == mount) {
            return Some(match key {
                "name" => Origin::State(join(&t.path, "name")),
                _ => Origin::State(join(&t.path, "mountPath")),
            });
        }
    }
    let volume = pod_volume(ctx, mount)?;
    if volume.ends_with(".sharedVolume") {
        let sidecar = volume.trim_end_matches(".sharedVolume");
        return Some(match key {
            "name" => Origin::State(volume.clone()),
            _ => Origin::State(join(sidecar, "sharedMount")),
        });
    }
    Some(match key {
        "name" => Origin::State(join(&volume, "name")),
        "mountPath" => Origin::State(join(&volume, "mountPath")),
        "readOnly" => Origin::State(join(&volume, "readOnly")),
        "subPath" => Origin::State(join(&volume, "key")),
        _ => Origin::State(volume),
    })
}

/// The workload a manifest belongs to: the one whose path its origin is or
/// starts with.
fn owner<'a>(project: &'a Project, manifest: &Manifest) -> Option<&'a Service> {
    let origin = manifest.origin.as_str();
    project.workloads().find(|s| {
        origin == s.path
            || origin
                .strip_prefix(s.path.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The YAML of one manifest, every scalar line with its origin.
pub fn annotate(project: &Project, doc: &Value, manifest: &Manifest) -> Result<String, String> {
    let state = match doc.get("kubernetes") {
        Some(Value::Object(_)) => "kubernetes",
        _ => "",
    };
    let ctx = Ctx {
        doc,
        state,
        project,
        manifest,
        svc: owner(project, manifest),
    };
    let text = crate::yaml::value_to_string(&manifest.object);
    let mut owners = Vec::new();
    lines_of(&manifest.object, &mut Vec::new(), &mut owners);
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != owners.len() {
        return Err(format!(
            "cannot line up {} lines of {} with its values ({})",
            lines.len(),
            manifest.reference(),
            owners.len()
        ));
    }
    let mut out = String::with_capacity(text.len() * 2);
    for (line, owner) in lines.iter().zip(owners) {
        out.push_str(line);
        if let Some(path) = owner {
            let segments: Vec<&str> = path.iter().map(String::as_str).collect();
            out.push_str("  # ");
            out.push_str(&classify(&ctx, &segments).comment());
        }
        out.push('\n');
    }
    Ok(out)
}

/// For each line the YAML writer produces for `value`, the path of the
/// scalar it ends with (`None` for lines that open a map or list, and for
/// the body of a literal block). Mirrors `yaml::emit`'s layout: one line
/// per key, a list item's first key on its dash line.
fn lines_of(value: &Value, path: &mut Vec<String>, out: &mut Vec<Option<Vec<String>>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                path.push(key.clone());
                match child {
                    Value::Object(m) if !m.is_empty() => {
                        out.push(None);
                        lines_of(child, path, out);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        out.push(None);
                        lines_of(child, path, out);
                    }
                    scalar => scalar_lines(scalar, path, out),
                }
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                match item {
                    // The nested block's first line follows the dash.
                    Value::Object(m) if !m.is_empty() => lines_of(item, path, out),
                    Value::Array(inner) if !inner.is_empty() => lines_of(item, path, out),
                    scalar => scalar_lines(scalar, path, out),
                }
                path.pop();
            }
        }
        scalar => scalar_lines(scalar, path, out),
    }
}

/// A scalar's line, and the lines of its literal block if it has one
/// (a comment there would be part of the text).
fn scalar_lines(value: &Value, path: &[String], out: &mut Vec<Option<Vec<String>>>) {
    let written = crate::yaml::value_to_string(value);
    let extra = written.trim_end_matches('\n').matches('\n').count();
    if extra == 0 {
        out.push(Some(path.to_vec()));
    } else {
        // `key: |` may carry a comment after the header; the body not.
        out.push(Some(path.to_vec()));
        out.extend(std::iter::repeat_n(None, extra));
    }
}

/// The stream `render -o yaml --explain` prints.
pub fn annotated_stream(
    project: &Project,
    doc: &Value,
    manifests: &[&Manifest],
) -> Result<String, String> {
    let mut out = String::new();
    for manifest in manifests {
        out.push_str("---\n");
        out.push_str(&annotate(project, doc, manifest)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_follows_keys_and_indices() {
        let doc = json!({"kubernetes": {"_services": [{"envVars": [{"key": "A"}]}]}});
        assert_eq!(
            lookup(&doc, "kubernetes._services[0].envVars[0].key"),
            Some(&json!("A"))
        );
        assert_eq!(lookup(&doc, "kubernetes._services[1]"), None);
    }

    #[test]
    fn every_line_has_an_owner_in_the_writers_layout() {
        let value = json!({"a": {"b": [1, {"c": "x\ny\n", "d": []}], "e": {}}, "f": [[1, 2]]});
        let mut owners = Vec::new();
        lines_of(&value, &mut Vec::new(), &mut owners);
        let text = crate::yaml::value_to_string(&value);
        assert_eq!(owners.len(), text.lines().count(), "{text}");
    }
}
