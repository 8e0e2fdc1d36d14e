//! Solace provider server: accounts, devices, the sync relay for end-to-end encrypted
//! records, and messaging (therapist directory, client ↔ therapist links, the Olm key directory
//! and per-device mailboxes). It stores and relays only ciphertext, public keys, wrapped keys
//! and slow hashes; it never sees plaintext or a usable key.
//!
//! Ways to start it:
//!
//! - [`run_blocking`]: the `solace server` command (own runtime, logs on stderr, stops on
//!   Ctrl-C or SIGTERM).
//! - [`spawn`]: on the current tokio runtime, returning a [`ServerHandle`] with the bound
//!   address (tests use `listen = "127.0.0.1:0"` and [`ServerHandle::base_url`]).
//! - [`bind`] then [`Bound::run`], or [`serve`]: bind first, serve until a shutdown future
//!   completes.
//! - [`bind_with`] / [`spawn_with`]: the same with a chosen [`push::PushSender`] (tests pass a
//!   [`push::RecordingPush`]); the others use [`push::NoPush`].

#![deny(missing_docs)]

pub mod account_api;
pub mod api;
pub mod auth;
pub mod config;
mod cross_signing;
pub mod error;
pub mod hash_gate;
pub mod live;
pub mod messaging_api;
pub mod metrics;
pub mod ops;
mod profile_check;
pub mod push;
pub mod rate_limit;
pub mod review_keys;
pub mod reviews_api;
pub mod storage;
/// TLS termination, shared with the console (crate `solace-tls`).
pub use solace_tls as tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use solace_protocol::endpoint::{self as ep, Endpoint, Method};

pub use config::ServerConfig;
pub use error::ServerError;
use storage::Storage;

/// Opens the configured database (`sqlite:PATH` or `postgres://…`).
pub async fn open_storage(config: &ServerConfig) -> Result<Arc<dyn Storage>, ServerError> {
    if config.is_postgres() {
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

/// Logs method, path (without query), status, latency and an account id prefix of every
/// request (never bodies, usernames, tokens or blobs), and counts it for `/metrics` under its
/// route template.
async fn log_requests(
    axum::extract::State(state): axum::extract::State<api::Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let tag = api::AccountTag::default();
    request.extensions_mut().insert(tag.clone());
    let started = Instant::now();
    let in_flight = state.metrics.start();
    let mut response = next.run(request).await;
    drop(in_flight);
    state.metrics.observe(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    ops::mark_draining(&state, &mut response);
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1e3,
        account = tag.0.get().map_or("-", String::as_str),
        "request"
    );
    response
}

/// Adds the route of one declared endpoint ([`solace_protocol::endpoint`]): the path and
/// method come from the declaration, so they are written once for client and server.
trait EndpointRoutes {
    fn endpoint<E, H, T>(self, handler: H) -> Self
    where
        E: Endpoint,
        H: axum::handler::Handler<T, api::Shared>,
        T: 'static;
}

impl EndpointRoutes for Router<api::Shared> {
    fn endpoint<E, H, T>(self, handler: H) -> Self
    where
        E: Endpoint,
        H: axum::handler::Handler<T, api::Shared>,
        T: 'static,
    {
        let method = match E::METHOD {
            Method::Get => get(handler),
            Method::Post => post(handler),
            Method::Put => put(handler),
        };
        self.route(E::PATH, method)
    }
}

/// The HTTP routes over `state`, one per declared endpoint.
pub fn router(state: api::Shared, max_body_bytes: usize) -> Router {
    Router::new()
        .endpoint::<ep::Health, _, _>(api::health)
        .endpoint::<ep::Prelogin, _, _>(api::prelogin)
        .endpoint::<ep::Register, _, _>(api::register)
        .endpoint::<ep::Login, _, _>(api::login)
        .endpoint::<ep::Refresh, _, _>(account_api::refresh)
        .endpoint::<ep::AccountKeys, _, _>(api::account_keys)
        .endpoint::<ep::UploadItemsKeys, _, _>(api::upload_items_keys)
        .endpoint::<ep::UpdateCredentials, _, _>(account_api::update_credentials)
        .endpoint::<ep::DeleteAccount, _, _>(account_api::delete_account)
        .endpoint::<ep::Devices, _, _>(api::devices)
        .endpoint::<ep::Revoke, _, _>(account_api::revoke)
        .endpoint::<ep::Pull, _, _>(api::pull)
        .endpoint::<ep::Push, _, _>(api::push)
        .endpoint::<ep::PutProfile, _, _>(messaging_api::put_profile)
        .endpoint::<ep::SearchDirectory, _, _>(messaging_api::search)
        .endpoint::<ep::RequestLink, _, _>(messaging_api::request_link)
        .endpoint::<ep::ListLinks, _, _>(messaging_api::links)
        .endpoint::<ep::AcceptLink, _, _>(messaging_api::accept_link)
        .endpoint::<ep::EndLink, _, _>(messaging_api::end_link)
        .endpoint::<ep::PublishKeys, _, _>(messaging_api::publish_keys)
        .endpoint::<ep::ClaimKeys, _, _>(messaging_api::claim_keys)
        .endpoint::<ep::SendMessage, _, _>(messaging_api::send)
        .endpoint::<ep::Inbox, _, _>(messaging_api::inbox)
        .endpoint::<ep::Ack, _, _>(messaging_api::ack)
        .endpoint::<ep::WaitChanges, _, _>(live::wait)
        .endpoint::<ep::ReviewKeys, _, _>(reviews_api::keys)
        .endpoint::<ep::ReviewToken, _, _>(reviews_api::token)
        .endpoint::<ep::SubmitReview, _, _>(reviews_api::submit)
        .endpoint::<ep::ListReviews, _, _>(reviews_api::list)
        .endpoint::<ep::ReplyReview, _, _>(reviews_api::reply)
        .endpoint::<ep::ReviewSettings, _, _>(reviews_api::settings)
        .route("/livez", get(ops::livez))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(api::fallback)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            log_requests,
        ))
        .with_state(state)
}

/// A server whose listener is bound but which does not serve yet.
pub struct Bound {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    app: Router,
    tls: Option<tls::TlsAcceptor>,
    drain: ops::Drain,
    drain_grace: std::time::Duration,
}

impl Bound {
    /// The address actually bound (the real port when the configuration said port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let app = self.app.into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            None => axum::serve(self.listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(ServerError::Serve),
            Some(acceptor) => {
                use axum::serve::ListenerExt as _;
                let listener =
                    tls::TlsListener::new(self.listener, acceptor, self.addr).tap_io(|_| ());
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                    .map_err(ServerError::Serve)
            }
        }
    }

    /// The node's drain switch (readiness fails once it is on).
    pub fn drain(&self) -> ops::Drain {
        self.drain.clone()
    }

    /// Serves until `signal` completes, then drains: readiness fails at once, the listener
    /// closes after the configured grace (`drain_secs`), and in-flight requests finish.
    pub async fn run_draining(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let (drain, grace) = (self.drain.clone(), self.drain_grace);
        self.run(async move {
            signal.await;
            drain.begin();
            tracing::info!(grace_secs = grace.as_secs(), "draining before stopping");
            tokio::time::sleep(grace).await;
        })
        .await
    }

    /// Whether this server terminates TLS itself (`tls_cert` and `tls_key` are set).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves on a task of the current tokio runtime.
    pub fn spawn(self) -> ServerHandle {
        let (addr, tls) = (self.addr, self.tls.is_some());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async {
            let _ = stopped.await;
        }));
        ServerHandle {
            addr,
            tls,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// Opens and migrates the storage, then binds the configured address (port 0 picks a free
/// port; see [`Bound::local_addr`]). No push hints are sent ([`push::NoPush`]).
pub async fn bind(config: ServerConfig) -> Result<Bound, ServerError> {
    bind_with(config, Arc::new(push::NoPush)).await
}

/// [`bind`] with push hints going to `push`.
pub async fn bind_with(
    config: ServerConfig,
    push: Arc<dyn push::PushSender>,
) -> Result<Bound, ServerError> {
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        (None, None) => None,
        _ => return Err(tls::TlsError::Incomplete.into()),
    };
    let storage = open_storage(&config).await?;
    let secret = storage.server_secret().await?;
    let drain = ops::Drain::default();
    let state = Arc::new(api::AppState {
        storage,
        account_limit: rate_limit::RateLimiter::new(config.rate_per_second, config.rate_burst),
        address_limit: rate_limit::RateLimiter::new(
            config.auth_rate_per_second,
            config.auth_rate_burst,
        ),
        token_ttl_secs: config.token_ttl(),
        hashes: hash_gate::HashGate::new(
            config
                .max_concurrent_hashes
                .unwrap_or_else(hash_gate::HashGate::default_slots),
            hash_gate::DEFAULT_WAIT,
        ),
        trusted_proxies: config.trusted_proxy_ips()?,
        secret,
        push,
        mailbox_cap: config.mailbox_cap,
        mailbox_sender_cap: config.mailbox_sender_cap.min(config.mailbox_cap),
        claim_limit: rate_limit::RateLimiter::per_minute(
            config.claim_per_minute,
            config.claim_burst,
        ),
        mailbox_ttl_secs: i64::from(config.mailbox_ttl_days) * 86_400,
        last_purge: std::sync::atomic::AtomicI64::new(0),
        metrics: metrics::Metrics::default(),
        metrics_allow: config.metrics_allow_ips()?,
        drain: drain.clone(),
        live: live::Hub::default(),
        reviews: review_keys::ReviewPolicy {
            period_days: config.review_period_days.max(1),
            min_link_age_secs: i64::try_from(config.review_min_link_age_secs).unwrap_or(i64::MAX),
            keygen: tokio::sync::Mutex::new(()),
        },
        limits: solace_protocol::ServerLimits {
            max_blob_bytes: solace_protocol::MAX_BLOB_BYTES as u64,
            max_body_bytes: config.max_body_bytes as u64,
            max_push_mutations: solace_protocol::MAX_PUSH_MUTATIONS as u32,
        },
    });
    reviews_api::spawn_batches(
        Arc::downgrade(&state),
        config.review_batch_secs,
        config.review_batch_min,
        config.review_batch_max_wait_days,
    );
    if config.is_postgres() {
        // Wakes this node's long polls when another node commits a change.
        live::listen_postgres(config.database.clone(), Arc::downgrade(&state));
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| ServerError::Bind(config.listen.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::Bind(config.listen.clone(), e))?;
    let backend = if config.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    tracing::info!(%addr, backend, tls = tls.is_some(), "solace server listening");
    Ok(Bound {
        listener,
        addr,
        app: router(state, config.max_body_bytes),
        tls,
        drain,
        drain_grace: std::time::Duration::from_secs(config.drain_secs),
    })
}

/// Binds the configured address and serves until `shutdown` completes. Calls `on_bound` with
/// the actual address (useful with port 0).
pub async fn serve(
    config: ServerConfig,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let bound = bind(config).await?;
    on_bound(bound.local_addr());
    bound.run(shutdown).await
}

/// Starts a server on the current tokio runtime and returns once it listens. With
/// `listen = "127.0.0.1:0"` it picks a free port; see [`ServerHandle::base_url`].
pub async fn spawn(config: ServerConfig) -> Result<ServerHandle, ServerError> {
    Ok(bind(config).await?.spawn())
}

/// [`spawn`] with push hints going to `push` (e.g. a shared [`push::RecordingPush`] in tests).
pub async fn spawn_with(
    config: ServerConfig,
    push: Arc<dyn push::PushSender>,
) -> Result<ServerHandle, ServerError> {
    Ok(bind_with(config, push).await?.spawn())
}

/// A server running on a tokio task. Dropping the handle asks it to stop;
/// [`ServerHandle::shutdown`] also waits until it has.
pub struct ServerHandle {
    addr: SocketAddr,
    tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
}

impl ServerHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` (or `https://ADDR` when terminating TLS), the base URL clients use (no
    /// trailing slash).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(|e| {
                ServerError::Serve(std::io::Error::other(format!("server task: {e}")))
            })?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
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

/// Runs the server on a new multi-threaded runtime until Ctrl-C or SIGTERM, with logs on
/// stderr (`RUST_LOG` filters them, default `info`; JSON lines with `log_json`). This is what
/// `solace server` calls after [`ServerConfig::load`].
pub fn run_blocking(config: ServerConfig) -> Result<(), ServerError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_json {
        logs.json().try_init()
    } else {
        logs.try_init()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Serve)?;
    let scheme = if config.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    runtime.block_on(async move {
        let bound = bind(config).await?;
        eprintln!(
            "solace server listening on {scheme}://{}",
            bound.local_addr()
        );
        bound.run_draining(shutdown_signal()).await
    })
}
