//! Prometheus metrics, kept in memory per node and rendered in the text exposition format at
//! `GET /metrics`: request counts and latency histograms per declared route (the route
//! template, never a concrete path), requests in flight, whether the node is draining, and at
//! scrape time the mailbox depth and the database pool's use. No content, no account or device
//! identifiers, no client addresses. Counting never touches the database.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        let slot = BUCKETS
            .iter()
            .position(|&bound| secs <= bound)
            .unwrap_or(BUCKETS.len());
        self.counts[slot] += 1;
        self.sum += secs;
        self.count += 1;
    }
}

#[derive(Default)]
struct Tables {
    /// (route, method, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency.
    latency: BTreeMap<String, Histogram>,
}

/// What the storage reports at scrape time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StorageGauges {
    /// Messages waiting in all mailboxes.
    pub mailbox_depth: u64,
    /// Connections the pool may open (`None` for embedded SQLite).
    pub pool_max: Option<u64>,
    /// Connections open now.
    pub pool_open: Option<u64>,
    /// Open connections idle now.
    pub pool_idle: Option<u64>,
}

/// The node's counters.
#[derive(Default)]
pub struct Metrics {
    tables: Mutex<Tables>,
    in_flight: AtomicI64,
}

/// Counts a request as in flight until dropped.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Marks a request as started; the guard ends it.
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Records one finished request on `route` (a route template such as
    /// `/v1/sync/push`, or `unmatched`).
    pub fn observe(&self, route: &str, method: &str, status: u16, secs: f64) {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        *tables
            .requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        tables
            .latency
            .entry(route.to_owned())
            .or_default()
            .observe(secs);
    }

    /// The exposition text.
    pub fn render(&self, storage: Option<StorageGauges>, draining: bool) -> String {
        let mut out = String::new();
        let tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        out.push_str(
            "# HELP solace_http_requests_total Requests answered, by route template, method and status.\n\
             # TYPE solace_http_requests_total counter\n",
        );
        for ((route, method, status), n) in &tables.requests {
            let _ = writeln!(
                out,
                "solace_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP solace_http_request_duration_seconds Time to answer, by route template.\n\
             # TYPE solace_http_request_duration_seconds histogram\n",
        );
        for (route, h) in &tables.latency {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(
                    out,
                    "solace_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += h.counts[BUCKETS.len()];
            let _ = writeln!(
                out,
                "solace_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}\n\
                 solace_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 solace_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.sum, h.count
            );
        }
        drop(tables);
        let gauge = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        let in_flight = self.in_flight.load(Ordering::Relaxed).max(0) as u64;
        gauge(
            &mut out,
            "solace_http_in_flight",
            "Requests being answered now.",
            in_flight,
        );
        gauge(
            &mut out,
            "solace_draining",
            "1 while the node drains before stopping.",
            u64::from(draining),
        );
        if let Some(s) = storage {
            gauge(
                &mut out,
                "solace_mailbox_depth",
                "Messages waiting in all device mailboxes.",
                s.mailbox_depth,
            );
            for (name, help, value) in [
                (
                    "solace_db_pool_max",
                    "Connections the pool may open.",
                    s.pool_max,
                ),
                (
                    "solace_db_pool_open",
                    "Database connections open.",
                    s.pool_open,
                ),
                (
                    "solace_db_pool_idle",
                    "Open connections not in use.",
                    s.pool_idle,
                ),
            ] {
                if let Some(v) = value {
                    gauge(&mut out, name, help, v);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets_are_exposed_per_route_template() {
        let m = Metrics::default();
        m.observe("/v1/sync/push", "POST", 200, 0.003);
        m.observe("/v1/sync/push", "POST", 200, 0.2);
        m.observe("/v1/sync/push", "POST", 409, 0.003);
        {
            let _busy = m.start();
            let text = m.render(None, false);
            assert!(text.contains("solace_http_in_flight 1"), "{text}");
        }
        let text = m.render(
            Some(StorageGauges {
                mailbox_depth: 7,
                pool_max: Some(16),
                pool_open: Some(3),
                pool_idle: Some(2),
            }),
            true,
        );
        assert!(text.contains(
            "solace_http_requests_total{route=\"/v1/sync/push\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains("status=\"409\"} 1"));
        // 0.003 s twice under 5 ms; the 0.2 s one only from the 250 ms bucket on.
        assert!(
            text.contains("route=\"/v1/sync/push\",le=\"0.005\"} 2"),
            "{text}"
        );
        assert!(text.contains("route=\"/v1/sync/push\",le=\"0.25\"} 3"));
        assert!(text.contains("route=\"/v1/sync/push\",le=\"+Inf\"} 3"));
        assert!(
            text.contains("solace_http_request_duration_seconds_count{route=\"/v1/sync/push\"} 3")
        );
        assert!(text.contains("solace_http_in_flight 0"));
        assert!(text.contains("solace_draining 1"));
        assert!(text.contains("solace_mailbox_depth 7"));
        assert!(text.contains("solace_db_pool_idle 2"));
    }
}
