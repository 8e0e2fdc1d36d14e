//! Account deletion end to end, through the real `solace` binary against a real server on
//! SQLite and PostgreSQL: a client with two devices, linked to a therapist, deletes the
//! account with `solace account delete`. Refusals first (no confirmation, a wrong name, a
//! wrong passphrase) delete nothing. Afterwards the client's store is local-only with its data
//! intact, its other device is signed out, logging in fails cleanly; the therapist's next
//! sync shows the link ended and keeps the whole conversation (the client's last message,
//! still in the therapist's mailbox at the deletion, included); and a scan of every table
//! finds nothing of the client's account.

use serde_json::Value;
use solace_tests::device::Device;
use solace_tests::{backends, TestServer};

const CLIENT: &str = "kim-leaving-4e7b";

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// The texts of a `message read` answer, oldest first.
fn texts(thread: &Value) -> Vec<String> {
    thread
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| m["content"]["text"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_client_deletes_their_account_and_the_therapist_keeps_the_conversation() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let url = server.url.as_str();
        let therapist = Device::new();
        therapist.init();
        therapist.ok(&[
            "therapist",
            "register",
            "--server",
            url,
            "--username",
            "dr-ruth-stays",
            "--name",
            "Dr. Ruth",
            "--specialty",
            "anxiety",
            "--language",
            "en",
        ]);
        let client = Device::new();
        client.init();
        client.seed();
        client.register(url, CLIENT);
        let laptop = Device::new();
        let login = laptop.login(url, CLIENT);
        assert_eq!(login.code, Some(0), "{backend:?}: {}", login.stderr);
        let journal_before = client.json(&["journal", "list"]);

        let found = client.json(&["directory", "search", "--specialty", "anxiety"]);
        let therapist_id = field(&found[0], "therapist_id").to_owned();
        let link = client.json(&["link", "request", &therapist_id]);
        let link_id = field(&link, "link_id").to_owned();
        therapist.json(&["link", "accept", &link_id[..8]]);
        client.ok(&["sync"]);
        client.ok(&["message", "send", "Dr. Ruth", "thank you for the sessions"]);
        therapist.ok(&["sync"]);
        therapist.ok(&["message", "send", CLIENT, "take good care"]);
        client.ok(&["sync"]);
        // The last words wait in the therapist's mailbox while the account goes; the
        // therapist's answer to them waits in the client's mailboxes (and goes with them).
        client.ok(&["message", "send", "Dr. Ruth", "one last note before I go"]);
        therapist.ok(&["message", "send", CLIENT, "never read"]);
        let client_id = server.db().account_id(CLIENT);
        let mut needles = vec![client_id.clone(), CLIENT.to_owned()];
        for device in [&client, &laptop] {
            let account = device.status();
            assert_eq!(account["sync"]["username"], CLIENT);
        }
        let ids = server.db().query(&format!(
            "SELECT id FROM devices WHERE account_id = '{client_id}'"
        ));
        assert_eq!(ids.len(), 2, "{backend:?}");
        needles.extend(ids.into_iter().flatten());
        let needle_refs: Vec<&str> = needles.iter().map(String::as_str).collect();
        assert!(
            server.db().scan(&needle_refs).len() >= 10,
            "{backend:?}: the setup stored the client in most tables"
        );

        // Refusals: no confirmation at all, the wrong name, the wrong passphrase.
        let unconfirmed = client.run(&["account", "delete"]);
        assert_eq!(unconfirmed.code, Some(1), "{}", unconfirmed.stderr);
        assert!(
            unconfirmed.stderr.contains("--yes"),
            "{}",
            unconfirmed.stderr
        );
        let wrong_name = client.run_with(&["account", "delete"], Some("kim\n"), &[]);
        assert_eq!(wrong_name.code, Some(1), "{}", wrong_name.stderr);
        assert!(
            wrong_name.stderr.contains("nothing was deleted"),
            "{}",
            wrong_name.stderr
        );
        let wrong_pass = client.run_with(
            &["account", "delete", "--yes"],
            None,
            &[("SOLACE_PASSPHRASE", "not the passphrase of this account")],
        );
        assert_eq!(wrong_pass.code, Some(3), "{}", wrong_pass.stderr);
        assert_eq!(server.db().account_id(CLIENT), client_id, "{backend:?}");

        // The typed name and the passphrase delete it.
        let deleted = client.run_with(&["account", "delete"], Some(&format!("{CLIENT}\n")), &[]);
        assert_eq!(deleted.code, Some(0), "{backend:?}: {}", deleted.stderr);
        assert!(
            deleted.stdout.contains("Deleted the account"),
            "{}",
            deleted.stdout
        );
        assert!(deleted.stdout.contains("local-only"), "{}", deleted.stdout);

        // The client's store stays, as a local-only store.
        let status = client.status();
        assert!(status["sync"]["username"].is_null(), "{status}");
        assert_eq!(client.json(&["journal", "list"]), journal_before);
        let thread = client.json(&["message", "read", "Dr. Ruth"]);
        assert!(
            texts(&thread).contains(&"take good care".to_owned()),
            "{thread}"
        );
        let sync = client.run(&["sync"]);
        assert_eq!(sync.code, Some(1), "{}", sync.stderr);
        assert!(sync.stderr.contains("register"), "{}", sync.stderr);
        // The other device is signed out, and the name no longer logs in.
        let other = laptop.run(&["sync"]);
        assert_eq!(other.code, Some(7), "{}", other.stderr);
        let again = Device::new().login(url, CLIENT);
        assert_ne!(again.code, Some(0), "{}", again.stdout);
        assert!(again.stderr.starts_with("error:"), "{}", again.stderr);
        assert!(!again.stderr.contains("panicked"), "{}", again.stderr);

        // The therapist sees the link ended and keeps the conversation, last note included.
        therapist.ok(&["sync"]);
        let links = therapist.json(&["link", "list"]);
        let ended = links
            .as_array()
            .and_then(|l| l.iter().find(|l| field(l, "link_id") == link_id))
            .unwrap_or_else(|| panic!("{backend:?}: the link is gone: {links}"));
        assert_eq!(field(ended, "state"), "ended", "{links}");
        assert_eq!(
            field(ended, "client_name"),
            CLIENT,
            "named from the conversation"
        );
        let conversations = therapist.json(&["message", "list"]);
        assert!(
            conversations.to_string().contains(CLIENT),
            "{conversations}"
        );
        let kept = texts(&therapist.json(&["message", "read", CLIENT]));
        for text in [
            "thank you for the sessions",
            "take good care",
            "one last note before I go",
        ] {
            assert!(kept.contains(&text.to_owned()), "{backend:?}: {kept:?}");
        }
        // Writing to the deleted account goes nowhere, and the therapist's syncs still work.
        let send = therapist.run(&["message", "send", CLIENT, "are you there?"]);
        assert!(!send.stderr.contains("panicked"), "{}", send.stderr);
        let after = therapist.run(&["sync"]);
        assert_eq!(after.code, Some(0), "{backend:?}: {}", after.stderr);

        // Nothing of the client is left in any table.
        let left = server.db().scan(&needle_refs);
        assert!(left.is_empty(), "{backend:?}: still stored: {left:?}");
        assert_eq!(
            server
                .db()
                .query("SELECT count(*) FROM accounts WHERE username = 'dr-ruth-stays'"),
            vec![vec!["1".to_owned()]]
        );
    }
}
