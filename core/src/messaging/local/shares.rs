//! Sharing chosen records with a linked peer: what is shareable, the outgoing share state,
//! updates after edits, and items others share with this account. All local: the payloads go
//! out through the outbox like messages.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::super::model::{OutgoingShare, SharedItem};
use super::super::payload::Body;
use super::super::{intake, mood_share};
use super::summary::SharedSummary;
use super::{conversation_meta, new_message_id, queue, SHARED_IN_PREFIX, SHARE_OUT_PREFIX};
use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// What a shareable record looks like on the wire: kind, title and content.
fn shareable(
    store: &Store,
    record: &RecordId,
) -> Result<Option<(String, String, serde_json::Value)>> {
    if let Some(entry) = store.get::<crate::journal::JournalEntry>(RecordKind::Journal, record)? {
        let draft = entry.current;
        let thought = matches!(draft.body, crate::journal::JournalBody::ThoughtRecord(_));
        let kind = if thought { "thought_record" } else { "journal" };
        let title = draft.title.clone().unwrap_or_else(|| {
            if thought {
                "Thought record".into()
            } else {
                "Journal entry".into()
            }
        });
        let content = serde_json::to_value(&draft)
            .map_err(|_| CoreError::MalformedRecord { kind: "journal" })?;
        return Ok(Some((kind.into(), title, content)));
    }
    if let Some(result) =
        store.get::<crate::assessments::AssessmentResult>(RecordKind::Assessment, record)?
    {
        let title = format!(
            "{} score {} ({})",
            result.instrument.name(),
            result.total,
            result.severity.label()
        );
        let content = serde_json::to_value(&result)
            .map_err(|_| CoreError::MalformedRecord { kind: "assessment" })?;
        return Ok(Some(("assessment".into(), title, content)));
    }
    if let Some(form) = store.get::<intake::IntakeForm>(RecordKind::Intake, record)? {
        return intake::shareable(&form).map(Some);
    }
    if let Some(goal) = store.get::<crate::goals::Goal>(RecordKind::Goal, record)? {
        return crate::goals::shareable(store, goal);
    }
    Ok(None)
}

fn digest(content: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Shares one journal entry, thought record, assessment result or intake form with `peer` (their
/// devices get it re-encrypted for them); later edits are sent too until [`unshare`].
pub fn share(store: &mut Store, peer: &str, record: &RecordId) -> Result<String> {
    conversation_meta(store, peer)?;
    let (kind, title, content) =
        shareable(store, record)?.ok_or(CoreError::NotFound("journal entry or assessment"))?;
    let share_id = record.to_string();
    send_share(store, peer, &share_id, kind, title, content)?;
    Ok(share_id)
}

/// Records that `share_id` goes to `peer` and queues its content, in one transaction.
fn send_share(
    store: &mut Store,
    peer: &str,
    share_id: &str,
    item_kind: String,
    title: String,
    content: serde_json::Value,
) -> Result<()> {
    let state = OutgoingShare {
        peer_account: peer.to_owned(),
        item_kind: item_kind.clone(),
        sent_digest: digest(&content),
    };
    let id = new_message_id()?;
    store.atomically(|s| {
        put_share_state(s, share_id, &state)?;
        queue(
            s,
            peer,
            &id,
            Body::Share {
                share_id: share_id.to_owned(),
                item_kind: item_kind.clone(),
                title: title.clone(),
                content: content.clone(),
            },
        )
    })
}

/// Starts the mood-trend share for each therapist the client chose it for and has none yet
/// (stopping is [`refresh_shares`]' job: the share's content is gone once consent is off).
fn start_mood_shares(store: &mut Store, today: NaiveDate) -> Result<()> {
    let settings = crate::safety::settings(store)?;
    let running: Vec<String> = outgoing_shares(store)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for conversation in super::conversations(store)? {
        let peer = &conversation.peer_account;
        let chosen = settings
            .link_consent
            .get(peer)
            .is_some_and(|c| c.share_mood);
        let share_id = mood_share::share_id(peer);
        if chosen && !running.contains(&share_id) {
            let (kind, title, content) = mood_share::shareable(store, today)?;
            send_share(store, peer, &share_id, kind, title, content)?;
        }
    }
    Ok(())
}

/// Starts the share of each intake form and shared goal to its therapist where this device
/// has none running (a record written on another device of the client arrives by sync; a
/// withdrawn form is deleted and an unshared goal names no therapist, so neither is started
/// again and [`refresh_shares`] stops them).
fn start_record_shares(store: &mut Store) -> Result<()> {
    let running: Vec<String> = outgoing_shares(store)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut wanted: Vec<(RecordId, String)> = intake::forms(store)?
        .into_iter()
        .map(|f| (intake::record_id(&f.therapist), f.therapist))
        .collect();
    wanted.extend(
        crate::goals::list(store)?
            .into_iter()
            .filter_map(|g| Some((g.id, g.shared_with?))),
    );
    for (id, peer) in wanted {
        if running.contains(&id.to_string()) || store.conversation(&peer)?.is_none() {
            continue;
        }
        if let Some((kind, title, content)) = shareable(store, &id)? {
            send_share(store, &peer, &id.to_string(), kind, title, content)?;
        }
    }
    Ok(())
}

/// What `share_id` should carry now; `None` when it should stop (the record was deleted,
/// or the client no longer shares their mood with that therapist).
fn current(
    store: &Store,
    share_id: &str,
    today: NaiveDate,
) -> Result<Option<(String, String, serde_json::Value)>> {
    match mood_share::therapist_of(share_id) {
        Some(therapist) => {
            if crate::messaging::consent::get(store, therapist)?.share_mood {
                mood_share::shareable(store, today).map(Some)
            } else {
                Ok(None)
            }
        }
        None => shareable(store, &share_id.parse()?),
    }
}

fn put_share_state(store: &mut Store, share_id: &str, state: &OutgoingShare) -> Result<()> {
    let bytes =
        serde_json::to_vec(state).map_err(|_| CoreError::MalformedRecord { kind: "share" })?;
    store.put_device_state(&format!("{SHARE_OUT_PREFIX}{share_id}"), &bytes)
}

/// Items this device currently shares: `(share id, state)`.
pub fn outgoing_shares(store: &Store) -> Result<Vec<(String, OutgoingShare)>> {
    let mut out = Vec::new();
    for name in store.device_state_names(SHARE_OUT_PREFIX)? {
        let Some(bytes) = store.device_state(&name)? else {
            continue;
        };
        let state: OutgoingShare = serde_json::from_slice(&bytes)
            .map_err(|_| CoreError::MalformedRecord { kind: "share" })?;
        out.push((name[SHARE_OUT_PREFIX.len()..].to_owned(), state));
    }
    Ok(out)
}

/// Stops sharing an item: the therapist's devices are told to drop their copy and no later
/// edits are sent. False if it was not shared.
pub fn unshare(store: &mut Store, share_id: &str) -> Result<bool> {
    let Some((_, state)) = outgoing_shares(store)?
        .into_iter()
        .find(|(id, _)| id == share_id)
    else {
        return Ok(false);
    };
    let id = new_message_id()?;
    store.atomically(|s| {
        s.delete_device_state(&format!("{SHARE_OUT_PREFIX}{share_id}"))?;
        queue(
            s,
            &state.peer_account,
            &id,
            Body::Unshare {
                share_id: share_id.to_owned(),
            },
        )
    })?;
    Ok(true)
}

/// Queues updates for shared items edited since they were last sent, starts and updates the
/// mood trends the client chose to share, and stops shares whose item was deleted or whose
/// consent was withdrawn. Returns how many updates were queued.
pub fn refresh_shares(store: &mut Store) -> Result<u32> {
    refresh_shares_on(store, chrono::Local::now().date_naive())
}

/// [`refresh_shares`] with the client's date given (tests).
pub fn refresh_shares_on(store: &mut Store, today: NaiveDate) -> Result<u32> {
    start_mood_shares(store, today)?;
    start_record_shares(store)?;
    let mut queued = 0;
    for (share_id, state) in outgoing_shares(store)? {
        match current(store, &share_id, today)? {
            None => {
                unshare(store, &share_id)?;
            }
            Some((kind, title, content)) => {
                if digest(&content) != state.sent_digest {
                    send_share(store, &state.peer_account, &share_id, kind, title, content)?;
                    queued += 1;
                }
            }
        }
    }
    Ok(queued)
}

/// Stores (or replaces) an item shared with this account, kept under its sharer (so a share
/// update only ever touches that sharer's items). An update older than the version held is
/// ignored (late deliveries never roll a share back); false when nothing was stored.
pub fn store_shared(store: &mut Store, item: &SharedItem) -> Result<bool> {
    let name = format!("{SHARED_IN_PREFIX}{}/{}", item.from_account, item.share_id);
    // A held copy that does not open is replaced (a storage failure shows on the write).
    if let Ok(Some(bytes)) = store.device_state(&name) {
        let held: Option<SharedItem> = serde_json::from_slice(&bytes).ok();
        if held.is_some_and(|h| h.updated_at > item.updated_at) {
            return Ok(false);
        }
    }
    let bytes =
        serde_json::to_vec(item).map_err(|_| CoreError::MalformedRecord { kind: "share" })?;
    let mut summary = SharedSummary::load(store, &item.from_account)?;
    store.atomically(|s| {
        s.put_device_state(&name, &bytes)?;
        summary.take(item);
        summary.save(s, &item.from_account)
    })?;
    Ok(true)
}

/// Drops an item whose sharer stopped sharing it (and recomputes their summary).
pub(crate) fn drop_shared(store: &mut Store, from: &str, share_id: &str) -> Result<()> {
    store.atomically(|s| {
        s.delete_device_state(&format!("{SHARED_IN_PREFIX}{from}/{share_id}"))?;
        SharedSummary::of(&shared_with_me(s, from)?).save(s, from)
    })
}

/// Items shared with this account by `peer` (latest versions).
pub fn shared_with_me(store: &Store, peer: &str) -> Result<Vec<SharedItem>> {
    let mut items = Vec::new();
    for name in store.device_state_names(&format!("{SHARED_IN_PREFIX}{peer}/"))? {
        // A held copy that does not open is replaced (a storage failure shows on the write).
        if let Ok(Some(bytes)) = store.device_state(&name) {
            items.push(
                serde_json::from_slice(&bytes)
                    .map_err(|_| CoreError::MalformedRecord { kind: "share" })?,
            );
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::consent::{self, LinkConsent};
    use crate::messaging::payload::Payload;
    use crate::mood::{self, MoodDraft};

    fn client() -> (tempfile::TempDir, Store) {
        super::super::tests::store()
    }

    fn check_in(store: &mut Store, at: &str, level: u8) {
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let draft = MoodDraft {
            mood: level,
            note: Some("private words".into()),
            ..MoodDraft::default()
        };
        mood::log(store, draft, at).unwrap();
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

    fn share_mood(store: &mut Store, on: bool) {
        let choice = LinkConsent {
            share_mood: on,
            ..LinkConsent::default()
        };
        consent::set(store, "acc-dr", choice).unwrap();
    }

    #[test]
    fn the_mood_trend_follows_the_clients_choice_and_check_ins() {
        let (_dir, mut store) = client();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        check_in(&mut store, "2026-11-20T08:00:00+01:00", 4);
        check_in(&mut store, "2026-11-20T21:00:00+01:00", 7);
        check_in(&mut store, "2026-11-25T09:30:00+01:00", 6);
        check_in(&mut store, "2026-03-01T09:30:00+01:00", 2); // older than 180 days
        refresh_shares_on(&mut store, today).unwrap();
        assert!(sent(&mut store).is_empty(), "nothing flows without consent");

        share_mood(&mut store, true);
        refresh_shares_on(&mut store, today).unwrap();
        let bodies = sent(&mut store);
        let [Body::Share {
            share_id,
            item_kind,
            content,
            ..
        }] = bodies.as_slice()
        else {
            panic!("one share expected: {bodies:?}");
        };
        assert_eq!(share_id, &mood_share::share_id("acc-dr"));
        assert_eq!(item_kind, mood_share::ITEM_KIND);
        assert!(!content.to_string().contains("private words"), "no notes");
        let item = SharedItem {
            share_id: share_id.clone(),
            from_account: "acc-me".into(),
            item_kind: item_kind.clone(),
            title: "Mood trend".into(),
            content: content.clone(),
            updated_at: 1,
        };
        let trend = mood_share::from_item(&item).unwrap();
        let days: Vec<(String, f64, u32)> = trend
            .days
            .iter()
            .map(|d| (d.date.to_string(), d.average, d.count))
            .collect();
        assert_eq!(
            days,
            [("2026-11-20".into(), 5.5, 2), ("2026-11-25".into(), 6.0, 1)]
        );

        // Unchanged: nothing more. A new check-in: one update.
        assert_eq!(refresh_shares_on(&mut store, today).unwrap(), 0);
        check_in(&mut store, "2026-11-26T07:00:00+01:00", 8);
        assert_eq!(refresh_shares_on(&mut store, today).unwrap(), 1);
        assert!(matches!(sent(&mut store).as_slice(), [Body::Share { .. }]));

        // The client stops sharing: the therapist's copy is withdrawn, and no more updates.
        share_mood(&mut store, false);
        refresh_shares_on(&mut store, today).unwrap();
        assert!(matches!(
            sent(&mut store).as_slice(),
            [Body::Unshare { share_id }] if share_id == &mood_share::share_id("acc-dr")
        ));
        assert!(outgoing_shares(&store).unwrap().is_empty());
        check_in(&mut store, "2026-11-26T20:00:00+01:00", 3);
        refresh_shares_on(&mut store, today).unwrap();
        assert!(sent(&mut store).is_empty());
    }
}
