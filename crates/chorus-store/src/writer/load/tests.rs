use super::spill::decode_postings;
use super::*;
use crate::writer::IndexOptions;

fn doc(id: &str, seed: u64) -> Document {
    let mut x = seed * 2 + 1;
    let words: Vec<String> = (0..80)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 5000)
        })
        .collect();
    Document::new(id, words.join(" "))
}

/// Batches of documents sharing passages (so that fingerprints have several documents).
fn batches(n: u64, per: u64) -> Vec<Vec<Document>> {
    let shared: Vec<String> = (0..5).map(|i| doc("s", 900 + i).text).collect();
    (0..n)
        .map(|b| {
            (0..per)
                .map(|i| {
                    let k = b * per + i;
                    let own = doc("x", k).text;
                    let text = format!("{own} {} {own}", shared[(k % 5) as usize]);
                    Document::new(format!("d{b}-{i}"), text)
                })
                .collect()
        })
        .collect()
}

/// Every entry of `a` in key order, and `b` answers each of its keys with the same
/// documents (looked up, so `b`'s table is checked whatever its size).
fn same_postings(a: &Segment, b: &Segment) {
    let mut n = 0;
    for e in a.entries() {
        let (k, p) = e.unwrap();
        let want: Vec<u32> = p.iter().collect();
        let got: Vec<u32> = b.lookup(k).unwrap().expect("key in both").iter().collect();
        assert_eq!(got, want, "key {k:x}");
        n += 1;
    }
    assert_eq!(n, b.keys());
    assert_eq!(a.docs(), b.docs());
    for d in 0..a.docs() {
        assert_eq!(a.blob(d).unwrap(), b.blob(d).unwrap());
    }
}

fn spill_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".spill.tmp"))
        .collect()
}

/// A load over its memory budget spills its postings and still commits one segment,
/// holding what a load in memory holds (a document replaced within the load included),
/// with every posting from the scratch file (a spill per batch) or some still in
/// memory; the scratch file is gone after the commit.
#[test]
fn a_load_over_its_budget_spills_and_commits_one_segment() {
    let mut batches = batches(4, 40);
    batches[3].push(doc("d0-1", 99));
    let load = |budget: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        w.set_load_budget(budget);
        let mut spilled = 0;
        for b in &batches {
            let s = w.add_to_load(b.clone()).unwrap();
            assert_eq!(s.added, b.len());
            spilled += spill_files(dir.path()).len();
            // nothing committed before the end
            assert_eq!(w.segment_count(), 0);
        }
        assert_eq!(w.merge_added().unwrap(), 0);
        assert_eq!(w.segment_count(), 1);
        assert!(spill_files(dir.path()).is_empty());
        let r = w.reader().unwrap();
        assert_eq!(r.len(), 160);
        assert_eq!(r.stats().unwrap().deleted, 1);
        assert_eq!(r.get("d0-1").unwrap().unwrap().text, doc("d0-1", 99).text);
        (dir, w, spilled)
    };
    let (_d0, whole, spilled) = load(usize::MAX);
    assert_eq!(spilled, 0);
    // a batch holds about 9,400 postings (113 KB): a budget of one spills every batch
    // (the commit reads all back), one of 250 KB the first three together (the last
    // batch still in memory at the commit)
    for budget in [1, 250_000] {
        let (_d, w, spilled) = load(budget);
        assert!(spilled > 0);
        same_postings(&whole.segments[0].seg, &w.segments[0].seg);
        same_postings(&w.segments[0].seg, &whole.segments[0].seg);
    }
}

/// The scratch encoding gives back what it took: documents in order, far apart, and
/// out of order (any order is kept), keys of the whole bucket's range.
#[test]
fn spilled_postings_decode_to_themselves() {
    let mut x = 3u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let bucket = 0xc3u8;
    let mut pieces = Vec::new();
    let mut doc = 0u32;
    for len in [0usize, 1, 7, 1000] {
        let piece: Vec<Posting> = (0..len)
            .map(|i| {
                doc = match i % 5 {
                    0 => doc,
                    1 => doc.wrapping_add(1),
                    2 => doc.wrapping_add(next() as u32 >> 1),
                    3 => doc.wrapping_sub(7),
                    _ => u32::MAX,
                };
                let key = (u64::from(bucket) << 56) | (next() >> 8);
                Posting { key, doc }
            })
            .collect();
        pieces.push(piece);
    }
    let want: Vec<(u64, u32)> = pieces
        .iter()
        .flatten()
        .map(|p| (p.key(), p.doc()))
        .collect();
    let (bytes, n) = encode_postings(pieces);
    assert_eq!(n, want.len());
    let got: Vec<(u64, u32)> = decode_postings(&bytes, bucket, n)
        .unwrap()
        .iter()
        .map(|p| (p.key(), p.doc()))
        .collect();
    assert_eq!(got, want);
    // cut short, or asked for fewer than it holds: refused
    assert!(decode_postings(&bytes[..bytes.len() - 1], bucket, n).is_none());
    assert!(decode_postings(&bytes, bucket, n - 1).is_none());
}

/// The committed documents and files of an index.
fn state(dir: &std::path::Path) -> (Vec<(String, String)>, Vec<String>) {
    let r = crate::IndexReader::open(dir).unwrap();
    let mut docs: Vec<(String, String)> = r
        .documents()
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.text))
        .collect();
    docs.sort();
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    (docs, files)
}

/// A load that fails while spilling, or while reading its scratch file back at the
/// commit, leaves the index as it was: the same documents and files (the uncommitted
/// segment and the scratch file deleted at once), and the writer goes on. A scratch file
/// a killed load left behind is deleted by the next writer.
#[test]
fn a_load_that_fails_leaves_the_index_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
    let batches = batches(3, 20);
    w.add(batches[0].clone()).unwrap();
    let before = state(dir.path());
    let replaced = batches[0][3].clone();
    // the load's segment and scratch file (the same for each try: none commits)
    let seg = crate::manifest::segment_file_name(w.manifest.next_segment);
    let spill = dir.path().join(seg).with_extension("spill.tmp");

    // the scratch file cannot be created (a folder in its place)
    let blocker = spill.clone();
    std::fs::create_dir(&blocker).unwrap();
    w.set_load_budget(1);
    let mut one = batches[1].clone();
    one.push(Document::new(
        replaced.id.clone(),
        "a new text for a stored id",
    ));
    assert!(w.add_to_load(one.clone()).is_err());
    std::fs::remove_dir(&blocker).unwrap();
    assert_eq!(state(dir.path()), before);
    assert!(w.load.is_none());

    // the scratch file is damaged before the commit reads it back
    w.add_to_load(one.clone()).unwrap();
    w.add_to_load(batches[2].clone()).unwrap();
    assert!(spill.exists());
    let len = std::fs::metadata(&spill).unwrap().len();
    std::fs::File::options()
        .write(true)
        .open(&spill)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    assert!(w.merge_added().is_err());
    assert!(!spill.exists());
    assert_eq!(state(dir.path()), before);

    // the writer goes on: the same load now commits
    w.add_to_load(one).unwrap();
    w.add_to_load(batches[2].clone()).unwrap();
    w.merge_added().unwrap();
    let r = w.reader().unwrap();
    assert_eq!(r.len(), 60);
    assert_eq!(
        r.get(&replaced.id).unwrap().unwrap().text,
        "a new text for a stored id"
    );
    drop(r);

    // a killed load's scratch file is deleted when the index is next opened
    let left = dir.path().join("seg-0000099999.spill.tmp");
    std::fs::write(&left, b"left behind").unwrap();
    drop(w);
    let _w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
    assert!(!left.exists());
}

/// A passage repeated within a document and across documents: each fingerprint lists
/// each document once, in order.
#[test]
fn repeated_fingerprints_list_each_document_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
    let passage = doc("p", 5).text;
    let docs: Vec<Document> = (0..3)
        .map(|i| {
            let own = doc("x", 40 + i).text;
            Document::new(
                format!("r{i}"),
                format!("{passage} {own} {passage} {passage}"),
            )
        })
        .collect();
    w.add_to_load(docs).unwrap();
    w.merge_added().unwrap();
    let seg = &w.segments[0].seg;
    let mut shared = 0;
    for e in seg.entries() {
        let (_, p) = e.unwrap();
        let docs: Vec<u32> = p.iter().collect();
        assert!(docs.windows(2).all(|w| w[0] < w[1]), "{docs:?}");
        shared += usize::from(docs == [0, 1, 2]);
    }
    // the passage's 76 fingerprints, and those spanning its repeats, in all three
    assert!(shared >= 76, "{shared}");
}

/// Buckets sort by fingerprint, then document, below and above the radix threshold.
#[test]
fn buckets_sort_by_key_then_document() {
    let mut x = 7u64;
    for n in [0usize, 5, 4095, 4096, 30_000, 1 << 20] {
        let b: Vec<Posting> = (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // few distinct keys: many equal ones, documents in order (as a
                // load's pieces hold them)
                Posting {
                    key: (x % 4000) << 44 | 0xab << 56,
                    doc: i as u32,
                }
            })
            .collect();
        let mut want: Vec<(u64, u32)> = b.iter().map(|p| (p.key(), p.doc())).collect();
        want.sort_unstable();
        // in pieces, as batches leave them
        let mut pieces = vec![b];
        if n > 10 {
            let tail = pieces[0].split_off(n / 3);
            pieces.push(tail);
        }
        let (b, keys) = sort_bucket(pieces);
        let got: Vec<(u64, u32)> = b.iter().map(|p| (p.key(), p.doc())).collect();
        assert_eq!(got, want);
        let mut distinct: Vec<u64> = want.iter().map(|w| w.0).collect();
        distinct.dedup();
        assert_eq!(keys, distinct.len() as u64);
    }
}
