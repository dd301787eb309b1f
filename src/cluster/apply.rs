//! `apply`: server-side apply in dependency order (STATE.md §8). An object
//! is sent as soon as what it depends on has been answered (its service's
//! objects of earlier phases, the Namespace when it did not exist yet, the
//! ApplySet parent when that must be written first), up to `concurrency`
//! at once; there is no barrier between phases, which the API server does
//! not need and which left the connections idle at the end of each. What
//! depends on an object that failed is skipped.

use std::collections::BTreeSet;

use futures::future::{FutureExt, LocalBoxFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use kube::api::PatchParams;
use serde_json::Value;

use super::failure::Failure;
use super::listed::Listed as Before;
use super::plan::{self, Blocker, Groups};
use super::transport::{Reply, Target, Transport};
use super::{applyset, recreate, secrets, strip};
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
/// early, if one did (every object not sent by then is `NotSent`).
#[derive(Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub fatal: Option<Failure>,
    /// Whether `fatal` is the failure of the `Gate`.
    pub gate_failed: bool,
    /// With `ApplyOptions::keep_objects`, one entry per manifest: the
    /// object as the server returned it, `None` where there is none (not
    /// applied, or a dry run the server could not check). Empty otherwise.
    pub objects: Vec<Option<Value>>,
}

/// A write that every member of the set waits for: the ApplySet parent,
/// which must list the members' kinds before any of them is created
/// (KEP-3659), so that an apply that stops half-way leaves no member the
/// parent does not know of. It goes with the Namespace, or after it when
/// the namespace did not exist before the run (the parent lives there).
/// Its failure ends the run before any member is sent.
pub type Gate<'a> = LocalBoxFuture<'a, Result<(), Failure>>;

/// The reads that are still answering when the first writes go (see
/// `Reads::split_for_writes`): the prior state of the kinds not written
/// against a read.
pub type Later<'a> = LocalBoxFuture<'a, Result<Before, Failure>>;

/// What apply knows of the objects as they were before the run.
pub struct Prior<'a> {
    /// What was read before the first write (see `Listed`).
    pub known: Before,
    /// The reads still answering; their failure leaves the prior state of
    /// those kinds unknown (see `change`).
    pub later: Later<'a>,
}

/// What `apply_all` reports, in this order: once every read has
/// answered, what was read (`Read`, before any outcome); then outcomes.
pub enum Report<'a> {
    Read(&'a Before),
    /// Indices and outcomes of objects whose predecessors were all
    /// reported, so output appears in apply order as the work progresses.
    Outcomes(&'a [(usize, Outcome)]),
}

/// What the futures of a run come back with.
enum Event {
    Gate(Result<(), Failure>),
    Read(Result<Before, Failure>),
    Object(usize, Result<Answer, Failure>),
}

/// How one object's request ended well.
enum Answer {
    /// Its outcome is known.
    Done(Applied),
    /// The server's answer to an apply: what it did depends on the object
    /// before the run (see `change`).
    Reply(Reply),
}

/// Apply every manifest (already in apply order), given the objects as
/// they were before the run (`prior`). A failure that concerns every
/// request (unreachable server, rejected credentials) stops the run: the
/// answers to requests already sent are still reported, and the objects
/// not sent yet are `NotSent`.
pub async fn apply_all(
    transport: &Transport,
    manifests: &[Manifest],
    prior: Prior<'_>,
    mut gate: Option<Gate<'_>>,
    options: ApplyOptions,
    mut report: impl FnMut(Report<'_>),
) -> Run {
    let groups = plan::groups(manifests);
    let targets: Vec<Target> = manifests.iter().map(|m| transport.target(m)).collect();
    let mut objects: Vec<Option<Value>> = Vec::new();
    if options.keep_objects {
        objects.resize(manifests.len(), None);
    }
    let Prior {
        known: mut before,
        later,
    } = prior;
    let gate_index = manifests.len();
    let existed = namespaces_existed(manifests, &targets, &before);
    let mut progress = Progress::new(manifests, &groups, gate.is_some(), existed);
    let mut fatal = None;
    let mut gate_failed = false;
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Event>> = FuturesUnordered::new();
    // Answers to applies that wait for the prior state of their kind.
    let mut parked: Vec<(usize, Reply)> = Vec::new();
    // Outcomes are reported once every read has answered (`Report`).
    let mut read_all = false;
    running.push(later.map(Event::Read).boxed_local());
    loop {
        while fatal.is_none() && running.len() < options.concurrency.max(1) {
            let Some(index) = progress.ready.pop_first() else {
                break;
            };
            if index == gate_index {
                // A failed Namespace skips every member anyway: nothing to
                // write the parent for (nor a namespace to write it in).
                let namespace_failed = progress.blocker.blocked_by(&Groups::Everything).is_some();
                match gate.take() {
                    Some(write) if !namespace_failed => {
                        running.push(write.map(Event::Gate).boxed_local())
                    }
                    _ => progress.release(index),
                }
                continue;
            }
            match progress.blocker.blocked_by(&groups[index]) {
                Some(because) => {
                    let because = because.to_string();
                    progress.settle(index, Outcome::Skipped { because });
                }
                None => {
                    let (manifest, target) = (&manifests[index], &targets[index]);
                    // A Secret is written against what was read (`apply_secret`).
                    let read = (manifest.kind == "Secret")
                        .then(|| before.get(target).map(|live| live.cloned()))
                        .flatten();
                    running.push(
                        apply_one(transport, manifest, target, read, options)
                            .map(move |result| Event::Object(index, result))
                            .boxed_local(),
                    )
                }
            }
        }
        if read_all {
            report(Report::Outcomes(&progress.take_reportable()));
        }
        let Some(event) = running.next().await else {
            break;
        };
        let (index, result) = match event {
            Event::Gate(result) => {
                if let Err(failure) = result {
                    fatal.get_or_insert(failure);
                    gate_failed = true;
                }
                progress.release(gate_index);
                continue;
            }
            Event::Read(result) => {
                // A list that could not be read leaves the prior state of
                // its objects unknown; a fatal failure ends the run through
                // the writes, which meet it too.
                if let Ok(rest) = result {
                    before.absorb(rest);
                }
                read_all = true;
                report(Report::Read(&before));
                for (index, reply) in parked.drain(..) {
                    let live = before.get(&targets[index]);
                    let outcome =
                        answered(&mut objects, index, live, &manifests[index], reply, options);
                    progress.outcomes[index] = Some(outcome);
                }
                continue;
            }
            Event::Object(index, result) => (index, result),
        };
        let outcome = match result {
            Ok(Answer::Reply(reply)) => match before.get(&targets[index]) {
                // Applied: what depends on it may go; the outcome follows
                // when the list of its kind has answered.
                None if !read_all => {
                    progress.release(index);
                    parked.push((index, reply));
                    continue;
                }
                live => answered(&mut objects, index, live, &manifests[index], reply, options),
            },
            Ok(Answer::Done((change, object))) => {
                keep(&mut objects, index, object);
                Outcome::Applied(change)
            }
            Err(failure) => {
                if failure.is_fatal() && fatal.is_none() {
                    fatal = Some(failure.clone());
                }
                Outcome::Failed(failure)
            }
        };
        progress.settle(index, outcome);
    }
    // Only a fatal failure leaves objects without an outcome.
    for outcome in progress.outcomes.iter_mut().filter(|o| o.is_none()) {
        *outcome = Some(Outcome::NotSent);
    }
    let rest = progress.take_reportable();
    if !rest.is_empty() {
        report(Report::Outcomes(&rest));
    }
    let outcomes = progress.outcomes.into_iter().flatten().collect();
    Run {
        outcomes,
        fatal,
        gate_failed,
        objects,
    }
}

/// The outcome of an apply the server answered, judged against the object
/// as it was before the run (`live`); the answer is kept when asked to.
fn answered(
    objects: &mut [Option<Value>],
    index: usize,
    live: Option<Option<&Value>>,
    manifest: &Manifest,
    reply: Reply,
    options: ApplyOptions,
) -> Outcome {
    let change = change(live, &manifest.object, &reply, options.dry_run);
    keep(objects, index, Some(reply.body));
    Outcome::Applied(change)
}

/// Keep the object the server answered with, when asked to
/// (`ApplyOptions::keep_objects`).
fn keep(objects: &mut [Option<Value>], index: usize, object: Option<Value>) {
    if let Some(slot) = objects.get_mut(index) {
        *slot = object;
    }
}

/// Whether every Namespace of the set existed before the run (one that
/// could not be listed counts as missing). Then nothing waits for its
/// apply: the API server needs a namespace to exist, not to be applied.
fn namespaces_existed(manifests: &[Manifest], targets: &[Target], before: &Before) -> bool {
    manifests
        .iter()
        .zip(targets)
        .filter(|(m, _)| !applyset::is_member(m))
        .all(|(_, target)| matches!(before.get(target), Some(Some(_))))
}

/// Which objects are answered, which may be sent, and what the failures
/// so far block. The `Gate`, if any, is one more node after the objects.
struct Progress<'a> {
    manifests: &'a [Manifest],
    groups: &'a [Groups],
    outcomes: Vec<Option<Outcome>>,
    /// For each object, how many of its prerequisites have no outcome yet.
    waiting_for: Vec<usize>,
    /// For each object, the objects that wait for it.
    dependents: Vec<Vec<usize>>,
    /// Objects whose prerequisites all have an outcome; sent in apply order.
    ready: BTreeSet<usize>,
    blocker: Blocker,
    /// Outcomes before this index have been reported.
    reported: usize,
    /// The Namespaces existed before the run (see `Progress::new`).
    existed: bool,
}

impl<'a> Progress<'a> {
    /// `gate`: whether there is a `Gate` (its index is `manifests.len()`);
    /// `existed`: whether the Namespaces existed before the run, so that
    /// neither the members nor the gate wait for them, and a Namespace that
    /// fails blocks nothing.
    fn new(
        manifests: &'a [Manifest],
        groups: &'a [Groups],
        gate: bool,
        existed: bool,
    ) -> Progress<'a> {
        let mut prerequisites = plan::prerequisites(manifests, groups);
        let namespaces: Vec<usize> = (0..manifests.len())
            .filter(|&index| !applyset::is_member(&manifests[index]))
            .collect();
        if existed {
            for waits in &mut prerequisites {
                waits.retain(|index| !namespaces.contains(index));
            }
        }
        if gate {
            let gate_index = manifests.len();
            for (index, waits) in prerequisites.iter_mut().enumerate() {
                if applyset::is_member(&manifests[index]) {
                    waits.push(gate_index);
                }
            }
            prerequisites.push(if existed { Vec::new() } else { namespaces });
        }
        let mut dependents = vec![Vec::new(); prerequisites.len()];
        for (index, waits) in prerequisites.iter().enumerate() {
            for &earlier in waits {
                dependents[earlier].push(index);
            }
        }
        let waiting_for: Vec<usize> = prerequisites.iter().map(Vec::len).collect();
        let ready = (0..prerequisites.len())
            .filter(|&index| waiting_for[index] == 0)
            .collect();
        Progress {
            manifests,
            groups,
            outcomes: vec![None; manifests.len()],
            waiting_for,
            dependents,
            ready,
            blocker: Blocker::default(),
            reported: 0,
            existed,
        }
    }

    /// Record an object's outcome and release what waited only for it.
    fn settle(&mut self, index: usize, outcome: Outcome) {
        let blocks = !(self.existed && self.groups[index] == Groups::Everything);
        if blocks && !matches!(outcome, Outcome::Applied(_)) {
            self.blocker
                .record(&self.groups[index], &self.manifests[index].reference());
        }
        self.outcomes[index] = Some(outcome);
        self.release(index);
    }

    /// Let what waited only for `index` go.
    fn release(&mut self, index: usize) {
        for &dependent in &self.dependents[index] {
            self.waiting_for[dependent] -= 1;
            if self.waiting_for[dependent] == 0 {
                self.ready.insert(dependent);
            }
        }
    }

    /// The outcomes not reported yet that follow the reported ones without
    /// a gap.
    fn take_reportable(&mut self) -> Vec<(usize, Outcome)> {
        let mut taken = Vec::new();
        while let Some(Some(outcome)) = self.outcomes.get(self.reported) {
            taken.push((self.reported, outcome.clone()));
            self.reported += 1;
        }
        taken
    }
}

/// What an applied object came to: the change, and the object as the
/// server answered (`None` when the server could not check it).
type Applied = (Change, Option<Value>);

/// Apply one object; a Secret goes through `apply_secret`, with what
/// was read of it before the run (`read`: `None` when that is unknown).
async fn apply_one(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    read: Option<Option<Value>>,
    options: ApplyOptions,
) -> Result<Answer, Failure> {
    if manifest.kind == "Secret" {
        return apply_secret(transport, manifest, target, read, options)
            .await
            .map(Answer::Done);
    }
    let params = params(transport.field_manager(), options);
    match transport.apply(target, &manifest.object, &params).await {
        Ok(reply) => Ok(Answer::Reply(reply)),
        Err(failure) if options.recreate_immutable && recreate::refused_as_immutable(&failure) => {
            recreate::recreate(transport, manifest, target, &params, failure)
                .await
                .map(|reply| Answer::Done((Change::Recreated, Some(reply.body))))
        }
        // A dry run cannot see the namespace that the same apply would
        // create first; the object would be created there.
        Err(failure) if options.dry_run && failure.is_missing_namespace() => {
            Ok(Answer::Done((Change::CreatedUnchecked, None)))
        }
        Err(failure) => Err(failure),
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

/// A Secret is written only against what was read, so that no live value
/// is ever replaced by a placeholder: a missing Secret is created with a
/// create-only request (409 AlreadyExists when someone created it since,
/// or the read wrongly said it was missing), an existing one is applied
/// with its resourceVersion as a precondition (409 when it changed since
/// the read, `--force-conflicts` or not). Either way it is read again and
/// merged with what is live now. The first read is the list of `Before`
/// (`listed`), when the Secrets could be listed.
async fn apply_secret(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    mut listed: Option<Option<Value>>,
    options: ApplyOptions,
) -> Result<Applied, Failure> {
    let mut last = None;
    for _ in 0..SECRET_ROUNDS {
        let live = match listed.take() {
            Some(live) => live,
            None => transport.get(target).await?,
        };
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
    use crate::render::Phase;
    use serde_json::json;

    fn manifests() -> Vec<Manifest> {
        let state = r#"
namespace: shop
_services:
  - {name: api, image: "api:1", port: 8080, envVars: [{key: MODE, value: fast}]}
"#;
        crate::pipeline::build(state, "state.yaml", &Default::default())
            .unwrap()
            .manifests
    }

    fn ready(progress: &Progress) -> Vec<usize> {
        progress.ready.iter().copied().collect()
    }

    #[test]
    fn the_parent_waits_for_a_new_namespace_and_every_member_for_the_parent() {
        let manifests = manifests();
        let groups = plan::groups(&manifests);
        let mut progress = Progress::new(&manifests, &groups, true, false);
        let gate = manifests.len();
        assert_eq!(manifests[0].phase, Phase::Namespace);
        assert_eq!(ready(&progress), [0]);
        progress.ready.clear();
        progress.settle(0, Outcome::Applied(Change::Created));
        assert_eq!(ready(&progress), [gate]);
        progress.ready.clear();
        progress.release(gate);
        let first = ready(&progress);
        assert!(!first.is_empty());
        assert!(first.iter().all(|&i| manifests[i].phase == Phase::Config));
    }

    #[test]
    fn with_an_existing_namespace_the_parent_goes_with_it_and_nothing_waits_for_it() {
        let manifests = manifests();
        let groups = plan::groups(&manifests);
        let gate = manifests.len();
        let progress = Progress::new(&manifests, &groups, true, true);
        assert_eq!(ready(&progress), [0, gate]);
        // Without a parent to write, the first members go at once.
        let progress = Progress::new(&manifests, &groups, false, true);
        let first = ready(&progress);
        assert_eq!(first[0], 0);
        assert!(first[1..]
            .iter()
            .all(|&i| manifests[i].phase == Phase::Config));
        assert!(first.len() > 1);
    }

    #[test]
    fn an_existing_namespace_that_fails_blocks_nothing_a_new_one_everything() {
        let manifests = manifests();
        let groups = plan::groups(&manifests);
        let failed = || Outcome::Failed(Failure::Rejected(Default::default()));
        let mut progress = Progress::new(&manifests, &groups, false, true);
        progress.settle(0, failed());
        assert!(groups
            .iter()
            .all(|g| progress.blocker.blocked_by(g).is_none()));
        let mut progress = Progress::new(&manifests, &groups, false, false);
        progress.settle(0, failed());
        assert!(groups
            .iter()
            .all(|g| progress.blocker.blocked_by(g) == Some("namespace/shop")));
    }

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
