//! Abuse limits kept in memory: token buckets keyed by account id (or client address for the
//! unauthenticated endpoints), a per-username backoff after failed logins, and the client
//! address behind trusted reverse proxies.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// Buckets by key.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` sustained, `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `per_minute` sustained (for costly operations such as key claims), `burst` at once.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_minute.max(1)) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    pub fn allow(&self, key: &str) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return false;
        };
        let now = Instant::now();
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Failed logins in a row after which a username is refused for a while.
pub const BACKOFF_AFTER_FAILURES: u32 = 5;
/// Longest refusal after failed logins.
pub const BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);

/// Per-username backoff after failed logins: after [`BACKOFF_AFTER_FAILURES`] failures in a
/// row, further attempts for that name are refused for 1 s · 2^n (n = failures beyond the
/// threshold) up to [`BACKOFF_MAX`], without checking the key. Unknown usernames are counted
/// the same way, so the refusal does not reveal whether an account exists. A success resets.
#[derive(Default)]
pub struct LoginBackoff {
    entries: Mutex<HashMap<String, (u32, Option<Instant>)>>,
}

impl LoginBackoff {
    /// Whether an attempt for `username` may be checked now.
    pub fn allowed(&self, username: &str) -> bool {
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        match entries.get(username) {
            Some((_, Some(until))) => Instant::now() >= *until,
            _ => true,
        }
    }

    /// Counts a failed attempt for `username`.
    pub fn failed(&self, username: &str) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = Instant::now();
        if entries.len() > 100_000 {
            // Forget counts that block nothing now (bounded memory under a username spray).
            entries.retain(|_, (_, until)| until.is_some_and(|u| u > now));
        }
        let (failures, until) = entries.entry(username.to_owned()).or_insert((0, None));
        *failures = failures.saturating_add(1);
        if *failures >= BACKOFF_AFTER_FAILURES {
            let doublings = (*failures - BACKOFF_AFTER_FAILURES).min(20);
            let wait = Duration::from_secs(1u64 << doublings).min(BACKOFF_MAX);
            *until = Some(now + wait);
        }
    }

    /// A successful login: forget the failures of `username`.
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(username);
        }
    }
}

/// The client address used for per-address limits. When the peer is one of the `trusted`
/// proxies, it is the right-most address in `X-Forwarded-For` that is not itself a trusted
/// proxy (what the nearest untrusted hop claimed to connect from); otherwise, or when the
/// header is missing or unreadable, the peer address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_per_key() {
        let limiter = RateLimiter::new(1, 3);
        assert!((0..3).all(|_| limiter.allow("a")));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
    }

    #[test]
    fn failed_logins_back_off_per_name_and_success_resets() {
        let b = LoginBackoff::default();
        for _ in 0..BACKOFF_AFTER_FAILURES - 1 {
            b.failed("ana");
        }
        assert!(b.allowed("ana"), "four failures do not block");
        b.failed("ana");
        assert!(!b.allowed("ana"), "the fifth does");
        assert!(b.allowed("ben"), "per name");
        b.succeeded("ana");
        assert!(b.allowed("ana"));
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let peer: IpAddr = "192.0.2.9".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.5, 198.51.100.7, 10.0.0.1".parse().unwrap(),
        );
        assert_eq!(client_ip(peer, &h, &[proxy]), peer, "untrusted peer");
        let got = client_ip(proxy, &h, &[proxy]);
        assert_eq!(
            got,
            "198.51.100.7".parse::<IpAddr>().unwrap(),
            "right-most untrusted"
        );
        h.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_ip(proxy, &h, &[proxy]), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
