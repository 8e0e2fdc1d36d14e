//! Account lifecycle on the client: register the first device, log a new device in, log a
//! connected device in again (new token, same store), and stage new login material after a
//! passphrase change so the next sync sends it.

use crate::error::TransportError;
use solace_protocol as p;
use zeroize::Zeroizing;

use super::session::{store_session, token_times, unix_now};
use super::{b64, sync_now, unb64, Exclusive, StoreCell, SyncBudget, SyncReport, Transport};
use crate::crypto::kdf::{DerivedKeys, KdfParams};
use crate::crypto::SecretKey;
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
    let bad = || {
        CoreError::Transport(TransportError::Rejected {
            code: "bad_keys".into(),
            message: "the server sent malformed key material".into(),
        })
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
    let login = Login {
        server_url,
        username,
        passphrase,
        device_name,
    };
    register_shared(&Exclusive::new(store), transport, &login)
}

/// Who logs in where, for the shared-store account calls.
#[derive(Clone, Copy)]
pub struct Login<'a> {
    /// Server base URL.
    pub server_url: &'a str,
    /// Account name.
    pub username: &'a str,
    /// The passphrase (used locally to derive the auth key; never sent).
    pub passphrase: &'a str,
    /// This device's name as other devices list it.
    pub device_name: &'a str,
}

/// [`register`] on a shared store: the store is not borrowed while the server is asked.
pub fn register_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    login: &Login<'_>,
) -> Result<()> {
    let (derived, keys, verifier) = cell.with(|s| {
        Ok((
            s.derive_with_passphrase(login.passphrase)?,
            s.portable_keys()?,
            proof_verifier(s)?,
        ))
    })?;
    let session = transport.register(&p::RegisterRequest {
        account_proof_verifier: Some(verifier),
        username: login.username.to_owned(),
        auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
        kdf: wire_kdf(keys.kdf),
        salt: hex::encode(keys.salt),
        wrapped_account_key: b64(&keys.wrapped_account_key),
        items_keys: wire_items_keys(&keys),
        device_name: login.device_name.to_owned(),
        recovery_wrapped_account_key: keys.recovery_wrapped_account_key.as_deref().map(b64),
    })?;
    cell.with(|s| save_new_session(s, login.server_url, login.username, &session))?;
    // The account identity is born here, on the first device, and pushed at once so the
    // devices that log in next pull it (they never create their own). A failed push is
    // retried by the next sync.
    cell.with(|s| crate::messaging::identity::AccountIdentity::load_or_create(s).map(|_| ()))?;
    let _ = super::sync_shared(
        cell,
        transport,
        SyncBudget::unlimited(),
        &crate::cancel::CancelToken::new(),
    );
    Ok(())
}

/// The account-key proof as sent to the server, hex (see [`Store::account_proof`]).
pub(super) fn proof_hex(store: &Store) -> Result<Zeroizing<String>> {
    Ok(Zeroizing::new(hex::encode(
        store.account_proof()?.as_bytes(),
    )))
}

/// The verifier the server keeps for the account-key proof: `hex(SHA-256(proof))`.
pub fn proof_verifier(store: &Store) -> Result<String> {
    use sha2::{Digest, Sha256};
    Ok(hex::encode(Sha256::digest(
        store.account_proof()?.as_bytes(),
    )))
}

/// Asks the server for the account's KDF parameters and salt and derives the login keys
/// (the local floor applies whatever the server says).
pub(super) fn prelogin_derive(
    transport: &dyn Transport,
    username: &str,
    passphrase: &str,
) -> Result<DerivedKeys> {
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
        .ok_or_else(|| {
            CoreError::Transport(TransportError::Rejected {
                code: "bad_salt".into(),
                message: "malformed salt".into(),
            })
        })?;
    crate::crypto::kdf::derive(passphrase.as_bytes(), &salt, &kdf)
}

/// A refused login means the passphrase (or account name) is wrong.
fn login_refused(e: CoreError) -> CoreError {
    match e {
        CoreError::Transport(TransportError::Unauthorized) => CoreError::WrongPassphrase,
        other => other,
    }
}

/// Logs a connected store in again (after its token expired or was revoked): derives the
/// auth key from `passphrase` with the server's current parameters, logs in as the stored
/// device and stores the new token. The store, its pending edits, its cursor and its Olm
/// identity stay as they are; the next [`sync_now`] sends the pending edits. Refuses with
/// [`CoreError::AccountMismatch`] a `username` other than the connected one, or a server
/// answering for another account.
pub fn relogin(
    store: &mut Store,
    transport: &dyn Transport,
    username: &str,
    passphrase: &str,
    device_name: &str,
) -> Result<()> {
    relogin_shared(
        &Exclusive::new(store),
        transport,
        username,
        passphrase,
        device_name,
    )
}

/// [`relogin`] on a shared store: the store is not borrowed while the server is asked.
pub fn relogin_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    username: &str,
    passphrase: &str,
    device_name: &str,
) -> Result<()> {
    let (account, verifier) = cell.with(|s| {
        let (account, _) = s.sync_account()?.ok_or(CoreError::NotRegistered)?;
        Ok((account, proof_verifier(s)?))
    })?;
    if account.username != username {
        return Err(CoreError::AccountMismatch);
    }
    let derived = prelogin_derive(transport, username, passphrase)?;
    let session = transport
        .login(&p::LoginRequest {
            username: username.to_owned(),
            auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
            device_name: device_name.to_owned(),
            device_id: Some(account.device_id.clone()),
            account_proof_verifier: Some(verifier),
        })
        .map_err(login_refused)?;
    cell.with(|s| store_session(s, &account, &session, unix_now()))
}

/// Connects `store` to the account a fresh `session` (from register or a new-device login)
/// belongs to: server, name, ids, the sealed token and its lifetime.
fn save_new_session(
    store: &mut Store,
    server_url: &str,
    username: &str,
    session: &p::SessionResponse,
) -> Result<()> {
    store.set_sync_session(
        &SyncAccount {
            server_url: server_url.to_owned(),
            username: username.to_owned(),
            account_id: session.account_id.clone(),
            device_id: session.device_id.clone(),
        },
        session.token.expose(),
        token_times(session, unix_now()),
    )
}

/// Device-local slot for login material not yet sent to the server.
pub(super) const PENDING_CREDENTIALS: &str = "sync/pending-credentials";

/// Set (device-local) once the server applied a credentials change that signed out every
/// other device: the next messaging sync drops them from the account's signed device list
/// too, so a server that un-revokes one cannot get it messages again.
pub const SIGNED_OUT_OTHERS: &str = "sync/signed-out-others";

/// The device-local flags that belong to the connection with the sync account (cleared when
/// the account is deleted).
pub(super) const CONNECTION_FLAGS: [&str; 2] = [PENDING_CREDENTIALS, SIGNED_OUT_OTHERS];

/// Options for [`stage_credentials_with`].
#[derive(Debug, Default)]
pub struct CredentialOptions {
    /// The auth key the server knows now (derived from the old passphrase before the change),
    /// for accounts registered before account-key proofs existed. The account-key proof is
    /// always sent as well.
    pub current_auth_key: Option<SecretKey>,
    /// Revoke every other device of the account when the server applies the change.
    pub sign_out_other_devices: bool,
}

/// After a passphrase change on a connected store: keeps the new login material (auth key,
/// KDF parameters, salt, account key wrap) sealed on the device, and the next [`sync_now`]
/// sends it, so new devices log in with the new passphrase. Works offline. No-op for a store
/// that is not connected. Same as [`stage_credentials_with`] with default options.
pub fn stage_credentials(store: &mut Store, passphrase: &str) -> Result<()> {
    stage_credentials_with(store, passphrase, &CredentialOptions::default())
}

/// [`stage_credentials`] with a proof of the old passphrase and the choice to sign out the
/// other devices. The staged update carries the account-key proof (a stolen token alone
/// cannot change credentials). When an earlier change is still waiting, its proof of the
/// passphrase the server knows is kept, and a sign-out asked for then still happens.
pub fn stage_credentials_with(
    store: &mut Store,
    passphrase: &str,
    options: &CredentialOptions,
) -> Result<()> {
    if store.sync_account()?.is_none() {
        return Ok(());
    }
    let earlier = store
        .device_state(PENDING_CREDENTIALS)?
        .and_then(|bytes| serde_json::from_slice::<p::CredentialsUpdate>(&bytes).ok());
    let derived = store.derive_with_passphrase(passphrase)?;
    let keys = store.portable_keys()?;
    // With a change still waiting, the server knows the passphrase from before that one, so
    // only its proof can be right.
    let current_auth_key = match &earlier {
        Some(e) => e.current_auth_key.clone(),
        None => options
            .current_auth_key
            .as_ref()
            .map(|k| hex::encode(k.as_bytes()).into()),
    };
    let update = p::CredentialsUpdate {
        current_auth_key,
        account_proof: Some(proof_hex(store)?.to_string().into()),
        sign_out_other_devices: options.sign_out_other_devices
            || earlier.as_ref().is_some_and(|e| e.sign_out_other_devices),
        auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
        kdf: wire_kdf(keys.kdf),
        salt: hex::encode(keys.salt),
        wrapped_account_key: b64(&keys.wrapped_account_key),
    };
    let bytes =
        Zeroizing::new(
            serde_json::to_vec(&update).map_err(|_| CoreError::MalformedRecord {
                kind: "credentials",
            })?,
        );
    store.put_device_state(PENDING_CREDENTIALS, &bytes)
}

/// The staged credentials update waiting for the server, if any, with its stored bytes (so
/// [`credentials_applied`] clears exactly that one).
pub(super) fn pending_credentials(
    cell: &dyn StoreCell,
) -> Result<Option<(p::CredentialsUpdate, Zeroizing<Vec<u8>>)>> {
    let Some(bytes) = cell.with(|s| s.device_state(PENDING_CREDENTIALS))? else {
        return Ok(None);
    };
    let update = serde_json::from_slice(&bytes).map_err(|_| CoreError::MalformedRecord {
        kind: "credentials",
    })?;
    Ok(Some((update, bytes)))
}

/// After the server applied the staged `update` (stored as `bytes`): notes a sign-out of the
/// other devices and clears the staged update. Only the update that was sent is cleared: a
/// passphrase change made while it was in flight staged a newer one, which goes next.
pub(super) fn credentials_applied(
    cell: &dyn StoreCell,
    update: &p::CredentialsUpdate,
    bytes: &[u8],
) -> Result<()> {
    cell.with(|s| {
        s.atomically(|s| {
            if update.sign_out_other_devices {
                s.put_device_state(SIGNED_OUT_OTHERS, b"1")?;
            }
            match s.device_state(PENDING_CREDENTIALS)? {
                Some(now) if *now == *bytes => s.delete_device_state(PENDING_CREDENTIALS),
                _ => Ok(()),
            }
        })
    })
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
    let derived = prelogin_derive(transport, username, passphrase)?;
    let session = transport
        .login(&p::LoginRequest {
            device_id: None,
            // The account key is not known before the keys are fetched; a later re-login
            // sends the verifier for accounts that have none.
            account_proof_verifier: None,
            username: username.to_owned(),
            auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
            device_name: device_name.to_owned(),
        })
        .map_err(login_refused)?;
    let keys = to_portable(&transport.account_keys(session.token.expose())?)?;
    let mut store = Store::create_from_portable(dir, &derived, &keys)?;
    save_new_session(&mut store, server_url, username, &session)?;
    let report = sync_now(&mut store, transport, budget)?;
    Ok((store, report))
}

/// Signs a store that is not connected yet — one restored from a backup — in to an existing
/// account as a new device: derives the auth key with the server's parameters, logs in,
/// checks that the account's key is the one this store holds
/// ([`CoreError::AccountMismatch`] otherwise: its records could not open anywhere else), adds
/// the account's items keys (from passphrase changes made since the backup) and stores the
/// session. The next sync pushes what waited for upload and pulls the rest, under the usual
/// rules: mutation numbers are this new device's own, and every record keeps its rollback
/// floor. A store already connected is refused (it logs in again with [`relogin`]).
pub fn login_restored_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    login: &Login<'_>,
) -> Result<()> {
    if cell.with(|s| s.sync_account())?.is_some() {
        return Err(CoreError::invalid(
            "store",
            crate::error::InputProblem::Rule("is already connected to a sync account"),
        ));
    }
    let derived = prelogin_derive(transport, login.username, login.passphrase)?;
    let session = transport
        .login(&p::LoginRequest {
            device_id: None,
            // Sent only by a device whose key the account is known to share.
            account_proof_verifier: None,
            username: login.username.to_owned(),
            auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
            device_name: login.device_name.to_owned(),
        })
        .map_err(login_refused)?;
    let keys = to_portable(&transport.account_keys(session.token.expose())?)?;
    let account_key = crate::vault::unwrap_account_key(&derived, &keys)?;
    if !cell.with(|s| s.is_account_key(&account_key))? {
        return Err(CoreError::AccountMismatch);
    }
    cell.with(|s| s.add_wrapped_items_keys(&keys.items_keys))?;
    cell.with(|s| save_new_session(s, login.server_url, login.username, &session))
}
