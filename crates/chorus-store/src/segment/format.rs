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
//! table      12 bytes × table_len: u64 fingerprint, u32 value; in key order, with gaps
//! overflow   u32 × n: posting lists of fingerprints found in several documents
//! footer     fixed size: magic, format version, counts, section offsets, checksum, magic
//! ```
//!
//! An entry's value is the document itself when the fingerprint is in one document (the
//! common case: 12 bytes per posting), or `0x8000_0000 | i` where `overflow[i]` is the
//! count and `overflow[i+1..]` the sorted documents; `u32::MAX` marks an empty entry.
//!
//! **The table** is a sorted array with gaps, which needs no directory. A fingerprint's
//! *home* is its value scaled to the table's `slots` (`key × slots / 2⁶⁴`: where it would be
//! if the keys were spread perfectly evenly), and each entry sits at its home or, when that
//! is taken, right after the entry before it. With a third more slots than keys, an entry is
//! on average about one place past its home, so a lookup reads the cache line of the home
//! and finds the key there or on the next line: one wait on memory, where a directory cost a
//! second one. The entries stay in key order (a merge reads them in order). A lookup stops
//! at the first key above its own or at an empty entry (the entry after an empty one is at
//! its home, so every entry from there on has its home, and its key, past the key sought).
//!
//! Positions are not stored: a query re-aligns its few best candidates from their text.

use chorus_core::Metadata;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

pub(crate) const MAGIC: &[u8; 8] = b"CHORSEG\x01";
pub(crate) const FOOTER_LEN: usize = 8 + 4 + 4 + 8 * 5 + 4 + 4 + 8 * 7 + 8 + 8;
pub(crate) const ENTRY: usize = 12;
pub(crate) const MANY: u32 = 0x8000_0000;
/// The value of an empty table entry.
pub(crate) const EMPTY: u32 = u32::MAX;
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
    /// The range of the entries' homes (see the module documentation).
    pub(crate) slots: u64,
    /// Entries in the table, empty ones included (at least `slots` when there are keys).
    pub(crate) table_len: u64,
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
            self.slots,
            self.table_len,
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
            slots: u64_at(40),
            table_len: u64_at(48),
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

/// Where `key` belongs in a table of `slots` homes: its place if keys were spread evenly.
#[inline]
pub(crate) fn home(key: u64, slots: u64) -> u64 {
    ((u128::from(key) * u128::from(slots)) >> 64) as u64
}

/// Homes for `keys` entries: a third more, so that an entry is on average about one place
/// past its home (linear placement at a load of 3/4).
pub(crate) fn slots_for(keys: u64) -> u64 {
    keys + keys.div_ceil(3)
}

/// Identity and metadata of a stored document.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DocHeader<'a> {
    #[serde(borrow)]
    pub(crate) id: std::borrow::Cow<'a, str>,
    pub(crate) meta: Metadata,
}
