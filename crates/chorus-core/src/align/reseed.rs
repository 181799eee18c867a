//! Re-seeding inside a pair: shorter seeds near the passages the n-gram seeds found.
//!
//! A heavily edited copy (a damaged word every four to six, a sentence or two dropped)
//! keeps few runs of `n` (5) identical words: a short passage may keep one, its damaged
//! first and last sentences none. The pair is already a candidate, so the corpus-wide
//! evidence is in; inside it, runs of [`RESEED_N`] (3) identical tokens are looked for in
//! a window of [`WINDOW`] tokens out from each end of each segment (not inside it: that is
//! matched already, nor where another segment follows within a typo or two), on diagonals
//! within [`WINDOW`] of it
//! (a dropped sentence shifts the diagonal by its length). They become segments like the
//! others, so chaining scores them: a short run only joins a chain where it pays for its
//! gap, and chance runs of function words far from any passage are never looked at. A run
//! must hold a word of four or more bytes ("of the same" does, "and in the" does not), and
//! a run repeated more than [`MAX_REPEATS`] times in a window is ignored.
//! Cost: a sort of the windows' 3-gram keys per pair, O(w log w) for w window tokens, at
//! most 2 × 34 per segment.

use super::chain::Segment;
use crate::fingerprint::for_each_ngram_key;
use crate::tokenize::Tokens;

/// Length of the short seeds.
pub(super) const RESEED_N: usize = 3;
/// Tokens around a segment (each side) and diagonals around it searched for short seeds.
const WINDOW: u32 = 32;
/// Segments this close (tokens, and diagonals) close each other's ends: no window there.
const CLOSE: u32 = 4;
/// Short seeds whose key occurs more often than this in a window are ignored.
const MAX_REPEATS: usize = 4;

/// Merged windows `[begin, end)` at the ends of the segments, on one side: `WINDOW`
/// tokens out from each end and `RESEED_N - 1` in (a segment's inside is matched already,
/// so a long exact copy costs next to nothing).
fn windows(segs: &[Segment], len: usize, side: impl Fn(&Segment) -> u32) -> Vec<(u32, u32)> {
    let inside = RESEED_N as u32 - 1;
    let mut w: Vec<(u32, u32)> = Vec::new();
    for (k, s) in segs.iter().enumerate() {
        let (b, e) = (side(s), side(s) + s.len);
        let (open_before, open_after) = open_ends(segs, k);
        if open_before {
            w.push((b.saturating_sub(WINDOW), (b + inside).min(e)));
        }
        if open_after {
            w.push((
                e.saturating_sub(inside).max(b),
                (e + WINDOW).min(len as u32),
            ));
        }
    }
    w.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(w.len());
    for (b, e) in w {
        match out.last_mut() {
            Some(l) if b <= l.1 => l.1 = l.1.max(e),
            _ => out.push((b, e)),
        }
    }
    out
}

/// Whether segment `k`'s start and end are open: no other segment on a diagonal within
/// [`CLOSE`] ends (starts) within [`CLOSE`] tokens before (after) it. A typo between two
/// segments of a lightly damaged copy is not searched; a passage's ends and the wide gaps
/// of a heavy edit are.
fn open_ends(segs: &[Segment], k: usize) -> (bool, bool) {
    let s = &segs[k];
    let d = s.diagonal();
    let close = |o: &Segment| (o.diagonal() - d).unsigned_abs() <= CLOSE as u64;
    let (b, e) = (s.a0, s.a0 + s.len);
    // sorted by a0: followers start within e + CLOSE
    let after = segs[k + 1..]
        .iter()
        .take_while(|o| o.a0 <= e + CLOSE)
        .any(|o| o.a0 >= b && close(o));
    let before = segs[..k]
        .iter()
        .rev()
        .take(16)
        .any(|o| o.a0 + o.len + CLOSE >= b && o.a0 < b && close(o));
    (!before, !after)
}

/// Keys of the short seeds starting in `wins`, outside `blocked` (sorted, disjoint), that
/// hold a word of four or more bytes, as `(key, position)`, sorted.
fn keys(t: &Tokens, wins: &[(u32, u32)], blocked: &[(u32, u32)], out: &mut Vec<(u64, u32)>) {
    out.clear();
    for &(b, e) in wins {
        let (b, e) = (b as usize, e as usize);
        for_each_ngram_key(&t.hashes[b..e], RESEED_N, |i, k| {
            let p = b + i;
            let long = (p..p + RESEED_N).any(|q| t.ranges[q].1 - t.ranges[q].0 >= 4);
            // the first blocked range ending after p must start after the seed
            let r = blocked.partition_point(|r| r.1 as usize <= p);
            let free = blocked.get(r).is_none_or(|r| r.0 as usize >= p + RESEED_N);
            if long && free {
                out.push((k, p as u32));
            }
        });
    }
    out.sort_unstable();
}

/// `(key, position)` of the short seeds of one side.
type Keys = Vec<(u64, u32)>;
/// Token ranges (sorted, disjoint) of one side.
type Ranges<'r> = &'r [(u32, u32)];

thread_local! {
    /// Per-thread buffers for the two sides' keys: no allocation per pair.
    static KEYS: std::cell::RefCell<(Keys, Keys)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// The short seeds of `a` and `b` near `segs` (sorted by `a0`), outside the blocked
/// ranges (boilerplate), with every position the segments already cover, into `out`
/// (cleared first), sorted.
pub(super) fn reseed(
    a: &Tokens,
    b: &Tokens,
    segs: &[Segment],
    blocked: (Ranges<'_>, Ranges<'_>),
    out: &mut Vec<(u32, u32)>,
) {
    out.clear();
    for s in segs {
        if s.len as usize >= RESEED_N {
            out.extend((0..=s.len - RESEED_N as u32).map(|k| (s.a0 + k, s.b0 + k)));
        }
    }
    let (wa, wb) = (
        windows(segs, a.len(), |s| s.a0),
        windows(segs, b.len(), |s| s.b0),
    );
    if wa.is_empty() || wb.is_empty() {
        out.sort_unstable();
        return;
    }
    KEYS.with(|buf| {
        let (ka, kb) = &mut *buf.borrow_mut();
        keys(a, &wa, blocked.0, ka);
        keys(b, &wb, blocked.1, kb);
        join(a, b, segs, ka, kb, out);
    });
    out.sort_unstable();
    out.dedup();
}

/// The seeds of equal keys in `ka` and `kb` (sorted) near a segment, into `out`.
fn join(
    a: &Tokens,
    b: &Tokens,
    segs: &[Segment],
    ka: &[(u64, u32)],
    kb: &[(u64, u32)],
    out: &mut Vec<(u32, u32)>,
) {
    let (mut i, mut j) = (0, 0);
    while i < ka.len() && j < kb.len() {
        if ka[i].0 < kb[j].0 {
            i += 1;
            continue;
        }
        if ka[i].0 > kb[j].0 {
            j += 1;
            continue;
        }
        let k = ka[i].0;
        let i1 = i + ka[i..].partition_point(|x| x.0 == k);
        let j1 = j + kb[j..].partition_point(|x| x.0 == k);
        if i1 - i <= MAX_REPEATS && j1 - j <= MAX_REPEATS {
            for &(_, pa) in &ka[i..i1] {
                for &(_, pb) in &kb[j..j1] {
                    let (pa_, pb_) = (pa as usize, pb as usize);
                    let same = (0..RESEED_N).all(|q| a.hashes[pa_ + q] == b.hashes[pb_ + q]);
                    if same && near(segs, pa, pb) {
                        out.push((pa, pb));
                    }
                }
            }
        }
        (i, j) = (i1, j1);
    }
}

/// For each segment of `short` (built from [`reseed`]'s seeds), whether it holds a
/// segment of `long` (the n-gram seeds' segments): a passage needs one, short seeds only
/// complete what the corpus-wide seeds found.
pub(super) fn anchored(long: &[Segment], short: &[Segment]) -> Vec<bool> {
    let mut starts: Vec<(i64, u32)> = long.iter().map(|s| (s.diagonal(), s.a0)).collect();
    starts.sort_unstable();
    short
        .iter()
        .map(|s| {
            let d = s.diagonal();
            let k = starts.partition_point(|&x| x < (d, s.a0));
            starts
                .get(k)
                .is_some_and(|&(kd, ka)| kd == d && ka < s.a0 + s.len)
        })
        .collect()
}

/// Whether a short seed at `(pa, pb)` lies within a window of some segment, on a diagonal
/// near the segment's.
fn near(segs: &[Segment], pa: u32, pb: u32) -> bool {
    let d = i64::from(pa) - i64::from(pb);
    // segments sorted by a0: only those starting before pa + WINDOW can hold it
    let hi = segs.partition_point(|s| s.a0 <= pa + WINDOW);
    segs[..hi].iter().rev().any(|s| {
        pa + WINDOW >= s.a0
            && pa <= s.a0 + s.len + WINDOW
            && (d - s.diagonal()).unsigned_abs() <= u64::from(WINDOW)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_short_runs_near_a_segment_only() {
        // one surviving 5-token run ("river will open in march") and, around it, 3-token
        // runs a heavy edit left; the same words far away are not looked at
        let a = Tokens::new(
            "the new bridge acros the river will open in march after years of costly delay",
        );
        let b = Tokens::new(
            "a new bridge across old river will open in march following years of costly waits",
        );
        let segs = [Segment {
            a0: 5,
            b0: 5,
            len: 5,
        }];
        let mut out = Vec::new();
        reseed(&a, &b, &segs, (&[], &[]), &mut out);
        // the segment's own positions
        for k in 0..=2 {
            assert!(out.contains(&(5 + k, 5 + k)), "{out:?}");
        }
        // "years of costly" at a 11, b 11
        assert!(out.contains(&(11, 11)), "{out:?}");
        // "new bridge acros" / "new bridge across" differ in their third token
        assert!(!out.contains(&(1, 1)), "{out:?}");
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(out, sorted);
    }

    #[test]
    fn runs_of_short_words_are_not_seeds() {
        let a = Tokens::new("one two three four five and in the end of it all");
        let b = Tokens::new("one two three four five and in the end of it all");
        let segs = [Segment {
            a0: 0,
            b0: 0,
            len: 5,
        }];
        let mut out = Vec::new();
        reseed(&a, &b, &segs, (&[], &[]), &mut out);
        // "and in the" (5) and "in the end" (6) hold no word of four bytes
        assert!(!out.contains(&(5, 5)) && !out.contains(&(6, 6)), "{out:?}");
        // "the end of": no; "five and in" (4): yes, "five" has four bytes
        assert!(out.contains(&(4, 4)), "{out:?}");
    }
}
