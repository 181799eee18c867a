//! The clusters readers see: one published [`ClusterSet`], replaced whole when a newer one
//! is ready, so that a read never waits for a write or a computation (only the very first
//! computation of a server, before anything is published, is waited for).
//!
//! Three things publish:
//!
//! 1. **Each write through this server**, inside the write itself (under the write lock,
//!    after the index snapshot is refreshed): [`crate::live::update`] from the published
//!    clusters and the ids the write changed. A read sees the old clusters until then, and
//!    the new ones from the moment the write answers.
//! 2. **A full recompute** ([`ClusterSet::compute`] over the whole corpus) in the background:
//!    at start, when the index changed without this server knowing which documents (another
//!    process wrote, or an update failed), and otherwise rarely: once no document changed for
//!    [`ServerConfig::cluster_exact_after`], or while writes go on, at most
//!    [`ServerConfig::cluster_exact_every`] after the last one. It runs on the snapshot of its
//!    start; the documents changed meanwhile are then applied to its result as one update
//!    (under the write lock) before it is published.
//! 3. **A merge** of segments is a write that changes no document: its update only moves
//!    the clusters to the new generation.
//!
//! Every answer states what its clusters reflect ([`crate::clusters::AsOf`]).
//!
//! [`ServerConfig::cluster_exact_after`]: crate::ServerConfig::cluster_exact_after
//! [`ServerConfig::cluster_exact_every`]: crate::ServerConfig::cluster_exact_every

use crate::clusters::ClusterSet;
use crate::error::ApiError;
use crate::live;
use crate::state::AppState;
use chorus_store::IndexReader;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The last published clusters, or the error of the computation that should have given
/// the first ones (`None`: nothing computed yet).
pub(crate) type Published = Option<Result<Arc<ClusterSet>, String>>;

/// The bookkeeping behind publishing.
pub(crate) struct Live {
    pub published: watch::Sender<Published>,
    /// [`AppState::spawn_clusters`] ran.
    started: std::sync::atomic::AtomicBool,
    pub state: std::sync::Mutex<LiveState>,
}

#[derive(Default)]
pub(crate) struct LiveState {
    /// A full recompute is running.
    full_running: bool,
    /// Ids written since the snapshot of the running full recompute.
    since_full: BTreeSet<String>,
    /// The published clusters may miss changes nobody told us about: a full recompute is
    /// due.
    unknown_change: bool,
    /// When a write last changed documents, while the published clusters are not exact.
    last_change: Option<Instant>,
    /// When the first change after the last exact clusters came.
    first_change: Option<Instant>,
    /// The generation the last write through this server committed.
    our_generation: Option<u64>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            published: watch::Sender::new(None),
            started: Default::default(),
            state: std::sync::Mutex::default(),
        }
    }
}

impl Live {
    fn state(&self) -> std::sync::MutexGuard<'_, LiveState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn current(&self) -> Option<Arc<ClusterSet>> {
        match &*self.published.borrow() {
            Some(Ok(set)) => Some(Arc::clone(set)),
            _ => None,
        }
    }
}

impl AppState {
    fn live(&self) -> &Live {
        &self.inner.live
    }

    /// The published clusters. Never waits while clusters are published; before the first
    /// ones are, waits at most `wait` (forever with `None`): `Ok(None)` when the wait ran out.
    pub async fn clusters(
        &self,
        wait: Option<Duration>,
    ) -> Result<Option<Arc<ClusterSet>>, ApiError> {
        if let Some(set) = self.live().current() {
            return Ok(Some(set));
        }
        // a server whose background work was not started computes on first demand
        self.spawn_clusters();
        let mut rx = self.live().published.subscribe();
        let first = async {
            rx.wait_for(|v| v.is_some())
                .await
                .map(|v| v.clone())
                .map_err(|_| ApiError::Internal("cluster computation stopped".into()))
        };
        let got = match wait {
            None => first.await?,
            Some(d) => match tokio::time::timeout(d, first).await {
                Ok(v) => v?,
                Err(_) => return Ok(None),
            },
        };
        match got {
            Some(Ok(set)) => Ok(Some(set)),
            Some(Err(e)) => Err(ApiError::Internal(format!("computing clusters: {e}"))),
            None => Ok(None),
        }
    }

    /// Brings the published clusters to `reader`'s generation after a write through this
    /// server that changed the documents `changed` (none for a merge). Called under the
    /// write lock, on a blocking thread, with the snapshot the write refreshed to;
    /// `before` is the generation the write started from.
    pub(crate) fn clusters_after_write(
        &self,
        before: u64,
        reader: Option<Arc<IndexReader>>,
        changed: &BTreeSet<String>,
    ) {
        let live = self.live();
        {
            let mut s = live.state();
            s.our_generation = reader.as_ref().map(|r| r.generation());
            if s.full_running {
                s.since_full.extend(changed.iter().cloned());
            }
            if !changed.is_empty() {
                s.last_change = Some(Instant::now());
                s.first_change.get_or_insert_with(Instant::now);
            }
        }
        let Some(prev) = live.current() else {
            // the first computation is running: it applies `changed` when it ends
            return;
        };
        if prev.generation != before {
            // another process wrote in between: only a full recompute knows what changed
            live.state().unknown_change = true;
        }
        let started = Instant::now();
        match live::update(&prev, reader, changed) {
            Ok((set, stats)) => {
                self.inner.metrics.clusters_updated(
                    set.generation,
                    started.elapsed(),
                    stats.affected,
                );
                live.published.send_replace(Some(Ok(Arc::new(set))));
            }
            Err(e) => {
                eprintln!("chorus: updating the clusters after a write: {e}");
                live.state().unknown_change = true;
            }
        }
    }

    /// Starts the first full computation, then checks every `check` whether another is
    /// due (see the module documentation). Runs until the runtime stops.
    pub(crate) fn spawn_clusters(&self) {
        if self
            .live()
            .started
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let st = self.clone();
        tokio::spawn(async move {
            st.full_recompute().await;
            let cfg = st.config();
            let check = (cfg.cluster_exact_after / 4)
                .clamp(Duration::from_millis(10), Duration::from_secs(1));
            loop {
                tokio::time::sleep(check).await;
                if st.full_due().await {
                    st.full_recompute().await;
                }
            }
        });
    }

    /// Whether a full recompute should start now.
    async fn full_due(&self) -> bool {
        let cfg = self.config();
        let published = self.live().current();
        // a commit by another process: the snapshot moved past the clusters while no write
        // of ours runs (ours publish before they release the lock)
        if let (Some(set), Ok(Some(reader))) = (&published, self.current_reader().await)
            && set.generation != reader.generation()
            && let Ok(_idle) = self.inner.write.try_lock()
            && self.live().current().map(|s| s.generation) == Some(set.generation)
        {
            self.live().state().unknown_change = true;
        }
        let s = self.live().state();
        if s.full_running {
            return false;
        }
        let failed = !matches!(&*self.live().published.borrow(), Some(Ok(_)));
        let inexact = published.as_ref().is_some_and(|p| !p.as_of.exact);
        failed
            || s.unknown_change
            || (inexact
                && (s
                    .last_change
                    .is_none_or(|t| t.elapsed() >= cfg.cluster_exact_after)
                    || s.first_change
                        .is_some_and(|t| t.elapsed() >= cfg.cluster_exact_every)))
    }

    /// One full recompute over the snapshot current when it starts, published with the
    /// changes written meanwhile applied.
    async fn full_recompute(&self) {
        let reader = {
            // the snapshot and the start of `since_full` are taken together, with no write
            // in between
            let _no_write = self.inner.write.lock().await;
            let reader = match self.blocking(|st| st.reader()).await {
                Ok(r) => r,
                Err(e) => {
                    self.publish_failure(e.to_string());
                    return;
                }
            };
            let mut s = self.live().state();
            s.full_running = true;
            s.since_full.clear();
            s.unknown_change = false;
            s.first_change = None;
            reader
        };
        let started = Instant::now();
        let generation = reader.as_ref().map_or(0, |r| r.generation());
        let scratch = self.config().scratch_dir.clone();
        let res = tokio::task::spawn_blocking(move || ClusterSet::compute(reader, &scratch))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
        self.inner
            .metrics
            .cluster_computed(generation, started.elapsed());
        let set = match res {
            Ok(set) => set,
            Err(e) => {
                eprintln!("chorus: computing the clusters: {e}");
                self.publish_failure(e);
                let mut s = self.live().state();
                s.full_running = false;
                return;
            }
        };
        // the writes since its snapshot, applied under the write lock
        let _no_write = self.inner.write.lock().await;
        let changed = {
            let mut s = self.live().state();
            s.full_running = false;
            std::mem::take(&mut s.since_full)
        };
        let published = self
            .blocking(move |st| {
                let reader = st.reader()?;
                let now = reader.as_ref().map_or(0, |r| r.generation());
                if now == set.generation && changed.is_empty() {
                    return Ok(set);
                }
                if now != set.generation && st.live().state().our_generation != Some(now) {
                    // another process wrote meanwhile
                    st.live().state().unknown_change = true;
                }
                let (set, _) = live::update(&set, reader, &changed).map_err(ApiError::Internal)?;
                if !changed.is_empty() {
                    let mut s = st.live().state();
                    s.first_change.get_or_insert_with(Instant::now);
                }
                Ok(set)
            })
            .await;
        match published {
            Ok(set) => {
                self.live().published.send_replace(Some(Ok(Arc::new(set))));
            }
            Err(e) => {
                eprintln!("chorus: updating the recomputed clusters: {e}");
                self.live().state().unknown_change = true;
            }
        }
    }

    /// Publishes a failed computation, unless clusters are published already (they stay).
    fn publish_failure(&self, e: String) {
        self.live().published.send_if_modified(|p| match p {
            Some(Ok(_)) => false,
            _ => {
                *p = Some(Err(e));
                true
            }
        });
    }
}
