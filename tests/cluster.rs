//! `kubectl wizard diff` and `apply` against the test API server, and the
//! real kubectl (/usr/bin/kubectl) against what they leave behind.
//! With `KUBECTL_WIZARD_TEST_KUBECONFIG` set they run against that cluster
//! instead, each test in a namespace of its own written into its state;
//! the tests that need the test server (its faults, request log, latency
//! or its controller making `api:1` ready) skip themselves there.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::{status, stderr, stdout};
use serde_json::Value;
use support::ServerOptions;

const STATE: &str = r#"
namespace: shop
_services:
  - name: api
    image: "api:1"
    port: 8080
    replicas: 2
    envVars:
      - {key: MODE, value: fast}
      - {key: API_KEY, type: secret}
      - {key: DB_PASSWORD, type: secret}
"#;

const KUBECTL: &str = "/usr/bin/kubectl";

/// A test API server (or a real cluster), a kubeconfig for it and a
/// scratch folder; `namespace` is the state's (`shop`) on the test server.
type Env = support::Sandbox;

impl Env {
    fn new() -> Env {
        Env::cluster_in(ServerOptions::default(), "shop")
    }

    /// Writes a state, its namespace made the test's (see `local`).
    fn write_state(&self, text: &str) -> PathBuf {
        let path = self.path("state.yaml");
        std::fs::write(&path, self.local(text)).unwrap();
        path
    }

    /// `text` (a state, a manifest or an expected output) with the
    /// states' namespaces `shop` and `data` replaced by the test's own on a
    /// real cluster; unchanged on the test server, where they are the same.
    fn local(&self, text: &str) -> String {
        if self.fake().is_some() {
            return text.to_string();
        }
        let mut text = text.to_string();
        for fixed in ["shop", "data"] {
            for pattern in [
                "namespace: {}",
                "namespace/{}",
                "Namespace/{}",
                "/{}/",
                "-n {}",
            ] {
                text = text.replace(
                    &pattern.replace("{}", fixed),
                    &pattern.replace("{}", &self.namespace),
                );
            }
        }
        text
    }

    /// Run kubectl-wizard with `--kubeconfig` pointing at the server.
    fn wizard(&self, args: &[&str]) -> Output {
        Command::cargo_bin("kubectl-wizard")
            .unwrap()
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        std::process::Command::new(KUBECTL)
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }

    /// A new server and `STATE` written beside its kubeconfig.
    fn with_state() -> (Env, PathBuf) {
        let env = Env::new();
        let state = env.write_state(STATE);
        (env, state)
    }

    /// `STATE` written and applied.
    fn applied() -> (Env, PathBuf) {
        let (env, state) = Env::with_state();
        assert_code(&apply(&env, &state, &[]), 0);
        (env, state)
    }

    /// Runs kubectl, expecting success.
    fn kubectl_ok(&self, args: &[&str]) -> Output {
        let out = self.kubectl(args);
        assert!(out.status.success(), "{}", stderr(&out));
        out
    }

    /// `spec.replicas` of the Deployment `api` as the server stores it.
    fn replicas(&self) -> Value {
        self.get("apps/v1", "Deployment", "api").unwrap()["spec"]["replicas"].clone()
    }

    /// The object in the test's namespace (or the Namespace `name`) as
    /// the API serves it (`kubectl get --raw`), `None` when it answers 404.
    fn get(&self, api_version: &str, kind: &str, name: &str) -> Option<Value> {
        let group = if api_version.contains('/') {
            "apis"
        } else {
            "api"
        };
        // Every kind read here makes its plural with an `s`.
        let path = match kind {
            "Namespace" => format!("/{group}/{api_version}/namespaces/{name}"),
            _ => format!(
                "/{group}/{api_version}/namespaces/{}/{}s/{name}",
                self.namespace,
                kind.to_ascii_lowercase()
            ),
        };
        let out = self.kubectl(&["get", "--raw", &path]);
        if out.status.success() {
            return Some(serde_json::from_slice(&out.stdout).expect("the API answers JSON"));
        }
        // Anything but a 404 is a failed read, never "not there".
        assert!(
            stderr(&out).contains("(NotFound)"),
            "GET {path}: {}",
            stderr(&out)
        );
        None
    }

    /// What clients wrote to an object, to tell that nothing wrote it
    /// meanwhile: the object without what the Deployment controller
    /// writes at its own pace (`status`, the revision annotation, its
    /// managedFields entries) and without the resourceVersion those writes
    /// move. A write by kubectl-wizard still changes the content or its
    /// own managedFields entry.
    fn written(&self, object: &Value) -> Value {
        let mut object = object.clone();
        let metadata = object["metadata"].as_object_mut().expect("metadata");
        metadata.remove("resourceVersion");
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove("deployment.kubernetes.io/revision");
        }
        if metadata.get("annotations") == Some(&serde_json::json!({})) {
            metadata.remove("annotations");
        }
        if let Some(entries) = metadata
            .get_mut("managedFields")
            .and_then(Value::as_array_mut)
        {
            entries.retain(|e| e["manager"] != "kube-controller-manager");
        }
        object.as_object_mut().expect("an object").remove("status");
        object
    }

    fn secret_data(&self) -> Value {
        self.get("v1", "Secret", "api-secrets").unwrap()["data"].clone()
    }
}

#[track_caller]
fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        status(output),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// `kubectl wizard <command> -f <state> <extra>`.
fn wizard_on(env: &Env, command: &str, state: &Path, extra: &[&str]) -> Output {
    let mut args = vec![command, "-f", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.wizard(&args)
}

fn apply(env: &Env, state: &Path, extra: &[&str]) -> Output {
    wizard_on(env, "apply", state, extra)
}

fn diff(env: &Env, state: &Path, extra: &[&str]) -> Output {
    wizard_on(env, "diff", state, extra)
}

const CREATED: &str = "\
namespace/shop created
configmap/api-config created
secret/api-secrets created
service/api created
deployment.apps/api created
5 object(s): 5 created
";

const UNCHANGED: &str = "\
namespace/shop unchanged
configmap/api-config unchanged
secret/api-secrets unchanged
service/api unchanged
deployment.apps/api unchanged
5 object(s): 5 unchanged
";

#[test]
fn apply_creates_in_order_then_diff_is_clean_and_reapply_is_unchanged() {
    let (env, state) = Env::with_state();

    let first = apply(&env, &state, &[]);
    assert_code(&first, 0);
    assert_eq!(stdout(&first), env.local(CREATED));
    let deployment = env.get("apps/v1", "Deployment", "api").unwrap();
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["metadata"]["managedFields"][0]["manager"],
        "kubectl-wizard"
    );
    assert_eq!(
        deployment["metadata"]["managedFields"][0]["operation"],
        "Apply"
    );

    let clean = diff(&env, &state, &[]);
    assert_code(&clean, 0);
    assert_eq!(stdout(&clean), "");

    let second = apply(&env, &state, &[]);
    assert_code(&second, 0);
    assert_eq!(stdout(&second), env.local(UNCHANGED));
    let after = env.get("apps/v1", "Deployment", "api").unwrap();
    assert_eq!(env.written(&after), env.written(&deployment));
}

#[test]
fn a_changed_state_shows_exactly_the_changed_lines() {
    let (env, _) = Env::applied();

    let changed = env.write_state(&STATE.replace("replicas: 2", "replicas: 3"));
    let out = diff(&env, &changed, &[]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            &env.local(
                "--- Deployment/shop/api (live)\n+++ Deployment/shop/api (after apply)\n@@ "
            )
        ),
        "{text}"
    );
    let changes: Vec<&str> = text
        .lines()
        .skip(2)
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .collect();
    assert_eq!(changes, ["-  replicas: 2", "+  replicas: 3"]);
    // Piped output carries no colour codes.
    assert!(!text.contains('\x1b'));
    // The diff was a dry run: nothing changed on the server.
    assert_eq!(env.replicas(), 2);
}

#[test]
fn diff_of_nothing_live_shows_every_object_as_added_with_secrets_masked() {
    let (env, state) = Env::with_state();
    let out = diff(&env, &state, &[]);
    assert_code(&out, 1);
    let text = stdout(&out);
    for title in [
        "Namespace/shop",
        "ConfigMap/shop/api-config",
        "Secret/shop/api-secrets",
        "Service/shop/api",
        "Deployment/shop/api",
    ] {
        assert!(
            text.contains(&env.local(&format!("+++ {title} (after apply)\n@@ -0,0 +1,"))),
            "{title}\n{text}"
        );
    }
    assert!(
        text.contains("+  API_KEY: '***'\n+  DB_PASSWORD: '***'\n"),
        "{text}"
    );
    assert!(!text.contains("Q0hBTkdFX01F"), "{text}");
    let shown = stdout(&diff(&env, &state, &["--show-secrets"]));
    assert!(shown.contains("+  API_KEY: Q0hBTkdFX01F\n"), "{shown}");
    assert!(env.get("v1", "Namespace", &env.namespace).is_none());
}

#[test]
fn apply_and_diff_list_each_kind_once_send_one_request_per_object_and_no_discovery() {
    let (env, state) = Env::applied();
    if !env.require_fake("counts the requests in the test server's log") {
        return;
    }
    let all = env.server.requests();
    // The ApplySet parent: known missing from the list of Secrets (no read
    // of its own), applied once: after the Namespace it lives in, before
    // any member (KEP-3659: the parent lists the kinds before they exist).
    let parent: Vec<String> = all
        .iter()
        .filter(|r| r.path.contains("/secrets/applyset-shop"))
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(parent, ["PATCH"]);
    let writes: Vec<&str> = all
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.path.split('?').next().unwrap())
        .collect();
    assert_eq!(
        writes[..2],
        [
            "/api/v1/namespaces/shop",
            "/api/v1/namespaces/shop/secrets/applyset-shop"
        ]
    );
    assert_eq!(writes.len(), 6, "{writes:?}");
    let requests: Vec<_> = all
        .into_iter()
        .filter(|r| !r.path.contains("/secrets/applyset-shop"))
        .collect();
    // Four applies, and the Secret's create-only POST.
    assert_eq!(requests.iter().filter(|r| r.method == "PATCH").count(), 4);
    assert_eq!(requests.iter().filter(|r| r.method == "POST").count(), 1);
    // One list per kind and namespace (the state before, to tell
    // "unchanged", and the Secrets' live values): no read per object but
    // the Namespace's (not a list of every namespace of the cluster).
    let lists = |requests: &[support::RequestRecord]| -> Vec<String> {
        let mut reads: Vec<String> = requests
            .iter()
            .filter(|r| r.method == "GET")
            .map(|r| r.path.split('?').next().unwrap().to_string())
            .collect();
        reads.sort();
        reads
    };
    let expected = [
        "/api/v1/namespaces/shop",
        "/api/v1/namespaces/shop/configmaps",
        "/api/v1/namespaces/shop/secrets",
        "/api/v1/namespaces/shop/services",
        "/apis/apps/v1/namespaces/shop/deployments",
    ];
    assert_eq!(lists(&requests), expected);
    // Nothing else: no discovery (`/api`, `/apis/...`, `/openapi/...`).
    assert_eq!(requests.len(), 10, "{requests:?}");

    env.server.reset_requests();
    assert_code(&diff(&env, &state, &[]), 0);
    let requests = env.server.requests();
    let dry_runs: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("dryRun=All"))
        .collect();
    assert_eq!(dry_runs.len(), 5, "{requests:?}");
    assert!(dry_runs
        .iter()
        .all(|r| r.path.contains("fieldManager=kubectl-wizard")));
    assert_eq!(lists(&requests), expected);
    assert_eq!(requests.len(), 10);

    // A re-apply of the same state: the parent lists every kind already,
    // so it is neither read on its own nor written; one write per object.
    env.server.reset_requests();
    assert_code(&apply(&env, &state, &[]), 0);
    let requests = env.server.requests();
    assert!(
        requests.iter().all(|r| !r.path.contains("/applyset-shop")),
        "{requests:?}"
    );
    assert_eq!(lists(&requests), expected);
    assert_eq!(requests.len(), 10, "{requests:?}");

    // A new kind: the parent is written with the Namespace (which exists),
    // before any member, and lists the Ingress before it is sent.
    env.server.reset_requests();
    let grown = env.write_state(&format!("ingress: shop.example.com\n{STATE}"));
    assert_code(&apply(&env, &grown, &[]), 0);
    let mut writes: Vec<String> = env
        .server
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.path.split('?').next().unwrap().to_string())
        .collect();
    assert_eq!(writes.len(), 7, "{writes:?}");
    writes[..2].sort();
    assert_eq!(
        writes[..2],
        [
            "/api/v1/namespaces/shop",
            "/api/v1/namespaces/shop/secrets/applyset-shop"
        ]
    );
    let parent = env
        .get("v1", "Secret", "applyset-shop")
        .expect("the parent");
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        "ConfigMap,Deployment.apps,Ingress.networking.k8s.io,Secret,Service"
    );
}

/// `--concurrency` bounds every request of a run together: the lists
/// that answer while the first writes go count too. With them overlapping,
/// the outcomes are still told from the state before and printed in apply
/// order, once every list has answered.
#[test]
fn concurrency_bounds_the_reads_and_writes_of_a_run_together() {
    let env = Env::new();
    if !env.require_fake("counts the requests in flight at the test server") {
        return;
    }
    let services: String = ["api", "web", "jobs"]
        .iter()
        .map(|name| {
            format!(
                "  - {{name: {name}, image: \"{name}:1\", port: 8080, envVars: [{{key: MODE, value: fast}}, {{key: TOKEN, type: secret}}]}}\n"
            )
        })
        .collect();
    let state = env.write_state(&format!("namespace: shop\n_services:\n{services}"));
    // Long enough that the requests of a run overlap.
    env.server.faults().set_latency_ms(20);
    let lines = |verb: &str| -> String {
        let mut text = format!("namespace/shop {verb}\n");
        for name in ["api", "web", "jobs"] {
            text.push_str(&format!(
                "configmap/{name}-config {verb}\nsecret/{name}-secrets {verb}\n"
            ));
        }
        for name in ["api", "web", "jobs"] {
            text.push_str(&format!("service/{name} {verb}\n"));
        }
        for name in ["api", "web", "jobs"] {
            text.push_str(&format!("deployment.apps/{name} {verb}\n"));
        }
        text.push_str(&format!("13 object(s): 13 {verb}\n"));
        text
    };

    env.server.take_peak_in_flight();
    let first = apply(&env, &state, &["--concurrency", "3"]);
    assert_code(&first, 0);
    assert_eq!(stdout(&first), lines("created"));
    // Five reads (the Namespace, four lists) would go at once unbounded.
    assert_eq!(env.server.take_peak_in_flight(), 3);

    let again = apply(&env, &state, &["--concurrency", "1"]);
    assert_code(&again, 0);
    assert_eq!(stdout(&again), lines("unchanged"));
    assert_eq!(env.server.take_peak_in_flight(), 1);
}

#[test]
fn another_managers_field_is_a_conflict_unless_forced() {
    let (env, state) = Env::applied();
    env.kubectl_ok(&[
        "patch",
        "deployment",
        "api",
        "-n",
        &env.namespace,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":5}}"#,
    ]);

    let refused = apply(&env, &state, &[]);
    assert_code(&refused, 1);
    let errors = stderr(&refused);
    assert!(errors.contains(
        "error: deployment.apps/api: conflict with another field manager: .spec.replicas is owned by \"kubectl-patch\"\n"
    ), "{errors}");
    assert!(
        errors.contains("run again with --force-conflicts"),
        "{errors}"
    );
    assert!(
        errors.contains("1 of 5 objects were not applied: deployment.apps/api (failed)"),
        "{errors}"
    );
    assert_eq!(env.replicas(), 5);

    let forced = apply(&env, &state, &["--force-conflicts"]);
    assert_code(&forced, 0);
    assert!(stdout(&forced).contains("deployment.apps/api serverside-applied\n"));
    assert_eq!(env.replicas(), 2);
}

#[test]
fn a_namespace_that_existed_and_is_refused_skips_nothing() {
    // The Namespace existed before the run: the objects in it do not wait
    // for its apply, and its conflict is its failure alone.
    let (env, _) = Env::applied();
    env.kubectl_ok(&[
        "label",
        "namespace",
        &env.namespace,
        "--overwrite",
        "app.kubernetes.io/part-of=billing",
    ]);
    let changed = env.write_state(&STATE.replace("replicas: 2", "replicas: 3"));
    let out = apply(&env, &changed, &[]);
    assert_code(&out, 1);
    let errors = stderr(&out);
    let namespace = format!("namespace/{}", env.namespace);
    assert!(
        errors.contains(&format!(
            "error: {namespace}: conflict with another field manager"
        )),
        "{errors}"
    );
    assert!(!errors.contains("skipped"), "{errors}");
    assert!(
        errors.contains(&format!(
            "1 of 5 objects were not applied: {namespace} (failed)"
        )),
        "{errors}"
    );
    assert!(stdout(&out).contains("deployment.apps/api serverside-applied\n"));
    assert_eq!(env.replicas(), 3);
}

#[test]
fn a_secret_value_set_by_kubectl_survives_reapply_and_diff_sees_no_change() {
    let (env, state) = Env::applied();
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": "Q0hBTkdFX01F", "DB_PASSWORD": "Q0hBTkdFX01F"})
    );
    // The real value, set the way people do.
    env.kubectl_ok(&[
        "patch",
        "secret",
        "api-secrets",
        "-n",
        &env.namespace,
        "-p",
        r#"{"data":{"API_KEY":"cmVhbC1rZXk="}}"#,
    ]);

    assert_code(&diff(&env, &state, &[]), 0);
    // The apply leaves the value to its new owner: nothing to write.
    let again = apply(&env, &state, &[]);
    assert_code(&again, 0);
    assert_eq!(stdout(&again), env.local(UNCHANGED));
    assert_eq!(env.secret_data()["API_KEY"], "cmVhbC1rZXk=");
    assert_eq!(env.secret_data()["DB_PASSWORD"], "Q0hBTkdFX01F");
}

#[test]
fn a_secret_value_applied_by_another_manager_survives_reapply() {
    let (env, state) = Env::applied();
    let manifest = env.path("vault.yaml");
    std::fs::write(
        &manifest,
        env.local("apiVersion: v1\nkind: Secret\nmetadata: {name: api-secrets, namespace: shop}\ndata: {DB_PASSWORD: ZnJvbS12YXVsdA==}\n"),
    )
    .unwrap();
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "--field-manager",
        "vault",
        "--force-conflicts",
        "-f",
        manifest.to_str().unwrap(),
    ]);

    assert_code(&apply(&env, &state, &[]), 0);
    assert_eq!(env.secret_data()["DB_PASSWORD"], "ZnJvbS12YXVsdA==");
    assert_eq!(env.secret_data()["API_KEY"], "Q0hBTkdFX01F");
}

#[test]
fn a_secret_key_removed_from_the_state_is_not_deleted() {
    let (env, _) = Env::applied();
    env.kubectl_ok(&[
        "patch",
        "secret",
        "api-secrets",
        "-n",
        &env.namespace,
        "-p",
        r#"{"data":{"DB_PASSWORD":"aHVudGVyMg=="}}"#,
    ]);

    let fewer = env.write_state(&STATE.replace("      - {key: DB_PASSWORD, type: secret}\n", ""));
    assert_code(&diff(&env, &fewer, &["--show-secrets"]), 1);
    let applied = apply(&env, &fewer, &[]);
    assert_code(&applied, 0);
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": "Q0hBTkdFX01F", "DB_PASSWORD": "aHVudGVyMg=="})
    );
    // And again: the key this manager no longer lists is still kept.
    assert_code(&apply(&env, &fewer, &[]), 0);
    assert_eq!(env.secret_data()["DB_PASSWORD"], "aHVudGVyMg==");
}

#[test]
fn dry_runs_persist_nothing() {
    let (env, state) = Env::with_state();
    let server = apply(&env, &state, &["--dry-run=server"]);
    assert_code(&server, 0);
    assert_eq!(
        stdout(&server),
        env.local("namespace/shop created (server dry run)\n\
         configmap/api-config created (server dry run; its namespace does not exist yet, so the server could not check it)\n\
         secret/api-secrets created (server dry run; its namespace does not exist yet, so the server could not check it)\n\
         service/api created (server dry run; its namespace does not exist yet, so the server could not check it)\n\
         deployment.apps/api created (server dry run; its namespace does not exist yet, so the server could not check it)\n\
         5 object(s) (server dry run): 5 created\n")
    );
    assert!(env.get("v1", "Namespace", &env.namespace).is_none());
    assert!(env.get("apps/v1", "Deployment", "api").is_none());

    // A client dry run sends nothing: against the test server (idle
    // beside a real cluster too), whose log stays empty.
    let idle = env.path("test-server-kubeconfig");
    env.server.write_kubeconfig(&idle).unwrap();
    env.server.reset_requests();
    let client = wizard_with_kubeconfig_env(
        &env,
        idle.to_str().unwrap(),
        &["apply", "-f", state.to_str().unwrap(), "--dry-run=client"],
    );
    assert_code(&client, 0);
    assert!(stdout(&client).contains("deployment.apps/api serverside-applied (dry run)\n"));
    assert!(env.server.requests().is_empty());

    // Once the objects exist, a server dry run of a change reports it and
    // still leaves the cluster alone.
    assert_code(&apply(&env, &state, &[]), 0);
    let changed = env.write_state(&STATE.replace("replicas: 2", "replicas: 7"));
    let server = apply(&env, &changed, &["--dry-run=server"]);
    assert_code(&server, 0);
    assert!(stdout(&server).contains("deployment.apps/api serverside-applied (server dry run)\n"));
    assert!(stdout(&server).contains("configmap/api-config unchanged (server dry run)\n"));
    assert_eq!(env.replicas(), 2);
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let (env, state) = Env::with_state();
    if !env.require_fake("injects 429s and 500s and counts the requests") {
        return;
    }
    let faults = env.server.faults();
    faults.set_retry_after(0);
    faults.throttle_next(2);
    assert_code(&apply(&env, &state, &[]), 0);
    // 5 lists and 5 writes, plus the 2 throttled attempts again, and the
    // ApplySet parent's apply.
    assert_eq!(env.server.requests().len(), 13);
    assert_eq!(faults.hits(), 2, "both 429s were sent");
    faults.fail_next(2);
    let changed = env.write_state(&STATE.replace("replicas: 2", "replicas: 4"));
    let out = apply(&env, &changed, &[]);
    assert_eq!(faults.hits(), 4, "both 500s were sent");
    assert_code(&out, 0);
    assert!(stdout(&out).contains("deployment.apps/api serverside-applied\n"));
    assert_eq!(env.replicas(), 4);
}

#[test]
fn dropped_connections_are_retried_then_reported() {
    let (env, state) = Env::with_state();
    if !env.require_fake("drops connections") {
        return;
    }
    let faults = env.server.faults();
    faults.drop_next(2);
    let out = apply(&env, &state, &[]);
    assert_eq!(faults.hits(), 2, "both connections were dropped");
    assert_code(&out, 0);
    assert_eq!(stdout(&out), CREATED);

    faults.only_paths_containing(Some("/configmaps/"));
    faults.drop_next(100);
    let out = diff(&env, &state, &[]);
    assert_code(&out, 3);
    assert!(
        stderr(&out).contains(
            "error: configmap/api-config: the connection to the server was lost before its answer"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("4 attempt(s)"), "{}", stderr(&out));
}

#[test]
fn a_hung_request_times_out_and_what_depends_on_it_is_skipped() {
    let (env, state) = Env::with_state();
    if !env.require_fake("leaves requests unanswered") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/configmaps/"));
    faults.hang_next(100);
    let out = apply(&env, &state, &["--request-timeout", "300ms"]);
    // No answer is a fault of the cluster: 3, as from diff (one table).
    assert_code(&out, 3);
    let errors = stderr(&out);
    assert!(errors.contains(
        "error: configmap/api-config: no answer within the request timeout of 300ms (4 attempt(s))"
    ), "{errors}");
    assert!(errors.contains(
        "deployment.apps/api skipped: it depends on configmap/api-config, which was not applied"
    ), "{errors}");
    assert!(errors.ends_with(
        "error: 3 of 5 objects were not applied: configmap/api-config (failed), service/api (skipped), deployment.apps/api (skipped)\n"
    ), "{errors}");
    assert!(
        stdout(&out).ends_with("5 object(s): 2 created, 1 failed, 2 skipped\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("secret/api-secrets created\n"));
    assert!(env.get("apps/v1", "Deployment", "api").is_none());
    assert!(env.get("v1", "Secret", "api-secrets").is_some());
}

#[test]
fn a_server_too_slow_for_the_request_timeout_is_a_cluster_failure() {
    // Every answer comes after the time-out: nothing is applied, and the
    // exit status is the cluster-failure one (3), not "some objects" (1).
    let (env, state) = Env::with_state();
    env.server.faults().set_latency_ms(400);
    if !env.require_fake("slows every answer down") {
        return;
    }
    let out = apply(&env, &state, &["--request-timeout", "100ms"]);
    assert_code(&out, 3);
    let errors = stderr(&out);
    assert!(
        errors.contains(
            "error: secret/applyset-shop (the ApplySet parent): no answer within the request timeout of 100ms (4 attempt(s))"
        ),
        "{errors}"
    );
    assert!(!errors.contains("panicked"), "{errors}");
}

#[test]
fn connection_problems_get_one_clear_line() {
    let (env, state) = Env::with_state();
    if !env.require_fake("rejects tokens and stops the test server") {
        return;
    }

    let wrong_context = env.wizard(&["diff", "-f", state.to_str().unwrap(), "--context", "prod"]);
    assert_code(&wrong_context, 3);
    assert!(
        stderr(&wrong_context).starts_with("error: context \"prod\" not found in the kubeconfig")
    );
    assert!(stderr(&wrong_context).contains("known contexts: test"));

    env.server.faults().reject_tokens(true);
    let expired = apply(&env, &state, &[]);
    assert_code(&expired, 3);
    assert!(
        stderr(&expired).contains("rejected the credentials (401 Unauthorized"),
        "{}",
        stderr(&expired)
    );
    assert_eq!(stderr(&expired).lines().count(), 1, "{}", stderr(&expired));

    let port = env.server.port();
    drop(env);
    let gone = Env::new();
    let text = std::fs::read_to_string(&gone.kubeconfig)
        .unwrap()
        .replace(&gone.server.port().to_string(), &port.to_string());
    std::fs::write(&gone.kubeconfig, text).unwrap();
    let state = gone.write_state(STATE);
    let unreachable = diff(&gone, &state, &[]);
    assert_code(&unreachable, 3);
    assert_eq!(
        stderr(&unreachable),
        format!("error: cannot reach the cluster at http://127.0.0.1:{port}: Connection refused (os error 111) (is the server running, and are --context/--kubeconfig the right ones?)\n")
    );
}

#[test]
fn wait_succeeds_when_the_workloads_become_ready() {
    let (env, state) = Env::with_state();
    if !env.require_fake("only the test server's controller makes the image api:1 ready") {
        return;
    }
    let out = apply(&env, &state, &["--wait", "--timeout", "20s"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("deployment.apps/api ready (2/2)\n"), "{text}");
    assert!(text.ends_with("1 workload(s) ready\n"), "{text}");
}

#[test]
fn wait_says_a_job_is_complete_not_ready() {
    let env = Env::new();
    if !env.require_fake("only the test server's controller completes a Job of the image tool:1") {
        return;
    }
    let state = env.write_state(
        "namespace: shop\n_services:\n  - {name: migrate, kind: Job, image: \"tool:1\", command: \"migrate\"}\n",
    );
    let out = apply(&env, &state, &["--wait", "--timeout", "20s"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("job.batch/migrate complete (1/1)\n"),
        "{text}"
    );
    assert!(!text.contains("job.batch/migrate ready"), "{text}");
}

#[test]
fn wait_times_out_naming_the_workload() {
    // No controller here; on a real cluster no node can pull `api:1`.
    let env = Env::cluster_in(
        ServerOptions {
            ready_delay: None,
            ..ServerOptions::default()
        },
        "shop",
    );
    let state = env.write_state(STATE);
    let out = apply(&env, &state, &["--wait", "--timeout", "1s"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out)
            .contains("error: timed out after 1s waiting for deployment.apps/api (0/2 ready"),
        "{}",
        stderr(&out)
    );
}

/// `kubectl diff --server-side` of a rendered folder, as `manager` (or as
/// kubectl's own field manager).
fn kubectl_diff(env: &Env, dir: &Path, manager: Option<&str>) -> Output {
    let mut args = vec!["diff", "--server-side", "-f", dir.to_str().unwrap()];
    if let Some(manager) = manager {
        args.extend(["--field-manager", manager]);
    }
    env.kubectl(&args)
}

/// The rendered files of a state, without kustomization.yaml (which kubectl
/// would take for an object).
fn render_dir(env: &Env, state: &Path) -> PathBuf {
    let dir = env.path("rendered");
    let out = env.wizard(&[
        "render",
        "-f",
        state.to_str().unwrap(),
        "--output-dir",
        dir.to_str().unwrap(),
        "--force",
    ]);
    assert_code(&out, 0);
    std::fs::remove_file(dir.join("kustomization.yaml")).unwrap();
    dir
}

/// Rendered files carry no ApplySet label (kubectl's own `--applyset`
/// refuses input that has one; apply adds it): applied server-side as the
/// same manager, that label is all they would change.
#[track_caller]
fn only_the_set_label_differs(kubectl_diff: &Output) {
    assert_code(kubectl_diff, 1);
    let text = stdout(kubectl_diff);
    let changed: Vec<&str> = text
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    assert!(!changed.is_empty());
    assert!(
        changed
            .iter()
            .all(|l| l.starts_with("-    applyset.kubernetes.io/part-of: applyset-")),
        "{text}"
    );
}

#[test]
fn kubectl_sees_and_agrees_with_what_wizard_applied() {
    let (env, state) = Env::applied();

    let got = env.kubectl_ok(&[
        "get",
        "deployment",
        "api",
        "-n",
        &env.namespace,
        "-o",
        "json",
    ]);
    let deployment: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "api:1"
    );

    let dir = render_dir(&env, &state);
    only_the_set_label_differs(&kubectl_diff(&env, &dir, Some("kubectl-wizard")));
    assert_code(&diff(&env, &state, &[]), 0);

    let changed = env.write_state(&STATE.replace("MODE, value: fast", "MODE, value: slow"));
    let dir = render_dir(&env, &changed);
    let theirs = kubectl_diff(&env, &dir, Some("kubectl-wizard"));
    assert_code(&theirs, 1);
    assert!(stdout(&theirs).contains("+  MODE: slow"));
    let ours = diff(&env, &changed, &[]);
    assert_code(&ours, 1);
    assert!(stdout(&ours).contains("-  MODE: fast\n+  MODE: slow\n"));

    // After wizard applies the change, both agree again.
    assert_code(&apply(&env, &changed, &[]), 0);
    only_the_set_label_differs(&kubectl_diff(&env, &dir, Some("kubectl-wizard")));
    assert_code(&diff(&env, &changed, &[]), 0);

    // kubectl's own server-side apply (its own field manager) works on the
    // objects too: same values, so it co-owns them without conflict, and
    // wizard still sees them in sync.
    assert_code(&kubectl_diff(&env, &dir, None), 0);
    let kubectl_apply = env.kubectl_ok(&["apply", "--server-side", "-f", dir.to_str().unwrap()]);
    assert!(stdout(&kubectl_apply).contains("deployment.apps/api serverside-applied"));
    assert_code(&diff(&env, &changed, &[]), 0);
    assert_eq!(stdout(&apply(&env, &changed, &[])), env.local(UNCHANGED));
}

#[test]
fn kubectl_scale_takes_replicas_and_a_reapply_names_it_until_forced() {
    // `kubectl scale` writes through the `/scale` subresource; the server
    // records manager "kubectl" (subresource scale) as owner of
    // .spec.replicas, so apply of another count conflicts with it.
    let (env, state) = Env::applied();
    let scaled = env.kubectl_ok(&[
        "scale",
        "deployment",
        "api",
        "-n",
        &env.namespace,
        "--replicas=5",
    ]);
    assert!(stdout(&scaled).contains("deployment.apps/api scaled"));
    assert_eq!(env.replicas(), 5);

    let preview = diff(&env, &state, &[]);
    assert_code(&preview, 3);
    let out = apply(&env, &state, &[]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains(
        "error: deployment.apps/api: conflict with another field manager: .spec.replicas is owned by \"kubectl\""
    ), "{}", stderr(&out));
    assert_eq!(env.replicas(), 5);

    let forced = apply(&env, &state, &["--force-conflicts"]);
    assert_code(&forced, 0);
    assert!(stdout(&forced).contains("deployment.apps/api serverside-applied\n"));
    assert_eq!(env.replicas(), 2);
    let got = env.kubectl_ok(&[
        "get",
        "deployment",
        "api",
        "-n",
        &env.namespace,
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(stdout(&got), "2");
}

#[test]
fn a_secret_made_by_kubectl_create_keeps_its_values_and_gets_only_missing_keys() {
    // `kubectl create namespace|secret generic` send protobuf bodies, as
    // client-go's typed clients do; the Secret exists before wizard's
    // first apply, holding one of the state's keys and one of its own.
    let (env, state) = Env::with_state();
    env.kubectl_ok(&["create", "namespace", &env.namespace]);
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "api-secrets",
        "-n",
        &env.namespace,
        "--from-literal=API_KEY=real-key",
        "--from-literal=EXTRA=kept",
    ]);
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": "cmVhbC1rZXk=", "EXTRA": "a2VwdA=="})
    );

    let preview = diff(&env, &state, &[]);
    assert_code(&preview, 1);
    assert!(
        stdout(&preview)
            .contains(" data:\n   API_KEY: '***'\n+  DB_PASSWORD: '***'\n   EXTRA: '***'\n"),
        "{}",
        stdout(&preview)
    );
    assert!(!stdout(&preview).contains("cmVhbC1rZXk="));

    let out = apply(&env, &state, &[]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("secret/api-secrets serverside-applied\n"));
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": "cmVhbC1rZXk=", "DB_PASSWORD": "Q0hBTkdFX01F", "EXTRA": "a2VwdA=="})
    );
    assert_code(&diff(&env, &state, &[]), 0);
}

#[test]
fn a_rollout_finishing_during_a_reapply_is_not_a_change() {
    // Right after the first apply the controller marks the Deployment
    // ready (300 ms later), a status write that moves its resourceVersion.
    // The second apply lists the objects before that, and its ConfigMap
    // (two 500s, retried) delays the Deployment until after it: the
    // Deployment's content is the same, so it is still "unchanged".
    let (env, state) = Env::applied();
    if !env.require_fake("faults the ConfigMap's requests to time a controller's write") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/configmaps/api-config"));
    faults.fail_next(2);
    let again = apply(&env, &state, &[]);
    assert_eq!(faults.hits(), 2, "the ConfigMap's apply failed twice");
    assert_code(&again, 0);
    assert_eq!(stdout(&again), env.local(UNCHANGED));
    let status = &env.get("apps/v1", "Deployment", "api").unwrap()["status"];
    assert_eq!(status["readyReplicas"], 2, "the controller ran meanwhile");
}

/// kubectl-wizard with `KUBECONFIG` set (no `--kubeconfig`).
fn wizard_with_kubeconfig_env(env: &Env, kubeconfig: &str, args: &[&str]) -> Output {
    Command::cargo_bin("kubectl-wizard")
        .unwrap()
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", env.dir.path())
        .output()
        .unwrap()
}

#[test]
fn a_kubeconfig_list_skips_missing_files_as_kubectl_does() {
    let (env, state) = Env::applied();
    let missing = env.path("missing-kubeconfig");
    let list = std::env::join_paths([missing.as_path(), env.kubeconfig.as_path()]).unwrap();
    let list = list.to_str().unwrap();
    let state = state.to_str().unwrap();
    assert_code(
        &wizard_with_kubeconfig_env(&env, list, &["diff", "-f", state]),
        0,
    );

    // None of the files exists: one line, a cluster failure.
    let other = env.path("also-missing");
    let none = std::env::join_paths([missing.as_path(), other.as_path()]).unwrap();
    let out = wizard_with_kubeconfig_env(&env, none.to_str().unwrap(), &["diff", "-f", state]);
    assert_code(&out, 3);
    assert_eq!(
        stderr(&out),
        format!(
            "error: cannot read the kubeconfig KUBECONFIG={}: none of its files exists\n",
            none.to_str().unwrap()
        )
    );
}

#[test]
fn a_malformed_kubeconfig_is_one_line() {
    let (env, state) = Env::with_state();
    let broken = env.path("broken-kubeconfig");
    std::fs::write(&broken, "apiVersion: v1\nclusters: 5\n").unwrap();
    let out = Command::cargo_bin("kubectl-wizard")
        .unwrap()
        .args(["diff", "-f", state.to_str().unwrap(), "--kubeconfig"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_code(&out, 3);
    let errors = stderr(&out);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(
        errors.starts_with(&format!(
            "error: cannot read the kubeconfig {}: ",
            broken.display()
        )),
        "{errors}"
    );
    assert!(errors.contains("line 2 column 11"), "{errors}");
}

#[test]
fn apply_finishes_quietly_when_its_reader_goes_away() {
    // `kubectl wizard apply … | head -1`: the pipe closes after the first
    // line; the apply still completes every phase, with no panic message.
    let (env, state) = Env::with_state();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-wizard"))
        .args(["apply", "-f", state.to_str().unwrap(), "--kubeconfig"])
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    assert_eq!(stderr(&out), "");
    assert!(env.get("apps/v1", "Deployment", "api").is_some());
}

#[test]
fn a_server_that_is_not_kubernetes_is_named_as_such() {
    // Something answers on the kubeconfig's address, but with bare 404s
    // (a web server, a proxy): the message says what came back.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                use std::io::{BufRead, BufReader, Write};
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                // Answer each request once its headers are read (keep-alive).
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        let reply = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
                        if stream.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    let env = Env::new();
    if !env.require_fake("rewrites the test server's kubeconfig to a web server's address") {
        return;
    }
    let kubeconfig = env.path("web-server-kubeconfig");
    let text = std::fs::read_to_string(&env.kubeconfig).unwrap().replace(
        &format!("127.0.0.1:{}", env.server.port()),
        &format!("127.0.0.1:{port}"),
    );
    std::fs::write(&kubeconfig, text).unwrap();
    let state = env.write_state(STATE);
    let out = Command::cargo_bin("kubectl-wizard")
        .unwrap()
        .args(["diff", "-f", state.to_str().unwrap(), "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .unwrap();
    assert_code(&out, 3);
    assert!(stderr(&out).contains(
        "error: namespace/shop: 404 Not Found, with an empty answer (is the kubeconfig's server a Kubernetes API server?)\n"
    ), "{}", stderr(&out));
}

// ---- Secrets: no documented path writes a placeholder over a live value ----

impl Env {
    /// Runs kubectl with `input` on its standard input, expecting success.
    fn kubectl_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write as _;
        let mut child = std::process::Command::new(KUBECTL)
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out
    }

    /// The namespace and a Secret `api-secrets` holding a real API_KEY,
    /// made by kubectl before wizard ever ran.
    fn live_secret(&self) {
        self.kubectl_ok(&["create", "namespace", &self.namespace]);
        self.kubectl_ok(&[
            "create",
            "secret",
            "generic",
            "api-secrets",
            "-n",
            &self.namespace,
            "--from-literal=API_KEY=real-key",
        ]);
    }
}

/// base64 of `real-key`, the live value every test below must keep.
const REAL_KEY: &str = "cmVhbC1rZXk=";

#[test]
fn render_o_yaml_piped_into_kubectl_apply_keeps_live_secret_values() {
    let (env, state) = Env::with_state();
    env.live_secret();

    let out = env.wizard(&["render", "-f", state.to_str().unwrap(), "-o", "yaml"]);
    assert_code(&out, 0);
    assert!(!stdout(&out).contains("kind: Secret"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("CHANGE_ME"));
    let err = stderr(&out);
    let note: Vec<&str> = err.lines().collect();
    assert_eq!(note.len(), 1, "one line: {note:?}");
    assert!(
        note[0].starts_with(
            "note: left out 1 Secret(s) (api-secrets): they hold only the CHANGE_ME placeholder"
        ) && note[0].contains(&env.local("kubectl create secret generic api-secrets -n shop"))
            && note[0].contains("--include-secrets"),
        "{}",
        note[0]
    );

    // The example of `--help`, client-side and server-side.
    env.kubectl_stdin(&["apply", "-f", "-"], &out.stdout);
    env.kubectl_stdin(&["apply", "--server-side", "-f", "-"], &out.stdout);
    assert_eq!(env.secret_data(), serde_json::json!({"API_KEY": REAL_KEY}));
    assert!(env.get("apps/v1", "Deployment", "api").is_some());

    // Asked for, the Secret is printed, placeholders and all.
    let with = env.wizard(&[
        "render",
        "-f",
        state.to_str().unwrap(),
        "-o",
        "json",
        "--include-secrets",
    ]);
    assert_code(&with, 0);
    assert_eq!(stderr(&with), "");
    let list: Value = serde_json::from_slice(&with.stdout).unwrap();
    let secret = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "Secret")
        .expect("the Secret is printed");
    assert_eq!(secret["stringData"]["API_KEY"], "CHANGE_ME");
}

#[test]
fn kubectl_apply_k_and_f_of_the_rendered_folder_keep_live_secret_values() {
    let (env, state) = Env::with_state();
    env.live_secret();
    let dir = env.path("k8s");
    let out = env.wizard(&[
        "render",
        "-f",
        state.to_str().unwrap(),
        "--output-dir",
        dir.to_str().unwrap(),
    ]);
    assert_code(&out, 0);
    let secret_file = dir.join("secrets").join("api-secrets.yaml");
    assert!(stdout(&out).contains(&format!("wrote     {}\n", secret_file.display())));
    let secret_text = std::fs::read_to_string(&secret_file).unwrap();
    assert!(secret_text.contains("API_KEY: CHANGE_ME"), "{secret_text}");
    assert!(!dir.join("api-secrets.yaml").exists());
    let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
    // Not a resource; only the comment that records what render wrote names it.
    let resources = serde_yaml::from_str::<Value>(&kustomization).unwrap()["resources"].clone();
    assert!(!resources.to_string().contains("secret"), "{kustomization}");
    let note = stderr(&out);
    assert_eq!(note.lines().count(), 1, "{note}");
    assert!(
        note.starts_with(&format!(
            "note: 1 Secret(s) with the CHANGE_ME placeholder are in {}, which kustomization.yaml leaves out",
            dir.join("secrets").display()
        )) && note.contains(&env.local("kubectl create secret generic NAME -n shop")),
        "{note}"
    );

    env.kubectl_ok(&["apply", "-k", dir.to_str().unwrap()]);
    assert_eq!(env.secret_data(), serde_json::json!({"API_KEY": REAL_KEY}));
    assert!(env.get("apps/v1", "Deployment", "api").is_some());
    // `-f <dir>` does not descend into secrets/ either.
    std::fs::remove_file(dir.join("kustomization.yaml")).unwrap();
    env.kubectl_ok(&["apply", "-f", dir.to_str().unwrap()]);
    assert_eq!(env.secret_data(), serde_json::json!({"API_KEY": REAL_KEY}));
}

#[test]
fn apply_creates_a_missing_secret_with_a_create_only_request() {
    let (env, state) = Env::with_state();
    if !env.require_fake("reads the request log") {
        return;
    }
    let out = apply(&env, &state, &[]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("secret/api-secrets created\n"));
    let writes: Vec<String> = env
        .server
        .requests()
        .into_iter()
        .filter(|r| {
            r.path.contains("/secrets") && !r.path.contains("/applyset-") && r.method != "GET"
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        writes,
        ["POST /api/v1/namespaces/shop/secrets?&fieldManager=kubectl-wizard"],
        "one create, no apply"
    );
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": "Q0hBTkdFX01F", "DB_PASSWORD": "Q0hBTkdFX01F"})
    );
}

#[test]
fn a_secret_that_a_stale_list_leaves_out_is_not_overwritten_even_when_forced() {
    // apply reads the Secrets with one list, served here by a cache that
    // has not seen kubectl create the Secret: the same as someone creating
    // it between wizard's list and its write. Believing it missing, apply
    // may only create it with a POST, which the server refuses (409
    // AlreadyExists); apply then reads it and keeps its live value.
    let (env, state) = Env::with_state();
    if !env.require_fake("serves a list from a stale cache") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/namespaces/shop/secrets"));
    env.server.serve_stale_lists(1);
    env.live_secret();
    env.server.reset_requests();

    let out = apply(&env, &state, &["--force-conflicts"]);
    // Read before the test's own reads below join the log. The writes'
    // queries hold their parameters; the method and path tell the story.
    let secret_requests: Vec<String> = env
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/secrets") && !r.path.contains("/applyset-"))
        .map(|r| format!("{} {}", r.method, r.path.split('?').next().unwrap_or("")))
        .collect();
    assert_eq!(
        faults.hits(),
        1,
        "the list of Secrets came from the stale cache"
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("secret/api-secrets serverside-applied\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("secret/api-secrets created"));
    assert_eq!(
        env.secret_data(),
        serde_json::json!({"API_KEY": REAL_KEY, "DB_PASSWORD": "Q0hBTkdFX01F"}),
        "the live value is kept"
    );
    assert_eq!(
        secret_requests,
        [
            "GET /api/v1/namespaces/shop/secrets",
            "POST /api/v1/namespaces/shop/secrets",
            "GET /api/v1/namespaces/shop/secrets/api-secrets",
            "PATCH /api/v1/namespaces/shop/secrets/api-secrets",
        ],
        "the list (stale), a create-only POST (refused: it exists), a read, an apply"
    );
}

// ---- Time and exit codes ----

/// kubectl-wizard, killed after `limit` (a test that would hang fails).
fn wizard_within(env: &Env, limit: std::time::Duration, args: &[&str]) -> Output {
    Command::cargo_bin("kubectl-wizard")
        .unwrap()
        .args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("HOME", env.dir.path())
        .timeout(limit)
        .output()
        .unwrap()
}

#[test]
fn wait_with_timeout_0_waits_without_limit() {
    let (env, state) = Env::with_state();
    if !env.require_fake(
        "only the test server's controller makes the image api:1 ready (it would wait forever)",
    ) {
        return;
    }
    let out = apply(&env, &state, &["--wait", "--timeout", "0"]);
    assert_code(&out, 0);
    assert!(
        stdout(&out).ends_with("1 workload(s) ready\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("internal error"), "{}", stderr(&out));
}

#[test]
fn the_wait_timeout_bounds_a_hanging_status_request() {
    // The first status read of the Deployment never gets an answer, and
    // there is no --request-timeout: --timeout 2s must still end the wait.
    let (env, state) = Env::with_state();
    if !env.require_fake("leaves a status read unanswered") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.only_method(Some("GET"));
    faults.hang_next(1);
    let started = std::time::Instant::now();
    let out = wizard_within(
        &env,
        std::time::Duration::from_secs(30),
        &[
            "apply",
            "-f",
            state.to_str().unwrap(),
            "--wait",
            "--timeout",
            "2s",
        ],
    );
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("error: timed out after 2s waiting for deployment.apps/api"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn the_same_server_failure_gives_the_same_exit_status_from_apply_and_diff() {
    let (env, state) = Env::with_state();
    if !env.require_fake("injects 503s") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.answer_next(100, 503, "etcd is busy");
    let applied = apply(&env, &state, &[]);
    assert_code(&applied, 3);
    assert!(
        stderr(&applied).contains(
            "error: deployment.apps/api: 503 ServiceUnavailable: etcd is busy (after 4 attempts)"
        ),
        "{}",
        stderr(&applied)
    );
    assert!(stdout(&applied).contains("service/api created\n"));
    let diffed = diff(&env, &state, &[]);
    assert_code(&diffed, 3);
    assert!(
        stderr(&diffed)
            .contains("error: deployment.apps/api: 503 ServiceUnavailable: etcd is busy"),
        "{}",
        stderr(&diffed)
    );
}

/// kube-apiserver answers an apply configuration with duplicate list keys
/// with a 500 (`failed to create typed patch object`): the same answer
/// every time, so one attempt, and the object is refused (exit 1), not a
/// cluster fault.
#[test]
fn a_typed_patch_refusal_is_not_retried() {
    let (env, state) = Env::with_state();
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.only_method(Some("PATCH"));
    let message = r#"failed to create typed patch object (shop/api; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="api"].env: duplicate entries for key [name="A"]"#;
    faults.answer_next(100, 500, message);
    let applied = apply(&env, &state, &[]);
    assert_code(&applied, 1);
    let errors = stderr(&applied);
    assert!(
        errors.contains(&format!(
            "error: deployment.apps/api: 500 InternalError: {message}\n"
        )),
        "{errors}"
    );
    let patches = env
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/deployments/api"))
        .count();
    assert_eq!(patches, 1, "retried");
}

#[test]
fn credentials_refused_mid_apply_still_say_what_was_applied_and_what_not() {
    let env = Env::new();
    if !env.require_fake("injects a 401") {
        return;
    }
    let state = env.write_state(&format!("ingress: shop.example.com\n{STATE}"));
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.answer_next(1, 401, "token expired");
    let out = apply(&env, &state, &[]);
    assert_code(&out, 3);
    assert_eq!(
        stdout(&out),
        "namespace/shop created\nconfigmap/api-config created\nsecret/api-secrets created\n\
         service/api created\n6 object(s): 4 created, 1 failed, 1 not sent\n"
    );
    let errors = stderr(&out);
    assert!(
        errors.contains("error: deployment.apps/api: the server at http://127.0.0.1:")
            && errors.contains("rejected the credentials (401 Unauthorized: token expired;"),
        "{errors}"
    );
    assert!(
        errors.contains(
            "ingress.networking.k8s.io/api-ingress not sent: the run stopped before it\n"
        ),
        "{errors}"
    );
    assert!(
        errors.ends_with(
            "; 2 of 6 objects were not applied: deployment.apps/api (failed), ingress.networking.k8s.io/api-ingress (not sent)\n"
        ),
        "{errors}"
    );
    assert!(env.get("v1", "Service", "api").is_some());
}

#[test]
fn of_two_concurrent_applies_only_one_says_created() {
    // Both list before either writes (each request takes 300 ms): the
    // server's 201 or 200, not the list, tells who created each object.
    let (env, state) = Env::with_state();
    if !env.require_fake("slows every answer down to make two applies race") {
        return;
    }
    env.server.faults().set_latency_ms(300);
    let args = ["apply", "-f", state.to_str().unwrap()];
    let (first, second) = std::thread::scope(|scope| {
        let a = scope.spawn(|| env.wizard(&args));
        let b = scope.spawn(|| env.wizard(&args));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_code(&first, 0);
    assert_code(&second, 0);
    for object in [
        "namespace/shop",
        "configmap/api-config",
        "secret/api-secrets",
        "service/api",
        "deployment.apps/api",
    ] {
        let line = format!("{object} created\n");
        let said = [&first, &second]
            .iter()
            .filter(|o| stdout(o).contains(&line))
            .count();
        assert_eq!(
            said,
            1,
            "{object}:\n{}\n{}",
            stdout(&first),
            stdout(&second)
        );
    }
}

// ---- Server text reaches the terminal sanitised ----

#[test]
fn escape_sequences_and_huge_messages_from_the_server_are_made_safe() {
    let (env, state) = Env::with_state();
    if !env.require_fake("injects the server's answers") {
        return;
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.answer_next(1, 422, "\u{1b}]0;owned\u{7}\u{1b}[2Jbad \u{1b}[31mred");
    let out = apply(&env, &state, &[]);
    assert_code(&out, 1);
    let errors = stderr(&out);
    assert!(
        !errors.contains('\u{1b}') && !errors.contains('\u{7}'),
        "{errors:?}"
    );
    assert!(
        errors.contains("error: deployment.apps/api: 422 Invalid: \u{fffd}]0;owned\u{fffd}\u{fffd}[2Jbad \u{fffd}[31mred\n"),
        "{errors:?}"
    );

    faults.answer_next(2, 422, &"x".repeat(50 * 1024 * 1024));
    for command in ["apply", "diff"] {
        let out = wizard_on(&env, command, &state, &[]);
        let errors = stderr(&out);
        assert!(
            errors.len() < 16 * 1024,
            "{command}: {} bytes of stderr",
            errors.len()
        );
        assert!(
            // An error body is read up to 64 KiB: the Status is cut short
            // inside its message, which is still shown as the message (cut
            // at 4 KB), never as raw JSON.
            errors.contains(&format!(
                "error: deployment.apps/api: 422 Unprocessable Entity: {}",
                "x".repeat(1000)
            )) && !errors.contains("\"kind\""),
            "{command}: {}",
            crate::sanitize_for_test(&errors)
        );
    }
}

// ---- diff without phantom changes ----

#[test]
fn a_controller_writing_during_diff_is_never_a_change() {
    let (env, state) = Env::applied();
    if !env.require_fake("writes to the object in the middle of a request") {
        return;
    }
    // Let the rollout finish (the controller's own writes), then have a
    // "controller" bump the revision annotation right before the dry run.
    let settled = std::time::Instant::now();
    while env.get("apps/v1", "Deployment", "api").unwrap()["status"]["readyReplicas"] != 2 {
        assert!(settled.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let faults = env.server.faults();
    faults.only_paths_containing(Some("/deployments/api"));
    faults.only_method(Some("PATCH"));
    for revision in ["7", "8", "9"] {
        faults.write_before_next(1, "deployment.kubernetes.io/revision", revision);
        let out = diff(&env, &state, &[]);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), "");
        let live = env.get("apps/v1", "Deployment", "api").unwrap();
        assert_eq!(
            live["metadata"]["annotations"]["deployment.kubernetes.io/revision"], revision,
            "the write happened during the diff"
        );
    }
}

const STATEFUL: &str = r#"
namespace: data
_services:
  - name: db
    kind: StatefulSet
    image: "postgres:16"
    port: 5432
    volumeClaimTemplates:
      - {name: pgdata, mountPath: /var/lib/postgresql, size: 10Gi}
"#;

#[test]
fn a_changed_claim_template_is_refused_naming_the_field_and_the_way_out() {
    let env = Env::cluster_in(ServerOptions::default(), "data");
    let state = env.write_state(STATEFUL);
    assert_code(&apply(&env, &state, &[]), 0);
    let sts = env.get("apps/v1", "StatefulSet", "db").unwrap();
    // Claim templates go out as the server stores them.
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["kind"],
        "PersistentVolumeClaim"
    );

    let grown = env.write_state(&STATEFUL.replace("size: 10Gi", "size: 20Gi"));
    for (command, code) in [("diff", 3), ("apply", 1)] {
        let refused = wizard_on(&env, command, &grown, &[]);
        let errors = stderr(&refused);
        assert!(
            errors.contains("statefulset.apps/db: 422 Invalid: StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than"),
            "{command}: {errors}"
        );
        assert!(
            errors.contains("; spec cannot change: a StatefulSet's claim templates, selector, serviceName and podManagementPolicy are fixed when it is created; to change them, delete it without its pods (`kubectl delete statefulset db --cascade=orphan`: pods and volume claims keep running) and apply again (`apply --recreate-immutable` does that, and `diff --recreate-immutable` shows it first), or keep the old values in the state"),
            "{command}: {errors}"
        );
        assert_eq!(status(&refused), code, "{command}: {errors}");
    }
    // Nothing changed on the cluster.
    let after = env.get("apps/v1", "StatefulSet", "db").unwrap();
    assert_eq!(
        after["spec"]["volumeClaimTemplates"],
        sts["spec"]["volumeClaimTemplates"]
    );
}

impl Env {
    /// `kubectl create` of a JSON object, which must succeed.
    fn kubectl_create(&self, object: &Value) {
        let out = self.kubectl_stdin(&["create", "-f", "-"], object.to_string().as_bytes());
        assert!(out.status.success(), "{}", stderr(&out));
    }

    fn uid_of(&self, api_version: &str, kind: &str, name: &str) -> String {
        let object = self.get(api_version, kind, name);
        let object = object.unwrap_or_else(|| panic!("{kind} {name} exists"));
        object["metadata"]["uid"].as_str().unwrap().to_string()
    }
}

/// What a StatefulSet's controller leaves that must outlive a re-creation:
/// a claim from its template (owned by it, as with `whenDeleted: Delete`)
/// and, standing in for a pod (the test server runs none), an object it
/// controls.
fn statefulset_dependents(env: &Env, uid: &str) {
    let owner = serde_json::json!([{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
        "uid": uid, "controller": true, "blockOwnerDeletion": true}]);
    env.kubectl_create(&serde_json::json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "pgdata-db-0", "namespace": env.namespace, "ownerReferences": owner},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}
    }));
    env.kubectl_create(&serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "db-0", "namespace": env.namespace, "ownerReferences": owner},
        "data": {"pod": "db-0"}
    }));
}

#[test]
fn recreate_immutable_shows_then_recreates_a_statefulset_keeping_its_claims_and_pods() {
    let env = Env::cluster_in(ServerOptions::default(), "data");
    if !env.require_fake("reads the request log; its stand-in pod would meet the real controller's")
    {
        return;
    }
    let state = env.write_state(STATEFUL);
    assert_code(&apply(&env, &state, &[]), 0);
    let old_uid = env.uid_of("apps/v1", "StatefulSet", "db");
    statefulset_dependents(&env, &old_uid);
    let grown = env.write_state(&STATEFUL.replace("size: 10Gi", "size: 20Gi"));

    let shown = diff(&env, &grown, &["--recreate-immutable"]);
    assert_code(&shown, 1);
    let text = stdout(&shown);
    assert!(
        text.starts_with("# StatefulSet/data/db would be re-created: deleted with its pods orphaned (pods and volume claims keep running; the new StatefulSet adopts its pods), then created again (spec: Forbidden: updates to statefulset spec for fields other than"),
        "{text}"
    );
    assert!(
        text.contains("-          storage: 10Gi\n+          storage: 20Gi\n"),
        "{text}"
    );
    // Only the claim template changes: the preview is the new object as
    // the server would create it, defaults and all.
    assert_eq!(text.matches("\n-").count(), 2, "{text}");
    assert_eq!(
        env.uid_of("apps/v1", "StatefulSet", "db"),
        old_uid,
        "diff changes nothing"
    );

    let applied = apply(&env, &grown, &["--recreate-immutable"]);
    assert_code(&applied, 0);
    assert!(
        stdout(&applied).contains("statefulset.apps/db re-created\n"),
        "{}",
        stdout(&applied)
    );
    assert!(
        stdout(&applied).contains("1 re-created"),
        "{}",
        stdout(&applied)
    );
    let sts = env.get("apps/v1", "StatefulSet", "db").unwrap();
    assert_ne!(sts["metadata"]["uid"].as_str().unwrap(), old_uid);
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "20Gi"
    );
    // The delete orphaned them: still there, no longer owned by the old one.
    for (kind, name) in [
        ("PersistentVolumeClaim", "pgdata-db-0"),
        ("ConfigMap", "db-0"),
    ] {
        let kept = env.get("v1", kind, name);
        let kept = kept.unwrap_or_else(|| panic!("{kind} {name} survives"));
        assert!(kept["metadata"].get("ownerReferences").is_none(), "{kept}");
    }
    let delete = env
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.trim_end_matches('?').to_string())
        .collect::<Vec<_>>();
    assert_eq!(delete, ["/apis/apps/v1/namespaces/data/statefulsets/db"]);
    assert_code(&diff(&env, &grown, &[]), 0);
}

#[test]
fn recreate_immutable_refuses_a_statefulset_whose_selector_changes() {
    // A StatefulSet made by hand with another selector, taken over by the
    // state: its pods would match no StatefulSet after a re-creation.
    let env = Env::cluster_in(ServerOptions::default(), "data");
    if !env.require_fake("reads the request log (no DELETE sent)") {
        return;
    }
    env.kubectl_ok(&["create", "namespace", &env.namespace]);
    env.kubectl_create(&serde_json::json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": env.namespace},
        "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "legacy"}},
            "template": {"metadata": {"labels": {"app": "legacy"}},
                "spec": {"containers": [{"name": "db", "image": "postgres:15"}]}}}
    }));
    let old_uid = env.uid_of("apps/v1", "StatefulSet", "db");
    let state = env.write_state(STATEFUL);
    for command in ["diff", "apply"] {
        // Taking the fields over from kubectl first, as a real server
        // reports conflicts before it validates.
        let flags = ["--recreate-immutable", "--force-conflicts"];
        let refused = wizard_on(&env, command, &state, &flags);
        let errors = stderr(&refused);
        assert!(
            errors.contains("(not re-created: its selector changes: the running pods would match no StatefulSet"),
            "{command}: {errors}"
        );
        assert_ne!(status(&refused), 0, "{command}");
    }
    assert_eq!(env.uid_of("apps/v1", "StatefulSet", "db"), old_uid);
    assert!(env.server.requests().iter().all(|r| r.method != "DELETE"));
}

const JOB: &str = "namespace: shop\n_services:\n  - {name: migrate, kind: Job, image: \"tool:1\", command: \"migrate\"}\n";

#[test]
fn recreate_immutable_recreates_a_job_with_its_pods() {
    let env = Env::new();
    let state = env.write_state(JOB);
    assert_code(&apply(&env, &state, &[]), 0);
    let old_uid = env.uid_of("batch/v1", "Job", "migrate");
    env.kubectl_create(&serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "migrate-pod", "namespace": env.namespace, "ownerReferences": [{
            "apiVersion": "batch/v1", "kind": "Job", "name": "migrate", "uid": old_uid,
            "controller": true, "blockOwnerDeletion": true}]},
        "data": {"pod": "migrate-abcde"}
    }));
    let changed = env.write_state(&JOB.replace("tool:1", "tool:2"));
    let plain = apply(&env, &changed, &[]);
    assert_code(&plain, 1);
    assert!(
        stderr(&plain).contains("spec.template: Invalid value")
            && stderr(&plain).contains("`apply --recreate-immutable` does that"),
        "{}",
        stderr(&plain)
    );
    let shown = diff(&env, &changed, &["--recreate-immutable"]);
    assert_code(&shown, 1);
    let text = stdout(&shown);
    assert!(
        text.starts_with(&env.local("# Job/shop/migrate would be re-created: deleted with its pods, then created again (it runs again) (spec.template: ")),
        "{text}"
    );
    assert!(
        text.contains("-        image: tool:1\n+        image: tool:2\n"),
        "{text}"
    );
    assert!(
        !text.contains("wizard-preview"),
        "the stand-in name never shows: {text}"
    );

    let dry = apply(
        &env,
        &changed,
        &["--recreate-immutable", "--dry-run=server"],
    );
    assert_code(&dry, 0);
    assert!(
        stdout(&dry).contains("job.batch/migrate re-created (server dry run)"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        env.uid_of("batch/v1", "Job", "migrate"),
        old_uid,
        "a dry run deletes nothing"
    );

    let applied = apply(&env, &changed, &["--recreate-immutable"]);
    assert_code(&applied, 0);
    assert!(
        stdout(&applied).contains("job.batch/migrate re-created\n"),
        "{}",
        stdout(&applied)
    );
    let job = env.get("batch/v1", "Job", "migrate").unwrap();
    assert_ne!(job["metadata"]["uid"].as_str().unwrap(), old_uid);
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["image"],
        "tool:2"
    );
    // Its pods went with it (a real garbage collector takes a moment).
    support::eventually("the Job's pod is deleted with it", || {
        env.get("v1", "ConfigMap", "migrate-pod").is_none()
    });
}

#[test]
fn recreate_immutable_never_deletes_a_claim() {
    let env = Env::new();
    if !env.require_fake("reads the request log (no DELETE sent)") {
        return;
    }
    let state = env.write_state(
        "namespace: shop\n_services:\n  - {name: web, image: nginx, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, storageClass: fast}]}\n",
    );
    assert_code(&apply(&env, &state, &[]), 0);
    let old_uid = env.uid_of("v1", "PersistentVolumeClaim", "web-data");
    let changed = env.write_state(
        "namespace: shop\n_services:\n  - {name: web, image: nginx, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, storageClass: slow}]}\n",
    );
    for command in ["diff", "apply"] {
        let refused = wizard_on(&env, command, &changed, &["--recreate-immutable"]);
        let errors = stderr(&refused);
        assert!(
            errors.contains("(not re-created: a PersistentVolumeClaim is never deleted by --recreate-immutable: its data lives in it)"),
            "{command}: {errors}"
        );
        assert_ne!(status(&refused), 0, "{command}");
    }
    assert_eq!(
        env.uid_of("v1", "PersistentVolumeClaim", "web-data"),
        old_uid
    );
    assert!(env.server.requests().iter().all(|r| r.method != "DELETE"));
}

/// The first 2 KB of a (possibly huge) text, for an assertion message.
fn sanitize_for_test(text: &str) -> String {
    text.chars().take(2048).collect()
}
