//! `?watch=true` on a collection: a stream of `{"type","object"}` lines.
//!
//! The store keeps no history, so a watch looks at it again whenever it
//! changes and reports what changed since the last look (ADDED / MODIFIED
//! / DELETED). That can lose intermediate states of a quick succession of
//! writes, which clients tolerate: they only care about the latest object.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::handlers;
use super::http::{lock, Shared};
use super::router::{ObjectRoute, Query};

/// kube-apiserver's default when the client sets no `timeoutSeconds`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// A response body fed line by line from a channel; ends when the
/// sending task stops.
pub struct StreamBody(mpsc::Receiver<Bytes>);

impl Body for StreamBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|line| line.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// Starts a watch and returns the body that streams it.
pub fn start(shared: Arc<Shared>, route: ObjectRoute, query: Query) -> StreamBody {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(run(shared, route, query, tx));
    StreamBody(rx)
}

fn resource_version(object: &Value) -> u64 {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0)
}

fn identity(object: &Value) -> (String, String) {
    let text = |p: &str| {
        object
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (text("/metadata/namespace"), text("/metadata/name"))
}

fn event(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": kind, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

async fn run(shared: Arc<Shared>, route: ObjectRoute, query: Query, tx: mpsc::Sender<Bytes>) {
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    // Without a resourceVersion (or with "0") the client wants the current
    // state first; with one, only what is newer.
    let since: u64 = query
        .get("resourceVersion")
        .and_then(|rv| rv.parse().ok())
        .unwrap_or(0);
    let mut seen: HashMap<(String, String), Value> = HashMap::new();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut first = true;
    let mut store_changes = lock(&shared.store).subscribe();
    loop {
        // Marked seen before the look: a later change wakes us again.
        store_changes.borrow_and_update();
        let current = match handlers::select(&lock(&shared.store), &route, &query) {
            Ok(objects) => objects,
            Err(_) => return,
        };
        for line in changes(&mut seen, current, first.then_some(since)) {
            if tx.send(line).await.is_err() {
                return;
            }
        }
        first = false;
        // Woken by a change, not a timer; gone with the client or the deadline.
        tokio::select! {
            changed = store_changes.changed() => if changed.is_err() { return },
            () = tx.closed() => return,
            () = tokio::time::sleep_until(deadline) => return,
        }
    }
}

/// Events turning `seen` into `current`. On the first round, objects not
/// newer than `initial_since` are recorded silently.
fn changes(
    seen: &mut HashMap<(String, String), Value>,
    current: Vec<Value>,
    initial_since: Option<u64>,
) -> Vec<Bytes> {
    let mut events = Vec::new();
    let mut present = HashMap::new();
    for object in current {
        let id = identity(&object);
        match (seen.get(&id), initial_since) {
            (_, Some(since)) if since > 0 && resource_version(&object) <= since => {}
            (None, _) => events.push(event("ADDED", &object)),
            (Some(old), _) if resource_version(old) != resource_version(&object) => {
                events.push(event("MODIFIED", &object))
            }
            _ => {}
        }
        present.insert(id, object);
    }
    for (id, old) in seen.iter() {
        if !present.contains_key(id) {
            events.push(event("DELETED", old));
        }
    }
    *seen = present;
    events
}
