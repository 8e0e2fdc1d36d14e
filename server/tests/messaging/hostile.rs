//! Hostile input to the messaging endpoints gets clean errors.

use super::*;

pub(crate) async fn hostile_input_gets_clean_errors(backend: Backend) {
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
                expired: vec![],
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

pub(crate) const NOW: i64 = 1_800_000_000;
