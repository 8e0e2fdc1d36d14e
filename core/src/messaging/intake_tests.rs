//! Intake: answering, updating and withdrawing on the client; the share the therapist gets.

use super::*;
use crate::messaging::local::tests::store as client;
use crate::messaging::payload::Payload;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// The bodies queued since the last call (the outbox is emptied as if sent).
fn sent(store: &mut Store) -> Vec<Body> {
    let mut bodies = Vec::new();
    for (row, bytes) in store.outbox().unwrap() {
        assert_eq!(row.peer_account, "acc-dr", "only the requesting therapist");
        bodies.push(Payload::decode(&bytes).unwrap().body);
        store.outbox_done(row.seq).unwrap();
    }
    bodies
}

fn full() -> IntakeAnswers {
    IntakeAnswers {
        concerns: Some("  Worry keeps me up at night ".into()),
        history: Some("Two years of low mood after a move.".into()),
        medications: None,
        goals: Some(vec!["Sleep through most nights".into(), " ".into()]),
        phq9: Some(vec![1, 1, 1, 1, 1, 1, 1, 1, 0]),
        gad7: Some(vec![2, 2, 2, 2, 1, 1, 1]),
    }
}

fn shared_form(bodies: &[Body]) -> IntakeForm {
    let [Body::Share {
        share_id,
        item_kind,
        content,
        ..
    }] = bodies
    else {
        panic!("one share expected: {bodies:?}");
    };
    assert_eq!(item_kind, ITEM_KIND);
    assert_eq!(share_id, &record_id("acc-dr").to_string());
    serde_json::from_value(content.clone()).unwrap()
}

#[test]
fn an_incomplete_or_invalid_form_stores_nothing() {
    let (_dir, mut store) = client();
    let now = at("2026-11-26T10:00:00+01:00");
    let missing_goals = IntakeAnswers {
        goals: Some(vec!["   ".into()]),
        ..full()
    };
    let bad_phq9 = IntakeAnswers {
        phq9: Some(vec![1, 2]),
        ..full()
    };
    let no_gad7 = IntakeAnswers {
        gad7: None,
        ..full()
    };
    let long = IntakeAnswers {
        history: Some("x".repeat(MAX_ANSWER_CHARS + 1)),
        ..full()
    };
    for answers in [missing_goals, bad_phq9, no_gad7, long] {
        assert!(matches!(
            answer(&mut store, "acc-dr", answers, now),
            Err(CoreError::InvalidInput(_))
        ));
    }
    assert!(matches!(
        answer(&mut store, "acc-nobody", full(), now),
        Err(CoreError::NotFound("conversation"))
    ));
    assert!(form(&store, "acc-dr").unwrap().is_none());
    assert!(
        assessments::all(&store).unwrap().is_empty(),
        "no result stored"
    );
    assert!(sent(&mut store).is_empty());
}

#[test]
fn answering_stores_scores_and_shares_with_that_therapist_only() {
    let (_dir, mut store) = client();
    let now = at("2026-11-26T10:00:00+01:00");
    let done = answer(&mut store, "acc-dr", full(), now).unwrap();
    assert!(done.save_error.is_none() && done.safety().is_none());
    assert_eq!(done.form.concerns, "Worry keeps me up at night");
    assert_eq!(done.form.goals, ["Sleep through most nights"]);
    assert_eq!((done.form.phq9.total, done.form.gad7.total), (8, 11));
    let results = assessments::all(&store).unwrap();
    assert_eq!(results.len(), 2, "both questionnaires kept as results");
    assert_eq!(form(&store, "acc-dr").unwrap().unwrap(), done.form);
    assert_eq!(shared_form(&sent(&mut store)), done.form);

    // The therapist keeps it as one record from that client.
    let (_tdir, mut therapist) = client();
    let item = SharedItem {
        share_id: record_id("acc-dr").to_string(),
        from_account: "acc-sam".into(),
        item_kind: ITEM_KIND.into(),
        title: "Intake form".into(),
        content: serde_json::to_value(&done.form).unwrap(),
        updated_at: 1,
    };
    local::store_shared(&mut therapist, &item).unwrap();
    assert_eq!(of_client(&therapist, "acc-sam").unwrap(), Some(done.form));
    assert_eq!(of_client(&therapist, "acc-other").unwrap(), None);
}

#[test]
fn item9_inside_the_intake_opens_the_safety_flow() {
    let (_dir, mut store) = client();
    let answers = IntakeAnswers {
        phq9: Some(vec![0, 0, 0, 0, 0, 0, 0, 0, 2]),
        ..full()
    };
    let done = answer(&mut store, "acc-dr", answers, at("2026-11-26T10:00:00Z")).unwrap();
    let prompt = done
        .safety()
        .expect("the safety prompt comes with the intake");
    assert!(!prompt.resources.is_empty());
    assert!(done.form.phq9.safety_flag);
}

#[test]
fn an_update_changes_what_is_given_and_withdrawing_drops_the_share() {
    let (_dir, mut store) = client();
    let first = at("2026-11-26T10:00:00Z");
    answer(&mut store, "acc-dr", full(), first).unwrap();
    sent(&mut store);
    let update = IntakeAnswers {
        medications: Some("sertraline 50 mg".into()),
        gad7: Some(vec![1, 1, 1, 1, 0, 0, 0]),
        ..IntakeAnswers::default()
    };
    let later = at("2026-11-27T10:00:00Z");
    let done = answer(&mut store, "acc-dr", update, later).unwrap();
    assert_eq!(done.form.answered_at, first);
    assert_eq!(done.form.updated_at, later);
    assert_eq!(done.form.concerns, "Worry keeps me up at night", "kept");
    assert_eq!(done.form.medications.as_deref(), Some("sertraline 50 mg"));
    assert_eq!((done.form.phq9.total, done.form.gad7.total), (8, 4));
    assert!(done.phq9.is_none(), "the PHQ-9 was not taken again");
    assert_eq!(shared_form(&sent(&mut store)), done.form);
    assert_eq!(
        local::refresh_shares(&mut store).unwrap(),
        0,
        "already sent"
    );

    assert!(withdraw(&mut store, "acc-dr").unwrap());
    assert!(matches!(
        sent(&mut store).as_slice(),
        [Body::Unshare { share_id }] if *share_id == record_id("acc-dr").to_string()
    ));
    assert!(form(&store, "acc-dr").unwrap().is_none());
    local::refresh_shares(&mut store).unwrap();
    assert!(
        sent(&mut store).is_empty(),
        "a withdrawn form is not shared again"
    );
    assert!(!withdraw(&mut store, "acc-dr").unwrap());
}

#[test]
fn a_form_written_on_another_device_is_shared_by_this_one_too() {
    let (_dir, mut store) = client();
    let now = at("2026-11-26T10:00:00Z");
    let done = answer(&mut store, "acc-dr", full(), now).unwrap();
    sent(&mut store);
    // As if the record came by sync to a device that never shared it.
    for (id, _) in local::outgoing_shares(&store).unwrap() {
        store
            .delete_device_state(&format!("share/out/{id}"))
            .unwrap();
    }
    local::refresh_shares(&mut store).unwrap();
    assert_eq!(shared_form(&sent(&mut store)), done.form);
}

#[test]
fn requests_are_listed_for_the_client_with_whether_they_were_answered() {
    let (_dir, mut store) = client();
    let row = crate::store::messages::MessageRow {
        id: "req-1".into(),
        peer_account: "acc-dr".into(),
        at: 5,
        outgoing: false,
        status: "unread".into(),
    };
    let content = MessageContent::IntakeRequest {
        request_id: "req-1".into(),
        note: Some("Before we meet".into()),
    };
    local::store_message(&mut store, &row, &content).unwrap();
    let listed = requests(&store).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].therapist.as_str(), listed[0].answered),
        ("acc-dr", false)
    );
    answer(&mut store, "acc-dr", full(), at("2026-11-26T10:00:00Z")).unwrap();
    assert!(requests(&store).unwrap()[0].answered);
    // The therapist's own request is not one to answer.
    let sent_request = request(&mut store, "acc-dr", Some("please")).unwrap();
    assert!(matches!(
        sent_request.content,
        MessageContent::IntakeRequest { .. }
    ));
    assert_eq!(requests(&store).unwrap().len(), 1);
}
