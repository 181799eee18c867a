//! Reworded passages of a query (`query --paraphrase`): the candidates' passages that
//! rewrite the query sentence by sentence, beside the exact ones.
//!
//! The paraphrase path ([`crate::paraphrase`]) works over a corpus: its sentence candidates
//! come from an inverted index of stems, weighted by their frequency in the corpus. A
//! query has no such index to look in (the persistent index holds word n-grams, not
//! stems), so it is given a small corpus: the query and the candidate documents its
//! caller picked (an index picks those sharing the most n-grams with the query), on which
//! the same code runs as in `find --paraphrase`, with only the pairs holding the query
//! aligned and boilerplate detection off (a query has no source). Each reworded passage
//! between the query and a candidate is mapped to exact byte spans as the exact ones are,
//! and takes in the exact passages of the query path that it overlaps on both sides (one
//! report per passage). Every passage and match then says how it was found
//! ([`Found`], `"match"` in the JSON): a match is `exact` when it holds an exact passage.
//!
//! Limits: reworded text is found only in the candidates handed in, so a document that
//! shares no word n-gram with the query is found only when its caller picks it by other
//! means; stem frequencies are those of the small corpus, not of the whole collection.
//! Cost: the candidates' texts are tokenised and stemmed once more per query.

use crate::align::AlignParams;
use crate::aligned::{PairPlan, align_corpus_with};
use crate::config::Config;
use crate::corpus::Storage;
use crate::document::{Document, Metadata, Span};
use crate::error::{Error, Result};
use crate::order::{DocNum, Order};
use crate::paraphrase::{Lang, Params};
use crate::progress::NoProgress;
use crate::query::{
    CandidateBuffers, FormulaMode, PassageSides, PreparedQuery, QueryMatch, QueryReport,
    SharedPassage, match_document_with,
};
use crate::query_stock::InMemory;
use crate::report::Found;
use crate::spans::{attached_punctuation, token_span};
use crate::tokenize::Tokens;
use foldhash::{HashMap, HashMapExt};

/// The id the query takes in its small corpus (no input reader makes ids with a NUL).
const QUERY_ID: &str = "\u{0}query";

/// A language setting: an ISO 639-1 code or English name of a supported language, or
/// `auto` (`None`: each document's `lang`/`language` field, else detection). An unknown
/// name is an error listing the supported ones.
pub fn parse_lang(name: &str) -> Result<Option<Lang>> {
    if name.trim().eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    Lang::from_code(name).map(Some).ok_or_else(|| {
        let known: Vec<String> = Lang::all()
            .map(|l| format!("{} ({})", l.code(), l.name()))
            .collect();
        Error::InvalidConfig(format!(
            "unknown language `{name}`: the supported languages are {}, or `auto`",
            known.join(", ")
        ))
    })
}

/// A reworded passage between the query and candidate `cand`: token ranges in both.
struct Reworded {
    cand: usize,
    query: (u32, u32),
    doc: (u32, u32),
    words: u32,
    similarity: f64,
}

/// The reworded passages the query shares with the candidates, through the paraphrase
/// path over the query and the candidates as one corpus.
fn reworded_passages(
    q: &PreparedQuery,
    query_meta: &Metadata,
    candidates: &[Document],
    lang: Option<Lang>,
) -> Result<Vec<Reworded>> {
    let mut corpus = Vec::with_capacity(candidates.len() + 1);
    corpus.push(Document {
        id: QUERY_ID.to_string(),
        text: q.text().to_string(),
        meta: query_meta.clone(),
    });
    corpus.extend(candidates.iter().cloned());
    let mut cfg = Config {
        paraphrase: true,
        corroborate: false,
        lang,
        align: AlignParams {
            ngram: q.ngram(),
            ..AlignParams::default()
        },
        ..Config::default()
    };
    cfg.seeds.boilerplate_share = 2.0;
    let docs: &[Document] = &corpus;
    let order = Order::new(&docs)?;
    let Some((qnum, _)) = order.iter().find(|&(_, i)| i == 0) else {
        return Ok(Vec::new());
    };
    let (mut al, _) = align_corpus_with(&docs, &cfg, &Storage::Memory, &NoProgress, &|c, _, _| {
        if c.a == qnum || c.b == qnum {
            PairPlan::Align
        } else {
            PairPlan::Skip
        }
    })?;
    let exact = std::mem::take(&mut al.aligned);
    let numbered = al.order.numbered(&docs);
    let params = Params {
        lang,
        ..Params::default()
    };
    let merged =
        crate::paraphrase::with_reworded(exact, &numbered, &al.tokens, &al.blocked, &params)?;
    let cand = |d: DocNum| al.order.input(d) - 1;
    Ok(merged
        .into_iter()
        .filter(|(_, f)| *f == Found::Reworded)
        .filter_map(|(p, _)| {
            let al = &p.alignment;
            let (query, doc, other) = if p.a == qnum {
                (al.a, al.b, p.b)
            } else if p.b == qnum {
                (al.b, al.a, p.a)
            } else {
                return None;
            };
            Some(Reworded {
                cand: cand(other),
                query,
                doc,
                words: al.matched,
                similarity: al.similarity,
            })
        })
        .collect())
}

/// Whether two byte spans overlap.
fn meets(x: Span, y: Span) -> bool {
    x.begin < y.end && y.begin < x.end
}

/// The matches of the query with the candidates, exact and reworded: `exact` holds the
/// exact path's matches (each the match of the candidate with its id), `candidates` every
/// document to look for reworded passages in. Every passage and match says how it was
/// found; rank them with [`crate::query::QueryReport::ranked_in`].
pub fn with_reworded(
    q: &PreparedQuery,
    query_meta: &Metadata,
    candidates: &[Document],
    exact: Vec<QueryMatch>,
    lang: Option<Lang>,
) -> Result<Vec<QueryMatch>> {
    let mut by_id: HashMap<String, QueryMatch> = HashMap::with_capacity(exact.len());
    for m in exact {
        by_id.insert(m.id.clone(), m);
    }
    let mut found = reworded_passages(q, query_meta, candidates, lang)?;
    found.sort_by_key(|r| (r.cand, r.query, r.doc));
    let (qtokens, qmap, qtext) = (q.tokens(), &q.map, q.text());
    let mut tokens = Tokens::default();
    let mut map = Vec::new();
    for group in found.chunk_by(|x, y| x.cand == y.cand) {
        let d = &candidates[group[0].cand];
        tokens.refill(&d.text, &mut map);
        let m = by_id.entry(d.id.clone()).or_insert_with(|| QueryMatch {
            id: d.id.clone(),
            meta: d.meta.clone(),
            score: 0,
            coverage: 0.0,
            passages: Vec::new(),
            formula: false,
            found: None,
            sides: Vec::new(),
        });
        for r in group {
            let (mut sq, mut sd) = attached_punctuation(
                qtext,
                token_span(qtokens, qmap, r.query),
                &d.text,
                token_span(&tokens, &map, r.doc),
            );
            let (mut query_tokens, mut words) = (r.query, r.words);
            // the exact passages it overlaps on both sides are the same passage
            let mut k = 0;
            while k < m.passages.len() {
                let (e, s) = (&m.passages[k], &m.sides[k]);
                if e.found != Some(Found::Reworded) && meets(e.query, sq) && meets(e.doc, sd) {
                    sq = Span::new(sq.begin.min(e.query.begin), sq.end.max(e.query.end));
                    sd = Span::new(sd.begin.min(e.doc.begin), sd.end.max(e.doc.end));
                    query_tokens = (
                        query_tokens.0.min(s.query_tokens.0),
                        query_tokens.1.max(s.query_tokens.1),
                    );
                    words = words.max(e.words);
                    m.passages.remove(k);
                    m.sides.remove(k);
                } else {
                    k += 1;
                }
            }
            m.passages.push(SharedPassage {
                query: sq,
                doc: sd,
                words,
                similarity: r.similarity,
                formula: false,
                found: Some(Found::Reworded),
            });
            m.sides.push(PassageSides {
                query_tokens,
                ..PassageSides::default()
            });
        }
    }
    let mut out: Vec<QueryMatch> = by_id.into_values().collect();
    for m in &mut out {
        let mut both: Vec<(SharedPassage, PassageSides)> = std::mem::take(&mut m.passages)
            .into_iter()
            .zip(std::mem::take(&mut m.sides))
            .collect();
        both.sort_by_key(|(p, _)| (p.query.begin, p.query.end, p.doc.begin));
        let mut covered = vec![false; qtokens.len()];
        for (p, s) in &mut both {
            p.found.get_or_insert(Found::Exact);
            covered[s.query_tokens.0 as usize..s.query_tokens.1 as usize].fill(true);
        }
        m.found = Some(if both.iter().any(|(p, _)| p.found == Some(Found::Exact)) {
            Found::Exact
        } else {
            Found::Reworded
        });
        m.score = both.iter().map(|(p, _)| p.words).sum();
        m.coverage = covered.iter().filter(|c| **c).count() as f64 / covered.len().max(1) as f64;
        (m.passages, m.sides) = both.into_iter().unzip();
    }
    Ok(out)
}

/// [`crate::query::query_documents_with`] with the reworded passages too: the query
/// against every document of `docs`.
pub fn query_documents_reworded(
    query: &str,
    query_meta: &Metadata,
    docs: &[Document],
    p: &AlignParams,
    formulas: FormulaMode,
    lang: Option<Lang>,
) -> Result<QueryReport> {
    let q = PreparedQuery::new(query, p.ngram);
    let mut buffers = CandidateBuffers::default();
    let exact = docs
        .iter()
        .filter_map(|d| match_document_with(&q, &d.id, &d.meta, &d.text, p, &mut buffers))
        .collect();
    let matches = with_reworded(&q, query_meta, docs, exact, lang)?;
    // each match is the first document of its id (as `with_reworded` takes them)
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(docs.len());
    for (k, d) in docs.iter().enumerate().rev() {
        at.insert(d.id.as_str(), k);
    }
    let keys: Vec<usize> = matches.iter().map(|m| at[m.id.as_str()]).collect();
    let index = InMemory::new(docs, &keys, p);
    QueryReport::ranked_in(&q, docs.len(), matches, formulas, &index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::query_documents;

    const STORY: &str = include_str!("../../../testdata/reworded/story.txt");
    const REWORDED: &str = include_str!("../../../testdata/reworded/reworded.txt");

    fn docs() -> Vec<Document> {
        let half = &STORY[..STORY.find(" Ferry").unwrap()];
        vec![
            Document::new(
                "b-reworded",
                format!("Morning digest. {REWORDED} More later."),
            ),
            Document::new("c-copy", format!("{half} Our desk adds nothing.")),
            Document::new(
                "d-other",
                "A gardening column about tomatoes, compost and the late frost this spring, \
                 which damaged seedlings across the valley and delayed planting by weeks.",
            ),
        ]
    }

    #[test]
    fn a_query_finds_the_rewording_and_says_how_each_match_was_found() {
        let query = format!("Local news. {STORY} Weather is fine.");
        let docs = docs();
        let p = AlignParams::default();
        let plain = query_documents(&query, &docs, &p);
        let ids: Vec<&str> = plain.matches.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["c-copy"]);
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("\"match\""), "{json}");

        let meta = Metadata::default();
        let r = query_documents_reworded(&query, &meta, &docs, &p, FormulaMode::Out, None).unwrap();
        let mut ids: Vec<&str> = r.matches.iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["b-reworded", "c-copy"], "{r:#?}");
        let by = |id: &str| r.matches.iter().find(|m| m.id == id).unwrap();
        let copy = by("c-copy");
        assert_eq!(copy.found, Some(Found::Exact));
        assert!(copy.passages.iter().all(|p| p.found == Some(Found::Exact)));
        // the exact match is the one the exact path gives, with its label added
        let mut unlabelled = copy.clone();
        unlabelled.found = None;
        for p in &mut unlabelled.passages {
            p.found = None;
        }
        assert_eq!(unlabelled, plain.matches[0]);
        let re = by("b-reworded");
        assert_eq!(re.found, Some(Found::Reworded));
        assert_eq!(re.passages.len(), 1);
        let p = &re.passages[0];
        assert_eq!(p.found, Some(Found::Reworded));
        let in_doc = &docs[0].text[p.doc.begin..p.doc.end];
        assert!(in_doc.starts_with("Tuesday the committee"), "{in_doc}");
        assert!(in_doc.contains("forty million crowns"), "{in_doc}");
        let in_query = &query[p.query.begin..p.query.end];
        assert!(in_query.starts_with("harbour committee"), "{in_query}");
        assert!(re.score > 0 && re.coverage > 0.5, "{re:?}");
        assert_eq!(r.stats.reworded_passages, 1);
        let v = serde_json::to_value(re).unwrap();
        assert_eq!(v["match"], "reworded");
        assert_eq!(v["passages"][0]["match"], "reworded");
    }

    #[test]
    fn the_language_setting_overrides_the_field_and_unknown_names_list_the_known() {
        let query = format!("Local news. {STORY} Weather is fine.");
        let p = AlignParams::default();
        let meta = Metadata::default();
        let start = |meta: &Metadata, lang| {
            let r = query_documents_reworded(&query, meta, &docs(), &p, FormulaMode::Out, lang)
                .unwrap();
            let m = r.matches.iter().find(|m| m.id == "b-reworded")?;
            let p = &m.passages[0];
            Some(docs()[0].text[p.doc.begin..p.doc.end][..10].to_string())
        };
        let tuesday = Some("Tuesday th".to_string());
        // "On" is an English stop word, so the passage starts at the next word the query
        // shares; compared as Russian (no stemming, no English stop words), other
        // sentences pair first
        assert_eq!(start(&meta, None), tuesday);
        assert_eq!(start(&meta, parse_lang("en").unwrap()), tuesday);
        let russian = start(&meta, parse_lang("ru").unwrap());
        assert!(russian.is_some() && russian != tuesday, "{russian:?}");
        // the setting overrides the documents' own field
        let mut declared = Metadata::default();
        declared.extra.insert("lang".into(), "ru".into());
        // (the query read as Russian, the candidates as English: their stems differ)
        assert_ne!(start(&declared, None), tuesday, "the field is read");
        assert_eq!(start(&declared, parse_lang("en").unwrap()), tuesday);
        assert_eq!(parse_lang("AUTO").unwrap(), None);
        let err = parse_lang("klingon").unwrap_err().to_string();
        assert!(err.contains("`klingon`"), "{err}");
        assert!(
            err.contains("id (indonesian)") && err.contains("en (english)"),
            "{err}"
        );
    }
}
