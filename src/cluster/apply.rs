//! `apply`: server-side apply, phase by phase (STATE.md §8). The objects of
//! a phase go out together (bounded); the next phase starts when they are
//! all done, and skips what depends on an object that failed.

use std::collections::HashMap;

use kube::api::PatchParams;
use serde_json::Value;

use super::failure::Failure;
use super::plan::{self, Blocker};
use super::transport::{Reply, Target, Transport};
use super::{bounded, recreate, secrets, strip};
use crate::render::Manifest;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// `--dry-run=server`: the server checks and reports, nothing persists.
    pub dry_run: bool,
    pub force_conflicts: bool,
    pub concurrency: usize,
    /// `--recreate-immutable`: see `recreate`.
    pub recreate_immutable: bool,
    /// Keep each object as the server answered it (`Run::objects`), for
    /// `apply -o yaml|json`.
    pub keep_objects: bool,
}

/// What apply did to an object that it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    /// Dry run only: would be created in a namespace that does not exist
    /// yet, so the server could not check it.
    CreatedUnchecked,
    Configured,
    Unchanged,
    /// Deleted and created again (`--recreate-immutable`).
    Recreated,
}

/// How one object fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Applied(Change),
    Failed(Failure),
    /// Not sent because `because` (an object it depends on) was not applied.
    Skipped {
        because: String,
    },
    /// Not sent because the run stopped before it (see `Run::fatal`).
    NotSent,
}

/// What a run did: one outcome per manifest, and the failure that ended it
/// early, if one did (every object after it is `NotSent`).
#[derive(Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub fatal: Option<Failure>,
    /// With `ApplyOptions::keep_objects`, one entry per manifest: the
    /// object as the server returned it, `None` where there is none (not
    /// applied, or a dry run the server could not check). Empty otherwise.
    pub objects: Vec<Option<Value>>,
}

/// Apply every manifest (already in phase order). `report` is called after
/// each phase with the indices and outcomes of its objects, in order, so
/// output appears as the work progresses. A failure that concerns every
/// request (unreachable server, rejected credentials) ends the run after
/// the phase it happened in: what that phase applied is still reported,
/// and the objects after it are `NotSent`. `Err` only when nothing could
/// be sent at all.
pub async fn apply_all(
    transport: &Transport,
    manifests: &[Manifest],
    options: ApplyOptions,
    mut report: impl FnMut(&[(usize, Outcome)]),
) -> Result<Run, Failure> {
    let before = Before::read(transport, manifests, options.concurrency).await?;
    let mut fatal = None;
    let groups = plan::groups(manifests);
    let mut blocker = Blocker::default();
    let mut outcomes = Vec::with_capacity(manifests.len());
    let mut objects = Vec::new();
    if options.keep_objects {
        objects.resize(manifests.len(), None);
    }
    let mut start = 0;
    while start < manifests.len() {
        let phase = manifests[start].phase;
        let end = start
            + manifests[start..]
                .iter()
                .take_while(|m| m.phase == phase)
                .count();
        let mut to_send = Vec::new();
        let mut phase_outcomes: Vec<(usize, Outcome)> = Vec::new();
        for (index, group) in groups.iter().enumerate().take(end).skip(start) {
            match blocker.blocked_by(group) {
                Some(because) => phase_outcomes.push((
                    index,
                    Outcome::Skipped {
                        because: because.to_string(),
                    },
                )),
                None => to_send.push(index),
            }
        }
        let results = bounded(&to_send, options.concurrency, |&index| {
            apply_one(transport, &manifests[index], &before, options)
        })
        .await;
        for (index, result) in to_send.into_iter().zip(results) {
            let outcome = match result {
                Ok((change, object)) => {
                    if let Some(slot) = objects.get_mut(index) {
                        *slot = object;
                    }
                    Outcome::Applied(change)
                }
                Err(failure) => {
                    if failure.is_fatal() && fatal.is_none() {
                        fatal = Some(failure.clone());
                    }
                    Outcome::Failed(failure)
                }
            };
            phase_outcomes.push((index, outcome));
        }
        phase_outcomes.sort_by_key(|(index, _)| *index);
        for (index, outcome) in &phase_outcomes {
            if !matches!(outcome, Outcome::Applied(_)) {
                blocker.record(&groups[*index], &manifests[*index].reference());
            }
        }
        report(&phase_outcomes);
        outcomes.extend(phase_outcomes.into_iter().map(|(_, outcome)| outcome));
        start = end;
        if fatal.is_some() {
            let rest: Vec<(usize, Outcome)> = (end..manifests.len())
                .map(|index| (index, Outcome::NotSent))
                .collect();
            report(&rest);
            outcomes.extend(rest.into_iter().map(|(_, outcome)| outcome));
            break;
        }
    }
    Ok(Run {
        outcomes,
        fatal,
        objects,
    })
}

/// The objects as they were before the run, read with one list request per
/// kind and namespace rather than one read per object: enough to tell
/// "unchanged" from "serverside-applied". Secrets are not listed (that
/// would read every Secret of the namespace); each is read on its own.
#[derive(Debug, Default)]
struct Before {
    /// Collection URL → the objects in it by name. A collection missing
    /// here could not be listed (RBAC, say): its objects' prior state is
    /// unknown and only "created" can still be told, from the 201.
    collections: HashMap<String, HashMap<String, Value>>,
}

impl Before {
    async fn read(
        transport: &Transport,
        manifests: &[Manifest],
        concurrency: usize,
    ) -> Result<Before, Failure> {
        let mut wanted: Vec<String> = manifests
            .iter()
            .filter(|m| m.kind != "Secret")
            .map(|m| transport.target(m).collection)
            .collect();
        wanted.sort();
        wanted.dedup();
        let lists = bounded(&wanted, concurrency, |collection| {
            transport.list(collection)
        })
        .await;
        let mut before = Before::default();
        for (collection, list) in wanted.into_iter().zip(lists) {
            match list {
                Ok(items) => {
                    let by_name = items
                        .into_iter()
                        .filter_map(|item| {
                            let name = item.pointer("/metadata/name")?.as_str()?.to_string();
                            Some((name, item))
                        })
                        .collect();
                    before.collections.insert(collection, by_name);
                }
                Err(failure) if failure.is_fatal() => return Err(failure),
                Err(_) => {}
            }
        }
        Ok(before)
    }

    /// `Some(live)` when the prior state is known (`live` is `None` for an
    /// object that did not exist), `None` when it is not.
    fn get(&self, target: &Target) -> Option<Option<&Value>> {
        self.collections
            .get(&target.collection)
            .map(|objects| objects.get(&target.name))
    }
}

/// What an applied object came to: the change, and the object as the
/// server answered (`None` when the server could not check it).
type Applied = (Change, Option<Value>);

/// Apply one object; a Secret goes through `apply_secret`.
async fn apply_one(
    transport: &Transport,
    manifest: &Manifest,
    before: &Before,
    options: ApplyOptions,
) -> Result<Applied, Failure> {
    let target = transport.target(manifest);
    if manifest.kind == "Secret" {
        return apply_secret(transport, manifest, &target, options).await;
    }
    let live = before.get(&target);
    let params = params(transport.field_manager(), options);
    let result = transport.apply(&target, &manifest.object, &params).await;
    match result {
        Err(failure) if options.recreate_immutable && recreate::refused_as_immutable(&failure) => {
            recreate::recreate(transport, manifest, &target, &params, failure)
                .await
                .map(|reply| (Change::Recreated, Some(reply.body)))
        }
        result => conclude(result, live, &manifest.object, options),
    }
}

fn params(manager: &str, options: ApplyOptions) -> PatchParams {
    let mut params = PatchParams::apply(manager).validation_strict();
    params.force = options.force_conflicts;
    params.dry_run = options.dry_run;
    params
}

fn conclude(
    result: Result<Reply, Failure>,
    live: Option<Option<&Value>>,
    sent: &Value,
    options: ApplyOptions,
) -> Result<Applied, Failure> {
    match result {
        Ok(reply) => {
            let change = change(live, sent, &reply, options.dry_run);
            Ok((change, Some(reply.body)))
        }
        // A dry run cannot see the namespace that the same apply would
        // create first; the object would be created there.
        Err(failure) if options.dry_run && failure.is_missing_namespace() => {
            Ok((Change::CreatedUnchecked, None))
        }
        Err(failure) => Err(failure),
    }
}

/// How often a Secret is read again when it changed under the apply.
const SECRET_ROUNDS: usize = 3;

/// A Secret is written only against what was just read, so that no live
/// value is ever replaced by a placeholder: a missing Secret is created
/// with a create-only request (409 AlreadyExists when someone created it
/// meanwhile, or the read wrongly said 404), an existing one is applied
/// with its resourceVersion as a precondition (409 when it changed since
/// the read, `--force-conflicts` or not). Either way it is read again and
/// merged with what is live now.
async fn apply_secret(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    options: ApplyOptions,
) -> Result<Applied, Failure> {
    let mut last = None;
    for _ in 0..SECRET_ROUNDS {
        let live = transport.get(target).await?;
        let mut merged = secrets::merge(&manifest.object, live.as_ref(), transport.field_manager());
        let result = match &live {
            None => {
                transport
                    .create(target, &merged, transport.field_manager(), options.dry_run)
                    .await
            }
            Some(live) => {
                if let (Some(version), Some(metadata)) = (
                    live.pointer("/metadata/resourceVersion"),
                    merged.get_mut("metadata").and_then(Value::as_object_mut),
                ) {
                    metadata.insert("resourceVersion".into(), version.clone());
                }
                // A value the user supplied (`--secrets-from-env`) replaces
                // the live one whoever set it; the resourceVersion still
                // guards against a change since the read.
                let mut params = params(transport.field_manager(), options);
                params.force |= secrets::has_supplied(&manifest.object);
                transport.apply(target, &merged, &params).await
            }
        };
        match result {
            Err(failure) if failure.is_already_exists() || failure.is_stale() => {
                last = Some(failure);
            }
            result => return conclude(result, Some(live.as_ref()), &merged, options),
        }
    }
    Err(last.map_or_else(
        || Failure::Rejected(Default::default()),
        secret_kept_changing,
    ))
}

/// The failure of a Secret that changed under every attempt.
fn secret_kept_changing(failure: Failure) -> Failure {
    match failure {
        Failure::Rejected(mut status) => {
            status.message = format!(
                "{} (the Secret changed between each read and write, {SECRET_ROUNDS} times; nothing was overwritten)",
                status.message
            );
            Failure::Rejected(status)
        }
        other => other,
    }
}

/// What an apply did, from the object before (`None` when unknown) and the
/// server's reply. A real apply that changes nothing keeps the
/// resourceVersion; but a controller may have written the status between
/// the list and the apply (a rollout finishing), which moves it too, so
/// the same content outside status and bookkeeping is also "unchanged".
/// A dry run never moves the resourceVersion: there only the content counts.
///
/// Only the server can say that this run created an object (201 Created;
/// 200 OK when another client created it since the list): a real apply
/// whose object was missing from the list but answered 200 is
/// "serverside-applied". A dry run is believed from the list.
pub fn change(live: Option<Option<&Value>>, sent: &Value, reply: &Reply, dry_run: bool) -> Change {
    if reply.code == 201 {
        return Change::Created;
    }
    let live = match live {
        None => return Change::Configured,
        Some(None) if dry_run => return Change::Created,
        Some(None) => return Change::Configured,
        Some(Some(live)) => live,
    };
    let result = &reply.body;
    let version = |o: &Value| o.pointer("/metadata/resourceVersion").cloned();
    let same_version = !dry_run && version(live).is_some() && version(live) == version(result);
    if same_version || same_content(live, sent, result) {
        Change::Unchanged
    } else {
        Change::Configured
    }
}

/// Whether two versions of an object hold the same content, leaving out
/// status, server bookkeeping, and annotations that appeared without this
/// apply sending them (a controller's, like
/// `deployment.kubernetes.io/revision` on a Deployment's first rollout).
fn same_content(live: &Value, sent: &Value, result: &Value) -> bool {
    let (mut before, mut after) = (live.clone(), result.clone());
    let annotations = |o: &Value| o.pointer("/metadata/annotations").cloned();
    let (had, asked) = (annotations(live), annotations(sent));
    if let Some(Value::Object(added)) = after.pointer_mut("/metadata/annotations") {
        added.retain(|key, _| {
            had.as_ref().is_some_and(|a| a.get(key).is_some())
                || asked.as_ref().is_some_and(|a| a.get(key).is_some())
        });
        if added.is_empty() && had.is_none() {
            if let Some(Value::Object(metadata)) = after.get_mut("metadata") {
                metadata.shift_remove("annotations");
            }
        }
    }
    for object in [&mut before, &mut after] {
        strip::strip(object);
        // Items of a list carry no apiVersion and kind.
        if let Some(map) = object.as_object_mut() {
            map.shift_remove("apiVersion");
            map.shift_remove("kind");
        }
    }
    before == after
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(version: &str, replicas: i64) -> Value {
        json!({"metadata": {"name": "api", "resourceVersion": version}, "spec": {"replicas": replicas}})
    }

    fn reply(code: u16, body: Value) -> Reply {
        Reply { code, body }
    }

    #[test]
    fn a_missing_object_is_created() {
        assert_eq!(
            change(Some(None), &json!({}), &reply(200, object("1", 1)), true),
            Change::Created
        );
        assert_eq!(
            change(None, &json!({}), &reply(201, object("1", 1)), false),
            Change::Created
        );
    }

    #[test]
    fn an_object_someone_else_created_after_the_list_was_not_created_here() {
        assert_eq!(
            change(Some(None), &json!({}), &reply(200, object("1", 1)), false),
            Change::Configured
        );
    }

    #[test]
    fn the_resource_version_tells_a_real_apply() {
        let live = object("5", 1);
        assert_eq!(
            change(
                Some(Some(&live)),
                &json!({}),
                &reply(200, object("5", 1)),
                false
            ),
            Change::Unchanged
        );
        assert_eq!(
            change(
                Some(Some(&live)),
                &json!({}),
                &reply(200, object("6", 2)),
                false
            ),
            Change::Configured
        );
    }

    #[test]
    fn a_status_written_meanwhile_is_no_change() {
        // A controller marked the rollout done between the list and the
        // apply: a new resourceVersion, the same content.
        let live = object("5", 1);
        let mut answer = object("7", 1);
        answer["status"] = json!({"readyReplicas": 1});
        answer["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
        assert_eq!(
            change(Some(Some(&live)), &json!({}), &reply(200, answer), false),
            Change::Unchanged
        );
    }

    #[test]
    fn an_annotation_this_apply_sent_or_removed_is_a_change() {
        let live = object("5", 1);
        let mut answer = object("6", 1);
        answer["metadata"]["annotations"] = json!({"team": "a"});
        let sent = json!({"metadata": {"annotations": {"team": "a"}}});
        assert_eq!(
            change(Some(Some(&live)), &sent, &reply(200, answer.clone()), false),
            Change::Configured
        );
        // Removed: the live object had it, the answer has not.
        assert_eq!(
            change(
                Some(Some(&answer)),
                &json!({}),
                &reply(200, object("7", 1)),
                false
            ),
            Change::Configured
        );
    }

    #[test]
    fn the_content_tells_a_dry_run() {
        // As a list returns it: without apiVersion and kind.
        let live = object("5", 1);
        let mut answer = object("5", 1);
        answer["apiVersion"] = json!("apps/v1");
        answer["kind"] = json!("Deployment");
        assert_eq!(
            change(Some(Some(&live)), &json!({}), &reply(200, answer), true),
            Change::Unchanged
        );
        assert_eq!(
            change(
                Some(Some(&live)),
                &json!({}),
                &reply(200, object("5", 1)),
                true
            ),
            Change::Unchanged
        );
        assert_eq!(
            change(
                Some(Some(&live)),
                &json!({}),
                &reply(200, object("5", 2)),
                true
            ),
            Change::Configured
        );
    }

    #[test]
    fn without_the_prior_state_only_creation_can_be_told() {
        assert_eq!(
            change(None, &json!({}), &reply(200, object("5", 1)), false),
            Change::Configured
        );
    }
}
