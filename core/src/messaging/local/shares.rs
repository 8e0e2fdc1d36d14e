//! Sharing chosen records with a linked peer: what is shareable, the outgoing share state,
//! updates after edits, and items others share with this account. All local: the payloads go
//! out through the outbox like messages.

use sha2::{Digest, Sha256};

use super::super::model::{OutgoingShare, SharedItem};
use super::super::payload::Body;
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
    Ok(None)
}

fn digest(content: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Shares one journal entry, thought record or assessment result with `peer` (their
/// devices get it re-encrypted for them); later edits are sent too until [`unshare`].
pub fn share(store: &mut Store, peer: &str, record: &RecordId) -> Result<String> {
    conversation_meta(store, peer)?;
    let (kind, title, content) =
        shareable(store, record)?.ok_or(CoreError::NotFound("journal entry or assessment"))?;
    let share_id = record.to_string();
    let state = OutgoingShare {
        peer_account: peer.to_owned(),
        item_kind: kind.clone(),
        sent_digest: digest(&content),
    };
    let id = new_message_id()?;
    store.atomically(|s| {
        put_share_state(s, &share_id, &state)?;
        queue(
            s,
            peer,
            &id,
            Body::Share {
                share_id: share_id.clone(),
                item_kind: kind.clone(),
                title: title.clone(),
                content: content.clone(),
            },
        )
    })?;
    Ok(share_id)
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

/// Queues updates for shared items edited since they were last sent, and stops shares whose
/// item was deleted. Returns how many updates were queued.
pub fn refresh_shares(store: &mut Store) -> Result<u32> {
    let mut queued = 0;
    for (share_id, mut state) in outgoing_shares(store)? {
        let record: RecordId = share_id.parse()?;
        match shareable(store, &record)? {
            None => {
                unshare(store, &share_id)?;
            }
            Some((kind, title, content)) => {
                let d = digest(&content);
                if d == state.sent_digest {
                    continue;
                }
                state.sent_digest = d;
                let id = new_message_id()?;
                store.atomically(|s| {
                    put_share_state(s, &share_id, &state)?;
                    queue(
                        s,
                        &state.peer_account.clone(),
                        &id,
                        Body::Share {
                            share_id: share_id.clone(),
                            item_kind: kind.clone(),
                            title: title.clone(),
                            content: content.clone(),
                        },
                    )
                })?;
                queued += 1;
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
