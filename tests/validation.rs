//! Bad input, through the built binary: every validation rule of STATE.md §1
//! (and the ones added since) rejects the state with exit status 2, names
//! the path of the offending value, what was found and what is allowed, and
//! leaves the output folder alone. Warnings print and exit 0, `--strict`
//! makes them fatal.

mod common;

use common::{status, stderr, stdout, StateDir};
use serde_json::{json, Value};

/// A service with the two required fields, plus `extra`.
fn svc(extra: Value) -> Value {
    let mut base = json!({"name": "web", "image": "nginx:1.27"});
    let (Value::Object(base_map), Value::Object(extra_map)) = (&mut base, extra) else {
        panic!("svc takes an object");
    };
    base_map.extend(extra_map);
    base
}

/// A bare state with these services.
fn services(list: Value) -> Value {
    json!({ "_services": list })
}

/// Stderr must be one readable report, never a panic or a backtrace.
fn assert_no_panic(err: &str) {
    for bad in ["panicked", "backtrace", "internal error", "RUST_BACKTRACE"] {
        assert!(!err.contains(bad), "stderr shows a crash ({bad}):\n{err}");
    }
}

/// The `error: <path>: …` line for `path` that contains every fragment.
fn assert_error(err: &str, path: &str, fragments: &[&str]) {
    // A finding about the document as a whole has no path.
    let prefix = if path.is_empty() {
        "error: ".to_string()
    } else {
        format!("error: {path}: ")
    };
    let found = err
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .any(|l| fragments.iter().all(|f| l.contains(f)));
    assert!(
        found,
        "no error at `{path}` saying {fragments:?}; stderr was:\n{err}"
    );
}

/// Render `state` (JSON text is YAML) in a fresh folder and expect it to
/// be rejected with every `(path, fragments)` error. Returns stderr.
fn rejected_text(state: &str, expected: &[(&str, &[&str])]) -> String {
    let dir = StateDir::new(state);
    let out = dir.run(&["render", "-f", "state.yaml"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 2, "exit status; stderr:\n{err}");
    assert_eq!(stdout(&out), "", "nothing is reported as written");
    assert_no_panic(&err);
    assert!(
        !dir.join("k8s").exists(),
        "the output folder must not be created for an invalid state"
    );
    for (path, fragments) in expected {
        assert_error(&err, path, fragments);
    }
    err
}

fn rejected(state: Value, expected: &[(&str, &[&str])]) -> String {
    rejected_text(&state.to_string(), expected)
}

/// Render a state that must pass; returns (stdout of `-o yaml`, stderr).
fn accepted(state: Value, extra_args: &[&str]) -> (String, String) {
    let dir = StateDir::new(&state.to_string());
    let mut args = vec!["render", "-f", "state.yaml", "-o", "yaml"];
    args.extend_from_slice(extra_args);
    let out = dir.run(&args);
    let err = stderr(&out);
    assert_eq!(status(&out), 0, "exit status; stderr:\n{err}");
    assert_no_panic(&err);
    (stdout(&out), err)
}

/// A state that is valid but earns `warning: <path>: …`; with `--strict`
/// the same finding is an error with exit status 2.
fn warned(state: Value, path: &str, fragments: &[&str]) {
    let dir = StateDir::new(&state.to_string());
    let out = dir.run(&["render", "-f", "state.yaml"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 0, "a warning is not fatal; stderr:\n{err}");
    assert_no_panic(&err);
    let prefix = format!("warning: {path}: ");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&prefix) && fragments.iter().all(|f| l.contains(f))),
        "no warning at `{path}` saying {fragments:?}; stderr was:\n{err}"
    );
    assert!(dir.join("k8s/kustomization.yaml").exists(), "files written");

    let strict = StateDir::new(&state.to_string());
    let out = strict.run(&["render", "-f", "state.yaml", "--strict"]);
    let err = stderr(&out);
    assert_eq!(
        status(&out),
        2,
        "--strict makes warnings fatal; stderr:\n{err}"
    );
    assert_no_panic(&err);
    assert_error(&err, path, fragments);
    assert!(
        !strict.join("k8s").exists(),
        "nothing written under --strict"
    );
}

const DNS_RULE: &str = "DNS-1123 label";

// ---------------------------------------------------------------- names

#[test]
fn service_name_must_be_a_dns_label() {
    rejected(
        services(json!([svc(json!({"name": "Web_App"}))])),
        &[("_services[0].name", &["\"Web_App\"", DNS_RULE])],
    );
}

#[test]
fn service_name_is_at_most_63_characters() {
    let long = "a".repeat(64);
    rejected(
        services(json!([svc(json!({"name": long}))])),
        &[("_services[0].name", &[&long, "64 characters", "at most 63"])],
    );
}

#[test]
fn service_name_is_required() {
    rejected(
        services(json!([{"image": "nginx"}])),
        &[("_services[0].name", &["found nothing", "required"])],
    );
}

#[test]
fn container_names_must_be_dns_labels() {
    rejected(
        services(json!([svc(json!({
            "initContainers": [{"name": "Migrate", "image": "x"}],
            "sidecars": [{"name": "-log", "image": "x"}],
            "companions": [{"name": "redis_cache", "image": "redis"}],
        }))])),
        &[
            (
                "_services[0].initContainers[0].name",
                &["\"Migrate\"", DNS_RULE],
            ),
            ("_services[0].sidecars[0].name", &["\"-log\"", DNS_RULE]),
            (
                "_services[0].companions[0].name",
                &["\"redis_cache\"", DNS_RULE],
            ),
        ],
    );
}

#[test]
fn volume_names_must_be_dns_labels() {
    rejected(
        services(json!([svc(json!({"volumes": [
            {"name": "Data", "type": "pvc-dynamic", "mountPath": "/data"},
            {"name": "scratch.space", "type": "emptyDir", "mountPath": "/tmp/s"},
        ]}))])),
        &[
            ("_services[0].volumes[0].name", &["\"Data\"", DNS_RULE]),
            (
                "_services[0].volumes[1].name",
                &["\"scratch.space\"", DNS_RULE],
            ),
        ],
    );
}

#[test]
fn claim_template_name_must_be_a_dns_label() {
    rejected(
        services(json!([svc(
            json!({"kind": "StatefulSet", "volumeClaimTemplates": [
                {"name": "data", "mountPath": "/data"},
                {"name": "Logs", "mountPath": "/logs"},
            ]})
        )])),
        &[(
            "_services[0].volumeClaimTemplates[1].name",
            &["\"Logs\"", DNS_RULE],
        )],
    );
}

#[test]
fn headless_service_name_must_be_a_dns_label() {
    rejected(
        services(json!([svc(
            json!({"kind": "StatefulSet", "headlessServiceName": "web.headless"})
        )])),
        &[(
            "_services[0].headlessServiceName",
            &["\"web.headless\"", DNS_RULE],
        )],
    );
}

#[test]
fn namespace_must_be_a_dns_label() {
    let mut state = services(json!([svc(json!({}))]));
    state["namespace"] = json!("Prod");
    rejected(state, &[("namespace", &["\"Prod\"", DNS_RULE])]);
}

#[test]
fn namespace_flag_must_be_a_dns_label() {
    let dir = StateDir::new(&services(json!([svc(json!({}))])).to_string());
    let out = dir.run(&["render", "-f", "state.yaml", "-n", "Team_A"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 2);
    assert_error(&err, "--namespace", &["\"Team_A\"", DNS_RULE]);
    assert!(!dir.join("k8s").exists());
}

// ------------------------------------------------------------ duplicates

#[test]
fn two_services_with_one_name() {
    rejected(
        services(json!([svc(json!({})), svc(json!({"image": "other"}))])),
        &[(
            "_services[1].name",
            &["\"web\" again", "first at _services[0]"],
        )],
    );
}

#[test]
fn a_service_and_an_infra_decision_with_one_name() {
    let mut state = services(json!([svc(json!({"name": "db"}))]));
    state["_infraDecisions"] = json!([{"name": "db", "kind": "Managed"}]);
    rejected(
        state,
        &[(
            "_infraDecisions[0].name",
            &["\"db\" again", "first at _services[0]"],
        )],
    );
}

#[test]
fn two_containers_with_one_name_in_a_pod() {
    rejected(
        services(json!([svc(json!({
            "initContainers": [{"name": "setup", "image": "x"}],
            "sidecars": [{"name": "setup", "image": "y"}],
            "companions": [{"name": "web", "image": "z"}],
        }))])),
        &[
            (
                "_services[0].sidecars[0].name",
                &["\"setup\" twice", "pod of web"],
            ),
            (
                "_services[0].companions[0].name",
                &["\"web\" twice", "pod of web"],
            ),
        ],
    );
}

#[test]
fn an_init_container_may_not_take_a_generated_wait_for_name() {
    rejected(
        services(json!([
            svc(json!({
                "dependencies": ["db"],
                "initContainers": [{"name": "wait-for-db", "image": "busybox"}],
            })),
            svc(json!({"name": "db", "image": "postgres:16", "port": 5432})),
        ])),
        &[(
            "_services[0].initContainers[0].name",
            &["\"wait-for-db\" twice", "pod of web"],
        )],
    );
}

#[test]
fn a_companion_wait_for_counts_as_a_container_name() {
    rejected(
        services(json!([
            svc(json!({
                "initContainers": [{"name": "wait-for-db", "image": "busybox"}],
                "companions": [{"name": "cache", "image": "redis", "dependsOn": "db"}],
            })),
            svc(json!({"name": "db", "image": "postgres:16", "port": 5432})),
        ])),
        &[(
            "_services[0].companions[0].dependsOn",
            &["\"wait-for-db\" twice"],
        )],
    );
}

#[test]
fn one_volume_name_with_two_definitions() {
    rejected(
        services(json!([svc(json!({"volumes": [
            {"name": "cache", "type": "emptyDir", "mountPath": "/a"},
            {"name": "cache", "type": "emptyDir", "medium": "Memory", "mountPath": "/b"},
        ]}))])),
        &[(
            "_services[0].volumes[1].name",
            &["second volume named \"cache\"", "different definition"],
        )],
    );
}

#[test]
fn one_volume_name_with_one_definition_is_shared() {
    let (out, _) = accepted(
        services(json!([svc(json!({"volumes": [
            {"name": "cache", "type": "emptyDir", "mountPath": "/a"},
            {"name": "cache", "type": "emptyDir", "mountPath": "/b"},
        ]}))])),
        &[],
    );
    assert_eq!(
        out.matches("emptyDir: {}").count(),
        1,
        "one pod volume:\n{out}"
    );
    assert!(out.contains("mountPath: /a") && out.contains("mountPath: /b"));
}

#[test]
fn two_mounts_on_one_path_in_a_container() {
    rejected(
        services(json!([svc(json!({
            "volumes": [
                {"name": "a", "type": "emptyDir", "mountPath": "/data"},
                {"name": "b", "type": "emptyDir", "mountPath": "/data"},
            ],
        }))])),
        &[(
            "_services[0].volumes[1].mountPath",
            &["\"/data\" again", "volume \"a\""],
        )],
    );
}

#[test]
fn a_claim_template_and_a_shared_volume_on_one_path() {
    rejected(
        services(json!([svc(json!({
            "kind": "StatefulSet",
            "volumeClaimTemplates": [{"name": "data", "mountPath": "/var/log"}],
            "sidecars": [{"name": "ship", "image": "x", "sharedVolume": "logs", "sharedMount": "/var/log"}],
        }))])),
        &[(
            "_services[0].sidecars[0].sharedMount",
            &["\"/var/log\" again", "volume \"data\""],
        )],
    );
}

#[test]
fn claim_template_names_are_the_pod_volumes_own() {
    rejected(
        services(json!([svc(json!({
            "kind": "StatefulSet",
            "volumeClaimTemplates": [
                {"name": "data", "mountPath": "/data"},
                {"name": "data", "mountPath": "/data2"},
                {"name": "logs", "mountPath": "/logs"},
            ],
            "sidecars": [{"name": "ship", "image": "x", "sharedVolume": "logs", "sharedMount": "/ship"}],
        })),])),
        &[
            (
                "_services[0].volumeClaimTemplates[1].name",
                &["claim template \"data\" again"],
            ),
            (
                "_services[0].volumeClaimTemplates[2].name",
                &["claim template \"logs\"", "also the name of another volume"],
            ),
        ],
    );
    // An infra StatefulSet's PVC volume is a claim template: the path is
    // the entry's, and the mount-path rule names it too.
    rejected(
        json!({"_infraDecisions": [{
            "name": "cache", "kind": "StatefulSet", "image": "redis",
            "volumes": [
                {"name": "data", "type": "pvc-dynamic", "mountPath": "/data"},
                {"name": "data", "type": "emptyDir", "mountPath": "/tmp"},
                {"name": "more", "type": "pvc-dynamic", "mountPath": "/tmp"},
            ],
        }]}),
        &[
            (
                "_infraDecisions[0].volumes[0].name",
                &["claim template \"data\"", "also the name of another volume"],
            ),
            (
                "_infraDecisions[0].volumes[2].mountPath",
                &["\"/tmp\" again"],
            ),
        ],
    );
}

#[test]
fn duplicate_environment_key() {
    rejected(
        services(json!([svc(json!({"envVars": [
            {"key": "MODE", "value": "a"},
            {"key": "MODE", "type": "secret"},
        ]}))])),
        &[("_services[0].envVars[1].key", &["\"MODE\" again"])],
    );
}

// --------------------------------------------------------------- numbers

#[test]
fn ports_are_1_to_65535() {
    rejected(
        services(json!([svc(json!({
            "port": 0,
            "servicePort": "65536",
            "companions": [{"name": "side", "image": "x", "port": -1}],
            "readinessProbe": {"type": "tcp", "port": 70000},
        }))])),
        &[
            ("_services[0].port", &["found 0", "1 to 65535"]),
            ("_services[0].servicePort", &["found 65536", "1 to 65535"]),
            (
                "_services[0].companions[0].port",
                &["found -1", "1 to 65535"],
            ),
            (
                "_services[0].readinessProbe.port",
                &["found 70000", "1 to 65535"],
            ),
        ],
    );
}

#[test]
fn replicas_at_least_zero() {
    rejected(
        services(json!([svc(json!({"replicas": -1}))])),
        &[("_services[0].replicas", &["found -1", "at least 0"])],
    );
}

#[test]
fn partition_at_least_zero() {
    rejected(
        services(json!([svc(
            json!({"kind": "StatefulSet", "partition": "-2"})
        )])),
        &[("_services[0].partition", &["found -2", "at least 0"])],
    );
}

#[test]
fn numbers_written_as_strings_must_hold_a_number() {
    rejected(
        services(json!([svc(json!({
            "port": "80a",
            "replicas": "two",
            "readinessProbe": {"type": "http", "periodSeconds": "10s", "port": 8080},
        }))])),
        &[
            ("_services[0].port", &["found \"80a\"", "whole number"]),
            ("_services[0].replicas", &["found \"two\"", "whole number"]),
            (
                "_services[0].readinessProbe.periodSeconds",
                &["found \"10s\"", "whole number"],
            ),
        ],
    );
}

#[test]
fn an_empty_string_where_a_number_is_required() {
    // An http probe needs a port; without a service port, "" leaves none.
    rejected(
        services(json!([svc(
            json!({"readinessProbe": {"type": "http", "port": ""}})
        )])),
        &[(
            "_services[0].readinessProbe.port",
            &["found \"\"", "needs a port"],
        )],
    );
}

#[test]
fn numbers_as_strings_are_accepted() {
    let (out, _) = accepted(
        services(json!([svc(
            json!({"port": "8080", "replicas": "3", "maxSurge": "25%", "maxUnavailable": "1"})
        )])),
        &[],
    );
    for expected in [
        "containerPort: 8080",
        "replicas: 3",
        "maxSurge: 25%",
        "maxUnavailable: 1",
    ] {
        assert!(out.contains(expected), "{expected} in:\n{out}");
    }
}

#[test]
fn percentages_above_100_only_for_max_surge() {
    // The API lets a rollout surge past the replica count, but never
    // take more than all pods away.
    let (out, _) = accepted(
        services(json!([svc(
            json!({"maxSurge": "150%", "maxUnavailable": "100%"})
        )])),
        &[],
    );
    assert!(out.contains("maxSurge: 150%"), "{out}");
    rejected(
        services(json!([
            svc(json!({"maxUnavailable": "101%"})),
            svc(json!({"name": "agent", "kind": "DaemonSet", "maxUnavailable": "150%"})),
            svc(json!({"name": "api", "maxSurge": "-5%"})),
        ])),
        &[
            (
                "_services[0].maxUnavailable",
                &["\"101%\"", "from 0% to 100%"],
            ),
            (
                "_services[1].maxUnavailable",
                &["\"150%\"", "from 0% to 100%"],
            ),
            ("_services[2].maxSurge", &["\"-5%\"", "of at least 0%"]),
        ],
    );
}

#[test]
fn daemonset_rollout_must_be_able_to_replace_a_pod() {
    // A DaemonSet here has no maxSurge (0), so 0 unavailable would let no
    // pod be replaced; the API server rejects it.
    rejected(
        services(json!([
            svc(json!({"kind": "DaemonSet", "maxUnavailable": 0})),
            svc(json!({"name": "b", "kind": "DaemonSet", "maxUnavailable": "0%"})),
        ])),
        &[
            (
                "_services[0].maxUnavailable",
                &["found 0", "at least one pod"],
            ),
            (
                "_services[1].maxUnavailable",
                &["found \"0%\"", "at least one pod"],
            ),
        ],
    );
}

#[test]
fn toleration_seconds_need_effect_no_execute() {
    rejected(
        services(json!([svc(json!({"kind": "DaemonSet", "tolerations": [
            {"key": "a", "operator": "Equal", "value": "b", "effect": "NoSchedule", "tolerationSeconds": 30},
            {"key": "c", "operator": "Exists", "tolerationSeconds": "10"},
            {"key": "d", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10},
        ]}))])),
        &[
            (
                "_services[0].tolerations[0].tolerationSeconds",
                &["effect NoSchedule", "needs effect NoExecute"],
            ),
            (
                "_services[0].tolerations[1].tolerationSeconds",
                &["effect (none)", "needs effect NoExecute"],
            ),
        ],
    );
}

#[test]
fn job_counts_must_be_whole_numbers() {
    rejected(
        services(json!([svc(
            json!({"kind": "Job", "backoffLimit": "3x", "completions": -1})
        )])),
        &[
            (
                "_services[0].backoffLimit",
                &["found \"3x\"", "whole number"],
            ),
            ("_services[0].completions", &["found -1", "at least 0"]),
        ],
    );
}

// ------------------------------------------------------------ quantities

const QUANTITY_RULE: &str = "Kubernetes quantity";

#[test]
fn sizes_must_be_quantities() {
    rejected(
        services(json!([svc(
            json!({"kind": "StatefulSet", "volumeClaimTemplates": [
                {"name": "data", "mountPath": "/data", "size": "10Gi"},
                {"name": "logs", "mountPath": "/logs", "size": "10GB"},
            ]})
        )])),
        &[(
            "_services[0].volumeClaimTemplates[1].size",
            &["found \"10GB\"", QUANTITY_RULE, "10Gi"],
        )],
    );
}

#[test]
fn cpu_and_memory_must_be_quantities() {
    rejected(
        services(json!([svc(json!({
            "resources": {"cpu_request": "ten", "memory_limit": "512MB"},
            "cpuLimit": "1 core",
        }))])),
        &[
            (
                "_services[0].resources.cpu_request",
                &["found \"ten\"", QUANTITY_RULE],
            ),
            (
                "_services[0].resources.memory_limit",
                &["found \"512MB\"", QUANTITY_RULE],
            ),
            (
                "_services[0].cpuLimit",
                &["found \"1 core\"", QUANTITY_RULE],
            ),
        ],
    );
}

#[test]
fn valid_quantities_are_accepted() {
    let (out, _) = accepted(
        services(json!([svc(json!({
            "resources": {"cpu_request": "500m", "cpu_limit": 0.5, "memory_request": "10Gi"},
            "volumes": [{"name": "d", "type": "pvc-dynamic", "mountPath": "/d", "size": "10Gi"}],
        }))])),
        &[],
    );
    for expected in ["cpu: 500m", "cpu: '0.5'", "memory: 10Gi", "storage: 10Gi"] {
        assert!(out.contains(expected), "{expected} in:\n{out}");
    }
}

// ---------------------------------------------------------- enumerations

/// A value outside an enumeration is rejected, naming every allowed value.
fn enumeration(service: Value, path: &str, found: &str, allowed: &[&str]) {
    let found = format!("found \"{found}\"");
    let list = format!("allowed values are {}", allowed.join(", "));
    rejected(
        services(json!([service])),
        &[(path, &[found.as_str(), list.as_str()])],
    );
}

#[test]
fn kind_enumeration() {
    enumeration(
        svc(json!({"kind": "Deploymnt"})),
        "_services[0].kind",
        "Deploymnt",
        &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"],
    );
}

#[test]
fn infra_kind_enumeration() {
    let state = json!({"_infraDecisions": [{"name": "db", "kind": "External"}]});
    rejected(
        state,
        &[(
            "_infraDecisions[0].kind",
            &[
                "found \"External\"",
                "Skip, Managed, StatefulSet, Deployment, DaemonSet",
            ],
        )],
    );
}

#[test]
fn deployment_strategy_enumeration() {
    enumeration(
        svc(json!({"strategy": "OnDelete"})),
        "_services[0].strategy",
        "OnDelete",
        &["RollingUpdate", "Recreate"],
    );
}

#[test]
fn statefulset_strategy_enumeration() {
    enumeration(
        svc(json!({"kind": "StatefulSet", "strategy": "Recreate"})),
        "_services[0].strategy",
        "Recreate",
        &["RollingUpdate", "OnDelete"],
    );
}

#[test]
fn daemonset_strategy_enumeration() {
    enumeration(
        svc(json!({"kind": "DaemonSet", "strategy": "Canary"})),
        "_services[0].strategy",
        "Canary",
        &["RollingUpdate", "OnDelete"],
    );
}

#[test]
fn pod_management_policy_enumeration() {
    enumeration(
        svc(json!({"kind": "StatefulSet", "podManagementPolicy": "parallel"})),
        "_services[0].podManagementPolicy",
        "parallel",
        &["OrderedReady", "Parallel"],
    );
}

#[test]
fn access_mode_enumeration() {
    let modes = [
        "ReadWriteOnce",
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOncePod",
    ];
    enumeration(
        svc(
            json!({"volumes": [{"name": "d", "type": "pvc-dynamic", "mountPath": "/d", "accessMode": "RWO"}]}),
        ),
        "_services[0].volumes[0].accessMode",
        "RWO",
        &modes,
    );
    enumeration(
        svc(
            json!({"kind": "StatefulSet", "volumeClaimTemplates": [{"name": "d", "mountPath": "/d", "accessMode": "RWX"}]}),
        ),
        "_services[0].volumeClaimTemplates[0].accessMode",
        "RWX",
        &modes,
    );
}

#[test]
fn probe_type_enumeration() {
    enumeration(
        svc(json!({"port": 80, "livenessProbe": {"type": "grpc"}})),
        "_services[0].livenessProbe.type",
        "grpc",
        &["http", "tcp", "exec"],
    );
}

#[test]
fn volume_type_enumeration() {
    enumeration(
        svc(json!({"volumes": [{"name": "n", "type": "nfs", "mountPath": "/n"}]})),
        "_services[0].volumes[0].type",
        "nfs",
        &[
            "pvc-dynamic",
            "pvc-static",
            "emptyDir",
            "configMap",
            "secret",
            "hostPath",
        ],
    );
}

#[test]
fn mesh_provider_enumeration() {
    enumeration(
        svc(json!({"mesh": {"provider": "envoy"}})),
        "_services[0].mesh.provider",
        "envoy",
        &["istio", "linkerd", "consul", "kuma"],
    );
}

#[test]
fn restart_policy_enumeration() {
    enumeration(
        svc(json!({"kind": "Job", "restartPolicy": "Always"})),
        "_services[0].restartPolicy",
        "Always",
        &["Never", "OnFailure"],
    );
}

#[test]
fn concurrency_policy_enumeration() {
    enumeration(
        svc(json!({"kind": "CronJob", "schedule": "@daily", "concurrencyPolicy": "Sometimes"})),
        "_services[0].concurrencyPolicy",
        "Sometimes",
        &["Allow", "Forbid", "Replace"],
    );
}

#[test]
fn service_type_enumeration() {
    enumeration(
        svc(json!({"port": 80, "serviceType": "ExternalName"})),
        "_services[0].serviceType",
        "ExternalName",
        &["ClusterIP", "NodePort", "LoadBalancer"],
    );
}

#[test]
fn env_type_enumeration() {
    enumeration(
        svc(json!({"envVars": [{"key": "A", "type": "file"}]})),
        "_services[0].envVars[0].type",
        "file",
        &["hardcoded", "plain", "variable", "secret"],
    );
}

// ------------------------------------------------- references and values

#[test]
fn unknown_dependency_suggests_the_closest_name() {
    let mut state = services(json!([svc(json!({"dependencies": ["postgress"]}))]));
    state["_infraDecisions"] = json!([{"name": "postgres", "kind": "Managed"}]);
    rejected(
        state,
        &[(
            "_services[0].dependencies[0]",
            &[
                "found \"postgress\"",
                "names no service",
                "did you mean \"postgres\"?",
            ],
        )],
    );
}

#[test]
fn unknown_companion_dependency() {
    rejected(
        services(json!([svc(
            json!({"companions": [{"name": "c", "image": "x", "dependsOn": "queue"}]})
        )])),
        &[(
            "_services[0].companions[0].dependsOn",
            &["found \"queue\"", "names no service"],
        )],
    );
}

#[test]
fn mount_paths_must_be_absolute() {
    rejected(
        services(json!([svc(json!({
            "volumes": [{"name": "d", "type": "emptyDir", "mountPath": "data"}],
            "sidecars": [{"name": "s", "image": "x", "sharedVolume": "v", "sharedMount": "logs/"}],
        }))])),
        &[
            (
                "_services[0].volumes[0].mountPath",
                &["found \"data\"", "absolute path"],
            ),
            (
                "_services[0].sidecars[0].sharedMount",
                &["found \"logs/\"", "absolute path"],
            ),
        ],
    );
}

#[test]
fn claim_template_mount_path_must_be_absolute() {
    rejected(
        services(json!([svc(
            json!({"kind": "StatefulSet", "volumeClaimTemplates": [
                {"name": "data", "mountPath": "var/lib/data"},
            ]})
        )])),
        &[(
            "_services[0].volumeClaimTemplates[0].mountPath",
            &["found \"var/lib/data\"", "absolute path"],
        )],
    );
}

#[test]
fn dependencies_in_a_circle() {
    // Each pod's wait-for would wait for the other's pods, forever; the
    // circle is reported once, where it starts in the state.
    rejected(
        json!({
            "_services": [
                svc(json!({"port": 80, "dependencies": ["api"]})),
                svc(json!({"name": "api", "port": 8080,
                    "companions": [{"name": "worker", "image": "w", "dependsOn": "queue"}]})),
            ],
            "_infraDecisions": [
                {"name": "queue", "kind": "Deployment", "image": "rabbitmq", "port": 5672,
                 "dependencies": ["web"]},
            ],
        }),
        &[(
            "_services[0].dependencies[0]",
            &["circle of dependencies (web → api → queue → web)"],
        )],
    );
    // A chain without a circle is fine, and so is waiting for a service
    // that waits for something else.
    accepted(
        json!({
            "_services": [
                svc(json!({"port": 80, "dependencies": ["api", "queue"]})),
                svc(json!({"name": "api", "port": 8080, "dependencies": ["queue"]})),
            ],
            "_infraDecisions": [
                {"name": "queue", "kind": "StatefulSet", "image": "rabbitmq", "port": 5672},
            ],
        }),
        &[],
    );
}

#[test]
fn ingress_host_must_be_a_dns_name() {
    for (host, fragment) in [
        ("Shop.Example.com", "host name such as app.example.com"),
        ("shop example.com", "host name such as app.example.com"),
        ("10.0.0.1", "an IP address"),
    ] {
        rejected(
            json!({"ingress": host, "_services": [svc(json!({"port": 80}))]}),
            &[("ingress", &[&format!("found \"{host}\""), fragment])],
        );
    }
}

#[test]
fn image_must_not_be_empty() {
    rejected(
        services(json!([
            svc(json!({"image": ""})),
            {"name": "api"},
            svc(json!({"name": "job", "sidecars": [{"name": "s", "image": ""}]})),
        ])),
        &[
            (
                "_services[0].image",
                &["found \"\"", "an image is required"],
            ),
            (
                "_services[1].image",
                &["found nothing", "an image is required"],
            ),
            (
                "_services[2].sidecars[0].image",
                &["found \"\"", "an image is required"],
            ),
        ],
    );
}

#[test]
fn image_of_white_space_is_empty() {
    rejected(
        services(json!([
            svc(json!({"image": "   "})),
            svc(json!({"name": "api", "image": "nginx latest"})),
            svc(json!({"name": "job", "initContainers": [{"name": "i", "image": "\t"}]})),
        ])),
        &[
            (
                "_services[0].image",
                &["found \"   \"", "an image is required"],
            ),
            (
                "_services[1].image",
                &["found \"nginx latest\"", "no white space"],
            ),
            (
                "_services[2].initContainers[0].image",
                &["an image is required"],
            ),
        ],
    );
}

#[test]
fn image_surrounding_white_space_is_dropped() {
    let (out, _) = accepted(
        services(json!([svc(json!({"image": " nginx:1.27 "}))])),
        &[],
    );
    assert!(
        out.contains("image: nginx:1.27\n"),
        "the image is written without the spaces:\n{out}"
    );
}

#[test]
fn cron_schedule_must_have_five_fields() {
    rejected(
        services(json!([
            svc(json!({"kind": "CronJob", "schedule": "* * *"})),
            svc(json!({"name": "b", "kind": "CronJob", "schedule": "61 * * * *"})),
            svc(json!({"name": "c", "kind": "CronJob", "schedule": "@fortnightly"})),
            svc(json!({"name": "d", "kind": "CronJob"})),
        ])),
        &[
            (
                "_services[0].schedule",
                &["found \"* * *\"", "five-field cron expression", "@hourly"],
            ),
            (
                "_services[1].schedule",
                &["found \"61 * * * *\"", "minute", "0-59"],
            ),
            (
                "_services[2].schedule",
                &["found \"@fortnightly\"", "five-field cron expression"],
            ),
            (
                "_services[3].schedule",
                &["found nothing", "schedule", "required"],
            ),
        ],
    );
}

#[test]
fn cron_macros_and_ranges_are_accepted() {
    let (out, _) = accepted(
        services(json!([
            svc(json!({"kind": "CronJob", "schedule": "@hourly"})),
            svc(json!({"name": "b", "kind": "CronJob", "schedule": "*/15 9-17 * jan-jun mon-fri"})),
        ])),
        &[],
    );
    assert!(out.contains("schedule: '@hourly'"), "{out}");
    assert!(
        out.contains("schedule: '*/15 9-17 * jan-jun mon-fri'"),
        "{out}"
    );
}

#[test]
fn malformed_node_selector_pair() {
    rejected(
        services(json!([svc(
            json!({"kind": "DaemonSet", "nodeSelector": "disk=ssd, gpu"})
        )])),
        &[(
            "_services[0].nodeSelector",
            &["found \"gpu\" in \"disk=ssd, gpu\"", "key=value"],
        )],
    );
}

#[test]
fn node_selector_label_key_must_be_valid() {
    rejected(
        services(json!([svc(
            json!({"kind": "DaemonSet", "nodeSelector": {"bad key": "x"}})
        )])),
        &[("_services[0].nodeSelector", &["\"bad key\"", "label key"])],
    );
}

#[test]
fn generated_objects_must_not_clash() {
    // `web-redis`'s ConfigMap and the one of web's companion `redis` are
    // both `web-redis-config`.
    rejected(
        services(json!([
            svc(json!({"companions": [{"name": "redis", "image": "redis:7",
                "env": [{"key": "MAXMEMORY", "value": "256mb"}]}]})),
            svc(json!({"name": "web-redis", "envVars": [{"key": "MODE", "value": "x"}]})),
        ])),
        &[(
            "_services[1]",
            &[
                "ConfigMap \"web-redis-config\"",
                "_services[0].companions[0] also generates",
            ],
        )],
    );
}

#[test]
fn generated_files_must_not_clash() {
    // A headless Service is written as `<svc>-headless-service.yaml`, which
    // is also the file of a Deployment named `<svc>-headless`.
    rejected(
        services(json!([
            svc(json!({"name": "db", "kind": "StatefulSet", "headlessServiceName": "db-hl"})),
            svc(json!({"name": "db-headless", "port": 80})),
        ])),
        &[(
            "_services[1]",
            &[
                "file db-headless-service.yaml",
                "_services[0].headlessServiceName also writes",
            ],
        )],
    );
}

#[test]
fn a_headless_service_name_taken_by_another_service() {
    // The clash is reported together with an unrelated error, at the field
    // that names the headless Service.
    rejected(
        services(json!([
            svc(json!({"port": 80})),
            svc(json!({"name": "db", "kind": "StatefulSet", "headlessServiceName": "web"})),
            svc(json!({"name": "cache", "kind": "StatefulSet", "port": 6379,
                "headlessServiceName": "cache", "alsoCreateClusterIP": true})),
            svc(json!({"name": "api", "port": "80a"})),
        ])),
        &[
            (
                "_services[1].headlessServiceName",
                &["Service \"web\"", "_services[0] also generates"],
            ),
            (
                "_services[2]",
                &[
                    "Service \"cache\"",
                    "_services[2].headlessServiceName also generates",
                ],
            ),
            ("_services[3].port", &["found \"80a\""]),
        ],
    );
}

#[test]
fn a_repeated_service_name_is_reported_once() {
    let err = rejected(
        services(json!([
            svc(json!({"port": 80, "envVars": [{"key": "A", "value": "b"}]})),
            svc(json!({"port": 81})),
        ])),
        &[("_services[1].name", &["found \"web\" again"])],
    );
    assert!(
        !err.contains("also generates"),
        "the objects of a repeated name are not reported again:\n{err}"
    );
}

#[test]
fn service_objects_need_names_that_start_with_a_letter() {
    // Service names are DNS-1035 labels; a workload without a Service may
    // start with a digit.
    let err = rejected(
        services(json!([
            svc(json!({"name": "1api", "port": 80})),
            svc(json!({"name": "2db", "kind": "StatefulSet"})),
            svc(json!({"name": "db", "kind": "StatefulSet", "headlessServiceName": "3peers"})),
            svc(json!({"name": "4worker"})),
        ])),
        &[
            (
                "_services[0].name",
                &["\"1api\"", "start with a letter", "DNS-1035"],
            ),
            (
                "_services[1].name",
                &["\"2db-headless\"", "start with a letter"],
            ),
            (
                "_services[2].headlessServiceName",
                &["\"3peers\"", "start with a letter"],
            ),
        ],
    );
    assert!(!err.contains("_services[3]"), "{err}");
}

#[test]
fn names_that_leave_no_room_for_what_kubernetes_appends() {
    let long = "a".repeat(53);
    let longest = "b".repeat(55);
    rejected(
        services(json!([
            svc(json!({"name": long, "kind": "CronJob", "schedule": "@hourly"})),
            svc(
                json!({"name": format!("s{long}"), "kind": "StatefulSet", "headlessServiceName": "peers"})
            ),
            svc(json!({"name": longest, "kind": "StatefulSet"})),
        ])),
        &[
            (
                "_services[0].name",
                &["53 characters", "CronJob name has at most 52"],
            ),
            (
                "_services[1].name",
                &["54 characters", "StatefulSet name has at most 52"],
            ),
            (
                "_services[2].name",
                &[
                    &format!("\"{longest}-headless\""),
                    "64 characters",
                    "set headlessServiceName",
                ],
            ),
        ],
    );
    // 52 characters fit, and so does a 63-character Deployment.
    accepted(
        services(json!([
            svc(json!({"name": "c".repeat(52), "kind": "CronJob", "schedule": "@hourly"})),
            svc(
                json!({"name": "d".repeat(52), "kind": "StatefulSet", "headlessServiceName": "peers"})
            ),
            svc(json!({"name": "e".repeat(63), "port": 80})),
        ])),
        &[],
    );
}

#[test]
fn wrong_types_are_named() {
    rejected(
        services(json!([svc(json!({
            // A map is the web wizard's form of envVars (issue 15); text is
            // neither form.
            "envVars": "A=b",
            "resources": "big",
            "alsoCreateClusterIP": "yes",
            "dependencies": [42],
        }))])),
        &[
            (
                "_services[0].envVars",
                &["found \"A=b\"", "expected a list"],
            ),
            (
                "_services[0].resources",
                &["found \"big\"", "expected an object"],
            ),
            (
                "_services[0].dependencies[0]",
                &["found 42", "name of a service"],
            ),
        ],
    );
}

#[test]
fn the_state_must_be_a_map() {
    rejected_text(
        "- just\n- a list\n",
        &[("", &["found a list", "expected an object"])],
    );
    let dir = StateDir::new("");
    let out = dir.run(&["render", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2);
    assert!(
        stderr(&out).contains("the state is empty"),
        "{}",
        stderr(&out)
    );
}

// ------------------------------------------------------------------ syntax

#[test]
fn yaml_syntax_error_has_line_and_column() {
    let dir = StateDir::new("_services:\n  - name: web\n    image: [nginx\n");
    let out = dir.run(&["render", "-f", "state.yaml"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 2);
    assert_no_panic(&err);
    assert!(err.starts_with("error: state.yaml:4:1: "), "{err}");
    assert!(!dir.join("k8s").exists());
}

#[test]
fn json_syntax_error_has_line_and_column() {
    let dir = StateDir::with_file(
        "state.json",
        "{\n  \"_services\": [\n    {\"name\": \"web\" \"image\": \"nginx\"}\n  ]\n}\n",
    );
    let out = dir.run(&["render", "-f", "state.json"]);
    let err = stderr(&out);
    assert_eq!(status(&out), 2);
    assert_no_panic(&err);
    assert!(err.starts_with("error: state.json:3:20: "), "{err}");
    assert!(!dir.join("k8s").exists());
}

// ------------------------------------------------------- all errors at once

#[test]
fn every_error_is_reported_at_once() {
    let mut state = services(json!([
        svc(json!({"port": "80a"})),
        svc(
            json!({"name": "db", "kind": "StatefulSet", "volumeClaimTemplates": [
                {"name": "data", "mountPath": "data", "size": "ten"},
            ]})
        ),
        svc(
            json!({"name": "nightly", "kind": "CronJob", "schedule": "* *", "concurrencyPolicy": "Never"})
        ),
    ]));
    state["namespace"] = json!("Shop");
    let err = rejected(
        state,
        &[
            ("namespace", &["\"Shop\""]),
            ("_services[0].port", &["\"80a\""]),
            (
                "_services[1].volumeClaimTemplates[0].mountPath",
                &["\"data\""],
            ),
            ("_services[1].volumeClaimTemplates[0].size", &["\"ten\""]),
            ("_services[2].schedule", &["\"* *\""]),
            ("_services[2].concurrencyPolicy", &["\"Never\""]),
        ],
    );
    assert!(err.contains("the state has 6 error(s)"), "{err}");
}

#[test]
fn an_invalid_state_leaves_an_existing_output_folder_untouched() {
    let dir = StateDir::new(&services(json!([svc(json!({"port": 0}))])).to_string());
    std::fs::create_dir(dir.join("k8s")).unwrap();
    std::fs::write(dir.join("k8s/web-deployment.yaml"), "old: content\n").unwrap();
    let out = dir.run(&["render", "-f", "state.yaml", "--force"]);
    assert_eq!(status(&out), 2);
    let entries: Vec<_> = std::fs::read_dir(dir.join("k8s")).unwrap().collect();
    assert_eq!(entries.len(), 1, "no file added");
    assert_eq!(
        std::fs::read_to_string(dir.join("k8s/web-deployment.yaml")).unwrap(),
        "old: content\n"
    );
}

// ---------------------------------------------------------------- warnings

#[test]
fn partition_greater_than_replicas_warns() {
    warned(
        services(json!([svc(
            json!({"kind": "StatefulSet", "replicas": 2, "partition": 5})
        )])),
        "_services[0].partition",
        &["partition 5 is greater than replicas 2"],
    );
}

#[test]
fn dependencies_on_a_statefulset_warn() {
    warned(
        services(json!([
            svc(json!({"kind": "StatefulSet", "dependencies": ["cache"]})),
            svc(json!({"name": "cache", "image": "redis", "port": 6379})),
        ])),
        "_services[0].dependencies",
        &["`dependencies` has no effect for a StatefulSet"],
    );
}

#[test]
fn service_type_on_a_statefulset_warns() {
    warned(
        services(json!([svc(
            json!({"kind": "StatefulSet", "serviceType": "NodePort"})
        )])),
        "_services[0].serviceType",
        &["`serviceType` has no effect for a StatefulSet"],
    );
}

#[test]
fn a_regular_sidecar_in_a_job_warns() {
    // The Job would never complete: the sidecar keeps the pod running.
    let job = |kind: &str| {
        let schedule = (kind == "CronJob").then_some("@daily");
        services(json!([svc(json!({
            "kind": kind, "schedule": schedule,
            "sidecars": [
                {"name": "native", "image": "x"},
                {"name": "proxy", "image": "envoy", "nativeSidecar": false},
            ],
        }))]))
    };
    warned(
        job("Job"),
        "_services[0].sidecars[1].nativeSidecar",
        &["\"proxy\"", "never completes", "nativeSidecar: true"],
    );
    warned(
        job("CronJob"),
        "_services[0].sidecars[1].nativeSidecar",
        &["CronJob", "nativeSidecar: true"],
    );
    // Elsewhere a regular sidecar is fine.
    let (_, err) = accepted(
        services(json!([svc(json!({
            "sidecars": [{"name": "proxy", "image": "envoy", "nativeSidecar": false}],
        }))])),
        &["--strict"],
    );
    assert!(!err.contains("nativeSidecar"), "{err}");
}

#[test]
fn mesh_settings_a_provider_has_no_annotation_for_warn() {
    warned(
        services(json!([svc(
            json!({"mesh": {"provider": "consul", "logLevel": "debug"}})
        )])),
        "_services[0].mesh.logLevel",
        &["`logLevel` has no annotation for consul"],
    );
    warned(
        services(json!([svc(
            json!({"mesh": {"provider": "kuma", "excludeOutbound": "5432"}})
        )])),
        "_services[0].mesh.excludeOutbound",
        &["`excludeOutbound` has no annotation for kuma"],
    );
}

#[test]
fn a_list_and_its_alias_together_warn() {
    warned(
        json!({
            "_services": [svc(json!({}))],
            "services": [svc(json!({"name": "api"}))],
        }),
        "services",
        &["`services` is ignored because `_services` is given"],
    );
}

#[test]
fn project_file_state_must_be_a_map() {
    rejected(
        json!({"name": "my-project", "kubernetes": "web"}),
        &[(
            "kubernetes",
            &["found \"web\"", "under `kubernetes:` as a map"],
        )],
    );
    // A project whose wizard collected nothing yet is an empty state.
    let (out, err) = accepted(
        json!({"name": "my-project", "kubernetes": null}),
        &["--strict"],
    );
    assert_eq!(out, "", "nothing to render");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn service_settings_without_a_port_warn() {
    warned(
        services(json!([svc(json!({"serviceType": "NodePort"}))])),
        "_services[0].serviceType",
        &["`serviceType` has no effect without a port"],
    );
    warned(
        services(json!([svc(
            json!({"kind": "DaemonSet", "servicePort": 80})
        )])),
        "_services[0].servicePort",
        &["`servicePort` has no effect without a port"],
    );
    // The default type is what a form sends anyway.
    accepted(
        services(json!([svc(json!({"serviceType": "ClusterIP"}))])),
        &["--strict"],
    );
}

#[test]
fn settings_of_another_volume_type_warn() {
    warned(
        services(json!([svc(json!({"volumes": [
            {"type": "emptyDir", "mountPath": "/cache", "size": "1Gi"},
        ]}))])),
        "_services[0].volumes[0].size",
        &["`size` has no effect for emptyDir volumes", "ignored"],
    );
    warned(
        services(json!([svc(json!({"volumes": [
            {"name": "data", "type": "pvc-dynamic", "mountPath": "/data", "pvName": "pv-1"},
        ]}))])),
        "_services[0].volumes[0].pvName",
        &["`pvName` has no effect for pvc-dynamic volumes"],
    );
}

#[test]
fn max_surge_with_recreate_warns() {
    warned(
        services(json!([svc(json!({"strategy": "Recreate", "maxSurge": 2}))])),
        "_services[0].maxSurge",
        &["`maxSurge` has no effect with strategy Recreate"],
    );
}

#[test]
fn job_fields_on_a_deployment_warn() {
    warned(
        services(json!([svc(json!({"backoffLimit": 3}))])),
        "_services[0].backoffLimit",
        &["`backoffLimit` has no effect for a Deployment"],
    );
}

#[test]
fn replicas_on_a_daemonset_warn() {
    warned(
        services(json!([svc(json!({"kind": "DaemonSet", "replicas": 3}))])),
        "_services[0].replicas",
        &["`replicas` has no effect for a DaemonSet"],
    );
}

#[test]
fn volumes_on_a_statefulset_warn() {
    warned(
        services(json!([svc(json!({"kind": "StatefulSet",
            "volumes": [{"name": "d", "type": "emptyDir", "mountPath": "/d"}]}))])),
        "_services[0].volumes",
        &["no effect for a StatefulSet", "volumeClaimTemplates"],
    );
}

#[test]
fn unknown_key_warns_with_the_closest_known_key() {
    warned(
        services(json!([svc(json!({"imgae": "nginx:1.28"}))])),
        "_services[0].imgae",
        &["unknown key `imgae`", "did you mean `image`?"],
    );
}

#[test]
fn unknown_nested_key_warns_with_its_path() {
    warned(
        services(json!([svc(
            json!({"volumes": [{"name": "d", "type": "emptyDir", "mountPth": "/d", "mountPath": "/d"}]})
        )])),
        "_services[0].volumes[0].mountPth",
        &["unknown key `mountPth`", "did you mean `mountPath`?"],
    );
}

#[test]
fn unknown_top_level_key_warns() {
    let mut state = services(json!([svc(json!({}))]));
    state["namespce"] = json!("shop");
    warned(
        state,
        "namespce",
        &["unknown key `namespce`", "`namespace`"],
    );
}

#[test]
fn ui_bookkeeping_keys_are_ignored_silently() {
    let mut state = services(json!([svc(json!({"_uiId": 3}))]));
    state["_savedAt"] = json!("2026-01-01");
    state["_version"] = json!(2);
    let (_, err) = accepted(state, &["--strict"]);
    assert_eq!(err, "");
}

// ---------------------------------------------------------------- commands

#[test]
fn validate_is_silent_on_stdout_for_a_valid_state() {
    let dir = StateDir::new(&services(json!([svc(json!({"port": 80}))])).to_string());
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(!dir.join("k8s").exists(), "validate writes nothing");
}

#[test]
fn validate_rejects_an_invalid_state() {
    let dir = StateDir::new(&services(json!([svc(json!({"replicas": -3}))])).to_string());
    let out = dir.run(&["validate", "-f", "state.yaml"]);
    assert_eq!(status(&out), 2);
    assert_eq!(stdout(&out), "");
    assert_error(&stderr(&out), "_services[0].replicas", &["found -3"]);
}

#[test]
fn validate_reads_standard_input() {
    let state = services(json!([svc(json!({"port": "x"}))])).to_string();
    let out = common::run(&["validate", "-f", "-"], Some(&state));
    assert_eq!(status(&out), 2);
    assert_error(&stderr(&out), "_services[0].port", &["found \"x\""]);
}

#[test]
fn missing_state_without_a_terminal_asks_for_f() {
    for command in ["render", "validate"] {
        let out = common::run(&[command], None);
        let err = stderr(&out);
        assert_eq!(status(&out), 2, "{command}: {err}");
        assert!(err.contains("pass -f FILE"), "{command}: {err}");
        assert_no_panic(&err);
    }
}

#[test]
fn examples_are_valid_even_under_strict() {
    let root = env!("CARGO_MANIFEST_DIR");
    for example in ["deployment.yaml", "statefulset.yaml"] {
        let path = format!("{root}/examples/{example}");
        let out = common::run(&["validate", "--strict", "-f", &path], None);
        assert_eq!(status(&out), 0, "{example}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
}

/// What a real API server answers with 422 is refused here first, with the
/// path, what was found and what is allowed.
mod refused_by_the_api_server {
    use super::*;

    fn sts(extra: Value) -> Value {
        let mut base = svc(json!({"kind": "StatefulSet", "port": 80}));
        let (Value::Object(base_map), Value::Object(extra_map)) = (&mut base, extra) else {
            panic!("sts takes an object");
        };
        base_map.extend(extra_map);
        base
    }

    #[test]
    fn claim_sizes_must_be_above_zero() {
        rejected(
            services(json!([sts(json!({"volumeClaimTemplates": [
                {"name": "a", "mountPath": "/a", "size": "0"},
                {"name": "b", "mountPath": "/b", "size": "0Gi"},
                {"name": "c", "mountPath": "/c", "size": "-1Gi"},
            ]}))])),
            &[
                (
                    "_services[0].volumeClaimTemplates[0].size",
                    &["found \"0\"", "greater than zero"],
                ),
                (
                    "_services[0].volumeClaimTemplates[1].size",
                    &["found \"0Gi\"", "greater than zero"],
                ),
                (
                    "_services[0].volumeClaimTemplates[2].size",
                    &["found \"-1Gi\"", "must not be negative"],
                ),
            ],
        );
        rejected(
            services(json!([svc(json!({"volumes": [
                {"type": "pvc-dynamic", "name": "d", "mountPath": "/d", "size": 0},
            ]}))])),
            &[(
                "_services[0].volumes[0].size",
                &["found \"0\"", "greater than zero"],
            )],
        );
    }

    #[test]
    fn storage_classes_and_referenced_objects_must_be_object_names() {
        rejected(
            services(json!([
                sts(json!({"volumeClaimTemplates": [
                    {"name": "a", "mountPath": "/a", "storageClass": "Fast SSD"},
                ]})),
                svc(json!({"name": "api", "volumes": [
                    {"type": "pvc-dynamic", "name": "d", "mountPath": "/d", "storageClass": "fast_ssd"},
                    {"type": "pvc-static", "name": "s", "mountPath": "/s", "pvName": "PV/1"},
                    {"type": "configMap", "configMapName": "Bad Name", "mountPath": "/c"},
                    {"type": "secret", "secretName": "x/y", "mountPath": "/e"},
                ]})),
            ])),
            &[
                (
                    "_services[0].volumeClaimTemplates[0].storageClass",
                    &["found \"Fast SSD\"", "Kubernetes object name"],
                ),
                (
                    "_services[1].volumes[0].storageClass",
                    &["found \"fast_ssd\"", "Kubernetes object name"],
                ),
                (
                    "_services[1].volumes[1].pvName",
                    &["found \"PV/1\"", "Kubernetes object name"],
                ),
                (
                    "_services[1].volumes[2].configMapName",
                    &["found \"Bad Name\"", "Kubernetes object name"],
                ),
                (
                    "_services[1].volumes[3].secretName",
                    &["found \"x/y\"", "Kubernetes object name"],
                ),
            ],
        );
    }

    #[test]
    fn item_keys_may_not_be_absolute_or_climb() {
        rejected(
            services(json!([svc(json!({"volumes": [
                {"type": "configMap", "configMapName": "app", "key": "/etc/passwd", "mountPath": "/a"},
                {"type": "configMap", "configMapName": "app", "key": "../x", "mountPath": "/b"},
                {"type": "secret", "secretName": "s", "key": "..data", "mountPath": "/c"},
            ]}))])),
            &[
                (
                    "_services[0].volumes[0].key",
                    &["found \"/etc/passwd\"", "not starting with \"..\""],
                ),
                ("_services[0].volumes[1].key", &["found \"../x\""]),
                ("_services[0].volumes[2].key", &["found \"..data\""]),
            ],
        );
    }

    #[test]
    fn requests_may_not_exceed_limits() {
        rejected(
            services(json!([svc(json!({
                "resources": {"cpu_request": "500m", "cpu_limit": "250m", "memory_request": "1Gi", "memory_limit": "1000Mi"},
                "companions": [{"name": "side", "image": "busybox", "cpuRequest": "1", "cpuLimit": "900m"}],
            }))])),
            &[
                (
                    "_services[0].resources",
                    &["found cpu request 500m above its limit 250m"],
                ),
                (
                    "_services[0].resources",
                    &["found memory request 1Gi above its limit 1000Mi"],
                ),
                (
                    "_services[0].companions[0]",
                    &["found cpu request 1 above its limit 900m"],
                ),
            ],
        );
        accepted(
            services(json!([svc(
                json!({"resources": {"cpu_request": "0.25", "cpu_limit": "250m", "memory_request": "1G", "memory_limit": "1Gi"}})
            )])),
            &[],
        );
    }

    #[test]
    fn toleration_keys_and_values_follow_the_label_rules() {
        rejected(
            services(json!([svc(json!({"kind": "DaemonSet", "tolerations": [
                {"key": "bad key", "operator": "Exists"},
                {"key": "ok", "operator": "Equal", "value": "no spaces allowed"},
            ]}))])),
            &[
                (
                    "_services[0].tolerations[0].key",
                    &["found label key \"bad key\""],
                ),
                (
                    "_services[0].tolerations[1].value",
                    &["found label value \"no spaces allowed\""],
                ),
            ],
        );
    }

    #[test]
    fn host_and_mount_paths_may_not_climb() {
        rejected(
            services(json!([svc(json!({"volumes": [
                {"type": "hostPath", "name": "h", "hostPath": "/var/../etc", "mountPath": "/h"},
                {"type": "emptyDir", "name": "e", "mountPath": "/data/../etc"},
            ]}))])),
            &[
                (
                    "_services[0].volumes[0].hostPath",
                    &["found \"/var/../etc\"", "without a `..` segment"],
                ),
                (
                    "_services[0].volumes[1].mountPath",
                    &["found \"/data/../etc\"", "without a `..` segment"],
                ),
            ],
        );
    }
}
