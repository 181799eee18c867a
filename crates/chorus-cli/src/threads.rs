//! The worker threads of a command: `-j N` runs the command on a rayon pool of its own
//! with `N` threads, built here and entered with [`rayon::ThreadPool::install`], so the
//! engine's parallel loops (which use whatever pool they run on) get `N` threads without
//! the process-wide global pool being set. Without `-j` the command runs on rayon's global
//! pool, one thread per core. [`RunArgs`] holds `-j` with `-q`, the two flags of how a
//! long command runs, for every command that has both.

use anyhow::Context;

/// How a long command runs: its progress (`-q`) and its threads (`-j`).
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

impl RunArgs {
    /// Runs `work` on the threads asked for ([`run_with`]).
    pub fn run<R: Send>(
        &self,
        work: impl FnOnce() -> anyhow::Result<R> + Send,
    ) -> anyhow::Result<R> {
        run_with(self.threads, work)
    }
}

/// Runs `work` on a pool of `threads` threads, or on the global pool when `None`.
pub fn run_with<R: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> anyhow::Result<R> + Send,
) -> anyhow::Result<R> {
    match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .context("setting the thread count")?
            .install(work),
        None => work(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_has_the_threads_asked_for_and_the_global_pool_is_untouched() {
        let global = rayon::current_num_threads();
        for n in [1, 3] {
            let seen = run_with(Some(n), || Ok(rayon::current_num_threads())).unwrap();
            assert_eq!(seen, n);
        }
        assert_eq!(
            run_with(None, || Ok(rayon::current_num_threads())).unwrap(),
            global
        );
        assert_eq!(rayon::current_num_threads(), global);
    }
}
