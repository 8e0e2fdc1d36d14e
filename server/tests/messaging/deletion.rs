//! Account deletion over HTTP (`POST /v1/account/delete`), checked by scanning every column of
//! every table of the database for the deleted account's id, name and device ids.

use std::collections::BTreeMap;

use super::*;

/// Hits of a scan: `(table, column, needle)` → rows whose value contains the needle.
type Hits = BTreeMap<(String, String, String), i64>;

/// Every table the server creates; the scan must see all of them (and may see more).
const TABLES: &[&str] = &[
    "meta",
    "accounts",
    "items_keys",
    "devices",
    "tokens",
    "records",
    "profiles",
    "links",
    "device_identities",
    "one_time_keys",
    "mailbox",
    "device_lists",
    "fallback_keys",
    "mailbox_expired",
];

/// Columns of the other party's rows that may name the deleted account until that party
/// takes them in: the sender of a message still waiting in their mailbox, and the peer of
/// their own expiry notices.
const PEER_COPY_COLUMNS: &[(&str, &str)] = &[
    ("mailbox", "sender_account"),
    ("mailbox", "sender_device"),
    ("mailbox_expired", "peer_account"),
    ("mailbox_expired", "peer_device"),
];

/// Scans every column of every table (found in the schema, not listed here) for each needle,
/// returning the tables seen and the non-zero hits.
async fn scan(url: &str, needles: &[String]) -> (Vec<String>, Hits) {
    let mut hits = Hits::new();
    let mut tables = Vec::new();
    if let Some(path) = url.strip_prefix("sqlite:") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in names {
            let columns: Vec<String> = conn
                .prepare(&format!("PRAGMA table_info(\"{table}\")"))
                .unwrap()
                .query_map([], |r| r.get(1))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for column in columns {
                for needle in needles {
                    let n: i64 = conn
                        .query_row(
                            &format!(
                                "SELECT count(*) FROM \"{table}\"
                                 WHERE instr(CAST(\"{column}\" AS BLOB), CAST(?1 AS BLOB)) > 0"
                            ),
                            [needle],
                            |r| r.get(0),
                        )
                        .unwrap();
                    if n > 0 {
                        hits.insert((table.clone(), column.clone(), needle.clone()), n);
                    }
                }
            }
            tables.push(table);
        }
    } else {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        let columns = client
            .query(
                "SELECT table_name::text, column_name::text, data_type::text
                 FROM information_schema.columns WHERE table_schema = 'public'
                 ORDER BY table_name, column_name",
                &[],
            )
            .await
            .unwrap();
        for row in &columns {
            let (table, column, kind): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            for needle in needles {
                let n: i64 = if kind == "bytea" {
                    let sql = format!(
                        "SELECT count(*) FROM \"{table}\" WHERE position($1::bytea in \"{column}\") > 0"
                    );
                    client
                        .query_one(&sql, &[&needle.as_bytes()])
                        .await
                        .unwrap()
                        .get(0)
                } else {
                    let sql = format!(
                        "SELECT count(*) FROM \"{table}\" WHERE strpos(\"{column}\"::text, $1) > 0"
                    );
                    client.query_one(&sql, &[needle]).await.unwrap().get(0)
                };
                if n > 0 {
                    hits.insert((table.clone(), column.clone(), needle.clone()), n);
                }
            }
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
        drop(client);
        let _ = driver.await;
    }
    (tables, hits)
}

/// The tables with at least one hit.
fn tables_hit(hits: &Hits) -> std::collections::BTreeSet<&str> {
    hits.keys().map(|(t, _, _)| t.as_str()).collect()
}

/// Publishes the device's identity `tag` with one-time keys, a fallback key and an account
/// signature; with `list`, also the account's signed device list naming those devices.
async fn publish_everything(api: &Api, token: &str, tag: u8, list: Option<Vec<String>>) {
    let r = api.publish(token, tag, 0..3).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let mut body = upload(tag, 0..0);
    body.fallback_key = Some(otk(tag, 200));
    body.account_signature = Some(m::WireDeviceSignature {
        account_key: B64.encode([tag; 32]),
        signature: B64.encode([tag; 64]),
    });
    body.device_list = list.map(|device_ids| m::WireDeviceList {
        version: 1,
        device_ids,
        account_key: B64.encode([tag; 32]),
        signature: B64.encode([tag; 64]),
    });
    let r = api.put("/v1/keys/device", token, &body).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

/// Pushes two records and uploads an items key for the account of `token`.
async fn records_and_keys(api: &Api, token: &str) {
    let keys = p::ItemsKeysUpload {
        items_keys: vec![p::WireItemsKey {
            key_id: 2,
            wrapped: B64.encode([5u8; 60]),
        }],
    };
    let r = api.put("/v1/account/items-keys", token, &keys).await;
    assert_eq!(r.status().as_u16(), 204);
    let mutations = (1..=2u64)
        .map(|i| p::Mutation {
            mutation_seq: i,
            id: format!("{i:032x}").parse().unwrap(),
            kind: "journal".into(),
            base_seq: 0,
            blob: p::B64Bytes::new(vec![i as u8; 48]).unwrap(),
            deleted: false,
        })
        .collect();
    let r: p::PushResponse = ok(api
        .post("/v1/sync/push", token, &p::PushRequest { mutations })
        .await)
    .await;
    assert_eq!(r.results.len(), 2);
}

async fn delete(api: &Api, token: &str, key: &str) -> reqwest::Response {
    api.post(
        "/v1/account/delete",
        token,
        &p::DeleteAccountRequest {
            current_auth_key: key.into(),
        },
    )
    .await
}

/// Takes in everything waiting for the device of `token` (messages and expiry notices) and
/// acknowledges it, as a device does after storing it.
async fn take_in(api: &Api, token: &str) {
    let inbox = api.inbox(token, 500).await;
    let r = api
        .post(
            "/v1/messages/ack",
            token,
            &m::AckRequest {
                ids: inbox.messages.iter().map(|m| m.id).collect(),
                expired: inbox.expired.iter().map(|e| e.id).collect(),
            },
        )
        .await;
    assert_eq!(r.status().as_u16(), 204);
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub(crate) async fn account_deletion_removes_every_row_of_the_account(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let storage = api.s.db.storage().await;
    // X (a therapist, deleted below) with three devices, one of them revoked; Y (its client,
    // who stays) with two.
    let x1 = api.register("zed-gone-7f3a").await;
    let x2 = api.login("zed-gone-7f3a", "x-tablet").await;
    let x3 = api.login("zed-gone-7f3a", "x-old-phone").await;
    let y1 = api.register("yara-stays-2b9c").await;
    let y2 = api.login("yara-stays-2b9c", "y-tablet").await;
    let good_key = hex::encode([7u8; 32]);
    for t in [&x1.token, &y1.token] {
        records_and_keys(&api, t).await;
    }
    api.profile(
        &x1.token,
        &profile("Dr Zed Gone", "", &["anxiety"], &["en"]),
    )
    .await;
    api.profile(&y1.token, &profile("Yara Stays", "", &["anxiety"], &["en"]))
        .await;
    let x_devices = vec![x1.device_id.clone(), x2.device_id.clone()];
    let y_devices = vec![y1.device_id.clone(), y2.device_id.clone()];
    publish_everything(&api, &x1.token, 10, Some(x_devices.clone())).await;
    publish_everything(&api, &x2.token, 11, None).await;
    publish_everything(&api, &x3.token, 12, None).await;
    publish_everything(&api, &y1.token, 20, Some(y_devices.clone())).await;
    publish_everything(&api, &y2.token, 21, None).await;
    let link = api.link(&y1, &x1).await;
    let revoke = p::RevokeRequest {
        device_id: x3.device_id.clone(),
        all_other_devices: false,
        current_auth_key: Some(good_key.clone().into()),
        account_proof: None,
    };
    assert_eq!(
        api.post("/v1/devices/revoke", &x1.token, &revoke)
            .await
            .status()
            .as_u16(),
        204
    );
    // Messages both ways and to one's own other device; the first round expires (leaving
    // notices for recipients and senders), the second stays in the mailboxes.
    let (x, y) = (&x1.account_id, &y1.account_id);
    let y_devs: Vec<&str> = y_devices.iter().map(String::as_str).collect();
    let x_devs: Vec<&str> = x_devices.iter().map(String::as_str).collect();
    for round in ["a", "b"] {
        for (token, to, devices, cmid) in [
            (&x1.token, y, &y_devs[..], format!("{round}-x-to-y")),
            (&y1.token, x, &x_devs[..], format!("{round}-y-to-x")),
            (&x2.token, x, &x_devs[..1], format!("{round}-x-to-self")),
        ] {
            let r = api.send(token, to, &cmid, devices).await;
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
        if round == "a" {
            assert_eq!(storage.purge_expired(unix_now() + 10).await.unwrap(), 5);
        }
    }

    let x_needles: Vec<String> = vec![
        x.clone(),
        "zed-gone-7f3a".into(),
        x1.device_id.clone(),
        x2.device_id.clone(),
        x3.device_id.clone(),
    ];
    let y_needles: Vec<String> = vec![
        y.clone(),
        "yara-stays-2b9c".into(),
        y1.device_id.clone(),
        y2.device_id.clone(),
    ];
    let (tables, before) = scan(&api.s.db.url, &x_needles).await;
    for table in TABLES {
        assert!(
            tables.iter().any(|t| t == table),
            "{backend:?}: the scan missed {table}"
        );
    }
    // The setup really put X into every table that can hold an account's rows.
    let hit = tables_hit(&before);
    for table in TABLES.iter().filter(|t| **t != "meta") {
        assert!(hit.contains(table), "{backend:?}: no row of X in {table}");
    }
    let (_, y_before) = scan(&api.s.db.url, &y_needles).await;

    // A stolen token alone, a malformed proof or a wrong passphrase delete nothing.
    let no_token = api
        .send_json(
            reqwest::Method::POST,
            "/v1/account/delete",
            None,
            &p::DeleteAccountRequest {
                current_auth_key: good_key.clone().into(),
            },
        )
        .await;
    err(no_token, 401, "unauthorized").await;
    let r = api
        .post("/v1/account/delete", &x1.token, &serde_json::json!({}))
        .await;
    err(r, 400, "bad_request").await;
    err(delete(&api, &x1.token, "zz").await, 400, "bad_request").await;
    err(
        delete(&api, &x1.token, &hex::encode([8u8; 32])).await,
        403,
        "proof_required",
    )
    .await;
    err(
        delete(&api, &x3.token, &good_key).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        scan(&api.s.db.url, &x_needles).await.1,
        before,
        "{backend:?}: a refused deletion changed something"
    );

    // The passphrase's auth key with a token of any live device deletes the account.
    assert_eq!(
        delete(&api, &x2.token, &good_key).await.status().as_u16(),
        204
    );
    for token in [&x1.token, &x2.token] {
        let r = api
            .c
            .get(api.s.url("/v1/devices"))
            .bearer_auth(token.expose())
            .send()
            .await
            .unwrap();
        err(r, 401, "unauthorized").await;
    }
    let login = api
        .send_json(
            reqwest::Method::POST,
            "/v1/accounts/login",
            None,
            &common::http::login_body("zed-gone-7f3a", [7u8; 32], "again"),
        )
        .await;
    err(login, 401, "unauthorized").await;

    // Y sees the link ended, with X anonymised; Y's own data is all there.
    let links: m::LinkList = ok(api
        .c
        .get(api.s.url("/v1/links"))
        .bearer_auth(y1.token.expose())
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(links.links.len(), 1);
    let ended = &links.links[0];
    assert_eq!(ended.link_id, link.link_id);
    assert_eq!(ended.state, m::LinkState::Ended);
    assert_eq!(
        (ended.therapist_id.as_str(), ended.therapist_name.as_str()),
        (m::DELETED_ACCOUNT, "")
    );
    assert_eq!(
        (&ended.client_id, ended.client_name.as_str()),
        (y, "yara-stays-2b9c")
    );
    let r = api.send(&y1.token, x, "after", &x_devs).await;
    assert!(
        !r.status().is_success(),
        "nothing flows to a deleted account"
    );
    let pulled: p::PullResponse = ok(api
        .post(
            "/v1/sync/pull",
            &y1.token,
            &p::PullRequest {
                cursor: 0,
                limit: 10,
            },
        )
        .await)
    .await;
    assert_eq!(pulled.records.len(), 2);
    assert_eq!(
        api.search(&y1.token, m::DirectoryQuery::default()).await,
        ["Yara Stays"]
    );
    // Y's rows are untouched, except that X's rows naming Y (Y's messages in X's mailbox and
    // X's notices about them) went with X.
    let (_, y_after) = scan(&api.s.db.url, &y_needles).await;
    let own = |hits: &Hits| -> Hits {
        hits.iter()
            .filter(|((t, c, _), _)| !PEER_COPY_COLUMNS.contains(&(t.as_str(), c.as_str())))
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    assert_eq!(
        own(&y_after),
        own(&y_before),
        "{backend:?}: Y's rows changed"
    );

    // What still names X is Y's copy only: X's messages waiting in Y's mailbox and Y's
    // notices about expired ones.
    let (_, left) = scan(&api.s.db.url, &x_needles).await;
    assert!(
        !left.is_empty(),
        "{backend:?}: Y's copy of X's messages is kept"
    );
    for (t, c, _) in left.keys() {
        assert!(
            PEER_COPY_COLUMNS.contains(&(t.as_str(), c.as_str())),
            "{backend:?}: X is still in {t}.{c}: {left:?}"
        );
    }
    // Y's first device takes its messages in; those of the second expire (which must leave
    // no notice for X's deleted device), then it takes the notices in.
    take_in(&api, &y1.token).await;
    assert_eq!(storage.purge_expired(unix_now() + 10).await.unwrap(), 1);
    take_in(&api, &y2.token).await;
    let (_, after) = scan(&api.s.db.url, &x_needles).await;
    assert!(
        after.is_empty(),
        "{backend:?}: X is still stored: {after:?}"
    );
    // Deleting again is refused: the token is gone with the account.
    err(
        delete(&api, &x1.token, &good_key).await,
        401,
        "unauthorized",
    )
    .await;
}

pub(crate) async fn wrong_deletion_proofs_back_off_like_logins(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let x = api.register("guessed-at").await;
    for i in 0..5u8 {
        err(
            delete(&api, &x.token, &hex::encode([100 + i; 32])).await,
            403,
            "proof_required",
        )
        .await;
    }
    // Five wrong guesses: even the right key waits now (the name backs off like a login).
    let good_key = hex::encode([7u8; 32]);
    err(delete(&api, &x.token, &good_key).await, 429, "rate_limited").await;
    let login = api
        .send_json(
            reqwest::Method::POST,
            "/v1/accounts/login",
            None,
            &common::http::login_body("guessed-at", [7u8; 32], "again"),
        )
        .await;
    err(login, 429, "rate_limited").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        delete(&api, &x.token, &good_key).await.status().as_u16(),
        204
    );
}

/// Writes that reach storage after the account was deleted (a request already on its way
/// when the deletion ran) store nothing, and deleting an unknown account changes nothing.
pub(crate) async fn storage_writes_after_a_deletion_store_nothing(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (gone, gone_devices) = account(&*s, "late-writer-5d1e", 2).await;
    let (stays, _) = account(&*s, "stays-put-8c2a", 1).await;
    assert!(!s.delete_account("acct-nobody").await.unwrap());
    assert!(s.delete_account(&gone).await.unwrap());
    assert!(!s.delete_account(&gone).await.unwrap(), "deleted once");
    let pr = profile("Late Writer", "", &[], &[]);
    assert!(matches!(
        s.put_profile(&gone, &pr).await,
        Err(StorageError::Gone)
    ));
    assert!(matches!(
        s.add_items_keys(&gone, vec![(3, vec![1; 40])]).await,
        Err(StorageError::Gone)
    ));
    let list = m::WireDeviceList {
        version: 1,
        device_ids: gone_devices.clone(),
        account_key: B64.encode([1u8; 32]),
        signature: B64.encode([1u8; 64]),
    };
    assert!(!s.put_device_list(&gone, &list).await.unwrap());
    for (client, therapist) in [(&gone, &stays), (&stays, &gone)] {
        let link = StoredLink {
            link_id: format!("late-{client}"),
            client_id: client.clone(),
            client_name: "late-writer-5d1e".into(),
            therapist_id: therapist.clone(),
            therapist_name: "t".into(),
            state: m::LinkState::Pending,
            created_at: NOW,
        };
        assert!(matches!(
            s.create_link(&link).await,
            Err(StorageError::Gone)
        ));
    }
    assert!(!s
        .add_token(&gone, &gone_devices[0], "late-token", NOW + 60, NOW)
        .await
        .unwrap());
    let mut needles = vec![gone.clone(), "late-writer-5d1e".to_owned()];
    needles.extend(gone_devices);
    let (_, hits) = scan(&db.url, &needles).await;
    assert!(hits.is_empty(), "{backend:?}: {hits:?}");
    assert_eq!(
        s.username_of(&stays).await.unwrap().as_deref(),
        Some("stays-put-8c2a")
    );
}
