//! `solace devices`: the devices of the sync account — list them, revoke one, or sign out all
//! others. Revocation carries the account-key proof (and, on request, a proof of the
//! passphrase), so a stolen device token alone cannot lock anyone out.

use solace_core::error::TransportError;
use std::path::Path;

use clap::Subcommand;
use serde::Serialize;
use solace_core::app::block_on;
use solace_core::sync::RevokeTarget;
use solace_core::CoreError;

use crate::error::{CliError, Result};
use crate::output::Output;
use crate::passphrase;
use crate::unlock;

/// `solace devices …`
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// List the account's devices
    List,
    /// Revoke one device (its token stops working at once)
    Revoke {
        /// The device id (from `solace devices`)
        device_id: String,
        /// Also prove the passphrase (SOLACE_PASSPHRASE or asked); needed for accounts
        /// created before account-key proofs
        #[arg(long)]
        with_passphrase: bool,
    },
    /// Revoke every device of the account except this one
    SignOutOthers {
        /// Also prove the passphrase (SOLACE_PASSPHRASE or asked)
        #[arg(long)]
        with_passphrase: bool,
    },
}

#[derive(Serialize)]
struct Row<'a> {
    device_id: &'a str,
    name: &'a str,
    revoked: bool,
    this_device: bool,
}

/// Runs `solace devices [list|revoke ID|sign-out-others]`.
pub fn run(
    command: Option<DevicesCommand>,
    data_dir: &Path,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let app = unlock::open_app(data_dir, ca_cert)?;
    let (account, _) = app
        .read(|s| s.sync_account())?
        .ok_or(CoreError::NotRegistered)?;
    let (target, with_passphrase) = match command.unwrap_or(DevicesCommand::List) {
        DevicesCommand::List => {
            let list = block_on(app.devices())?;
            let rows: Vec<Row> = list
                .devices
                .iter()
                .map(|d| Row {
                    device_id: &d.device_id,
                    name: &d.name,
                    revoked: d.revoked,
                    this_device: d.device_id == account.device_id,
                })
                .collect();
            if out.json {
                return out.json(&rows);
            }
            // Names come from the server: no control characters reach the terminal.
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.device_id.to_owned(),
                        r.name.chars().filter(|c| !c.is_control()).collect(),
                        match (r.this_device, r.revoked) {
                            (true, _) => "this device".into(),
                            (false, true) => "revoked".into(),
                            (false, false) => "active".into(),
                        },
                    ]
                })
                .collect();
            out.table(&["device", "name", "state"], &table)?;
            return Ok(());
        }
        DevicesCommand::Revoke {
            device_id,
            with_passphrase,
        } => (RevokeTarget::Device(device_id), with_passphrase),
        DevicesCommand::SignOutOthers { with_passphrase } => {
            (RevokeTarget::AllOthers, with_passphrase)
        }
    };
    let pass = if with_passphrase {
        Some(passphrase::current()?)
    } else {
        None
    };
    block_on(app.revoke(target.clone(), pass)).map_err(|e| match e {
        CoreError::Transport(TransportError::Rejected { code, .. }) if code == "proof_required" => {
            CliError::input(
                "the server asks for a proof of the passphrase: run again with --with-passphrase",
            )
        }
        other => other.into(),
    })?;
    if out.json {
        return out.json(&serde_json::json!({ "revoked": true }));
    }
    out.line(match target {
        RevokeTarget::Device(_) => "Device revoked; it can no longer sync.",
        RevokeTarget::AllOthers => {
            "Every other device is signed out; they can log in again with the passphrase."
        }
    })
}
