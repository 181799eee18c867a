//! Gap filling and extension: the exact alignments inside and at the ends of a chain.
//!
//! A [`Pair`] is the two token sequences being aligned, with the scoring and the ranges
//! (boilerplate) that extension must not enter. [`Pair::gap_fill`] aligns the tokens
//! between two chained segments globally (linear gaps) to count the matched tokens, looking
//! for typos only near the gap's diagonal; its matrix lives on the stack for small gaps and
//! in a per-thread buffer otherwise. [`Pair::extend`] grows a chain at one end by banded
//! X-drop alignment, within the sentence the passage starts or ends in and outside blocked
//! ranges, so damaged words at a passage's edges (where no n-gram survives) are covered;
//! [`Pair::extend_past`] runs the same extension on through sentence ends where the copies'
//! sentences end together, keeping the stretch only when it matches at the passage's level.

use super::tokens::{FuzzyKey, fuzzy_equal_keyed};
use super::{AlignParams, Scoring};
use crate::tokenize::Tokens;

/// Cells of the largest gap matrix kept on the stack (a gap of up to 7 × 7 tokens); larger
/// gaps use the per-thread matrix.
const SMALL_GAP_CELLS: usize = 64;
thread_local! {
    /// Per-thread matrix for gap alignment: no allocation per gap.
    static GAP_MATRIX: std::cell::RefCell<Vec<(i32, u32)>> = const { std::cell::RefCell::new(Vec::new()) };
}

thread_local! {
    /// Per-thread fuzzy keys of a gap's tokens, of `a` then of `b`.
    static GAP_KEYS: std::cell::RefCell<Vec<FuzzyKey>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Per-thread buffers of [`Pair::extend`]: the fuzzy keys of the window's tokens on each
/// side and two rows of its matrix.
struct ExtendBuffers {
    ka: Vec<FuzzyKey>,
    kb: Vec<FuzzyKey>,
    /// The hashes of the columns' tokens (of `b`), read once each.
    hb: Vec<u64>,
    prev: Vec<(i32, u32)>,
    cur: Vec<(i32, u32)>,
}

thread_local! {
    static EXTEND_BUFFERS: std::cell::RefCell<ExtendBuffers> = const {
        std::cell::RefCell::new(ExtendBuffers {
            ka: Vec::new(),
            kb: Vec::new(),
            hb: Vec::new(),
            prev: Vec::new(),
            cur: Vec::new(),
        })
    };
}

pub(crate) struct Pair<'t> {
    pub(crate) a: &'t Tokens,
    pub(crate) b: &'t Tokens,
    pub(crate) s: Scoring,
    /// Token ranges (sorted, disjoint) that extension must not enter, per side.
    pub(crate) blocked_a: &'t [(u32, u32)],
    pub(crate) blocked_b: &'t [(u32, u32)],
}

/// True when a sentence ends between tokens `i` and `i + 1`.
fn sentence_break(t: &Tokens, i: usize) -> bool {
    let (end, next) = (t.ranges.end(i) as usize, t.ranges.start(i + 1) as usize);
    t.norm.as_bytes()[end..next]
        .iter()
        .any(|c| matches!(c, b'.' | b'!' | b'?' | b';'))
}

/// Tokens from position `i` forwards (or backwards) before a sentence break, up to `max`:
/// extension completes the sentences a passage starts and ends in, never the next ones.
#[cfg(test)]
fn sentence_run(t: &Tokens, i: usize, forward: bool, max: usize) -> usize {
    let mut run = SentenceRun::new(t, i, forward, max, 0);
    run.has(max);
    run.known
}

/// [`sentence_run`] found lazily: the extension asks whether the run reaches a token only
/// for the rows and columns its X-drop reaches, so the text beyond is never read.
struct SentenceRun<'t> {
    t: &'t Tokens,
    i: usize,
    forward: bool,
    max: usize,
    /// Tokens known to be in the run.
    known: usize,
    /// The run ends at `known`.
    ended: bool,
    /// Sentence breaks the run may still cross (0: it ends at the first).
    crossings: u32,
}

impl<'t> SentenceRun<'t> {
    fn new(t: &'t Tokens, i: usize, forward: bool, max: usize, crossings: u32) -> SentenceRun<'t> {
        SentenceRun {
            t,
            i,
            forward,
            max,
            known: 0,
            ended: false,
            crossings,
        }
    }

    /// Whether the run has at least `len` tokens; afterwards `known` is the smaller of
    /// `len` and the run's length.
    #[inline]
    fn has(&mut self, len: usize) -> bool {
        let (t, i) = (self.t, self.i);
        while self.known < len && !self.ended {
            let k = self.known;
            // the step from the covered side onto token i + k (or i - 1 - k)
            let crosses = if self.forward {
                i + k > 0 && i + k < t.len() && sentence_break(t, i + k - 1)
            } else {
                i > k && i - k < t.len() && sentence_break(t, i - 1 - k)
            };
            if k >= self.max || (crosses && self.crossings == 0) {
                self.ended = true;
            } else {
                if crosses {
                    self.crossings -= 1;
                }
                self.known += 1;
            }
        }
        self.known >= len
    }
}

/// Tokens an extension may leave unmatched before a sentence end and still continue past
/// it ([`Pair::extend_past`]): a damaged word or two at the end of a sentence.
const BREAK_SLACK: usize = 3;

/// Fewest matched tokens of a stretch taken past a sentence end ([`Pair::extend_past`]):
/// one shared function word is chance, three are a sentence that still matches.
const PAST_BREAK_MATCHED: usize = 3;

/// Tokens from position `i` (the first token not taken, forwards, or the first taken,
/// backwards) to the nearest sentence end, when there are at most `max`.
fn to_break(t: &Tokens, i: usize, forward: bool, max: usize) -> Option<usize> {
    for k in 0..=max {
        // is there a break between the k-th token and the one after it?
        let crosses = if forward {
            i + k > 0 && i + k < t.len() && sentence_break(t, i + k - 1)
        } else {
            i > k && i - k < t.len() && sentence_break(t, i - 1 - k)
        };
        if crosses {
            return Some(k);
        }
        if (forward && i + k >= t.len()) || (!forward && i <= k) {
            return None;
        }
    }
    None
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
    /// Score of aligning token `i` of `a` (fuzzy key `ki`) with token `j` of `b` (`kj`),
    /// and whether it is a match.
    #[inline]
    fn cmp_keyed(&self, i: usize, ki: &FuzzyKey, j: usize, kj: &FuzzyKey) -> (i32, bool) {
        if self.a.hashes[i] == self.b.hashes[j] {
            (self.s.matched, true)
        } else if !ki.rules_out(kj) && fuzzy_equal_keyed(self.a.text(i), ki, self.b.text(j), kj) {
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
    pub(crate) fn gap_fill(&self, a0: usize, a1: usize, b0: usize, b1: usize) -> (i32, u32) {
        self.gap_fill_from(a0, a1, b0, b1, i32::MIN)
            .expect("no floor: always filled")
    }

    /// [`Pair::gap_fill`] when its score reaches `floor`, else `None`: the matrix is left
    /// as soon as no cell of a row, even matching every token after it, can end at
    /// `floor` (a gap between unrelated stretches is given up on halfway).
    pub(crate) fn gap_fill_from(
        &self,
        a0: usize,
        a1: usize,
        b0: usize,
        b1: usize,
        floor: i32,
    ) -> Option<(i32, u32)> {
        let (n, m) = (a1 - a0, b1 - b0);
        if n == 0 || m == 0 {
            let score = self.s.gap * (n + m) as i32;
            return (score >= floor).then_some((score, 0));
        }
        let cells = (n + 1) * (m + 1);
        // most gaps are a typo or two wide: their matrix fits on the stack
        if cells <= SMALL_GAP_CELLS {
            let mut h = [(0i32, 0u32); SMALL_GAP_CELLS];
            return self.gap_matrix(a0, n, b0, m, &mut h[..cells], floor);
        }
        GAP_MATRIX.with(|buf| {
            let mut h = buf.borrow_mut();
            h.clear();
            h.resize(cells, (0i32, 0u32));
            self.gap_matrix(a0, n, b0, m, &mut h, floor)
        })
    }

    /// [`Pair::gap_fill_from`] of `a[a0..a0 + n]` and `b[b0..b0 + m]` in the matrix `h` of
    /// `(n + 1) × (m + 1)` cells, rows of `a`, its first row and column set here.
    fn gap_matrix(
        &self,
        a0: usize,
        n: usize,
        b0: usize,
        m: usize,
        h: &mut [(i32, u32)],
        floor: i32,
    ) -> Option<(i32, u32)> {
        for (j, cell) in h.iter_mut().enumerate().take(m + 1) {
            *cell = (self.s.gap * j as i32, 0);
        }
        GAP_KEYS.with(|buf| {
            // each token's fuzzy key once, not once per cell of the band it is compared in
            let keys = &mut *buf.borrow_mut();
            keys.clear();
            keys.extend((a0..a0 + n).map(|i| FuzzyKey::of(self.a.text(i))));
            keys.extend((b0..b0 + m).map(|j| FuzzyKey::of(self.b.text(j))));
            let (ka, kb) = keys.split_at(n);
            self.gap_cells(a0, n, b0, m, h, ka, kb, floor)
        })
    }

    /// The most a path from a cell `r` rows and `c` columns before the end of a gap's
    /// matrix can add: `d` diagonal steps (at most a match each) and `r + c - 2d` gaps,
    /// linear in `d`, so best at `d = 0` or `d = min(r, c)`.
    #[inline]
    fn reach(&self, r: usize, c: usize) -> i32 {
        let diag = self.s.matched.max(self.s.fuzzy).max(self.s.mismatch);
        let d = r.min(c) as i32;
        let gaps = (r + c) as i32;
        (self.s.gap * gaps).max(diag * d + self.s.gap * (gaps - 2 * d))
    }

    /// The cells of [`Pair::gap_matrix`] below its first row and right of its first
    /// column, `ka` and `kb` the fuzzy keys of the gap's tokens of `a` and of `b`; `None`
    /// once no cell of a row can reach `floor` ([`Pair::gap_fill_from`]).
    #[allow(clippy::too_many_arguments)]
    fn gap_cells(
        &self,
        a0: usize,
        n: usize,
        b0: usize,
        m: usize,
        h: &mut [(i32, u32)],
        ka: &[FuzzyKey],
        kb: &[FuzzyKey],
        floor: i32,
    ) -> Option<(i32, u32)> {
        const FUZZY_BAND: usize = 3;
        let w = m + 1;
        let (ha, hb) = (&self.a.hashes[a0..a0 + n], &self.b.hashes[b0..b0 + m]);
        for i in 1..=n {
            h[i * w] = (self.s.gap * i as i32, 0);
            let diag = i * m / n;
            let hai = ha[i - 1];
            for j in 1..=m {
                let (c, is_match) = if j.abs_diff(diag) <= FUZZY_BAND {
                    self.cmp_keyed(a0 + i - 1, &ka[i - 1], b0 + j - 1, &kb[j - 1])
                } else if hai == hb[j - 1] {
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
            // every path to the last cell crosses this row
            if floor > i32::MIN
                && i < n
                && h[i * w..(i + 1) * w]
                    .iter()
                    .enumerate()
                    .all(|(j, cell)| cell.0 + self.reach(n - i, m - j) < floor)
            {
                return None;
            }
        }
        let last = h[n * w + m];
        (last.0 >= floor).then_some(last)
    }

    /// Extends from `(i0, j0)` backwards (`dir = -1`) or forwards (`dir = 1`) by banded
    /// X-drop alignment. Returns (tokens taken in a, tokens taken in b, matched tokens).
    pub(crate) fn extend(
        &self,
        i0: usize,
        j0: usize,
        forward: bool,
        p: &AlignParams,
    ) -> (usize, usize, u32) {
        self.extend_crossing(i0, j0, forward, p, 0)
    }

    /// The extension past the sentence end where an extension from `(i0, j0)` stops (see
    /// [`super::extend_past_sentences`]): when the copies' sentences end within
    /// [`BREAK_SLACK`] tokens of `(i0, j0)` on both sides, the X-drop extension is run on
    /// through sentence ends, up to `p.extend_window` tokens, and its stretch is kept when
    /// it crosses the first end on both sides with at least [`PAST_BREAK_MATCHED`] matched
    /// tokens and at least `level` of its longer side matched. Returns (tokens taken in a,
    /// tokens taken in b, matched tokens).
    pub(crate) fn extend_past(
        &self,
        i0: usize,
        j0: usize,
        forward: bool,
        p: &AlignParams,
        level: f64,
    ) -> (usize, usize, u32) {
        let (Some(ra), Some(rb)) = (
            to_break(self.a, i0, forward, BREAK_SLACK),
            to_break(self.b, j0, forward, BREAK_SLACK),
        ) else {
            return (0, 0, 0);
        };
        let (xa, xb, xm) = self.extend_crossing(i0, j0, forward, p, u32::MAX);
        let enough = xa > ra
            && xb > rb
            && xm as usize >= PAST_BREAK_MATCHED
            && f64::from(xm) >= level * xa.max(xb) as f64;
        if enough { (xa, xb, xm) } else { (0, 0, 0) }
    }

    /// [`Pair::extend`] through up to `crossings` sentence ends (`u32::MAX`: any).
    fn extend_crossing(
        &self,
        i0: usize,
        j0: usize,
        forward: bool,
        p: &AlignParams,
        crossings: u32,
    ) -> (usize, usize, u32) {
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
        // the rows (tokens of a) and columns (of b) the extension may take, found lazily
        let mut rows =
            SentenceRun::new(self.a, i0, forward, avail_a.min(p.extend_window), crossings);
        if !rows.has(1) {
            return (0, 0, 0);
        }
        let max_b = avail_b.min(p.extend_window);
        let mut cols = SentenceRun::new(self.b, j0, forward, max_b, crossings);
        if !cols.has(1) {
            return (0, 0, 0);
        }
        let at = |k: usize, start: usize| if forward { start + k } else { start - 1 - k };
        const BAND: usize = 8;
        const NEG: i32 = i32::MIN / 4;
        EXTEND_BUFFERS.with(|buf| {
            let ExtendBuffers {
                ka,
                kb,
                hb,
                prev,
                cur,
            } = &mut *buf.borrow_mut();
            // each token's fuzzy key once, not once per cell of its row or column, and
            // only for the rows and columns the X-drop reaches
            ka.clear();
            kb.clear();
            hb.clear();
            // two rows of the (n + 1) × (m + 1) matrix; cells outside the band are NEG
            // (columns past the run's end, unknown yet, are never read)
            prev.clear();
            prev.resize(max_b + 1, (NEG, 0));
            cur.clear();
            cur.resize(max_b + 1, (NEG, 0));
            prev[0] = (0, 0);
            for (j, cell) in prev
                .iter_mut()
                .enumerate()
                .take(max_b.min(BAND) + 1)
                .skip(1)
            {
                *cell = (self.s.gap * j as i32, 0);
            }
            let mut best = (0i32, 0usize, 0usize, 0u32);
            let mut i = 0;
            while rows.has(i + 1) {
                i += 1;
                let lo = i.saturating_sub(BAND);
                // the last column of the band: i + BAND, or the run's end before it
                cols.has(i + BAND);
                let hi = cols.known;
                cur.fill((NEG, 0));
                let ai = at(i - 1, i0);
                ka.push(FuzzyKey::of(self.a.text(ai)));
                while kb.len() < hi {
                    let bj = at(kb.len(), j0);
                    kb.push(FuzzyKey::of(self.b.text(bj)));
                    hb.push(self.b.hashes[bj]);
                }
                let kai = &ka[i - 1];
                let hai = self.a.hashes[ai];
                let mut row_best = NEG;
                for j in lo..=hi {
                    let mut cell = (NEG, 0u32);
                    if j == 0 {
                        if i <= BAND {
                            cell = (self.s.gap * i as i32, 0);
                        }
                    } else {
                        // `cmp_keyed`, the hashes read once per row and column
                        let (c, is_match) = if hai == hb[j - 1] {
                            (self.s.matched, true)
                        } else if !kai.rules_out(&kb[j - 1])
                            && fuzzy_equal_keyed(
                                self.a.text(ai),
                                kai,
                                self.b.text(at(j - 1, j0)),
                                &kb[j - 1],
                            )
                        {
                            (self.s.fuzzy, true)
                        } else {
                            (self.s.mismatch, false)
                        };
                        let d = prev[j - 1];
                        if d.0 > NEG {
                            cell = (d.0 + c, d.1 + u32::from(is_match));
                        }
                        let up = prev[j];
                        if up.0 > NEG && up.0 + self.s.gap > cell.0 {
                            cell = (up.0 + self.s.gap, up.1);
                        }
                        let left = cur[j - 1];
                        if left.0 > NEG && left.0 + self.s.gap > cell.0 {
                            cell = (left.0 + self.s.gap, left.1);
                        }
                    }
                    cur[j] = cell;
                    row_best = row_best.max(cell.0);
                    if cell.0 > best.0
                        || (cell.0 == best.0 && cell.0 > 0 && i + j < best.1 + best.2)
                    {
                        best = (cell.0, i, j, cell.1);
                    }
                }
                if row_best < best.0 - p.extend_drop {
                    break;
                }
                std::mem::swap(prev, cur);
            }
            (best.1, best.2, best.3)
        })
    }
}

#[cfg(test)]
mod tests;
