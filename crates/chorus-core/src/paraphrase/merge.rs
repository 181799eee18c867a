//! One report per passage: the reworded passages merged with the exact ones.
//!
//! A passage both paths found is one passage. For each document pair, a reworded passage
//! absorbs the exact passages it overlaps on both sides, taking the union of the token
//! ranges (a paraphrase with copied stretches, or a copy with reworded sentences around
//! it). The union is reported as `exact` when it reaches at most 10 tokens past the exact
//! passages it absorbed at either end (a stem matched in a neighbouring sentence is no
//! rewording; an exact passage holding the reworded one whole stays as it was), else as
//! `reworded`. Exact passages that no reworded one touches stay as they are.

use crate::aligned::PairAlignment;
use crate::report::Found;

/// Whether two token ranges overlap.
fn meets(x: (u32, u32), y: (u32, u32)) -> bool {
    x.0 < y.1 && y.0 < x.1
}

/// Tokens a reworded passage may reach past the exact ones it absorbs and still be taken
/// for them.
const SLACK: u32 = 10;

/// Whether `x` holds `y` whole, give or take [`SLACK`] tokens at either end.
fn holds(x: (u32, u32), y: (u32, u32)) -> bool {
    x.0 <= y.0 + SLACK && y.1 <= x.1 + SLACK
}

/// The exact and the reworded passages as one list, each with how it was found, in
/// `(a, b, ranges)` order.
pub(crate) fn merge(
    mut exact: Vec<PairAlignment>,
    mut reworded: Vec<PairAlignment>,
) -> Vec<(PairAlignment, Found)> {
    let key = |p: &PairAlignment| (p.a, p.b, p.alignment.a, p.alignment.b);
    exact.sort_by_key(key);
    reworded.sort_by_key(key);
    let mut out: Vec<(PairAlignment, Found)> = Vec::with_capacity(exact.len() + reworded.len());
    let mut alive = vec![true; exact.len()];
    let mut at = 0;
    for r in reworded {
        // the exact passages of the same document pair
        while at < exact.len() && (exact[at].a, exact[at].b) < (r.a, r.b) {
            at += 1;
        }
        let end = at + exact[at..].partition_point(|e| (e.a, e.b) == (r.a, r.b));
        let mut m = r;
        // the hull of the exact passages absorbed, per side
        let mut hull: Option<((u32, u32), (u32, u32))> = None;
        while let Some(k) = (at..end).find(|&k| {
            alive[k]
                && meets(exact[k].alignment.a, m.alignment.a)
                && meets(exact[k].alignment.b, m.alignment.b)
        }) {
            alive[k] = false;
            let e = &exact[k].alignment;
            let x = &mut m.alignment;
            x.a = (x.a.0.min(e.a.0), x.a.1.max(e.a.1));
            x.b = (x.b.0.min(e.b.0), x.b.1.max(e.b.1));
            x.matched = x.matched.max(e.matched);
            x.similarity = x.similarity.max(e.similarity);
            hull = Some(match hull {
                None => (e.a, e.b),
                Some((ha, hb)) => (
                    (ha.0.min(e.a.0), ha.1.max(e.a.1)),
                    (hb.0.min(e.b.0), hb.1.max(e.b.1)),
                ),
            });
        }
        let found = match hull {
            Some((ha, hb)) if holds(ha, m.alignment.a) && holds(hb, m.alignment.b) => Found::Exact,
            _ => Found::Reworded,
        };
        out.push((m, found));
    }
    out.extend(
        exact
            .into_iter()
            .zip(alive)
            .filter(|(_, a)| *a)
            .map(|(e, _)| (e, Found::Exact)),
    );
    out.sort_by_key(|(p, _)| key(p));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocNum;
    use crate::align::Alignment;

    fn p(a: u32, b: u32, ra: (u32, u32), rb: (u32, u32)) -> PairAlignment {
        PairAlignment {
            a: DocNum(a),
            b: DocNum(b),
            alignment: Alignment {
                a: ra,
                b: rb,
                matched: ra.1 - ra.0,
                similarity: 0.5,
            },
        }
    }

    #[test]
    fn a_passage_found_twice_is_reported_once() {
        let exact = vec![
            p(0, 1, (10, 30), (0, 20)),  // holds the first reworded one: exact
            p(0, 1, (50, 60), (40, 50)), // absorbed by the second
            p(0, 1, (62, 70), (52, 60)), // absorbed by the second
            p(0, 1, (90, 99), (10, 19)), // elsewhere in the pair
            p(0, 2, (0, 10), (0, 10)),   // another pair
        ];
        let reworded = vec![
            p(0, 1, (12, 28), (2, 18)),
            p(0, 1, (35, 65), (25, 55)),
            p(1, 2, (0, 20), (0, 20)),
        ];
        type Range = (u32, u32);
        let got: Vec<(Range, Range, Range, Found)> = merge(exact, reworded)
            .into_iter()
            .map(|(x, f)| ((x.a.0, x.b.0), x.alignment.a, x.alignment.b, f))
            .collect();
        assert_eq!(
            got,
            [
                ((0, 1), (10, 30), (0, 20), Found::Exact),
                ((0, 1), (35, 70), (25, 60), Found::Reworded),
                ((0, 1), (90, 99), (10, 19), Found::Exact),
                ((0, 2), (0, 10), (0, 10), Found::Exact),
                ((1, 2), (0, 20), (0, 20), Found::Reworded),
            ]
        );
    }
}
