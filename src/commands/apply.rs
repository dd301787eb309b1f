//! `kubectl wizard apply`: server-side apply in dependency order, one line
//! per object as kubectl prints it, a summary, and optionally a wait for
//! the rollout.

use std::io::Write;

use crate::cli::{ApplyArgs, ApplyOutput, DryRun, GlobalArgs};
use crate::cluster::apply::{self, ApplyOptions, Change, Outcome};
use crate::cluster::duration;
use crate::cluster::failure::humanize;
use crate::cluster::transport::Transport;
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
    let printing_objects = matches!(args.output, Some(ApplyOutput::Yaml | ApplyOutput::Json));
    if printing_objects && args.dry_run != DryRun::Client {
        return Err(Error::Usage(
            "-o yaml and -o json need --dry-run=client (they print the objects that would be sent); -o name works with every apply".into(),
        ));
    }
    let build = super::load_build(global, &args.state)?;
    if args.dry_run == DryRun::Client {
        return client_dry_run(&build.manifests, args.output);
    }
    let names_only = args.output == Some(ApplyOutput::Name);
    let options = ApplyOptions {
        dry_run: args.dry_run == DryRun::Server,
        force_conflicts: args.force_conflicts,
        concurrency: usize::from(args.concurrency),
    };
    super::session::runtime()?.block_on(async {
        let transport = super::session::transport(global, &args.field_manager).await?;
        let manifests = &build.manifests;
        let suffix = if options.dry_run {
            " (server dry run)"
        } else {
            ""
        };
        let run = apply::apply_all(&transport, manifests, options, |phase| {
            for (index, outcome) in phase {
                print_outcome(&manifests[*index], outcome, suffix, names_only);
            }
        })
        .await
        .map_err(|fatal| Error::Failed(fatal.to_string()))?;
        let outcomes = run.outcomes;
        if !names_only {
            say!("{}", summary(&outcomes, suffix));
        }
        if let Some(fatal) = &run.fatal {
            // What was done is printed above; why the run stopped and what
            // was not applied, here.
            let missing = not_applied(manifests, &outcomes).err();
            let missing = missing.map(|e| format!("; {e}")).unwrap_or_default();
            return Err(Error::Failed(format!("{fatal}{missing}")));
        }
        let waited = if args.wait {
            wait_for(
                &transport,
                manifests,
                &outcomes,
                timeout,
                options.concurrency,
            )
            .await
        } else {
            Ok(())
        };
        not_applied(manifests, &outcomes)?;
        waited.map(|()| EXIT_OK)
    })
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

fn print_outcome(manifest: &Manifest, outcome: &Outcome, suffix: &str, names_only: bool) {
    let reference = manifest.reference();
    if names_only {
        // `kubectl apply -o name`: the name of each object applied, nothing
        // else on stdout; failures still go to stderr.
        if matches!(outcome, Outcome::Applied(_)) {
            say!("{reference}");
            let _ = std::io::stdout().flush();
            return;
        }
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

/// Wait for the workloads that were applied.
async fn wait_for(
    transport: &Transport,
    manifests: &[Manifest],
    outcomes: &[Outcome],
    timeout: Option<std::time::Duration>,
    concurrency: usize,
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
        progress.show(states)
    })
    .await;
    match result {
        Ok(()) => {
            say!("{} workload(s) ready", workloads.len());
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
