//! What operators and load balancers talk to: liveness (`GET /livez`: the process serves),
//! readiness (`GET /readyz`: the database answers and the node is not draining), Prometheus
//! metrics (`GET /metrics`, from loopback or the configured scrapers only), and the drain on
//! SIGTERM — readiness turns 503 at once so the load balancer sends new requests elsewhere,
//! answers ask clients to close their connections, and after the grace period the node stops
//! accepting and lets in-flight requests finish.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::api::Shared;

/// Whether the node is draining (shared by the API state and the shutdown path).
#[derive(Debug, Clone, Default)]
pub struct Drain {
    flag: Arc<AtomicBool>,
    started: Arc<tokio::sync::Notify>,
}

impl Drain {
    /// Starts draining: readiness fails from now on, and held long polls answer at once.
    pub fn begin(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.started.notify_waiters();
    }

    /// Whether draining has begun.
    pub fn is_draining(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Completes when draining begins (arm it before checking [`Drain::is_draining`]).
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.started.notified()
    }
}

/// `GET /livez`: 200 while the process serves requests at all.
pub async fn livez() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: 200 when this node should get traffic; 503 while draining or when the
/// database does not answer.
pub async fn readyz(State(state): State<Shared>) -> Response {
    if state.drain.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    match state.storage.health().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
    }
}

/// Whether `peer` may read the metrics: loopback, or one of the configured scrapers.
fn may_scrape(peer: IpAddr, allowed: &[IpAddr]) -> bool {
    peer.is_loopback() || allowed.contains(&peer)
}

/// `GET /metrics`: the Prometheus exposition (404 to anyone else, as if absent).
pub async fn metrics(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !may_scrape(peer.ip(), &state.metrics_allow) {
        return crate::api::fallback().await.into_response();
    }
    let storage = state.storage.gauges().await.ok();
    let text = state.metrics.render(storage, state.drain.is_draining());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

/// While draining, every answer asks the client to close its connection, so keep-alive
/// clients reconnect through the load balancer to a node that stays.
pub fn mark_draining(state: &Shared, response: &mut Response) {
    if state.drain.is_draining() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_named_scrapers_read_metrics() {
        let scraper: IpAddr = "10.0.0.9".parse().unwrap();
        assert!(may_scrape("127.0.0.1".parse().unwrap(), &[]));
        assert!(may_scrape("::1".parse().unwrap(), &[]));
        assert!(!may_scrape("203.0.113.5".parse().unwrap(), &[scraper]));
        assert!(may_scrape(scraper, &[scraper]));
    }

    #[test]
    fn draining_is_shared_between_clones() {
        let drain = Drain::default();
        let seen_by_api = drain.clone();
        assert!(!seen_by_api.is_draining());
        drain.begin();
        assert!(seen_by_api.is_draining());
    }
}
