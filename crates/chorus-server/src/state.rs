//! Shared server state: the configuration, the current index snapshot (reopened when the
//! index changes, whoever changed it), the write path and the per-generation cluster cache.

use crate::error::{ApiError, StartError};
use crate::metrics::Metrics;
use crate::published::Live;
use crate::work::Workers;
use chorus_store::{CommitStamp, IndexOptions, IndexReader, IndexWriter, QueryOptions};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How the server runs. Build with [`ServerConfig::new`] and set fields.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The index folder.
    pub index: PathBuf,
    /// Bearer token for writes; `None` makes the server read-only. Default `None`.
    pub token: Option<String>,
    /// Fetch URLs given to `/v1/query`. Default off.
    pub allow_fetch: bool,
    /// Let fetches reach loopback, private and link-local addresses. Default off.
    pub allow_private_fetch: bool,
    /// Redirects followed by a fetch. Default 5.
    pub fetch_max_redirects: u32,
    /// Largest response body read by a fetch. Default 5 MiB.
    pub fetch_max_bytes: u64,
    /// Time limit of a fetch. Default 10 s.
    pub fetch_timeout: Duration,
    /// Largest request body. Default 16 MiB.
    pub max_body_bytes: usize,
    /// Largest query text. Default 1 MiB.
    pub max_query_bytes: usize,
    /// Origins allowed by CORS; empty turns CORS off. Default empty.
    pub cors_origins: Vec<String>,
    /// Time limit of a request. Default 60 s.
    pub request_timeout: Duration,
    /// How long a query waits for the cluster cache before answering without provenance.
    /// Default 2 s.
    pub cluster_wait: Duration,
    /// How often the index is checked for commits by other processes (one `stat`,
    /// [`chorus_store::CommitStamp`]); a request in between serves the snapshot it has.
    /// Default 500 ms.
    pub index_recheck: Duration,
    /// Threads running the requests' index work (queries, document reads, pages of
    /// clusters): at most this many run at once, the others wait in the order they came
    /// (`crate::work`). [`crate::run_blocking`] also reads and writes the connections on
    /// this many threads. Default: the number of cores.
    pub threads: usize,
    /// After this long without a write, a writable server merges the segments its writes
    /// left behind into one ([`chorus_store::IndexWriter::merge_small`]): each write
    /// commits a segment, and every segment costs each query a lookup. `None`: never.
    /// Default 30 s.
    pub merge_after: Option<Duration>,
    /// Query tunables.
    pub query: QueryOptions,
    /// A full recompute of the clusters runs once no write changed a document for this
    /// long (writes keep the clusters up to date incrementally meanwhile, see
    /// `crate::published`). Default 30 s.
    pub cluster_exact_after: Duration,
    /// While writes go on, a full recompute runs at most this long after the first write
    /// that made the clusters inexact. Default 10 minutes.
    pub cluster_exact_every: Duration,
    /// Where the cluster computation keeps its scratch files when the stored corpus is too
    /// large for memory. Default: the system's temporary folder.
    pub scratch_dir: PathBuf,
    /// Connection time limits and cap ([`crate::ConnectionLimits`]).
    pub connections: crate::ConnectionLimits,
}

impl ServerConfig {
    pub fn new(index: impl Into<PathBuf>) -> ServerConfig {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ServerConfig {
            index: index.into(),
            token: None,
            allow_fetch: false,
            allow_private_fetch: false,
            fetch_max_redirects: 5,
            fetch_max_bytes: 5 << 20,
            fetch_timeout: Duration::from_secs(10),
            max_body_bytes: 16 << 20,
            max_query_bytes: 1 << 20,
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(60),
            cluster_wait: Duration::from_secs(2),
            index_recheck: Duration::from_millis(500),
            merge_after: Some(Duration::from_secs(30)),
            threads: cores,
            // each query aligns its candidates on the one thread of the worker pool that
            // runs it, rather than on rayon's global pool
            query: QueryOptions {
                parallel: false,
                ..QueryOptions::default()
            },
            cluster_exact_after: Duration::from_secs(30),
            cluster_exact_every: Duration::from_secs(600),
            scratch_dir: std::env::temp_dir(),
            connections: crate::ConnectionLimits::default(),
        }
    }
}

struct Snapshot {
    reader: Option<Arc<IndexReader>>,
    /// The index's commit when `reader` was opened (or found absent).
    stamp: CommitStamp,
    checked: Instant,
}

/// The state behind every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub cfg: ServerConfig,
    snapshot: RwLock<Snapshot>,
    refresh: Mutex<()>,
    pub write: tokio::sync::Mutex<()>,
    /// The published clusters (`crate::published`).
    pub live: Live,
    /// The threads that run the handlers' index work ([`AppState::read`]).
    pub workers: Workers,
    pub metrics: Metrics,
    /// When the last write through this server was committed, until its segments are
    /// merged ([`ServerConfig::merge_after`]).
    last_write: Mutex<Option<Instant>>,
}

/// Opens a snapshot for serving ([`IndexReader::prepare_for_serving`]), sharing the
/// segments it has in common with the `previous` snapshot.
fn open_reader(
    index: &std::path::Path,
    previous: Option<&IndexReader>,
) -> Result<IndexReader, chorus_store::Error> {
    let r = match previous {
        Some(p) => p.reopen()?,
        None => IndexReader::open(index)?,
    };
    r.prepare_for_serving();
    Ok(r)
}

impl AppState {
    /// Opens the index (if it exists yet) and builds the state.
    pub fn new(cfg: ServerConfig) -> Result<AppState, StartError> {
        let absent = CommitStamp::of(&cfg.index);
        let reader = match open_reader(&cfg.index, None) {
            Ok(r) => Some(Arc::new(r)),
            Err(chorus_store::Error::NotAnIndex { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let stamp = reader.as_ref().map_or(absent, |r| r.commit_stamp());
        let workers = Workers::new(cfg.threads)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                cfg,
                snapshot: RwLock::new(Snapshot {
                    reader,
                    stamp,
                    checked: Instant::now(),
                }),
                refresh: Mutex::new(()),
                write: tokio::sync::Mutex::new(()),
                live: Live::default(),
                workers,
                metrics: Metrics::default(),
                last_write: Mutex::new(None),
            }),
        })
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.cfg
    }

    /// The current snapshot of the index (`None` while no index exists). Blocking: call it
    /// off the async workers. Reopens the index when a commit changed it.
    pub fn reader(&self) -> Result<Option<Arc<IndexReader>>, ApiError> {
        match self.checked_snapshot() {
            Some(r) => Ok(r),
            None => self.refresh(false),
        }
    }

    /// The snapshot, if it was checked for newer commits within
    /// [`ServerConfig::index_recheck`]; `None` when a check is due.
    fn checked_snapshot(&self) -> Option<Option<Arc<IndexReader>>> {
        let s = self
            .inner
            .snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner());
        (s.checked.elapsed() < self.inner.cfg.index_recheck).then(|| s.reader.clone())
    }

    /// The current snapshot without leaving the async worker when it was checked within
    /// [`ServerConfig::index_recheck`] (nearly always under load); otherwise
    /// [`Self::reader`] on a blocking thread, which may reopen the index.
    pub async fn current_reader(&self) -> Result<Option<Arc<IndexReader>>, ApiError> {
        match self.checked_snapshot() {
            Some(r) => Ok(r),
            None => self.blocking(|st| st.reader()).await,
        }
    }

    /// Reopens the index if it changed (or always, with `force`).
    pub fn refresh(&self, force: bool) -> Result<Option<Arc<IndexReader>>, ApiError> {
        let _one = self.inner.refresh.lock().unwrap_or_else(|e| e.into_inner());
        let now = CommitStamp::of(&self.inner.cfg.index);
        let previous = {
            let mut s = self
                .inner
                .snapshot
                .write()
                .unwrap_or_else(|e| e.into_inner());
            if !force && s.stamp == now {
                s.checked = Instant::now();
                return Ok(s.reader.clone());
            }
            s.reader.clone()
        };
        // segments the current snapshot already has are shared, not mapped and read again
        let reader = match open_reader(&self.inner.cfg.index, previous.as_deref()) {
            Ok(r) => Some(Arc::new(r)),
            Err(chorus_store::Error::NotAnIndex { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let mut s = self
            .inner
            .snapshot
            .write()
            .unwrap_or_else(|e| e.into_inner());
        s.stamp = reader.as_ref().map_or(now, |r| r.commit_stamp());
        s.reader = reader.clone();
        s.checked = Instant::now();
        Ok(reader)
    }

    /// Runs a handler's index work on the worker pool (`crate::work`), after the work
    /// handed over before it, with the current snapshot of the index (`None` while no
    /// index exists).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(Option<Arc<IndexReader>>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let index = self.current_reader().await?;
        self.inner
            .workers
            .run(move || f(index))
            .await
            .map_err(|_| ApiError::Internal("the request's work failed".into()))?
    }

    /// Runs blocking I/O that is not index work (reopening the index, a write, fetching a
    /// URL) on tokio's blocking threads, so that it never holds a thread of the pool.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || f(st))
            .await
            .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))?
    }

    /// Checks the bearer token of a write request.
    pub fn authorize(&self, headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
        let Some(token) = &self.inner.cfg.token else {
            return Err(ApiError::ReadOnly);
        };
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if constant_time_eq(given.as_bytes(), token.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        }
    }

    /// Runs `f` with the index writer (opened for this write, so that other processes can
    /// write between requests), refreshes the snapshot, and notes the time, for the merge
    /// after writes pause ([`ServerConfig::merge_after`]).
    /// `changed` are the ids of the documents the write adds, replaces or removes: the
    /// published clusters are brought up to date from them right after (`crate::published`).
    pub async fn write<T: Send + 'static>(
        &self,
        changed: Vec<String>,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.with_writer(changed, move |st, w| {
            let out = f(w)?;
            *st.inner
                .last_write
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            Ok(out)
        })
        .await
    }

    /// Runs `f` with the index writer, one writer at a time, then refreshes the snapshot
    /// (the writer is closed first, so that other processes can write between requests).
    /// The clusters follow ([`AppState::clusters_after_write`]) with the ids `changed`.
    async fn with_writer<T: Send + 'static>(
        &self,
        changed: Vec<String>,
        f: impl FnOnce(&AppState, &mut IndexWriter) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _one = self.inner.write.lock().await;
        self.blocking(move |st| {
            let before = st.reader()?.map_or(0, |r| r.generation());
            let mut w = IndexWriter::open(&st.inner.cfg.index, IndexOptions::default())?;
            let out = f(&st, &mut w);
            drop(w);
            // a failed write may have committed part of its work: the clusters follow
            // whatever was committed
            let generation = st.refresh(true)?.map_or(0, |r| r.generation());
            st.clusters_after_write(before, generation, changed.into_iter().collect());
            out
        })
        .await
    }

    /// Merges the segments left by this server's writes once none came for
    /// [`ServerConfig::merge_after`] (a writable server only; runs until the runtime
    /// stops). A failed merge (another process holding the index's lock, say) is tried
    /// again after the next quiet spell.
    pub(crate) fn spawn_merger(&self) {
        let Some(after) = self.inner.cfg.merge_after else {
            return;
        };
        if self.inner.cfg.token.is_none() {
            return;
        }
        let st = self.clone();
        tokio::spawn(async move {
            let check = (after / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
            loop {
                tokio::time::sleep(check).await;
                let quiet = st
                    .inner
                    .last_write
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .is_some_and(|t| t.elapsed() >= after);
                if !quiet {
                    continue;
                }
                let merged = st
                    .with_writer(Vec::new(), |_, w| Ok(w.merge_small()?))
                    .await;
                let mut last = st
                    .inner
                    .last_write
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                match merged {
                    Ok(n) => {
                        st.inner.metrics.segments_merged(n);
                        *last = None;
                    }
                    // tried again after the next quiet spell
                    Err(e) => {
                        eprintln!("chorus: merging the segments of recent writes: {e}");
                        *last = Some(Instant::now());
                    }
                }
            }
        });
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
