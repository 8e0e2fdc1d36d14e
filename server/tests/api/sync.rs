//! Sync semantics over the wire: the push rule, pagination and tombstones.

use super::*;

pub(crate) async fn sync_rules_over_http(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let laptop = api.register("gwen", 1).await;
    let phone: p::SessionResponse = ok(api
        .post(
            "/v1/accounts/login",
            None,
            &login_body("gwen", [1; 32], "phone"),
        )
        .await)
    .await;

    let batch = vec![mutation(1, 1, 0, b"one"), mutation(2, 2, 0, b"two")];
    assert_eq!(
        api.push(&laptop.token, batch.clone()).await,
        vec![applied(1, 1), applied(2, 2)]
    );
    // The same batch again (lost answer): applied once, answered as the first time.
    let retry = api.push(&laptop.token, batch).await;
    assert_eq!(retry, vec![applied(1, 1), applied(2, 2)]);
    // The response carries the device's counter.
    let resp: p::PushResponse = ok(api
        .post(
            "/v1/sync/push",
            Some(&laptop.token),
            &p::PushRequest { mutations: vec![] },
        )
        .await)
    .await;
    assert_eq!(resp.last_mutation_seq, Some(2));
    // The phone pulls, then the laptop edits record 1; the phone's edit on the old base conflicts
    // and carries the server copy.
    let page = api.pull(&phone.token, 0, 100).await;
    assert_eq!(
        (page.records.len(), page.next_cursor, page.more),
        (2, 2, false)
    );
    assert_eq!(
        api.push(&laptop.token, vec![mutation(3, 1, 1, b"one v2")])
            .await,
        vec![applied(3, 3)]
    );
    let r = api
        .push(&phone.token, vec![mutation(1, 1, 1, b"phone edit")])
        .await;
    match &r[0] {
        p::MutationResult::Conflict {
            mutation_seq: 1,
            current,
        } => {
            assert_eq!(
                (current.server_seq, current.blob.clone()),
                (3, B64.encode(b"one v2"))
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Uploading the identical blob on a stale base is success at the stored version.
    assert_eq!(
        api.push(&phone.token, vec![mutation(2, 1, 1, b"one v2")])
            .await,
        vec![applied(2, 3)]
    );
    // Reordered and repeated mutation numbers are not applied twice.
    let r = api
        .push(
            &phone.token,
            vec![
                mutation(10, 5, 0, b"ten"),
                mutation(9, 6, 0, b"nine"),
                mutation(10, 7, 0, b"ten"),
            ],
        )
        .await;
    assert_eq!(
        r,
        vec![
            applied(10, 4),
            p::MutationResult::Duplicate {
                mutation_seq: 9,
                server_seq: 0
            },
            p::MutationResult::Duplicate {
                mutation_seq: 10,
                server_seq: 0
            },
        ]
    );
    let page = api.pull(&laptop.token, 2, 100).await;
    assert_eq!(
        page.records
            .iter()
            .map(|r| r.server_seq)
            .collect::<Vec<_>>(),
        vec![3, 4]
    );
    let devices: p::DeviceList = ok(api.get("/v1/devices", &laptop.token).await).await;
    assert_eq!(
        devices
            .devices
            .iter()
            .map(|d| d.last_mutation_seq)
            .collect::<Vec<_>>(),
        vec![3, 10]
    );
}

pub(crate) async fn pagination_and_tombstones(backend: Backend) {
    let Some(api) = Api::start(backend, |_| {}).await else {
        return;
    };
    let reg = api.register("olga", 1).await;
    let mutations = (1..=25u64)
        .map(|i| p::Mutation {
            deleted: i == 25,
            ..mutation(i, i, 0, &[i as u8; 40])
        })
        .collect();
    assert_eq!(api.push(&reg.token, mutations).await.len(), 25);
    let (mut cursor, mut seen, mut pages) = (0, 0, 0);
    loop {
        let page = api.pull(&reg.token, cursor, 10).await;
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
    assert_eq!((seen, pages, cursor), (25, 3, 25));
    // Limit 0 is clamped up to 1.
    let page = api.pull(&reg.token, 0, 0).await;
    assert_eq!((page.records.len(), page.more), (1, true));
    // Deleting a record moves it to the end with a new sequence number.
    let mut tomb = mutation(26, 3, 3, b"");
    tomb.deleted = true;
    assert_eq!(
        api.push(&reg.token, vec![tomb]).await,
        vec![applied(26, 26)]
    );
    let page = api.pull(&reg.token, 25, 10).await;
    assert_eq!(page.records.len(), 1);
    assert!(page.records[0].deleted && page.records[0].id == format!("{:032x}", 3));
}
