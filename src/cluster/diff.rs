//! `diff`: what apply would change, object by object. The live versions
//! are listed (one request per kind and namespace) and a server-side
//! dry-run apply of each object (same manager, same Secret merge as apply)
//! shows what apply would leave; both are stripped of server bookkeeping
//! and compared as YAML. The two are of the same version of the object
//! (see `consistent`), so a controller writing in between never shows up
//! as a change.

use kube::api::PatchParams;
use serde_json::Value;
use similar::TextDiff;

use super::failure::Failure;
use super::listed::Listed;
use super::transport::{Reply, Target, Transport};
use super::{bounded, mask, recreate, secrets, strip};
use crate::render::Manifest;

#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    pub show_secrets: bool,
    pub force_conflicts: bool,
    pub concurrency: usize,
    /// `--recreate-immutable`: show what apply would re-create.
    pub recreate_immutable: bool,
}

/// The comparison of one object.
pub type ObjectDiff = Result<Compared, Failure>;

/// One object's two sides (stripped, Secrets masked unless asked) and
/// their unified diff, `None` when apply would change nothing. The sides
/// as YAML are what `KUBECTL_EXTERNAL_DIFF` gets; they are written out
/// only for it (two YAML documents per object were most of a diff's CPU).
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub text: Option<String>,
    /// `None` when the object does not exist yet.
    live: Option<Value>,
    after: Value,
}

impl Compared {
    /// The live side as YAML; `None` when the object does not exist yet.
    pub fn live_yaml(&self) -> Option<String> {
        self.live.as_ref().map(to_yaml)
    }

    /// The side after apply as YAML.
    pub fn after_yaml(&self) -> String {
        to_yaml(&self.after)
    }
}

/// Compare every manifest with the cluster (as `listed` before, see
/// `Listed`), at most `concurrency` objects at a time; results are in
/// manifest order.
pub async fn diff_all(
    transport: &Transport,
    manifests: &[Manifest],
    listed: &Listed,
    options: DiffOptions,
) -> Vec<ObjectDiff> {
    bounded(manifests, options.concurrency, |manifest| {
        diff_one(transport, manifest, listed, options)
    })
    .await
}

async fn diff_one(
    transport: &Transport,
    manifest: &Manifest,
    listed: &Listed,
    options: DiffOptions,
) -> ObjectDiff {
    let target = transport.target(manifest);
    let listed = listed.object(&target, manifest);
    let (live, dry_run, sent) = if manifest.kind == "Secret" {
        consistent(transport, manifest, &target, listed, options).await?
    } else {
        // Fast path: the listed version (or, where the kind could not be
        // listed, a read at the same time) and one dry run. When the dry
        // run's base is that version (same resourceVersion), they agree;
        // otherwise a controller wrote in between (a Deployment's revision
        // annotation, say) and comparing them would show its write as a
        // change.
        let params = dry_run_params(transport.field_manager(), options);
        let apply = transport.apply(&target, &manifest.object, &params);
        let (live, dry_run) = match listed {
            Some(live) => (live, apply.await),
            None => {
                let (live, dry_run) = tokio::join!(transport.get(&target), apply);
                (live?, dry_run)
            }
        };
        let agree = match (&live, &dry_run) {
            (Some(live), Ok(reply)) => version(live) == version(&reply.body),
            _ => true,
        };
        if agree {
            (live, dry_run, manifest.object.clone())
        } else {
            consistent(transport, manifest, &target, None, options).await?
        }
    };
    let after = match dry_run {
        Ok(reply) => reply.body,
        // A dry run cannot create an object in a namespace that apply would
        // create first; what apply sends is then the best preview there is.
        Err(failure) if failure.is_missing_namespace() && live.is_none() => sent,
        Err(failure) if options.recreate_immutable && recreate::refused_as_immutable(&failure) => {
            return recreated(transport, manifest, &target, live, failure, options).await;
        }
        Err(failure) => return Err(failure),
    };
    Ok(compared(manifest, live, after, options.show_secrets))
}

/// An object apply would re-create: the live one against a new one as the
/// server would create it, under a first line that says so and why.
async fn recreated(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    live: Option<Value>,
    refused: Failure,
    options: DiffOptions,
) -> ObjectDiff {
    let Some(current) = live.as_ref() else {
        return Err(refused);
    };
    let plan = recreate::plan(&manifest.kind, current, &manifest.object);
    if let recreate::Plan::Refuse(why) = &plan {
        return Err(recreate::with_refusal(refused, why));
    }
    let after = recreate::preview(transport, manifest, target).await?;
    let mut sides = compared(manifest, live, after, options.show_secrets);
    let note = format!(
        "# {} would be re-created: {} ({})\n",
        title(manifest),
        plan.describe(),
        recreate::why(&refused)
    );
    sides.text = Some(note + sides.text.as_deref().unwrap_or(""));
    Ok(sides)
}

fn dry_run_params(manager: &str, options: DiffOptions) -> PatchParams {
    let mut params = PatchParams::apply(manager).dry_run();
    params.force = options.force_conflicts;
    params
}

fn version(object: &Value) -> Option<&Value> {
    object.pointer("/metadata/resourceVersion")
}

/// How often the read and the dry run are tried again when the object
/// keeps changing between them.
const ROUNDS: usize = 3;

/// The live object and a dry run against exactly that version: the dry run
/// carries the read's resourceVersion as a precondition, and the server
/// answers 409 when the object changed since; then both are done again.
/// A Secret always goes this way (what apply sends depends on the live
/// values); its first round uses the listed version (`first`), if any.
async fn consistent(
    transport: &Transport,
    manifest: &Manifest,
    target: &Target,
    mut first: Option<Option<Value>>,
    options: DiffOptions,
) -> Result<(Option<Value>, Result<Reply, Failure>, Value), Failure> {
    let mut round = 0;
    loop {
        round += 1;
        let live = match first.take() {
            Some(live) => live,
            None => transport.get(target).await?,
        };
        let sent = if manifest.kind == "Secret" {
            secrets::merge(&manifest.object, live.as_ref(), transport.field_manager())
        } else {
            manifest.object.clone()
        };
        let mut pinned = sent.clone();
        if let (Some(v), Some(metadata)) = (
            live.as_ref().and_then(version),
            pinned.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            metadata.insert("resourceVersion".into(), v.clone());
        }
        let mut params = dry_run_params(transport.field_manager(), options);
        // Values the user supplied are taken over, as apply takes them.
        params.force |= secrets::has_supplied(&manifest.object);
        let dry_run = transport.apply(target, &pinned, &params).await;
        match dry_run {
            Err(failure) if failure.is_stale() && round < ROUNDS => continue,
            dry_run => return Ok((live, dry_run, sent)),
        }
    }
}

/// The unified diff between the live object and the one apply would leave,
/// after stripping server bookkeeping and masking Secret values.
pub fn compare(
    manifest: &Manifest,
    live: Option<Value>,
    after: Value,
    show_secrets: bool,
) -> Option<String> {
    compared(manifest, live, after, show_secrets).text
}

/// Both sides, prepared as for `compare`, with their diff.
pub fn compared(
    manifest: &Manifest,
    mut live: Option<Value>,
    mut after: Value,
    show_secrets: bool,
) -> Compared {
    if let Some(live) = live.as_mut() {
        strip::strip(live);
    }
    strip::strip(&mut after);
    if manifest.kind == "Secret" && !show_secrets {
        mask::mask_secret_pair(live.as_mut(), &mut after);
    }
    Compared {
        text: unified(&title(manifest), live.as_ref(), &after),
        live,
        after,
    }
}

/// `Deployment/shop/api`; `Namespace/shop` for a cluster-wide object.
pub fn title(manifest: &Manifest) -> String {
    match &manifest.namespace {
        Some(ns) => format!("{}/{}/{}", manifest.kind, ns, manifest.name),
        None => format!("{}/{}", manifest.kind, manifest.name),
    }
}

/// A unified diff of two objects as YAML, or `None` when they are equal.
/// A missing `before` diffs against nothing: every line is added.
pub fn unified(title: &str, before: Option<&Value>, after: &Value) -> Option<String> {
    if before == Some(after) {
        return None;
    }
    let before_text = before.map(to_yaml).unwrap_or_default();
    let after_text = to_yaml(after);
    if before_text == after_text {
        return None;
    }
    let diff = TextDiff::from_lines(&before_text, &after_text);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{title} (live)"),
            &format!("{title} (after apply)"),
        )
        .to_string();
    Some(text)
}

pub fn to_yaml(value: &Value) -> String {
    let sorted = sorted_keys(value);
    // The values come from JSON, so YAML can always represent them.
    crate::yaml::to_string(&sorted).unwrap_or_else(|_| sorted.to_string())
}

/// A copy with every map's keys in alphabetical order, as `kubectl diff`
/// and `kubectl get -o yaml` print them: the server returns defaulted and
/// merged fields in an order of its own, which would otherwise show up as
/// moved lines in a diff.
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// ANSI colours for a unified diff: removals red, additions green, hunk
/// headers cyan, the file header bold.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let colour = if body.starts_with("---") || body.starts_with("+++") {
            "1"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else if body.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if colour.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{colour}m{body}\x1b[0m{newline}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Phase;
    use serde_json::json;

    fn manifest(kind: &str, object: Value) -> Manifest {
        Manifest {
            phase: Phase::Config,
            api_version: "v1".into(),
            kind: kind.into(),
            name: "api-config".into(),
            namespace: Some("shop".into()),
            file_name: "api-config.yaml".into(),
            origin: "_services[0]".into(),
            object,
        }
    }

    fn live_config(value: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "api-config", "namespace": "shop", "resourceVersion": "7",
                         "uid": "u", "managedFields": [{"manager": "kubectl-wizard"}]},
            "data": {"MODE": value, "PORT": "8080"}
        })
    }

    #[test]
    fn equal_objects_give_no_diff_whatever_the_bookkeeping() {
        let m = manifest("ConfigMap", json!({}));
        let mut after = live_config("fast");
        after["metadata"]["resourceVersion"] = json!("8");
        assert_eq!(compare(&m, Some(live_config("fast")), after, false), None);
    }

    #[test]
    fn a_changed_value_gives_one_hunk() {
        let m = manifest("ConfigMap", json!({}));
        let text = compare(&m, Some(live_config("fast")), live_config("slow"), false).unwrap();
        assert_eq!(
            text,
            "--- ConfigMap/shop/api-config (live)\n\
             +++ ConfigMap/shop/api-config (after apply)\n\
             @@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  MODE: fast\n+  MODE: slow\n   PORT: '8080'\n kind: ConfigMap\n metadata:\n"
        );
    }

    #[test]
    fn keys_are_compared_in_alphabetical_order_like_kubectl_diff() {
        // The server appends defaulted keys in an order of its own; the
        // same keys in another order are no difference, and a real change
        // next to them is the only changed line.
        let m = manifest("ConfigMap", json!({}));
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "api-config"}, "data": {"B": "1", "A": "x"}});
        let after = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "api-config"}, "data": {"A": "z", "B": "1", "C": "2"}});
        let text = compare(&m, Some(live), after, false).unwrap();
        let changes: Vec<&str> = text
            .lines()
            .skip(3)
            .filter(|l| l.starts_with(['-', '+']))
            .collect();
        assert_eq!(changes, ["-  A: x", "+  A: z", "+  C: '2'"], "{text}");
    }

    #[test]
    fn a_missing_object_is_all_added() {
        let m = manifest("ConfigMap", json!({}));
        let text = compare(&m, None, live_config("fast"), false).unwrap();
        assert!(text.contains("@@ -0,0 +1,8 @@"), "{text}");
        assert!(text.lines().skip(3).all(|l| l.starts_with('+')), "{text}");
    }

    #[test]
    fn secret_values_are_masked_unless_asked() {
        let secret = |v: &str| {
            json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "api-config", "namespace": "shop"}, "data": {"K": v}})
        };
        let m = manifest("Secret", json!({}));
        let masked = compare(&m, Some(secret("YQ==")), secret("Yg=="), false).unwrap();
        assert!(
            masked.contains("-  K: '*** (before)'\n+  K: '*** (after)'"),
            "{masked}"
        );
        assert!(!masked.contains("YQ=="));
        let shown = compare(&m, Some(secret("YQ==")), secret("Yg=="), true).unwrap();
        assert!(shown.contains("-  K: YQ==\n+  K: Yg=="), "{shown}");
    }

    #[test]
    fn colours_mark_each_kind_of_line() {
        let coloured = colorize("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z\n");
        assert_eq!(
            coloured,
            "\x1b[1m--- a\x1b[0m\n\x1b[1m+++ b\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\x1b[31m-x\x1b[0m\n\x1b[32m+y\x1b[0m\n z\n"
        );
    }
}
