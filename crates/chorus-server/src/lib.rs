//! chorus-server: the HTTP API and the paste-an-article web page of chorus, over a
//! persistent index ([`chorus_store`]).
//!
//! # Brief overview
//!
//! [`ServerConfig`] says where the index is and what the server may do (write token, URL
//! fetching, limits, CORS); [`AppState`] holds it with the current index snapshot and the
//! published clusters (kept up to date write by write: `published.rs`, `live.rs`);
//! [`router`] builds the [`axum::Router`]; [`serve`] runs it on a listener until a shutdown
//! signal. Handlers live in `routes/`, one file per resource;
//! every error is an [`ApiError`], answered as `{"code", "message"}` with its status from
//! one table ([`ApiError::status_and_code`]). A handler parses its request, hands its
//! index work to a pool of [`ServerConfig::threads`] threads ([`AppState::read`],
//! `work.rs`: one queue, oldest first), awaits the result and answers; writes and URL
//! fetches run on tokio's blocking threads, cluster computations on a pool of their own.
//!
//! API (documented in `assets/openapi.json`, served at `/v1/openapi.json`):
//!
//! | method and path | what |
//! |---|---|
//! | `POST /v1/documents` | add a batch (bearer token) |
//! | `GET /v1/documents/{id}`, `DELETE /v1/documents/{id}` | read, remove (bearer token) |
//! | `POST /v1/query` | documents sharing passages with a text or URL, with provenance |
//! | `GET /v1/clusters`, `GET /v1/clusters/{id}` | clusters over the stored corpus |
//! | `GET /healthz`, `GET /metrics` | liveness, Prometheus metrics |
//! | `GET /` | the web page |
//!
//! # Example
//!
//! ```
//! use chorus_server::{AppState, ServerConfig, router};
//!
//! let dir = tempfile::tempdir()?;
//! let state = AppState::new(ServerConfig::new(dir.path().join("index")))?;
//! let app: axum::Router = router(state);
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// unsafe_code is only denied workspace-wide (chorus-store allows it on two items); this
// crate keeps the old, stricter forbid.
#![forbid(unsafe_code)]

mod address;
mod clusters;
mod connection;
mod error;
mod fetch;
mod live;
mod metrics;
mod pairs;
mod published;
mod routes;
mod state;
mod work;

pub use address::is_internal;
pub use connection::ConnectionLimits;
pub use error::{ApiError, StartError};
pub use live::{LiveClusters, UpdateStats};
pub use state::{AppState, ServerConfig};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::future::Future;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Counts the request, applies the time limit, and answers timeouts as API errors.
async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let limit = st.config().request_timeout;
    let resp = match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::Timeout(limit.as_secs()).into_response(),
    };
    st.inner
        .metrics
        .record(&method, &route, resp.status().as_u16(), started.elapsed());
    resp
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The application: every route, the body limit, metrics, and CORS when configured.
pub fn router(state: AppState) -> axum::Router {
    use routes::*;
    let cfg = state.config().clone();
    let mut app = axum::Router::new()
        .route("/", get(page::index))
        .route("/assets/app.js", get(page::app_js))
        .route("/assets/style.css", get(page::style_css))
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/v1/openapi.json", get(system::openapi))
        .route("/v1/documents", post(documents::add))
        .route(
            "/v1/documents/{id}",
            get(documents::get).delete(documents::remove),
        )
        .route("/v1/query", post(query::query))
        .route("/v1/clusters", get(clusters::list))
        .route("/v1/clusters/{id}", get(clusters::get))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .route_layer(middleware::from_fn_with_state(state.clone(), track));
    if !cfg.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = cfg
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::DELETE])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        );
    }
    app.with_state(state)
}

/// Serves the application on `listener` within [`ServerConfig::connections`] until
/// `shutdown` completes, then drains requests.
/// Starts computing the clusters of the index in the background right away.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    spawn_background(&state);
    let limits = state.config().connections.clone();
    connection::serve_connections(listener, state, limits, shutdown).await
}

/// Starts the server's background work on the current runtime: computing the clusters of
/// the index and keeping them up to date (`published.rs`), and merging the segments left by writes once they pause
/// ([`ServerConfig::merge_after`]). [`serve`] calls it; a caller that
/// serves [`router`] by other means calls it once.
pub fn spawn_background(state: &AppState) {
    state.spawn_clusters();
    state.spawn_merger();
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Opens the index, binds `addr` and serves until Ctrl-C or SIGTERM (blocking; builds its
/// own runtime). `on_ready` is called with the bound address before serving.
///
/// Threads: a multi-threaded tokio runtime of [`ServerConfig::threads`] workers reads the
/// requests and writes the answers; the requests' index work runs on as many threads of
/// the worker pool ([`AppState::read`]).
pub fn run_blocking(
    cfg: ServerConfig,
    addr: std::net::SocketAddr,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let threads = cfg.threads.max(1);
    let state = AppState::new(cfg)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("chorus-serve")
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        on_ready(listener.local_addr()?);
        serve(listener, state, shutdown_signal()).await?;
        Ok(())
    })
}
