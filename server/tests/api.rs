//! The HTTP API, the same suite on SQLite and PostgreSQL, served in-process on a loopback
//! port: accounts, prelogin privacy, login, tokens (expiry, revocation), sync semantics over
//! the wire, account isolation, body and rate limits, and hostile input.

mod common;

use base64::Engine as _;
use common::http::Api;
use common::Backend;
use serde::de::DeserializeOwned;
use solace_protocol as p;

per_backend!(
    accounts_tokens_and_devices,
    token_expiry,
    sync_rules_over_http,
    accounts_are_isolated_over_http,
    body_and_rate_limits,
    login_endpoints_are_limited_per_address,
    hostile_input_gets_clean_errors,
    pagination_and_tombstones,
);

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Api {
    async fn prelogin(&self, user: &str) -> p::PreloginResponse {
        let body = p::PreloginRequest {
            username: user.into(),
        };
        ok(self.post("/v1/accounts/prelogin", None, &body).await).await
    }

    async fn register(&self, user: &str, key: u8) -> p::SessionResponse {
        ok(self
            .post(
                "/v1/accounts/register",
                None,
                &register_body(user, [key; 32]),
            )
            .await)
        .await
    }

    async fn push(&self, token: &str, mutations: Vec<p::Mutation>) -> Vec<p::MutationResult> {
        let r: p::PushResponse = ok(self
            .post("/v1/sync/push", Some(token), &p::PushRequest { mutations })
            .await)
        .await;
        r.results
    }

    async fn pull(&self, token: &str, cursor: u64, limit: u32) -> p::PullResponse {
        ok(self
            .post(
                "/v1/sync/pull",
                Some(token),
                &p::PullRequest { cursor, limit },
            )
            .await)
        .await
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
    assert_eq!(r.status().as_u16(), status);
    let body: p::ApiError = r.json().await.expect("an ApiError body");
    assert_eq!(body.code, code);
}

fn register_body(user: &str, auth_key: [u8; 32]) -> p::RegisterRequest {
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

fn login_body(user: &str, key: [u8; 32], device: &str) -> p::LoginRequest {
    p::LoginRequest {
        device_id: None,
        account_proof_verifier: None,
        username: user.into(),
        auth_key: hex::encode(key).into(),
        device_name: device.into(),
    }
}

fn mutation(seq: u64, id: u64, base: u64, blob: &[u8]) -> p::Mutation {
    p::Mutation {
        mutation_seq: seq,
        id: format!("{id:032x}"),
        kind: "journal".into(),
        base_seq: base,
        blob: B64.encode(blob),
        deleted: false,
    }
}

fn applied(seq: u64, server_seq: u64) -> p::MutationResult {
    p::MutationResult::Applied {
        mutation_seq: seq,
        server_seq,
    }
}

async fn accounts_tokens_and_devices(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let health: p::Health = ok(api.c.get(api.s.url("/v1/health")).send().await.unwrap()).await;
    assert_eq!(
        (health.status.as_str(), health.protocol),
        ("ok", p::PROTOCOL_VERSION)
    );
    assert_eq!(
        health.limits,
        Some(p::ServerLimits {
            max_blob_bytes: p::MAX_BLOB_BYTES as u64,
            max_body_bytes: solace_server::ServerConfig::default().max_body_bytes as u64,
            max_push_mutations: p::MAX_PUSH_MUTATIONS as u32,
        })
    );

    let reg = api.register("erin", 5).await;
    assert_eq!(reg.token.len(), 64, "32 random bytes, hex");
    err(
        api.post(
            "/v1/accounts/register",
            None,
            &register_body("erin", [6; 32]),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    err(
        api.post(
            "/v1/accounts/register",
            None,
            &register_body("No Way", [5; 32]),
        )
        .await,
        400,
        "bad_request",
    )
    .await;

    // Prelogin: the real salt for a known user, a stable fake for an unknown one.
    let real = api.prelogin("erin").await;
    assert_eq!(real.salt, hex::encode([9u8; 16]));
    let fake1 = api.prelogin("nobody").await;
    let fake2 = api.prelogin("nobody").await;
    let other = api.prelogin("nobody2").await;
    assert_eq!(fake1, fake2, "deterministic");
    assert_ne!(fake1.salt, other.salt);
    assert_eq!(fake1.salt.len(), 32);
    assert_eq!(
        fake1.kdf,
        p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1
        }
    );

    // Wrong key and unknown user get the same answer.
    let wrong = api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("erin", [6; 32], "second"),
        )
        .await;
    err(wrong, 401, "unauthorized").await;
    let unknown = api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("nobody", [5; 32], "x"),
        )
        .await;
    err(unknown, 401, "unauthorized").await;
    let garbage_key = p::LoginRequest {
        device_id: None,
        account_proof_verifier: None,
        auth_key: "zz".into(),
        ..login_body("erin", [5; 32], "x")
    };
    err(
        api.post("/v1/accounts/login", None, &garbage_key).await,
        401,
        "unauthorized",
    )
    .await;
    let second: p::SessionResponse = ok(api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("erin", [5; 32], "second"),
        )
        .await)
    .await;
    assert_eq!(second.account_id, reg.account_id);
    assert_ne!(second.device_id, reg.device_id);

    let keys: p::AccountKeys = ok(api.get("/v1/account/keys", &second.token).await).await;
    assert_eq!(keys.items_keys.len(), 1);
    assert_eq!(keys.wrapped_account_key, B64.encode([1u8; 77]));
    // Items keys: new ids are added, existing ids unchanged.
    let upload = p::ItemsKeysUpload {
        items_keys: vec![
            p::WireItemsKey {
                key_id: 1,
                wrapped: B64.encode([7u8; 77]),
            },
            p::WireItemsKey {
                key_id: 2,
                wrapped: B64.encode([8u8; 77]),
            },
        ],
    };
    let r = api
        .c
        .put(api.s.url("/v1/account/items-keys"))
        .bearer_auth(reg.token.expose())
        .json(&upload)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let keys: p::AccountKeys = ok(api.get("/v1/account/keys", &second.token).await).await;
    assert_eq!(
        keys.items_keys.iter().map(|k| k.key_id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(keys.items_keys[0].wrapped, B64.encode([2u8; 77]));

    let devices: p::DeviceList = ok(api.get("/v1/devices", &reg.token).await).await;
    assert_eq!(
        devices
            .devices
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        vec!["test", "second"]
    );
    // Revoking needs a proof: the token alone is refused.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&reg.token),
            &p::RevokeRequest {
                all_other_devices: false,
                current_auth_key: None,
                account_proof: None,
                device_id: second.device_id.clone(),
            },
        )
        .await;
    err(r, 403, "proof_required").await;
    // Revoking the second device (with the current auth key) kills its token at once.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&reg.token),
            &p::RevokeRequest {
                all_other_devices: false,
                current_auth_key: Some(hex::encode([5u8; 32]).into()),
                account_proof: None,
                device_id: second.device_id.clone(),
            },
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    err(
        api.get("/v1/account/keys", &second.token).await,
        401,
        "unauthorized",
    )
    .await;
    let devices: p::DeviceList = ok(api.get("/v1/devices", &reg.token).await).await;
    assert!(devices.devices[1].revoked);
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&reg.token),
            &p::RevokeRequest {
                all_other_devices: false,
                current_auth_key: Some(hex::encode([5u8; 32]).into()),
                account_proof: None,
                device_id: "nope".into(),
            },
        )
        .await;
    err(r, 404, "not_found").await;
    // No token, a malformed header, a made-up token.
    err(
        api.c.get(api.s.url("/v1/devices")).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    let r = api
        .c
        .get(api.s.url("/v1/devices"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    err(r, 401, "unauthorized").await;
    err(
        api.get("/v1/devices", &"0".repeat(64)).await,
        401,
        "unauthorized",
    )
    .await;
}

async fn token_expiry(backend: Backend) {
    let Some(api) = Api::start(backend, |c| c.token_ttl_hours = 0).await else {
        return;
    };
    let reg = api.register("finn", 1).await;
    err(
        api.get("/v1/account/keys", &reg.token).await,
        401,
        "unauthorized",
    )
    .await;
}

async fn sync_rules_over_http(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let laptop = api.register("gwen", 1).await;
    let phone: p::SessionResponse = ok(api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("gwen", [1; 32], "phone"),
        )
        .await)
    .await;

    let batch = vec![mutation(1, 1, 0, b"one"), mutation(2, 2, 0, b"two")];
    assert_eq!(
        api.push(&laptop.token, batch.clone()).await,
        vec![applied(1, 1), applied(2, 2)]
    );
    // The same batch again (lost answer): applied once, answered as the first time.
    let retry = api.push(&laptop.token, batch).await;
    assert_eq!(retry, vec![applied(1, 1), applied(2, 2)]);
    // The response carries the device's counter.
    let resp: p::PushResponse = ok(api
        .post(
            "/v1/sync/push",
            Some(&laptop.token),
            &p::PushRequest { mutations: vec![] },
        )
        .await)
    .await;
    assert_eq!(resp.last_mutation_seq, Some(2));
    // The phone pulls, then the laptop edits record 1; the phone's edit on the old base conflicts
    // and carries the server copy.
    let page = api.pull(&phone.token, 0, 100).await;
    assert_eq!(
        (page.records.len(), page.next_cursor, page.more),
        (2, 2, false)
    );
    assert_eq!(
        api.push(&laptop.token, vec![mutation(3, 1, 1, b"one v2")])
            .await,
        vec![applied(3, 3)]
    );
    let r = api
        .push(&phone.token, vec![mutation(1, 1, 1, b"phone edit")])
        .await;
    match &r[0] {
        p::MutationResult::Conflict {
            mutation_seq: 1,
            current,
        } => {
            assert_eq!(
                (current.server_seq, current.blob.clone()),
                (3, B64.encode(b"one v2"))
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Uploading the identical blob on a stale base is success at the stored version.
    assert_eq!(
        api.push(&phone.token, vec![mutation(2, 1, 1, b"one v2")])
            .await,
        vec![applied(2, 3)]
    );
    // Reordered and repeated mutation numbers are not applied twice.
    let r = api
        .push(
            &phone.token,
            vec![
                mutation(10, 5, 0, b"ten"),
                mutation(9, 6, 0, b"nine"),
                mutation(10, 7, 0, b"ten"),
            ],
        )
        .await;
    assert_eq!(
        r,
        vec![
            applied(10, 4),
            p::MutationResult::Duplicate {
                mutation_seq: 9,
                server_seq: 0
            },
            p::MutationResult::Duplicate {
                mutation_seq: 10,
                server_seq: 0
            },
        ]
    );
    let page = api.pull(&laptop.token, 2, 100).await;
    assert_eq!(
        page.records
            .iter()
            .map(|r| r.server_seq)
            .collect::<Vec<_>>(),
        vec![3, 4]
    );
    let devices: p::DeviceList = ok(api.get("/v1/devices", &laptop.token).await).await;
    assert_eq!(
        devices
            .devices
            .iter()
            .map(|d| d.last_mutation_seq)
            .collect::<Vec<_>>(),
        vec![3, 10]
    );
}

async fn accounts_are_isolated_over_http(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let a = api.register("hana", 1).await;
    let b = api.register("ivan", 2).await;
    api.push(&a.token, vec![mutation(1, 42, 0, b"A private")])
        .await;
    // B cannot see A's record.
    let page = api.pull(&b.token, 0, 100).await;
    assert!(page.records.is_empty());
    // B pushing A's record id (even with A's base) creates it within B's account only: B's
    // account holds no such record, so nothing can be overwritten.
    let r = api
        .push(&b.token, vec![mutation(1, 42, 1, b"B overwrite?")])
        .await;
    assert_eq!(r, vec![applied(1, 1)]);
    let r = api.push(&b.token, vec![mutation(2, 42, 1, b"B own")]).await;
    assert_eq!(r, vec![applied(2, 2)]);
    let a_page = api.pull(&a.token, 0, 100).await;
    assert_eq!(a_page.records.len(), 1);
    assert_eq!(a_page.records[0].blob, B64.encode(b"A private"));
    let b_page = api.pull(&b.token, 0, 100).await;
    assert_eq!(b_page.records.len(), 1);
    assert_eq!(b_page.records[0].blob, B64.encode(b"B own"));
    // B cannot revoke or list A's devices.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&b.token),
            &p::RevokeRequest {
                all_other_devices: false,
                current_auth_key: Some(hex::encode([2u8; 32]).into()),
                account_proof: None,
                device_id: a.device_id.clone(),
            },
        )
        .await;
    err(r, 404, "not_found").await;
    let b_devices: p::DeviceList = ok(api.get("/v1/devices", &b.token).await).await;
    assert_eq!(b_devices.devices.len(), 1);
    assert_eq!(b_devices.devices[0].device_id, b.device_id);
    let a_keys: p::AccountKeys = ok(api.get("/v1/account/keys", &a.token).await).await;
    assert_eq!(a_keys.items_keys.len(), 1);
}

async fn body_and_rate_limits(backend: Backend) {
    let Some(api) = Api::start(backend, |c| {
        c.rate_per_second = 1;
        c.rate_burst = 3;
        c.max_body_bytes = 64 * 1024;
    })
    .await
    else {
        return;
    };
    let reg = api.register("jade", 1).await;
    let big = format!(
        "{{\"mutations\":[],\"pad\":\"{}\"}}",
        "A".repeat(200 * 1024)
    );
    // Its own client: the server answers 413 without reading the body and closes that
    // connection, which a shared pool could otherwise hand to the next request.
    let r = reqwest::Client::new()
        .post(api.s.url("/v1/sync/push"))
        .bearer_auth(reg.token.expose())
        .body(big)
        .send()
        .await
        .unwrap();
    err(r, 413, "too_large").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = api
            .post(
                "/v1/sync/pull",
                Some(&reg.token),
                &p::PullRequest {
                    cursor: 0,
                    limit: 10,
                },
            )
            .await;
        let status = r.status().as_u16();
        if status == 429 {
            err(r, 429, "rate_limited").await;
        }
        statuses.push(status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Another account has its own bucket.
    let other = api.register("kurt", 2).await;
    let page = api.pull(&other.token, 0, 10).await;
    assert!(page.records.is_empty());
}

async fn login_endpoints_are_limited_per_address(backend: Backend) {
    let Some(api) = Api::start(backend, |c| {
        c.auth_rate_per_second = 1;
        c.auth_rate_burst = 2;
    })
    .await
    else {
        return;
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = api
            .post(
                "/v1/accounts/prelogin",
                None,
                &p::PreloginRequest {
                    username: "lena".into(),
                },
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let r = api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("lena", [1; 32], "x"),
        )
        .await;
    err(r, 429, "rate_limited").await;
}

async fn hostile_input_gets_clean_errors(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("mara", 1).await;
    let t = Some(reg.token.expose());
    let raw = |path: &str, body: &'static str| {
        api.c
            .post(api.s.url(path))
            .bearer_auth(reg.token.expose())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    err(
        raw("/v1/sync/pull", "{not json").await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    err(
        raw("/v1/sync/push", "{\"mutations\":7}").await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    err(
        raw("/v1/sync/pull", "{\"cursor\":-1,\"limit\":5}")
            .await
            .unwrap(),
        400,
        "bad_request",
    )
    .await;
    let r = api
        .c
        .post(api.s.url("/v1/accounts/register"))
        .body("\u{0}\u{1}")
        .send()
        .await
        .unwrap();
    err(r, 400, "bad_request").await;

    let bad = |f: fn(&mut p::Mutation)| {
        let mut m = mutation(1, 1, 0, b"x");
        f(&mut m);
        p::PushRequest { mutations: vec![m] }
    };
    for req in [
        bad(|m| m.id = "not-hex".into()),
        bad(|m| m.id = "0A".repeat(16)),
        bad(|m| m.id = "0".repeat(33)),
        bad(|m| m.kind = "Journal".into()),
        bad(|m| m.kind = String::new()),
        bad(|m| m.kind = "a".repeat(33)),
        bad(|m| m.blob = "***".into()),
        bad(|m| m.mutation_seq = 0),
        bad(|m| m.mutation_seq = u64::MAX),
        bad(|m| m.base_seq = u64::MAX),
    ] {
        err(api.post("/v1/sync/push", t, &req).await, 400, "bad_request").await;
    }
    let huge_blob = bad(|m| m.blob = B64.encode(vec![0u8; p::MAX_BLOB_BYTES + 1]));
    err(
        api.post("/v1/sync/push", t, &huge_blob).await,
        413,
        "too_large",
    )
    .await;
    let too_many = p::PushRequest {
        mutations: (1..=p::MAX_PUSH_MUTATIONS as u64 + 1)
            .map(|i| mutation(i, i, 0, b"x"))
            .collect(),
    };
    err(
        api.post("/v1/sync/push", t, &too_many).await,
        400,
        "bad_request",
    )
    .await;
    // Nothing of the above was stored.
    assert!(api.pull(&reg.token, 0, 10).await.records.is_empty());
    // Huge cursor and limit are clamped, not errors.
    let page = api.pull(&reg.token, u64::MAX, u32::MAX).await;
    assert_eq!(
        (page.records.len(), page.next_cursor, page.more),
        (0, u64::MAX, false)
    );
    // Registration shape checks.
    for req in [
        p::RegisterRequest {
            account_proof_verifier: None,
            auth_key: "abc".into(),
            ..register_body("nina", [1; 32])
        },
        p::RegisterRequest {
            account_proof_verifier: None,
            salt: "zz".into(),
            ..register_body("nina", [1; 32])
        },
        p::RegisterRequest {
            account_proof_verifier: None,
            wrapped_account_key: "%%".into(),
            ..register_body("nina", [1; 32])
        },
        p::RegisterRequest {
            account_proof_verifier: None,
            device_name: "  ".into(),
            ..register_body("nina", [1; 32])
        },
        p::RegisterRequest {
            account_proof_verifier: None,
            recovery_wrapped_account_key: Some("%%".into()),
            ..register_body("nina", [1; 32])
        },
        p::RegisterRequest {
            account_proof_verifier: None,
            username: "x".repeat(65),
            ..register_body("nina", [1; 32])
        },
    ] {
        err(
            api.post("/v1/accounts/register", None, &req).await,
            400,
            "bad_request",
        )
        .await;
    }
    // Unknown paths and wrong methods answer with an ApiError too.
    err(api.get("/v1/nope", &reg.token).await, 404, "not_found").await;
    err(
        api.get("/v1/sync/push", &reg.token).await,
        405,
        "bad_request",
    )
    .await;
    // The server is still fine.
    let health: p::Health = ok(api.c.get(api.s.url("/v1/health")).send().await.unwrap()).await;
    assert_eq!(health.status, "ok");
}

async fn pagination_and_tombstones(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("olga", 1).await;
    let mutations = (1..=25u64)
        .map(|i| p::Mutation {
            deleted: i == 25,
            ..mutation(i, i, 0, &[i as u8; 40])
        })
        .collect();
    assert_eq!(api.push(&reg.token, mutations).await.len(), 25);
    let (mut cursor, mut seen, mut pages) = (0, 0, 0);
    loop {
        let page = api.pull(&reg.token, cursor, 10).await;
        seen += page.records.len();
        pages += 1;
        assert!(page
            .records
            .windows(2)
            .all(|w| w[0].server_seq < w[1].server_seq));
        cursor = page.next_cursor;
        if !page.more {
            assert!(
                page.records.last().is_some_and(|r| r.deleted),
                "the tombstone comes last"
            );
            break;
        }
    }
    assert_eq!((seen, pages, cursor), (25, 3, 25));
    // Limit 0 is clamped up to 1.
    let page = api.pull(&reg.token, 0, 0).await;
    assert_eq!((page.records.len(), page.more), (1, true));
    // Deleting a record moves it to the end with a new sequence number.
    let mut tomb = mutation(26, 3, 3, b"");
    tomb.deleted = true;
    assert_eq!(
        api.push(&reg.token, vec![tomb]).await,
        vec![applied(26, 26)]
    );
    let page = api.pull(&reg.token, 25, 10).await;
    assert_eq!(page.records.len(), 1);
    assert!(page.records[0].deleted && page.records[0].id == format!("{:032x}", 3));
}
