//! Service objects (STATE.md §5, and the headless Service of §4.2).

use k8s_openapi::api::core::v1::{Service as K8sService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{meta, Built, Phase};
use crate::model::{Project, Service, ServiceType, Workload};

/// The Services of one workload: a regular one for Deployments and
/// DaemonSets with a port, the headless one (always) and an optional
/// ClusterIP one for StatefulSets, none for Jobs.
pub fn services<'a>(project: &'a Project, svc: &'a Service) -> Vec<Built<'a>> {
    let mut out = Vec::new();
    match &svc.workload {
        Workload::Deployment(d) if svc.port.is_some() => {
            out.push(regular(project, svc, d.service_type));
        }
        Workload::DaemonSet(_) if svc.port.is_some() => {
            out.push(regular(project, svc, ServiceType::ClusterIp));
        }
        Workload::StatefulSet(sts) => {
            out.push(headless(project, svc, &sts.headless_service_name));
            // A ClusterIP Service needs a port (the API server rejects one
            // without); the reader warns that the flag has no effect then.
            if sts.also_create_cluster_ip && svc.port.is_some() {
                out.push(regular(project, svc, ServiceType::ClusterIp));
            }
        }
        _ => {}
    }
    out
}

fn ports(svc: &Service) -> Option<Vec<ServicePort>> {
    let target = svc.port?;
    Some(vec![ServicePort {
        port: svc.exposed_port()?,
        target_port: Some(IntOrString::Int(target)),
        ..ServicePort::default()
    }])
}

fn regular<'a>(project: &'a Project, svc: &'a Service, service_type: ServiceType) -> Built<'a> {
    let spec = ServiceSpec {
        type_: Some(service_type.as_str().to_string()),
        ..ServiceSpec::default()
    };
    service(
        project,
        svc,
        &svc.name,
        format!("{}-service.yaml", svc.name),
        spec,
    )
}

/// `clusterIP: None`; written as `<svc>-headless-service.yaml` whatever
/// its object name.
fn headless<'a>(project: &'a Project, svc: &'a Service, name: &str) -> Built<'a> {
    let spec = ServiceSpec {
        cluster_ip: Some("None".into()),
        ..ServiceSpec::default()
    };
    let mut object = service(
        project,
        svc,
        name,
        format!("{}-headless-service.yaml", svc.name),
        spec,
    );
    // A clash with this Service is fixed through its name field.
    object.id.origin = format!("{}.headlessServiceName", svc.path);
    object
}

/// A Service selecting the service's pods, on its port, with `spec` as the
/// starting point.
fn service<'a>(
    project: &'a Project,
    svc: &'a Service,
    name: &str,
    file_name: String,
    spec: ServiceSpec,
) -> Built<'a> {
    let build = move |name: &str| K8sService {
        metadata: meta::labelled(project, name, meta::Owner::service(svc)),
        spec: Some(ServiceSpec {
            selector: Some(meta::app_labels(&svc.name)),
            ports: ports(svc),
            ..spec
        }),
        ..K8sService::default()
    };
    Built::namespaced(
        project,
        Phase::Services,
        name.to_string(),
        file_name,
        &svc.path,
        build,
    )
}

/// The name and port of the non-headless Service of an app, if it has one
/// (what an Ingress can route to).
pub fn routable(svc: &Service) -> Option<(String, i32)> {
    let routable = match &svc.workload {
        Workload::Deployment(_) | Workload::DaemonSet(_) => true,
        Workload::StatefulSet(sts) => sts.also_create_cluster_ip,
        _ => false,
    };
    if routable && svc.port.is_some() {
        Some((svc.name.clone(), svc.exposed_port()?))
    } else {
        None
    }
}
