//! One-time keys, the mailbox (send, inbox, ack, cap, push hints) and revocation.

use super::*;

pub(crate) async fn one_time_keys_are_claimed_once(backend: Backend) {
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

pub(crate) async fn mailbox_send_inbox_ack_and_push_hints(backend: Backend) {
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
    assert!(sent.missing.is_empty(), "no other device has keys yet");
    // A retry after a partial earlier send queues only the new device. A current device with
    // published keys that a send has no envelope for is named, so the sender lists again (no
    // signed device list here, so no version).
    let _: m::KeyCount = ok(api.publish(&t2.token, 5, 0..0).await).await;
    let mixed: m::SendResponse = ok(api
        .send(&c.token, &t.account_id, "m-2", &[&t.device_id])
        .await)
    .await;
    assert_eq!(mixed.delivered_to, vec![t.device_id.clone()]);
    assert_eq!(
        (mixed.missing.clone(), mixed.list_version),
        (vec![t2.device_id.clone()], None)
    );
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

pub(crate) async fn mailbox_cap_refuses_the_whole_send(backend: Backend) {
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

pub(crate) async fn revoked_device_loses_mailbox_and_keys(backend: Backend) {
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
