//! The client's error type, its exit codes and the hints shown with it.
//!
//! Messages never contain secrets or journal content: core errors are already free of personal
//! data, and the client's own messages only name what was wrong with the input.

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

    /// The process exit code: 3 wrong passphrase, 4 no store, 5 store busy, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Core(CoreError::WrongPassphrase) => 3,
            CliError::Core(CoreError::NotInitialized) => 4,
            CliError::Core(CoreError::StoreBusy) => 5,
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
                CoreError::StoreBusy => Some("another solace command is running; try again"),
                CoreError::AlreadyInitialized => {
                    Some("use `--data-dir` to create a separate store elsewhere")
                }
                CoreError::AmbiguousId => Some("give more characters of the id"),
                CoreError::NotFound("journal entry") => {
                    Some("see the ids with `solace journal list`")
                }
                CoreError::NotFound("habit") => Some("see the ids with `solace habit list`"),
                CoreError::DeviceKeyMismatch | CoreError::DeviceNotRemembered => {
                    Some("run `solace unlock` to remember this device again")
                }
                CoreError::WeakPassphrase(_) => Some(
                    "use several unrelated words, or add --generate-passphrase for a strong one",
                ),
                CoreError::MalformedRecoveryKey => {
                    Some("the recovery key is 64 hex digits, dashes and spaces are ignored")
                }
                CoreError::Unauthorized => {
                    Some("run `solace login --server URL --username NAME` again; your data stays")
                }
                CoreError::InsecureServerUrl => Some(
                    "use https://; for a self-signed server pass its certificate with --ca-cert",
                ),
                CoreError::AccountMismatch => {
                    Some("this store syncs with another account; use --data-dir for a new store")
                }
                _ => None,
            },
            CliError::NoTerminal("passphrase") | CliError::NoTerminal("new passphrase") => {
                Some("set SOLACE_PASSPHRASE (and SOLACE_NEW_PASSPHRASE) when running from scripts")
            }
            CliError::NoTerminal(_) => Some("set SOLACE_RECOVERY_KEY when running from scripts"),
            CliError::NoDataDir => Some("pass `--data-dir DIR` or set SOLACE_DATA_DIR"),
            CliError::NoKeyDir => Some("pass `--key-dir DIR` or set SOLACE_KEY_DIR"),
            _ => None,
        }
    }
}
