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

/// One line describing a passphrase's estimated strength, e.g.
/// `strength: strong (~centuries offline at 10^10 guesses/s)`. Never contains the passphrase.
pub fn strength_line(pass: &str) -> String {
    let s = solace_core::passphrase::estimate(pass);
    let time = s.offline_crack_time();
    let about = if time.starts_with("less") { "" } else { "~" };
    format!(
        "strength: {} ({about}{time} offline at 10^10 guesses/s)",
        s.label()
    )
}

/// Checks a new passphrase against the core's bar and shows its strength on stderr.
fn check_strength(pass: &str) -> Result<()> {
    eprintln!("{}", strength_line(pass));
    solace_core::passphrase::check_new(pass)?;
    Ok(())
}

/// A generated word passphrase, shown once on stderr (stdout stays clean for `--json`).
fn generated() -> Result<Zeroizing<String>> {
    let pass = solace_core::passphrase::generate()?;
    eprintln!();
    eprintln!("Your new passphrase (shown only this once):");
    eprintln!();
    eprintln!("    {}", pass.as_str());
    eprintln!();
    eprintln!(
        "{} random words from the EFF long word list (about {:.0} bits). Write it down and keep it \
         somewhere safe until you know it by heart.",
        solace_core::passphrase::GENERATED_WORDS,
        solace_core::passphrase::generated_bits(solace_core::passphrase::GENERATED_WORDS)
    );
    eprintln!("{}", strength_line(&pass));
    Ok(pass)
}

/// Asks at the terminal whether to use a generated passphrase instead of a refused one.
fn offer_generated() -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(false);
    }
    eprint!("Use a generated word passphrase instead? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// A new passphrase: generated when `generate` is set (shown once), else from `env_var` if
/// set, else asked twice on the terminal until both entries match and it is strong enough
/// (a refused one brings an offer to generate one). Its estimated strength is shown.
pub fn new_passphrase(env_var: &str, generate: bool) -> Result<Zeroizing<String>> {
    let from_env = from_env(env_var)?;
    if generate {
        if from_env.is_some() {
            return Err(CliError::Input(format!(
                "{env_var} is set: give either it or --generate-passphrase, not both"
            )));
        }
        return generated();
    }
    if let Some(pass) = from_env {
        check_strength(&pass)?;
        return Ok(pass);
    }
    let mut last_error = None;
    for _ in 0..NEW_PASSPHRASE_ATTEMPTS {
        let first = prompt_hidden("New passphrase: ", "new passphrase")?;
        if let Err(err) = check_strength(&first) {
            eprintln!("{err}");
            if offer_generated()? {
                return generated();
            }
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
