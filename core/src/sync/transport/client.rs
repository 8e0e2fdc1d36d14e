//! The one HTTP client of a process: an async reqwest client on a small tokio runtime it owns,
//! shared (cheaply cloned) by every transport, and the request path every endpoint goes
//! through: send, race the cancel token, cap the answer, map the status to a [`CoreError`].

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use solace_protocol as p;

use crate::cancel::CancelToken;
use crate::error::{CoreError, InputProblem, Result, TransportError};

use super::TransportOptions;

/// Whole-request timeout (connect, send, answer).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Owns the runtime; shuts it down in the background when the last clone goes, so dropping a
/// client inside an async context never panics.
struct Inner {
    client: reqwest::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// One reused HTTP client (connection pool, TLS configuration) plus the single-worker tokio
/// runtime (thread "solace-net") its requests run on. Clone it freely: clones share both.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
    handle: tokio::runtime::Handle,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with rustls (ring), the 30 s request and 10 s connect timeouts, and the extra
    /// root certificates of `options`.
    pub fn new(options: &TransportOptions) -> Result<Self> {
        // TLS uses rustls with the ring provider; installing it as the process default is
        // idempotent (an already installed provider is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("solace/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &options.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    CoreError::invalid(
                        "CA certificate file",
                        InputProblem::Expected("a PEM certificate"),
                    )
                })?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| CoreError::Transport(TransportError::unreachable(e.without_url())))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("solace-net")
            .enable_all()
            .build()
            .map_err(|_| CoreError::Internal("the network runtime cannot start"))?;
        let handle = runtime.handle().clone();
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                runtime: Some(runtime),
            }),
            handle,
        })
    }

    /// Runs one request on the client's runtime and waits for its answer body on the calling
    /// thread, giving up with [`CoreError::Cancelled`] as soon as `cancel` fires. Works from
    /// any thread (the wait is a plain channel, never a nested `block_on`).
    ///
    /// Not generic on purpose: one spawned task type and one channel type for every endpoint
    /// (a generic version was instantiated per answer type, each with its own task, channel
    /// and select code, about 270 KB of the mobile library); callers decode the body.
    pub(crate) fn run(&self, request: Request, cancel: &CancelToken) -> Result<Vec<u8>> {
        cancel.check()?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let cancel = cancel.clone();
        let client = self.inner.client.clone();
        self.handle.spawn(async move {
            let outcome = tokio::select! {
                r = execute(&client, request) => r,
                _ = cancel.cancelled() => Err(CoreError::Cancelled),
            };
            let _ = tx.send(outcome);
        });
        rx.recv()
            .map_err(|_| CoreError::Internal("the network runtime stopped"))?
    }
}

/// Everything one HTTP request needs, owned (it moves onto the runtime).
pub(crate) struct Request {
    /// Method.
    pub method: reqwest::Method,
    /// Full URL.
    pub url: String,
    /// Bearer token, if any.
    pub token: Option<String>,
    /// JSON body, if any.
    pub body: Option<Vec<u8>>,
    /// Most answer bytes read.
    pub limit: u64,
}

/// Decodes a JSON answer; a `204 No Content` arrives as an empty body and decodes as `null`
/// (so `()` answers succeed and any other type reports an empty answer).
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let body: &[u8] = if body.is_empty() { b"null" } else { body };
    serde_json::from_slice(body).ok()
}

/// Sends `request` and returns the answer body (empty for `204`), at most `request.limit`
/// bytes; maps failures and error statuses to [`CoreError`].
async fn execute(client: &reqwest::Client, request: Request) -> Result<Vec<u8>> {
    let mut builder = client.request(request.method, &request.url);
    if let Some(token) = &request.token {
        builder = builder.bearer_auth(token);
    }
    if let Some(body) = request.body {
        builder = builder
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
    }
    let response = builder.send().await.map_err(|e| {
        // Never include the URL query or body; reqwest's message names host and kind only.
        CoreError::Transport(if e.is_timeout() {
            TransportError::Timeout
        } else {
            TransportError::unreachable(e.without_url())
        })
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NO_CONTENT {
        return Ok(Vec::new());
    }
    if status.is_success() {
        return read_capped(response, request.limit).await;
    }
    let error: Option<p::ApiError> = read_capped(response, p::endpoint::SMALL_ANSWER)
        .await
        .ok()
        .and_then(|body| serde_json::from_slice(&body).ok());
    Err(map_status(status, error))
}

/// The error a non-success status (and its [`p::ApiError`] body, if readable) means.
fn map_status(status: reqwest::StatusCode, error: Option<p::ApiError>) -> CoreError {
    let (code, message) = error.map_or_else(
        || {
            (
                status.as_u16().to_string(),
                status.canonical_reason().unwrap_or("error").to_owned(),
            )
        },
        |e| (e.code, e.message),
    );
    match status.as_u16() {
        // Not linked is a refusal of this request, not of the login; a missing proof asks
        // for the passphrase (or the account key), the token itself is fine.
        403 if code == "not_linked" || code == "proof_required" => {
            CoreError::Transport(TransportError::Rejected { code, message })
        }
        401 | 403 => CoreError::Transport(TransportError::Unauthorized),
        429 | 500..=599 => CoreError::Transport(TransportError::Unavailable {
            status: status.as_u16(),
        }),
        _ => CoreError::Transport(TransportError::Rejected { code, message }),
    }
}

/// Reads a response body, refusing more than `limit` bytes (with or without a length).
async fn read_capped(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(CoreError::Transport(TransportError::TooLarge));
    }
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            CoreError::Transport(if e.is_timeout() {
                TransportError::Timeout
            } else {
                TransportError::unreachable(e)
            })
        })?;
        let Some(chunk) = chunk else { break };
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(CoreError::Transport(TransportError::TooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_errors_a_ui_branches_on() {
        let api = |code: &str| {
            Some(p::ApiError {
                code: code.into(),
                message: "m".into(),
            })
        };
        let s = reqwest::StatusCode::from_u16;
        assert!(matches!(
            map_status(s(401).unwrap(), None),
            CoreError::Transport(TransportError::Unauthorized)
        ));
        assert!(matches!(
            map_status(s(403).unwrap(), api("forbidden")),
            CoreError::Transport(TransportError::Unauthorized)
        ));
        assert!(matches!(
            map_status(s(403).unwrap(), api("not_linked")),
            CoreError::Transport(TransportError::Rejected { code, .. }) if code == "not_linked"
        ));
        assert!(matches!(
            map_status(s(503).unwrap(), api("unavailable")),
            CoreError::Transport(TransportError::Unavailable { status: 503 })
        ));
        assert!(matches!(
            map_status(s(429).unwrap(), None),
            CoreError::Transport(TransportError::Unavailable { status: 429 })
        ));
        assert!(matches!(
            map_status(s(409).unwrap(), api("conflict")),
            CoreError::Transport(TransportError::Rejected { code, .. }) if code == "conflict"
        ));
        assert!(matches!(
            map_status(s(400).unwrap(), None),
            CoreError::Transport(TransportError::Rejected { code, .. }) if code == "400"
        ));
    }

    #[test]
    fn no_content_decodes_only_as_unit() {
        assert_eq!(decode_json::<()>(b""), Some(()));
        assert_eq!(decode_json::<p::DeviceList>(b""), None);
    }
}
