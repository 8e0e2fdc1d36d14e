//! `solace console`: the therapist console, a local web application served on loopback from
//! the therapist's own store. Decryption happens here, in the Rust core, on the therapist's
//! machine; the provider's server still sees only ciphertext. The pages are a thin view of
//! the application layer (`solace_core::app`), like the phone apps.
//!
//! Modules: [`security`] (launch token, sessions, CSRF, Host/Origin, headers), [`state`]
//! (the unlocked store and its idle lock), [`pages`] (server-rendered HTML), [`charts`] (SVG
//! measures), [`entries`] (shared items, readable), [`routes`] (handlers), [`relogin`]
//! (signing the device in again), [`background`] (idle lock and sync).

pub mod background;
pub mod charts;
pub mod conversation;
pub mod entries;
pub mod pages;
pub mod relogin;
pub mod routes;
pub mod security;
pub mod state;
pub mod summary;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use security::{Gate, Hosts};
use state::Console;

/// Default address: loopback only (remote access needs TLS, see [`Tls`]).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8790";
/// Default idle time before the store is locked again.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);

/// TLS for a console opened to other machines (`--allow-remote`).
#[derive(Debug, Clone)]
pub struct Tls {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key of the certificate.
    pub key: PathBuf,
    /// Host names browsers will use (those the certificate is for), without port; the
    /// listening address itself is always accepted too.
    pub names: Vec<String>,
}

/// How to run the console.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen: a loopback address, or any address when `tls` is set.
    pub listen: SocketAddr,
    /// TLS; required for a non-loopback address (remote access), optional on loopback.
    pub tls: Option<Tls>,
    /// The therapist's store.
    pub data_dir: PathBuf,
    /// Idle time before the store is locked.
    pub idle: Duration,
}

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// A non-loopback address without TLS: the passphrase and the clients' data would cross
    /// the network in clear.
    #[error(
        "{0} is not a loopback address: remote access needs --allow-remote with --tls-cert \
         and --tls-key (or listen on 127.0.0.1)"
    )]
    NotLoopback(SocketAddr),
    /// The TLS certificate or key could not be used.
    #[error(transparent)]
    Tls(#[from] solace_tls::TlsError),
    /// The address could not be bound or served.
    #[error("could not listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("no randomness available for the launch token")]
    Random,
}

/// A console bound to its address, not serving yet.
pub struct Bound {
    listener: tokio::net::TcpListener,
    tls: Option<solace_tls::TlsAcceptor>,
    console: Arc<Console>,
    /// The link to open (carries the one-time launch token).
    pub url: String,
}

/// Binds the address and makes the launch link.
pub async fn bind(options: Options) -> Result<Bound, ConsoleError> {
    if !options.listen.ip().is_loopback() && options.tls.is_none() {
        return Err(ConsoleError::NotLoopback(options.listen));
    }
    let acceptor = match &options.tls {
        Some(tls) => Some(solace_tls::acceptor(&tls.cert, &tls.key)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| ConsoleError::Listen {
            addr: options.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ConsoleError::Listen {
            addr: options.listen,
            source,
        })?;
    let token = security::random_token().map_err(|_| ConsoleError::Random)?;
    let (hosts, url) = match &options.tls {
        None => (
            Hosts::for_listen(addr),
            format!("http://{addr}/?token={token}"),
        ),
        Some(tls) => {
            let host = tls.names.first().map_or_else(
                || addr.to_string(),
                |name| format!("{name}:{}", addr.port()),
            );
            (
                Hosts::for_tls(addr, &tls.names),
                format!("https://{host}/?token={token}"),
            )
        }
    };
    let console = Arc::new(Console::new(
        Gate::new(&token),
        hosts,
        options.data_dir,
        options.idle,
    ));
    Ok(Bound {
        listener,
        tls: acceptor,
        console,
        url,
    })
}

impl Bound {
    /// Serves until the process ends.
    pub async fn serve(self) -> Result<(), ConsoleError> {
        let addr = self.listener.local_addr().ok();
        let fallback = SocketAddr::from(([127, 0, 0, 1], 0));
        background::start(self.console.clone());
        let app = routes::router(self.console);
        let served = match self.tls {
            None => axum::serve(self.listener, app).await,
            Some(acceptor) => {
                let listener =
                    solace_tls::TlsListener::new(self.listener, acceptor, addr.unwrap_or(fallback));
                axum::serve(listener, app).await
            }
        };
        served.map_err(|source| ConsoleError::Listen {
            addr: addr.unwrap_or(fallback),
            source,
        })
    }
}
