//! Verified, unlinkable reviews end to end, through the real `solace` binary against a real
//! server on SQLite and PostgreSQL: a therapist opts in; a client links, and its sync fetches
//! a blind-signed token; a review is refused while the link is active; after the link ended
//! the review goes over a fresh, token-free connection; the batch task publishes it; the
//! directory shows the average and count, `solace reviews` the text and the therapist's
//! reply. The review tables hold nothing of the client's account, devices or name, and the
//! server's log lines of the submission carry none of them. A second client whose server
//! swapped the period's published key (what signing one client with a key of its own looks
//! like from that client) refuses to send.

use serde_json::Value;
use solace_tests::device::Device;
use solace_tests::hostile::ServerDb;
use solace_tests::{backends, contains, TestServer};

const THERAPIST: &str = "Dr. Rivera";

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// A registered client linked with the therapist (accepted), synced once so its token is
/// fetched; returns the device and the link id.
fn linked_client(url: &str, username: &str, therapist: &Device) -> (Device, String) {
    let client = Device::new();
    client.init();
    client.register(url, username);
    let found = client.json(&["directory", "search", "--specialty", "anxiety"]);
    let therapist_id = field(&found[0], "therapist_id").to_owned();
    let link = client.json(&["link", "request", &therapist_id]);
    let link_id = field(&link, "link_id").to_owned();
    therapist.json(&["link", "accept", &link_id]);
    client.ok(&["sync"]);
    (client, link_id)
}

fn issued(db: &ServerDb, link_id: &str) -> usize {
    db.query(&format!(
        "SELECT period FROM review_issuance WHERE link_id = '{link_id}'"
    ))
    .len()
}

/// Replaces the published key of every period by a copy with one modulus byte changed.
fn swap_published_key(db: &ServerDb) {
    let hex_of = match db {
        ServerDb::Sqlite(_) => "hex(public_spki)",
        ServerDb::Postgres(_) => "encode(public_spki, 'hex')",
    };
    for row in db.query(&format!("SELECT period, {hex_of} FROM review_keys")) {
        let mut spki = hex::decode(&row[1]).unwrap();
        let at = spki.len() / 2;
        spki[at] ^= 0x55;
        db.exec(&format!(
            "UPDATE review_keys SET public_spki = {} WHERE period = {}",
            db.blob(&spki),
            row[0]
        ));
    }
}

#[test]
fn a_former_client_reviews_anonymously_and_the_directory_shows_it() {
    for backend in backends() {
        let server = TestServer::start(
            backend,
            &[
                ("SOLACE_SERVER_REVIEW_MIN_LINK_AGE_SECS", "0"),
                ("SOLACE_SERVER_REVIEW_BATCH_SECS", "1"),
                ("SOLACE_SERVER_REVIEW_BATCH_MIN", "1"),
            ],
        );
        let url = server.url.as_str();
        let db = server.db();
        let therapist = Device::new();
        therapist.init();
        therapist.ok(&[
            "therapist",
            "register",
            "--server",
            url,
            "--username",
            "dr-rivera-rv",
            "--name",
            THERAPIST,
            "--specialty",
            "anxiety",
        ]);
        therapist.ok(&["therapist", "reviews", "on"]);

        let username = "sam-reviews-8c1d";
        let (client, link_id) = linked_client(url, username, &therapist);
        assert_eq!(
            issued(&db, &link_id),
            1,
            "{backend:?}: the sync fetched a token"
        );

        // No review while the link is active.
        let early = client.run(&["review", THERAPIST, "--rating", "5", "Helped me a lot."]);
        assert_ne!(early.code, Some(0), "{}", early.stdout);
        assert!(
            early.stderr.contains("reviews open after the link ends"),
            "{}",
            early.stderr
        );

        // After the link ended: sent without the account, published with the next batch.
        client.ok(&["link", "end", &link_id]);
        let log_before = server.logs().len();
        client.ok(&["review", THERAPIST, "--rating", "5", "Helped me a lot."]);
        let submission_log = server.logs()[log_before..].to_vec();
        let again = client.run(&["review", THERAPIST, "--rating", "4", "Twice?"]);
        assert_ne!(
            again.code,
            Some(0),
            "one review per token: {}",
            again.stdout
        );

        let mut list = Value::Null;
        for _ in 0..100 {
            list = client.json(&["reviews", THERAPIST]);
            if list["reviews"].as_array().is_some_and(|r| !r.is_empty()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let reviews = list["reviews"].as_array().cloned().unwrap_or_default();
        assert_eq!(reviews.len(), 1, "{backend:?}: {list}");
        assert_eq!(field(&reviews[0], "text"), "Helped me a lot.");
        assert_eq!(reviews[0]["rating"], 5);
        let directory = client.ok(&["directory", "search"]);
        assert!(directory.contains("★ 5.0 (1 review)"), "{directory}");

        let review_id = field(&reviews[0], "review_id").to_owned();
        therapist.ok(&[
            "therapist",
            "reply",
            &review_id,
            "Thank you for the kind words.",
        ]);
        let shown = client.ok(&["reviews", THERAPIST]);
        assert!(shown.contains("Helped me a lot."), "{shown}");
        assert!(
            shown.contains("reply: Thank you for the kind words."),
            "{shown}"
        );

        // Nothing of the client in the review tables, nor in the submission's log lines.
        let account_id = db.account_id(username);
        let mut needles = vec![
            account_id.clone(),
            account_id[..8].to_owned(),
            username.to_owned(),
        ];
        needles.extend(
            db.query(&format!(
                "SELECT id FROM devices WHERE account_id = '{account_id}'"
            ))
            .into_iter()
            .flatten(),
        );
        let needle_refs: Vec<&str> = needles.iter().map(String::as_str).collect();
        let in_reviews: Vec<_> = db
            .scan(&needle_refs)
            .into_iter()
            .filter(|h| h.table.starts_with("review"))
            .collect();
        assert!(in_reviews.is_empty(), "{backend:?}: {in_reviews:?}");
        assert!(
            db.scan(&["Helped me a lot."])
                .iter()
                .any(|h| h.table == "reviews"),
            "the scan sees the review itself"
        );
        assert!(
            contains(&submission_log, "/v1/reviews"),
            "the submission was logged"
        );
        for needle in &needles {
            assert!(
                !contains(&submission_log, needle),
                "{backend:?}: the submission's log carries {needle}"
            );
        }

        // A server that shows a client a key other than the published one is refused.
        let (second, second_link) = linked_client(url, "alex-reviews-2f9a", &therapist);
        assert_eq!(issued(&db, &second_link), 1);
        second.ok(&["link", "end", &second_link]);
        swap_published_key(&db);
        let refused = second.run(&["review", THERAPIST, "--rating", "1", "Never sent."]);
        assert_ne!(refused.code, Some(0), "{}", refused.stdout);
        assert!(refused.stderr.contains("differs"), "{}", refused.stderr);
        assert!(db.scan(&["Never sent."]).is_empty(), "{backend:?}");
    }
}
