//! The HTTP side of the server test suites: a client bound to one test server, with the
//! plain request helpers every suite uses.

use base64::Engine as _;
use serde::de::DeserializeOwned;
use solace_protocol as p;

use super::{Backend, TestServer};

/// Standard base64, as the wire uses it.
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Asserts a success status and decodes the JSON answer.
pub async fn ok<T: DeserializeOwned>(r: reqwest::Response) -> T {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Asserts the status and the `ApiError` code of an error answer.
pub async fn err(r: reqwest::Response, status: u16, code: &str) {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: p::ApiError = serde_json::from_str(&text).expect("an ApiError body");
    assert_eq!(body.code, code);
}

/// A registration of `user` with auth key `auth_key` and one items key.
pub fn register_body(user: &str, auth_key: [u8; 32]) -> p::RegisterRequest {
    p::RegisterRequest {
        account_proof_verifier: None,
        username: user.into(),
        auth_key: hex::encode(auth_key).into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([9u8; 16]),
        wrapped_account_key: B64.encode([1u8; 77]),
        items_keys: vec![p::WireItemsKey {
            key_id: 1,
            wrapped: B64.encode([2u8; 77]),
        }],
        device_name: "test".into(),
        recovery_wrapped_account_key: None,
    }
}

/// A login of a new device `device` of `user` with auth key `key`.
pub fn login_body(user: &str, key: [u8; 32], device: &str) -> p::LoginRequest {
    p::LoginRequest {
        device_id: None,
        account_proof_verifier: None,
        username: user.into(),
        auth_key: hex::encode(key).into(),
        device_name: device.into(),
    }
}

/// A server under test and an HTTP client for it; each suite adds its own calls in an
/// `impl Api` block.
pub struct Api {
    /// The client.
    pub c: reqwest::Client,
    /// The server.
    pub s: TestServer,
}

impl Api {
    /// Starts a server on `backend` (`None`: backend unavailable, the case is skipped).
    pub async fn start(
        backend: Backend,
        tweak: impl FnOnce(&mut solace_server::ServerConfig),
    ) -> Option<Api> {
        Some(Api {
            c: reqwest::Client::new(),
            s: TestServer::start(backend, tweak).await?,
        })
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> reqwest::Response {
        let mut r = self.c.post(self.s.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    /// `PUT path` with a JSON body and a bearer token.
    pub async fn put<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.c
            .put(self.s.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.c
            .get(self.s.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}
