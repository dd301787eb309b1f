//! `kubectl wizard delete`: remove the objects of a state's ApplySet, in
//! the reverse of the apply order, then the parent; claims and the
//! namespace only when asked.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use serde_json::Value;

use crate::cli::{DeleteArgs, DryRun, GlobalArgs};
use crate::cluster::applyset;
use crate::cluster::duration;
use crate::cluster::failure::humanize;
use crate::cluster::prune::{self, Member, PruneOptions};
use crate::cluster::transport::Transport;
use crate::error::{Error, Result, EXIT_OK};
use crate::render::{Manifest, Phase};

pub fn run(global: &GlobalArgs, args: &DeleteArgs) -> Result<i32> {
    if args.wait && args.dry_run != DryRun::None {
        return Err(Error::Usage(
            "--wait cannot be combined with --dry-run: nothing is deleted to wait for".into(),
        ));
    }
    let timeout =
        duration::parse(&args.timeout).map_err(|e| Error::Usage(format!("--timeout: {e}")))?;
    super::session::request_timeout(global)?;
    let build = super::load_build(global, &args.state)?;
    let set = super::prune::set_of(&build);
    let namespace = build.manifests.iter().find(|m| m.phase == Phase::Namespace);
    let concurrency = usize::from(args.concurrency);
    super::session::runtime()?.block_on(async {
        let transport = super::session::transport(global, &args.field_manager).await?;
        let listed = prune::read_parent(&transport, &set)
            .await
            .map_err(super::prune::refused)?;
        let members = match &listed {
            Some(kinds) => {
                let kinds: BTreeSet<String> = kinds
                    .union(&applyset::group_kinds(&build.manifests))
                    .cloned()
                    .collect();
                prune::members(&transport, &set, &kinds, concurrency)
                    .await
                    .map_err(|f| Error::Failed(f.to_string()))?
            }
            None => Vec::new(),
        };
        let options = PruneOptions {
            volumes: args.include_volumes,
            force_conflicts: args.force_conflicts,
        };
        let plan = prune::plan(members, &[], transport.field_manager(), options);
        let namespace = match namespace {
            Some(ns) => namespace_verdict(&transport, ns, args.include_namespace).await?,
            None => None,
        };
        if listed.is_none() {
            eprintln!(
                "note: there is no ApplySet {} in namespace {}: nothing of this state was applied by kubectl wizard apply (or it was deleted)",
                set.reference(),
                set.namespace
            );
        }
        for (member, why) in &plan.kept {
            eprintln!("{} kept: {why}{}", member.reference(), hint(member, args));
        }
        if plan.doomed.is_empty() && namespace.is_none() && listed.is_none() {
            return Ok(EXIT_OK);
        }
        if args.dry_run == DryRun::Client {
            for member in &plan.doomed {
                say!("{} deleted (dry run)", member.reference());
            }
            if let Some(ns) = &namespace {
                say!("namespace/{ns} deleted (dry run)");
            }
            return Ok(EXIT_OK);
        }
        if args.dry_run == DryRun::None && !args.yes {
            confirm(&plan.doomed, namespace.as_deref(), &set.namespace)?;
        }
        let dry_run = args.dry_run == DryRun::Server;
        let suffix = if dry_run { " (server dry run)" } else { "" };
        let results = prune::delete_all(&transport, &plan.doomed, dry_run, concurrency, |member, result| {
            match result {
                Ok(true) => say!("{} deleted{suffix}", member.reference()),
                Ok(false) => say!("{} already gone", member.reference()),
                Err(failure) => eprintln!("error: {}: {failure}", member.reference()),
            }
        })
        .await;
        prune::not_done(&plan.doomed, &results, "deleted")?;
        // The parent goes with the last member; kept members (and kinds
        // this tool does not know, whose members it did not look at) stay
        // listed.
        if let Some(listed) = &listed {
            let remaining = plan.remaining_kinds(&BTreeSet::new(), listed);
            if remaining.is_empty() {
                prune::delete_parent(&transport, &set, dry_run)
                    .await
                    .map_err(|f| Error::Failed(f.to_string()))?;
            } else if !dry_run {
                prune::write_parent(&transport, &set, &remaining, false)
                    .await
                    .map_err(|f| Error::Failed(f.to_string()))?;
            }
        }
        let mut gone: Vec<(String, crate::cluster::transport::Target)> = plan
            .doomed
            .iter()
            .map(|m| (m.reference(), m.target(&transport)))
            .collect();
        if let (Some(ns), Some(manifest)) = (&namespace, namespace_manifest(&build.manifests)) {
            let target = transport.target(manifest);
            let deleted = transport
                .delete(&target, None, dry_run)
                .await
                .map_err(|f| Error::Failed(format!("namespace/{ns}: {f}")))?;
            if deleted {
                say!("namespace/{ns} deleted{suffix}");
            }
            gone.push((format!("namespace/{ns}"), target));
        }
        say!("{} object(s) deleted{suffix}", plan.doomed.len() + usize::from(namespace.is_some()));
        if args.wait {
            wait_gone(&transport, &gone, timeout).await?;
        }
        Ok(EXIT_OK)
    })
}

fn namespace_manifest(manifests: &[Manifest]) -> Option<&Manifest> {
    manifests.iter().find(|m| m.phase == Phase::Namespace)
}

fn hint(member: &Member, args: &DeleteArgs) -> &'static str {
    match (member.is_volume(), args.include_volumes) {
        (true, false) => " (--include-volumes deletes it)",
        _ => "",
    }
}

/// The namespace to delete: only when asked, and only one this state
/// created (its manager applied it); otherwise `None`, with a note.
async fn namespace_verdict(
    transport: &Transport,
    manifest: &Manifest,
    asked: bool,
) -> Result<Option<String>> {
    let name = manifest.name.clone();
    if !asked {
        eprintln!("namespace/{name} kept (--include-namespace deletes it, with everything in it)");
        return Ok(None);
    }
    let live = transport
        .get(&transport.target(manifest))
        .await
        .map_err(|f| Error::Failed(f.to_string()))?;
    let Some(live) = live else {
        return Ok(None);
    };
    let ours = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|entry| {
            entry.get("manager").and_then(Value::as_str) == Some(transport.field_manager())
                && entry.get("operation").and_then(Value::as_str) == Some("Apply")
        });
    if ours {
        Ok(Some(name))
    } else {
        eprintln!("namespace/{name} kept: kubectl wizard apply did not create it");
        Ok(None)
    }
}

/// Ask on a terminal; without one, `--yes` is required (a script that
/// forgot it must not delete an application).
fn confirm(doomed: &[Member], namespace: Option<&str>, target_ns: &str) -> Result<()> {
    let count = doomed.len() + usize::from(namespace.is_some());
    if count == 0 {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(format!(
            "delete would remove {count} object(s) from namespace {target_ns}; pass --yes to confirm when not on a terminal (--dry-run=client lists them)"
        )));
    }
    let mut err = std::io::stderr().lock();
    for member in doomed {
        let _ = writeln!(err, "  {}", member.reference());
    }
    if let Some(ns) = namespace {
        let _ = writeln!(err, "  namespace/{ns} (and everything else in it)");
    }
    let _ = write!(
        err,
        "Delete these {count} object(s) from namespace {target_ns}? [y/N] "
    );
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::io("<stdin>", e))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

/// `--wait`: until every deleted object is gone (404), checked every
/// second, or the timeout.
async fn wait_gone(
    transport: &Transport,
    gone: &[(String, crate::cluster::transport::Target)],
    timeout: Option<Duration>,
) -> Result<()> {
    let started = tokio::time::Instant::now();
    loop {
        let mut pending = Vec::new();
        for (reference, target) in gone {
            if transport
                .get(target)
                .await
                .map_err(|f| Error::Failed(f.to_string()))?
                .is_some()
            {
                pending.push(reference.clone());
            }
        }
        if pending.is_empty() {
            say!("{} object(s) gone", gone.len());
            return Ok(());
        }
        if timeout.is_some_and(|t| started.elapsed() >= t) {
            return Err(Error::Incomplete(format!(
                "timed out after {} waiting for {} to be gone",
                humanize(timeout.unwrap_or_default()),
                pending.join(", ")
            )));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
