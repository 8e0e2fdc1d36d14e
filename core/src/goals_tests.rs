//! Goals: proposals accepted into the client's goals, ratings, shares and progress.

use super::*;
use crate::messaging::local::tests::store as client;
use crate::messaging::payload::Payload;
use crate::store::messages::MessageRow;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// The bodies queued since the last call (the outbox is emptied as if sent).
fn sent(store: &mut Store) -> Vec<Body> {
    let mut bodies = Vec::new();
    for (row, bytes) in store.outbox().unwrap() {
        bodies.push(Payload::decode(&bytes).unwrap().body);
        store.outbox_done(row.seq).unwrap();
    }
    bodies
}

/// A proposal from "acc-dr" as the inbox stores it.
fn receive_proposal(store: &mut Store, id: &str) {
    let row = MessageRow {
        id: id.into(),
        peer_account: "acc-dr".into(),
        at: 10,
        outgoing: false,
        status: "unread".into(),
    };
    let content = MessageContent::GoalProposal {
        proposal_id: id.into(),
        text: "Ride the train twice a week".into(),
        target: Some("Two rides a week".into()),
        review_date: Some("2027-01-15".into()),
    };
    local::store_message(store, &row, &content).unwrap();
}

fn shared_goal(bodies: &[Body]) -> SharedGoal {
    let [Body::Share {
        item_kind, content, ..
    }] = bodies
    else {
        panic!("one share expected: {bodies:?}");
    };
    assert_eq!(item_kind, ITEM_KIND);
    serde_json::from_value(content.clone()).unwrap()
}

#[test]
fn an_accepted_proposal_is_shared_with_its_ratings_until_unshared() {
    let (_dir, mut store) = client();
    receive_proposal(&mut store, "prop-1");
    let listed = proposals(&store).unwrap();
    assert_eq!((listed.len(), listed[0].accepted), (1, false));
    let now = at("2026-11-26T10:00:00Z");
    let goal = accept(&mut store, "prop", true, now).unwrap();
    assert_eq!(goal.id, accepted_id("prop-1"));
    assert_eq!(goal.review_date, NaiveDate::from_ymd_opt(2027, 1, 15));
    assert_eq!(goal.shared_with.as_deref(), Some("acc-dr"));
    assert!(proposals(&store).unwrap()[0].accepted);
    assert_eq!(
        accept(&mut store, "prop-1", true, now).unwrap(),
        goal,
        "idempotent"
    );
    assert_eq!(shared_goal(&sent(&mut store)).goal, goal);

    // A rating changes what is shared: the next refresh sends it.
    rate(&mut store, &goal.id, 7, None, now).unwrap();
    assert!(rate(&mut store, &goal.id, 11, None, now).is_err());
    assert!(rate(&mut store, &RecordId([9; 16]), 5, None, now).is_err());
    assert_eq!(local::refresh_shares(&mut store).unwrap(), 1);
    let update = shared_goal(&sent(&mut store));
    assert_eq!(
        update.ratings.iter().map(|r| r.rating).collect::<Vec<_>>(),
        [7]
    );

    set_shared(&mut store, &goal.id, None).unwrap();
    assert!(matches!(
        sent(&mut store).as_slice(),
        [Body::Unshare { .. }]
    ));
    rate(&mut store, &goal.id, 9, None, now).unwrap();
    local::refresh_shares(&mut store).unwrap();
    assert!(sent(&mut store).is_empty(), "nothing flows once unshared");
}

#[test]
fn own_goals_stay_private_and_proposals_need_a_conversation() {
    let (_dir, mut store) = client();
    let now = at("2026-11-26T10:00:00Z");
    let own = add(&mut store, "  Walk daily ", None, None, now).unwrap();
    assert_eq!(own.text, "Walk daily");
    assert!(add(&mut store, " ", None, None, now).is_err());
    assert!(sent(&mut store).is_empty(), "an own goal is not shared");
    assert_eq!(list(&store).unwrap(), [own]);
    assert!(matches!(
        accept(&mut store, "nope", true, now),
        Err(CoreError::NotFound(_))
    ));
    assert!(propose(&mut store, "acc-nobody", "x", None, None).is_err());
    let proposed = propose(&mut store, "acc-dr", "Sleep by 11", Some(" "), None).unwrap();
    assert!(matches!(
        proposed.content,
        MessageContent::GoalProposal { target: None, .. }
    ));
    assert!(
        proposals(&store).unwrap().is_empty(),
        "own proposals are not listed"
    );
}

#[test]
fn progress_compares_the_last_four_weeks_with_the_four_before() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let goal = Goal {
        id: RecordId([1; 16]),
        text: "Ride the train".into(),
        target: None,
        review_date: None,
        proposed_by: None,
        shared_with: None,
        created_at: at("2026-09-01T10:00:00Z"),
    };
    let rating = |day: &str, rating: u8| GoalRating {
        id: RecordId::generate().unwrap(),
        goal_id: goal.id,
        rating,
        session_id: None,
        at: at(&format!("{day}T12:00:00Z")),
    };
    let ratings = [
        rating("2026-09-01", 1), // older than eight weeks
        rating("2026-10-01", 9), // one day before the earlier window
        rating("2026-10-02", 2), // its first day
        rating("2026-10-29", 4), // the last day of the earlier window
        rating("2026-10-30", 6), // the first day of the recent window
        rating("2026-11-26", 8),
    ];
    let [p] = progress(std::slice::from_ref(&goal), &ratings, today)
        .try_into()
        .unwrap();
    assert_eq!(p.recent_mean, Some(7.0));
    assert_eq!(p.previous_mean, Some(3.0));
    assert_eq!(p.recent_count, 2);
    let [empty] = progress(std::slice::from_ref(&goal), &[], today)
        .try_into()
        .unwrap();
    assert_eq!((empty.recent_mean, empty.recent_count), (None, 0));
}
