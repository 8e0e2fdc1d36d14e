//! Authenticate before storing: every record the server sends (a pulled page or the current
//! copy in a push conflict) is opened with this account's keys before it touches the local
//! store. What does not open, changes a record's kind, or is older than the version this device
//! already accepted (a rollback, including a v1 copy of a record held at v2) is quarantined —
//! kept aside with its server seq, never overwriting or deleting a local record. Deletion is
//! only ever taken from a sealed tombstone; the clear `deleted` flag on the wire is ignored.

use crate::error::CryptoError;
use serde_json::Value;
use solace_protocol as p;

use super::{merge, unb64, SyncReport};
use crate::crypto::envelope;
use crate::crypto::envelope_v2::OpenedRecord;
use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::sync_state::{LocalRow, RemoteCopy};
use crate::store::Store;

/// Why a server copy was held aside (stored with it in the quarantine table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineReason {
    /// Not base64, not an envelope, wrong key, tampered, or sealed for another id.
    Unreadable,
    /// Sealed under an items key this device does not have.
    UnknownKey,
    /// Opens, but its kind differs from the local record's.
    KindChanged,
    /// Opens, but is older than the version this device already accepted.
    Rollback,
    /// Opens, but the content is not a record this build understands.
    Malformed,
}

impl QuarantineReason {
    /// The stable tag stored in the quarantine table.
    pub fn tag(self) -> &'static str {
        match self {
            QuarantineReason::Unreadable => "unreadable",
            QuarantineReason::UnknownKey => "unknown_key",
            QuarantineReason::KindChanged => "kind_changed",
            QuarantineReason::Rollback => "rollback",
            QuarantineReason::Malformed => "malformed",
        }
    }
}

/// A server copy that opened, with what its sealed content says.
struct Authentic {
    id: RecordId,
    kind: RecordKind,
    blob: Vec<u8>,
    opened: OpenedRecord,
    server_seq: u64,
}

impl Authentic {
    fn copy(&self) -> RemoteCopy<'_> {
        RemoteCopy {
            id: &self.id,
            kind: self.kind.tag(),
            blob: &self.blob,
            deleted: self.opened.deleted,
            server_seq: self.server_seq,
            version: self.opened.version,
        }
    }

    fn value(&self) -> Option<Result<Value>> {
        (!self.opened.deleted).then(|| {
            serde_json::from_slice(&self.opened.body).map_err(|_| CoreError::MalformedRecord {
                kind: self.kind.tag(),
            })
        })
    }
}

/// Opens one wire record. A v1 blob is opened under the kind it claims (its AAD binds it);
/// a v2 blob carries its kind inside and the wire kind is ignored.
fn authenticate(
    store: &Store,
    remote: &p::WireRecord,
) -> std::result::Result<Authentic, QuarantineReason> {
    let id: RecordId = remote
        .id
        .parse()
        .map_err(|_| QuarantineReason::Unreadable)?;
    let blob = unb64(&remote.blob).map_err(|_| QuarantineReason::Unreadable)?;
    // v1 binds the kind it claims in its AAD; v2 carries the kind inside (the wire kind is
    // opaque and ignored).
    let v1 = envelope::parse(&blob)
        .map_err(|_| QuarantineReason::Unreadable)?
        .version
        == envelope::VERSION_1;
    let claimed = (v1 && remote.kind != p::OPAQUE_KIND).then_some(remote.kind.as_str());
    if v1 && claimed.is_none() {
        return Err(QuarantineReason::Unreadable);
    }
    let opened = match store.open_record(claimed, &id, &blob) {
        Ok(opened) => opened,
        Err(CoreError::Crypto(CryptoError::UnknownKey(_))) => {
            return Err(QuarantineReason::UnknownKey)
        }
        Err(_) => return Err(QuarantineReason::Unreadable),
    };
    let kind = RecordKind::from_tag(&opened.kind).ok_or(QuarantineReason::Malformed)?;
    Ok(Authentic {
        id,
        kind,
        blob,
        opened,
        server_seq: remote.server_seq,
    })
}

/// Puts a server copy aside and counts it if it is new.
fn hold_aside(
    store: &mut Store,
    remote: &p::WireRecord,
    reason: QuarantineReason,
    report: &mut SyncReport,
) -> Result<()> {
    // An id that does not even parse cannot be keyed; it is counted, not kept.
    let Ok(id) = remote.id.parse::<RecordId>() else {
        report.quarantined += 1;
        return Ok(());
    };
    let blob = unb64(&remote.blob).unwrap_or_default();
    let now = chrono::Utc::now().to_rfc3339();
    if store.quarantine(&id, remote.server_seq, reason.tag(), &blob, &now)? {
        report.quarantined += 1;
    }
    Ok(())
}

/// What became of one server copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// Stored, or merged with the local change.
    Taken,
    /// Not newer than what the device already merged; nothing changed.
    AlreadyHad,
    /// Held aside; the local record is untouched.
    Quarantined,
}

/// Brings one server copy into the store: authenticated, then accepted, merged with a local
/// change, or quarantined. Never deletes or overwrites on anything that did not open.
pub(super) fn apply_remote(
    store: &mut Store,
    remote: &p::WireRecord,
    report: &mut SyncReport,
) -> Result<Applied> {
    let auth = match authenticate(store, remote) {
        Ok(auth) => auth,
        Err(reason) => return quarantined(store, remote, reason, report),
    };
    let Some(local) = store.local_row(&auth.id)? else {
        store.accept_remote(auth.copy())?;
        return Ok(Applied::Taken);
    };
    if local.kind != auth.kind.tag() {
        return quarantined(store, remote, QuarantineReason::KindChanged, report);
    }
    if local.server_seq >= auth.server_seq {
        return Ok(Applied::AlreadyHad);
    }
    if auth.opened.version < local.base_version {
        return quarantined(store, remote, QuarantineReason::Rollback, report);
    }
    let Some(remote_value) = auth.value().transpose().ok() else {
        return quarantined(store, remote, QuarantineReason::Malformed, report);
    };
    let concurrent_sibling = auth.opened.version >= 1
        && auth.opened.version == local.base_version
        && local.base_blob.as_deref() != Some(auth.blob.as_slice());
    if !local.dirty && !concurrent_sibling {
        store.accept_remote(auth.copy())?;
        return Ok(Applied::Taken);
    }
    merge_into(
        store,
        &local,
        &auth,
        remote_value,
        concurrent_sibling,
        report,
    )?;
    Ok(Applied::Taken)
}

fn quarantined(
    store: &mut Store,
    remote: &p::WireRecord,
    reason: QuarantineReason,
    report: &mut SyncReport,
) -> Result<Applied> {
    hold_aside(store, remote, reason, report)?;
    Ok(Applied::Quarantined)
}

/// Merges the authenticated server copy with the local one by the kind's rules. A copy at the
/// same version as the accepted one but with other content is a concurrent edit, merged with
/// no common base (so neither side silently wins).
fn merge_into(
    store: &mut Store,
    local: &LocalRow,
    auth: &Authentic,
    remote_value: Option<Value>,
    concurrent_sibling: bool,
    report: &mut SyncReport,
) -> Result<()> {
    let kind = auth.kind;
    let local_value = match store.open_record(Some(kind.tag()), &auth.id, &local.blob) {
        Ok(opened) if opened.deleted => None,
        Ok(opened) => match serde_json::from_slice::<Value>(&opened.body) {
            Ok(v) => Some(v),
            // The local copy is damaged: the authentic server copy replaces it.
            Err(_) => return store.accept_remote(auth.copy()),
        },
        Err(_) => return store.accept_remote(auth.copy()),
    };
    let base_value = match (&local.base_blob, concurrent_sibling) {
        (Some(b), false) => store
            .open_record(Some(kind.tag()), &auth.id, b)
            .ok()
            .filter(|o| !o.deleted)
            .and_then(|o| serde_json::from_slice::<Value>(&o.body).ok()),
        _ => None,
    };
    let merged = merge::merge(
        kind,
        base_value.as_ref(),
        local_value.as_ref(),
        remote_value.as_ref(),
    );
    report.merged += 1;
    if let Some(mut copy) = merged.conflict_copy {
        let copy_id = RecordId::generate()?;
        if let Some(obj) = copy.as_object_mut() {
            if obj.contains_key("id") {
                obj.insert("id".into(), Value::String(copy_id.to_string()));
            }
        }
        store.put(kind, &copy_id, &copy)?;
        report.conflict_copies += 1;
    }
    if merged.result == remote_value {
        return store.accept_remote(auth.copy());
    }
    let body = merged
        .result
        .map(|v| {
            serde_json::to_vec(&v).map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })
        })
        .transpose()?;
    store.store_merged(kind, body.as_deref(), local.version, auth.copy())
}

/// Applies a pulled page and moves the cursor, in one transaction.
pub(super) fn apply_page(
    store: &mut Store,
    page: &p::PullResponse,
    report: &mut SyncReport,
) -> Result<()> {
    store.atomically(|store| {
        for record in &page.records {
            if apply_remote(store, record, report)? != Applied::Quarantined {
                report.pulled += 1;
            }
        }
        store.set_sync_cursor(page.next_cursor)
    })
}
