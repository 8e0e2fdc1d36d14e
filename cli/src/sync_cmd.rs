//! `solace register`, `solace login` and `solace sync`: connecting a store to a provider
//! server and keeping devices in step. Only sealed records and wrapped keys leave the device.
//!
//! The server must be `https://` (plain `http://` only on this machine); `--ca-cert` /
//! `SOLACE_CA_CERT` names a PEM root certificate for a self-signed server.

use std::path::Path;

use solace_core::app::{block_on, Credentials, WatchEvent};
use solace_core::messaging::{InboxReport, OutboxReport};
use solace_core::sync::{SyncBudget, SyncReport};
use solace_core::{App, CoreError};

use crate::error::{CliError, Result};
use crate::output::Output;
use crate::passphrase;
use crate::unlock;

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
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let app = unlock::open_app(data_dir, ca_cert)?;
    if app.read(|s| s.sync_account())?.is_some() {
        return Err(CliError::input(
            "this store is already connected to a sync account",
        ));
    }
    let credentials = Credentials {
        username: username.to_owned(),
        passphrase: passphrase::current()?,
        device_name: device.unwrap_or_else(default_device_name),
    };
    block_on(app.register(server.to_owned(), credentials))?;
    if !out.json {
        out.line(format!("Registered {username} at {server}. Syncing…"))?;
    }
    let report = block_on(app.sync(SyncBudget::unlimited()))?;
    print_report(&report.records, out)
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
/// again (new token) keeping its data, pending edits and messaging identity; on a restored
/// store (not connected), signs it in as a new device.
pub fn login(data_dir: &Path, args: LoginArgs<'_>, out: &mut Output) -> Result<()> {
    if data_dir.join(solace_core::store::DB_FILE).exists() {
        return relogin(data_dir, &args, out);
    }
    let credentials = Credentials {
        username: args.username.to_owned(),
        passphrase: passphrase::current()?,
        device_name: args.device.unwrap_or_else(default_device_name),
    };
    let (app, report) = block_on(App::login_new_device(
        data_dir.to_path_buf(),
        args.server.to_owned(),
        credentials,
        SyncBudget::unlimited(),
        unlock::transport_options(args.ca_cert)?,
    ))?;
    if args.remember {
        app.write(|s| s.remember_device(&unlock::device_keystore(data_dir)))?;
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
    let app = unlock::open_app(data_dir, args.ca_cert)?;
    let Some((account, _)) = app.read(|s| s.sync_account())? else {
        return login_restored(&app, args, out);
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
    let credentials = Credentials {
        username: args.username.to_owned(),
        passphrase: passphrase::current()?,
        device_name: args.device.clone().unwrap_or_else(default_device_name),
    };
    block_on(app.relogin(credentials))?;
    let pending = app.read(|s| s.pending_changes())?;
    if out.json {
        return out.json(&serde_json::json!({
            "logged_in": true,
            "pending_changes": pending,
        }));
    }
    out.line(format!(
        "Logged in again as {}; {pending} local changes wait for `solace sync`.",
        args.username,
    ))
}

/// `solace login` on a store that is not connected (one restored from a backup): signs it
/// in as a new device of the account its keys belong to and syncs.
fn login_restored(app: &App, args: &LoginArgs<'_>, out: &mut Output) -> Result<()> {
    let credentials = Credentials {
        username: args.username.to_owned(),
        passphrase: passphrase::current()?,
        device_name: args.device.clone().unwrap_or_else(default_device_name),
    };
    let report =
        block_on(app.login_restored(args.server.to_owned(), credentials, SyncBudget::unlimited()))
            .map_err(|e| match e {
                CoreError::AccountMismatch => CliError::input(
                    "this store's keys are not the account's: it was not restored from one of its \
             backups (use `solace register` to connect a new store)",
                ),
                other => other.into(),
            })?;
    if !out.json {
        out.line(format!(
            "Logged in as {} on this restored store (a new device).",
            args.username
        ))?;
    }
    print_report(&report.records, out)
}

/// `solace sync [--background]`.
pub fn sync_now(
    data_dir: &Path,
    background: bool,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let app = unlock::open_app(data_dir, ca_cert)?;
    let budget = if background {
        SyncBudget::background()
    } else {
        SyncBudget::unlimited()
    };
    let report = block_on(app.sync(budget))?;
    print_report(&report.records, out)?;
    print_messages(&report.inbox, &report.outbox, out)?;
    if !out.json {
        identity_notes(&app, &report.outbox, out)?;
    }
    Ok(())
}

/// `solace sync --watch`: syncs, then again within a second of every change the server
/// reports (live updates), printing each round, until Ctrl-C or a failure retrying cannot fix.
pub fn watch(data_dir: &Path, ca_cert: Option<&Path>, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, ca_cert)?;
    if !out.json {
        out.line("Watching for changes (Ctrl-C to stop).")?;
    }
    let mut failed: Option<CliError> = None;
    let result = block_on(app.watch(|event| {
        let printed = match event {
            WatchEvent::Synced(report) => print_report(&report.records, out)
                .and_then(|()| print_messages(&report.inbox, &report.outbox, out))
                .and_then(|()| {
                    if out.json {
                        Ok(())
                    } else {
                        identity_notes(&app, &report.outbox, out)
                    }
                }),
            WatchEvent::Retrying { error, retry_in } => {
                out.line(format!("{error}; trying again in {} s", retry_in.as_secs()))
            }
        };
        match printed {
            Ok(()) => true,
            Err(e) => {
                // stdout is gone (the terminal closed): stop quietly.
                failed = Some(e);
                false
            }
        }
    }));
    result?;
    failed.map_or(Ok(()), Err)
}

/// What the identity checks of a messaging round found, by conversation name: a changed
/// identity (messages wait), a listed device the account did not sign (given nothing), a
/// new signed device.
pub fn identity_notes(app: &App, outbox: &OutboxReport, out: &mut Output) -> Result<()> {
    let conversations = app.read(solace_core::messaging::local::conversations)?;
    let name = |peer: &str| {
        conversations
            .iter()
            .find(|c| c.peer_account == peer && !c.peer_name.is_empty())
            .map_or_else(|| peer.to_owned(), |c| c.peer_name.clone())
    };
    for peer in &outbox.identity_changed {
        let who = name(peer);
        out.line(format!(
            "{who}'s identity changed: messages to them wait; see `solace verify {who}`"
        ))?;
    }
    for peer in &outbox.refused_devices {
        out.line(format!(
            "a device listed for {} is not signed by their account: it was sent nothing",
            name(peer)
        ))?;
    }
    for peer in &outbox.added_devices {
        out.line(format!("{} added a device", name(peer)))?;
    }
    Ok(())
}

fn print_messages(inbox: &InboxReport, outbox: &OutboxReport, out: &mut Output) -> Result<()> {
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
    if inbox.expired_inbound + inbox.expired_outbound > 0 {
        out.line(format!(
            "messages: {} for this device and {} you sent expired on the server unread \
             (each conversation says which)",
            inbox.expired_inbound, inbox.expired_outbound
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
