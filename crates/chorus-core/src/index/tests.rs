use super::*;
use crate::testing::{random_rows, scratch_dir};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// The radix sort of postings in `(doc, pos)` order, and the fallback for any
    /// other order, equal the comparison sort: fingerprints from a few values (many
    /// ties) or anywhere, partitions of one top byte or of several.
    #[test]
    fn posting_sort_is_the_comparison_sort(
        fps in proptest::collection::vec(any::<u64>(), 0..3000),
        distinct in 1u64..64,
        few in any::<bool>(),
        top in any::<bool>(),
        shuffle in any::<bool>(),
    ) {
        let mut part: Vec<Posting> = fps
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                let f = if few { (f % distinct).wrapping_mul(0x9E37_79B9_7F4A_7C15) } else { f };
                Posting {
                    fingerprint: if top { f >> 8 | 0xAB << 56 } else { f },
                    doc: (i / 7) as u32,
                    pos: (i % 7 * 3) as u32,
                }
            })
            .collect();
        if shuffle {
            part.reverse();
        }
        let mut expected = part.clone();
        expected.sort_unstable();
        sort_postings(&mut part);
        prop_assert_eq!(part, expected);
    }
}

#[test]
fn rounds_do_not_change_the_index() {
    // few distinct values, spread over the top bits: many shared
    let fps = random_rows(50, 40, |x| (x >> 58).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let one = NgramIndex::build_in_rounds(fps.as_slice(), usize::MAX);
    for round_postings in [1, 7, 100, 1000] {
        let many = NgramIndex::build_in_rounds(fps.as_slice(), round_postings);
        assert_eq!(many.len(), one.len());
        assert_eq!(many.partitions().unwrap(), one.partitions().unwrap());
    }
    assert!(one.kept() > 0);
}

#[test]
fn larger_indexes_are_built_in_more_rounds() {
    assert_eq!(round_postings(1000), ROUND_POSTINGS);
    assert_eq!(round_postings(SPLIT_FROM_POSTINGS - 1), ROUND_POSTINGS);
    assert_eq!(
        round_postings(SPLIT_FROM_POSTINGS),
        SPLIT_FROM_POSTINGS / MIN_ROUNDS
    );
    assert_eq!(round_postings(24 << 20), 12 << 20);
    assert_eq!(round_postings(1 << 30), ROUND_POSTINGS);
}

#[test]
fn from_tokens_equals_from_fingerprints() {
    let texts = [
        "the quick brown fox jumps over the lazy dog again and again",
        "a quick brown fox jumps over the lazy dog once",
        "nothing in common here at all",
        "the lazy dog again and again the quick brown fox jumps",
    ];
    let tokens: Vec<Tokens> = texts.iter().map(|t| Tokens::new(t)).collect();
    for n in [1, 3, 5] {
        let fps: Vec<Vec<u64>> = tokens
            .iter()
            .map(|t| crate::fingerprint::ngram_fingerprints(&t.hashes, n))
            .collect();
        let a = NgramIndex::build(&fps);
        for round_postings in [1, 5, usize::MAX] {
            let b = NgramIndex::build_in_rounds(FromTokens { tokens: &tokens, n }, round_postings);
            assert_eq!(a.len(), b.len());
            assert_eq!(a.partitions().unwrap(), b.partitions().unwrap());
        }
        assert_eq!(
            NgramIndex::build_from_tokens(&tokens, n)
                .partitions()
                .unwrap(),
            a.partitions().unwrap()
        );
    }
}

#[test]
fn the_shared_filter_passes_what_is_noted_twice() {
    let filter = SharedFilter::new(1 << 16);
    let mut scratch = Vec::new();
    filter.note(&[1, 2, 2, 3], &mut scratch);
    filter.note(&[3, 4, 1 << 16 | 5], &mut scratch);
    let passed: Vec<u64> = (0..8).filter(|&f| filter.may_be_shared(f)).collect();
    // 2 repeats within a document, 3 is in two; 5 shares its bit with 1 << 16 | 5
    assert_eq!(passed, vec![2, 3]);
    filter.note(&[5], &mut scratch);
    assert!(filter.may_be_shared(5) && filter.may_be_shared(1 << 16 | 5));
}

#[test]
fn the_filtered_build_equals_the_full_one() {
    // texts of a small vocabulary: many n-grams shared, many not
    let words = [
        "a", "bb", "ccc", "dd", "e", "ff", "gg", "h", "ii", "jjj", "k", "ll",
    ];
    let mut x = 7u64;
    let mut word = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        words[(x >> 59) as usize % words.len()]
    };
    let texts: Vec<String> = (0..60)
        .map(|_| (0..40).map(|_| word()).collect::<Vec<_>>().join(" "))
        .collect();
    let tokens: Vec<Tokens> = texts.iter().map(|t| Tokens::new(t)).collect();
    let packed: Vec<PackedTokens> = tokens.iter().cloned().map(PackedTokens::pack).collect();
    for n in [1, 3, 5] {
        let full = NgramIndex::build_from_tokens(&tokens, n);
        assert!(full.kept() > 0);
        // 5-grams of 12 words: most are in one document
        assert!(n < 5 || full.kept() < full.len() / 2);
        // a filter of 4096 bits (many postings share a bit) and one of 1 M
        for bits in [1, 1 << 20] {
            let noted = || {
                let filter = SharedFilter::new(bits);
                let mut scratch = Vec::new();
                for t in &tokens {
                    let fps = crate::fingerprint::ngram_fingerprints(&t.hashes, n);
                    filter.note(&fps, &mut scratch);
                }
                filter
            };
            // packed tokens (a compact run) and tokens without their hashes (the default
            // in memory)
            let filtered = NgramIndex::build_filtered(&packed, n, noted());
            assert_eq!(filtered.len(), full.len());
            assert_eq!(filtered.partitions().unwrap(), full.partitions().unwrap());
            let unhashed: Vec<Unhashed> = tokens.iter().cloned().map(Unhashed::of).collect();
            let unpacked = NgramIndex::build_from_unhashed_filtered(&unhashed, n, noted());
            assert_eq!(unpacked.len(), full.len());
            assert_eq!(unpacked.partitions().unwrap(), full.partitions().unwrap());
        }
    }
}

#[test]
fn groups_equal_fingerprints_in_doc_order() {
    let fps = vec![vec![7, 9, 7], vec![9, 1], vec![7]];
    let index = NgramIndex::build(&fps);
    assert_eq!(index.len(), 6);
    // fingerprint 1 is in one document only: not kept
    assert_eq!(index.kept(), 5);
    let mut seen = Vec::new();
    for part in index.partitions().unwrap() {
        for g in groups(&part) {
            seen.push(
                g.iter()
                    .map(|p| (p.fingerprint, p.doc, p.pos))
                    .collect::<Vec<_>>(),
            );
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            vec![(7, 0, 0), (7, 0, 2), (7, 2, 0)],
            vec![(9, 0, 1), (9, 1, 0)],
        ]
    );
}

#[test]
fn the_index_on_disk_equals_the_index_in_memory() {
    let hashes = random_rows(60, 50, |x| x >> 60);
    let n = 3;
    let fps: Vec<Vec<u64>> = hashes
        .iter()
        .map(|h| crate::fingerprint::ngram_fingerprints(h, n))
        .collect();
    let memory = NgramIndex::build(&fps);
    let dir = scratch_dir("index-test");
    {
        let mut b = DiskIndexBuilder::create(&dir, n).unwrap();
        // added in uneven batches
        b.add(0, &hashes[..7]).unwrap();
        b.add(7, &hashes[7..40]).unwrap();
        b.add(40, &hashes[40..]).unwrap();
        let disk = b.finish().unwrap();
        assert_eq!(disk.len(), memory.len());
        assert_eq!(disk.kept(), memory.kept());
        assert!(disk.kept() > 0);
        assert_eq!(disk.partitions().unwrap(), memory.partitions().unwrap());
    }
    // the partition files are gone with the index
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // and so are those of a builder dropped half-way, or two at once in one folder
    {
        let mut one = DiskIndexBuilder::create(&dir, n).unwrap();
        let two = DiskIndexBuilder::create(&dir, n).unwrap();
        one.add(0, &hashes[..7]).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        drop(two);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir(&dir).unwrap();
}
