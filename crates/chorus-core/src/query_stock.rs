//! The formula decision of a query: `find`'s, step 3 (recurring stock lines) included
//! when the matches come from an index.
//!
//! A query judges the passages it found as `find` judges a corpus's: the query is
//! document 0 and match `i` document `i + 1` ([`crate::formula`]'s steps 1 and 2 need no
//! more). Step 3 asks of the corpus which documents hold each word 5-gram of the
//! candidate stock lines, when those documents were printed, and which documents share a
//! passage with the candidates' documents. A query has no corpus in memory, but an index
//! has all of it: [`QueryReport::ranked_in`](crate::query::QueryReport::ranked_in) asks the
//! index ([`HeldLookup`]) once the candidates are known, only when some match shares only
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
use crate::formula::{self, Corpus, NgramsHeld, Recurrence, SideSpecifics, ngrams_held};
use crate::order::DocNum;
use crate::query::{CandidateBuffers, PreparedQuery, QueryMatch, match_text_with};
use crate::report::Found;
use crate::spans::Occurrence;
use crate::tokenize::Tokens;

/// Words of the n-grams that step 3 looks up: an index whose fingerprints are n-grams of
/// this length answers [`HeldLookup`] from its postings.
pub const STOCK_LINE_NGRAM: usize = formula::STOCK_LINE_NGRAM;

/// What an index knows of the query's candidate stock lines (see the module
/// documentation). Match `i` of the query is `DocNum(i + 1)`; the index numbers its other
/// documents from `DocNum(matches + 1)` on, in an order of its choosing that does not
/// change the decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexHeld {
    /// The indexed documents holding any of the n-grams asked for, with their dates.
    pub rows: Vec<NgramsHeld>,
    /// Pairs of documents sharing a passage: a match asked about and a holder.
    pub partners: Vec<(DocNum, DocNum)>,
}

/// `lookup(wanted, matches)`: the indexed documents holding each of the n-grams `wanted`
/// (sorted [`STOCK_LINE_NGRAM`]-gram fingerprints), and which of them share a passage
/// with each of the matches `matches` (indices into the query's matches).
pub type HeldLookup<'a> = &'a dyn Fn(&[u64], &[usize]) -> Result<IndexHeld>;

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
    index: HeldLookup<'_>,
) -> Result<Vec<bool>> {
    let (occurrences, sides, judged) = passages(matches);
    let ask = |wanted: &[u64], docs: &[DocNum]| -> Result<Recurrence> {
        let of: Vec<usize> = docs
            .iter()
            .filter(|d| d.0 > 0)
            .map(|d| d.0 as usize - 1)
            .collect();
        let held = index(wanted, &of)?;
        let own = ngrams_held(DocNum(0), None, q.tokens(), wanted);
        Ok(Recurrence::new(held.rows.into_iter().chain(own)).with_partners(held.partners))
    };
    let flags = formula::formulas_in(&occurrences, &sides, &Corpus::Asked(&ask))?;
    Ok(spread(judged, flags))
}

/// What `docs` (every document a query was aligned against, in memory) tell about the
/// n-grams `wanted` and the matches `of`, match `i` being `docs[keys[i]]`: as an index
/// answers [`HeldLookup`], every document a candidate.
pub(crate) fn held_in(
    docs: &[Document],
    keys: &[usize],
    p: &AlignParams,
    wanted: &[u64],
    of: &[usize],
) -> IndexHeld {
    let mut number = vec![None; docs.len()];
    for (i, &k) in keys.iter().enumerate() {
        number[k] = Some(DocNum(i as u32 + 1));
    }
    let mut next = keys.len() as u32 + 1;
    let mut rows: Vec<NgramsHeld> = Vec::new();
    let mut holders: Vec<(usize, DocNum)> = Vec::new();
    for (k, d) in docs.iter().enumerate() {
        let doc = *number[k].get_or_insert_with(|| {
            next += 1;
            DocNum(next - 1)
        });
        let tokens = Tokens::new(&d.text);
        if let Some(h) = ngrams_held(doc, d.meta.when(), &tokens, wanted) {
            rows.push(h);
            holders.push((k, doc));
        }
    }
    let mut partners = Vec::new();
    let mut buf = CandidateBuffers::default();
    for &i in of {
        let m = PreparedQuery::new(docs[keys[i]].text.as_str(), p.ngram);
        for &(k, doc) in &holders {
            if k != keys[i] && match_text_with(&m, &docs[k].text, p, &mut buf).is_some() {
                partners.push((DocNum(i as u32 + 1), doc));
            }
        }
    }
    IndexHeld { rows, partners }
}
