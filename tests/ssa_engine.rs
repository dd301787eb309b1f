//! The test API server's merge engine on its own: its schema table
//! against the Kubernetes 1.33 definitions, and every scenario of the
//! server-side apply corpus in `tests/data/ssa-corpus`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Value};

use support::apiserver::fieldset::{self, path_string};
use support::apiserver::merge::merge_patch;
use support::apiserver::schema::{self, ListType, Type};
use support::apiserver::ssa::{self, ManagedEntry};

/// Every kind the test server serves, as (apiVersion, kind).
const SERVED: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
];

/// Follows `a.b[].c{}` (list items `[]`, map values `{}`) from `ty`.
fn walk(mut ty: Type, path: &str) -> Type {
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let name = segment.trim_end_matches(['[', ']', '{', '}']);
        ty = ty.field(name);
        let mut rest = &segment[name.len()..];
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("[]") {
                ty = ty.item();
                rest = r;
            } else if let Some(r) = rest.strip_prefix("{}") {
                ty = ty.field("");
                rest = r;
            } else {
                panic!("bad path segment {segment:?}");
            }
        }
    }
    ty
}

#[test]
fn the_merge_table_agrees_with_the_definitions_at_every_list_and_map() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (api_version, kind) in SERVED {
        let root = Type::root(api_version, kind);
        assert!(root.is_known(), "{kind} is not in the definitions");
        let positions = schema::extensions_in_definitions(api_version, kind);
        assert!(positions.len() > 5, "{kind}: only {positions:?}");
        for (path, expected) in positions {
            let found = walk(root, &path).describe();
            if found.as_deref() != Some(expected.as_str()) {
                wrong.push(format!(
                    "{kind} {path}: definitions {expected}, table {found:?}"
                ));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(checked > 1000, "only {checked} positions checked");
}

#[test]
fn the_cases_a_list_by_field_name_got_wrong_come_from_the_definitions() {
    let pod = walk(Type::root("apps/v1", "Deployment"), "spec.template.spec");
    let container = walk(pod, "containers[]");
    assert!(walk(pod, "nodeSelector").is_atomic_map());
    assert!(walk(container, "env[].valueFrom.secretKeyRef").is_atomic_map());
    assert!(walk(container, "env[].valueFrom.configMapKeyRef").is_atomic_map());
    assert!(walk(container, "env[].valueFrom.fieldRef").is_atomic_map());
    assert!(walk(container, "env[].valueFrom.resourceFieldRef").is_atomic_map());
    assert!(!walk(container, "envFrom[].secretRef").is_atomic_map());
    assert!(walk(pod, "imagePullSecrets[]").is_atomic_map());
    assert!(!walk(pod, "volumes[].secret").is_atomic_map());
    assert!(walk(pod, "volumes[].cephfs.secretRef").is_atomic_map());
    let claims = walk(container, "resources.claims").list_type();
    assert!(matches!(claims, ListType::Map(keys) if keys == ["name"]));
    assert_eq!(walk(pod, "tolerations").list_type(), ListType::Atomic);
    assert!(!walk(container, "resources.requests").is_atomic_map());
    let ports = walk(container, "ports").list_type();
    assert!(matches!(ports, ListType::Map(keys) if keys == ["containerPort", "protocol"]));
    let sts = Type::root("apps/v1", "StatefulSet");
    assert_eq!(
        walk(sts, "spec.volumeClaimTemplates").list_type(),
        ListType::Atomic
    );
    let service = Type::root("v1", "Service");
    assert!(walk(service, "spec.selector").is_atomic_map());
}

// ------------------------------------------------------------ the corpus

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    steps: Vec<Step>,
    object: Option<Value>,
    #[serde(default)]
    managed: BTreeMap<String, Vec<String>>,
    conflicts: Option<Vec<String>>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    manager: Option<String>,
    apply: Option<Value>,
    update: Option<Value>,
    defaulted: Option<Value>,
    #[serde(default)]
    force: bool,
}

/// How a case ended: the state after the last step that went through,
/// and the refusal of the last step, if it was refused.
struct Outcome {
    object: Value,
    managers: Vec<ManagedEntry>,
    refusal: Option<Value>,
}

fn run(case: &Case) -> Result<Outcome, String> {
    let ty = Type::root(&case.api_version, &case.kind);
    let mut object = json!({});
    let mut managers = Vec::new();
    for (index, step) in case.steps.iter().enumerate() {
        let manager = step.manager.as_deref().unwrap_or("");
        let last = index + 1 == case.steps.len();
        let refused = |status: Value| {
            if last {
                Ok(status)
            } else {
                Err(format!("step {} was refused: {status}", index + 1))
            }
        };
        if let Some(config) = &step.apply {
            let duplicates = fieldset::duplicate_items(config, ty);
            if !duplicates.is_empty() {
                let status = json!({"message": duplicates.join("\n")});
                return Ok(Outcome {
                    object,
                    managers,
                    refusal: Some(refused(status)?),
                });
            }
            let applied = ssa::apply(
                &object,
                config,
                ty,
                managers.clone(),
                manager,
                &case.api_version,
                step.force,
            );
            match applied {
                Ok(applied) => {
                    object = applied.object;
                    managers = applied.managers;
                }
                Err(error) => {
                    return Ok(Outcome {
                        object,
                        managers,
                        refusal: Some(refused(error.to_status())?),
                    })
                }
            }
        } else if let Some(new) = &step.update {
            ssa::record_update(
                &mut managers,
                ty,
                Some(&object),
                new,
                manager,
                &case.api_version,
                None,
            );
            object = new.clone();
        } else if let Some(defaults) = &step.defaulted {
            object = merge_patch(&object, defaults);
        } else {
            return Err(format!("step {} does nothing", index + 1));
        }
    }
    Ok(Outcome {
        object,
        managers,
        refusal: None,
    })
}

/// Where the outcome differs from what the case expects.
fn check(case: &Case, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(expected) = &case.object {
        if &outcome.object != expected {
            problems.push(format!(
                "object: expected {expected}, got {}",
                outcome.object
            ));
        }
    }
    for (manager, expected) in &case.managed {
        let mut found: Vec<String> = outcome
            .managers
            .iter()
            .filter(|e| &e.manager == manager)
            .flat_map(|e| e.fields.iter().map(|p| path_string(p)))
            .collect();
        found.sort();
        let mut expected = expected.clone();
        expected.sort();
        if found != expected {
            problems.push(format!(
                "fields of {manager}: expected {expected:#?}, got {found:#?}"
            ));
        }
    }
    let causes: Option<Vec<String>> = outcome.refusal.as_ref().map(|status| {
        let mut causes: Vec<String> = status
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| format!("{}: {}", text(c, "message"), text(c, "field")))
            .collect();
        causes.sort();
        causes
    });
    match (&case.conflicts, &case.error, &outcome.refusal) {
        (Some(expected), None, Some(status)) => {
            let mut expected = expected.clone();
            expected.sort();
            if causes.as_ref() != Some(&expected) {
                problems.push(format!("conflicts: expected {expected:?}, got {causes:?}"));
            }
            if status["code"] != 409 || status["reason"] != "Conflict" {
                problems.push(format!("a conflict is a 409 Conflict, got {status}"));
            }
            for cause in status["details"]["causes"].as_array().into_iter().flatten() {
                if cause["reason"] != "FieldManagerConflict" {
                    problems.push(format!(
                        "cause without reason FieldManagerConflict: {cause}"
                    ));
                }
            }
        }
        (None, Some(expected), Some(status)) => {
            if text(status, "message") != expected {
                problems.push(format!("error: expected {expected:?}, got {status}"));
            }
        }
        (None, None, None) => {}
        (_, _, refusal) => problems.push(format!(
            "expected conflicts {:?} / error {:?}, got refusal {refusal:?}",
            case.conflicts, case.error
        )),
    }
    problems
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn corpus() -> Vec<(String, Case)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ssa-corpus");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("tests/data/ssa-corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable corpus file");
        let parsed: Vec<Case> =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        cases.extend(parsed.into_iter().map(|c| (stem.to_string(), c)));
    }
    cases
}

#[test]
fn every_scenario_of_the_apply_corpus_holds() {
    let cases = corpus();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    // A case that expects nothing would pass whatever the engine did.
    let empty: Vec<&str> = cases
        .iter()
        .filter(|(_, c)| {
            c.object.is_none() && c.managed.is_empty() && c.conflicts.is_none() && c.error.is_none()
        })
        .map(|(_, c)| c.name.as_str())
        .collect();
    assert!(empty.is_empty(), "cases that expect nothing: {empty:?}");
    let mut failures = Vec::new();
    for (file, case) in &cases {
        let problems = match run(case) {
            Ok(outcome) => check(case, &outcome),
            Err(problem) => vec![problem],
        };
        if !problems.is_empty() {
            failures.push(format!(
                "{file}: {}:\n  {}",
                case.name,
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
