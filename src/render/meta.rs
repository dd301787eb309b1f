//! Metadata every generated object shares: name, namespace, `app` label.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::model::Project;

/// `app: <name>`, the label that ties a service's objects together.
pub fn app_labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), app.to_string())])
}

/// Metadata of a namespaced object labelled `app: <app>`.
pub fn labelled(project: &Project, name: &str, app: &str) -> ObjectMeta {
    ObjectMeta {
        labels: Some(app_labels(app)),
        ..unlabelled(project, name)
    }
}

/// Metadata of a namespaced object without labels.
pub fn unlabelled(project: &Project, name: &str) -> ObjectMeta {
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
