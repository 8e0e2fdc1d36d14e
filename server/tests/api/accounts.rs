//! Accounts, prelogin privacy, login, tokens (expiry) and account isolation.

use super::*;

pub(crate) async fn accounts_tokens_and_devices(backend: Backend) {
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

pub(crate) async fn token_expiry(backend: Backend) {
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

pub(crate) async fn accounts_are_isolated_over_http(backend: Backend) {
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
