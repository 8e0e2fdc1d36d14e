//! The account's devices as this device manages them: list, revoke one, sign out all others.
//!
//! Revocation needs a proof beyond the bearer token — the account-key proof (always sent) and,
//! when the caller has the passphrase, the auth key it derives — so a stolen token alone
//! cannot lock a person out of their other devices.

use crate::error::InputProblem;
use solace_protocol as p;

use super::account::{prelogin_derive, proof_hex};
use super::session::refresh_shared;
use super::{Exclusive, StoreCell, Transport};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Which devices to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// One device, by id.
    Device(String),
    /// Every device of the account except this one.
    AllOthers,
}

/// The account's devices, oldest first.
pub fn list_devices(store: &mut Store, transport: &dyn Transport) -> Result<p::DeviceList> {
    list_devices_shared(&Exclusive::new(store), transport)
}

/// [`list_devices`] on a shared store (not borrowed while the server is asked).
pub fn list_devices_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
) -> Result<p::DeviceList> {
    refresh_shared(cell, transport)?;
    let (_, token) = cell
        .with(|s| s.sync_account())?
        .ok_or(CoreError::NotRegistered)?;
    transport.devices(&token)
}

/// Revokes `target` with the account-key proof, plus the auth key derived from
/// `passphrase` when given (needed for accounts registered before account-key proofs
/// existed: the server then answers `proof_required` without it). Revoking this device
/// itself is refused here: that is a sign-out, not a revocation.
pub fn revoke(
    store: &mut Store,
    transport: &dyn Transport,
    target: &RevokeTarget,
    passphrase: Option<&str>,
) -> Result<()> {
    revoke_shared(&Exclusive::new(store), transport, target, passphrase)
}

/// [`revoke`] on a shared store (not borrowed while the server is asked).
pub fn revoke_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    target: &RevokeTarget,
    passphrase: Option<&str>,
) -> Result<()> {
    refresh_shared(cell, transport)?;
    let (account, token, proof) = cell.with(|s| {
        let (account, token) = s.sync_account()?.ok_or(CoreError::NotRegistered)?;
        Ok((account, token, proof_hex(s)?))
    })?;
    let (device_id, all_other_devices) = match target {
        RevokeTarget::Device(id) if *id == account.device_id => {
            return Err(CoreError::invalid(
                "device",
                InputProblem::Rule("is the device in use; revoke it from another device"),
            ))
        }
        RevokeTarget::Device(id) => (id.clone(), false),
        RevokeTarget::AllOthers => (String::new(), true),
    };
    let current_auth_key = passphrase
        .map(|pass| {
            prelogin_derive(transport, &account.username, pass)
                .map(|d| hex::encode(d.auth_key.as_bytes()).into())
        })
        .transpose()?;
    transport.revoke(
        &token,
        &p::RevokeRequest {
            device_id,
            all_other_devices,
            current_auth_key,
            account_proof: Some(proof.to_string().into()),
        },
    )
}
