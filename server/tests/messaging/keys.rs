//! Issue 13 (mailbox side) over HTTP: the sender key must be the calling device's published
//! identity, fallback keys keep claims answering once one-time keys are drained, targeted
//! claims take keys only from the devices named, claims are rate-limited per claimer, and a
//! per-sender quota keeps one sender from filling a recipient's mailbox.

use super::*;

fn claim_body(account_id: &str, need: Option<Vec<String>>) -> m::ClaimRequest {
    m::ClaimRequest {
        account_id: account_id.into(),
        need_keys_for: need,
    }
}

pub(crate) async fn send_needs_the_callers_own_sender_key(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    assert_eq!(api.publish(&t.token, 1, 0..1).await.status().as_u16(), 200);
    let to = t.account_id.as_str();
    let dev = t.device_id.as_str();
    // No identity published yet: refused.
    err(
        api.post("/v1/messages/send", &c.token, &send_body(to, "m1", &[dev]))
            .await,
        403,
        "sender_key_mismatch",
    )
    .await;
    // The client publishes identity 2, then claims to be the therapist's device (1).
    assert_eq!(api.publish(&c.token, 2, 0..1).await.status().as_u16(), 200);
    let mut forged = send_body(to, "m1", &[dev]);
    forged.sender_key = B64.encode([1u8; 32]);
    err(
        api.post("/v1/messages/send", &c.token, &forged).await,
        403,
        "sender_key_mismatch",
    )
    .await;
    assert!(api.inbox(&t.token, 10).await.messages.is_empty());
    // Its own key, padded or not, is accepted.
    let mut own = send_body(to, "m1", &[dev]);
    own.sender_key = B64.encode([2u8; 32]).trim_end_matches('=').to_owned();
    let sent: m::SendResponse = ok(api.post("/v1/messages/send", &c.token, &own).await).await;
    assert_eq!(sent.delivered_to, std::slice::from_ref(&t.device_id));
}

pub(crate) async fn drained_one_time_keys_fall_back_and_claims_are_targeted(backend: Backend) {
    let Some(api) = Api::start(backend, |cfg| {
        cfg.claim_burst = 5;
        cfg.claim_per_minute = 1;
    })
    .await
    else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    let mut keys = upload(1, 0..2);
    keys.fallback_key = Some(otk(1, 99));
    let count: m::KeyCount = ok(api.put("/v1/keys/device", &t.token, &keys).await).await;
    assert_eq!((count.one_time_keys, count.fallback_key), (2, true));
    // A linked peer drains the one-time keys...
    for _ in 0..2 {
        let got: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
        assert!(got.devices[0].one_time_key.is_some());
        assert!(got.devices[0].fallback_key.is_none());
    }
    // ...and later claims still get a signed key: the fallback key, which stays.
    for _ in 0..2 {
        let got: m::ClaimResponse = ok(api.claim(&c.token, &t.account_id).await).await;
        assert!(got.devices[0].one_time_key.is_none());
        assert_eq!(got.devices[0].fallback_key, Some(otk(1, 99)));
    }
    // Listing devices takes no key and is not rate-limited.
    for _ in 0..10 {
        let listed: m::ClaimResponse = ok(api
            .post(
                "/v1/keys/claim",
                &c.token,
                &claim_body(&t.account_id, Some(vec![])),
            )
            .await)
        .await;
        assert_eq!(listed.devices.len(), 1);
        assert!(listed.devices[0].fallback_key.is_none());
    }
    // Naming another device takes nothing from this one.
    let other: m::ClaimResponse = ok(api
        .post(
            "/v1/keys/claim",
            &c.token,
            &claim_body(&t.account_id, Some(vec!["someone-else".into()])),
        )
        .await)
    .await;
    assert!(other.devices[0].fallback_key.is_none());
    // Claims that take keys are rate-limited per claimer (the burst of 5 is used up above).
    let too_many = claim_body(&t.account_id, Some(vec![t.device_id.clone()]));
    let r = api.post("/v1/keys/claim", &c.token, &too_many).await;
    err(r, 429, "rate_limited").await;
    // Too many named devices is a bad request.
    let huge: Vec<String> = (0..=m::MAX_CLAIM_DEVICES)
        .map(|i| format!("d{i}"))
        .collect();
    err(
        api.post(
            "/v1/keys/claim",
            &c.token,
            &claim_body(&t.account_id, Some(huge)),
        )
        .await,
        400,
        "bad_request",
    )
    .await;
    // A malformed fallback key is refused.
    let mut bad = upload(1, 0..0);
    bad.fallback_key = Some(m::WireOneTimeKey {
        key: B64.encode([1u8; 31]),
        signature: B64.encode([1u8; 64]),
    });
    err(
        api.put("/v1/keys/device", &t.token, &bad).await,
        400,
        "bad_request",
    )
    .await;
}

pub(crate) async fn one_sender_cannot_fill_a_mailbox(backend: Backend) {
    let Some(api) = Api::start(backend, |cfg| {
        cfg.mailbox_cap = 10;
        cfg.mailbox_sender_cap = 3;
    })
    .await
    else {
        return;
    };
    let t = api.register("therapist").await;
    let c = api.register("client").await;
    let d = api.register("other-client").await;
    api.profile(&t.token, &profile("Dr. Lee", "", &[], &[]))
        .await;
    api.link(&c, &t).await;
    api.link(&d, &t).await;
    let to = t.account_id.as_str();
    let dev = t.device_id.as_str();
    for i in 0..3 {
        let r = api.send(&c.token, to, &format!("c{i}"), &[dev]).await;
        assert_eq!(r.status().as_u16(), 200);
    }
    err(
        api.send(&c.token, to, "c3", &[dev]).await,
        409,
        "sender_quota",
    )
    .await;
    // Another sender still reaches the therapist.
    let sent: m::SendResponse = ok(api.send(&d.token, to, "d0", &[dev]).await).await;
    assert_eq!(sent.delivered_to, std::slice::from_ref(&t.device_id));
    // Once the therapist's device takes its messages in, the client may send again.
    let inbox = api.inbox(&t.token, 100).await;
    assert_eq!(inbox.messages.len(), 4);
    api.ack(&t.token, inbox.messages.iter().map(|m| m.id).collect())
        .await;
    let r = api.send(&c.token, to, "c3", &[dev]).await;
    assert_eq!(r.status().as_u16(), 200);
}
