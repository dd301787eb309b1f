//! The in-memory object store: objects by type, namespace and name, and
//! one global resourceVersion counter (like etcd's revision).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::watch;

use super::defaults::Allocator;
use super::resources::ResourceType;

/// Where an object lives. `namespace` is empty for cluster-scoped types.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectKey {
    pub group: &'static str,
    pub plural: &'static str,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(rt: &ResourceType, namespace: &str, name: &str) -> Self {
        ObjectKey {
            group: rt.group,
            plural: rt.plural,
            namespace: if rt.namespaced {
                namespace.to_string()
            } else {
                String::new()
            },
            name: name.to_string(),
        }
    }
}

#[derive(Debug)]
struct Entry {
    /// Shared with the answers that return it unchanged (a read, a no-op
    /// apply): they are written from it without a copy.
    object: Arc<Value>,
    /// When the spec (not status/metadata) last changed: the controller
    /// rolls workloads out a fixed delay after this.
    spec_changed_at: Instant,
}

#[derive(Debug)]
pub struct Store {
    objects: BTreeMap<ObjectKey, Entry>,
    revision: u64,
    pub allocator: Allocator,
    /// Namespaces go through `Terminating` and the controller removes
    /// them with their contents; without a controller deletion is instant.
    pub async_namespace_deletion: bool,
    /// Objects written since the controller last looked at them: it
    /// reconciles only these, so an idle server costs no CPU however many
    /// objects it holds.
    pending: BTreeSet<ObjectKey>,
    /// The revision after every change, for whoever waits for one (the
    /// controller, watches) instead of polling.
    changes: watch::Sender<u64>,
    /// The objects the garbage collector has to look at: those with owner
    /// references, and those being deleted. Any other object is neither a
    /// dependent nor an owner waiting for its dependents, so the collector
    /// that runs after every write skips it: a write then costs the same
    /// in a store of ten objects or of ten thousand.
    collectable: BTreeSet<ObjectKey>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            objects: BTreeMap::new(),
            // Real clusters are never at revision 1; start somewhere plausible.
            revision: 1000,
            allocator: Allocator::default(),
            async_namespace_deletion: false,
            pending: BTreeSet::new(),
            changes: watch::channel(1000).0,
            collectable: BTreeSet::new(),
        }
    }
}

impl Store {
    /// The objects and revision of this moment, in a store of their own
    /// that nothing else writes: what a list cache that stopped following
    /// this store still serves (see `FaultHandle::serve_stale_lists`).
    pub fn snapshot(&self) -> Store {
        let objects = self
            .objects
            .iter()
            .map(|(key, entry)| {
                let entry = Entry {
                    object: Arc::new(Value::clone(&entry.object)),
                    spec_changed_at: entry.spec_changed_at,
                };
                (key.clone(), entry)
            })
            .collect();
        Store {
            objects,
            revision: self.revision,
            changes: watch::channel(self.revision).0,
            ..Store::default()
        }
    }

    /// The current (latest) resourceVersion, as lists report it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Wakes when the store changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&mut self) {
        self.revision += 1;
        self.changes.send_replace(self.revision);
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Value> {
        self.objects.get(key).map(|e| &*e.object)
    }

    /// The stored object itself, to answer with or to read while the
    /// store changes (no copy of it).
    pub fn shared(&self, key: &ObjectKey) -> Option<Arc<Value>> {
        self.objects.get(key).map(|e| Arc::clone(&e.object))
    }

    /// The objects the garbage collector has to look at (see
    /// `collectable`), with their keys.
    pub fn collectable(&self) -> impl Iterator<Item = (&ObjectKey, &Value)> {
        self.collectable
            .iter()
            .filter_map(|k| self.objects.get(k).map(|e| (k, &*e.object)))
    }

    /// Objects of one type, in one namespace or all of them, by name. The
    /// keys sort by type, then namespace, then name: a range, not a scan.
    pub fn list(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<&Value> {
        let start = ObjectKey {
            group: rt.group,
            plural: rt.plural,
            namespace: namespace.unwrap_or("").to_string(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(|(k, _)| k.group == rt.group && k.plural == rt.plural)
            .take_while(|(k, _)| namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, e)| &*e.object)
            .collect()
    }

    /// The Namespace object called `name`, if it exists.
    pub fn namespace(&self, name: &str) -> Option<&Value> {
        let key = ObjectKey {
            group: "",
            plural: "namespaces",
            namespace: String::new(),
            name: name.to_string(),
        };
        self.get(&key)
    }

    /// Stores `object` under a new resourceVersion and returns it.
    pub fn put(&mut self, key: ObjectKey, mut object: Value, spec_changed: bool) -> Arc<Value> {
        self.changed();
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), json!(self.revision.to_string()));
        }
        let spec_changed_at = match self.objects.get(&key) {
            Some(entry) if !spec_changed => entry.spec_changed_at,
            _ => Instant::now(),
        };
        self.pending.insert(key.clone());
        if collectable(&object) {
            self.collectable.insert(key.clone());
        } else {
            self.collectable.remove(&key);
        }
        let object = Arc::new(object);
        self.objects.insert(
            key,
            Entry {
                object: Arc::clone(&object),
                spec_changed_at,
            },
        );
        object
    }

    pub fn remove(&mut self, key: &ObjectKey) -> Option<Arc<Value>> {
        let removed = self.objects.remove(key).map(|e| e.object);
        if removed.is_some() {
            self.pending.remove(key);
            self.collectable.remove(key);
            self.changed();
        }
        removed
    }

    /// Deletes everything inside a namespace (its own deletion finished).
    pub fn remove_namespace_contents(&mut self, namespace: &str) {
        self.objects.retain(|k, _| k.namespace != namespace);
        self.pending.retain(|k| k.namespace != namespace);
        self.collectable.retain(|k| k.namespace != namespace);
        self.changed();
    }

    /// Takes the written objects whose spec last changed at least `delay`
    /// ago; returns them and when the next of the others will be due.
    pub fn take_settled(&mut self, delay: Duration) -> (Vec<ObjectKey>, Option<Instant>) {
        let now = Instant::now();
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        let objects = &self.objects;
        self.pending.retain(|key| {
            let Some(entry) = objects.get(key) else {
                return false;
            };
            let at = entry.spec_changed_at + delay;
            if at <= now {
                due.push(key.clone());
                false
            } else {
                next = Some(next.map_or(at, |n| n.min(at)));
                true
            }
        });
        (due, next)
    }
}

/// Whether the garbage collector has to look at `object`: it has owner
/// references, or it is being deleted.
fn collectable(object: &Value) -> bool {
    let owners = object.pointer("/metadata/ownerReferences");
    owners
        .and_then(Value::as_array)
        .is_some_and(|refs| !refs.is_empty())
        || object.pointer("/metadata/deletionTimestamp").is_some()
}
