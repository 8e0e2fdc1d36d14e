//! Cross-signed devices against a real `solace server`, on SQLite and PostgreSQL, with the
//! server's own database edited directly (the way an operator who owns it would):
//! - a ghost device (another account's device moved under the therapist's account, also with
//!   the therapist's signature copied onto it, or with none) gets no ciphertext, the client
//!   is told, and what the ghost sends as the therapist is dropped;
//! - a changed account identity stops sending (the message stays queued, nothing reaches the
//!   server) until the client accepts it; the safety number is the same on both sides,
//!   verification syncs to the person's other device, a change clears it, and it can be
//!   given again.

use solace_core::crypto::kdf::KdfParams;
use solace_core::messaging::identity::{self, verification, AccountIdentity};
use solace_core::messaging::olm::SignedOneTimeKey;
use solace_core::messaging::payload::{Body, Payload, PAYLOAD_VERSION};
use solace_core::messaging::{local, DeviceVault, MailboxTransport, MessageContent, MessageStatus};
use solace_core::messaging::{olm::DeviceKeys, Messenger};
use solace_core::sync::{self, Exclusive, HttpTransport, SyncBudget};
use solace_core::Store;
use solace_protocol::messaging as m;
use solace_tests::hostile::{text, ServerDb};
use solace_tests::{backends, TestServer};

const PASS: &str = "velvet harbor pilgrim cactus";

struct Device {
    store: Store,
    account: String,
    device: String,
}

fn device(server: &TestServer, dir: &std::path::Path, name: &str) -> Device {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut store, _) = Store::create(&dir.join(name), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut store, &t, &server.url, name, PASS, "phone").unwrap();
    let account = store.sync_account().unwrap().unwrap().0;
    Device {
        store,
        account: account.account_id,
        device: account.device_id,
    }
}

fn token(d: &Device) -> String {
    d.store.sync_account().unwrap().unwrap().1.to_string()
}

fn texts(d: &Device, peer: &str) -> Vec<(String, MessageStatus)> {
    local::messages(&d.store, peer)
        .unwrap()
        .into_iter()
        .filter_map(|msg| match msg.content {
            MessageContent::Text { text } => Some((text, msg.status)),
            _ => None,
        })
        .collect()
}

/// A linked therapist and client with keys published, and a first message from the client
/// taken in by the therapist (both sides pinned each other).
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
    // Pinned at link time, before any message.
    let pinned = identity::identity_status(&client.store, &therapist.account).unwrap();
    assert!(pinned.safety_number.is_some(), "{pinned:?}");
    local::send_text(&mut client.store, &therapist.account, "first").unwrap();
    let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
    assert_eq!(out.sent, 1);
    assert!(out.refused_devices.is_empty(), "{out:?}");
    let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.store)).unwrap();
    assert_eq!((inbox.received, inbox.rejected), (1, 0));
    (therapist, client, t)
}

/// Ciphertexts waiting on the server for `device_id`, counted in the server's database.
fn mailbox_rows(db: &ServerDb, device_id: &str) -> usize {
    db.query(&format!(
        "SELECT COUNT(*) FROM mailbox WHERE recipient_device = {}",
        text(device_id)
    ))[0][0]
        .parse()
        .unwrap()
}

#[test]
fn a_ghost_device_added_in_the_servers_database_gets_nothing_and_the_client_is_told() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked(&server, dir.path());
        let msg = Messenger::new(&t);
        let db = server.db();

        // An ordinary account with a device and published (self-signed) keys.
        let mut mallory = device(&server, dir.path(), "mallory");
        msg.publish_device_keys(&Exclusive::new(&mut mallory.store))
            .unwrap();
        // The operator moves that device under the therapist's account.
        db.exec(&format!(
            "UPDATE devices SET account_id = {} WHERE id = {}",
            text(&therapist.account),
            text(&mallory.device)
        ));
        let copy_real = format!(
            "UPDATE device_identities SET
               account_key = (SELECT account_key FROM device_identities WHERE device_id = {t}),
               account_signature = (SELECT account_signature FROM device_identities WHERE device_id = {t})
             WHERE device_id = {g}",
            t = text(&therapist.device),
            g = text(&mallory.device)
        );
        let strip = format!(
            "UPDATE device_identities SET account_key = NULL, account_signature = NULL
             WHERE device_id = {}",
            text(&mallory.device)
        );
        // Signed by its own account; then the therapist's real signature copied onto it;
        // then no signature at all.
        for (round, edit) in [None, Some(copy_real), Some(strip)].into_iter().enumerate() {
            if let Some(sql) = edit {
                db.exec(&sql);
            }
            let listed = t
                .claim_keys(
                    &token(&client),
                    &m::ClaimRequest {
                        account_id: therapist.account.clone(),
                        need_keys_for: None,
                    },
                )
                .unwrap();
            assert!(
                listed.devices.iter().any(|d| d.device_id == mallory.device),
                "{backend:?}: the server lists the ghost"
            );
            let secret = format!("for the therapist only {round}");
            local::send_text(&mut client.store, &therapist.account, &secret).unwrap();
            let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
            assert_eq!(out.sent, 1, "{backend:?} round {round}");
            assert_eq!(
                out.refused_devices,
                vec![therapist.account.clone()],
                "{backend:?} round {round}: the client is told"
            );
            assert_eq!(
                mailbox_rows(&db, &mallory.device),
                0,
                "{backend:?} round {round}: no ciphertext for the ghost"
            );
            let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.store)).unwrap();
            assert_eq!(inbox.received, 1, "{backend:?} round {round}");
            assert_eq!(
                texts(&therapist, &client.account).last().unwrap().0,
                secret,
                "{backend:?}: the real therapist reads it as usual"
            );
        }

        // A real new device of the therapist (it pulls the account identity at login and
        // signs itself) is accepted, and the client's conversation says so.
        let (mut tablet, _) = sync::login_new_device(
            &dir.path().join("dr-lee-2"),
            &t,
            &server.url,
            "dr-lee",
            PASS,
            "tablet",
            SyncBudget::unlimited(),
        )
        .unwrap();
        msg.publish_device_keys(&Exclusive::new(&mut tablet))
            .unwrap();
        let tablet_id = tablet.sync_account().unwrap().unwrap().0.device_id;
        local::send_text(&mut client.store, &therapist.account, "to both devices").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
        assert_eq!(out.sent, 1, "{backend:?}");
        assert_eq!(
            out.added_devices,
            vec![therapist.account.clone()],
            "{backend:?}"
        );
        assert_eq!(mailbox_rows(&db, &tablet_id), 1, "{backend:?}");
        assert_eq!(mailbox_rows(&db, &mallory.device), 0, "{backend:?}");
        let notices: Vec<String> = local::messages(&client.store, &therapist.account)
            .unwrap()
            .into_iter()
            .filter_map(|m| match m.content {
                MessageContent::Notice { text } => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(
            notices,
            vec!["Dr. Lee added a device".to_owned()],
            "{backend:?}"
        );
        let (inbox, _) = msg.sync(&Exclusive::new(&mut tablet)).unwrap();
        assert_eq!((inbox.received, inbox.rejected), (1, 0), "{backend:?}");

        // The ghost writes to the client as the therapist's account: a real Olm message the
        // client could decrypt, but its sender key is no signed device of the therapist.
        let ghost = DeviceVault::account(&mut mallory.store).unwrap();
        let keys = t
            .claim_keys(
                &token(&mallory),
                &m::ClaimRequest {
                    account_id: client.account.clone(),
                    need_keys_for: None,
                },
            )
            .unwrap();
        let target = &keys.devices[0];
        let id = local::new_message_id().unwrap();
        let payload = Payload {
            v: PAYLOAD_VERSION,
            id: id.clone(),
            from: therapist.account.clone(),
            to: client.account.clone(),
            sent_at: 1_795_000_000_000,
            body: Body::Text {
                text: "ghost says hi".into(),
            },
        }
        .encode()
        .unwrap();
        let otk = target.one_time_key.as_ref().map(|k| SignedOneTimeKey {
            key: k.key.clone(),
            signature: k.signature.clone(),
        });
        let sealed = DeviceVault::encrypt_for(
            &mut mallory.store,
            &ghost,
            &DeviceKeys {
                curve25519: target.identity.curve25519.clone(),
                ed25519: target.identity.ed25519.clone(),
            },
            otk.as_ref(),
            &payload,
        )
        .unwrap()
        .unwrap();
        let sent = t.send(
            &token(&mallory),
            &m::SendRequest {
                recipient_account: client.account.clone(),
                client_message_id: id,
                sender_key: ghost.keys().curve25519,
                envelopes: vec![m::OutgoingEnvelope {
                    device_id: target.device_id.clone(),
                    kind: sealed.kind,
                    body: sealed.body,
                }],
            },
        );
        if sent.is_ok() {
            let inbox = msg.receive(&Exclusive::new(&mut client.store)).unwrap();
            // (What else arrives are the therapist's delivery receipts.)
            assert_eq!(inbox.rejected, 1, "{backend:?}: dropped, not shown");
        }
        assert!(
            !texts(&client, &therapist.account)
                .iter()
                .any(|(t, _)| t == "ghost says hi"),
            "{backend:?}"
        );
    }
}

#[test]
fn a_changed_identity_stops_sending_until_accepted_and_clears_verification() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (therapist, mut client, t) = linked(&server, dir.path());
        let msg = Messenger::new(&t);
        let db = server.db();
        let t_http = HttpTransport::new(&server.url).unwrap();
        let (mut client_tablet, _) = sync::login_new_device(
            &dir.path().join("sam-2"),
            &t_http,
            &server.url,
            "sam",
            PASS,
            "tablet",
            SyncBudget::unlimited(),
        )
        .unwrap();

        // Both sides see the same safety number.
        let seen_by_client = identity::identity_status(&client.store, &therapist.account).unwrap();
        let seen_by_therapist =
            identity::identity_status(&therapist.store, &client.account).unwrap();
        let number = seen_by_client.safety_number.clone().unwrap();
        assert_eq!(seen_by_therapist.safety_number, Some(number.clone()));
        assert_eq!(number.digits.len(), 71, "{}", number.digits);
        assert!(number.qr_payload.starts_with("solace-verify:1:"));
        assert!(!seen_by_client.verified && !seen_by_client.changed);
        assert_eq!(seen_by_client.devices, vec![therapist.device.clone()]);

        // Verified, and synced to the client's tablet.
        identity::mark_verified(&mut client.store, &therapist.account, true).unwrap();
        assert!(
            identity::identity_status(&client.store, &therapist.account)
                .unwrap()
                .verified
        );
        sync::sync_now(&mut client.store, &t_http, SyncBudget::unlimited()).unwrap();
        sync::sync_now(&mut client_tablet, &t_http, SyncBudget::unlimited()).unwrap();
        let pinned = AccountIdentity::load(&therapist.store)
            .unwrap()
            .unwrap()
            .public_key();
        assert!(
            verification::is_verified(&client_tablet, &therapist.account, &pinned).unwrap(),
            "{backend:?}: verified syncs to the person's devices"
        );

        // The therapist's device now shows up signed by another identity.
        let other = AccountIdentity::generate();
        let row = db.query(&format!(
            "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = {}",
            text(&therapist.device)
        ));
        let signature = identity::device::sign(
            &other,
            &therapist.account,
            &therapist.device,
            &row[0][0],
            &row[0][1],
        );
        db.exec(&format!(
            "UPDATE device_identities SET account_key = {}, account_signature = {}
             WHERE device_id = {}",
            text(&other.public_key()),
            text(&signature),
            text(&therapist.device)
        ));
        let list = identity::device_list::sign(
            &other,
            &therapist.account,
            1,
            std::slice::from_ref(&therapist.device),
        );
        db.exec(&format!(
            "UPDATE device_lists SET version = 1, list = {} WHERE account_id = {}",
            text(&serde_json::to_string(&list).unwrap()),
            text(&therapist.account)
        ));
        local::send_text(&mut client.store, &therapist.account, "after the change").unwrap();
        for _ in 0..2 {
            let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
            assert_eq!(out.sent, 0, "{backend:?}");
            assert_eq!(out.wedged, 0, "{backend:?}: waiting, not failed");
            assert_eq!(out.identity_changed, vec![therapist.account.clone()]);
            assert_eq!(mailbox_rows(&db, &therapist.device), 0, "{backend:?}");
        }
        assert_eq!(
            texts(&client, &therapist.account).last().unwrap(),
            &("after the change".to_owned(), MessageStatus::Queued)
        );
        let changed = identity::identity_status(&client.store, &therapist.account).unwrap();
        assert!(changed.changed && !changed.verified, "{backend:?}");
        assert!(
            identity::mark_verified(&mut client.store, &therapist.account, true).is_err(),
            "{backend:?}: the new identity must be accepted first"
        );

        // Accepted: the queued message goes out, under the new identity.
        identity::accept_identity_change(&mut client.store, &therapist.account).unwrap();
        let accepted = identity::identity_status(&client.store, &therapist.account).unwrap();
        assert!(!accepted.changed && !accepted.verified, "{backend:?}");
        assert_ne!(accepted.safety_number, Some(number), "{backend:?}");
        let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
        assert_eq!(out.sent, 1, "{backend:?}");
        assert!(out.identity_changed.is_empty());
        assert_eq!(mailbox_rows(&db, &therapist.device), 1, "{backend:?}");

        // Re-verified for the new identity.
        identity::mark_verified(&mut client.store, &therapist.account, true).unwrap();
        assert!(
            identity::identity_status(&client.store, &therapist.account)
                .unwrap()
                .verified
        );
        sync::sync_now(&mut client.store, &t_http, SyncBudget::unlimited()).unwrap();
        sync::sync_now(&mut client_tablet, &t_http, SyncBudget::unlimited()).unwrap();
        assert!(
            verification::is_verified(&client_tablet, &therapist.account, &other.public_key())
                .unwrap()
        );
        assert!(
            !verification::is_verified(&client_tablet, &therapist.account, &pinned).unwrap(),
            "{backend:?}: the old identity is no longer verified"
        );
    }
}

#[test]
fn a_revoked_device_put_back_by_the_server_gets_nothing() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked(&server, dir.path());
        let msg = Messenger::new(&t);
        let db = server.db();

        // The therapist's tablet joins (signed, and added to the signed list) and gets a copy.
        let (mut tablet, _) = sync::login_new_device(
            &dir.path().join("dr-lee-2"),
            &t,
            &server.url,
            "dr-lee",
            PASS,
            "tablet",
            SyncBudget::unlimited(),
        )
        .unwrap();
        msg.publish_device_keys(&Exclusive::new(&mut tablet))
            .unwrap();
        let tablet_id = tablet.sync_account().unwrap().unwrap().0.device_id;
        local::send_text(&mut client.store, &therapist.account, "both").unwrap();
        msg.sync(&Exclusive::new(&mut client.store)).unwrap();
        assert_eq!(mailbox_rows(&db, &tablet_id), 1, "{backend:?}");
        let account = text(&therapist.account);
        let old_list = db.query(&format!(
            "SELECT version, list FROM device_lists WHERE account_id = {account}"
        ));
        let tablet_keys = db.query(&format!(
            "SELECT curve25519, ed25519, account_key, account_signature FROM device_identities
             WHERE device_id = {}",
            text(&tablet_id)
        ));

        // The therapist revokes the tablet (as `App::revoke` does: then the list drops it).
        sync::revoke(
            &mut therapist.store,
            &t,
            &sync::RevokeTarget::Device(tablet_id.clone()),
            None,
        )
        .unwrap();
        msg.drop_from_device_list(
            &Exclusive::new(&mut therapist.store),
            std::slice::from_ref(&tablet_id),
            false,
        )
        .unwrap();
        local::send_text(&mut client.store, &therapist.account, "after revoke").unwrap();
        msg.sync(&Exclusive::new(&mut client.store)).unwrap();

        // The operator puts the tablet back: un-revoked with its signed keys; then the old
        // list (which named it) served again as well.
        let restore = format!(
            "UPDATE devices SET revoked = {f} WHERE id = {d};
             DELETE FROM device_identities WHERE device_id = {d};
             INSERT INTO device_identities (device_id, curve25519, ed25519, account_key,
               account_signature) VALUES ({d}, {}, {}, {}, {})",
            text(&tablet_keys[0][0]),
            text(&tablet_keys[0][1]),
            text(&tablet_keys[0][2]),
            text(&tablet_keys[0][3]),
            f = db.boolean(false),
            d = text(&tablet_id),
        );
        let roll_back = format!(
            "UPDATE device_lists SET version = {}, list = {} WHERE account_id = {account}",
            old_list[0][0],
            text(&old_list[0][1])
        );
        for (round, edit) in [restore, roll_back].into_iter().enumerate() {
            db.exec(&edit);
            let listed = t
                .claim_keys(
                    &token(&client),
                    &m::ClaimRequest {
                        account_id: therapist.account.clone(),
                        need_keys_for: None,
                    },
                )
                .unwrap();
            assert!(
                listed.devices.iter().any(|d| d.device_id == tablet_id),
                "{backend:?} round {round}: the server lists the revoked tablet again"
            );
            let before = mailbox_rows(&db, &tablet_id);
            local::send_text(&mut client.store, &therapist.account, "not for the tablet").unwrap();
            let (_, out) = msg.sync(&Exclusive::new(&mut client.store)).unwrap();
            assert_eq!(
                mailbox_rows(&db, &tablet_id),
                before,
                "{backend:?} round {round}: nothing for the revoked tablet"
            );
            assert!(
                out.refused_devices.contains(&therapist.account),
                "{backend:?} round {round}: the client is told"
            );
            if round == 0 {
                // The current list still names the therapist's phone: it gets the message.
                assert_eq!(out.sent, 1, "{backend:?}");
            } else {
                // An older list is refused outright: the message waits rather than go to
                // devices the person dropped.
                assert_eq!(out.sent, 0, "{backend:?}");
                assert_eq!((out.waiting, out.wedged), (1, 0), "{backend:?}");
                assert_eq!(
                    texts(&client, &therapist.account).last().unwrap().1,
                    MessageStatus::Queued,
                    "{backend:?}"
                );
            }
        }
    }
}
