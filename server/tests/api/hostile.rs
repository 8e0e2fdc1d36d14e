//! Hostile input gets clean errors.

use super::*;

pub(crate) async fn hostile_input_gets_clean_errors(backend: Backend) {
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

    // Raw JSON: typed ids and blobs cannot even be built malformed on this side.
    let bad = |field: &str, value: serde_json::Value| {
        let mut m = serde_json::to_value(mutation(1, 1, 0, b"x")).unwrap();
        m[field] = value;
        serde_json::json!({ "mutations": [m] })
    };
    let huge = B64.encode(vec![0u8; p::MAX_BLOB_BYTES + 1]);
    for req in [
        bad("id", "not-hex".into()),
        bad("id", "0A".repeat(16).into()),
        bad("id", "0".repeat(33).into()),
        bad("kind", "Journal".into()),
        bad("kind", "".into()),
        bad("kind", "a".repeat(33).into()),
        bad("blob", "***".into()),
        // Refused while deserializing, before anything is decoded into memory.
        bad("blob", huge.into()),
        bad("mutation_seq", 0.into()),
        bad("mutation_seq", u64::MAX.into()),
        bad("base_seq", u64::MAX.into()),
    ] {
        err(api.post("/v1/sync/push", t, &req).await, 400, "bad_request").await;
    }
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
