//! How the sync engine talks to the server: a small trait (so tests can inject faults) and
//! its HTTP implementation over reqwest with rustls. Blocking: call it off the UI thread.
//!
//! The HTTP client refuses plain `http://` except to this machine (loopback), can trust an
//! extra root certificate for a self-signed server (`SOLACE_CA_CERT`, a PEM file), and reads
//! every answer with a size cap, so a hostile server cannot exhaust the device's memory.

use crate::error::InputProblem;
use crate::error::TransportError;
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use solace_protocol as p;

use crate::error::{CoreError, Result};

/// Environment variable naming a PEM file with extra root certificates to trust (for a
/// server with a self-signed or private-CA certificate).
pub const ENV_CA_CERT: &str = "SOLACE_CA_CERT";
/// Largest answer read for a pull page, a push result, the key set or a mailbox page.
pub const MAX_LARGE_ANSWER: u64 = 32 * 1024 * 1024;
/// Largest answer read for everything else (sessions, device lists, errors, ...).
pub const MAX_SMALL_ANSWER: u64 = 1024 * 1024;

fn unsupported() -> CoreError {
    CoreError::Transport(TransportError::Rejected {
        code: "unsupported".into(),
        message: "this transport does not offer the operation".into(),
    })
}

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
    /// `POST /v1/account/refresh`: a fresh token for the same device. Test transports that
    /// do not model tokens keep the default (refused as `unsupported`; a sync then carries on
    /// with the token it has while that is still valid).
    fn refresh(&self, _token: &str) -> Result<p::SessionResponse> {
        Err(unsupported())
    }
    /// `GET /v1/devices`.
    fn devices(&self, _token: &str) -> Result<p::DeviceList> {
        Err(unsupported())
    }
    /// `POST /v1/devices/revoke` (needs a proof: auth key or account-key proof).
    fn revoke(&self, _token: &str, _req: &p::RevokeRequest) -> Result<()> {
        Err(unsupported())
    }
}

/// Whether `host` (as in a URL, IPv6 in brackets) names this machine.
fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") || bare.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks a server base URL: `https://` anywhere, `http://` only to a loopback host.
pub fn check_server_url(base_url: &str) -> Result<()> {
    let url = reqwest::Url::parse(base_url)
        .map_err(|_| CoreError::invalid("server address", InputProblem::Expected("a valid URL")))?;
    let host = url.host_str().ok_or_else(|| {
        CoreError::invalid(
            "server address",
            InputProblem::Expected("a URL with a host"),
        )
    })?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(host) => Ok(()),
        "http" => Err(CoreError::Transport(TransportError::InsecureUrl)),
        _ => Err(CoreError::invalid(
            "server address",
            InputProblem::Expected("an https:// address"),
        )),
    }
}

/// Options for [`HttpTransport::with_options`].
#[derive(Debug, Clone, Default)]
pub struct TransportOptions {
    /// Extra root certificates to trust, PEM (one or more certificates), on top of the
    /// platform's roots.
    pub ca_cert_pem: Option<Vec<u8>>,
}

impl TransportOptions {
    /// Options from the environment: the PEM file named by [`ENV_CA_CERT`], if set.
    pub fn from_env() -> Result<Self> {
        match std::env::var_os(ENV_CA_CERT) {
            Some(path) if !path.is_empty() => Self::with_ca_cert_file(std::path::Path::new(&path)),
            _ => Ok(Self::default()),
        }
    }

    /// Options trusting the root certificates in the PEM file at `path`.
    pub fn with_ca_cert_file(path: &std::path::Path) -> Result<Self> {
        let pem = std::fs::read(path)
            .map_err(|_| CoreError::invalid("CA certificate file", InputProblem::Unreadable))?;
        Ok(Self {
            ca_cert_pem: Some(pem),
        })
    }
}

/// Reads a response body, refusing more than `limit` bytes.
fn read_capped(mut response: reqwest::blocking::Response, limit: u64) -> Result<Vec<u8>> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(CoreError::Transport(TransportError::TooLarge));
    }
    let mut body = Vec::new();
    (&mut response)
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| CoreError::Transport(TransportError::unreachable(e)))?;
    if body.len() as u64 > limit {
        return Err(CoreError::Transport(TransportError::TooLarge));
    }
    Ok(body)
}

/// The real transport: JSON over HTTPS (or HTTP on loopback) with a request timeout.
pub struct HttpTransport {
    base: String,
    client: reqwest::blocking::Client,
}

impl HttpTransport {
    /// A transport for the server at `base_url` (e.g. `https://sync.example.org`), trusting
    /// the extra root certificates named by `SOLACE_CA_CERT` if that is set. Refuses plain
    /// `http://` unless the host is this machine ([`CoreError::Transport(TransportError::InsecureUrl)`]).
    pub fn new(base_url: &str) -> Result<Self> {
        Self::with_options(base_url, &TransportOptions::from_env()?)
    }

    /// A transport for the server at `base_url` with explicit options.
    pub fn with_options(base_url: &str, options: &TransportOptions) -> Result<Self> {
        check_server_url(base_url)?;
        // TLS uses rustls with the ring provider; installing it as the process default is
        // idempotent (an already installed provider is kept).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("solace/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &options.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    CoreError::invalid(
                        "CA certificate file",
                        InputProblem::Expected("PEM certificates"),
                    )
                })?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| CoreError::Transport(TransportError::unreachable(e)))?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            client,
        })
    }

    /// Sends `request` and decodes the answer, reading at most `limit` bytes of it (`None`
    /// for `204 No Content`).
    pub(crate) fn execute<T: DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
        limit: u64,
    ) -> Result<Option<T>> {
        let response = request.send().map_err(|e| {
            // Never include the URL query or body; reqwest's message names host and kind only.
            CoreError::Transport(if e.is_timeout() {
                TransportError::Timeout
            } else {
                TransportError::unreachable(e.without_url())
            })
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        if status.is_success() {
            let body = read_capped(response, limit)?;
            return serde_json::from_slice::<T>(&body)
                .map(Some)
                .map_err(|_| CoreError::Transport(TransportError::BadAnswer));
        }
        let error: Option<p::ApiError> = read_capped(response, MAX_SMALL_ANSWER)
            .ok()
            .and_then(|body| serde_json::from_slice(&body).ok());
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
        })
    }

    /// `POST path` with a JSON body, expecting a JSON answer of at most `limit` bytes.
    pub(crate) fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
        limit: u64,
    ) -> Result<T> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.execute(req, limit)?
            .ok_or_else(|| CoreError::Transport(TransportError::BadAnswer))
    }

    /// `PUT path` with a JSON body and the bearer token, for endpoints that answer `204`.
    fn put<B: Serialize>(&self, path: &str, token: &str, body: &B) -> Result<()> {
        let req = self.request(reqwest::Method::PUT, path, token).json(body);
        self.execute::<serde_json::Value>(req, MAX_SMALL_ANSWER)
            .map(|_| ())
    }

    /// `GET path` with the bearer token, expecting a JSON answer of at most `limit` bytes.
    fn get<T: DeserializeOwned>(&self, path: &str, token: &str, limit: u64) -> Result<T> {
        let req = self.request(reqwest::Method::GET, path, token);
        self.execute(req, limit)?
            .ok_or_else(|| CoreError::Transport(TransportError::BadAnswer))
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
    fn limits(&self) -> Result<Option<p::ServerLimits>> {
        let req = self.client.get(format!("{}/v1/health", self.base));
        Ok(self
            .execute::<p::Health>(req, MAX_SMALL_ANSWER)?
            .and_then(|h| h.limits))
    }

    fn prelogin(&self, req: &p::PreloginRequest) -> Result<p::PreloginResponse> {
        self.post("/v1/accounts/prelogin", None, req, MAX_SMALL_ANSWER)
    }

    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse> {
        self.post("/v1/accounts/register", None, req, MAX_SMALL_ANSWER)
    }

    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse> {
        self.post("/v1/accounts/login", None, req, MAX_SMALL_ANSWER)
    }

    fn account_keys(&self, token: &str) -> Result<p::AccountKeys> {
        self.get("/v1/account/keys", token, MAX_LARGE_ANSWER)
    }

    fn upload_items_keys(&self, token: &str, req: &p::ItemsKeysUpload) -> Result<()> {
        self.put("/v1/account/items-keys", token, req)
    }

    fn update_credentials(&self, token: &str, req: &p::CredentialsUpdate) -> Result<()> {
        self.put("/v1/account/credentials", token, req)
    }

    fn pull(&self, token: &str, req: &p::PullRequest) -> Result<p::PullResponse> {
        self.post("/v1/sync/pull", Some(token), req, MAX_LARGE_ANSWER)
    }

    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse> {
        self.post("/v1/sync/push", Some(token), req, MAX_LARGE_ANSWER)
    }

    fn refresh(&self, token: &str) -> Result<p::SessionResponse> {
        let req = self.request(reqwest::Method::POST, "/v1/account/refresh", token);
        self.execute(req, MAX_SMALL_ANSWER)?
            .ok_or_else(|| CoreError::Transport(TransportError::BadAnswer))
    }

    fn devices(&self, token: &str) -> Result<p::DeviceList> {
        self.get("/v1/devices", token, MAX_SMALL_ANSWER)
    }

    fn revoke(&self, token: &str, req: &p::RevokeRequest) -> Result<()> {
        let req = self
            .request(reqwest::Method::POST, "/v1/devices/revoke", token)
            .json(req);
        self.execute::<serde_json::Value>(req, MAX_SMALL_ANSWER)
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_this_machine() {
        for ok in [
            "https://sync.example.org",
            "https://10.0.0.5:8443/",
            "http://localhost:8787",
            "http://127.0.0.1:8787",
            "http://127.3.2.1",
            "http://[::1]:8787",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://sync.example.org",
            "http://10.0.0.5:8787",
            "http://[::2]:8787",
            "http://localhost.example.org",
        ] {
            assert!(
                matches!(
                    check_server_url(bad),
                    Err(CoreError::Transport(TransportError::InsecureUrl))
                ),
                "{bad}"
            );
        }
        for bad in ["ftp://localhost", "not a url", "file:///tmp/x"] {
            assert!(
                matches!(check_server_url(bad), Err(CoreError::InvalidInput(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            HttpTransport::with_options("http://example.org", &TransportOptions::default()),
            Err(CoreError::Transport(TransportError::InsecureUrl))
        ));
    }

    /// Serves one canned HTTP answer on a loopback port and returns its base URL.
    fn serve_once(head: &'static str, body: Vec<u8>) -> String {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        });
        url
    }

    #[test]
    fn oversized_answers_are_refused_with_or_without_a_length() {
        let body = format!("\"{}\"", "x".repeat(100)).into_bytes();
        let head: &'static str = Box::leak(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_boxed_str(),
        );
        let t = HttpTransport::with_options(&serve_once(head, body.clone()), &Default::default())
            .unwrap();
        let r: Result<serde_json::Value> = t.post("/v1/x", None, &(), 64);
        assert!(matches!(
            r,
            Err(CoreError::Transport(TransportError::TooLarge))
        ));
        let no_length =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        let t =
            HttpTransport::with_options(&serve_once(no_length, body.clone()), &Default::default())
                .unwrap();
        let r: Result<serde_json::Value> = t.post("/v1/x", None, &(), 64);
        assert!(matches!(
            r,
            Err(CoreError::Transport(TransportError::TooLarge))
        ));
        let t =
            HttpTransport::with_options(&serve_once(no_length, body), &Default::default()).unwrap();
        let r: Result<serde_json::Value> = t.post("/v1/x", None, &(), 1024);
        assert_eq!(r.unwrap(), serde_json::Value::String("x".repeat(100)));
    }

    #[test]
    fn a_missing_proof_is_a_rejection_not_a_lost_login() {
        let body = br#"{"code":"proof_required","message":"proof required"}"#.to_vec();
        let head =
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        let t = HttpTransport::with_options(&serve_once(head, body), &Default::default()).unwrap();
        let r = t.revoke(
            "tok",
            &p::RevokeRequest {
                device_id: "d".into(),
                all_other_devices: false,
                current_auth_key: None,
                account_proof: None,
            },
        );
        assert!(
            matches!(r, Err(CoreError::Transport(TransportError::Rejected { code, .. })) if code == "proof_required")
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let options = TransportOptions {
            ca_cert_pem: Some(b"not a certificate".to_vec()),
        };
        assert!(matches!(
            HttpTransport::with_options("https://sync.example.org", &options),
            Err(CoreError::InvalidInput(_))
        ));
    }
}
