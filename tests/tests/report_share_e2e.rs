//! The therapist report shared end to end against a real `solace server` (SQLite, and
//! PostgreSQL when configured): a report larger than one message payload goes out as ordered
//! attachment parts, the therapist's device assembles exactly the bytes that were sent, the
//! client sees it delivered, and the server's database never holds the report's text.

use solace_core::crypto::kdf::KdfParams;
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::messaging::payload::MAX_PAYLOAD_BYTES;
use solace_core::messaging::{local, MessageContent, MessageStatus, Messenger};
use solace_core::sync::{self, Exclusive, HttpTransport};
use solace_core::Store;
use solace_protocol::messaging as m;
use solace_tests::{backends, contains, dump_database, TestServer};

const PASS: &str = "velvet harbor pilgrim cactus";

fn registered(server: &TestServer, dir: &std::path::Path, name: &str) -> (Store, String) {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut store, _) = Store::create(&dir.join(name), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut store, &t, &server.url, name, PASS, "phone").unwrap();
    let account = store.sync_account().unwrap().unwrap().0.account_id;
    (store, account)
}

#[test]
fn a_report_larger_than_one_payload_reaches_the_therapist_intact() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let t = HttpTransport::new(&server.url).unwrap();
        let msg = Messenger::new(&t);
        let (mut therapist, therapist_id) = registered(&server, dir.path(), "dr-lee");
        let (mut client, client_id) = registered(&server, dir.path(), "sam");
        let profile = m::TherapistProfile {
            display_name: "Dr. Lee".into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec!["en".into()],
            slots: vec![],
            response_window_hours: None,
            formats: vec![],
            coverage: None,
        };
        msg.publish_profile(&Exclusive::new(&mut therapist), &profile)
            .unwrap();
        let link = msg
            .request_link(&Exclusive::new(&mut client), &therapist_id)
            .unwrap();
        msg.accept_link(&Exclusive::new(&mut therapist), &link.link_id)
            .unwrap();
        msg.sync(&Exclusive::new(&mut therapist)).unwrap();
        msg.sync(&Exclusive::new(&mut client)).unwrap();

        // A long picked entry makes the PDF several payloads long.
        let canary = "CANARY-report-5d2a";
        let text = format!("{canary} ")
            + &"I walked to the river and counted my breaths on the way back. ".repeat(2000);
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T18:00:00+01:00").unwrap();
        let draft = JournalDraft {
            title: Some("For Dr. Lee".into()),
            body: JournalBody::Free { text },
            tags: vec![],
        };
        let entry = journal::add(&mut client, draft, now).unwrap();
        let report = solace_core::report::build(&client, now, 90, &[entry.id]).unwrap();
        let pdf = solace_report_pdf::render(&report);
        assert!(
            pdf.bytes.len() > 2 * MAX_PAYLOAD_BYTES,
            "{} bytes",
            pdf.bytes.len()
        );
        let sent = local::send_attachment(
            &mut client,
            &therapist_id,
            "report.pdf",
            "application/pdf",
            &pdf.bytes,
        )
        .unwrap();
        let (_, outbox) = msg.sync(&Exclusive::new(&mut client)).unwrap();
        assert_eq!((outbox.waiting, outbox.wedged), (0, 0), "{outbox:?}");

        let mut complete = None;
        for _ in 0..5 {
            msg.sync(&Exclusive::new(&mut therapist)).unwrap();
            if let Ok(found) = local::attachment_file(&therapist, &sent.id) {
                complete = Some(found);
                break;
            }
        }
        let (message, bytes) = complete.expect("the therapist assembled the report");
        assert_eq!(
            bytes.as_slice(),
            pdf.bytes.as_slice(),
            "the exact bytes sent"
        );
        assert_eq!(message.peer_account, client_id);
        assert!(matches!(
            message.content,
            MessageContent::Attachment { complete: true, parts, .. } if parts >= 3
        ));
        let shown = local::messages(&therapist, &client_id).unwrap();
        let files: Vec<_> = shown
            .iter()
            .filter(|m| matches!(m.content, MessageContent::Attachment { .. }))
            .collect();
        assert_eq!(files.len(), 1, "one message for the whole report");
        assert!(
            solace_core::app::present::message_text(&files[0].content).starts_with("Report (PDF, ")
        );

        // The therapist's delivered receipt raises the client's one message.
        msg.sync(&Exclusive::new(&mut client)).unwrap();
        let mine = local::messages(&client, &therapist_id).unwrap();
        let status = mine.iter().find(|m| m.id == sent.id).unwrap().status;
        assert_eq!(status, MessageStatus::Delivered);

        assert!(
            !contains(&dump_database(&server), canary),
            "the server never holds the report's text"
        );
    }
}
