//! Several stateless nodes on one PostgreSQL database serve the same accounts: concurrent
//! pushes to one account through different nodes get distinct, gap-free `server_seq`s (the
//! account row lock), and the login backoff earned on one node holds on the other.

mod common;

use common::{http, Backend, TestDb};
use solace_protocol as p;

struct Node {
    base: String,
    _handle: solace_server::ServerHandle,
}

async fn nodes(db: &TestDb, n: usize) -> Vec<Node> {
    nodes_with(db, n, |_| {}).await
}

/// `n` nodes on `db`, each with `tweak` applied to its configuration.
async fn nodes_with(
    db: &TestDb,
    n: usize,
    tweak: impl Fn(&mut solace_server::ServerConfig),
) -> Vec<Node> {
    let mut out = Vec::new();
    for _ in 0..n {
        let mut config = db.config();
        tweak(&mut config);
        let handle = solace_server::spawn(config).await.expect("node starts");
        out.push(Node {
            base: handle.base_url(),
            _handle: handle,
        });
    }
    out
}

fn mutation(device: u8, seq: u64, i: u64) -> p::Mutation {
    let mut id = [0u8; 16];
    id[0] = device;
    id[8..].copy_from_slice(&i.to_be_bytes());
    p::Mutation {
        mutation_seq: seq,
        id: hex::encode(id).parse().unwrap(),
        kind: "journal".into(),
        base_seq: 0,
        blob: http::B64
            .encode(format!("sealed {device}/{i}"))
            .parse()
            .unwrap(),
        deleted: false,
    }
}

use base64::Engine as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pushes_through_two_nodes_get_distinct_sequence_numbers() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let nodes = nodes(&db, 2).await;
    let c = reqwest::Client::new();
    let first: p::SessionResponse = http::ok(
        c.post(format!("{}/v1/accounts/register", nodes[0].base))
            .json(&http::register_body("cluster.ana", [7; 32]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second: p::SessionResponse = http::ok(
        c.post(format!("{}/v1/accounts/login", nodes[1].base))
            .json(&http::login_body("cluster.ana", [7; 32], "second"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    const PUSHES: u64 = 40;
    const PER_PUSH: u64 = 5;
    let mut tasks = Vec::new();
    for (device, (node, token)) in [
        (&nodes[0].base, first.token.expose().to_owned()),
        (&nodes[1].base, second.token.expose().to_owned()),
    ]
    .into_iter()
    .enumerate()
    {
        let (c, url) = (c.clone(), format!("{node}/v1/sync/push"));
        tasks.push(tokio::spawn(async move {
            for push in 0..PUSHES {
                let mutations = (0..PER_PUSH)
                    .map(|k| {
                        let i = push * PER_PUSH + k;
                        mutation(device as u8 + 1, i + 1, i)
                    })
                    .collect();
                let r = c
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&p::PushRequest { mutations })
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.text().await.unwrap());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    // Everything, through either node, exactly once, in strictly increasing sequence.
    let mut seqs = Vec::new();
    let mut cursor = 0;
    loop {
        let page: p::PullResponse = http::ok(
            c.post(format!("{}/v1/sync/pull", nodes[1].base))
                .bearer_auth(first.token.expose())
                .json(&p::PullRequest { cursor, limit: 500 })
                .send()
                .await
                .unwrap(),
        )
        .await;
        seqs.extend(page.records.iter().map(|r| r.server_seq));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    let total = (2 * PUSHES * PER_PUSH) as usize;
    assert_eq!(seqs.len(), total, "every acknowledged record is there once");
    let mut distinct = seqs.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), total, "no two records share a server_seq");
    assert_eq!(
        distinct,
        (1..=total as u64).collect::<Vec<_>>(),
        "gap-free: a pulling device never skips a record"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_backoff_holds_on_every_node() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let nodes = nodes(&db, 2).await;
    let c = reqwest::Client::new();
    http::ok::<p::SessionResponse>(
        c.post(format!("{}/v1/accounts/register", nodes[0].base))
            .json(&http::register_body("cluster.ben", [7; 32]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for _ in 0..solace_server::rate_limit::BACKOFF_AFTER_FAILURES {
        let r = c
            .post(format!("{}/v1/accounts/login", nodes[0].base))
            .json(&http::login_body("cluster.ben", [9; 32], "guess"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // The other node refuses at once, even the right key, without checking it.
    http::err(
        c.post(format!("{}/v1/accounts/login", nodes[1].base))
            .json(&http::login_body("cluster.ben", [7; 32], "owner"))
            .send()
            .await
            .unwrap(),
        429,
        "rate_limited",
    )
    .await;
    // After the block (1 s after the fifth failure) the right key works on either node.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    http::ok::<p::SessionResponse>(
        c.post(format!("{}/v1/accounts/login", nodes[1].base))
            .json(&http::login_body("cluster.ben", [7; 32], "owner"))
            .send()
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mailbox_cap_holds_across_nodes() {
    use solace_protocol::messaging as m;
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let nodes = nodes_with(&db, 2, |config| config.mailbox_cap = 10).await;
    let c = reqwest::Client::new();
    let reg: p::SessionResponse = http::ok(
        c.post(format!("{}/v1/accounts/register", nodes[0].base))
            .json(&http::register_body("cluster.cam", [7; 32]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let identity_key = http::B64.encode([0x77; 32]);
    let keys = m::DeviceKeysUpload {
        identity: m::WireIdentity {
            curve25519: identity_key.clone(),
            ed25519: http::B64.encode([0x78; 32]),
        },
        one_time_keys: vec![],
        account_signature: None,
        device_list: None,
        fallback_key: None,
    };
    let r = c
        .put(format!("{}/v1/keys/device", nodes[0].base))
        .bearer_auth(reg.token.expose())
        .json(&keys)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    // 30 different messages at once to one device's mailbox, half through each node.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let url = format!("{}/v1/messages/send", nodes[i % 2].base);
        let (c, token) = (c.clone(), reg.token.expose().to_owned());
        let send = m::SendRequest {
            recipient_account: reg.account_id.clone(),
            client_message_id: format!("message-{i}"),
            sender_key: identity_key.clone(),
            envelopes: vec![m::OutgoingEnvelope {
                device_id: reg.device_id.clone(),
                kind: 0,
                body: http::B64.encode(format!("olm {i}")),
            }],
        };
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(token)
                .json(&send)
                .send()
                .await
                .unwrap();
            r.status().is_success()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    assert_eq!(
        accepted, 10,
        "exactly the cap, however the sends were spread"
    );
    let inbox: m::Inbox = http::ok(
        c.post(format!("{}/v1/messages/inbox", nodes[1].base))
            .bearer_auth(reg.token.expose())
            .json(&m::InboxRequest { limit: 100 })
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(inbox.messages.len(), 10);
}
