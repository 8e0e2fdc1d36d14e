//! Sessions and the proofs that guard account changes, on SQLite and PostgreSQL over HTTP:
//! token lifetime in seconds and refresh, re-login of an existing device, proofs for credential
//! changes and revocation (auth key or account-key proof), signing out every other device,
//! per-username login backoff, and client addresses behind trusted proxies.

mod common;

use base64::Engine as _;
use common::http::{err, ok, Api, B64};
use common::Backend;
use sha2::{Digest, Sha256};
use solace_protocol as p;

per_backend!(
    tokens_refresh_and_device_relogin,
    credential_changes_need_a_proof,
    revocation_needs_a_proof_and_can_sign_out_all_others,
    failed_logins_back_off_per_username,
    forwarded_addresses_count_only_from_trusted_proxies,
);

const PROOF: [u8; 32] = [0x42; 32];

impl Api {
    async fn register(&self, user: &str, key: u8, verifier: Option<String>) -> p::SessionResponse {
        let body = p::RegisterRequest {
            account_proof_verifier: verifier,
            username: user.into(),
            auth_key: hex::encode([key; 32]).into(),
            kdf: p::WireKdf {
                memory_kib: 65536,
                iterations: 3,
                parallelism: 1,
            },
            salt: hex::encode([9u8; 16]),
            wrapped_account_key: B64.encode([1u8; 77]),
            items_keys: vec![],
            device_name: "laptop".into(),
            recovery_wrapped_account_key: None,
        };
        ok(self.post("/v1/accounts/register", None, &body).await).await
    }

    async fn login(&self, user: &str, key: u8, device_id: Option<&str>) -> reqwest::Response {
        let body = p::LoginRequest {
            username: user.into(),
            auth_key: hex::encode([key; 32]).into(),
            device_name: "phone".into(),
            device_id: device_id.map(str::to_owned),
            account_proof_verifier: None,
        };
        self.post("/v1/accounts/login", None, &body).await
    }

    async fn devices(&self, token: &str) -> Vec<p::DeviceInfo> {
        let list: p::DeviceList = ok(self.get("/v1/devices", token).await).await;
        list.devices
    }
}

fn verifier() -> String {
    hex::encode(Sha256::digest(PROOF))
}

fn credentials(
    new_key: u8,
    current: Option<u8>,
    proof: Option<[u8; 32]>,
    sign_out: bool,
) -> p::CredentialsUpdate {
    p::CredentialsUpdate {
        auth_key: hex::encode([new_key; 32]).into(),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([8u8; 16]),
        wrapped_account_key: B64.encode([3u8; 77]),
        current_auth_key: current.map(|k| hex::encode([k; 32]).into()),
        account_proof: proof.map(|p| hex::encode(p).into()),
        sign_out_other_devices: sign_out,
    }
}

fn revoke(
    device_id: &str,
    all: bool,
    current: Option<u8>,
    proof: Option<[u8; 32]>,
) -> p::RevokeRequest {
    p::RevokeRequest {
        device_id: device_id.into(),
        all_other_devices: all,
        current_auth_key: current.map(|k| hex::encode([k; 32]).into()),
        account_proof: proof.map(|p| hex::encode(p).into()),
    }
}

async fn tokens_refresh_and_device_relogin(backend: Backend) {
    let Some(api) = Api::start(backend, |c| {
        c.token_ttl_hours = 1000;
        c.token_ttl_secs = Some(2);
    })
    .await
    else {
        return;
    };
    let reg = api.register("nora", 1, None).await;
    let expires: i64 = reg.expires_at.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((expires - now) <= 2, "seconds win over hours");
    // Refresh: a new token for the same device; the old one keeps working until it expires.
    let fresh: p::SessionResponse =
        ok(api.post("/v1/account/refresh", Some(&reg.token), &()).await).await;
    assert_eq!(
        (fresh.device_id.as_str(), fresh.account_id.as_str()),
        (reg.device_id.as_str(), reg.account_id.as_str())
    );
    assert_ne!(fresh.token, reg.token);
    assert_eq!(
        api.get("/v1/account/keys", &reg.token)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        api.get("/v1/account/keys", &fresh.token)
            .await
            .status()
            .as_u16(),
        200
    );
    err(
        api.post("/v1/account/refresh", None, &()).await,
        401,
        "unauthorized",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    err(
        api.get("/v1/account/keys", &reg.token).await,
        401,
        "unauthorized",
    )
    .await;
    err(
        api.post("/v1/account/refresh", Some(&fresh.token), &())
            .await,
        401,
        "unauthorized",
    )
    .await;

    // Logging in again with the device id re-authenticates that device (no new device); on a
    // server with long-lived tokens so a slow machine cannot expire them mid-test.
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("nora", 1, None).await;
    let again: p::SessionResponse = ok(api.login("nora", 1, Some(&reg.device_id)).await).await;
    assert_eq!(again.device_id, reg.device_id);
    assert_eq!(api.devices(&again.token).await.len(), 1);
    // An unknown device id, or another account's, adds a new device instead.
    let other = api.register("olaf", 2, None).await;
    let new: p::SessionResponse = ok(api.login("nora", 1, Some(&other.device_id)).await).await;
    assert_ne!(new.device_id, other.device_id);
    assert_eq!(api.devices(&again.token).await.len(), 2);
    // A revoked device is not brought back.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&again.token),
            &revoke(&new.device_id, false, Some(1), None),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    let back: p::SessionResponse = ok(api.login("nora", 1, Some(&new.device_id)).await).await;
    assert_ne!(back.device_id, new.device_id);
    let devices = api.devices(&again.token).await;
    assert_eq!(devices.iter().filter(|d| !d.revoked).count(), 2);
}

async fn credential_changes_need_a_proof(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("pia", 1, Some(verifier())).await;
    let phone: p::SessionResponse = ok(api.login("pia", 1, None).await).await;
    // A token alone, a wrong auth key or a wrong proof: refused, nothing changed.
    for body in [
        credentials(2, None, None, false),
        credentials(2, Some(9), None, false),
        credentials(2, None, Some([0x43; 32]), false),
    ] {
        err(
            api.put("/v1/account/credentials", &reg.token, &body).await,
            403,
            "proof_required",
        )
        .await;
    }
    assert_eq!(api.login("pia", 1, None).await.status().as_u16(), 200);
    // The current auth key proves the passphrase.
    let r = api
        .put(
            "/v1/account/credentials",
            &reg.token,
            &credentials(2, Some(1), None, false),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(api.login("pia", 2, None).await.status().as_u16(), 200);
    assert_eq!(
        api.get("/v1/devices", &phone.token).await.status().as_u16(),
        200,
        "others stay signed in"
    );
    // The account-key proof works without the passphrase (after a recovery-key reset), and
    // can sign out every other device in the same change.
    let r = api
        .put(
            "/v1/account/credentials",
            &reg.token,
            &credentials(3, None, Some(PROOF), true),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    err(
        api.get("/v1/devices", &phone.token).await,
        401,
        "unauthorized",
    )
    .await;
    let devices = api.devices(&reg.token).await;
    assert!(
        devices
            .iter()
            .all(|d| d.revoked == (d.device_id != reg.device_id)),
        "{devices:?}"
    );
    assert_eq!(api.login("pia", 3, None).await.status().as_u16(), 200);

    // An account registered without a verifier gets one from its first login that sends it,
    // and never a replacement.
    let old = api.register("quin", 1, None).await;
    err(
        api.put(
            "/v1/account/credentials",
            &old.token,
            &credentials(2, None, Some(PROOF), false),
        )
        .await,
        403,
        "proof_required",
    )
    .await;
    let mut body = p::LoginRequest {
        username: "quin".into(),
        auth_key: hex::encode([1u8; 32]).into(),
        device_name: "phone".into(),
        device_id: None,
        account_proof_verifier: Some(verifier()),
    };
    assert_eq!(
        api.post("/v1/accounts/login", None, &body)
            .await
            .status()
            .as_u16(),
        200
    );
    body.account_proof_verifier = Some(hex::encode(Sha256::digest([0x44u8; 32])));
    assert_eq!(
        api.post("/v1/accounts/login", None, &body)
            .await
            .status()
            .as_u16(),
        200
    );
    err(
        api.put(
            "/v1/account/credentials",
            &old.token,
            &credentials(2, None, Some([0x44; 32]), false),
        )
        .await,
        403,
        "proof_required",
    )
    .await;
    let r = api
        .put(
            "/v1/account/credentials",
            &old.token,
            &credentials(2, None, Some(PROOF), false),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    // A malformed verifier is a bad request.
    body.account_proof_verifier = Some("not hex".into());
    err(
        api.post("/v1/accounts/login", None, &body).await,
        400,
        "bad_request",
    )
    .await;
}

async fn revocation_needs_a_proof_and_can_sign_out_all_others(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("rhea", 1, Some(verifier())).await;
    let mut others = Vec::new();
    for _ in 0..3 {
        let s: p::SessionResponse = ok(api.login("rhea", 1, None).await).await;
        others.push(s);
    }
    // A stolen token cannot revoke the owner's other devices.
    let thief = &others[2];
    for body in [
        revoke(&reg.device_id, false, None, None),
        revoke("", true, None, None),
        revoke("", true, Some(7), Some([1; 32])),
    ] {
        err(
            api.post("/v1/devices/revoke", Some(&thief.token), &body)
                .await,
            403,
            "proof_required",
        )
        .await;
    }
    assert_eq!(
        api.get("/v1/devices", &reg.token).await.status().as_u16(),
        200
    );
    // With the account-key proof: revoke one.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&reg.token),
            &revoke(&others[0].device_id, false, None, Some(PROOF)),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    err(
        api.get("/v1/devices", &others[0].token).await,
        401,
        "unauthorized",
    )
    .await;
    // With the auth key: every other device at once.
    let r = api
        .post(
            "/v1/devices/revoke",
            Some(&reg.token),
            &revoke("", true, Some(1), None),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    for s in &others {
        err(api.get("/v1/devices", &s.token).await, 401, "unauthorized").await;
    }
    let devices = api.devices(&reg.token).await;
    assert_eq!(devices.len(), 4);
    assert!(devices
        .iter()
        .all(|d| d.revoked == (d.device_id != reg.device_id)));
}

async fn failed_logins_back_off_per_username(backend: Backend) {
    let Some(api) = Api::start(backend, |c| c.auth_rate_burst = 1000).await else {
        return;
    };
    api.register("sami", 1, None).await;
    for _ in 0..5 {
        err(api.login("sami", 9, None).await, 401, "unauthorized").await;
    }
    // Now even the right key is refused, without being checked, for a second.
    err(api.login("sami", 1, None).await, 429, "rate_limited").await;
    // Other names are unaffected; unknown names back off the same way (no existence leak).
    assert_eq!(api.register("tova", 1, None).await.device_id.len(), 32);
    assert_eq!(api.login("tova", 1, None).await.status().as_u16(), 200);
    for _ in 0..5 {
        err(api.login("nobody", 9, None).await, 401, "unauthorized").await;
    }
    err(api.login("nobody", 9, None).await, 429, "rate_limited").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(api.login("sami", 1, None).await.status().as_u16(), 200);
    // The success reset the count: four new failures do not block.
    for _ in 0..4 {
        err(api.login("sami", 9, None).await, 401, "unauthorized").await;
    }
    assert_eq!(api.login("sami", 1, None).await.status().as_u16(), 200);
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    let prelogin = |api: &Api, forwarded: &'static str| {
        let req = api
            .c
            .post(api.s.url("/v1/accounts/prelogin"))
            .header("x-forwarded-for", forwarded)
            .json(&p::PreloginRequest {
                username: "uma".into(),
            });
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Behind a trusted proxy (the test client on loopback), each forwarded client has its own
    // bucket.
    let Some(api) = Api::start(backend, |c| {
        c.auth_rate_burst = 2;
        c.auth_rate_per_second = 1;
        c.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await
    else {
        return;
    };
    assert_eq!(prelogin(&api, "203.0.113.1").await, 200);
    assert_eq!(prelogin(&api, "198.51.100.9, 203.0.113.1").await, 200);
    assert_eq!(prelogin(&api, "203.0.113.1").await, 429);
    assert_eq!(prelogin(&api, "203.0.113.2").await, 200);
    // Without trusted proxies the header is ignored: one bucket for the peer.
    let Some(api) = Api::start(backend, |c| {
        c.auth_rate_burst = 2;
        c.auth_rate_per_second = 1;
    })
    .await
    else {
        return;
    };
    assert_eq!(prelogin(&api, "203.0.113.1").await, 200);
    assert_eq!(prelogin(&api, "203.0.113.2").await, 200);
    assert_eq!(prelogin(&api, "203.0.113.3").await, 429);
}
