//! Abuse limits: token buckets kept in memory per node, keyed by account id (or client address
//! for the unauthenticated endpoints) — with N nodes an account may reach N times the rate, so
//! set the rate to the cluster-wide target divided by N; the per-username login backoff rule
//! (its counts are shared in the database); and the client address behind trusted proxies.

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

/// How long logins for a username are refused after `failures` failed attempts in a row:
/// nothing below [`BACKOFF_AFTER_FAILURES`], then 1 s · 2^n (n = failures beyond the
/// threshold) up to [`BACKOFF_MAX`]. Unknown usernames are counted the same way, so the
/// refusal does not reveal whether an account exists; a success resets the count. The counts
/// live in the database ([`crate::storage::ClusterStore`]), so every node of a cluster
/// enforces the same backoff.
pub fn login_backoff(failures: u32) -> Option<Duration> {
    if failures < BACKOFF_AFTER_FAILURES {
        return None;
    }
    let doublings = (failures - BACKOFF_AFTER_FAILURES).min(20);
    Some(Duration::from_secs(1u64 << doublings).min(BACKOFF_MAX))
}

/// The opaque key a username's backoff is stored under: SHA-256 of a domain tag, the
/// server's secret and the name, so the table holds no usernames.
pub fn login_key(secret: &[u8], username: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"solace login backoff v1\0");
    h.update((secret.len() as u64).to_be_bytes());
    h.update(secret);
    h.update(username.as_bytes());
    hex::encode(h.finalize())
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
    fn the_backoff_starts_after_five_failures_and_doubles_to_a_cap() {
        let waits: Vec<Option<u64>> = (0..=7)
            .map(|f| login_backoff(f).map(|d| d.as_secs()))
            .collect();
        assert_eq!(
            waits,
            [None, None, None, None, None, Some(1), Some(2), Some(4)]
        );
        assert_eq!(login_backoff(60), Some(BACKOFF_MAX));
    }

    #[test]
    fn backoff_keys_hide_the_name_and_depend_on_the_secret() {
        let k = login_key(b"secret-a", "ana");
        assert_eq!(k, login_key(b"secret-a", "ana"));
        assert_ne!(k, login_key(b"secret-b", "ana"));
        assert_ne!(k, login_key(b"secret-a", "ben"));
        assert!(!k.contains("ana") && k.len() == 64);
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
