//! HTTP handlers for protocol v1 (messaging is in [`crate::messaging_api`]). Every body is
//! validated before it reaches storage; every error is a [`solace_protocol::ApiError`] JSON
//! body with a stable code; nothing personal is logged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use solace_protocol as p;

use crate::auth;
use crate::error::ApiErr;
use crate::rate_limit::RateLimiter;
use crate::storage::{NewAccount, NewDevice, NewMutation, Storage};

/// Shared state of the running server.
pub struct AppState {
    /// The database.
    pub storage: Arc<dyn Storage>,
    /// Per-account limiter.
    pub account_limit: RateLimiter,
    /// Per-address limiter for login, register and prelogin.
    pub address_limit: RateLimiter,
    /// Token lifetime in seconds.
    pub token_ttl_secs: i64,
    /// Secret for fake prelogin answers.
    pub secret: Vec<u8>,
    /// Where push hints go after a message is queued.
    pub push: Arc<dyn crate::push::PushSender>,
    /// Most messages one device's mailbox holds.
    pub mailbox_cap: u32,
    /// Most messages one device's mailbox holds from one sending account.
    pub mailbox_sender_cap: u32,
    /// Per-claiming-account limiter for key claims that take keys.
    pub claim_limit: RateLimiter,
    /// Seconds an unacknowledged message is kept.
    pub mailbox_ttl_secs: i64,
    /// The limits advertised by `GET /v1/health`.
    pub limits: p::ServerLimits,
    /// The cap on concurrent Argon2id work.
    pub hashes: crate::hash_gate::HashGate,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// When expired messages were last purged from all mailboxes (Unix seconds).
    pub last_purge: std::sync::atomic::AtomicI64,
    /// This node's request counters for `GET /metrics`.
    pub metrics: crate::metrics::Metrics,
    /// Addresses besides loopback allowed to read the metrics.
    pub metrics_allow: Vec<std::net::IpAddr>,
    /// Set once the node drains before stopping.
    pub drain: crate::ops::Drain,
    /// Devices waiting for live updates on this node.
    pub live: crate::live::Hub,
    /// Review-token periods and the link age required for a token.
    pub reviews: crate::review_keys::ReviewPolicy,
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

/// Largest sequence number storage can hold (both backends keep them as signed 64-bit).
const MAX_SEQ: u64 = i64::MAX as u64;

/// Any path outside protocol v1: `404 not_found` as an [`p::ApiError`] body.
pub async fn fallback() -> ApiErr {
    ApiErr::not_found("endpoint")
}

/// A known path with the wrong method: `405` as an [`p::ApiError`] body (`bad_request`).
pub async fn method_not_allowed() -> ApiErr {
    ApiErr::method_not_allowed()
}

/// Whether logins (and other checks of the passphrase) for `username` are refused now. The
/// backoff is shared by every node through the database, under a keyed hash of the name.
pub(crate) async fn login_blocked(state: &AppState, username: &str) -> Result<bool, ApiErr> {
    let key = crate::rate_limit::login_key(&state.secret, username);
    Ok(state
        .storage
        .login_blocked_until(&key)
        .await?
        .is_some_and(|until| now_ms() < until))
}

/// Counts a wrong passphrase for `username` and blocks it for the backoff that earns.
pub(crate) async fn login_failed(state: &AppState, username: &str) -> Result<(), ApiErr> {
    let key = crate::rate_limit::login_key(&state.secret, username);
    let at = now_ms();
    let failures = state.storage.login_failed(&key, at).await?;
    if let Some(wait) = crate::rate_limit::login_backoff(failures) {
        let until = at.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
        state.storage.block_login(&key, until).await?;
    }
    Ok(())
}

/// A right passphrase: forgets the failures of `username`.
pub(crate) async fn login_succeeded(state: &AppState, username: &str) -> Result<(), ApiErr> {
    let key = crate::rate_limit::login_key(&state.secret, username);
    Ok(state.storage.login_succeeded(&key).await?)
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses a JSON body, mapping a too-large body to 413 and anything malformed to 400.
pub(crate) fn parse<T: DeserializeOwned>(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, ApiErr> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiErr::too_large("request body")
        } else {
            ApiErr::bad("unreadable request body")
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|_| ApiErr::bad("malformed JSON for this endpoint"))
}

pub(crate) fn b64(text: &str, what: &str, max: usize) -> Result<Vec<u8>, ApiErr> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ApiErr::bad(format!("{what} is not base64")))?;
    if bytes.len() > max {
        return Err(ApiErr::too_large(what));
    }
    Ok(bytes)
}

pub(crate) fn hex_of_len(text: &str, len: usize, what: &str) -> Result<Vec<u8>, ApiErr> {
    hex::decode(text)
        .ok()
        .filter(|b| b.len() == len)
        .ok_or_else(|| ApiErr::bad(format!("{what} must be {len} bytes of hex")))
}

fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn valid_kind(kind: &str) -> bool {
    (1..=32).contains(&kind.len()) && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn device_name(name: &str) -> Result<String, ApiErr> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiErr::bad("device name must be 1-64 characters"));
    }
    Ok(name.to_owned())
}

fn items_keys(keys: &[p::WireItemsKey]) -> Result<Vec<(u32, Vec<u8>)>, ApiErr> {
    if keys.len() > 1000 {
        return Err(ApiErr::bad("too many items keys"));
    }
    keys.iter()
        .map(|k| Ok((k.key_id, b64(&k.wrapped, "wrapped items key", 1024)?)))
        .collect()
}

/// Filled by [`Caller`] with the first characters of the account id, so the request log can
/// tell accounts apart without recording who they are.
#[derive(Debug, Clone, Default)]
pub struct AccountTag(pub Arc<std::sync::OnceLock<String>>);

/// How many characters of the account id a log line carries.
const ACCOUNT_TAG_LEN: usize = 8;

/// The authenticated caller: a valid, unexpired token of a device that is not revoked.
pub struct Caller {
    pub(crate) account_id: String,
    pub(crate) device_id: String,
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiErr> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiErr::unauthorized)?;
        let (account_id, device_id) = state
            .storage
            .authenticate(&auth::token_hash(token.trim()), now())
            .await?
            .ok_or_else(ApiErr::unauthorized)?;
        if let Some(tag) = parts.extensions.get::<AccountTag>() {
            let _ = tag
                .0
                .set(account_id.chars().take(ACCOUNT_TAG_LEN).collect());
        }
        if !state.account_limit.allow(&account_id) {
            return Err(ApiErr::rate_limited());
        }
        Ok(Caller {
            account_id,
            device_id,
        })
    }
}

fn limit_address(
    state: &AppState,
    addr: &SocketAddr,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiErr> {
    let client = crate::rate_limit::client_ip(addr.ip(), headers, &state.trusted_proxies);
    if state.address_limit.allow(&client.to_string()) {
        Ok(())
    } else {
        Err(ApiErr::rate_limited())
    }
}

async fn new_session(
    state: &AppState,
    account_id: &str,
    name: String,
    create: Option<NewAccount>,
) -> Result<p::SessionResponse, ApiErr> {
    let device_id = auth::random_id().ok_or_else(ApiErr::internal)?;
    let (token, token_hash) = auth::new_token().ok_or_else(ApiErr::internal)?;
    let expires_at = now() + state.token_ttl_secs;
    let device = NewDevice {
        device_id: device_id.clone(),
        name,
        token_hash,
        expires_at,
    };
    match create {
        Some(account) => state.storage.create_account(account, device).await?,
        None => state.storage.add_device(account_id, device).await?,
    }
    Ok(p::SessionResponse {
        account_id: account_id.to_owned(),
        device_id,
        token: token.into(),
        expires_at: expires_at.to_string(),
    })
}

/// `GET /v1/health`.
pub async fn health(State(state): State<Shared>) -> Response {
    match state.storage.health().await {
        Ok(()) => Json(p::Health {
            limits: Some(state.limits),
            status: "ok".into(),
            protocol: p::PROTOCOL_VERSION,
        })
        .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(p::Health {
                limits: Some(state.limits),
                status: "unavailable".into(),
                protocol: p::PROTOCOL_VERSION,
            }),
        )
            .into_response(),
    }
}

/// `POST /v1/accounts/prelogin`.
pub async fn prelogin(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::PreloginResponse>, ApiErr> {
    limit_address(&state, &addr, &headers)?;
    let req: p::PreloginRequest = parse(body)?;
    let (kdf, salt) = match state.storage.find_account(&req.username).await? {
        Some(a) => (a.kdf, a.salt),
        None => auth::fake_prelogin(&state.secret, &req.username),
    };
    Ok(Json(p::PreloginResponse { kdf, salt }))
}

/// `POST /v1/accounts/register`.
pub async fn register(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::SessionResponse>, ApiErr> {
    limit_address(&state, &addr, &headers)?;
    let req: p::RegisterRequest = parse(body)?;
    if !valid_username(&req.username) {
        return Err(ApiErr::bad("username must be 3-64 of a-z 0-9 . _ -"));
    }
    let auth_key = hex_of_len(&req.auth_key, 32, "auth_key")?;
    hex_of_len(&req.salt, 16, "salt")?;
    let wrapped = b64(&req.wrapped_account_key, "wrapped account key", 1024)?;
    let recovery_wrap = req
        .recovery_wrapped_account_key
        .as_deref()
        .map(|w| b64(w, "recovery-wrapped account key", 1024))
        .transpose()?;
    let keys = items_keys(&req.items_keys)?;
    let name = device_name(&req.device_name)?;
    let proof_verifier = req
        .account_proof_verifier
        .as_deref()
        .map(proof_verifier)
        .transpose()?;
    let auth_hash = state
        .hashes
        .run(move || auth::hash_auth_key(&auth_key))
        .await?
        .ok_or_else(ApiErr::internal)?;
    let account_id = auth::random_id().ok_or_else(ApiErr::internal)?;
    let account = NewAccount {
        account_id: account_id.clone(),
        username: req.username,
        auth_hash,
        kdf: req.kdf,
        salt: req.salt,
        wrapped_account_key: wrapped,
        items_keys: keys,
        recovery_wrap,
        proof_verifier,
    };
    Ok(Json(
        new_session(&state, &account_id, name, Some(account)).await?,
    ))
}

/// `POST /v1/accounts/login`. Refused without checking the key while the username is
/// backing off after failed attempts ([`crate::rate_limit::LoginBackoff`]). With `device_id`
/// of a live device of the account, that device gets a new token; otherwise a new device is
/// added.
pub async fn login(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::SessionResponse>, ApiErr> {
    limit_address(&state, &addr, &headers)?;
    let req: p::LoginRequest = parse(body)?;
    let name = device_name(&req.device_name)?;
    let verifier = req
        .account_proof_verifier
        .as_deref()
        .map(proof_verifier)
        .transpose()?;
    if login_blocked(&state, &req.username).await? {
        return Err(ApiErr::rate_limited());
    }
    let auth_key = hex::decode(req.auth_key.expose()).unwrap_or_default();
    let account = state.storage.find_account(&req.username).await?;
    let stored = account.as_ref().map(|a| a.auth_hash.clone());
    let ok = state
        .hashes
        .run(move || auth::verify_auth_key(stored.as_deref(), &auth_key))
        .await?;
    let account = match (ok, account) {
        (true, Some(a)) => a,
        _ => {
            login_failed(&state, &req.username).await?;
            return Err(ApiErr::unauthorized());
        }
    };
    login_succeeded(&state, &req.username).await?;
    if let (Some(v), None) = (&verifier, &account.proof_verifier) {
        state
            .storage
            .set_proof_verifier_if_absent(&account.account_id, v)
            .await?;
    }
    if let Some(device_id) = req.device_id.as_deref() {
        if let Some(session) =
            crate::account_api::token_for_device(&state, &account.account_id, device_id).await?
        {
            return Ok(Json(session));
        }
    }
    Ok(Json(
        new_session(&state, &account.account_id, name, None).await?,
    ))
}

/// Validates an account-proof verifier: 32 bytes of hex, stored lowercase.
fn proof_verifier(text: &str) -> Result<String, ApiErr> {
    hex_of_len(text, 32, "account_proof_verifier").map(hex::encode)
}

/// `GET /v1/account/keys`.
pub async fn account_keys(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<p::AccountKeys>, ApiErr> {
    let k = state.storage.account_keys(&caller.account_id).await?;
    let enc = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    Ok(Json(p::AccountKeys {
        kdf: k.kdf,
        salt: k.salt,
        wrapped_account_key: enc(&k.wrapped_account_key),
        recovery_wrapped_account_key: k.recovery_wrap.as_deref().map(enc),
        items_keys: k
            .items_keys
            .iter()
            .map(|(id, w)| p::WireItemsKey {
                key_id: *id,
                wrapped: enc(w),
            })
            .collect(),
    }))
}

/// `PUT /v1/account/items-keys`.
pub async fn upload_items_keys(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, ApiErr> {
    let req: p::ItemsKeysUpload = parse(body)?;
    state
        .storage
        .add_items_keys(&caller.account_id, items_keys(&req.items_keys)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/devices`.
pub async fn devices(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<p::DeviceList>, ApiErr> {
    let devices = state.storage.devices(&caller.account_id).await?;
    Ok(Json(p::DeviceList {
        devices: devices
            .into_iter()
            .map(|d| p::DeviceInfo {
                device_id: d.device_id,
                name: d.name,
                revoked: d.revoked,
                last_mutation_seq: d.last_mutation_seq,
            })
            .collect(),
    }))
}

/// `POST /v1/sync/pull`.
pub async fn pull(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::PullResponse>, ApiErr> {
    let req: p::PullRequest = parse(body)?;
    let limit = req.limit.clamp(1, p::MAX_PULL_LIMIT);
    let cursor = req.cursor.min(MAX_SEQ);
    let (records, more) = state
        .storage
        .pull(
            &caller.account_id,
            cursor,
            limit,
            crate::storage::MAX_PULL_BYTES,
        )
        .await?;
    let next_cursor = records.last().map_or(req.cursor, |r| r.server_seq);
    Ok(Json(p::PullResponse {
        records: records.iter().map(crate::storage::to_wire).collect(),
        next_cursor,
        more,
    }))
}

/// `POST /v1/sync/push`.
pub async fn push(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::PushResponse>, ApiErr> {
    let req: p::PushRequest = parse(body)?;
    if req.mutations.len() > p::MAX_PUSH_MUTATIONS {
        return Err(ApiErr::bad(format!(
            "at most {} mutations per push",
            p::MAX_PUSH_MUTATIONS
        )));
    }
    let mut mutations = Vec::with_capacity(req.mutations.len());
    for m in req.mutations {
        if !valid_kind(&m.kind)
            || m.mutation_seq == 0
            || m.mutation_seq > MAX_SEQ
            || m.base_seq > MAX_SEQ
        {
            return Err(ApiErr::bad("malformed mutation (id, kind or sequence)"));
        }
        mutations.push(NewMutation {
            mutation_seq: m.mutation_seq,
            id: m.id.as_str().to_owned(),
            kind: m.kind,
            base_seq: m.base_seq,
            blob: m.blob.into_bytes(),
            deleted: m.deleted,
        });
    }
    let outcome = state
        .storage
        .push(&caller.account_id, &caller.device_id, mutations)
        .await?;
    state.live.wake(&caller.account_id);
    Ok(Json(p::PushResponse {
        results: outcome.results,
        last_mutation_seq: Some(outcome.last_mutation_seq),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_accept_exactly_the_protocol_shapes() {
        assert!(valid_username("ana.b-1_x"));
        assert!(!valid_username("An"));
        assert!(!valid_username("ana b"));
        assert!(valid_kind("habit_event"));
        assert!(!valid_kind("Habit"));
        assert!(!valid_kind(""));
    }
}
