//! `apply --wait`: wait until the workloads have rolled out, judged the way
//! `kubectl rollout status` judges them, and Jobs have completed.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::bounded;
use super::failure::Failure;
use super::transport::Transport;
use crate::render::Manifest;
use crate::sanitize;

/// Where a workload's rollout stands. The messages are `kubectl rollout
/// status`'s own words, so a user sees what kubectl would say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    Done {
        ready: i64,
        desired: i64,
        message: String,
    },
    Waiting {
        ready: i64,
        desired: i64,
        reason: String,
    },
    Failed(String),
}

impl Rollout {
    pub fn is_done(&self) -> bool {
        matches!(self, Rollout::Done { .. })
    }

    /// What kubectl would print for it.
    pub fn message(&self) -> &str {
        match self {
            Rollout::Done { message, .. } => message,
            Rollout::Waiting { reason, .. } => reason,
            Rollout::Failed(why) => why,
        }
    }
}

/// Whether the tool waits for objects of this kind.
pub fn is_waited_for(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet" | "Job")
}

fn int(object: &Value, pointer: &str) -> Option<i64> {
    object.pointer(pointer).and_then(Value::as_i64)
}

fn text<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

/// Whether the controller has seen the latest spec.
fn observed(object: &Value) -> bool {
    let generation = int(object, "/metadata/generation").unwrap_or(0);
    let observed = int(object, "/status/observedGeneration").unwrap_or(0);
    observed > 0 && generation <= observed
}

fn condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

/// The rollout state of a live workload.
pub fn rollout(kind: &str, object: &Value) -> Rollout {
    // The name as kubectl quotes it; a server's text is made one line.
    let name = sanitize::one_line(text(object, "/metadata/name").unwrap_or_default()).into_owned();
    match kind {
        "Deployment" => deployment(object, &name),
        "StatefulSet" => statefulset(object),
        "DaemonSet" => daemonset(object, &name),
        "Job" => job(object, &name),
        _ => done(0, 0, format!("{} \"{name}\" exists", kind.to_lowercase())),
    }
}

fn waiting(ready: i64, desired: i64, reason: impl Into<String>) -> Rollout {
    Rollout::Waiting {
        ready,
        desired,
        reason: reason.into(),
    }
}

fn done(ready: i64, desired: i64, message: impl Into<String>) -> Rollout {
    Rollout::Done {
        ready,
        desired,
        message: message.into(),
    }
}

fn deployment(d: &Value, name: &str) -> Rollout {
    let desired = int(d, "/spec/replicas").unwrap_or(1);
    let ready = int(d, "/status/readyReplicas").unwrap_or(0);
    if !observed(d) {
        return waiting(
            ready,
            desired,
            "Waiting for deployment spec update to be observed...",
        );
    }
    if let Some(progressing) = condition(d, "Progressing") {
        if progressing.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded") {
            return Rollout::Failed(format!(
                "deployment \"{name}\" exceeded its progress deadline"
            ));
        }
    }
    let updated = int(d, "/status/updatedReplicas").unwrap_or(0);
    let replicas = int(d, "/status/replicas").unwrap_or(0);
    let available = int(d, "/status/availableReplicas").unwrap_or(0);
    let waiting_for = |what: String| {
        waiting(
            ready,
            desired,
            format!("Waiting for deployment \"{name}\" rollout to finish: {what}..."),
        )
    };
    if updated < desired {
        waiting_for(format!(
            "{updated} out of {desired} new replicas have been updated"
        ))
    } else if replicas > updated {
        waiting_for(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ))
    } else if available < updated {
        waiting_for(format!(
            "{available} of {updated} updated replicas are available"
        ))
    } else {
        done(
            ready,
            desired,
            format!("deployment \"{name}\" successfully rolled out"),
        )
    }
}

fn statefulset(s: &Value) -> Rollout {
    let desired = int(s, "/spec/replicas").unwrap_or(1);
    let ready = int(s, "/status/readyReplicas").unwrap_or(0);
    if !observed(s) {
        return waiting(
            ready,
            desired,
            "Waiting for statefulset spec update to be observed...",
        );
    }
    if ready < desired {
        return waiting(
            ready,
            desired,
            format!("Waiting for {} pods to be ready...", desired - ready),
        );
    }
    let rolling =
        text(s, "/spec/updateStrategy/type").unwrap_or("RollingUpdate") == "RollingUpdate";
    if !rolling {
        // OnDelete: pods change only when deleted; ready is all there is
        // (kubectl has no rollout status for it).
        return done(
            ready,
            desired,
            format!("{ready} of {desired} pods ready (OnDelete: pods are updated when deleted)"),
        );
    }
    let updated = int(s, "/status/updatedReplicas").unwrap_or(0);
    if let Some(partition) = int(s, "/spec/updateStrategy/rollingUpdate/partition") {
        let expected = (desired - partition).max(0);
        if updated < expected {
            return waiting(
                ready,
                desired,
                format!("Waiting for partitioned roll out to finish: {updated} out of {expected} new pods have been updated..."),
            );
        }
        return done(
            ready,
            desired,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        );
    }
    let current = text(s, "/status/currentRevision");
    let update = text(s, "/status/updateRevision");
    let revision = sanitize::one_line(update.or(current).unwrap_or_default()).into_owned();
    if update.is_some() && current != update {
        return waiting(
            ready,
            desired,
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {revision}..."),
        );
    }
    let current_replicas = int(s, "/status/currentReplicas").unwrap_or(ready);
    done(
        ready,
        desired,
        format!(
            "statefulset rolling update complete {current_replicas} pods at revision {revision}..."
        ),
    )
}

fn daemonset(d: &Value, name: &str) -> Rollout {
    let desired = int(d, "/status/desiredNumberScheduled").unwrap_or(0);
    let ready = int(d, "/status/numberReady").unwrap_or(0);
    if !observed(d) {
        return waiting(
            ready,
            desired,
            "Waiting for daemon set spec update to be observed...",
        );
    }
    if text(d, "/spec/updateStrategy/type") == Some("OnDelete") {
        return done(
            ready,
            desired,
            format!("{ready} of {desired} pods ready (OnDelete: pods are updated when deleted)"),
        );
    }
    let updated = int(d, "/status/updatedNumberScheduled").unwrap_or(0);
    let available = int(d, "/status/numberAvailable").unwrap_or(0);
    let waiting_for = |what: String| {
        waiting(
            ready,
            desired,
            format!("Waiting for daemon set \"{name}\" rollout to finish: {what}..."),
        )
    };
    if updated < desired {
        waiting_for(format!(
            "{updated} out of {desired} new pods have been updated"
        ))
    } else if available < desired {
        waiting_for(format!(
            "{available} of {desired} updated pods are available"
        ))
    } else {
        done(
            ready,
            desired,
            format!("daemon set \"{name}\" successfully rolled out"),
        )
    }
}

/// kubectl has no rollout status for Jobs; the words follow `kubectl wait
/// --for=condition=complete`.
fn job(j: &Value, name: &str) -> Rollout {
    let desired = int(j, "/spec/completions").unwrap_or(1);
    let succeeded = int(j, "/status/succeeded").unwrap_or(0);
    let is_true = |c: &Value| c.get("status").and_then(Value::as_str) == Some("True");
    if condition(j, "Failed").is_some_and(is_true) {
        let message = condition(j, "Failed")
            .and_then(|c| c.get("message").or_else(|| c.get("reason")))
            .and_then(Value::as_str)
            .unwrap_or("the job failed");
        return Rollout::Failed(sanitize::one_line(message).into_owned());
    }
    if condition(j, "Complete").is_some_and(is_true) {
        return done(succeeded, desired, format!("job \"{name}\" complete"));
    }
    waiting(
        succeeded,
        desired,
        format!("Waiting for job \"{name}\" to complete: {succeeded} of {desired} completions..."),
    )
}

/// Why waiting ended without every workload done.
#[derive(Debug)]
pub enum WaitError {
    /// The deadline passed; the workloads still not done.
    TimedOut(Vec<(String, Rollout)>),
    /// A workload can no longer succeed (a failed Job, a deadline exceeded).
    Failed(Vec<(String, String)>),
    /// The cluster cannot be reached any more.
    Request(Failure),
}

/// Poll the workloads until all are done, one fails, or `timeout` passes
/// (`None`: no limit). The deadline bounds the polls too: a status
/// request that hangs ends at the deadline, not at the request timeout.
/// `progress` sees every workload's state after each round.
pub async fn wait_all(
    transport: &Transport,
    workloads: &[&Manifest],
    timeout: Option<Duration>,
    concurrency: usize,
    mut progress: impl FnMut(&[(String, Rollout)]),
) -> Result<(), WaitError> {
    // A limit too far ahead to represent is no limit.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let interval = Duration::from_millis(500);
    let mut states: Vec<(String, Rollout)> = workloads
        .iter()
        .map(|m| (m.reference(), waiting(0, 0, "not checked yet")))
        .collect();
    loop {
        let pending: Vec<usize> = (0..workloads.len())
            .filter(|&i| !states[i].1.is_done())
            .collect();
        let round = bounded(&pending, concurrency, |&i| async move {
            let target = transport.target(workloads[i]);
            transport.get(&target).await
        });
        let results = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, round).await {
                Ok(results) => results,
                Err(_) => return Err(WaitError::TimedOut(still_pending(states))),
            },
            None => round.await,
        };
        for (i, result) in pending.into_iter().zip(results) {
            match result {
                Ok(Some(object)) => states[i].1 = rollout(&workloads[i].kind, &object),
                Ok(None) => states[i].1 = waiting(0, 0, "not found"),
                Err(failure) if failure.is_fatal() => return Err(WaitError::Request(failure)),
                // A failed poll is not a failed rollout: ask again next round.
                Err(_) => {}
            }
        }
        progress(&states);
        let failed: Vec<(String, String)> = states
            .iter()
            .filter_map(|(r, s)| match s {
                Rollout::Failed(why) => Some((r.clone(), why.clone())),
                _ => None,
            })
            .collect();
        if !failed.is_empty() {
            return Err(WaitError::Failed(failed));
        }
        if states.iter().all(|(_, s)| s.is_done()) {
            return Ok(());
        }
        let now = Instant::now();
        match deadline {
            Some(deadline) if now >= deadline => {
                return Err(WaitError::TimedOut(still_pending(states)))
            }
            Some(deadline) => tokio::time::sleep(interval.min(deadline - now)).await,
            None => tokio::time::sleep(interval).await,
        }
    }
}

fn still_pending(states: Vec<(String, Rollout)>) -> Vec<(String, Rollout)> {
    states.into_iter().filter(|(_, s)| !s.is_done()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_deployment_is_done_when_all_updated_replicas_are_available() {
        let mut d = json!({
            "metadata": {"name": "web", "generation": 2},
            "spec": {"replicas": 3},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                       "readyReplicas": 3, "availableReplicas": 3}
        });
        assert_eq!(
            rollout("Deployment", &d),
            done(3, 3, "deployment \"web\" successfully rolled out")
        );
        d["status"]["availableReplicas"] = json!(2);
        d["status"]["readyReplicas"] = json!(2);
        assert_eq!(
            rollout("Deployment", &d),
            waiting(
                2,
                3,
                "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available..."
            )
        );
        d["status"]["replicas"] = json!(4);
        assert_eq!(
            rollout("Deployment", &d).message(),
            "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination..."
        );
        d["status"]["updatedReplicas"] = json!(2);
        assert_eq!(
            rollout("Deployment", &d).message(),
            "Waiting for deployment \"web\" rollout to finish: 2 out of 3 new replicas have been updated..."
        );
        d["metadata"]["generation"] = json!(3);
        assert_eq!(
            rollout("Deployment", &d),
            waiting(2, 3, "Waiting for deployment spec update to be observed...")
        );
    }

    #[test]
    fn a_deployment_past_its_deadline_failed() {
        let d = json!({
            "metadata": {"name": "web", "generation": 1}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}
        });
        assert_eq!(
            rollout("Deployment", &d),
            Rollout::Failed("deployment \"web\" exceeded its progress deadline".into())
        );
    }

    #[test]
    fn a_statefulset_waits_for_ready_pods_and_the_new_revision() {
        let mut s = json!({
            "metadata": {"name": "db", "generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 2,
                       "currentReplicas": 2, "currentRevision": "db-a", "updateRevision": "db-b"}
        });
        assert_eq!(
            rollout("StatefulSet", &s),
            waiting(1, 2, "Waiting for 1 pods to be ready...")
        );
        s["status"]["readyReplicas"] = json!(2);
        assert_eq!(
            rollout("StatefulSet", &s),
            waiting(
                2,
                2,
                "waiting for statefulset rolling update to complete 2 pods at revision db-b..."
            )
        );
        s["status"]["currentRevision"] = json!("db-b");
        assert_eq!(
            rollout("StatefulSet", &s),
            done(
                2,
                2,
                "statefulset rolling update complete 2 pods at revision db-b..."
            )
        );
    }

    #[test]
    fn a_partitioned_statefulset_needs_only_the_pods_above_the_partition() {
        let mut s = json!({
            "metadata": {"name": "db", "generation": 1},
            "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
            "status": {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 1,
                       "currentRevision": "a", "updateRevision": "b"}
        });
        assert_eq!(
            rollout("StatefulSet", &s),
            done(
                3,
                3,
                "partitioned roll out complete: 1 new pods have been updated..."
            )
        );
        s["status"]["updatedReplicas"] = json!(0);
        assert_eq!(
            rollout("StatefulSet", &s).message(),
            "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated..."
        );
    }

    #[test]
    fn a_daemonset_counts_scheduled_pods() {
        let d = json!({
            "metadata": {"name": "agent", "generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 2,
                       "updatedNumberScheduled": 2, "numberAvailable": 1, "numberReady": 1}
        });
        assert_eq!(
            rollout("DaemonSet", &d),
            waiting(
                1,
                2,
                "Waiting for daemon set \"agent\" rollout to finish: 1 of 2 updated pods are available..."
            )
        );
    }

    #[test]
    fn a_job_completes_or_fails() {
        let mut j =
            json!({"metadata": {"name": "migrate"}, "spec": {"completions": 1}, "status": {}});
        assert_eq!(
            rollout("Job", &j),
            waiting(
                0,
                1,
                "Waiting for job \"migrate\" to complete: 0 of 1 completions..."
            )
        );
        j["status"] =
            json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]});
        assert_eq!(rollout("Job", &j), done(1, 1, "job \"migrate\" complete"));
        j["status"] = json!({"conditions": [{"type": "Failed", "status": "True",
                                             "message": "Job has reached the specified backoff limit"}]});
        assert_eq!(
            rollout("Job", &j),
            Rollout::Failed("Job has reached the specified backoff limit".into())
        );
    }
}
