//! Reading secrets: from the environment for scripts, otherwise from the terminal without echo.
//!
//! Secrets are held in [`Zeroizing`] strings and never printed.

use zeroize::Zeroizing;

use crate::error::{CliError, Result};

/// Environment variable holding the current passphrase (for scripts).
pub const ENV_PASSPHRASE: &str = "SOLACE_PASSPHRASE";
/// Environment variable holding the new passphrase for `passwd` and `recover`.
pub const ENV_NEW_PASSPHRASE: &str = "SOLACE_NEW_PASSPHRASE";
/// Environment variable holding the recovery key for `recover`.
pub const ENV_RECOVERY_KEY: &str = "SOLACE_RECOVERY_KEY";
/// Shortest passphrase accepted for a new store or a change, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Attempts allowed at the terminal before giving up on a new passphrase.
const NEW_PASSPHRASE_ATTEMPTS: usize = 3;

fn from_env(var: &str) -> Result<Option<Zeroizing<String>>> {
    match std::env::var(var) {
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::Input(format!("{var} is not valid UTF-8")))
        }
    }
}

/// Asks on the terminal without echo; `what` names the secret in the error if there is no
/// terminal.
fn prompt_hidden(prompt: &str, what: &'static str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| CliError::NoTerminal(what))
}

/// The current passphrase: `SOLACE_PASSPHRASE` if set, else asked on the terminal.
pub fn current() -> Result<Zeroizing<String>> {
    match from_env(ENV_PASSPHRASE)? {
        Some(pass) => Ok(pass),
        None => prompt_hidden("Passphrase: ", "passphrase"),
    }
}

fn check_strength(pass: &str) -> Result<()> {
    if pass.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(CliError::Input(format!(
            "the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

/// A new passphrase: from `env_var` if set, else asked twice on the terminal until both
/// entries match and it is long enough.
pub fn new_passphrase(env_var: &str) -> Result<Zeroizing<String>> {
    if let Some(pass) = from_env(env_var)? {
        check_strength(&pass)?;
        return Ok(pass);
    }
    let mut last_error = None;
    for _ in 0..NEW_PASSPHRASE_ATTEMPTS {
        let first = prompt_hidden("New passphrase: ", "new passphrase")?;
        if let Err(err) = check_strength(&first) {
            eprintln!("{err}");
            last_error = Some(err);
            continue;
        }
        let second = prompt_hidden("Repeat the new passphrase: ", "new passphrase")?;
        if first == second {
            return Ok(first);
        }
        let err = CliError::input("the two passphrases do not match");
        eprintln!("{err}");
        last_error = Some(err);
    }
    Err(last_error.unwrap_or_else(|| CliError::input("no passphrase given")))
}

/// The recovery key text: `SOLACE_RECOVERY_KEY` if set, else asked on the terminal.
pub fn recovery_key() -> Result<Zeroizing<String>> {
    match from_env(ENV_RECOVERY_KEY)? {
        Some(key) => Ok(key),
        None => prompt_hidden("Recovery key: ", "recovery key"),
    }
}
