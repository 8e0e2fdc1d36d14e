//! Handlers that change who can act for an account: token refresh, credential changes,
//! device revocation and account deletion. A bearer token proves only that a device was once
//! signed in, so credential changes and revocation also need a proof ([`require_proof`]): the
//! current auth key (verified against the stored Argon2id hash) or the account-key proof
//! (checked against the stored verifier). Deletion cannot be undone, so it takes the auth key
//! only — a proof of the passphrase itself ([`delete_account`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sha2::{Digest, Sha256};
use solace_protocol as p;

use crate::api::{b64, hex_of_len, now, parse, Caller, Shared};
use crate::auth;
use crate::error::ApiErr;
use crate::storage::NewCredentials;

/// A fresh token for an existing, live device of the account; `None` if the device is
/// unknown, of another account, or revoked.
pub(crate) async fn token_for_device(
    state: &Shared,
    account_id: &str,
    device_id: &str,
) -> Result<Option<p::SessionResponse>, ApiErr> {
    let (token, token_hash) = auth::new_token().ok_or_else(ApiErr::internal)?;
    let now = now();
    let expires_at = now.saturating_add(state.token_ttl_secs);
    let added = state
        .storage
        .add_token(account_id, device_id, &token_hash, expires_at, now)
        .await?;
    Ok(added.then(|| p::SessionResponse {
        account_id: account_id.to_owned(),
        device_id: device_id.to_owned(),
        token: token.into(),
        expires_at: expires_at.to_string(),
    }))
}

/// `POST /v1/account/refresh`: a new token for the caller's device (the old one stays valid
/// until its own expiry).
pub async fn refresh(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<p::SessionResponse>, ApiErr> {
    token_for_device(&state, &caller.account_id, &caller.device_id)
        .await?
        .map(Json)
        .ok_or_else(ApiErr::unauthorized)
}

/// Whether `proof` (hex) hashes to `verifier` (hex of SHA-256), compared in constant time.
fn proof_matches(proof: &str, verifier: &str) -> bool {
    let (Ok(proof), Ok(expected)) = (hex::decode(proof), hex::decode(verifier)) else {
        return false;
    };
    if proof.len() != 32 || expected.len() != 32 {
        return false;
    }
    let actual = Sha256::digest(&proof);
    let diff = actual
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    diff == 0
}

/// Checks the caller's proof for a credential change or a revocation: the account-key proof
/// against the stored verifier, or else the current auth key against the stored hash.
/// `403 proof_required` when neither is given or neither holds.
pub(crate) async fn require_proof(
    state: &Shared,
    account_id: &str,
    current_auth_key: Option<&str>,
    account_proof: Option<&str>,
) -> Result<(), ApiErr> {
    let account = state
        .storage
        .account_by_id(account_id)
        .await?
        .ok_or_else(ApiErr::unauthorized)?;
    if let (Some(proof), Some(verifier)) = (account_proof, account.proof_verifier.as_deref()) {
        if proof_matches(proof, verifier) {
            return Ok(());
        }
    }
    if let Some(key) = current_auth_key {
        let key = hex::decode(key).unwrap_or_default();
        if auth_key_matches(state, account.auth_hash, key).await? {
            return Ok(());
        }
    }
    Err(ApiErr::proof_required())
}

/// Whether `key` is the auth key behind `stored` (the account's Argon2id hash), verified on
/// the hash gate.
async fn auth_key_matches(state: &Shared, stored: String, key: Vec<u8>) -> Result<bool, ApiErr> {
    state
        .hashes
        .run(move || auth::verify_auth_key(Some(&stored), &key))
        .await
}

/// `PUT /v1/account/credentials`: new login material after a passphrase change (or a reset
/// with the recovery key), with a proof; optionally signs out every other device in the same
/// transaction.
pub async fn update_credentials(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, ApiErr> {
    let req: p::CredentialsUpdate = parse(body)?;
    let auth_key = hex_of_len(&req.auth_key, 32, "auth_key")?;
    hex_of_len(&req.salt, 16, "salt")?;
    let wrapped = b64(&req.wrapped_account_key, "wrapped account key", 1024)?;
    require_proof(
        &state,
        &caller.account_id,
        req.current_auth_key.as_deref(),
        req.account_proof.as_deref(),
    )
    .await?;
    let auth_hash = state
        .hashes
        .run(move || auth::hash_auth_key(&auth_key))
        .await?
        .ok_or_else(ApiErr::internal)?;
    state
        .storage
        .update_credentials(
            &caller.account_id,
            NewCredentials {
                auth_hash,
                kdf: req.kdf,
                salt: req.salt,
                wrapped_account_key: wrapped,
            },
            req.sign_out_other_devices
                .then_some(caller.device_id.as_str()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/devices/revoke`: revokes one device of the account, or with `all_other_devices`
/// every device but the caller's; needs a proof.
pub async fn revoke(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, ApiErr> {
    let req: p::RevokeRequest = parse(body)?;
    require_proof(
        &state,
        &caller.account_id,
        req.current_auth_key.as_deref(),
        req.account_proof.as_deref(),
    )
    .await?;
    if req.all_other_devices {
        state
            .storage
            .revoke_other_devices(&caller.account_id, &caller.device_id)
            .await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    if state
        .storage
        .revoke_device(&caller.account_id, &req.device_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiErr::not_found("device"))
    }
}

/// `POST /v1/account/delete`: deletes the caller's account and every row of it in one
/// transaction ([`crate::storage::DeletionStore`]). Besides the token it needs the auth key
/// of the current passphrase: the account-key proof is not enough, since a device that
/// remembers its key holds the account key without knowing the passphrase. A wrong key counts
/// towards the username's login backoff (and is refused while it lasts), so a stolen token
/// cannot be used to guess the passphrase quickly. `403 proof_required` for a wrong key.
pub async fn delete_account(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, ApiErr> {
    let req: p::DeleteAccountRequest = parse(body)?;
    let key = hex_of_len(req.current_auth_key.expose(), 32, "current_auth_key")?;
    let username = state
        .storage
        .username_of(&caller.account_id)
        .await?
        .ok_or_else(ApiErr::unauthorized)?;
    if crate::api::login_blocked(&state, &username).await? {
        return Err(ApiErr::rate_limited());
    }
    let account = state
        .storage
        .account_by_id(&caller.account_id)
        .await?
        .ok_or_else(ApiErr::unauthorized)?;
    if !auth_key_matches(&state, account.auth_hash, key).await? {
        crate::api::login_failed(&state, &username).await?;
        return Err(ApiErr::proof_required());
    }
    if !state.storage.delete_account(&caller.account_id).await? {
        return Err(ApiErr::unauthorized());
    }
    // Nothing of the account stays, its backoff entry included.
    crate::api::login_succeeded(&state, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_match_only_their_verifier() {
        let proof = [7u8; 32];
        let verifier = hex::encode(Sha256::digest(proof));
        assert!(proof_matches(&hex::encode(proof), &verifier));
        assert!(!proof_matches(&hex::encode([8u8; 32]), &verifier));
        assert!(
            !proof_matches(&verifier, &verifier),
            "the verifier is not a proof"
        );
        assert!(!proof_matches("zz", &verifier));
        assert!(!proof_matches(&hex::encode([7u8; 16]), &verifier));
    }
}
