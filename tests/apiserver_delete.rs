//! DELETE on the test API server as kube-apiserver 1.33 and its garbage
//! collector do it, driven through the real `kubectl`: `--cascade=orphan |
//! background | foreground`, `-l`, the per-kind default propagation,
//! preconditions, dry runs, finalizers, and the bodies a real server
//! answers with (`kubectl delete --raw` prints them). With
//! `KUBECTL_WIZARD_TEST_KUBECONFIG` set they run against that cluster.

mod support;

use serde_json::{json, Value};

type Cluster = support::Sandbox;

use support::text;

impl Cluster {
    fn start() -> Cluster {
        Cluster::cluster(support::ServerOptions::default())
    }

    /// The URL path of a namespaced object of the test's namespace.
    fn at(&self, group_version: &str, plural: &str, name: &str) -> String {
        let prefix = if group_version == "v1" {
            "/api"
        } else {
            "/apis"
        };
        format!(
            "{prefix}/{group_version}/namespaces/{}/{plural}/{name}",
            self.namespace
        )
    }

    fn gone(&self, kind: &str, name: &str) {
        support::eventually(&format!("{kind} {name} is gone"), || {
            self.read(kind, name).is_none()
        });
    }

    fn create(&self, object: &Value) {
        self.kubectl_stdout(&["create", "-f", "-"], &object.to_string());
    }

    /// The object as `kubectl get -o json` shows it, `None` when absent.
    fn read(&self, kind: &str, name: &str) -> Option<Value> {
        let out = self.run_kubectl(&["get", kind, name, "-o", "json"], "");
        if !out.status.success() {
            assert!(
                text(&out.stderr).contains("NotFound"),
                "kubectl get {kind} {name}: {}",
                text(&out.stderr)
            );
            return None;
        }
        Some(serde_json::from_slice(&out.stdout).expect("kubectl prints JSON"))
    }

    fn uid(&self, kind: &str, name: &str) -> String {
        let object = self
            .read(kind, name)
            .unwrap_or_else(|| panic!("{kind} {name} exists"));
        object["metadata"]["uid"]
            .as_str()
            .expect("a stored object has a uid")
            .to_string()
    }

    /// `kubectl delete --raw PATH [-f body]`: the answer's body, parsed.
    fn raw_delete(&self, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut args = vec!["delete", "--raw", path];
        if body.is_some() {
            args.extend(["-f", "-"]);
        }
        let stdin = body.map(Value::to_string).unwrap_or_default();
        let out = self.run_kubectl(&args, &stdin);
        if out.status.success() {
            Ok(serde_json::from_slice(&out.stdout).expect("the answer is JSON"))
        } else {
            Err(text(&out.stderr))
        }
    }
}

/// A ConfigMap with these labels and owner references (left out when empty).
fn config_map(name: &str, labels: Value, owners: Value) -> Value {
    let mut object = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"k": "v"}
    });
    if labels.as_object().is_some_and(|l| !l.is_empty()) {
        object["metadata"]["labels"] = labels;
    }
    if owners.as_array().is_some_and(|o| !o.is_empty()) {
        object["metadata"]["ownerReferences"] = owners;
    }
    object
}

fn owner_ref(kind: &str, api_version: &str, name: &str, uid: &str, blocking: bool) -> Value {
    json!({
        "apiVersion": api_version, "kind": kind, "name": name, "uid": uid,
        "controller": true, "blockOwnerDeletion": blocking
    })
}

const STATEFULSET: &str = r#"{"apiVersion": "apps/v1", "kind": "StatefulSet",
  "metadata": {"name": "db"},
  "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
    "template": {"metadata": {"labels": {"app": "db"}},
      "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}}"#;

/// A StatefulSet with a claim it owns (as 1.33's controller sets it with
/// `whenDeleted: Delete`) and a second dependent.
fn statefulset_with_dependents(cluster: &Cluster) -> String {
    cluster.create(&serde_json::from_str(STATEFULSET).expect("valid JSON"));
    let uid = cluster.uid("statefulset", "db");
    let owner = owner_ref("StatefulSet", "apps/v1", "db", &uid, true);
    cluster.create(&json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data-db-0", "ownerReferences": [owner]},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }));
    cluster.create(&config_map("db-0", json!({"app": "db"}), json!([owner])));
    uid
}

#[test]
fn cascade_orphan_keeps_the_dependents_and_removes_their_references_to_the_owner() {
    let cluster = Cluster::start();
    statefulset_with_dependents(&cluster);
    let out = cluster.kubectl_stdout(&["delete", "statefulset", "db", "--cascade=orphan"], "");
    assert!(out.contains("statefulset.apps \"db\" deleted"), "{out}");
    assert_eq!(cluster.read("statefulset", "db"), None);
    for (kind, name) in [("pvc", "data-db-0"), ("configmap", "db-0")] {
        let dependent = cluster
            .read(kind, name)
            .unwrap_or_else(|| panic!("{kind} {name} survives an orphaning delete"));
        assert_eq!(
            dependent["metadata"].get("ownerReferences"),
            None,
            "{kind} {name}"
        );
    }
}

#[test]
fn cascade_background_deletes_the_owner_then_its_dependents_but_not_one_with_another_owner() {
    let cluster = Cluster::start();
    let uid = statefulset_with_dependents(&cluster);
    cluster.create(&config_map("keeper", json!({}), json!([])));
    let keeper = cluster.uid("configmap", "keeper");
    cluster.create(&config_map(
        "shared",
        json!({}),
        json!([
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": uid},
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "keeper", "uid": keeper}
        ]),
    ));
    cluster.kubectl_stdout(&["delete", "statefulset", "db", "--cascade=background"], "");
    assert_eq!(cluster.read("statefulset", "db"), None);
    cluster.gone("pvc", "data-db-0");
    cluster.gone("configmap", "db-0");
    support::eventually("the reference to the gone owner is dropped", || {
        cluster
            .read("configmap", "shared")
            .expect("a live owner keeps it")["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|refs| refs.len() == 1)
    });
    let shared = cluster
        .read("configmap", "shared")
        .expect("a live owner keeps it");
    assert_eq!(
        shared["metadata"]["ownerReferences"],
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "keeper", "uid": keeper}])
    );
}

#[test]
fn cascade_foreground_keeps_the_owner_until_its_blocking_dependents_are_gone() {
    let cluster = Cluster::start();
    cluster.create(&config_map("owner", json!({}), json!([])));
    let uid = cluster.uid("configmap", "owner");
    let mut held = config_map(
        "held",
        json!({}),
        json!([owner_ref("ConfigMap", "v1", "owner", &uid, true)]),
    );
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    cluster.create(&held);
    cluster.create(&config_map(
        "free",
        json!({}),
        json!([owner_ref("ConfigMap", "v1", "owner", &uid, false)]),
    ));
    cluster.kubectl_stdout(
        &[
            "delete",
            "configmap",
            "owner",
            "--cascade=foreground",
            "--wait=false",
        ],
        "",
    );
    let owner = cluster
        .read("configmap", "owner")
        .expect("held by its dependent");
    assert!(
        owner["metadata"]["deletionTimestamp"].is_string(),
        "{owner}"
    );
    assert_eq!(owner["metadata"]["deletionGracePeriodSeconds"], json!(0));
    assert_eq!(
        owner["metadata"]["finalizers"],
        json!(["foregroundDeletion"])
    );
    support::eventually("the held dependent is marked for deletion", || {
        cluster
            .read("configmap", "held")
            .expect("kept by its finalizer")["metadata"]["deletionTimestamp"]
            .is_string()
    });
    cluster.gone("configmap", "free");
    assert!(cluster.read("configmap", "owner").is_some(), "still held");

    cluster.kubectl_stdout(
        &[
            "patch",
            "configmap",
            "held",
            "--type=json",
            "-p",
            r#"[{"op": "remove", "path": "/metadata/finalizers"}]"#,
        ],
        "",
    );
    cluster.gone("configmap", "held");
    cluster.gone("configmap", "owner");
}

#[test]
fn each_kind_has_its_default_propagation() {
    let cluster = Cluster::start();
    // batch/v1 Jobs orphan their dependents unless told otherwise.
    cluster.create(&json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "m", "image": "busybox"}]}}}
    }));
    let job = cluster.uid("job", "migrate");
    cluster.create(&config_map(
        "job-pod",
        json!({}),
        json!([owner_ref("Job", "batch/v1", "migrate", &job, true)]),
    ));
    let answer = cluster
        .raw_delete(&cluster.at("batch/v1", "jobs", "migrate"), None)
        .expect("deleted");
    // Held by the orphan finalizer for as long as the collector needed.
    assert_eq!(
        answer["metadata"]["finalizers"],
        json!(["orphan"]),
        "{answer}"
    );
    cluster.gone("job", "migrate");
    let pod = cluster.read("configmap", "job-pod").expect("orphaned");
    assert_eq!(pod["metadata"].get("ownerReferences"), None);

    // Everything else served deletes its dependents in the background.
    cluster.create(&config_map("parent", json!({}), json!([])));
    let parent = cluster.uid("configmap", "parent");
    cluster.create(&config_map(
        "child",
        json!({}),
        json!([owner_ref("ConfigMap", "v1", "parent", &parent, false)]),
    ));
    let answer = cluster
        .raw_delete(&cluster.at("v1", "configmaps", "parent"), None)
        .expect("deleted");
    assert_eq!(
        answer,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
               "details": {"name": "parent", "kind": "configmaps", "uid": parent}})
    );
    cluster.gone("configmap", "child");
}

#[test]
fn preconditions_must_match_the_stored_object() {
    let cluster = Cluster::start();
    cluster.create(&serde_json::from_str(STATEFULSET).expect("valid JSON"));
    let path = cluster.at("apps/v1", "statefulsets", "db");
    let path = path.as_str();
    let error = cluster
        .raw_delete(
            path,
            Some(&json!({"preconditions": {"uid": "not-the-uid"}})),
        )
        .expect_err("a uid precondition that does not match is refused");
    assert!(
        error.contains("Operation cannot be fulfilled on StatefulSet.apps \"db\": the UID in the precondition (not-the-uid) does not match the UID in record"),
        "{error}"
    );
    let error = cluster
        .raw_delete(
            path,
            Some(&json!({"preconditions": {"resourceVersion": "1"}})),
        )
        .expect_err("a stale resourceVersion precondition is refused");
    assert!(
        error.contains("the ResourceVersion in the precondition (1) does not match"),
        "{error}"
    );
    assert!(cluster.read("statefulset", "db").is_some());
    let uid = cluster.uid("statefulset", "db");
    cluster
        .raw_delete(path, Some(&json!({"preconditions": {"uid": uid}})))
        .expect("a matching precondition deletes");
    assert_eq!(cluster.read("statefulset", "db"), None);
}

#[test]
fn a_dry_run_deletes_nothing_and_answers_as_the_delete_would() {
    let cluster = Cluster::start();
    cluster.create(&config_map("keep", json!({"app": "x"}), json!([])));
    let out = cluster.kubectl_stdout(&["delete", "configmap", "keep", "--dry-run=server"], "");
    assert!(
        out.contains("configmap \"keep\" deleted (server dry run)"),
        "{out}"
    );
    let answer = cluster
        .raw_delete(
            &cluster.at("v1", "configmaps", "keep"),
            Some(&json!({"dryRun": ["All"]})),
        )
        .expect("a dry run succeeds");
    assert_eq!(answer["status"], json!("Success"), "{answer}");
    assert!(cluster.read("configmap", "keep").is_some());
}

#[test]
fn finalizers_keep_an_object_marked_until_the_last_is_removed() {
    let cluster = Cluster::start();
    let mut object = config_map("held", json!({}), json!([]));
    object["metadata"]["finalizers"] = json!(["example.com/a", "example.com/b"]);
    cluster.create(&object);
    let answer = cluster
        .raw_delete(&cluster.at("v1", "configmaps", "held"), None)
        .expect("accepted");
    // 200 with the object, not a Status: it is still there.
    assert_eq!(answer["kind"], json!("ConfigMap"), "{answer}");
    assert!(answer["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        answer["metadata"]["finalizers"],
        json!(["example.com/a", "example.com/b"])
    );
    let refused = cluster.run_kubectl(
        &[
            "patch",
            "configmap",
            "held",
            "--type=merge",
            "-p",
            r#"{"metadata": {"finalizers": ["example.com/a", "example.com/b", "example.com/c"]}}"#,
        ],
        "",
    );
    assert!(
        text(&refused.stderr)
            .contains("no new finalizers can be added if the object is being deleted"),
        "{}",
        text(&refused.stderr)
    );
    let patch = |list: &str| {
        cluster.kubectl_stdout(
            &[
                "patch",
                "configmap",
                "held",
                "--type=merge",
                "-p",
                &format!(r#"{{"metadata": {{"finalizers": {list}}}}}"#),
            ],
            "",
        )
    };
    patch(r#"["example.com/b"]"#);
    assert!(cluster.read("configmap", "held").is_some());
    patch("null");
    cluster.gone("configmap", "held");
}

#[test]
fn a_label_selector_deletes_exactly_the_matching_objects() {
    let cluster = Cluster::start();
    for (name, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
        cluster.create(&config_map(name, json!({"app": app}), json!([])));
    }
    let out = cluster.kubectl_stdout(&["delete", "configmap", "-l", "app=web"], "");
    assert!(
        out.contains("configmap \"a\" deleted") && out.contains("configmap \"b\" deleted"),
        "{out}"
    );
    assert_eq!(cluster.read("configmap", "a"), None);
    assert_eq!(cluster.read("configmap", "b"), None);
    assert!(cluster.read("configmap", "c").is_some());
}

#[test]
fn bad_delete_options_are_refused_as_a_real_server_refuses_them() {
    let cluster = Cluster::start();
    cluster.create(&config_map("x", json!({}), json!([])));
    let path = cluster.at("v1", "configmaps", "x");
    let path = path.as_str();
    let error = cluster
        .raw_delete(path, Some(&json!({"propagationPolicy": "Sideways"})))
        .expect_err("refused");
    assert!(
        error.contains(r#"DeleteOptions "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil""#),
        "{error}"
    );
    let error = cluster
        .raw_delete(
            path,
            Some(&json!({"propagationPolicy": "Orphan", "orphanDependents": true})),
        )
        .expect_err("refused");
    assert!(
        error.contains("orphanDependents and deletionPropagation cannot be both set"),
        "{error}"
    );
    assert!(cluster.read("configmap", "x").is_some());
}
