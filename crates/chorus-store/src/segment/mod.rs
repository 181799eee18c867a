//! Segment files: immutable, memory-mapped, one per committed batch (or merge).
//!
//! A segment holds its documents (id, metadata, original text) and an inverted index from
//! each n-gram fingerprint to the documents containing it. It is written once, front to
//! back, synced, and never modified; deletions live in separate tombstone files.
//!
//! Files, after tantivy's writer/reader pairs: `format.rs` (the layout, the footer and the
//! placement of table entries: everything both sides must agree on), `write.rs` (building a
//! segment; `chunked.rs` writes its file) and `read.rs` (the mapped segment and its lookups). The tests here write
//! segments and read them back.

mod chunked;
mod format;
mod read;
mod write;

pub(crate) use format::id_hash;
pub(crate) use read::{Postings, Segment};
pub(crate) use write::{SegmentBuilder, TablePart, doc_header};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use chorus_core::Metadata;
    use std::path::Path;

    fn build(dir: &Path, docs: &[(&str, &str, Option<&str>)], post: &[(u64, Vec<u32>)]) {
        build_with(dir, docs, post, post.len() as u64);
    }

    /// `announced`: the number of keys the writer is told to expect.
    fn build_with(
        dir: &Path,
        docs: &[(&str, &str, Option<&str>)],
        post: &[(u64, Vec<u32>)],
        announced: u64,
    ) {
        let mut b = SegmentBuilder::create(&dir.join("seg-0000000001.seg"), 5).unwrap();
        for (id, text, src) in docs {
            let meta = Metadata {
                source: src.map(str::to_string),
                ..Metadata::default()
            };
            b.add_doc(id, &meta, text).unwrap();
        }
        let mut p = b.start_postings(announced).unwrap();
        for (k, d) in post {
            p.push(*k, d).unwrap();
        }
        p.finish().unwrap();
    }

    #[test]
    fn writes_and_reads_documents_and_postings() {
        let dir = tempfile::tempdir().unwrap();
        // enough keys for a directory with several bits
        let mut post: Vec<(u64, Vec<u32>)> = (0..5000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), vec![(i % 3) as u32]))
            .collect();
        post[7].1 = vec![0, 2];
        post.sort();
        build(
            dir.path(),
            &[
                ("a", "alpha text", Some("x")),
                ("b", "béta", None),
                ("c", "", Some("x")),
            ],
            &post,
        );
        let s = Segment::open(dir.path(), 1).unwrap();
        assert_eq!(s.docs(), 3);
        assert_eq!(s.f.keys, post.len() as u64);
        // 5000 keys: 2^10 buckets of about 5, each entry the low 7 bytes and a value
        assert_eq!((s.f.dir_bits, s.f.key_bytes), (10, 7));
        s.verify().unwrap();
        assert_eq!(s.doc(1).unwrap().text, "béta");
        assert_eq!(s.doc(0).unwrap().meta.source.as_deref(), Some("x"));
        assert_eq!(s.find_id("c").unwrap(), vec![2]);
        assert!(s.find_id("zz").unwrap().is_empty());
        assert_eq!(s.sources, vec!["x".to_string()]);
        assert_eq!((s.source_of(2), s.source_of(1)), (Some(0), None));
        for (k, d) in &post {
            let got: Vec<u32> = s.lookup(*k).unwrap().unwrap().iter().collect();
            assert_eq!(&got, d);
        }
        assert!(s.lookup(12345).unwrap().is_none());
        assert_eq!(s.entries().count(), post.len());
        // batched lookups agree with single ones, for present keys, their neighbours
        // (absent, with the same homes) and the extremes of the key range
        let mut keys: Vec<u64> = post.iter().flat_map(|(k, _)| [*k, k ^ 1, k + 1]).collect();
        keys.extend([0, 1, u64::MAX, u64::MAX - 1, 12345]);
        let singles: Vec<Option<Vec<u32>>> = keys
            .iter()
            .map(|k| s.lookup(*k).unwrap().map(|p| p.iter().collect()))
            .collect();
        let batched = |s: &Segment| {
            let mut many = Vec::new();
            s.lookup_many(&keys, &mut many).unwrap();
            many.iter()
                .map(|p| p.as_ref().map(|p| p.iter().collect::<Vec<u32>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(batched(&s), singles);
        // and so do they once the segment is prepared for serving
        s.prepare_for_serving(true);
        assert_eq!(batched(&s), singles);
        assert_eq!(s.text(1).unwrap(), "béta");
    }

    /// Every key found, every absent key not, and the entries read back in order, however
    /// the keys crowd: all near zero (one bucket for all), all near the top, runs of
    /// neighbours, or none at all; and whether the writer was told the number of keys right
    /// or not (too few: more key bytes dropped per entry, buckets crowded; too many: empty
    /// buckets).
    #[test]
    fn table_finds_every_key_however_keys_crowd() {
        let spread: Vec<u64> = (0..3000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let low: Vec<u64> = (0..500u64).map(|i| i * 3).collect();
        let high: Vec<u64> = (0..500u64).map(|i| u64::MAX - i * 3).collect();
        let runs: Vec<u64> = (0..40u64)
            .flat_map(|r| (0..50).map(move |j| (r << 58) + j * 2))
            .collect();
        for (case, keys) in [spread, low, high, runs, Vec::new()]
            .into_iter()
            .enumerate()
        {
            let mut keys = keys;
            keys.sort_unstable();
            keys.dedup();
            let post: Vec<(u64, Vec<u32>)> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| (k, if i % 7 == 0 { vec![0, 1] } else { vec![1] }))
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let docs = [("a", "x", None), ("b", "y", None)];
            // told the right number, or (as a merge's estimate may be) too few or too many
            let announced = [keys.len(), keys.len() / 3, keys.len() * 3][case % 3] as u64;
            build_with(dir.path(), &docs, &post, announced);
            let s = Segment::open(dir.path(), 1).unwrap();
            s.verify().unwrap();
            let read: Vec<(u64, Vec<u32>)> = s
                .entries()
                .map(|e| e.map(|(k, p)| (k, p.iter().collect())).unwrap())
                .collect();
            assert_eq!(read, post);
            let absent: Vec<u64> = keys
                .iter()
                .flat_map(|&k| [k.wrapping_add(1), k.wrapping_sub(1)])
                .filter(|k| keys.binary_search(k).is_err())
                .chain([0, 1, u64::MAX, u64::MAX / 2])
                .filter(|k| keys.binary_search(k).is_err())
                .collect();
            for (k, d) in &post {
                let got: Vec<u32> = s.lookup(*k).unwrap().unwrap().iter().collect();
                assert_eq!(&got, d, "key {k:#x}");
            }
            for k in &absent {
                assert!(s.lookup(*k).unwrap().is_none(), "key {k:#x}");
            }
            let all: Vec<u64> = keys.iter().chain(&absent).copied().collect();
            let mut many = Vec::new();
            s.lookup_many(&all, &mut many).unwrap();
            assert_eq!(many.len(), all.len());
            for (i, p) in many.iter().enumerate() {
                assert_eq!(p.is_some(), i < keys.len());
            }
        }
    }

    /// A table laid out in parts ([`TablePart`]), cut anywhere, rebased and appended, is
    /// the same file as one pushed key by key: parts whose first entries the part before
    /// pushes right (crowded keys), overflow lists in every part, empty parts.
    #[test]
    fn a_table_laid_out_in_parts_is_the_same_file() {
        let crowded: Vec<u64> = (0..40u64)
            .flat_map(|r| (0..60).map(move |j| (r << 58) + j * 2))
            .collect();
        let spread: Vec<u64> = (0..5000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        // a block of consecutive keys: one long run of entries past their homes
        let block: Vec<u64> = (0..3000u64).map(|i| (7 << 56) + i).collect();
        for keys in [crowded, spread, block] {
            let mut keys = keys;
            keys.sort_unstable();
            keys.dedup();
            let post: Vec<(u64, Vec<u32>)> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| (k, if i % 5 == 0 { vec![0, 1, 2] } else { vec![1] }))
                .collect();
            let docs = [("a", "x", None), ("b", "y", None), ("c", "z", None)];
            let one = tempfile::tempdir().unwrap();
            build(one.path(), &docs, &post);
            let want = std::fs::read(one.path().join("seg-0000000001.seg")).unwrap();
            for cuts in [
                vec![],
                vec![1],
                vec![3, 4, 4, 17, 100],
                (1..post.len()).step_by(37).collect(),
            ] {
                let dir = tempfile::tempdir().unwrap();
                let mut b =
                    SegmentBuilder::create(&dir.path().join("seg-0000000001.seg"), 5).unwrap();
                for (id, text, _) in &docs {
                    b.add_doc(id, &Metadata::default(), text).unwrap();
                }
                let mut w = b.start_postings(post.len() as u64).unwrap();
                let mut bounds = vec![0];
                bounds.extend(cuts.iter().map(|&c| c.min(post.len())));
                bounds.push(post.len());
                let mut parts: Vec<TablePart> = bounds
                    .windows(2)
                    .map(|r| {
                        let mut part = TablePart::new(w.dir_bits(), (r[1] - r[0]) as u64);
                        for (k, d) in &post[r[0]..r[1]] {
                            part.push(*k, d);
                        }
                        part
                    })
                    .collect();
                let mut base = w.overflow_len();
                for p in &mut parts {
                    p.rebase(base);
                    base += p.overflow_len();
                }
                for p in parts {
                    w.push_part(p).unwrap();
                }
                w.finish().unwrap();
                let got = std::fs::read(dir.path().join("seg-0000000001.seg")).unwrap();
                assert!(got == want, "cuts {cuts:?}");
            }
        }
    }

    /// The table's shape for sizes from none to a billion keys: buckets of 4-8 keys on
    /// average, each entry keeping the bytes its bucket leaves; keys rebuilt exactly.
    #[test]
    fn table_shape_follows_the_number_of_keys() {
        use super::format::{bucket, dir_bits_for, key_bytes_for, key_of, low_bytes};
        for keys in [
            0u64,
            1,
            8,
            9,
            5000,
            79_350_000,
            794_000_000,
            u64::from(u32::MAX),
        ] {
            let bits = dir_bits_for(keys);
            assert!(
                keys <= 8 << bits && (bits == 0 || keys > 4 << bits),
                "{keys}"
            );
            let kb = key_bytes_for(bits);
            assert!(kb * 8 >= 64 - bits as usize && (kb - 1) * 8 < 64 - bits as usize);
            for k in [0u64, 1, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
                assert_eq!(key_of(bucket(k, bits), low_bytes(k, kb), bits), k);
            }
        }
        assert_eq!(dir_bits_for(79_350_000), 24);
        assert_eq!(key_bytes_for(24), 5);
    }

    /// A file cut short, a damaged footer, a directory or an entry changed behind a good
    /// footer, a segment of another format version: each refused with a clear error, on
    /// opening or by `verify`.
    #[test]
    fn refuses_truncated_damaged_and_old_segments() {
        let dir = tempfile::tempdir().unwrap();
        let post: Vec<(u64, Vec<u32>)> = (0..3000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), vec![(i % 2) as u32]))
            .collect();
        let mut post = post;
        post.sort();
        post[5].1 = vec![0, 1];
        build(dir.path(), &[("a", "x", None), ("b", "y", None)], &post);
        let path = dir.path().join("seg-0000000001.seg");
        let good = std::fs::read(&path).unwrap();
        let s = Segment::open(dir.path(), 1).unwrap();
        s.verify().unwrap();
        let (f, entry) = (s.f, s.f.entry_len() as usize);
        drop(s);
        let corrupt_detail = |bytes: &[u8]| -> String {
            std::fs::write(&path, bytes).unwrap();
            match Segment::open(dir.path(), 1).and_then(|s| s.verify()) {
                Err(Error::IndexCorrupt { detail, .. }) => detail,
                other => panic!("not refused as corrupt: {other:?}"),
            }
        };
        // cut anywhere: no footer where the end is
        for cut in [good.len() - 1, good.len() / 2, 10] {
            let d = corrupt_detail(&good[..cut]);
            assert!(d.contains("magic") || d.contains("too short"), "{d}");
        }
        // the footer's numbers changed (checksum)
        let mut b = good.clone();
        let n = b.len();
        b[n - 30] ^= 1;
        assert!(corrupt_detail(&b).contains("checksum"));
        // the directory's last entry (the number of keys) changed
        let mut b = good.clone();
        let last = (f.off_directory() + (1u64 << f.dir_bits) * 4) as usize;
        b[last] ^= 1;
        assert!(corrupt_detail(&b).contains("directory"));
        // a directory entry in the middle out of order
        let mut b = good.clone();
        let mid = (f.off_directory() + (1u64 << f.dir_bits) / 2 * 4) as usize;
        b[mid..mid + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(corrupt_detail(&b).contains("directory"));
        // an entry's key bytes changed: out of order in its bucket
        let mut b = good.clone();
        let e = f.off_table as usize + 100 * entry;
        b[e + f.key_bytes as usize - 1] ^= 0x80;
        assert!(corrupt_detail(&b).contains("out of order"));
        // an entry's document past the segment's
        let mut b = good.clone();
        let v = f.off_table as usize + 200 * entry + f.key_bytes as usize;
        b[v..v + 4].copy_from_slice(&7u32.to_le_bytes());
        assert!(corrupt_detail(&b).contains("no such document"));
        // a segment of format version 2 (the table with gaps): refused by version
        let mut b = good.clone();
        let foot = b.len() - super::format::FOOTER_LEN;
        let mut old = super::format::Footer::decode(&b[foot..]).unwrap();
        old.format_version = 2;
        b.truncate(foot);
        b.extend_from_slice(&old.encode());
        std::fs::write(&path, &b).unwrap();
        match Segment::open(dir.path(), 1) {
            Err(e @ Error::FormatVersion { found: 2, .. }) => {
                assert!(e.to_string().contains("rebuild the index"), "{e}");
            }
            other => panic!("old format not refused: {:?}", other.err()),
        }
        // and the file as written still reads
        std::fs::write(&path, &good).unwrap();
        Segment::open(dir.path(), 1).unwrap().verify().unwrap();
    }

    #[test]
    fn rejects_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        build(dir.path(), &[("a", "text", None)], &[(1, vec![0])]);
        let path = dir.path().join("seg-0000000001.seg");
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 30] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            Segment::open(dir.path(), 1),
            Err(Error::IndexCorrupt { .. })
        ));
        std::fs::write(&path, b"short").unwrap();
        assert!(Segment::open(dir.path(), 1).is_err());
    }
}
