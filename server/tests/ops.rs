//! Operations: liveness and readiness, Prometheus metrics that carry route templates and
//! counts but no usernames, account ids, paths with ids or client addresses, and the drain —
//! readiness fails at once, answers ask clients to reconnect elsewhere, and the node stops
//! after the grace period.

mod common;

use std::time::Duration;

use common::{http, Backend, TestDb, TestServer};
use solace_protocol as p;

per_backend!(metrics_count_requests_without_identifiers);

async fn metrics_count_requests_without_identifiers(backend: Backend) {
    let Some(s) = TestServer::start(backend, |_| {}).await else {
        return;
    };
    let c = reqwest::Client::new();
    assert_eq!(c.get(s.url("/livez")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(s.url("/readyz")).send().await.unwrap().status(), 200);
    let reg: p::SessionResponse = http::ok(
        c.post(s.url("/v1/accounts/register"))
            .json(&http::register_body("metrics.marker", [7; 32]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for _ in 0..3 {
        let r = c
            .get(s.url("/v1/devices"))
            .bearer_auth(reg.token.expose())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    let missing = c
        .get(s.url("/v1/records/zz-secret-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let scraped = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.unwrap();
    let count = |prefix: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    };
    assert_eq!(
        count("solace_http_requests_total{route=\"/v1/devices\",method=\"GET\",status=\"200\"}"),
        3,
        "{text}"
    );
    assert_eq!(
        count("solace_http_requests_total{route=\"/v1/accounts/register\""),
        1
    );
    assert_eq!(
        count("solace_http_request_duration_seconds_count{route=\"/v1/devices\"}"),
        3
    );
    assert_eq!(count("solace_http_requests_total{route=\"unmatched\""), 1);
    assert!(text.contains("solace_mailbox_depth 0"), "{text}");
    assert!(text.contains("solace_draining 0"));
    if backend == Backend::Postgres {
        assert!(text.contains("solace_db_pool_max "), "{text}");
    }
    for secret in [
        "metrics.marker",
        reg.account_id.as_str(),
        "zz-secret-id",
        "127.0.0.1",
    ] {
        assert!(!text.contains(secret), "metrics leak {secret}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_node_fails_readiness_then_stops() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut config = db.config();
    config.drain_secs = 1;
    let bound = solace_server::bind(config).await.unwrap();
    let drain = bound.drain();
    let base = format!("http://{}", bound.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(bound.run_draining(async {
        let _ = stopped.await;
    }));
    let c = reqwest::Client::new();
    let ready = c.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().get("connection").is_none());

    stop.send(()).unwrap();
    for _ in 0..50 {
        if drain.is_draining() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(drain.is_draining());
    let ready = c.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "the balancer takes the node out");
    assert_eq!(
        ready.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..]),
        "clients are asked to reconnect elsewhere"
    );
    let live = c.get(format!("{base}/livez")).send().await.unwrap();
    assert_eq!(live.status(), 200, "still alive while draining");
    let metrics = c.get(format!("{base}/metrics")).send().await.unwrap();
    assert!(metrics.text().await.unwrap().contains("solace_draining 1"));

    // After the grace period the node stops on its own.
    let finished = tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the node stopped after draining");
    assert!(finished.unwrap().is_ok());
    assert!(reqwest::Client::new()
        .get(format!("{base}/livez"))
        .send()
        .await
        .is_err());
}
