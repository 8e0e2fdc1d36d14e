//! Solace provider server: accounts, devices and the sync relay for end-to-end encrypted
//! records. It stores and relays only ciphertext, wrapped keys and slow hashes; it never sees
//! plaintext or a usable key.
//!
//! Start it with [`serve`] (async) or [`run_blocking`] (the `solace server` command).

pub mod api;
pub mod auth;
pub mod config;
pub mod rate_limit;
pub mod storage;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;

pub use config::ServerConfig;
use storage::Storage;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database could not be opened or migrated.
    #[error("storage: {0}")]
    Storage(#[from] storage::StorageError),
    /// The listen address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// The HTTP server failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Opens the configured database (`sqlite:PATH` or `postgres://…`).
pub async fn open_storage(config: &ServerConfig) -> Result<Arc<dyn Storage>, ServerError> {
    if config.database.starts_with("postgres://") || config.database.starts_with("postgresql://") {
        Ok(Arc::new(
            storage::postgres::PostgresStorage::connect(&config.database, config.pg_pool).await?,
        ))
    } else {
        let path = config
            .database
            .strip_prefix("sqlite:")
            .unwrap_or(&config.database)
            .to_owned();
        let opened = tokio::task::spawn_blocking(move || {
            storage::sqlite::SqliteStorage::open(std::path::Path::new(&path))
        })
        .await
        .map_err(|_| storage::StorageError::Backend("open task failed".into()))??;
        Ok(Arc::new(opened))
    }
}

/// Logs method, path, status and latency of every request; never bodies, queries or tokens.
async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(%method, %path, status = response.status().as_u16(), latency_ms = started.elapsed().as_secs_f64() * 1e3, "request");
    response
}

/// The HTTP routes over `state`.
pub fn router(state: api::Shared, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/v1/health", get(api::health))
        .route("/v1/accounts/prelogin", post(api::prelogin))
        .route("/v1/accounts/register", post(api::register))
        .route("/v1/accounts/login", post(api::login))
        .route("/v1/account/keys", get(api::account_keys))
        .route("/v1/account/items-keys", put(api::upload_items_keys))
        .route("/v1/devices", get(api::devices))
        .route("/v1/devices/revoke", post(api::revoke))
        .route("/v1/sync/pull", post(api::pull))
        .route("/v1/sync/push", post(api::push))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(log_requests))
        .with_state(state)
}

/// Binds the configured address and serves until `shutdown` completes. Calls `on_bound` with
/// the actual address (useful with port 0).
pub async fn serve(
    config: ServerConfig,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let storage = open_storage(&config).await?;
    let secret = storage.server_secret().await?;
    let state = Arc::new(api::AppState {
        storage,
        account_limit: rate_limit::RateLimiter::new(config.rate_per_second, config.rate_burst),
        address_limit: rate_limit::RateLimiter::new(20, 40),
        token_ttl_secs: i64::try_from(config.token_ttl_hours.saturating_mul(3600))
            .unwrap_or(i64::MAX),
        secret,
    });
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| ServerError::Bind(config.listen.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::Bind(config.listen.clone(), e))?;
    on_bound(addr);
    tracing::info!(%addr, backend = if config.database.starts_with("postgres") { "postgresql" } else { "sqlite" }, "solace server listening");
    axum::serve(
        listener,
        router(state, config.max_body_bytes).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(ServerError::Serve)
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what service managers send), so in-flight
/// requests finish before the process exits.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the server on a new multi-threaded runtime until Ctrl-C, with logs on stderr
/// (`RUST_LOG` filters them; default `info`).
pub fn run_blocking(config: ServerConfig) -> Result<(), ServerError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Serve)?;
    runtime.block_on(serve(
        config,
        |addr| eprintln!("solace server listening on http://{addr}"),
        shutdown_signal(),
    ))
}
