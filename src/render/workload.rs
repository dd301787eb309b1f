//! One service → its workload and every object that goes with it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec as K8sDaemonSetSpec, DaemonSetUpdateStrategy, Deployment,
    DeploymentSpec as K8sDeploymentSpec, DeploymentStrategy as K8sDeploymentStrategy,
    RollingUpdateDaemonSet, RollingUpdateDeployment, RollingUpdateStatefulSetStrategy, StatefulSet,
    StatefulSetSpec as K8sStatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::batch::v1::{
    CronJob, CronJobSpec as K8sCronJobSpec, Job, JobSpec as K8sJobSpec, JobTemplateSpec,
};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec, Toleration as K8sToleration,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::volumes::{self, claim_name, PodStorage};
use super::{config, meta, pod, project, service, Built, Phase};
use crate::model::*;

/// The objects one service produces: all of them (`only: None`; the
/// phases sort them later), or those of one phase, built without the others
/// (a stream renders phase by phase, each object once).
pub fn render_service<'a>(
    project: &'a Project,
    svc: &'a Service,
    only: Option<Phase>,
) -> Vec<Built<'a>> {
    let wanted = |phase: Phase| only.is_none_or(|only| only == phase);
    let mut out = Vec::new();
    // The storage plan is shared by the claims (Config) and the pod.
    let storage = (wanted(Phase::Config) || wanted(Phase::Workloads)).then(|| volumes::plan(svc));
    let owner = meta::Owner::service(svc);
    if let Some(storage) = storage.as_ref().filter(|_| wanted(Phase::Config)) {
        out.extend(config::env_objects(
            project, &svc.name, owner, &svc.env, &svc.path,
        ));
        for (i, companion) in svc.companions.iter().enumerate() {
            // A companion's ConfigMap and Secret belong to the pod's service.
            let config_owner = pod::companion_owner(svc, companion);
            let origin = format!("{}.companions[{i}]", svc.path);
            out.extend(config::env_objects(
                project,
                &config_owner,
                owner,
                &companion.env,
                &origin,
            ));
        }
        out.extend(
            storage
                .claims
                .iter()
                .map(|claim| pvc(project, svc, claim.clone())),
        );
    }
    if wanted(Phase::Services) {
        out.extend(service::services(project, svc));
    }
    if let Some(storage) = storage.filter(|_| wanted(Phase::Workloads)) {
        out.push(workload(project, svc, storage));
    }
    if wanted(Phase::Autoscalers) {
        out.extend(project::autoscaler(project, svc));
    }
    out
}

fn workload<'a>(project: &'a Project, svc: &'a Service, storage: PodStorage) -> Built<'a> {
    // The metadata and pod template every kind has, built with the object.
    let parts = move |name: &str| {
        let metadata = meta::labelled(project, name, meta::Owner::service(svc));
        (metadata, pod::pod_template(project, svc, &storage))
    };
    let name = svc.name.clone();
    let origin = &svc.path;
    let file = |suffix: &str| format!("{}-{suffix}.yaml", svc.name);
    let at = Phase::Workloads;
    match &svc.workload {
        Workload::Deployment(d) => {
            Built::namespaced(project, at, name, file("deployment"), origin, move |name| {
                let (metadata, template) = parts(name);
                Deployment {
                    metadata,
                    spec: Some(deployment_spec(svc, d, template)),
                    ..Deployment::default()
                }
            })
        }
        // Claim templates keep the `apiVersion: v1` and `kind:
        // PersistentVolumeClaim` their type carries: the API server
        // stores them so, and leaving them out makes every later
        // `kubectl apply --server-side` conflict on the templates and
        // GitOps tools show perpetual drift.
        Workload::StatefulSet(s) => Built::namespaced(
            project,
            at,
            name,
            file("statefulset"),
            origin,
            move |name| {
                let (metadata, template) = parts(name);
                StatefulSet {
                    metadata,
                    spec: Some(statefulset_spec(svc, s, template)),
                    ..StatefulSet::default()
                }
            },
        ),
        Workload::DaemonSet(d) => {
            Built::namespaced(project, at, name, file("daemonset"), origin, move |name| {
                let (metadata, template) = parts(name);
                DaemonSet {
                    metadata,
                    spec: Some(daemonset_spec(svc, d, template)),
                    ..DaemonSet::default()
                }
            })
        }
        Workload::Job(j) => {
            Built::namespaced(project, at, name, file("job"), origin, move |name| {
                let (metadata, template) = parts(name);
                Job {
                    metadata,
                    spec: Some(job_spec(j, template)),
                    ..Job::default()
                }
            })
        }
        Workload::CronJob(c) => {
            Built::namespaced(project, at, name, file("cronjob"), origin, move |name| {
                let (metadata, template) = parts(name);
                CronJob {
                    metadata,
                    spec: Some(cronjob_spec(svc, c, template)),
                    ..CronJob::default()
                }
            })
        }
    }
}

fn int_or_string(value: &IntOrPercent) -> IntOrString {
    match value {
        IntOrPercent::Int(n) => IntOrString::Int(*n),
        IntOrPercent::Str(s) => IntOrString::String(s.clone()),
    }
}

fn deployment_spec(
    svc: &Service,
    d: &DeploymentSpec,
    template: PodTemplateSpec,
) -> K8sDeploymentSpec {
    let strategy = match &d.strategy {
        DeploymentStrategy::Recreate => K8sDeploymentStrategy {
            type_: Some("Recreate".into()),
            rolling_update: None,
        },
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => K8sDeploymentStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(int_or_string(max_surge)),
                max_unavailable: Some(int_or_string(max_unavailable)),
            }),
        },
    };
    K8sDeploymentSpec {
        replicas: Some(d.replicas),
        selector: meta::selector(&svc.name),
        strategy: Some(strategy),
        template,
        ..K8sDeploymentSpec::default()
    }
}

fn statefulset_spec(
    svc: &Service,
    s: &StatefulSetSpec,
    template: PodTemplateSpec,
) -> K8sStatefulSetSpec {
    let update_strategy = match s.update_strategy {
        StatefulSetStrategy::OnDelete => StatefulSetUpdateStrategy {
            type_: Some("OnDelete".into()),
            rolling_update: None,
        },
        StatefulSetStrategy::RollingUpdate { partition } => StatefulSetUpdateStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: (partition > 0).then_some(RollingUpdateStatefulSetStrategy {
                partition: Some(partition),
                ..RollingUpdateStatefulSetStrategy::default()
            }),
        },
    };
    let claim_templates: Vec<PersistentVolumeClaim> = s
        .claim_templates
        .iter()
        .map(|t| PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(t.name.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(claim_spec(&t.access_mode, &t.size, &t.storage_class)),
            ..PersistentVolumeClaim::default()
        })
        .collect();
    K8sStatefulSetSpec {
        replicas: Some(s.replicas),
        service_name: Some(s.headless_service_name.clone()),
        selector: meta::selector(&svc.name),
        pod_management_policy: s.parallel_pod_management.then(|| "Parallel".to_string()),
        update_strategy: Some(update_strategy),
        template,
        volume_claim_templates: (!claim_templates.is_empty()).then_some(claim_templates),
        ..K8sStatefulSetSpec::default()
    }
}

fn claim_spec(
    access_mode: &str,
    size: &str,
    storage_class: &Option<String>,
) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec![access_mode.to_string()]),
        storage_class_name: storage_class.clone(),
        resources: Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([(
                "storage".to_string(),
                Quantity(size.to_string()),
            )])),
            ..VolumeResourceRequirements::default()
        }),
        ..PersistentVolumeClaimSpec::default()
    }
}

fn pvc<'a>(project: &'a Project, svc: &'a Service, claim: PvcVolume) -> Built<'a> {
    let name = claim_name(&svc.name, &claim.name);
    let file_name = format!("{name}-pvc.yaml");
    Built::namespaced(
        project,
        Phase::Config,
        name,
        file_name,
        &svc.path,
        move |name| {
            let mut metadata = meta::labelled(project, name, meta::Owner::service(svc));
            if let Some(longhorn) = &claim.longhorn {
                let annotations: BTreeMap<String, String> = [
                    ("longhorn.io/number-of-replicas", &longhorn.replicas),
                    ("longhorn.io/data-locality", &longhorn.data_locality),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
                .collect();
                metadata.annotations = Some(annotations);
            }
            let mut spec = claim_spec(&claim.access_mode, &claim.size, &claim.storage_class);
            spec.volume_name = claim.pv_name.clone();
            PersistentVolumeClaim {
                metadata,
                spec: Some(spec),
                ..PersistentVolumeClaim::default()
            }
        },
    )
}

fn daemonset_spec(
    svc: &Service,
    d: &DaemonSetSpec,
    mut template: PodTemplateSpec,
) -> K8sDaemonSetSpec {
    if let Some(pod) = template.spec.as_mut() {
        pod.node_selector = (!d.node_selector.is_empty()).then(|| d.node_selector.clone());
        pod.tolerations =
            (!d.tolerations.is_empty()).then(|| d.tolerations.iter().map(toleration).collect());
        pod.host_network = d.host_network.then_some(true);
        pod.host_pid = d.host_pid.then_some(true);
        pod.host_ipc = d.host_ipc.then_some(true);
    }
    let update_strategy = match &d.strategy {
        DaemonSetStrategy::OnDelete => DaemonSetUpdateStrategy {
            type_: Some("OnDelete".into()),
            rolling_update: None,
        },
        DaemonSetStrategy::RollingUpdate { max_unavailable } => DaemonSetUpdateStrategy {
            type_: Some("RollingUpdate".into()),
            rolling_update: max_unavailable.as_ref().map(|m| RollingUpdateDaemonSet {
                max_unavailable: Some(int_or_string(m)),
                ..RollingUpdateDaemonSet::default()
            }),
        },
    };
    K8sDaemonSetSpec {
        selector: meta::selector(&svc.name),
        template,
        update_strategy: Some(update_strategy),
        ..K8sDaemonSetSpec::default()
    }
}

fn toleration(t: &Toleration) -> K8sToleration {
    K8sToleration {
        key: t.key.clone(),
        operator: t.operator.clone(),
        effect: t.effect.clone(),
        value: t.value.clone(),
        toleration_seconds: t.toleration_seconds,
    }
}

fn job_spec(j: &JobSpec, mut template: PodTemplateSpec) -> K8sJobSpec {
    if let Some(pod) = template.spec.as_mut() {
        pod.restart_policy = Some(j.restart_policy.as_str().to_string());
    }
    K8sJobSpec {
        template,
        backoff_limit: j.backoff_limit,
        completions: j.completions,
        parallelism: j.parallelism,
        active_deadline_seconds: j.active_deadline_seconds,
        ttl_seconds_after_finished: j.ttl_seconds_after_finished,
        ..K8sJobSpec::default()
    }
}

fn cronjob_spec(svc: &Service, c: &CronJobSpec, template: PodTemplateSpec) -> K8sCronJobSpec {
    K8sCronJobSpec {
        schedule: c.schedule.clone(),
        concurrency_policy: c.concurrency_policy.clone(),
        suspend: c.suspend.then_some(true),
        successful_jobs_history_limit: c.successful_jobs_history_limit,
        failed_jobs_history_limit: c.failed_jobs_history_limit,
        starting_deadline_seconds: c.starting_deadline_seconds,
        job_template: JobTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(meta::app_labels(&svc.name)),
                ..ObjectMeta::default()
            }),
            spec: Some(job_spec(&c.job, template)),
        },
        ..K8sCronJobSpec::default()
    }
}
