//! The sealed body: XChaCha20-Poly1305 in the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance",
//! CRYPTO 2015) over fixed-size chunks, so memory stays bounded however large the store.
//!
//! Chunk `i` (from 0) is sealed under the body key with nonce `0^19 || i (u32 BE) || last`
//! (`last` = 1 only for the final chunk) and the whole encoded header as associated data.
//! Every chunk but the last holds exactly `chunk_size` plaintext bytes. Reordering, dropping
//! or repeating chunks changes a nonce; cutting the file at a chunk boundary leaves a final
//! chunk sealed with `last` = 0; appending bytes breaks the final chunk — all fail to open.
//! The body key is fresh per backup (random salt), so nonces never repeat under one key.

use std::io::{BufRead, Read, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::crypto::SecretKey;
use crate::error::{BackupError, CoreError, Result};

/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;

fn nonce(counter: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[19..23].copy_from_slice(&counter.to_be_bytes());
    n[23] = u8::from(last);
    XNonce::from(n)
}

fn damaged() -> CoreError {
    CoreError::Backup(BackupError::Damaged)
}

/// Seals plaintext into chunks as it is written.
pub struct SealingWriter<W: Write> {
    cipher: XChaCha20Poly1305,
    aad: Vec<u8>,
    chunk: usize,
    buf: Zeroizing<Vec<u8>>,
    counter: u32,
    out: W,
}

impl<W: Write> SealingWriter<W> {
    /// A writer sealing under `key` with `aad` (the header) in chunks of `chunk` bytes.
    pub fn new(key: &SecretKey, aad: Vec<u8>, chunk: usize, out: W) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
            aad,
            chunk,
            buf: Zeroizing::new(Vec::with_capacity(chunk + 1)),
            counter: 0,
            out,
        }
    }

    /// Adds plaintext; full chunks are sealed and written once more data follows them.
    pub fn write_all(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let room = (self.chunk + 1).saturating_sub(self.buf.len());
            let n = room.min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() > self.chunk {
                let rest = Zeroizing::new(self.buf.split_off(self.chunk));
                self.seal(false)?;
                self.buf.clear();
                self.buf.extend_from_slice(&rest);
            }
        }
        Ok(())
    }

    fn seal(&mut self, last: bool) -> Result<()> {
        let sealed = self
            .cipher
            .encrypt(
                &nonce(self.counter, last),
                Payload {
                    msg: &self.buf,
                    aad: &self.aad,
                },
            )
            .map_err(|_| CoreError::Internal("backup chunk sealing"))?;
        self.out.write_all(&sealed)?;
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or(CoreError::Internal("backup too large"))?;
        Ok(())
    }

    /// Seals what is left as the final chunk and hands back the output.
    pub fn finish(mut self) -> Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Opens sealed chunks as plaintext is read; any failure is [`BackupError::Damaged`].
pub struct OpeningReader<R: BufRead> {
    cipher: XChaCha20Poly1305,
    aad: Vec<u8>,
    chunk: usize,
    plain: Zeroizing<Vec<u8>>,
    pos: usize,
    counter: u32,
    done: bool,
    input: R,
}

impl<R: BufRead> OpeningReader<R> {
    /// A reader opening chunks of `chunk` plaintext bytes under `key` with `aad`.
    pub fn new(key: &SecretKey, aad: Vec<u8>, chunk: usize, input: R) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
            aad,
            chunk,
            plain: Zeroizing::new(Vec::new()),
            pos: 0,
            counter: 0,
            done: false,
            input,
        }
    }

    /// Fills `out` with the next plaintext bytes; running out is damage.
    pub fn read_exact(&mut self, out: &mut [u8]) -> Result<()> {
        let mut filled = 0;
        while filled < out.len() {
            if self.pos == self.plain.len() {
                self.next_chunk()?;
                continue;
            }
            let n = (out.len() - filled).min(self.plain.len() - self.pos);
            out[filled..filled + n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
            filled += n;
            self.pos += n;
        }
        Ok(())
    }

    /// Checks that the plaintext ended exactly here and its final chunk opened.
    pub fn finish(mut self) -> Result<()> {
        if self.pos != self.plain.len() {
            return Err(damaged());
        }
        if !self.done {
            self.next_chunk()?;
            if !self.done || !self.plain.is_empty() {
                return Err(damaged());
            }
        }
        Ok(())
    }

    fn next_chunk(&mut self) -> Result<()> {
        if self.done {
            return Err(damaged());
        }
        let want = self.chunk + TAG_LEN;
        let mut sealed = Vec::with_capacity(want);
        (&mut self.input)
            .take(want as u64)
            .read_to_end(&mut sealed)?;
        if sealed.len() < TAG_LEN {
            return Err(damaged());
        }
        let last = sealed.len() < want || self.input.fill_buf()?.is_empty();
        let plain = self
            .cipher
            .decrypt(
                &nonce(self.counter, last),
                Payload {
                    msg: &sealed,
                    aad: &self.aad,
                },
            )
            .map_err(|_| damaged())?;
        self.plain = Zeroizing::new(plain);
        self.pos = 0;
        self.counter = self.counter.checked_add(1).ok_or_else(damaged)?;
        self.done = last;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(data: &[u8], chunk: usize) -> Vec<u8> {
        let key = SecretKey::from_bytes([5; 32]);
        let mut w = SealingWriter::new(&key, b"hdr".to_vec(), chunk, Vec::new());
        // Written in uneven pieces: chunking must not depend on how writes are split.
        for piece in data.chunks(7) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    fn open(sealed: &[u8], len: usize, chunk: usize) -> Result<Vec<u8>> {
        let key = SecretKey::from_bytes([5; 32]);
        let mut r = OpeningReader::new(&key, b"hdr".to_vec(), chunk, sealed);
        let mut out = vec![0; len];
        r.read_exact(&mut out)?;
        r.finish()?;
        Ok(out)
    }

    #[test]
    fn round_trips_at_and_around_chunk_boundaries() {
        for len in [0usize, 1, 15, 16, 17, 32, 33, 100] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = seal(&data, 16);
            let chunks = len.max(1).div_ceil(16);
            assert_eq!(sealed.len(), len + chunks * TAG_LEN, "len {len}");
            assert_eq!(open(&sealed, len, 16).unwrap(), data);
        }
    }

    #[test]
    fn truncation_extension_reordering_and_flips_are_refused() {
        let data: Vec<u8> = (0..48u8).collect();
        let sealed = seal(&data, 16);
        let damaged =
            |r: Result<Vec<u8>>| matches!(r, Err(CoreError::Backup(BackupError::Damaged)));
        // Cut anywhere, including exactly at each chunk boundary (32 and 64 bytes).
        for cut in 0..sealed.len() {
            assert!(damaged(open(&sealed[..cut], 48, 16)), "cut {cut}");
            // Even a reader asking only for what is there must see the stream did not end.
            let have = cut / (16 + TAG_LEN) * 16;
            assert!(
                open(&sealed[..cut], have, 16).is_err(),
                "cut {cut} short read"
            );
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(damaged(open(&longer, 48, 16)));
        let mut swapped = sealed.clone();
        swapped[..32].copy_from_slice(&sealed[32..64]);
        swapped[32..64].copy_from_slice(&sealed[..32]);
        assert!(damaged(open(&swapped, 48, 16)));
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 1;
            assert!(damaged(open(&t, 48, 16)), "byte {i}");
        }
        // Reading less than was sealed: the stream has not ended.
        assert!(damaged(open(&sealed, 47, 16)));
    }
}
