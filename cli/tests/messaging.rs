//! Messaging through the terminal client against a real server: a therapist registers and
//! publishes a profile, a client finds them, links, and they exchange a message; pause and
//! sharing are visible on the other side.

mod common;

use common::{ok, solace, ServerProcess};
use serde_json::Value;

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

#[test]
fn therapist_and_client_link_and_exchange_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let (therapist, client) = (tmp.path().join("t"), tmp.path().join("c"));
    ok(&therapist, &["init"]);
    ok(&client, &["init"]);
    ok(
        &therapist,
        &[
            "therapist",
            "register",
            "--server",
            &server.url,
            "--username",
            "dr-lee",
            "--name",
            "Dr. Lee",
            "--specialty",
            "anxiety",
            "--approach",
            "cbt",
            "--language",
            "en",
            "--slot",
            "2026-12-01T10:00:00Z/60",
            "--format",
            "video=€80 / 50 min",
            "--format",
            "chat",
            "--coverage",
            "Sliding scale",
        ],
    );
    ok(
        &client,
        &["register", "--server", &server.url, "--username", "sam"],
    );

    let found = ok(&client, &["directory", "search", "--specialty", "ANXIETY"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let none = ok(&client, &["directory", "search", "--language", "fr"]);
    assert_eq!(none.as_array().unwrap().len(), 0);
    let offers = &found[0]["profile"]["formats"];
    assert_eq!(offers[0]["price"], "€80 / 50 min", "{found}");
    assert_eq!(found[0]["profile"]["coverage"], "Sliding scale");
    let by_chat = ok(&client, &["directory", "search", "--format", "chat"]);
    assert_eq!(by_chat.as_array().unwrap().len(), 1);
    let by_phone = ok(&client, &["directory", "search", "--format", "phone"]);
    assert_eq!(by_phone.as_array().unwrap().len(), 0, "no phone sessions");
    let therapist_id = field(&found[0], "therapist_id").to_owned();
    let link = ok(&client, &["link", "request", &therapist_id]);
    assert_eq!(field(&link, "state"), "pending");
    let refused = solace(&client, &["message", "send", "Dr. Lee", "too early"]);
    assert!(!refused.status.success(), "no conversation before consent");
    let accepted = ok(
        &therapist,
        &["link", "accept", &field(&link, "link_id")[..6]],
    );
    assert_eq!(field(&accepted, "state"), "active");

    ok(&client, &["sync"]);
    let sent = ok(
        &client,
        &[
            "message", "send", "dr. lee", "hello", "from", "the", "terminal",
        ],
    );
    assert_eq!(field(&sent, "status"), "sent", "{sent}");
    ok(&therapist, &["sync"]);
    let conversations = ok(&therapist, &["message", "list"]);
    assert_eq!(conversations[0]["unread"], 1, "{conversations}");
    assert_eq!(field(&conversations[0], "peer_name"), "sam");
    let read = ok(&therapist, &["message", "read", "sam"]);
    assert_eq!(
        field(&read[0]["content"], "text"),
        "hello from the terminal"
    );
    assert_eq!(ok(&therapist, &["message", "list"])[0]["unread"], 0);

    ok(&client, &["sync"]);
    let thread = ok(&client, &["message", "list", "Dr. Lee"]);
    assert_eq!(field(&thread[0], "status"), "read", "{thread}");

    // Both see the same safety number; verified is given, withdrawn and given again.
    let theirs = ok(&therapist, &["verify", "sam"]);
    let mine = ok(&client, &["verify", "Dr. Lee"]);
    assert_eq!(
        mine["safety_number"], theirs["safety_number"],
        "{mine} {theirs}"
    );
    assert_eq!(field(&mine["safety_number"], "digits").len(), 71, "{mine}");
    assert_eq!(mine["verified"], false);
    assert_eq!(mine["changed"], false);
    assert_eq!(mine["devices"].as_array().unwrap().len(), 1, "{mine}");
    let verified = ok(&client, &["verify", "Dr. Lee", "--mark-verified"]);
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(ok(&client, &["verify", "Dr. Lee"])["verified"], true);
    assert_eq!(
        ok(&client, &["verify", "Dr. Lee", "--unverify"])["verified"],
        false
    );
    let nothing_changed = solace(&client, &["verify", "Dr. Lee", "--accept-change"]);
    assert!(!nothing_changed.status.success(), "no change to accept");
    assert_eq!(
        ok(&client, &["verify", "Dr. Lee", "--mark-verified"])["verified"],
        true
    );

    let unnamed = solace(
        &client,
        &["call", "request", "Dr. Lee", "2026-12-01T10:15:00Z", "10"],
    );
    assert!(
        !unnamed.status.success(),
        "a therapist who lists formats needs one named"
    );
    let call = ok(
        &client,
        &[
            "call",
            "request",
            "Dr. Lee",
            "2026-12-01T10:15:00Z",
            "10",
            "--format",
            "video",
        ],
    );
    assert_eq!(call["content"]["state"]["state"], "requested", "{call}");
    assert_eq!(call["content"]["format"], "video", "{call}");
    ok(&therapist, &["sync"]);
    let answered = ok(
        &therapist,
        &["call", "answer", &field(&call, "id")[..8], "accept"],
    );
    assert_eq!(
        answered["content"]["state"]["state"], "accepted",
        "{answered}"
    );
    ok(&client, &["sync"]);
    let thread = ok(&client, &["message", "list", "Dr. Lee"]);
    assert!(thread.to_string().contains("accepted"), "{thread}");

    ok(&client, &["conversation", "pause", "Dr. Lee"]);
    ok(&therapist, &["sync"]);
    assert_eq!(ok(&therapist, &["message", "list"])[0]["peer_paused"], true);

    ok(&client, &["journal", "add", "a private entry to share"]);
    let entries = ok(&client, &["journal", "list"]);
    let entry_id = field(&entries[0], "id").to_owned();
    ok(&client, &["share", "item", "Dr. Lee", &entry_id[..8]]);
    ok(&therapist, &["sync"]);
    let shared = ok(&therapist, &["share", "list"]);
    assert!(
        shared["shared_with_me"]
            .to_string()
            .contains("a private entry to share"),
        "{shared}"
    );
}
