//! Chaining: from the seeds of a pair to its passages.
//!
//! Seeds on one diagonal whose n-grams overlap or touch become exact [`Segment`]s. Segments
//! are chained by dynamic programming (as in long-read aligners): a chain scores its
//! segments' lengths times the match score plus, per link, the cost of the gap between
//! them; [`link`] says whether and at what cost a gap is bridged. Chains are read off best
//! first, never sharing a segment, each becomes an alignment (gaps filled and ends extended
//! by [`Pair`]), and passages that mostly repeat a better one are dropped.

use super::gaps::Pair;
use super::{AlignParams, Alignment};
use crate::tokenize::Tokens;

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
    carried: i64,
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
    // a link that fails the cost test, or after which the chain (scoring `carried` before
    // the gap) does not carry, is used by no caller: the alignment stops once it cannot
    // reach that floor
    let floor = (indels - p.merge_drop).max((1 - carried).clamp(i64::from(i32::MIN + 1), 0) as i32);
    let (exact, matched) =
        pair.gap_fill_from(ja1 as usize, a0 as usize, jb1 as usize, b0 as usize, floor)?;
    (2 * matched >= lo && exact - indels >= -p.merge_drop).then_some((trim, exact))
}

/// [`align_seeds`](super::align_seeds), with token ranges of each side (sorted, disjoint; boilerplate) that
/// the extension of a passage must not enter.
pub fn align_seeds_blocked(
    a: &Tokens,
    b: &Tokens,
    seeds: &[(u32, u32)],
    p: &AlignParams,
    blocked_a: &[(u32, u32)],
    blocked_b: &[(u32, u32)],
) -> Vec<Alignment> {
    align_seeds_floor(a, b, seeds, p, None, blocked_a, blocked_b)
}

/// [`align_seeds_blocked`], also giving, when `floor` is set, the weak passages: those
/// under `p`'s filters (`min_tokens`, `min_matched`, `min_similarity`) that pass
/// `floor`'s, and that do not mostly repeat a passage kept before them (see
/// [`crate::corroborate`]). The passages that pass `p`'s filters are exactly those of
/// [`align_seeds_blocked`]: a weak passage never displaces one.
pub fn align_seeds_floor(
    a: &Tokens,
    b: &Tokens,
    seeds: &[(u32, u32)],
    p: &AlignParams,
    floor: Option<&AlignParams>,
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
            if let Some((trim, cost)) = link(&pair, sj, si, p, fj, worth) {
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
        if let Some(al) = chain_alignment(&pair, &segs, &chain, floor.unwrap_or(p)) {
            out.push(al);
        }
    }
    // the weak passages are read after the others, so they never displace one
    let (mut out, mut weak): (Vec<Alignment>, Vec<Alignment>) =
        out.into_iter().partition(|al| passes(al, p));
    // drop passages that mostly repeat a better one (repeated text inside a document)
    let better = |x: &Alignment, y: &Alignment| {
        y.matched
            .cmp(&x.matched)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    };
    out.sort_by(better);
    weak.sort_by(better);
    let mut kept: Vec<Alignment> = Vec::with_capacity(out.len());
    for al in out.into_iter().chain(weak) {
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

/// Whether a passage passes the filters of `p`: `min_tokens` on each side, `min_matched`
/// matched tokens and `min_similarity`.
pub fn passes(al: &Alignment, p: &AlignParams) -> bool {
    let (na, nb) = (al.a.1 - al.a.0, al.b.1 - al.b.0);
    na.min(nb) as usize >= p.min_tokens
        && al.matched as usize >= p.min_matched
        && al.similarity >= p.min_similarity
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
