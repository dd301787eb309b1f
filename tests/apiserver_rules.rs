//! The kube-apiserver 1.33 rules that change what diff and apply show,
//! held against the test API server through the real `kubectl`: defaults
//! as the 1.33 defaulters set them, quantities stored canonically, the
//! 422s a real server answers and the fields it will not let change.
//! With `KUBECTL_WIZARD_TEST_KUBECONFIG` set they run against that cluster
//! (each test in a namespace of its own).

mod support;

use std::process::Output;

use serde_json::Value;

type Cluster = support::Sandbox;

use support::text;

impl Cluster {
    fn start() -> Cluster {
        Cluster::cluster(support::ServerOptions::default())
    }

    /// `kubectl apply --server-side -f -` of `manifest`, which must succeed.
    fn apply(&self, manifest: &str) {
        let out = self.apply_output(manifest);
        assert!(
            out.status.success(),
            "kubectl apply failed:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

    /// The manifests name the namespace `default`; they go to the test's.
    fn apply_output(&self, manifest: &str) -> Output {
        let manifest = manifest
            .replace(
                "namespace: default",
                &format!("namespace: {}", self.namespace),
            )
            .replace(
                "\"namespace\":\"default\"",
                &format!("\"namespace\":\"{}\"", self.namespace),
            );
        self.run_kubectl(
            &[
                "apply",
                "--server-side",
                "--field-manager",
                "test",
                "-f",
                "-",
            ],
            &manifest,
        )
    }

    /// The stderr of an apply that must be refused.
    fn refused(&self, manifest: &str) -> String {
        let out = self.apply_output(manifest);
        assert!(
            !out.status.success(),
            "kubectl apply succeeded but a 1.33 server refuses it:\n{manifest}"
        );
        text(&out.stderr)
    }

    /// The object as the cluster stores it (`kubectl get -o json`).
    fn stored(&self, api_version: &str, kind: &str, name: &str) -> Value {
        self.find(api_version, kind, name)
            .unwrap_or_else(|| panic!("{kind} {name} is stored"))
    }

    fn find(&self, api_version: &str, kind: &str, name: &str) -> Option<Value> {
        let resource = match api_version.split_once('/') {
            Some((group, version)) => format!("{kind}.{version}.{group}"),
            None => kind.to_string(),
        };
        let out = self.run_kubectl(&["get", &resource, name, "-o", "json"], "");
        out.status
            .success()
            .then(|| serde_json::from_slice(&out.stdout).expect("kubectl prints JSON"))
    }
}

const STATEFULSET: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
";

#[test]
fn a_statefulset_rolling_update_gets_a_partition_only_when_the_type_was_left_out() {
    let cluster = Cluster::start();
    cluster.apply(&format!(
        "{STATEFULSET}  updateStrategy: {{type: RollingUpdate}}\n"
    ));
    assert_eq!(
        cluster.stored("apps/v1", "StatefulSet", "db")["spec"]["updateStrategy"],
        serde_json::json!({"type": "RollingUpdate"})
    );
    let unset = STATEFULSET.replace("name: db, namespace", "name: db2, namespace");
    cluster.apply(&unset);
    assert_eq!(
        cluster.stored("apps/v1", "StatefulSet", "db2")["spec"]["updateStrategy"],
        serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    );
}

#[test]
fn an_autoscalers_scale_down_window_is_left_to_the_controller() {
    let cluster = Cluster::start();
    cluster.apply(
        "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 5
  behavior:
    scaleDown: {selectPolicy: Max}
",
    );
    let behavior =
        &cluster.stored("autoscaling/v2", "HorizontalPodAutoscaler", "api")["spec"]["behavior"];
    assert!(
        behavior["scaleDown"]
            .get("stabilizationWindowSeconds")
            .is_none(),
        "{behavior}"
    );
    assert_eq!(behavior["scaleUp"]["stabilizationWindowSeconds"], 0);
}

#[test]
fn quantities_are_stored_in_canonical_form() {
    let cluster = Cluster::start();
    cluster.apply(
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          resources:
            requests: {cpu: '0.5', memory: 0.5Gi}
            limits: {cpu: '1000m', memory: 1.5Gi}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: '2000M'}}
",
    );
    let api = cluster.stored("apps/v1", "Deployment", "api");
    let resources = &api["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(
        resources,
        &serde_json::json!({"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1536Mi"}})
    );
    let pvc = cluster.stored("v1", "PersistentVolumeClaim", "data");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "2G");
}

#[test]
fn a_host_path_volume_gets_an_empty_type() {
    let cluster = Cluster::start();
    cluster.apply(
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: agent}]
      volumes: [{name: logs, hostPath: {path: /var/log}}]
",
    );
    let agent = cluster.stored("apps/v1", "DaemonSet", "agent");
    assert_eq!(
        agent["spec"]["template"]["spec"]["volumes"][0]["hostPath"],
        serde_json::json!({"path": "/var/log", "type": ""})
    );
}

fn deployment_with(pod_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: default}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
{pod_spec}"
    )
}

#[test]
fn a_request_above_its_limit_is_refused() {
    let cluster = Cluster::start();
    let stderr = cluster.refused(&deployment_with(
        "      containers:
        - name: api
          image: api
          resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 250m, memory: 512Mi}}
",
    ));
    assert!(
        stderr.contains(r#"spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: "500m": must be less than or equal to cpu limit of 250m"#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"spec.template.spec.containers[0].resources.requests[memory]: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi"#),
        "{stderr}"
    );
}

#[test]
fn a_toleration_key_that_is_no_label_name_is_refused() {
    let cluster = Cluster::start();
    let stderr = cluster.refused(&deployment_with(
        "      containers: [{name: api, image: api}]
      tolerations: [{key: dedicated node, operator: Exists}]
",
    ));
    assert!(
        stderr.contains(r#"spec.template.spec.tolerations[0].key: Invalid value: "dedicated node": name part must consist of alphanumeric characters"#),
        "{stderr}"
    );
}

#[test]
fn paths_with_a_backstep_are_refused() {
    let cluster = Cluster::start();
    let stderr = cluster.refused(&deployment_with(
        "      containers:
        - name: api
          image: api
          volumeMounts:
            - {name: logs, mountPath: /var/../etc}
            - {name: config, mountPath: /config, subPath: ../secret}
      volumes:
        - {name: logs, hostPath: {path: /var/log/../../etc}}
        - name: config
          configMap: {name: app, items: [{key: app.conf, path: ../app.conf}]}
",
    ));
    for expected in [
        r#"spec.template.spec.volumes[0].hostPath.path: Invalid value: "/var/log/../../etc": must not contain '..'"#,
        r#"spec.template.spec.volumes[1].configMap.items[0].path: Invalid value: "../app.conf": must not contain '..'"#,
        r#"spec.template.spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/var/../etc": must not contain '..'"#,
        r#"spec.template.spec.containers[0].volumeMounts[1].subPath: Invalid value: "../secret": must not contain '..'"#,
    ] {
        assert!(stderr.contains(expected), "{expected}\nnot in\n{stderr}");
    }
}

#[test]
fn a_config_key_starting_with_two_dots_is_refused() {
    let cluster = Cluster::start();
    let stderr = cluster.refused(
        "apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: default}
data: {..data: x}
",
    );
    assert!(
        stderr.contains(r#"data[..data]: Invalid value: "..data": must not start with '..'"#),
        "{stderr}"
    );
}

#[test]
fn a_secrets_type_cannot_change() {
    let cluster = Cluster::start();
    let secret = "apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: default}
stringData: {user: me}
";
    cluster.apply(secret);
    let stderr = cluster.refused(&format!("{secret}type: kubernetes.io/basic-auth\n"));
    assert!(
        stderr.contains(r#"type: Invalid value: "kubernetes.io/basic-auth": field is immutable"#),
        "{stderr}"
    );
}

#[test]
fn a_claims_spec_cannot_change_after_creation() {
    let cluster = Cluster::start();
    let claim = |class: &str| {
        format!(
            "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: default}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: {class}
  resources: {{requests: {{storage: 1Gi}}}}
"
        )
    };
    cluster.apply(&claim("standard"));
    let stderr = cluster.refused(&claim("fast"));
    assert!(
        stderr.contains("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"),
        "{stderr}"
    );
}

#[test]
fn a_service_leaving_node_port_loses_its_node_ports_and_traffic_policy() {
    let cluster = Cluster::start();
    let service = |kind: &str| {
        format!(
            "apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  type: {kind}
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
"
        )
    };
    cluster.apply(&service("NodePort"));
    let node_port = cluster.stored("v1", "Service", "web");
    assert!(
        node_port["spec"]["ports"][0]["nodePort"].is_u64(),
        "{node_port}"
    );
    assert_eq!(node_port["spec"]["externalTrafficPolicy"], "Cluster");
    cluster.apply(&service("ClusterIP"));
    let spec = &cluster.stored("v1", "Service", "web")["spec"];
    assert!(spec["ports"][0].get("nodePort").is_none(), "{spec}");
    assert!(spec.get("externalTrafficPolicy").is_none(), "{spec}");
    assert_eq!(spec["type"], "ClusterIP");
}

/// The schedules of `tests/data/cron-schedules.txt` (shared with the
/// plugin's own check), answered as kube-apiserver 1.33 answers them.
#[test]
fn cron_schedules_are_parsed_as_the_real_server_parses_them() {
    let cluster = Cluster::start();
    let table = include_str!("data/cron-schedules.txt");
    let cases: Vec<(&str, &str, Option<&str>)> = table
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let mut columns = line.split('\t');
            let verdict = columns.next().unwrap_or("");
            let schedule = columns.next().unwrap_or("");
            (verdict, schedule, columns.next())
        })
        .collect();
    let items: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, schedule, _))| {
            serde_json::json!({
                "apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": format!("cron-{i}")},
                "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                    "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}}
            })
        })
        .collect();
    // One stream of documents: kubectl applies each and reports each refusal.
    let stream: Vec<String> = items.iter().map(Value::to_string).collect();
    let out = cluster.apply_output(&stream.join("\n---\n"));
    let errors = text(&out.stderr);
    for (i, (verdict, schedule, message)) in cases.iter().enumerate() {
        let name = format!("cron-{i}");
        let stored = cluster.find("batch/v1", "CronJob", &name);
        match (*verdict, message) {
            ("ok", _) => assert!(stored.is_some(), "{schedule:?} was refused:\n{errors}"),
            ("bad", Some(message)) => {
                assert!(stored.is_none(), "{schedule:?} was accepted");
                let expected = format!(
                    "CronJob.batch \"{name}\" is invalid: spec.schedule: Invalid value: {}: {message}",
                    serde_json::to_string(schedule).expect("a string")
                );
                assert!(errors.contains(&expected), "{expected}\nnot in:\n{errors}");
            }
            other => panic!("bad table line {other:?}"),
        }
    }
}
