//! `solace register`, `solace login` and `solace sync`: connecting a store to a provider
//! server and keeping devices in step. Only sealed records and wrapped keys leave the device.

use std::path::Path;

use solace_core::messaging::{InboxReport, Messenger, OutboxReport};
use solace_core::sync::{self, HttpTransport, SyncBudget, SyncReport};
use solace_core::CoreError;

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
    out: &mut Output,
) -> Result<()> {
    let mut store = session::open(data_dir)?;
    if store.sync_account()?.is_some() {
        return Err(CliError::input(
            "this store is already connected to a sync account",
        ));
    }
    let pass = passphrase::current()?;
    let transport = HttpTransport::new(server)?;
    let device = device.unwrap_or_else(default_device_name);
    sync::register(&mut store, &transport, server, username, &pass, &device)?;
    if !out.json {
        out.line(format!("Registered {username} at {server}. Syncing…"))?;
    }
    let report = sync::sync_now(&mut store, &transport, SyncBudget::unlimited())?;
    print_report(&report, out)
}

/// `solace login --server URL --username NAME`: sets this machine up as a new device of an
/// existing account and pulls everything.
pub fn login(
    data_dir: &Path,
    server: &str,
    username: &str,
    device: Option<String>,
    remember: bool,
    out: &mut Output,
) -> Result<()> {
    if data_dir.join(solace_core::store::DB_FILE).exists() {
        return Err(CliError::input(
            "a store already exists here; use --data-dir for the new device's store",
        ));
    }
    let pass = passphrase::current()?;
    let transport = HttpTransport::new(server)?;
    let device = device.unwrap_or_else(default_device_name);
    let (mut store, report) = sync::login_new_device(
        data_dir,
        &transport,
        server,
        username,
        &pass,
        &device,
        SyncBudget::unlimited(),
    )
    .map_err(|e| match e {
        CoreError::WrongPassphrase => CliError::Core(CoreError::WrongPassphrase),
        other => other.into(),
    })?;
    if remember {
        store.remember_device(&session::device_keystore(data_dir))?;
    }
    if !out.json {
        out.line(format!(
            "Logged in as {username}; this device now holds your encrypted data."
        ))?;
    }
    print_report(&report, out)
}

/// `solace sync [--background]`.
pub fn sync_now(data_dir: &Path, background: bool, out: &mut Output) -> Result<()> {
    let mut store = session::open(data_dir)?;
    let (account, _) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    let transport = HttpTransport::new(&account.server_url)?;
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
