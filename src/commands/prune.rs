//! The ApplySet steps of apply and diff: the parent written before the
//! objects (listing the kinds of old and new members, so that an apply
//! that stops half-way loses track of nothing), `--prune` after them, and
//! the deletions `diff --prune` shows.

use std::collections::BTreeSet;

use futures::future::FutureExt;

use crate::cli::PruneArgs;
use crate::cluster::apply::{Gate, Outcome};
use crate::cluster::applyset::{self, ApplySet};
use crate::cluster::failure::Failure;
use crate::cluster::listed::Listed;
use crate::cluster::prune::{self, PruneError, PruneOptions};
use crate::cluster::transport::Transport;
use crate::error::{Error, Result};
use crate::pipeline::Build;
use crate::render::Manifest;

/// The set of a build: named after its `part-of`, in its namespace.
pub fn set_of(build: &Build) -> ApplySet {
    ApplySet::new(&build.project.part_of, &build.project.namespace)
}

/// What `before_apply` found.
#[derive(Debug)]
pub struct Session {
    set: ApplySet,
    /// Kinds the parent listed before, and the rendered ones.
    listed: BTreeSet<String>,
    rendered: BTreeSet<String>,
    /// Whether the parent must be written (before the members): it does
    /// not exist, or does not list every kind yet, or another version of
    /// the tool wrote it.
    write: bool,
}

impl Session {
    /// The parent's write that apply sends before the members (see
    /// `apply::Gate`); `None` when the live parent says it all already.
    pub fn gate<'a>(&'a self, transport: &'a Transport, dry_run: bool) -> Option<Gate<'a>> {
        self.write.then(|| {
            async move {
                prune::write_parent(transport, &self.set, &self.listed, dry_run)
                    .await
                    .map(|_| ())
            }
            .boxed_local()
        })
    }

    /// What a failed write of the parent says.
    pub fn describe(&self, failure: &Failure) -> String {
        describe(&self.set, failure)
    }
}

fn describe(set: &ApplySet, failure: &Failure) -> String {
    format!("{} (the ApplySet parent): {failure}", set.reference())
}

pub fn refused(error: PruneError) -> Error {
    Error::Failed(error.to_string())
}

fn failed(failure: Failure) -> Error {
    Error::Failed(failure.to_string())
}

/// Check the parent (another tool's set is refused before anything is
/// sent), from `before` when it holds it, and work out the kinds it must
/// list: the old and the new ones, so that an apply that stops half-way
/// loses track of nothing.
pub async fn before_apply(
    transport: &Transport,
    set: ApplySet,
    manifests: &[Manifest],
    before: &Listed,
) -> Result<Session> {
    let live = match prune::read_parent_from(transport, &set, before).await {
        Ok(live) => live,
        Err(PruneError::Failure(failure)) => return Err(Error::Failed(describe(&set, &failure))),
        Err(refusal) => return Err(refused(refusal)),
    };
    let rendered = applyset::group_kinds(manifests);
    let old = live
        .as_ref()
        .map(|(_, kinds)| kinds.clone())
        .unwrap_or_default();
    let listed: BTreeSet<String> = old.union(&rendered).cloned().collect();
    let write = !live.is_some_and(|(live, _)| set.is_current(&live, &listed));
    Ok(Session {
        set,
        listed,
        rendered,
        write,
    })
}

/// After the objects, with `--prune`: the members no longer rendered
/// deleted (only when every object was applied: a failed apply must not
/// also lose the old object) and the parent narrowed to what remains.
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
    prune::not_done(&plan.doomed, &results, "pruned")?;
    let remaining = plan.remaining_kinds(&session.rendered, &session.listed);
    if !dry_run && remaining != session.listed {
        prune::write_parent(transport, set, &remaining, false)
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
    before: &Listed,
    manifests: &[Manifest],
    options: PruneOptions,
    show_secrets: bool,
    concurrency: usize,
) -> Result<Vec<String>> {
    let Some((_, listed)) = prune::read_parent_from(transport, set, before)
        .await
        .map_err(refused)?
    else {
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
