//! Which differing specifics of a noisy passage are its own (step 1 of the parent module):
//! a story's text that a copy damaged or dropped is kept by most of the story's copies,
//! a template's filler by only some of its instances.

use super::{SideSpecifics, pair_off};
use crate::order::DocNum;
use crate::spans::Occurrence;
use rayon::prelude::*;

/// Passages over a specific that share it, at least, for it to be a story's text that
/// another copy damaged ([`Agreement`]).
const MIN_SUPPORT: u32 = 2;
/// ... and how many times as many passages share it as lack it, at least: a story's
/// text is kept by most of its copies, while a template's pooled filler (a month, a
/// round number, a frequent city) is shared by only some of its instances.
const MAJORITY: u32 = 4;
/// Which differing specifics of a noisy passage are *own*: a specific that the other
/// sides of a large majority of the passages over it share (exactly or damaged), and at
/// least [`MIN_SUPPORT`] of them, is the text of a story that this copy's partner damaged
/// or dropped, not a template's filler. For every `(doc, token)` asked about: how many
/// passages over it share it and how many lack it.
#[derive(Debug, Default)]
pub(super) struct Agreement(Vec<((DocNum, u32), (u32, u32))>);

impl Agreement {
    /// Counts, for each specific in `asked` (sorted), the passages whose other side shares
    /// it and those whose other side lacks it.
    pub(super) fn of(
        occurrences: &[(Occurrence, Occurrence)],
        sides: &[SideSpecifics],
        asked: &[(DocNum, u32)],
    ) -> Self {
        if asked.is_empty() {
            return Agreement::default();
        }
        let mut votes: Vec<((DocNum, u32), bool)> = (0..occurrences.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let (x, y) = &occurrences[i];
                let (a, b) = (&sides[2 * i], &sides[2 * i + 1]);
                let asked_in = |doc: DocNum, s: &SideSpecifics| {
                    s.tokens
                        .iter()
                        .any(|t| t.specific && asked.binary_search(&(doc, s.start + t.idx)).is_ok())
                };
                let mut v: Vec<((DocNum, u32), bool)> = Vec::new();
                if !asked_in(x.doc, a) && !asked_in(y.doc, b) {
                    return v;
                }
                let p = pair_off(a, b);
                for (doc, s, left) in [(x.doc, a, &p.left[0]), (y.doc, b, &p.left[1])] {
                    for t in s.tokens.iter().filter(|t| t.specific) {
                        let key = (doc, s.start + t.idx);
                        if asked.binary_search(&key).is_ok() {
                            v.push((key, !left.iter().any(|l| std::ptr::eq(*l, t))));
                        }
                    }
                }
                v
            })
            .collect();
        votes.par_sort_unstable();
        let counted = votes
            .chunk_by(|p, q| p.0 == q.0)
            .map(|g| {
                let shared = g.iter().filter(|v| v.1).count() as u32;
                (g[0].0, (shared, g.len() as u32 - shared))
            })
            .collect();
        Agreement(counted)
    }

    /// Whether token `token` of `doc` is a specific of its own: fewer than
    /// [`MIN_SUPPORT`] passages over it share it, or fewer than [`MAJORITY`] times as many
    /// as lack it.
    pub(super) fn own(&self, doc: DocNum, token: u32) -> bool {
        self.0
            .binary_search_by_key(&(doc, token), |v| v.0)
            .map_or(true, |k| {
                let (shared, lacked) = self.0[k].1;
                shared < MIN_SUPPORT || shared < MAJORITY * lacked
            })
    }
}
