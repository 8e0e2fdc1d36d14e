//! HTTP handlers for messaging (protocol v1, `solace_protocol::messaging`): the therapist
//! directory, client ↔ therapist links, the Olm key directory and the per-device mailbox.
//!
//! Every endpoint needs a bearer token ([`Caller`], which also applies the per-account rate
//! limit). Keys may be claimed, and messages sent, only to the caller's own account or to an
//! account with an active link (`403 not_linked` otherwise). Bodies are validated before they
//! reach storage; message bodies and keys are never logged.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use solace_protocol::messaging as m;

use crate::api::{now, parse, Caller, Shared};
use crate::auth;
use crate::error::ApiErr;
use crate::profile_check::clean_profile;
use crate::push::PushHint;
use crate::storage::{search_directory, NewEnvelope, NewMessage, StorageError, StoredLink};

/// Longest directory filter, in characters.
const MAX_FILTER_CHARS: usize = 100;
/// How often (seconds) a mailbox request also purges expired messages from all mailboxes
/// (each mailbox's own expired messages go whenever it is read or written).
const PURGE_EVERY_SECS: i64 = 3600;
/// Most ids in one acknowledgement.
const MAX_ACK_IDS: usize = 1000;
/// Longest id (account, device, link) the server accepts in a request.
const MAX_ID_LEN: usize = 64;

type Body = Result<Bytes, BytesRejection>;

/// Standard-alphabet base64 with or without padding (vodozemac writes keys unpadded).
const KEY_B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decodes base64 (padded or not) that must be exactly `len` bytes.
pub(crate) fn b64_exact(text: &str, what: &str, len: usize) -> Result<(), ApiErr> {
    let ok =
        text.len() <= len.div_ceil(3) * 4 && KEY_B64.decode(text).is_ok_and(|b| b.len() == len);
    if ok {
        Ok(())
    } else {
        Err(ApiErr::bad(format!("{what} must be {len} bytes of base64")))
    }
}

/// Whether two base64 keys (padded or not) are the same bytes.
fn same_key(a: &str, b: &str) -> bool {
    matches!((KEY_B64.decode(a), KEY_B64.decode(b)), (Ok(x), Ok(y)) if x == y)
}

/// Ids made by this server are hex; anything plain and short is accepted and simply not found.
pub(crate) fn plain_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_client_message_id(id: &str) -> bool {
    plain_id(id)
}

/// `PUT /v1/therapist/profile`: publishes (replaces) the caller's profile; the account
/// becomes a therapist.
pub async fn put_profile(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<StatusCode, ApiErr> {
    let profile = clean_profile(parse(body)?)?;
    state
        .storage
        .put_profile(&caller.account_id, &profile)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/directory/search`: profiles matching every given filter, by display name.
pub async fn search(
    State(state): State<Shared>,
    _caller: Caller,
    body: Body,
) -> Result<Json<m::DirectoryPage>, ApiErr> {
    let query: m::DirectoryQuery = parse(body)?;
    let too_long = [
        &query.specialty,
        &query.approach,
        &query.language,
        &query.text,
    ]
    .iter()
    .any(|f| {
        f.as_ref()
            .is_some_and(|f| f.chars().count() > MAX_FILTER_CHARS)
    });
    if too_long {
        return Err(ApiErr::bad(format!(
            "filters must be at most {MAX_FILTER_CHARS} characters"
        )));
    }
    let all = state.storage.all_profiles().await?;
    let mut therapists = search_directory(all, &query);
    let summaries = state.storage.review_summaries().await?;
    for entry in &mut therapists {
        entry.reviews = summaries.get(&entry.therapist_id).copied();
    }
    Ok(Json(m::DirectoryPage { therapists }))
}

/// `POST /v1/links`: the caller (client) asks a therapist for a link.
pub async fn request_link(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::LinkInfo>, ApiErr> {
    let req: m::LinkRequest = parse(body)?;
    if req.therapist_id == caller.account_id {
        return Err(ApiErr::bad("cannot link with your own account"));
    }
    if !plain_id(&req.therapist_id) {
        return Err(ApiErr::not_found("therapist"));
    }
    let profile = state
        .storage
        .profile(&req.therapist_id)
        .await?
        .ok_or_else(|| ApiErr::not_found("therapist"))?;
    let client_name = state
        .storage
        .username_of(&caller.account_id)
        .await?
        .ok_or_else(ApiErr::unauthorized)?;
    let link = StoredLink {
        link_id: auth::random_id().ok_or_else(ApiErr::internal)?,
        client_id: caller.account_id,
        client_name,
        therapist_id: req.therapist_id,
        therapist_name: profile.display_name,
        state: m::LinkState::Pending,
        created_at: now(),
    };
    match state.storage.create_link(&link).await {
        Ok(()) => Ok(Json(link.info())),
        Err(StorageError::Conflict) => Err(ApiErr::conflict(
            "a link between these accounts is already pending or active",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /v1/links`: the caller's links, newest first.
pub async fn links(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<m::LinkList>, ApiErr> {
    let links = state.storage.links_for(&caller.account_id).await?;
    Ok(Json(m::LinkList {
        links: links.iter().map(StoredLink::info).collect(),
    }))
}

/// The link if the caller is a party to it; `404` otherwise (existence is not revealed).
async fn party_link(state: &Shared, caller: &Caller, link_id: &str) -> Result<StoredLink, ApiErr> {
    if !plain_id(link_id) {
        return Err(ApiErr::not_found("link"));
    }
    state
        .storage
        .link(link_id)
        .await?
        .filter(|l| l.involves(&caller.account_id))
        .ok_or_else(|| ApiErr::not_found("link"))
}

/// `POST /v1/links/accept`: the therapist consents to a pending link (accepting an active
/// link again answers with it unchanged).
pub async fn accept_link(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::LinkInfo>, ApiErr> {
    let req: m::LinkAction = parse(body)?;
    let mut link = party_link(&state, &caller, &req.link_id).await?;
    if link.therapist_id != caller.account_id {
        return Err(ApiErr::forbidden("only the therapist can accept a link"));
    }
    if link.state == m::LinkState::Pending
        && state
            .storage
            .set_link_state(
                &link.link_id,
                Some(m::LinkState::Pending),
                m::LinkState::Active,
            )
            .await?
    {
        link.state = m::LinkState::Active;
        return Ok(Json(link.info()));
    }
    // Not pending (or changed meanwhile): look again.
    let current = party_link(&state, &caller, &req.link_id).await?;
    match current.state {
        m::LinkState::Active => Ok(Json(current.info())),
        _ => Err(ApiErr::conflict("the link is not pending")),
    }
}

/// `POST /v1/links/end`: either party ends the link; ending an ended link is harmless.
pub async fn end_link(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::LinkInfo>, ApiErr> {
    let req: m::LinkAction = parse(body)?;
    let mut link = party_link(&state, &caller, &req.link_id).await?;
    if link.state != m::LinkState::Ended {
        state
            .storage
            .set_link_state(&link.link_id, None, m::LinkState::Ended)
            .await?;
        link.state = m::LinkState::Ended;
    }
    Ok(Json(link.info()))
}

/// `PUT /v1/keys/device`: publishes the calling device's identity (fixed once set) and adds
/// one-time keys.
pub async fn publish_keys(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::KeyCount>, ApiErr> {
    let req: m::DeviceKeysUpload = parse(body)?;
    b64_exact(&req.identity.curve25519, "identity curve25519 key", 32)?;
    b64_exact(&req.identity.ed25519, "identity ed25519 key", 32)?;
    if req.one_time_keys.len() > m::MAX_ONE_TIME_KEYS {
        return Err(ApiErr::bad(format!(
            "at most {} one-time keys per upload",
            m::MAX_ONE_TIME_KEYS
        )));
    }
    for k in &req.one_time_keys {
        b64_exact(&k.key, "one-time key", 32)?;
        b64_exact(&k.signature, "one-time key signature", 64)?;
    }
    crate::cross_signing::check_upload(&req)?;
    if let Some(k) = &req.fallback_key {
        b64_exact(&k.key, "fallback key", 32)?;
        b64_exact(&k.signature, "fallback key signature", 64)?;
    }
    match state
        .storage
        .publish_keys(
            &caller.account_id,
            &caller.device_id,
            &req.identity,
            &req.one_time_keys,
            req.account_signature.as_ref(),
            req.fallback_key.as_ref(),
        )
        .await
    {
        Ok(count) => {
            if let Some(list) = &req.device_list {
                // Not the next version: ignored (the device sees the stored list and retries).
                state
                    .storage
                    .put_device_list(&caller.account_id, list)
                    .await?;
            }
            let device_list = state.storage.device_list(&caller.account_id).await?;
            Ok(Json(m::KeyCount {
                device_list,
                ..count
            }))
        }
        Err(StorageError::Conflict) => Err(ApiErr::conflict(
            "this device already published a different identity",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether the caller may reach `target`: its own account or one with an active link.
async fn may_reach(state: &Shared, caller: &Caller, target: &str) -> Result<(), ApiErr> {
    if target == caller.account_id
        || (plain_id(target) && state.storage.linked(&caller.account_id, target).await?)
    {
        Ok(())
    } else {
        Err(ApiErr::not_linked())
    }
}

/// `POST /v1/keys/claim`: the devices of the caller's own account (other than the calling
/// device) or of a linked account, with a one-time key (or the fallback key once they run
/// out) from each device named in `need_keys_for` (every device when absent). Claims that
/// take keys are rate-limited per claiming account (`429 rate_limited`).
pub async fn claim_keys(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::ClaimResponse>, ApiErr> {
    let req: m::ClaimRequest = parse(body)?;
    if let Some(need) = &req.need_keys_for {
        if need.len() > m::MAX_CLAIM_DEVICES {
            return Err(ApiErr::bad(format!(
                "at most {} devices per claim",
                m::MAX_CLAIM_DEVICES
            )));
        }
    }
    may_reach(&state, &caller, &req.account_id).await?;
    let takes_keys = req.need_keys_for.as_ref().is_none_or(|n| !n.is_empty());
    if takes_keys && !state.claim_limit.allow(&caller.account_id) {
        return Err(ApiErr::rate_limited());
    }
    let exclude = (req.account_id == caller.account_id).then_some(caller.device_id.as_str());
    let devices = state
        .storage
        .claim_keys(&req.account_id, exclude, req.need_keys_for.as_deref())
        .await?;
    let device_list = state.storage.device_list(&req.account_id).await?;
    Ok(Json(m::ClaimResponse {
        devices,
        device_list,
    }))
}

/// Validates the envelopes of a send.
fn envelopes(list: Vec<m::OutgoingEnvelope>) -> Result<Vec<NewEnvelope>, ApiErr> {
    if list.is_empty() {
        return Err(ApiErr::bad("a send needs at least one envelope"));
    }
    if list.len() > m::MAX_ENVELOPES {
        return Err(ApiErr::bad(format!(
            "at most {} envelopes per send",
            m::MAX_ENVELOPES
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        if !plain_id(&e.device_id) {
            return Err(ApiErr::bad("malformed envelope device id"));
        }
        if !seen.insert(e.device_id.clone()) {
            return Err(ApiErr::bad("one envelope per device"));
        }
        if e.kind > 1 {
            return Err(ApiErr::bad("envelope kind must be 0 or 1"));
        }
        if e.body.len() > m::MAX_MESSAGE_BODY {
            return Err(ApiErr::too_large("message body"));
        }
        let decodes = base64::engine::general_purpose::STANDARD
            .decode(&e.body)
            .is_ok_and(|b| !b.is_empty());
        if !decodes {
            return Err(ApiErr::bad("message body must be non-empty base64"));
        }
        out.push(NewEnvelope {
            device_id: e.device_id,
            kind: e.kind,
            body: e.body,
        });
    }
    Ok(out)
}

/// `POST /v1/messages/send`: deposits one message per addressed device of the recipient
/// account (idempotent by client message id), then sends push hints for newly queued devices.
pub async fn send(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::SendResponse>, ApiErr> {
    let req: m::SendRequest = parse(body)?;
    if !valid_client_message_id(&req.client_message_id) {
        return Err(ApiErr::bad(
            "client message id must be 1-64 of A-Z a-z 0-9 - _",
        ));
    }
    b64_exact(&req.sender_key, "sender key", 32)?;
    let envelopes = envelopes(req.envelopes)?;
    may_reach(&state, &caller, &req.recipient_account).await?;
    // The sender key names the Olm identity a recipient decrypts with and attributes the
    // message to: only the calling device's own published key may be used.
    let own = state.storage.device_identity(&caller.device_id).await?;
    if !own.is_some_and(|i| same_key(&i.curve25519, &req.sender_key)) {
        return Err(ApiErr::sender_key_mismatch());
    }
    let recipient = req.recipient_account.clone();
    let outcome = state
        .storage
        .deposit(NewMessage {
            sender_account: caller.account_id,
            sender_device: caller.device_id,
            recipient_account: req.recipient_account,
            client_message_id: req.client_message_id,
            sender_key: req.sender_key,
            envelopes,
            now: now(),
            mailbox_cap: state.mailbox_cap,
            sender_cap: state.mailbox_sender_cap,
            ttl_secs: state.mailbox_ttl_secs,
        })
        .await?;
    if !outcome.newly_queued.is_empty() {
        state.live.wake(&recipient);
    }
    for (device_id, waiting) in outcome.newly_queued {
        state.push.hint(PushHint { device_id, waiting });
    }
    Ok(Json(m::SendResponse {
        delivered_to: outcome.delivered_to,
        skipped: outcome.skipped,
        missing: outcome.missing,
        list_version: outcome.list_version,
    }))
}

/// Purges expired messages from every mailbox at most once per [`PURGE_EVERY_SECS`] (so a
/// mailbox nobody reads or writes does not keep them); a failure is only logged.
async fn purge_now_and_then(state: &Shared, now: i64) {
    use std::sync::atomic::Ordering;
    let last = state.last_purge.load(Ordering::Relaxed);
    if now.saturating_sub(last) < PURGE_EVERY_SECS
        || state
            .last_purge
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let cutoff = now.saturating_sub(state.mailbox_ttl_secs);
    if let Err(e) = state.storage.purge_expired(cutoff).await {
        tracing::warn!(error = %e, "purging expired mailbox messages failed");
    }
}

/// `POST /v1/messages/inbox`: the calling device's waiting messages, oldest first (expired
/// ones are deleted first).
pub async fn inbox(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::Inbox>, ApiErr> {
    let req: m::InboxRequest = parse(body)?;
    let limit = req.limit.clamp(1, m::MAX_INBOX_LIMIT);
    let now = now();
    purge_now_and_then(&state, now).await;
    let (messages, more) = state
        .storage
        .inbox(&caller.device_id, limit, now, state.mailbox_ttl_secs)
        .await?;
    let expired = state
        .storage
        .expiry_notices(&caller.device_id, m::MAX_EXPIRED_NOTICES)
        .await?;
    Ok(Json(m::Inbox {
        messages,
        more,
        expired,
    }))
}

/// `POST /v1/messages/ack`: deletes the listed messages from the calling device's mailbox
/// (ids of other devices' messages are ignored).
pub async fn ack(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<StatusCode, ApiErr> {
    let req: m::AckRequest = parse(body)?;
    if req.ids.len() > MAX_ACK_IDS || req.expired.len() > MAX_ACK_IDS {
        return Err(ApiErr::bad(format!(
            "at most {MAX_ACK_IDS} ids per acknowledgement"
        )));
    }
    state.storage.ack(&caller.device_id, &req.ids).await?;
    if !req.expired.is_empty() {
        state
            .storage
            .ack_expiry_notices(&caller.device_id, &req.expired)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_keys_are_checked() {
        assert!(valid_client_message_id("m-1_A"));
        assert!(!valid_client_message_id(""));
        assert!(!valid_client_message_id("a b"));
        assert!(!valid_client_message_id(&"a".repeat(65)));
        let b64 = base64::engine::general_purpose::STANDARD;
        assert!(b64_exact(&b64.encode([1u8; 32]), "k", 32).is_ok());
        let unpadded = b64.encode([1u8; 32]);
        assert!(b64_exact(unpadded.trim_end_matches('='), "k", 32).is_ok());
        assert!(b64_exact(&b64.encode([1u8; 31]), "k", 32).is_err());
        assert!(b64_exact("not base64!", "k", 32).is_err());
    }
}
