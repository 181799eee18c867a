//! Progress on stderr with indicatif: shown only when stderr is a terminal and not
//! `--quiet`.

use chorus_core::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress bar that is hidden unless stderr is a terminal.
pub struct Bar {
    pb: ProgressBar,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let visible = !quiet && std::io::stderr().is_terminal();
        let pb = if visible {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        pb.enable_steady_tick(Duration::from_millis(120));
        Bar { pb }
    }

    /// Reading inputs: a spinner with the count of documents read and their rate.
    pub fn reading(&self) {
        self.pb.set_style(
            ProgressStyle::with_template("{spinner} read {pos} documents ({per_sec}) {msg}")
                .expect("valid template"),
        );
    }

    pub fn inc(&self, n: u64) {
        self.pb.inc(n);
    }

    /// Runs `f` (which prints to stderr) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.pb.suspend(f)
    }

    pub fn finish(&self) {
        self.pb.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        self.pb.reset();
        if total > 0 {
            self.pb.set_length(total);
            let unit = if name == "tokenize" {
                "{bytes}/{total_bytes} ({bytes_per_sec})"
            } else {
                "{pos}/{len} ({per_sec})"
            };
            self.pb.set_style(
                ProgressStyle::with_template(&format!(
                    "{{msg:>10}} [{{bar:30}}] {unit} eta {{eta}}"
                ))
                .expect("valid template")
                .progress_chars("=> "),
            );
        } else {
            self.pb.set_length(0);
            self.pb.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
            );
        }
        self.pb.set_message(name);
    }

    fn advance(&self, n: u64) {
        self.pb.inc(n);
    }
}
