//! Golden tests: each example rendered into a folder through the built
//! binary, compared object by object with what the seed document and
//! STATE.md say it must produce, file names included.

mod common;

use common::{assert_tree_eq, example, render_file, Rendered};
use serde_json::json;

/// Exactly `resources` and the kustomization are written; see
/// `assert_kustomization`.
fn assert_files(rendered: &Rendered, namespace: &str, resources: &[&str]) {
    let mut expected: Vec<&str> = resources.to_vec();
    expected.push("kustomization.yaml");
    expected.sort_unstable();
    assert_eq!(rendered.names(), expected, "the set of files written");
    assert_kustomization(rendered, namespace, resources);
}

fn assert_file(rendered: &Rendered, name: &str, expected: serde_json::Value) {
    assert_tree_eq(rendered.file(name), &expected, name);
}

/// Metadata of an object of app `app` in a bare state (part of the
/// namespace): `app` and the recommended labels.
fn labelled(namespace: &str, name: &str, app: &str) -> serde_json::Value {
    json!({"name": name, "namespace": namespace, "labels": {
        "app": app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": app,
        "app.kubernetes.io/part-of": namespace,
        "app.kubernetes.io/managed-by": "kubectl-wizard",
    }})
}

/// The same for an app whose image says its role.
fn labelled_as(namespace: &str, name: &str, app: &str, component: &str) -> serde_json::Value {
    let mut meta = labelled(namespace, name, app);
    meta["labels"]["app.kubernetes.io/component"] = json!(component);
    meta
}

/// Labels of the project-level objects (Namespace, Ingress).
fn project_labels(namespace: &str) -> serde_json::Value {
    json!({
        "app.kubernetes.io/part-of": namespace,
        "app.kubernetes.io/managed-by": "kubectl-wizard",
    })
}

/// The kustomization lists exactly the files `render` reported, in the
/// order it wrote them (apply order), kustomization itself and the Secrets
/// (placeholders that kubectl would write over live values) excluded.
fn assert_kustomization(rendered: &Rendered, namespace: &str, resources: &[&str]) {
    let listed: Vec<&str> = resources
        .iter()
        .copied()
        .filter(|f| !f.starts_with("secrets/"))
        .collect();
    assert_file(
        rendered,
        "kustomization.yaml",
        json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": namespace,
            "resources": listed,
        }),
    );
    let mut reported = rendered.reported.clone();
    assert_eq!(reported.pop().as_deref(), Some("kustomization.yaml"));
    assert_eq!(reported, resources, "files reported in apply order");
}

mod statefulset_example {
    use super::*;

    const FILES: &[&str] = &[
        "namespace.yaml",
        "api-config.yaml",
        "secrets/api-secrets.yaml",
        "api-headless-service.yaml",
        "api-service.yaml",
        "api-statefulset.yaml",
    ];

    fn rendered() -> Rendered {
        render_file(&example("statefulset.yaml"), &[])
    }

    #[test]
    fn writes_exactly_the_seed_files() {
        assert_files(&rendered(), "production", FILES);
    }

    #[test]
    fn statefulset_matches_the_seed() {
        assert_file(
            &rendered(),
            "api-statefulset.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": labelled("production", "api", "api"),
                "spec": {
                    "replicas": 3,
                    "serviceName": "api-headless",
                    "selector": {"matchLabels": {"app": "api"}},
                    "podManagementPolicy": "Parallel",
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
                    "template": {
                        "metadata": {"labels": {"app": "api"}},
                        "spec": {
                            // No pod volumes: Kubernetes supplies the claim templates.
                            "containers": [{
                                "name": "api",
                                "image": "api:latest",
                                "ports": [{"containerPort": 8080}],
                                "envFrom": [{"configMapRef": {"name": "api-config"}}],
                                "env": [{
                                    "name": "DB_PASSWORD",
                                    "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "DB_PASSWORD"}},
                                }],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"cpu": "500m", "memory": "512Mi"},
                                },
                                "readinessProbe": {
                                    "httpGet": {"path": "/healthz", "port": 8080},
                                    "initialDelaySeconds": 5,
                                    "periodSeconds": 10,
                                    "failureThreshold": 3,
                                },
                                "volumeMounts": [
                                    {"name": "data", "mountPath": "/var/lib/data"},
                                    {"name": "logs", "mountPath": "/var/log/app"},
                                ],
                            }],
                        },
                    },
                    "volumeClaimTemplates": [
                        {
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": {"name": "data"},
                            "spec": {
                                "accessModes": ["ReadWriteOnce"],
                                "storageClassName": "longhorn",
                                "resources": {"requests": {"storage": "10Gi"}},
                            },
                        },
                        {
                            // storageClass "" → no storageClassName at all.
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": {"name": "logs"},
                            "spec": {
                                "accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "5Gi"}},
                            },
                        },
                    ],
                },
            }),
        );
    }

    #[test]
    fn headless_service_matches_the_seed() {
        assert_file(
            &rendered(),
            "api-headless-service.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": labelled("production", "api-headless", "api"),
                "spec": {
                    "clusterIP": "None",
                    "selector": {"app": "api"},
                    "ports": [{"port": 8080, "targetPort": 8080}],
                },
            }),
        );
    }

    #[test]
    fn cluster_ip_service_matches_the_seed() {
        assert_file(
            &rendered(),
            "api-service.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": labelled("production", "api", "api"),
                "spec": {
                    "type": "ClusterIP",
                    "selector": {"app": "api"},
                    "ports": [{"port": 8080, "targetPort": 8080}],
                },
            }),
        );
    }

    #[test]
    fn config_secret_and_namespace() {
        let rendered = rendered();
        assert_file(
            &rendered,
            "api-config.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": labelled("production", "api-config", "api"),
                "data": {"APP_ENV": "production"},
            }),
        );
        assert_file(
            &rendered,
            "secrets/api-secrets.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": labelled("production", "api-secrets", "api"),
                "type": "Opaque",
                "stringData": {"DB_PASSWORD": "CHANGE_ME"},
            }),
        );
        assert_file(
            &rendered,
            "namespace.yaml",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": "production",
                "labels": project_labels("production"),
            }}),
        );
    }
}

mod deployment_example {
    use super::*;

    const FILES: &[&str] = &[
        "namespace.yaml",
        "web-config.yaml",
        "secrets/web-secrets.yaml",
        "web-redis-config.yaml",
        "secrets/web-redis-secrets.yaml",
        "web-uploads-pvc.yaml",
        "web-archive-pvc.yaml",
        "postgres-config.yaml",
        "secrets/postgres-secrets.yaml",
        "web-service.yaml",
        "postgres-headless-service.yaml",
        "web-deployment.yaml",
        "postgres-statefulset.yaml",
        "ingress.yaml",
    ];

    fn rendered() -> Rendered {
        render_file(&example("deployment.yaml"), &[])
    }

    fn labelled(name: &str, app: &str) -> serde_json::Value {
        super::labelled("shop", name, app)
    }

    #[test]
    fn writes_every_object_once_in_apply_order() {
        assert_files(&rendered(), "shop", FILES);
    }

    #[test]
    fn deployment_uses_every_pod_template_feature() {
        let wait_script = "echo \"Waiting for postgres-headless:5432...\"; until nc -z postgres-headless 5432; do sleep 2; done; echo \"postgres-headless:5432 is ready\"";
        assert_file(
            &rendered(),
            "web-deployment.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                // Mesh annotations go on the pod template, not here.
                "metadata": labelled("web", "web"),
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
                    },
                    "template": {
                        "metadata": {
                            "labels": {"app": "web"},
                            "annotations": {
                                "sidecar.istio.io/inject": "true",
                                "sidecar.istio.io/proxyCPU": "100m",
                                "sidecar.istio.io/proxyCPULimit": "200m",
                                "sidecar.istio.io/proxyMemory": "64Mi",
                                "sidecar.istio.io/proxyMemoryLimit": "128Mi",
                                "sidecar.istio.io/logLevel": "warning",
                                "traffic.sidecar.istio.io/excludeInboundPorts": "9090",
                            },
                        },
                        "spec": {
                            "initContainers": [
                                // Dependency wait-for; the companion's wait for
                                // the same host is not repeated.
                                {
                                    "name": "wait-for-postgres",
                                    "image": "busybox:1.36",
                                    "command": ["sh", "-c", wait_script],
                                },
                                {
                                    "name": "migrate",
                                    "image": "ghcr.io/example/web:1.4.2",
                                    "command": ["sh", "-c", "./manage migrate"],
                                },
                                {
                                    "name": "log-shipper",
                                    "image": "fluent-bit:2.1",
                                    "restartPolicy": "Always",
                                    "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app"}],
                                },
                            ],
                            "containers": [
                                {
                                    "name": "web",
                                    "image": "ghcr.io/example/web:1.4.2",
                                    "ports": [{"containerPort": 8080}],
                                    "envFrom": [{"configMapRef": {"name": "web-config"}}],
                                    "env": [{
                                        "name": "API_SECRET",
                                        "valueFrom": {"secretKeyRef": {"name": "web-secrets", "key": "API_SECRET"}},
                                    }],
                                    "resources": {
                                        "requests": {"cpu": "100m", "memory": "128Mi"},
                                        "limits": {"cpu": "500m", "memory": "512Mi"},
                                    },
                                    "readinessProbe": {
                                        "httpGet": {"path": "/healthz", "port": 8080},
                                        "initialDelaySeconds": 5,
                                        "periodSeconds": 10,
                                        "failureThreshold": 3,
                                    },
                                    // Probe port defaults to the container port;
                                    // extra: 0 → no failureThreshold.
                                    "livenessProbe": {
                                        "tcpSocket": {"port": 8080},
                                        "initialDelaySeconds": 15,
                                        "periodSeconds": 20,
                                    },
                                    "volumeMounts": [
                                        {"name": "uploads", "mountPath": "/srv/uploads"},
                                        {"name": "archive", "mountPath": "/srv/archive", "readOnly": true},
                                        {"name": "empty-2", "mountPath": "/tmp/cache"},
                                        {"name": "cm-web-settings", "mountPath": "/etc/web/settings.json", "subPath": "settings.json"},
                                        {"name": "sec-web-tls", "mountPath": "/etc/tls", "readOnly": true},
                                        {"name": "hp-5", "mountPath": "/var/run/docker.sock"},
                                        {"name": "logs", "mountPath": "/var/log/app"},
                                    ],
                                },
                                {
                                    "name": "redis",
                                    "image": "redis:7",
                                    "ports": [{"containerPort": 6379}],
                                    "envFrom": [{"configMapRef": {"name": "web-redis-config"}}],
                                    "env": [{
                                        "name": "REDIS_PASSWORD",
                                        "valueFrom": {"secretKeyRef": {"name": "web-redis-secrets", "key": "REDIS_PASSWORD"}},
                                    }],
                                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                                    "volumeMounts": [{"name": "redis-data", "mountPath": "/data"}],
                                },
                                {"name": "metrics", "image": "prom/statsd-exporter:v0.26.0"},
                            ],
                            "volumes": [
                                {"name": "uploads", "persistentVolumeClaim": {"claimName": "web-uploads"}},
                                {"name": "archive", "persistentVolumeClaim": {"claimName": "web-archive"}},
                                {"name": "empty-2", "emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}},
                                {
                                    "name": "cm-web-settings",
                                    "configMap": {
                                        "name": "web-settings",
                                        "items": [{"key": "settings.json", "path": "settings.json"}],
                                    },
                                },
                                {"name": "sec-web-tls", "secret": {"secretName": "web-tls"}},
                                {"name": "hp-5", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
                                {"name": "logs", "emptyDir": {}},
                                {"name": "redis-data", "emptyDir": {}},
                            ],
                        },
                    },
                },
            }),
        );
    }

    #[test]
    fn environment_goes_to_config_and_secrets() {
        let rendered = rendered();
        assert_file(
            &rendered,
            "web-config.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": labelled("web-config", "web"),
                // A variable without varName becomes ${KEY}; the empty key is dropped.
                "data": {
                    "APP_ENV": "production",
                    "FEATURE_FLAGS": "${FEATURE_FLAGS}",
                    "LOG_LEVEL": "${LOG_LEVEL}",
                },
            }),
        );
        assert_file(
            &rendered,
            "secrets/web-secrets.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": labelled("web-secrets", "web"),
                "type": "Opaque",
                "stringData": {"API_SECRET": "CHANGE_ME"},
            }),
        );
        assert_file(
            &rendered,
            "web-redis-config.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": labelled("web-redis-config", "web"),
                "data": {"REDIS_MAXMEMORY": "256mb"},
            }),
        );
        assert_file(
            &rendered,
            "secrets/web-redis-secrets.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": labelled("web-redis-secrets", "web"),
                "type": "Opaque",
                "stringData": {"REDIS_PASSWORD": "CHANGE_ME"},
            }),
        );
    }

    #[test]
    fn claims_of_the_pvc_volumes() {
        let rendered = rendered();
        let mut uploads_meta = labelled("web-uploads", "web");
        uploads_meta["annotations"] = json!({
            "longhorn.io/number-of-replicas": "3",
            "longhorn.io/data-locality": "best-effort",
        });
        assert_file(
            &rendered,
            "web-uploads-pvc.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": uploads_meta,
                "spec": {
                    "accessModes": ["ReadWriteMany"],
                    "storageClassName": "longhorn",
                    "resources": {"requests": {"storage": "20Gi"}},
                },
            }),
        );
        assert_file(
            &rendered,
            "web-archive-pvc.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": labelled("web-archive", "web"),
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "volumeName": "archive-pv",
                    "resources": {"requests": {"storage": "100Gi"}},
                },
            }),
        );
    }

    #[test]
    fn service_and_ingress() {
        let rendered = rendered();
        assert_file(
            &rendered,
            "web-service.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": labelled("web", "web"),
                "spec": {
                    "type": "ClusterIP",
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "targetPort": 8080}],
                },
            }),
        );
        assert_file(
            &rendered,
            "ingress.yaml",
            json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "web-ingress", "namespace": "shop", "labels": project_labels("shop")},
                "spec": {"rules": [{
                    "host": "shop.example.com",
                    "http": {"paths": [{
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": "web", "port": {"number": 80}}},
                    }]},
                }]},
            }),
        );
    }

    #[test]
    fn infra_statefulset_turns_its_pvc_volume_into_a_claim_template() {
        let rendered = rendered();
        assert_file(
            &rendered,
            "postgres-statefulset.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": labelled_as("shop", "postgres", "postgres", "database"),
                "spec": {
                    "replicas": 1,
                    "serviceName": "postgres-headless",
                    "selector": {"matchLabels": {"app": "postgres"}},
                    "updateStrategy": {"type": "RollingUpdate"},
                    "template": {
                        "metadata": {"labels": {"app": "postgres"}},
                        "spec": {"containers": [{
                            "name": "postgres",
                            "image": "postgres:16",
                            "ports": [{"containerPort": 5432}],
                            "envFrom": [{"configMapRef": {"name": "postgres-config"}}],
                            "env": [{
                                "name": "POSTGRES_PASSWORD",
                                "valueFrom": {"secretKeyRef": {"name": "postgres-secrets", "key": "POSTGRES_PASSWORD"}},
                            }],
                            "volumeMounts": [{"name": "pgdata", "mountPath": "/var/lib/postgresql/data"}],
                        }]},
                    },
                    "volumeClaimTemplates": [{
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {"name": "pgdata"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "50Gi"}},
                        },
                    }],
                },
            }),
        );
        assert_file(
            &rendered,
            "postgres-headless-service.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": labelled_as("shop", "postgres-headless", "postgres", "database"),
                "spec": {
                    "clusterIP": "None",
                    "selector": {"app": "postgres"},
                    "ports": [{"port": 5432, "targetPort": 5432}],
                },
            }),
        );
        assert_file(
            &rendered,
            "secrets/postgres-secrets.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": labelled_as("shop", "postgres-secrets", "postgres", "database"),
                "type": "Opaque",
                "stringData": {"POSTGRES_PASSWORD": "CHANGE_ME"},
            }),
        );
        assert_file(
            &rendered,
            "postgres-config.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": labelled_as("shop", "postgres-config", "postgres", "database"),
                "data": {"POSTGRES_DB": "shop"},
            }),
        );
    }
}

mod multi_service_example {
    use super::*;

    const FILES: &[&str] = &[
        "namespace.yaml",
        "web-config.yaml",
        "api-config.yaml",
        "secrets/api-secrets.yaml",
        "secrets/cleanup-secrets.yaml",
        "orders-db-config.yaml",
        "secrets/orders-db-secrets.yaml",
        "web-service.yaml",
        "api-service.yaml",
        "cache-headless-service.yaml",
        "web-deployment.yaml",
        "api-deployment.yaml",
        "log-agent-daemonset.yaml",
        "cleanup-cronjob.yaml",
        "cache-statefulset.yaml",
        "api-hpa.yaml",
        "ingress.yaml",
    ];

    fn rendered() -> Rendered {
        render_file(&example("multi-service.yaml"), &["--strict"])
    }

    fn labelled(name: &str, app: &str) -> serde_json::Value {
        super::labelled("storefront", name, app)
    }

    #[test]
    fn writes_every_object_once_in_apply_order() {
        // The Managed database gets configuration only, the Skip nothing.
        assert_files(&rendered(), "storefront", FILES);
    }

    #[test]
    fn api_waits_for_the_cache_and_reads_the_managed_database_config() {
        let wait_script = "echo \"Waiting for cache-headless:6379...\"; until nc -z cache-headless 6379; do sleep 2; done; echo \"cache-headless:6379 is ready\"";
        assert_file(
            &rendered(),
            "api-deployment.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": labelled("api", "api"),
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "api"}},
                    "strategy": {
                        "type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
                    },
                    "template": {
                        "metadata": {"labels": {"app": "api"}},
                        "spec": {
                            // The Managed database has no in-cluster host to wait for.
                            "initContainers": [{
                                "name": "wait-for-cache",
                                "image": "busybox:1.36",
                                "command": ["sh", "-c", wait_script],
                            }],
                            "containers": [{
                                "name": "api",
                                "image": "ghcr.io/example/storefront-api:2.3.0",
                                "ports": [{"containerPort": 8080}],
                                "envFrom": [
                                    {"configMapRef": {"name": "api-config"}},
                                    {"configMapRef": {"name": "orders-db-config"}},
                                    {"secretRef": {"name": "orders-db-secrets"}},
                                ],
                                "env": [{
                                    "name": "SESSION_KEY",
                                    "valueFrom": {"secretKeyRef": {"name": "api-secrets", "key": "SESSION_KEY"}},
                                }],
                                "resources": {
                                    "requests": {"cpu": "200m", "memory": "256Mi"},
                                    "limits": {"cpu": "1", "memory": "512Mi"},
                                },
                                "readinessProbe": {
                                    "httpGet": {"path": "/ready", "port": 8080},
                                    "initialDelaySeconds": 5,
                                    "periodSeconds": 10,
                                },
                                "livenessProbe": {
                                    "httpGet": {"path": "/healthz", "port": 8080},
                                    "initialDelaySeconds": 15,
                                    "periodSeconds": 20,
                                    "failureThreshold": 3,
                                },
                            }],
                        },
                    },
                },
            }),
        );
    }

    #[test]
    fn autoscaler_targets_the_api() {
        assert_file(
            &rendered(),
            "api-hpa.yaml",
            json!({
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": labelled("api", "api"),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "minReplicas": 3,
                    "maxReplicas": 12,
                    "metrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
                    ],
                },
            }),
        );
    }

    #[test]
    fn one_ingress_routes_to_both_app_services() {
        let backend = |name: &str| json!({"service": {"name": name, "port": {"number": 80}}});
        assert_file(
            &rendered(),
            "ingress.yaml",
            json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {"name": "app-ingress", "namespace": "storefront", "labels": project_labels("storefront")},
                "spec": {"rules": [{
                    "host": "shop.example.com",
                    "http": {"paths": [
                        {"path": "/", "pathType": "Prefix", "backend": backend("web")},
                        {"path": "/api", "pathType": "Prefix", "backend": backend("api")},
                    ]},
                }]},
            }),
        );
    }

    #[test]
    fn agent_runs_on_every_linux_node() {
        assert_file(
            &rendered(),
            "log-agent-daemonset.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": labelled("log-agent", "log-agent"),
                "spec": {
                    "selector": {"matchLabels": {"app": "log-agent"}},
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                    "template": {
                        "metadata": {"labels": {"app": "log-agent"}},
                        "spec": {
                            "nodeSelector": {"kubernetes.io/os": "linux"},
                            "tolerations": [{
                                "key": "node-role.kubernetes.io/control-plane",
                                "operator": "Exists",
                                "effect": "NoSchedule",
                            }],
                            "containers": [{
                                "name": "log-agent",
                                "image": "fluent/fluent-bit:3.0",
                                "resources": {
                                    "requests": {"cpu": "20m", "memory": "32Mi"},
                                    "limits": {"memory": "128Mi"},
                                },
                                "volumeMounts": [
                                    {"name": "hp-0", "mountPath": "/var/log", "readOnly": true},
                                    {"name": "cm-fluent-bit-config", "mountPath": "/fluent-bit/etc"},
                                ],
                            }],
                            "volumes": [
                                {"name": "hp-0", "hostPath": {"path": "/var/log", "type": "Directory"}},
                                {"name": "cm-fluent-bit-config", "configMap": {"name": "fluent-bit-config"}},
                            ],
                        },
                    },
                },
            }),
        );
    }

    #[test]
    fn nightly_cleanup_is_a_cron_job() {
        assert_file(
            &rendered(),
            "cleanup-cronjob.yaml",
            json!({
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": labelled("cleanup", "cleanup"),
                "spec": {
                    "schedule": "30 3 * * *",
                    "concurrencyPolicy": "Forbid",
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 1,
                    "jobTemplate": {
                        "metadata": {"labels": {"app": "cleanup"}},
                        "spec": {
                            "backoffLimit": 2,
                            "template": {
                                "metadata": {"labels": {"app": "cleanup"}},
                                "spec": {
                                    "restartPolicy": "OnFailure",
                                    "containers": [{
                                        "name": "cleanup",
                                        "image": "ghcr.io/example/storefront-api:2.3.0",
                                        "command": ["sh", "-c", "./manage purge-expired-sessions"],
                                        "args": ["--older-than", "30d"],
                                        "env": [{
                                            "name": "DATABASE_URL",
                                            "valueFrom": {"secretKeyRef": {"name": "cleanup-secrets", "key": "DATABASE_URL"}},
                                        }],
                                    }],
                                },
                            },
                        },
                    },
                },
            }),
        );
    }

    #[test]
    fn cache_is_a_statefulset_with_a_claim_template() {
        let rendered = rendered();
        assert_file(
            &rendered,
            "cache-statefulset.yaml",
            json!({
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": labelled_as("storefront", "cache", "cache", "cache"),
                "spec": {
                    "replicas": 1,
                    "serviceName": "cache-headless",
                    "selector": {"matchLabels": {"app": "cache"}},
                    "updateStrategy": {"type": "RollingUpdate"},
                    "template": {
                        "metadata": {"labels": {"app": "cache"}},
                        "spec": {"containers": [{
                            "name": "cache",
                            "image": "redis:7.2",
                            "ports": [{"containerPort": 6379}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"memory": "256Mi"},
                            },
                            "readinessProbe": {
                                "tcpSocket": {"port": 6379},
                                "initialDelaySeconds": 2,
                                "periodSeconds": 5,
                            },
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        }]},
                    },
                    "volumeClaimTemplates": [{
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": "5Gi"}},
                        },
                    }],
                },
            }),
        );
        assert_file(
            &rendered,
            "orders-db-config.yaml",
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": labelled("orders-db-config", "orders-db"),
                "data": {
                    "DATABASE_HOST": "orders.cluster-abc123.eu-west-1.rds.amazonaws.com",
                    "DATABASE_PORT": "5432",
                },
            }),
        );
    }
}
