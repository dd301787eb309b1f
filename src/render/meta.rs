//! Metadata every generated object shares: name, namespace and labels.
//!
//! Objects of a service carry `app: <name>` (STATE.md) and Kubernetes'
//! recommended `app.kubernetes.io/*` labels; project-level objects (the
//! Namespace, the Ingress) only the labels that say whose they are.
//! Selectors and pod template labels stay exactly `app: <name>`: a selector
//! is immutable, so changing it would break every existing workload.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::model::{Project, Service};

/// The value of `app.kubernetes.io/managed-by` on every object.
pub const MANAGED_BY: &str = "kubectl-wizard";

/// The service (or managed infrastructure decision) an object belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// Its name: the `app` label, `app.kubernetes.io/name` and `instance`.
    pub app: &'a str,
    /// Its role in the architecture, when the image (or a managed
    /// decision's name) says it.
    pub component: Option<&'static str>,
}

impl<'a> Owner<'a> {
    /// A running service: its role comes from the image it runs.
    pub fn service(svc: &'a Service) -> Owner<'a> {
        Owner {
            app: &svc.name,
            component: component_of_image(&svc.image),
        }
    }

    /// A managed infrastructure decision has no image; its name is all
    /// there is (`postgres`, `redis`).
    pub fn managed(name: &'a str) -> Owner<'a> {
        Owner {
            app: name,
            component: component_of(name),
        }
    }
}

/// `app: <name>`, the label that ties a service's objects together.
pub fn app_labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), app.to_string())])
}

/// Metadata of a namespaced object of a service: `app` plus the recommended
/// labels.
pub fn labelled(project: &Project, name: &str, owner: Owner<'_>) -> ObjectMeta {
    let mut labels = project_labels(project);
    labels.insert("app".into(), owner.app.into());
    labels.insert("app.kubernetes.io/name".into(), owner.app.into());
    labels.insert("app.kubernetes.io/instance".into(), owner.app.into());
    if let Some(component) = owner.component {
        labels.insert("app.kubernetes.io/component".into(), component.into());
    }
    ObjectMeta {
        labels: Some(labels),
        ..namespaced(project, name)
    }
}

/// Metadata of a namespaced object of the whole project (the Ingress).
pub fn project_level(project: &Project, name: &str) -> ObjectMeta {
    ObjectMeta {
        labels: Some(project_labels(project)),
        ..namespaced(project, name)
    }
}

/// Metadata of the Namespace object (cluster-scoped).
pub fn namespace(project: &Project) -> ObjectMeta {
    ObjectMeta {
        name: Some(project.namespace.clone()),
        labels: Some(project_labels(project)),
        ..ObjectMeta::default()
    }
}

/// The labels that say whose an object is: the project and this tool.
fn project_labels(project: &Project) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/part-of".into(), project.part_of.clone()),
        ("app.kubernetes.io/managed-by".into(), MANAGED_BY.into()),
    ])
}

fn namespaced(project: &Project, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(project.namespace.clone()),
        ..ObjectMeta::default()
    }
}

/// The selector of a workload or Service: exactly `app: <name>`.
pub fn selector(app: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(app_labels(app)),
        ..LabelSelector::default()
    }
}

/// The role of a well-known piece of software, by its name (`crate::images`
/// holds the one table of well-known images).
fn component_of(name: &str) -> Option<&'static str> {
    crate::images::by_name(name)?.component
}

/// The role of the software an image holds: its repository's last path
/// segment without tag or digest (`docker.io/bitnami/postgresql:16` →
/// `postgresql` → `database`).
fn component_of_image(image: &str) -> Option<&'static str> {
    crate::images::of_image(image)?.component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_from_the_image_repository_name() {
        assert_eq!(component_of_image("postgres:16"), Some("database"));
        assert_eq!(
            component_of_image("docker.io/bitnami/postgresql:16.2.0"),
            Some("database")
        );
        assert_eq!(
            component_of_image("registry.local:5000/redis@sha256:0123abcd"),
            Some("cache")
        );
        assert_eq!(
            component_of_image("rabbitmq:3-management"),
            Some("message-broker")
        );
        // An app's own image, or a name that merely contains a known one.
        assert_eq!(component_of_image("api:latest"), None);
        assert_eq!(component_of_image("acme/postgres-exporter:1"), None);
        assert_eq!(component_of_image("registry.local:5000/api"), None);
        // A web server's role depends on what it serves.
        assert_eq!(component_of_image("nginx:1.27"), None);
    }
}
