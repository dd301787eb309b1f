//! The objects as they were before a run, read with one list request per
//! kind and namespace rather than one read per object. `apply` tells
//! "unchanged" from "serverside-applied" with them; `apply` and `diff`
//! make their first write or dry run of a Secret against the listed
//! version (a write against a version that changed since is refused by
//! the server, and the Secret is then read again); `diff` compares with
//! them. One list per collection instead of a GET per object halves the
//! requests of a diff and takes a round trip off every Secret.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::bounded;
use super::failure::Failure;
use super::transport::{Target, Transport};
use crate::render::Manifest;

#[derive(Debug, Default)]
pub struct Listed {
    /// Collection URL → the objects in it by name. A collection missing
    /// here could not be listed (RBAC, say): its objects' prior state is
    /// unknown, and each is read on its own where that matters.
    collections: HashMap<String, HashMap<String, Value>>,
}

impl Listed {
    /// List every collection the manifests go to. `Err` only for a failure
    /// that concerns every request (unreachable server, credentials).
    pub async fn read(
        transport: &Transport,
        manifests: &[Manifest],
        concurrency: usize,
    ) -> Result<Listed, Failure> {
        let mut wanted: Vec<String> = manifests
            .iter()
            .map(|m| transport.target(m).collection)
            .collect();
        wanted.sort();
        wanted.dedup();
        let lists = bounded(&wanted, concurrency, |collection| {
            transport.list(collection)
        })
        .await;
        let mut listed = Listed::default();
        for (collection, list) in wanted.into_iter().zip(lists) {
            match list {
                Ok(items) => {
                    let by_name = items
                        .into_iter()
                        .filter_map(|item| {
                            let name = item.pointer("/metadata/name")?.as_str()?.to_string();
                            Some((name, item))
                        })
                        .collect();
                    listed.collections.insert(collection, by_name);
                }
                Err(failure) if failure.is_fatal() => return Err(failure),
                Err(_) => {}
            }
        }
        Ok(listed)
    }

    /// `Some(live)` when the prior state is known (`live` is `None` for an
    /// object that did not exist), `None` when it is not.
    pub fn get(&self, target: &Target) -> Option<Option<&Value>> {
        self.collections
            .get(&target.collection)
            .map(|objects| objects.get(&target.name))
    }

    /// Like `get`, as a GET would answer: items of a list carry no
    /// `apiVersion` and `kind`, which go first as in a single object.
    pub fn object(&self, target: &Target, manifest: &Manifest) -> Option<Option<Value>> {
        self.get(target).map(|live| {
            live.map(|live| {
                let mut object = Map::new();
                object.insert(
                    "apiVersion".into(),
                    Value::from(manifest.api_version.as_str()),
                );
                object.insert("kind".into(), Value::from(manifest.kind.as_str()));
                if let Value::Object(fields) = live {
                    for (key, value) in fields {
                        object.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
                Value::Object(object)
            })
        })
    }
}
