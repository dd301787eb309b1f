//! Project-level objects: Namespace, Ingress, autoscalers and the
//! kustomization that lists every file (STATE.md §7).

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, ServiceBackendPort,
};

use super::{meta, service, Built, ObjectId, Phase};
use crate::model::{Project, Service};

/// The Namespace object, when the namespace is not `default`.
pub fn namespace(project: &Project) -> Option<Built<'_>> {
    (project.namespace != "default").then(|| {
        Built::new(
            Phase::Namespace,
            project.namespace.clone(),
            None,
            "namespace.yaml".into(),
            "namespace",
            |_name| Namespace {
                metadata: meta::namespace(project),
                ..Namespace::default()
            },
        )
    })
}

/// One rule for the host: the first routable app gets `/`, the others
/// `/<name>`.
pub fn ingress(project: &Project) -> Option<Built<'_>> {
    let host = project.ingress_host.clone()?;
    let routes: Vec<(String, i32)> = project
        .services
        .iter()
        .filter_map(service::routable)
        .collect();
    let name = match routes.len() {
        0 => return None,
        1 => format!("{}-ingress", routes[0].0),
        _ => "app-ingress".to_string(),
    };
    let build = move |name: &str| {
        let paths = routes
            .iter()
            .enumerate()
            .map(|(i, (svc, port))| HTTPIngressPath {
                path: Some(if i == 0 {
                    "/".to_string()
                } else {
                    format!("/{svc}")
                }),
                path_type: "Prefix".into(),
                backend: IngressBackend {
                    service: Some(IngressServiceBackend {
                        name: svc.clone(),
                        port: Some(ServiceBackendPort {
                            number: Some(*port),
                            ..ServiceBackendPort::default()
                        }),
                    }),
                    ..IngressBackend::default()
                },
            })
            .collect();
        Ingress {
            metadata: meta::project_level(project, name),
            spec: Some(IngressSpec {
                rules: Some(vec![IngressRule {
                    host: Some(host),
                    http: Some(HTTPIngressRuleValue { paths }),
                }]),
                ..IngressSpec::default()
            }),
            ..Ingress::default()
        }
    };
    Some(Built::namespaced(
        project,
        Phase::Ingress,
        name,
        "ingress.yaml".into(),
        "ingress",
        build,
    ))
}

/// A HorizontalPodAutoscaler (`autoscaling/v2`) for a service that asks for one.
pub fn autoscaler<'a>(project: &'a Project, svc: &'a Service) -> Option<Built<'a>> {
    let scaling = svc.autoscaling.as_ref()?;
    let build = move |name: &str| {
        let metric = |resource: &str, target: Option<i32>| {
            target.map(|utilization| MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: resource.into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(utilization),
                        ..MetricTarget::default()
                    },
                }),
                ..MetricSpec::default()
            })
        };
        let metrics: Vec<MetricSpec> = [
            metric("cpu", scaling.target_cpu),
            metric("memory", scaling.target_memory),
        ]
        .into_iter()
        .flatten()
        .collect();
        HorizontalPodAutoscaler {
            metadata: meta::labelled(project, name, meta::Owner::service(svc)),
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: svc.kind().as_str().into(),
                    name: svc.name.clone(),
                },
                min_replicas: Some(scaling.min_replicas),
                max_replicas: scaling.max_replicas,
                metrics: (!metrics.is_empty()).then_some(metrics),
                ..HorizontalPodAutoscalerSpec::default()
            }),
            ..HorizontalPodAutoscaler::default()
        }
    };
    Some(Built::namespaced(
        project,
        Phase::Autoscalers,
        svc.name.clone(),
        format!("{}-hpa.yaml", svc.name),
        &format!("{}.autoscaling", svc.path),
        build,
    ))
}

/// `kustomization.yaml`: every file in apply order, with the namespace, so
/// `kubectl apply -k <dir>` applies the same set, except the Secrets:
/// their placeholders would replace live values (they are applied by
/// `kubectl wizard apply`, which keeps live values, or created by hand).
pub fn kustomization(project: &Project, objects: &[ObjectId]) -> String {
    let files: Vec<&str> = objects
        .iter()
        .filter(|m| !m.is_secret())
        .map(|m| m.file_name.as_str())
        .collect();
    // Through the YAML writer, so a namespace such as `123` stays a string.
    let text = crate::yaml::value_to_string(&serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": project.namespace,
        "resources": files,
    }));
    // The Secret files are recorded too, so a later render knows it wrote them.
    let secrets: Vec<&str> = objects
        .iter()
        .filter(|m| m.is_secret())
        .map(|m| m.file_name.as_str())
        .collect();
    super::record::with_secret_files(text, &secrets)
}
