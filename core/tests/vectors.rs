//! Frozen test vectors for every on-disk format: key derivation, key wrap v1, record envelope
//! v1 and the record bodies. These files never change once committed; a new format version
//! adds new vectors beside them. `REGENERATE_VECTORS=1 cargo test -p solace-core --test vectors
//! -- --ignored` prints fresh ones (only for a *new* version).

use solace_core::crypto::envelope;
use solace_core::crypto::envelope_v2;
use solace_core::crypto::kdf::{self, KdfParams};
use solace_core::crypto::wrap;
use solace_core::crypto::SecretKey;
use solace_core::habits::{Habit, HabitAction, HabitEvent, Schedule};
use solace_core::journal::{JournalBody, JournalEntry};
use solace_core::mood::MoodCheckIn;
use solace_core::RecordId;

const ENVELOPE_V1: &str = include_str!("vectors/envelope_v1.json");
const KDF_V1: &str = include_str!("vectors/kdf_v1.json");
const RECORDS_V1: &str = include_str!("vectors/records_v1.json");

fn h(v: &serde_json::Value, field: &str) -> Vec<u8> {
    hex::decode(v[field].as_str().unwrap()).unwrap()
}

fn key(v: &serde_json::Value) -> SecretKey {
    SecretKey::from_slice(&h(v, "key")).unwrap()
}

fn id(v: &serde_json::Value) -> RecordId {
    RecordId::from_slice(&h(v, "record_id")).unwrap()
}

#[test]
fn envelope_v1_vectors_decode_and_reencode() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(ENVELOPE_V1).unwrap();
    assert!(cases.len() >= 3);
    for case in &cases {
        let blob = h(case, "blob");
        let kind = case["kind"].as_str().unwrap();
        let env = envelope::parse(&blob).unwrap();
        assert_eq!(env.version, 1);
        assert_eq!(env.key_id, case["key_id"].as_u64().unwrap() as u32);
        let body = envelope::open(&env, &key(case), &id(case), kind).unwrap();
        assert_eq!(body.as_slice(), h(case, "body").as_slice());
        let nonce: [u8; 24] = h(case, "nonce").try_into().unwrap();
        let again =
            envelope::seal_with_nonce(&key(case), env.key_id, &id(case), kind, &body, nonce)
                .unwrap();
        assert_eq!(again, blob, "sealing is stable for {kind}");
    }
}

#[test]
fn kdf_v1_vector_derives_the_same_keys() {
    let v: serde_json::Value = serde_json::from_str(KDF_V1).unwrap();
    let params: KdfParams = serde_json::from_value(v["params"].clone()).unwrap();
    assert_eq!(params, KdfParams::DEFAULT);
    let salt: [u8; 16] = h(&v, "salt").try_into().unwrap();
    let keys = kdf::derive(v["passphrase"].as_str().unwrap().as_bytes(), &salt, &params).unwrap();
    assert_eq!(
        keys.auth_key.as_bytes().as_slice(),
        h(&v, "auth_key").as_slice()
    );
    assert_eq!(keys.kek.as_bytes().as_slice(), h(&v, "kek").as_slice());
}

#[test]
fn wrap_v1_vector_unwraps() {
    let v: serde_json::Value = serde_json::from_str(KDF_V1).unwrap();
    let kek = SecretKey::from_slice(&h(&v, "kek")).unwrap();
    let account = wrap::unwrap(&kek, &h(&v, "account_key_by_kek"), "account-key/kek").unwrap();
    assert_eq!(
        account.as_bytes().as_slice(),
        h(&v, "account_key").as_slice()
    );
}

#[test]
fn record_bodies_v1_decode() {
    let v: serde_json::Value = serde_json::from_str(RECORDS_V1).unwrap();
    let journal: JournalEntry =
        serde_json::from_value(v["journal_thought_record"].clone()).unwrap();
    match &journal.current.body {
        JournalBody::ThoughtRecord(t) => {
            assert_eq!(t.emotions[0].intensity, 80);
            assert_eq!(t.rerated_emotions[0].intensity, 40);
        }
        other => panic!("unexpected body {other:?}"),
    }
    assert_eq!(journal.revisions.len(), 1);
    let mood: MoodCheckIn = serde_json::from_value(v["mood"].clone()).unwrap();
    assert_eq!(mood.draft.mood, 6);
    assert_eq!(mood.at.offset().local_minus_utc(), 3600);
    let habit: Habit = serde_json::from_value(v["habit"].clone()).unwrap();
    assert_eq!(habit.draft.schedule, Schedule::TimesPerWeek { times: 3 });
    let event: HabitEvent = serde_json::from_value(v["habit_event"].clone()).unwrap();
    assert_eq!(event.action, HabitAction::Skip);
    assert_eq!(event.habit_id, habit.id);
    let note: solace_core::notes::ClientNote =
        serde_json::from_value(v["client_note"].clone()).unwrap();
    assert_eq!(note.client_account, "acct-sam");
    assert!(note.check().is_ok());
    assert_eq!(serde_json::to_value(&note).unwrap(), v["client_note"]);
    let ack: solace_core::messaging::alerts::AlertAck =
        serde_json::from_value(v["alert_ack"].clone()).unwrap();
    assert_eq!(serde_json::to_value(&ack).unwrap(), v["alert_ack"]);
    // The acknowledgement's id is derived from the alert's message id (frozen: every device
    // must find the same record).
    assert_eq!(
        solace_core::messaging::alerts::record_id(&ack.message_id).to_string(),
        "0eaf2e7479031d27fa787c8a99b9f757"
    );
    let form: solace_core::messaging::intake::IntakeForm =
        serde_json::from_value(v["intake"].clone()).unwrap();
    assert_eq!((form.phq9.total, form.gad7.total), (8, 11));
    assert_eq!(form.goals, ["Ride the train to work"]);
    assert_eq!(serde_json::to_value(&form).unwrap(), v["intake"]);
    // One intake record per therapist: its id is derived from the therapist's account
    // (frozen: every device of the client must write the same record).
    assert_eq!(
        solace_core::messaging::intake::record_id(&form.therapist).to_string(),
        "b55681ab9bb2efc75cc9f00bab9c0ad7"
    );
}

#[test]
fn reminder_settings_and_snoozes_v1_decode() {
    use chrono::{NaiveTime, Weekday};
    use solace_core::reminders::{snooze, ReminderSettings};
    use solace_core::safety::Settings;
    let v: serde_json::Value = serde_json::from_str(RECORDS_V1).unwrap();
    // A settings record written before reminders existed reads with the defaults and is
    // written back unchanged.
    let old: Settings = serde_json::from_value(v["settings_before_reminders"].clone()).unwrap();
    assert_eq!(old.reminders, ReminderSettings::default());
    assert_eq!(
        serde_json::to_value(&old).unwrap(),
        v["settings_before_reminders"]
    );
    let s: Settings = serde_json::from_value(v["settings_with_reminders"].clone()).unwrap();
    let r = &s.reminders;
    assert!(r.check_in.enabled && r.check_in.adaptive);
    assert_eq!(r.check_in.time, NaiveTime::from_hms_opt(21, 0, 0).unwrap());
    assert_eq!(r.check_in.weekdays.len(), 5);
    assert_eq!(r.check_in.weekdays[4], Weekday::Fri);
    let quiet = r.quiet_hours.unwrap();
    assert!(quiet.contains(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
    assert_eq!(r.snooze_minutes, 15);
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        v["settings_with_reminders"]
    );
    let bytes = serde_json::to_vec(&v["reminder_snoozes_v1"]).unwrap();
    let snoozes = snooze::decode(&bytes).unwrap();
    assert_eq!(snoozes[0].id, "checkin:-:2026-11-26T21:00");
    assert_eq!(snoozes[0].until.to_rfc3339(), "2026-11-26T20:10:00+00:00");
    let again: serde_json::Value =
        serde_json::from_slice(&snooze::encode(&snoozes).unwrap()).unwrap();
    assert_eq!(again, v["reminder_snoozes_v1"]);
}

/// Prints vectors for a new format version. Not a test of anything: run by hand.
#[test]
#[ignore]
fn regenerate() {
    if std::env::var("REGENERATE_VECTORS").is_err() {
        return;
    }
    let k = SecretKey::from_bytes([0x5a; 32]);
    let mut cases = Vec::new();
    for (i, (kind, body)) in [
        ("journal", br#"{"hello":"world"}"#.to_vec()),
        ("mood", Vec::new()),
        ("habit_event", vec![0xab; 700]),
    ]
    .into_iter()
    .enumerate()
    {
        let rid = RecordId([i as u8 + 1; 16]);
        let nonce = [i as u8 + 0x30; 24];
        let blob = envelope::seal_with_nonce(&k, i as u32 + 1, &rid, kind, &body, nonce).unwrap();
        cases.push(serde_json::json!({
            "kind": kind, "key": hex::encode(k.as_bytes()), "key_id": i + 1,
            "record_id": hex::encode(rid.0), "nonce": hex::encode(nonce),
            "body": hex::encode(&body), "blob": hex::encode(&blob),
        }));
    }
    println!("{}", serde_json::to_string_pretty(&cases).unwrap());
    let salt = [0x24u8; 16];
    let keys = kdf::derive(b"correct horse battery staple", &salt, &KdfParams::DEFAULT).unwrap();
    let account = SecretKey::from_bytes([0x77; 32]);
    let wrapped = wrap::wrap_with_nonce(&keys.kek, &account, "account-key/kek", [0x09; 24]);
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "passphrase": "correct horse battery staple", "salt": hex::encode(salt),
            "params": KdfParams::DEFAULT, "auth_key": hex::encode(keys.auth_key.as_bytes()),
            "kek": hex::encode(keys.kek.as_bytes()), "account_key": hex::encode(account.as_bytes()),
            "account_key_by_kek": hex::encode(wrapped),
        }))
        .unwrap()
    );
    let w = wrap::wrap_with_nonce(
        &SecretKey::from_bytes([0x11; 32]),
        &SecretKey::from_bytes([0x22; 32]),
        "account-key/kek",
        [0x33; 24],
    );
    println!("{}", hex::encode(w));
}

const ENVELOPE_V2: &str = include_str!("vectors/envelope_v2.json");

fn envelope_v2_cases() -> Vec<(&'static str, u64, bool, Vec<u8>)> {
    vec![
        ("journal", 1, false, br#"{"hello":"world"}"#.to_vec()),
        ("mood", 7, true, Vec::new()),
        ("habit_event", u64::MAX - 1, false, vec![0xab; 700]),
    ]
}

#[test]
fn envelope_v2_vectors_decode_and_reencode() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(ENVELOPE_V2).unwrap();
    assert!(cases.len() >= 3);
    for case in &cases {
        let blob = h(case, "blob");
        let kind = case["kind"].as_str().unwrap();
        let env = envelope::parse(&blob).unwrap();
        assert_eq!(env.version, 2);
        let opened = envelope_v2::open(&env, &key(case), &id(case), Some(kind)).unwrap();
        assert_eq!(opened.kind, kind);
        assert_eq!(opened.version, case["version"].as_u64().unwrap());
        assert_eq!(opened.deleted, case["deleted"].as_bool().unwrap());
        assert_eq!(opened.body.as_slice(), h(case, "body").as_slice());
        let nonce: [u8; 24] = h(case, "nonce").try_into().unwrap();
        let input = envelope_v2::SealInput {
            id: &id(case),
            kind,
            version: opened.version,
            deleted: opened.deleted,
            body: &opened.body,
        };
        let again = envelope_v2::seal_with_nonce(&key(case), env.key_id, input, nonce).unwrap();
        assert_eq!(again, blob, "sealing is stable for {kind}");
    }
}

/// Writes `vectors/envelope_v2.json` when it is still empty (a new format version only;
/// committed vectors never change). Run by hand with `REGENERATE_VECTORS=1 … -- --ignored`.
#[test]
#[ignore]
fn regenerate_envelope_v2() {
    if std::env::var("REGENERATE_VECTORS").is_err() {
        return;
    }
    let k = SecretKey::from_bytes([0x5a; 32]);
    let mut cases = Vec::new();
    for (i, (kind, version, deleted, body)) in envelope_v2_cases().into_iter().enumerate() {
        let rid = RecordId([i as u8 + 1; 16]);
        let nonce = [i as u8 + 0x40; 24];
        let input = envelope_v2::SealInput {
            id: &rid,
            kind,
            version,
            deleted,
            body: &body,
        };
        let blob = envelope_v2::seal_with_nonce(&k, i as u32 + 1, input, nonce).unwrap();
        cases.push(serde_json::json!({
            "kind": kind, "key": hex::encode(k.as_bytes()), "key_id": i + 1,
            "record_id": hex::encode(rid.0), "nonce": hex::encode(nonce), "version": version,
            "deleted": deleted, "body": hex::encode(&body), "blob": hex::encode(&blob),
        }));
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/envelope_v2.json"
    );
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current.trim().is_empty() || current.trim() == "[]" {
        std::fs::write(path, serde_json::to_string_pretty(&cases).unwrap()).unwrap();
    }
}
