//! One queue of the handlers' index work, shared by the worker threads, answered in the
//! order it came.
//!
//! Each worker thread of [`crate::run_blocking`] serves the connections handed to it; a
//! handler reads and parses its request there, then hands its index work (a query, a
//! stored document, a page of clusters) to [`Turns::run`] and awaits the result. A *pump*
//! on every worker takes the oldest waiting job, runs it, and lets its worker's other
//! tasks (reading new requests, writing answers) run before it takes the next. Every
//! worker thus works on the oldest job in the server, whichever connection it came from.
//!
//! Why: with the work left on the worker that read the request, each worker answered its
//! own connections in turn, so a request waited for the jobs queued on its worker alone;
//! when that worker drew more of the slow queries, or lost more of its core to other
//! processes, for a while, its requests waited longer while the other worker's did not.
//! One queue shares those spells between the workers (BENCHMARKS.md, server load,
//! session 9).
//!
//! Without pumps (a router served by `axum::serve` on any runtime, or
//! `--work-stealing`), [`Turns::run`] runs the job at once on the calling task.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Notify, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// The shared queue (see the module documentation).
#[derive(Default)]
pub(crate) struct Turns {
    queue: Mutex<VecDeque<Job>>,
    ready: Notify,
    /// Pumps registered ([`Turns::expect_pumps`]) and not yet stopped.
    pumps: AtomicUsize,
}

/// The job panicked, or the server is stopping and its pumps have gone.
#[derive(Debug)]
pub(crate) struct JobLost;

impl Turns {
    /// Announces `n` pumps, before any of them starts: from now on jobs are queued.
    pub fn expect_pumps(&self, n: usize) {
        self.pumps.fetch_add(n, Ordering::SeqCst);
    }

    /// Jobs waiting for a pump.
    pub fn waiting(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Job>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in its turn on one of the pumps, or at once when there are none.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JobLost> {
        if self.pumps.load(Ordering::SeqCst) == 0 {
            return Ok(f());
        }
        let (tx, rx) = oneshot::channel();
        self.lock().push_back(Box::new(move || {
            // a panic drops `tx`: the request fails, the pump goes on
            if let Ok(v) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = tx.send(v);
            }
        }));
        self.ready.notify_one();
        rx.await.map_err(|_| JobLost)
    }

    /// Takes the oldest job, runs it, lets the other tasks of this thread's runtime run,
    /// and so on; waits when there is none. Runs until its runtime stops; announce it
    /// first with [`Turns::expect_pumps`].
    pub async fn pump(&self) {
        struct Stopped<'a>(&'a AtomicUsize);
        impl Drop for Stopped<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _stopped = Stopped(&self.pumps);
        loop {
            let job = self.lock().pop_front();
            match job {
                Some(job) => {
                    job();
                    // new requests are read, and answers written, before the next job
                    tokio::task::yield_now().await;
                }
                // `notify_one` leaves a permit when no pump waits: a job queued between
                // the look above and this wait is not missed
                None => self.ready.notified().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    #[test]
    fn without_pumps_a_job_runs_at_once() {
        let turns = Turns::default();
        let v = current_thread().block_on(turns.run(|| 7));
        assert_eq!(v.expect("ran"), 7);
        assert_eq!(turns.waiting(), 0);
    }

    #[test]
    fn one_pump_runs_jobs_in_the_order_they_came_and_survives_a_panic() {
        let turns = Arc::new(Turns::default());
        turns.expect_pumps(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        let rt = current_thread();
        let got = rt.block_on(async {
            // queued before the pump runs at all: it must take them oldest first
            let jobs: Vec<_> = (0..50)
                .map(|i| {
                    let (turns, order) = (turns.clone(), order.clone());
                    tokio::spawn(async move {
                        turns
                            .run(move || {
                                order.lock().unwrap().push(i);
                                assert!(i != 13, "job 13 fails");
                                i * 2
                            })
                            .await
                    })
                })
                .collect();
            // the spawned requests queue their jobs first (spawned tasks run in order)
            tokio::task::yield_now().await;
            assert_eq!(turns.waiting(), 50);
            let pump = {
                let turns = turns.clone();
                tokio::spawn(async move { turns.pump().await })
            };
            let mut got = Vec::new();
            for j in jobs {
                got.push(j.await.expect("task").ok());
            }
            pump.abort();
            got
        });
        assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
        for (i, g) in got.into_iter().enumerate() {
            assert_eq!(g, (i != 13).then_some(i * 2), "job {i}");
        }
        // the pump's task was dropped with its runtime: later jobs run at once
        drop(rt);
        assert_eq!(turns.pumps.load(Ordering::SeqCst), 0);
        assert_eq!(current_thread().block_on(turns.run(|| 1)).ok(), Some(1));
    }

    #[test]
    fn pumps_on_other_threads_share_the_work_of_every_caller() {
        let turns = Arc::new(Turns::default());
        turns.expect_pumps(2);
        let ran_on = Arc::new(Mutex::new(std::collections::HashMap::<String, usize>::new()));
        let stop = Arc::new(Notify::new());
        let pumps: Vec<_> = (0..2)
            .map(|i| {
                let (turns, stop) = (turns.clone(), stop.clone());
                std::thread::Builder::new()
                    .name(format!("pump-{i}"))
                    .spawn(move || {
                        current_thread().block_on(async move {
                            tokio::select! {
                                () = turns.pump() => {},
                                () = stop.notified() => {},
                            }
                        });
                    })
                    .expect("a thread")
            })
            .collect();
        let rt = current_thread();
        let sum = rt.block_on(async {
            let jobs: Vec<_> = (0..400u64)
                .map(|i| {
                    let (turns, ran_on) = (turns.clone(), ran_on.clone());
                    tokio::spawn(async move {
                        turns
                            .run(move || {
                                let name = std::thread::current().name().unwrap_or("").to_owned();
                                *ran_on.lock().unwrap().entry(name).or_default() += 1;
                                // long enough that both pumps are busy at once
                                std::thread::sleep(std::time::Duration::from_micros(200));
                                i
                            })
                            .await
                            .expect("ran")
                    })
                })
                .collect();
            let mut sum = 0;
            for j in jobs {
                sum += j.await.expect("task");
            }
            sum
        });
        stop.notify_waiters();
        for p in pumps {
            p.join().expect("pump thread");
        }
        assert_eq!(sum, (0..400).sum::<u64>());
        let ran_on = ran_on.lock().unwrap();
        assert_eq!(ran_on.values().sum::<usize>(), 400);
        for name in ["pump-0", "pump-1"] {
            assert!(ran_on.get(name).copied().unwrap_or(0) > 0, "{ran_on:?}");
        }
        assert_eq!(turns.pumps.load(Ordering::SeqCst), 0);
    }
}
