//! `solace register`, `solace login` and `solace sync`: connecting a store to a provider
//! server and keeping devices in step. Only sealed records and wrapped keys leave the device.
//!
//! The server must be `https://` (plain `http://` only on this machine); `--ca-cert` /
//! `SOLACE_CA_CERT` names a PEM root certificate for a self-signed server.

use std::path::Path;

use solace_core::messaging::{InboxReport, Messenger, OutboxReport};
use solace_core::store::sync_state::SyncAccount;
use solace_core::sync::{self, HttpTransport, SyncBudget, SyncReport, TransportOptions};
use solace_core::{CoreError, Store};

use crate::error::{CliError, Result};
use crate::output::Output;
use crate::passphrase;
use crate::session;

fn default_device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "terminal".into())
}

/// An HTTP transport to `server`, trusting `ca_cert` (a PEM file) when given.
pub fn transport(server: &str, ca_cert: Option<&Path>) -> Result<HttpTransport> {
    let options = match ca_cert {
        Some(path) => TransportOptions::with_ca_cert_file(path)?,
        None => TransportOptions::from_env()?,
    };
    Ok(HttpTransport::with_options(server, &options)?)
}

/// The store's sync account and a transport to its server.
pub fn connected_transport(
    store: &Store,
    ca_cert: Option<&Path>,
) -> Result<(SyncAccount, HttpTransport)> {
    let (account, _) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    let transport = transport(&account.server_url, ca_cert)?;
    Ok((account, transport))
}

fn print_report(report: &SyncReport, out: &mut Output) -> Result<()> {
    if report.quarantined > 0 {
        eprintln!(
            "warning: {} record(s) from the server failed authentication and were quarantined; \
             your records were not changed (see solace status)",
            report.quarantined
        );
    }
    if report.refused + report.damaged_skipped > 0 {
        eprintln!(
            "warning: {} record(s) could not be sent ({} refused by the server, {} damaged on \
             this device); they stay pending",
            report.refused + report.damaged_skipped,
            report.refused,
            report.damaged_skipped
        );
    }
    if out.json {
        return out.json(report);
    }
    out.line(format!(
        "sent {}, received {}, merged {}{}{}",
        report.pushed,
        report.pulled,
        report.merged,
        if report.conflict_copies > 0 {
            format!(
                " ({} conflict copies saved in your journal, tagged #conflict)",
                report.conflict_copies
            )
        } else {
            String::new()
        },
        if report.complete {
            "; everything is up to date"
        } else {
            "; more to do — run `solace sync` again"
        }
    ))
}

/// `solace register --server URL --username NAME`: creates the account on the server from
/// this store (first device) and syncs.
pub fn register(
    data_dir: &Path,
    server: &str,
    username: &str,
    device: Option<String>,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let mut store = session::open(data_dir)?;
    if store.sync_account()?.is_some() {
        return Err(CliError::input(
            "this store is already connected to a sync account",
        ));
    }
    let transport = transport(server, ca_cert)?;
    let pass = passphrase::current()?;
    let device = device.unwrap_or_else(default_device_name);
    sync::register(&mut store, &transport, server, username, &pass, &device)?;
    if !out.json {
        out.line(format!("Registered {username} at {server}. Syncing…"))?;
    }
    let report = sync::sync_now(&mut store, &transport, SyncBudget::unlimited())?;
    print_report(&report, out)
}

/// The `solace login` options.
pub struct LoginArgs<'a> {
    /// Server base URL.
    pub server: &'a str,
    /// Account name.
    pub username: &'a str,
    /// Device name (default: host name).
    pub device: Option<String>,
    /// Remember a new device (no passphrase for daily use).
    pub remember: bool,
    /// Extra root certificate, PEM file.
    pub ca_cert: Option<&'a Path>,
}

/// `solace login --server URL --username NAME`: sets this machine up as a new device of an
/// existing account and pulls everything; on a store that is already connected, logs it in
/// again (new token) keeping its data, pending edits and messaging identity.
pub fn login(data_dir: &Path, args: LoginArgs<'_>, out: &mut Output) -> Result<()> {
    if data_dir.join(solace_core::store::DB_FILE).exists() {
        return relogin(data_dir, &args, out);
    }
    let transport = transport(args.server, args.ca_cert)?;
    let pass = passphrase::current()?;
    let device = args.device.unwrap_or_else(default_device_name);
    let (mut store, report) = sync::login_new_device(
        data_dir,
        &transport,
        args.server,
        args.username,
        &pass,
        &device,
        SyncBudget::unlimited(),
    )?;
    if args.remember {
        store.remember_device(&session::device_keystore(data_dir))?;
    }
    if !out.json {
        out.line(format!(
            "Logged in as {}; this device now holds your encrypted data.",
            args.username
        ))?;
    }
    print_report(&report, out)
}

/// `solace login` on an existing store: only a connected one, only its own account and server.
fn relogin(data_dir: &Path, args: &LoginArgs<'_>, out: &mut Output) -> Result<()> {
    let mut store = session::open(data_dir)?;
    let Some((account, _)) = store.sync_account()? else {
        return Err(CliError::input(
            "a store that is not connected already exists here; use `solace register` to connect it, or --data-dir for a new device's store",
        ));
    };
    if account.username != args.username {
        return Err(CoreError::AccountMismatch.into());
    }
    if account.server_url.trim_end_matches('/') != args.server.trim_end_matches('/') {
        return Err(CliError::input(format!(
            "this store syncs with {}; log in there",
            account.server_url
        )));
    }
    let transport = transport(&account.server_url, args.ca_cert)?;
    let pass = passphrase::current()?;
    let device = args.device.clone().unwrap_or_else(default_device_name);
    sync::relogin(&mut store, &transport, args.username, &pass, &device)?;
    if out.json {
        return out.json(&serde_json::json!({
            "logged_in": true,
            "pending_changes": store.pending_changes()?,
        }));
    }
    out.line(format!(
        "Logged in again as {}; {} local changes wait for `solace sync`.",
        args.username,
        store.pending_changes()?
    ))
}

/// `solace sync [--background]`.
pub fn sync_now(
    data_dir: &Path,
    background: bool,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let mut store = session::open(data_dir)?;
    let (_, transport) = connected_transport(&store, ca_cert)?;
    let budget = if background {
        SyncBudget::background()
    } else {
        SyncBudget::unlimited()
    };
    let report = sync::sync_now(&mut store, &transport, budget)?;
    let messages = Messenger::new(&transport).sync(&mut store)?;
    print_report(&report, out)?;
    print_messages(&messages, out)
}

fn print_messages((inbox, outbox): &(InboxReport, OutboxReport), out: &mut Output) -> Result<()> {
    if out.json {
        return Ok(());
    }
    if inbox.held > 0 {
        out.line(format!(
            "messages: {} kept on the server: this device's messaging keys are damaged; \
             restore the store from a backup to receive them",
            inbox.held
        ))?;
    }
    if inbox.received + outbox.sent + outbox.waiting + outbox.wedged + inbox.rejected == 0 {
        return Ok(());
    }
    out.line(format!(
        "messages: {} received, {} sent, {} waiting, {} need a retry{}",
        inbox.received,
        outbox.sent,
        outbox.waiting,
        outbox.wedged,
        if inbox.rejected > 0 {
            format!("; {} failed verification and were dropped", inbox.rejected)
        } else {
            String::new()
        }
    ))?;
    if let Some(text) = &inbox.notification {
        out.line(format!("notification: {text}"))?;
    }
    Ok(())
}
