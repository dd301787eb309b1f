//! The question flow with scripted answers: every branch must produce a
//! state that builds without a single error or warning.

use serde_json::{json, Value};

use super::prompts::script::{Answer, Answer::*, Script};
use super::{ask_state, to_text};
use crate::pipeline::{self, Build, BuildOptions};

type Step = (&'static str, Answer);

fn run(steps: Vec<Step>) -> (Value, Script) {
    let mut script = Script::new(steps);
    let mut state = Value::Null;
    match ask_state(&mut script, None, &mut state) {
        Ok(saved) => assert!(saved, "the review was cancelled"),
        Err(e) => panic!("{e}; asked: {:#?}", script.asked),
    };
    assert!(
        script.finished(),
        "answers left; asked: {:#?}",
        script.asked
    );
    (state, script)
}

fn build(state: &Value) -> Build {
    let text = to_text(state).unwrap();
    let build = pipeline::build(&text, "<test>", &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert!(build.warnings.is_empty(), "{:?}\n{text}", build.warnings);
    build
}

fn file_names(build: &Build) -> Vec<&str> {
    build
        .manifests
        .iter()
        .map(|m| m.file_name.as_str())
        .collect()
}

fn default_project() -> Vec<Step> {
    vec![
        ("Namespace", Enter),
        ("Folder", Enter),
        ("Ingress host", Enter),
    ]
}

/// Tick none of the optional groups.
fn no_groups(_kind: &str) -> Vec<Step> {
    vec![("Optional settings", Tick(&[]))]
}

fn deployment_volumes() -> Vec<Step> {
    vec![
        ("Add volumes", Yes),
        ("Volume type", Pick("pvc-dynamic")),
        ("Volume name", Enter),
        ("Mount path", Enter),
        ("Size", Enter),
        ("Access mode", Enter),
        ("Storage class", Type("longhorn")),
        ("Longhorn replicas", Type("3")),
        ("data locality", Pick("best-effort")),
        ("read-only", No),
        ("another volume", Yes),
        ("Volume type", Pick("pvc-static")),
        ("Volume name", Type("archive")),
        ("Mount path", Enter),
        ("Size", Enter),
        ("Access mode", Enter),
        ("Storage class", Enter),
        ("PersistentVolume to bind", Type("archive-pv")),
        ("read-only", Yes),
        ("another volume", Yes),
        ("Volume type", Pick("emptyDir")),
        ("Volume name", Enter),
        ("Mount path", Type("/tmp/cache")),
        ("Medium", Pick("Memory")),
        ("Size limit", Type("256Mi")),
        ("read-only", Enter),
        ("another volume", Yes),
        ("Volume type", Pick("configMap")),
        ("ConfigMap name", Type("web-settings")),
        ("Only this key", Type("settings.json")),
        (
            "Path of the file in the container",
            Type("/etc/web/settings.json"),
        ),
        ("another volume", Yes),
        ("Volume type", Pick("secret")),
        ("Secret name", Type("web-tls")),
        ("Only this key", Enter),
        ("Mount path in the container (a folder", Type("/etc/tls")),
        ("another volume", Yes),
        ("Volume type", Pick("hostPath")),
        ("Volume name", Enter),
        ("Path on the node", Type("/var/run/docker.sock")),
        ("What must be at that path", Pick("Socket")),
        ("Mount path", Enter),
        ("read-only", Enter),
        ("another volume", No),
    ]
}

fn every_group() -> Vec<Step> {
    vec![
        (
            "Optional settings",
            Tick(&[
                "health",
                "CPU",
                "environment",
                "init",
                "sidecar",
                "service mesh",
                "autoscaling",
            ]),
        ),
        ("Readiness probe", Enter),
        ("Check", Enter),
        ("Path", Enter),
        ("Port", Enter),
        ("before the first check", Enter),
        ("between checks", Enter),
        ("Failures in a row", Enter),
        ("Liveness probe", Enter),
        ("Check", Pick("tcp")),
        ("Port", Enter),
        ("before the first check", Enter),
        ("between checks", Enter),
        ("Failures in a row", Enter),
        ("CPU request", Enter),
        ("CPU limit", Enter),
        ("Memory request", Enter),
        ("Memory limit", Type("none")),
        ("Variable name", Type("APP_ENV")),
        ("Kind of value", Enter),
        ("Value", Type("production")),
        ("another variable", Yes),
        ("Variable name", Type("APP_ENV")), // twice: asked again
        ("Variable name", Type("MODE")),
        ("Kind of value", Pick("variable")),
        ("Placeholder", Enter),
        ("another variable", No),
        ("Init container name", Type("web")), // the main container: asked again
        ("Init container name", Type("migrate")),
        ("Image", Type("web:1")),
        ("Command", Type("./manage migrate")),
        ("another init container", No),
        ("Sidecar name", Type("log-shipper")),
        ("Image", Type("fluent-bit:2.1")),
        ("Command", Enter),
        ("Native sidecar", Enter),
        ("Share a folder", Yes),
        ("Shared volume name", Enter),
        ("Mount path", Type("/var/log/app")),
        ("another sidecar", No),
        ("Mesh", Enter),
        ("Proxy CPU request", Type("100m")),
        ("Proxy CPU limit", Enter),
        ("Proxy memory request", Enter),
        ("Proxy memory limit", Enter),
        ("log level", Type("warning")),
        ("Inbound ports", Type("9090, 15020")),
        ("Outbound ports", Enter),
        ("Minimum replicas", Enter),
        ("Maximum replicas", Enter),
        ("Target CPU", Enter),
        ("Target memory", Enter),
    ]
}

#[test]
fn a_deployment_with_every_volume_type_and_every_group() {
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("web")),
        ("Container image", Type("ghcr.io/example/web:1")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Pick("NodePort")),
        ("Rollout strategy", Pick("RollingUpdate — with")),
        ("maxSurge", Type("0")),
        ("maxUnavailable", Type("0")), // both zero: asked again
        ("maxUnavailable", Type("1")),
    ]);
    steps.extend(deployment_volumes());
    steps.extend(every_group());
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, script) = run(steps);

    let rejected: Vec<&str> = script.rejected.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(rejected, ["0", "APP_ENV", "web"]);
    assert!(script.rejected[0]
        .1
        .contains("at least one of them must be above 0"));
    // The main container's name is taken, and the explanation says so.
    assert_eq!(
        script.rejected[2].1,
        "found \"web\", which is already the name of a container in this pod (the main one is named after the service); pick another name"
    );
    let web = &state["_services"][0];
    assert_eq!(web["serviceType"], "NodePort");
    assert_eq!(web["maxSurge"], 0);
    assert_eq!(web["maxUnavailable"], 1);
    assert_eq!(
        web["volumes"][0],
        json!({"type": "pvc-dynamic", "name": "data", "mountPath": "/var/lib/data", "size": "10Gi",
               "accessMode": "ReadWriteOnce", "longhornConfig": {"replicas": 3, "dataLocality": "best-effort"},
               "storageClass": "longhorn"})
    );
    assert_eq!(web["volumes"][1]["pvName"], "archive-pv");
    assert_eq!(web["volumes"][1]["readOnly"], true);
    assert_eq!(web["volumes"][2]["name"], "empty-2");
    assert_eq!(web["volumes"][2]["medium"], "Memory");
    // Always read-only in Kubernetes, so not asked.
    assert_eq!(
        web["volumes"][3],
        json!({"type": "configMap", "configMapName": "web-settings", "key": "settings.json",
               "mountPath": "/etc/web/settings.json"})
    );
    assert_eq!(
        web["volumes"][4],
        json!({"type": "secret", "secretName": "web-tls", "mountPath": "/etc/tls"})
    );
    assert_eq!(web["volumes"][5]["hostType"], "Socket");
    assert_eq!(web["volumes"][5]["mountPath"], "/var/run/docker.sock");
    assert_eq!(
        web["readinessProbe"],
        json!({"type": "http", "path": "/healthz", "port": 8080, "initialDelaySeconds": 5, "periodSeconds": 10, "extra": 3})
    );
    assert_eq!(web["livenessProbe"]["type"], "tcp");
    assert_eq!(web["livenessProbe"]["initialDelaySeconds"], 15);
    assert_eq!(
        web["resources"],
        json!({"cpu_request": "100m", "cpu_limit": "500m", "memory_request": "128Mi"})
    );
    assert_eq!(
        web["envVars"][1],
        json!({"key": "MODE", "type": "variable", "varName": "${MODE}"})
    );
    assert_eq!(web["initContainers"][0]["command"], "./manage migrate");
    assert_eq!(web["sidecars"][0]["nativeSidecar"], true);
    assert_eq!(web["sidecars"][0]["sharedVolume"], "shared");
    assert!(web["sidecars"][0].get("command").is_none());
    assert_eq!(web["mesh"]["excludeInbound"], "9090,15020");
    assert_eq!(
        web["autoscaling"],
        json!({"enabled": true, "minReplicas": 1, "maxReplicas": 10, "targetCPU": 80})
    );
    let build = build(&state);
    assert_eq!(
        file_names(&build),
        [
            "web-config.yaml",
            "web-data-pvc.yaml",
            "web-archive-pvc.yaml",
            "web-service.yaml",
            "web-deployment.yaml",
            "web-hpa.yaml"
        ]
    );
}

#[test]
fn a_daemonset_a_job_and_a_statefulset_updated_on_delete() {
    let mut steps = vec![
        ("Namespace", Type("ops")),
        ("Folder", Type("out/")),
        ("Ingress host", Enter),
        ("Service name", Type("agent")),
        ("Container image", Type("fluent-bit:2.1")),
        ("Kind of workload", Pick("DaemonSet")),
        ("Container port", Enter),
        ("Update strategy", Enter),
        ("maxUnavailable", Type("25%")),
        ("Node selector", Type("disk")), // not key=value: asked again
        ("Node selector", Type("disktype=ssd")),
        ("Add tolerations", Yes),
        ("Taint key", Type("node-role.kubernetes.io/control-plane")),
        ("Operator", Pick("Exists")),
        ("Effect", Pick("NoSchedule")),
        ("another toleration", Yes),
        ("Taint key", Enter), // no key: tolerate every taint
        ("Effect", Enter),
        ("another toleration", No),
        ("node's namespaces", Tick(&["hostNetwork"])),
        ("Add volumes", No),
    ];
    steps.extend(no_groups("DaemonSet"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Type("migrate")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Pick("Job")),
        ("Command", Type("./manage migrate")),
        ("Arguments", Type("--noinput  --verbosity 2")),
        ("When the container fails", Pick("OnFailure")),
        ("time limits", Yes),
        ("Retries", Type("2")),
        ("Successful pods", Enter),
        ("Pods running at once", Enter),
        ("Time limit", Type("0")), // a deadline of 0 seconds: asked again
        ("Time limit", Type("600")),
        ("Delete the finished job", Type("3600")),
    ]);
    steps.extend(no_groups("Job"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Type("db")),
        ("Container image", Type("postgres:16")),
        ("Kind of workload", Pick("StatefulSet")),
        ("Container port", Type("5432")),
        ("Replicas", Enter),
        ("Headless Service name", Type("agent")), // another service's name
        ("Headless Service name", Enter),
        ("Update strategy", Pick("OnDelete")),
        ("ClusterIP Service", No),
        ("volume claim template", No),
    ]);
    steps.extend(no_groups("StatefulSet"));
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, script) = run(steps);

    assert_eq!(script.rejected.len(), 3, "{:?}", script.rejected);
    let agent = &state["_services"][0];
    assert_eq!(agent["maxUnavailable"], "25%");
    assert_eq!(agent["nodeSelector"], "disktype=ssd");
    assert_eq!(
        agent["tolerations"],
        json!([
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
            {"operator": "Exists"}
        ])
    );
    assert_eq!(agent["hostNetwork"], true);
    assert!(agent.get("hostPID").is_none());
    let job = &state["_services"][1];
    assert_eq!(job["restartPolicy"], "OnFailure");
    assert_eq!(job["args"], "--noinput  --verbosity 2");
    assert_eq!(job["backoffLimit"], 2);
    assert_eq!(job["activeDeadlineSeconds"], 600);
    assert_eq!(job["ttlSecondsAfterFinished"], 3600);
    assert!(job.get("completions").is_none());
    let db = &state["_services"][2];
    assert_eq!(db["headlessServiceName"], "db-headless");
    assert_eq!(db["strategy"], "OnDelete");
    assert!(db.get("partition").is_none());
    assert!(db.get("volumeClaimTemplates").is_none());
    let build = build(&state);
    assert_eq!(build.project.output_dir, "out");
    assert_eq!(
        file_names(&build),
        [
            "namespace.yaml",
            "db-headless-service.yaml",
            "agent-daemonset.yaml",
            "migrate-job.yaml",
            "db-statefulset.yaml"
        ]
    );
}

#[test]
fn a_deployment_may_wait_only_for_services_that_have_a_service() {
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("migrate")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Pick("Job")),
        ("Command", Enter),
        ("Arguments", Enter),
        ("When the container fails", Enter),
        ("time limits", No),
    ]);
    steps.extend(no_groups("Job"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Enter),           // nothing: asked again
        ("Service name", Type("migrate")), // taken: asked again
        ("Service name", Type("cache")),
        ("Container image", Type("redis:7")),
        // redis keeps data: a StatefulSet is suggested.
        (
            "Kind of workload (redis keeps data: StatefulSet suggested)",
            Pick("Deployment"),
        ),
        ("Container port", Type("6379")),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Pick("Recreate")),
        ("Add volumes", No),
    ]);
    steps.extend(no_groups("Deployment"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Type("web")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Enter),
        ("Container port", Type("none")),
        ("Replicas", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", No),
        ("Services web waits for", Tick(&["cache"])),
    ]);
    steps.extend(no_groups("Deployment"));
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, script) = run(steps);

    assert_eq!(
        script.rejected,
        [
            ("".to_string(), "an answer is required here".to_string()),
            (
                "migrate".to_string(),
                "found \"migrate\", which is already the name of another service or of a StatefulSet's headless Service; pick another name".to_string()
            )
        ]
    );
    assert_eq!(state["_services"][1]["strategy"], "Recreate");
    assert!(state["_services"][1].get("maxSurge").is_none());
    let web = &state["_services"][2];
    assert!(web.get("port").is_none());
    assert!(web.get("serviceType").is_none());
    assert_eq!(web["dependencies"], json!(["cache"]));
    let build = build(&state);
    let deployment = build
        .manifests
        .iter()
        .find(|m| m.file_name == "web-deployment.yaml")
        .unwrap();
    let init = &deployment.object["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["name"], "wait-for-cache");
}

#[test]
fn rollout_answers_are_judged_like_the_state_file() {
    // maxSurge may exceed 100%; a DaemonSet may not take 0 pods down.
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("web")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Pick("RollingUpdate — with")),
        ("maxSurge", Type("150%")),
        ("maxUnavailable", Type("101%")), // above 100%: asked again
        ("maxUnavailable", Enter),
        ("Add volumes", No),
    ]);
    steps.extend(no_groups("Deployment"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Type("agent")),
        ("Container image", Type("agent:1")),
        ("Kind of workload", Pick("DaemonSet")),
        ("Container port", Enter),
        ("Update strategy", Enter),
        ("maxUnavailable", Type("0%")), // no pod could be replaced: asked again
        ("maxUnavailable", Type("2")),
        ("Node selector", Enter),
        ("Add tolerations", No),
        ("node's namespaces", Tick(&[])),
        ("Add volumes", No),
    ]);
    steps.extend(no_groups("DaemonSet"));
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, script) = run(steps);

    let rejected: Vec<&str> = script.rejected.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(rejected, ["101%", "0%"]);
    assert_eq!(state["_services"][0]["maxSurge"], "150%");
    assert_eq!(state["_services"][1]["maxUnavailable"], 2);
    build(&state);
}

#[test]
fn running_out_of_answers_cancels() {
    let mut script = Script::new(default_project());
    let outcome = ask_state(&mut script, Some("shop"), &mut Value::Null);
    assert!(matches!(outcome, Err(crate::error::Error::Cancelled)));
}

#[test]
fn long_questions_are_broken_into_lines_the_terminal_does_not_wrap() {
    use super::prompts::fit;
    // What fits is left alone.
    assert_eq!(fit("Namespace", 78, 16), "Namespace");
    let taint =
        "Taint key, e.g. node-role.kubernetes.io/control-plane (Enter to tolerate every taint)";
    assert_eq!(
        fit(taint, 78, 0),
        "Taint key, e.g. node-role.kubernetes.io/control-plane (Enter to tolerate every\n  taint)"
    );
    // The last line keeps room for the default and the answer.
    let partition =
        "Partition (only pods with an ordinal at or above it are updated; 0 updates all)";
    assert_eq!(
        fit(partition, 40, 16),
        "Partition (only pods with an ordinal at\n  or above it are updated; 0 updates\n  all)"
    );
    // No terminal width known: nothing to fit.
    assert_eq!(fit(partition, 0, 16), partition);
}

/// What the summary says for a state given as text.
fn summary(text: &str) -> Vec<String> {
    let mut script = Script::new(Vec::new());
    super::show_summary(&mut script, text, None);
    script.said
}

#[test]
fn the_summary_shows_where_the_ingress_sends_each_path() {
    let said = summary(
        "ingress: shop.example.com\n_services:\n- {name: web, image: web:1, port: 8080}\n- {name: api, image: api:1, port: 9000}\n",
    );
    let routes: Vec<&str> = said
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.contains(" -> "))
        .collect();
    assert_eq!(
        routes,
        [
            "shop.example.com/ -> Service web port 8080",
            "shop.example.com/api -> Service api port 9000"
        ]
    );
}

#[test]
fn the_summary_says_why_an_ingress_host_gives_no_ingress() {
    let said = summary(
        "ingress: shop.example.com\n_services:\n- {name: migrate, kind: Job, image: api:1}\n",
    );
    assert!(
        said.iter().any(|l| l.trim()
            == "No Ingress for shop.example.com: none of the services has a ClusterIP Service to route to."),
        "{said:#?}"
    );
}

#[test]
fn autoscaling_asks_for_the_requests_its_targets_are_measured_against() {
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("web")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", No),
        ("Optional settings", Tick(&["autoscaling"])),
        ("Minimum replicas", Enter),
        ("Maximum replicas", Enter),
        ("Target CPU use", Enter),
        ("Target memory use", Type("70")),
        ("CPU request (the autoscaler", Enter),
        ("Memory request (the autoscaler", Type("256Mi")),
        ("Add another service", No),
        ("What now", Pick("save")),
    ]);
    let (state, _) = run(steps);
    let web = &state["_services"][0];
    assert_eq!(
        web["resources"],
        json!({"cpu_request": "100m", "memory_request": "256Mi"})
    );
    assert_eq!(web["autoscaling"]["targetMemory"], 70);
    let build = build(&state);
    let deployment = build
        .manifests
        .iter()
        .find(|m| m.kind == "Deployment")
        .unwrap();
    let container = &deployment.object["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["resources"],
        json!({"requests": {"cpu": "100m", "memory": "256Mi"}})
    );
}

#[test]
fn a_yes_no_answer_is_y_or_n_in_any_case() {
    use super::prompts::yes_or_no;
    assert_eq!(yes_or_no("y"), Ok(true));
    assert_eq!(yes_or_no(" YES "), Ok(true));
    assert_eq!(yes_or_no("N"), Ok(false));
    assert_eq!(yes_or_no("no"), Ok(false));
    assert_eq!(
        yes_or_no("maybe"),
        Err("found \"maybe\"; answer y (yes) or n (no)".to_string())
    );
}

#[test]
fn a_service_may_not_take_the_name_of_a_headless_service() {
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("db")),
        ("Container image", Type("postgres:16")),
        ("Kind of workload", Pick("StatefulSet")),
        ("Container port", Type("5432")),
        ("Replicas", Enter),
        ("Headless Service name", Enter),
        // One replica: neither the pod management policy nor a partition matters.
        ("Update strategy", Enter),
        ("ClusterIP Service", Enter),
        ("volume claim template", No),
    ]);
    steps.extend(no_groups("StatefulSet"));
    steps.extend([
        ("Add another service", Yes),
        ("Service name", Type("db-headless")), // db's headless Service
        ("Service name", Type("db-migrate")),
        ("Container image", Type("postgres:16")),
        ("Kind of workload", Pick("Job")),
        ("Command", Enter),
        ("Arguments", Enter),
        ("When the container fails", Enter),
        ("time limits", No),
    ]);
    steps.extend(no_groups("Job"));
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, script) = run(steps);

    let rejected: Vec<&str> = script.rejected.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(rejected, ["db-headless"]);
    assert_eq!(state["_services"][1]["name"], "db-migrate");
    build(&state);
}

#[test]
fn esc_goes_back_a_step_and_every_answer_given_is_offered_again() {
    let mut steps = default_project();
    steps.extend([
        ("Service name", Type("web")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Enter),
        ("Container port", Type("9000")),
        ("Replicas", Type("2")),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", No),
        ("Optional settings", Tick(&["health"])),
        ("Readiness probe", Enter),
        ("Check", Back),
        // Back: the optional settings, then the Deployment's questions,
        // then name and image, each offering the answer given.
        ("Optional settings", Back),
        ("Service type", Back),
        ("Service name", Enter),
        ("Container image", Type("web:2")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", No),
        ("Optional settings", Enter),
        ("Readiness probe", No),
        ("Liveness probe", No),
        ("Add another service", No),
        ("What now", Pick("save")),
    ]);
    let (state, _) = run(steps);
    let web = &state["_services"][0];
    assert_eq!(web["image"], "web:2");
    assert_eq!(web["port"], 9000);
    assert_eq!(web["replicas"], 2);
    assert!(web.get("readinessProbe").is_none());
}

#[test]
fn postgres_gets_its_port_data_path_probe_and_a_statefulset() {
    let mut steps = vec![
        ("Namespace", Enter),
        ("Folder", Enter),
        ("Ingress host", Type("shop.example.com")),
        ("Service name", Type("db")),
        ("Container image", Type("postgres:16")),
        (
            "Kind of workload (postgres keeps data: StatefulSet suggested)",
            Enter,
        ),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Headless Service name", Enter),
        ("Update strategy", Enter),
        // Not routed by the Ingress unless asked; the question says where.
        ("the Ingress would then route / to db:5432", Enter),
        ("volume claim template", Enter),
        ("Claim template name", Enter),
        ("Mount path", Enter),
        ("Size", Enter),
        ("Access mode", Enter),
        ("Storage class", Enter),
        ("another claim template", Enter),
        ("Optional settings", Enter),
        ("Use the usual checks for postgres (TCP port 5432", Enter),
        ("Add another service", No),
        ("What now", Pick("save")),
    ];
    steps.shrink_to_fit();
    let (state, script) = run(steps);
    let db = &state["_services"][0];
    assert_eq!(db["kind"], "StatefulSet");
    assert_eq!(db["port"], 5432);
    assert!(db.get("alsoCreateClusterIP").is_none());
    assert_eq!(
        db["volumeClaimTemplates"],
        json!([{"name": "data", "mountPath": "/var/lib/postgresql/data", "size": "1Gi", "accessMode": "ReadWriteOnce"}])
    );
    assert_eq!(
        db["readinessProbe"],
        json!({"type": "tcp", "port": 5432, "initialDelaySeconds": 5, "periodSeconds": 10, "extra": 3})
    );
    assert_eq!(db["livenessProbe"]["initialDelaySeconds"], 15);
    assert!(db.get("podManagementPolicy").is_none());
    assert!(db.get("partition").is_none());
    // The review says the Ingress routes nowhere.
    assert!(script
        .said
        .iter()
        .any(|l| l.contains("The Ingress routes to no service")));
    build_with_warnings(&state);
}

/// Like `build`, for a state whose warnings are expected.
fn build_with_warnings(state: &Value) -> Build {
    let text = to_text(state).unwrap();
    pipeline::build(&text, "<test>", &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

#[test]
fn an_existing_state_starts_at_the_review_and_keeps_what_was_not_asked() {
    let text = "\
_note: mine
namespace: shop
_services:
  - name: db
    kind: StatefulSet
    image: postgres:16
    port: \"5432\"
    _owner: team-a
  - name: web
    image: web:1
    port: 8080
    dependencies: [db]
  - name: worker
    image: worker:1
";
    let loaded = crate::yaml::parse(text).unwrap();
    let mut state = loaded.clone();
    let mut script = Script::new(vec![
        // Edit web: every default is the file's value; change the image.
        ("What now", Pick("edit service 2")),
        ("Service name", Enter),
        ("Container image", Type("web:2")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", Enter),
        ("Services web waits for", Enter),
        ("Optional settings", Enter),
        // Remove the worker, add a cache.
        ("What now", Pick("remove a service")),
        ("Remove which service", Pick("3. worker")),
        ("What now", Pick("add a service")),
        ("Service name", Type("cache")),
        ("Container image", Type("memcached:1")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", Enter),
        ("Services cache waits for", Enter),
        ("Optional settings", Tick(&[])),
        ("Add another service", Enter),
        ("What now", Pick("save")),
    ]);
    assert!(ask_state(&mut script, None, &mut state).unwrap());
    assert!(script.finished(), "{:#?}", script.asked);
    let services = state["_services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "web", "cache"]);
    assert_eq!(services[0], loaded["_services"][0]);
    assert_eq!(services[1]["image"], "web:2");
    assert_eq!(services[1]["dependencies"], json!(["db"]));
    assert_eq!(services[2]["port"], 11211);
    assert_eq!(state["_note"], "mine");
    // Only the changed service is written anew; the rest keeps its text.
    let saved = super::edited_text(text, &loaded, &state).unwrap();
    assert!(saved.starts_with("_note: mine\nnamespace: shop\n_services:\n  - name: db\n    kind: StatefulSet\n    image: postgres:16\n    port: \"5432\"\n    _owner: team-a\n"), "{saved}");
    assert!(!saved.contains("worker"), "{saved}");
    // Saving what was loaded, unchanged, gives the file's own bytes.
    assert_eq!(super::edited_text(text, &loaded, &loaded).unwrap(), text);
}

#[test]
fn esc_in_the_first_service_goes_back_to_the_ingress_host_and_esc_at_the_start_stays() {
    let mut steps = vec![
        ("Namespace", Back), // nothing before it: asked again
        ("Namespace", Type("shop")),
        ("Folder", Enter),
        ("Ingress host", Type("shop.example.com")),
        ("Service name", Back),
        ("Ingress host, e.g. app.example.com, or none", Type("none")),
        ("Service name", Type("web")),
        ("Container image", Type("web:1")),
        ("Kind of workload", Enter),
        ("Container port", Enter),
        ("Replicas", Enter),
        ("Service type", Enter),
        ("Rollout strategy", Enter),
        ("Add volumes", No),
    ];
    steps.extend(no_groups("Deployment"));
    steps.push(("Add another service", No));
    steps.push(("What now", Pick("save")));
    let (state, _) = run(steps);
    assert_eq!(state["namespace"], "shop");
    assert!(state.get("ingress").is_none());
    assert_eq!(state["_services"][0]["name"], "web");
}
