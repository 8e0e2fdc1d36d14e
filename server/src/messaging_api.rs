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
use crate::push::PushHint;
use crate::storage::{search_directory, NewEnvelope, NewMessage, StorageError, StoredLink};

/// Longest display name, in characters.
const MAX_NAME_CHARS: usize = 80;
/// Longest bio, in characters.
const MAX_BIO_CHARS: usize = 1000;
/// Most entries in each profile list (specialties, approaches, languages).
const MAX_LIST_ENTRIES: usize = 20;
/// Longest list entry, in characters.
const MAX_ENTRY_CHARS: usize = 40;
/// Most availability slots.
const MAX_SLOTS: usize = 50;
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

fn days_in_month(year: u32, month: u32) -> u32 {
    // (Written with remainders, not `is_multiple_of`, which is newer than the MSRV.)
    let leap = matches!((year % 4, year % 100, year % 400), (0, 1.., _) | (_, _, 0));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `s` is an RFC 3339 date-time (`2026-03-01T09:30:00Z`, `…+01:00`, optional fraction).
fn valid_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 7),
        num(8, 10),
        num(11, 13),
        num(14, 16),
        num(17, 19),
    ) else {
        return false;
    };
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return false;
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        let digits = b
            .iter()
            .skip(i + 1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b":")
                && num(i + 1, i + 3).is_some_and(|h| h <= 23)
                && num(i + 4, i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn short_text(text: &str, max: usize, what: &str) -> Result<String, ApiErr> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ApiErr::bad(format!(
            "{what} must be 1-{max} characters without control characters"
        )));
    }
    Ok(text.to_owned())
}

fn list(entries: &[String], what: &str) -> Result<Vec<String>, ApiErr> {
    if entries.len() > MAX_LIST_ENTRIES {
        return Err(ApiErr::bad(format!(
            "at most {MAX_LIST_ENTRIES} {what} entries"
        )));
    }
    entries
        .iter()
        .map(|e| short_text(e, MAX_ENTRY_CHARS, what))
        .collect()
}

/// Checks a profile against the limits and returns it trimmed.
fn clean_profile(p: m::TherapistProfile) -> Result<m::TherapistProfile, ApiErr> {
    let display_name = short_text(&p.display_name, MAX_NAME_CHARS, "display name")?;
    let bio = p.bio.trim().to_owned();
    if bio.chars().count() > MAX_BIO_CHARS {
        return Err(ApiErr::bad(format!(
            "bio must be at most {MAX_BIO_CHARS} characters"
        )));
    }
    if p.slots.len() > MAX_SLOTS {
        return Err(ApiErr::bad(format!("at most {MAX_SLOTS} slots")));
    }
    for slot in &p.slots {
        if !valid_rfc3339(&slot.start) {
            return Err(ApiErr::bad("slot start must be an RFC 3339 date-time"));
        }
        if !(5..=240).contains(&slot.minutes) {
            return Err(ApiErr::bad("slot length must be 5-240 minutes"));
        }
    }
    Ok(m::TherapistProfile {
        display_name,
        bio,
        specialties: list(&p.specialties, "specialty")?,
        approaches: list(&p.approaches, "approach")?,
        languages: list(&p.languages, "language")?,
        slots: p.slots,
    })
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
    Ok(Json(m::DirectoryPage {
        therapists: search_directory(all, &query),
    }))
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
    match state
        .storage
        .publish_keys(
            &caller.account_id,
            &caller.device_id,
            &req.identity,
            &req.one_time_keys,
            req.account_signature.as_ref(),
        )
        .await
    {
        Ok(n) => {
            if let Some(list) = &req.device_list {
                // Not the next version: ignored (the device sees the stored list and retries).
                state
                    .storage
                    .put_device_list(&caller.account_id, list)
                    .await?;
            }
            let device_list = state.storage.device_list(&caller.account_id).await?;
            Ok(Json(m::KeyCount {
                one_time_keys: n,
                device_list,
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

/// `POST /v1/keys/claim`: one one-time key from every device of the caller's own account
/// (other than the calling device) or of a linked account.
pub async fn claim_keys(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<m::ClaimResponse>, ApiErr> {
    let req: m::ClaimRequest = parse(body)?;
    may_reach(&state, &caller, &req.account_id).await?;
    let exclude = (req.account_id == caller.account_id).then_some(caller.device_id.as_str());
    let devices = state.storage.claim_keys(&req.account_id, exclude).await?;
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
            ttl_secs: state.mailbox_ttl_secs,
        })
        .await?;
    for (device_id, waiting) in outcome.newly_queued {
        state.push.hint(PushHint { device_id, waiting });
    }
    Ok(Json(m::SendResponse {
        delivered_to: outcome.delivered_to,
        skipped: outcome.skipped,
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
    Ok(Json(m::Inbox { messages, more }))
}

/// `POST /v1/messages/ack`: deletes the listed messages from the calling device's mailbox
/// (ids of other devices' messages are ignored).
pub async fn ack(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<StatusCode, ApiErr> {
    let req: m::AckRequest = parse(body)?;
    if req.ids.len() > MAX_ACK_IDS {
        return Err(ApiErr::bad(format!(
            "at most {MAX_ACK_IDS} ids per acknowledgement"
        )));
    }
    state.storage.ack(&caller.device_id, &req.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_accepts_exactly_date_times() {
        for ok in [
            "2026-03-01T09:30:00Z",
            "2026-03-01t09:30:00.123+01:00",
            "2024-02-29T23:59:60-05:30",
        ] {
            assert!(valid_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2026-03-01",
            "2026-03-01 09:30:00Z",
            "2025-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00",
            "2026-03-01T10:00:00.Z",
            "2026-03-01T10:00:00+0100",
            "2026-03-01T10:00:00+01:00x",
            "２０２６-03-01T10:00:00Z",
        ] {
            assert!(!valid_rfc3339(bad), "{bad}");
        }
    }

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
