//! `POST /v1/query`: the stored documents that share passages with a text (or with the main
//! text of a page fetched from a URL), ranked, in the model of `chorus query --json`
//! ([`chorus_core::query::QueryReport`]), with provenance from the cluster cache.

use crate::error::{ApiError, ApiJson};
use crate::fetch::fetch_document;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chorus_core::document::parse_timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};

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

/// Query texts up to this size run on the async worker; longer ones on a blocking thread,
/// so that a long text does not hold up the requests queued behind it on the worker.
/// Either way at most `max_concurrent_queries` run at once, and the others wait their turn
/// in order (a fair semaphore).
const INLINE_QUERY_BYTES: usize = 32 << 10;

pub async fn query(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<QueryRequest>,
) -> Result<Json<Value>, ApiError> {
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
    let permit = st
        .inner
        .queries
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (mut report, generation) = if text.len() <= INLINE_QUERY_BYTES {
        // an article-sized query costs well under a millisecond of CPU: it runs on the
        // async worker that read the request, as other handlers do (the workers are one
        // per core); a hand-off to a blocking thread and back cost a tenth of a loaded
        // server's time in thread switches
        run(st.current_reader().await?, &text)?
    } else {
        let text2 = text.clone();
        st.blocking(move |st| run(st.reader()?, &text2)).await?
    };
    drop(permit);
    report.matches.truncate(limit);
    let mut out = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;

    // Provenance: the earliest dated match, and the clusters the shared passages belong to
    // (when the cluster cache is ready within the configured wait).
    let clusters = if report.matches.is_empty() {
        None
    } else {
        st.clusters(Some(cfg.cluster_wait)).await.ok().flatten()
    };
    let clusters = clusters.filter(|c| Some(c.generation) == generation);
    let mut linked: Vec<u32> = Vec::new();
    if let Some(matches) = out.get_mut("matches").and_then(Value::as_array_mut) {
        for (m, mv) in report.matches.iter().zip(matches.iter_mut()) {
            if let (Some(set), Some(obj)) = (&clusters, mv.as_object_mut()) {
                let mut ids: Vec<u32> = m
                    .passages
                    .iter()
                    .flat_map(|p| set.overlapping(&m.id, p.doc.begin, p.doc.end))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                linked.extend(&ids);
                obj.insert("clusters".into(), json!(ids));
            }
        }
    }
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
    let mut prov = Map::new();
    prov.insert("earliest".into(), earliest.unwrap_or(Value::Null));
    match &clusters {
        Some(set) => {
            let summaries: Vec<Value> = linked
                .iter()
                .filter_map(|id| set.get(*id))
                .map(|c| c.summary())
                .collect();
            let flags: Vec<Option<bool>> = linked
                .iter()
                .filter_map(|id| set.get(*id))
                .map(|c| c.coordinated)
                .collect();
            let coordinated = if flags.contains(&Some(true)) {
                Value::Bool(true)
            } else if !flags.is_empty() && flags.iter().all(Option::is_some) {
                Value::Bool(false)
            } else {
                Value::Null
            };
            prov.insert("clusters_ready".into(), Value::Bool(true));
            prov.insert("coordinated".into(), coordinated);
            prov.insert("clusters".into(), Value::Array(summaries));
        }
        None => {
            prov.insert(
                "clusters_ready".into(),
                Value::Bool(report.matches.is_empty()),
            );
            prov.insert("coordinated".into(), Value::Null);
            prov.insert("clusters".into(), Value::Array(Vec::new()));
        }
    }
    let obj = out.as_object_mut().expect("a report is an object");
    obj.insert("provenance".into(), Value::Object(prov));
    if let Some(d) = fetched {
        obj.insert(
            "fetched".into(),
            json!({"url": d.meta.url.clone().unwrap_or(d.id), "title": d.meta.title, "text": d.text}),
        );
    }
    Ok(Json(out))
}
