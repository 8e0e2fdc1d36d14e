use super::*;
use crate::messaging::local::tests::store;
use crate::messaging::payload::Payload;

/// A file of `len` bytes that differ from place to place.
fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The attachment parts in the sender's outbox, in order.
fn parts(store: &Store) -> Vec<Payload> {
    store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|(_, bytes)| Payload::decode(&bytes).unwrap())
        .filter(|p| matches!(p.body, Body::Attachment { .. }))
        .collect()
}

/// Feeds one part to `store` as if it came from `peer`, in one transaction like the inbox.
fn take(store: &mut Store, peer: &str, payload: &Payload) -> Result<bool> {
    let Body::Attachment {
        transfer_id,
        index,
        count,
        name,
        media_type,
        size,
        sha256,
        data,
    } = &payload.body
    else {
        panic!("not a part");
    };
    let part = Part {
        transfer_id,
        index: *index,
        count: *count,
        name,
        media_type,
        size: *size,
        sha256,
        data: data.as_bytes(),
    };
    store.atomically(|s| receive_part(s, peer, payload.sent_at, &part))
}

#[test]
fn a_file_goes_out_as_ordered_parts_and_is_assembled_on_the_other_side() {
    let (_a, mut sender) = store();
    let bytes = file(ATTACHMENT_PART_BYTES * 2 + 100);
    let sent = send_attachment(
        &mut sender,
        "acc-dr",
        "report.pdf",
        "application/pdf",
        &bytes,
    )
    .unwrap();
    let sent_parts = parts(&sender);
    assert_eq!(sent_parts.len(), 3);
    assert_eq!(
        sent_parts.last().unwrap().id,
        sent.id,
        "the last part's id is the transfer id"
    );
    for (i, p) in sent_parts.iter().enumerate() {
        assert!(matches!(p.body, Body::Attachment { index, count: 3, .. } if index == i as u32));
        assert!(p.encode().unwrap().len() <= crate::messaging::payload::MAX_PAYLOAD_BYTES);
    }
    let ids: Vec<&str> = sent_parts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids.iter().map(|id| transfer_of(id)).collect::<Vec<_>>(),
        vec![Some(sent.id.as_str()), Some(sent.id.as_str()), None],
        "earlier parts name their transfer"
    );
    // A wedged earlier part is retried through the file's message.
    let (first, _) = sender.outbox().unwrap().remove(0);
    sender.outbox_failed(first.seq, 5, i64::MAX, true).unwrap();
    assert!(crate::messaging::local::retry(&mut sender, &sent.id).unwrap());
    let (first, _) = sender.outbox().unwrap().remove(0);
    assert!(!first.wedged && first.attempts == 0);
    assert_eq!(transfer_of("m-1"), None);
    let (message, kept) = attachment_file(&sender, &sent.id).unwrap();
    assert_eq!(
        (kept.as_slice(), message.outgoing),
        (bytes.as_slice(), true)
    );

    let (_b, mut receiver) = store();
    assert!(!take(&mut receiver, "acc-dr", &sent_parts[0]).unwrap());
    assert!(
        !take(&mut receiver, "acc-dr", &sent_parts[0]).unwrap(),
        "a repeated part changes nothing"
    );
    assert!(matches!(
        attachment_file(&receiver, &sent.id),
        Err(CoreError::Report(ReportError::AttachmentIncomplete))
    ));
    let shown = &crate::messaging::local::messages(&receiver, "acc-dr").unwrap()[0];
    assert!(matches!(
        shown.content,
        MessageContent::Attachment {
            received: 1,
            parts: 3,
            complete: false,
            ..
        }
    ));
    assert!(!take(&mut receiver, "acc-dr", &sent_parts[2]).unwrap());
    assert!(
        take(&mut receiver, "acc-dr", &sent_parts[1]).unwrap(),
        "the last missing part completes it, in any order"
    );
    let (message, got) = attachment_file(&receiver, &sent.id).unwrap();
    assert_eq!(got.as_slice(), bytes.as_slice());
    assert_eq!(message.status, MessageStatus::Unread);
    assert!(
        receiver.device_state_names(PART_PREFIX).unwrap().is_empty(),
        "parts are dropped once assembled"
    );
    assert_eq!(
        crate::messaging::local::messages(&receiver, "acc-dr")
            .unwrap()
            .len(),
        1,
        "one message for the whole file"
    );
}

#[test]
fn a_tampered_file_or_a_part_from_elsewhere_is_refused() {
    let (_a, mut sender) = store();
    let bytes = file(ATTACHMENT_PART_BYTES + 10);
    let sent = send_attachment(
        &mut sender,
        "acc-dr",
        "report.pdf",
        "application/pdf",
        &bytes,
    )
    .unwrap();
    let sent_parts = parts(&sender);

    // Bad digest: every part names the same (wrong) SHA-256, so only assembly can tell.
    let (_b, mut receiver) = store();
    let tampered: Vec<Payload> = sent_parts
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if let Body::Attachment { sha256, .. } = &mut p.body {
                *sha256 = "0".repeat(64);
            }
            p
        })
        .collect();
    take(&mut receiver, "acc-dr", &tampered[0]).unwrap();
    let err = take(&mut receiver, "acc-dr", &tampered[1]).unwrap_err();
    assert!(err.is_peer_fault(), "{err:?}");
    assert!(matches!(
        attachment_file(&receiver, &sent.id),
        Err(CoreError::Report(ReportError::AttachmentIncomplete))
    ));

    // A part of the same transfer from another conversation, or describing another file.
    let (_c, mut other) = store();
    crate::messaging::local::ensure_conversation(&mut other, "acc-eve", "Eve", "link-2").unwrap();
    take(&mut other, "acc-dr", &sent_parts[0]).unwrap();
    let err = take(&mut other, "acc-eve", &sent_parts[1]).unwrap_err();
    assert!(matches!(
        err,
        CoreError::PeerMessage(PeerMessageError::Misrouted)
    ));
    let mut renamed = sent_parts[1].clone();
    if let Body::Attachment { name, .. } = &mut renamed.body {
        *name = "other.pdf".into();
    }
    assert!(take(&mut other, "acc-dr", &renamed)
        .unwrap_err()
        .is_peer_fault());
    assert!(take(&mut other, "acc-dr", &sent_parts[1]).unwrap());

    // The sender refuses what cannot go.
    let too_big = vec![0u8; MAX_ATTACHMENT_BYTES as usize + 1];
    assert!(matches!(
        send_attachment(&mut sender, "acc-dr", "r.pdf", "application/pdf", &too_big),
        Err(CoreError::Report(ReportError::AttachmentTooLarge { .. }))
    ));
    assert!(send_attachment(&mut sender, "acc-dr", "../r.pdf", "application/pdf", b"x").is_err());
    assert!(matches!(
        send_attachment(&mut sender, "acc-nobody", "r.pdf", "application/pdf", b"x"),
        Err(CoreError::NotFound(_))
    ));
}
