//! How the sync engine talks to the server: a small trait (so tests can inject faults) and
//! its HTTP implementation: one generic [`HttpTransport::request`] over the endpoint declarations
//! of [`solace_protocol::endpoint`], running on a shared async [`HttpClient`] (reqwest with
//! rustls). The trait is blocking: call it off the UI thread; a [`CancelToken`] set with
//! [`HttpTransport::with_cancel`] stops a request that waits on a silent server.
//!
//! The HTTP client refuses plain `http://` except to this machine (loopback), can trust an
//! extra root certificate for a self-signed server (`SOLACE_CA_CERT`, a PEM file), and reads
//! every answer with a size cap, so a hostile server cannot exhaust the device's memory.

mod client;

use std::net::IpAddr;

use serde::de::DeserializeOwned;
use solace_protocol as p;
use solace_protocol::endpoint::{self as ep, Auth, Endpoint, NoBody};

use crate::cancel::CancelToken;
use crate::error::{CoreError, InputProblem, Result, TransportError};

pub use client::HttpClient;

/// Environment variable naming a PEM file with extra root certificates to trust (for a
/// server with a self-signed or private-CA certificate).
pub const ENV_CA_CERT: &str = "SOLACE_CA_CERT";
/// Largest answer read for a pull page, a push result, the key set or a mailbox page (see
/// each endpoint's `MAX_ANSWER` in [`solace_protocol::endpoint`]).
pub const MAX_LARGE_ANSWER: u64 = p::endpoint::LARGE_ANSWER;
/// Largest answer read for everything else (sessions, device lists, errors, ...).
pub const MAX_SMALL_ANSWER: u64 = p::endpoint::SMALL_ANSWER;

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
    /// `POST /v1/account/delete` (needs the auth key of the current passphrase).
    fn delete_account(&self, _token: &str, _req: &p::DeleteAccountRequest) -> Result<()> {
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
        CoreError::invalid("server address", InputProblem::Expected("a host name"))
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

/// The real transport: JSON over HTTPS (or HTTP on loopback) through a shared
/// [`HttpClient`], with a cancel token raced against every request.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    client: HttpClient,
    cancel: CancelToken,
}

impl HttpTransport {
    /// A transport for the server at `base_url` (e.g. `https://sync.example.org`), trusting
    /// the extra root certificates named by `SOLACE_CA_CERT` if that is set. Refuses plain
    /// `http://` unless the host is this machine (`TransportError::InsecureUrl`). Makes its
    /// own [`HttpClient`]; long-lived callers share one with [`HttpTransport::with_client`].
    pub fn new(base_url: &str) -> Result<Self> {
        Self::with_options(base_url, &TransportOptions::from_env()?)
    }

    /// A transport for the server at `base_url` with explicit options (and its own client).
    pub fn with_options(base_url: &str, options: &TransportOptions) -> Result<Self> {
        check_server_url(base_url)?;
        Self::with_client(&HttpClient::new(options)?, base_url)
    }

    /// A transport for the server at `base_url` over a shared client (same connection pool,
    /// TLS configuration and runtime).
    pub fn with_client(client: &HttpClient, base_url: &str) -> Result<Self> {
        check_server_url(base_url)?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            client: client.clone(),
            cancel: CancelToken::new(),
        })
    }

    /// The same transport, giving up every request with [`CoreError::Cancelled`] once
    /// `token` is cancelled (within moments, even while a server does not answer).
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Sends one request of endpoint `E` (with the bearer `token` when given) and decodes
    /// its answer, reading at most `E::MAX_ANSWER` bytes. Blocking: call it off the UI
    /// thread. (Named `request`, not `send`, so it does not shadow
    /// [`crate::messaging::MailboxTransport::send`] on this type.)
    pub fn request<E: Endpoint>(&self, token: Option<&str>, req: &E::Request) -> Result<E::Response>
    where
        E::Response: Send + 'static,
    {
        if E::AUTH == Auth::Bearer && token.is_none() {
            return Err(CoreError::Transport(TransportError::Unauthorized));
        }
        let body = if E::HAS_BODY {
            Some(
                serde_json::to_vec(req)
                    .map_err(|_| CoreError::invalid("request", InputProblem::Unsupported))?,
            )
        } else {
            None
        };
        self.call(E::METHOD, E::PATH, token, body, E::MAX_ANSWER)
    }

    /// The untyped request path under [`HttpTransport::request`].
    fn call<T: DeserializeOwned>(
        &self,
        method: p::endpoint::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        limit: u64,
    ) -> Result<T> {
        let body = self.fetch(method, path, token, body, limit)?;
        client::decode_json(&body).ok_or(CoreError::Transport(TransportError::BadAnswer))
    }

    /// Sends one request and returns its answer body (not generic: one copy for every
    /// endpoint).
    fn fetch(
        &self,
        method: p::endpoint::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        limit: u64,
    ) -> Result<Vec<u8>> {
        let method = match method {
            p::endpoint::Method::Get => reqwest::Method::GET,
            p::endpoint::Method::Post => reqwest::Method::POST,
            p::endpoint::Method::Put => reqwest::Method::PUT,
        };
        let request = client::Request {
            method,
            url: format!("{}{path}", self.base),
            token: token.map(str::to_owned),
            body,
            limit,
        };
        self.client.run(request, &self.cancel)
    }
}

impl Transport for HttpTransport {
    fn limits(&self) -> Result<Option<p::ServerLimits>> {
        Ok(self.request::<ep::Health>(None, &NoBody)?.limits)
    }

    fn prelogin(&self, req: &p::PreloginRequest) -> Result<p::PreloginResponse> {
        self.request::<ep::Prelogin>(None, req)
    }

    fn register(&self, req: &p::RegisterRequest) -> Result<p::SessionResponse> {
        self.request::<ep::Register>(None, req)
    }

    fn login(&self, req: &p::LoginRequest) -> Result<p::SessionResponse> {
        self.request::<ep::Login>(None, req)
    }

    fn account_keys(&self, token: &str) -> Result<p::AccountKeys> {
        self.request::<ep::AccountKeys>(Some(token), &NoBody)
    }

    fn upload_items_keys(&self, token: &str, req: &p::ItemsKeysUpload) -> Result<()> {
        self.request::<ep::UploadItemsKeys>(Some(token), req)
    }

    fn update_credentials(&self, token: &str, req: &p::CredentialsUpdate) -> Result<()> {
        self.request::<ep::UpdateCredentials>(Some(token), req)
    }

    fn pull(&self, token: &str, req: &p::PullRequest) -> Result<p::PullResponse> {
        self.request::<ep::Pull>(Some(token), req)
    }

    fn push(&self, token: &str, req: &p::PushRequest) -> Result<p::PushResponse> {
        self.request::<ep::Push>(Some(token), req)
    }

    fn refresh(&self, token: &str) -> Result<p::SessionResponse> {
        self.request::<ep::Refresh>(Some(token), &NoBody)
    }

    fn devices(&self, token: &str) -> Result<p::DeviceList> {
        self.request::<ep::Devices>(Some(token), &NoBody)
    }

    fn revoke(&self, token: &str, req: &p::RevokeRequest) -> Result<()> {
        self.request::<ep::Revoke>(Some(token), req)
    }

    fn delete_account(&self, token: &str, req: &p::DeleteAccountRequest) -> Result<()> {
        self.request::<ep::DeleteAccount>(Some(token), req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solace_protocol::endpoint::Method;
    use std::io::Read as _;

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
        let r: Result<serde_json::Value> = t.call(Method::Post, "/v1/x", None, None, 64);
        assert!(matches!(
            r,
            Err(CoreError::Transport(TransportError::TooLarge))
        ));
        let no_length =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        let t =
            HttpTransport::with_options(&serve_once(no_length, body.clone()), &Default::default())
                .unwrap();
        let r: Result<serde_json::Value> = t.call(Method::Post, "/v1/x", None, None, 64);
        assert!(matches!(
            r,
            Err(CoreError::Transport(TransportError::TooLarge))
        ));
        let t =
            HttpTransport::with_options(&serve_once(no_length, body), &Default::default()).unwrap();
        let r: Result<serde_json::Value> = t.call(Method::Post, "/v1/x", None, None, 1024);
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

    /// A server that accepts connections and never answers (not a closed port, which fails
    /// fast); returns its base URL. The listener lives as long as the test process.
    fn silent_server() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                held.push(conn);
            }
        });
        url
    }

    #[test]
    fn a_cancelled_request_to_a_silent_server_stops_within_a_second() {
        let client = HttpClient::new(&TransportOptions::default()).unwrap();
        let token = CancelToken::new();
        let t = HttpTransport::with_client(&client, &silent_server())
            .unwrap()
            .with_cancel(token.clone());
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            token.cancel();
            std::time::Instant::now()
        });
        let r = t.pull(
            "tok",
            &p::PullRequest {
                cursor: 0,
                limit: 10,
            },
        );
        let finished = std::time::Instant::now();
        let cancelled_at = canceller.join().unwrap();
        assert!(matches!(r, Err(CoreError::Cancelled)), "{r:?}");
        assert!(finished.duration_since(cancelled_at) < std::time::Duration::from_secs(1));
        // A token already cancelled stops the next request before it is sent.
        assert!(matches!(t.devices("tok"), Err(CoreError::Cancelled)));
    }

    #[test]
    fn transports_share_one_client_and_dropping_it_in_async_code_is_safe() {
        let client = HttpClient::new(&TransportOptions::default()).unwrap();
        let body = br#"{"status":"ok","protocol":1}"#.to_vec();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
        let a = HttpTransport::with_client(&client, &serve_once(head, body)).unwrap();
        assert_eq!(a.limits().unwrap(), None);
        let b = HttpTransport::with_client(&client, "http://127.0.0.1:1").unwrap();
        assert!(matches!(
            HttpTransport::with_client(&client, "http://example.org"),
            Err(CoreError::Transport(TransportError::InsecureUrl))
        ));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async move {
            drop(a);
            drop(b);
            drop(client);
        });
    }

    #[test]
    fn a_bearer_endpoint_without_a_token_is_not_sent() {
        let t = HttpTransport::with_options("http://127.0.0.1:1", &Default::default()).unwrap();
        assert!(matches!(
            t.request::<ep::Devices>(None, &NoBody),
            Err(CoreError::Transport(TransportError::Unauthorized))
        ));
    }
}
