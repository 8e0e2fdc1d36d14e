//! Account lifecycle on the client: register the first device, log a new device in, and
//! stage new login material after a passphrase change so the next sync sends it.

use solace_protocol as p;

use super::{b64, sync_now, unb64, SyncBudget, SyncReport, Transport};
use crate::crypto::kdf::KdfParams;
use crate::error::{CoreError, Result};
use crate::store::sync_state::SyncAccount;
use crate::store::Store;
use crate::vault::PortableKeys;

fn wire_kdf(k: KdfParams) -> p::WireKdf {
    p::WireKdf {
        memory_kib: k.memory_kib,
        iterations: k.iterations,
        parallelism: k.parallelism,
    }
}

pub(super) fn to_portable(keys: &p::AccountKeys) -> Result<PortableKeys> {
    let bad = || CoreError::ServerRejected {
        code: "bad_keys".into(),
        message: "the server sent malformed key material".into(),
    };
    let salt: [u8; 16] = hex::decode(&keys.salt)
        .map_err(|_| bad())?
        .try_into()
        .map_err(|_| bad())?;
    Ok(PortableKeys {
        kdf: KdfParams {
            memory_kib: keys.kdf.memory_kib,
            iterations: keys.kdf.iterations,
            parallelism: keys.kdf.parallelism,
        },
        salt,
        wrapped_account_key: unb64(&keys.wrapped_account_key)?,
        recovery_wrapped_account_key: keys
            .recovery_wrapped_account_key
            .as_deref()
            .map(unb64)
            .transpose()?,
        items_keys: keys
            .items_keys
            .iter()
            .map(|k| Ok((k.key_id, unb64(&k.wrapped)?)))
            .collect::<Result<_>>()?,
    })
}

pub(super) fn wire_items_keys(keys: &PortableKeys) -> Vec<p::WireItemsKey> {
    keys.items_keys
        .iter()
        .map(|(key_id, w)| p::WireItemsKey {
            key_id: *key_id,
            wrapped: b64(w),
        })
        .collect()
}

/// Connects an existing store to a server by creating the account there (first device).
/// The passphrase is checked locally first; the server receives the auth key (it stores a slow
/// hash of it), the wrapped account key and the wrapped items keys — never a usable key.
pub fn register(
    store: &mut Store,
    transport: &dyn Transport,
    server_url: &str,
    username: &str,
    passphrase: &str,
    device_name: &str,
) -> Result<()> {
    let derived = store.derive_with_passphrase(passphrase)?;
    let keys = store.portable_keys()?;
    let session = transport.register(&p::RegisterRequest {
        account_proof_verifier: None,
        username: username.to_owned(),
        auth_key: hex::encode(derived.auth_key.as_bytes()),
        kdf: wire_kdf(keys.kdf),
        salt: hex::encode(keys.salt),
        wrapped_account_key: b64(&keys.wrapped_account_key),
        items_keys: wire_items_keys(&keys),
        device_name: device_name.to_owned(),
        recovery_wrapped_account_key: keys.recovery_wrapped_account_key.as_deref().map(b64),
    })?;
    store.set_sync_account(
        &SyncAccount {
            server_url: server_url.to_owned(),
            username: username.to_owned(),
            account_id: session.account_id,
            device_id: session.device_id,
        },
        &session.token,
    )
}

/// Device-local slot for login material not yet sent to the server.
pub(super) const PENDING_CREDENTIALS: &str = "sync/pending-credentials";

/// After a passphrase change on a connected store: keeps the new login material (auth key,
/// KDF parameters, salt, account key wrap) sealed on the device, and the next [`sync_now`]
/// sends it, so new devices log in with the new passphrase. Works offline. No-op for a store
/// that is not connected.
pub fn stage_credentials(store: &mut Store, passphrase: &str) -> Result<()> {
    if store.sync_account()?.is_none() {
        return Ok(());
    }
    let derived = store.derive_with_passphrase(passphrase)?;
    let keys = store.portable_keys()?;
    let update = p::CredentialsUpdate {
        current_auth_key: None,
        account_proof: None,
        sign_out_other_devices: false,
        auth_key: hex::encode(derived.auth_key.as_bytes()),
        kdf: wire_kdf(keys.kdf),
        salt: hex::encode(keys.salt),
        wrapped_account_key: b64(&keys.wrapped_account_key),
    };
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&update).map_err(|_| {
        CoreError::MalformedRecord {
            kind: "credentials",
        }
    })?);
    store.put_device_state(PENDING_CREDENTIALS, &bytes)
}

/// Logs a new device in: fetches the KDF parameters (the local floor still applies), derives
/// the auth key, logs in, fetches the wrapped keys, creates the local store in `dir` and pulls
/// everything within `budget`.
pub fn login_new_device(
    dir: &std::path::Path,
    transport: &dyn Transport,
    server_url: &str,
    username: &str,
    passphrase: &str,
    device_name: &str,
    budget: SyncBudget,
) -> Result<(Store, SyncReport)> {
    let pre = transport.prelogin(&p::PreloginRequest {
        username: username.to_owned(),
    })?;
    let kdf = KdfParams {
        memory_kib: pre.kdf.memory_kib,
        iterations: pre.kdf.iterations,
        parallelism: pre.kdf.parallelism,
    };
    let salt: [u8; 16] = hex::decode(&pre.salt)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| CoreError::ServerRejected {
            code: "bad_salt".into(),
            message: "malformed salt".into(),
        })?;
    let derived = crate::crypto::kdf::derive(passphrase.as_bytes(), &salt, &kdf)?;
    let session = transport
        .login(&p::LoginRequest {
            device_id: None,
            account_proof_verifier: None,
            username: username.to_owned(),
            auth_key: hex::encode(derived.auth_key.as_bytes()),
            device_name: device_name.to_owned(),
        })
        .map_err(|e| match e {
            CoreError::Unauthorized => CoreError::WrongPassphrase,
            other => other,
        })?;
    let keys = to_portable(&transport.account_keys(&session.token)?)?;
    let mut store = Store::create_from_portable(dir, &derived, &keys)?;
    store.set_sync_account(
        &SyncAccount {
            server_url: server_url.to_owned(),
            username: username.to_owned(),
            account_id: session.account_id,
            device_id: session.device_id,
        },
        &session.token,
    )?;
    let report = sync_now(&mut store, transport, budget)?;
    Ok((store, report))
}
