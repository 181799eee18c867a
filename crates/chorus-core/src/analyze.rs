//! Provenance: quotation and attribution (in [`crate::quotation`], re-exported here),
//! coordinated messaging and propagation.
//!
//! - **Quotation.** Whether a member's words sit between quotation marks, whose words they
//!   are, and whether it is a credited block quote: see [`crate::quotation`]; the reuse
//!   kind is `quotation`, `credited` or `copy`.
//! - **Coordination.** A cluster is coordinated when at least `min_sources` distinct
//!   sources printed it within a `window`; the score is the largest number of distinct
//!   sources in any such window divided by `min_sources` (≥ 1 means coordinated), with the
//!   window's outlets and times as evidence. A member counts in a window only when its whole
//!   time fits in it ([`crate::when`]): a date-only member, uncertain by a day, counts in a
//!   24-hour window only with the members of its own day.
//! - **Propagation.** Each later copy's most likely parent is the earlier member it is
//!   most similar to (copies that share a typo or an edit align better with each other than
//!   with the original), ties broken by the nearest time ([`propagation`]). "Earlier" means
//!   certainly earlier ([`When::before`]): undated members and members whose times overlap
//!   get no edge between them, since nobody knows which way the text went.
//!
//! Cost: linear in the members and the pairs of a cluster.

use crate::order::DocNum;
use crate::when::When;
use serde::{Deserialize, Serialize};

pub use crate::quotation::{Quotation, quotation};

/// Evidence of coordinated messaging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordination {
    /// Distinct sources in the busiest window.
    pub sources_in_window: usize,
    /// Seconds since the epoch: the first second of the window's earliest member and the
    /// last second of its latest (their timestamps, for members with one).
    pub window_start: i64,
    pub window_end: i64,
    /// The sources in that window, in order of first appearance (by the start of their
    /// members' times).
    pub outlets: Vec<String>,
}

/// The busiest window of length `window` seconds over `(time, source)` members: distinct
/// sources in it, and the window itself. A member is in a window only when its whole
/// time is (a date-only member's whole day). `None` when no member fits in a window.
///
/// Members are swept in order of their time's end; the window at each member ends there
/// and holds the members swept so far that start no earlier than `window` before it. The
/// first window with the most sources wins.
pub fn busiest_window(members: &[(When, &str)], window: i64) -> Option<Coordination> {
    let mut m: Vec<(i64, i64, &str)> = members.iter().map(|(w, s)| (w.last, w.first, *s)).collect();
    m.sort_unstable();
    let mut best: Option<(usize, usize)> = None; // (count, last member)
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    // members in the window, by their start: the earliest leaves first
    let mut inside: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>> =
        Default::default();
    for (hi, &(end, start, source)) in m.iter().enumerate() {
        if end - start <= window {
            *counts.entry(source).or_default() += 1;
            inside.push(std::cmp::Reverse((start, hi)));
        }
        while let Some(&std::cmp::Reverse((s, j))) = inside.peek() {
            if end - s <= window {
                break;
            }
            inside.pop();
            let c = counts.get_mut(m[j].2).expect("counted");
            *c -= 1;
            if *c == 0 {
                counts.remove(m[j].2);
            }
        }
        if !counts.is_empty() && best.is_none_or(|b| counts.len() > b.0) {
            best = Some((counts.len(), hi));
        }
    }
    let (n, hi) = best?;
    let end = m[hi].0;
    // the members in that window, by their start
    let mut inside: Vec<(i64, i64, &str)> = m[..=hi]
        .iter()
        .filter(|&&(e, s, _)| end - s <= window && e - s <= window)
        .map(|&(e, s, source)| (s, e, source))
        .collect();
    inside.sort_unstable();
    let mut outlets: Vec<String> = Vec::new();
    for &(_, _, source) in &inside {
        if !outlets.iter().any(|o| o == source) {
            outlets.push(source.to_string());
        }
    }
    Some(Coordination {
        sources_in_window: n,
        window_start: inside[0].0,
        window_end: end,
        outlets,
    })
}

/// Propagation edges from the aligned pairs `(x, y, similarity)` of one cluster, in any
/// order, given each document's time (`None`: undated): for each later document, the
/// certainly earlier document ([`When::before`]) it is most similar to, ties going to the
/// nearest in numbering order (which is time order), then to the first pair given. Pairs
/// whose order is not certain give no edge. Returns `(from, to, similarity)`, by `to`.
pub fn propagation(
    pairs: impl IntoIterator<Item = (DocNum, DocNum, f64)>,
    when: impl Fn(DocNum) -> Option<When>,
) -> Vec<(DocNum, DocNum, f64)> {
    let mut best: std::collections::BTreeMap<DocNum, (f64, std::cmp::Reverse<u32>, DocNum)> =
        Default::default();
    for (x, y, score) in pairs {
        let (Some(wx), Some(wy)) = (when(x), when(y)) else {
            continue;
        };
        let (early, late) = if wx.before(&wy) {
            (x, y)
        } else if wy.before(&wx) {
            (y, x)
        } else {
            continue;
        };
        let cand = (score, std::cmp::Reverse(late.0.abs_diff(early.0)), early);
        let e = best.entry(late).or_insert(cand);
        if (cand.0, cand.1) > (e.0, e.1) {
            *e = cand;
        }
    }
    best.into_iter()
        .map(|(late, (score, _, early))| (early, late, score))
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_window_counts_distinct_sources() {
        let h = 3600;
        let at = When::instant;
        let m = [
            (at(0), "a"),
            (at(h), "b"),
            (at(2 * h), "a"),
            (at(3 * h), "c"),
            (at(100 * h), "d"),
        ];
        let c = busiest_window(&m, 24 * h).unwrap();
        assert_eq!(c.sources_in_window, 3);
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, 3 * h));
        assert!(busiest_window(&[], 10).is_none());
    }

    #[test]
    fn a_date_only_member_counts_only_where_its_whole_day_fits() {
        let h = 3600;
        let d = 24 * h;
        let m = [
            (When::day(0), "a"),
            (When::instant(8 * h), "b"),
            (When::instant(20 * h), "c"),
            (When::day(d), "d"),
        ];
        // 24 hours: the day of `a` with `b` and `c`; `d`'s day does not fit with `a`'s
        let c = busiest_window(&m, d).unwrap();
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, d - 1));
        // two hours: no day fits, the two timestamps are 12 hours apart
        let c = busiest_window(&m, 2 * h).unwrap();
        assert_eq!(c.sources_in_window, 1);
        assert_eq!(c.outlets, vec!["b"]);
        assert!(busiest_window(&[(When::day(0), "a")], 2 * h).is_none());
    }

    #[test]
    fn propagation_only_where_the_order_is_certain() {
        let (a, b, c, u) = (DocNum(0), DocNum(1), DocNum(2), DocNum(3));
        let when = |d: DocNum| match d.0 {
            0 => Some(When::day(0)),            // a date: the whole first day
            1 => Some(When::instant(8 * 3600)), // a timestamp of that day
            2 => Some(When::instant(30 * 3600)),
            _ => None,
        };
        let pairs = [
            (a, b, 0.9),
            (a, c, 0.5),
            (b, c, 0.8),
            (c, u, 1.0),
            (a, u, 1.0),
        ];
        // a and b tie, u is undated: only c gets a parent, the more similar b
        assert_eq!(propagation(pairs, when), vec![(b, c, 0.8)]);
        assert!(propagation(pairs, |_| None).is_empty());
    }
}
