//! `solace console`: starts the therapist console on loopback and prints its one-time link.
//! The console opens the store with the passphrase in the browser; this command never asks
//! for it and keeps no key.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use solace_core::CoreError;

use crate::error::{CliError, Result};

/// Runs the console until the process is stopped (Ctrl-C).
pub fn run(data_dir: &Path, listen: SocketAddr, open: bool, idle_minutes: u64) -> Result<()> {
    if !data_dir.join(solace_core::store::DB_FILE).is_file() {
        return Err(CoreError::NotInitialized.into());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("could not start the console: {e}")))?;
    runtime.block_on(async {
        let bound = solace_console::bind(solace_console::Options {
            listen,
            data_dir: data_dir.to_path_buf(),
            idle: Duration::from_secs(idle_minutes * 60),
        })
        .await
        .map_err(|e| CliError::input(e.to_string()))?;
        // A closed terminal must not stop the console: printing is best effort.
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "Solace console: open this link in your browser (it works once):\n  {}\n\
             It asks for your passphrase and locks after {idle_minutes} min without use. \
             Stop with Ctrl-C.",
            bound.url
        );
        let _ = out.flush();
        if open {
            open_browser(&bound.url);
        }
        bound
            .serve()
            .await
            .map_err(|e| CliError::input(e.to_string()))
    })
}

/// Best effort: hands the link to the desktop's opener; the printed link always works.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("(could not open a browser; open the link above yourself)");
    }
}
