//! The clusters readers see: one published [`ClusterSet`], replaced whole when a newer one
//! is ready, so that a read never waits for a write or a computation (only the very first
//! computation of a server, before anything is published, is waited for).
//!
//! One task, the *updater*, publishes; it wakes whenever there is something to publish:
//!
//! 1. **Writes through this server.** A write commits, serves the new snapshot (queries
//!    find its documents at once) and notes the ids it added, replaced or removed as
//!    pending. The updater takes the snapshot and every pending id together (under the
//!    write lock, so that the snapshot holds exactly the changes taken), runs
//!    [`crate::live::update`] from the published clusters, and publishes. Writes arriving
//!    meanwhile wait as pending for the next round, so under a stream of writes one update
//!    covers all the writes since the last, and a write never waits for the clusters.
//! 2. **A full recompute** ([`ClusterSet::compute`] over the whole corpus) in the
//!    background: at start, when another process committed (a generation the server did not
//!    write; not checked while a write of ours runs) or an update failed, and otherwise rarely: once no document changed for
//!    [`ServerConfig::cluster_exact_after`], or while writes go on, at most
//!    [`ServerConfig::cluster_exact_every`] after the first change that made the clusters
//!    inexact. It runs on the snapshot of its start; the updater then applies the ids
//!    written since to its result and publishes that.
//! 3. **A merge** of segments is a write that changes no document: the update only moves
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
use chorus_core::Config;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// The last published clusters, or the error of the computation that should have given
/// the first ones (`None`: nothing computed yet).
pub(crate) type Published = Option<Result<Arc<ClusterSet>, String>>;

/// The bookkeeping behind publishing.
pub(crate) struct Live {
    published: watch::Sender<Published>,
    /// The threads the engine runs on for the clusters (updates and full recomputes): not
    /// rayon's global pool, whose threads a write's indexing needs, so that a write never
    /// queues behind a cluster computation.
    pool: std::sync::OnceLock<Arc<rayon::ThreadPool>>,
    /// [`AppState::spawn_clusters`] ran.
    started: AtomicBool,
    /// Wakes the updater.
    wake: Notify,
    state: std::sync::Mutex<LiveState>,
}

#[derive(Default)]
struct LiveState {
    /// Ids written and not yet in the published clusters.
    pending: BTreeSet<String>,
    /// The generation of the last commit whose changes are known: this server's last
    /// write, or the snapshot of the last full recompute.
    known_generation: Option<u64>,
    /// A full recompute is running.
    full_running: bool,
    /// Ids written since the snapshot of the running full recompute, until the updater
    /// takes its result.
    since_full: BTreeSet<String>,
    /// A finished full recompute, for the updater to bring up to date and publish.
    recomputed: Option<ClusterSet>,
    /// A full recompute is due: the published clusters may miss changes nobody told us of.
    unknown_change: bool,
    /// When the oldest write not yet in the published clusters was committed.
    pending_since: Option<Instant>,
    /// When a write last changed documents.
    last_change: Option<Instant>,
    /// When the first change after the last full recompute's snapshot came.
    first_change: Option<Instant>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            published: watch::Sender::new(None),
            pool: std::sync::OnceLock::new(),
            started: AtomicBool::new(false),
            wake: Notify::new(),
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

    /// The cluster pool, of `threads` threads, made on first use.
    fn pool(&self, threads: usize) -> Arc<rayon::ThreadPool> {
        Arc::clone(self.pool.get_or_init(|| {
            Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.max(1))
                    .thread_name(|i| format!("chorus-clusters-{i}"))
                    .build()
                    .expect("a thread pool"),
            )
        }))
    }

    fn publish(&self, set: ClusterSet) {
        self.published.send_replace(Some(Ok(Arc::new(set))));
    }

    /// Publishes a failed computation, unless clusters are published already (they stay).
    fn publish_failure(&self, e: String) {
        self.published.send_if_modified(|p| match p {
            Some(Ok(_)) => false,
            _ => {
                *p = Some(Err(e));
                true
            }
        });
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

    /// Notes a write through this server: it committed `generation`, starting from the
    /// snapshot of generation `before`, and changed the documents `changed` (none for a
    /// merge). Called under the write lock once the new snapshot is served.
    pub(crate) fn clusters_after_write(
        &self,
        before: u64,
        generation: u64,
        changed: BTreeSet<String>,
    ) {
        let live = self.live();
        {
            let mut s = live.state();
            if s.known_generation.is_some_and(|g| g != before) {
                // another process committed in between: only a full recompute knows what
                s.unknown_change = true;
            }
            s.known_generation = Some(generation);
            if !changed.is_empty() {
                s.last_change = Some(Instant::now());
                s.first_change.get_or_insert_with(Instant::now);
            }
            if s.full_running || s.recomputed.is_some() {
                s.since_full.extend(changed.iter().cloned());
            }
            if !changed.is_empty() {
                s.pending_since.get_or_insert_with(Instant::now);
            }
            s.pending.extend(changed);
        }
        live.wake.notify_one();
    }

    /// Starts the first full computation, the updater, and a check every `check` whether
    /// another full recompute is due (see the module documentation). Runs until the
    /// runtime stops.
    pub(crate) fn spawn_clusters(&self) {
        if self.live().started.swap(true, Ordering::Relaxed) {
            return;
        }
        let st = self.clone();
        tokio::spawn(async move {
            loop {
                st.live().wake.notified().await;
                st.publish_updates().await;
            }
        });
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

    /// The updater's round: brings the published clusters (or a finished full recompute)
    /// up to the current snapshot with the pending ids, and publishes them.
    async fn publish_updates(&self) {
        let (reader, base, changed, oldest) = {
            // the snapshot and the ids it holds, with no write in between
            let _no_write = self.inner.write.lock().await;
            let reader = match self.blocking(|st| st.reader()).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("chorus: updating the clusters: {e}");
                    self.live().state().unknown_change = true;
                    return;
                }
            };
            let mut s = self.live().state();
            let (base, changed) = match s.recomputed.take() {
                // the full recompute's result, with every id written since its snapshot
                // (those pending from before are in it)
                Some(mut set) => {
                    s.pending.clear();
                    // the pair alignments kept so far serve its updates too
                    if let Some(current) = self.live().current() {
                        set.pairs = Arc::clone(&current.pairs);
                    }
                    (Arc::new(set), std::mem::take(&mut s.since_full))
                }
                None => match self.live().current() {
                    Some(set) => (set, std::mem::take(&mut s.pending)),
                    // the first computation publishes
                    None => return,
                },
            };
            (reader, base, changed, s.pending_since.take())
        };
        let generation = reader.as_ref().map_or(0, |r| r.generation());
        if changed.is_empty() && generation == base.generation {
            if self
                .live()
                .current()
                .is_none_or(|p| !Arc::ptr_eq(&p, &base))
            {
                self.live().published.send_replace(Some(Ok(base)));
            }
            return;
        }
        let started = Instant::now();
        let pool = self.live().pool(self.config().threads);
        let res = tokio::task::spawn_blocking(move || {
            pool.install(|| live::update(&base, reader, &changed, &Config::default()))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        match res {
            Ok((set, stats)) => {
                self.inner.metrics.clusters_updated(
                    set.generation,
                    started.elapsed(),
                    &stats,
                    oldest.map_or(Duration::ZERO, |t| t.elapsed()),
                );
                self.live().publish(set);
            }
            Err(e) => {
                eprintln!("chorus: updating the clusters: {e}");
                self.live().state().unknown_change = true;
            }
        }
    }

    /// Whether a full recompute should start now.
    async fn full_due(&self) -> bool {
        let cfg = self.config();
        // not while a write of ours runs: between its commit and its note of the new
        // generation, the snapshot would look like another process's commit, and the
        // corpus would be recomputed in the middle of the writes
        let Ok(_no_write) = self.inner.write.try_lock() else {
            return false;
        };
        let current = self.current_reader().await.ok().flatten();
        let generation = current.as_ref().map(|r| r.generation());
        let mut s = self.live().state();
        if s.full_running || s.recomputed.is_some() {
            return false;
        }
        // a commit this server did not make (its own note theirs under the write lock,
        // before anyone can see the snapshot)
        if generation.is_some() && generation != s.known_generation {
            s.unknown_change = true;
        }
        let failed = !matches!(&*self.live().published.borrow(), Some(Ok(_)));
        let inexact = self.live().current().is_some_and(|p| !p.as_of.exact);
        let quiet = s
            .last_change
            .is_none_or(|t| t.elapsed() >= cfg.cluster_exact_after);
        let overdue = s
            .first_change
            .is_some_and(|t| t.elapsed() >= cfg.cluster_exact_every);
        failed || s.unknown_change || (inexact && (quiet || overdue))
    }

    /// One full recompute over the snapshot current when it starts, handed to the updater.
    async fn full_recompute(&self) {
        let reader = {
            // the snapshot and the start of `since_full` are taken together, with no write
            // in between
            let _no_write = self.inner.write.lock().await;
            let reader = match self.blocking(|st| st.reader()).await {
                Ok(r) => r,
                Err(e) => {
                    self.live().publish_failure(e.to_string());
                    return;
                }
            };
            let mut s = self.live().state();
            s.full_running = true;
            s.since_full.clear();
            s.unknown_change = false;
            s.first_change = None;
            s.known_generation = Some(reader.as_ref().map_or(0, |r| r.generation()));
            reader
        };
        let started = Instant::now();
        let generation = reader.as_ref().map_or(0, |r| r.generation());
        let scratch = self.config().scratch_dir.clone();
        let pool = self.live().pool(self.config().threads);
        let res = tokio::task::spawn_blocking(move || {
            pool.install(|| ClusterSet::compute(reader, &scratch))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        self.inner
            .metrics
            .cluster_computed(generation, started.elapsed());
        let mut s = self.live().state();
        s.full_running = false;
        match res {
            Ok(set) => s.recomputed = Some(set),
            Err(e) => {
                eprintln!("chorus: computing the clusters: {e}");
                s.since_full.clear();
                drop(s);
                self.live().publish_failure(e);
                return;
            }
        }
        drop(s);
        self.live().wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ServerConfig;
    use chorus_core::Document;
    use chorus_store::{IndexOptions, IndexWriter};

    fn commit(index: &std::path::Path, id: &str) {
        let mut w = IndexWriter::open(index, IndexOptions::default()).unwrap();
        w.add(vec![Document::new(
            id,
            format!("The text of document {id}."),
        )])
        .unwrap();
    }

    /// A commit of one of our writes, seen before the write notes its generation, is not
    /// taken for another process's (which would recompute the corpus in the middle of the
    /// writes); a commit by another process is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn our_own_commit_does_not_make_a_full_recompute_due() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        commit(&index, "a");
        let mut cfg = ServerConfig::new(&index);
        cfg.cluster_exact_after = Duration::from_secs(3600);
        let st = AppState::new(cfg).unwrap();
        let reader = st.current_reader().await.unwrap();
        let g0 = reader.as_ref().unwrap().generation();
        let set = ClusterSet::compute(reader, dir.path()).unwrap();
        st.live().publish(set);
        st.live().state().known_generation = Some(g0);
        assert!(!st.full_due().await);
        // our write: committed and served, not yet noted
        let write = st.inner.write.lock().await;
        commit(&index, "b");
        let g1 = st.refresh(true).unwrap().unwrap().generation();
        assert!(g1 > g0);
        assert!(!st.full_due().await);
        assert!(!st.live().state().unknown_change);
        st.clusters_after_write(g0, g1, BTreeSet::from(["b".to_string()]));
        drop(write);
        assert!(!st.full_due().await);
        // another process's commit
        commit(&index, "c");
        st.refresh(true).unwrap();
        assert!(st.full_due().await);
        assert!(st.live().state().unknown_change);
    }
}
