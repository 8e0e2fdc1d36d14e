//! End-to-end account lifecycle against a real `solace server` on SQLite and PostgreSQL:
//! re-login on a connected store keeps its pending edits, short-lived tokens are refreshed
//! while in use, an expired token is recovered by logging in again, and a stolen token alone
//! can neither change the credentials nor revoke devices.

use solace_core::error::TransportError;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use solace_core::crypto::kdf::KdfParams;
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::sync::{self, HttpTransport, RevokeTarget, SyncBudget};
use solace_core::{CoreError, Store};
use solace_tests::store::journal_texts;
use solace_tests::{backends, TestServer};

const PASS: &str = "account e2e passphrase";

fn at(h: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-21T{h:02}:00:00+01:00")).unwrap()
}

fn write(store: &mut Store, text: &str) {
    let draft = JournalDraft {
        title: None,
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    };
    journal::add(store, draft, at(9)).unwrap();
}

fn sync(store: &mut Store, t: &HttpTransport) -> sync::SyncReport {
    sync::sync_now(store, t, SyncBudget::unlimited()).unwrap()
}

fn two_devices(server: &TestServer, dir: &std::path::Path) -> (Store, Store, HttpTransport) {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut a, _) = Store::create(&dir.join("a"), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut a, &t, &server.url, "dana", PASS, "phone").unwrap();
    let (b, _) = sync::login_new_device(
        &dir.join("b"),
        &t,
        &server.url,
        "dana",
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
    .unwrap();
    (a, b, t)
}

#[test]
fn relogin_on_a_connected_store_keeps_pending_edits_and_they_reach_the_other_device() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b, t) = two_devices(&server, dir.path());
        let device = a.sync_account().unwrap().unwrap().0.device_id;
        write(&mut a, "written before logging in again");
        assert!(matches!(
            sync::relogin(&mut a, &t, "someone-else", PASS, "phone"),
            Err(CoreError::AccountMismatch)
        ));
        sync::relogin(&mut a, &t, "dana", PASS, "phone").unwrap();
        assert_eq!(a.pending_changes().unwrap(), 1, "the pending edit survived");
        assert_eq!(
            a.sync_account().unwrap().unwrap().0.device_id,
            device,
            "the same device, not a new one"
        );
        assert_eq!(sync(&mut a, &t).pushed, 1);
        sync(&mut b, &t);
        assert_eq!(
            journal_texts(&b),
            vec!["written before logging in again".to_owned()]
        );
    }
}

#[test]
fn a_short_lived_token_is_refreshed_while_in_use_and_an_expired_one_needs_a_relogin() {
    for backend in backends() {
        // Six-second tokens, used every 3.2 s: each sync finds less than half the lifetime left
        // and refreshes first. The margins leave ~2.8 s for a sync on a loaded machine.
        let server = TestServer::start(backend, &[("SOLACE_SERVER_TOKEN_TTL_SECS", "6")]);
        let dir = tempfile::tempdir().unwrap();
        let t = HttpTransport::new(&server.url).unwrap();
        let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
        sync::register(&mut a, &t, &server.url, "eli", PASS, "phone").unwrap();
        // Over twelve seconds of use with six-second tokens: only refreshing keeps it working.
        for i in 0..4 {
            write(&mut a, &format!("entry {i}"));
            assert_eq!(sync(&mut a, &t).pushed, 1, "round {i}");
            std::thread::sleep(Duration::from_millis(3200));
        }
        // Left alone past the expiry: the server refuses, logging in again fixes it.
        std::thread::sleep(Duration::from_secs(4));
        write(&mut a, "written while expired");
        assert!(matches!(
            sync::sync_now(&mut a, &t, SyncBudget::unlimited()),
            Err(CoreError::Transport(TransportError::Unauthorized))
        ));
        sync::relogin(&mut a, &t, "eli", PASS, "phone").unwrap();
        assert_eq!(sync(&mut a, &t).pushed, 1);
        assert_eq!(a.pending_changes().unwrap(), 0);
    }
}

#[test]
fn a_stolen_token_alone_cannot_change_credentials_or_revoke_devices() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (a, mut b, t) = two_devices(&server, dir.path());
        let (account, stolen) = a.sync_account().unwrap().unwrap();
        let b_device = b.sync_account().unwrap().unwrap().0.device_id;
        let http = reqwest::blocking::Client::new();
        let creds = serde_json::json!({
            "auth_key": "00".repeat(32),
            "kdf": {"memory_kib": 19456, "iterations": 2, "parallelism": 1},
            "salt": "00".repeat(16),
            "wrapped_account_key": "AAAA",
        });
        let r = http
            .put(format!("{}/v1/account/credentials", server.url))
            .bearer_auth(stolen.as_str())
            .json(&creds)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let mut forged = creds.clone();
        forged["account_proof"] = serde_json::Value::String("11".repeat(32));
        forged["sign_out_other_devices"] = serde_json::Value::Bool(true);
        let r = http
            .put(format!("{}/v1/account/credentials", server.url))
            .bearer_auth(stolen.as_str())
            .json(&forged)
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        for body in [
            serde_json::json!({"device_id": b_device}),
            serde_json::json!({"device_id": "", "all_other_devices": true}),
            serde_json::json!({"device_id": b_device, "account_proof": "22".repeat(32)}),
        ] {
            let r = http
                .post(format!("{}/v1/devices/revoke", server.url))
                .bearer_auth(stolen.as_str())
                .json(&body)
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{body}");
        }
        // Nothing changed: the old passphrase still logs in, B still syncs.
        sync(&mut b, &t);
        let (_fresh, _) = sync::login_new_device(
            &dir.path().join("c"),
            &t,
            &server.url,
            &account.username,
            PASS,
            "tablet",
            SyncBudget::unlimited(),
        )
        .unwrap();
        // The device holding the account key can revoke with its proof.
        let mut a = a;
        sync::revoke(&mut a, &t, &RevokeTarget::Device(b_device), None).unwrap();
        assert!(matches!(
            sync::sync_now(&mut b, &t, SyncBudget::unlimited()),
            Err(CoreError::Transport(TransportError::Unauthorized))
        ));
    }
}
