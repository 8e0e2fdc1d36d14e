//! Frozen payload v1 vectors for the intake, referral and goal bodies: every build must keep
//! reading exactly these, and writing them the same way.

use super::*;

const INTAKE_REQUEST_V1: &str = r#"{"v":1,"id":"m-0003","from":"acc-therapist","to":"acc-client","sent_at":1795000000000,"body":{"type":"intake_request","request_id":"m-0003","note":"Before our first session, please fill this in."}}"#;

const REFERRAL_V1: &str = r#"{"v":1,"id":"m-0004","from":"acc-therapist","to":"acc-client","sent_at":1795000000000,"body":{"type":"referral","referral_id":"m-0004","card":{"care":"in_person","service":"Riverside Community Mental Health","contact":"+1 555 0100, 12 River St","note":"They offer weekly in-person sessions."}}}"#;

const REFERRAL_ACK_V1: &str = r#"{"v":1,"id":"m-0005","from":"acc-client","to":"acc-therapist","sent_at":1795000000001,"body":{"type":"referral_ack","referral_id":"m-0004"}}"#;

fn round_trip(frozen: &str) -> Body {
    let payload = Payload::decode(frozen.as_bytes()).unwrap();
    assert_eq!(serde_json::to_string(&payload).unwrap(), frozen);
    let padded = payload.encode().unwrap();
    assert_eq!(padded.len() % 256, 0);
    assert_eq!(Payload::decode(&padded).unwrap(), payload);
    payload.body
}

#[test]
fn intake_request_v1_is_frozen() {
    let body = round_trip(INTAKE_REQUEST_V1);
    assert_eq!(
        body,
        Body::IntakeRequest {
            request_id: "m-0003".into(),
            note: Some("Before our first session, please fill this in.".into()),
        }
    );
    assert!(body.is_visible());
    let no_note = INTAKE_REQUEST_V1.replace(
        r#""note":"Before our first session, please fill this in.""#,
        r#""note":null"#,
    );
    assert!(Payload::decode(no_note.as_bytes()).is_ok());
    let long_note = INTAKE_REQUEST_V1.replace(
        "Before our first session, please fill this in.",
        &"x".repeat(MAX_NOTE_CHARS + 1),
    );
    assert!(Payload::decode(long_note.as_bytes()).is_err());
    let bad_id = INTAKE_REQUEST_V1.replace(r#""request_id":"m-0003""#, r#""request_id":"a b""#);
    assert!(Payload::decode(bad_id.as_bytes()).is_err());
}

#[test]
fn referral_and_its_acknowledgement_v1_are_frozen() {
    let Body::Referral { referral_id, card } = round_trip(REFERRAL_V1) else {
        panic!("a referral");
    };
    assert_eq!(referral_id, "m-0004");
    assert_eq!(card.care, CareMode::InPerson);
    assert_eq!(card.service, "Riverside Community Mental Health");
    let hybrid = REFERRAL_V1.replace("in_person", "hybrid");
    assert!(matches!(
        Payload::decode(hybrid.as_bytes()).unwrap().body,
        Body::Referral {
            card: ReferralCard {
                care: CareMode::Hybrid,
                ..
            },
            ..
        }
    ));
    for bad in [
        REFERRAL_V1.replace("in_person", "online"),
        REFERRAL_V1.replace("Riverside Community Mental Health", "  "),
        REFERRAL_V1.replace("+1 555 0100, 12 River St", &"9".repeat(301)),
    ] {
        assert!(Payload::decode(bad.as_bytes()).is_err(), "{bad}");
    }
    let ack = round_trip(REFERRAL_ACK_V1);
    assert_eq!(
        ack,
        Body::ReferralAck {
            referral_id: "m-0004".into()
        }
    );
    assert!(
        !ack.is_visible(),
        "an acknowledgement is not a message of its own"
    );
}

const GOAL_PROPOSAL_V1: &str = r#"{"v":1,"id":"m-0006","from":"acc-therapist","to":"acc-client","sent_at":1795000000000,"body":{"type":"goal_proposal","proposal_id":"m-0006","text":"Take the train to work twice a week","target":"Two rides a week without leaving early","review_date":"2027-01-15"}}"#;

#[test]
fn goal_proposal_v1_is_frozen() {
    let body = round_trip(GOAL_PROPOSAL_V1);
    assert!(matches!(
        &body,
        Body::GoalProposal { review_date: Some(d), .. } if d == "2027-01-15"
    ));
    assert!(body.is_visible());
    for bad in [
        GOAL_PROPOSAL_V1.replace("2027-01-15", "next month"),
        GOAL_PROPOSAL_V1.replace("Take the train to work twice a week", " "),
        GOAL_PROPOSAL_V1.replace("Two rides a week without leaving early", &"x".repeat(301)),
    ] {
        assert!(Payload::decode(bad.as_bytes()).is_err(), "{bad}");
    }
}
