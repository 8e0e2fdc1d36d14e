//! Request logs: method, path, status, latency and an account id prefix, never a body, a
//! username, a token, a blob, a key, a message or a query string. (Own test binary: it
//! installs the global tracing subscriber.)

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
        account_proof_verifier: None,
        username: "quiet.username".into(),
        auth_key: hex::encode([0x5a; 32]).into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([0x3c; 16]),
        wrapped_account_key: b64.encode(b"WRAPPED-ACCOUNT-KEY-MARKER"),
        items_keys: vec![],
        device_name: "marker-device-name".into(),
        recovery_wrapped_account_key: None,
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
            id: "ab".repeat(16).parse().unwrap(),
            kind: "journal".into(),
            base_seq: 0,
            blob: blob.parse().unwrap(),
            deleted: false,
        }],
    };
    let r = c
        .post(s.url("/v1/sync/push?secret-query=1"))
        .bearer_auth(reg.token.expose())
        .json(&push)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    // Messaging: keys, a message (to the caller's own account) and the inbox.
    use solace_protocol::messaging as m;
    let identity_key = b64.encode([0x77; 32]);
    let one_time_key = b64.encode([0x66; 32]);
    let keys = m::DeviceKeysUpload {
        identity: m::WireIdentity {
            curve25519: identity_key.clone(),
            ed25519: b64.encode([0x78; 32]),
        },
        one_time_keys: vec![m::WireOneTimeKey {
            key: one_time_key.clone(),
            signature: b64.encode([0x55; 64]),
        }],
        account_signature: None,
        device_list: None,
        fallback_key: None,
    };
    let r = c
        .put(s.url("/v1/keys/device"))
        .bearer_auth(reg.token.expose())
        .json(&keys)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let olm_body = b64.encode(b"OLM-CIPHERTEXT-MARKER");
    let send = m::SendRequest {
        recipient_account: reg.account_id.clone(),
        client_message_id: "client-message-id-marker".into(),
        sender_key: identity_key.clone(),
        envelopes: vec![m::OutgoingEnvelope {
            device_id: reg.device_id.clone(),
            kind: 0,
            body: olm_body.clone(),
        }],
    };
    for path in ["/v1/messages/send", "/v1/messages/inbox"] {
        let r = c.post(s.url(path)).bearer_auth(reg.token.expose());
        let r = if path.ends_with("send") {
            r.json(&send)
        } else {
            r.json(&m::InboxRequest { limit: 10 })
        };
        let r = r.send().await.unwrap();
        assert!(r.status().is_success());
        if path.ends_with("inbox") {
            let inbox: m::Inbox = r.json().await.unwrap();
            assert_eq!(inbox.messages[0].body, olm_body);
        }
    }
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
        reg.token.expose(),
        reg.account_id.as_str(),
        &hex::encode([0x5a; 32]),
        &blob,
        "SEALED-BLOB-MARKER",
        &b64.encode(b"WRAPPED-ACCOUNT-KEY-MARKER"),
        "marker-device-name",
        "secret-query",
        &"ab".repeat(16),
        &identity_key,
        &one_time_key,
        &olm_body,
        "OLM-CIPHERTEXT-MARKER",
        "client-message-id-marker",
        reg.device_id.as_str(),
    ] {
        assert!(
            !text.contains(secret),
            "the log contains {secret:?}:\n{text}"
        );
    }
}
