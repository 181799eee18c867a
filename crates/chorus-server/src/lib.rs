//! chorus-server: the HTTP API and the paste-an-article web page of chorus, over a
//! persistent index ([`chorus_store`]).
//!
//! # Brief overview
//!
//! [`ServerConfig`] says where the index is and what the server may do (write token, URL
//! fetching, limits, CORS); [`AppState`] holds it with the current index snapshot and the
//! per-generation cluster cache; [`router`] builds the [`axum::Router`]; [`serve`] runs it
//! on a listener until a shutdown signal. Handlers live in `routes/`, one file per resource;
//! every error is an [`ApiError`], answered as `{"code", "message"}` with its status from
//! one table ([`ApiError::status_and_code`]). Article-sized queries and index reads run on
//! the worker threads ([`run_blocking`]: one single-threaded runtime per core), in the order
//! they came across all workers (`turns.rs`); long queries and cluster computations on
//! blocking threads.
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

mod clusters;
mod error;
mod fetch;
mod metrics;
mod routes;
mod state;
mod turns;

pub use error::ApiError;
pub use fetch::is_internal;
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

/// Serves the application on `listener` until `shutdown` completes, then drains requests.
/// Starts computing the clusters of the index in the background right away.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    spawn_background(&state);
    // answers go out as soon as they are written (axum 0.8 no longer sets TCP_NODELAY)
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Starts the server's background work on the current runtime: computing the clusters of
/// the index, and merging the segments left by writes once they pause
/// ([`ServerConfig::merge_after`]). [`serve`] and [`run_blocking`] call it; a caller that
/// serves [`router`] by other means calls it once.
pub fn spawn_background(state: &AppState) {
    let warm = state.clone();
    tokio::spawn(async move {
        let _ = warm.clusters(Some(std::time::Duration::ZERO)).await;
    });
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

/// Tasks a worker runs between two looks for new socket events (tokio's default is 61).
/// A saturated server whose queries run on the workers had a p99 three to four times its
/// median with the default, and about twice with 255 at the same throughput (BENCHMARKS.md,
/// server load, session 4).
const EVENT_INTERVAL: u32 = 255;

/// Opens the index, binds `addr` and serves until Ctrl-C or SIGTERM (blocking; builds its
/// own runtimes). `on_ready` is called with the bound address before serving.
///
/// Threads: one acceptor (the calling thread), which hands each new connection in turn to
/// one of [`ServerConfig::threads`] workers, each a single-threaded runtime that reads its
/// connections' requests and writes their answers, and runs the index work of any
/// connection's request from one shared queue, oldest first (`turns.rs`). A shared
/// multi-threaded runtime reorders requests (a woken task may run before older ones, and
/// idle workers steal from busy ones): under saturation its p99 sat about twice as far
/// above the median (BENCHMARKS.md, server load, session 6). With
/// [`ServerConfig::work_stealing`], one multi-threaded runtime of
/// [`ServerConfig::threads`] workers instead, without the queue.
pub fn run_blocking(
    cfg: ServerConfig,
    addr: std::net::SocketAddr,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (threads, stealing) = (cfg.threads.max(1), cfg.work_stealing);
    let state = AppState::new(cfg)?;
    if stealing {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .event_interval(EVENT_INTERVAL)
            .build()?;
        return rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            on_ready(listener.local_addr()?);
            serve(listener, state, shutdown_signal()).await?;
            Ok(())
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind(addr))?;
    let bound = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut queues = Vec::with_capacity(threads);
    let mut workers = Vec::with_capacity(threads);
    state.inner.turns.expect_pumps(threads);
    for i in 0..threads {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        queues.push(tx);
        let worker_rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .event_interval(EVENT_INTERVAL)
            .build()?;
        let (state, mut stopped) = (state.clone(), stopped.clone());
        let handed = Handed { rx, addr: bound };
        workers.push(
            std::thread::Builder::new()
                .name(format!("chorus-serve-{i}"))
                .spawn(move || {
                    worker_rt.block_on(async move {
                        if i == 0 {
                            spawn_background(&state);
                        }
                        let pumped = state.clone();
                        tokio::spawn(async move { pumped.inner.turns.pump().await });
                        let shutdown = async move {
                            let _ = stopped.wait_for(|s| *s).await;
                        };
                        axum::serve(handed, router(state))
                            .with_graceful_shutdown(shutdown)
                            .await
                    })
                })?,
        );
    }
    on_ready(bound);
    rt.block_on(async {
        tokio::select! {
            _ = hand_out(listener, queues) => {},
            _ = shutdown_signal() => {},
        }
    });
    let _ = stop.send(true);
    let mut failed = None;
    for w in workers {
        match w.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failed = Some(e),
            Err(_) => failed = Some(std::io::Error::other("a server thread panicked")),
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// Accepts connections and hands them to the workers in turn. Returns when every worker
/// has gone.
async fn hand_out(
    listener: tokio::net::TcpListener,
    mut queues: Vec<
        tokio::sync::mpsc::UnboundedSender<(std::net::TcpStream, std::net::SocketAddr)>,
    >,
) {
    let mut next = 0usize;
    while !queues.is_empty() {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        // answers go out as soon as they are written (axum 0.8 no longer sets TCP_NODELAY)
        let _ = tcp.set_nodelay(true);
        // leaves the socket non-blocking, as the worker's runtime takes it
        let Ok(tcp) = tcp.into_std() else { continue };
        next %= queues.len();
        if queues[next].send((tcp, peer)).is_err() {
            queues.remove(next);
        } else {
            next += 1;
        }
    }
}

/// After a failed accept: errors of the one connection are passed over; others (out of
/// file descriptors, say) pause accepting for a second, as `axum::serve` does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// The connections the acceptor hands to one worker, as an [`axum::serve::Listener`].
struct Handed {
    rx: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, std::net::SocketAddr)>,
    addr: std::net::SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = tokio::net::TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.rx.recv().await {
                // registered with the runtime of the worker that polls this
                Some((tcp, peer)) => match tokio::net::TcpStream::from_std(tcp) {
                    Ok(tcp) => return (tcp, peer),
                    Err(_) => continue,
                },
                // the acceptor has stopped: the server is shutting down
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
