//! The body's plaintext (format v1), read and written through the sealed stream:
//!
//! ```text
//! items keys × header.items_keys:  key_id u32 | len u16 | wrapped (wrap v1, as stored)
//! records × header.records:        id [16] | kind_len u8 | kind | flags u8
//!                                  | version u64 | base_version u64
//!                                  | [server_seq u64]            (flags & HAS_SERVER_SEQ)
//!                                  | blob_len u32 | blob
//!                                  | [base_len u32 | base_blob]  (flags & HAS_BASE)
//! ```
//!
//! All integers big-endian. Flags: 1 deleted, 2 dirty (waits for upload), 4 has a server
//! sequence, 8 has a merge base. Nothing else is in a backup: no device state (Olm account
//! and sessions, token, device-local flags), no messages, conversations or outbox, no device
//! key wrap.

use std::io::{BufRead, Write};

use super::stream::{OpeningReader, SealingWriter};
use crate::error::{BackupError, CoreError, Result};
use crate::record::RecordId;
use crate::store::BackupRow;

const DELETED: u8 = 1;
const DIRTY: u8 = 2;
const HAS_SERVER_SEQ: u8 = 4;
const HAS_BASE: u8 = 8;
const KNOWN_FLAGS: u8 = DELETED | DIRTY | HAS_SERVER_SEQ | HAS_BASE;
/// Largest sealed blob a reader accepts (records are far smaller; bounds memory).
const MAX_BLOB: u32 = 16 << 20;
/// Largest wrapped items key a reader accepts.
const MAX_WRAPPED: u16 = 1024;

fn damaged() -> CoreError {
    CoreError::Backup(BackupError::Damaged)
}

/// Writes one items key.
pub fn write_items_key<W: Write>(
    w: &mut SealingWriter<W>,
    key_id: u32,
    wrapped: &[u8],
) -> Result<()> {
    let len = u16::try_from(wrapped.len()).map_err(|_| CoreError::Internal("items key size"))?;
    w.write_all(&key_id.to_be_bytes())?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(wrapped)
}

/// Writes one record row.
pub fn write_row<W: Write>(w: &mut SealingWriter<W>, row: &BackupRow) -> Result<()> {
    let kind_len =
        u8::try_from(row.kind.len()).map_err(|_| CoreError::Internal("kind tag size"))?;
    let mut flags = 0;
    for (on, bit) in [
        (row.deleted, DELETED),
        (row.dirty, DIRTY),
        (row.server_seq.is_some(), HAS_SERVER_SEQ),
        (row.base_blob.is_some(), HAS_BASE),
    ] {
        if on {
            flags |= bit;
        }
    }
    w.write_all(row.id.as_bytes())?;
    w.write_all(&[kind_len])?;
    w.write_all(row.kind.as_bytes())?;
    w.write_all(&[flags])?;
    w.write_all(&row.version.to_be_bytes())?;
    w.write_all(&row.base_version.to_be_bytes())?;
    if let Some(seq) = row.server_seq {
        w.write_all(&seq.to_be_bytes())?;
    }
    write_blob(w, &row.blob)?;
    if let Some(base) = &row.base_blob {
        write_blob(w, base)?;
    }
    Ok(())
}

fn write_blob<W: Write>(w: &mut SealingWriter<W>, blob: &[u8]) -> Result<()> {
    let len = u32::try_from(blob.len())
        .ok()
        .filter(|l| *l <= MAX_BLOB)
        .ok_or(CoreError::Internal("record size"))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(blob)
}

/// Reads one items key.
pub fn read_items_key<R: BufRead>(r: &mut OpeningReader<R>) -> Result<(u32, Vec<u8>)> {
    let key_id = u32::from_be_bytes(array(r)?);
    let len = u16::from_be_bytes(array(r)?);
    if len > MAX_WRAPPED {
        return Err(damaged());
    }
    let mut wrapped = vec![0; usize::from(len)];
    r.read_exact(&mut wrapped)?;
    Ok((key_id, wrapped))
}

/// Reads one record row.
pub fn read_row<R: BufRead>(r: &mut OpeningReader<R>) -> Result<BackupRow> {
    let id = RecordId(array(r)?);
    let [kind_len] = array(r)?;
    let mut kind = vec![0; usize::from(kind_len)];
    r.read_exact(&mut kind)?;
    let kind = String::from_utf8(kind).map_err(|_| damaged())?;
    let [flags] = array(r)?;
    if flags & !KNOWN_FLAGS != 0 {
        return Err(damaged());
    }
    let version = u64::from_be_bytes(array(r)?);
    let base_version = u64::from_be_bytes(array(r)?);
    let server_seq = if flags & HAS_SERVER_SEQ != 0 {
        Some(u64::from_be_bytes(array(r)?))
    } else {
        None
    };
    let blob = read_blob(r)?;
    let base_blob = if flags & HAS_BASE != 0 {
        Some(read_blob(r)?)
    } else {
        None
    };
    Ok(BackupRow {
        id,
        kind,
        blob,
        deleted: flags & DELETED != 0,
        version,
        base_version,
        server_seq,
        base_blob,
        dirty: flags & DIRTY != 0,
    })
}

fn read_blob<R: BufRead>(r: &mut OpeningReader<R>) -> Result<Vec<u8>> {
    let len = u32::from_be_bytes(array(r)?);
    if len > MAX_BLOB {
        return Err(damaged());
    }
    let mut blob = vec![0; len as usize];
    r.read_exact(&mut blob)?;
    Ok(blob)
}

fn array<const N: usize, R: BufRead>(r: &mut OpeningReader<R>) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    r.read_exact(&mut out)?;
    Ok(out)
}
