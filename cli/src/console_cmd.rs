//! `solace console`: starts the therapist console (on loopback, or over HTTPS for other
//! machines with `--allow-remote`) and prints its one-time link. The console opens the store
//! with the passphrase in the browser; this command never asks for it and keeps no key.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use solace_core::CoreError;

use crate::args::ConsoleArgs;
use crate::error::{CliError, Result};

/// Runs the console until the process is stopped (Ctrl-C).
pub fn run(data_dir: &Path, args: &ConsoleArgs) -> Result<()> {
    if !data_dir.join(solace_core::store::DB_FILE).is_file() {
        return Err(CoreError::NotInitialized.into());
    }
    let listen = args.listen;
    if !listen.ip().is_loopback() && !args.allow_remote {
        return Err(CliError::input(format!(
            "{listen} is not a loopback address; to serve other machines add --allow-remote \
             with --tls-cert and --tls-key"
        )));
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(solace_console::Tls {
            cert: cert.clone(),
            key: key.clone(),
            names: args.public_hosts.clone(),
        }),
        _ => None,
    };
    let idle_minutes = args.idle_minutes;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("could not start the console: {e}")))?;
    runtime.block_on(async {
        let bound = solace_console::bind(solace_console::Options {
            listen,
            tls,
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
        if args.open {
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
