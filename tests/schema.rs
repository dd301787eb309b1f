//! Every manifest the tool writes must pass the official Kubernetes JSON
//! schemas in strict mode (no unknown or misplaced field). The schemas come
//! from the `kubernetes-validate` package (PyPI), which `.ci/run` installs.

mod common;

use std::path::Path;
use std::process::Command;

use common::{render_file, render_state, Rendered};

/// The Kubernetes version whose schemas we check against: native sidecars
/// (init containers with restartPolicy) need 1.28 or later.
const KUBERNETES_VERSION: &str = "1.33.0";

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

#[test]
fn every_rendered_manifest_passes_the_strict_kubernetes_schemas() {
    let mut renders: Vec<Rendered> = vec![render_state(ALL_KINDS, &[])];
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            renders.push(render_file(&path, &[]));
        }
    }
    // The kustomization is a kustomize file, not an API object.
    let files: Vec<_> = renders
        .iter()
        .flat_map(|r| r.files.keys().map(move |name| r.dir.join(name)))
        .filter(|path| path.file_name().is_some_and(|n| n != "kustomization.yaml"))
        .collect();
    assert!(
        files.len() > 30,
        "expected many manifests, got {}",
        files.len()
    );
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "-k", KUBERNETES_VERSION])
        .args(&files)
        .output()
        .expect(
            "kubernetes-validate is installed (pip install kubernetes-validate; .ci/run does it)",
        );
    assert!(
        output.status.success(),
        "schema violations:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_schema_check_rejects_an_unknown_field() {
    // Guards the test above: a misplaced field must make the validator fail.
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80}]\n  replicas: 2\n",
    )
    .unwrap();
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "-k", KUBERNETES_VERSION])
        .arg(&bad)
        .output()
        .expect("kubernetes-validate is installed");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("'replicas' was unexpected"));
}
