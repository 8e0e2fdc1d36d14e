//! Request logs: method, path, status, latency and an account id prefix, never a body, a
//! username, a token, a blob or a query string. (Own test binary: it installs the global
//! tracing subscriber.)

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::{Backend, TestServer};
use solace_protocol as p;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_no_content() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .init();

    let s = TestServer::start(Backend::Sqlite, |_| {}).await.unwrap();
    let c = reqwest::Client::new();
    let b64 = base64::engine::general_purpose::STANDARD;
    let register = p::RegisterRequest {
        username: "quiet.username".into(),
        auth_key: hex::encode([0x5a; 32]),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([0x3c; 16]),
        wrapped_account_key: b64.encode(b"WRAPPED-ACCOUNT-KEY-MARKER"),
        items_keys: vec![],
        device_name: "marker-device-name".into(),
    };
    let reg: p::SessionResponse = c
        .post(s.url("/v1/accounts/register"))
        .json(&register)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let blob = b64.encode(b"SEALED-BLOB-MARKER");
    let push = p::PushRequest {
        mutations: vec![p::Mutation {
            mutation_seq: 1,
            id: "ab".repeat(16),
            kind: "journal".into(),
            base_seq: 0,
            blob: blob.clone(),
            deleted: false,
        }],
    };
    let r = c
        .post(s.url("/v1/sync/push?secret-query=1"))
        .bearer_auth(&reg.token)
        .json(&push)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    drop(s);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let push_line = text
        .lines()
        .find(|l| l.contains("/v1/sync/push"))
        .expect("a log line for the push");
    assert!(
        push_line.contains(&format!("\"account\":\"{}\"", &reg.account_id[..8])),
        "{push_line}"
    );
    assert!(push_line.contains("\"status\":200"), "{push_line}");
    assert!(push_line.contains("\"method\":\"POST\""), "{push_line}");
    for secret in [
        "quiet.username",
        reg.token.as_str(),
        reg.account_id.as_str(),
        &hex::encode([0x5a; 32]),
        &blob,
        "SEALED-BLOB-MARKER",
        &b64.encode(b"WRAPPED-ACCOUNT-KEY-MARKER"),
        "marker-device-name",
        "secret-query",
        &"ab".repeat(16),
    ] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
}
