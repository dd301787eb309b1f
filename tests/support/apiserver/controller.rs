//! A stand-in for kube-controller-manager: some time after a workload's
//! spec changes it reports the rollout done (every replica ready on the
//! new revision), and Jobs complete. It writes status the way the real
//! controllers do: as `kube-controller-manager` through the status
//! subresource, so `generation` does not move and `resourceVersion` does.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::clock::{now_rfc3339, stable_hash};
use super::http::{lock, Shared};
use super::resources::{self, ResourceType};
use super::schema::Type;
use super::ssa::{ownable_view, read_managed, record_update};
use super::store::{ObjectKey, Store};
use super::write::{commit, Commit};

const MANAGER: &str = "kube-controller-manager";
const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

/// Runs until the runtime shuts down. It wakes when the store changes or
/// when a written workload's delay is up, never on a timer: an idle
/// server holding thousands of objects costs no CPU.
pub async fn run(shared: Arc<Shared>, delay: Duration) {
    let mut changes = lock(&shared.store).subscribe();
    loop {
        // Marked seen first: a change made while reconciling wakes us again.
        changes.borrow_and_update();
        let next = reconcile(&mut lock(&shared.store), delay);
        let changed = match next {
            Some(at) => tokio::select! {
                changed = changes.changed() => changed,
                () = tokio::time::sleep_until(at.into()) => Ok(()),
            },
            None => changes.changed().await,
        };
        if changed.is_err() {
            return;
        }
    }
}

/// Reconciles what is due; returns when the next pending object will be.
fn reconcile(store: &mut Store, delay: Duration) -> Option<std::time::Instant> {
    let (due, next) = store.take_settled(delay);
    for key in due {
        let Some(rt) = resources::by_plural_any_version(key.group, key.plural) else {
            continue;
        };
        let Some(live) = store.get(&key).cloned() else {
            continue;
        };
        if rt.kind == "Namespace" {
            if live.pointer("/metadata/deletionTimestamp").is_some() {
                store.remove_namespace_contents(&key.name);
                store.remove(&key);
            }
            continue;
        }
        if let Some(new) = reconciled(rt, &key, &live) {
            write_status(store, rt, key, &live, new);
        }
    }
    next
}

/// The object with its finished status, or `None` if nothing to do.
fn reconciled(rt: &ResourceType, key: &ObjectKey, live: &Value) -> Option<Value> {
    let generation = live
        .pointer("/metadata/generation")
        .cloned()
        .unwrap_or(json!(1));
    let observed = live.pointer("/status/observedGeneration");
    let spec = live.get("spec").cloned().unwrap_or(json!({}));
    let template_hash = stable_hash(
        &spec
            .get("template")
            .map(Value::to_string)
            .unwrap_or_default(),
    );
    let status = match rt.kind {
        "Deployment" if observed != Some(&generation) => {
            deployment_status(live, &spec, &generation, &key.name, &template_hash)
        }
        "StatefulSet" if observed != Some(&generation) => {
            statefulset_status(&spec, &generation, &key.name, &template_hash)
        }
        "DaemonSet" if observed != Some(&generation) => daemonset_status(&generation),
        "Job" if !job_finished(live) && spec.get("suspend") != Some(&json!(true)) => {
            job_status(live, &spec)
        }
        _ => return None,
    };
    let mut new = live.clone();
    new.as_object_mut()?.insert("status".into(), status);
    if rt.kind == "Deployment" {
        set_revision(&mut new, live, &key.name, &template_hash);
    }
    Some(new)
}

fn replicas(spec: &Value) -> i64 {
    spec.get("replicas").and_then(Value::as_i64).unwrap_or(1)
}

/// Inserts the replica counters, which the real API omits when zero.
fn counters(status: &mut Map<String, Value>, names: &[&str], count: i64) {
    if count > 0 {
        for name in names {
            status.insert(name.to_string(), json!(count));
        }
    }
}

fn replica_set_name(name: &str, template_hash: &str) -> String {
    format!("{name}-{}", &template_hash[..template_hash.len().min(10)])
}

fn deployment_status(
    live: &Value,
    spec: &Value,
    generation: &Value,
    name: &str,
    template_hash: &str,
) -> Value {
    let now = now_rfc3339();
    let since = |kind: &str| {
        live.pointer("/status/conditions")
            .and_then(Value::as_array)
            .and_then(|c| c.iter().find(|c| c.get("type") == Some(&json!(kind))))
            .and_then(|c| c.get("lastTransitionTime"))
            .cloned()
            .unwrap_or(json!(now))
    };
    let mut status = Map::new();
    status.insert("observedGeneration".into(), generation.clone());
    counters(
        &mut status,
        &[
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ],
        replicas(spec),
    );
    status.insert(
        "conditions".into(),
        json!([
            {
                "type": "Available", "status": "True",
                "lastUpdateTime": now, "lastTransitionTime": since("Available"),
                "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."
            },
            {
                "type": "Progressing", "status": "True",
                "lastUpdateTime": now, "lastTransitionTime": since("Progressing"),
                "reason": "NewReplicaSetAvailable",
                "message": format!("ReplicaSet \"{}\" has successfully progressed.", replica_set_name(name, template_hash))
            }
        ]),
    );
    Value::Object(status)
}

/// Bumps `deployment.kubernetes.io/revision` when the pod template changed
/// since the last rollout (read back from the Progressing message).
fn set_revision(new: &mut Value, live: &Value, name: &str, template_hash: &str) {
    let current: i64 = live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let previous_rs = live
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .find(|c| c.get("type") == Some(&json!("Progressing")))
        })
        .and_then(|c| c.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let same_template =
        previous_rs.contains(&format!("\"{}\"", replica_set_name(name, template_hash)));
    let revision = if current > 0 && same_template {
        current
    } else {
        current + 1
    };
    if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations.insert(REVISION_ANNOTATION.into(), json!(revision.to_string()));
        }
    }
}

fn statefulset_status(spec: &Value, generation: &Value, name: &str, template_hash: &str) -> Value {
    let revision = replica_set_name(name, template_hash);
    let mut status = Map::new();
    status.insert("observedGeneration".into(), generation.clone());
    let names = [
        "replicas",
        "readyReplicas",
        "currentReplicas",
        "updatedReplicas",
        "availableReplicas",
    ];
    counters(&mut status, &names, replicas(spec));
    status.insert("currentRevision".into(), json!(revision));
    status.insert("updateRevision".into(), json!(revision));
    status.insert("collisionCount".into(), json!(0));
    Value::Object(status)
}

/// As if the cluster had exactly one schedulable node.
fn daemonset_status(generation: &Value) -> Value {
    json!({
        "currentNumberScheduled": 1,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 1,
        "numberReady": 1,
        "observedGeneration": generation,
        "updatedNumberScheduled": 1,
        "numberAvailable": 1
    })
}

fn job_finished(live: &Value) -> bool {
    live.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c.get("type") == Some(&json!("Complete"))))
}

fn job_status(live: &Value, spec: &Value) -> Value {
    let now = now_rfc3339();
    let started = live
        .pointer("/metadata/creationTimestamp")
        .cloned()
        .unwrap_or(json!(now));
    let completions = spec.get("completions").and_then(Value::as_i64).unwrap_or(1);
    let condition = |kind: &str| {
        json!({
            "type": kind, "status": "True",
            "lastProbeTime": now, "lastTransitionTime": now,
            "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"
        })
    };
    json!({
        "conditions": [condition("SuccessCriteriaMet"), condition("Complete")],
        "startTime": started,
        "completionTime": now,
        "succeeded": completions,
        "terminating": 0,
        "uncountedTerminatedPods": {},
        "ready": 0
    })
}

/// Records the controller's ownership (metadata through the main
/// resource, status through `/status`) and stores the result.
fn write_status(
    store: &mut Store,
    rt: &'static ResourceType,
    key: ObjectKey,
    live: &Value,
    new: Value,
) {
    let api_version = rt.api_version();
    let mut managers = read_managed(live);
    let (old_main, new_main) = (ownable_view(live, true), ownable_view(&new, true));
    let ty = Type::root(&api_version, rt.kind);
    record_update(
        &mut managers,
        ty,
        Some(&old_main),
        &new_main,
        MANAGER,
        &api_version,
        None,
    );
    let status_only = |v: &Value| json!({"status": v.get("status").cloned().unwrap_or(json!({}))});
    record_update(
        &mut managers,
        ty,
        Some(&status_only(live)),
        &status_only(&new),
        MANAGER,
        &api_version,
        Some("status"),
    );
    commit(
        store,
        Commit {
            rt,
            key,
            live: Some(live),
            object: new,
            managers,
            writer: MANAGER,
            dry_run: false,
            old_managers: None,
        },
    );
}
