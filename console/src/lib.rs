//! `solace console`: the therapist console, a local web application served on loopback from
//! the therapist's own store. Decryption happens here, in the Rust core, on the therapist's
//! machine; the provider's server still sees only ciphertext. The pages are a thin view of
//! the application layer (`solace_core::app`), like the phone apps.
//!
//! Modules: [`security`] (launch token, sessions, CSRF, Host/Origin, headers), [`state`]
//! (the unlocked store and its idle lock), [`pages`] (server-rendered HTML), [`charts`] (SVG
//! measures), [`entries`] (shared items, readable), [`routes`] (handlers), [`background`]
//! (idle lock and sync).

pub mod background;
pub mod charts;
pub mod conversation;
pub mod entries;
pub mod pages;
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

/// Default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8790";
/// Default idle time before the store is locked again.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);

/// How to run the console.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (a loopback address).
    pub listen: SocketAddr,
    /// The therapist's store.
    pub data_dir: PathBuf,
    /// Idle time before the store is locked.
    pub idle: Duration,
}

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// Only loopback addresses are served (remote access would need TLS, not offered yet).
    #[error("the console listens on loopback only (e.g. 127.0.0.1:8790); {0} is not loopback")]
    NotLoopback(SocketAddr),
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
    console: Arc<Console>,
    /// The link to open (carries the one-time launch token).
    pub url: String,
}

/// Binds the address and makes the launch link.
pub async fn bind(options: Options) -> Result<Bound, ConsoleError> {
    if !options.listen.ip().is_loopback() {
        return Err(ConsoleError::NotLoopback(options.listen));
    }
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
    let console = Arc::new(Console::new(
        Gate::new(&token),
        Hosts::for_listen(addr),
        options.data_dir,
        options.idle,
    ));
    Ok(Bound {
        listener,
        console,
        url: format!("http://{addr}/?token={token}"),
    })
}

impl Bound {
    /// Serves until the process ends.
    pub async fn serve(self) -> Result<(), ConsoleError> {
        let addr = self.listener.local_addr().ok();
        background::start(self.console.clone());
        axum::serve(self.listener, routes::router(self.console))
            .await
            .map_err(|source| ConsoleError::Listen {
                addr: addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
                source,
            })
    }
}
