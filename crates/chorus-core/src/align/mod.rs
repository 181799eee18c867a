//! Local alignment of two documents around their shared fingerprints.
//!
//! 1. **Segments.** Seeds (positions of a shared n-gram in both documents) on the same
//!    diagonal whose n-grams overlap or touch are joined into exact-match segments.
//! 2. **Chaining.** Segments are chained by dynamic programming (as in long-read aligners):
//!    a chain's score is the sum of its segments' lengths times the match score plus, for
//!    each link, the cost of the gap between them (`min(ga, gb)` substitutions and
//!    `|ga - gb|` insertions or deletions). A link is allowed when the gap is one-sided
//!    (a dropped or added sentence, up to `max_skip` tokens) or when its cost stays within
//!    `merge_drop`; a link is only taken when the chain before it scores more than the gap
//!    costs, so two stretches are joined only when the evidence on both sides outweighs the
//!    unrelated text between them. Chains are read off best first and never share segments:
//!    one reused passage is one chain.
//! 3. **Gap filling and extension.** The gaps inside a chain are aligned exactly (global
//!    alignment, linear gaps) to count matched tokens, and each chain is extended at both
//!    ends by a banded X-drop alignment, so words damaged by typos or OCR at the edges of a
//!    passage (where no n-gram survives) are still covered, and extension stops where the
//!    texts stop agreeing.
//!
//! Tokens match exactly (same hash) or fuzzily: tokens of four or more characters whose
//! edit distance, after folding common OCR confusions (rn/m, cl/d, vv/w, 1/l, 0/o, c/e), is
//! at most a quarter of their length ("innoceent" ~ "innocent").
//!
//! Cost: O(s log s) for s seeds, O(k·b) chaining for k segments with b predecessors in reach,
//! O(g²) per gap (gaps are at most `max_skip` tokens) and O(w·band) per extension.
//! Limits: paraphrase that leaves no `n` consecutive words intact is not found; transposed
//! sentences become separate passages.
//!
//! Files: `tokens.rs` (fuzzy token equality), `seeds.rs` (shared n-grams), `chain.rs`
//! (segments, chaining, the passages of a pair), `gaps.rs` (gap filling and extension);
//! this file holds the parameters, the result type and the entry points.

mod chain;
mod gaps;
mod seeds;
mod tokens;

pub use chain::{align_seeds_blocked, align_seeds_floor, passes};
pub use seeds::{NgramPositions, shared_seeds};
pub use tokens::fuzzy_equal;

use crate::tokenize::Tokens;

/// Scores of the token alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scoring {
    /// Identical tokens. Default 2.
    pub matched: i32,
    /// Tokens equal up to a typo or OCR confusion. Default 1.
    pub fuzzy: i32,
    /// Different tokens. Default -2.
    pub mismatch: i32,
    /// A token present in one text only. Default -1.
    pub gap: i32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            matched: 2,
            fuzzy: 1,
            mismatch: -2,
            gap: -1,
        }
    }
}

/// Parameters of the alignment stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignParams {
    /// n-gram size used for seeds. Default 5.
    pub ngram: usize,
    pub scoring: Scoring,
    /// Longest one-sided gap (tokens) bridged inside a passage. Default 64.
    pub max_skip: usize,
    /// Largest cost of a two-sided gap bridged inside a passage. Default 24.
    pub merge_drop: i32,
    /// How far (tokens) an end is extended past the last seed. Default 24.
    pub extend_window: usize,
    /// X-drop of the extension: stop once the score falls this far below its best. Default 8.
    pub extend_drop: i32,
    /// Shortest passage reported, in tokens on each side. Default 10.
    pub min_tokens: usize,
    /// Lowest passage similarity reported (matched tokens / longer side). Default 0.5.
    pub min_similarity: f64,
    /// Fewest matched tokens (exact or fuzzy) a reported passage has. Default 12.
    pub min_matched: usize,
}

impl Default for AlignParams {
    fn default() -> Self {
        AlignParams {
            ngram: 5,
            scoring: Scoring::default(),
            max_skip: 64,
            merge_drop: 24,
            extend_window: 24,
            extend_drop: 8,
            min_tokens: 10,
            min_similarity: 0.5,
            min_matched: 12,
        }
    }
}

/// One shared passage between documents `a` and `b`, in tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Token range `[begin, end)` in `a`.
    pub a: (u32, u32),
    /// Token range `[begin, end)` in `b`.
    pub b: (u32, u32),
    /// Matched tokens (exact and fuzzy) along the alignment.
    pub matched: u32,
    /// `matched` divided by the longer side, in `[0, 1]`.
    pub similarity: f64,
}

impl Alignment {
    /// The same alignment seen from the other document.
    pub fn mirrored(&self) -> Alignment {
        Alignment {
            a: self.b,
            b: self.a,
            ..self.clone()
        }
    }
}

/// Lowest share of matched tokens a stretch taken past a sentence end keeps
/// ([`extend_past_sentences`]), whatever the passage's own: the passage filter's default.
pub const PAST_BREAK_FLOOR: f64 = 0.5;

/// How far below the passage's similarity a stretch taken past a sentence end may fall
/// ([`extend_past_sentences`]): heavily edited copies damage a word in 4 to 6, unevenly.
pub const PAST_BREAK_SLACK: f64 = 0.2;

/// `al` (a passage of `a` and `b`) extended at both ends past sentence ends while the
/// next sentence still matches at the passage's noise level: at least the larger of
/// [`PAST_BREAK_FLOOR`] and the passage's similarity less [`PAST_BREAK_SLACK`] of each
/// stretch's longer side matched, at least 3 tokens, the copies' sentences ending
/// together (within a few unmatched tokens on both sides), outside `blocked_a` and
/// `blocked_b` (boilerplate), at most `p.extend_window` tokens at each end (the X-drop
/// stops where the texts stop agreeing, through any number of sentence ends). The ordinary extension stops at every sentence end, so a heavily edited
/// copy's damaged head or tail sentence, where no seed survives, is otherwise lost; an
/// abbreviation's period ("v. 1", "Mr.") is a sentence end to it. The passage's `matched`
/// counts the stretches' matched tokens and `similarity` is computed again.
pub fn extend_past_sentences(
    a: &Tokens,
    b: &Tokens,
    al: &Alignment,
    p: &AlignParams,
    blocked_a: &[(u32, u32)],
    blocked_b: &[(u32, u32)],
) -> Alignment {
    let pair = gaps::Pair {
        a,
        b,
        s: p.scoring,
        blocked_a,
        blocked_b,
    };
    let level = PAST_BREAK_FLOOR.max(al.similarity - PAST_BREAK_SLACK);
    let (a0, b0) = (al.a.0 as usize, al.b.0 as usize);
    let (a1, b1) = (al.a.1 as usize, al.b.1 as usize);
    let (la, lb, ml) = pair.extend_past(a0, b0, false, p, level);
    let (ra, rb, mr) = pair.extend_past(a1, b1, true, p, level);
    if la + lb + ra + rb == 0 {
        return al.clone();
    }
    let (na, nb) = (a1 + ra - (a0 - la), b1 + rb - (b0 - lb));
    let matched = al.matched + ml + mr;
    Alignment {
        a: ((a0 - la) as u32, (a1 + ra) as u32),
        b: ((b0 - lb) as u32, (b1 + rb) as u32),
        matched,
        similarity: (f64::from(matched) / na.max(nb) as f64).min(1.0),
    }
}

/// Aligns two token sequences given the seeds they share (`(pos_a, pos_b)` of shared
/// n-grams of size `p.ngram`). Passages are returned in `a` order.
pub fn align_seeds(
    a: &Tokens,
    b: &Tokens,
    seeds: &[(u32, u32)],
    p: &AlignParams,
) -> Vec<Alignment> {
    align_seeds_blocked(a, b, seeds, p, &[], &[])
}

/// Aligns two token sequences from scratch (seeding included). Symmetric: `align(b, a)`
/// returns the mirror images of `align(a, b)`.
pub fn align(a: &Tokens, b: &Tokens, p: &AlignParams) -> Vec<Alignment> {
    let mut seeds = Vec::new();
    NgramPositions::new(a, p.ngram).seeds_into(b, &mut seeds);
    align_symmetric(a, b, &mut seeds, p)
}

/// [`align`] for a sequence `a` whose n-grams are already indexed in `grams`; the result is
/// that of [`align`] with `p.ngram` set to the table's n-gram length. Returns nothing, cheaply, when `b` shares no n-gram.
pub fn align_indexed(
    a: &Tokens,
    grams: &NgramPositions,
    b: &Tokens,
    p: &AlignParams,
) -> Vec<Alignment> {
    align_indexed_with(a, grams, b, p, &mut Vec::new())
}

/// [`align_indexed`] with a buffer for the seeds, kept by the caller from one `b` to the
/// next.
pub fn align_indexed_with(
    a: &Tokens,
    grams: &NgramPositions,
    b: &Tokens,
    p: &AlignParams,
    seeds: &mut Vec<(u32, u32)>,
) -> Vec<Alignment> {
    grams.seeds_into(b, seeds);
    if seeds.is_empty() {
        return Vec::new();
    }
    // the seeds are n-grams of the table's length, whatever `p` says
    let p = AlignParams {
        ngram: grams.n,
        ..*p
    };
    align_symmetric(a, b, seeds, &p)
}

/// Aligns `a` and `b` from their seeds in a canonical order, so that the result does not
/// depend on which side is which.
fn align_symmetric(
    a: &Tokens,
    b: &Tokens,
    seeds: &mut [(u32, u32)],
    p: &AlignParams,
) -> Vec<Alignment> {
    if (a.hashes.as_slice(), a.norm.as_str()) > (b.hashes.as_slice(), b.norm.as_str()) {
        for s in seeds.iter_mut() {
            *s = (s.1, s.0);
        }
        seeds.sort_unstable();
        let mut out: Vec<Alignment> = align_seeds(b, a, seeds, p)
            .iter()
            .map(Alignment::mirrored)
            .collect();
        out.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
        return out;
    }
    seeds.sort_unstable();
    align_seeds(a, b, seeds, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(a: &Tokens, al: &Alignment) -> String {
        (al.a.0..al.a.1)
            .map(|i| a.text(i as usize))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn finds_a_noisy_passage_and_not_the_text_around_it() {
        let a = Tokens::new(
            "Weather today is mild. The minister said that the new bridge across the river \
             will open in March after years of delays and rising costs. Sports follow.",
        );
        let b = Tokens::new(
            "In other news, cats. The minister said that the new bridgc across the river will \
             open in March after many years of delays and rising costs. Markets fell.",
        );
        let out = align(&a, &b, &AlignParams::default());
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            texts(&a, &out[0]),
            "the minister said that the new bridge across the river will open in march \
             after years of delays and rising costs"
        );
        assert!(out[0].similarity > 0.9);
    }

    #[test]
    fn interrupted_passage_is_one_passage() {
        let a = Tokens::new(
            "\"We provided a private warning that there was a terrorist threat within the \
             borders,\" an unidentified official told the paper. \"The government followed a \
             longstanding duty to warn policy across administrations.\"",
        );
        let b = Tokens::new(
            "\"We provided a private warning that there was a terrorist threat within the \
             borders,\" a senior official said, using an acronym for the group. \"The \
             government followed a longstanding duty to warn policy across administrations.\"",
        );
        let out = align(&a, &b, &AlignParams::default());
        assert_eq!(out.len(), 1, "{out:?}");
    }

    #[test]
    fn passages_apart_in_both_documents_stay_apart() {
        // a: P1 P2 P3, b: P3' P1 X P3 ... P1 and P3 are apart by P2 (long) in a and by X
        // (a shorter unrelated sentence) in b: two passages, not one stretched over P2.
        let p1 = "the prime minister said on monday that the new budget would raise \
                  spending on schools and hospitals over the next five years";
        let p2 = "critics from several opposition parties argued that the plans were \
                  unaffordable and that the figures had not been checked by the \
                  independent fiscal watchdog before they were announced to parliament \
                  during a long and heated session that ran late into the evening";
        let x = "officials at the finance ministry did not immediately respond to a \
                 request for comment on the matter";
        let p3 = "despite the warning some economists suggested that growth would \
                  recover faster than expected during the second half of the year";
        let a = Tokens::new(&format!("{p1}. {p2}. {p3}."));
        let b = Tokens::new(&format!("{p1}. {x}. {p3}."));
        let out = align(&a, &b, &AlignParams::default());
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(
            texts(&a, &out[0]),
            p1.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        assert_eq!(
            texts(&a, &out[1]),
            p3.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }

    /// A heavily edited copy: its first words, cut by abbreviation periods and damaged,
    /// share no 5-gram with the original, and the ordinary extension stops at the
    /// abbreviation's period; extension past sentence ends takes them too, and not the
    /// different sentence before.
    #[test]
    fn extension_past_sentence_ends_takes_a_damaged_head_sentence() {
        let a = Tokens::new(
            "Notes on the history of games. See Hamlet, v. 1, and the Glossary of Nares, s. v. \
             Brand quotes a reference to cat and dog from the Life of the Scotch Rogue printed \
             in London in the year of the great fire.",
        );
        let b = Tokens::new(
            "Other words open this page today. See Hamlot, v. 1, and thc Glossary by Nares, s. \
             v. Brand quotes a reference to cat and dog from the Life of the Scotch Rogue \
             printed in London in the year of the great fire.",
        );
        let p = AlignParams::default();
        let out = align(&a, &b, &p);
        assert_eq!(out.len(), 1, "{out:?}");
        // the abbreviation's period ("v.") stops the ordinary extension
        assert!(
            texts(&a, &out[0]).starts_with("1 and the glossary"),
            "{out:?}"
        );
        let wide = extend_past_sentences(&a, &b, &out[0], &p, &[], &[]);
        assert_eq!(
            texts(&a, &wide),
            "see hamlet v 1 and the glossary of nares s v brand quotes a reference to cat and \
             dog from the life of the scotch rogue printed in london in the year of the great fire"
        );
        assert_eq!(wide.a.1, out[0].a.1);
        assert!(wide.matched > out[0].matched && wide.similarity >= p.min_similarity);
        // nor past what boilerplate blocks
        let blocked = extend_past_sentences(&a, &b, &out[0], &p, &[(0, out[0].a.0)], &[]);
        assert_eq!(blocked, out[0]);
    }

    /// Other text beyond a sentence end (a frame's next sentence with other fillers, an
    /// unrelated sentence sharing a few function words) is not taken.
    #[test]
    fn extension_past_sentence_ends_stops_at_other_text() {
        let shared = "the board of directors approved the merger with the rival company after \
                      a long review by the regulators";
        for (x, y) in [
            (
                "Shares of Acme rose 5 pct on Monday in heavy trade.",
                "Shares of Zenith fell 12 pct on Friday after the report.",
            ),
            (
                "It was a cold day in the north of the city.",
                "Nobody in the room knew what to say about it.",
            ),
        ] {
            let a = Tokens::new(&format!("{x} {shared}."));
            let b = Tokens::new(&format!("{y} {shared}."));
            let p = AlignParams::default();
            let out = align(&a, &b, &p);
            assert_eq!(out.len(), 1, "{out:?}");
            let wide = extend_past_sentences(&a, &b, &out[0], &p, &[], &[]);
            assert_eq!(wide, out[0], "{x} / {y}");
        }
    }

    #[test]
    fn unrelated_texts_share_nothing() {
        let a = Tokens::new("one two three four five six seven eight nine ten eleven twelve");
        let b = Tokens::new("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda");
        assert!(align(&a, &b, &AlignParams::default()).is_empty());
    }
}
