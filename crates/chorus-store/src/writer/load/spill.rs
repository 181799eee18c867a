//! The scratch file of a bulk load over its memory budget: its postings spilled in runs,
//! each bucket's postings of a run encoded together, read back bucket by bucket at the commit.

use super::Posting;
use crate::error::{Error, IoContext, Result};

/// A bucket's postings of one spilled run: where they are in the scratch file.
#[derive(Clone, Copy)]
pub(super) struct SpilledBucket {
    offset: u64,
    bytes: usize,
    postings: usize,
}

/// The scratch file of a load over its memory budget: runs of postings, each bucket's
/// postings of a run stored together ([`encode_postings`]). Deleted when dropped (the load
/// committed or given up); named after the segment (`seg-*.spill.tmp`), so that the next
/// writer deletes it when a killed load leaves it behind.
pub(super) struct Spill {
    path: std::path::PathBuf,
    file: std::fs::File,
    len: u64,
    /// Per run, per bucket.
    pub(super) runs: Vec<Vec<SpilledBucket>>,
}

impl Spill {
    pub(super) fn create(path: std::path::PathBuf) -> Result<Spill> {
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .at(&path)?;
        Ok(Spill {
            path,
            file,
            len: 0,
            runs: Vec::new(),
        })
    }

    pub(super) fn append(&mut self, bytes: &[u8], postings: usize) -> Result<SpilledBucket> {
        use std::io::Write;
        (&self.file).write_all(bytes).at(&self.path)?;
        let b = SpilledBucket {
            offset: self.len,
            bytes: bytes.len(),
            postings,
        };
        self.len += bytes.len() as u64;
        Ok(b)
    }

    /// Bucket `b`'s postings of every run, in document order (a piece per run).
    pub(super) fn read_bucket(&self, b: usize) -> Result<Vec<Vec<Posting>>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&self.path).at(&self.path)?;
        let mut bytes = Vec::new();
        let mut pieces = Vec::with_capacity(self.runs.len());
        for run in &self.runs {
            let s = run[b];
            bytes.resize(s.bytes, 0);
            file.seek(SeekFrom::Start(s.offset)).at(&self.path)?;
            file.read_exact(&mut bytes).at(&self.path)?;
            let piece = decode_postings(&bytes, b as u8, s.postings).ok_or_else(|| {
                Error::IndexCorrupt {
                    path: self.path.clone(),
                    detail: "a load's scratch file does not decode".into(),
                }
            })?;
            pieces.push(piece);
        }
        Ok(pieces)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A bucket's pieces of postings (in document order) as bytes, freed as they are encoded:
/// per posting, the fingerprint's 7 low bytes (the top one is the bucket's) and the
/// document's difference from the one before as a LEB128 varint (mostly 0 or 1 byte, the
/// documents coming in order): about 8 bytes where memory holds 12. Returns the bytes and
/// the number of postings.
pub(super) fn encode_postings(pieces: Vec<Vec<Posting>>) -> (Vec<u8>, usize) {
    let n: usize = pieces.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(n * 9);
    let mut last = 0u32;
    for piece in pieces {
        for p in piece {
            out.extend_from_slice(&p.key().to_le_bytes()[..7]);
            let mut d = p.doc().wrapping_sub(last);
            last = p.doc();
            while d >= 0x80 {
                out.push((d as u8) | 0x80);
                d >>= 7;
            }
            out.push(d as u8);
        }
    }
    (out, n)
}

/// [`encode_postings`]'s postings of bucket `bucket`, back; `None` when `bytes` do not
/// hold exactly `n` of them.
pub(super) fn decode_postings(bytes: &[u8], bucket: u8, n: usize) -> Option<Vec<Posting>> {
    let mut out = Vec::with_capacity(n);
    let mut at = 0;
    let mut last = 0u32;
    let top = u64::from(bucket) << 56;
    for _ in 0..n {
        let k = bytes.get(at..at + 7)?;
        let mut key = [0u8; 8];
        key[..7].copy_from_slice(k);
        at += 7;
        let (mut d, mut shift) = (0u32, 0);
        loop {
            let byte = *bytes.get(at)?;
            at += 1;
            if shift > 28 {
                return None;
            }
            d |= u32::from(byte & 0x7f) << shift;
            shift += 7;
            if byte < 0x80 {
                break;
            }
        }
        last = last.wrapping_add(d);
        out.push(Posting {
            key: top | u64::from_le_bytes(key),
            doc: last,
        });
    }
    (at == bytes.len()).then_some(out)
}
