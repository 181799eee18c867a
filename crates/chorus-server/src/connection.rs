//! Serving connections with limits: hyper's HTTP/1 server, one tokio task per connection,
//! with three time limits and a cap on how many connections are open.
//!
//! - **Header timeout** ([`ConnectionLimits::header_timeout`]): hyper's own
//!   `header_read_timeout`. Its clock starts when the connection begins waiting for a
//!   request (on a new connection, and again after each answer) and stops when the request
//!   head is complete, so a client that drips a header line every few seconds is cut off.
//! - **Idle timeout** ([`ConnectionLimits::idle_timeout`]): a connection with no request in
//!   progress and no byte read or written for this long is closed (a watchdog per
//!   connection: the socket is wrapped to note the time of its last transfer, the service to
//!   count the requests in progress). A first expiry asks hyper to close gracefully; if the
//!   connection is still there one idle period later (an answer the client never reads),
//!   it is dropped.
//! - **Request timeout** (`ServerConfig::request_timeout`): the `track` middleware bounds
//!   each request from its head to its answer, the body's reading included.
//! - **Connection cap** ([`ConnectionLimits::max_connections`]): beyond it a new connection
//!   gets a `503` with `{"code":"overloaded"}` written without waiting (the socket's buffer
//!   takes it) and is closed; a line on stderr says so, at most every 10 s, with the count
//!   refused since the last line. `/metrics` has `chorus_connections_open` and
//!   `chorus_connections_refused_total`.
//!
//! Shutdown: accepting stops, every connection is asked to close gracefully (requests in
//! progress finish), and the server returns once all have ended.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::serve::Listener;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};

/// Limits on the server's connections. The defaults are the `chorus serve` flags' defaults.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Longest wait for a request's complete head, from when the connection starts waiting
    /// for a request. Default 10 s.
    pub header_timeout: Duration,
    /// A connection with no request in progress and no bytes moving for this long is
    /// closed. Default 5 s.
    pub idle_timeout: Duration,
    /// Connections open at once; more are answered 503 and closed. Default 512.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 512,
        }
    }
}

const OVERLOADED_BODY: &str =
    r#"{"code":"overloaded","message":"too many open connections, try again shortly"}"#;

/// The answer of a connection over the cap.
fn overloaded() -> Vec<u8> {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{OVERLOADED_BODY}",
        OVERLOADED_BODY.len()
    )
    .into_bytes()
}

/// What the watchdog of one connection reads: when bytes last moved, and how many
/// requests are in progress.
struct Activity {
    start: Instant,
    /// Milliseconds since `start` of the last transfer.
    last_ms: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// When the connection becomes idle for `idle`, if nothing moves meanwhile.
    fn deadline(&self, idle: Duration) -> Instant {
        if self.busy.load(Ordering::Relaxed) > 0 {
            return Instant::now() + idle;
        }
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)) + idle
    }
}

/// Decrements the busy count when a request's future ends or is dropped.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A socket that notes every transfer in its [`Activity`].
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Says on stderr that connections are being refused, at most every 10 s.
struct RefusalLog {
    refused: u64,
    last: Option<Instant>,
}

impl RefusalLog {
    fn refused(&mut self, max: usize) {
        self.refused += 1;
        if self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(10))
        {
            eprintln!(
                "chorus: {max} connections open (--max-connections): refused {} connection(s) \
                 with 503",
                self.refused
            );
            self.refused = 0;
            self.last = Some(Instant::now());
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then closes the
/// connections gracefully and returns when all have ended.
pub(crate) async fn serve_connections(
    mut listener: tokio::net::TcpListener,
    state: crate::AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = crate::router(state.clone());
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // dropped to ask every connection to close; each holds a receiver until it ends
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut log = RefusalLog {
        refused: 0,
        last: None,
    };
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, _addr) = tokio::select! {
            conn = Listener::accept(&mut listener) => conn,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // never waits: a client that does not read its answer cannot stall accepting
            // tokio's `try_write` reports WouldBlock until the reactor has seen the socket:
            // write through the (non-blocking) std socket instead
            if let Ok(mut std_tcp) = tcp.into_std() {
                let _ = io::Write::write(&mut std_tcp, &overloaded());
            }
            log.refused(limits.max_connections);
            let m = &state.inner.metrics;
            m.connections_refused.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let limits = limits.clone();
        let stop_rx = stop_rx.clone();
        let done_rx = done_rx.clone();
        let st = state.clone();
        st.inner
            .metrics
            .connections_open
            .fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            serve_one(tcp, app, &limits, stop_rx).await;
            st.inner
                .metrics
                .connections_open
                .fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            drop(done_rx);
        });
    }
    drop(stop_tx);
    drop(stop_rx);
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
}

/// One connection: hyper with the header timeout, under the idle watchdog.
async fn serve_one(
    tcp: TcpStream,
    app: axum::Router,
    limits: &ConnectionLimits,
    mut stop: watch::Receiver<()>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        io: tcp,
        activity: activity.clone(),
    });
    let seen = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        seen.busy.fetch_add(1, Ordering::Relaxed);
        let busy = Busy(seen.clone());
        let app = app.clone();
        async move {
            let resp = tower::ServiceExt::oneshot(app, req).await;
            drop(busy);
            resp
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut closing = false;
    let mut stopping = false;
    loop {
        let deadline = activity.deadline(limits.idle_timeout);
        tokio::select! {
            _ = conn.as_mut() => break,
            () = tokio::time::sleep_until(deadline.into()) => {
                if activity.deadline(limits.idle_timeout) > Instant::now() {
                    continue;
                }
                if closing {
                    break; // dropping the connection closes the socket
                }
                conn.as_mut().graceful_shutdown();
                closing = true;
                activity.touch();
            }
            _ = stop.changed(), if !stopping => {
                conn.as_mut().graceful_shutdown();
                stopping = true;
            }
        }
    }
}
