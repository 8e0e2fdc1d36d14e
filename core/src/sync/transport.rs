//! How the sync engine talks to the server: a small trait (so tests can inject faults) and
//! its HTTP implementation over reqwest with rustls. Blocking: call it off the UI thread.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use solace_protocol as p;

use crate::error::{CoreError, Result};

/// The server operations the client uses (protocol v1).
pub trait Transport {
    /// `POST /v1/accounts/prelogin`.
    fn prelogin(&self, req: &p::PreloginRequest) -> Result<p::PreloginResponse>;
    /// `POST /v1/accounts/register`.
    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse>;
    /// `POST /v1/accounts/login`.
    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse>;
    /// `GET /v1/account/keys`.
    fn account_keys(&self, token: &str) -> Result<p::AccountKeys>;
    /// `PUT /v1/account/items-keys`.
    fn upload_items_keys(&self, token: &str, req: &p::ItemsKeysUpload) -> Result<()>;
    /// `PUT /v1/account/credentials`.
    fn update_credentials(&self, token: &str, req: &p::CredentialsUpdate) -> Result<()>;
    /// `POST /v1/sync/pull`.
    fn pull(&self, token: &str, req: &p::PullRequest) -> Result<p::PullResponse>;
    /// `POST /v1/sync/push`.
    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse>;
    /// The server's size limits from `GET /v1/health` (`None`: it does not say; assume the
    /// protocol's).
    fn limits(&self) -> Result<Option<p::ServerLimits>> {
        Ok(None)
    }
}

/// The real transport: JSON over HTTPS (or HTTP on loopback) with a request timeout.
pub struct HttpTransport {
    base: String,
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A transport for the server at `base_url` (e.g. `https://sync.example.org`).
    pub fn new(base_url: &str) -> Result<Self> {
        // TLS uses rustls with the ring provider; installing it as the process default is
        // idempotent (an already installed provider is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("solace/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Network(e.to_string()))?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            client,
        })
    }

    pub(crate) fn execute<T: DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<Option<T>> {
        let response = request.send().map_err(|e| {
            // Never include the URL query or body; reqwest's message names host and kind only.
            CoreError::Network(if e.is_timeout() {
                "timed out".into()
            } else {
                e.without_url().to_string()
            })
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        if status.is_success() {
            return response
                .json::<T>()
                .map(Some)
                .map_err(|_| CoreError::Network("the server sent an unreadable answer".into()));
        }
        let error: Option<p::ApiError> = response.json().ok();
        let (code, message) = error.map_or_else(
            || {
                (
                    status.as_u16().to_string(),
                    status.canonical_reason().unwrap_or("error").to_owned(),
                )
            },
            |e| (e.code, e.message),
        );
        Err(match status.as_u16() {
            // Not linked is a refusal of this request, not of the login.
            403 if code == "not_linked" => CoreError::ServerRejected { code, message },
            401 | 403 => CoreError::Unauthorized,
            429 | 500..=599 => CoreError::Network(format!("server busy or failing ({code})")),
            _ => CoreError::ServerRejected { code, message },
        })
    }

    pub(crate) fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<T> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.execute(req)?
            .ok_or_else(|| CoreError::Network("the server sent an empty answer".into()))
    }

    /// `PUT path` with a JSON body and the bearer token, for endpoints that answer `204`.
    fn put<B: Serialize>(&self, path: &str, token: &str, body: &B) -> Result<()> {
        let req = self.request(reqwest::Method::PUT, path, token).json(body);
        self.execute::<serde_json::Value>(req).map(|_| ())
    }

    /// A request builder for `path` with the bearer token.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::blocking::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }
}

impl Transport for HttpTransport {
    fn prelogin(&self, req: &p::PreloginRequest) -> Result<p::PreloginResponse> {
        self.post("/v1/accounts/prelogin", None, req)
    }

    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse> {
        self.post("/v1/accounts/register", None, req)
    }

    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse> {
        self.post("/v1/accounts/login", None, req)
    }

    fn account_keys(&self, token: &str) -> Result<p::AccountKeys> {
        let req = self
            .client
            .get(format!("{}/v1/account/keys", self.base))
            .bearer_auth(token);
        self.execute(req)?
            .ok_or_else(|| CoreError::Network("the server sent an empty answer".into()))
    }

    fn upload_items_keys(&self, token: &str, req: &p::ItemsKeysUpload) -> Result<()> {
        self.put("/v1/account/items-keys", token, req)
    }

    fn update_credentials(&self, token: &str, req: &p::CredentialsUpdate) -> Result<()> {
        self.put("/v1/account/credentials", token, req)
    }

    fn pull(&self, token: &str, req: &p::PullRequest) -> Result<p::PullResponse> {
        self.post("/v1/sync/pull", Some(token), req)
    }

    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse> {
        self.post("/v1/sync/push", Some(token), req)
    }

    fn limits(&self) -> Result<Option<p::ServerLimits>> {
        let req = self.client.get(format!("{}/v1/health", self.base));
        Ok(self.execute::<p::Health>(req)?.and_then(|h| h.limits))
    }
}
