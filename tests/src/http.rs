//! Raw HTTP to a test server for the cross-crate suites: requests built from the protocol's
//! endpoint declarations (so no suite spells a path), wire-body builders and JSON helpers.
//! Blocking (the suites drive real `solace` processes from plain threads).

use base64::Engine as _;
use serde::de::DeserializeOwned;
use solace_protocol as p;
use solace_protocol::endpoint::{Endpoint, Method};

/// A blocking client for one server.
pub struct RawApi {
    /// The client.
    pub client: reqwest::blocking::Client,
    /// The server's base URL.
    pub url: String,
}

impl RawApi {
    /// A client for the server at `url`.
    pub fn new(url: &str) -> Self {
        Self {
            client: reqwest::blocking::Client::new(),
            url: url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends one request of endpoint `E` (with a bearer `token` when given) and returns the
    /// raw answer, whatever its status.
    pub fn send<E: Endpoint>(
        &self,
        token: Option<&str>,
        body: &E::Request,
    ) -> reqwest::blocking::Response {
        let url = format!("{}{}", self.url, E::PATH);
        let mut r = match E::METHOD {
            Method::Get => self.client.get(url),
            Method::Post => self.client.post(url),
            Method::Put => self.client.put(url),
        };
        if E::HAS_BODY {
            r = r.json(body);
        }
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().expect("the server answers")
    }

    /// [`RawApi::send`] that expects success and decodes the answer.
    pub fn ok<E: Endpoint>(&self, token: Option<&str>, body: &E::Request) -> E::Response {
        json(self.send::<E>(token, body))
    }

    /// Registers `user` (auth key `[7; 32]`) and returns the device's token.
    pub fn register(&self, user: &str) -> String {
        let s = self.ok::<p::endpoint::Register>(None, &register_body(user));
        s.token.expose().to_owned()
    }
}

/// Asserts a success status and decodes the JSON answer (`()` for `204`).
pub fn json<T: DeserializeOwned>(r: reqwest::blocking::Response) -> T {
    let status = r.status();
    let text = r.text().expect("an answer body");
    assert!(status.is_success(), "{status}: {text}");
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).expect("a JSON answer")
}

/// A registration of `user` with auth key `[7; 32]` and no items keys.
pub fn register_body(user: &str) -> p::RegisterRequest {
    p::RegisterRequest {
        account_proof_verifier: None,
        username: user.into(),
        auth_key: hex::encode([7u8; 32]).into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([1u8; 16]),
        wrapped_account_key: B64.encode([2u8; 77]),
        items_keys: vec![],
        device_name: "raw".into(),
        recovery_wrapped_account_key: None,
    }
}

/// A journal mutation of record `id` with `blob` base64-encoded.
pub fn mutation(seq: u64, id: &str, base: u64, blob: &str) -> p::Mutation {
    p::Mutation {
        mutation_seq: seq,
        id: id.parse().expect("a well-formed record id"),
        kind: "journal".into(),
        base_seq: base,
        blob: p::B64Bytes::new(blob.as_bytes().to_vec()).expect("a blob within the limit"),
        deleted: false,
    }
}

/// Standard base64, as the wire uses it.
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
