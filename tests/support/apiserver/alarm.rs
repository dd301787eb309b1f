//! The injected latency, exact to the kernel's high-resolution timer.
//!
//! Tokio's timer counts whole milliseconds and rounds up, so `sleep(5 ms)`
//! ends after ~6.1 ms (measured, 16 at a time): every request would pay
//! 20% more than the latency asked for, and a benchmark of a client
//! against `requests × latency / concurrency` would charge the client for
//! it. One thread per server sleeps until the earliest deadline (with a
//! timer slack of 1 ns) and wakes the requests that are due. Each request
//! costs one wake-up of that thread at most (requests due together share
//! it) and none of a thread of its own; on a busy machine every wake-up
//! waits for a core, and the earlier way (the timer for all but the last
//! 2 ms, then a blocking thread's sleep) took three.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::http::lock;

/// How long the thread sleeps with nothing due before it checks whether
/// its server is gone (then it ends).
const IDLE: Duration = Duration::from_millis(100);

/// A server's alarm clock; the thread ends soon after the last clone of
/// this (and the last `Sleep`) is dropped.
#[derive(Clone)]
pub struct Alarm {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Signalled when a deadline earlier than all others arrives.
    earlier: Condvar,
}

#[derive(Default)]
struct State {
    /// Deadlines, earliest first, with the id of their `Sleep`.
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    /// The task to wake for each pending `Sleep`; a dropped one is gone
    /// from here (its deadline is skipped when it comes).
    wakers: HashMap<u64, Waker>,
    next_id: u64,
}

impl Alarm {
    pub fn start() -> std::io::Result<Alarm> {
        let inner = Arc::new(Inner::default());
        let ringing = Arc::clone(&inner);
        std::thread::Builder::new()
            .name("test-apiserver-alarm".into())
            .spawn(move || ring(&ringing))?;
        Ok(Alarm { inner })
    }

    /// A future that is ready `latency` from now, and not before.
    pub fn sleep(&self, latency: Duration) -> Sleep {
        self.sleep_until(Instant::now() + latency)
    }

    /// A future that is ready at `deadline`, and not before.
    pub fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep {
            inner: Arc::clone(&self.inner),
            deadline,
            id: None,
        }
    }
}

pub struct Sleep {
    inner: Arc<Inner>,
    deadline: Instant,
    /// Set once the deadline is registered with the thread.
    id: Option<u64>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if Instant::now() >= this.deadline {
            return Poll::Ready(());
        }
        let mut state = lock(&this.inner.state);
        let id = match this.id {
            Some(id) => id,
            None => {
                let id = state.next_id;
                state.next_id += 1;
                state.due.push(Reverse((this.deadline, id)));
                this.id = Some(id);
                id
            }
        };
        let earliest = state.due.peek().map(|Reverse((_, first))| *first) == Some(id);
        state.wakers.insert(id, cx.waker().clone());
        drop(state);
        if earliest {
            this.inner.earlier.notify_one();
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            lock(&self.inner.state).wakers.remove(&id);
        }
    }
}

/// The thread: wake what is due, sleep until the next deadline.
fn ring(inner: &Arc<Inner>) {
    // SAFETY: prctl with PR_SET_TIMERSLACK takes a plain integer and
    // concerns only the calling thread. The kernel's default slack
    // (50 µs) would let every sleep end up to that much late.
    let slack: libc::c_ulong = 1;
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, slack);
    }
    let mut state = lock(&inner.state);
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(&Reverse((at, id))) = state.due.peek() {
            if at > now {
                break;
            }
            state.due.pop();
            due.extend(state.wakers.remove(&id));
        }
        if !due.is_empty() {
            drop(state);
            due.into_iter().for_each(Waker::wake);
            state = lock(&inner.state);
            continue;
        }
        // No server and no `Sleep` left: what is still due is no one's.
        if Arc::strong_count(inner) == 1 {
            return;
        }
        let wait = state
            .due
            .peek()
            .map_or(IDLE, |Reverse((at, _))| at.saturating_duration_since(now))
            .min(IDLE);
        state = match inner.earlier.wait_timeout(state, wait) {
            Ok((state, _)) => state,
            Err(poisoned) => poisoned.into_inner().0,
        };
    }
}
