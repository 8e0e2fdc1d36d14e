//! The HTTP API against both storage backends, served in-process on a loopback port:
//! authentication, token expiry and revocation, limits, prelogin privacy and validation.
//! PostgreSQL runs when `SOLACE_TEST_PG_URL` is set (required with `SOLACE_REQUIRE_PG=1`).

use std::net::SocketAddr;

use base64::Engine as _;
use solace_protocol as p;
use solace_server::ServerConfig;

struct Running {
    base: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg_admin {
            let _ = std::process::Command::new("psql")
                .args([
                    admin.as_str(),
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

fn databases(dir: &std::path::Path) -> Vec<(String, Option<(String, String)>)> {
    let mut out = vec![(format!("sqlite:{}", dir.join("api.db").display()), None)];
    match std::env::var("SOLACE_TEST_PG_URL") {
        Ok(admin) => {
            let name = format!(
                "solace_api_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            );
            let ok = std::process::Command::new("psql")
                .args([
                    admin.as_str(),
                    "-q",
                    "-c",
                    &format!("CREATE DATABASE {name}"),
                ])
                .status()
                .unwrap()
                .success();
            assert!(ok, "could not create a test database");
            let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
            out.push((url, Some((admin, name))));
        }
        Err(_) if std::env::var("SOLACE_REQUIRE_PG").as_deref() == Ok("1") => {
            panic!("SOLACE_REQUIRE_PG=1 but SOLACE_TEST_PG_URL is unset")
        }
        Err(_) => eprintln!("note: SOLACE_TEST_PG_URL not set; PostgreSQL cases skipped"),
    }
    out
}

async fn start(
    database: String,
    pg_admin: Option<(String, String)>,
    dir: tempfile::TempDir,
    tweak: impl FnOnce(&mut ServerConfig),
) -> Running {
    let mut config = ServerConfig {
        listen: "127.0.0.1:0".into(),
        database,
        ..ServerConfig::default()
    };
    tweak(&mut config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    tokio::spawn(async move {
        let _ = solace_server::serve(
            config,
            move |a| {
                let _ = addr_tx.send(a);
            },
            async {
                let _ = rx.await;
            },
        )
        .await;
    });
    let addr = addr_rx.await.expect("server bound");
    Running {
        base: format!("http://{addr}"),
        _shutdown: tx,
        _dir: dir,
        pg_admin,
    }
}

async fn servers(tweak: fn(&mut ServerConfig)) -> Vec<Running> {
    let mut out = Vec::new();
    let probe = tempfile::tempdir().unwrap();
    for (db, admin) in databases(probe.path()) {
        let dir = tempfile::tempdir().unwrap();
        let db = if db.starts_with("sqlite:") {
            format!("sqlite:{}", dir.path().join("api.db").display())
        } else {
            db
        };
        out.push(start(db, admin, dir, tweak).await);
    }
    out
}

fn register_body(user: &str, auth_key: [u8; 32]) -> p::RegisterRequest {
    let b64 = base64::engine::general_purpose::STANDARD;
    p::RegisterRequest {
        username: user.into(),
        auth_key: hex::encode(auth_key),
        kdf: p::WireKdf {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
        salt: hex::encode([9u8; 16]),
        wrapped_account_key: b64.encode([1u8; 77]),
        items_keys: vec![p::WireItemsKey {
            key_id: 1,
            wrapped: b64.encode([2u8; 77]),
        }],
        device_name: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_tokens_and_devices() {
    for s in servers(|_| {}).await {
        let c = reqwest::Client::new();
        let url = |path: &str| format!("{}{path}", s.base);
        assert_eq!(
            c.get(url("/v1/health"))
                .send()
                .await
                .unwrap()
                .json::<p::Health>()
                .await
                .unwrap()
                .status,
            "ok"
        );
        let reg: p::SessionResponse = c
            .post(url("/v1/accounts/register"))
            .json(&register_body("erin", [5; 32]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let dup = c
            .post(url("/v1/accounts/register"))
            .json(&register_body("erin", [6; 32]))
            .send()
            .await
            .unwrap();
        assert_eq!(dup.status().as_u16(), 409);
        let bad = c
            .post(url("/v1/accounts/register"))
            .json(&register_body("No Way", [5; 32]))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 400);
        assert_eq!(bad.json::<p::ApiError>().await.unwrap().code, "bad_request");

        // Prelogin: the real salt for a known user, a stable fake for an unknown one.
        let pre = |u: &str| {
            c.post(url("/v1/accounts/prelogin"))
                .json(&p::PreloginRequest { username: u.into() })
                .send()
        };
        assert_eq!(
            pre("erin")
                .await
                .unwrap()
                .json::<p::PreloginResponse>()
                .await
                .unwrap()
                .salt,
            hex::encode([9u8; 16])
        );
        let fake1: p::PreloginResponse = pre("nobody").await.unwrap().json().await.unwrap();
        let fake2: p::PreloginResponse = pre("nobody").await.unwrap().json().await.unwrap();
        assert_eq!(fake1, fake2);

        let login = |key: [u8; 32]| {
            c.post(url("/v1/accounts/login"))
                .json(&p::LoginRequest {
                    username: "erin".into(),
                    auth_key: hex::encode(key),
                    device_name: "second".into(),
                })
                .send()
        };
        assert_eq!(login([6; 32]).await.unwrap().status().as_u16(), 401);
        let unknown = c
            .post(url("/v1/accounts/login"))
            .json(&p::LoginRequest {
                username: "nobody".into(),
                auth_key: hex::encode([5u8; 32]),
                device_name: "x".into(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status().as_u16(), 401);
        let second: p::SessionResponse = login([5; 32]).await.unwrap().json().await.unwrap();

        let keys: p::AccountKeys = c
            .get(url("/v1/account/keys"))
            .bearer_auth(&second.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(keys.items_keys.len(), 1);
        let devices: p::DeviceList = c
            .get(url("/v1/devices"))
            .bearer_auth(&reg.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(devices.devices.len(), 2);
        // Revoking the second device kills its token at once.
        let r = c
            .post(url("/v1/devices/revoke"))
            .bearer_auth(&reg.token)
            .json(&p::RevokeRequest {
                device_id: second.device_id.clone(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
        let after = c
            .get(url("/v1/account/keys"))
            .bearer_auth(&second.token)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status().as_u16(), 401);
        let other = c
            .post(url("/v1/devices/revoke"))
            .bearer_auth(&reg.token)
            .json(&p::RevokeRequest {
                device_id: "nope".into(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(other.status().as_u16(), 404);
        let garbage = c
            .post(url("/v1/sync/pull"))
            .bearer_auth(&reg.token)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(garbage.status().as_u16(), 400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_limits_and_pagination() {
    for s in servers(|c| {
        c.token_ttl_hours = 0;
    })
    .await
    {
        let c = reqwest::Client::new();
        let reg: p::SessionResponse = c
            .post(format!("{}/v1/accounts/register", s.base))
            .json(&register_body("finn", [1; 32]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = c
            .get(format!("{}/v1/account/keys", s.base))
            .bearer_auth(&reg.token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            401,
            "a token with zero lifetime is expired"
        );
    }
    for s in servers(|c| {
        c.rate_per_second = 1;
        c.rate_burst = 3;
        c.max_body_bytes = 64 * 1024;
    })
    .await
    {
        let c = reqwest::Client::new();
        let reg: p::SessionResponse = c
            .post(format!("{}/v1/accounts/register", s.base))
            .json(&register_body("gina", [1; 32]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let big = "A".repeat(200 * 1024);
        let r = c
            .post(format!("{}/v1/sync/push", s.base))
            .bearer_auth(&reg.token)
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 413);
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(
                c.post(format!("{}/v1/sync/pull", s.base))
                    .bearer_auth(&reg.token)
                    .json(&p::PullRequest {
                        cursor: 0,
                        limit: 10,
                    })
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        assert!(statuses.contains(&429), "{statuses:?}");
    }
    for s in servers(|_| {}).await {
        let c = reqwest::Client::new();
        let reg: p::SessionResponse = c
            .post(format!("{}/v1/accounts/register", s.base))
            .json(&register_body("hana", [1; 32]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mutations = (1..=25u64)
            .map(|i| p::Mutation {
                mutation_seq: i,
                id: format!("{i:032x}"),
                kind: "mood".into(),
                base_seq: 0,
                blob: b64.encode([i as u8; 40]),
                deleted: i == 25,
            })
            .collect();
        let pushed: p::PushResponse = c
            .post(format!("{}/v1/sync/push", s.base))
            .bearer_auth(&reg.token)
            .json(&p::PushRequest { mutations })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(pushed.results.len(), 25);
        let (mut cursor, mut seen, mut pages) = (0, 0, 0);
        loop {
            let page: p::PullResponse = c
                .post(format!("{}/v1/sync/pull", s.base))
                .bearer_auth(&reg.token)
                .json(&p::PullRequest { cursor, limit: 10 })
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            seen += page.records.len();
            pages += 1;
            assert!(page
                .records
                .windows(2)
                .all(|w| w[0].server_seq < w[1].server_seq));
            cursor = page.next_cursor;
            if !page.more {
                assert!(
                    page.records.last().is_some_and(|r| r.deleted),
                    "the tombstone comes last"
                );
                break;
            }
        }
        assert_eq!((seen, pages), (25, 3));
        let bad_id = p::PushRequest {
            mutations: vec![p::Mutation {
                mutation_seq: 99,
                id: "not-hex".into(),
                kind: "mood".into(),
                base_seq: 0,
                blob: String::new(),
                deleted: false,
            }],
        };
        let r = c
            .post(format!("{}/v1/sync/push", s.base))
            .bearer_auth(&reg.token)
            .json(&bad_id)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
    }
}
