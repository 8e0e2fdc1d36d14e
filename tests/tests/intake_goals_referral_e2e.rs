//! Intake, treatment goals and referrals end to end, through the real `solace` binary against
//! a real server on SQLite and PostgreSQL: a therapist asks a linked client for an intake
//! form; the client answers (PHQ-9 and GAD-7 included), updates it (an item 9 above 0 still
//! opens the safety screen) and withdraws it, and the therapist's copy follows each step. The
//! therapist proposes a goal; the client accepts it, rates it at the end of a micro-session,
//! and the therapist sees the rating until the client stops sharing. The therapist sends a
//! referral card; the client saves it to the safety plan and acknowledges it, and the
//! therapist sees the acknowledgement; two severe PHQ-9 scores in a row suggest in-person care
//! with the saved referral. Finally a scan of every server table finds none of the texts.

use serde_json::Value;
use solace_tests::device::Device;
use solace_tests::{backends, TestServer};

const CLIENT: &str = "noor-intake-5d2a";
const THERAPIST: &str = "Dr. Ines";

const CONCERNS: &str = "CANARY-intake-concerns-91f3 panic on the train";
const HISTORY: &str = "CANARY-intake-history-2b7c moved cities last spring";
const HISTORY_UPDATED: &str = "CANARY-intake-history-e04d and a new job";
const MEDICATIONS: &str = "CANARY-intake-meds-77aa sertraline";
const GOAL: &str = "CANARY-intake-goal-5c1e ride the train to work";
const GOAL_TEXT: &str = "CANARY-goal-text-4d8e take the train twice a week";
const GOAL_TARGET: &str = "CANARY-goal-target-c3a0 two rides without leaving early";
const SERVICE: &str = "CANARY-referral-service-3f9d Riverside Clinic";
const CONTACT: &str = "CANARY-referral-contact-a81b 555 0100";
const NOTE: &str = "CANARY-referral-note-6e2f weekly groups";

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// A therapist and a client (one device each), linked, with conversations on both sides.
fn linked(url: &str) -> (Device, Device) {
    let therapist = Device::new();
    therapist.init();
    therapist.ok(&[
        "therapist",
        "register",
        "--server",
        url,
        "--username",
        "dr-ines-intake",
        "--name",
        THERAPIST,
        "--specialty",
        "panic",
    ]);
    let client = Device::new();
    client.init();
    client.register(url, CLIENT);
    let found = client.json(&["directory", "search", "--specialty", "panic"]);
    let link = client.json(&["link", "request", field(&found[0], "therapist_id")]);
    therapist.json(&["link", "accept", &field(&link, "link_id")[..8]]);
    client.ok(&["sync"]);
    therapist.ok(&["sync"]);
    (therapist, client)
}

fn intake_flow(therapist: &Device, client: &Device, context: &str) {
    therapist.ok(&[
        "intake",
        "request",
        CLIENT,
        "--note",
        "before our first session",
    ]);
    client.ok(&["sync"]);
    let listed = client.json(&["intake"]);
    assert_eq!(
        listed["requests"][0]["answered"], false,
        "{context}: {listed}"
    );
    client.ok(&[
        "intake",
        "answer",
        THERAPIST,
        "--concerns",
        CONCERNS,
        "--history",
        HISTORY,
        "--medications",
        MEDICATIONS,
        "--goal",
        GOAL,
        "--phq9",
        "1,1,1,1,1,1,1,1,0",
        "--gad7",
        "2,2,2,2,1,1,1",
    ]);
    let form = therapist.json(&["intake", "show", CLIENT]);
    assert_eq!(field(&form, "concerns"), CONCERNS, "{context}: {form}");
    assert_eq!(field(&form, "medications"), MEDICATIONS, "{context}");
    assert_eq!(form["goals"][0], GOAL, "{context}");
    assert_eq!(form["phq9"]["total"], 8, "{context}");
    assert_eq!(form["gad7"]["total"], 11, "{context}");
    assert_eq!(client.json(&["intake"])["requests"][0]["answered"], true);

    // An update with PHQ-9 item 9 above 0: the safety screen first, then the update flows.
    let update = client.run(&[
        "intake",
        "update",
        THERAPIST,
        "--history",
        HISTORY_UPDATED,
        "--phq9",
        "1,1,1,1,1,1,1,1,1",
    ]);
    let shown = format!("{}\n{}", update.stdout, update.stderr).to_lowercase();
    assert_eq!(update.code, Some(0), "{context}: {shown}");
    assert!(
        shown.contains("crisis") && shown.contains("emergenc"),
        "{context}: {shown}"
    );
    let form = therapist.json(&["intake", "show", CLIENT]);
    assert_eq!(
        field(&form, "history"),
        HISTORY_UPDATED,
        "{context}: {form}"
    );
    assert_eq!(field(&form, "concerns"), CONCERNS, "{context}: kept");
    assert_eq!(form["phq9"]["safety_flag"], true, "{context}");

    client.ok(&["intake", "withdraw", THERAPIST]);
    let gone = therapist.json(&["intake", "show", CLIENT]);
    assert!(
        gone.is_null(),
        "{context}: the therapist's copy is dropped: {gone}"
    );
    assert!(client.json(&["intake"])["forms"]
        .as_array()
        .is_some_and(Vec::is_empty));
}

fn goals_flow(therapist: &Device, client: &Device, context: &str) {
    therapist.ok(&[
        "goals",
        "propose",
        CLIENT,
        GOAL_TEXT,
        "--target",
        GOAL_TARGET,
        "--review",
        "2027-01-15",
    ]);
    let listed = client.json(&["goals"]);
    let proposal = &listed["proposals"][0];
    assert_eq!(proposal["accepted"], false, "{context}: {listed}");
    let id = field(proposal, "proposal_id").to_owned();
    let goal = client.json(&["goals", "accept", &id[..8]]);
    assert!(
        !field(&goal, "shared_with").is_empty(),
        "{context}: shared with the proposing therapist: {goal}"
    );
    let shared = therapist.json(&["goals", "show", CLIENT]);
    assert_eq!(
        field(&shared[0]["goal"], "text"),
        GOAL_TEXT,
        "{context}: {shared}"
    );
    assert_eq!(shared[0]["ratings"].as_array().map(Vec::len), Some(0));

    // A micro-session ends with "did this help with your goal?" and the follow-up offers a
    // message to the therapist about it.
    let session = client.run_with(
        &["session", "--goal-rating", "7"],
        Some("5\nstressed\n4\n\n\n3\n2\n"),
        &[("SOLACE_FAST_TIMERS", "1")],
    );
    assert_eq!(session.code, Some(0), "{context}: {}", session.stderr);
    assert!(
        session
            .stdout
            .contains("Message your therapist about this goal"),
        "{context}: {}",
        session.stdout
    );
    client.ok(&["sync"]);
    let shared = therapist.json(&["goals", "show", CLIENT]);
    assert_eq!(shared[0]["ratings"][0]["rating"], 7, "{context}: {shared}");
    let insights = client.json(&["insights"]);
    assert_eq!(insights["goal_progress"][0]["recent_count"], 1, "{context}");

    let goal_id = field(&goal, "id").to_owned();
    client.ok(&["goals", "unshare", &goal_id[..8]]);
    let gone = therapist.json(&["goals", "show", CLIENT]);
    assert_eq!(gone.as_array().map(Vec::len), Some(0), "{context}: {gone}");
}

fn referral_flow(therapist: &Device, client: &Device, context: &str) {
    therapist.ok(&[
        "referral",
        "send",
        CLIENT,
        "--care",
        "in-person",
        "--service",
        SERVICE,
        "--contact",
        CONTACT,
        "--note",
        NOTE,
    ]);
    let listed = client.json(&["referral"]);
    let first = &listed[0];
    assert_eq!(first["acknowledged"], false, "{context}: {listed}");
    assert_eq!(first["card"]["care"], "in_person", "{context}");
    let id = field(first, "referral_id").to_owned();
    let today = client.ok(&["today"]);
    assert!(
        today.starts_with("! 1 referral"),
        "{context}: shown first: {today}"
    );
    let shown = client.ok(&["message", "list", THERAPIST]);
    assert!(
        shown.contains("[!]") && shown.contains(SERVICE),
        "{context}: {shown}"
    );

    client.ok(&["referral", "save", &id[..8]]);
    client.ok(&["referral", "save", &id[..8]]);
    let plan = client.json(&["safety-plan"]);
    let entry = format!("{SERVICE} — {CONTACT}");
    let professionals = plan.to_string();
    assert_eq!(
        professionals.matches(&entry).count(),
        1,
        "{context}: saved once: {plan}"
    );
    client.ok(&["referral", "ack", &id[..8]]);
    assert_eq!(client.json(&["referral"])[0]["acknowledged"], true);
    assert!(!client.ok(&["today"]).contains("referral"), "{context}");
    therapist.ok(&["sync"]);
    let thread = therapist.json(&["message", "list", CLIENT]);
    let card = thread
        .as_array()
        .and_then(|all| all.iter().find(|m| m["content"]["type"] == "referral"))
        .unwrap_or_else(|| panic!("{context}: no referral in {thread}"));
    assert_eq!(card["content"]["acknowledged"], true, "{context}: {card}");

    // Two severe PHQ-9 scores in a row: in-person care is suggested, with the saved referral.
    let severe = ["assess", "phq9", "--answers", "3,3,3,3,3,3,2,2,0"];
    let once = client.ok(&severe);
    assert!(!once.contains("in person"), "{context}: {once}");
    let twice = client.ok(&severe);
    assert!(twice.contains("in person"), "{context}: {twice}");
    assert!(twice.contains(&entry), "{context}: {twice}");
}

#[test]
fn intake_goals_and_referral_flow_end_to_end_and_leave_no_text_on_the_server() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let (therapist, client) = linked(&server.url);
        let context = format!("{backend:?}");
        intake_flow(&therapist, &client, &context);
        goals_flow(&therapist, &client, &context);
        referral_flow(&therapist, &client, &context);
        let canaries = [
            CONCERNS,
            HISTORY,
            HISTORY_UPDATED,
            MEDICATIONS,
            GOAL,
            GOAL_TEXT,
            GOAL_TARGET,
            SERVICE,
            CONTACT,
            NOTE,
        ];
        let needles: Vec<&str> = canaries
            .iter()
            .map(|c| c.split(' ').next().unwrap_or(c))
            .collect();
        let hits = server.db().scan(&needles);
        assert!(
            hits.is_empty(),
            "{backend:?}: plaintext on the server: {hits:?}"
        );
    }
}
