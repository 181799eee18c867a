//! The formula decision of a query: `find`'s, step 3 (recurring stock lines) included
//! when the matches come from an index.
//!
//! A query judges the passages it found as `find` judges a corpus's: the query is
//! document 0 and match `i` document `i + 1` ([`crate::formula`]'s steps 1 and 2 need no
//! more). Step 3 asks of the corpus which documents hold each word 5-gram of the
//! candidate stock lines, when those documents were printed, and which documents share a
//! passage with the candidates' documents. A query has no corpus in memory, but an index
//! has all of it: [`QueryReport::ranked_in`](crate::query::QueryReport::ranked_in) asks the
//! index ([`StockLineIndex`]) once the candidates are known, only when some match shares only
//! short lines with the query, and only for their n-grams. The index answers from its
//! n-gram postings (the holders), its document table (their dates), and a query of each
//! candidate match's own text (its partners: what the index finds for it, as the query's
//! partners are the matches the index finds for the query). The query itself holds the
//! n-grams of its own lines and has no date. So a match that shares with the query a
//! stock line printed in many unrelated documents over days is a formula here as in
//! `find` over the index's documents and the query; without an index
//! ([`QueryReport::ranked_with`](crate::query::QueryReport::ranked_with)) step 3 is not
//! taken.

use crate::Document;
use crate::align::AlignParams;
use crate::error::Result;
use crate::formula::{self, Ask, Corpus, NgramsHeld, Recurrence, SideSpecifics, ngrams_held};
use crate::order::DocNum;
use crate::query::{CandidateBuffers, PreparedQuery, QueryMatch, match_text_with};
use crate::report::Found;
use crate::spans::Occurrence;
use crate::tokenize::Tokens;
use std::cell::RefCell;

/// Words of the n-grams that step 3 looks up: an index whose fingerprints are n-grams of
/// this length answers [`StockLineIndex::held`] from its postings.
pub const STOCK_LINE_NGRAM: usize = formula::STOCK_LINE_NGRAM;

/// Holders of an n-gram that can make it recur: fewer holders (the query one of them)
/// need no dates.
pub const STOCK_LINE_DOCS: usize = formula::STOCK_LINE_DOCS;

/// Seconds between the earliest and the latest holder of an n-gram that recurs: two days.
pub const STOCK_LINE_SPREAD: i64 = formula::STOCK_LINE_SPREAD;

/// What an index tells a query's formula decision (see the module documentation). Match
/// `i` of the query is `DocNum(i + 1)`; the index numbers its other documents from
/// `DocNum(matches + 1)` on, in an order of its choosing that does not change the
/// decision, and keeps that numbering from [`StockLineIndex::held`] to
/// [`StockLineIndex::partners`].
pub trait StockLineIndex {
    /// The indexed documents holding any of `wanted` (sorted [`STOCK_LINE_NGRAM`]-gram
    /// fingerprints), with their dates. A date may be left out (`None`) where it cannot
    /// change the decision: the holders of an n-gram held by fewer than
    /// [`STOCK_LINE_DOCS`] documents besides the query need none, and the others are read
    /// in increasing number up to the first two printed two days apart.
    fn held(&self, wanted: &[u64]) -> Result<Vec<NgramsHeld>>;
    /// The pairs `(DocNum(i + 1), holder)` of match `i` of `matches` (sorted) and a
    /// holder from [`StockLineIndex::held`] that share a passage.
    fn partners(&self, matches: &[usize]) -> Result<Vec<(DocNum, DocNum)>>;
}

/// An index and the query it is asked for: the query holds its own lines' n-grams and is
/// undated.
struct WithQuery<'a> {
    q: &'a PreparedQuery,
    index: &'a dyn StockLineIndex,
}

impl Ask for WithQuery<'_> {
    fn held(&self, wanted: &[u64]) -> Result<Recurrence> {
        let own = ngrams_held(DocNum(0), None, self.q.tokens(), wanted);
        Ok(Recurrence::new(
            self.index.held(wanted)?.into_iter().chain(own),
        ))
    }

    fn partners(&self, docs: &[DocNum]) -> Result<Vec<(DocNum, DocNum)>> {
        let of: Vec<usize> = docs
            .iter()
            .filter(|d| d.0 > 0)
            .map(|d| d.0 as usize - 1)
            .collect();
        self.index.partners(&of)
    }
}

/// The passages of the matches (in order) and their sides, as `find`'s decision takes
/// them; and which of the matches' passages are judged (reworded passages are never
/// formulas, as in `find`).
fn passages(
    matches: &mut [QueryMatch],
) -> (Vec<(Occurrence, Occurrence)>, Vec<SideSpecifics>, Vec<bool>) {
    let mut occurrences = Vec::new();
    let mut sides = Vec::new();
    let mut judged = Vec::new();
    for (i, m) in matches.iter_mut().enumerate() {
        for (p, s) in m.passages.iter().zip(&mut m.sides) {
            judged.push(p.found != Some(Found::Reworded));
            if p.found == Some(Found::Reworded) {
                continue;
            }
            occurrences.push((
                Occurrence {
                    doc: DocNum(0),
                    span: p.query,
                },
                Occurrence {
                    doc: DocNum(i as u32 + 1),
                    span: p.doc,
                },
            ));
            let [x, y] = std::mem::take(&mut s.specifics);
            sides.extend([x, y]);
        }
    }
    (occurrences, sides, judged)
}

/// Every passage's flag, from the flags of the judged ones.
fn spread(judged: Vec<bool>, flags: Vec<bool>) -> Vec<bool> {
    let mut flags = flags.into_iter();
    judged
        .into_iter()
        .map(|j| j && flags.next().unwrap_or(false))
        .collect()
}

/// Which passages of the matches (in order) are formulas by steps 1 and 2.
pub(crate) fn judge(matches: &mut [QueryMatch]) -> Vec<bool> {
    let (occurrences, sides, judged) = passages(matches);
    spread(judged, formula::formulas(&occurrences, &sides))
}

/// Which passages of the matches (in order) are formulas by the whole decision, the
/// index answering for the corpus.
pub(crate) fn judge_in(
    q: &PreparedQuery,
    matches: &mut [QueryMatch],
    index: &dyn StockLineIndex,
) -> Result<Vec<bool>> {
    let (occurrences, sides, judged) = passages(matches);
    let ask = WithQuery { q, index };
    let flags = formula::formulas_in(
        &occurrences,
        &sides,
        &Corpus::Asked(&ask),
        &|_, _| false,
        &|_, _| None,
    )?;
    Ok(spread(judged, flags))
}

/// The documents a query was aligned against, in memory (`chorus query --corpus`), as an
/// index: every document a holder's candidate.
pub(crate) struct InMemory<'a> {
    pub(crate) docs: &'a [Document],
    /// `docs[keys[i]]` is match `i`.
    pub(crate) keys: &'a [usize],
    pub(crate) align: &'a AlignParams,
    /// `(document, number)` of the holders found by `held`.
    holders: RefCell<Vec<(usize, DocNum)>>,
}

impl<'a> InMemory<'a> {
    pub(crate) fn new(docs: &'a [Document], keys: &'a [usize], align: &'a AlignParams) -> Self {
        InMemory {
            docs,
            keys,
            align,
            holders: RefCell::default(),
        }
    }
}

impl StockLineIndex for InMemory<'_> {
    fn held(&self, wanted: &[u64]) -> Result<Vec<NgramsHeld>> {
        let mut number = vec![None; self.docs.len()];
        for (i, &k) in self.keys.iter().enumerate() {
            number[k] = Some(DocNum(i as u32 + 1));
        }
        let mut next = self.keys.len() as u32 + 1;
        let mut rows = Vec::new();
        let mut holders = self.holders.borrow_mut();
        for (k, d) in self.docs.iter().enumerate() {
            let doc = *number[k].get_or_insert_with(|| {
                next += 1;
                DocNum(next - 1)
            });
            if let Some(h) = ngrams_held(doc, d.meta.when(), &Tokens::new(&d.text), wanted) {
                rows.push(h);
                holders.push((k, doc));
            }
        }
        Ok(rows)
    }

    fn partners(&self, matches: &[usize]) -> Result<Vec<(DocNum, DocNum)>> {
        let mut partners = Vec::new();
        let mut buf = CandidateBuffers::default();
        for &i in matches {
            let m = PreparedQuery::new(self.docs[self.keys[i]].text.as_str(), self.align.ngram);
            for &(k, doc) in self.holders.borrow().iter() {
                if k != self.keys[i]
                    && match_text_with(&m, &self.docs[k].text, self.align, &mut buf).is_some()
                {
                    partners.push((DocNum(i as u32 + 1), doc));
                }
            }
        }
        Ok(partners)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{FormulaMode, QueryReport, match_document};
    use std::cell::Cell;

    const LINE: &str = "It said it may buy more shares or sell some or all of its current stake.";

    /// Six stake filings of other investors, printed a few days apart, each ending with
    /// the stock line.
    fn filings() -> Vec<Document> {
        [
            ("Harbor Mills", "told regulators it owns", "Dexter Corp", 5),
            ("Quinn Partners", "has acquired", "Lakeside Foods", 7),
            ("Orr Capital", "disclosed a holding of", "Tamarack Inc", 6),
            ("Vela Group", "now controls", "Pioneer Gas", 9),
            ("Wendt Holdings", "reported buying", "Ashby Steel", 8),
            ("Corliss Fund", "filed to show it has", "Marsh Cable", 11),
        ]
        .iter()
        .enumerate()
        .map(|(i, (who, did, what, pct))| {
            let mut d = Document::new(
                format!("f{i}"),
                format!("{who} {did} {pct} pct of {what}. {LINE} Reuter"),
            );
            d.meta.date = Some(format!("1987-03-{:02}", 2 + 5 * i));
            d
        })
        .collect()
    }

    /// An index of `docs` (match 0 is `docs[0]`) whose match shares passages with the
    /// holders `partners` (indices into `docs`); counts the questions on partners.
    struct Fake {
        docs: Vec<Document>,
        partners: Vec<usize>,
        asked: Cell<usize>,
    }

    impl StockLineIndex for Fake {
        fn held(&self, wanted: &[u64]) -> Result<Vec<NgramsHeld>> {
            Ok(self
                .docs
                .iter()
                .enumerate()
                .filter_map(|(k, d)| {
                    let doc = DocNum(k as u32 + 1);
                    ngrams_held(doc, d.meta.when(), &Tokens::new(&d.text), wanted)
                })
                .collect())
        }

        fn partners(&self, matches: &[usize]) -> Result<Vec<(DocNum, DocNum)>> {
            assert_eq!(matches, [0]);
            self.asked.set(self.asked.get() + 1);
            Ok(self
                .partners
                .iter()
                .map(|&k| (DocNum(1), DocNum(k as u32 + 1)))
                .collect())
        }
    }

    /// Whether the query (filing 0) and its one match (filing 1) share only a formula,
    /// the index holding filings 1 to 5 (`one_day`: all printed the same day); and how
    /// often the partners were asked for.
    fn judged(partners: Vec<usize>, one_day: bool) -> (bool, usize) {
        let mut all = filings();
        if one_day {
            for d in &mut all {
                d.meta.date = Some("1987-03-02".into());
            }
        }
        let q = PreparedQuery::new(all[0].text.as_str(), 5);
        let p = AlignParams::default();
        let m = match_document(&q, &all[1].id, &all[1].meta, &all[1].text, &p).unwrap();
        let index = Fake {
            docs: all[1..].to_vec(),
            partners,
            asked: Cell::new(0),
        };
        let r = QueryReport::ranked_in(&q, 1, vec![m], FormulaMode::List, &index).unwrap();
        (r.matches[0].formula, index.asked.get())
    }

    #[test]
    fn a_matchs_partners_among_the_holders_keep_a_line_reuse() {
        // four unrelated holders over three weeks: a stock line, asked once for partners
        assert_eq!(judged(vec![], false), (true, 1));
        // two of them share passages with the match: too few unrelated ones are left
        assert_eq!(judged(vec![1, 2], false), (false, 1));
        // printed within a day the line cannot recur: the partners are not asked for
        assert_eq!(judged(vec![], true), (false, 0));
    }
}
