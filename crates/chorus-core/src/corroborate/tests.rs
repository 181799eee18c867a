use super::*;
use crate::align::{align_seeds_blocked, align_seeds_floor, shared_seeds};
use crate::document::{Document, Span};
use crate::order::Order;
use crate::tokenize::Tokens;

fn occ(d: u32, begin: usize, end: usize) -> Occurrence {
    Occurrence {
        doc: DocNum(d),
        span: Span { begin, end },
    }
}

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

/// Every token of each text.
fn whole(texts: &[&str]) -> Vec<(u32, u32)> {
    texts
        .iter()
        .map(|t| (0, Tokens::new(t).len() as u32))
        .collect()
}

/// Passages over every token of document `x` and of document `y` of `texts`.
fn whole_pairs(texts: &[&str]) -> impl Fn(u32, u32) -> PairAlignment {
    let w = whole(texts);
    move |x, y| pa(x, w[x as usize], y, w[y as usize])
}

/// Runs [`corroborated`] over documents `texts` (ids `d0`, `d1`, ... in that order):
/// which of `weak` are kept.
fn run(texts: &[&str], strong: &[PairAlignment], weak: &[PairAlignment]) -> Vec<bool> {
    run_in(texts, &[], strong, weak)
}

/// [`run`], documents `d0`, `d1`, ... of the sources `outlets` (none past its end).
fn run_in(
    texts: &[&str],
    outlets: &[&str],
    strong: &[PairAlignment],
    weak: &[PairAlignment],
) -> Vec<bool> {
    let docs: Vec<Document> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut d = Document::new(format!("d{i}"), *t);
            d.meta.source = outlets.get(i).map(|o| o.to_string());
            d
        })
        .collect();
    let corpus: &[Document] = &docs;
    let order = Order::new(&corpus).unwrap();
    let numbered = order.numbered(&corpus);
    let mut out = vec![false; weak.len()];
    let sources = Sources::of(docs.iter().map(|d| &d.meta));
    for (i, _) in corroborated(strong, weak, &numbered, None, &sources).unwrap() {
        out[i] = true;
    }
    out
}

const NOTE: &str = "Brand, ii. 287, quotes a reference to cat and doug from the Life of \
                    the Scotch Rogue. London, 1722.";
const DAMAGED: &str = "Brnad, ii. 287, qoutes a refrence to cat and doug frorn the Life of \
                       tbe Scotcli Rogue. London, 1722.";
const STOCK: &str = "The company did not immediately respond to a request for comment.";

#[test]
fn floor_lowers_the_filters_and_never_raises_them() {
    let p = AlignParams::default();
    let f = floor(&p);
    assert_eq!(
        (f.min_tokens, f.min_matched),
        (WEAK_MIN_TOKENS, WEAK_MIN_MATCHED)
    );
    assert_eq!(f.min_similarity, WEAK_MIN_SIMILARITY);
    assert_eq!(f.ngram, p.ngram);
    let low = AlignParams {
        min_tokens: 2,
        min_matched: 3,
        min_similarity: 0.1,
        ..p
    };
    assert_eq!(floor(&low), low);
}

#[test]
fn the_aligner_gives_weak_passages_only_with_a_floor_and_keeps_the_others() {
    // eight words shared: under min_matched 12, above the floor
    let shared = "quotes a reference to cat and doug from";
    let a = Tokens::new(&format!(
        "alpha beta gamma delta epsilon {shared} zeta eta theta iota kappa"
    ));
    let b = Tokens::new(&format!(
        "one two three four five six {shared} seven eight nine ten eleven"
    ));
    let seeds = shared_seeds(&a, &b, 5);
    let p = AlignParams::default();
    assert!(align_seeds_blocked(&a, &b, &seeds, &p, &[], &[]).is_empty());
    let weak = align_seeds_floor(&a, &b, &seeds, &p, Some(&floor(&p)), &[], &[]);
    assert_eq!(weak.len(), 1);
    assert!(!passes(&weak[0], &p));
    assert!(passes(&weak[0], &floor(&p)));
    // a pair with a passage that passes: the same passages with or without the floor,
    // plus the weak ones
    let long = "the committee announced on tuesday that the harbour bridge will close \
                for repairs until the end of the summer season";
    // thirty different words between: a gap no chain bridges
    let fill = |x: &str| {
        (0..30)
            .map(|i| format!("{x}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let a = Tokens::new(&format!("{long} {} {shared} more", fill("xq")));
    let b = Tokens::new(&format!("{long} {} {shared} end", fill("pw")));
    let seeds = shared_seeds(&a, &b, 5);
    let strong = align_seeds_blocked(&a, &b, &seeds, &p, &[], &[]);
    let with_weak = align_seeds_floor(&a, &b, &seeds, &p, Some(&floor(&p)), &[], &[]);
    let kept: Vec<Alignment> = with_weak
        .iter()
        .filter(|x| passes(x, &p))
        .cloned()
        .collect();
    assert_eq!(kept, strong);
    assert_eq!(
        with_weak.len(),
        strong.len() + 1,
        "{with_weak:?} {strong:?}"
    );
}

#[test]
fn a_weak_copy_corroborated_by_two_witnesses_is_kept() {
    // d0, d1: damaged copies whose passage is weak; d2, d3: witnesses holding the note
    let texts = [DAMAGED, DAMAGED, NOTE, NOTE];
    let p = whole_pairs(&texts);
    let weak = [p(0, 1)];
    // strong d0-witness, weak d1-witness over the same span of the witness
    let strong = [p(0, 2), p(0, 3)];
    let also_weak = [p(0, 1), p(1, 2), p(1, 3)];
    // d1-d2 and d1-d3 have one witness each (d0)
    assert_eq!(run(&texts, &strong, &also_weak), vec![true, false, false]);
    assert_eq!(
        run(&texts, &strong, &weak),
        vec![false],
        "no passage d1-witness"
    );
    // one witness is not enough
    assert_eq!(
        run(&texts, &strong[..1], &also_weak[..2]),
        vec![false, false]
    );
}

#[test]
fn a_witness_must_hold_both_copies_on_one_span() {
    let two = format!("{NOTE} And a second note of other words. {NOTE}");
    let texts = [DAMAGED, DAMAGED, two.as_str(), two.as_str()];
    let w = whole(&texts);
    let n = w[0].1;
    let (first, second) = ((0, n), (w[2].1 - n, w[2].1));
    // d0 matches the first copy in the witnesses, d1 the second
    let strong = [pa(0, w[0], 2, first), pa(0, w[0], 3, first)];
    let weak = [
        pa(0, w[0], 1, w[1]),
        pa(1, w[1], 2, second),
        pa(1, w[1], 3, second),
    ];
    assert!(!run(&texts, &strong, &weak)[0]);
    // on the same span it is kept
    let weak = [
        pa(0, w[0], 1, w[1]),
        pa(1, w[1], 2, first),
        pa(1, w[1], 3, first),
    ];
    assert!(run(&texts, &strong, &weak)[0]);
}

#[test]
fn a_stock_phrase_is_not_kept_however_corroborated() {
    let texts = [STOCK, STOCK, STOCK, STOCK];
    let p = whole_pairs(&texts);
    let strong = [p(0, 2), p(0, 3)];
    let weak = [p(0, 1), p(1, 2), p(1, 3)];
    assert!(!run(&texts, &strong, &weak)[0]);
}

#[test]
fn a_template_with_different_fillers_is_not_kept() {
    // two shared specifics ("Scotch", "1722"), three differing on each side
    let x = "Smith of Leeds wrote to Brown in Paris of the Scotch trade in 1722.";
    let y = "Jones of Derby wrote to Green in Berne of the Scotch trade in 1722.";
    let texts = [x, y, x, y];
    let p = whole_pairs(&texts);
    let strong = [p(0, 2), p(1, 3)];
    let weak = [p(0, 1), p(1, 2), p(0, 3)];
    assert!(!run(&texts, &strong, &weak)[0]);
    assert_eq!(specifics(x, &occ(0, 0, x.len())).len(), 5);
}

#[test]
fn a_weak_passage_beside_one_that_passes_is_left_out() {
    let texts = [DAMAGED, DAMAGED, NOTE, NOTE];
    let p = whole_pairs(&texts);
    let strong = [p(0, 2), p(0, 3), pa(0, (0, 5), 1, (0, 5))];
    let weak = [p(0, 1), p(1, 2), p(1, 3)];
    assert!(!run(&texts, &strong, &weak)[0]);
}

#[test]
fn specifics_skip_a_capital_that_starts_a_sentence() {
    let t = "The Life of the Scotch Rogue. London, 1722. \"Brand\" said so.\nNow go.";
    let s = specifics(t, &occ(0, 0, t.len()));
    assert_eq!(s, vec!["1722", "life", "rogue", "scotch"]);
}

#[test]
fn two_copies_that_each_have_a_passage_are_not_joined() {
    // d0 and d1 each already share the note with a witness: the weak d0-d1 is left out
    let texts = [DAMAGED, DAMAGED, NOTE, NOTE];
    let p = whole_pairs(&texts);
    let strong = [p(0, 2), p(0, 3), p(1, 2)];
    let weak = [p(0, 1), p(1, 3)];
    assert_eq!(run(&texts, &strong, &weak), vec![false, false]);
    // without d1's own passage, d1 is brought in
    let weak = [p(0, 1), p(1, 2), p(1, 3)];
    assert!(run(&texts, &strong[..2], &weak)[0]);
}

#[test]
fn two_documents_of_one_source_are_not_joined() {
    let texts = [DAMAGED, DAMAGED, NOTE, NOTE];
    let p = whole_pairs(&texts);
    let strong = [p(0, 2), p(0, 3)];
    let weak = [p(0, 1), p(1, 2), p(1, 3)];
    assert!(run_in(&texts, &["times", "herald", "post", "mail"], &strong, &weak)[0]);
    // d0 and d1 of one outlet: its own repeated line
    assert!(!run_in(&texts, &["times", "times", "post", "mail"], &strong, &weak)[0]);
}
