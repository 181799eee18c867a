//! Provenance: quotation and attribution (in [`crate::quotation`], re-exported here),
//! coordinated messaging and propagation.
//!
//! - **Quotation.** Whether a member's words sit between quotation marks, whose words they
//!   are, and whether it is a credited block quote: see [`crate::quotation`]; the reuse
//!   kind is `quotation`, `credited` or `copy`.
//! - **Coordination.** A cluster is coordinated when at least `min_sources` distinct
//!   sources printed it within a `window`; the score is the largest number of distinct
//!   sources in any such window divided by `min_sources` (≥ 1 means coordinated), with the
//!   window's outlets and times as evidence.
//! - **Propagation.** Each later copy's most likely parent is the earlier member it is
//!   most similar to (copies that share a typo or an edit align better with each other than
//!   with the original), ties broken by the nearest time ([`propagation`]).
//!
//! Cost: linear in the members and the pairs of a cluster.

use crate::order::DocNum;
use serde::{Deserialize, Serialize};

pub use crate::quotation::{Quotation, quotation};

/// Evidence of coordinated messaging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coordination {
    /// Distinct sources in the busiest window.
    pub sources_in_window: usize,
    /// Seconds since the epoch of the window's first and last member.
    pub window_start: i64,
    pub window_end: i64,
    /// The sources in that window, in order of first appearance.
    pub outlets: Vec<String>,
}

/// The busiest window of length `window` seconds over `(time, source)` members: distinct
/// sources in it, and the window itself. `None` when no member has both.
pub fn busiest_window(members: &[(i64, &str)], window: i64) -> Option<Coordination> {
    let mut m: Vec<(i64, &str)> = members.to_vec();
    if m.is_empty() {
        return None;
    }
    m.sort_unstable();
    let mut best: Option<(usize, usize, usize)> = None; // (count, lo, hi)
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    let mut lo = 0;
    for hi in 0..m.len() {
        *counts.entry(m[hi].1).or_default() += 1;
        while m[hi].0 - m[lo].0 > window {
            let c = counts.get_mut(m[lo].1).expect("counted");
            *c -= 1;
            if *c == 0 {
                counts.remove(m[lo].1);
            }
            lo += 1;
        }
        if best.is_none_or(|b| counts.len() > b.0) {
            best = Some((counts.len(), lo, hi));
        }
    }
    let (n, lo, hi) = best?;
    let mut outlets: Vec<String> = Vec::new();
    for &(_, s) in &m[lo..=hi] {
        if !outlets.iter().any(|o| o == s) {
            outlets.push(s.to_string());
        }
    }
    Some(Coordination {
        sources_in_window: n,
        window_start: m[lo].0,
        window_end: m[hi].0,
        outlets,
    })
}

/// Propagation edges from the aligned pairs `(x, y, similarity)` of one cluster, in any
/// order: for each later document, the earlier document it is most similar to, ties going
/// to the nearest in time (document numbers are in time order), then to the first pair
/// given. Returns `(from, to, similarity)`, by `to`.
pub fn propagation(
    pairs: impl IntoIterator<Item = (DocNum, DocNum, f64)>,
) -> Vec<(DocNum, DocNum, f64)> {
    let mut best: std::collections::BTreeMap<DocNum, (f64, std::cmp::Reverse<u32>, DocNum)> =
        Default::default();
    for (x, y, score) in pairs {
        let (early, late) = if x < y { (x, y) } else { (y, x) };
        if early == late {
            continue;
        }
        let cand = (score, std::cmp::Reverse(late.0 - early.0), early);
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
        let m = [
            (0, "a"),
            (h, "b"),
            (2 * h, "a"),
            (3 * h, "c"),
            (100 * h, "d"),
        ];
        let c = busiest_window(&m, 24 * h).unwrap();
        assert_eq!(c.sources_in_window, 3);
        assert_eq!(c.outlets, vec!["a", "b", "c"]);
        assert_eq!((c.window_start, c.window_end), (0, 3 * h));
        assert!(busiest_window(&[], 10).is_none());
    }
}
