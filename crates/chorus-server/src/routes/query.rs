//! `POST /v1/query`: the stored documents that share passages with a text (or with the main
//! text of a page fetched from a URL), ranked, in the model of `chorus query --json`
//! ([`chorus_core::query::QueryReport`]), with provenance from the cluster cache.

use crate::clusters::ClusterSet;
use crate::error::{ApiError, ApiJson};
use crate::fetch::fetch_document;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chorus_core::document::parse_timestamp;
use chorus_core::query::{QueryMatch, QueryReport, QueryStats};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

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
}

/// Query texts up to this size run on the worker that read the request; longer ones on a
/// blocking thread, so that a long text does not hold up the requests queued behind it on
/// the worker. At most `max_concurrent_queries` of those run at once, and the others wait
/// their turn in order (a fair semaphore). The short ones need no permit: a worker runs
/// one at a time. (A permit for them too made a convoy: when one query waited for a
/// permit, each freed permit went to the oldest waiter, which held it idle until its
/// worker reached it in its queue; a saturated server then left a quarter of the machine
/// idle.)
const INLINE_QUERY_BYTES: usize = 32 << 10;

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
            let f = st
                .blocking(move |st| fetch_document(&url, st.config()))
                .await?;
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
    let run = move |reader: Option<std::sync::Arc<chorus_store::IndexReader>>,
                    text: &str|
          -> Result<_, ApiError> {
        Ok(match reader {
            Some(r) => (r.query(text, &opts)?, Some(r.generation())),
            None => (
                chorus_core::query::query_documents(text, &[], &opts.align),
                None,
            ),
        })
    };
    let fetched = fetched.map(|d| {
        json!({"url": d.meta.url.clone().unwrap_or(d.id), "title": d.meta.title, "text": d.text})
    });
    let body = if text.len() <= INLINE_QUERY_BYTES {
        // an article-sized query costs well under a millisecond of CPU: it runs on a
        // worker thread in its turn (`crate::turns`), as other handlers' index work does
        // (the workers are one per core); a hand-off to a blocking thread and back cost a
        // tenth of a loaded server's time in thread switches
        let reader = st.current_reader().await?;
        // the clusters, if ready now (nearly always): the whole answer is then written in
        // the job, and only its bytes are handed back (freeing on one thread what another
        // allocated costs glibc's malloc a lock of the other thread's arena)
        let ready = st.clusters(Some(Duration::ZERO)).await.ok().flatten();
        let (answer, text) = st
            .in_turn(move || {
                let (mut report, generation) = run(reader, &text)?;
                report.matches.truncate(limit);
                let answer = if report.matches.is_empty() || ready.is_some() {
                    Answer::Body(respond(&report, generation, ready, fetched)?)
                } else {
                    Answer::Later(report, generation, fetched)
                };
                Ok((answer, text))
            })
            .await?;
        // freed on the thread that allocated it
        drop(text);
        match answer {
            Answer::Body(body) => body,
            Answer::Later(report, generation, fetched) => {
                let clusters = st.clusters(Some(cfg.cluster_wait)).await.ok().flatten();
                respond(&report, generation, clusters, fetched)?
            }
        }
    } else {
        let _permit = st
            .inner
            .queries
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let (mut report, generation) = st.blocking(move |st| run(st.reader()?, &text)).await?;
        report.matches.truncate(limit);
        let clusters = if report.matches.is_empty() {
            None
        } else {
            st.clusters(Some(cfg.cluster_wait)).await.ok().flatten()
        };
        respond(&report, generation, clusters, fetched)?
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A query's answer, or its report while the clusters for its provenance are not ready.
enum Answer {
    Body(Vec<u8>),
    Later(QueryReport, Option<u64>, Option<Value>),
}

/// The answer to a query: its matches (the first `limit`), each with the clusters its
/// passages belong to, and the provenance: the earliest dated match, and those clusters
/// (when `clusters` is of the report's generation).
fn respond(
    report: &QueryReport,
    generation: Option<u64>,
    clusters: Option<Arc<ClusterSet>>,
    fetched: Option<Value>,
) -> Result<Vec<u8>, ApiError> {
    let clusters = clusters.filter(|c| Some(c.generation) == generation);
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
        .map(|(t, m)| {
            json!({"id": m.id, "date": m.meta.date, "timestamp": t,
                   "source": m.meta.outlet(), "title": m.meta.title, "url": m.meta.url})
        });
    let provenance = match &clusters {
        Some(set) => {
            let entries: Vec<_> = linked.iter().filter_map(|id| set.get(*id)).collect();
            let flags: Vec<Option<bool>> = entries.iter().map(|c| c.coordinated).collect();
            let coordinated = if flags.contains(&Some(true)) {
                Some(true)
            } else if !flags.is_empty() && flags.iter().all(Option::is_some) {
                Some(false)
            } else {
                None
            };
            Provenance {
                earliest,
                clusters_ready: true,
                coordinated,
                clusters: entries.iter().map(|c| c.summary_json()).collect(),
            }
        }
        None => Provenance {
            earliest,
            clusters_ready: report.matches.is_empty(),
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
    fetched: Option<Value>,
}

#[derive(Serialize)]
struct MatchOut<'a> {
    #[serde(flatten)]
    m: &'a QueryMatch,
    /// Present once the cluster cache of this generation is ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    clusters: Option<Vec<u32>>,
}

#[derive(Serialize)]
struct Provenance<'a> {
    earliest: Option<Value>,
    clusters_ready: bool,
    coordinated: Option<bool>,
    clusters: Vec<&'a RawValue>,
}
