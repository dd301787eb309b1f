//! Finding and deleting the members of an ApplySet: what `apply --prune`,
//! `diff --prune` and `delete` share. Members are found only through the
//! set's own label, kind by kind as the parent lists them, in the set's
//! namespace: nothing outside the set is ever read as a candidate, whatever
//! other labels it carries.

use std::collections::BTreeSet;

use kube::api::PatchParams;
use serde_json::Value;
use similar::TextDiff;

use super::applyset::{self, ApplySet};
use super::failure::Failure;
use super::listed::Listed;
use super::resources::{self, Kind};
use super::transport::{Target, Transport};
use super::{bounded, diff, strip};
use crate::render::{Manifest, Phase};

/// A member of the set as the server has it.
#[derive(Debug, Clone)]
pub struct Member {
    pub kind: &'static Kind,
    pub name: String,
    pub namespace: String,
    pub object: Value,
}

impl Member {
    /// `deployment.apps/api`, as kubectl names objects.
    pub fn reference(&self) -> String {
        self.as_manifest().reference()
    }

    pub fn group_kind(&self) -> String {
        applyset::group_kind(&self.kind.api_version(), self.kind.kind)
    }

    pub fn uid(&self) -> Option<&str> {
        self.object.pointer("/metadata/uid").and_then(Value::as_str)
    }

    /// The apply phase of its kind: deletions go in the reverse order.
    pub fn phase(&self) -> Phase {
        phase_of(self.kind.kind)
    }

    pub fn is_volume(&self) -> bool {
        self.kind.kind == "PersistentVolumeClaim"
    }

    /// The object as a manifest, for the URL and the diff title.
    pub fn as_manifest(&self) -> Manifest {
        Manifest {
            phase: self.phase(),
            api_version: self.kind.api_version(),
            kind: self.kind.kind.to_string(),
            name: self.name.clone(),
            namespace: self.kind.namespaced.then(|| self.namespace.clone()),
            file_name: String::new(),
            origin: String::new(),
            object: Value::Null,
        }
    }

    pub fn target(&self, transport: &Transport) -> Target {
        transport.target(&self.as_manifest())
    }
}

/// The phase a kind is applied in (see `render::Phase`).
pub fn phase_of(kind: &str) -> Phase {
    match kind {
        "Namespace" => Phase::Namespace,
        "Service" => Phase::Services,
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => Phase::Workloads,
        "HorizontalPodAutoscaler" => Phase::Autoscalers,
        "Ingress" => Phase::Ingress,
        _ => Phase::Config,
    }
}

/// The table entry of a `Kind.group`; `None` for a kind this tool never
/// renders (kept in the parent, never listed or deleted).
pub fn kind_of(group_kind: &str) -> Option<&'static Kind> {
    resources::KINDS
        .iter()
        .find(|k| applyset::group_kind(&k.api_version(), k.kind) == group_kind)
}

/// What the live parent says: `Ok(None)` when there is none, the kinds it
/// lists, or `Err` with why this tool may not use it.
pub async fn read_parent(
    transport: &Transport,
    set: &ApplySet,
) -> Result<Option<BTreeSet<String>>, PruneError> {
    Ok(read_parent_from(transport, set, &Listed::default())
        .await?
        .map(|(_, kinds)| kinds))
}

/// Like `read_parent`, from what `listed` holds when it holds the parent
/// (it read the parent's Secrets, or the parent itself): no request then.
/// Also the live parent, to tell whether it needs writing at all.
pub async fn read_parent_from(
    transport: &Transport,
    set: &ApplySet,
    listed: &Listed,
) -> Result<Option<(Value, BTreeSet<String>)>, PruneError> {
    let target = parent_target(transport, set);
    let live = match listed.get(&target) {
        Some(live) => live.cloned(),
        None => transport.get(&target).await.map_err(PruneError::Failure)?,
    };
    match live {
        None => Ok(None),
        Some(live) => {
            let kinds = set.check_parent(&live).map_err(PruneError::Refused)?;
            Ok(Some((live, kinds)))
        }
    }
}

/// A failure to talk to the server, or a parent this tool must not use.
#[derive(Debug, Clone)]
pub enum PruneError {
    Failure(Failure),
    Refused(String),
}

impl std::fmt::Display for PruneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PruneError::Failure(failure) => write!(f, "{failure}"),
            PruneError::Refused(why) => f.write_str(why),
        }
    }
}

pub fn parent_target(transport: &Transport, set: &ApplySet) -> Target {
    let manifest = Manifest {
        phase: Phase::Config,
        api_version: "v1".into(),
        kind: "Secret".into(),
        name: set.name.clone(),
        namespace: Some(set.namespace.clone()),
        file_name: String::new(),
        origin: String::new(),
        object: Value::Null,
    };
    transport.target(&manifest)
}

/// Server-side apply the parent listing `kinds`. `Ok(false)` when its
/// namespace does not exist yet (the caller writes it after the apply
/// created it). The parent is this tool's own (checked before), so its
/// fields are taken whoever touched them.
pub async fn write_parent(
    transport: &Transport,
    set: &ApplySet,
    kinds: &BTreeSet<String>,
    dry_run: bool,
) -> Result<bool, Failure> {
    let mut params = PatchParams::apply(transport.field_manager()).force();
    params.dry_run = dry_run;
    let target = parent_target(transport, set);
    match transport.apply(&target, &set.parent(kinds), &params).await {
        Ok(_) => Ok(true),
        Err(failure) if failure.is_missing_namespace() => Ok(false),
        Err(failure) => Err(failure),
    }
}

/// Delete the parent (after its last members).
pub async fn delete_parent(
    transport: &Transport,
    set: &ApplySet,
    dry_run: bool,
) -> Result<bool, Failure> {
    transport
        .delete(&parent_target(transport, set), None, dry_run)
        .await
}

/// Every member of the set, of the kinds given, in the set's namespace.
pub async fn members(
    transport: &Transport,
    set: &ApplySet,
    kinds: &BTreeSet<String>,
    concurrency: usize,
) -> Result<Vec<Member>, Failure> {
    let known: Vec<&'static Kind> = kinds.iter().filter_map(|gk| kind_of(gk)).collect();
    let collections: Vec<String> = known
        .iter()
        .map(|&kind| {
            Member {
                kind,
                name: String::new(),
                namespace: set.namespace.clone(),
                object: Value::Null,
            }
            .target(transport)
            .collection
        })
        .collect();
    let selector = set.selector();
    let lists = bounded(&collections, concurrency, |collection| {
        transport.list_selected(collection, &selector)
    })
    .await;
    let mut found = Vec::new();
    for (kind, list) in known.into_iter().zip(lists) {
        for object in list? {
            // The server selected them; checked again, so that a server
            // that ignored the selector cannot make us delete a stranger.
            let label = object
                .pointer(&format!(
                    "/metadata/labels/{}",
                    applyset::PART_OF_LABEL.replace('/', "~1")
                ))
                .and_then(Value::as_str);
            if label != Some(set.id.as_str()) {
                continue;
            }
            let Some(name) = object.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            found.push(Member {
                kind,
                name: name.to_string(),
                namespace: set.namespace.clone(),
                object,
            });
        }
    }
    Ok(found)
}

/// How pruning treats the members it found.
#[derive(Debug, Clone, Copy, Default)]
pub struct PruneOptions {
    /// PersistentVolumeClaims too.
    pub volumes: bool,
    /// Also what another manager took over.
    pub force_conflicts: bool,
}

/// The members to delete (in deletion order) and the ones kept, with why.
#[derive(Debug, Default)]
pub struct Plan {
    pub doomed: Vec<Member>,
    pub kept: Vec<(Member, String)>,
}

impl Plan {
    /// The kinds the parent must still list: the rendered ones and those of
    /// members that stay.
    /// A listed kind this tool never renders (added by another client of
    /// the set) stays too: its members were not looked at.
    pub fn remaining_kinds(
        &self,
        rendered: &BTreeSet<String>,
        listed: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut kinds = rendered.clone();
        kinds.extend(self.kept.iter().map(|(m, _)| m.group_kind()));
        kinds.extend(listed.iter().filter(|k| kind_of(k).is_none()).cloned());
        kinds
    }
}

/// Of `members`, those `manifests` no longer render (all of them when
/// `manifests` is empty, as for `delete`), sorted for deletion: the reverse
/// of the apply phases (workloads before their Services and config).
pub fn plan(
    members: Vec<Member>,
    manifests: &[Manifest],
    manager: &str,
    options: PruneOptions,
) -> Plan {
    let rendered: BTreeSet<(String, &str)> = manifests
        .iter()
        .filter(|m| applyset::is_member(m))
        .map(|m| {
            (
                applyset::group_kind(&m.api_version, &m.kind),
                m.name.as_str(),
            )
        })
        .collect();
    let mut plan = Plan::default();
    for member in members {
        if rendered.contains(&(member.group_kind(), member.name.as_str())) {
            continue;
        }
        if member.is_volume() && !options.volumes {
            plan.kept
                .push((member, "a PersistentVolumeClaim: its data stays".into()));
        } else if let (Some(other), false) =
            (taken_over(&member.object, manager), options.force_conflicts)
        {
            let why = format!(
                "{} applies it now; --force-conflicts deletes it anyway",
                crate::sanitize::one_line(&other)
            );
            plan.kept.push((member, why));
        } else {
            plan.doomed.push(member);
        }
    }
    plan.doomed.sort_by(|a, b| {
        b.phase()
            .cmp(&a.phase())
            .then_with(|| a.reference().cmp(&b.reference()))
    });
    plan
}

/// Another manager that applies the object (server-side apply), if any:
/// it was taken over, and deleting it would take it from its new owner.
pub fn taken_over(live: &Value, manager: &str) -> Option<String> {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)?
        .iter()
        .filter(|entry| entry.get("operation").and_then(Value::as_str) == Some("Apply"))
        .filter_map(|entry| entry.get("manager").and_then(Value::as_str))
        .find(|name| *name != manager)
        .map(str::to_string)
}

/// What `delete_all` left in the cluster: each member that failed or was
/// not sent, as the one error `delete` and `prune` end with (`verb`: what
/// was not done to them).
pub fn not_done(
    doomed: &[Member],
    results: &[Option<Result<bool, Failure>>],
    verb: &str,
) -> crate::error::Result<()> {
    let missing: Vec<String> = doomed
        .iter()
        .zip(results)
        .filter_map(|(member, result)| match result {
            Some(Ok(_)) => None,
            Some(Err(_)) => Some(format!("{} (failed)", member.reference())),
            None => Some(format!("{} (not sent)", member.reference())),
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(crate::error::Error::Incomplete(format!(
        "{} of {} objects were not {verb}: {}",
        missing.len(),
        doomed.len(),
        missing.join(", ")
    )))
}

/// Delete `doomed` (in deletion order) phase by phase, at most
/// `concurrency` at a time; a phase with a failure ends the run (the
/// objects after it are not sent: config stays while a workload that
/// uses it could not be deleted). `report` gets each result as it is known.
/// Results are in the order of `doomed`; `None` = not sent.
pub async fn delete_all(
    transport: &Transport,
    doomed: &[Member],
    dry_run: bool,
    concurrency: usize,
    mut report: impl FnMut(&Member, &Result<bool, Failure>),
) -> Vec<Option<Result<bool, Failure>>> {
    let mut results: Vec<Option<Result<bool, Failure>>> = vec![None; doomed.len()];
    let mut start = 0;
    while start < doomed.len() {
        let phase = doomed[start].phase();
        let end = start
            + doomed[start..]
                .iter()
                .take_while(|m| m.phase() == phase)
                .count();
        let phase_results = bounded(&doomed[start..end], concurrency, |member| async move {
            let target = member.target(transport);
            transport.delete(&target, member.uid(), dry_run).await
        })
        .await;
        let mut failed = false;
        for (offset, result) in phase_results.into_iter().enumerate() {
            report(&doomed[start + offset], &result);
            failed |= result.is_err();
            results[start + offset] = Some(result);
        }
        if failed {
            break;
        }
        start = end;
    }
    results
}

/// The diff of a member that apply --prune would delete: every line of the
/// live object removed. Secret values are masked unless `show_secrets`.
pub fn deletion_diff(member: &Member, show_secrets: bool) -> String {
    let mut live = member.object.clone();
    strip::strip(&mut live);
    if member.kind.kind == "Secret" && !show_secrets {
        if let Some(Value::Object(data)) = live.get_mut("data") {
            for value in data.values_mut() {
                *value = Value::from("***");
            }
        }
    }
    let title = diff::title(&member.as_manifest());
    let before = diff::to_yaml(&live);
    TextDiff::from_lines(before.as_str(), "")
        .unified_diff()
        .context_radius(3)
        .header(&format!("{title} (live)"), &format!("{title} (pruned)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn member(kind: &str, name: &str, managers: &[&str]) -> Member {
        let entries: Vec<Value> = managers
            .iter()
            .map(|m| json!({"manager": m, "operation": "Apply"}))
            .collect();
        Member {
            kind: resources::KINDS.iter().find(|k| k.kind == kind).unwrap(),
            name: name.into(),
            namespace: "shop".into(),
            object: json!({"metadata": {"name": name, "uid": "u", "managedFields": entries}}),
        }
    }

    #[test]
    fn stale_members_go_in_reverse_phase_order_and_claims_and_taken_objects_stay() {
        let members = vec![
            member("ConfigMap", "worker-config", &["kubectl-wizard"]),
            member("Service", "worker", &["kubectl-wizard"]),
            member("Deployment", "worker", &["kubectl-wizard"]),
            member("Deployment", "api", &["kubectl-wizard"]),
            member("PersistentVolumeClaim", "worker-data", &["kubectl-wizard"]),
            member("Ingress", "app-ingress", &["kubectl-wizard"]),
            member(
                "HorizontalPodAutoscaler",
                "worker",
                &["kubectl-wizard", "argocd"],
            ),
        ];
        let state = "namespace: shop\n_services:\n  - {name: api, image: \"api:1\"}\n";
        let manifests = crate::pipeline::build(state, "s", &Default::default())
            .unwrap()
            .manifests;
        let plan = plan(
            members.clone(),
            &manifests,
            "kubectl-wizard",
            PruneOptions::default(),
        );
        let doomed: Vec<String> = plan.doomed.iter().map(Member::reference).collect();
        assert_eq!(
            doomed,
            [
                "ingress.networking.k8s.io/app-ingress",
                "deployment.apps/worker",
                "service/worker",
                "configmap/worker-config"
            ]
        );
        let kept: Vec<String> = plan.kept.iter().map(|(m, _)| m.reference()).collect();
        assert_eq!(
            kept,
            [
                "persistentvolumeclaim/worker-data",
                "horizontalpodautoscaler.autoscaling/worker"
            ]
        );
        assert!(plan.kept[1].1.contains("argocd applies it now"));
        let all = super::plan(
            members,
            &[],
            "kubectl-wizard",
            PruneOptions {
                volumes: true,
                force_conflicts: true,
            },
        );
        assert_eq!(all.doomed.len(), 7);
        assert!(all.kept.is_empty());
    }

    #[test]
    fn the_parent_keeps_listing_kept_and_unknown_kinds() {
        let state = "namespace: shop\n_services:\n  - {name: api, image: \"api:1\"}\n";
        let manifests = crate::pipeline::build(state, "s", &Default::default())
            .unwrap()
            .manifests;
        let members = vec![member(
            "PersistentVolumeClaim",
            "old-data",
            &["kubectl-wizard"],
        )];
        let plan = plan(
            members,
            &manifests,
            "kubectl-wizard",
            PruneOptions::default(),
        );
        let rendered = applyset::group_kinds(&manifests);
        let listed: BTreeSet<String> = ["NetworkPolicy.networking.k8s.io", "Service", "Job.batch"]
            .map(String::from)
            .into();
        let kinds: Vec<String> = plan
            .remaining_kinds(&rendered, &listed)
            .into_iter()
            .collect();
        assert_eq!(
            kinds,
            [
                "Deployment.apps",
                "NetworkPolicy.networking.k8s.io",
                "PersistentVolumeClaim"
            ]
        );
    }

    #[test]
    fn a_deleted_secret_shows_no_value() {
        let mut m = member("Secret", "old-secrets", &[]);
        m.object["data"] = json!({"KEY": "c2VjcmV0"});
        let text = deletion_diff(&m, false);
        assert!(
            text.contains("--- Secret/shop/old-secrets (live)"),
            "{text}"
        );
        assert!(
            text.contains("-  KEY: '***'") || text.contains("-  KEY: \"***\""),
            "{text}"
        );
        assert!(!text.contains("c2VjcmV0"));
    }
}
