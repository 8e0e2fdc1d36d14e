//! Deleting the sync account: the server removes every row of it, this device forgets the
//! connection and keeps its data as a local-only store.
//!
//! The server wants a proof of the passphrase (the auth key it derives), never only the
//! device token. Any passphrase change staged on this device is sent first, so the
//! passphrase the person types now is the one the server checks.

use solace_protocol as p;

use super::account::{credentials_applied, pending_credentials, prelogin_derive, CONNECTION_FLAGS};
use super::session::refresh_shared;
use super::{StoreCell, Transport};
use crate::error::{CoreError, Result, TransportError};

/// Deletes the connected account on the server with a proof of `passphrase`, then forgets
/// the connection on this device ([`crate::store::Store::forget_sync_account`]); records,
/// messages and conversations stay on the device. A passphrase the server does not accept is
/// [`CoreError::WrongPassphrase`] (nothing was deleted); a store that is not connected is
/// [`CoreError::NotRegistered`].
pub fn delete_account_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    passphrase: &str,
) -> Result<()> {
    refresh_shared(cell, transport)?;
    let (account, token) = cell
        .with(|s| s.sync_account())?
        .ok_or(CoreError::NotRegistered)?;
    if let Some((update, bytes)) = pending_credentials(cell)? {
        transport.update_credentials(&token, &update)?;
        credentials_applied(cell, &update, &bytes)?;
    }
    let derived = prelogin_derive(transport, &account.username, passphrase)?;
    let request = p::DeleteAccountRequest {
        current_auth_key: hex::encode(derived.auth_key.as_bytes()).into(),
    };
    transport
        .delete_account(&token, &request)
        .map_err(|e| match e {
            CoreError::Transport(TransportError::Rejected { code, .. })
                if code == "proof_required" =>
            {
                CoreError::WrongPassphrase
            }
            other => other,
        })?;
    cell.with(|s| {
        s.atomically(|s| {
            s.forget_sync_account()?;
            for name in CONNECTION_FLAGS {
                s.delete_device_state(name)?;
            }
            Ok(())
        })
    })
}
