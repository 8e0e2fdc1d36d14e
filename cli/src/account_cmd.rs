//! `solace account`: the sync account itself. `delete` removes it from the server for good —
//! after a typed confirmation of the account name (or `--yes`) and with the passphrase —
//! and leaves everything on this device as a local-only store.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use clap::Subcommand;
use serde::Serialize;
use solace_core::app::block_on;
use solace_core::CoreError;

use crate::error::{CliError, Result};
use crate::output::{escape_controls, Output};
use crate::passphrase;
use crate::unlock;

/// `solace account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Delete the sync account on the server for good: records, keys, devices, mailboxes,
    /// links (the other person keeps their copy of your conversations) and profile. This
    /// device keeps its data as a local-only store. Asks you to type the account name unless
    /// --yes is given; needs the passphrase (SOLACE_PASSPHRASE or asked)
    Delete {
        /// Do not ask for the account name to confirm
        #[arg(long)]
        yes: bool,
    },
}

/// What `solace --json account delete` prints.
#[derive(Serialize)]
struct Deleted<'a> {
    deleted: bool,
    username: &'a str,
    server_url: &'a str,
    /// The store on this device stays (no longer connected).
    local_data_kept: bool,
}

/// Runs `solace account …`.
pub fn run(
    command: AccountCommand,
    data_dir: &Path,
    ca_cert: Option<&Path>,
    out: &mut Output,
) -> Result<()> {
    let AccountCommand::Delete { yes } = command;
    let app = unlock::open_app(data_dir, ca_cert)?;
    let (account, _) = app
        .read(|s| s.sync_account())?
        .ok_or(CoreError::NotRegistered)?;
    if !yes {
        confirm(&account.username, &account.server_url)?;
    }
    let pass = passphrase::current()?;
    block_on(app.delete_account(pass))?;
    if out.json {
        return out.json(&Deleted {
            deleted: true,
            username: &account.username,
            server_url: &account.server_url,
            local_data_kept: true,
        });
    }
    out.line(format!(
        "Deleted the account {} on {}: its records, keys, devices, mailboxes and profile are \
         gone from the server, and your links have ended (the people you were linked with \
         keep their own copy of your conversations).",
        account.username, account.server_url
    ))?;
    out.line(format!(
        "Everything on this device stays, as a local-only journal that no longer syncs. To \
         remove it as well, delete {}.",
        data_dir.display()
    ))?;
    out.line(
        "The provider's database backups may still hold the deleted rows until they rotate out.",
    )
}

/// Asks (on stderr) for the account name and reads it from stdin: a terminal, or a pipe for
/// scripts. Anything but the exact name refuses.
fn confirm(username: &str, server_url: &str) -> Result<()> {
    let intro = format!(
        "This deletes the account {} on {} and everything the server keeps for it. It cannot \
         be undone.",
        escape_controls(username),
        escape_controls(server_url)
    );
    confirm_by_typing(&intro, "Type the account name to confirm: ", username)
}

/// Shows `intro` and `prompt` on stderr and reads a line from stdin (a terminal, or a pipe
/// for scripts): anything but exactly `expected` is [`CliError::NotConfirmed`].
pub fn confirm_by_typing(intro: &str, prompt: &str, expected: &str) -> Result<()> {
    let stdin = std::io::stdin();
    let mut err = std::io::stderr().lock();
    writeln!(err, "{intro}")?;
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut typed = String::new();
    if stdin.lock().read_line(&mut typed)? == 0 {
        if !stdin.is_terminal() {
            return Err(CliError::NoTerminal("confirmation"));
        }
        return Err(CliError::NotConfirmed);
    }
    if typed.trim() == expected {
        Ok(())
    } else {
        Err(CliError::NotConfirmed)
    }
}
