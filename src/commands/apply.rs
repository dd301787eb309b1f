//! `kubectl wizard apply`: server-side apply in dependency order, one line
//! per object as kubectl prints it, a summary, and optionally a wait for
//! the rollout.

use std::io::Write;

use serde_json::Value;

use crate::cli::{ApplyArgs, ApplyOutput, DryRun, GlobalArgs};
use futures::future::{self, Either, FutureExt};

use crate::cluster::apply::{self, ApplyOptions, Change, Outcome, Prior, Report};
use crate::cluster::duration;
use crate::cluster::failure::humanize;
use crate::cluster::listed::Listed;
use crate::cluster::mask;
use crate::cluster::transport::{Target, Transport};
use crate::cluster::wait::{self, WaitError};
use crate::error::{Error, Result, EXIT_OK};
use crate::render::Manifest;

use super::progress::{describe, Progress};

pub fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<i32> {
    if args.wait && args.dry_run != DryRun::None {
        return Err(Error::Usage(
            "--wait cannot be combined with --dry-run: nothing is created to wait for".into(),
        ));
    }
    // `None`: `--timeout 0`, no limit.
    let timeout =
        duration::parse(&args.timeout).map_err(|e| Error::Usage(format!("--timeout: {e}")))?;
    super::session::request_timeout(global)?;
    let mut build = super::values::load(
        global,
        &args.state,
        super::input::Wizard::WhenTerminal,
        crate::pipeline::Files::None,
        crate::pipeline::Keep::OBJECTS,
        &crate::substitute::Request {
            variables: true,
            allow_unset: args.env.allow_unset,
            // A client dry run prints what it would send: no real values.
            secrets: args.env.secrets_from_env && args.dry_run != DryRun::Client,
        },
        &args.env.env_file,
    )?;
    let set = super::prune::set_of(&build);
    crate::cluster::applyset::label_members(&mut build.manifests, &set);
    if args.dry_run == DryRun::Client {
        return client_dry_run(&build.manifests, args.output);
    }
    // `-o name|yaml|json`: stdout holds only the names or the objects, as
    // with kubectl; failures still go to stderr.
    let quiet = args.output.is_some();
    let options = ApplyOptions {
        dry_run: args.dry_run == DryRun::Server,
        force_conflicts: args.force_conflicts,
        concurrency: usize::from(args.concurrency),
        recreate_immutable: args.recreate_immutable,
        keep_objects: matches!(args.output, Some(ApplyOutput::Yaml | ApplyOutput::Json)),
    };
    super::session::runtime()?.block_on(async {
        // Every request of the run, reads and writes, within --concurrency.
        let transport = super::session::transport(global, &args.field_manager)
            .await?
            .limited(options.concurrency);
        let manifests = &build.manifests;
        let parent = crate::cluster::prune::parent_target(&transport, &set);
        let prior = read_prior(&transport, manifests, parent, options.concurrency).await?;
        let session = super::prune::before_apply(&transport, set, manifests, &prior.known).await?;
        let gate = session.gate(&transport, options.dry_run);
        let suffix = if options.dry_run {
            " (server dry run)"
        } else {
            ""
        };
        let run =
            apply::apply_all(
                &transport,
                manifests,
                prior,
                gate,
                options,
                |report| match report {
                    Report::Read(before) => super::warn_missing_references(before, manifests),
                    Report::Outcomes(outcomes) => {
                        for (index, outcome) in outcomes {
                            print_outcome(&manifests[*index], outcome, suffix, args.output);
                        }
                    }
                },
            )
            .await;
        let outcomes = run.outcomes;
        if !quiet {
            say!("{}", summary(&outcomes, suffix));
        }
        if options.keep_objects {
            print_returned(manifests, &outcomes, run.objects, args.output)?;
        }
        if let Some(fatal) = &run.fatal {
            // What was done is printed above; why the run stopped and what
            // was not applied, here.
            let missing = not_applied(manifests, &outcomes).err();
            let missing = missing.map(|e| format!("; {e}")).unwrap_or_default();
            let fatal = if run.gate_failed {
                session.describe(fatal)
            } else {
                fatal.to_string()
            };
            return Err(Error::Failed(format!("{fatal}{missing}")));
        }
        super::prune::after_apply(
            &transport,
            &session,
            manifests,
            &outcomes,
            &args.prune,
            options.force_conflicts,
            options.dry_run,
            options.concurrency,
        )
        .await?;
        let waited = if args.wait {
            wait_for(
                &transport,
                manifests,
                &outcomes,
                timeout,
                options.concurrency,
                !quiet,
            )
            .await
        } else {
            Ok(())
        };
        not_applied(manifests, &outcomes)?;
        waited.map(|()| EXIT_OK)
    })
}

/// Everything apply reads before the run, at once: the collections of the
/// manifests, those of the Secrets and ConfigMaps the workloads refer to,
/// the ApplySet `parent` (from the list of Secrets when the set has some).
/// Only what the first writes need is waited for (see
/// `Reads::split_for_writes`); the other lists answer while they go.
async fn read_prior<'a>(
    transport: &'a Transport,
    manifests: &[Manifest],
    parent: Target,
    concurrency: usize,
) -> Result<Prior<'a>> {
    let (first, rest) = super::reads_before(transport, manifests, vec![parent]).split_for_writes();
    let first = Listed::read(transport, first, concurrency).boxed_local();
    let rest = Listed::read(transport, rest, concurrency).boxed_local();
    let (first, later) = match future::select(first, rest).await {
        Either::Left((first, rest)) => (first, rest),
        Either::Right((rest, first)) => (first.await, future::ready(rest).boxed_local()),
    };
    let known = first.map_err(|fatal| Error::Failed(fatal.to_string()))?;
    Ok(Prior { known, later })
}

/// `--dry-run=client`: the state is checked and rendered, nothing is sent.
/// With `-o yaml|json` the objects are printed exactly as apply sends them
/// (in apply order); with `-o name` their names, as kubectl prints them.
fn client_dry_run(manifests: &[Manifest], output: Option<ApplyOutput>) -> Result<i32> {
    match output {
        Some(ApplyOutput::Yaml) => {
            let stream = crate::render::to_yaml_stream(manifests)
                .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?;
            super::emit(&stream)?;
        }
        Some(ApplyOutput::Json) => super::emit(&crate::render::to_json_list(manifests))?,
        Some(ApplyOutput::Name) => {
            for manifest in manifests {
                say!("{}", manifest.reference());
            }
        }
        None => {
            for manifest in manifests {
                say!("{} serverside-applied (dry run)", manifest.reference());
            }
            say!(
                "{} object(s) checked (dry run; nothing was sent)",
                manifests.len()
            );
        }
    }
    Ok(EXIT_OK)
}

/// `apply -o yaml|json` on a real apply or a server dry run: the objects
/// the server returned, in apply order, in the shapes `--dry-run=client`
/// prints (a YAML stream; a JSON `List`). As with kubectl,
/// `metadata.managedFields` is left out. A Secret's values are masked
/// (`***`, keys kept): the server answers with the live values, which apply
/// keeps and the user may never have seen. An object the server could not
/// check (a dry run into a namespace that does not exist yet) is shown as
/// it would be sent.
fn print_returned(
    manifests: &[Manifest],
    outcomes: &[Outcome],
    objects: Vec<Option<Value>>,
    output: Option<ApplyOutput>,
) -> Result<()> {
    let shown: Vec<Value> = manifests
        .iter()
        .zip(outcomes)
        .zip(objects)
        .filter_map(|((manifest, outcome), object)| match (outcome, object) {
            (Outcome::Applied(_), Some(object)) => Some(object),
            (Outcome::Applied(Change::CreatedUnchecked), None) => Some(manifest.object.clone()),
            _ => None,
        })
        .map(|mut object| {
            if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
                metadata.shift_remove("managedFields");
            }
            if object.get("kind").and_then(Value::as_str) == Some("Secret") {
                mask::mask_secret_values(&mut object);
            }
            object
        })
        .collect();
    let text = match output {
        Some(ApplyOutput::Json) => {
            let list = serde_json::json!({
                "apiVersion": "v1",
                "kind": "List",
                "metadata": {},
                "items": shown,
            });
            let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
            text
        }
        _ => {
            let mut text = String::new();
            for object in &shown {
                text.push_str("---\n");
                let yaml = crate::yaml::to_string(object)
                    .map_err(|e| Error::Failed(format!("cannot write YAML: {e}")))?;
                text.push_str(&yaml);
            }
            text
        }
    };
    super::emit(&text)
}

fn print_outcome(
    manifest: &Manifest,
    outcome: &Outcome,
    suffix: &str,
    output: Option<ApplyOutput>,
) {
    let reference = manifest.reference();
    if output.is_some() && matches!(outcome, Outcome::Applied(_)) {
        // `kubectl apply -o name`: the name of each object applied, nothing
        // else on stdout; with `-o yaml|json` the objects come at the end.
        if output == Some(ApplyOutput::Name) {
            say!("{reference}");
            let _ = std::io::stdout().flush();
        }
        return;
    }
    match outcome {
        Outcome::Applied(change) => {
            let verb = match change {
                Change::Created => "created",
                Change::CreatedUnchecked => {
                    say!("{reference} created (server dry run; its namespace does not exist yet, so the server could not check it)");
                    return;
                }
                Change::Configured => "serverside-applied",
                Change::Unchanged => "unchanged",
                Change::Recreated => "re-created",
            };
            say!("{reference} {verb}{suffix}");
        }
        Outcome::Failed(failure) => eprintln!("error: {reference}: {failure}"),
        Outcome::Skipped { because } => {
            eprintln!("{reference} skipped: it depends on {because}, which was not applied")
        }
        Outcome::NotSent => eprintln!("{reference} not sent: the run stopped before it"),
    }
    // Lines must show up as phases finish, also through a pipe.
    let _ = std::io::stdout().flush();
}

/// `12 object(s): 3 created, 2 serverside-applied, 7 unchanged`.
pub fn summary(outcomes: &[Outcome], suffix: &str) -> String {
    let count = |wanted: fn(&Outcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
    let parts = [
        (
            count(|o| {
                matches!(
                    o,
                    Outcome::Applied(Change::Created | Change::CreatedUnchecked)
                )
            }),
            "created",
        ),
        (
            count(|o| *o == Outcome::Applied(Change::Configured)),
            "serverside-applied",
        ),
        (
            count(|o| *o == Outcome::Applied(Change::Unchanged)),
            "unchanged",
        ),
        (
            count(|o| *o == Outcome::Applied(Change::Recreated)),
            "re-created",
        ),
        (count(|o| matches!(o, Outcome::Failed(_))), "failed"),
        (count(|o| matches!(o, Outcome::Skipped { .. })), "skipped"),
        (count(|o| matches!(o, Outcome::NotSent)), "not sent"),
    ];
    let counts: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    format!(
        "{} object(s){suffix}: {}",
        outcomes.len(),
        counts.join(", ")
    )
}

/// The error that ends a run where some objects were not applied.
fn not_applied(manifests: &[Manifest], outcomes: &[Outcome]) -> Result<()> {
    let missing: Vec<String> = manifests
        .iter()
        .zip(outcomes)
        .filter_map(|(m, o)| match o {
            Outcome::Applied(_) => None,
            Outcome::Failed(_) => Some(format!("{} (failed)", m.reference())),
            Outcome::Skipped { .. } => Some(format!("{} (skipped)", m.reference())),
            Outcome::NotSent => Some(format!("{} (not sent)", m.reference())),
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Failed(f) if f.is_conflict()))
    {
        eprintln!("hint: other field managers own fields the state sets; run again with --force-conflicts to take them over");
    }
    let message = format!(
        "{} of {} objects were not applied: {}",
        missing.len(),
        manifests.len(),
        missing.join(", ")
    );
    // A fault of the cluster (no answer, 5xx, ...) is exit 3 from every
    // command, whatever else was applied; objects the server refused are
    // this run's partial success, 1 (see `error`).
    let fault = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Failed(f) if f.is_fault()) || matches!(o, Outcome::NotSent));
    Err(if fault {
        Error::Failed(message)
    } else {
        Error::Incomplete(message)
    })
}

/// Wait for the workloads that were applied. Without `show` (stdout holds
/// `-o` output) the progress is not printed; a failure still is, on stderr.
async fn wait_for(
    transport: &Transport,
    manifests: &[Manifest],
    outcomes: &[Outcome],
    timeout: Option<std::time::Duration>,
    concurrency: usize,
    show: bool,
) -> Result<()> {
    let workloads: Vec<&Manifest> = manifests
        .iter()
        .zip(outcomes)
        .filter(|(m, o)| wait::is_waited_for(&m.kind) && matches!(o, Outcome::Applied(_)))
        .map(|(m, _)| m)
        .collect();
    if workloads.is_empty() {
        return Ok(());
    }
    let mut progress = Progress::new(super::session::stdout_is_terminal());
    let result = wait::wait_all(transport, &workloads, timeout, concurrency, |states| {
        if show {
            progress.show(states)
        }
    })
    .await;
    match result {
        Ok(()) => {
            if show {
                say!("{} workload(s) ready", workloads.len());
            }
            Ok(())
        }
        Err(WaitError::TimedOut(pending)) => {
            let names: Vec<String> = pending.iter().map(|(r, s)| describe(r, s)).collect();
            Err(Error::Incomplete(format!(
                "timed out after {} waiting for {}",
                humanize(timeout.unwrap_or_default()),
                names.join(", ")
            )))
        }
        Err(WaitError::Failed(failed)) => {
            let names: Vec<String> = failed
                .iter()
                .map(|(r, why)| format!("{r} ({why})"))
                .collect();
            Err(Error::Incomplete(format!(
                "rollout failed: {}",
                names.join(", ")
            )))
        }
        Err(WaitError::Request(failure)) => Err(Error::Failed(failure.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::failure::{ApiStatus, Failure};

    #[test]
    fn the_summary_counts_each_outcome_and_leaves_out_zeros() {
        let outcomes = [
            Outcome::Applied(Change::Created),
            Outcome::Applied(Change::Unchanged),
            Outcome::Applied(Change::Unchanged),
            Outcome::Failed(Failure::Rejected(ApiStatus::default())),
            Outcome::Skipped {
                because: "configmap/a".into(),
            },
        ];
        assert_eq!(
            summary(&outcomes, ""),
            "5 object(s): 1 created, 2 unchanged, 1 failed, 1 skipped"
        );
        assert_eq!(
            summary(&outcomes[..1], " (server dry run)"),
            "1 object(s) (server dry run): 1 created"
        );
    }
}
