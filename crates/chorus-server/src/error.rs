//! API errors: one enum, one table from error to HTTP status and machine-readable code.
//!
//! Every failure leaves the server as `{"code": "...", "message": "..."}` with the status of
//! [`ApiError::status_and_code`]; the codes are part of the API (listed in the OpenAPI
//! document) and never change meaning.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: bad JSON, a missing field, an invalid parameter.
    #[error("{0}")]
    BadRequest(String),
    /// A write without a valid bearer token.
    #[error("a valid write token is required (Authorization: Bearer <token>)")]
    Unauthorized,
    /// A write on a server started without a token.
    #[error("this server is read-only (start it with --token or CHORUS_TOKEN to allow writes)")]
    ReadOnly,
    /// URL fetching is off.
    #[error("fetching URLs is disabled on this server (start it with --allow-fetch)")]
    FetchDisabled,
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The method is not allowed on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Another process holds the index's write lock.
    #[error("{0}")]
    Locked(String),
    /// The request body or query text is over the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The URL may not be fetched (scheme, or an address that is loopback, private or
    /// link-local).
    #[error("{0}")]
    FetchRefused(String),
    /// The URL could not be fetched or read.
    #[error("{0}")]
    FetchFailed(String),
    /// The server is not ready to answer yet (clusters still being computed).
    #[error("{0}")]
    Unavailable(String),
    /// The request took longer than the server's time limit.
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    /// Anything else: a damaged index, an I/O error.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// The one table: HTTP status and error code of each kind of failure.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::ReadOnly => (StatusCode::FORBIDDEN, "read_only"),
            ApiError::FetchDisabled => (StatusCode::FORBIDDEN, "fetch_disabled"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Locked(_) => (StatusCode::CONFLICT, "index_locked"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::FetchRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "fetch_refused"),
            ApiError::FetchFailed(_) => (StatusCode::BAD_GATEWAY, "fetch_failed"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<chorus_store::Error> for ApiError {
    fn from(e: chorus_store::Error) -> Self {
        match e {
            chorus_store::Error::Locked { .. } => ApiError::Locked(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = serde_json::json!({ "code": code, "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The index could not be opened.
    #[error(transparent)]
    Index(#[from] chorus_store::Error),
    /// The worker threads could not be started.
    #[error("starting the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// A JSON request body whose rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let msg = rej.body_text();
                Err(match rej.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(msg),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(msg),
                    _ => ApiError::BadRequest(msg),
                })
            }
        }
    }
}
