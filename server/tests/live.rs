//! Live updates: a device's long poll (`POST /v1/changes/wait`) answers within a second of a
//! push or a send for it — on the same node and, through PostgreSQL `LISTEN/NOTIFY`, on
//! another node — says only *that* something waits, times out with nothing, and lets go at
//! once when the node drains.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{http, Backend, TestDb};
use solace_protocol as p;
use solace_protocol::live::{Changes, WaitRequest};
use solace_protocol::messaging as m;

struct Account {
    first: p::SessionResponse,
    second: p::SessionResponse,
}

async fn account(c: &reqwest::Client, register_on: &str, login_on: &str, name: &str) -> Account {
    let first = http::ok(
        c.post(format!("{register_on}/v1/accounts/register"))
            .json(&http::register_body(name, [7; 32]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second = http::ok(
        c.post(format!("{login_on}/v1/accounts/login"))
            .json(&http::login_body(name, [7; 32], "second"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    Account { first, second }
}

/// Starts a wait on `base` for `token`; returns the answer and how long it took.
fn wait(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    timeout_secs: u32,
) -> tokio::task::JoinHandle<(Changes, Duration)> {
    let (c, url, token) = (
        c.clone(),
        format!("{base}/v1/changes/wait"),
        token.to_owned(),
    );
    tokio::spawn(async move {
        let started = Instant::now();
        let r = c
            .post(url)
            .bearer_auth(token)
            .json(&WaitRequest {
                cursor: 0,
                timeout_secs,
            })
            .send()
            .await
            .unwrap();
        (http::ok(r).await, started.elapsed())
    })
}

async fn push_one(c: &reqwest::Client, base: &str, token: &str) -> Instant {
    let pushed = Instant::now();
    let r = c
        .post(format!("{base}/v1/sync/push"))
        .bearer_auth(token)
        .json(&p::PushRequest {
            mutations: vec![p::Mutation {
                mutation_seq: 1,
                id: "ab".repeat(16).parse().unwrap(),
                kind: "journal".into(),
                base_seq: 0,
                blob: http::B64.encode(b"sealed").parse().unwrap(),
                deleted: false,
            }],
        })
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    pushed
}

async fn node(db: &TestDb) -> solace_server::ServerHandle {
    solace_server::spawn(db.config())
        .await
        .expect("node starts")
}

per_backend!(a_push_and_a_send_wake_the_waiting_device);

async fn a_push_and_a_send_wake_the_waiting_device(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = node(&db).await;
    let base = server.base_url();
    let c = reqwest::Client::new();
    let a = account(&c, &base, &base, "live.ana").await;

    // Nothing yet: the wait times out with nothing.
    let (idle, took) = wait(&c, &base, a.second.token.expose(), 1).await.unwrap();
    assert!(!idle.any());
    assert!(took >= Duration::from_millis(900), "{took:?}");

    // A record pushed by the first device wakes the second within a second.
    let waiting = wait(&c, &base, a.second.token.expose(), 25);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pushed = push_one(&c, &base, a.first.token.expose()).await;
    let (changes, _) = waiting.await.unwrap();
    assert!(changes.records && !changes.messages, "{changes:?}");
    assert!(pushed.elapsed() < Duration::from_secs(1));

    // A message for the second device wakes it too (the first device's keys sign the send).
    let identity = http::B64.encode([0x77; 32]);
    let keys = m::DeviceKeysUpload {
        identity: m::WireIdentity {
            curve25519: identity.clone(),
            ed25519: http::B64.encode([0x78; 32]),
        },
        one_time_keys: vec![],
        account_signature: None,
        device_list: None,
        fallback_key: None,
    };
    let r = c
        .put(format!("{base}/v1/keys/device"))
        .bearer_auth(a.first.token.expose())
        .json(&keys)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = c
        .post(format!("{base}/v1/changes/wait"))
        .bearer_auth(a.second.token.expose())
        .json(&WaitRequest {
            cursor: u64::MAX >> 1,
            timeout_secs: 25,
        });
    let waiting = tokio::spawn(async move { http::ok::<Changes>(r.send().await.unwrap()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Instant::now();
    let send = m::SendRequest {
        recipient_account: a.first.account_id.clone(),
        client_message_id: "live-1".into(),
        sender_key: identity,
        envelopes: vec![m::OutgoingEnvelope {
            device_id: a.second.device_id.clone(),
            kind: 0,
            body: http::B64.encode(b"olm"),
        }],
    };
    let r = c
        .post(format!("{base}/v1/messages/send"))
        .bearer_auth(a.first.token.expose())
        .json(&send)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let changes = waiting.await.unwrap();
    assert!(changes.messages && !changes.records, "{changes:?}");
    assert!(sent.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_push_on_one_node_wakes_a_device_waiting_on_another() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let (one, two) = (node(&db).await, node(&db).await);
    let c = reqwest::Client::new();
    let a = account(&c, &one.base_url(), &two.base_url(), "live.ben").await;
    // Let the second node's listener connect before the test relies on it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = wait(&c, &two.base_url(), a.second.token.expose(), 25);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pushed = push_one(&c, &one.base_url(), a.first.token.expose()).await;
    let (changes, _) = waiting.await.unwrap();
    assert!(changes.records, "{changes:?}");
    let took = pushed.elapsed();
    assert!(took < Duration::from_secs(1), "woken after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_lets_held_waits_go_at_once() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut config = db.config();
    config.drain_secs = 2;
    let bound = solace_server::bind(config).await.unwrap();
    let drain = bound.drain();
    let base = format!("http://{}", bound.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bound.run_draining(async {
        let _ = stopped.await;
    }));
    let c = reqwest::Client::new();
    let a = account(&c, &base, &base, "live.cam").await;
    let waiting = wait(&c, &base, a.second.token.expose(), 25);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    let (changes, took) = waiting.await.unwrap();
    assert!(!changes.any());
    assert!(drain.is_draining());
    assert!(took < Duration::from_secs(2), "held for {took:?}");
}
