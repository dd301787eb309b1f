//! Every manifest the tool writes must pass the official Kubernetes 1.33
//! JSON Schemas in strict mode (no unknown or misplaced field, no value of
//! the wrong type or range), checked in Rust by `tests/support/schema_check.rs`
//! against the definitions kept in `tests/data/kubernetes-1.33.json`. The
//! second half proves the check can fail, one rule at a time.

mod common;
#[path = "support/schema_check.rs"]
mod schema_check;

use std::collections::BTreeSet;
use std::path::Path;

use common::{parse_yaml, render_file, render_state, Rendered};
use schema_check::{SchemaError, Schemas};
use serde_json::{json, Value};

/// A state that uses every kind the examples may not cover.
const ALL_KINDS: &str = r#"
namespace: ops
ingress: ops.example.com
_services:
  - name: agent
    kind: DaemonSet
    image: "datadog/agent:7"
    port: 8126
    nodeSelector: "kubernetes.io/os=linux, disk=ssd"
    tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
    hostNetwork: true
    hostPID: true
    strategy: RollingUpdate
    maxUnavailable: "10%"
    volumes: [{type: hostPath, hostPath: /var/run, mountPath: /host/var/run, readOnly: true}]
  - name: migrate
    kind: Job
    image: "ghcr.io/acme/app:2"
    command: "./manage migrate --noinput"
    args: "--verbosity 2"
    restartPolicy: OnFailure
    backoffLimit: "3"
    completions: 1
    parallelism: 1
    activeDeadlineSeconds: 600
    ttlSecondsAfterFinished: 3600
    envVars: [{key: DATABASE_URL, type: secret}]
  - name: report
    kind: CronJob
    image: "ghcr.io/acme/report:1"
    schedule: "*/15 * * * *"
    concurrencyPolicy: Forbid
    suspend: true
    successfulJobsHistoryLimit: 2
    failedJobsHistoryLimit: 1
    startingDeadlineSeconds: 120
    args: [--format, csv]
  - name: api
    image: "ghcr.io/acme/api:3"
    port: 8080
    serviceType: LoadBalancer
    strategy: Recreate
    autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 6, targetCPU: 70, targetMemory: 80}
    mesh: {provider: linkerd, proxyCpuRequest: 50m, logLevel: "warn,linkerd=info", excludeOutbound: [5432]}
    dependencies: [db, cache]
  - name: ledger
    kind: StatefulSet
    image: "ghcr.io/acme/ledger:1"
    port: 7000
    alsoCreateClusterIP: true
    strategy: OnDelete
    autoscaling: {enabled: true, maxReplicas: 4, targetCPU: 60}
    mesh: {provider: kuma, proxyMemLimit: 128Mi}
_infraDecisions:
  - {name: db, kind: Managed, envVars: [{key: DB_HOST, value: db.example.com}, {key: DB_PASSWORD, type: secret}]}
  - {name: cache, kind: Deployment, image: "redis:7", port: 6379, mesh: {provider: consul, proxyCpuLimit: 100m}}
  - {name: search, kind: Skip}
"#;

/// Every kind the tool writes.
const EMITTED_KINDS: &[&str] = &[
    "Namespace",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "Ingress",
];

/// The ALL_KINDS state and every example, rendered into folders.
fn every_render() -> Vec<Rendered> {
    let mut renders: Vec<Rendered> = vec![render_state(ALL_KINDS, &[])];
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/ is readable")
        .map(|entry| entry.expect("an entry of examples/").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 3, "the examples: {paths:?}");
    renders.extend(paths.iter().map(|path| render_file(path, &[])));
    renders
}

fn report(errors: &[SchemaError]) -> String {
    errors.iter().map(|e| format!("  {e}\n")).collect()
}

#[test]
fn every_rendered_manifest_passes_the_strict_kubernetes_schemas() {
    let schemas = Schemas::kubernetes();
    let mut failures = String::new();
    let mut checked = 0;
    let mut kinds = BTreeSet::new();
    for render in every_render() {
        // The kustomization is a kustomize file, not an API object.
        for (name, object) in render
            .files
            .iter()
            .filter(|(n, _)| *n != "kustomization.yaml")
        {
            checked += 1;
            kinds.insert(object["kind"].as_str().unwrap_or_default().to_string());
            if let Err(errors) = schemas.validate(object) {
                failures.push_str(&format!(
                    "{}:\n{}",
                    render.dir.join(name).display(),
                    report(&errors)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "schema violations:\n{failures}");
    assert!(checked > 30, "expected many manifests, got {checked}");
    let expected: BTreeSet<String> = EMITTED_KINDS.iter().map(|k| k.to_string()).collect();
    assert_eq!(kinds, expected, "every kind the tool writes is checked");
}

#[test]
fn every_emitted_kind_has_a_schema() {
    let kinds: BTreeSet<String> = Schemas::kubernetes()
        .kinds()
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    for kind in EMITTED_KINDS {
        assert!(kinds.contains(*kind), "{kind} in {kinds:?}");
    }
}

/// The errors of one object (given as YAML), as `path: found …; expected …` lines.
fn errors_of(yaml: &str) -> Vec<String> {
    match Schemas::kubernetes().validate(&parse_yaml(yaml)) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

const SERVICE: &str =
    "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80}]\n";

#[test]
fn a_valid_object_passes() {
    assert_eq!(errors_of(SERVICE), Vec::<String>::new());
}

#[test]
fn an_unknown_field_is_an_error_naming_the_known_ones() {
    let errors = errors_of(&format!("{SERVICE}  replicas: 2\n"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "spec.replicas: found the unknown field `replicas`; expected one of the fields "
        ),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("clusterIP") && errors[0].contains("selector"),
        "{errors:?}"
    );
    let errors =
        errors_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, lables: {a: b}}\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("metadata.lables: found the unknown field `lables`"),
        "{errors:?}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_an_error() {
    let errors = errors_of(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: '3'\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: x, image: nginx, ports: [{containerPort: true}]}]}\n",
    );
    assert_eq!(
        errors,
        [
            "spec.replicas: found the string \"3\"; expected integer or null",
            "spec.template.spec.containers[0].ports[0].containerPort: found true; expected integer",
        ]
    );
}

#[test]
fn a_missing_required_field_is_an_error() {
    let errors = errors_of(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec: {containers: [{image: busybox}]}\n",
    );
    assert_eq!(
        errors,
        ["spec.template.spec.containers[0].name: found nothing; expected a value (the field is required)"]
    );
}

#[test]
fn a_value_outside_the_enumeration_is_an_error() {
    let service = parse_yaml(&SERVICE.replace("apiVersion: v1", "apiVersion: apps/v1"));
    let errors = Schemas::kubernetes()
        .validate_as("io.k8s.api.core.v1.Service", &service)
        .expect_err("apps/v1 is not the Service's apiVersion");
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["apiVersion: found the string \"apps/v1\"; expected one of \"v1\""]
    );
    // Through `validate`, an unknown apiVersion/kind pair names the known ones.
    let errors = errors_of(&SERVICE.replace("kind: Service", "kind: Servcie"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("(the object): found apiVersion \"v1\", kind \"Servcie\"; expected one of the kinds with a schema: "), "{errors:?}");
    assert!(errors[0].contains("apps/v1 Deployment"), "{errors:?}");
}

#[test]
fn integers_must_fit_their_format() {
    let errors = errors_of(&SERVICE.replace("port: 80", "port: 2147483648"));
    assert_eq!(
        errors,
        ["spec.ports[0].port: found 2147483648; expected a whole number from -2147483648 to 2147483647 (int32)"]
    );
    assert_eq!(
        errors_of(&SERVICE.replace("port: 80", "port: 80.5")),
        ["spec.ports[0].port: found 80.5; expected integer"]
    );
    assert_eq!(
        errors_of(&SERVICE.replace("port: 80", "port: 80.0")),
        Vec::<String>::new()
    );
    let errors = errors_of(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  activeDeadlineSeconds: 9223372036854775808\n  template:\n    spec: {containers: [{name: x, image: busybox}]}\n",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "spec.activeDeadlineSeconds: found 9223372036854775808; expected a whole number"
        ),
        "{errors:?}"
    );
}

#[test]
fn int_or_string_and_quantity_take_exactly_one_shape() {
    let deployment = |surge: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: x}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  strategy: {{rollingUpdate: {{maxSurge: {surge}}}}}\n  template:\n    metadata: {{labels: {{app: x}}}}\n    spec: {{containers: [{{name: x, image: nginx, resources: {{limits: {{cpu: 500m, memory: 1}}}}}}]}}\n")
    };
    assert_eq!(errors_of(&deployment("1")), Vec::<String>::new());
    assert_eq!(errors_of(&deployment("'25%'")), Vec::<String>::new());
    assert_eq!(
        errors_of(&deployment("[1]")),
        ["spec.strategy.rollingUpdate.maxSurge: found a list of 1 items; expected exactly one of: string or null; integer or null"]
    );
    let errors = errors_of(&deployment("1").replace("cpu: 500m", "cpu: {m: 500}"));
    assert_eq!(
        errors,
        ["spec.template.spec.containers[0].resources.limits.cpu: found an object; expected exactly one of: string or null; number or null"]
    );
}

#[test]
fn secret_data_must_be_base64_and_times_rfc3339() {
    let secret = |data: &str| {
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: x}}\ndata: {{k: '{data}'}}\n")
    };
    assert_eq!(errors_of(&secret("aGVsbG8=")), Vec::<String>::new());
    assert_eq!(
        errors_of(&secret("hello!")),
        ["data.k: found the string \"hello!\"; expected base64 text (format byte)"]
    );
    let created = |time: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x, creationTimestamp: '{time}'}}\n"
        )
    };
    assert_eq!(
        errors_of(&created("2026-12-05T10:00:00Z")),
        Vec::<String>::new()
    );
    assert_eq!(
        errors_of(&created("2026-12-05T10:00:00.5+01:00")),
        Vec::<String>::new()
    );
    for bad in ["2026-12-05 10:00:00", "2026-13-05T10:00:00Z", "yesterday"] {
        let errors = errors_of(&created(bad));
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert!(
            errors[0].starts_with("metadata.creationTimestamp: found"),
            "{errors:?}"
        );
    }
}

#[test]
fn list_map_keys_must_be_unique() {
    let errors = errors_of(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: x, finalizers: [a, a]}\nspec: {}\n",
    );
    assert_eq!(
        errors,
        ["metadata.finalizers[1]: found the same value as item 0; expected unique items (x-kubernetes-list-type: set)"]
    );
    let errors = errors_of(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec: {containers: [{name: x, image: a}, {name: x, image: b}]}\n",
    );
    assert_eq!(
        errors,
        ["spec.template.spec.containers[1]: found the same name as item 0; expected unique items (x-kubernetes-list-type: map)"]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let errors = errors_of(&format!("{SERVICE}  replicas: 2\n  type: 7\nstatus: []\n"));
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn a_keyword_the_checker_does_not_implement_stops_loading() {
    let doc = json!({"$defs": {
        "a": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}},
        "b": {"$ref": "#/$defs/missing"},
        "c": {"type": "string", "format": "uuid"},
    }});
    let problems = match Schemas::from_document(&doc) {
        Ok(_) => panic!("loaded a schema with an unknown keyword"),
        Err(problems) => problems,
    };
    assert_eq!(
        problems,
        [
            "#/$defs/a/properties/n/minimum: keyword `minimum` is not implemented by tests/support/schema_check.rs",
            "#/$defs/b/$ref: \"#/$defs/missing\" resolves to no definition",
            "#/$defs/c/format: format \"uuid\" is not checked by schema_check",
        ]
    );
    // The committed definitions load: every keyword in them is handled.
    let committed: Value =
        serde_json::from_str(include_str!("data/kubernetes-1.33.json")).expect("JSON");
    assert!(Schemas::from_document(&committed).is_ok());
}
