//! What an index tells a query's formula decision about its stock lines (step 3 of
//! `chorus_core::formula`, see `chorus_core::query_stock`).
//!
//! Asked for the n-grams of the candidate stock lines and the matches they are shared
//! with, the reader answers from what it already holds: the holders of each n-gram are
//! its postings in every segment (the index's fingerprints are the same word n-grams when
//! it was built with 5-word fingerprints, the default), less the deleted documents; their
//! dates are read from the document table; and a match's partners are the holders that a
//! query of the match's own text finds (the same candidate ranking and alignment as any
//! query). An index of other fingerprints holds no 5-gram postings: it answers that no
//! document holds them, so that step 3 keeps every pair there (a document-wide scan per
//! query would cost more than the query). Cost: one lookup of the wanted n-grams, one
//! header read per holder, and per candidate match one query's lookups and at most
//! `max_candidates` alignments; only for the queries whose matches share only short
//! lines.

use crate::error::Result;
use crate::reader::{IndexReader, QueryOptions};
use chorus_core::align::AlignParams;
use chorus_core::formula::NgramsHeld;
use chorus_core::query::{CandidateBuffers, PreparedQuery, match_text_with};
use chorus_core::query_stock::{IndexHeld, STOCK_LINE_NGRAM};
use chorus_core::{DocNum, When};

impl IndexReader {
    /// The holders of `wanted` (sorted fingerprints) with their dates, and which of them
    /// share a passage with the matches `of`; match `i` is the document `keys[i]`
    /// (segment, document) of this snapshot. See the module documentation.
    pub(crate) fn stock_lines_held(
        &self,
        wanted: &[u64],
        of: &[usize],
        keys: &[(usize, u32)],
        align: &AlignParams,
        opts: &QueryOptions,
    ) -> Result<IndexHeld> {
        if self.ngram() != STOCK_LINE_NGRAM {
            return Ok(IndexHeld::default());
        }
        // (segment, document, fingerprint) of every live holder
        let mut held: Vec<(usize, u32, u64)> = Vec::new();
        let mut found = Vec::new();
        for (si, ls) in self.segments().iter().enumerate() {
            ls.seg.lookup_many(wanted, &mut found)?;
            for (&f, p) in wanted.iter().zip(&found) {
                let Some(p) = p else { continue };
                held.extend(
                    p.iter()
                        .filter(|&d| !ls.tombstones.is_deleted(d))
                        .map(|d| (si, d, f)),
                );
            }
        }
        held.sort_unstable();
        held.dedup();
        // the matches keep their numbers; the other holders are numbered after them
        let mut next = keys.len() as u32 + 1;
        let mut rows = Vec::new();
        let mut numbered: Vec<((usize, u32), DocNum)> = Vec::new();
        for g in held.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let key = (g[0].0, g[0].1);
            let doc = match keys.iter().position(|&k| k == key) {
                Some(i) => DocNum(i as u32 + 1),
                None => {
                    next += 1;
                    DocNum(next - 1)
                }
            };
            let when: Option<When> = self.segments()[key.0].seg.doc(key.1)?.meta.when();
            rows.push(NgramsHeld {
                doc,
                when,
                ngrams: g.iter().map(|h| h.2).collect(),
            });
            numbered.push((key, doc));
        }
        let mut partners = Vec::new();
        let mut buf = CandidateBuffers::default();
        for &i in of {
            let (s, d) = keys[i];
            let m = PreparedQuery::new(self.segments()[s].seg.text(d)?, align.ngram);
            for (cs, cd, _) in self.candidates(&m.distinct_fingerprints(), opts)? {
                let Ok(at) = numbered.binary_search_by_key(&(cs, cd), |n| n.0) else {
                    continue;
                };
                if (cs, cd) == (s, d) {
                    continue;
                }
                let text = self.segments()[cs].seg.text(cd)?;
                if match_text_with(&m, text, align, &mut buf).is_some() {
                    partners.push((DocNum(i as u32 + 1), numbered[at].1));
                }
            }
        }
        Ok(IndexHeld { rows, partners })
    }
}
