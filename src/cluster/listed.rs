//! The objects as they were before a run, read with one list request per
//! kind and namespace rather than one read per object. `apply` tells
//! "unchanged" from "serverside-applied" with them; `apply` and `diff`
//! make their first write or dry run of a Secret against the listed
//! version (a write against a version that changed since is refused by
//! the server, and the Secret is then read again); `diff` compares with
//! them; the check of referenced Secrets and ConfigMaps (`references`)
//! and the ApplySet parent are answered from the same lists. Everything a
//! run reads before its first write is read here, at once: one round trip
//! instead of one per step.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::bounded;
use super::failure::Failure;
use super::transport::{Target, Transport};
use crate::render::Manifest;

/// What to read before a run: whole collections, and single objects of
/// collections that are not listed.
#[derive(Debug, Default)]
pub struct Reads {
    collections: Vec<String>,
    objects: Vec<Target>,
}

impl Reads {
    /// The collections the manifests go to, but a cluster-wide object (the
    /// Namespace) is read on its own: a list of every namespace of the
    /// cluster would be larger, and needs a permission a user confined to
    /// a namespace lacks.
    pub fn of(transport: &Transport, manifests: &[Manifest]) -> Reads {
        let mut reads = Reads::default();
        for manifest in manifests {
            let target = transport.target(manifest);
            match manifest.namespace {
                Some(_) => reads.collection(target.collection),
                None => reads.object(target),
            }
        }
        reads
    }

    /// List `collection` too.
    pub fn collection(&mut self, collection: String) {
        if !self.collections.contains(&collection) {
            self.collections.push(collection);
        }
    }

    /// Read one object too, unless its collection is listed anyway.
    pub fn object(&mut self, target: Target) {
        self.objects.push(target);
    }

    /// The reads apply needs before its first write, and the others. A
    /// Secret is written against what was read, the ApplySet parent (a
    /// Secret, or read on its own) is checked before anything is sent, and
    /// the Namespace (read on its own) says whether the members wait for
    /// its apply: Secrets' collections and single objects come first. The
    /// other kinds' prior state only tells the outcome of an apply
    /// (`unchanged` or not) once the server has answered it, and their
    /// lists answer while the first writes go.
    pub fn split_for_writes(self) -> (Reads, Reads) {
        let (first, rest) = self
            .collections
            .into_iter()
            .partition(|collection| holds_secrets(collection));
        (
            Reads {
                collections: first,
                objects: self.objects,
            },
            Reads {
                collections: rest,
                objects: Vec::new(),
            },
        )
    }
}

/// Whether a collection is of Secrets: read before apply's first write,
/// and with their managers.
fn holds_secrets(collection: &str) -> bool {
    collection.ends_with("/secrets")
}

/// One request of `Listed::read`, and its answer.
enum Read {
    List(String),
    Get(Target),
}

enum Answer {
    Items(Vec<Value>),
    Object(Option<Value>),
}

#[derive(Debug, Default)]
pub struct Listed {
    /// Collection URL → the objects in it by name. A collection missing
    /// here could not be listed (RBAC, say): its objects' prior state is
    /// unknown, and each is read on its own where that matters.
    collections: HashMap<String, HashMap<String, Value>>,
    /// Objects read on their own: (collection, name) → the object, `None`
    /// when it does not exist.
    objects: HashMap<(String, String), Option<Value>>,
    /// Why a collection could not be listed.
    failures: HashMap<String, Failure>,
}

impl Listed {
    /// Make every read of `reads`, at most `concurrency` at a time. `Err`
    /// only for a failure that concerns every request (unreachable server,
    /// credentials).
    pub async fn read(
        transport: &Transport,
        reads: Reads,
        concurrency: usize,
    ) -> Result<Listed, Failure> {
        let Reads {
            mut collections,
            objects,
        } = reads;
        collections.sort();
        let mut wanted: Vec<Read> = collections.iter().cloned().map(Read::List).collect();
        wanted.extend(
            objects
                .into_iter()
                .filter(|target| collections.binary_search(&target.collection).is_err())
                .map(Read::Get),
        );
        let answers = bounded(&wanted, concurrency, |read| async move {
            match read {
                // A Secret's managers say which of its keys are the
                // tool's (`secrets::owned_keys`); no other kind's are read.
                Read::List(collection) if holds_secrets(collection) => {
                    transport.list(collection).await.map(Answer::Items)
                }
                Read::List(collection) => transport
                    .list_unmanaged(collection)
                    .await
                    .map(Answer::Items),
                Read::Get(target) => transport.get(target).await.map(Answer::Object),
            }
        })
        .await;
        let mut listed = Listed::default();
        for (read, answer) in wanted.into_iter().zip(answers) {
            match (read, answer) {
                (_, Err(failure)) if failure.is_fatal() => return Err(failure),
                (Read::List(collection), Ok(Answer::Items(items))) => {
                    let by_name = items
                        .into_iter()
                        .filter_map(|item| {
                            let name = item.pointer("/metadata/name")?.as_str()?.to_string();
                            Some((name, item))
                        })
                        .collect();
                    listed.collections.insert(collection, by_name);
                }
                (Read::List(collection), Err(failure)) => {
                    listed.failures.insert(collection, failure);
                }
                (Read::Get(target), Ok(Answer::Object(found))) => {
                    listed
                        .objects
                        .insert((target.collection, target.name), found);
                }
                // A failed read is made again where it is needed, which
                // reports its failure there.
                _ => {}
            }
        }
        Ok(listed)
    }

    /// Add what another read found (of other collections and objects).
    pub fn absorb(&mut self, other: Listed) {
        self.collections.extend(other.collections);
        self.objects.extend(other.objects);
        self.failures.extend(other.failures);
    }

    /// `Some(live)` when the prior state is known (`live` is `None` for an
    /// object that did not exist), `None` when it is not.
    pub fn get(&self, target: &Target) -> Option<Option<&Value>> {
        if let Some(objects) = self.collections.get(&target.collection) {
            return Some(objects.get(&target.name));
        }
        self.objects
            .get(&(target.collection.clone(), target.name.clone()))
            .map(Option::as_ref)
    }

    /// The objects of a listed collection by name, or why it could not be
    /// listed (`Err(None)`: it was not asked for).
    pub fn collection(
        &self,
        collection: &str,
    ) -> Result<&HashMap<String, Value>, Option<&Failure>> {
        self.collections
            .get(collection)
            .ok_or_else(|| self.failures.get(collection))
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
