//! When and how long to wait before trying a request again. Only failures
//! that a later attempt can cure are retried: throttling (429), server
//! errors (5xx), dropped connections and timed-out requests.

use std::time::Duration;

/// A bounded exponential backoff that yields to the server's `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub base: Duration,
    /// Longest wait between two attempts, `Retry-After` included.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            attempts: 4,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// Whether another attempt may follow attempt number `attempt` (1-based).
    pub fn may_retry(&self, attempt: u32) -> bool {
        attempt < self.attempts
    }

    /// How long to wait after failed attempt number `attempt` (1-based).
    /// The server's `Retry-After` wins over the computed wait: it knows
    /// when it will have room again.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        retry_after.unwrap_or(exponential).min(self.cap)
    }
}

/// HTTP statuses worth another attempt.
pub fn is_transient_status(code: u16) -> bool {
    matches!(code, 429 | 500 | 502 | 503 | 504)
}

/// A `Retry-After` header in the delay-seconds form the API server sends.
/// (The HTTP-date form is not used by Kubernetes; it falls back to backoff.)
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_stop_at_the_cap() {
        let backoff = Backoff {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(500),
        };
        let waits: Vec<u128> = (1..=5)
            .map(|a| backoff.delay(a, None).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let backoff = Backoff::default();
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let backoff = Backoff::default();
        assert!(backoff.may_retry(3));
        assert!(!backoff.may_retry(4));
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for code in [429, 500, 502, 503, 504] {
            assert!(is_transient_status(code), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422] {
            assert!(!is_transient_status(code), "{code}");
        }
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
