//! The messaging suite's HTTP client (a server with recorded push hints) and request builders.

use super::*;

pub(crate) struct Api {
    pub(crate) c: reqwest::Client,
    pub(crate) s: TestServer,
    pub(crate) push: Arc<RecordingPush>,
    /// The identity tag each token's device published (sends use its curve25519 key).
    pub(crate) identities: std::sync::Mutex<std::collections::HashMap<String, u8>>,
}

impl Api {
    pub(crate) async fn start(
        backend: Backend,
        tweak: impl FnOnce(&mut solace_server::ServerConfig),
    ) -> Option<Api> {
        let push = RecordingPush::new();
        Some(Api {
            c: reqwest::Client::new(),
            s: TestServer::start_with_push(backend, tweak, push.clone()).await?,
            push,
            identities: Default::default(),
        })
    }

    pub(crate) async fn send_json<T: serde::Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &T,
    ) -> reqwest::Response {
        let mut r = self.c.request(method, self.s.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    pub(crate) async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, Some(token), body)
            .await
    }

    pub(crate) async fn put<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::PUT, path, Some(token), body)
            .await
    }

    pub(crate) async fn register(&self, user: &str) -> p::SessionResponse {
        ok(self
            .send_json(
                reqwest::Method::POST,
                "/v1/accounts/register",
                None,
                &register_body(user),
            )
            .await)
        .await
    }

    pub(crate) async fn login(&self, user: &str, device: &str) -> p::SessionResponse {
        let body = p::LoginRequest {
            device_id: None,
            account_proof_verifier: None,
            username: user.into(),
            auth_key: hex::encode([7u8; 32]).into(),
            device_name: device.into(),
        };
        ok(self
            .send_json(reqwest::Method::POST, "/v1/accounts/login", None, &body)
            .await)
        .await
    }

    pub(crate) async fn profile(&self, token: &str, profile: &m::TherapistProfile) {
        let r = self.put("/v1/therapist/profile", token, profile).await;
        assert_eq!(r.status().as_u16(), 204, "{}", r.text().await.unwrap());
    }

    pub(crate) async fn search(&self, token: &str, q: m::DirectoryQuery) -> Vec<String> {
        let page: m::DirectoryPage = ok(self.post("/v1/directory/search", token, &q).await).await;
        page.therapists
            .into_iter()
            .map(|t| t.profile.display_name)
            .collect()
    }

    pub(crate) async fn request_link(&self, token: &str, therapist_id: &str) -> reqwest::Response {
        let body = m::LinkRequest {
            therapist_id: therapist_id.into(),
        };
        self.post("/v1/links", token, &body).await
    }

    pub(crate) async fn link_action(
        &self,
        path: &str,
        token: &str,
        link_id: &str,
    ) -> reqwest::Response {
        let body = m::LinkAction {
            link_id: link_id.into(),
        };
        self.post(path, token, &body).await
    }

    /// Client `c` asks therapist `t` (who has a profile) and `t` accepts.
    pub(crate) async fn link(&self, c: &p::SessionResponse, t: &p::SessionResponse) -> m::LinkInfo {
        let link: m::LinkInfo = ok(self.request_link(&c.token, &t.account_id).await).await;
        ok(self
            .link_action("/v1/links/accept", &t.token, &link.link_id)
            .await)
        .await
    }

    pub(crate) async fn publish(
        &self,
        token: &str,
        tag: u8,
        keys: std::ops::Range<u8>,
    ) -> reqwest::Response {
        let r = self.put("/v1/keys/device", token, &upload(tag, keys)).await;
        if r.status().is_success() {
            self.identities.lock().unwrap().insert(token.into(), tag);
        }
        r
    }

    /// The identity tag of the token's device, publishing identity 42 (no keys) first if it
    /// has none yet (the server takes only a device's own published key as sender key).
    pub(crate) async fn sender_tag(&self, token: &str) -> u8 {
        let known = self.identities.lock().unwrap().get(token).copied();
        match known {
            Some(tag) => tag,
            None => {
                let r = self.publish(token, SENDER_TAG, 0..0).await;
                assert!(r.status().is_success(), "{}", r.text().await.unwrap());
                SENDER_TAG
            }
        }
    }

    pub(crate) async fn claim(&self, token: &str, account_id: &str) -> reqwest::Response {
        let body = m::ClaimRequest {
            account_id: account_id.into(),
            need_keys_for: None,
        };
        self.post("/v1/keys/claim", token, &body).await
    }

    pub(crate) async fn send(
        &self,
        token: &str,
        to: &str,
        cmid: &str,
        devices: &[&str],
    ) -> reqwest::Response {
        let mut body = send_body(to, cmid, devices);
        body.sender_key = B64.encode([self.sender_tag(token).await; 32]);
        self.post("/v1/messages/send", token, &body).await
    }

    pub(crate) async fn inbox(&self, token: &str, limit: u32) -> m::Inbox {
        ok(self
            .post("/v1/messages/inbox", token, &m::InboxRequest { limit })
            .await)
        .await
    }

    pub(crate) async fn ack(&self, token: &str, ids: Vec<u64>) {
        let r = self
            .post(
                "/v1/messages/ack",
                token,
                &m::AckRequest {
                    ids,
                    expired: vec![],
                },
            )
            .await;
        assert_eq!(r.status().as_u16(), 204);
    }
}

/// A registration of `user` (auth key `[7; 32]`, no items keys).
pub(crate) fn register_body(user: &str) -> p::RegisterRequest {
    let mut body = common::http::register_body(user, [7u8; 32]);
    body.items_keys.clear();
    body
}

pub(crate) fn profile(
    name: &str,
    bio: &str,
    specialties: &[&str],
    languages: &[&str],
) -> m::TherapistProfile {
    m::TherapistProfile {
        display_name: name.into(),
        bio: bio.into(),
        specialties: specialties.iter().map(|s| (*s).into()).collect(),
        approaches: vec!["CBT".into()],
        languages: languages.iter().map(|s| (*s).into()).collect(),
        slots: vec![m::AvailabilitySlot {
            start: "2026-03-01T09:30:00Z".into(),
            minutes: 60,
        }],
        response_window_hours: None,
        formats: vec![],
        coverage: None,
    }
}

pub(crate) fn identity(tag: u8) -> m::WireIdentity {
    m::WireIdentity {
        curve25519: B64.encode([tag; 32]),
        ed25519: B64.encode([tag.wrapping_add(100); 32]),
    }
}

pub(crate) fn otk(tag: u8, i: u8) -> m::WireOneTimeKey {
    let mut key = [0u8; 32];
    key[0] = tag;
    key[1] = i;
    m::WireOneTimeKey {
        key: B64.encode(key),
        signature: B64.encode([i; 64]),
    }
}

pub(crate) fn upload(tag: u8, keys: std::ops::Range<u8>) -> m::DeviceKeysUpload {
    m::DeviceKeysUpload {
        identity: identity(tag),
        one_time_keys: keys.map(|i| otk(tag, i)).collect(),
        account_signature: None,
        device_list: None,
        fallback_key: None,
    }
}

/// The identity tag a sender publishes when a test did not publish one for it.
pub(crate) const SENDER_TAG: u8 = 42;

pub(crate) fn send_body(to: &str, cmid: &str, devices: &[&str]) -> m::SendRequest {
    m::SendRequest {
        recipient_account: to.into(),
        client_message_id: cmid.into(),
        sender_key: B64.encode([SENDER_TAG; 32]),
        envelopes: devices
            .iter()
            .map(|d| m::OutgoingEnvelope {
                device_id: (*d).into(),
                kind: 0,
                body: B64.encode(format!("olm for {d} / {cmid}")),
            })
            .collect(),
    }
}
