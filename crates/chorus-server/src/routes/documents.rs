//! `/v1/documents`: add a batch (write token), read one, remove one.

use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use chorus_core::{Document, Metadata};
use serde::Deserialize;
use serde_json::{Value, json};

/// One document of a batch: `id`, `text`, optional `source`, `date`, `url`, `title`; other
/// fields are stored as they are.
#[derive(Debug, Deserialize)]
pub struct NewDocument {
    pub id: String,
    pub text: String,
    #[serde(flatten)]
    pub meta: Metadata,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddRequest {
    pub documents: Vec<NewDocument>,
}

/// Most documents in one batch.
pub const MAX_BATCH: usize = 10_000;

/// Extracting it checks the write token. Handlers take it before their body, so that a
/// request without the token is answered 401 before its body is read or parsed.
pub struct WriteToken;

impl FromRequestParts<AppState> for WriteToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        st.authorize(&parts.headers)?;
        Ok(WriteToken)
    }
}

pub async fn add(
    State(st): State<AppState>,
    _token: WriteToken,
    ApiJson(req): ApiJson<AddRequest>,
) -> Result<Json<Value>, ApiError> {
    if req.documents.is_empty() {
        return Err(ApiError::BadRequest("`documents` is empty".into()));
    }
    if req.documents.len() > MAX_BATCH {
        return Err(ApiError::PayloadTooLarge(format!(
            "a batch holds at most {MAX_BATCH} documents"
        )));
    }
    let mut docs = Vec::with_capacity(req.documents.len());
    for (i, d) in req.documents.into_iter().enumerate() {
        if d.id.trim().is_empty() {
            return Err(ApiError::BadRequest(format!(
                "documents[{i}]: `id` is empty"
            )));
        }
        if d.id.len() > chorus_input::MAX_ID_BYTES {
            return Err(ApiError::BadRequest(format!(
                "documents[{i}]: `id` is {} bytes long, over the limit of {} bytes",
                d.id.len(),
                chorus_input::MAX_ID_BYTES
            )));
        }
        if d.text.trim().is_empty() {
            return Err(ApiError::BadRequest(format!(
                "documents[{i}] ({}): `text` is empty",
                d.id
            )));
        }
        docs.push(Document {
            id: d.id,
            text: d.text,
            meta: d.meta,
        });
    }
    let changed = docs.iter().map(|d| d.id.clone()).collect();
    let (summary, total) = st
        .write(changed, move |w| {
            let s = w.add(docs)?;
            Ok((s, w.len()))
        })
        .await?;
    let generation = st.current_reader().await?.map_or(0, |r| r.generation());
    Ok(Json(json!({
        "added": summary.added,
        "replaced": summary.replaced,
        "documents": total,
        "generation": generation,
    })))
}

pub async fn remove(
    State(st): State<AppState>,
    _token: WriteToken,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if st.current_reader().await?.is_none() {
        return Err(ApiError::NotFound(format!("no document `{id}`")));
    }
    let id2 = id.clone();
    let (summary, total) = st
        .write(vec![id.clone()], move |w| {
            let s = w.remove(&[id2])?;
            Ok((s, w.len()))
        })
        .await?;
    if summary.removed == 0 {
        return Err(ApiError::NotFound(format!("no document `{id}`")));
    }
    let generation = st.current_reader().await?.map_or(0, |r| r.generation());
    Ok(Json(json!({
        "removed": summary.removed,
        "documents": total,
        "generation": generation,
    })))
}

pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let doc = st
        .read(move |index| {
            match index {
                Some(r) => r.get(&id)?,
                None => None,
            }
            .ok_or_else(|| ApiError::NotFound(format!("no document `{id}`")))
        })
        .await?;
    // the metadata's fields beside `id` and `text` (an extra field of either name stays out)
    let mut v = json!({ "id": doc.id, "text": doc.text });
    if let (Some(obj), Value::Object(meta)) = (
        v.as_object_mut(),
        serde_json::to_value(&doc.meta).unwrap_or_default(),
    ) {
        for (k, val) in meta {
            obj.entry(k).or_insert(val);
        }
    }
    Ok(Json(v))
}
