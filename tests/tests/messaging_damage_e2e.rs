//! Inbound messages and local damage, against a real `solace server`: a message is dropped
//! and acknowledged (deleted on the server) only when the peer's message is at fault. When
//! this device's own sealed Olm state does not open, the message stays on the server, the
//! round reports it, and it arrives once the state is restored.

use base64::Engine as _;
use solace_core::crypto::kdf::KdfParams;
use solace_core::error::CryptoError;
use solace_core::messaging::{local, MailboxTransport, MessageContent, Messenger};
use solace_core::sync::{self, Exclusive, HttpTransport};
use solace_core::{CoreError, Store};
use solace_protocol::messaging as m;
use solace_tests::{backends, TestServer};

const PASS: &str = "velvet harbor pilgrim cactus";

struct Device {
    store: Store,
    path: std::path::PathBuf,
    account: String,
}

fn device(server: &TestServer, dir: &std::path::Path, name: &str) -> Device {
    let t = HttpTransport::new(&server.url).unwrap();
    let path = dir.join(name);
    let (mut store, _) = Store::create(&path, PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut store, &t, &server.url, name, PASS, "phone").unwrap();
    let account = store.sync_account().unwrap().unwrap().0.account_id;
    Device {
        store,
        path,
        account,
    }
}

fn token(d: &Device) -> String {
    d.store.sync_account().unwrap().unwrap().1.to_string()
}

/// Messages waiting on the server for `d`.
fn waiting(t: &HttpTransport, d: &Device) -> usize {
    t.inbox(&token(d), &m::InboxRequest { limit: 50 })
        .unwrap()
        .messages
        .len()
}

fn texts(d: &Device, peer: &str) -> Vec<String> {
    local::messages(&d.store, peer)
        .unwrap()
        .into_iter()
        .filter_map(|msg| match msg.content {
            MessageContent::Text { text } => Some(text),
            _ => None,
        })
        .collect()
}

/// A linked therapist and client with keys published.
fn linked(server: &TestServer, dir: &std::path::Path) -> (Device, Device, HttpTransport) {
    let t = HttpTransport::new(&server.url).unwrap();
    let mut therapist = device(server, dir, "dr-lee");
    let mut client = device(server, dir, "sam");
    let msg = Messenger::new(&t);
    msg.publish_profile(
        &Exclusive::new(&mut therapist.store),
        &m::TherapistProfile {
            display_name: "Dr. Lee".into(),
            bio: "CBT".into(),
            specialties: vec!["anxiety".into()],
            approaches: vec!["cbt".into()],
            languages: vec!["en".into()],
            slots: vec![],
            response_window_hours: None,
            formats: vec![],
            coverage: None,
        },
    )
    .unwrap();
    let link = msg
        .request_link(&Exclusive::new(&mut client.store), &therapist.account)
        .unwrap();
    msg.accept_link(&Exclusive::new(&mut therapist.store), &link.link_id)
        .unwrap();
    msg.sync(&Exclusive::new(&mut therapist.store)).unwrap();
    msg.sync(&Exclusive::new(&mut client.store)).unwrap();
    (therapist, client, t)
}

/// Rewrites the sealed `device_state` rows whose name starts with `prefix` (one byte of each
/// flipped, as disk damage would), returning the originals to restore.
fn damage(store_dir: &std::path::Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let db = rusqlite::Connection::open(store_dir.join(solace_core::store::DB_FILE)).unwrap();
    let rows: Vec<(String, Vec<u8>)> = db
        .prepare("SELECT name, sealed FROM device_state WHERE substr(name, 1, ?2) = ?1")
        .unwrap()
        .query_map(rusqlite::params![prefix, prefix.len() as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(!rows.is_empty(), "no device state under {prefix}");
    for (name, sealed) in &rows {
        let mut bad = sealed.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x01;
        db.execute(
            "UPDATE device_state SET sealed = ?2 WHERE name = ?1",
            rusqlite::params![name, bad],
        )
        .unwrap();
    }
    rows
}

fn restore(store_dir: &std::path::Path, rows: &[(String, Vec<u8>)]) {
    let db = rusqlite::Connection::open(store_dir.join(solace_core::store::DB_FILE)).unwrap();
    for (name, sealed) in rows {
        db.execute(
            "UPDATE device_state SET sealed = ?2 WHERE name = ?1",
            rusqlite::params![name, sealed],
        )
        .unwrap();
    }
}

#[test]
fn a_message_is_kept_on_the_server_while_the_local_olm_state_is_damaged() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked(&server, dir.path());
        let msg = Messenger::new(&t);

        // A first message sets up the therapist's session with the client's device.
        local::send_text(&mut client.store, &therapist.account, "hello").unwrap();
        msg.flush_outbox(&Exclusive::new(&mut client.store))
            .unwrap();
        assert_eq!(
            msg.receive(&Exclusive::new(&mut therapist.store))
                .unwrap()
                .received,
            1
        );

        // The session state is damaged on disk: the next message is held, not dropped.
        local::send_text(&mut client.store, &therapist.account, "after damage").unwrap();
        msg.flush_outbox(&Exclusive::new(&mut client.store))
            .unwrap();
        let sessions = damage(&therapist.path, "olm/sessions/");
        for _ in 0..2 {
            let report = msg.receive(&Exclusive::new(&mut therapist.store)).unwrap();
            assert_eq!(
                (report.received, report.rejected, report.held),
                (0, 0, 1),
                "{backend:?}: local damage is not the peer's fault"
            );
            assert_eq!(
                waiting(&t, &therapist),
                1,
                "{backend:?}: still on the server"
            );
        }
        assert_eq!(texts(&therapist, &client.account), vec!["hello"]);

        // Restored (e.g. from a backup): the message arrives, once.
        restore(&therapist.path, &sessions);
        let report = msg.receive(&Exclusive::new(&mut therapist.store)).unwrap();
        assert_eq!((report.received, report.held), (1, 0), "{backend:?}");
        assert_eq!(waiting(&t, &therapist), 0, "{backend:?}");
        assert_eq!(
            texts(&therapist, &client.account),
            vec!["hello", "after damage"]
        );

        // A damaged Olm account fails the round with a typed error; nothing is acknowledged.
        local::send_text(&mut client.store, &therapist.account, "account damaged").unwrap();
        msg.flush_outbox(&Exclusive::new(&mut client.store))
            .unwrap();
        let account = damage(&therapist.path, "olm/account");
        assert!(matches!(
            msg.receive(&Exclusive::new(&mut therapist.store)),
            Err(CoreError::Crypto(CryptoError::DeviceStateDamaged))
        ));
        assert_eq!(waiting(&t, &therapist), 1, "{backend:?}");
        restore(&therapist.path, &account);
        assert_eq!(
            msg.receive(&Exclusive::new(&mut therapist.store))
                .unwrap()
                .received,
            1
        );
        assert_eq!(waiting(&t, &therapist), 0, "{backend:?}");
        assert_eq!(
            texts(&therapist, &client.account).last().unwrap(),
            "account damaged"
        );
    }
}

#[test]
fn a_garbage_message_from_a_peer_is_dropped_and_acknowledged() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked(&server, dir.path());
        let msg = Messenger::new(&t);
        local::send_text(&mut client.store, &therapist.account, "hello").unwrap();
        msg.flush_outbox(&Exclusive::new(&mut client.store))
            .unwrap();
        assert_eq!(
            msg.receive(&Exclusive::new(&mut therapist.store))
                .unwrap()
                .received,
            1
        );

        // The client's device deposits bytes that are not an Olm message for this session.
        let therapist_device = therapist.store.sync_account().unwrap().unwrap().0.device_id;
        let sender_key = solace_core::messaging::DeviceVault::account(&mut client.store)
            .unwrap()
            .keys()
            .curve25519;
        let b64 = base64::engine::general_purpose::STANDARD;
        for (id, kind, body) in [
            ("garbage-normal", 1u8, b64.encode([7u8; 96])),
            ("garbage-prekey", 0u8, b64.encode([9u8; 160])),
            ("garbage-short", 1u8, b64.encode([1u8; 3])),
        ] {
            t.send(
                &token(&client),
                &m::SendRequest {
                    recipient_account: therapist.account.clone(),
                    client_message_id: id.into(),
                    sender_key: sender_key.clone(),
                    envelopes: vec![m::OutgoingEnvelope {
                        device_id: therapist_device.clone(),
                        kind,
                        body,
                    }],
                },
            )
            .unwrap();
        }
        assert_eq!(waiting(&t, &therapist), 3);
        let report = msg.receive(&Exclusive::new(&mut therapist.store)).unwrap();
        assert_eq!(
            (report.received, report.rejected, report.held),
            (0, 3, 0),
            "{backend:?}: the peer's garbage is dropped"
        );
        assert_eq!(waiting(&t, &therapist), 0, "{backend:?}: and acknowledged");
        assert_eq!(texts(&therapist, &client.account), vec!["hello"]);
    }
}
