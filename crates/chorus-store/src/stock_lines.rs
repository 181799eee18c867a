//! What an index tells a query's formula decision about its stock lines (step 3 of
//! `chorus_core::formula`, see `chorus_core::query_stock`).
//!
//! Asked for the n-grams of the candidate stock lines, the reader answers from what it
//! already holds: the holders of each n-gram are its postings in every segment (the
//! index's fingerprints are the same word n-grams when it was built with 5-word
//! fingerprints, the default), less the deleted documents; their dates are read from the
//! document table, only where they can change the decision (an n-gram held by enough
//! documents, in increasing number up to the first two printed two days apart: a stock
//! phrase held by thousands costs a few reads). Asked then for the partners of the pairs
//! that would be formulas, it queries each such match's own text (the same candidate
//! ranking and alignment as any query) and keeps the holders it aligns. An index of other
//! fingerprints holds no 5-gram postings: it answers that no document holds them, so that
//! step 3 keeps every pair there (a scan of every text per query would cost more than the
//! query). Cost: one lookup of the wanted n-grams and a few header reads, for the queries
//! whose matches share only short lines; and one query per match that would be a formula.

use crate::error::Result;
use crate::reader::{IndexReader, QueryOptions};
use chorus_core::align::AlignParams;
use chorus_core::formula::NgramsHeld;
use chorus_core::query::{CandidateBuffers, PreparedQuery, match_text_with};
use chorus_core::query_stock::{
    STOCK_LINE_DOCS, STOCK_LINE_NGRAM, STOCK_LINE_SPREAD, StockLineIndex,
};
use chorus_core::{DocNum, When};
use std::cell::RefCell;

/// A snapshot asked about one query's stock lines.
pub(crate) struct AskedIndex<'a> {
    pub reader: &'a IndexReader,
    /// Match `i` is the document `keys[i]` (segment, document).
    pub keys: &'a [(usize, u32)],
    pub align: &'a AlignParams,
    pub opts: &'a QueryOptions,
    /// `((segment, document), number)` of the holders, sorted.
    numbered: RefCell<Vec<((usize, u32), DocNum)>>,
}

impl<'a> AskedIndex<'a> {
    pub fn new(
        reader: &'a IndexReader,
        keys: &'a [(usize, u32)],
        align: &'a AlignParams,
        opts: &'a QueryOptions,
    ) -> Self {
        AskedIndex {
            reader,
            keys,
            align,
            opts,
            numbered: RefCell::default(),
        }
    }

    fn err(&self, e: crate::error::Error) -> chorus_core::Error {
        chorus_core::Error::text(self.reader.dir().display().to_string(), e)
    }

    fn held_in_index(&self, wanted: &[u64]) -> Result<Vec<NgramsHeld>> {
        if self.reader.ngram() != STOCK_LINE_NGRAM {
            return Ok(Vec::new());
        }
        let segments = self.reader.segments();
        // (segment, document, fingerprint) of every live holder
        let mut held: Vec<(usize, u32, u64)> = Vec::new();
        let mut found = Vec::new();
        for (si, ls) in segments.iter().enumerate() {
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
        let mut next = self.keys.len() as u32 + 1;
        let mut numbered = Vec::new();
        for g in held.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let key = (g[0].0, g[0].1);
            let doc = match self.keys.iter().position(|&k| k == key) {
                Some(i) => DocNum(i as u32 + 1),
                None => {
                    next += 1;
                    DocNum(next - 1)
                }
            };
            numbered.push((key, doc));
        }
        let number = |key: (usize, u32)| {
            let at = numbered
                .binary_search_by_key(&key, |n| n.0)
                .expect("a holder");
            numbered[at].1
        };
        // the dates that can change the decision: per n-gram of enough holders, in
        // increasing number up to the first two printed two days apart
        let mut by_gram: Vec<(u64, DocNum, (usize, u32))> = held
            .iter()
            .map(|&(s, d, f)| (f, number((s, d)), (s, d)))
            .collect();
        by_gram.sort_unstable();
        let mut dates: Vec<Option<Option<When>>> = vec![None; next as usize];
        for g in by_gram.chunk_by(|x, y| x.0 == y.0) {
            if g.len() + 1 < STOCK_LINE_DOCS {
                continue;
            }
            let (mut first, mut last) = (i64::MAX, i64::MIN);
            for &(_, doc, (s, d)) in g {
                let when = match dates[doc.index()] {
                    Some(w) => w,
                    None => {
                        let w = segments[s].seg.doc(d)?.meta.when();
                        dates[doc.index()] = Some(w);
                        w
                    }
                };
                if let Some(w) = when {
                    first = first.min(w.last);
                    last = last.max(w.first);
                }
                if last.saturating_sub(first) >= STOCK_LINE_SPREAD {
                    break;
                }
            }
        }
        let mut rows: Vec<NgramsHeld> = Vec::new();
        for g in held.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let doc = number((g[0].0, g[0].1));
            rows.push(NgramsHeld {
                doc,
                when: dates[doc.index()].flatten(),
                ngrams: g.iter().map(|h| h.2).collect(),
            });
        }
        *self.numbered.borrow_mut() = numbered;
        Ok(rows)
    }

    fn partners_in_index(&self, matches: &[usize]) -> Result<Vec<(DocNum, DocNum)>> {
        let segments = self.reader.segments();
        let numbered = self.numbered.borrow();
        let mut partners = Vec::new();
        let mut buf = CandidateBuffers::default();
        for &i in matches {
            let (s, d) = self.keys[i];
            let m = PreparedQuery::new(segments[s].seg.text(d)?, self.align.ngram);
            let cands = self
                .reader
                .candidates(&m.distinct_fingerprints(), self.opts)?;
            for (cs, cd, _) in cands {
                let Ok(at) = numbered.binary_search_by_key(&(cs, cd), |n| n.0) else {
                    continue;
                };
                if (cs, cd) == (s, d) {
                    continue;
                }
                let text = segments[cs].seg.text(cd)?;
                if match_text_with(&m, text, self.align, &mut buf).is_some() {
                    partners.push((DocNum(i as u32 + 1), numbered[at].1));
                }
            }
        }
        Ok(partners)
    }
}

impl StockLineIndex for AskedIndex<'_> {
    fn held(&self, wanted: &[u64]) -> chorus_core::Result<Vec<NgramsHeld>> {
        self.held_in_index(wanted).map_err(|e| self.err(e))
    }

    fn partners(&self, matches: &[usize]) -> chorus_core::Result<Vec<(DocNum, DocNum)>> {
        self.partners_in_index(matches).map_err(|e| self.err(e))
    }
}
