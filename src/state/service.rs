//! Reading one service (an entry of `_services`, or a self-hosted entry of
//! `_infraDecisions`) and its kind-specific settings.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields;
use super::pod;
use super::reader::{describe, Obj, Reader};
use super::volume;
use crate::check::{self, numbers::is_zero};
use crate::model::*;

use WorkloadKind::{CronJob as CJ, DaemonSet as DS, Deployment as D, Job as J, StatefulSet as SS};

/// For each kind-specific field, the kinds on which it has an effect.
const EFFECTIVE: &[(&str, &[WorkloadKind])] = &[
    ("replicas", &[D, SS]),
    ("serviceType", &[D]),
    ("maxSurge", &[D]),
    ("maxUnavailable", &[D, DS]),
    ("strategy", &[D, SS, DS]),
    ("dependencies", &[D]),
    ("servicePort", &[D, SS, DS]),
    ("autoscaling", &[D, SS]),
    ("readinessProbe", &[D, SS, DS]),
    ("livenessProbe", &[D, SS, DS]),
    ("initContainers", &[D, SS, DS]),
    ("headlessServiceName", &[SS]),
    ("podManagementPolicy", &[SS]),
    ("partition", &[SS]),
    ("alsoCreateClusterIP", &[SS]),
    ("volumeClaimTemplates", &[SS]),
    ("nodeSelector", &[DS]),
    ("tolerations", &[DS]),
    ("hostNetwork", &[DS]),
    ("hostPID", &[DS]),
    ("hostIPC", &[DS]),
    ("command", &[J, CJ]),
    ("args", &[J, CJ]),
    ("restartPolicy", &[J, CJ]),
    ("backoffLimit", &[J, CJ]),
    ("completions", &[J, CJ]),
    ("parallelism", &[J, CJ]),
    ("activeDeadlineSeconds", &[J, CJ]),
    ("ttlSecondsAfterFinished", &[J, CJ]),
    ("schedule", &[CJ]),
    ("concurrencyPolicy", &[CJ]),
    ("suspend", &[CJ]),
    ("successfulJobsHistoryLimit", &[CJ]),
    ("failedJobsHistoryLimit", &[CJ]),
    ("startingDeadlineSeconds", &[CJ]),
];

pub fn read_app_service(reader: &Reader, path: &str, value: &Value) -> Option<Service> {
    let obj = reader.object(path, value, &fields::SERVICE)?;
    if obj.is_set("providerNotes") {
        obj.warning(
            "providerNotes",
            "`providerNotes` only means something on an infrastructure decision and is ignored",
        );
    }
    read_service(&obj, false)
}

/// Read a service. `infra` marks a self-hosted infrastructure decision,
/// whose StatefulSet may describe its storage as PVC `volumes`.
pub fn read_service(obj: &Obj<'_, '_>, infra: bool) -> Option<Service> {
    let name = obj.name("name", "a service name");
    let kind = match obj.string("kind") {
        None => Some(D),
        Some(_) => obj.one_of("kind", fields::KINDS).map(kind_from_str),
    };
    let image = obj.image("image");
    let port = obj.port("port");
    let service_port = obj.port("servicePort");
    let resources = pod::read_resources(obj);
    let env = super::env::read_env(obj);
    let init_containers = pod::read_init_containers(obj);
    let sidecars = pod::read_sidecars(obj);
    let companions = pod::read_companions(obj);
    let mesh = pod::read_mesh(obj);
    let dependencies = read_dependencies(obj);
    let autoscaling = pod::read_autoscaling(obj);
    // Probes and volumes mean the same for every kind: check them even
    // when the kind itself is wrong, so one pass reports every problem.
    let probe_port = port;
    let readiness_probe = pod::read_probe(obj, "readinessProbe", probe_port);
    let liveness_probe = pod::read_probe(obj, "livenessProbe", probe_port);
    let mut volumes = volume::read_volumes(obj, "volumes");
    let kind = kind?;
    warn_ineffective(obj, kind, infra);
    if matches!(kind, J | CJ) {
        warn_regular_sidecars(obj, &sidecars, kind);
    }
    let workload = match kind {
        D => Workload::Deployment(read_deployment(obj)),
        // A bad name is reported already; the spec is still read for its
        // own problems.
        SS => Workload::StatefulSet(read_statefulset(
            obj,
            name.as_deref().unwrap_or_default(),
            infra,
            &mut volumes,
        )),
        DS => Workload::DaemonSet(read_daemonset(obj)),
        J => Workload::Job(read_job(obj)),
        CJ => Workload::CronJob(read_cronjob(obj)?),
    };
    // Kinds without a volumes panel ignore the list (warned about above).
    let volumes = match kind {
        D | DS => volumes,
        SS if infra => volumes,
        _ => Vec::new(),
    };
    let (readiness_probe, liveness_probe) = match kind {
        J | CJ => (None, None),
        _ => (readiness_probe, liveness_probe),
    };
    Some(Service {
        path: obj.path.clone(),
        name: name?,
        image: image?,
        port,
        service_port: service_port.filter(|_| !matches!(kind, J | CJ)),
        resources,
        readiness_probe,
        liveness_probe,
        env: env.vars,
        env_from: env.from,
        volumes,
        init_containers: if matches!(kind, J | CJ) {
            Vec::new()
        } else {
            init_containers
        },
        sidecars,
        companions,
        mesh,
        dependencies: if kind == D { dependencies } else { Vec::new() },
        autoscaling: autoscaling.filter(|_| matches!(kind, D | SS)),
        workload,
    })
}

fn kind_from_str(kind: &str) -> WorkloadKind {
    match kind {
        "StatefulSet" => SS,
        "DaemonSet" => DS,
        "Job" => J,
        "CronJob" => CJ,
        _ => D,
    }
}

/// Warn about fields that are set but mean nothing for this kind.
fn warn_ineffective(obj: &Obj<'_, '_>, kind: WorkloadKind, infra: bool) {
    for (key, kinds) in EFFECTIVE {
        if obj.is_set(key) && !kinds.contains(&kind) {
            obj.warning(
                key,
                format!(
                    "`{key}` has no effect for a {} and is ignored",
                    kind.as_str()
                ),
            );
        }
    }
    let volumes_apply = matches!(kind, D | DS) || (kind == SS && infra);
    if obj.is_set("volumes") && !volumes_apply {
        let hint = if kind == SS {
            "; use volumeClaimTemplates for a StatefulSet's storage"
        } else {
            ""
        };
        obj.warning(
            "volumes",
            format!(
                "`volumes` has no effect for a {} and is ignored{hint}",
                kind.as_str()
            ),
        );
    }
    // Without a port there is no Service for these to shape (a form may
    // send the default ClusterIP along with everything else: no news).
    if !obj.is_set("port") {
        let non_default_type = obj.string("serviceType").is_some_and(|t| t != "ClusterIP");
        for (key, applies) in [
            ("serviceType", kind == D && non_default_type),
            (
                "servicePort",
                matches!(kind, D | SS | DS) && obj.is_set("servicePort"),
            ),
        ] {
            if applies {
                obj.warning(
                    key,
                    format!("`{key}` has no effect without a port (no Service is generated) and is ignored"),
                );
            }
        }
    }
    if kind == D && obj.string("strategy").as_deref() == Some("Recreate") {
        for key in ["maxSurge", "maxUnavailable"] {
            if obj.is_set(key) {
                obj.warning(
                    key,
                    format!("`{key}` has no effect with strategy Recreate and is ignored"),
                );
            }
        }
    }
    if kind == DS
        && obj.string("strategy").as_deref() == Some("OnDelete")
        && obj.is_set("maxUnavailable")
    {
        obj.warning(
            "maxUnavailable",
            "`maxUnavailable` has no effect with strategy OnDelete and is ignored",
        );
    }
}

/// A Job is complete when all its pod's regular containers have exited; a
/// regular sidecar (a log shipper, a proxy) never does, so the Job would
/// run forever. A native sidecar is stopped once the main container ends.
fn warn_regular_sidecars(obj: &Obj<'_, '_>, sidecars: &[Sidecar], kind: WorkloadKind) {
    for (i, sidecar) in sidecars.iter().enumerate().filter(|(_, s)| !s.native) {
        obj.warning(
            &format!("sidecars[{i}].nativeSidecar"),
            format!(
                "found false: the regular sidecar \"{}\" keeps running after the main container ends, so the {}'s pod never completes; use nativeSidecar: true",
                sidecar.name,
                kind.as_str()
            ),
        );
    }
}

fn read_dependencies(obj: &Obj<'_, '_>) -> Vec<String> {
    obj.list("dependencies")
        .into_iter()
        .filter_map(|(path, value)| match value {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_string()),
            other => {
                obj.reader().error(
                    &path,
                    format!("found {}; expected the name of a service", describe(other)),
                );
                None
            }
        })
        .collect()
}

fn read_replicas(obj: &Obj<'_, '_>) -> i32 {
    obj.non_negative("replicas").unwrap_or(1)
}

fn read_deployment(obj: &Obj<'_, '_>) -> DeploymentSpec {
    let strategy = match obj.one_of("strategy", fields::DEPLOYMENT_STRATEGIES) {
        Some("Recreate") => DeploymentStrategy::Recreate,
        _ => DeploymentStrategy::RollingUpdate {
            max_surge: obj
                .int_or_percent("maxSurge", true)
                .unwrap_or(IntOrPercent::Int(1)),
            max_unavailable: obj
                .int_or_percent("maxUnavailable", false)
                .unwrap_or(IntOrPercent::Int(0)),
        },
    };
    check_rollout_can_progress(obj, &strategy);
    let service_type = match obj.one_of("serviceType", fields::SERVICE_TYPES) {
        Some("NodePort") => ServiceType::NodePort,
        Some("LoadBalancer") => ServiceType::LoadBalancer,
        _ => ServiceType::ClusterIp,
    };
    DeploymentSpec {
        replicas: read_replicas(obj),
        strategy,
        service_type,
    }
}

/// The API server rejects a rolling update where both maxSurge and
/// maxUnavailable are zero: no pod could ever be replaced.
fn check_rollout_can_progress(obj: &Obj<'_, '_>, strategy: &DeploymentStrategy) {
    if let DeploymentStrategy::RollingUpdate {
        max_surge,
        max_unavailable,
    } = strategy
    {
        if is_zero(max_surge) && is_zero(max_unavailable) {
            obj.error(
                "maxSurge",
                "found maxSurge 0 with maxUnavailable 0; at least one must be greater than 0 or no pod could be replaced",
            );
        }
    }
}

fn read_statefulset(
    obj: &Obj<'_, '_>,
    name: &str,
    infra: bool,
    volumes: &mut Vec<Volume>,
) -> StatefulSetSpec {
    let headless_service_name = obj
        .optional_name("headlessServiceName")
        .unwrap_or_else(|| format!("{name}-headless"));
    let parallel = obj.one_of("podManagementPolicy", fields::POD_MANAGEMENT) == Some("Parallel");
    let replicas = read_replicas(obj);
    let update_strategy = match obj.one_of("strategy", fields::SET_STRATEGIES) {
        Some("OnDelete") => {
            if obj.non_negative("partition").unwrap_or(0) > 0 {
                obj.warning(
                    "partition",
                    "`partition` has no effect with strategy OnDelete and is ignored",
                );
            }
            StatefulSetStrategy::OnDelete
        }
        _ => {
            let partition = obj.non_negative("partition").unwrap_or(0);
            if partition > replicas {
                obj.warning(
                    "partition",
                    format!("partition {partition} is greater than replicas {replicas}: no pod will be updated"),
                );
            }
            StatefulSetStrategy::RollingUpdate { partition }
        }
    };
    let mut also_create_cluster_ip = obj.bool("alsoCreateClusterIP").unwrap_or(false);
    if also_create_cluster_ip && !obj.is_set("port") {
        also_create_cluster_ip = false;
        obj.warning(
            "alsoCreateClusterIP",
            "`alsoCreateClusterIP` has no effect without a port (a ClusterIP Service needs one) and is ignored",
        );
    }
    let mut claim_templates = volume::read_claim_templates(obj);
    if infra {
        claim_templates.extend(volume::take_pvcs_as_claim_templates(obj, volumes));
    }
    StatefulSetSpec {
        replicas,
        headless_service_name,
        parallel_pod_management: parallel,
        update_strategy,
        also_create_cluster_ip,
        claim_templates,
    }
}

fn read_daemonset(obj: &Obj<'_, '_>) -> DaemonSetSpec {
    let strategy = match obj.one_of("strategy", fields::SET_STRATEGIES) {
        Some("OnDelete") => DaemonSetStrategy::OnDelete,
        _ => {
            let max_unavailable = obj.int_or_percent("maxUnavailable", false);
            // A DaemonSet has no maxSurge here (it defaults to 0), and the
            // API server rejects a rollout that may replace no pod.
            if let Some(zero) = max_unavailable.as_ref().filter(|v| is_zero(v)) {
                let found = match zero {
                    IntOrPercent::Int(n) => n.to_string(),
                    IntOrPercent::Str(s) => format!("\"{s}\""),
                };
                obj.error(
                    "maxUnavailable",
                    format!("found {found}; a DaemonSet's rolling update must be allowed to take at least one pod down (1 or more, or a percentage above 0%)"),
                );
            }
            DaemonSetStrategy::RollingUpdate { max_unavailable }
        }
    };
    DaemonSetSpec {
        strategy,
        node_selector: read_node_selector(obj),
        tolerations: pod::read_tolerations(obj),
        host_network: obj.bool("hostNetwork").unwrap_or(false),
        host_pid: obj.bool("hostPID").unwrap_or(false),
        host_ipc: obj.bool("hostIPC").unwrap_or(false),
    }
}

/// `"k=v, k2=v2"` or a map; every pair is a label. Each bad pair is
/// reported, the good ones are kept.
fn read_node_selector(obj: &Obj<'_, '_>) -> BTreeMap<String, String> {
    let pairs: Vec<Result<(String, String), String>> = match obj.raw("nodeSelector") {
        None => Vec::new(),
        Some(Value::String(text)) => check::names::selector_pairs(text)
            .map(|pair| pair.map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => v.to_string(),
                    other => {
                        return Err(format!(
                            "found {} for key {k}; expected a string",
                            describe(other)
                        ))
                    }
                };
                check::names::check_label(k, &value).map(|()| (k.clone(), value))
            })
            .collect(),
        Some(other) => vec![Err(format!(
            "found {}; expected \"key=value, key2=value2\" or a map",
            describe(other)
        ))],
    };
    pairs
        .into_iter()
        .filter_map(|pair| pair.map_err(|why| obj.error("nodeSelector", why)).ok())
        .collect()
}

fn read_job(obj: &Obj<'_, '_>) -> JobSpec {
    let restart_policy = match obj.one_of("restartPolicy", fields::RESTART_POLICIES) {
        Some("OnFailure") => JobRestartPolicy::OnFailure,
        _ => JobRestartPolicy::Never,
    };
    JobSpec {
        command: obj.string("command").filter(|c| !c.trim().is_empty()),
        args: read_args(obj),
        restart_policy,
        backoff_limit: obj.non_negative("backoffLimit"),
        completions: obj.non_negative("completions"),
        parallelism: obj.non_negative("parallelism"),
        active_deadline_seconds: obj.seconds("activeDeadlineSeconds", 1),
        ttl_seconds_after_finished: obj.non_negative("ttlSecondsAfterFinished"),
    }
}

/// `args` is a string split on white space, or a list taken as is.
fn read_args(obj: &Obj<'_, '_>) -> Vec<String> {
    match obj.raw("args") {
        None => Vec::new(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(_)) => obj
            .list("args")
            .into_iter()
            .filter_map(|(path, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                other => {
                    obj.reader().error(
                        &path,
                        format!("found {}; expected a string", describe(other)),
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            obj.error(
                "args",
                format!(
                    "found {}; expected a string or a list of strings",
                    describe(other)
                ),
            );
            Vec::new()
        }
    }
}

fn read_cronjob(obj: &Obj<'_, '_>) -> Option<CronJobSpec> {
    let job = read_job(obj);
    let schedule = obj.required_string(
        "schedule",
        "a schedule (five-field cron expression) for a CronJob",
    );
    if let Some(Err(why)) = schedule.as_deref().map(check::check_schedule) {
        obj.error("schedule", why);
    }
    // The other fields are checked even without a schedule.
    let concurrency_policy = obj
        .one_of("concurrencyPolicy", fields::CONCURRENCY)
        .map(str::to_string);
    let suspend = obj.bool("suspend").unwrap_or(false);
    let successful_jobs_history_limit = obj.non_negative("successfulJobsHistoryLimit");
    let failed_jobs_history_limit = obj.non_negative("failedJobsHistoryLimit");
    let starting_deadline_seconds = obj.seconds("startingDeadlineSeconds", 0);
    Some(CronJobSpec {
        job,
        schedule: schedule?.trim().to_string(),
        concurrency_policy,
        suspend,
        successful_jobs_history_limit,
        failed_jobs_history_limit,
        starting_deadline_seconds,
    })
}

/// Whether `key` has an effect on a service of `kind` (a STATE.md kind
/// name); keys that are not kind-specific have one on every kind. The
/// terminal wizard leaves out what a change of kind made pointless.
pub fn has_effect(key: &str, kind: &str) -> bool {
    if !fields::KINDS.contains(&kind) {
        return true;
    }
    let kind = kind_from_str(kind);
    EFFECTIVE
        .iter()
        .find(|(k, _)| *k == key)
        .is_none_or(|(_, kinds)| kinds.contains(&kind))
}
