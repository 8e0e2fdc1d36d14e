//! End-to-end messaging against a real `solace server` process on a loopback port, on SQLite
//! and on PostgreSQL: a client and a therapist with two devices each exchange messages while
//! each side is offline in turn; duplicated, reordered, tampered and replayed deliveries;
//! an unlinked therapist gets nothing; sharing with revoke; live-session requests; pause; and
//! a plaintext canary scan of the server's database.

use solace_core::error::TransportError;
use std::cell::RefCell;

use base64::Engine as _;
use solace_core::crypto::kdf::KdfParams;
use solace_core::journal::{self, JournalBody, JournalDraft, ThoughtRecord};
use solace_core::messaging::{
    local, CallState, MailboxTransport, MessageContent, MessageStatus, Messenger,
};
use solace_core::sync::{self, Exclusive, HttpTransport, SyncBudget};
use solace_core::{CoreError, Result, Store};
use solace_protocol::messaging as m;
use solace_tests::{backends, contains, dump_database, TestServer};

const PASS: &str = "velvet harbor pilgrim cactus";

struct Person {
    first: Store,
    second: Store,
    account: String,
}

fn person(server: &TestServer, dir: &std::path::Path, name: &str) -> Person {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut first, _) =
        Store::create(&dir.join(format!("{name}-1")), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut first, &t, &server.url, name, PASS, "phone").unwrap();
    let (second, _) = sync::login_new_device(
        &dir.join(format!("{name}-2")),
        &t,
        &server.url,
        name,
        PASS,
        "tablet",
        SyncBudget::unlimited(),
    )
    .unwrap();
    let account = first.sync_account().unwrap().unwrap().0.account_id;
    Person {
        first,
        second,
        account,
    }
}

fn profile(name: &str) -> m::TherapistProfile {
    m::TherapistProfile {
        display_name: name.into(),
        bio: "Short-term CBT for worry and low mood.".into(),
        specialties: vec!["anxiety".into(), "depression".into()],
        approaches: vec!["cbt".into()],
        languages: vec!["en".into(), "de".into()],
        slots: vec![m::AvailabilitySlot {
            start: "2026-12-01T10:00:00+00:00".into(),
            minutes: 60,
        }],
        response_window_hours: None,
        formats: vec![
            m::FormatOffer {
                format: m::SessionFormat::Video,
                price: Some("€80 / 50 min".into()),
            },
            m::FormatOffer {
                format: m::SessionFormat::Phone,
                price: None,
            },
        ],
        coverage: Some("Sliding scale".into()),
    }
}

/// A therapist and a client, both with two devices, linked and with keys published.
fn linked_pair(server: &TestServer, dir: &std::path::Path) -> (Person, Person, HttpTransport) {
    let t = HttpTransport::new(&server.url).unwrap();
    let mut therapist = person(server, dir, "dr-lee");
    let mut client = person(server, dir, "sam");
    let msg = Messenger::new(&t);
    msg.publish_profile(&Exclusive::new(&mut therapist.first), &profile("Dr. Lee"))
        .unwrap();
    let found = msg
        .search(
            &Exclusive::new(&mut client.first),
            &m::DirectoryQuery {
                specialty: Some("Anxiety".into()),
                language: Some("de".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].therapist_id, therapist.account);
    assert_eq!(found[0].profile.formats.len(), 2, "formats are published");
    let mut by_format = |format| {
        let query = m::DirectoryQuery {
            format: Some(format),
            ..Default::default()
        };
        msg.search(&Exclusive::new(&mut client.first), &query)
            .unwrap()
            .len()
    };
    assert_eq!(by_format(m::SessionFormat::Phone), 1);
    assert_eq!(
        by_format(m::SessionFormat::Chat),
        0,
        "no chat sessions offered"
    );
    let link = msg
        .request_link(&Exclusive::new(&mut client.first), &therapist.account)
        .unwrap();
    assert_eq!(link.state, m::LinkState::Pending);
    assert!(
        local::send_text(&mut client.first, &therapist.account, "too early").is_err(),
        "no conversation before the therapist consents"
    );
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

#[test]
fn client_and_therapist_exchange_messages_while_each_is_offline_in_turn() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        let canary = "CANARY-msg-7c1e-client-text";

        // The therapist's devices are offline: the client writes twice.
        local::send_text(
            &mut client.first,
            &therapist.account,
            &format!("{canary} one"),
        )
        .unwrap();
        local::send_text(&mut client.first, &therapist.account, "second, in order").unwrap();
        let (_, out) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert_eq!(out.sent, 2, "{backend:?}");
        msg.sync(&Exclusive::new(&mut client.second)).unwrap();
        assert_eq!(
            texts(&client.second, &therapist.account).len(),
            2,
            "{backend:?}: the sender's other device has its own copy"
        );

        // The therapist comes online on both devices; each gets every message once, in order.
        for store in [&mut therapist.first, &mut therapist.second] {
            let (inbox, _) = msg.sync(&Exclusive::new(store)).unwrap();
            assert_eq!(inbox.received, 2, "{backend:?}");
            assert_eq!(
                inbox.notification.as_deref(),
                Some("You have a new update"),
                "discreet by default"
            );
            let got = texts(store, &client.account);
            assert_eq!(got[0].0, format!("{canary} one"));
            assert_eq!(got[1], ("second, in order".into(), MessageStatus::Unread));
        }
        let conv = &local::conversations(&therapist.first).unwrap()[0];
        assert_eq!((conv.peer_name.as_str(), conv.unread), ("sam", 2));

        // Receipts flow back: delivered, then read.
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        assert!(texts(&client.first, &therapist.account)
            .iter()
            .all(|(_, s)| *s == MessageStatus::Delivered));
        assert_eq!(
            local::mark_read(&mut therapist.first, &client.account).unwrap(),
            2
        );
        msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        msg.sync(&Exclusive::new(&mut client.second)).unwrap();
        for store in [&client.first, &client.second] {
            assert!(texts(store, &therapist.account)
                .iter()
                .all(|(_, s)| *s == MessageStatus::Read));
        }

        // Now the client is offline: the therapist replies from the second device.
        local::send_text(
            &mut therapist.second,
            &client.account,
            "Thanks for telling me.",
        )
        .unwrap();
        msg.sync(&Exclusive::new(&mut therapist.second)).unwrap();
        msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(texts(&therapist.first, &client.account).len(), 3);
        for store in [&mut client.second, &mut client.first] {
            msg.sync(&Exclusive::new(store)).unwrap();
            let got = texts(store, &therapist.account);
            assert_eq!(got.len(), 3, "{backend:?}");
            assert_eq!(
                got[2],
                ("Thanks for telling me.".into(), MessageStatus::Unread)
            );
        }

        // Nothing readable reached the server.
        let dump = dump_database(&server);
        assert!(
            !contains(&dump, canary),
            "{backend:?}: plaintext on the server"
        );
        assert!(!contains(&dump, "Thanks for telling me"), "{backend:?}");
        assert!(!contains(&server.logs(), canary));
    }
}

/// Puts faults between a device and the server: duplicated and reversed inbox pages, lost
/// acknowledgements, tampered bodies, replays and duplicated sends.
struct Faulty<'a> {
    inner: &'a HttpTransport,
    duplicate_and_reverse: bool,
    lose_acks: RefCell<u32>,
    tamper_next: RefCell<bool>,
    replay: RefCell<Option<m::InboxMessage>>,
    send_twice: bool,
}

impl<'a> Faulty<'a> {
    fn new(inner: &'a HttpTransport) -> Self {
        Self {
            inner,
            duplicate_and_reverse: false,
            lose_acks: RefCell::new(0),
            tamper_next: RefCell::new(false),
            replay: RefCell::new(None),
            send_twice: false,
        }
    }
}

impl MailboxTransport for Faulty<'_> {
    fn put_profile(&self, t: &str, p: &m::TherapistProfile) -> Result<()> {
        self.inner.put_profile(t, p)
    }
    fn search_directory(&self, t: &str, q: &m::DirectoryQuery) -> Result<m::DirectoryPage> {
        self.inner.search_directory(t, q)
    }
    fn request_link(&self, t: &str, r: &m::LinkRequest) -> Result<m::LinkInfo> {
        self.inner.request_link(t, r)
    }
    fn links(&self, t: &str) -> Result<m::LinkList> {
        self.inner.links(t)
    }
    fn accept_link(&self, t: &str, r: &m::LinkAction) -> Result<m::LinkInfo> {
        self.inner.accept_link(t, r)
    }
    fn end_link(&self, t: &str, r: &m::LinkAction) -> Result<m::LinkInfo> {
        self.inner.end_link(t, r)
    }
    fn publish_keys(&self, t: &str, r: &m::DeviceKeysUpload) -> Result<m::KeyCount> {
        self.inner.publish_keys(t, r)
    }
    fn claim_keys(&self, t: &str, r: &m::ClaimRequest) -> Result<m::ClaimResponse> {
        self.inner.claim_keys(t, r)
    }
    fn send(&self, t: &str, r: &m::SendRequest) -> Result<m::SendResponse> {
        if self.send_twice {
            self.inner.send(t, r)?;
        }
        self.inner.send(t, r)
    }
    fn inbox(&self, t: &str, r: &m::InboxRequest) -> Result<m::Inbox> {
        let mut page = self.inner.inbox(t, r)?;
        if self.duplicate_and_reverse {
            let copies = page.messages.clone();
            page.messages.extend(copies);
            page.messages.reverse();
        }
        if self.tamper_next.replace(false) {
            if let Some(first) = page.messages.first_mut() {
                let mut body = base64::engine::general_purpose::STANDARD
                    .decode(&first.body)
                    .unwrap();
                let mid = body.len() / 2;
                body[mid] ^= 0x40;
                first.body = base64::engine::general_purpose::STANDARD.encode(body);
            }
        }
        if let Some(old) = self.replay.borrow_mut().take() {
            page.messages.push(old);
        }
        Ok(page)
    }
    fn ack(&self, t: &str, r: &m::AckRequest) -> Result<()> {
        let mut lose = self.lose_acks.borrow_mut();
        if *lose > 0 {
            *lose -= 1;
            return Err(CoreError::Transport(TransportError::unreachable(
                "connection reset",
            )));
        }
        self.inner.ack(t, r)
    }
}

#[test]
fn duplicated_reordered_tampered_and_replayed_deliveries_show_each_message_once() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());

        // Sends are retried after a lost answer: the server keeps one copy.
        let mut sender = Faulty::new(&t);
        sender.send_twice = true;
        for i in 1..=3 {
            local::send_text(&mut client.first, &therapist.account, &format!("note {i}")).unwrap();
        }
        Messenger::new(&sender)
            .flush_outbox(&Exclusive::new(&mut client.first))
            .unwrap();

        // Every page arrives twice, reversed, and the first acknowledgement is lost.
        let mut receiver = Faulty::new(&t);
        receiver.duplicate_and_reverse = true;
        *receiver.lose_acks.borrow_mut() = 1;
        let first_try = Messenger::new(&receiver).receive(&Exclusive::new(&mut therapist.first));
        assert!(
            first_try.is_err(),
            "the lost ack surfaces as a network error"
        );
        let report = Messenger::new(&receiver)
            .receive(&Exclusive::new(&mut therapist.first))
            .unwrap();
        assert_eq!(
            report.received, 0,
            "{backend:?}: all were taken in before the lost ack"
        );
        assert!(report.duplicates >= 3, "{backend:?}");
        let got: Vec<String> = texts(&therapist.first, &client.account)
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        assert_eq!(
            got,
            vec!["note 1", "note 2", "note 3"],
            "{backend:?}: once each, in order"
        );

        // A tampered message is rejected and nothing is stored; a replay is dropped.
        local::send_text(&mut client.first, &therapist.account, "tamper me").unwrap();
        local::send_text(&mut client.first, &therapist.account, "keep me").unwrap();
        Messenger::new(&t)
            .flush_outbox(&Exclusive::new(&mut client.first))
            .unwrap();
        let plain = Faulty::new(&t);
        let peek = t
            .inbox(
                &therapist.second.sync_account().unwrap().unwrap().1,
                &m::InboxRequest { limit: 10 },
            )
            .unwrap();
        let captured = peek.messages.last().cloned().unwrap();
        *plain.tamper_next.borrow_mut() = true;
        let report = Messenger::new(&plain)
            .receive(&Exclusive::new(&mut therapist.first))
            .unwrap();
        assert_eq!((report.received, report.rejected), (1, 1), "{backend:?}");
        let got = texts(&therapist.first, &client.account);
        assert!(got.iter().all(|(text, _)| text != "tamper me"));
        assert_eq!(got.last().unwrap().0, "keep me");

        // The second device takes its copy in, then the server (or an attacker) replays it,
        // both as the same message and under a new message id.
        let report = Messenger::new(&t)
            .receive(&Exclusive::new(&mut therapist.second))
            .unwrap();
        assert_eq!(report.received, 5, "{backend:?}");
        let replayer = Faulty::new(&t);
        *replayer.replay.borrow_mut() = Some(captured.clone());
        let report = Messenger::new(&replayer)
            .receive(&Exclusive::new(&mut therapist.second))
            .unwrap();
        assert_eq!((report.received, report.duplicates), (0, 1));
        let mut renamed = captured;
        renamed.client_message_id = "replayed-under-a-new-id".into();
        *replayer.replay.borrow_mut() = Some(renamed);
        let report = Messenger::new(&replayer)
            .receive(&Exclusive::new(&mut therapist.second))
            .unwrap();
        assert_eq!((report.received, report.rejected), (0, 1), "{backend:?}");
        assert_eq!(texts(&therapist.second, &client.account).len(), 5);
    }
}

/// More messages in one reversed page than a ratchet keeps skipped keys for (vodozemac keeps
/// 40): taken in newest first, the oldest would no longer open.
#[test]
fn a_long_page_delivered_newest_first_still_opens_every_message() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let sent: Vec<String> = (1..=60).map(|i| format!("line {i}")).collect();
        for text in &sent {
            local::send_text(&mut client.first, &therapist.account, text).unwrap();
        }
        Messenger::new(&t)
            .flush_outbox(&Exclusive::new(&mut client.first))
            .unwrap();
        let mut receiver = Faulty::new(&t);
        receiver.duplicate_and_reverse = true;
        let report = Messenger::new(&receiver)
            .receive(&Exclusive::new(&mut therapist.first))
            .unwrap();
        assert_eq!(
            (report.received, report.rejected, report.held),
            (60, 0, 0),
            "{backend:?}"
        );
        let got: Vec<String> = texts(&therapist.first, &client.account)
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        assert_eq!(got, sent, "{backend:?}: every message once, in order");
    }
}

#[test]
fn an_unlinked_therapist_gets_nothing_and_an_ended_link_wedges_the_outbox() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
        let msg = Messenger::new(&t);
        let mut stranger = person(&server, dir.path(), "dr-nosy");
        msg.publish_profile(&Exclusive::new(&mut stranger.first), &profile("Dr. Nosy"))
            .unwrap();
        msg.sync(&Exclusive::new(&mut stranger.first)).unwrap();

        local::send_text(&mut client.first, &therapist.account, "only for Dr. Lee").unwrap();
        msg.sync(&Exclusive::new(&mut client.first)).unwrap();
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(inbox.received, 1, "{backend:?}");
        let (inbox, _) = msg.sync(&Exclusive::new(&mut stranger.first)).unwrap();
        assert_eq!(inbox.received, 0, "{backend:?}");
        assert!(local::conversations(&stranger.first).unwrap().is_empty());
        let token = stranger.first.sync_account().unwrap().unwrap().1;
        match t.claim_keys(
            &token,
            &m::ClaimRequest {
                account_id: client.account.clone(),
                need_keys_for: None,
            },
        ) {
            Err(CoreError::Transport(TransportError::Rejected { code, .. })) => {
                assert_eq!(code, "not_linked")
            }
            other => panic!("{backend:?}: claim by a stranger: {other:?}"),
        }
        let forged = m::SendRequest {
            recipient_account: client.account.clone(),
            client_message_id: "forged-1".into(),
            sender_key: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            envelopes: vec![],
        };
        assert!(matches!(
            t.send(&token, &forged),
            Err(CoreError::Transport(TransportError::Rejected { .. }))
        ));

        // The therapist ends the link: the client's next messages can no longer be sent;
        // after repeated refusals the message is wedged and shown as such.
        let link = msg.links(&Exclusive::new(&mut therapist.first)).unwrap()[0]
            .link_id
            .clone();
        msg.end_link(&Exclusive::new(&mut therapist.first), &link)
            .unwrap();
        let id = local::send_text(&mut client.first, &therapist.account, "are you there?")
            .unwrap()
            .id;
        let mut last = Default::default();
        for _ in 0..solace_core::messaging::outbox::WEDGE_AFTER {
            for (row, _) in client.first.outbox().unwrap() {
                client
                    .first
                    .outbox_failed(row.seq, row.attempts, 0, row.wedged)
                    .unwrap();
            }
            last = msg
                .flush_outbox(&Exclusive::new(&mut client.first))
                .unwrap();
        }
        assert_eq!(last.wedged, 1, "{backend:?}");
        let status = local::messages(&client.first, &therapist.account)
            .unwrap()
            .into_iter()
            .find(|m| m.id == id)
            .unwrap()
            .status;
        assert_eq!(status, MessageStatus::Wedged);
        assert!(local::retry(&mut client.first, &id).unwrap());
        let (inbox, _) = msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
        assert_eq!(
            inbox.received, 0,
            "{backend:?}: nothing flows after the link ended"
        );
    }
}

fn thought(situation: &str) -> JournalDraft {
    JournalDraft {
        title: Some("Presentation worry".into()),
        body: JournalBody::ThoughtRecord(ThoughtRecord {
            situation: situation.into(),
            automatic_thought: "I will freeze".into(),
            ..Default::default()
        }),
        tags: vec![],
    }
}

#[test]
fn sharing_a_thought_record_updates_and_revokes_and_live_sessions_are_answered() {
    let Some(backend) = backends().into_iter().last() else {
        return;
    };
    let server = TestServer::start(backend, &[]);
    let dir = tempfile::tempdir().unwrap();
    let (mut therapist, mut client, t) = linked_pair(&server, dir.path());
    let msg = Messenger::new(&t);
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00+01:00").unwrap();

    let entry = journal::add(&mut client.first, thought("Team meeting"), now).unwrap();
    local::share(&mut client.first, &therapist.account, &entry.id).unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    let shared = local::shared_with_me(&therapist.first, &client.account).unwrap();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].item_kind, "thought_record");
    assert!(shared[0].content.to_string().contains("Team meeting"));

    // An edit is shared too; after stopping, later edits are not, and the copy is removed.
    journal::edit(&mut client.first, &entry.id, thought("Board meeting"), now).unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    let shared = local::shared_with_me(&therapist.first, &client.account).unwrap();
    assert!(shared[0].content.to_string().contains("Board meeting"));
    assert!(local::unshare(&mut client.first, &entry.id.to_string()).unwrap());
    journal::edit(&mut client.first, &entry.id, thought("Private edit"), now).unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    assert!(local::shared_with_me(&therapist.first, &client.account)
        .unwrap()
        .is_empty());

    // Live sessions: only inside an availability slot, 5-15 minutes, in a format offered.
    let ask = |start: &str, minutes, format| local::CallAsk {
        start: start.into(),
        minutes,
        format,
    };
    for refused in [
        ask("2026-12-01T10:55:00Z", 10, Some(m::SessionFormat::Video)),
        ask("2026-12-01T10:15:00Z", 10, Some(m::SessionFormat::Chat)),
        ask("2026-12-01T10:15:00Z", 10, None),
    ] {
        assert!(matches!(
            msg.request_call(
                &Exclusive::new(&mut client.first),
                &therapist.account,
                refused
            ),
            Err(CoreError::InvalidInput(_))
        ));
    }
    let request = msg
        .request_call(
            &Exclusive::new(&mut client.first),
            &therapist.account,
            ask("2026-12-01T10:15:00Z", 15, Some(m::SessionFormat::Video)),
        )
        .unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    let answered = local::answer_call(&mut therapist.first, &request.id, true).unwrap();
    let MessageContent::Call {
        state: CallState::Accepted { room },
        ..
    } = answered.content
    else {
        panic!("accepted call has a room");
    };
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    let seen = local::messages(&client.first, &therapist.account).unwrap();
    let call = seen.iter().find(|m| m.id == request.id).unwrap();
    assert_eq!(
        call.content,
        MessageContent::Call {
            request_id: request.id.clone(),
            start: "2026-12-01T10:15:00+00:00".into(),
            minutes: 15,
            format: Some(m::SessionFormat::Video),
            state: CallState::Accepted { room },
        }
    );

    // Pause: the other side sees it and no notification is raised while paused.
    local::set_paused(&mut client.first, &therapist.account, true).unwrap();
    msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    assert!(local::conversations(&therapist.first).unwrap()[0].peer_paused);
    local::send_text(&mut therapist.first, &client.account, "No rush.").unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    let (inbox, _) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    assert!(inbox.received >= 1);
    assert_eq!(inbox.notification, None, "paused: no notification");
    local::set_paused(&mut client.first, &therapist.account, false).unwrap();
    local::set_discreet_notifications(&mut client.first, false).unwrap();
    local::send_text(&mut therapist.first, &client.account, "Welcome back.").unwrap();
    msg.sync(&Exclusive::new(&mut therapist.first)).unwrap();
    let (inbox, _) = msg.sync(&Exclusive::new(&mut client.first)).unwrap();
    assert_eq!(
        inbox.notification.as_deref(),
        Some("New message from Dr. Lee")
    );
}
