//! When a queued message is tried again, and when the outbox gives up on it.
//!
//! Network trouble is never final: the message waits, with exponential backoff and jitter, for
//! the server to be reachable (or, past the per-sender quota, for the recipient to read). A
//! refusal by the server (not linked, mailbox full, bad request)
//! counts towards [`WEDGE_AFTER`], after which the entry is *wedged*: shown to the user and
//! only retried when they ask.

use crate::error::{CoreError, TransportError};

/// Permanent failures after which an entry is wedged.
pub const WEDGE_AFTER: u32 = 5;
const BASE_MS: i64 = 2_000;
const CAP_MS: i64 = 15 * 60 * 1000;

/// How a failed attempt counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Offline, timeout, server busy, expired login: try again later.
    Transient,
    /// The server refused this message: retrying alone is unlikely to help.
    Permanent,
}

/// Classifies an error from a send attempt.
pub fn classify(err: &CoreError) -> Failure {
    match err {
        err if err.is_transient() => Failure::Transient,
        CoreError::Transport(TransportError::Unauthorized) => Failure::Transient,
        // This sender's share of a recipient mailbox is full: it frees up as they read.
        CoreError::Transport(TransportError::Rejected { code, .. }) if code == "sender_quota" => {
            Failure::Transient
        }
        _ => Failure::Permanent,
    }
}

/// The entry's state after a failed attempt: `(attempts, next_attempt_at, wedged)`.
/// `jitter` in `[0, 1)` spreads retries of many devices (half to full backoff).
pub fn after_failure(
    attempts: u32,
    failure: Failure,
    now_ms: i64,
    jitter: f64,
) -> (u32, i64, bool) {
    let attempts = attempts.saturating_add(1);
    let base = BASE_MS
        .saturating_mul(1i64 << attempts.saturating_sub(1).min(20))
        .min(CAP_MS);
    let delay = base / 2 + ((base / 2) as f64 * jitter.clamp(0.0, 1.0)) as i64;
    let wedged = failure == Failure::Permanent && attempts >= WEDGE_AFTER;
    (attempts, now_ms.saturating_add(delay), wedged)
}

/// A jitter value in `[0, 1)` from the system random generator (0.5 if it fails).
pub fn random_jitter() -> f64 {
    let mut r = [0u8; 4];
    if crate::crypto::fill_random(&mut r).is_ok() {
        f64::from(u32::from_le_bytes(r)) / (f64::from(u32::MAX) + 1.0)
    } else {
        0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_grows_caps_and_wedges_only_on_permanent_failures() {
        let (a, next, w) = after_failure(0, Failure::Transient, 1_000, 0.0);
        assert_eq!((a, next, w), (1, 2_000, false));
        let (_, next, _) = after_failure(1, Failure::Transient, 0, 0.999_999);
        assert!((3_999..=4_000).contains(&next));
        let (_, next, _) = after_failure(40, Failure::Transient, 0, 1.0);
        assert_eq!(next, CAP_MS);
        let (a, _, w) = after_failure(WEDGE_AFTER - 1, Failure::Permanent, 0, 0.5);
        assert!(w && a == WEDGE_AFTER);
        let (_, _, w) = after_failure(100, Failure::Transient, 0, 0.5);
        assert!(!w, "being offline never wedges a message");
        assert_eq!(
            classify(&CoreError::Transport(TransportError::Unreachable(None))),
            Failure::Transient
        );
        assert_eq!(
            classify(&CoreError::Transport(TransportError::Rejected {
                code: "not_linked".into(),
                message: String::new()
            })),
            Failure::Permanent
        );
        assert_eq!(
            classify(&CoreError::Transport(TransportError::Rejected {
                code: "sender_quota".into(),
                message: String::new()
            })),
            Failure::Transient,
            "a full per-sender quota waits for the recipient to read, never wedges"
        );
    }

    proptest! {
        #[test]
        fn delay_is_within_half_to_full_backoff(attempts in 0u32..64, jitter in 0.0f64..1.0) {
            let (_, next, _) = after_failure(attempts, Failure::Transient, 0, jitter);
            prop_assert!((BASE_MS / 2..=CAP_MS).contains(&next));
            let (_, later, _) = after_failure(attempts + 1, Failure::Transient, 0, jitter);
            prop_assert!(later >= next || later >= CAP_MS / 2);
        }
    }
}
