//! Verified, unlinkable reviews over HTTP, the same suite on SQLite and PostgreSQL: tokens
//! issued once per link and period and only for active, old-enough links of therapists who
//! opted in; a token spent once; forged, re-targeted and wrong-period tokens refused;
//! batches, directory summaries and replies.

#[path = "common/mod.rs"]
mod common;

use base64::Engine as _;
use blind_rsa_signatures::{
    BlindSignature, DefaultRng, KeyPairSha384PSSDeterministic as KeyPair,
    PublicKeySha384PSSDeterministic as PublicKey,
};
use common::http::{err, ok, register_body, Api, B64};
use common::Backend;
use solace_protocol as p;
use solace_protocol::messaging as m;
use solace_protocol::reviews as r;
use solace_server::storage::StoredReviewKey;

per_backend!(
    a_token_is_issued_once_and_spent_once,
    issuance_needs_an_active_old_enough_link_of_an_opted_in_therapist,
);

struct Parties {
    client: p::SessionResponse,
    therapist: p::SessionResponse,
    link: m::LinkInfo,
}

fn profile(name: &str) -> m::TherapistProfile {
    m::TherapistProfile {
        display_name: name.into(),
        bio: "CBT for anxiety.".into(),
        specialties: vec!["anxiety".into()],
        approaches: vec!["cbt".into()],
        languages: vec!["en".into()],
        slots: vec![],
        response_window_hours: None,
        formats: vec![],
        coverage: None,
    }
}

async fn register(api: &Api, user: &str) -> p::SessionResponse {
    ok(api
        .post(
            "/v1/accounts/register",
            None,
            &register_body(user, [7u8; 32]),
        )
        .await)
    .await
}

async fn set_reviews(api: &Api, token: &str, enabled: bool) {
    let r = api
        .put(
            "/v1/therapist/reviews",
            token,
            &r::ReviewSettings { enabled },
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
}

/// A therapist with a profile (reviews on when `opted_in`) and a client whose link they
/// accepted.
async fn parties(api: &Api, opted_in: bool) -> Parties {
    let therapist = register(api, "dr-rivera").await;
    let client = register(api, "sam").await;
    let r = api
        .put(
            "/v1/therapist/profile",
            &therapist.token,
            &profile("Dr Rivera"),
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
    if opted_in {
        set_reviews(api, &therapist.token, true).await;
    }
    let link: m::LinkInfo = ok(api
        .post(
            "/v1/links",
            Some(&client.token),
            &m::LinkRequest {
                therapist_id: therapist.account_id.clone(),
            },
        )
        .await)
    .await;
    let link = ok(api
        .post(
            "/v1/links/accept",
            Some(&therapist.token),
            &m::LinkAction {
                link_id: link.link_id,
            },
        )
        .await)
    .await;
    Parties {
        client,
        therapist,
        link,
    }
}

async fn keys(api: &Api) -> r::ReviewKeys {
    ok(api
        .c
        .get(api.s.url("/v1/reviews/keys"))
        .send()
        .await
        .unwrap())
    .await
}

/// A blinded token request for `therapist` in `period` under `key`, with what unblinds it.
struct Blinded {
    nonce: [u8; 32],
    message: Vec<u8>,
    result: blind_rsa_signatures::BlindingResult,
    key: PublicKey,
}

fn blind(key: &r::ReviewKey, therapist: &str, period: u32) -> Blinded {
    let key = PublicKey::from_spki(&B64.decode(&key.public_key).unwrap()).unwrap();
    let mut nonce = [0u8; 32];
    getrandom::fill(&mut nonce).unwrap();
    let message = r::token_message(therapist, period, &nonce).unwrap();
    let result = key.blind(&mut DefaultRng, &message).unwrap();
    Blinded {
        nonce,
        message,
        result,
        key,
    }
}

async fn request_token(
    api: &Api,
    token: &str,
    link_id: &str,
    period: u32,
    blinded: &Blinded,
) -> reqwest::Response {
    let body = r::TokenRequest {
        link_id: link_id.into(),
        period,
        blinded: B64.encode(&blinded.result.blind_message.0),
    };
    api.post("/v1/reviews/token", Some(token), &body).await
}

/// Issues and unblinds a token: the unblinded signature over the token message.
async fn token(
    api: &Api,
    parties: &Parties,
    period: u32,
    key: &r::ReviewKey,
) -> (Blinded, Vec<u8>) {
    let blinded = blind(key, &parties.therapist.account_id, period);
    let answer: r::TokenResponse = ok(request_token(
        api,
        &parties.client.token,
        &parties.link.link_id,
        period,
        &blinded,
    )
    .await)
    .await;
    assert_eq!(answer.key_id, key.key_id, "signed with the published key");
    let blind_signature = BlindSignature(B64.decode(&answer.blind_signature).unwrap());
    let signature = blinded
        .key
        .finalize(&blind_signature, &blinded.result, &blinded.message)
        .unwrap();
    (blinded, signature.0)
}

fn submission(therapist: &str, period: u32, nonce: &[u8], signature: &[u8]) -> r::ReviewSubmission {
    r::ReviewSubmission {
        therapist_id: therapist.into(),
        period,
        nonce: B64.encode(nonce),
        signature: B64.encode(signature),
        rating: 4,
        text: "Practical and kind.".into(),
    }
}

async fn submit(api: &Api, body: &r::ReviewSubmission) -> reqwest::Response {
    api.post("/v1/reviews", None, body).await
}

async fn a_token_is_issued_once_and_spent_once(backend: Backend) {
    let Some(api) = Api::start(backend, |c| c.review_min_link_age_secs = 0).await else {
        return;
    };
    let parties = parties(&api, true).await;
    let published = keys(&api).await;
    assert_eq!(
        published,
        keys(&api).await,
        "one key per period for everyone"
    );
    let period = published.current_period;
    let key = published
        .keys
        .iter()
        .find(|k| k.period == period)
        .cloned()
        .unwrap();
    let (blinded, signature) = token(&api, &parties, period, &key).await;

    // One token per link and period.
    let again = blind(&key, &parties.therapist.account_id, period);
    err(
        request_token(
            &api,
            &parties.client.token,
            &parties.link.link_id,
            period,
            &again,
        )
        .await,
        409,
        "conflict",
    )
    .await;

    // A forged signature, a token re-targeted at another therapist and a token claimed for a
    // period whose key did not sign it are all refused.
    let therapist = parties.therapist.account_id.clone();
    let mut forged = signature.clone();
    forged[100] ^= 1;
    err(
        submit(
            &api,
            &submission(&therapist, period, &blinded.nonce, &forged),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    err(
        submit(
            &api,
            &submission(
                &parties.client.account_id,
                period,
                &blinded.nonce,
                &signature,
            ),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let older = KeyPair::generate(&mut DefaultRng, 2048).unwrap();
    api.s
        .db
        .storage()
        .await
        .add_review_key(&StoredReviewKey {
            period: period - 1,
            secret_der: older.sk.to_der().unwrap(),
            public_spki: older.pk.to_spki().unwrap(),
        })
        .await
        .unwrap();
    err(
        submit(
            &api,
            &submission(&therapist, period - 1, &blinded.nonce, &signature),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    err(
        submit(
            &api,
            &submission(&therapist, period + 1, &blinded.nonce, &signature),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let mut bad_rating = submission(&therapist, period, &blinded.nonce, &signature);
    bad_rating.rating = 6;
    err(submit(&api, &bad_rating).await, 400, "bad_request").await;

    // Accepted once, refused the second time.
    let good = submission(&therapist, period, &blinded.nonce, &signature);
    assert_eq!(submit(&api, &good).await.status().as_u16(), 204);
    err(submit(&api, &good).await, 409, "conflict").await;

    // Pending until a batch is published.
    let list_body = r::ReviewListRequest {
        therapist_id: therapist.clone(),
    };
    let list: r::ReviewList = ok(api
        .post(
            "/v1/directory/reviews",
            Some(&parties.client.token),
            &list_body,
        )
        .await)
    .await;
    assert!(list.enabled);
    assert!(list.reviews.is_empty(), "not visible before its batch");
    let storage = api.s.db.storage().await;
    assert_eq!(
        storage.publish_reviews(2, "1970-01-01").await.unwrap(),
        0,
        "below the minimum, not overdue"
    );
    assert_eq!(storage.publish_reviews(1, "1970-01-01").await.unwrap(), 1);
    let list: r::ReviewList = ok(api
        .post(
            "/v1/directory/reviews",
            Some(&parties.client.token),
            &list_body,
        )
        .await)
    .await;
    assert_eq!(
        list.summary,
        r::ReviewSummary {
            count: 1,
            rating_sum: 4
        }
    );
    assert_eq!(list.reviews.len(), 1);
    assert_eq!(list.reviews[0].text, "Practical and kind.");
    assert_eq!(list.reviews[0].month.len(), 7);
    let page: m::DirectoryPage = ok(api
        .post(
            "/v1/directory/search",
            Some(&parties.client.token),
            &m::DirectoryQuery::default(),
        )
        .await)
    .await;
    assert_eq!(
        page.therapists[0].reviews,
        Some(r::ReviewSummary {
            count: 1,
            rating_sum: 4
        })
    );

    // Only the reviewed therapist replies.
    let reply = r::ReviewReply {
        review_id: list.reviews[0].review_id.clone(),
        text: "Thank you.".into(),
    };
    err(
        api.post("/v1/reviews/reply", Some(&parties.client.token), &reply)
            .await,
        404,
        "not_found",
    )
    .await;
    let answer = api
        .post("/v1/reviews/reply", Some(&parties.therapist.token), &reply)
        .await;
    assert_eq!(answer.status().as_u16(), 204);
    let list: r::ReviewList = ok(api
        .post(
            "/v1/directory/reviews",
            Some(&parties.client.token),
            &list_body,
        )
        .await)
    .await;
    assert_eq!(list.reviews[0].reply.as_deref(), Some("Thank you."));

    // Opting out hides the summary from the directory and refuses new reviews.
    set_reviews(&api, &parties.therapist.token, false).await;
    let page: m::DirectoryPage = ok(api
        .post(
            "/v1/directory/search",
            Some(&parties.client.token),
            &m::DirectoryQuery::default(),
        )
        .await)
    .await;
    assert_eq!(page.therapists[0].reviews, None);

    // A therapist's account deletion takes their reviews, opt-in and issuance rows with it.
    set_reviews(&api, &parties.therapist.token, true).await;
    assert!(storage.delete_account(&therapist).await.unwrap());
    assert!(storage
        .published_reviews(&therapist)
        .await
        .unwrap()
        .is_empty());
    assert!(!storage.reviews_enabled(&therapist).await.unwrap());
    storage
        .record_issuance(&parties.link.link_id, period)
        .await
        .expect("the link's issuance row went with the account");
}

async fn issuance_needs_an_active_old_enough_link_of_an_opted_in_therapist(backend: Backend) {
    let Some(api) = Api::start(backend, |c| c.review_min_link_age_secs = 0).await else {
        return;
    };
    let parties = parties(&api, false).await;
    let published = keys(&api).await;
    let period = published.current_period;
    let key = published.keys.last().cloned().unwrap();
    let blinded = blind(&key, &parties.therapist.account_id, period);
    let ask = |token: p::SecretString, link: String, period: u32| {
        let api = &api;
        let blinded = &blinded;
        async move { request_token(api, &token, &link, period, blinded).await }
    };
    let (client, link) = (parties.client.token.clone(), parties.link.link_id.clone());
    err(
        ask(client.clone(), link.clone(), period).await,
        403,
        "forbidden",
    )
    .await;
    set_reviews(&api, &parties.therapist.token, true).await;
    err(
        ask(client.clone(), link.clone(), period + 1).await,
        409,
        "conflict",
    )
    .await;
    err(
        ask(parties.therapist.token.clone(), link.clone(), period).await,
        404,
        "not_found",
    )
    .await;
    let end = api
        .post(
            "/v1/links/end",
            Some(&client),
            &m::LinkAction {
                link_id: link.clone(),
            },
        )
        .await;
    assert!(end.status().is_success());
    err(
        ask(client.clone(), link.clone(), period).await,
        403,
        "forbidden",
    )
    .await;

    // A link younger than the server's minimum gets no token.
    let Some(strict) = Api::start(backend, |c| c.review_min_link_age_secs = 3600).await else {
        return;
    };
    let parties = parties_on(&strict).await;
    let key = keys(&strict).await.keys.last().cloned().unwrap();
    let blinded = blind(&key, &parties.therapist.account_id, period);
    err(
        request_token(
            &strict,
            &parties.client.token,
            &parties.link.link_id,
            period,
            &blinded,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

async fn parties_on(api: &Api) -> Parties {
    parties(api, true).await
}
