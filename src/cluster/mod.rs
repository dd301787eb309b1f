//! Talking to a cluster: connecting, diffing and applying the rendered
//! manifests. The pure parts (stripping, masking, the Secret merge, diff
//! text, dependencies, rollout judgement) are plain functions; the I/O is
//! in `transport` and the async orchestration in `diff`, `apply`, `wait`.

pub mod apply;
pub mod applyset;
pub mod connect;
pub mod diff;
pub mod duration;
pub mod failure;
pub mod listed;
pub mod log;
pub mod mask;
pub mod plan;
pub mod prune;
pub mod recreate;
pub mod references;
pub mod resources;
pub mod retry;
pub mod secrets;
pub mod strip;
pub mod transport;
pub mod unmanaged;
pub mod wait;

use std::future::Future;

use futures::stream::{self, StreamExt};

/// The field manager of every apply and dry run: the owner of the fields
/// the tool sets, so that re-applies replace its own earlier values.
pub const FIELD_MANAGER: &str = "kubectl-wizard";

/// Run `work` on every item, at most `limit` at a time; results come back
/// in the order of `items`.
pub async fn bounded<'a, T, R, F, Fut>(items: &'a [T], limit: usize, work: F) -> Vec<R>
where
    F: Fn(&'a T) -> Fut,
    Fut: Future<Output = R>,
{
    let mut results: Vec<(usize, R)> = stream::iter(items.iter().enumerate())
        .map(|(index, item)| {
            let future = work(item);
            async move { (index, future.await) }
        })
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
