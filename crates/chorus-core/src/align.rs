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

use crate::fingerprint::{fingerprint_of_key, for_each_ngram_key};
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

// ---------------------------------------------------------------------------------------
// token comparison

/// Folds common OCR confusions (rn/m, cl/d, vv/w, 1|i/l, 0/o, c/e) into `out`, for
/// characters given as an iterator; returns the folded length.
fn ocr_fold<T: Copy + PartialEq + From<u8>>(s: &[T], out: &mut Vec<T>) {
    let (r, n, c, l, v, d, m, w, e, o) = (
        T::from(b'r'),
        T::from(b'n'),
        T::from(b'c'),
        T::from(b'l'),
        T::from(b'v'),
        T::from(b'd'),
        T::from(b'm'),
        T::from(b'w'),
        T::from(b'e'),
        T::from(b'o'),
    );
    out.clear();
    let mut i = 0;
    while i < s.len() {
        let x = s[i];
        let next = s.get(i + 1).copied();
        if let Some(y) = next {
            let pair = if x == r && y == n {
                Some(m)
            } else if x == c && y == l {
                Some(d)
            } else if x == v && y == v {
                Some(w)
            } else {
                None
            };
            if let Some(p) = pair {
                out.push(p);
                i += 2;
                continue;
            }
        }
        out.push(
            if x == T::from(b'1') || x == T::from(b'|') || x == T::from(b'i') {
                l
            } else if x == T::from(b'0') {
                o
            } else if x == c {
                e
            } else {
                x
            },
        );
        i += 1;
    }
}

fn edit_distance_at_most<T: PartialEq>(a: &[T], b: &[T], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    const MAX: usize = 64;
    if b.len() >= MAX {
        return a == b;
    }
    let mut prev = [0usize; MAX];
    let mut cur = [0usize; MAX];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            row_min = row_min.min(cur[j]);
        }
        if row_min > k {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= k
}

/// Cells of the largest gap matrix kept on the stack (a gap of up to 7 × 7 tokens); larger
/// gaps use the per-thread matrix.
const SMALL_GAP_CELLS: usize = 64;

thread_local! {
    /// Per-thread matrix for gap alignment: no allocation per gap.
    static GAP_MATRIX: std::cell::RefCell<Vec<(i32, u32)>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Per-thread buffers for fuzzy comparison: no allocation per token pair.
    static FUZZY_BUFFERS: std::cell::RefCell<[Vec<u32>; 4]> =
        const { std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]) };
}

fn fuzzy_folded(x: impl Iterator<Item = u32>, y: impl Iterator<Item = u32>) -> bool {
    FUZZY_BUFFERS.with(|b| {
        let [rx, ry, fx, fy] = &mut *b.borrow_mut();
        rx.clear();
        rx.extend(x);
        ry.clear();
        ry.extend(y);
        ocr_fold(rx, fx);
        ocr_fold(ry, fy);
        let k = (fx.len().max(fy.len()) / 4).max(1);
        edit_distance_at_most(fx, fy, k)
    })
}

/// The set of character classes of an ASCII word, as bits. Characters that OCR folding
/// maps onto each other share a class (r n m; c l d e i 1 |; v w; 0 o).
fn class_mask(word: &[u8]) -> u64 {
    word.iter().fold(0u64, |m, &c| {
        let class = match c {
            b'r' | b'n' | b'm' => 0,
            b'c' | b'l' | b'd' | b'e' | b'i' | b'1' | b'|' => 1,
            b'v' | b'w' => 2,
            b'0' | b'o' => 3,
            b'a'..=b'z' => 4 + (c - b'a') as u32,
            b'0'..=b'9' => 30 + (c - b'0') as u32,
            _ => 40 + (c % 20) as u32,
        };
        m | 1 << class
    })
}

/// True when two different tokens are the same word up to a typo or an OCR confusion.
pub fn fuzzy_equal(x: &str, y: &str) -> bool {
    if x.is_ascii() && y.is_ascii() {
        let (bx, by) = (x.as_bytes(), y.as_bytes());
        if bx.len().min(by.len()) < 4 || bx.len().abs_diff(by.len()) > 2 {
            return false;
        }
        // two words sharing neither their first nor their last two letters are different
        if bx[0] != by[0] && bx[bx.len() - 1] != by[by.len() - 1] && bx[1] != by[1] {
            return false;
        }
        // each edit changes at most two of the classes of characters a word uses, and
        // OCR folding keeps every character in its class: too many differing classes
        // rule the pair out before folding and the edit distance
        let k = (bx.len().max(by.len()) / 4).max(1) as u32;
        if (class_mask(bx) ^ class_mask(by)).count_ones() > 2 * k {
            return false;
        }
        return fuzzy_folded(bx.iter().map(|&c| c as u32), by.iter().map(|&c| c as u32));
    }
    let (lx, ly) = (x.chars().count(), y.chars().count());
    if lx.min(ly) < 4 || lx.abs_diff(ly) > 2 {
        return false;
    }
    fuzzy_folded(x.chars().map(|c| c as u32), y.chars().map(|c| c as u32))
}

struct Pair<'t> {
    a: &'t Tokens,
    b: &'t Tokens,
    s: Scoring,
    /// Token ranges (sorted, disjoint) that extension must not enter, per side.
    blocked_a: &'t [(u32, u32)],
    blocked_b: &'t [(u32, u32)],
}

/// True when a sentence ends between tokens `i` and `i + 1`.
fn sentence_break(t: &Tokens, i: usize) -> bool {
    let (end, next) = (t.ranges[i].1 as usize, t.ranges[i + 1].0 as usize);
    t.norm.as_bytes()[end..next]
        .iter()
        .any(|c| matches!(c, b'.' | b'!' | b'?' | b';'))
}

/// Tokens from position `i` forwards (or backwards) before a sentence break, up to `max`:
/// extension completes the sentences a passage starts and ends in, never the next ones.
fn sentence_run(t: &Tokens, i: usize, forward: bool, max: usize) -> usize {
    let mut k = 0;
    while k < max {
        // the step from the covered side onto token i + k (or i - 1 - k)
        let crosses = if forward {
            i + k > 0 && i + k < t.len() && sentence_break(t, i + k - 1)
        } else {
            i > k && i - k < t.len() && sentence_break(t, i - 1 - k)
        };
        if crosses {
            break;
        }
        k += 1;
    }
    k
}

/// Tokens free of `blocked` ranges from position `i` forwards (or backwards), up to `max`.
fn free_run(blocked: &[(u32, u32)], i: usize, forward: bool, max: usize) -> usize {
    let i = i as u32;
    if forward {
        // first range ending after i
        let k = blocked.partition_point(|r| r.1 <= i);
        match blocked.get(k) {
            Some(&(b, _)) => (b.saturating_sub(i) as usize).min(max),
            None => max,
        }
    } else {
        // last range starting before i
        let k = blocked.partition_point(|r| r.0 < i);
        match k.checked_sub(1).map(|k| blocked[k]) {
            Some((_, e)) => (i.saturating_sub(e) as usize).min(max),
            None => max,
        }
    }
}

impl Pair<'_> {
    /// Score of aligning token `i` of `a` with token `j` of `b`, and whether it is a match.
    fn cmp(&self, i: usize, j: usize) -> (i32, bool) {
        if self.a.hashes[i] == self.b.hashes[j] {
            (self.s.matched, true)
        } else if fuzzy_equal(self.a.text(i), self.b.text(j)) {
            (self.s.fuzzy, true)
        } else {
            (self.s.mismatch, false)
        }
    }

    /// Global alignment of `a[a0..a1]` with `b[b0..b1]`: (score, matched tokens).
    ///
    /// Typos are looked for only near the gap's diagonal (where a damaged copy's words
    /// line up); elsewhere only identical tokens match. That bounds the costly fuzzy
    /// comparisons to O(n + m) per gap.
    fn gap_fill(&self, a0: usize, a1: usize, b0: usize, b1: usize) -> (i32, u32) {
        let (n, m) = (a1 - a0, b1 - b0);
        if n == 0 || m == 0 {
            return (self.s.gap * (n + m) as i32, 0);
        }
        let cells = (n + 1) * (m + 1);
        // most gaps are a typo or two wide: their matrix fits on the stack
        if cells <= SMALL_GAP_CELLS {
            let mut h = [(0i32, 0u32); SMALL_GAP_CELLS];
            return self.gap_matrix(a0, n, b0, m, &mut h[..cells]);
        }
        GAP_MATRIX.with(|buf| {
            let mut h = buf.borrow_mut();
            h.clear();
            h.resize(cells, (0i32, 0u32));
            self.gap_matrix(a0, n, b0, m, &mut h)
        })
    }

    /// [`Pair::gap_fill`] of `a[a0..a0 + n]` and `b[b0..b0 + m]` in the matrix `h` of
    /// `(n + 1) × (m + 1)` cells, rows of `a`, its first row and column set here.
    fn gap_matrix(
        &self,
        a0: usize,
        n: usize,
        b0: usize,
        m: usize,
        h: &mut [(i32, u32)],
    ) -> (i32, u32) {
        const FUZZY_BAND: usize = 3;
        let w = m + 1;
        for (j, cell) in h.iter_mut().enumerate().take(m + 1) {
            *cell = (self.s.gap * j as i32, 0);
        }
        for i in 1..=n {
            h[i * w] = (self.s.gap * i as i32, 0);
            let diag = i * m / n;
            for j in 1..=m {
                let (c, is_match) = if j.abs_diff(diag) <= FUZZY_BAND {
                    self.cmp(a0 + i - 1, b0 + j - 1)
                } else if self.a.hashes[a0 + i - 1] == self.b.hashes[b0 + j - 1] {
                    (self.s.matched, true)
                } else {
                    (self.s.mismatch, false)
                };
                let d = h[(i - 1) * w + j - 1];
                let mut best = (d.0 + c, d.1 + u32::from(is_match));
                let up = h[(i - 1) * w + j];
                if up.0 + self.s.gap > best.0 {
                    best = (up.0 + self.s.gap, up.1);
                }
                let left = h[i * w + j - 1];
                if left.0 + self.s.gap > best.0 {
                    best = (left.0 + self.s.gap, left.1);
                }
                h[i * w + j] = best;
            }
        }
        h[n * w + m]
    }

    /// Extends from `(i0, j0)` backwards (`dir = -1`) or forwards (`dir = 1`) by banded
    /// X-drop alignment. Returns (tokens taken in a, tokens taken in b, matched tokens).
    fn extend(&self, i0: usize, j0: usize, forward: bool, p: &AlignParams) -> (usize, usize, u32) {
        let avail_a = free_run(
            self.blocked_a,
            i0,
            forward,
            if forward { self.a.len() - i0 } else { i0 },
        );
        let avail_b = free_run(
            self.blocked_b,
            j0,
            forward,
            if forward { self.b.len() - j0 } else { j0 },
        );
        let n = sentence_run(self.a, i0, forward, avail_a.min(p.extend_window));
        let m = sentence_run(self.b, j0, forward, avail_b.min(p.extend_window));
        if n == 0 || m == 0 {
            return (0, 0, 0);
        }
        let at = |k: usize, start: usize| if forward { start + k } else { start - 1 - k };
        const BAND: usize = 8;
        const NEG: i32 = i32::MIN / 4;
        let w = m + 1;
        let mut h = vec![(NEG, 0u32); (n + 1) * w];
        h[0] = (0, 0);
        for (j, cell) in h.iter_mut().enumerate().take(m.min(BAND) + 1).skip(1) {
            *cell = (self.s.gap * j as i32, 0);
        }
        let mut best = (0i32, 0usize, 0usize, 0u32);
        for i in 1..=n {
            let lo = i.saturating_sub(BAND);
            let hi = (i + BAND).min(m);
            let mut row_best = NEG;
            for j in lo..=hi {
                let mut cell = (NEG, 0u32);
                if j == 0 {
                    if i <= BAND {
                        cell = (self.s.gap * i as i32, 0);
                    }
                } else {
                    let (c, is_match) = self.cmp(at(i - 1, i0), at(j - 1, j0));
                    let d = h[(i - 1) * w + j - 1];
                    if d.0 > NEG {
                        cell = (d.0 + c, d.1 + u32::from(is_match));
                    }
                    let up = h[(i - 1) * w + j];
                    if up.0 > NEG && up.0 + self.s.gap > cell.0 {
                        cell = (up.0 + self.s.gap, up.1);
                    }
                    let left = h[i * w + j - 1];
                    if left.0 > NEG && left.0 + self.s.gap > cell.0 {
                        cell = (left.0 + self.s.gap, left.1);
                    }
                }
                h[i * w + j] = cell;
                row_best = row_best.max(cell.0);
                if cell.0 > best.0 || (cell.0 == best.0 && cell.0 > 0 && i + j < best.1 + best.2) {
                    best = (cell.0, i, j, cell.1);
                }
            }
            if row_best < best.0 - p.extend_drop {
                break;
            }
        }
        (best.1, best.2, best.3)
    }
}

// ---------------------------------------------------------------------------------------
// segments and chains

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Segment {
    a0: u32,
    b0: u32,
    len: u32,
}

impl Segment {
    fn diagonal(&self) -> i64 {
        i64::from(self.a0) - i64::from(self.b0)
    }
}

/// Joins seeds on one diagonal whose n-grams overlap or touch into exact segments.
fn segments(seeds: &[(u32, u32)], n: usize) -> Vec<Segment> {
    let mut by_diag: Vec<(i64, u32, u32)> = seeds
        .iter()
        .map(|&(a, b)| (a as i64 - b as i64, a, b))
        .collect();
    by_diag.sort_unstable();
    by_diag.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < by_diag.len() {
        let (d, a0, b0) = by_diag[i];
        let mut last = a0;
        let mut k = i + 1;
        while k < by_diag.len() && by_diag[k].0 == d && by_diag[k].1 <= last + n as u32 {
            last = by_diag[k].1;
            k += 1;
        }
        out.push(Segment {
            a0,
            b0,
            len: last - a0 + n as u32,
        });
        i = k;
    }
    out.sort_unstable();
    out
}

/// How segment `i` continues a chain ending with segment `j`: the number of leading tokens
/// of `i` already covered (trim) and the cost of the gap between them, or `None` when the
/// gap is not bridged. A gap is `min(ga, gb)` substituted tokens plus `|ga - gb|` inserted
/// or deleted ones. Insertions and deletions alone (a dropped sentence) are bridged up to
/// `max_skip` tokens, substitutions while they cost at most `merge_drop`. A longer
/// two-sided gap is aligned exactly and bridged only when it is a damaged copy rather than
/// different text: at least half of its tokens match (exactly or up to a typo) and its
/// score, insertions and deletions aside, stays within `merge_drop`.
fn link(
    pair: &Pair<'_>,
    j: &Segment,
    i: &Segment,
    p: &AlignParams,
    worth: impl Fn(u32, i32) -> bool,
) -> Option<(u32, i32)> {
    if i.a0 <= j.a0 || i.b0 <= j.b0 {
        return None;
    }
    let (ja1, jb1) = (j.a0 + j.len, j.b0 + j.len);
    let trim = ja1.saturating_sub(i.a0).max(jb1.saturating_sub(i.b0));
    if trim >= i.len {
        return None;
    }
    let (a0, b0) = (i.a0 + trim, i.b0 + trim);
    let (ga, gb) = (a0 - ja1.min(a0), b0 - jb1.min(b0));
    if ga.max(gb) as usize > p.max_skip {
        return None;
    }
    let (lo, hi) = (ga.min(gb), ga.max(gb));
    let indels = p.scoring.gap * (hi - lo) as i32;
    let substitutions = p.scoring.mismatch * lo as i32;
    if lo <= 2 || substitutions >= -p.merge_drop {
        return Some((trim, substitutions + indels));
    }
    // the exact alignment can at best match every substituted token: skip it when even
    // that would not beat the chain already found for `i`
    if !worth(trim, p.scoring.matched * lo as i32 + indels) {
        return None;
    }
    let (exact, matched) = pair.gap_fill(ja1 as usize, a0 as usize, jb1 as usize, b0 as usize);
    (2 * matched >= lo && exact - indels >= -p.merge_drop).then_some((trim, exact))
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

/// [`align_seeds`], with token ranges of each side (sorted, disjoint; boilerplate) that
/// the extension of a passage must not enter.
pub fn align_seeds_blocked(
    a: &Tokens,
    b: &Tokens,
    seeds: &[(u32, u32)],
    p: &AlignParams,
    blocked_a: &[(u32, u32)],
    blocked_b: &[(u32, u32)],
) -> Vec<Alignment> {
    let segs = segments(seeds, p.ngram);
    if segs.is_empty() {
        return Vec::new();
    }
    let pair = Pair {
        a,
        b,
        s: p.scoring,
        blocked_a,
        blocked_b,
    };
    let ms = p.scoring.matched;
    // chaining DP
    let mut f: Vec<i64> = Vec::with_capacity(segs.len());
    let mut pred: Vec<Option<(usize, u32)>> = Vec::with_capacity(segs.len());
    const MAX_PREDECESSORS: usize = 256;
    let max_len = segs.iter().map(|s| s.len as usize).max().unwrap_or(0);
    let mut between: Vec<usize> = Vec::new();
    // the first segment of each segment's best chain
    let mut start: Vec<usize> = Vec::with_capacity(segs.len());
    for (ii, si) in segs.iter().enumerate() {
        let mut best = (ms as i64 * si.len as i64, None);
        // Predecessors already linked to `si` that end before it starts on both sides. A
        // predecessor that ends before one of them starts, on diagonals around it, and that
        // one's best chain starts at or before it on both sides, is joined to `si` through that
        // chain, so the gap between it and `si` is not aligned exactly a second time.
        between.clear();
        for (seen, jj) in (0..ii).rev().enumerate() {
            let sj = &segs[jj];
            // segments are sorted by a0: none further back can end within reach.
            if sj.a0 as usize + max_len + p.max_skip < si.a0 as usize || seen >= MAX_PREDECESSORS {
                break;
            }
            let (ja1, jb1) = (sj.a0 + sj.len, sj.b0 + sj.len);
            let (dj, di) = (sj.diagonal(), si.diagonal());
            let (dlo, dhi) = (dj.min(di) - 2, dj.max(di) + 2);
            let spanned = between.iter().any(|&kk| {
                let k = &segs[kk];
                k.a0 >= ja1
                    && k.b0 >= jb1
                    && (dlo..=dhi).contains(&k.diagonal())
                    && start[kk] <= jj
                    && segs[start[kk]].b0 <= sj.b0
                    && f[kk] >= f[jj]
            });
            let fj = f[jj];
            let bar = best.0;
            let worth = |trim: u32, cost: i32| {
                !spanned
                    && fj + cost as i64 > 0
                    && fj + cost as i64 + ms as i64 * (si.len - trim) as i64 > bar
            };
            if let Some((trim, cost)) = link(&pair, sj, si, p, worth) {
                let cand = f[jj] + cost as i64 + ms as i64 * (si.len - trim) as i64;
                let carries = f[jj] + (cost as i64) > 0;
                if carries && cand > best.0 {
                    best = (cand, Some((jj, trim)));
                }
                if carries && ja1 <= si.a0 && jb1 <= si.b0 {
                    between.push(jj);
                }
            }
        }
        f.push(best.0);
        start.push(best.1.map_or(ii, |(jj, _)| start[jj]));
        pred.push(best.1);
    }
    // read chains off, best first, never reusing a segment
    let mut order: Vec<usize> = (0..segs.len()).collect();
    order.sort_by(|&x, &y| f[y].cmp(&f[x]).then(segs[x].cmp(&segs[y])));
    let mut used = vec![false; segs.len()];
    let mut out: Vec<Alignment> = Vec::new();
    for &end in &order {
        if used[end] {
            continue;
        }
        // chain from `end` back to its first segment (or to a segment already used)
        let mut chain = vec![(end, 0u32)];
        used[end] = true;
        let mut cur = end;
        while let Some((prev, trim)) = pred[cur] {
            chain.last_mut().expect("non-empty").1 = trim;
            if used[prev] {
                // the segment before belongs to a better chain: start here, untrimmed.
                chain.last_mut().expect("non-empty").1 = 0;
                break;
            }
            used[prev] = true;
            chain.push((prev, 0));
            cur = prev;
        }
        chain.reverse();
        if let Some(al) = chain_alignment(&pair, &segs, &chain, p) {
            out.push(al);
        }
    }
    // drop passages that mostly repeat a better one (repeated text inside a document)
    out.sort_by(|x, y| {
        y.matched
            .cmp(&x.matched)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let mut kept: Vec<Alignment> = Vec::with_capacity(out.len());
    for al in out {
        let dup = kept.iter().any(|k| {
            range_overlap(k.a, al.a) * 2 > (al.a.1 - al.a.0)
                && range_overlap(k.b, al.b) * 2 > (al.b.1 - al.b.0)
        });
        if !dup {
            kept.push(al);
        }
    }
    kept.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    kept
}

fn range_overlap(x: (u32, u32), y: (u32, u32)) -> u32 {
    x.1.min(y.1).saturating_sub(x.0.max(y.0))
}

fn chain_alignment(
    pair: &Pair<'_>,
    segs: &[Segment],
    chain: &[(usize, u32)],
    p: &AlignParams,
) -> Option<Alignment> {
    let first = &segs[chain[0].0];
    let (mut a0, mut b0) = (first.a0 as usize, first.b0 as usize);
    let (mut a1, mut b1) = (a0, b0);
    let mut matched = 0u32;
    for &(k, trim) in chain {
        let s = &segs[k];
        let (sa0, sb0) = ((s.a0 + trim) as usize, (s.b0 + trim) as usize);
        if sa0 > a1 || sb0 > b1 {
            matched += pair.gap_fill(a1, sa0.max(a1), b1, sb0.max(b1)).1;
        }
        matched += s.len - trim;
        a1 = (s.a0 + s.len) as usize;
        b1 = (s.b0 + s.len) as usize;
    }
    let (la, lb, ml) = pair.extend(a0, b0, false, p);
    a0 -= la;
    b0 -= lb;
    let (ra, rb, mr) = pair.extend(a1, b1, true, p);
    a1 += ra;
    b1 += rb;
    matched += ml + mr;
    let (na, nb) = (a1 - a0, b1 - b0);
    if na.min(nb) < p.min_tokens || (matched as usize) < p.min_matched {
        return None;
    }
    let similarity = (matched as f64 / na.max(nb) as f64).min(1.0);
    if similarity < p.min_similarity {
        return None;
    }
    Some(Alignment {
        a: (a0 as u32, a1 as u32),
        b: (b0 as u32, b1 as u32),
        matched,
        similarity,
    })
}

/// Seeds of two token sequences: positions of every n-gram they share, sorted.
pub fn shared_seeds(a: &Tokens, b: &Tokens, n: usize) -> Vec<(u32, u32)> {
    let mut seeds = Vec::new();
    NgramPositions::new(a, n).seeds_into(b, &mut seeds);
    seeds.sort_unstable();
    seeds
}

/// Where each n-gram fingerprint of one token sequence occurs: built once, it seeds that
/// sequence against many others (a query against its candidates) without rehashing it.
#[derive(Debug, Clone, Default)]
pub struct NgramPositions {
    n: usize,
    /// The last position of each n-gram, by key (see [`for_each_ngram_key`]).
    last: foldhash::HashMap<u64, u32>,
    /// `prev[i]`: the previous position with the fingerprint of position `i` (`NONE`: none).
    /// Chained positions instead of a list per fingerprint: two allocations per sequence,
    /// not one per distinct n-gram.
    prev: Vec<u32>,
    /// One bit per n-gram key's low bits, set for those of the sequence: most n-grams of
    /// the other sequence are not in this one, and the bit says so without a table probe.
    filter: Vec<u64>,
}

const NONE: u32 = u32::MAX;

impl NgramPositions {
    /// Indexes the n-grams of `a`.
    pub fn new(a: &Tokens, n: usize) -> NgramPositions {
        let grams = (a.len() + 1).saturating_sub(n);
        let mut last: foldhash::HashMap<u64, u32> =
            foldhash::HashMap::with_capacity_and_hasher(grams, Default::default());
        let mut prev = Vec::with_capacity(grams);
        // about 16 bits per n-gram: few false positives, and small enough to stay in cache
        let bits = (grams * 16).next_power_of_two().clamp(64, 1 << 20);
        let mut filter = vec![0u64; bits / 64];
        for_each_ngram_key(&a.hashes, n, |i, h| {
            debug_assert_eq!(i, prev.len());
            prev.push(last.insert(h, i as u32).unwrap_or(NONE));
            let b = h as usize & (bits - 1);
            filter[b / 64] |= 1 << (b % 64);
        });
        NgramPositions {
            n,
            last,
            prev,
            filter,
        }
    }

    /// Whether `h` may be one of the sequence's fingerprints (no false negatives).
    #[inline]
    fn may_have(&self, h: u64) -> bool {
        let b = h as usize & (self.filter.len() * 64 - 1);
        self.filter[b / 64] >> (b % 64) & 1 == 1
    }

    /// The n-gram length.
    pub fn ngram(&self) -> usize {
        self.n
    }

    /// The distinct fingerprints of the sequence, in no particular order.
    pub fn distinct(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.last.keys().map(|&k| fingerprint_of_key(k))
    }

    /// Every `(position in the indexed sequence, position in b)` whose n-grams are equal,
    /// into `seeds` (cleared first), unsorted.
    fn seeds_into(&self, b: &Tokens, seeds: &mut Vec<(u32, u32)>) {
        seeds.clear();
        if self.filter.is_empty() {
            return;
        }
        for_each_ngram_key(&b.hashes, self.n, |j, h| {
            if !self.may_have(h) {
                return;
            }
            if let Some(&i) = self.last.get(&h) {
                let mut i = i;
                while i != NONE {
                    seeds.push((i, j as u32));
                    i = self.prev[i as usize];
                }
            }
        });
    }
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

    /// A gap's score does not depend on where its matrix lives (on the stack for small
    /// gaps, in the per-thread buffer for large ones) nor on what the buffer held before.
    #[test]
    fn gap_scores_do_not_depend_on_the_matrix_buffer() {
        let a =
            Tokens::new("the new bridge acros the river will open in march after years of delay");
        let b =
            Tokens::new("a new bridgc across that river opens in march after many years of delays");
        let pair = Pair {
            a: &a,
            b: &b,
            s: Scoring::default(),
            blocked_a: &[],
            blocked_b: &[],
        };
        for n in 0..=a.len() {
            for m in 0..=b.len() {
                let got = pair.gap_fill(0, n, b.len() - m, b.len());
                if n == 0 || m == 0 {
                    continue;
                }
                let mut junk = vec![(i32::MIN / 2, 7u32); (n + 1) * (m + 1)];
                assert_eq!(
                    got,
                    pair.gap_matrix(0, n, b.len() - m, m, &mut junk),
                    "{n} × {m}"
                );
            }
        }
    }

    #[test]
    fn fuzzy_tokens() {
        assert!(fuzzy_equal("innoceent", "innocent"));
        assert!(fuzzy_equal("modern", "modem"));
        assert!(fuzzy_equal("world", "wor1d"));
        assert!(!fuzzy_equal("the", "tho"));
        assert!(!fuzzy_equal("government", "governor"));
        assert!(!fuzzy_equal("house", "mouse1234"));
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
    fn free_runs_stop_at_blocked_ranges() {
        let blocked = [(10, 15), (30, 40)];
        assert_eq!(free_run(&blocked, 5, true, 100), 5);
        assert_eq!(free_run(&blocked, 12, true, 100), 0);
        assert_eq!(free_run(&blocked, 20, true, 100), 10);
        assert_eq!(free_run(&blocked, 45, true, 100), 100);
        assert_eq!(free_run(&blocked, 20, false, 100), 5);
        assert_eq!(free_run(&blocked, 8, false, 100), 100);
        assert_eq!(free_run(&blocked, 12, false, 100), 0);
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

    #[test]
    fn unrelated_texts_share_nothing() {
        let a = Tokens::new("one two three four five six seven eight nine ten eleven twelve");
        let b = Tokens::new("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda");
        assert!(align(&a, &b, &AlignParams::default()).is_empty());
    }
}
