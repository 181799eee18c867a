//! The on-disk format of a segment file: section layout, footer, table placement and the
//! document header, shared by the writer (`write.rs`) and the reader (`read.rs`), which
//! must agree on every byte. Layout (little-endian; sections start where the footer says):
//!
//! ```text
//! blobs      per document: u32 header length, header JSON {"id", "meta"}, text bytes
//! offsets    u64 × (docs + 1): where each blob starts (and the end of the last)
//! id hashes  u64 × docs, sorted: xxh3 of each id   } binary search by id
//! id locals  u32 × docs: the document of each hash  }
//! sources    u32 × docs: index into the source table (u32::MAX: no source)
//! source tbl JSON array of distinct source names
//! table      (K + 4) bytes × keys: the low K bytes of a fingerprint, u32 value; in key order
//! directory  u32 × (2^B + 1): where each bucket of the table starts (and the end of the last)
//! overflow   u32 × n: posting lists of fingerprints found in several documents
//! footer     fixed size: magic, format version, counts, section offsets, checksum, magic
//! ```
//!
//! An entry's value is the document itself when the fingerprint is in one document (the
//! common case), or `0x8000_0000 | i` where `overflow[i]` is the count and `overflow[i+1..]`
//! the sorted documents.
//!
//! **The table** is the sorted fingerprints, dense, cut into `2^B` buckets by their top `B`
//! bits (`B` chosen from the number of keys, so that a bucket holds 4 to 8 keys on average),
//! with a directory of where each bucket starts. An entry keeps only the bits its bucket does
//! not imply: the low `K = ⌈(64 − B) / 8⌉` bytes (5 from 2^26 keys to 2^29, 6 below), so an
//! entry is 9-10 bytes and the directory adds 0.5-1 byte per key. A lookup reads the key's
//! directory entry and the next (one cache line), then scans its bucket (usually one line):
//! two waits on memory, which [`lookup_many`](super::read::Segment::lookup_many) overlaps
//! across keys. A sorted array with gaps (one wait, no directory, 16 bytes per key with its
//! empty third) was 69 % of a segment; this table is about 10 bytes per key. The directory
//! counts in `u32`: a segment holds fewer than 2^32 distinct fingerprints (about 5 M
//! documents of news text; a larger load or merge fails with "segment too large").
//!
//! Positions are not stored: a query re-aligns its few best candidates from their text.

use chorus_core::Metadata;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

pub(crate) const MAGIC: &[u8; 8] = b"CHORSEG\x01";
pub(crate) const FOOTER_LEN: usize = 8 + 4 + 4 + 8 * 5 + 4 + 4 + 8 * 7 + 8 + 8;
pub(crate) const MANY: u32 = 0x8000_0000;
/// Bytes of an entry's value.
pub(crate) const VALUE: usize = 4;
/// The most directory bits: buckets of 4-8 keys under 2^32 keys need 29.
pub(crate) const MAX_DIR_BITS: u32 = 29;
pub(crate) const NO_SOURCE: u32 = u32::MAX;

/// The xxh3 hash under which a document id is filed.
pub(crate) fn id_hash(id: &str) -> u64 {
    xxh3_64(id.as_bytes())
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Footer {
    pub(crate) format_version: u32,
    pub(crate) ngram: u32,
    pub(crate) docs: u64,
    pub(crate) keys: u64,
    pub(crate) overflow_len: u64,
    /// `B`: the table has `2^B` buckets (see the module documentation).
    pub(crate) dir_bits: u64,
    /// `K`: the bytes of a fingerprint an entry keeps, `⌈(64 − B) / 8⌉`.
    pub(crate) key_bytes: u64,
    pub(crate) sources_len: u32,
    pub(crate) off_offsets: u64,
    pub(crate) off_id_hashes: u64,
    pub(crate) off_id_locals: u64,
    pub(crate) off_sources: u64,
    pub(crate) off_source_table: u64,
    pub(crate) off_overflow: u64,
    pub(crate) off_table: u64,
}

impl Footer {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(FOOTER_LEN);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.format_version.to_le_bytes());
        b.extend_from_slice(&self.ngram.to_le_bytes());
        for v in [
            self.docs,
            self.keys,
            self.overflow_len,
            self.dir_bits,
            self.key_bytes,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&self.sources_len.to_le_bytes());
        b.extend_from_slice(&[0u8; 4]);
        for v in [
            self.off_offsets,
            self.off_id_hashes,
            self.off_id_locals,
            self.off_sources,
            self.off_source_table,
            self.off_overflow,
            self.off_table,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let sum = xxh3_64(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b.extend_from_slice(MAGIC);
        debug_assert_eq!(b.len(), FOOTER_LEN);
        b
    }

    pub(crate) fn decode(b: &[u8]) -> std::result::Result<Footer, String> {
        if b.len() != FOOTER_LEN || &b[..8] != MAGIC || &b[FOOTER_LEN - 8..] != MAGIC {
            return Err("not a chorus segment (bad magic)".into());
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let body = FOOTER_LEN - 16;
        if xxh3_64(&b[..body]) != u64_at(body) {
            return Err("footer checksum mismatch".into());
        }
        let o = 8 + 4 + 4 + 40 + 8;
        Ok(Footer {
            format_version: u32_at(8),
            ngram: u32_at(12),
            docs: u64_at(16),
            keys: u64_at(24),
            overflow_len: u64_at(32),
            dir_bits: u64_at(40),
            key_bytes: u64_at(48),
            sources_len: u32_at(56),
            off_offsets: u64_at(o),
            off_id_hashes: u64_at(o + 8),
            off_id_locals: u64_at(o + 16),
            off_sources: u64_at(o + 24),
            off_source_table: u64_at(o + 32),
            off_overflow: u64_at(o + 40),
            off_table: u64_at(o + 48),
        })
    }
}

impl Footer {
    /// Bytes of a table entry.
    pub(crate) fn entry_len(&self) -> u64 {
        self.key_bytes + VALUE as u64
    }

    /// Where the directory starts.
    pub(crate) fn off_directory(&self) -> u64 {
        self.off_table + self.keys * self.entry_len()
    }
}

/// Directory bits `B` for about `keys` keys: `2^B` buckets of 4 to 8 keys on average.
pub(crate) fn dir_bits_for(keys: u64) -> u32 {
    let log2 = 64 - keys.saturating_sub(1).leading_zeros();
    log2.saturating_sub(3).min(MAX_DIR_BITS)
}

/// The bytes of a fingerprint an entry keeps under `bits` directory bits: those its bucket
/// does not imply.
pub(crate) fn key_bytes_for(bits: u32) -> usize {
    (64 - bits as usize).div_ceil(8)
}

/// The bucket of `key` under `bits` directory bits: its top `bits` bits.
#[inline]
pub(crate) fn bucket(key: u64, bits: u32) -> u64 {
    if bits == 0 { 0 } else { key >> (64 - bits) }
}

/// The low `bytes` bytes of `key`: what an entry keeps of it.
#[inline]
pub(crate) fn low_bytes(key: u64, bytes: usize) -> u64 {
    if bytes >= 8 {
        key
    } else {
        key & ((1u64 << (8 * bytes)) - 1)
    }
}

/// The fingerprint of an entry kept as `low` (its low bytes) in bucket `b`.
#[inline]
pub(crate) fn key_of(b: u64, low: u64, bits: u32) -> u64 {
    if bits == 0 {
        low
    } else {
        (b << (64 - bits)) | (low & (u64::MAX >> bits))
    }
}

/// Identity and metadata of a stored document.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DocHeader<'a> {
    #[serde(borrow)]
    pub(crate) id: std::borrow::Cow<'a, str>,
    pub(crate) meta: Metadata,
}
