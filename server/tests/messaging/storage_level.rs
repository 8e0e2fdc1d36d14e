//! Messaging storage below HTTP: TTL expiry, concurrent claims, links.

use super::*;

pub(crate) async fn account(s: &dyn Storage, name: &str, devices: usize) -> (String, Vec<String>) {
    let account_id = format!("acct-{name}");
    let ids: Vec<String> = (1..=devices).map(|i| format!("dev-{name}-{i}")).collect();
    let device = |id: &str| NewDevice {
        device_id: id.into(),
        name: "d".into(),
        token_hash: format!("token-{id}"),
        expires_at: NOW + 3600,
    };
    s.create_account(
        NewAccount {
            account_id: account_id.clone(),
            username: name.into(),
            auth_hash: "$argon2id$stub".into(),
            kdf: p::WireKdf {
                memory_kib: 65536,
                iterations: 3,
                parallelism: 1,
            },
            salt: "00".repeat(16),
            wrapped_account_key: vec![1; 40],
            items_keys: vec![],
            recovery_wrap: None,
            proof_verifier: None,
        },
        device(&ids[0]),
    )
    .await
    .unwrap();
    for id in &ids[1..] {
        s.add_device(&account_id, device(id)).await.unwrap();
    }
    (account_id, ids)
}

pub(crate) fn message(
    from: (&str, &str),
    to: &str,
    cmid: &str,
    devices: &[&str],
    now: i64,
    ttl_secs: i64,
) -> NewMessage {
    NewMessage {
        sender_account: from.0.into(),
        sender_device: from.1.into(),
        recipient_account: to.into(),
        client_message_id: cmid.into(),
        sender_key: B64.encode([42u8; 32]),
        envelopes: devices
            .iter()
            .map(|d| NewEnvelope {
                device_id: (*d).into(),
                kind: 1,
                body: B64.encode(cmid),
            })
            .collect(),
        now,
        mailbox_cap: 3,
        sender_cap: 3,
        ttl_secs,
    }
}

pub(crate) async fn storage_ttl_expires_messages(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (a, ad) = account(&*s, "ana", 1).await;
    let (b, bd) = account(&*s, "ben", 1).await;
    let ttl = 100;
    s.deposit(message((&a, &ad[0]), &b, "old", &[&bd[0]], NOW, ttl))
        .await
        .unwrap();
    s.deposit(message((&a, &ad[0]), &b, "new", &[&bd[0]], NOW + 50, ttl))
        .await
        .unwrap();
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 100, ttl).await.unwrap();
    assert_eq!(msgs.len(), 2, "exactly ttl old is kept");
    let (msgs, more) = s.inbox(&bd[0], 10, NOW + 101, ttl).await.unwrap();
    assert_eq!(
        msgs.iter()
            .map(|m| m.client_message_id.as_str())
            .collect::<Vec<_>>(),
        ["new"]
    );
    assert!(!more);
    assert_eq!(msgs[0].received_at, NOW + 50);
    // Both ends are told: the recipient from whom and when, the sender which message.
    let seen = |notices: &[m::ExpiredMessage]| -> Vec<(bool, String, String, String, i64)> {
        notices
            .iter()
            .map(|n| {
                (
                    n.outbound,
                    n.peer_account.clone(),
                    n.peer_device.clone(),
                    n.client_message_id.clone(),
                    n.sent_at,
                )
            })
            .collect()
    };
    let told = s.expiry_notices(&bd[0], 10).await.unwrap();
    assert_eq!(
        seen(&told),
        [(false, a.clone(), ad[0].clone(), "old".into(), NOW)]
    );
    let sender = s.expiry_notices(&ad[0], 10).await.unwrap();
    assert_eq!(
        seen(&sender),
        [(true, b.clone(), bd[0].clone(), "old".into(), NOW)]
    );
    // Acknowledged notices go; another device's ids are ignored.
    assert_eq!(
        s.ack_expiry_notices(&ad[0], &[told[0].id]).await.unwrap(),
        0
    );
    assert_eq!(
        s.ack_expiry_notices(&bd[0], &[told[0].id]).await.unwrap(),
        1
    );
    assert!(s.expiry_notices(&bd[0], 10).await.unwrap().is_empty());
    assert_eq!(
        s.ack_expiry_notices(&ad[0], &[sender[0].id]).await.unwrap(),
        1
    );
    // Expired messages are really gone (also for a later look with a long TTL).
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 101, 1_000_000).await.unwrap();
    assert_eq!(msgs.len(), 1);
    // Expired messages do not count against the cap (3): fill, then expire, then send again.
    for i in 0..2 {
        s.deposit(message(
            (&a, &ad[0]),
            &b,
            &format!("f{i}"),
            &[&bd[0]],
            NOW + 60,
            ttl,
        ))
        .await
        .unwrap();
    }
    assert!(matches!(
        s.deposit(message((&a, &ad[0]), &b, "over", &[&bd[0]], NOW + 60, ttl))
            .await,
        Err(StorageError::MailboxFull)
    ));
    let out = s
        .deposit(message(
            (&a, &ad[0]),
            &b,
            "later",
            &[&bd[0]],
            NOW + 500,
            ttl,
        ))
        .await
        .unwrap();
    assert_eq!(out.newly_queued, [(bd[0].clone(), 1)]);
    // Ack only touches the named device's rows.
    let (msgs, _) = s.inbox(&bd[0], 10, NOW + 500, ttl).await.unwrap();
    assert_eq!(s.ack(&ad[0], &[msgs[0].id]).await.unwrap(), 0);
    assert_eq!(s.ack(&bd[0], &[msgs[0].id, msgs[0].id]).await.unwrap(), 1);
    // The all-mailbox sweep removes what nobody reads any more.
    s.deposit(message((&b, &bd[0]), &a, "x1", &[&ad[0]], NOW + 600, ttl))
        .await
        .unwrap();
    s.deposit(message((&b, &bd[0]), &a, "x2", &[&ad[0]], NOW + 700, ttl))
        .await
        .unwrap();
    // Copies between one account's own devices expire without notices.
    let (c, cd) = account(&*s, "cat", 2).await;
    s.deposit(message((&c, &cd[0]), &c, "self", &[&cd[1]], NOW + 600, ttl))
        .await
        .unwrap();
    assert_eq!(s.purge_expired(NOW + 650).await.unwrap(), 2);
    let (msgs, _) = s.inbox(&ad[0], 10, NOW + 700, 1_000_000).await.unwrap();
    assert_eq!(msgs.len(), 1);
    let swept = seen(&s.expiry_notices(&ad[0], 10).await.unwrap());
    assert_eq!(
        swept.last(),
        Some(&(false, b.clone(), bd[0].clone(), "x1".to_owned(), NOW + 600))
    );
    for device in &cd {
        assert!(s.expiry_notices(device, 10).await.unwrap().is_empty());
    }
    assert_eq!(msgs[0].client_message_id, "x2");
}

pub(crate) async fn storage_concurrent_claims_never_share_a_key(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (t, td) = account(&*s, "tess", 2).await;
    let (_c, _) = account(&*s, "carl", 1).await;
    for (tag, d) in td.iter().enumerate() {
        let keys: Vec<_> = (0..40).map(|i| otk(tag as u8, i)).collect();
        let n = s
            .publish_keys(&t, d, &identity(tag as u8), &keys, None, None)
            .await
            .unwrap();
        assert_eq!(n.one_time_keys, 40);
    }
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let s = Arc::clone(&s);
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..5 {
                for d in s.claim_keys(&t, None, None).await.unwrap() {
                    if let Some(k) = d.one_time_key {
                        got.push((d.device_id, k.key));
                    }
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a one-time key was handed out twice"
    );
    assert_eq!(
        all.len(),
        80,
        "60 claims per device, 40 keys each: all handed out"
    );
    // Exhausted now; the count from an empty upload agrees.
    assert_eq!(
        s.publish_keys(&t, &td[0], &identity(0), &[], None, None)
            .await
            .unwrap()
            .one_time_keys,
        0
    );
    let excluded = s.claim_keys(&t, Some(&td[0]), None).await.unwrap();
    assert_eq!(
        excluded
            .iter()
            .map(|d| d.device_id.clone())
            .collect::<Vec<_>>(),
        [td[1].clone()]
    );
    // Identity is fixed once set.
    assert!(matches!(
        s.publish_keys(&t, &td[0], &identity(7), &[], None, None)
            .await,
        Err(StorageError::Conflict)
    ));
    // The account identity's signature is stored as given, replaced by a later one, and
    // handed out with the device; a device that never sent one has none.
    let first = solace_protocol::messaging::WireDeviceSignature {
        account_key: "a2V5LTE=".into(),
        signature: "c2lnLTE=".into(),
    };
    let second = solace_protocol::messaging::WireDeviceSignature {
        account_key: "a2V5LTI=".into(),
        signature: "c2lnLTI=".into(),
    };
    for sig in [&first, &second] {
        s.publish_keys(&t, &td[0], &identity(0), &[], Some(sig), None)
            .await
            .unwrap();
    }
    s.publish_keys(&t, &td[0], &identity(0), &[], None, None)
        .await
        .unwrap();
    let listed = s.claim_keys(&t, None, None).await.unwrap();
    assert_eq!(listed[0].account_signature.as_ref(), Some(&second));
    assert_eq!(listed[1].account_signature, None);
    // Signed device lists: only the next version is kept, never an older or equal one.
    let list = |version: u64, ids: &[&str]| solace_protocol::messaging::WireDeviceList {
        version,
        device_ids: ids.iter().map(|s| s.to_string()).collect(),
        account_key: "a2V5".into(),
        signature: format!("sig-{version}"),
    };
    assert_eq!(s.device_list(&t).await.unwrap(), None);
    assert!(!s.put_device_list(&t, &list(2, &["x"])).await.unwrap());
    assert!(s.put_device_list(&t, &list(1, &["a"])).await.unwrap());
    assert!(!s.put_device_list(&t, &list(1, &["b"])).await.unwrap());
    assert!(s.put_device_list(&t, &list(2, &["a", "c"])).await.unwrap());
    assert!(!s.put_device_list(&t, &list(2, &["z"])).await.unwrap());
    assert!(!s.put_device_list(&t, &list(4, &["z"])).await.unwrap());
    assert_eq!(s.device_list(&t).await.unwrap(), Some(list(2, &["a", "c"])));
}

pub(crate) async fn storage_links_and_linked(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (a, _) = account(&*s, "ana", 1).await;
    let (b, _) = account(&*s, "ben", 1).await;
    let link = |id: &str, client: &str, therapist: &str, at: i64| StoredLink {
        link_id: id.into(),
        client_id: client.into(),
        client_name: "c".into(),
        therapist_id: therapist.into(),
        therapist_name: "t".into(),
        state: m::LinkState::Pending,
        created_at: at,
    };
    assert_eq!(s.username_of(&a).await.unwrap().as_deref(), Some("ana"));
    assert_eq!(s.username_of("nobody").await.unwrap(), None);
    s.create_link(&link("l1", &a, &b, NOW)).await.unwrap();
    // A second open link between the pair, in either role, is a conflict.
    assert!(matches!(
        s.create_link(&link("l2", &a, &b, NOW)).await,
        Err(StorageError::Conflict)
    ));
    assert!(matches!(
        s.create_link(&link("l3", &b, &a, NOW)).await,
        Err(StorageError::Conflict)
    ));
    assert!(!s.linked(&a, &b).await.unwrap());
    // Conditional transitions.
    assert!(!s
        .set_link_state("l1", Some(m::LinkState::Active), m::LinkState::Ended)
        .await
        .unwrap());
    assert!(s
        .set_link_state("l1", Some(m::LinkState::Pending), m::LinkState::Active)
        .await
        .unwrap());
    assert!(s.linked(&a, &b).await.unwrap() && s.linked(&b, &a).await.unwrap());
    assert!(!s.linked(&a, &a).await.unwrap());
    assert!(!s
        .set_link_state("nope", None, m::LinkState::Ended)
        .await
        .unwrap());
    assert!(s
        .set_link_state("l1", None, m::LinkState::Ended)
        .await
        .unwrap());
    assert!(!s.linked(&a, &b).await.unwrap());
    // After the end a new link is possible; newest first (ties broken by insertion).
    s.create_link(&link("l4", &b, &a, NOW)).await.unwrap();
    let ids: Vec<_> = s
        .links_for(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.link_id)
        .collect();
    assert_eq!(ids, ["l4", "l1"]);
    assert_eq!(s.links_for(&b).await.unwrap().len(), 2);
    assert_eq!(
        s.link("l1").await.unwrap().unwrap().state,
        m::LinkState::Ended
    );
    assert!(s.link("zzz").await.unwrap().is_none());
    // Profiles.
    assert!(s.profile(&a).await.unwrap().is_none());
    let pr = profile("Ana", "bio", &["x"], &["en"]);
    s.put_profile(&a, &pr).await.unwrap();
    assert_eq!(s.profile(&a).await.unwrap(), Some(pr.clone()));
    assert_eq!(s.all_profiles().await.unwrap(), vec![(a.clone(), pr)]);
}

pub(crate) async fn storage_fallback_keys_and_targeted_claims(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (t, td) = account(&*s, "tess", 2).await;
    let first = otk(200, 1);
    let count = s
        .publish_keys(&t, &td[0], &identity(0), &[otk(0, 0)], None, Some(&first))
        .await
        .unwrap();
    assert_eq!((count.one_time_keys, count.fallback_key), (1, true));
    let count = s
        .publish_keys(&t, &td[1], &identity(1), &[otk(1, 0)], None, None)
        .await
        .unwrap();
    assert_eq!((count.one_time_keys, count.fallback_key), (1, false));
    let need0 = [td[0].clone()];
    // Listing only: nothing is taken.
    let listed = s.claim_keys(&t, None, Some(&[])).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|d| d.one_time_key.is_none() && d.fallback_key.is_none()));
    // Only the named device gives a key; the other one keeps its one-time key.
    let claimed = s.claim_keys(&t, None, Some(&need0)).await.unwrap();
    assert_eq!(claimed[0].one_time_key, Some(otk(0, 0)));
    assert!(claimed[0].fallback_key.is_none());
    assert!(claimed[1].one_time_key.is_none());
    // Exhausted: the fallback key is handed out, and stays.
    for _ in 0..3 {
        let claimed = s.claim_keys(&t, None, Some(&need0)).await.unwrap();
        assert!(claimed[0].one_time_key.is_none());
        assert_eq!(claimed[0].fallback_key, Some(first.clone()));
    }
    // An upload replaces it; one without a fallback key keeps the stored one.
    let second = otk(200, 2);
    s.publish_keys(&t, &td[0], &identity(0), &[], None, Some(&second))
        .await
        .unwrap();
    let count = s
        .publish_keys(&t, &td[0], &identity(0), &[], None, None)
        .await
        .unwrap();
    assert!(count.fallback_key);
    let claimed = s.claim_keys(&t, None, Some(&need0)).await.unwrap();
    assert_eq!(claimed[0].fallback_key, Some(second));
    // The second device still has its one-time key (an untargeted claim takes it).
    let claimed = s.claim_keys(&t, None, None).await.unwrap();
    assert_eq!(claimed[1].one_time_key, Some(otk(1, 0)));
    // A revoked device's fallback key goes with it.
    assert!(s.revoke_device(&t, &td[0]).await.unwrap());
    let claimed = s.claim_keys(&t, None, None).await.unwrap();
    assert_eq!(claimed.len(), 1);
}

pub(crate) async fn storage_sender_quota_per_recipient_device(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let s = db.storage().await;
    let (t, td) = account(&*s, "tess", 1).await;
    let (a, ad) = account(&*s, "ann", 1).await;
    let (b, bd) = account(&*s, "bob", 1).await;
    let quota = |mut msg: NewMessage| {
        msg.mailbox_cap = 5;
        msg.sender_cap = 2;
        msg
    };
    let now = 1_800_000_000;
    for i in 0..2 {
        let m = message((&a, &ad[0]), &t, &format!("a{i}"), &[&td[0]], now, 86_400);
        s.deposit(quota(m)).await.unwrap();
    }
    let m = message((&a, &ad[0]), &t, "a2", &[&td[0]], now, 86_400);
    assert!(matches!(
        s.deposit(quota(m)).await,
        Err(StorageError::SenderQuotaFull)
    ));
    // A retry of a stored message is still fine, and another sender still gets through.
    let m = message((&a, &ad[0]), &t, "a1", &[&td[0]], now, 86_400);
    assert_eq!(
        s.deposit(quota(m)).await.unwrap().delivered_to,
        [td[0].clone()]
    );
    let m = message((&b, &bd[0]), &t, "b0", &[&td[0]], now, 86_400);
    assert_eq!(
        s.deposit(quota(m)).await.unwrap().delivered_to,
        [td[0].clone()]
    );
    // Once the recipient acknowledges, the sender may send again.
    let (waiting, _) = s.inbox(&td[0], 10, now, 86_400).await.unwrap();
    s.ack(&td[0], &[waiting[0].id]).await.unwrap();
    let m = message((&a, &ad[0]), &t, "a3", &[&td[0]], now, 86_400);
    assert_eq!(
        s.deposit(quota(m)).await.unwrap().delivered_to,
        [td[0].clone()]
    );
}

/// Two nodes purging the same expired messages at the same moment leave each notice once
/// (on PostgreSQL the notices come from the rows the purge itself deleted).
pub(crate) async fn storage_concurrent_purges_notify_once(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let (one, two) = (db.storage().await, db.storage().await);
    let ttl = 100;
    let (a, ad) = account(one.as_ref(), "purge-a", 1).await;
    let (b, bd) = account(one.as_ref(), "purge-b", 1).await;
    let mut sent = 0;
    for round in 0..5 {
        for k in 0..3 {
            let cmid = format!("r{round}m{k}");
            one.deposit(message(
                (&a, &ad[0]),
                &b,
                &cmid,
                &[&bd[0]],
                NOW + round * 1000,
                ttl,
            ))
            .await
            .unwrap();
            sent += 1;
        }
        let cutoff = NOW + round * 1000 + 1;
        let (x, y) = tokio::join!(one.purge_expired(cutoff), two.purge_expired(cutoff));
        assert_eq!(x.unwrap() + y.unwrap(), 3, "each message expired once");
    }
    let to_recipient = one.expiry_notices(&bd[0], 100).await.unwrap();
    let to_sender = one.expiry_notices(&ad[0], 100).await.unwrap();
    assert_eq!(
        to_recipient.len(),
        sent,
        "one notice per message for the recipient"
    );
    assert_eq!(to_sender.len(), sent, "and one for the sender");
}
