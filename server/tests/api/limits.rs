//! Body and rate limits, per account and per client address.

use super::*;

pub(crate) async fn body_and_rate_limits(backend: Backend) {
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

pub(crate) async fn login_endpoints_are_limited_per_address(backend: Backend) {
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
