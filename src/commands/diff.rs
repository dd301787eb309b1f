//! `kubectl wizard diff`: the kubectl diff contract — exit 0 when the
//! cluster matches, 1 when apply would change something, ≥ 2 on error.

use crate::cli::{DiffArgs, GlobalArgs};
use crate::cluster::diff::{self, DiffOptions};
use crate::cluster::failure::Failure;
use crate::error::{Error, Result, EXIT_INCOMPLETE, EXIT_OK};

pub fn run(global: &GlobalArgs, args: &DiffArgs) -> Result<i32> {
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
            secrets: args.env.secrets_from_env,
        },
        &args.env.env_file,
    )?;
    // Apply labels every member of the ApplySet: so does what is compared.
    let set = super::prune::set_of(&build);
    crate::cluster::applyset::label_members(&mut build.manifests, &set);
    let prune_options = crate::cluster::prune::PruneOptions {
        volumes: args.prune_volumes,
        force_conflicts: args.force_conflicts,
    };
    let options = DiffOptions {
        show_secrets: args.show_secrets,
        force_conflicts: args.force_conflicts,
        concurrency: usize::from(args.concurrency),
        recreate_immutable: args.recreate_immutable,
    };
    let (results, pruned) = super::session::runtime()?.block_on(async {
        let transport = super::session::transport(global, &args.field_manager).await?;
        // `--prune` needs the ApplySet parent: read with the rest.
        let parent = crate::cluster::prune::parent_target(&transport, &set);
        let objects = if args.prune { vec![parent] } else { Vec::new() };
        let listed =
            super::read_before(&transport, &build.manifests, objects, options.concurrency).await?;
        super::warn_missing_references(&listed, &build.manifests);
        let results = diff::diff_all(&transport, &build.manifests, &listed, options).await;
        let pruned = if args.prune
            && !results
                .iter()
                .any(|r| r.as_ref().is_err_and(|f| f.is_fatal()))
        {
            super::prune::preview(
                &transport,
                &set,
                &listed,
                &build.manifests,
                prune_options,
                args.show_secrets,
                options.concurrency,
            )
            .await?
        } else {
            Vec::new()
        };
        Ok::<_, Error>((results, pruned))
    })?;
    if let Some(fatal) = results
        .iter()
        .find_map(|r| r.as_ref().err().filter(|f| f.is_fatal()))
    {
        return Err(Error::Failed(fatal.to_string()));
    }
    let colour = super::session::use_colour(global);
    let external = super::external_diff::from_env();
    let mut differences = 0;
    let mut failures: Vec<(String, &Failure)> = Vec::new();
    let mut compared = Vec::with_capacity(results.len());
    for (manifest, result) in build.manifests.iter().zip(&results) {
        match result {
            Ok(sides) if external.is_some() => compared.push(sides.clone()),
            Ok(sides) => {
                let Some(text) = &sides.text else {
                    continue;
                };
                differences += 1;
                super::emit(&if colour {
                    diff::colorize(text)
                } else {
                    text.clone()
                })?;
            }
            Err(failure) => failures.push((manifest.reference(), failure)),
        }
    }
    if !failures.is_empty() {
        for (reference, failure) in &failures {
            eprintln!("error: {reference}: {failure}");
        }
        if failures.iter().any(|(_, f)| f.is_conflict()) {
            eprintln!("hint: other field managers own fields the state sets; apply would fail. --force-conflicts previews taking them over");
        }
        return Err(Error::Failed(format!(
            "{} of {} objects could not be compared with the cluster",
            failures.len(),
            build.manifests.len()
        )));
    }
    // Deletions are shown as kubectl diff shows pruned objects: every line
    // removed (also with an external diff program, which gets no file for them).
    for text in &pruned {
        differences += 1;
        super::emit(&if colour {
            diff::colorize(text)
        } else {
            text.clone()
        })?;
    }
    if let Some((program, arguments)) = external {
        let code = super::external_diff::run(&program, &arguments, &build.manifests, &compared)?;
        return Ok(if pruned.is_empty() {
            code
        } else {
            code.max(EXIT_INCOMPLETE)
        });
    }
    Ok(if differences > 0 {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    })
}
