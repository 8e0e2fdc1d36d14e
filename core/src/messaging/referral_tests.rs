//! Referrals: the therapist's card checked, the client's list, plan entry and acknowledgement.

use super::*;
use crate::messaging::local::tests::store;
use crate::messaging::payload::{CareMode, Payload};
use crate::store::messages::MessageRow;

fn card() -> ReferralCard {
    ReferralCard {
        care: CareMode::InPerson,
        service: " Riverside Clinic ".into(),
        contact: "+1 555 0100".into(),
        note: Some("Weekly groups".into()),
    }
}

/// Stores a referral from `peer` as the inbox would.
fn receive(store: &mut Store, peer: &str, id: &str, at: i64) {
    let row = MessageRow {
        id: id.into(),
        peer_account: peer.into(),
        at,
        outgoing: false,
        status: "unread".into(),
    };
    let content = MessageContent::Referral {
        referral_id: id.into(),
        card: ReferralCard {
            service: format!("Service {id}"),
            ..card()
        },
        acknowledged: false,
    };
    local::store_message(store, &row, &content).unwrap();
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").unwrap()
}

#[test]
fn a_card_is_checked_and_trimmed_before_it_is_sent() {
    let (_dir, mut store) = store();
    let blank = ReferralCard {
        contact: "  ".into(),
        ..card()
    };
    assert!(matches!(
        send(&mut store, "acc-dr", blank),
        Err(CoreError::InvalidInput(_))
    ));
    assert!(send(&mut store, "acc-nobody", card()).is_err());
    let message = send(&mut store, "acc-dr", card()).unwrap();
    let (_, bytes) = store.outbox().unwrap().remove(0);
    let Body::Referral { referral_id, card } = Payload::decode(&bytes).unwrap().body else {
        panic!("a referral body");
    };
    assert_eq!(referral_id, message.id);
    assert_eq!(card.service, "Riverside Clinic");
    assert!(
        list(&store).unwrap().is_empty(),
        "the sender's own card is not listed"
    );
}

#[test]
fn the_client_saves_and_acknowledges_a_referral() {
    let (_dir, mut store) = store();
    receive(&mut store, "acc-dr", "ref-old", 10);
    receive(&mut store, "acc-dr", "ref-new", 20);
    let listed = list(&store).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| r.referral_id.as_str())
            .collect::<Vec<_>>(),
        ["ref-new", "ref-old"]
    );
    assert!(saved(&store).unwrap().is_none());

    assert!(save_to_plan(&mut store, "ref-old", now()).unwrap());
    assert!(
        !save_to_plan(&mut store, "ref-old", now()).unwrap(),
        "idempotent"
    );
    let plan = safety::plan(&store).unwrap();
    assert_eq!(plan.professionals, ["Service ref-old — +1 555 0100"]);
    assert_eq!(saved(&store).unwrap().unwrap().referral_id, "ref-old");

    assert!(acknowledge(&mut store, "ref-new").unwrap());
    assert!(!acknowledge(&mut store, "ref-new").unwrap());
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1, "one acknowledgement");
    assert_eq!(
        Payload::decode(&outbox[0].1).unwrap().body,
        Body::ReferralAck {
            referral_id: "ref-new".into()
        }
    );
    // Unacknowledged first.
    let listed = list(&store).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (r.referral_id.as_str(), r.acknowledged))
            .collect::<Vec<_>>(),
        [("ref-old", false), ("ref-new", true)]
    );
    assert!(matches!(find(&store, "ref-"), Err(CoreError::AmbiguousId)));
    assert!(matches!(
        find(&store, "nope"),
        Err(CoreError::NotFound("referral"))
    ));
}

#[test]
fn an_acknowledgement_applies_only_in_its_conversation_and_direction() {
    let (_dir, mut store) = store();
    local::ensure_conversation(&mut store, "acc-other", "Other", "link-2").unwrap();
    let sent = send(&mut store, "acc-dr", card()).unwrap();
    let wrong_peer = CallSide {
        peer: "acc-other",
        outgoing: true,
    };
    assert!(!apply_ack(&mut store, wrong_peer, &sent.id).unwrap());
    let wrong_direction = CallSide {
        peer: "acc-dr",
        outgoing: false,
    };
    assert!(!apply_ack(&mut store, wrong_direction, &sent.id).unwrap());
    let right = CallSide {
        peer: "acc-dr",
        outgoing: true,
    };
    assert!(apply_ack(&mut store, right, &sent.id).unwrap());
    assert!(!apply_ack(&mut store, right, &sent.id).unwrap(), "once");
    let shown = local::message(&store, &sent.id).unwrap().unwrap();
    assert!(matches!(
        shown.content,
        MessageContent::Referral {
            acknowledged: true,
            ..
        }
    ));
}
