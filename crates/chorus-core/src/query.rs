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
//! Where the candidates come from is not this module's business: a persistent index (the
//! `chorus-store` crate) picks them by shared fingerprints and hands them here.
//! Cost: one normalisation of the query and one table of its n-grams, then per candidate one
//! tokenisation, a seed lookup in that table and, only when seeds exist, an anchored
//! alignment (see [`crate::align`]); the offset map of a candidate is built only when it
//! matches.

use crate::Document;
use crate::align::{AlignParams, Alignment, NgramPositions, align_indexed_with};
use crate::document::{DocId, Metadata, Span};
use crate::normalize::normalize;
use crate::report::{round3, serialize_round3};
use crate::spans::{attached_punctuation, token_span};
use crate::tokenize::Tokens;
use serde::{Deserialize, Serialize};

/// A query text, normalised and tokenised once for many alignments.
#[derive(Debug, Clone)]
pub struct PreparedQuery {
    text: String,
    tokens: Tokens,
    map: Vec<u32>,
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
    /// Documents that share at least one passage.
    pub matches: usize,
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
    /// Builds a report from unordered matches, ranking them.
    pub fn ranked(q: &PreparedQuery, candidates: usize, mut matches: Vec<QueryMatch>) -> Self {
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
                matches: matches.len(),
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
            }
        })
        .collect();
    let coverage = covered.iter().filter(|c| **c).count() as f64 / covered.len() as f64;
    Some(TextMatch {
        score,
        coverage,
        passages,
    })
}

/// Aligns the query against every document and ranks those that share passages with it.
pub fn query_documents(query: &str, docs: &[Document], p: &AlignParams) -> QueryReport {
    use rayon::prelude::*;
    let q = PreparedQuery::new(query, p.ngram);
    let matches = docs
        .par_iter()
        .map_init(CandidateBuffers::default, |buf, d| {
            match_document_with(&q, &d.id, &d.meta, &d.text, p, buf)
        })
        .flatten()
        .collect();
    QueryReport::ranked(&q, docs.len(), matches)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
