//! `solace verify NAME`: the conversation's safety number (compare it with the other person),
//! whether it is verified, whether their identity changed, and their signed devices.

use std::path::Path;

use solace_core::messaging::identity::IdentityStatus;

use crate::args::VerifyArgs;
use crate::error::Result;
use crate::message_cmd::resolve_peer;
use crate::output::Output;
use crate::unlock;

/// `solace verify …`.
pub fn run(args: VerifyArgs, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    let peer = app.write(|s| Ok(resolve_peer(s, &args.with)))??;
    let status = if args.accept_change {
        app.accept_identity_change(&peer.peer_account)?
    } else if args.mark_verified || args.unverify {
        app.mark_verified(&peer.peer_account, args.mark_verified)?
    } else {
        app.identity_status(&peer.peer_account)?
    };
    print(&status, &peer.peer_name, out)
}

fn print(status: &IdentityStatus, name: &str, out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(status);
    }
    match &status.safety_number {
        Some(number) => {
            out.line(format!("Safety number with {name}:"))?;
            out.line(format!("  {}", number.digits))?;
            out.line(format!("QR payload: {}", number.qr_payload))?;
        }
        None => out.line(format!(
            "No identity known for {name} yet: send or receive a message first (`solace sync`)."
        ))?,
    }
    if status.changed {
        out.line(format!(
            "{name}'s identity CHANGED: messages to them wait. Compare the new number with them, \
             then run `solace verify {name} --accept-change`."
        ))?;
    } else if status.verified {
        out.line("Verified.")?;
    } else if status.safety_number.is_some() {
        out.line(format!(
            "Not verified: compare the number with {name}, then `solace verify {name} --mark-verified`."
        ))?;
    }
    let devices = status.devices.join(", ");
    out.line(format!(
        "Signed devices: {}",
        if devices.is_empty() {
            "none seen yet"
        } else {
            &devices
        }
    ))
}
