//! Injected failures, switchable while the server runs, for testing a
//! client's retries, backoff and timeouts. All of it is deterministic:
//! fractions fail every n-th matching request, not at random.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::store::Store;

/// What to do to one request before serving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Close the connection without a response.
    Drop,
    /// Never answer (the client's timeout has to fire).
    Hang,
    /// 429 TooManyRequests with `Retry-After: <secs>`.
    Throttle(u64),
    /// 500 InternalError.
    ServerError,
}

#[derive(Debug, Default)]
struct Faults {
    latency: Duration,
    throttle_fraction: f64,
    error_fraction: f64,
    throttle_next: u32,
    error_next: u32,
    drop_next: u32,
    hang_next: u32,
    reject_tokens: bool,
    /// `None` = the default of 1 second.
    retry_after_secs: Option<u64>,
    path_filter: Option<String>,
    /// Only requests of this method get faults (`None` = every method).
    method_filter: Option<String>,
    /// Requests the fractions have been applied to so far.
    seen: u64,
    /// The next `answer_next` requests get this status code and message.
    answer_next: u32,
    answer: Option<(u16, String)>,
    /// Before serving the next `write_before_next` requests, set this
    /// annotation on the object they name, as a controller writing at
    /// that moment would.
    write_before_next: u32,
    write_annotation: Option<(String, String)>,
    /// The next `misread_next` GETs of one object answer 404 although it
    /// exists (a read served from a stale cache).
    misread_next: u32,
    /// The next `stale_lists_next` lists are answered from `list_cache`,
    /// a copy of the store taken when the fault was armed.
    stale_lists_next: u32,
    list_cache: Option<Box<Store>>,
    /// Faults that fired since the last `clear`: a test asserts it hit the
    /// fault it armed, so that it cannot pass without meeting it.
    hits: u64,
}

/// Shared switchboard of faults; clones control the same server.
#[derive(Debug, Clone, Default)]
pub struct FaultHandle(Arc<Mutex<Faults>>);

/// A fraction `f` fails request `n` (1-based) when `floor(n·f)` steps up:
/// exactly `f` of any long run, evenly spread (0.5 → every 2nd).
fn fraction_hits(n: u64, fraction: f64) -> bool {
    let fraction = fraction.clamp(0.0, 1.0);
    (n as f64 * fraction).floor() > ((n - 1) as f64 * fraction).floor()
}

/// Takes one from an armed counter; whether it was armed.
fn take(counter: &mut u32) -> bool {
    let hit = *counter > 0;
    *counter = counter.saturating_sub(1);
    hit
}

impl Faults {
    /// Whether requests to `path` are outside the path filter.
    fn other_path(&self, path: &str) -> bool {
        self.path_filter
            .as_deref()
            .is_some_and(|f| !path.contains(f))
    }

    /// Whether `method` requests to `path` are outside the filters.
    fn filtered_out(&self, method: &str, path: &str) -> bool {
        self.method_filter.as_deref().is_some_and(|m| m != method) || self.other_path(path)
    }

    /// `hit`, counted when true.
    fn count(&mut self, hit: bool) -> bool {
        self.hits += u64::from(hit);
        hit
    }
}

impl FaultHandle {
    fn lock(&self) -> MutexGuard<'_, Faults> {
        // A panic elsewhere must not disable fault control for later tests.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delay added before every response (0 = none).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub fn set_latency_ms(&self, ms: u64) {
        self.set_latency(Duration::from_millis(ms));
    }

    /// Fraction (0.0–1.0) of requests answered 429 TooManyRequests.
    pub fn set_throttle_fraction(&self, fraction: f64) {
        self.lock().throttle_fraction = fraction;
    }

    /// Fraction (0.0–1.0) of requests answered 500 InternalError.
    pub fn set_error_fraction(&self, fraction: f64) {
        self.lock().error_fraction = fraction;
    }

    /// The next `n` requests get 429.
    pub fn throttle_next(&self, n: u32) {
        self.lock().throttle_next = n;
    }

    /// The next `n` requests get 500.
    pub fn fail_next(&self, n: u32) {
        self.lock().error_next = n;
    }

    /// The next `n` requests have their connection closed without a response.
    pub fn drop_next(&self, n: u32) {
        self.lock().drop_next = n;
    }

    /// The next `n` requests are never answered.
    pub fn hang_next(&self, n: u32) {
        self.lock().hang_next = n;
    }

    /// Treat every bearer token as expired: 401 Unauthorized.
    pub fn reject_tokens(&self, reject: bool) {
        self.lock().reject_tokens = reject;
    }

    /// `Retry-After` seconds sent with 429s (default 1; 0 makes clients
    /// retry at once, which keeps tests fast).
    pub fn set_retry_after(&self, secs: u64) {
        self.lock().retry_after_secs = Some(secs);
    }

    /// Only requests whose path contains `fragment` get faults (latency
    /// and token rejection still apply to all). `None` = every request.
    pub fn only_paths_containing(&self, fragment: Option<&str>) {
        self.lock().path_filter = fragment.map(str::to_string);
    }

    /// The next `n` requests (of the path filter) are answered with a
    /// Status of `code` whose message is `message`, whatever it holds
    /// (terminal escapes, megabytes): what a client must print safely.
    pub fn answer_next(&self, n: u32, code: u16, message: &str) {
        let mut faults = self.lock();
        faults.answer_next = n;
        faults.answer = Some((code, message.to_string()));
    }

    /// Before the next `n` requests to one object (of the path and method
    /// filters) are served, the object gets annotation `key: value` and a
    /// new resourceVersion: a controller's write landing between a
    /// client's requests.
    pub fn write_before_next(&self, n: u32, key: &str, value: &str) {
        let mut faults = self.lock();
        faults.write_before_next = n;
        faults.write_annotation = Some((key.to_string(), value.to_string()));
    }

    /// The next `n` reads of a single object (of the path filter) answer
    /// 404 NotFound even when it exists, as a lagging cache could.
    pub fn misread_next(&self, n: u32) {
        self.lock().misread_next = n;
    }

    /// A list cache that stops following the store now, as kube-apiserver's
    /// watch cache lags behind etcd: the next `n` lists (of the path
    /// filter) show the objects and the resourceVersion of this moment,
    /// whatever is written later, while reads of one object and writes see
    /// the store as it is (a real server serves those from etcd). An object
    /// created after this call exists but is missing from those lists.
    pub(crate) fn serve_stale_lists(&self, n: u32, cache: Store) {
        let mut faults = self.lock();
        faults.stale_lists_next = n;
        faults.list_cache = Some(Box::new(cache));
    }

    /// How many injected faults fired since start or `clear`: each dropped,
    /// hung, throttled, failed or injected answer, annotation written,
    /// misread and stale list counts one.
    pub fn hits(&self) -> u64 {
        self.lock().hits
    }

    /// Only requests of `method` (`GET`, `PATCH`, ...) get faults, as
    /// with the path filter. `None` = every method.
    pub fn only_method(&self, method: Option<&str>) {
        self.lock().method_filter = method.map(str::to_string);
    }

    /// Back to a healthy server.
    pub fn clear(&self) {
        *self.lock() = Faults::default();
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    pub(crate) fn tokens_rejected(&self) -> bool {
        self.lock().reject_tokens
    }

    /// The injected answer for a request to `path`, if one is due.
    pub(crate) fn take_answer(&self, path: &str) -> Option<(u16, String)> {
        let mut faults = self.lock();
        if faults.other_path(path) || !take(&mut faults.answer_next) {
            return None;
        }
        faults.count(true);
        faults.answer.clone()
    }

    /// The annotation to write before serving this request, if one is due.
    pub(crate) fn take_write_before(&self, method: &str, path: &str) -> Option<(String, String)> {
        let mut faults = self.lock();
        if faults.filtered_out(method, path) || !take(&mut faults.write_before_next) {
            return None;
        }
        faults.count(true);
        faults.write_annotation.clone()
    }

    /// Whether this read of one object is to be answered 404.
    pub(crate) fn take_misread(&self, method: &str, path: &str) -> bool {
        let mut faults = self.lock();
        let hit = method == "GET" && !faults.other_path(path) && take(&mut faults.misread_next);
        faults.count(hit)
    }

    /// Serves a list with `serve` from the stale cache when one is due for
    /// this list of `path`; `None` when the store is to answer it.
    pub(crate) fn stale_list<R>(
        &self,
        path: &str,
        serve: impl FnOnce(&mut Store) -> R,
    ) -> Option<R> {
        let mut faults = self.lock();
        if faults.filtered_out("GET", path)
            || faults.list_cache.is_none()
            || !take(&mut faults.stale_lists_next)
        {
            return None;
        }
        faults.count(true);
        faults.list_cache.as_deref_mut().map(serve)
    }

    /// Decides the fault for a `method` request to `path` (see `decide`).
    pub(crate) fn decide_for(&self, method: &str, path: &str) -> Fault {
        let other_method = self
            .lock()
            .method_filter
            .as_deref()
            .is_some_and(|m| m != method);
        if other_method {
            return Fault::None;
        }
        self.decide(path)
    }

    /// Decides the fault for a request to `path`. Connection-level faults
    /// come first (they happen before authentication in a real network),
    /// then throttling, then server errors.
    pub(crate) fn decide(&self, path: &str) -> Fault {
        let mut faults = self.lock();
        if faults.other_path(path) {
            return Fault::None;
        }
        let fault = Self::due(&mut faults);
        faults.count(fault != Fault::None);
        fault
    }

    /// The fault due for the next request within the filters.
    fn due(faults: &mut Faults) -> Fault {
        if take(&mut faults.drop_next) {
            return Fault::Drop;
        }
        if take(&mut faults.hang_next) {
            return Fault::Hang;
        }
        faults.seen += 1;
        let n = faults.seen;
        if take(&mut faults.throttle_next) || fraction_hits(n, faults.throttle_fraction) {
            return Fault::Throttle(faults.retry_after_secs.unwrap_or(1));
        }
        if take(&mut faults.error_next) || fraction_hits(n, faults.error_fraction) {
            return Fault::ServerError;
        }
        Fault::None
    }
}
