//! `--recreate-immutable`: when the server refuses a change because a
//! field cannot change on an existing object, delete the object and create
//! it again, but only where what runs and what is stored survives:
//! - a StatefulSet is deleted with `propagationPolicy: Orphan`, so its pods
//!   and volume claims keep running (the garbage collector only drops their
//!   owner references); the new StatefulSet adopts the pods its selector
//!   matches. When the selector itself changes the old pods would match no
//!   StatefulSet and keep their names, so that case is refused;
//! - a Job is deleted in the background (its pods go with it) and created
//!   again, which runs it again;
//! - nothing else, and never a PersistentVolumeClaim: its data lives in it.
//!
//! The delete carries the uid read just before as a precondition, so an
//! object someone re-created meanwhile is never deleted; the create waits
//! until the old object is gone. `diff` shows the same decision first.

use std::time::{Duration, Instant};

use kube::api::{DeleteParams, PatchParams, Preconditions, PropagationPolicy};
use kube::core::Request;
use serde_json::Value;

use super::failure::{ApiStatus, Failure};
use super::transport::{Reply, Target, Transport};
use crate::render::Manifest;

/// How long the old object may take to go (its owner references are
/// dropped by the cluster's garbage collector first).
const GONE_WITHIN: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(200);

/// What `--recreate-immutable` does with an object whose immutable
/// fields change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Deleted with this propagation, then created again.
    Recreate(Propagation),
    /// Left alone; the reason is told with the server's refusal.
    Refuse(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Orphan,
    Background,
}

impl Plan {
    /// One line for apply's and diff's output.
    pub fn describe(&self) -> String {
        match self {
            Plan::Recreate(Propagation::Orphan) => {
                "deleted with its pods orphaned (pods and volume claims keep running; \
                the new StatefulSet adopts its pods), then created again"
                    .into()
            }
            Plan::Recreate(Propagation::Background) => {
                "deleted with its pods, then created again (it runs again)".into()
            }
            Plan::Refuse(why) => format!("not re-created: {why}"),
        }
    }
}

/// Whether the server refused the write because a field cannot change.
pub fn refused_as_immutable(failure: &Failure) -> bool {
    matches!(failure, Failure::Rejected(status) if !status.immutable_fields().is_empty())
}

/// The decision for one object, from what is live and what is sent.
pub fn plan(kind: &str, live: &Value, sent: &Value) -> Plan {
    match kind {
        "StatefulSet" => {
            let selector = |o: &Value| o.pointer("/spec/selector").cloned();
            if selector(live) != selector(sent) {
                Plan::Refuse(
                    "its selector changes: the running pods would match no StatefulSet and keep their names, \
                     so the new one could not start its own; delete it with --cascade=orphan and its old pods \
                     one by one yourself, or keep the old selector"
                        .into(),
                )
            } else {
                Plan::Recreate(Propagation::Orphan)
            }
        }
        "Job" => Plan::Recreate(Propagation::Background),
        "PersistentVolumeClaim" => Plan::Refuse(
            "a PersistentVolumeClaim is never deleted by --recreate-immutable: its data lives in it".into(),
        ),
        _ => Plan::Refuse("--recreate-immutable re-creates only StatefulSets and Jobs".into()),
    }
}

/// The server's words for the fields it would not change, in one line.
pub fn why(refused: &Failure) -> String {
    match refused {
        Failure::Rejected(status) => {
            let fields = status.immutable_fields();
            let parts: Vec<String> = status
                .causes
                .iter()
                .filter(|c| fields.contains(&c.field.as_str()))
                .map(|c| format!("{}: {}", c.field, c.message))
                .collect();
            parts.join("; ")
        }
        other => other.to_string(),
    }
}

/// Adds the refusal's reason to the server's answer.
pub fn with_refusal(failure: Failure, why: &str) -> Failure {
    match failure {
        Failure::Rejected(mut status) => {
            status.message = format!("{} (not re-created: {why})", status.message);
            Failure::Rejected(status)
        }
        other => other,
    }
}

/// Re-creates the object after `refused` (an immutable-field refusal):
/// reads it, deletes it as the plan says (dry run: only asks the server),
/// waits until it is gone and applies the manifest again. `Ok(None)` when
/// it is not re-created (the refusal then stands).
pub async fn recreate(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    params: &PatchParams,
    refused: Failure,
) -> Result<Reply, Failure> {
    let Some(live) = transport.get(target).await? else {
        // Gone since: a plain apply creates it.
        return transport.apply(target, &manifest.object, params).await;
    };
    let propagation = match plan(&manifest.kind, &live, &manifest.object) {
        Plan::Recreate(propagation) => propagation,
        Plan::Refuse(why) => return Err(with_refusal(refused, &why)),
    };
    let uid = uid(&live);
    delete(transport, target, propagation, uid.clone(), params.dry_run).await?;
    if params.dry_run {
        // The server accepted the delete; the create cannot be checked
        // against an object that still exists.
        return Ok(Reply {
            code: 200,
            body: manifest.object.clone(),
        });
    }
    wait_gone(transport, target, uid.as_deref()).await?;
    transport.apply(target, &manifest.object, params).await
}

fn uid(object: &Value) -> Option<String> {
    object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .map(str::to_string)
}

async fn delete(
    transport: &Transport,
    target: &Target,
    propagation: Propagation,
    uid: Option<String>,
    dry_run: bool,
) -> Result<(), Failure> {
    let params = DeleteParams {
        dry_run,
        propagation_policy: Some(match propagation {
            Propagation::Orphan => PropagationPolicy::Orphan,
            Propagation::Background => PropagationPolicy::Background,
        }),
        preconditions: Some(Preconditions {
            uid,
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let request = || Request::new(&target.collection).delete(&target.name, &params);
    match transport.call(request).await {
        Ok(_) => Ok(()),
        // Deleted by someone else meanwhile: what we wanted.
        Err(Failure::Rejected(status)) if status.code == 404 => Ok(()),
        Err(failure) => Err(failure),
    }
}

/// Until a read finds no object, or one with another uid (re-created by
/// someone else: the apply then meets it as any apply would).
async fn wait_gone(
    transport: &Transport,
    target: &Target,
    old_uid: Option<&str>,
) -> Result<(), Failure> {
    let started = Instant::now();
    loop {
        match transport.get(target).await? {
            None => return Ok(()),
            Some(object) if uid(&object).as_deref() != old_uid => return Ok(()),
            Some(_) if started.elapsed() >= GONE_WITHIN => {
                return Err(Failure::Rejected(ApiStatus {
                    code: 504,
                    reason: "Timeout".into(),
                    message: format!(
                        "{} was deleted to be re-created but was still there after {}s \
                         (a finalizer holds it?); apply again once it is gone",
                        target.name,
                        GONE_WITHIN.as_secs()
                    ),
                    ..ApiStatus::default()
                }))
            }
            Some(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// What the re-created object would look like, for `diff`: a server dry
/// run of the manifest under a name that does not exist, so the server
/// defaults it as a new object; the name is then put back wherever the
/// server copied it (a Job's labels).
pub async fn preview(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
) -> Result<Value, Failure> {
    let stand_in = stand_in_name(&manifest.name);
    let mut object = manifest.object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("name".into(), Value::String(stand_in.clone()));
    }
    let stand_in_target = Target {
        collection: target.collection.clone(),
        name: stand_in.clone(),
    };
    let params = PatchParams::apply(transport.field_manager()).dry_run();
    let mut after = transport
        .apply(&stand_in_target, &object, &params)
        .await?
        .body;
    rename(&mut after, &stand_in, &manifest.name);
    Ok(after)
}

/// A name of the same kind that no real object has (at most 63 chars).
fn stand_in_name(name: &str) -> String {
    let head: String = name.chars().take(40).collect();
    format!("{}-wizard-preview", head.trim_end_matches(['-', '.']))
}

fn rename(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text == from => *text = to.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|v| rename(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| rename(v, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts(selector: Value) -> Value {
        json!({"spec": {"selector": selector, "serviceName": "db"}})
    }

    #[test]
    fn a_statefulset_is_orphaned_unless_its_selector_changes() {
        let live = sts(json!({"matchLabels": {"app": "db"}}));
        assert_eq!(
            plan("StatefulSet", &live, &live),
            Plan::Recreate(Propagation::Orphan)
        );
        let moved = sts(json!({"matchLabels": {"app": "db2"}}));
        assert!(matches!(
            plan("StatefulSet", &live, &moved),
            Plan::Refuse(why) if why.contains("selector")
        ));
    }

    #[test]
    fn a_job_is_deleted_with_its_pods_and_a_claim_never() {
        assert_eq!(
            plan("Job", &json!({}), &json!({})),
            Plan::Recreate(Propagation::Background)
        );
        assert!(matches!(
            plan("PersistentVolumeClaim", &json!({}), &json!({})),
            Plan::Refuse(why) if why.contains("never deleted")
        ));
        assert!(matches!(
            plan("Secret", &json!({}), &json!({})),
            Plan::Refuse(_)
        ));
    }

    #[test]
    fn the_stand_in_name_is_put_back_where_the_server_copied_it() {
        let stand_in = stand_in_name("migrate");
        assert_eq!(stand_in, "migrate-wizard-preview");
        assert!(stand_in_name(&"a".repeat(80)).len() <= 63);
        let mut job =
            json!({"metadata": {"name": stand_in, "labels": {"job-name": stand_in, "other": "x"}}});
        rename(&mut job, &stand_in, "migrate");
        assert_eq!(
            job,
            json!({"metadata": {"name": "migrate", "labels": {"job-name": "migrate", "other": "x"}}})
        );
    }
}
