//! `/v1/clusters`: clusters of shared passages over the stored corpus: the last published
//! clusters (`crate::published`), never waiting for a write; `as_of` says what they
//! reflect. Only a server's very first computation is waited for.

use crate::clusters::{AsOf, ClusterSet, parse_since};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::Arc;

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

/// The published clusters; before the first ones are, waits until shortly before the
/// request's time limit, after which a 503 tells the client to come back (the computation
/// goes on).
async fn clusters_or_unavailable(st: &AppState) -> Result<Arc<ClusterSet>, ApiError> {
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
    // one pass over the clusters, keeping the page
    let (total, page) = st
        .read({
            let set = Arc::clone(&set);
            move |_| Ok(set.page(p.coordinated, since, p.source.as_deref(), offset, limit))
        })
        .await?;
    let page = ListPage {
        generation: set.generation,
        as_of: set.as_of,
        total,
        offset,
        clusters: page
            .iter()
            .map(|&i| set.clusters[i].summary_json())
            .collect(),
    };
    json_body(&page)
}

/// `body` as a JSON answer.
fn json_body(body: &impl Serialize) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// A page of `GET /v1/clusters`.
#[derive(Serialize)]
struct ListPage<'a> {
    generation: u64,
    as_of: AsOf,
    total: usize,
    offset: usize,
    clusters: Vec<&'a RawValue>,
}

pub async fn get(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no cluster `{id}`"));
    let id: u32 = id.parse().map_err(|_| not_found())?;
    let set = clusters_or_unavailable(&st).await?;
    if set.get(id).is_none() {
        return Err(not_found());
    }
    let passages = st
        .read({
            let set = Arc::clone(&set);
            move |_| {
                let c = set.get(id).expect("checked above");
                Ok(c.passages(set.reader.as_deref())?)
            }
        })
        .await?;
    let c = set.get(id).expect("checked above");
    json_body(&c.detail(passages, set.as_of))
}
