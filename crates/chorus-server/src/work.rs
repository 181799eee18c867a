//! Where the handlers' index work runs: a pool of [`crate::ServerConfig::threads`] threads
//! behind one function, [`Workers::run`] (reached through `AppState::read`).
//!
//! A handler parses its request on the async runtime, hands its index work (a query, a
//! stored document, a page of clusters, the health check's counts) to the pool, awaits the
//! result, and answers. The pool is a [`rayon::ThreadPool`]; the result comes back on a
//! [`tokio::sync::oneshot`] channel, so the async workers only read requests and write
//! answers, and at most `threads` jobs run at once.
//!
//! Why a rayon pool rather than `tokio::task::spawn_blocking` behind a semaphore of
//! `threads` permits: the pool's threads are fixed and take the next job the moment one
//! ends, where a freed permit first wakes the waiting handler on an async worker, which
//! then hands its job to a blocking thread (two wake-ups between jobs on a saturated
//! server); and jobs injected from outside the pool wait in one FIFO queue, so requests
//! are answered in the order they came, whichever connection they came on. A job that
//! panics fails its request, not the pool. Blocking I/O that is not index work (fetching a
//! URL, a write) runs on tokio's blocking threads instead, so that it never holds a pool
//! thread.
//!
//! Against the hand-written queue it replaced (one queue shared by single-threaded
//! runtimes that also served the connections), paired with `bench/serve-load` on a busy
//! 2-core machine: the same throughput within the noise (0.94 and 0.99) with one thread
//! each for the connections and the pool, and no wider p99.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::oneshot;

/// The pool (see the module documentation).
pub(crate) struct Workers {
    pool: rayon::ThreadPool,
    /// Jobs handed to the pool that no thread has started yet.
    waiting: Arc<AtomicUsize>,
}

/// The job panicked.
#[derive(Debug)]
pub(crate) struct JobLost;

impl Workers {
    /// A pool of `threads` threads (at least one).
    pub fn new(threads: usize) -> Result<Workers, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("chorus-work-{i}"))
            .build()?;
        Ok(Workers {
            pool,
            waiting: Arc::default(),
        })
    }

    /// Jobs waiting for a thread of the pool.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Runs `f` on the pool, after the jobs handed to it before.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JobLost> {
        let (tx, rx) = oneshot::channel();
        let waiting = Arc::clone(&self.waiting);
        waiting.fetch_add(1, Ordering::Relaxed);
        self.pool.spawn_fifo(move || {
            waiting.fetch_sub(1, Ordering::Relaxed);
            // a panic drops `tx`: the request fails, the thread goes on
            if let Ok(v) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = tx.send(v);
            }
        });
        rx.await.map_err(|_| JobLost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Barrier, Mutex};

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    }

    /// A task that hands `job` to `workers` and waits for it, as a route handler does.
    fn spawn_job<T: Send + 'static>(
        workers: &Arc<Workers>,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::task::JoinHandle<Result<T, JobLost>> {
        let workers = Arc::clone(workers);
        tokio::spawn(async move { workers.run(job).await })
    }

    #[test]
    fn jobs_run_in_the_order_they_came_and_a_panic_fails_only_its_own() {
        let workers = Arc::new(Workers::new(1).expect("a pool"));
        let order = Arc::new(Mutex::new(Vec::new()));
        // the one thread is held until all 50 jobs are queued behind it
        let gate = Arc::new(Barrier::new(2));
        let (started, is_started) = std::sync::mpsc::channel();
        let got = current_thread().block_on(async {
            let held = {
                let gate = gate.clone();
                spawn_job(&workers, move || {
                    started.send(()).expect("the test waits");
                    gate.wait();
                })
            };
            tokio::task::yield_now().await;
            is_started.recv().expect("the held job starts");
            let jobs: Vec<_> = (0..50)
                .map(|i| {
                    let order = order.clone();
                    spawn_job(&workers, move || {
                        order.lock().unwrap().push(i);
                        assert!(i != 13, "job 13 fails");
                        i * 2
                    })
                })
                .collect();
            // the spawned tasks hand their jobs over in the order they were spawned
            tokio::task::yield_now().await;
            assert_eq!(workers.waiting(), 50);
            gate.wait();
            held.await.expect("task").expect("ran");
            let mut got = Vec::new();
            for j in jobs {
                got.push(j.await.expect("task").ok());
            }
            got
        });
        assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
        for (i, g) in got.into_iter().enumerate() {
            assert_eq!(g, (i != 13).then_some(i * 2), "job {i}");
        }
        assert_eq!(workers.waiting(), 0);
    }

    #[test]
    fn every_thread_of_the_pool_takes_work() {
        let workers = Arc::new(Workers::new(2).expect("a pool"));
        // two jobs that each wait for the other: they finish only when both run at once
        let both = Arc::new(Barrier::new(2));
        let names = current_thread().block_on(async {
            let jobs: Vec<_> = (0..2)
                .map(|_| {
                    let both = both.clone();
                    spawn_job(&workers, move || {
                        both.wait();
                        std::thread::current().name().map(str::to_owned)
                    })
                })
                .collect();
            let mut names = Vec::new();
            for j in jobs {
                names.push(j.await.expect("task").expect("ran"));
            }
            names
        });
        let mut names: Vec<_> = names.into_iter().map(Option::unwrap_or_default).collect();
        names.sort();
        assert_eq!(names, ["chorus-work-0", "chorus-work-1"]);
    }
}
