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
        assert!(s.f.slots > s.f.keys && s.f.table_len >= s.f.slots);
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
    /// the keys crowd: all near zero (one home for all), all near the top (entries pushed
    /// past the last home), runs of neighbours, or none at all; and whether the writer was
    /// told the number of keys right or not.
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
                        let mut part = TablePart::new(w.slots(), (r[1] - r[0]) as u64);
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
