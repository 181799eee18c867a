//! `/v1/clusters`: clusters of shared passages over the stored corpus (computed once per
//! index generation; the first request after a change waits for the computation).

use crate::clusters::{parse_since, truncate_chars};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only clusters flagged (or not flagged) as coordinated.
    pub coordinated: Option<bool>,
    /// Only clusters with a member dated at or after this (ISO 8601, or epoch seconds).
    pub since: Option<String>,
    /// Only clusters with a member from this outlet.
    pub source: Option<String>,
    /// Page size. Default 50, at most 1000.
    pub limit: Option<usize>,
    /// Clusters skipped. Default 0.
    pub offset: Option<usize>,
}

/// The cluster cache, waiting for it until shortly before the request's time limit; after
/// that a 503 tells the client to come back (the computation goes on).
async fn clusters_or_unavailable(
    st: &AppState,
) -> Result<std::sync::Arc<crate::clusters::ClusterSet>, ApiError> {
    let wait = st
        .config()
        .request_timeout
        .saturating_sub(std::time::Duration::from_secs(1));
    st.clusters(Some(wait)).await?.ok_or_else(|| {
        ApiError::Unavailable(
            "the clusters of this index are still being computed; try again shortly".into(),
        )
    })
}

pub async fn list(
    State(st): State<AppState>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let since = match p.since.as_deref() {
        Some(s) => Some(parse_since(s).ok_or_else(|| {
            ApiError::BadRequest(format!("`since`: cannot read `{s}` as a date"))
        })?),
        None => None,
    };
    let limit = p.limit.unwrap_or(50).min(1000);
    let offset = p.offset.unwrap_or(0);
    let set = clusters_or_unavailable(&st).await?;
    // one pass over the clusters on the worker pool, keeping only the page
    // (summaries are serialised once per cluster)
    let body = st
        .read(move |_| {
            let mut total = 0usize;
            let mut page: Vec<&RawValue> = Vec::with_capacity(limit.min(set.clusters.len()));
            for c in &set.clusters {
                if c.matches(p.coordinated, since, p.source.as_deref()) {
                    if total >= offset && page.len() < limit {
                        page.push(c.summary_json());
                    }
                    total += 1;
                }
            }
            serde_json::to_vec(&ListPage {
                generation: set.generation,
                total,
                offset,
                clusters: page,
            })
            .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A page of `GET /v1/clusters`.
#[derive(Serialize)]
struct ListPage<'a> {
    generation: u64,
    total: usize,
    offset: usize,
    clusters: Vec<&'a RawValue>,
}

/// Characters of each member's passage text returned.
const PASSAGE_CHARS: usize = 20_000;

pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: u32 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no cluster `{id}`")))?;
    let set = clusters_or_unavailable(&st).await?;
    if set.get(id).is_none() {
        return Err(ApiError::NotFound(format!("no cluster `{id}`")));
    }
    let v = st
        .read(move |_| {
            let c = set.get(id).expect("checked above");
            let mut record = c.record.clone();
            if let (Some(reader), Some(members)) = (
                &set.reader,
                record.get_mut("members").and_then(Value::as_array_mut),
            ) {
                for m in members.iter_mut() {
                    let doc = m.get("doc").and_then(Value::as_str).unwrap_or("");
                    let b = m.get("begin").and_then(Value::as_u64).unwrap_or(0) as usize;
                    let e = m.get("end").and_then(Value::as_u64).unwrap_or(0) as usize;
                    let text = reader
                        .get(doc)?
                        .and_then(|d| d.text.get(b..e).map(|t| truncate_chars(t, PASSAGE_CHARS)));
                    if let Some(obj) = m.as_object_mut() {
                        obj.insert("text".into(), text.map_or(Value::Null, Value::String));
                    }
                }
            }
            if let Some(obj) = record.as_object_mut() {
                obj.insert("sources".into(), json!(c.outlets));
                obj.insert("excerpt".into(), json!(c.excerpt));
                obj.insert("generation".into(), json!(set.generation));
            }
            Ok(record)
        })
        .await?;
    Ok(Json(v))
}
