//! Tests of the test API server itself, driven by the real `kubectl`: if
//! kubectl is happy with it (and says what it says against a real
//! cluster), our own client can trust it too.
//! With `KUBECTL_WIZARD_TEST_KUBECONFIG` set the kubectl scenarios run
//! against that cluster instead (each in a namespace of its own), which
//! checks that they hold there as they do here; those that need the test
//! server (faults, its request log, its controller's timing) skip
//! themselves, and the tests of the server alone (raw HTTP, kube-rs)
//! still run against it.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{ServerOptions, TestApiServer};
use tempfile::TempDir;

/// A server plus a kubeconfig and a private discovery cache for kubectl.
type Cluster = support::Sandbox;

impl Cluster {
    /// Objects in the kubeconfig's namespace: `default` on the test
    /// server, the test's own on a real cluster.
    fn start() -> Cluster {
        Cluster::cluster(ServerOptions::default())
    }

    /// For the manifests that make the Namespace `shop`: that one on the
    /// test server, a fresh one (not made beforehand) on a real cluster.
    fn start_shop() -> Cluster {
        Cluster::cluster_in(ServerOptions::default(), "shop")
    }

    /// A manifest or expected output with the fixed namespaces (`shop`,
    /// `default`) made the test's own on a real cluster; unchanged on the
    /// test server, where they are the same.
    fn local(&self, text: &str) -> String {
        if self.fake().is_some() {
            return text.to_string();
        }
        let mut text = text.to_string();
        for fixed in ["shop", "default"] {
            for pattern in [
                "namespace: {}",
                "  name: {}\n",
                "namespace/{}",
                "namespaces \"{}\"",
                "({}/",
            ] {
                text = text.replace(
                    &pattern.replace("{}", fixed),
                    &pattern.replace("{}", &self.namespace),
                );
            }
        }
        text
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        let cache = self.dir.path().join("cache");
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&cache)
            .args(args)
            .env_remove("KUBECONFIG")
            .env("KUBECTL_EXTERNAL_DIFF", "diff -u -N")
            .output()
            // No skipping when kubectl is missing: a test that cannot run must not pass.
            .expect("kubectl runs (these tests drive the real kubectl; is it on PATH?)")
    }

    /// Runs kubectl, expecting success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed ({}):\n{}{}",
            out.status,
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs kubectl, expecting the given exit code; returns (stdout, stderr).
    fn exits(&self, code: i32, args: &[&str]) -> (String, String) {
        let out = self.kubectl(args);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(code),
            "kubectl {args:?}:\n{stdout}{stderr}"
        );
        (stdout, stderr)
    }

    fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, self.local(content)).expect("write manifest");
        path.display().to_string()
    }

    /// `kubectl get -o json`, managedFields included.
    fn get_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get", "-o", "json", "--show-managed-fields"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("kubectl printed JSON")
    }

    /// The object in the test's namespace as the API serves it.
    fn stored(&self, api_version: &str, kind: &str, name: &str) -> Value {
        self.find(api_version, kind, name)
            .unwrap_or_else(|| panic!("{kind} {name} is not stored"))
    }

    /// `kubectl get --raw` of the object (or of the Namespace `name`),
    /// `None` on a 404; any other failure fails the test.
    fn find(&self, api_version: &str, kind: &str, name: &str) -> Option<Value> {
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
        let stderr = text(&out.stderr);
        assert!(stderr.contains("(NotFound)"), "GET {path}: {stderr}");
        None
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The managedFields entry of `manager`, if any.
fn managed_by<'a>(object: &'a Value, manager: &str) -> Option<&'a Value> {
    object["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

const NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n";

const CONFIG: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: shop
type: Opaque
stringData:
  password: hunter2
";

const WEB: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          valueFrom:
            configMapKeyRef:
              name: web-config
              key: LOG_LEVEL
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 5
";

const DB: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: postgres
        image: postgres:16
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
";

const JOBS: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: shop
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: shop/migrate
        args: [--up]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: shop/report:1.0
";

/// Writes the realistic set into `app/` (files apply in name order, so
/// the Namespace comes first) and applies it.
fn apply_shop(cluster: &Cluster) -> (String, String) {
    for (name, content) in [
        ("app/00-namespace.yaml", NAMESPACE),
        ("app/10-config.yaml", CONFIG),
        ("app/20-web.yaml", WEB),
        ("app/30-db.yaml", DB),
        ("app/40-jobs.yaml", JOBS),
    ] {
        cluster.write(name, content);
    }
    let dir = cluster.dir.path().join("app").display().to_string();
    let stdout = cluster.ok(&["apply", "--server-side", "-f", &dir]);
    (dir, stdout)
}

#[test]
fn server_side_apply_of_a_realistic_set() {
    let cluster = Cluster::start_shop();
    let (_, stdout) = apply_shop(&cluster);
    let expected = [
        "namespace/shop serverside-applied",
        "configmap/web-config serverside-applied",
        "secret/web-secret serverside-applied",
        "service/web serverside-applied",
        "deployment.apps/web serverside-applied",
        "ingress.networking.k8s.io/web serverside-applied",
        "horizontalpodautoscaler.autoscaling/web serverside-applied",
        "statefulset.apps/db serverside-applied",
        "job.batch/migrate serverside-applied",
        "cronjob.batch/report serverside-applied",
    ];
    let expected: Vec<String> = expected.iter().map(|l| cluster.local(l)).collect();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);

    let sts = cluster.stored("apps/v1", "StatefulSet", "db");
    assert_eq!(sts["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(
        sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"],
        "Retain"
    );
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"],
        "Filesystem"
    );
    let job = cluster.stored("batch/v1", "Job", "migrate");
    assert_eq!(job["spec"]["backoffLimit"], 6);
    assert_eq!(job["spec"]["completionMode"], "NonIndexed");
    assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    let cron = cluster.stored("batch/v1", "CronJob", "report");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Allow");
    assert_eq!(cron["spec"]["successfulJobsHistoryLimit"], 3);
    assert_eq!(cron["spec"]["failedJobsHistoryLimit"], 1);
    let hpa = cluster.stored("autoscaling/v2", "HorizontalPodAutoscaler", "web");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    let svc = cluster.stored("v1", "Service", "web");
    let ip = svc["spec"]["clusterIP"]
        .as_str()
        .expect("clusterIP allocated")
        .to_string();
    assert_eq!(svc["spec"]["clusterIPs"][0], ip.as_str());
    assert_eq!(svc["spec"]["sessionAffinity"], "None");
    assert_eq!(svc["spec"]["internalTrafficPolicy"], "Cluster");
    assert_eq!(svc["spec"]["ipFamilies"][0], "IPv4");
    assert_eq!(svc["spec"]["ports"][0]["protocol"], "TCP");

    // Re-applying is a no-op for kubectl and keeps the allocated IP.
    cluster.ok(&[
        "apply",
        "--server-side",
        "-f",
        &cluster
            .dir
            .path()
            .join("app/20-web.yaml")
            .display()
            .to_string(),
    ]);
    assert_eq!(
        cluster.stored("v1", "Service", "web")["spec"]["clusterIP"],
        ip.as_str()
    );
}

#[test]
fn get_shows_defaults_and_kubectl_ownership() {
    let cluster = Cluster::start_shop();
    apply_shop(&cluster);
    let deploy = cluster.get_json(&["deploy", "web", "-n", &cluster.namespace]);
    let spec = &deploy["spec"];
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(spec["progressDeadlineSeconds"], 600);
    assert_eq!(spec["strategy"]["type"], "RollingUpdate");
    assert_eq!(spec["strategy"]["rollingUpdate"]["maxSurge"], "25%");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["dnsPolicy"], "ClusterFirst");
    assert_eq!(pod["restartPolicy"], "Always");
    assert_eq!(pod["schedulerName"], "default-scheduler");
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod["securityContext"], serde_json::json!({}));
    let container = &pod["containers"][0];
    assert_eq!(container["imagePullPolicy"], "IfNotPresent");
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(container["terminationMessagePolicy"], "File");
    assert_eq!(container["ports"][0]["protocol"], "TCP");
    assert_eq!(deploy["metadata"]["generation"], 1);
    assert!(deploy["metadata"]["uid"].is_string());

    let entry = managed_by(&deploy, "kubectl").expect("kubectl manages the Deployment");
    assert_eq!(entry["operation"], "Apply");
    assert_eq!(entry["apiVersion"], "apps/v1");
    assert_eq!(entry["fieldsType"], "FieldsV1");
    let fields = &entry["fieldsV1"]["f:spec"];
    assert_eq!(fields["f:replicas"], serde_json::json!({}));
    assert_eq!(fields["f:selector"], serde_json::json!({}));
    let web = &fields["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
    assert_eq!(web["."], serde_json::json!({}));
    assert_eq!(web["f:image"], serde_json::json!({}));
    assert!(web["f:ports"]["k:{\"containerPort\":8080,\"protocol\":\"TCP\"}"].is_object());
    // Defaults belong to nobody.
    assert!(web.get("f:imagePullPolicy").is_none());
    assert!(fields.get("f:revisionHistoryLimit").is_none());
}

#[test]
fn controller_rolls_out_workloads_and_completes_jobs() {
    let cluster = Cluster::start_shop();
    if !cluster.require_fake(
        "only the test server's controller runs shop/migrate and readies postgres with no volume",
    ) {
        return;
    }
    apply_shop(&cluster);
    // Watches the Deployment until the controller reports it ready.
    let out = cluster.ok(&[
        "rollout",
        "status",
        "deploy/web",
        "-n",
        &cluster.namespace,
        "--timeout=5s",
    ]);
    assert!(
        out.ends_with("deployment \"web\" successfully rolled out\n"),
        "{out}"
    );
    wait_until("deployment rollout", || {
        let d = cluster.stored("apps/v1", "Deployment", "web");
        d["status"]["readyReplicas"] == 2 && d["status"]["observedGeneration"] == 1
    });
    let deploy = cluster.stored("apps/v1", "Deployment", "web");
    assert_eq!(
        deploy["metadata"]["generation"], 1,
        "status writes keep generation"
    );
    let conditions: Vec<&str> = deploy["status"]["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(conditions, ["Available", "Progressing"]);
    wait_until("statefulset rollout", || {
        let s = cluster.stored("apps/v1", "StatefulSet", "db");
        s["status"]["readyReplicas"] == 1
            && s["status"]["currentRevision"] == s["status"]["updateRevision"]
    });
    wait_until("job completion", || {
        let j = cluster.stored("batch/v1", "Job", "migrate");
        j["status"]["succeeded"] == 1
    });
    let out = cluster.ok(&[
        "wait",
        "--for=condition=complete",
        "job/migrate",
        "-n",
        &cluster.namespace,
        "--timeout=5s",
    ]);
    assert_eq!(out.trim(), "job.batch/migrate condition met");
}

#[test]
fn diff_is_clean_after_apply_and_shows_a_change() {
    let cluster = Cluster::start_shop();
    let (dir, _) = apply_shop(&cluster);
    let (stdout, _) = cluster.exits(0, &["diff", "--server-side", "-f", &dir]);
    assert_eq!(stdout, "");

    let changed = cluster.write(
        "app/20-web.yaml",
        &WEB.replace("replicas: 2", "replicas: 3"),
    );
    let (stdout, _) = cluster.exits(1, &["diff", "--server-side", "-f", &changed]);
    let changes: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    assert_eq!(
        changes,
        [
            "-  generation: 1",
            "+  generation: 2",
            "-  replicas: 2",
            "+  replicas: 3"
        ]
    );
    // A diff is a dry run: nothing changed on the server.
    assert_eq!(
        cluster.stored("apps/v1", "Deployment", "web")["spec"]["replicas"],
        2
    );
}

#[test]
fn apply_conflicts_with_another_manager_until_forced() {
    let cluster = Cluster::start_shop();
    apply_shop(&cluster);
    let file = cluster.write("other/web.yaml", &WEB.replace("replicas: 2", "replicas: 4"));
    let args = [
        "apply",
        "--server-side",
        "--field-manager",
        "other",
        "-f",
        &file,
    ];
    let (_, stderr) = cluster.exits(1, &args);
    assert!(
        stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        "{stderr}"
    );
    let forced = [&args[..], &["--force-conflicts"]].concat();
    cluster.ok(&forced);
    let deploy = cluster.get_json(&["deploy", "web", "-n", &cluster.namespace]);
    assert_eq!(deploy["spec"]["replicas"], 4);
    let other = managed_by(&deploy, "other").expect("other manages");
    assert!(other["fieldsV1"]["f:spec"]["f:replicas"].is_object());
    let kubectl = managed_by(&deploy, "kubectl").expect("kubectl still manages the rest");
    assert!(kubectl["fieldsV1"]["f:spec"].get("f:replicas").is_none());
    // Everything else was applied with equal values: shared, not conflicting.
    assert!(kubectl["fieldsV1"]["f:spec"]["f:selector"].is_object());
}

#[test]
fn apply_conflicts_with_an_update_manager() {
    let cluster = Cluster::start_shop();
    apply_shop(&cluster);
    cluster.ok(&[
        "patch",
        "deploy",
        "web",
        "-n",
        &cluster.namespace,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":5}}"#,
    ]);
    let file = cluster.write(
        "app/20-web.yaml",
        &WEB.replace("replicas: 2", "replicas: 3"),
    );
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &file]);
    assert!(
        stderr.contains(r#"Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas"#),
        "{stderr}"
    );
}

const LABELLED: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    team: a
    tier: b
data:
  first: '1'
  second: '2'
";

#[test]
fn reapplying_without_a_field_removes_it() {
    let cluster = Cluster::start();
    let file = cluster.write("cm.yaml", LABELLED);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let trimmed = LABELLED
        .replace("    tier: b\n", "")
        .replace("  second: '2'\n", "");
    cluster.write("cm.yaml", &trimmed);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let cm = cluster.stored("v1", "ConfigMap", "settings");
    assert_eq!(cm["metadata"]["labels"], serde_json::json!({"team": "a"}));
    assert_eq!(cm["data"], serde_json::json!({"first": "1"}));
}

#[test]
fn a_field_shared_with_another_manager_stays() {
    let cluster = Cluster::start();
    let file = cluster.write("cm.yaml", LABELLED);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    // Same value from a second manager: shared ownership, no conflict.
    let other = cluster.write(
        "other.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  second: '2'\n",
    );
    cluster.ok(&[
        "apply",
        "--server-side",
        "--field-manager",
        "other",
        "-f",
        &other,
    ]);
    cluster.write("cm.yaml", &LABELLED.replace("  second: '2'\n", ""));
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let cm = cluster.get_json(&["cm", "settings"]);
    assert_eq!(cm["data"], serde_json::json!({"first": "1", "second": "2"}));
    let other = managed_by(&cm, "other").expect("other manages y");
    assert_eq!(
        other["fieldsV1"],
        serde_json::json!({"f:data": {"f:second": {}}})
    );
}

#[test]
fn unchanged_apply_keeps_resource_version() {
    let options = ServerOptions {
        ready_delay: None,
        ..ServerOptions::default()
    };
    let cluster = Cluster::cluster(options);
    let file = cluster.write("cm.yaml", LABELLED);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let before = cluster.stored("v1", "ConfigMap", "settings");
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let after = cluster.stored("v1", "ConfigMap", "settings");
    assert_eq!(
        before, after,
        "a no-op apply changes nothing, not even managedFields times"
    );
    cluster.write("cm.yaml", &LABELLED.replace("first: '1'", "first: '9'"));
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let changed = cluster.stored("v1", "ConfigMap", "settings");
    assert_ne!(
        before["metadata"]["resourceVersion"],
        changed["metadata"]["resourceVersion"]
    );
}

#[test]
fn secret_string_data_is_stored_as_data() {
    let cluster = Cluster::start_shop();
    cluster.ok(&[
        "apply",
        "--server-side",
        "-f",
        &cluster.write("ns.yaml", NAMESPACE),
    ]);
    let file = cluster.write("secret.yaml", CONFIG);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let secret = cluster.get_json(&["secret", "web-secret", "-n", &cluster.namespace]);
    assert_eq!(
        secret["data"],
        serde_json::json!({"password": "aHVudGVyMg=="})
    );
    assert!(secret.get("stringData").is_none());
    assert_eq!(secret["type"], "Opaque");
    let (stdout, _) = cluster.exits(0, &["diff", "--server-side", "-f", &file]);
    assert_eq!(stdout, "");
}

#[test]
fn server_dry_run_persists_nothing() {
    let cluster = Cluster::start();
    let file = cluster.write("cm.yaml", LABELLED);
    let out = cluster.ok(&["apply", "--server-side", "--dry-run=server", "-f", &file]);
    assert_eq!(
        out.trim(),
        "configmap/settings serverside-applied (server dry run)"
    );
    assert!(cluster.find("v1", "ConfigMap", "settings").is_none());
    let (_, stderr) = cluster.exits(1, &["get", "cm", "settings"]);
    assert_eq!(
        stderr.trim(),
        r#"Error from server (NotFound): configmaps "settings" not found"#
    );
}

#[test]
fn missing_object_and_namespace_are_not_found() {
    let cluster = Cluster::start_shop();
    // In a namespace that exists (kubectl names a missing one instead).
    let (_, stderr) = cluster.exits(1, &["get", "deploy", "missing", "-n", "default"]);
    assert_eq!(
        stderr.trim(),
        r#"Error from server (NotFound): deployments.apps "missing" not found"#
    );
    let file = cluster.write("web.yaml", WEB);
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &file]);
    assert!(
        stderr.contains(&cluster.local(r#"namespaces "shop" not found"#)),
        "{stderr}"
    );
}

#[test]
fn invalid_objects_are_rejected_with_422_messages() {
    let cluster = Cluster::start();
    let bad = WEB
        .split("---")
        .nth(1)
        .expect("deployment doc")
        .replace(
            "      labels:\n        app: web\n    spec:",
            "      labels:\n        app: other\n    spec:",
        )
        .replace("namespace: shop", "namespace: default");
    let file = cluster.write("bad.yaml", &bad);
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &file]);
    assert!(
        stderr.contains(r#"The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`"#),
        "{stderr}"
    );
    let file = cluster.write(
        "name.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    );
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &file]);
    assert!(stderr.contains(r#"The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain"#), "{stderr}");
}

#[test]
fn rejected_credentials_give_kubectl_unauthorized() {
    let options = ServerOptions {
        allow_anonymous: false,
        ..ServerOptions::default()
    };
    let cluster = Cluster::cluster_in(options, "default");
    if !cluster.require_fake("needs a server that refuses anonymous requests, then rejects tokens")
    {
        return;
    }
    let (_, stderr) = cluster.exits(1, &["get", "configmaps"]);
    assert!(
        stderr.contains("error: You must be logged in to the server"),
        "{stderr}"
    );

    let cluster = Cluster::start();
    cluster.ok(&["get", "configmaps"]);
    cluster.server.faults().reject_tokens(true);
    let (_, stderr) = cluster.exits(1, &["get", "configmaps"]);
    assert!(
        stderr.contains("You must be logged in to the server"),
        "{stderr}"
    );
}

#[test]
fn kubectl_retries_throttled_requests() {
    let cluster = Cluster::start();
    if !cluster.require_fake("injects a 429 and counts the requests") {
        return;
    }
    cluster.ok(&["get", "namespaces"]);
    let faults = cluster.server.faults();
    faults.only_paths_containing(Some("/configmaps"));
    faults.throttle_next(1);
    cluster.server.reset_requests();
    cluster.ok(&["get", "configmaps"]);
    let lists = cluster
        .server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/configmaps"))
        .count();
    assert_eq!(lists, 2, "one 429, one retry");
}

#[test]
fn a_stale_list_misses_a_new_object_that_reads_and_creates_see() {
    // kube-apiserver can serve a list from its watch cache, which lags
    // behind etcd; a read of one object and a create go to etcd.
    let cluster = Cluster::start();
    if !cluster.require_fake("serves a list from a stale cache") {
        return;
    }
    let list = |cluster: &Cluster| -> Value {
        let text = cluster.ok(&["get", "--raw", "/api/v1/namespaces/default/secrets"]);
        serde_json::from_str(&text).expect("a SecretList")
    };
    let names = |list: &Value| -> Vec<String> {
        let items = list["items"].as_array().expect("items");
        items
            .iter()
            .map(|item| {
                item["metadata"]["name"]
                    .as_str()
                    .expect("a name")
                    .to_string()
            })
            .collect()
    };
    let faults = cluster.server.faults();
    faults.only_paths_containing(Some("/namespaces/default/secrets"));
    let before = list(&cluster);
    cluster.server.serve_stale_lists(1);
    cluster.ok(&["create", "secret", "generic", "token", "--from-literal=k=v"]);

    let stale = list(&cluster);
    assert_eq!(faults.hits(), 1, "the list came from the stale cache");
    assert!(names(&stale).is_empty(), "{stale}");
    assert_eq!(
        stale["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"],
        "the cache's own, older resourceVersion"
    );
    let stored = |cluster: &Cluster| -> Value {
        let text = cluster.ok(&["get", "--raw", "/api/v1/namespaces/default/secrets/token"]);
        serde_json::from_str::<Value>(&text).expect("a Secret")["data"].clone()
    };
    assert_eq!(stored(&cluster), serde_json::json!({"k": "dg=="}));

    // A create of the object the list left out is refused, with the
    // Status a real server sends (no `group` for a core kind).
    let (_, stderr) = cluster.exits(
        1,
        &["create", "secret", "generic", "token", "--from-literal=k=w"],
    );
    assert_eq!(
        stderr.trim(),
        r#"error: failed to create secret secrets "token" already exists"#
    );
    let file = cluster.write(
        "token.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  k: w\n",
    );
    let (_, stderr) = cluster.exits(1, &["create", "-f", &file]);
    assert_eq!(
        stderr.trim(),
        format!(
            r#"Error from server (AlreadyExists): error when creating "{file}": secrets "token" already exists"#
        )
    );
    let (code, body) = raw_exchange(
        cluster.server.port(),
        "POST",
        "/api/v1/namespaces/default/secrets",
        None,
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"token"},"data":{"k":"dw=="}}"#,
    )
    .expect("an answer");
    assert_eq!(code, 409);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("a Status"),
        serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "secrets \"token\" already exists", "reason": "AlreadyExists",
            "details": {"name": "token", "kind": "secrets"}, "code": 409
        })
    );

    // One stale list was armed: the next one is current.
    let current = list(&cluster);
    assert_eq!(names(&current), ["token"]);
    assert_eq!(faults.hits(), 1);
    assert_eq!(stored(&cluster), serde_json::json!({"k": "dg=="}), "kept");
}

/// A minimal HTTP/1.1 exchange on a fresh connection: (status, body).
fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> std::io::Result<(u16, String)> {
    raw_exchange(port, method, path, token, "")
}

/// `raw_request` sending `body` (JSON) with the request.
fn raw_exchange(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}{content}Connection: close\r\n\r\n{body}"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn faults_drop_hang_fail_and_count_requests() {
    let server = TestApiServer::start();
    let port = server.port();
    let faults = server.faults();
    let path = "/api/v1/namespaces/default";

    faults.drop_next(1);
    let dropped = raw_request(port, "GET", path, None).expect("connection");
    assert_eq!(dropped, (0, String::new()), "closed without a response");

    faults.hang_next(1);
    let hung = raw_request(port, "GET", path, None);
    assert!(hung.is_err(), "no answer within the client timeout");

    faults.set_error_fraction(0.5);
    let codes: Vec<u16> = (0..4)
        .map(|_| raw_request(port, "GET", path, None).expect("answer").0)
        .collect();
    assert_eq!(codes, [200, 500, 200, 500]);
    faults.clear();

    let (code, body) = raw_request(port, "GET", path, Some("wrong")).expect("answer");
    assert_eq!(code, 401);
    let status: Value = serde_json::from_str(&body).expect("Status JSON");
    assert_eq!(status["reason"], "Unauthorized");

    let started = Instant::now();
    faults.set_latency_ms(200);
    assert_eq!(raw_request(port, "GET", path, None).expect("answer").0, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
    faults.clear();

    let records = server.requests();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r.method == "GET" && r.path == path));
    assert_eq!(records[6].bearer_token.as_deref(), Some("wrong"));
}

#[test]
fn serves_many_concurrent_clients() {
    let server = TestApiServer::start();
    let port = server.port();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                (0..20)
                    .map(|_| {
                        raw_request(port, "GET", "/api/v1/namespaces", None)
                            .map(|r| r.0)
                            .unwrap_or(0)
                    })
                    .filter(|code| *code == 200)
                    .count()
            })
        })
        .collect();
    let ok: usize = threads
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .sum();
    assert_eq!(ok, 16 * 20);
}

#[test]
fn get_watch_streams_changes() {
    let cluster = Cluster::start();
    if !cluster.require_fake("sees the watch start in the test server's request log") {
        return;
    }
    let file = cluster.write("cm.yaml", LABELLED);
    cluster.ok(&["apply", "--server-side", "-f", &file]);
    let cache = cluster.dir.path().join("cache");
    let watcher = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .arg("--cache-dir")
        .arg(&cache)
        .args([
            "get",
            "cm",
            "settings",
            "--watch",
            "--output-watch-events",
            "--request-timeout=3s",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start kubectl get --watch");
    wait_until("the watch to start", || {
        cluster
            .server
            .requests()
            .iter()
            .any(|r| r.path.contains("watch=true"))
    });
    cluster.ok(&["delete", "cm", "settings"]);
    let out = watcher
        .wait_with_output()
        .expect("kubectl get --watch output");
    let stdout = text(&out.stdout);
    let events: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(events, ["EVENT", "ADDED", "DELETED"]);
}

/// Our own client library (kube-rs) must work against the server too.
#[tokio::test]
async fn kube_rs_client_discovers_applies_and_reads() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, Patch, PatchParams};

    let server = TestApiServer::start();
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path).expect("write kubeconfig");
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("read kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    let discovery = kube::discovery::Discovery::new(client.clone())
        .run_aggregated()
        .await
        .expect("aggregated discovery");
    assert!(discovery.has_group("apps"));

    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "from-kube"}, "data": {"a": "1"}
    }))
    .expect("configmap");
    let params = PatchParams::apply("kubectl-wizard").force();
    let first = api
        .patch("from-kube", &params, &Patch::Apply(&cm))
        .await
        .expect("apply");
    let again = api
        .patch("from-kube", &params, &Patch::Apply(&cm))
        .await
        .expect("re-apply");
    assert_eq!(
        first.metadata.resource_version,
        again.metadata.resource_version
    );
    let missing = api.get("missing").await.expect_err("missing object");
    assert!(
        missing
            .to_string()
            .contains(r#"configmaps "missing" not found"#),
        "{missing}"
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.bearer_token.as_deref() == Some(server.token())));
}

#[test]
fn deleted_namespaces_terminate_then_vanish() {
    // Long enough to look at the Terminating namespace on a busy machine.
    let options = ServerOptions {
        ready_delay: Some(Duration::from_secs(2)),
        ..ServerOptions::default()
    };
    let cluster = Cluster::cluster_in(options, "shop");
    if !cluster.require_fake("times the Terminating phase by the test server's controller delay") {
        return;
    }
    cluster.ok(&[
        "apply",
        "--server-side",
        "-f",
        &cluster.write("ns.yaml", NAMESPACE),
    ]);
    cluster.ok(&["delete", "namespace", "shop", "--wait=false"]);
    let phase = cluster.ok(&["get", "namespace", "shop", "-o", "jsonpath={.status.phase}"]);
    assert_eq!(phase, "Terminating");
    let file = cluster.write(
        "cm.yaml",
        &LABELLED.replace("name: settings", "name: settings\n  namespace: shop"),
    );
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &file]);
    assert!(
        stderr.contains(r#"configmaps "settings" is forbidden: unable to create new content in namespace shop because it is being terminated"#),
        "{stderr}"
    );
    wait_until("namespace removal", || {
        cluster.server.get("v1", "Namespace", "", "shop").is_none()
    });
}

#[test]
fn server_side_apply_refuses_undeclared_fields_and_wrong_types_as_a_real_server_does() {
    let cluster = Cluster::start();
    let deployment = |extra: &str, replicas: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: q, namespace: default}}\n\
             spec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n    \
             metadata: {{labels: {{a: b}}}}\n    spec:\n      containers:\n      - name: c\n        \
             image: i\n        resources: {{limits: {{cpu: 1}}}}\n{extra}"
        )
    };
    let unknown = cluster.write("unknown.yaml", &deployment("        bogus: 1\n", "2"));
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &unknown]);
    assert!(
        stderr.contains(&cluster.local("Error from server (BadRequest): failed to create typed patch object (default/q; apps/v1, Kind=Deployment): .spec.template.spec.containers[0].bogus: field not declared in schema")),
        "{stderr}"
    );
    let wrong_type = cluster.write("wrong.yaml", &deployment("", "\"2\""));
    let (_, stderr) = cluster.exits(1, &["apply", "--server-side", "-f", &wrong_type]);
    assert!(stderr.contains("invalid type: string \"2\""), "{stderr}");
    assert!(cluster.find("apps/v1", "Deployment", "q").is_none());

    // A number where a quantity goes is fine, as on a real server.
    let good = cluster.write("good.yaml", &deployment("", "2"));
    assert!(cluster
        .ok(&["apply", "--server-side", "-f", &good])
        .contains("deployment.apps/q serverside-applied"));
}
