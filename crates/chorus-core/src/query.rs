//! Querying one document against a set of candidate documents.
//!
//! A query is the "paste one article" use of chorus: which of these documents print
//! passages of this text? [`PreparedQuery`] normalises and tokenises the query once (keeping
//! the offset map back to its original bytes); [`match_document`] aligns it against one
//! candidate with the engine's aligner ([`crate::align::align`]) and maps every aligned token
//! range back to exact byte spans of both originals, extended over punctuation both copies
//! share, as `find` does. [`query_documents`] does this for a slice of documents and ranks the
//! [`QueryMatch`]es in a [`QueryReport`].
//!
//! Formulas are no hits: [`QueryReport::ranked_in`] takes every passage of every match
//! through `find`'s formula decision (the query as one document and each matching text as
//! another; step 3 asks the corpus the matches come from, see [`crate::query_stock`]), so
//! that a text that shares with the query
//! only a frame with other specifics (another company's dividend notice, another family's
//! death notice) is left out ([`FormulaMode::Out`], the default), or listed with its
//! passages marked ([`FormulaMode::List`]); its formula passages count for neither score
//! nor coverage. [`FormulaMode::Keep`] takes formulas for reuse.
//!
//! Where the candidates come from is not this module's business: a persistent index (the
//! `chorus-store` crate) picks them by shared fingerprints and hands them here.
//! Cost: one normalisation of the query and one table of its n-grams, then per candidate one
//! tokenisation, a seed lookup in that table and, only when seeds exist, an anchored
//! alignment (see [`crate::align`]); the offset map of a candidate is built only when it
//! matches.

use crate::Document;
use crate::align::{AlignParams, Alignment, NgramPositions, align_indexed_with};
use crate::document::{DocId, Metadata, Span};
use crate::error::Result;
use crate::formula::SideSpecifics;
use crate::normalize::normalize;
use crate::query_stock::{InMemory, StockLineIndex, judge, judge_in};
use crate::report::Found;
use crate::report::{round3, serialize_round3};
use crate::spans::{attached_punctuation, token_span};
use crate::tokenize::Tokens;
use serde::{Deserialize, Serialize};

/// A query text, normalised and tokenised once for many alignments.
#[derive(Debug, Clone)]
pub struct PreparedQuery {
    text: String,
    tokens: Tokens,
    pub(crate) map: Vec<u32>,
    grams: NgramPositions,
}

impl PreparedQuery {
    /// Normalises and tokenises `text` and indexes its `ngram`-grams.
    pub fn new(text: impl Into<String>, ngram: usize) -> PreparedQuery {
        let text = text.into();
        let n = normalize(&text);
        let map = n.map;
        let tokens = Tokens::from_normalized(n.text);
        let grams = NgramPositions::new(&tokens, ngram);
        PreparedQuery {
            text,
            tokens,
            map,
            grams,
        }
    }

    /// The original query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The query's tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The n-gram length the query was prepared for.
    pub fn ngram(&self) -> usize {
        self.grams.ngram()
    }

    /// The distinct n-gram fingerprints of the query, in no particular order (what an
    /// index looks up), taken from the query's n-gram table.
    pub fn distinct_fingerprints(&self) -> Vec<u64> {
        self.grams.distinct().collect()
    }
}

/// One passage shared by the query and a document: byte spans into both originals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedPassage {
    /// Byte range in the query text.
    pub query: Span,
    /// Byte range in the document's text.
    pub doc: Span,
    /// Words matched (exactly or up to a typo) along the passage.
    pub words: u32,
    /// Similarity of the two copies: matched words over the longer side, in `[0, 1]`.
    #[serde(serialize_with = "serialize_round3")]
    pub similarity: f64,
    /// Formulaic language, not reuse (listed only with [`FormulaMode::List`]; left out
    /// of the JSON when false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub formula: bool,
    /// How the passage was found, with the paraphrase path only (absent otherwise): see
    /// [`crate::query_reworded`].
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What a query does with formulaic language (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormulaMode {
    /// Formula passages are left out, and the documents sharing nothing else. The default.
    #[default]
    Out,
    /// Formula passages are listed, marked, and counted for neither score nor coverage; a
    /// document sharing nothing else is marked too.
    List,
    /// No formula decision: formulas count as reuse.
    Keep,
}

/// What the formula decision needs of a passage: its query tokens and the specifics of
/// its two sides.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PassageSides {
    pub(crate) query_tokens: (u32, u32),
    pub(crate) specifics: [SideSpecifics; 2],
}

/// A document that shares passages with the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryMatch {
    pub id: DocId,
    #[serde(flatten)]
    pub meta: Metadata,
    /// Ranking score: words matched over all shared passages.
    pub score: u32,
    /// Share of the query's words inside a shared passage, in `[0, 1]`.
    #[serde(serialize_with = "serialize_round3")]
    pub coverage: f64,
    /// Shared passages, in query order.
    pub passages: Vec<SharedPassage>,
    /// The document shares only formulas with the query (listed only with
    /// [`FormulaMode::List`]; left out of the JSON when false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub formula: bool,
    /// How the document was found, with the paraphrase path only (absent otherwise):
    /// `exact` when it shares an exact passage with the query, else `reworded`.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
    #[serde(skip)]
    pub(crate) sides: Vec<PassageSides>,
}

/// Counts of one query.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryStats {
    /// Bytes of the query text.
    pub query_bytes: usize,
    /// Words of the query text.
    pub query_words: usize,
    /// Documents aligned against the query.
    pub candidates: usize,
    /// Documents that share at least one passage (that is no formula, unless
    /// [`FormulaMode::Keep`]).
    pub matches: usize,
    /// Shared passages found to be formulas (left out of the JSON when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub formula_passages: usize,
    /// Documents that share only formulas with the query (left out of the JSON when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub formula_matches: usize,
    /// Passages found by the paraphrase path alone (left out of the JSON when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reworded_passages: usize,
}

/// The result of a query: matching documents, best first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryReport {
    /// Ranked by score (descending), then coverage (as reported, to three decimals), then
    /// id.
    pub matches: Vec<QueryMatch>,
    pub stats: QueryStats,
}

impl QueryReport {
    /// Builds a report from unordered matches, leaving formulas out and ranking them.
    pub fn ranked(q: &PreparedQuery, candidates: usize, matches: Vec<QueryMatch>) -> Self {
        Self::ranked_with(q, candidates, matches, FormulaMode::Out)
    }

    /// Builds a report from unordered matches, deciding which passages are formulas as
    /// `formulas` says (see the module documentation) by steps 1 and 2 of the decision
    /// (no corpus at hand), and ranking them.
    pub fn ranked_with(
        q: &PreparedQuery,
        candidates: usize,
        mut matches: Vec<QueryMatch>,
        formulas: FormulaMode,
    ) -> Self {
        let is_formula = (formulas != FormulaMode::Keep).then(|| judge(&mut matches));
        Self::ranked_judged(q, candidates, matches, formulas, is_formula)
    }

    /// [`QueryReport::ranked_with`] for matches found in an index, which `index` tells
    /// about the query's stock lines: the whole decision of `find`, step 3 included (see
    /// [`crate::query_stock`]).
    pub fn ranked_in(
        q: &PreparedQuery,
        candidates: usize,
        mut matches: Vec<QueryMatch>,
        formulas: FormulaMode,
        index: &dyn StockLineIndex,
    ) -> Result<Self> {
        let is_formula = match formulas {
            FormulaMode::Keep => None,
            _ => Some(judge_in(q, &mut matches, index)?),
        };
        Ok(Self::ranked_judged(
            q, candidates, matches, formulas, is_formula,
        ))
    }

    fn ranked_judged(
        q: &PreparedQuery,
        candidates: usize,
        mut matches: Vec<QueryMatch>,
        formulas: FormulaMode,
        is_formula: Option<Vec<bool>>,
    ) -> Self {
        let (mut formula_passages, mut formula_matches) = (0, 0);
        if let Some(is_formula) = is_formula {
            let mut at = 0;
            for m in &mut matches {
                let flags = &is_formula[at..at + m.passages.len()];
                at += m.passages.len();
                let n = flags.iter().filter(|f| **f).count();
                if n == 0 {
                    continue;
                }
                formula_passages += n;
                for (p, &f) in m.passages.iter_mut().zip(flags) {
                    p.formula = f;
                }
                // score and coverage of the passages that are no formulas
                let mut covered = vec![false; q.tokens.len()];
                for (s, _) in m.sides.iter().zip(flags).filter(|(_, f)| !**f) {
                    covered[s.query_tokens.0 as usize..s.query_tokens.1 as usize].fill(true);
                }
                m.coverage = covered.iter().filter(|c| **c).count() as f64 / covered.len() as f64;
                m.score = m
                    .passages
                    .iter()
                    .filter(|p| !p.formula)
                    .map(|p| p.words)
                    .sum();
                m.formula = n == m.passages.len();
                formula_matches += usize::from(m.formula);
                if formulas == FormulaMode::Out {
                    m.passages.retain(|p| !p.formula);
                }
            }
            if formulas == FormulaMode::Out {
                matches.retain(|m| !m.formula);
            }
        }
        for m in &mut matches {
            m.sides = Vec::new();
        }
        matches.sort_by(|x, y| {
            y.score
                .cmp(&x.score)
                .then(round3(y.coverage).total_cmp(&round3(x.coverage)))
                .then(x.id.cmp(&y.id))
        });
        QueryReport {
            stats: QueryStats {
                query_bytes: q.text.len(),
                query_words: q.tokens.len(),
                candidates,
                matches: matches.len()
                    - formula_matches * usize::from(formulas == FormulaMode::List),
                formula_passages,
                formula_matches,
                reworded_passages: matches
                    .iter()
                    .flat_map(|m| &m.passages)
                    .filter(|p| p.found == Some(Found::Reworded))
                    .count(),
            },
            matches,
        }
    }
}

/// Buffers for the candidates of a query, reused from one candidate to the next: the
/// normalised text, its map and tokens of a candidate take some 40 bytes per byte of text,
/// and allocating them anew for each candidate cost a loaded server a sixth of its time
/// in the allocator.
#[derive(Debug, Default)]
pub struct CandidateBuffers {
    tokens: Tokens,
    map: Vec<u32>,
    seeds: Vec<(u32, u32)>,
}

/// Aligns the query against one document; `None` when they share no passage.
pub fn match_document(
    q: &PreparedQuery,
    id: &str,
    meta: &Metadata,
    text: &str,
    p: &AlignParams,
) -> Option<QueryMatch> {
    match_document_with(q, id, meta, text, p, &mut CandidateBuffers::default())
}

/// [`match_document`] with buffers kept by the caller across candidates.
pub fn match_document_with(
    q: &PreparedQuery,
    id: &str,
    meta: &Metadata,
    text: &str,
    p: &AlignParams,
    buffers: &mut CandidateBuffers,
) -> Option<QueryMatch> {
    match_text_with(q, text, p, buffers).map(|m| m.into_match(id.to_string(), meta.clone()))
}

/// What a document's text shares with the query, before the document's identity is
/// attached: callers that store identity and text apart (an index) read the identity only
/// of the documents that match.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    /// See [`QueryMatch::score`].
    pub score: u32,
    /// See [`QueryMatch::coverage`].
    pub coverage: f64,
    pub passages: Vec<SharedPassage>,
    sides: Vec<PassageSides>,
}

impl TextMatch {
    /// The match of document `id`.
    pub fn into_match(self, id: DocId, meta: Metadata) -> QueryMatch {
        QueryMatch {
            id,
            meta,
            score: self.score,
            coverage: self.coverage,
            passages: self.passages,
            formula: false,
            found: None,
            sides: self.sides,
        }
    }
}

/// Aligns the query against one text; `None` when they share no passage.
pub fn match_text_with(
    q: &PreparedQuery,
    text: &str,
    p: &AlignParams,
    buffers: &mut CandidateBuffers,
) -> Option<TextMatch> {
    if q.tokens.is_empty() {
        return None;
    }
    // normalised once, with the map back to the original bytes (a second pass for the
    // map of the candidates that match cost more than building it for every candidate)
    buffers.tokens.refill(text, &mut buffers.map);
    let (tokens, map) = (&buffers.tokens, &buffers.map);
    let alignments: Vec<Alignment> =
        align_indexed_with(&q.tokens, &q.grams, tokens, p, &mut buffers.seeds);
    if alignments.is_empty() {
        return None;
    }
    let mut covered = vec![false; q.tokens.len()];
    let mut score = 0u32;
    // what the formula decision needs (see QueryReport::ranked_with)
    let sides = alignments
        .iter()
        .map(|al| PassageSides {
            query_tokens: al.a,
            specifics: [
                SideSpecifics::of(&q.tokens, &q.map, &q.text, al.a).with_matched(al.matched),
                SideSpecifics::of(tokens, map, text, al.b).with_matched(al.matched),
            ],
        })
        .collect();
    let passages = alignments
        .iter()
        .map(|al| {
            covered[al.a.0 as usize..al.a.1 as usize].fill(true);
            score += al.matched;
            let (sq, sd) = attached_punctuation(
                &q.text,
                token_span(&q.tokens, &q.map, al.a),
                text,
                token_span(tokens, map, al.b),
            );
            SharedPassage {
                query: sq,
                doc: sd,
                words: al.matched,
                similarity: al.similarity,
                formula: false,
                found: None,
            }
        })
        .collect();
    let coverage = covered.iter().filter(|c| **c).count() as f64 / covered.len() as f64;
    Some(TextMatch {
        score,
        coverage,
        passages,
        sides,
    })
}

/// Aligns the query against every document and ranks those that share passages with it,
/// formulas left out.
pub fn query_documents(query: &str, docs: &[Document], p: &AlignParams) -> QueryReport {
    query_documents_with(query, docs, p, FormulaMode::Out)
}

/// [`query_documents`], with formulas as `formulas` says.
pub fn query_documents_with(
    query: &str,
    docs: &[Document],
    p: &AlignParams,
    formulas: FormulaMode,
) -> QueryReport {
    use rayon::prelude::*;
    let q = PreparedQuery::new(query, p.ngram);
    let found: Vec<(usize, QueryMatch)> = docs
        .par_iter()
        .enumerate()
        .map_init(CandidateBuffers::default, |buf, (i, d)| {
            match_document_with(&q, &d.id, &d.meta, &d.text, p, buf).map(|m| (i, m))
        })
        .flatten()
        .collect();
    let (keys, matches): (Vec<usize>, Vec<QueryMatch>) = found.into_iter().unzip();
    let index = InMemory::new(docs, &keys, p);
    match QueryReport::ranked_in(&q, docs.len(), matches, formulas, &index) {
        Ok(r) => r,
        Err(_) => unreachable!("the documents in memory answer without failing"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PASSAGE: &str = "The harbour authority said on Monday that the old swing bridge \
                           will close for repairs until the end of the summer season.";

    #[test]
    fn finds_and_ranks_shared_passages_with_exact_offsets() {
        let query = format!("Morning briefing. “{PASSAGE}” Nothing else happened today.");
        let docs = vec![
            Document::new(
                "unrelated",
                "A story about gardening, tomatoes and prize marrows.",
            ),
            Document::new(
                "half",
                "Traffic news: the harbour authority said on Monday that the old swing bridge \
                 will close. Drivers should plan ahead.",
            ),
            Document::new(
                "full",
                format!("Ferry times change. \"{PASSAGE}\" More soon."),
            ),
        ];
        let r = query_documents(&query, &docs, &AlignParams::default());
        assert_eq!(r.stats.candidates, 3);
        let ids: Vec<&str> = r.matches.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["full", "half"]);
        let m = &r.matches[0];
        assert_eq!(m.passages.len(), 1);
        let p = &m.passages[0];
        // shared quotation marks are included on both sides (quote styles compare equal)
        assert_eq!(&query[p.query.begin..p.query.end], format!("“{PASSAGE}”"));
        assert_eq!(
            &docs[2].text[p.doc.begin..p.doc.end],
            format!("\"{PASSAGE}\"")
        );
        assert!(m.coverage > 0.6 && m.coverage < 1.0, "{}", m.coverage);
        assert!(r.matches[1].score < m.score);
    }

    #[test]
    fn distinct_fingerprints_are_every_ngram_once() {
        let q = PreparedQuery::new(format!("{PASSAGE} {PASSAGE} and more words"), 5);
        let mut got = q.distinct_fingerprints();
        got.sort_unstable();
        let mut want = Vec::new();
        crate::fingerprint::for_each_ngram_fingerprint(&q.tokens.hashes, 5, |_, h| want.push(h));
        want.sort_unstable();
        want.dedup();
        assert_eq!(got, want);
        assert!(want.len() > 10);
    }

    #[test]
    fn empty_and_unrelated_queries_match_nothing() {
        let docs = vec![Document::new("a", PASSAGE)];
        assert!(
            query_documents("", &docs, &AlignParams::default())
                .matches
                .is_empty()
        );
        assert!(
            query_documents("just a few words", &docs, &AlignParams::default())
                .matches
                .is_empty()
        );
    }

    #[test]
    fn match_serialises_metadata_flat() {
        let mut d = Document::new("w1", format!("Wire copy. {PASSAGE}"));
        d.meta.source = Some("wire".into());
        let r = query_documents(PASSAGE, &[d], &AlignParams::default());
        let v = serde_json::to_value(&r.matches[0]).unwrap();
        assert_eq!(v["id"], "w1");
        assert_eq!(v["source"], "wire");
        assert_eq!(v["passages"][0]["query"]["begin"], 0);
        assert_eq!(v["coverage"], 1.0);
    }

    /// A dividend notice of one template, for `company`.
    fn notice(company: &str, cents: u32, month: &str, day: u32) -> String {
        format!(
            "{company} said its board declared a quarterly dividend of {cents} cts per share, \
             payable {month} {day} to holders of record {month} {}. The company said the \
             dividend is in line with the payout of the previous quarter.",
            day - 10
        )
    }

    #[test]
    fn documents_sharing_only_a_formula_are_left_out_or_listed_last() {
        let query = format!("Markets. {}", notice("Meadow Co", 59, "January", 27));
        let docs = vec![
            Document::new("harbor", notice("Harbor Mills Inc", 12, "April", 30)),
            Document::new("reprint", notice("Meadow Co", 59, "January", 27)),
        ];
        let p = AlignParams::default();
        let ids =
            |r: &QueryReport| -> Vec<String> { r.matches.iter().map(|m| m.id.clone()).collect() };
        let out = query_documents(&query, &docs, &p);
        assert_eq!(ids(&out), ["reprint"]);
        assert_eq!(
            (out.stats.matches, out.stats.formula_matches),
            (1, 1),
            "{:?}",
            out.stats
        );
        assert!(out.matches[0].passages.iter().all(|p| !p.formula));
        let listed = query_documents_with(&query, &docs, &p, FormulaMode::List);
        assert_eq!(ids(&listed), ["reprint", "harbor"]);
        assert_eq!(listed.stats.matches, 1);
        let harbor = &listed.matches[1];
        assert!(harbor.formula && harbor.passages.iter().all(|p| p.formula));
        assert_eq!((harbor.score, harbor.coverage), (0, 0.0));
        let v = serde_json::to_value(harbor).unwrap();
        assert_eq!(
            (&v["formula"], &v["passages"][0]["formula"]),
            (&json!(true), &json!(true))
        );
        // the reprint is the same in both modes; nothing is marked without the decision
        assert_eq!(listed.matches[0], out.matches[0]);
        let kept = query_documents_with(&query, &docs, &p, FormulaMode::Keep);
        assert_eq!(kept.matches.len(), 2);
        assert!(kept.matches.iter().all(|m| !m.formula && m.score > 0));
        assert_eq!(kept.stats.formula_passages, 0);
    }
}
