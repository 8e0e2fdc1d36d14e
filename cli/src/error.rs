//! The client's error type, its exit codes and the hints shown with it.
//!
//! Messages never contain secrets or journal content: core errors are already free of personal
//! data, and the client's own messages only name what was wrong with the input.

use solace_core::error::{
    BackupError, CryptoError, CsvImportError, IdentityError, ReportError, ReviewError, StoreError,
    TransportError,
};
use solace_core::CoreError;

/// Result alias for the client.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// Everything that can make a command fail.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An error from the core library.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The user's input was not acceptable.
    #[error("{0}")]
    Input(String),
    /// A secret was needed but there is no terminal to ask on and no environment variable.
    #[error("cannot ask for the {0}: no terminal is available")]
    NoTerminal(&'static str),
    /// A destructive command was not confirmed (the typed account name did not match).
    #[error("not confirmed: the account name did not match; nothing was deleted")]
    NotConfirmed,
    /// No data directory was given and none could be derived from the environment.
    #[error("cannot find a data directory: HOME is not set")]
    NoDataDir,
    /// No key directory was given and none could be derived from the environment.
    #[error("cannot find a key directory: HOME is not set")]
    NoKeyDir,
    /// Reading input or writing output failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// Encoding JSON output failed.
    #[error("could not encode JSON output: {0}")]
    Json(#[from] serde_json::Error),
}

impl CliError {
    /// Builds an [`CliError::Input`] from anything printable.
    pub fn input(msg: impl std::fmt::Display) -> Self {
        CliError::Input(msg.to_string())
    }

    /// The one line shown for this error: the message and, for core errors, its causes
    /// (`storage error: disk I/O error`). Never carries personal data.
    pub fn message(&self) -> String {
        match self {
            CliError::Core(err) => err.report(),
            other => other.to_string(),
        }
    }

    /// The process exit code: 3 wrong passphrase, 4 no store, 5 store busy, 6 the server
    /// cannot be reached right now (try again later), 7 the server refused the login, 1
    /// anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Core(CoreError::WrongPassphrase) => 3,
            CliError::Core(CoreError::NotInitialized) => 4,
            CliError::Core(CoreError::Store(StoreError::Busy)) => 5,
            CliError::Core(CoreError::Transport(t)) if t.is_transient() => 6,
            CliError::Core(CoreError::Transport(TransportError::Unauthorized)) => 7,
            _ => 1,
        }
    }

    /// A suggestion of what to do next, where one helps.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CliError::Core(err) => match err {
                CoreError::NotInitialized => Some("run `solace init` to create a store"),
                CoreError::WrongPassphrase => {
                    Some("forgot it? run `solace recover` with your recovery key")
                }
                CoreError::Store(StoreError::Busy) => {
                    Some("another solace command is running; try again")
                }
                CoreError::AlreadyInitialized => {
                    Some("use `--data-dir` to create a separate store elsewhere")
                }
                CoreError::AmbiguousId => Some("give more characters of the id"),
                CoreError::Backup(BackupError::Damaged) => {
                    Some("the backup was changed or cut short; restore from another copy")
                }
                CoreError::Backup(BackupError::FileExists) => {
                    Some("pass --force to replace it, or choose another --out")
                }
                CoreError::NotFound("journal entry") => {
                    Some("see the ids with `solace journal list`")
                }
                CoreError::NotFound("habit") => Some("see the ids with `solace habit list`"),
                CoreError::Report(
                    ReportError::EntryNotFound { .. } | ReportError::NotAJournalEntry { .. },
                ) => Some("pick journal entries by the ids `solace journal list` shows"),
                CoreError::Report(ReportError::AttachmentIncomplete) => {
                    Some("run `solace sync` to fetch the missing parts")
                }
                CoreError::DeviceKeyMismatch | CoreError::DeviceNotRemembered => {
                    Some("run `solace unlock` to remember this device again")
                }
                CoreError::WeakPassphrase(_) => Some(
                    "use several unrelated words, or add --generate-passphrase for a strong one",
                ),
                CoreError::MalformedRecoveryKey => {
                    Some("the recovery key is 64 hex digits, dashes and spaces are ignored")
                }
                CoreError::Transport(TransportError::Unauthorized) => {
                    Some("run `solace login --server URL --username NAME` again; your data stays")
                }
                CoreError::Transport(TransportError::InsecureUrl) => Some(
                    "use https://; for a self-signed server pass its certificate with --ca-cert",
                ),
                CoreError::AccountMismatch => {
                    Some("this store syncs with another account; use --data-dir for a new store")
                }
                CoreError::NotRegistered => {
                    Some("run `solace register` or `solace login` with --server first")
                }
                CoreError::Store(StoreError::DiskFull) => {
                    Some("free some disk space and try again; nothing was lost")
                }
                CoreError::Store(StoreError::Corrupt)
                | CoreError::Crypto(CryptoError::DeviceStateDamaged) => {
                    Some("restore the data directory from a backup")
                }
                CoreError::Store(StoreError::SchemaTooNew { .. }) => {
                    Some("this store was written by a newer Solace; update solace")
                }
                CoreError::Transport(t) if t.is_transient() => {
                    Some("check the connection and run the command again later")
                }
                CoreError::Identity(IdentityError::Changed) => Some(
                    "compare the safety number (`solace verify NAME`), then add --accept-change",
                ),
                CoreError::Identity(IdentityError::NotPinned) => {
                    Some("send or receive a message first (`solace sync`)")
                }
                CoreError::InvalidCsvImport(CsvImportError::UnknownMood { .. }) => Some(
                    "give each custom mood a value: --mood-map LABEL=N (N from 1 to 10); nothing was imported",
                ),
                CoreError::InvalidCsvImport(_) => Some("nothing was imported"),
                CoreError::Review(ReviewError::LinkStillActive) => Some(
                    "therapists never ask current clients for reviews; write one after the link ends",
                ),
                CoreError::Review(ReviewError::NoLink) => {
                    Some("run `solace sync` so this device sees the ended link")
                }
                CoreError::Review(ReviewError::KeyMismatch) => Some(
                    "the server may be trying to identify you; nothing was sent, do not retry",
                ),
                _ => None,
            },
            CliError::NoTerminal("passphrase") | CliError::NoTerminal("new passphrase") => {
                Some("set SOLACE_PASSPHRASE (and SOLACE_NEW_PASSPHRASE) when running from scripts")
            }
            CliError::NoTerminal("confirmation") | CliError::NotConfirmed => {
                Some("type the account name exactly, or pass --yes to skip the question")
            }
            CliError::NoTerminal(_) => Some("set SOLACE_RECOVERY_KEY when running from scripts"),
            CliError::NoDataDir => Some("pass `--data-dir DIR` or set SOLACE_DATA_DIR"),
            CliError::NoKeyDir => Some("pass `--key-dir DIR` or set SOLACE_KEY_DIR"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solace_core::error::{InputProblem, PeerMessageError};

    fn core(err: impl Into<CoreError>) -> CliError {
        CliError::Core(err.into())
    }

    #[test]
    fn exit_codes_follow_the_error_category() {
        assert_eq!(core(CoreError::WrongPassphrase).exit_code(), 3);
        assert_eq!(core(CoreError::NotInitialized).exit_code(), 4);
        assert_eq!(core(StoreError::Busy).exit_code(), 5);
        assert_eq!(core(TransportError::Timeout).exit_code(), 6);
        assert_eq!(core(TransportError::unreachable("refused")).exit_code(), 6);
        assert_eq!(
            core(TransportError::Unavailable { status: 503 }).exit_code(),
            6
        );
        assert_eq!(core(TransportError::Unauthorized).exit_code(), 7);
        assert_eq!(core(TransportError::InsecureUrl).exit_code(), 1);
        assert_eq!(core(StoreError::DiskFull).exit_code(), 1);
        assert_eq!(core(PeerMessageError::Undecryptable).exit_code(), 1);
        assert_eq!(CliError::input("bad").exit_code(), 1);
    }

    #[test]
    fn hints_follow_the_error_category() {
        assert!(core(StoreError::Busy).hint().unwrap().contains("try again"));
        assert!(core(StoreError::DiskFull).hint().unwrap().contains("disk"));
        assert!(core(StoreError::Corrupt).hint().unwrap().contains("backup"));
        assert!(core(CryptoError::DeviceStateDamaged)
            .hint()
            .unwrap()
            .contains("backup"));
        assert!(core(TransportError::Timeout)
            .hint()
            .unwrap()
            .contains("later"));
        assert!(core(TransportError::Unauthorized)
            .hint()
            .unwrap()
            .contains("login"));
        assert!(core(TransportError::InsecureUrl)
            .hint()
            .unwrap()
            .contains("https"));
        assert!(core(CoreError::NotRegistered).hint().is_some());
        assert!(CliError::NotConfirmed.hint().unwrap().contains("--yes"));
        assert!(CliError::NoTerminal("confirmation")
            .hint()
            .unwrap()
            .contains("--yes"));
        assert_eq!(CliError::NotConfirmed.exit_code(), 1);
        assert_eq!(
            core(CoreError::invalid("title", InputProblem::Empty)).hint(),
            None
        );
    }

    #[test]
    fn the_message_carries_the_causes() {
        assert_eq!(
            core(TransportError::unreachable("connection refused")).message(),
            "the sync server is unreachable: connection refused"
        );
        assert_eq!(
            core(CoreError::invalid(
                "mood",
                InputProblem::OutOfRange { min: 1, max: 10 }
            ))
            .message(),
            "mood must be between 1 and 10"
        );
        assert_eq!(CliError::input("no such day").message(), "no such day");
    }
}
