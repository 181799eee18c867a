use super::*;
use crate::align::{Alignment, shared_seeds};
use crate::document::Document;
use crate::order::Order;

/// Passage `ta` of document `a` with `tb` of `b` (token ranges).
fn pa(a: u32, ta: (u32, u32), b: u32, tb: (u32, u32)) -> PairAlignment {
    PairAlignment {
        a: DocNum(a),
        b: DocNum(b),
        alignment: Alignment {
            a: ta,
            b: tb,
            matched: 0,
            similarity: 0.0,
        },
    }
}

/// The document pairs of `windows`.
fn pairs(strong: &[PairAlignment], weak: &[PairAlignment]) -> Vec<(u32, u32)> {
    windows(strong, weak, &Sources::default())
        .iter()
        .map(|(x, y)| (x.0.0, y.0.0))
        .collect()
}

// document 0 is C (the span 10..40), 1 is the damaged copy A (weak with C), 2.. hold
// the span with passages that pass
#[test]
fn a_weak_copy_is_paired_with_the_holders_of_its_span_of_c() {
    let weak = [pa(0, (12, 38), 1, (5, 30))];
    let strong = [pa(0, (10, 40), 2, (0, 30)), pa(0, (11, 40), 3, (50, 80))];
    let w = windows(&strong, &weak, &Sources::default());
    assert_eq!(
        w,
        vec![
            // B's windows: the parts of their sides facing A's span of C (12..38)
            ((DocNum(1), (5, 30)), (DocNum(2), (2, 28))),
            ((DocNum(1), (5, 30)), (DocNum(3), (51, 77)))
        ]
    );
    // in any order of the passages
    let mut s2 = strong.to_vec();
    s2.reverse();
    assert_eq!(windows(&s2, &weak, &Sources::default()), w);
}

#[test]
fn a_span_of_c_held_by_one_other_document_gives_no_pair() {
    let weak = [pa(0, (12, 38), 1, (5, 30))];
    // one holder besides A
    assert!(pairs(&[pa(0, (10, 40), 2, (0, 30))], &weak).is_empty());
    // two, but the second over another span of C
    let strong = [pa(0, (10, 40), 2, (0, 30)), pa(0, (60, 90), 3, (0, 30))];
    assert!(pairs(&strong, &weak).is_empty());
    // two, but the second covers under half of A's span of C
    let strong = [pa(0, (10, 40), 2, (0, 30)), pa(0, (0, 24), 3, (0, 24))];
    assert!(pairs(&strong, &weak).is_empty());
    // a wider passage covering it counts, up to MAX_SPAN_RATIO times A's span of C
    let wide = MAX_SPAN_RATIO * 26;
    let strong = [pa(0, (10, 40), 2, (0, 30)), pa(0, (0, wide), 3, (0, wide))];
    assert_eq!(pairs(&strong, &weak), vec![(1, 2), (1, 3)]);
    // a near-duplicate of C (one long passage) is not a reprint of A's span
    let strong = [
        pa(0, (10, 40), 2, (0, 30)),
        pa(0, (0, wide + 1), 3, (0, wide + 1)),
    ];
    assert!(pairs(&strong, &weak).is_empty());
}

#[test]
fn weak_holders_do_not_count() {
    let weak = [
        pa(0, (12, 38), 1, (5, 30)),
        pa(0, (10, 40), 2, (0, 30)),
        pa(0, (10, 40), 3, (0, 30)),
    ];
    assert!(pairs(&[], &weak).is_empty());
    // with two passing holders, a weak holder is not paired
    let strong = [pa(0, (10, 40), 4, (0, 30)), pa(0, (10, 40), 5, (0, 30))];
    let from_1: Vec<(u32, u32)> = pairs(&strong, &weak)
        .into_iter()
        .filter(|p| p.0 == 1)
        .collect();
    assert_eq!(from_1, vec![(1, 4), (1, 5)]);
}

#[test]
fn pairs_with_a_passage_and_attached_copies_are_not_aligned_again() {
    let weak = [pa(0, (12, 38), 1, (5, 30))];
    let strong = [
        pa(0, (10, 40), 2, (0, 30)),
        pa(0, (11, 40), 3, (50, 80)),
        pa(0, (10, 41), 4, (0, 31)),
    ];
    // 1-2 hold a (weak) passage already: only 1-3 and 1-4
    let weak2 = [weak[0].clone(), pa(1, (100, 110), 2, (90, 100))];
    assert_eq!(pairs(&strong, &weak2), vec![(1, 3), (1, 4)]);
    // A's side lies in a passage that passes (with 5): A needs no help
    let mut strong2 = strong.to_vec();
    strong2.push(pa(1, (4, 30), 5, (0, 26)));
    assert!(pairs(&strong2, &weak).is_empty());
}

#[test]
fn at_most_max_per_side_holders_by_number() {
    let weak = [pa(0, (12, 38), 1, (5, 30))];
    let strong: Vec<PairAlignment> = (6..20).map(|d| pa(0, (10, 40), d, (0, 30))).collect();
    let from_1: Vec<u32> = pairs(&strong, &weak)
        .into_iter()
        .filter(|p| p.0 == 1)
        .map(|p| p.1)
        .collect();
    assert_eq!(from_1, (6..6 + MAX_PER_SIDE as u32).collect::<Vec<_>>());
}

#[test]
fn window_seeds_are_the_short_ngrams_inside_both_windows() {
    let a = Tokens::new("x y z a b c q a b c r");
    let b = Tokens::new("a b c s t a b c");
    let all = window_seeds(&a, &b, (0, 11), (0, 8), 3);
    assert_eq!(all, vec![(3, 0), (3, 5), (7, 0), (7, 5)]);
    // a's window holds its first "a b c" only, b's its second
    assert_eq!(window_seeds(&a, &b, (0, 7), (3, 8), 3), vec![(3, 5)]);
    assert!(window_seeds(&a, &b, (0, 4), (0, 8), 3).is_empty());
}

// one note, damaged differently in two copies (a word in four), each printed inside
// unrelated text; C is the clean note
const NOTE: &str = "the harbour committee met on tuesday evening and agreed after a long \
                    debate that the old stone bridge over the river would close for \
                    repairs in march while the ferry carried passengers between the two \
                    quays at the usual fares";
const COPY_A: &str = "the harbour comittee met on tuesday evning and agreed after a lnog \
                      debate that the old stone brigde over the river would close for \
                      repairs in march while the ferry carried passengers between the tow \
                      quays at the usual fares";
const COPY_B: &str = "the harbour committee mct on tuesday evening and agreed aftre a long \
                      debate that teh old stone bridge over the rivre would close fro \
                      repairs in marhc while the ferry carrid passengers between the two \
                      quays al the usaul fares";

#[test]
fn two_damaged_copies_sharing_few_seeds_are_aligned_through_c() {
    let texts = [
        format!("gardening notes on tomatoes and beans. {NOTE}. more news later."),
        format!("a long report on the weather this week. {COPY_A}. the end."),
        format!("sports results from saturday afternoon. {COPY_B}. goodbye."),
        format!("letters to the editor about parking. {NOTE}. signed reader."),
    ];
    let docs: Vec<Document> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Document::new(format!("d{i}"), t.as_str()))
        .collect();
    let corpus: &[Document] = &docs;
    let order = Order::new(&corpus).unwrap();
    let numbered = order.numbered(&corpus);
    let tok: Vec<Tokens> = texts.iter().map(|t| Tokens::new(t)).collect();
    let p = AlignParams::default();
    // A and B share fewer than two 5-grams inside the note: never a candidate pair
    assert!(shared_seeds(&tok[1], &tok[2], p.ngram).len() < 2);
    let note = |d: usize| {
        let words = Tokens::new(NOTE).len() as u32;
        let start = texts[d]
            .split(NOTE)
            .next()
            .map_or(0, |h| Tokens::new(h).len()) as u32;
        (start, start + words)
    };
    let side = |d: usize, first: &str| {
        let words = Tokens::new(NOTE).len() as u32;
        let start = Tokens::new(texts[d].split(first).next().unwrap()).len() as u32;
        (start, start + words)
    };
    let (a, b) = (side(1, "the harbour"), side(2, "the harbour"));
    // C (0) holds the note with A weakly, with B and 3 by passages that pass
    let weak = [pa(0, note(0), 1, a)];
    let strong = [pa(0, note(0), 2, b), pa(0, note(0), 3, note(3))];
    let found = align_through(
        &strong,
        &weak,
        &numbered,
        None,
        &[],
        &Sources::default(),
        &p,
        None,
    )
    .unwrap();
    let ab: Vec<&PairAlignment> = found
        .iter()
        .filter(|q| (q.a, q.b) == (DocNum(1), DocNum(2)))
        .collect();
    assert_eq!(ab.len(), 1, "{found:?}");
    assert!(passes(&ab[0].alignment, &p));
    let (x, y) = ab[0].alignment.a;
    assert!(
        3 * (y.min(a.1) - x.max(a.0)) >= 2 * (a.1 - a.0),
        "{x} {y} {a:?}"
    );
    // the same pair with its seeds read over whole documents finds no passage
    let whole = crate::align::align_seeds(&tok[1], &tok[2], &shared_seeds(&tok[1], &tok[2], 5), &p);
    assert!(whole.iter().all(|x| !passes(x, &p)));
    // without a second holder of C's span, nothing is aligned
    assert!(
        align_through(
            &strong[..1],
            &weak,
            &numbered,
            None,
            &[],
            &Sources::default(),
            &p,
            None
        )
        .unwrap()
        .is_empty()
    );
}

#[test]
fn documents_of_one_source_are_not_paired() {
    let weak = [pa(0, (12, 38), 1, (5, 30))];
    let strong = [
        pa(0, (10, 40), 2, (0, 30)),
        pa(0, (11, 40), 3, (50, 80)),
        pa(0, (10, 40), 4, (0, 30)),
    ];
    let of = |v: Vec<u32>| Sources {
        of_doc: v,
        ..Sources::default()
    };
    let run = |s: &Sources| -> Vec<(u32, u32)> {
        windows(&strong, &weak, s)
            .iter()
            .map(|(x, y)| (x.0.0, y.0.0))
            .collect()
    };
    assert_eq!(run(&of(vec![0, 1, 2, 3, 4])), vec![(1, 2), (1, 3), (1, 4)]);
    // B of A's source: not paired (3 is A's)
    assert_eq!(run(&of(vec![0, 1, 2, 1, 4])), vec![(1, 2), (1, 4)]);
    // C of A's source: nothing through it
    assert!(run(&of(vec![1, 1, 2, 3, 4])).is_empty());
}
