//! `POST /v1/query`: the stored documents that share passages with a text (or with the main
//! text of a page fetched from a URL), ranked, in the model of `chorus query --json`
//! ([`chorus_core::query::QueryReport`]), with provenance from the published clusters.

use crate::clusters::{AsOf, ClusterSet};
use crate::error::{ApiError, ApiJson};
use crate::fetch::fetch;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chorus_core::document::parse_timestamp;
use chorus_core::query::{FormulaMode, QueryMatch, QueryReport, QueryStats, query_documents_with};
use chorus_core::query_reworded::parse_lang;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// The article. Exactly one of `text` and `url`.
    pub text: Option<String>,
    /// A page to fetch (servers started with `--allow-fetch` only).
    pub url: Option<String>,
    /// Most documents returned. Default 20, at most 1000.
    pub limit: Option<usize>,
    /// Shortest passage reported, in words. Default: the engine's.
    pub min_words: Option<usize>,
    /// Also list the passages that are formulaic language, marked `"formula": true`, and
    /// the documents that share nothing else (marked too, last). Default false: left out.
    pub formulas: Option<bool>,
    /// Also find reworded passages (`chorus query --paraphrase`): each match and passage
    /// then says how it was found (`"match": "exact"` or `"reworded"`). Default false.
    pub paraphrase: Option<bool>,
    /// The language of every text for `paraphrase` (an ISO 639-1 code or English name, or
    /// `auto`). Default: the fetched page's `lang` field, else detected.
    pub lang: Option<String>,
}

pub async fn query(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<QueryRequest>,
) -> Result<Response, ApiError> {
    let cfg = st.config().clone();
    let (text, fetched) = match (req.text, req.url) {
        (Some(t), None) => (t, None),
        (None, Some(url)) => {
            if !cfg.allow_fetch {
                return Err(ApiError::FetchDisabled);
            }
            let url = url.trim().to_owned();
            let f = fetch(&st, url).await?;
            (f.document.text.clone(), Some(f.document))
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of `text` and `url`".into(),
            ));
        }
    };
    if text.len() > cfg.max_query_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "the text is {} bytes; the limit is {}",
            text.len(),
            cfg.max_query_bytes
        )));
    }
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest("the text is empty".into()));
    }
    let limit = req.limit.unwrap_or(20).min(1000);
    let mut opts = cfg.query;
    if let Some(w) = req.min_words {
        if w == 0 {
            return Err(ApiError::BadRequest(
                "`min_words` must be at least 1".into(),
            ));
        }
        opts.align.min_tokens = w;
    }
    if req.formulas == Some(true) {
        opts.formulas = FormulaMode::List;
    }
    let paraphrase = req.paraphrase == Some(true);
    let lang = match req.lang.as_deref() {
        None => None,
        Some(_) if !paraphrase => {
            return Err(ApiError::BadRequest(
                "`lang` is the language of `paraphrase`: give `\"paraphrase\": true` too".into(),
            ));
        }
        Some(name) => parse_lang(name).map_err(|e| {
            ApiError::BadRequest(e.to_string().replace("invalid configuration: ", ""))
        })?,
    };
    let meta = fetched.as_ref().map(|d| d.meta.clone()).unwrap_or_default();
    let fetched = fetched.map(|d| FetchedPage {
        url: d.meta.url.unwrap_or(d.id),
        title: d.meta.title,
        text: d.text,
    });
    let report = st
        .read(move |index| {
            let mut report = match index {
                Some(r) if paraphrase => {
                    let how = chorus_store::RewordedOptions { lang, scan: false };
                    r.query_reworded(&text, &meta, &opts, &how)?
                }
                Some(r) => r.query(&text, &opts)?,
                None => query_documents_with(&text, &[], &opts.align, opts.formulas),
            };
            report.matches.truncate(limit);
            Ok(report)
        })
        .await?;
    // provenance: the published clusters (a server's first ones waited for at most
    // `cluster_wait`); `clusters_as_of` says what they reflect
    let clusters = if report.matches.is_empty() {
        None
    } else {
        st.clusters(Some(cfg.cluster_wait)).await.ok().flatten()
    };
    let body = respond(&report, clusters, fetched)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The answer to a query: its matches (the first `limit`), each with the clusters its
/// passages belong to, and the provenance: the earliest dated match, and those clusters.
fn respond(
    report: &QueryReport,
    clusters: Option<Arc<ClusterSet>>,
    fetched: Option<FetchedPage>,
) -> Result<Vec<u8>, ApiError> {
    let mut linked: Vec<u32> = Vec::new();
    let matches: Vec<MatchOut<'_>> = report
        .matches
        .iter()
        .map(|m| MatchOut {
            m,
            clusters: clusters.as_ref().map(|set| {
                let mut ids: Vec<u32> = m
                    .passages
                    .iter()
                    .flat_map(|p| set.overlapping(&m.id, p.doc.begin, p.doc.end))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                linked.extend(&ids);
                ids
            }),
        })
        .collect();
    linked.sort_unstable();
    linked.dedup();
    let earliest = report
        .matches
        .iter()
        .filter_map(|m| {
            let t = parse_timestamp(m.meta.date.as_deref()?)?;
            Some((t, m))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)))
        .map(|(timestamp, m)| EarliestMatch {
            id: &m.id,
            date: &m.meta.date,
            timestamp,
            source: m.meta.outlet(),
            title: &m.meta.title,
            url: &m.meta.url,
        });
    let provenance = match &clusters {
        Some(set) => {
            let entries: Vec<_> = linked.iter().filter_map(|id| set.get(*id)).collect();
            Provenance {
                earliest,
                clusters_ready: true,
                clusters_as_of: Some(set.as_of),
                // unknown without clusters
                coordinated: (!entries.is_empty())
                    .then(|| entries.iter().any(|c| c.cluster.coordinated)),
                clusters: entries.iter().map(|c| c.summary_json()).collect(),
            }
        }
        None => Provenance {
            earliest,
            clusters_ready: report.matches.is_empty(),
            clusters_as_of: None,
            coordinated: None,
            clusters: Vec::new(),
        },
    };
    serde_json::to_vec(&QueryResponse {
        matches,
        stats: &report.stats,
        provenance,
        fetched,
    })
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The answer to `POST /v1/query`: the report of `chorus query --json`, each match with the
/// clusters its passages belong to, and the provenance of the whole.
#[derive(Serialize)]
struct QueryResponse<'a> {
    matches: Vec<MatchOut<'a>>,
    stats: &'a QueryStats,
    provenance: Provenance<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fetched: Option<FetchedPage>,
}

/// The page fetched for a query by URL.
#[derive(Serialize)]
struct FetchedPage {
    url: String,
    title: Option<String>,
    text: String,
}

#[derive(Serialize)]
struct MatchOut<'a> {
    #[serde(flatten)]
    m: &'a QueryMatch,
    /// Present once clusters are published.
    #[serde(skip_serializing_if = "Option::is_none")]
    clusters: Option<Vec<u32>>,
}

#[derive(Serialize)]
struct Provenance<'a> {
    earliest: Option<EarliestMatch<'a>>,
    clusters_ready: bool,
    /// What the clusters reflect, when there are clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    clusters_as_of: Option<AsOf>,
    coordinated: Option<bool>,
    clusters: Vec<&'a RawValue>,
}

/// The earliest dated match of a query.
#[derive(Serialize)]
struct EarliestMatch<'a> {
    id: &'a str,
    date: &'a Option<String>,
    timestamp: i64,
    source: Option<Cow<'a, str>>,
    title: &'a Option<String>,
    url: &'a Option<String>,
}
