//! Messaging over HTTP and in storage, the same suite on SQLite and PostgreSQL: the therapist
//! directory, consented links gating keys and messages (`403 not_linked`), one-time keys
//! claimed once each (also under concurrency), fixed identities, the idempotent mailbox (order,
//! paging, acknowledgement, TTL, cap), content-free push hints, revocation, hostile input.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine as _;
use common::{Backend, TestDb, TestServer};
use serde::de::DeserializeOwned;
use solace_protocol as p;
use solace_protocol::messaging as m;
use solace_server::push::{PushHint, RecordingPush};
use solace_server::storage::{
    NewAccount, NewDevice, NewEnvelope, NewMessage, Storage, StorageError, StoredLink,
};

per_backend!(
    directory_search_and_profile_validation,
    links_gate_keys_and_messages,
    one_time_keys_are_claimed_once,
    mailbox_send_inbox_ack_and_push_hints,
    mailbox_cap_refuses_the_whole_send,
    revoked_device_loses_mailbox_and_keys,
    hostile_input_gets_clean_errors,
    storage_ttl_expires_messages,
    storage_concurrent_claims_never_share_a_key,
    storage_links_and_linked,
);

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Api {
    c: reqwest::Client,
    s: TestServer,
    push: Arc<RecordingPush>,
}

impl Api {
    async fn start(
        backend: Backend,
        tweak: impl FnOnce(&mut solace_server::ServerConfig),
    ) -> Option<Api> {
        let push = RecordingPush::new();
        Some(Api {
            c: reqwest::Client::new(),
            s: TestServer::start_with_push(backend, tweak, push.clone()).await?,
            push,
        })
    }

    async fn send_json<T: serde::Serialize>(
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

    async fn post<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, Some(token), body)
            .await
    }

    async fn put<T: serde::Serialize>(
        &self,
        path: &str,
        token: &str,
        body: &T,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::PUT, path, Some(token), body)
            .await
    }

    async fn register(&self, user: &str) -> p::SessionResponse {
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

    async fn login(&self, user: &str, device: &str) -> p::SessionResponse {
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

    async fn profile(&self, token: &str, profile: &m::TherapistProfile) {
        let r = self.put("/v1/therapist/profile", token, profile).await;
        assert_eq!(r.status().as_u16(), 204, "{}", r.text().await.unwrap());
    }

    async fn search(&self, token: &str, q: m::DirectoryQuery) -> Vec<String> {
        let page: m::DirectoryPage = ok(self.post("/v1/directory/search", token, &q).await).await;
        page.therapists
            .into_iter()
            .map(|t| t.profile.display_name)
            .collect()
    }

    async fn request_link(&self, token: &str, therapist_id: &str) -> reqwest::Response {
        let body = m::LinkRequest {
            therapist_id: therapist_id.into(),
        };
        self.post("/v1/links", token, &body).await
    }

    async fn link_action(&self, path: &str, token: &str, link_id: &str) -> reqwest::Response {
        let body = m::LinkAction {
            link_id: link_id.into(),
        };
        self.post(path, token, &body).await
    }

    /// Client `c` asks therapist `t` (who has a profile) and `t` accepts.
    async fn link(&self, c: &p::SessionResponse, t: &p::SessionResponse) -> m::LinkInfo {
        let link: m::LinkInfo = ok(self.request_link(&c.token, &t.account_id).await).await;
        ok(self
            .link_action("/v1/links/accept", &t.token, &link.link_id)
            .await)
        .await
    }

    async fn publish(&self, token: &str, tag: u8, keys: std::ops::Range<u8>) -> reqwest::Response {
        self.put("/v1/keys/device", token, &upload(tag, keys)).await
    }

    async fn claim(&self, token: &str, account_id: &str) -> reqwest::Response {
        let body = m::ClaimRequest {
            account_id: account_id.into(),
        };
        self.post("/v1/keys/claim", token, &body).await
    }

    async fn send(&self, token: &str, to: &str, cmid: &str, devices: &[&str]) -> reqwest::Response {
        self.post("/v1/messages/send", token, &send_body(to, cmid, devices))
            .await
    }

    async fn inbox(&self, token: &str, limit: u32) -> m::Inbox {
        ok(self
            .post("/v1/messages/inbox", token, &m::InboxRequest { limit })
            .await)
        .await
    }

    async fn ack(&self, token: &str, ids: Vec<u64>) {
        let r = self
            .post("/v1/messages/ack", token, &m::AckRequest { ids })
            .await;
        assert_eq!(r.status().as_u16(), 204);
    }
}

async fn ok<T: DeserializeOwned>(r: reqwest::Response) -> T {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Asserts the status and the `ApiError` code of an error answer.
async fn err(r: reqwest::Response, status: u16, code: &str) {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: p::ApiError = serde_json::from_str(&text).expect("an ApiError body");
    assert_eq!(body.code, code);
}

fn register_body(user: &str) -> p::RegisterRequest {
    p::RegisterRequest {
        account_proof_verifier: None,
        username: user.into(),
        auth_key: hex::encode([7u8; 32]).into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([9u8; 16]),
        wrapped_account_key: B64.encode([1u8; 77]),
        items_keys: vec![],
        device_name: "test".into(),
        recovery_wrapped_account_key: None,
    }
}

fn profile(name: &str, bio: &str, specialties: &[&str], languages: &[&str]) -> m::TherapistProfile {
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
    }
}

fn identity(tag: u8) -> m::WireIdentity {
    m::WireIdentity {
        curve25519: B64.encode([tag; 32]),
        ed25519: B64.encode([tag.wrapping_add(100); 32]),
    }
}

fn otk(tag: u8, i: u8) -> m::WireOneTimeKey {
    let mut key = [0u8; 32];
    key[0] = tag;
    key[1] = i;
    m::WireOneTimeKey {
        key: B64.encode(key),
        signature: B64.encode([i; 64]),
    }
}

fn upload(tag: u8, keys: std::ops::Range<u8>) -> m::DeviceKeysUpload {
    m::DeviceKeysUpload {
        identity: identity(tag),
        one_time_keys: keys.map(|i| otk(tag, i)).collect(),
    }
}

fn send_body(to: &str, cmid: &str, devices: &[&str]) -> m::SendRequest {
    m::SendRequest {
        recipient_account: to.into(),
        client_message_id: cmid.into(),
        sender_key: B64.encode([42u8; 32]),
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

async fn directory_search_and_profile_validation(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let zoe = api.register("zoe").await;
    let ada = api.register("ada").await;
    let client = api.register("sam").await;
    api.profile(
        &zoe.token,
        &profile("zoe Park", "Grief and loss", &["Grief"], &["en"]),
    )
    .await;
    api.profile(
        &ada.token,
        &profile(
            "Ada Lee",
            "Anxiety, sleep and panic",
            &["anxiety", "sleep"],
            &["de", "EN"],
        ),
    )
    .await;
    // Republishing replaces.
    api.profile(
        &ada.token,
        &profile(
            "Ada Lee",
            "Anxiety, sleep and panic",
            &["anxiety", "Sleep"],
            &["de", "EN"],
        ),
    )
    .await;

    let all = api
        .search(&client.token, m::DirectoryQuery::default())
        .await;
    assert_eq!(all, ["Ada Lee", "zoe Park"]);
    let q =
        |specialty: Option<&str>, language: Option<&str>, text: Option<&str>| m::DirectoryQuery {
            specialty: specialty.map(Into::into),
            approach: None,
            language: language.map(Into::into),
            text: text.map(Into::into),
        };
    assert_eq!(
        api.search(&client.token, q(Some("SLEEP"), None, None))
            .await,
        ["Ada Lee"]
    );
    assert_eq!(
        api.search(&client.token, q(None, Some("en"), None)).await,
        ["Ada Lee", "zoe Park"]
    );
    assert_eq!(
        api.search(&client.token, q(None, Some("de"), Some("PANIC")))
            .await,
        ["Ada Lee"]
    );
    assert_eq!(
        api.search(&client.token, q(None, None, Some("loss"))).await,
        ["zoe Park"]
    );
    assert!(api
        .search(&client.token, q(Some("grief"), Some("de"), None))
        .await
        .is_empty());
    let entries: m::DirectoryPage = ok(api
        .post(
            "/v1/directory/search",
            &client.token,
            &m::DirectoryQuery::default(),
        )
        .await)
    .await;
    assert_eq!(entries.therapists[0].therapist_id, ada.account_id);
    assert_eq!(
        entries.therapists[0].profile.specialties,
        ["anxiety", "Sleep"]
    );

    // Validation.
    let bad_profiles = [
        profile("", "x", &[], &[]),
        profile(&"n".repeat(81), "x", &[], &[]),
        profile("ok", &"b".repeat(1001), &[], &[]),
        profile("ok", "x", &["a"; 21], &[]),
        profile("ok", "x", &[&"s".repeat(41)], &[]),
        profile("ok", "x", &[""], &[]),
        m::TherapistProfile {
            slots: vec![m::AvailabilitySlot {
                start: "tomorrow".into(),
                minutes: 30,
            }],
            ..profile("ok", "x", &[], &[])
        },
        m::TherapistProfile {
            slots: vec![m::AvailabilitySlot {
                start: "2026-03-01T09:30:00+01:00".into(),
                minutes: 4,
            }],
            ..profile("ok", "x", &[], &[])
        },
        m::TherapistProfile {
            slots: vec![
                m::AvailabilitySlot {
                    start: "2026-03-01T09:30:00Z".into(),
                    minutes: 30,
                };
                51
            ],
            ..profile("ok", "x", &[], &[])
        },
    ];
    for bad in &bad_profiles {
        err(
            api.put("/v1/therapist/profile", &client.token, bad).await,
            400,
            "bad_request",
        )
        .await;
    }
    // A rejected profile made nobody a therapist.
    assert_eq!(
        api.search(&client.token, m::DirectoryQuery::default())
            .await
            .len(),
        2
    );
    // Everything needs a token.
    let r = api
        .send_json(
            reqwest::Method::POST,
            "/v1/directory/search",
            None,
            &m::DirectoryQuery::default(),
        )
        .await;
    err(r, 401, "unauthorized").await;
    let r = api
        .send_json(
            reqwest::Method::PUT,
            "/v1/therapist/profile",
            Some("nonsense"),
            &profile("x", "", &[], &[]),
        )
        .await;
    err(r, 401, "unauthorized").await;
}

async fn links_gate_keys_and_messages(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    let stranger = api.register("stranger").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    assert_eq!(api.publish(&t.token, 1, 0..5).await.status().as_u16(), 200);
    assert_eq!(api.publish(&c.token, 2, 0..5).await.status().as_u16(), 200);

    // Unlinked: no keys, no messages (either direction).
    err(api.claim(&c.token, &t.account_id).await, 403, "not_linked").await;
    err(
        api.send(&c.token, &t.account_id, "m1", &[&t.device_id])
            .await,
        403,
        "not_linked",
    )
    .await;
    err(api.claim(&t.token, &c.account_id).await, 403, "not_linked").await;
    err(
        api.claim(&c.token, "no-such-account").await,
        403,
        "not_linked",
    )
    .await;

    // Requests: only to therapists, never to oneself.
    err(
        api.request_link(&c.token, &stranger.account_id).await,
        404,
        "not_found",
    )
    .await;
    err(
        api.request_link(&t.token, &t.account_id).await,
        400,
        "bad_request",
    )
    .await;
    let pending: m::LinkInfo = ok(api.request_link(&c.token, &t.account_id).await).await;
    assert_eq!(pending.state, m::LinkState::Pending);
    assert_eq!(
        (
            pending.client_name.as_str(),
            pending.therapist_name.as_str()
        ),
        ("client", "Dr. Lee")
    );
    assert_eq!(
        (pending.client_id.as_str(), pending.therapist_id.as_str()),
        (c.account_id.as_str(), t.account_id.as_str())
    );
    err(
        api.request_link(&c.token, &t.account_id).await,
        409,
        "conflict",
    )
    .await;
    // Pending is not linked.
    err(api.claim(&c.token, &t.account_id).await, 403, "not_linked").await;

    // Both parties list it; the stranger sees nothing and cannot act on it.
    for token in [&c.token, &t.token] {
        let list: m::LinkList = ok(api
            .c
            .get(api.s.url("/v1/links"))
            .bearer_auth(token.expose())
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(list.links, vec![pending.clone()]);
    }
    let list: m::LinkList = ok(api
        .c
        .get(api.s.url("/v1/links"))
        .bearer_auth(stranger.token.expose())
        .send()
        .await
        .unwrap())
    .await;
    assert!(list.links.is_empty());
    err(
        api.link_action("/v1/links/accept", &stranger.token, &pending.link_id)
            .await,
        404,
        "not_found",
    )
    .await;
    err(
        api.link_action("/v1/links/end", &stranger.token, &pending.link_id)
            .await,
        404,
        "not_found",
    )
    .await;
    err(
        api.link_action("/v1/links/accept", &t.token, "no-such-link")
            .await,
        404,
        "not_found",
    )
    .await;
    // Only the therapist accepts.
    err(
        api.link_action("/v1/links/accept", &c.token, &pending.link_id)
            .await,
        403,
        "forbidden",
    )
    .await;
    let active: m::LinkInfo = ok(api
        .link_action("/v1/links/accept", &t.token, &pending.link_id)
        .await)
    .await;
    assert_eq!(active.state, m::LinkState::Active);
    let again: m::LinkInfo = ok(api
        .link_action("/v1/links/accept", &t.token, &pending.link_id)
        .await)
    .await;
    assert_eq!(again, active);
    err(
        api.request_link(&c.token, &t.account_id).await,
        409,
        "conflict",
    )
    .await;

    // Linked: keys and messages flow both ways; strangers still cannot.
    let claimed: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
    assert_eq!(claimed.devices.len(), 1);
    assert_eq!(claimed.devices[0].device_id, t.device_id);
    assert_eq!(claimed.devices[0].identity, identity(1));
    let _: m::ClaimResponse = ok(api.claim(&t.token, &c.account_id).await).await;
    let sent: m::SendResponse = ok(api
        .send(&c.token, &t.account_id, "m1", &[&t.device_id])
        .await)
    .await;
    assert_eq!(sent.delivered_to, vec![t.device_id.clone()]);
    let _: m::SendResponse = ok(api
        .send(&t.token, &c.account_id, "r1", &[&c.device_id])
        .await)
    .await;
    err(
        api.claim(&stranger.token, &t.account_id).await,
        403,
        "not_linked",
    )
    .await;
    err(
        api.send(&stranger.token, &c.account_id, "x", &[&c.device_id])
            .await,
        403,
        "not_linked",
    )
    .await;

    // Ended (by either side, idempotently): nothing flows any more.
    let ended: m::LinkInfo = ok(api
        .link_action("/v1/links/end", &c.token, &pending.link_id)
        .await)
    .await;
    assert_eq!(ended.state, m::LinkState::Ended);
    let ended2: m::LinkInfo = ok(api
        .link_action("/v1/links/end", &t.token, &pending.link_id)
        .await)
    .await;
    assert_eq!(ended2, ended);
    err(
        api.link_action("/v1/links/accept", &t.token, &pending.link_id)
            .await,
        409,
        "conflict",
    )
    .await;
    err(api.claim(&c.token, &t.account_id).await, 403, "not_linked").await;
    err(api.claim(&t.token, &c.account_id).await, 403, "not_linked").await;
    err(
        api.send(&c.token, &t.account_id, "m2", &[&t.device_id])
            .await,
        403,
        "not_linked",
    )
    .await;
    err(
        api.send(&t.token, &c.account_id, "r2", &[&c.device_id])
            .await,
        403,
        "not_linked",
    )
    .await;

    // A new request after the end is possible and listed first.
    let second: m::LinkInfo = ok(api.request_link(&c.token, &t.account_id).await).await;
    let list: m::LinkList = ok(api
        .c
        .get(api.s.url("/v1/links"))
        .bearer_auth(t.token.expose())
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(
        list.links
            .iter()
            .map(|l| l.link_id.clone())
            .collect::<Vec<_>>(),
        [second.link_id, pending.link_id]
    );

    // The own account is always reachable (other devices), with the calling device left out.
    let c2 = api.login("client", "phone").await;
    assert_eq!(api.publish(&c2.token, 3, 0..2).await.status().as_u16(), 200);
    let own: m::ClaimResponse = ok(api.claim(&c2.token, &c.account_id).await).await;
    assert_eq!(
        own.devices
            .iter()
            .map(|d| d.device_id.clone())
            .collect::<Vec<_>>(),
        vec![c.device_id.clone()]
    );
    let own: m::SendResponse = ok(api
        .send(&c2.token, &c.account_id, "self-1", &[&c.device_id])
        .await)
    .await;
    assert_eq!(own.delivered_to, vec![c.device_id.clone()]);
}

async fn one_time_keys_are_claimed_once(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;

    let count: m::KeyCount = ok(api.publish(&t.token, 1, 0..3).await).await;
    assert_eq!(count.one_time_keys, 3);
    // The same keys again are ignored; an empty upload just reports the count.
    let count: m::KeyCount = ok(api.publish(&t.token, 1, 0..3).await).await;
    assert_eq!(count.one_time_keys, 3);
    let count: m::KeyCount = ok(api.publish(&t.token, 1, 0..0).await).await;
    assert_eq!(count.one_time_keys, 3);
    // A different identity for the same device is refused and adds nothing.
    err(api.publish(&t.token, 9, 50..60).await, 409, "conflict").await;

    let mut seen = HashSet::new();
    for _ in 0..3 {
        let r: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
        let key = r.devices[0].one_time_key.clone().expect("a key left");
        assert!(seen.insert(key.key), "a key was handed out twice");
    }
    assert_eq!(seen.len(), 3);
    let r: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].one_time_key, None, "exhausted");
    assert_eq!(r.devices[0].identity, identity(1));

    // A second therapist device without an identity is not listed; once published it is.
    let t2 = api.login("therapist", "tablet").await;
    let r: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
    assert_eq!(r.devices.len(), 1);
    let count: m::KeyCount = ok(api.publish(&t2.token, 2, 0..1).await).await;
    assert_eq!(count.one_time_keys, 1);
    let r: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
    assert_eq!(
        r.devices
            .iter()
            .map(|d| d.device_id.clone())
            .collect::<Vec<_>>(),
        [t.device_id.clone(), t2.device_id.clone()]
    );
    assert!(r.devices[1].one_time_key.is_some());

    // The total kept is capped.
    let count: m::KeyCount = ok(api.publish(&t.token, 1, 100..200).await).await;
    assert_eq!(count.one_time_keys as usize, m::MAX_ONE_TIME_KEYS);
    let count: m::KeyCount = ok(api.publish(&t.token, 1, 200..210).await).await;
    assert_eq!(count.one_time_keys as usize, m::MAX_ONE_TIME_KEYS);
}

async fn mailbox_send_inbox_ack_and_push_hints(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    let other = api.register("other").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    let t2 = api.login("therapist", "tablet").await;

    // Envelopes for unknown devices and for another account's device are skipped.
    let sent: m::SendResponse = ok(api
        .send(
            &c.token,
            &t.account_id,
            "m-1",
            &[&t.device_id, &t2.device_id, "nope", &other.device_id],
        )
        .await)
    .await;
    assert_eq!(
        sent.delivered_to,
        [t.device_id.clone(), t2.device_id.clone()]
    );
    assert_eq!(sent.skipped, ["nope".to_owned(), other.device_id.clone()]);
    let hint = |d: &str, waiting: u32| PushHint {
        device_id: d.into(),
        waiting,
    };
    assert_eq!(
        api.push.take(),
        [hint(&t.device_id, 1), hint(&t2.device_id, 1)]
    );
    // A retry is harmless: delivered again, stored once, no new hints.
    let again: m::SendResponse = ok(api
        .send(
            &c.token,
            &t.account_id,
            "m-1",
            &[&t.device_id, &t2.device_id],
        )
        .await)
    .await;
    assert_eq!(again.delivered_to, sent.delivered_to);
    assert!(api.push.take().is_empty());
    let inbox = api.inbox(&t.token, 100).await;
    assert_eq!(inbox.messages.len(), 1);
    assert!(!inbox.more);
    let msg = &inbox.messages[0];
    assert_eq!(
        (
            msg.sender_account.as_str(),
            msg.sender_device.as_str(),
            msg.client_message_id.as_str(),
            msg.kind
        ),
        (c.account_id.as_str(), c.device_id.as_str(), "m-1", 0)
    );
    assert_eq!(msg.sender_key, B64.encode([42u8; 32]));
    assert_eq!(
        msg.body,
        B64.encode(format!("olm for {} / m-1", t.device_id))
    );
    assert!(msg.received_at > 1_700_000_000);
    // A retry after a partial earlier send queues only the new device.
    let mixed: m::SendResponse = ok(api
        .send(&c.token, &t.account_id, "m-2", &[&t.device_id])
        .await)
    .await;
    assert_eq!(mixed.delivered_to, vec![t.device_id.clone()]);
    let mixed: m::SendResponse = ok(api
        .send(
            &c.token,
            &t.account_id,
            "m-2",
            &[&t.device_id, &t2.device_id],
        )
        .await)
    .await;
    assert_eq!(
        mixed.delivered_to,
        [t.device_id.clone(), t2.device_id.clone()]
    );
    assert_eq!(
        api.push.take(),
        [hint(&t.device_id, 2), hint(&t2.device_id, 2)]
    );

    // Push hints carry the device id and a count, nothing else.
    let json = serde_json::to_value(hint(&t.device_id, 2)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"device_id": t.device_id, "waiting": 2})
    );
    let debug = format!("{:?}", hint(&t.device_id, 2));
    assert_eq!(
        debug,
        format!("PushHint {{ device_id: {:?}, waiting: 2 }}", t.device_id)
    );

    // Oldest first, paged.
    for i in 3..=5 {
        let _: m::SendResponse = ok(api
            .send(&c.token, &t.account_id, &format!("m-{i}"), &[&t.device_id])
            .await)
        .await;
    }
    let page = api.inbox(&t.token, 2).await;
    assert!(page.more);
    let ids: Vec<_> = page
        .messages
        .iter()
        .map(|m| m.client_message_id.clone())
        .collect();
    assert_eq!(ids, ["m-1", "m-2"]);
    assert!(page.messages[0].id < page.messages[1].id);
    // Acknowledging another device's ids does nothing.
    api.ack(&t2.token, page.messages.iter().map(|m| m.id).collect())
        .await;
    api.ack(&c.token, page.messages.iter().map(|m| m.id).collect())
        .await;
    assert_eq!(api.inbox(&t.token, 100).await.messages.len(), 5);
    assert_eq!(api.inbox(&t2.token, 100).await.messages.len(), 2);
    // Own acknowledgement deletes exactly those.
    api.ack(&t.token, page.messages.iter().map(|m| m.id).collect())
        .await;
    let rest = api.inbox(&t.token, 100).await;
    assert!(!rest.more);
    let ids: Vec<_> = rest
        .messages
        .iter()
        .map(|m| m.client_message_id.clone())
        .collect();
    assert_eq!(ids, ["m-3", "m-4", "m-5"]);
    // Acknowledging again, or unknown ids, is harmless.
    api.ack(&t.token, vec![page.messages[0].id, u64::MAX, 0])
        .await;
    assert_eq!(
        api.inbox(&t.token, 0).await.messages.len(),
        1,
        "limit is clamped to at least 1"
    );
    // The sender's inbox is untouched.
    assert!(api.inbox(&c.token, 100).await.messages.is_empty());
}

async fn mailbox_cap_refuses_the_whole_send(backend: Backend) {
    let Some(api) = Api::start(backend, |c| c.mailbox_cap = 2).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    let t2 = api.login("therapist", "tablet").await;
    for i in 0..2 {
        let _: m::SendResponse = ok(api
            .send(&c.token, &t.account_id, &format!("a{i}"), &[&t.device_id])
            .await)
        .await;
    }
    api.push.take();
    // t's mailbox is full: the send to t2 and t fails as a whole.
    err(
        api.send(&c.token, &t.account_id, "b", &[&t2.device_id, &t.device_id])
            .await,
        409,
        "mailbox_full",
    )
    .await;
    assert!(api.inbox(&t2.token, 10).await.messages.is_empty());
    assert!(api.push.take().is_empty());
    // A retry of a message already held is still fine.
    let _: m::SendResponse = ok(api
        .send(&c.token, &t.account_id, "a1", &[&t.device_id])
        .await)
    .await;
    // After an acknowledgement there is room again.
    let inbox = api.inbox(&t.token, 10).await;
    api.ack(&t.token, vec![inbox.messages[0].id]).await;
    let sent: m::SendResponse = ok(api
        .send(&c.token, &t.account_id, "b", &[&t2.device_id, &t.device_id])
        .await)
    .await;
    assert_eq!(sent.delivered_to.len(), 2);
}

async fn revoked_device_loses_mailbox_and_keys(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    let t2 = api.login("therapist", "tablet").await;
    assert_eq!(api.publish(&t.token, 1, 0..2).await.status().as_u16(), 200);
    assert_eq!(api.publish(&t2.token, 2, 0..2).await.status().as_u16(), 200);
    let _: m::SendResponse = ok(api
        .send(
            &c.token,
            &t.account_id,
            "m1",
            &[&t.device_id, &t2.device_id],
        )
        .await)
    .await;

    let r = api
        .post(
            "/v1/devices/revoke",
            &t.token,
            &p::RevokeRequest {
                all_other_devices: false,
                current_auth_key: Some(hex::encode([7u8; 32]).into()),
                account_proof: None,
                device_id: t2.device_id.clone(),
            },
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    let storage = api.s.db.storage().await;
    let (left, _) = storage
        .inbox(&t2.device_id, 100, i64::MAX / 2, 0)
        .await
        .unwrap();
    assert!(left.is_empty(), "the revoked device's mailbox is gone");
    let (left, _) = storage
        .inbox(&t2.device_id, 100, 0, 1_000_000)
        .await
        .unwrap();
    assert!(left.is_empty());
    // Claims list only the remaining device; sends to the revoked one are skipped.
    let r: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
    assert_eq!(
        r.devices
            .iter()
            .map(|d| d.device_id.clone())
            .collect::<Vec<_>>(),
        vec![t.device_id.clone()]
    );
    let sent: m::SendResponse = ok(api
        .send(
            &c.token,
            &t.account_id,
            "m2",
            &[&t.device_id, &t2.device_id],
        )
        .await)
    .await;
    assert_eq!(sent.skipped, vec![t2.device_id.clone()]);
    assert_eq!(api.inbox(&t.token, 10).await.messages.len(), 2);
}

async fn hostile_input_gets_clean_errors(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;

    // Keys.
    let mut bad = upload(1, 0..1);
    bad.identity.curve25519 = "not base64!".into();
    err(
        api.put("/v1/keys/device", &t.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let mut bad = upload(1, 0..1);
    bad.identity.ed25519 = B64.encode([1u8; 31]);
    err(
        api.put("/v1/keys/device", &t.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let mut bad = upload(1, 0..1);
    bad.one_time_keys[0].signature = B64.encode([1u8; 32]);
    err(
        api.put("/v1/keys/device", &t.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let mut bad = upload(1, 0..1);
    bad.one_time_keys[0].key = B64.encode([1u8; 4096]);
    err(
        api.put("/v1/keys/device", &t.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    err(
        api.put("/v1/keys/device", &t.token, &upload(1, 0..101))
            .await,
        400,
        "bad_request",
    )
    .await;
    // Nothing of that was stored: the first valid identity still wins.
    let count: m::KeyCount = ok(api.publish(&t.token, 1, 0..1).await).await;
    assert_eq!(count.one_time_keys, 1);

    // Sends.
    let to = t.account_id.as_str();
    let dev = t.device_id.as_str();
    let mut bad = send_body(to, "m", &[dev]);
    bad.envelopes[0].body = "%%%".into();
    err(
        api.post("/v1/messages/send", &c.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let mut bad = send_body(to, "m", &[dev]);
    bad.envelopes[0].body = String::new();
    err(
        api.post("/v1/messages/send", &c.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let mut bad = send_body(to, "m", &[dev]);
    bad.envelopes[0].body = "A".repeat(m::MAX_MESSAGE_BODY + 4);
    err(
        api.post("/v1/messages/send", &c.token, &bad).await,
        413,
        "too_large",
    )
    .await;
    let mut bad = send_body(to, "m", &[dev]);
    bad.envelopes[0].kind = 2;
    err(
        api.post("/v1/messages/send", &c.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    let many: Vec<String> = (0..=m::MAX_ENVELOPES).map(|i| format!("d{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    err(api.send(&c.token, to, "m", &many).await, 400, "bad_request").await;
    err(api.send(&c.token, to, "m", &[]).await, 400, "bad_request").await;
    err(
        api.send(&c.token, to, "m", &[dev, dev]).await,
        400,
        "bad_request",
    )
    .await;
    err(
        api.send(&c.token, to, "m", &["bad device id"]).await,
        400,
        "bad_request",
    )
    .await;
    for cmid in ["", "has space", &"x".repeat(65), "ünï"] {
        err(
            api.send(&c.token, to, cmid, &[dev]).await,
            400,
            "bad_request",
        )
        .await;
    }
    let mut bad = send_body(to, "m", &[dev]);
    bad.sender_key = B64.encode([1u8; 33]);
    err(
        api.post("/v1/messages/send", &c.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
    // Malformed JSON, wrong shapes, wrong methods, no token.
    let r = api
        .c
        .post(api.s.url("/v1/messages/send"))
        .bearer_auth(c.token.expose())
        .header("content-type", "application/json")
        .body("{\"recipient_account\": 5")
        .send()
        .await
        .unwrap();
    err(r, 400, "bad_request").await;
    err(
        api.post(
            "/v1/messages/inbox",
            &t.token,
            &serde_json::json!({"limit": -1}),
        )
        .await,
        400,
        "bad_request",
    )
    .await;
    err(
        api.post(
            "/v1/messages/ack",
            &t.token,
            &m::AckRequest {
                ids: (0..1001).collect(),
            },
        )
        .await,
        400,
        "bad_request",
    )
    .await;
    let r = api
        .c
        .get(api.s.url("/v1/messages/inbox"))
        .bearer_auth(t.token.expose())
        .send()
        .await
        .unwrap();
    err(r, 405, "bad_request").await;
    let r = api
        .send_json(
            reqwest::Method::POST,
            "/v1/messages/inbox",
            None,
            &m::InboxRequest { limit: 1 },
        )
        .await;
    err(r, 401, "unauthorized").await;
    err(
        api.request_link(&c.token, &"x".repeat(5000)).await,
        404,
        "not_found",
    )
    .await;
    err(
        api.link_action("/v1/links/end", &c.token, "../../etc")
            .await,
        404,
        "not_found",
    )
    .await;
    let long = m::DirectoryQuery {
        text: Some("q".repeat(101)),
        ..m::DirectoryQuery::default()
    };
    err(
        api.post("/v1/directory/search", &c.token, &long).await,
        400,
        "bad_request",
    )
    .await;
    // None of it reached a mailbox.
    assert!(api.inbox(&t.token, 10).await.messages.is_empty());
    assert!(api.push.hints().is_empty());
}

// ---- storage level (time injected) ----

const NOW: i64 = 1_800_000_000;

async fn account(s: &dyn Storage, name: &str, devices: usize) -> (String, Vec<String>) {
    let account_id = format!("acct-{name}");
    let ids: Vec<String> = (1..=devices).map(|i| format!("dev-{name}-{i}")).collect();
    let device = |id: &str| NewDevice {
        device_id: id.into(),
        name: "d".into(),
        token_hash: format!("token-{id}"),
        expires_at: NOW + 3600,
    };
    s.create_account(
        NewAccount {
            account_id: account_id.clone(),
            username: name.into(),
            auth_hash: "$argon2id$stub".into(),
            kdf: p::WireKdf {
                memory_kib: 65536,
                iterations: 3,
                parallelism: 1,
            },
            salt: "00".repeat(16),
            wrapped_account_key: vec![1; 40],
            items_keys: vec![],
            recovery_wrap: None,
            proof_verifier: None,
        },
        device(&ids[0]),
    )
    .await
    .unwrap();
    for id in &ids[1..] {
        s.add_device(&account_id, device(id)).await.unwrap();
    }
    (account_id, ids)
}

fn message(
    from: (&str, &str),
    to: &str,
    cmid: &str,
    devices: &[&str],
    now: i64,
    ttl_secs: i64,
) -> NewMessage {
    NewMessage {
        sender_account: from.0.into(),
        sender_device: from.1.into(),
        recipient_account: to.into(),
        client_message_id: cmid.into(),
        sender_key: B64.encode([42u8; 32]),
        envelopes: devices
            .iter()
            .map(|d| NewEnvelope {
                device_id: (*d).into(),
                kind: 1,
                body: B64.encode(cmid),
            })
            .collect(),
        now,
        mailbox_cap: 3,
        ttl_secs,
    }
}

async fn storage_ttl_expires_messages(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (a, ad) = account(&*s, "ana", 1).await;
    let (b, bd) = account(&*s, "ben", 1).await;
    let ttl = 100;
    s.deposit(message((&a, &ad[0]), &b, "old", &[&bd[0]], NOW, ttl))
        .await
        .unwrap();
    s.deposit(message((&a, &ad[0]), &b, "new", &[&bd[0]], NOW + 50, ttl))
        .await
        .unwrap();
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 100, ttl).await.unwrap();
    assert_eq!(msgs.len(), 2, "exactly ttl old is kept");
    let (msgs, more) = s.inbox(&bd[0], 10, NOW + 101, ttl).await.unwrap();
    assert_eq!(
        msgs.iter()
            .map(|m| m.client_message_id.as_str())
            .collect::<Vec<_>>(),
        ["new"]
    );
    assert!(!more);
    assert_eq!(msgs[0].received_at, NOW + 50);
    // Expired messages are really gone (also for a later look with a long TTL).
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 101, 1_000_000).await.unwrap();
    assert_eq!(msgs.len(), 1);
    // Expired messages do not count against the cap (3): fill, then expire, then send again.
    for i in 0..2 {
        s.deposit(message(
            (&a, &ad[0]),
            &b,
            &format!("f{i}"),
            &[&bd[0]],
            NOW + 60,
            ttl,
        ))
        .await
        .unwrap();
    }
    assert!(matches!(
        s.deposit(message((&a, &ad[0]), &b, "over", &[&bd[0]], NOW + 60, ttl))
            .await,
        Err(StorageError::MailboxFull)
    ));
    let out = s
        .deposit(message(
            (&a, &ad[0]),
            &b,
            "later",
            &[&bd[0]],
            NOW + 500,
            ttl,
        ))
        .await
        .unwrap();
    assert_eq!(out.newly_queued, [(bd[0].clone(), 1)]);
    // Ack only touches the named device's rows.
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 500, ttl).await.unwrap();
    assert_eq!(s.ack(&ad[0], &[msgs[0].id]).await.unwrap(), 0);
    assert_eq!(s.ack(&bd[0], &[msgs[0].id, msgs[0].id]).await.unwrap(), 1);
    // The all-mailbox sweep removes what nobody reads any more.
    s.deposit(message((&b, &bd[0]), &a, "x1", &[&ad[0]], NOW + 600, ttl))
        .await
        .unwrap();
    s.deposit(message((&b, &bd[0]), &a, "x2", &[&ad[0]], NOW + 700, ttl))
        .await
        .unwrap();
    assert_eq!(s.purge_expired(NOW + 650).await.unwrap(), 1);
    let (msgs, _) = s.inbox(&ad[0], 10, NOW + 700, 1_000_000).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].client_message_id, "x2");
}

async fn storage_concurrent_claims_never_share_a_key(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (t, td) = account(&*s, "tess", 2).await;
    let (_c, _) = account(&*s, "carl", 1).await;
    for (tag, d) in td.iter().enumerate() {
        let keys: Vec<_> = (0..40).map(|i| otk(tag as u8, i)).collect();
        let n = s
            .publish_keys(&t, d, &identity(tag as u8), &keys)
            .await
            .unwrap();
        assert_eq!(n, 40);
    }
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let s = Arc::clone(&s);
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..5 {
                for d in s.claim_keys(&t, None).await.unwrap() {
                    if let Some(k) = d.one_time_key {
                        got.push((d.device_id, k.key));
                    }
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a one-time key was handed out twice"
    );
    assert_eq!(
        all.len(),
        80,
        "60 claims per device, 40 keys each: all handed out"
    );
    // Exhausted now; the count from an empty upload agrees.
    assert_eq!(
        s.publish_keys(&t, &td[0], &identity(0), &[]).await.unwrap(),
        0
    );
    let excluded = s.claim_keys(&t, Some(&td[0])).await.unwrap();
    assert_eq!(
        excluded
            .iter()
            .map(|d| d.device_id.clone())
            .collect::<Vec<_>>(),
        [td[1].clone()]
    );
    // Identity is fixed once set.
    assert!(matches!(
        s.publish_keys(&t, &td[0], &identity(7), &[]).await,
        Err(StorageError::Conflict)
    ));
}

async fn storage_links_and_linked(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (a, _) = account(&*s, "ana", 1).await;
    let (b, _) = account(&*s, "ben", 1).await;
    let link = |id: &str, client: &str, therapist: &str, at: i64| StoredLink {
        link_id: id.into(),
        client_id: client.into(),
        client_name: "c".into(),
        therapist_id: therapist.into(),
        therapist_name: "t".into(),
        state: m::LinkState::Pending,
        created_at: at,
    };
    assert_eq!(s.username_of(&a).await.unwrap().as_deref(), Some("ana"));
    assert_eq!(s.username_of("nobody").await.unwrap(), None);
    s.create_link(&link("l1", &a, &b, NOW)).await.unwrap();
    // A second open link between the pair, in either role, is a conflict.
    assert!(matches!(
        s.create_link(&link("l2", &a, &b, NOW)).await,
        Err(StorageError::Conflict)
    ));
    assert!(matches!(
        s.create_link(&link("l3", &b, &a, NOW)).await,
        Err(StorageError::Conflict)
    ));
    assert!(!s.linked(&a, &b).await.unwrap());
    // Conditional transitions.
    assert!(!s
        .set_link_state("l1", Some(m::LinkState::Active), m::LinkState::Ended)
        .await
        .unwrap());
    assert!(s
        .set_link_state("l1", Some(m::LinkState::Pending), m::LinkState::Active)
        .await
        .unwrap());
    assert!(s.linked(&a, &b).await.unwrap() && s.linked(&b, &a).await.unwrap());
    assert!(!s.linked(&a, &a).await.unwrap());
    assert!(!s
        .set_link_state("nope", None, m::LinkState::Ended)
        .await
        .unwrap());
    assert!(s
        .set_link_state("l1", None, m::LinkState::Ended)
        .await
        .unwrap());
    assert!(!s.linked(&a, &b).await.unwrap());
    // After the end a new link is possible; newest first (ties broken by insertion).
    s.create_link(&link("l4", &b, &a, NOW)).await.unwrap();
    let ids: Vec<_> = s
        .links_for(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.link_id)
        .collect();
    assert_eq!(ids, ["l4", "l1"]);
    assert_eq!(s.links_for(&b).await.unwrap().len(), 2);
    assert_eq!(
        s.link("l1").await.unwrap().unwrap().state,
        m::LinkState::Ended
    );
    assert!(s.link("zzz").await.unwrap().is_none());
    // Profiles.
    assert!(s.profile(&a).await.unwrap().is_none());
    let pr = profile("Ana", "bio", &["x"], &["en"]);
    s.put_profile(&a, &pr).await.unwrap();
    assert_eq!(s.profile(&a).await.unwrap(), Some(pr.clone()));
    assert_eq!(s.all_profiles().await.unwrap(), vec![(a.clone(), pr)]);
}
