//! `/healthz`, `/metrics` (Prometheus text) and `/v1/openapi.json`.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// The OpenAPI 3.1 document of the API (hand-written, checked against real responses by
/// the tests).
pub const OPENAPI: &str = include_str!("../../assets/openapi.json");

/// Answered by the worker pool in its turn ([`AppState::read`]), after the index work
/// that came before it: a loaded server's health check takes as long as its other
/// requests, which is what a load balancer should see.
pub async fn healthz(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    let (docs, generation) = st
        .read(|index| {
            Ok((
                index.as_ref().map_or(0, |r| r.len()),
                index.as_ref().map_or(0, |r| r.generation()),
            ))
        })
        .await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "documents": docs,
        "generation": generation,
        "writable": st.config().token.is_some(),
        "fetch": st.config().allow_fetch,
    })))
}

pub async fn metrics(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let r = st.current_reader().await?;
    let body = st.inner.metrics.render(
        r.as_ref().map(|r| r.len()),
        r.as_ref().map(|r| r.generation()),
        r.as_ref().map(|r| r.segment_count()),
        st.inner.workers.waiting(),
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    ))
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
