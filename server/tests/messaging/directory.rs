//! The therapist directory and consented links gating keys and messages.

use super::*;

pub(crate) async fn directory_search_and_profile_validation(backend: Backend) {
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
            format: None,
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

pub(crate) async fn links_gate_keys_and_messages(backend: Backend) {
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
