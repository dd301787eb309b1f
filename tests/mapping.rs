//! One focused test per mapping rule of STATE.md §3–§8 and the seed
//! document, each with the smallest state that shows the rule, run through
//! the built binary.

mod common;

use common::{at, find, has, ids, present, render_state, render_stream, wizard};
use serde_json::{json, Value};

/// Render a state holding one app service, given as a YAML flow mapping.
fn one(service: &str) -> Vec<Value> {
    render_stream(&format!("_services: [{service}]\n"), &[])
}

/// The first (main) container of a workload's pod template.
fn main_container(workload: &Value) -> &Value {
    at(pod_spec(workload), "/containers/0")
}

/// The pod spec of a Deployment, StatefulSet, DaemonSet, Job or CronJob.
fn pod_spec(workload: &Value) -> &Value {
    let pointer = if workload["kind"] == "CronJob" {
        "/spec/jobTemplate/spec/template/spec"
    } else {
        "/spec/template/spec"
    };
    at(workload, pointer)
}

fn names(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["name"].as_str().expect("a name"))
        .collect()
}

mod resources {
    use super::*;

    #[test]
    fn all_empty_or_null_gives_no_resources() {
        let docs = one("{name: web, image: nginx, resources: {cpu_request: '', cpu_limit: '', memory_request: '', memory_limit: ''}}");
        assert!(!present(
            main_container(find(&docs, "Deployment", "web")),
            "/resources"
        ));
        let docs = one("{name: web, image: nginx, resources: null}");
        assert!(!present(
            main_container(find(&docs, "Deployment", "web")),
            "/resources"
        ));
    }

    #[test]
    fn empty_values_are_left_out() {
        let docs = one("{name: web, image: nginx, resources: {cpu_request: '', cpu_limit: 500m, memory_request: '', memory_limit: ''}}");
        let container = main_container(find(&docs, "Deployment", "web"));
        assert_eq!(container["resources"], json!({"limits": {"cpu": "500m"}}));
    }

    #[test]
    fn flat_fields_are_the_same_thing() {
        let docs = one("{name: web, image: nginx, cpuRequest: 100m, cpuLimit: '1', memRequest: 64Mi, memLimit: 1Gi}");
        let container = main_container(find(&docs, "Deployment", "web"));
        assert_eq!(
            container["resources"],
            json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}})
        );
    }
}

mod probes {
    use super::*;

    #[test]
    fn numbers_are_copied_only_when_greater_than_zero() {
        let docs = one("{name: web, image: nginx, port: 8080, readinessProbe: {type: http, path: /ready, port: 9000, initialDelaySeconds: 0, periodSeconds: '0', extra: 0}}");
        let container = main_container(find(&docs, "Deployment", "web"));
        assert_eq!(
            container["readinessProbe"],
            json!({"httpGet": {"path": "/ready", "port": 9000}})
        );
    }

    #[test]
    fn port_defaults_to_the_service_port() {
        let docs = one("{name: web, image: nginx, port: '8080', servicePort: 80, readinessProbe: {type: http, path: /healthz}, livenessProbe: {type: tcp}}");
        let container = main_container(find(&docs, "Deployment", "web"));
        // The probe talks to the container, so the container port it is.
        assert_eq!(at(container, "/readinessProbe/httpGet/port"), 8080);
        assert_eq!(at(container, "/livenessProbe/tcpSocket/port"), 8080);
    }

    #[test]
    fn exec_probe_runs_the_command_in_a_shell_and_numbers_may_be_strings() {
        let docs = one("{name: web, image: nginx, livenessProbe: {type: exec, command: 'test -f /tmp/ok', initialDelaySeconds: '5', periodSeconds: '7', extra: '2'}}");
        let container = main_container(find(&docs, "Deployment", "web"));
        assert_eq!(
            container["livenessProbe"],
            json!({
                "exec": {"command": ["sh", "-c", "test -f /tmp/ok"]},
                "initialDelaySeconds": 5,
                "periodSeconds": 7,
                "failureThreshold": 2,
            })
        );
    }

    #[test]
    fn disabled_or_null_probe_gives_none() {
        let docs = one("{name: web, image: nginx, port: 80, readinessProbe: {enabled: false, type: http, path: /}, livenessProbe: null}");
        let container = main_container(find(&docs, "Deployment", "web"));
        assert!(!present(container, "/readinessProbe"));
        assert!(!present(container, "/livenessProbe"));
    }
}

mod env {
    use super::*;

    #[test]
    fn only_secrets_gives_a_secret_and_no_config_map() {
        let docs = one(
            "{name: web, image: nginx, envVars: [{key: TOKEN, type: secret, varName: '${TOKEN}'}]}",
        );
        assert!(!has(&docs, "ConfigMap", "web-config"));
        assert_eq!(
            at(find(&docs, "Secret", "web-secrets"), "/stringData"),
            &json!({"TOKEN": "CHANGE_ME"})
        );
        let container = main_container(find(&docs, "Deployment", "web"));
        assert!(!present(container, "/envFrom"));
    }

    #[test]
    fn untyped_entries_are_hardcoded_and_no_secret_without_secrets() {
        let docs = one("{name: web, image: nginx, envVars: [{key: MODE, value: fast}, {key: PORT, value: 8080}]}");
        assert!(!has(&docs, "Secret", "web-secrets"));
        assert_eq!(
            at(find(&docs, "ConfigMap", "web-config"), "/data"),
            &json!({"MODE": "fast", "PORT": "8080"})
        );
        let container = main_container(find(&docs, "Deployment", "web"));
        assert_eq!(
            container["envFrom"],
            json!([{"configMapRef": {"name": "web-config"}}])
        );
        assert!(!present(container, "/env"));
    }
}

mod mesh {
    use super::*;

    fn annotations(mesh: &str) -> Value {
        let docs = one(&format!("{{name: web, image: nginx, mesh: {mesh}}}"));
        let workload = find(&docs, "Deployment", "web");
        assert!(
            !present(workload, "/metadata/annotations"),
            "mesh annotations belong on the pod template, not the workload"
        );
        at(workload, "/spec/template/metadata/annotations").clone()
    }

    #[test]
    fn only_non_empty_values_give_annotations() {
        assert_eq!(
            annotations("{provider: istio, proxyCpuRequest: '', logLevel: '', excludeInbound: ''}"),
            json!({"sidecar.istio.io/inject": "true"})
        );
    }

    #[test]
    fn linkerd_injects_with_enabled() {
        assert_eq!(
            annotations("{provider: linkerd, proxyCpuRequest: 10m, proxyCpuLimit: 1, proxyMemRequest: 20Mi, proxyMemLimit: 40Mi, logLevel: debug, excludeInbound: '25,587', excludeOutbound: 3306}"),
            json!({
                "linkerd.io/inject": "enabled",
                "config.linkerd.io/proxy-cpu-request": "10m",
                "config.linkerd.io/proxy-cpu-limit": "1",
                "config.linkerd.io/proxy-memory-request": "20Mi",
                "config.linkerd.io/proxy-memory-limit": "40Mi",
                "config.linkerd.io/proxy-log-level": "debug",
                "config.linkerd.io/skip-inbound-ports": "25,587",
                "config.linkerd.io/skip-outbound-ports": "3306",
            })
        );
    }

    #[test]
    fn consul_has_no_log_level_or_exclude_annotations() {
        assert_eq!(
            annotations("{provider: consul, proxyCpuRequest: 10m, proxyCpuLimit: 100m, proxyMemRequest: 20Mi, proxyMemLimit: 40Mi, logLevel: debug, excludeInbound: '9090', excludeOutbound: '3306'}"),
            json!({
                "consul.hashicorp.com/connect-inject": "true",
                "consul.hashicorp.com/sidecar-proxy-cpu-request": "10m",
                "consul.hashicorp.com/sidecar-proxy-cpu-limit": "100m",
                "consul.hashicorp.com/sidecar-proxy-memory-request": "20Mi",
                "consul.hashicorp.com/sidecar-proxy-memory-limit": "40Mi",
            })
        );
    }

    #[test]
    fn kuma_has_no_log_level_or_exclude_annotations() {
        assert_eq!(
            annotations("{provider: kuma, proxyCpuRequest: 10m, proxyCpuLimit: 100m, proxyMemRequest: 20Mi, proxyMemLimit: 40Mi, logLevel: debug, excludeInbound: '9090', excludeOutbound: '3306'}"),
            json!({
                "kuma.io/sidecar-injection": "true",
                "kuma.io/sidecar-proxy-cpu-requests": "10m",
                "kuma.io/sidecar-proxy-cpu-limits": "100m",
                "kuma.io/sidecar-proxy-memory-requests": "20Mi",
                "kuma.io/sidecar-proxy-memory-limits": "40Mi",
            })
        );
    }

    #[test]
    fn no_mesh_no_annotations() {
        let docs = one("{name: web, image: nginx, mesh: {provider: ''}}");
        assert!(!present(
            find(&docs, "Deployment", "web"),
            "/spec/template/metadata/annotations"
        ));
    }
}

mod deployment {
    use super::*;

    #[test]
    fn defaults_are_one_replica_surge_one_unavailable_zero() {
        let docs = one("{name: web, image: nginx}");
        let spec = at(find(&docs, "Deployment", "web"), "/spec");
        assert_eq!(spec["replicas"], 1);
        assert_eq!(
            spec["strategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
        );
    }

    #[test]
    fn percent_stays_a_string_and_a_numeric_string_becomes_an_integer() {
        let docs = one("{name: web, image: nginx, maxSurge: '1', maxUnavailable: '25%'}");
        let rolling = at(
            find(&docs, "Deployment", "web"),
            "/spec/strategy/rollingUpdate",
        );
        assert_eq!(rolling, &json!({"maxSurge": 1, "maxUnavailable": "25%"}));
    }

    #[test]
    fn recreate_has_no_rolling_update() {
        let docs = one("{name: web, image: nginx, strategy: Recreate}");
        assert_eq!(
            at(find(&docs, "Deployment", "web"), "/spec/strategy"),
            &json!({"type": "Recreate"})
        );
    }

    #[test]
    fn numbers_written_as_strings_become_integers() {
        let docs = one("{name: web, image: nginx, port: '8080', servicePort: '80', replicas: '3'}");
        let deployment = find(&docs, "Deployment", "web");
        assert_eq!(at(deployment, "/spec/replicas"), 3);
        assert_eq!(
            at(main_container(deployment), "/ports/0/containerPort"),
            8080
        );
        assert_eq!(
            at(find(&docs, "Service", "web"), "/spec/ports"),
            &json!([{"port": 80, "targetPort": 8080}])
        );
    }

    #[test]
    fn service_type_is_taken_and_no_port_means_no_service() {
        let docs = one("{name: web, image: nginx, port: 80, serviceType: NodePort}");
        assert_eq!(at(find(&docs, "Service", "web"), "/spec/type"), "NodePort");
        let docs = one("{name: web, image: nginx}");
        assert!(
            docs.iter().all(|d| d["kind"] != "Service"),
            "{:?}",
            ids(&docs)
        );
    }
}

mod statefulset {
    use super::*;

    #[test]
    fn defaults_headless_name_and_claim_template() {
        let docs = one("{name: db, kind: StatefulSet, image: postgres, port: 5432, volumeClaimTemplates: [{name: data, mountPath: /data}]}");
        let sts = find(&docs, "StatefulSet", "db");
        assert_eq!(at(sts, "/spec/serviceName"), "db-headless");
        assert_eq!(at(sts, "/spec/replicas"), 1);
        assert!(
            !present(sts, "/spec/podManagementPolicy"),
            "OrderedReady is left out"
        );
        assert_eq!(
            at(sts, "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate"})
        );
        assert_eq!(
            at(sts, "/spec/volumeClaimTemplates"),
            &json!([{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }])
        );
        assert_eq!(
            main_container(sts)["volumeMounts"],
            json!([{"name": "data", "mountPath": "/data"}])
        );
        assert!(
            !present(pod_spec(sts), "/volumes"),
            "no pod volume for a claim template"
        );
        assert!(docs.iter().all(|d| d["kind"] != "PersistentVolumeClaim"));
        let headless = find(&docs, "Service", "db-headless");
        assert_eq!(at(headless, "/spec/clusterIP"), "None");
        assert!(
            !has(&docs, "Service", "db"),
            "no ClusterIP Service unless asked"
        );
    }

    #[test]
    fn headless_file_keeps_the_service_name_whatever_the_object_name() {
        let rendered = render_state(
            "_services: [{name: db, kind: StatefulSet, image: postgres, port: 5432, headlessServiceName: db-peers}]\n",
            &[],
        );
        let headless = rendered.file("db-headless-service.yaml");
        assert_eq!(at(headless, "/metadata/name"), "db-peers");
        assert_eq!(
            at(rendered.file("db-statefulset.yaml"), "/spec/serviceName"),
            "db-peers"
        );
    }

    #[test]
    fn headless_service_without_port_has_no_ports() {
        let docs = one("{name: db, kind: StatefulSet, image: postgres}");
        let headless = find(&docs, "Service", "db-headless");
        assert_eq!(
            at(headless, "/spec"),
            &json!({"clusterIP": "None", "selector": {"app": "db"}})
        );
    }

    #[test]
    fn cluster_ip_service_needs_a_port() {
        // The API server rejects a ClusterIP Service without ports.
        let docs = one("{name: db, kind: StatefulSet, image: postgres, alsoCreateClusterIP: true}");
        assert!(!has(&docs, "Service", "db"), "{:?}", ids(&docs));
        assert!(has(&docs, "Service", "db-headless"));
        let docs = one("{name: db, kind: StatefulSet, image: postgres, port: '5432', alsoCreateClusterIP: 'true'}");
        let service = find(&docs, "Service", "db");
        assert_eq!(at(service, "/spec/type"), "ClusterIP");
        assert_eq!(
            at(service, "/spec/ports"),
            &json!([{"port": 5432, "targetPort": 5432}])
        );
    }

    #[test]
    fn partition_only_when_positive_with_rolling_update() {
        let docs = one("{name: db, kind: StatefulSet, image: postgres, replicas: 3, partition: 0}");
        assert_eq!(
            at(find(&docs, "StatefulSet", "db"), "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate"})
        );
        let docs =
            one("{name: db, kind: StatefulSet, image: postgres, replicas: '3', partition: '1'}");
        assert_eq!(
            at(find(&docs, "StatefulSet", "db"), "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
        );
        let docs = one("{name: db, kind: StatefulSet, image: postgres, replicas: 3, strategy: OnDelete, partition: 2}");
        assert_eq!(
            at(find(&docs, "StatefulSet", "db"), "/spec/updateStrategy"),
            &json!({"type": "OnDelete"})
        );
    }

    #[test]
    fn ordered_ready_is_left_out_and_parallel_is_written() {
        let docs = one(
            "{name: db, kind: StatefulSet, image: postgres, podManagementPolicy: OrderedReady}",
        );
        assert!(!present(
            find(&docs, "StatefulSet", "db"),
            "/spec/podManagementPolicy"
        ));
        let docs =
            one("{name: db, kind: StatefulSet, image: postgres, podManagementPolicy: Parallel}");
        assert_eq!(
            at(
                find(&docs, "StatefulSet", "db"),
                "/spec/podManagementPolicy"
            ),
            "Parallel"
        );
    }

    #[test]
    fn claim_template_storage_class_is_omitted_when_empty() {
        let docs = one("{name: db, kind: StatefulSet, image: postgres, volumeClaimTemplates: [{name: a, mountPath: /a, storageClass: ''}, {name: b, mountPath: /b, storageClass: fast, accessMode: ReadWriteOncePod, size: 3Gi}]}");
        let templates = at(
            find(&docs, "StatefulSet", "db"),
            "/spec/volumeClaimTemplates",
        );
        assert!(!present(&templates[0], "/spec/storageClassName"));
        assert_eq!(
            templates[1]["spec"],
            json!({"accessModes": ["ReadWriteOncePod"], "storageClassName": "fast", "resources": {"requests": {"storage": "3Gi"}}})
        );
    }

    #[test]
    fn main_mounts_are_volumes_then_claim_templates_then_shared_volumes() {
        let docs = one("{name: db, kind: StatefulSet, image: postgres, volumeClaimTemplates: [{name: data, mountPath: /data}], sidecars: [{name: shipper, image: fb, sharedVolume: logs, sharedMount: /logs}]}");
        let sts = find(&docs, "StatefulSet", "db");
        assert_eq!(
            main_container(sts)["volumeMounts"],
            json!([{"name": "data", "mountPath": "/data"}, {"name": "logs", "mountPath": "/logs"}])
        );
        assert_eq!(
            pod_spec(sts)["volumes"],
            json!([{"name": "logs", "emptyDir": {}}])
        );
    }
}

mod volumes {
    use super::*;

    fn pod_of(volumes: &str) -> Value {
        let docs = one(&format!(
            "{{name: web, image: nginx, volumes: [{volumes}]}}"
        ));
        pod_spec(find(&docs, "Deployment", "web")).clone()
    }

    #[test]
    fn pvc_defaults_are_10gi_read_write_once_without_storage_class() {
        let docs = one("{name: web, image: nginx, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, storageClass: ''}]}");
        let pvc = find(&docs, "PersistentVolumeClaim", "web-data");
        assert_eq!(
            pvc["spec"],
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}})
        );
        assert_eq!(at(pvc, "/metadata/labels/app"), "web");
        assert!(!present(pvc, "/metadata/annotations"));
        assert_eq!(
            pod_spec(find(&docs, "Deployment", "web"))["volumes"],
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}}])
        );
    }

    #[test]
    fn longhorn_annotations_need_a_longhorn_class() {
        let docs = one("{name: web, image: nginx, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, storageClass: longhorn-ssd, longhornConfig: {replicas: '2', dataLocality: strict-local}}]}");
        assert_eq!(
            at(
                find(&docs, "PersistentVolumeClaim", "web-data"),
                "/metadata/annotations"
            ),
            &json!({"longhorn.io/number-of-replicas": "2", "longhorn.io/data-locality": "strict-local"})
        );
        let docs = one("{name: web, image: nginx, volumes: [{name: data, type: pvc-dynamic, mountPath: /data, storageClass: gp3, longhornConfig: {replicas: 2}}]}");
        assert!(!present(
            find(&docs, "PersistentVolumeClaim", "web-data"),
            "/metadata/annotations"
        ));
    }

    #[test]
    fn static_pvc_binds_the_named_volume() {
        let docs = one("{name: web, image: nginx, volumes: [{name: old, type: pvc-static, mountPath: /old, pvName: pv-0001, size: 5Gi}]}");
        assert_eq!(
            at(
                find(&docs, "PersistentVolumeClaim", "web-old"),
                "/spec/volumeName"
            ),
            "pv-0001"
        );
    }

    #[test]
    fn synthesized_names_use_prefix_and_index() {
        let pod = pod_of("{type: hostPath, hostPath: /etc/ssl, mountPath: /ssl}, {type: emptyDir, mountPath: /tmp}, {type: configMap, configMapName: app.settings, mountPath: /etc/app}, {type: secret, secretName: creds, key: token, mountPath: /run/token}");
        assert_eq!(
            pod["volumes"],
            json!([
                {"name": "hp-0", "hostPath": {"path": "/etc/ssl"}},
                {"name": "empty-1", "emptyDir": {}},
                // Volume names cannot hold dots.
                {"name": "cm-app-settings", "configMap": {"name": "app.settings"}},
                {"name": "sec-creds", "secret": {"secretName": "creds", "items": [{"key": "token", "path": "token"}]}},
            ])
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([
                {"name": "hp-0", "mountPath": "/ssl"},
                {"name": "empty-1", "mountPath": "/tmp"},
                {"name": "cm-app-settings", "mountPath": "/etc/app"},
                {"name": "sec-creds", "mountPath": "/run/token", "subPath": "token"},
            ])
        );
    }

    #[test]
    fn user_names_win_over_synthesized_ones() {
        let pod = pod_of("{name: scratch, type: emptyDir, mountPath: /tmp}, {name: sock, type: hostPath, hostPath: /run/x.sock, mountPath: /x.sock}");
        assert_eq!(names(&pod["volumes"]), ["scratch", "sock"]);
    }

    #[test]
    fn same_synthesized_volume_with_same_definition_is_shared() {
        let pod = pod_of("{type: configMap, configMapName: conf, mountPath: /a}, {type: configMap, configMapName: conf, mountPath: /b}");
        assert_eq!(
            pod["volumes"],
            json!([{"name": "cm-conf", "configMap": {"name": "conf"}}])
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([{"name": "cm-conf", "mountPath": "/a"}, {"name": "cm-conf", "mountPath": "/b"}])
        );
    }

    #[test]
    fn same_synthesized_name_with_other_definition_gets_the_index() {
        let pod = pod_of("{type: configMap, configMapName: conf, key: a.yaml, mountPath: /etc/a.yaml}, {type: configMap, configMapName: conf, key: b.yaml, mountPath: /etc/b.yaml}");
        assert_eq!(names(&pod["volumes"]), ["cm-conf", "cm-conf-1"]);
        assert_eq!(
            pod["volumes"][1]["configMap"],
            json!({"name": "conf", "items": [{"key": "b.yaml", "path": "b.yaml"}]})
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"][1],
            json!({"name": "cm-conf-1", "mountPath": "/etc/b.yaml", "subPath": "b.yaml"})
        );
    }

    #[test]
    fn empty_dir_medium_and_size_limit() {
        let pod = pod_of("{type: emptyDir, mountPath: /a, medium: Memory}, {type: emptyDir, mountPath: /b, sizeLimit: 1Gi}");
        assert_eq!(pod["volumes"][0]["emptyDir"], json!({"medium": "Memory"}));
        assert_eq!(pod["volumes"][1]["emptyDir"], json!({"sizeLimit": "1Gi"}));
    }
}

mod pod_order {
    use super::*;

    const STATE: &str = "
_services:
  - name: web
    image: nginx
    dependencies: [api, cache]
    initContainers: [{name: setup, image: busybox, command: 'echo setup'}]
    sidecars:
      - {name: native, image: envoy}
      - {name: regular, image: statsd, nativeSidecar: false}
    companions:
      - {name: worker, image: w, dependsOn: api, dependsOnPort: 8080}
      - {name: helper, image: h, dependsOn: queue, dependsOnPort: '5672'}
      - {name: other, image: o, dependsOn: queue, dependsOnPort: '5672'}
      - {name: self, image: s, dependsOn: __main__}
  - {name: api, image: api, port: 8080}
  - {name: cache, kind: StatefulSet, image: redis, port: 6379}
  - {name: queue, image: rabbitmq, port: 5672}
";

    #[test]
    fn init_containers_then_containers_in_spec_order() {
        let docs = render_stream(STATE, &[]);
        let pod = pod_spec(find(&docs, "Deployment", "web"));
        // Dependency wait-fors, user init containers, native sidecars,
        // companion wait-fors once per host (api is already waited for;
        // `__main__` is ignored).
        assert_eq!(
            names(&pod["initContainers"]),
            [
                "wait-for-api",
                "wait-for-cache",
                "setup",
                "native",
                "wait-for-queue"
            ]
        );
        assert_eq!(at(pod, "/initContainers/3/restartPolicy"), "Always");
        assert_eq!(
            at(pod, "/initContainers/2/command"),
            &json!(["sh", "-c", "echo setup"])
        );
        assert_eq!(
            names(&pod["containers"]),
            ["web", "worker", "helper", "other", "self", "regular"]
        );
        assert!(!present(&pod["containers"][5], "/restartPolicy"));
    }
}

mod companions {
    use super::*;

    #[test]
    fn companion_env_is_referenced_from_the_companion_only() {
        let docs = one("{name: web, image: nginx, companions: [{name: redis, image: redis, envVars: [{key: A, value: b}, {key: PASS, type: secret}], volumes: [{name: data, type: emptyDir, mountPath: /data}]}]}");
        assert_eq!(
            at(find(&docs, "ConfigMap", "web-redis-config"), "/data"),
            &json!({"A": "b"})
        );
        assert_eq!(
            at(find(&docs, "Secret", "web-redis-secrets"), "/stringData"),
            &json!({"PASS": "CHANGE_ME"})
        );
        let pod = pod_spec(find(&docs, "Deployment", "web"));
        let main = &pod["containers"][0];
        assert!(
            !present(main, "/envFrom") && !present(main, "/env") && !present(main, "/volumeMounts")
        );
        let redis = &pod["containers"][1];
        assert_eq!(
            redis["envFrom"],
            json!([{"configMapRef": {"name": "web-redis-config"}}])
        );
        assert_eq!(
            at(redis, "/env/0/valueFrom/secretKeyRef"),
            &json!({"name": "web-redis-secrets", "key": "PASS"})
        );
        assert_eq!(
            redis["volumeMounts"],
            json!([{"name": "data", "mountPath": "/data"}])
        );
        assert_eq!(pod["volumes"], json!([{"name": "data", "emptyDir": {}}]));
    }
}

mod jobs {
    use super::*;

    #[test]
    fn job_runs_command_in_a_shell_and_splits_string_args() {
        let docs = one("{name: migrate, kind: Job, image: tool, port: 80, command: 'run --all', args: \"--verbose   --dry-run\tnow\", backoffLimit: '4', completions: 2, parallelism: 2, ttlSecondsAfterFinished: 600}");
        assert_eq!(ids(&docs), ["Job/migrate"], "a Job has no Service");
        let job = find(&docs, "Job", "migrate");
        let spec = at(job, "/spec");
        assert_eq!(spec["backoffLimit"], 4);
        assert_eq!(spec["completions"], 2);
        assert_eq!(spec["parallelism"], 2);
        assert_eq!(spec["ttlSecondsAfterFinished"], 600);
        assert!(!present(spec, "/activeDeadlineSeconds"));
        assert_eq!(
            at(job, "/spec/template/metadata/labels"),
            &json!({"app": "migrate"})
        );
        assert_eq!(at(job, "/spec/template/spec/restartPolicy"), "Never");
        let container = main_container(job);
        assert_eq!(container["command"], json!(["sh", "-c", "run --all"]));
        assert_eq!(container["args"], json!(["--verbose", "--dry-run", "now"]));
    }

    #[test]
    fn args_list_is_taken_as_is_and_restart_policy_on_failure() {
        let docs = one("{name: migrate, kind: Job, image: tool, args: ['--message', 'two words'], restartPolicy: OnFailure, activeDeadlineSeconds: 300}");
        let job = find(&docs, "Job", "migrate");
        assert_eq!(
            main_container(job)["args"],
            json!(["--message", "two words"])
        );
        assert!(!present(main_container(job), "/command"));
        assert_eq!(at(job, "/spec/template/spec/restartPolicy"), "OnFailure");
        assert_eq!(at(job, "/spec/activeDeadlineSeconds"), 300);
    }

    #[test]
    fn cron_job_nests_the_job_and_leaves_suspend_out_when_false() {
        let docs = one("{name: report, kind: CronJob, image: tool, schedule: '0 3 * * *', command: 'make report', concurrencyPolicy: Forbid, suspend: false, successfulJobsHistoryLimit: '3', failedJobsHistoryLimit: 1, startingDeadlineSeconds: 120, backoffLimit: 1}");
        assert_eq!(ids(&docs), ["CronJob/report"]);
        let cron = find(&docs, "CronJob", "report");
        assert_eq!(at(cron, "/apiVersion"), "batch/v1");
        let spec = at(cron, "/spec");
        assert_eq!(spec["schedule"], "0 3 * * *");
        assert_eq!(spec["concurrencyPolicy"], "Forbid");
        assert!(!present(spec, "/suspend"));
        assert_eq!(spec["successfulJobsHistoryLimit"], 3);
        assert_eq!(spec["failedJobsHistoryLimit"], 1);
        assert_eq!(spec["startingDeadlineSeconds"], 120);
        assert_eq!(at(spec, "/jobTemplate/spec/backoffLimit"), 1);
        let pod = at(spec, "/jobTemplate/spec/template/spec");
        assert_eq!(pod["restartPolicy"], "Never");
        assert_eq!(
            pod["containers"][0]["command"],
            json!(["sh", "-c", "make report"])
        );
        assert_eq!(
            at(spec, "/jobTemplate/spec/template/metadata/labels"),
            &json!({"app": "report"})
        );
    }

    #[test]
    fn suspended_cron_job_says_so() {
        let docs =
            one("{name: report, kind: CronJob, image: tool, schedule: '@hourly', suspend: true}");
        assert_eq!(at(find(&docs, "CronJob", "report"), "/spec/suspend"), true);
    }

    #[test]
    fn job_files_are_named_by_kind() {
        let rendered = render_state(
            "_services: [{name: once, kind: Job, image: t}, {name: nightly, kind: CronJob, image: t, schedule: '0 0 * * *'}]\n",
            &[],
        );
        assert_eq!(
            rendered.names(),
            [
                "kustomization.yaml",
                "nightly-cronjob.yaml",
                "once-job.yaml"
            ]
        );
    }
}

mod daemonset {
    use super::*;

    #[test]
    fn node_selector_string_becomes_a_map() {
        let docs = one("{name: agent, kind: DaemonSet, image: a, nodeSelector: 'kubernetes.io/os=linux, disk=ssd'}");
        assert_eq!(
            at(
                find(&docs, "DaemonSet", "agent"),
                "/spec/template/spec/nodeSelector"
            ),
            &json!({"kubernetes.io/os": "linux", "disk": "ssd"})
        );
    }

    #[test]
    fn node_selector_map_is_taken_as_is() {
        let docs = one("{name: agent, kind: DaemonSet, image: a, nodeSelector: {role: edge}}");
        assert_eq!(
            at(
                find(&docs, "DaemonSet", "agent"),
                "/spec/template/spec/nodeSelector"
            ),
            &json!({"role": "edge"})
        );
    }

    #[test]
    fn tolerations_and_host_flags() {
        let docs = one("{name: agent, kind: DaemonSet, image: a, tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}, {key: dedicated, operator: Equal, value: infra, effect: NoExecute}], hostNetwork: true, hostPID: true, hostIPC: false}");
        let pod = pod_spec(find(&docs, "DaemonSet", "agent"));
        assert_eq!(
            pod["tolerations"],
            json!([
                {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoExecute"},
            ])
        );
        assert_eq!(pod["hostNetwork"], true);
        assert_eq!(pod["hostPID"], true);
        assert!(!present(pod, "/hostIPC"), "false flags are left out");
    }

    #[test]
    fn update_strategy() {
        let docs = one("{name: agent, kind: DaemonSet, image: a}");
        let ds = find(&docs, "DaemonSet", "agent");
        assert_eq!(
            at(ds, "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate"})
        );
        assert!(!present(ds, "/spec/replicas"));
        let docs = one("{name: agent, kind: DaemonSet, image: a, maxUnavailable: '10%'}");
        assert_eq!(
            at(find(&docs, "DaemonSet", "agent"), "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}})
        );
        let docs = one("{name: agent, kind: DaemonSet, image: a, strategy: OnDelete}");
        assert_eq!(
            at(find(&docs, "DaemonSet", "agent"), "/spec/updateStrategy"),
            &json!({"type": "OnDelete"})
        );
    }

    #[test]
    fn service_only_with_a_port() {
        let docs = one("{name: agent, kind: DaemonSet, image: a}");
        assert_eq!(ids(&docs), ["DaemonSet/agent"]);
        let docs = one("{name: agent, kind: DaemonSet, image: a, port: 9100}");
        assert_eq!(
            at(find(&docs, "Service", "agent"), "/spec"),
            &json!({"type": "ClusterIP", "selector": {"app": "agent"}, "ports": [{"port": 9100, "targetPort": 9100}]})
        );
    }

    #[test]
    fn regular_volumes_work_on_a_daemon_set() {
        let docs = one("{name: agent, kind: DaemonSet, image: a, volumes: [{type: hostPath, hostPath: /var/log, mountPath: /host/log, readOnly: true}]}");
        let pod = pod_spec(find(&docs, "DaemonSet", "agent"));
        assert_eq!(
            pod["volumes"],
            json!([{"name": "hp-0", "hostPath": {"path": "/var/log"}}])
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([{"name": "hp-0", "mountPath": "/host/log", "readOnly": true}])
        );
    }
}

mod infra {
    use super::*;

    #[test]
    fn skip_generates_nothing_and_managed_only_config() {
        let docs = render_stream(
            "
_services: [{name: web, image: nginx, dependencies: [db, mail]}]
_infraDecisions:
  - {name: db, kind: Managed, providerNotes: RDS, envVars: [{key: DB_HOST, value: db.example.com}, {key: DB_PASSWORD, type: secret}]}
  - {name: mail, kind: Skip, image: postfix, port: 25}
",
            &[],
        );
        assert_eq!(
            ids(&docs),
            ["ConfigMap/db-config", "Secret/db-secrets", "Deployment/web"]
        );
        let web = find(&docs, "Deployment", "web");
        assert!(
            !present(pod_spec(web), "/initContainers"),
            "nothing to wait for"
        );
        assert_eq!(
            main_container(web)["envFrom"],
            json!([{"configMapRef": {"name": "db-config"}}, {"secretRef": {"name": "db-secrets"}}])
        );
    }

    #[test]
    fn managed_env_from_only_for_what_exists() {
        let docs = render_stream(
            "
_services: [{name: web, image: nginx, envVars: [{key: A, value: b}], dependencies: [db]}]
_infraDecisions: [{name: db, kind: Managed, envVars: [{key: DB_PASSWORD, type: secret}]}]
",
            &[],
        );
        assert!(!has(&docs, "ConfigMap", "db-config"));
        assert_eq!(
            main_container(find(&docs, "Deployment", "web"))["envFrom"],
            json!([{"configMapRef": {"name": "web-config"}}, {"secretRef": {"name": "db-secrets"}}])
        );
    }

    #[test]
    fn infra_statefulset_volumes_become_claim_templates() {
        let docs = render_stream(
            "
_infraDecisions:
  - name: db
    kind: StatefulSet
    image: postgres
    volumes:
      - {name: data, type: pvc-dynamic, mountPath: /data, size: 20Gi, storageClass: fast, accessMode: ReadWriteOncePod}
      - {name: scratch, type: emptyDir, mountPath: /scratch}
",
            &[],
        );
        assert!(
            docs.iter().all(|d| d["kind"] != "PersistentVolumeClaim"),
            "{:?}",
            ids(&docs)
        );
        let sts = find(&docs, "StatefulSet", "db");
        assert_eq!(
            at(sts, "/spec/volumeClaimTemplates"),
            &json!([{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOncePod"], "storageClassName": "fast", "resources": {"requests": {"storage": "20Gi"}}},
            }])
        );
        assert_eq!(
            pod_spec(sts)["volumes"],
            json!([{"name": "scratch", "emptyDir": {}}])
        );
        assert_eq!(
            main_container(sts)["volumeMounts"],
            json!([{"name": "scratch", "mountPath": "/scratch"}, {"name": "data", "mountPath": "/data"}])
        );
    }

    #[test]
    fn infra_deployment_gets_its_pvc_objects() {
        let docs = render_stream(
            "_infraDecisions: [{name: minio, kind: Deployment, image: minio, port: 9000, volumes: [{name: data, type: pvc-dynamic, mountPath: /data}]}]\n",
            &[],
        );
        assert!(has(&docs, "PersistentVolumeClaim", "minio-data"));
        assert!(has(&docs, "Service", "minio"));
    }
}

mod wait_for {
    use super::*;

    /// The wait-for init container `web` gets for its one dependency.
    fn wait_for(dependency: &str) -> Value {
        let docs = render_stream(
            &format!("_services: [{{name: web, image: nginx, dependencies: [dep]}}]\n_infraDecisions: [{dependency}]\n"),
            &[],
        );
        at(
            pod_spec(find(&docs, "Deployment", "web")),
            "/initContainers",
        )
        .clone()
    }

    fn waits(host: &str, port: u16) -> Value {
        json!([{
            "name": "wait-for-dep",
            "image": "busybox:1.36",
            "command": ["sh", "-c", format!(
                "echo \"Waiting for {host}:{port}...\"; until nc -z {host} {port}; do sleep 2; done; echo \"{host}:{port} is ready\""
            )],
        }])
    }

    #[test]
    fn deployment_dependency_is_its_name_and_service_port() {
        assert_eq!(
            wait_for("{name: dep, kind: Deployment, image: x, port: 8080, servicePort: 80}"),
            waits("dep", 80)
        );
    }

    #[test]
    fn statefulset_dependency_is_its_headless_name_and_container_port() {
        assert_eq!(
            wait_for("{name: dep, kind: StatefulSet, image: x, port: 5432, servicePort: 15432, headlessServiceName: dep-peers}"),
            waits("dep-peers", 5432)
        );
    }

    #[test]
    fn statefulset_with_cluster_ip_is_its_name() {
        assert_eq!(
            wait_for(
                "{name: dep, kind: StatefulSet, image: x, port: 5432, alsoCreateClusterIP: true}"
            ),
            waits("dep", 5432)
        );
    }

    #[test]
    fn daemonset_dependency_is_its_name() {
        assert_eq!(
            wait_for("{name: dep, kind: DaemonSet, image: x, port: 9100}"),
            waits("dep", 9100)
        );
    }

    #[test]
    fn no_port_or_skip_means_no_wait() {
        for dependency in [
            "{name: dep, kind: Deployment, image: x}",
            "{name: dep, kind: Skip}",
        ] {
            let docs = render_stream(
                &format!("_services: [{{name: web, image: nginx, dependencies: [dep]}}]\n_infraDecisions: [{dependency}]\n"),
                &[],
            );
            assert!(
                !present(
                    pod_spec(find(&docs, "Deployment", "web")),
                    "/initContainers"
                ),
                "{dependency}"
            );
        }
    }
}

mod autoscaling {
    use super::*;

    #[test]
    fn defaults_are_one_to_ten_without_metrics() {
        let docs = one("{name: web, image: nginx, autoscaling: {enabled: true}}");
        let hpa = find(&docs, "HorizontalPodAutoscaler", "web");
        assert_eq!(at(hpa, "/apiVersion"), "autoscaling/v2");
        assert_eq!(
            at(hpa, "/spec"),
            &json!({
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 10,
            })
        );
    }

    #[test]
    fn cpu_and_memory_metrics() {
        let docs = one("{name: db, kind: StatefulSet, image: pg, autoscaling: {enabled: true, minReplicas: '2', maxReplicas: 5, targetCPU: 70, targetMemory: '80'}}");
        let hpa = find(&docs, "HorizontalPodAutoscaler", "db");
        assert_eq!(
            at(hpa, "/spec"),
            &json!({
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"},
                "minReplicas": 2,
                "maxReplicas": 5,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                    {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
                ],
            })
        );
    }

    #[test]
    fn disabled_gives_none_and_the_file_is_named_hpa() {
        let docs = one("{name: web, image: nginx, autoscaling: {enabled: false, minReplicas: 2}}");
        assert!(docs.iter().all(|d| d["kind"] != "HorizontalPodAutoscaler"));
        let rendered = render_state(
            "_services: [{name: web, image: nginx, autoscaling: {enabled: true}}]\n",
            &[],
        );
        assert_eq!(
            rendered.names(),
            ["kustomization.yaml", "web-deployment.yaml", "web-hpa.yaml"]
        );
    }
}

mod ingress {
    use super::*;

    fn path(service: &str, path: &str, port: u16) -> Value {
        json!({
            "path": path,
            "pathType": "Prefix",
            "backend": {"service": {"name": service, "port": {"number": port}}},
        })
    }

    #[test]
    fn one_service_gets_slash_and_its_own_name() {
        let docs = render_stream(
            "ingress: app.example.com\n_services: [{name: web, image: nginx, port: 8080, servicePort: 80}]\n",
            &[],
        );
        let ingress = find(&docs, "Ingress", "web-ingress");
        assert_eq!(at(ingress, "/spec/rules/0/host"), "app.example.com");
        assert_eq!(
            at(ingress, "/spec/rules/0/http/paths"),
            &json!([path("web", "/", 80)])
        );
    }

    #[test]
    fn several_services_share_app_ingress_in_state_order() {
        let docs = render_stream(
            "
ingress: shop.example.com
_services:
  - {name: front, image: f, port: 3000}
  - {name: worker, kind: Job, image: w, port: 1}
  - {name: db, kind: StatefulSet, image: pg, port: 5432}
  - {name: api, image: a, port: 8080}
  - {name: quiet, image: q}
  - {name: search, kind: StatefulSet, image: s, port: 9200, alsoCreateClusterIP: true}
  - {name: edge, kind: DaemonSet, image: e, port: 9100}
_infraDecisions: [{name: cache, kind: Deployment, image: redis, port: 6379}]
",
            &[],
        );
        let ingresses: Vec<&Value> = docs.iter().filter(|d| d["kind"] == "Ingress").collect();
        assert_eq!(ingresses.len(), 1);
        let ingress = find(&docs, "Ingress", "app-ingress");
        assert_eq!(
            at(ingress, "/spec/rules/0/http/paths"),
            &json!([
                path("front", "/", 3000),
                path("api", "/api", 8080),
                path("search", "/search", 9200),
                path("edge", "/edge", 9100),
            ])
        );
    }

    #[test]
    fn nothing_routable_means_no_ingress() {
        let docs = render_stream(
            "
ingress: shop.example.com
_services: [{name: db, kind: StatefulSet, image: pg, port: 5432}, {name: quiet, image: q}]
_infraDecisions: [{name: cache, kind: Deployment, image: redis, port: 6379}]
",
            &[],
        );
        assert!(
            docs.iter().all(|d| d["kind"] != "Ingress"),
            "{:?}",
            ids(&docs)
        );
    }

    #[test]
    fn no_host_means_no_ingress() {
        let docs = one("{name: web, image: nginx, port: 80}");
        assert!(docs.iter().all(|d| d["kind"] != "Ingress"));
    }
}

mod project {
    use super::*;

    const STATE: &str = "_services: [{name: web, image: nginx, port: 80}]\n";

    #[test]
    fn default_namespace_has_no_namespace_object() {
        let rendered = render_state(STATE, &[]);
        assert_eq!(
            rendered.names(),
            [
                "kustomization.yaml",
                "web-deployment.yaml",
                "web-service.yaml"
            ]
        );
        assert_eq!(
            at(rendered.file("web-service.yaml"), "/metadata/namespace"),
            "default"
        );
        assert_eq!(
            at(rendered.file("kustomization.yaml"), "/namespace"),
            "default"
        );
    }

    #[test]
    fn namespace_flag_overrides_the_state() {
        let rendered = render_state(&format!("namespace: staging\n{STATE}"), &["-n", "qa"]);
        assert_eq!(
            rendered.file("namespace.yaml"),
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "qa", "labels": {
                "app.kubernetes.io/part-of": "qa",
                "app.kubernetes.io/managed-by": "kubectl-wizard",
            }}})
        );
        for name in ["web-deployment.yaml", "web-service.yaml"] {
            assert_eq!(
                at(rendered.file(name), "/metadata/namespace"),
                "qa",
                "{name}"
            );
        }
        assert_eq!(at(rendered.file("kustomization.yaml"), "/namespace"), "qa");
    }

    /// Run `render` in a fresh folder without `--output-dir`; returns the
    /// folder and what render printed.
    fn render_in_cwd(state: &str, extra: &[&str]) -> (tempfile::TempDir, String) {
        let tmp = tempfile::TempDir::new().unwrap();
        std::fs::write(tmp.path().join("state.yaml"), state).unwrap();
        let output = wizard()
            .args(["render", "-f", "state.yaml"])
            .args(extra)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        common::assert_success(&output);
        (tmp, String::from_utf8(output.stdout).unwrap())
    }

    fn listing(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn output_dir_defaults_to_k8s() {
        let (tmp, stdout) = render_in_cwd(STATE, &[]);
        assert_eq!(
            listing(&tmp.path().join("k8s")),
            [
                "kustomization.yaml",
                "web-deployment.yaml",
                "web-service.yaml"
            ]
        );
        assert!(
            stdout.contains("wrote     k8s/web-deployment.yaml\n"),
            "{stdout}"
        );
    }

    #[test]
    fn trailing_slash_in_output_dir_is_ignored() {
        let (tmp, stdout) = render_in_cwd(&format!("output_dir: deploy/manifests/\n{STATE}"), &[]);
        assert_eq!(listing(&tmp.path().join("deploy/manifests")).len(), 3);
        assert!(
            stdout.contains("wrote     deploy/manifests/web-service.yaml\n"),
            "{stdout}"
        );
    }

    #[test]
    fn output_dir_flag_overrides_the_state() {
        let (tmp, _) = render_in_cwd(
            &format!("output_dir: from-state\n{STATE}"),
            &["--output-dir", "from-flag"],
        );
        assert!(!tmp.path().join("from-state").exists());
        assert_eq!(listing(&tmp.path().join("from-flag")).len(), 3);
    }

    #[test]
    fn project_file_layout_renders_like_the_bare_state() {
        let bare = render_stream(&format!("namespace: shop\n{STATE}"), &[]);
        // The project's name becomes `part-of`, which a bare state fills
        // with the namespace: the same here (see `labels`).
        let project = render_stream(
            "name: shop\nkubernetes:\n  namespace: shop\n  _services: [{name: web, image: nginx, port: 80}]\n",
            &[],
        );
        assert_eq!(project, bare);
        assert_eq!(
            ids(&bare),
            ["Namespace/shop", "Service/web", "Deployment/web"]
        );
    }

    #[test]
    fn list_aliases_are_accepted() {
        let underscored = render_stream(
            "_services: [{name: web, image: nginx, dependencies: [db]}]\n_infraDecisions: [{name: db, kind: Managed, envVars: [{key: A, value: b}]}]\n",
            &[],
        );
        let aliased = render_stream(
            "services: [{name: web, image: nginx, dependencies: [db]}]\ninfraDecisions: [{name: db, kind: Managed, envVars: [{key: A, value: b}]}]\n",
            &[],
        );
        assert_eq!(aliased, underscored);
        assert_eq!(ids(&aliased), ["ConfigMap/db-config", "Deployment/web"]);
    }

    #[test]
    fn underscore_keys_are_ignored_silently() {
        let output = wizard()
            .args(["render", "-f", "-", "-o", "yaml", "--strict"])
            .write_stdin(format!(
                "_savedAt: '2026-01-01'\n_version: 3\n_compose: {{a: 1}}\n_appSvcCount: 1\n{STATE}"
            ))
            .output()
            .unwrap();
        common::assert_success(&output);
        assert_eq!(String::from_utf8_lossy(&output.stderr), "");
        assert_eq!(
            ids(&common::parse_stream(
                &String::from_utf8(output.stdout).unwrap()
            )),
            ["Service/web", "Deployment/web"]
        );
    }

    #[test]
    fn every_object_has_the_namespace() {
        let docs = render_stream(
            "namespace: shop\n_services: [{name: web, image: nginx, port: 80, envVars: [{key: A, value: b}, {key: S, type: secret}], volumes: [{name: d, type: pvc-dynamic, mountPath: /d}], autoscaling: {enabled: true}}]\n",
            &[],
        );
        let namespaced: Vec<&Value> = docs.iter().filter(|d| d["kind"] != "Namespace").collect();
        assert!(namespaced.len() > 5, "{}", ids(&docs).join(", "));
        for doc in namespaced {
            assert_eq!(doc["metadata"]["namespace"], "shop", "{doc}");
        }
    }
}

/// STATE.md's `app` label and Kubernetes' recommended labels.
mod labels {
    use super::*;

    /// The labels of an object of service `app` in a state that is part of `part_of`.
    fn of_service(app: &str, part_of: &str) -> Value {
        json!({
            "app": app,
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/instance": app,
            "app.kubernetes.io/part-of": part_of,
            "app.kubernetes.io/managed-by": "kubectl-wizard",
        })
    }

    const EVERY_OBJECT: &str = "namespace: shop\ningress: shop.example.com\n_services: [{name: web, image: nginx, port: 80, envVars: [{key: A, value: b}, {key: S, type: secret}], volumes: [{name: d, type: pvc-dynamic, mountPath: /d}], autoscaling: {enabled: true}, companions: [{name: side, image: busybox, env: [{key: C, value: d}]}]}]\n";

    #[test]
    fn objects_of_a_service_carry_app_and_the_recommended_labels() {
        let docs = render_stream(EVERY_OBJECT, &[]);
        let of_web: Vec<&Value> = docs
            .iter()
            .filter(|d| !matches!(d["kind"].as_str(), Some("Namespace" | "Ingress")))
            .collect();
        assert_eq!(of_web.len(), 7, "{}", ids(&docs).join(", "));
        for doc in of_web {
            assert_eq!(
                doc["metadata"]["labels"],
                of_service("web", "shop"),
                "{doc}"
            );
        }
    }

    #[test]
    fn namespace_and_ingress_say_only_whose_they_are() {
        let docs = render_stream(EVERY_OBJECT, &[]);
        let project = json!({
            "app.kubernetes.io/part-of": "shop",
            "app.kubernetes.io/managed-by": "kubectl-wizard",
        });
        assert_eq!(
            find(&docs, "Namespace", "shop")["metadata"]["labels"],
            project
        );
        assert_eq!(
            find(&docs, "Ingress", "web-ingress")["metadata"]["labels"],
            project
        );
    }

    #[test]
    fn selectors_and_pod_labels_stay_exactly_app() {
        let docs = render_stream(
            "_services: [{name: d, image: nginx, port: 80}, {name: s, kind: StatefulSet, image: nginx, port: 80, alsoCreateClusterIP: true}, {name: ds, kind: DaemonSet, image: nginx}, {name: j, kind: Job, image: nginx}, {name: c, kind: CronJob, image: nginx, schedule: '@daily'}]\n",
            &[],
        );
        let app = |name: &str| json!({"app": name});
        for (kind, name) in [
            ("Deployment", "d"),
            ("StatefulSet", "s"),
            ("DaemonSet", "ds"),
            ("Job", "j"),
        ] {
            let workload = find(&docs, kind, name);
            assert_eq!(
                at(workload, "/spec/template/metadata/labels"),
                &app(name),
                "{kind}"
            );
        }
        for (kind, name) in [
            ("Deployment", "d"),
            ("StatefulSet", "s"),
            ("DaemonSet", "ds"),
        ] {
            let workload = find(&docs, kind, name);
            assert_eq!(
                at(workload, "/spec/selector"),
                &json!({"matchLabels": app(name)}),
                "{kind}"
            );
        }
        let cron = find(&docs, "CronJob", "c");
        for template in ["/spec/jobTemplate", "/spec/jobTemplate/spec/template"] {
            assert_eq!(at(cron, &format!("{template}/metadata/labels")), &app("c"));
        }
        for (service, app_name) in [("d", "d"), ("s", "s"), ("s-headless", "s")] {
            let service = find(&docs, "Service", service);
            assert_eq!(at(service, "/spec/selector"), &app(app_name));
        }
    }

    #[test]
    fn part_of_is_the_project_name_made_a_label_value() {
        let docs = render_stream(
            "name: My Shop (EU)\nkubernetes:\n  namespace: shop\n  _services: [{name: web, image: nginx, port: 80}]\n",
            &[],
        );
        for doc in &docs {
            assert_eq!(
                doc["metadata"]["labels"]["app.kubernetes.io/part-of"], "My-Shop-EU",
                "{doc}"
            );
        }
        assert_eq!(
            find(&docs, "Deployment", "web")["metadata"]["labels"],
            of_service("web", "My-Shop-EU")
        );
    }

    #[test]
    fn part_of_is_the_namespace_without_a_usable_project_name() {
        for state in [
            "_services: [{name: web, image: nginx}]\n",
            "kubernetes:\n  _services: [{name: web, image: nginx}]\n",
            "name: '***'\nkubernetes:\n  _services: [{name: web, image: nginx}]\n",
            "name: 42\nkubernetes:\n  _services: [{name: web, image: nginx}]\n",
        ] {
            let docs = render_stream(state, &[]);
            let web = find(&docs, "Deployment", "web");
            assert_eq!(
                web["metadata"]["labels"],
                of_service("web", "default"),
                "{state}"
            );
            // `-n` moves the objects, and what they are part of with them.
            let docs = render_stream(state, &["-n", "staging"]);
            let web = find(&docs, "Deployment", "web");
            assert_eq!(
                web["metadata"]["labels"]["app.kubernetes.io/part-of"], "staging",
                "{state}"
            );
        }
    }

    #[test]
    fn component_comes_from_a_well_known_image_or_managed_name() {
        let docs = render_stream(
            "_services: [{name: api, image: 'ghcr.io/acme/api:1', port: 80}, {name: queue, image: 'docker.io/bitnami/rabbitmq:3.13@sha256:0123', port: 5672}]\n_infraDecisions: [{name: db, kind: StatefulSet, image: 'postgres:16', port: 5432, envVars: [{key: A, value: b}]}, {name: redis, kind: Managed, envVars: [{key: REDIS_HOST, value: r.example.com}]}, {name: orders-db, kind: Managed, envVars: [{key: H, value: h}]}]\n",
            &[],
        );
        let component = |kind: &str, name: &str| {
            find(&docs, kind, name)["metadata"]["labels"]
                .get("app.kubernetes.io/component")
                .cloned()
        };
        assert_eq!(component("Deployment", "api"), None);
        assert_eq!(component("Service", "api"), None);
        assert_eq!(
            component("Deployment", "queue"),
            Some(json!("message-broker"))
        );
        assert_eq!(component("StatefulSet", "db"), Some(json!("database")));
        assert_eq!(component("Service", "db-headless"), Some(json!("database")));
        assert_eq!(component("ConfigMap", "db-config"), Some(json!("database")));
        assert_eq!(component("ConfigMap", "redis-config"), Some(json!("cache")));
        assert_eq!(component("ConfigMap", "orders-db-config"), None);
        let mut expected = of_service("db", "default");
        expected["app.kubernetes.io/component"] = json!("database");
        assert_eq!(
            find(&docs, "StatefulSet", "db")["metadata"]["labels"],
            expected
        );
    }
}

mod order {
    use super::*;

    /// The apply phase of a kind (STATE.md §8).
    fn phase(kind: &str) -> usize {
        match kind {
            "Namespace" => 0,
            "ConfigMap" | "Secret" | "PersistentVolumeClaim" => 1,
            "Service" => 2,
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => 3,
            "HorizontalPodAutoscaler" => 4,
            "Ingress" => 5,
            other => panic!("unexpected kind {other}"),
        }
    }

    const STATE: &str = "
namespace: shop
ingress: shop.example.com
_services:
  - {name: web, image: nginx, port: 80, envVars: [{key: A, value: b}], autoscaling: {enabled: true}, volumes: [{name: d, type: pvc-dynamic, mountPath: /d}]}
  - {name: nightly, kind: CronJob, image: t, schedule: '0 0 * * *', envVars: [{key: S, type: secret}]}
  - {name: agent, kind: DaemonSet, image: a, port: 9100}
_infraDecisions:
  - {name: db, kind: StatefulSet, image: pg, port: 5432, envVars: [{key: P, type: secret}], autoscaling: {enabled: true}}
";

    #[test]
    fn objects_come_in_apply_order_and_state_order_within_a_phase() {
        let docs = render_stream(STATE, &[]);
        let phases: Vec<usize> = docs
            .iter()
            .map(|d| phase(d["kind"].as_str().unwrap()))
            .collect();
        let mut sorted = phases.clone();
        sorted.sort_unstable();
        assert_eq!(phases, sorted, "{:?}", ids(&docs));
        assert_eq!(
            ids(&docs),
            [
                "Namespace/shop",
                "ConfigMap/web-config",
                "PersistentVolumeClaim/web-d",
                "Secret/nightly-secrets",
                "Secret/db-secrets",
                "Service/web",
                "Service/agent",
                "Service/db-headless",
                "Deployment/web",
                "CronJob/nightly",
                "DaemonSet/agent",
                "StatefulSet/db",
                "HorizontalPodAutoscaler/web",
                "HorizontalPodAutoscaler/db",
                "Ingress/app-ingress",
            ]
        );
    }

    /// Every file but the Secrets (see `secrets_stay_out_of_kustomization`).
    #[test]
    fn kustomization_lists_the_files_in_apply_order() {
        let rendered = render_state(STATE, &[]);
        let docs: Vec<serde_json::Value> = render_stream(STATE, &[])
            .into_iter()
            .filter(|d| d["kind"] != "Secret")
            .collect();
        let resources: Vec<&str> = at(rendered.file("kustomization.yaml"), "/resources")
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(resources.len(), docs.len());
        for (file, doc) in resources.iter().zip(&docs) {
            assert_eq!(rendered.file(file), doc, "{file}");
        }
    }

    #[test]
    fn secrets_stay_out_of_kustomization_in_their_own_folder() {
        let rendered = render_state(STATE, &[]);
        let listed = at(rendered.file("kustomization.yaml"), "/resources").to_string();
        assert!(!listed.contains("secrets"), "{listed}");
        for name in ["nightly-secrets", "db-secrets"] {
            let file = rendered.file(&format!("secrets/{name}.yaml"));
            assert_eq!(file["kind"], "Secret");
            assert_eq!(file["metadata"]["name"], name);
        }
    }

    #[test]
    fn rendering_twice_gives_byte_identical_files() {
        let first = render_state(STATE, &[]);
        let second = render_state(STATE, &[]);
        assert_eq!(first.texts, second.texts);
        let (a, b) = (
            common::render_file_stream(&first.tmp.path().join("state.yaml")),
            common::render_file_stream(&first.tmp.path().join("state.yaml")),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn rendering_again_into_the_same_folder_changes_nothing() {
        let rendered = render_state(STATE, &[]);
        let output = wizard()
            .arg("render")
            .arg("-f")
            .arg(rendered.tmp.path().join("state.yaml"))
            .arg("--output-dir")
            .arg(&rendered.dir)
            .output()
            .unwrap();
        common::assert_success(&output);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(stdout.lines().count(), rendered.files.len());
        assert!(
            stdout.lines().all(|l| l.starts_with("unchanged ")),
            "{stdout}"
        );
        let (_, texts) = common::read_dir(&rendered.dir);
        assert_eq!(texts, rendered.texts);
    }
}

mod autoscaled_replicas {
    use super::*;

    /// STATE.md and the seed map `replicas` to `spec.replicas` without an
    /// exception for autoscaled workloads; the HPA still gets its own object.
    #[test]
    fn autoscaled_workloads_keep_the_state_replicas() {
        let docs = render_stream(
            "_services: [{name: web, image: nginx, replicas: 3, autoscaling: {enabled: true, minReplicas: 3}}, {name: db, kind: StatefulSet, image: pg, replicas: 2, autoscaling: {enabled: true}}]\n",
            &[],
        );
        assert_eq!(at(find(&docs, "Deployment", "web"), "/spec/replicas"), 3);
        assert_eq!(at(find(&docs, "StatefulSet", "db"), "/spec/replicas"), 2);
        assert!(has(&docs, "HorizontalPodAutoscaler", "web"));
        assert!(has(&docs, "HorizontalPodAutoscaler", "db"));
    }

    #[test]
    fn disabled_autoscaling_keeps_replicas() {
        let docs = one("{name: web, image: nginx, replicas: 3, autoscaling: {enabled: false}}");
        assert_eq!(at(find(&docs, "Deployment", "web"), "/spec/replicas"), 3);
    }
}

mod shared_volumes {
    use super::*;

    #[test]
    fn a_shared_volume_is_added_once_and_mounted_in_each_sidecar() {
        let docs = one("{name: web, image: nginx, sidecars: [{name: a, image: a, sharedVolume: logs, sharedMount: /logs}, {name: b, image: b, nativeSidecar: false, sharedVolume: logs, sharedMount: /logs}]}");
        let pod = pod_spec(find(&docs, "Deployment", "web"));
        assert_eq!(pod["volumes"], json!([{"name": "logs", "emptyDir": {}}]));
        let mount = json!([{"name": "logs", "mountPath": "/logs"}]);
        assert_eq!(pod["containers"][0]["volumeMounts"], mount);
        assert_eq!(pod["initContainers"][0]["volumeMounts"], mount);
        assert_eq!(pod["containers"][1]["volumeMounts"], mount);
    }

    #[test]
    fn a_companion_volume_name_used_twice_is_one_pod_volume() {
        let docs = one("{name: web, image: nginx, companions: [{name: a, image: a, volumes: [{name: cache, type: emptyDir, mountPath: /cache}]}, {name: b, image: b, volumes: [{name: cache, type: emptyDir, mountPath: /shared}]}]}");
        let pod = pod_spec(find(&docs, "Deployment", "web"));
        assert_eq!(pod["volumes"], json!([{"name": "cache", "emptyDir": {}}]));
        assert_eq!(
            pod["containers"][2]["volumeMounts"],
            json!([{"name": "cache", "mountPath": "/shared"}])
        );
    }
}

mod input {
    use super::*;

    #[test]
    fn json_state_is_read_by_content() {
        let yaml = render_stream("_services: [{name: web, image: nginx, port: 80}]\n", &[]);
        let json = render_stream(
            r#"{"_services": [{"name": "web", "image": "nginx", "port": "80"}]}"#,
            &[],
        );
        assert_eq!(json, yaml);
    }

    #[test]
    fn statefulset_dependencies_are_ignored() {
        let docs = render_stream(
            "_services: [{name: db, kind: StatefulSet, image: pg, dependencies: [api]}, {name: api, image: a, port: 80}]\n",
            &[],
        );
        assert!(!present(
            pod_spec(find(&docs, "StatefulSet", "db")),
            "/initContainers"
        ));
    }
}
