//! `apply`: server-side apply, phase by phase (STATE.md §8). The objects of
//! a phase go out together (bounded); the next phase starts when they are
//! all done, and skips what depends on an object that failed.

use kube::api::PatchParams;
use serde_json::Value;

use super::failure::Failure;
use super::plan::{self, Blocker};
use super::transport::Transport;
use super::{bounded, secrets, strip, FIELD_MANAGER};
use crate::render::Manifest;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// `--dry-run=server`: the server checks and reports, nothing persists.
    pub dry_run: bool,
    pub force_conflicts: bool,
    pub concurrency: usize,
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
}

/// Apply every manifest (already in phase order). `report` is called after
/// each phase with the indices and outcomes of its objects, in order, so
/// output appears as the work progresses. A failure that concerns every
/// request (unreachable server, rejected credentials) ends the run.
pub async fn apply_all(
    transport: &Transport,
    manifests: &[Manifest],
    options: ApplyOptions,
    mut report: impl FnMut(&[(usize, Outcome)]),
) -> Result<Vec<Outcome>, Failure> {
    let groups = plan::groups(manifests);
    let mut blocker = Blocker::default();
    let mut outcomes = Vec::with_capacity(manifests.len());
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
            apply_one(transport, &manifests[index], options)
        })
        .await;
        for (index, result) in to_send.into_iter().zip(results) {
            let outcome = match result {
                Ok(change) => Outcome::Applied(change),
                Err(failure) if failure.is_fatal() => return Err(failure),
                Err(failure) => Outcome::Failed(failure),
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
    }
    Ok(outcomes)
}

/// Read the live object (to tell created/configured/unchanged apart, and
/// for a Secret to keep its live values), then apply.
async fn apply_one(
    transport: &Transport,
    manifest: &Manifest,
    options: ApplyOptions,
) -> Result<Change, Failure> {
    let target = transport.target(manifest);
    let live = transport.get(&target).await?;
    let merged;
    let object = if manifest.kind == "Secret" {
        merged = secrets::merge(&manifest.object, live.as_ref(), FIELD_MANAGER);
        &merged
    } else {
        &manifest.object
    };
    let mut params = PatchParams::apply(FIELD_MANAGER).validation_strict();
    params.force = options.force_conflicts;
    params.dry_run = options.dry_run;
    match transport.apply(&target, object, &params).await {
        Ok(reply) => Ok(change(live.as_ref(), &reply.body, options.dry_run)),
        // A dry run cannot see the namespace that the same apply would
        // create first; the object would be created there.
        Err(failure) if options.dry_run && failure.is_missing_namespace() => {
            Ok(Change::CreatedUnchecked)
        }
        Err(failure) => Err(failure),
    }
}

/// What an apply did, from the object before and the one the server
/// returned. A real apply that changes nothing keeps the resourceVersion;
/// a dry run never changes it, so there the content decides.
pub fn change(live: Option<&Value>, result: &Value, dry_run: bool) -> Change {
    let Some(live) = live else {
        return Change::Created;
    };
    let same = if dry_run {
        let (mut before, mut after) = (live.clone(), result.clone());
        strip::strip(&mut before);
        strip::strip(&mut after);
        before == after
    } else {
        let version = |o: &Value| o.pointer("/metadata/resourceVersion").cloned();
        version(live).is_some() && version(live) == version(result)
    };
    if same {
        Change::Unchanged
    } else {
        Change::Configured
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(version: &str, replicas: i64) -> Value {
        json!({"metadata": {"name": "api", "resourceVersion": version}, "spec": {"replicas": replicas}})
    }

    #[test]
    fn a_missing_object_is_created() {
        assert_eq!(change(None, &object("1", 1), false), Change::Created);
    }

    #[test]
    fn the_resource_version_tells_a_real_apply() {
        assert_eq!(
            change(Some(&object("5", 1)), &object("5", 1), false),
            Change::Unchanged
        );
        assert_eq!(
            change(Some(&object("5", 1)), &object("6", 2), false),
            Change::Configured
        );
    }

    #[test]
    fn the_content_tells_a_dry_run() {
        assert_eq!(
            change(Some(&object("5", 1)), &object("5", 1), true),
            Change::Unchanged
        );
        assert_eq!(
            change(Some(&object("5", 1)), &object("5", 2), true),
            Change::Configured
        );
    }
}
