//! The ApplySet steps of apply and diff: the parent written before the
//! objects (listing the kinds of old and new members, so that an apply
//! that stops half-way loses track of nothing), `--prune` after them, and
//! the deletions `diff --prune` shows.

use std::collections::BTreeSet;

use crate::cli::PruneArgs;
use crate::cluster::apply::Outcome;
use crate::cluster::applyset::{self, ApplySet};
use crate::cluster::failure::Failure;
use crate::cluster::prune::{self, PruneError, PruneOptions};
use crate::cluster::transport::Transport;
use crate::error::{Error, Result};
use crate::pipeline::Build;
use crate::render::Manifest;

/// The set of a build: named after its `part-of`, in its namespace.
pub fn set_of(build: &Build) -> ApplySet {
    ApplySet::new(&build.project.part_of, &build.project.namespace)
}

/// What `before_apply` found and did.
#[derive(Debug)]
pub struct Session {
    set: ApplySet,
    /// Kinds the parent listed before, and the rendered ones.
    listed: BTreeSet<String>,
    rendered: BTreeSet<String>,
    /// Whether the parent could be written (its namespace existed).
    written: bool,
}

pub fn refused(error: PruneError) -> Error {
    Error::Failed(error.to_string())
}

fn failed(failure: Failure) -> Error {
    Error::Failed(failure.to_string())
}

/// Check the parent (another tool's set is refused before anything is
/// sent) and write it listing the old and the new kinds.
pub async fn before_apply(
    transport: &Transport,
    set: ApplySet,
    manifests: &[Manifest],
    dry_run: bool,
) -> Result<Session> {
    let parent = |failure: Failure| {
        Error::Failed(format!(
            "{} (the ApplySet parent): {failure}",
            set.reference()
        ))
    };
    let before = match prune::read_parent(transport, &set).await {
        Ok(kinds) => kinds.unwrap_or_default(),
        Err(PruneError::Failure(failure)) => return Err(parent(failure)),
        Err(refusal) => return Err(refused(refusal)),
    };
    let rendered = applyset::group_kinds(manifests);
    let listed: BTreeSet<String> = before.union(&rendered).cloned().collect();
    let written = prune::write_parent(transport, &set, &listed, dry_run)
        .await
        .map_err(parent)?;
    Ok(Session {
        set,
        listed,
        rendered,
        written,
    })
}

/// After the objects: the parent written if its namespace was only created
/// now, then, with `--prune`, the members no longer rendered deleted (only
/// when every object was applied: a failed apply must not also lose the
/// old object) and the parent narrowed to what remains.
#[allow(clippy::too_many_arguments)]
pub async fn after_apply(
    transport: &Transport,
    session: &Session,
    manifests: &[Manifest],
    outcomes: &[Outcome],
    args: &PruneArgs,
    force_conflicts: bool,
    dry_run: bool,
    concurrency: usize,
) -> Result<()> {
    let set = &session.set;
    if !session.written && !dry_run {
        prune::write_parent(transport, set, &session.listed, false)
            .await
            .map_err(failed)?;
    }
    if !args.prune {
        return Ok(());
    }
    let suffix = if dry_run { " (server dry run)" } else { "" };
    if outcomes.iter().any(|o| !matches!(o, Outcome::Applied(_))) {
        eprintln!("not pruned: some objects were not applied, and pruning now could remove what they replace");
        return Ok(());
    }
    let members = prune::members(transport, set, &session.listed, concurrency)
        .await
        .map_err(failed)?;
    let options = PruneOptions {
        volumes: args.prune_volumes,
        force_conflicts,
    };
    let plan = prune::plan(members, manifests, transport.field_manager(), options);
    for (member, why) in &plan.kept {
        eprintln!("{} kept: {why}", member.reference());
    }
    let results = prune::delete_all(
        transport,
        &plan.doomed,
        dry_run,
        concurrency,
        |member, result| match result {
            Ok(_) => say!("{} pruned{suffix}", member.reference()),
            Err(failure) => eprintln!("error: {}: {failure}", member.reference()),
        },
    )
    .await;
    let missing: Vec<String> = plan
        .doomed
        .iter()
        .zip(&results)
        .filter_map(|(member, result)| match result {
            Some(Ok(_)) => None,
            Some(Err(_)) => Some(format!("{} (failed)", member.reference())),
            None => Some(format!("{} (not sent)", member.reference())),
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::Incomplete(format!(
            "{} of {} objects were not pruned: {}",
            missing.len(),
            plan.doomed.len(),
            missing.join(", ")
        )));
    }
    if !dry_run {
        prune::write_parent(
            transport,
            set,
            &plan.remaining_kinds(&session.rendered, &session.listed),
            false,
        )
        .await
        .map_err(failed)?;
    }
    say!("{} object(s) pruned{suffix}", plan.doomed.len());
    Ok(())
}

/// `diff --prune`: the diff of each member apply --prune would delete.
pub async fn preview(
    transport: &Transport,
    set: &ApplySet,
    manifests: &[Manifest],
    options: PruneOptions,
    show_secrets: bool,
    concurrency: usize,
) -> Result<Vec<String>> {
    let Some(listed) = prune::read_parent(transport, set).await.map_err(refused)? else {
        return Ok(Vec::new());
    };
    let kinds: BTreeSet<String> = listed
        .union(&applyset::group_kinds(manifests))
        .cloned()
        .collect();
    let members = prune::members(transport, set, &kinds, concurrency)
        .await
        .map_err(failed)?;
    let plan = prune::plan(members, manifests, transport.field_manager(), options);
    for (member, why) in &plan.kept {
        eprintln!("{} would be kept: {why}", member.reference());
    }
    Ok(plan
        .doomed
        .iter()
        .map(|member| prune::deletion_diff(member, show_secrets))
        .collect())
}
