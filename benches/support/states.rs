//! The generated states the benchmarks measure (shared by `render` and
//! `process`).

use std::fmt::Write;

/// A state of `count` app services cycling through every kind and feature,
/// with one infra decision per ten services for the Deployments to depend
/// on (a self-hosted StatefulSet, a Managed database, a Skip).
pub fn state(count: usize) -> String {
    let infra = count.div_ceil(10);
    let mut text =
        String::from("namespace: bench\noutput_dir: k8s\ningress: bench.example.com\n_services:\n");
    for index in 0..count {
        let db = format!("db-{}", index / 10);
        let service = match index % 6 {
            0 => deployment(index, &db),
            1 => statefulset(index),
            2 => daemonset(index),
            3 => job(index),
            4 => cronjob(index),
            _ => recreate_deployment(index, &db),
        };
        text.push_str(&service);
    }
    text.push_str("_infraDecisions:\n");
    for index in 0..infra {
        text.push_str(&infra_decision(index));
    }
    text
}

/// Everything section 3 offers, on a Deployment.
fn deployment(index: usize, db: &str) -> String {
    format!(
        r#"  - name: web-{index}
    kind: Deployment
    image: ghcr.io/example/web:1.4.{index}
    port: "8080"
    servicePort: 80
    serviceType: ClusterIP
    replicas: "2"
    strategy: RollingUpdate
    maxSurge: "25%"
    maxUnavailable: "1"
    resources: {{cpu_request: 100m, cpu_limit: 500m, memory_request: 128Mi, memory_limit: 512Mi}}
    readinessProbe: {{type: http, path: /healthz, port: 8080, initialDelaySeconds: 5, periodSeconds: 10, extra: 3}}
    livenessProbe: {{type: tcp, initialDelaySeconds: 15, periodSeconds: 20}}
    envVars:
      - {{key: APP_ENV, type: hardcoded, value: production}}
      - {{key: LOG_LEVEL, type: variable, varName: "${{LOG_LEVEL}}"}}
      - {{key: API_SECRET, type: secret}}
    volumes:
      - {{name: uploads, type: pvc-dynamic, mountPath: /srv/uploads, size: 20Gi, accessMode: ReadWriteMany, storageClass: longhorn, longhornConfig: {{replicas: 3, dataLocality: best-effort}}}}
      - {{name: archive, type: pvc-static, mountPath: /srv/archive, size: 100Gi, pvName: archive-{index}, readOnly: true}}
      - {{type: emptyDir, mountPath: /tmp/cache, medium: Memory, sizeLimit: 256Mi}}
      - {{type: configMap, configMapName: web-settings, key: settings.json, mountPath: /etc/web/settings.json}}
      - {{type: secret, secretName: web-tls, mountPath: /etc/tls, readOnly: true}}
      - {{type: hostPath, hostPath: /var/run/docker.sock, hostType: Socket, mountPath: /var/run/docker.sock}}
    initContainers:
      - {{name: migrate, image: "ghcr.io/example/web:1.4.{index}", command: "./manage migrate"}}
    sidecars:
      - {{name: log-shipper, image: "fluent-bit:2.1", nativeSidecar: true, sharedVolume: logs, sharedMount: /var/log/app}}
      - {{name: metrics, image: "prom/statsd-exporter:v0.26.0", nativeSidecar: false}}
    companions:
      - name: cache
        image: "redis:7"
        port: "6379"
        env:
          - {{key: REDIS_MAXMEMORY, value: 256mb}}
          - {{key: REDIS_PASSWORD, type: secret}}
        resources: {{cpu_request: 50m, memory_request: 64Mi}}
        volumes: [{{name: cache-data, type: emptyDir, mountPath: /data}}]
        dependsOn: {db}
        dependsOnPort: "5432"
    mesh: {{provider: istio, proxyCpuRequest: 100m, proxyCpuLimit: 200m, proxyMemRequest: 64Mi, proxyMemLimit: 128Mi, excludeInbound: "9090", logLevel: warning}}
    dependencies: [{db}]
    autoscaling: {{enabled: true, minReplicas: 2, maxReplicas: 8, targetCPU: 70, targetMemory: 80}}
"#
    )
}

fn recreate_deployment(index: usize, db: &str) -> String {
    format!(
        r#"  - name: worker-{index}
    image: ghcr.io/example/worker:2.0
    port: 9000
    serviceType: NodePort
    strategy: Recreate
    envVars:
      - {{key: QUEUE, value: jobs-{index}}}
    readinessProbe: {{type: exec, command: "test -f /tmp/ready"}}
    mesh: {{provider: linkerd, proxyCpuRequest: 10m, logLevel: info, excludeOutbound: "25"}}
    dependencies: [{db}]
"#
    )
}

fn statefulset(index: usize) -> String {
    format!(
        r#"  - name: store-{index}
    kind: StatefulSet
    image: ghcr.io/example/store:3
    port: "7000"
    replicas: "3"
    headlessServiceName: store-{index}-peers
    podManagementPolicy: Parallel
    alsoCreateClusterIP: true
    strategy: RollingUpdate
    partition: 1
    volumeClaimTemplates:
      - {{name: data, mountPath: /var/lib/data, size: 10Gi, accessMode: ReadWriteOnce, storageClass: longhorn}}
      - {{name: logs, mountPath: /var/log/store, size: 5Gi}}
    envVars:
      - {{key: CLUSTER, value: store-{index}}}
      - {{key: ADMIN_PASSWORD, type: secret}}
    readinessProbe: {{type: tcp, port: 7000, periodSeconds: 5}}
    resources: {{cpu_request: 250m, memory_limit: 1Gi}}
    sidecars:
      - {{name: backup, image: "restic/restic:0.16", sharedVolume: snapshots, sharedMount: /snapshots}}
    mesh: {{provider: consul, proxyCpuLimit: 100m}}
"#
    )
}

fn daemonset(index: usize) -> String {
    format!(
        r#"  - name: agent-{index}
    kind: DaemonSet
    image: ghcr.io/example/agent:1
    port: 9100
    maxUnavailable: "10%"
    nodeSelector: "kubernetes.io/os=linux, node-role=worker"
    tolerations:
      - {{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}}
    hostNetwork: true
    hostPID: true
    volumes:
      - {{name: proc, type: hostPath, hostPath: /proc, mountPath: /host/proc, readOnly: true}}
      - {{name: state, type: pvc-dynamic, mountPath: /var/lib/agent, size: 1Gi}}
    envVars:
      - {{key: NODE_EXPORTER, value: "true"}}
    mesh: {{provider: kuma, proxyMemRequest: 32Mi}}
"#
    )
}

fn job(index: usize) -> String {
    format!(
        r#"  - name: migrate-{index}
    kind: Job
    image: ghcr.io/example/migrate:1
    command: "./migrate --all"
    args: "--verbose --timeout 60"
    restartPolicy: OnFailure
    backoffLimit: "4"
    completions: 1
    parallelism: 1
    activeDeadlineSeconds: 600
    ttlSecondsAfterFinished: 3600
    envVars:
      - {{key: TARGET, value: v{index}}}
      - {{key: DB_PASSWORD, type: secret}}
    resources: {{cpu_request: 100m, memory_request: 64Mi}}
"#
    )
}

fn cronjob(index: usize) -> String {
    format!(
        r#"  - name: report-{index}
    kind: CronJob
    image: ghcr.io/example/report:1
    schedule: "*/15 * * * *"
    concurrencyPolicy: Forbid
    suspend: false
    successfulJobsHistoryLimit: 3
    failedJobsHistoryLimit: 1
    startingDeadlineSeconds: 120
    command: "./report"
    args: [--format, pdf]
    envVars:
      - {{key: REPORT, value: daily-{index}}}
    companions:
      - {{name: smtp, image: "mailhog/mailhog:v1", port: "1025"}}
"#
    )
}

fn infra_decision(index: usize) -> String {
    let mut text = String::new();
    let _ = match index % 3 {
        0 => write!(
            text,
            r#"  - name: db-{index}
    kind: StatefulSet
    image: postgres:16
    port: 5432
    envVars:
      - {{key: POSTGRES_DB, value: app}}
      - {{key: POSTGRES_PASSWORD, type: secret}}
    volumes:
      - {{name: pgdata, type: pvc-dynamic, mountPath: /var/lib/postgresql/data, size: 50Gi}}
"#
        ),
        1 => write!(
            text,
            r#"  - name: db-{index}
    kind: Managed
    providerNotes: a cloud database
    envVars:
      - {{key: DATABASE_HOST, value: db-{index}.example.net}}
      - {{key: DATABASE_PASSWORD, type: secret}}
"#
        ),
        _ => write!(text, "  - name: db-{index}\n    kind: Skip\n"),
    };
    text
}
