//! Issue 13, mailbox side, end to end against a real `solace server` on SQLite and
//! PostgreSQL: a linked peer drains a therapist's one-time keys and messages still flow
//! through the signed fallback keys; keys are claimed only for devices without a session; a
//! message is "sent" only once every current device of the recipient holds it (a device
//! without keys keeps it queued, then gets it exactly once); a revoked device's sessions are
//! dropped at the peer's next sync and it gets no new messages; a device away 25 days gets
//! everything, and one away past the mailbox TTL is told which messages expired, as is their
//! sender.

use solace_core::crypto::kdf::KdfParams;
use solace_core::messaging::{
    local, DeviceVault, MailboxTransport, MessageContent, MessageStatus, Messenger,
};
use solace_core::sync::{self, Exclusive, HttpTransport, RevokeTarget, SyncBudget};
use solace_core::Store;
use solace_protocol::messaging as m;
use solace_tests::hostile::{text, ServerDb};
use solace_tests::{backends, TestServer};

const PASS: &str = "velvet harbor pilgrim cactus";

struct Person {
    first: Store,
    second: Store,
    account: String,
}

fn device(server: &TestServer, dir: &std::path::Path, name: &str, n: u8) -> Store {
    let t = HttpTransport::new(&server.url).unwrap();
    sync::login_new_device(
        &dir.join(format!("{name}-{n}")),
        &t,
        &server.url,
        name,
        PASS,
        "tablet",
        SyncBudget::unlimited(),
    )
    .unwrap()
    .0
}

fn person(server: &TestServer, dir: &std::path::Path, name: &str) -> Person {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut first, _) =
        Store::create(&dir.join(format!("{name}-1")), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut first, &t, &server.url, name, PASS, "phone").unwrap();
    let second = device(server, dir, name, 2);
    let account = first.sync_account().unwrap().unwrap().0.account_id;
    Person {
        first,
        second,
        account,
    }
}

/// A therapist and a client, two devices each, linked, keys published on every device.
fn linked_pair(server: &TestServer, dir: &std::path::Path) -> (Person, Person, HttpTransport) {
    let t = HttpTransport::new(&server.url).unwrap();
    let mut therapist = person(server, dir, "dr-lee");
    let mut client = person(server, dir, "sam");
    let msg = Messenger::new(&t);
    let profile = m::TherapistProfile {
        display_name: "Dr. Lee".into(),
        bio: String::new(),
        specialties: vec![],
        approaches: vec![],
        languages: vec![],
        slots: vec![],
        response_window_hours: None,
        formats: vec![],
        coverage: None,
    };
    msg.publish_profile(&Exclusive::new(&mut therapist.first), &profile)
        .unwrap();
    let link = msg
        .request_link(&Exclusive::new(&mut client.first), &therapist.account)
        .unwrap();
    msg.accept_link(&Exclusive::new(&mut therapist.first), &link.link_id)
        .unwrap();
    for store in [
        &mut therapist.first,
        &mut therapist.second,
        &mut client.first,
        &mut client.second,
    ] {
        msg.sync(&Exclusive::new(store)).unwrap();
    }
    (therapist, client, t)
}

fn token(store: &Store) -> String {
    store.sync_account().unwrap().unwrap().1.to_string()
}

fn curve(store: &mut Store) -> String {
    DeviceVault::account(store).unwrap().keys().curve25519
}

fn texts(store: &Store, peer: &str) -> Vec<(String, MessageStatus)> {
    local::messages(store, peer)
        .unwrap()
        .into_iter()
        .filter_map(|msg| match msg.content {
            MessageContent::Text { text } => Some((text, msg.status)),
            _ => None,
        })
        .collect()
}

/// The unclaimed one-time keys the server holds for the store's device (an identity-only
/// upload answers with the count).
fn key_count(t: &HttpTransport, store: &mut Store) -> m::KeyCount {
    let keys = DeviceVault::account(store).unwrap().keys();
    t.publish_keys(
        &token(store),
        &m::DeviceKeysUpload {
            identity: m::WireIdentity {
                curve25519: keys.curve25519,
                ed25519: keys.ed25519,
            },
            one_time_keys: vec![],
            account_signature: None,
            device_list: None,
            fallback_key: None,
        },
    )
    .unwrap()
}

#[test]
fn drained_one_time_keys_still_let_messages_flow_through_fallback_keys() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        assert!(key_count(&t, &mut therapist.first).fallback_key);
        // The linked client drains every one-time key of both therapist devices.
        let client_token = token(&client.first);
        let drain = m::ClaimRequest {
            account_id: therapist.account.clone(),
            need_keys_for: None,
        };
        let mut rounds = 0;
        loop {
            let got = t.claim_keys(&client_token, &drain).unwrap();
            assert_eq!(got.devices.len(), 2, "{backend:?}");
            if got.devices.iter().all(|d| d.one_time_key.is_none()) {
                assert!(
                    got.devices.iter().all(|d| d.fallback_key.is_some()),
                    "{backend:?}: drained devices answer with their fallback key"
                );
                break;
            }
            rounds += 1;
            assert!(rounds <= 60, "{backend:?}: the keys never ran out");
        }
        assert_eq!(key_count(&t, &mut therapist.first).one_time_keys, 0);

        // Messages still flow, both ways, to every device.
        local::send_text(&mut client.first, &therapist.account, "still reaches you").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!((out.sent, out.incomplete), (1, 0), "{backend:?}");
        for store in [&mut therapist.first, &mut therapist.second] {
            let (inbox, _) = msg.sync(&Exclusive::new(store)).unwrap();
            assert_eq!((inbox.received, inbox.rejected), (1, 0), "{backend:?}");
            assert_eq!(
                texts(store, &client.account),
                [("still reaches you".to_owned(), MessageStatus::Unread)]
            );
        }
        local::send_text(&mut therapist.first, &client.account, "got it").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(out.sent, 1, "{backend:?}");
        let (inbox, _) = msg.sync(&Exclusive::new(&mut client.second)).unwrap();
        assert!(inbox.received >= 2, "{backend:?}: the copy and the reply");
        assert!(texts(&client.second, &therapist.account)
            .contains(&("got it".to_owned(), MessageStatus::Unread)));

        // With sessions in place, further messages claim nothing: the therapist's republished
        // one-time keys stay where they are.
        let before = key_count(&t, &mut therapist.second).one_time_keys;
        assert!(before > 0, "{backend:?}: the sync topped the keys up");
        local::send_text(&mut client.first, &therapist.account, "no new keys needed").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        // The message and the receipt for "got it".
        assert_eq!((out.sent, out.incomplete), (2, 0), "{backend:?}");
        assert_eq!(key_count(&t, &mut therapist.second).one_time_keys, before);
    }
}

/// A device the server lists before it is signed by the account's identity gets nothing and
/// does not hold the message back; once it has signed itself into the account's device list,
/// the next message reaches it too.
#[test]
fn a_device_counts_once_it_is_signed_into_the_device_list() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        // A third therapist device publishes its Olm identity, unsigned, and no keys yet.
        let mut third = device(&server, dir.path(), "dr-lee", 3);
        assert_eq!(key_count(&t, &mut third).one_time_keys, 0);

        local::send_text(
            &mut client.first,
            &therapist.account,
            "for the signed devices",
        )
        .unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!(
            (out.sent, out.incomplete, out.wedged),
            (1, 0, 0),
            "{backend:?}: the unsigned device is not a recipient"
        );
        assert_eq!(
            out.refused_devices,
            vec![therapist.account.clone()],
            "{backend:?}"
        );
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(inbox.received, 1, "{backend:?}");

        // The third device finishes its setup: its sync signs it into the device list.
        let (inbox, _) = msg.sync(&Exclusive::new(&mut third)).unwrap();
        assert_eq!(inbox.received, 0, "{backend:?}: nothing was sealed for it");
        // Flushed on its own, with no listing first: the client sends by the list it checked
        // before; the server names the device the send missed and the newer signed list, so
        // the client lists again and the message reaches the third device too.
        local::send_text(&mut client.first, &therapist.account, "for every device").unwrap();
        let out = msg
            .flush_outbox(&Exclusive::new(&mut client.first))
            .unwrap();
        assert_eq!((out.sent, out.incomplete), (1, 0), "{backend:?}");
        let (inbox, _) = msg.sync(&Exclusive::new(&mut third)).unwrap();
        assert_eq!(inbox.received, 1, "{backend:?}");
        assert_eq!(
            texts(&third, &client.account),
            [("for every device".to_owned(), MessageStatus::Unread)]
        );
        for store in [&mut therapist.first, &mut therapist.second] {
            let (inbox, _) = msg.sync(&Exclusive::new(store)).unwrap();
            assert_eq!(inbox.duplicates, 0, "{backend:?}: no second copy");
        }
    }
}

#[test]
fn a_revoked_device_loses_its_sessions_and_gets_no_new_messages() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        local::send_text(&mut client.first, &therapist.account, "hello both").unwrap();
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        let tablet = curve(&mut therapist.second);
        assert_eq!(
            DeviceVault::ratchets(&client.first, &tablet).unwrap().len(),
            1,
            "{backend:?}"
        );
        let tablet_id = therapist
            .second
            .sync_account()
            .unwrap()
            .unwrap()
            .0
            .device_id;
        sync::revoke(
            &mut therapist.first,
            &t,
            &RevokeTarget::Device(tablet_id),
            None,
        )
        .unwrap();

        // The client's next sync drops the sessions with the revoked tablet...
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert!(
            DeviceVault::ratchets(&client.first, &tablet)
                .unwrap()
                .is_empty(),
            "{backend:?}"
        );
        // ...and new messages go to the remaining device only, counted as sent.
        local::send_text(&mut client.first, &therapist.account, "after revocation").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!((out.sent, out.incomplete), (1, 0), "{backend:?}");
        assert!(DeviceVault::ratchets(&client.first, &tablet)
            .unwrap()
            .is_empty());
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(inbox.received, 2, "{backend:?}");
        assert!(
            msg.sync(&Exclusive::new(&mut therapist.second)).is_err(),
            "{backend:?}: the revoked tablet is signed out"
        );
    }
}

/// Moves the waiting messages of `device_id` `days` into the past in the server's database,
/// as if the device had been away that long (the server compares against its own clock).
fn age_mailbox(db: &ServerDb, device_id: &str, days: i64) {
    db.exec(&format!(
        "UPDATE mailbox SET received_at = received_at - {} WHERE recipient_device = {}",
        days * 86_400,
        text(device_id)
    ));
}

fn notices(store: &Store, peer: &str) -> Vec<String> {
    local::messages(store, peer)
        .unwrap()
        .into_iter()
        .filter_map(|m| match m.content {
            MessageContent::Notice { text } => Some(text),
            _ => None,
        })
        .collect()
}

#[test]
fn a_device_away_25_days_gets_everything_and_one_away_past_the_ttl_is_told_and_so_is_the_sender() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let db = server.db();
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        let tablet = therapist
            .second
            .sync_account()
            .unwrap()
            .unwrap()
            .0
            .device_id;

        // 25 simulated days away (inside the 30-day TTL): everything queued arrives and opens.
        for i in 0..3 {
            local::send_text(&mut client.first, &therapist.account, &format!("week {i}")).unwrap();
            msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        }
        msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        age_mailbox(&db, &tablet, 25);
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.second)).unwrap();
        assert_eq!(
            (inbox.received, inbox.expired_inbound),
            (3, 0),
            "{backend:?}"
        );
        let read: Vec<String> = texts(&therapist.second, &client.account)
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        assert_eq!(read, ["week 0", "week 1", "week 2"], "{backend:?}");

        // 31 days away: the two messages waiting for the tablet expired unread. The tablet is
        // told from whom and when, the client which of their messages, and nothing else is.
        local::send_text(
            &mut client.first,
            &therapist.account,
            "are you still there?",
        )
        .unwrap();
        local::send_text(
            &mut client.first,
            &therapist.account,
            "the plan for next week",
        )
        .unwrap();
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(inbox.received, 2, "{backend:?}: the phone was around");
        age_mailbox(&db, &tablet, 31);
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.second)).unwrap();
        assert_eq!(
            (inbox.received, inbox.expired_inbound),
            (0, 2),
            "{backend:?}"
        );
        let on_tablet = notices(&therapist.second, &client.account);
        assert_eq!(on_tablet.len(), 1, "{backend:?}: {on_tablet:?}");
        assert!(
            on_tablet[0].starts_with("2 messages from sam sent on "),
            "{backend:?}: {on_tablet:?}"
        );
        let (inbox, _) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!(inbox.expired_outbound, 2, "{backend:?}");
        let told = notices(&client.first, &therapist.account);
        assert_eq!(
            told,
            [
                "Not delivered to one of Dr. Lee's devices, which stayed offline too long: “are you still there?”",
                "Not delivered to one of Dr. Lee's devices, which stayed offline too long: “the plan for next week”",
            ],
            "{backend:?}"
        );
        // Acknowledged: told once.
        for store in [&mut therapist.second, &mut client.first, &mut client.second] {
            let (inbox, _) = msg.sync(&Exclusive::new(store)).unwrap();
            assert_eq!(
                (inbox.expired_inbound, inbox.expired_outbound),
                (0, 0),
                "{backend:?}"
            );
        }
        assert_eq!(
            db.query("SELECT COUNT(*) FROM mailbox_expired")[0][0],
            "0",
            "{backend:?}"
        );
    }
}

#[test]
fn devices_signed_out_by_a_passphrase_change_leave_the_signed_list_and_get_nothing_when_put_back() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let db = server.db();
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        let tablet = therapist
            .second
            .sync_account()
            .unwrap()
            .unwrap()
            .0
            .device_id;

        let tablet_keys = db.query(&format!(
            "SELECT curve25519, ed25519, account_key, account_signature FROM device_identities
             WHERE device_id = {}",
            text(&tablet)
        ));
        // The therapist changes the passphrase on the phone and signs out every other device.
        let old = therapist.first.derive_with_passphrase(PASS).unwrap();
        let params = therapist.first.kdf_params();
        therapist
            .first
            .change_passphrase("a brand new harbor passphrase", params)
            .unwrap();
        sync::stage_credentials_with(
            &mut therapist.first,
            "a brand new harbor passphrase",
            &sync::CredentialOptions {
                current_auth_key: Some(old.auth_key),
                sign_out_other_devices: true,
            },
        )
        .unwrap();
        sync::sync_now(&mut therapist.first, &t, SyncBudget::unlimited()).unwrap();
        msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        let listed = db.query(&format!(
            "SELECT list FROM device_lists WHERE account_id = {}",
            text(&therapist.account)
        ));
        assert!(
            !listed[0][0].contains(&tablet),
            "{backend:?}: the tablet left the signed list"
        );

        // The operator un-revokes the tablet with its signed keys: still nothing for it, and
        // the client is told.
        db.exec(&format!(
            "UPDATE devices SET revoked = {f} WHERE id = {d};
             DELETE FROM device_identities WHERE device_id = {d};
             INSERT INTO device_identities (device_id, curve25519, ed25519, account_key,
               account_signature) VALUES ({d}, {}, {}, {}, {})",
            text(&tablet_keys[0][0]),
            text(&tablet_keys[0][1]),
            text(&tablet_keys[0][2]),
            text(&tablet_keys[0][3]),
            f = db.boolean(false),
            d = text(&tablet),
        ));
        local::send_text(&mut client.first, &therapist.account, "only the phone").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!(out.sent, 1, "{backend:?}");
        assert!(
            out.refused_devices.contains(&therapist.account),
            "{backend:?}: the client is told"
        );
        let waiting: usize = db.query(&format!(
            "SELECT COUNT(*) FROM mailbox WHERE recipient_device = {}",
            text(&tablet)
        ))[0][0]
            .parse()
            .unwrap();
        assert_eq!(waiting, 0, "{backend:?}: no ciphertext for the tablet");
    }
}

#[test]
fn a_consented_risk_alert_reaches_every_therapist_device_and_one_acknowledgement_clears_it_on_all()
{
    use solace_core::assessments::{self, Instrument};
    use solace_core::messaging::{alerts, consent};
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        let now = chrono::Utc::now().fixed_offset();
        // Without consent nothing flows; with it, a result with item 9 > 0 sends an alert.
        let quiet = assessments::submit(
            &mut client.first,
            Instrument::Phq9,
            vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
            now,
        )
        .unwrap();
        assert!(
            quiet.safety.is_some() && quiet.told.is_empty(),
            "{backend:?}"
        );
        consent::set(
            &mut client.first,
            &therapist.account,
            consent::LinkConsent {
                risk_alerts: true,
                ..consent::LinkConsent::default()
            },
        )
        .unwrap();
        let flagged = assessments::submit(
            &mut client.first,
            Instrument::Phq9,
            vec![1, 1, 0, 1, 0, 0, 0, 0, 2],
            now,
        )
        .unwrap();
        assert!(
            flagged.safety.is_some(),
            "{backend:?}: the safety flow is unchanged"
        );
        assert_eq!(flagged.told.len(), 1, "{backend:?}: {:?}", flagged.told);
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        for store in [&mut therapist.first, &mut therapist.second] {
            let (inbox, _) = msg.sync(&Exclusive::new(store)).unwrap();
            assert!(
                inbox.notification.is_some(),
                "{backend:?}: the discreet notification"
            );
            assert_eq!(
                alerts::open(store, &client.account).unwrap().len(),
                1,
                "{backend:?}"
            );
        }
        let alert = alerts::open(&therapist.first, &client.account).unwrap()[0].clone();
        alerts::acknowledge(&mut therapist.first, &alert.id).unwrap();
        sync::sync_now(&mut therapist.first, &t, SyncBudget::unlimited()).unwrap();
        sync::sync_now(&mut therapist.second, &t, SyncBudget::unlimited()).unwrap();
        assert!(
            alerts::open(&therapist.second, &client.account)
                .unwrap()
                .is_empty(),
            "{backend:?}: acknowledged on one device, cleared on the other"
        );
    }
}
