//! kube-controller-manager's garbage collector over the stored objects,
//! by `ownerReferences`:
//! - an object all of whose owners are gone (absent, or present with
//!   another uid) is deleted, in the background unless its own collector
//!   finalizer says otherwise; owners that are still there keep it, and
//!   the references to the gone ones are removed;
//! - an owner marked with `orphan` first loses its dependents (their
//!   references to it are removed), then the finalizer;
//! - an owner marked with `foregroundDeletion` has its dependents deleted
//!   (in the foreground themselves when they have dependents) and keeps
//!   the finalizer while a dependent with `blockOwnerDeletion` remains.
//!
//! The real collector runs asynchronously; here it runs to a fixed point
//! after every write, so clients see the same end state, sooner. Owners
//! of kinds the server does not serve are never treated as gone.

use std::collections::HashMap;

use serde_json::Value;

use super::deletion::{self, Options, Propagation, FOREGROUND, ORPHAN};
use super::resources::{self, ResourceType};
use super::schema::Type;
use super::ssa::{ownable_view, read_managed, record_update};
use super::store::{ObjectKey, Store};
use super::write::{commit, Commit};

/// The manager the collector's metadata writes are recorded under.
const MANAGER: &str = "kube-controller-manager";

/// Rounds before giving up (each round is one step of every chain).
const MAX_ROUNDS: usize = 64;

#[derive(Debug)]
enum Action {
    /// Remove the references to these owner uids.
    DropOwners(ObjectKey, Vec<String>),
    /// Remove one collector finalizer (the owner's dependents are handled).
    DropFinalizer(ObjectKey, &'static str),
    Delete(ObjectKey, Propagation),
}

/// Runs the collector until nothing is left to do.
pub fn collect(store: &mut Store) {
    for _ in 0..MAX_ROUNDS {
        let actions = plan(store);
        if actions.is_empty() {
            return;
        }
        for action in actions {
            perform(store, action);
        }
    }
}

/// One reference from a dependent to an owner.
struct Reference {
    uid: String,
    blocking: bool,
}

fn references(object: &Value) -> Vec<(Reference, &Value)> {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| {
                    let uid = r.get("uid").and_then(Value::as_str)?.to_string();
                    let blocking =
                        r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true);
                    Some((Reference { uid, blocking }, r))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn uid(object: &Value) -> &str {
    object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// What an owner reference points at, seen from its dependent.
enum Owner {
    /// Present and not waiting for its dependents.
    Solid,
    /// Absent, or present under another uid.
    Gone,
    /// Being deleted in the foreground.
    Waiting,
}

fn resolve(store: &Store, dependent: &ObjectKey, reference: &Value, uid: &str) -> Owner {
    let text = |field: &str| reference.get(field).and_then(Value::as_str).unwrap_or("");
    let Some(rt) = resources::by_kind(text("apiVersion"), text("kind")) else {
        // A kind this server does not know: never collect because of it.
        return Owner::Solid;
    };
    match store.get(&ObjectKey::new(rt, &dependent.namespace, text("name"))) {
        Some(owner) if self::uid(owner) == uid => {
            let finalizers = deletion::finalizers(owner);
            if deletion::is_deleting(owner) && finalizers.iter().any(|f| f == FOREGROUND) {
                Owner::Waiting
            } else {
                Owner::Solid
            }
        }
        _ => Owner::Gone,
    }
}

fn plan(store: &Store) -> Vec<Action> {
    // Owner uid → (dependent, its reference blocks the owner's deletion).
    let mut dependents: HashMap<String, Vec<(ObjectKey, bool)>> = HashMap::new();
    for (key, object) in store.collectable() {
        for (reference, _) in references(object) {
            let list = dependents.entry(reference.uid).or_default();
            list.push((key.clone(), reference.blocking));
        }
    }
    let mut actions = Vec::new();
    for (key, object) in store.collectable() {
        let own = dependents
            .get(uid(object))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if deletion::is_deleting(object) {
            plan_owner(key, object, own, &mut actions);
        } else {
            plan_dependent(store, key, object, !own.is_empty(), &mut actions);
        }
    }
    actions
}

fn plan_owner(
    key: &ObjectKey,
    object: &Value,
    dependents: &[(ObjectKey, bool)],
    actions: &mut Vec<Action>,
) {
    let finalizers = deletion::finalizers(object);
    if finalizers.iter().any(|f| f == ORPHAN) {
        if dependents.is_empty() {
            actions.push(Action::DropFinalizer(key.clone(), ORPHAN));
        }
        for (dependent, _) in dependents {
            let owner = uid(object).to_string();
            actions.push(Action::DropOwners(dependent.clone(), vec![owner]));
        }
    } else if finalizers.iter().any(|f| f == FOREGROUND)
        && !dependents.iter().any(|(_, blocking)| *blocking)
    {
        actions.push(Action::DropFinalizer(key.clone(), FOREGROUND));
    }
}

fn plan_dependent(
    store: &Store,
    key: &ObjectKey,
    object: &Value,
    has_dependents: bool,
    actions: &mut Vec<Action>,
) {
    let refs = references(object);
    if refs.is_empty() {
        return;
    }
    let (mut solid, mut gone, mut waiting) = (0, Vec::new(), Vec::new());
    for (reference, raw) in &refs {
        match resolve(store, key, raw, &reference.uid) {
            Owner::Solid => solid += 1,
            Owner::Gone => gone.push(reference.uid.clone()),
            Owner::Waiting => waiting.push(reference.uid.clone()),
        }
    }
    if solid > 0 {
        if !gone.is_empty() || !waiting.is_empty() {
            gone.extend(waiting);
            actions.push(Action::DropOwners(key.clone(), gone));
        }
        return;
    }
    let finalizers = deletion::finalizers(object);
    let propagation = if !waiting.is_empty() && has_dependents {
        Propagation::Foreground
    } else if finalizers.iter().any(|f| f == ORPHAN) {
        Propagation::Orphan
    } else if finalizers.iter().any(|f| f == FOREGROUND) {
        Propagation::Foreground
    } else {
        Propagation::Background
    };
    actions.push(Action::Delete(key.clone(), propagation));
}

fn type_of(key: &ObjectKey) -> Option<&'static ResourceType> {
    resources::by_plural_any_version(key.group, key.plural)
}

fn perform(store: &mut Store, action: Action) {
    match action {
        Action::DropOwners(key, uids) => edit_metadata(store, &key, |meta| {
            if let Some(Value::Array(refs)) = meta.get_mut("ownerReferences") {
                refs.retain(|r| {
                    let uid = r.get("uid").and_then(Value::as_str).unwrap_or("");
                    !uids.iter().any(|u| u == uid)
                });
                if refs.is_empty() {
                    meta.shift_remove("ownerReferences");
                }
            }
        }),
        Action::DropFinalizer(key, finalizer) => edit_metadata(store, &key, |meta| {
            if let Some(Value::Array(list)) = meta.get_mut("finalizers") {
                list.retain(|f| f.as_str() != Some(finalizer));
                if list.is_empty() {
                    meta.shift_remove("finalizers");
                }
            }
        }),
        Action::Delete(key, propagation) => {
            if let Some(rt) = type_of(&key) {
                // Already gone or held: the next round sees the result.
                let _ = deletion::delete(store, rt, &key, &Options::propagating(propagation));
            }
        }
    }
}

/// A metadata write by the collector, recorded as an Update of its
/// manager; an object marked for deletion that loses its last finalizer
/// is deleted by `commit`.
fn edit_metadata(
    store: &mut Store,
    key: &ObjectKey,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) {
    let (Some(rt), Some(live)) = (type_of(key), store.get(key).cloned()) else {
        return;
    };
    let mut object = live.clone();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    edit(meta);
    let api_version = rt.api_version();
    let mut managers = read_managed(&live);
    record_update(
        &mut managers,
        Type::root(&api_version, rt.kind),
        Some(&ownable_view(&live, rt.has_status)),
        &ownable_view(&object, rt.has_status),
        MANAGER,
        &api_version,
        None,
    );
    commit(
        store,
        Commit {
            rt,
            key: key.clone(),
            live: Some(&live),
            object,
            managers,
            writer: MANAGER,
            dry_run: false,
            old_managers: None,
        },
    );
}
