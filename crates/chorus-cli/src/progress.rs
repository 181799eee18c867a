//! Progress on stderr with indicatif: shown only when stderr is a terminal and not
//! `--quiet`.

use chorus_core::Progress;
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
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
        self.pb.set_style(with_rate(
            ProgressStyle::with_template("{spinner} read {pos} documents ({rate}) {msg}")
                .expect("valid template"),
        ));
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

/// A count per second as people write it: "11,455/s", "7.5/s".
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".to_string()
    } else if per_sec < 10.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{}/s", HumanCount(per_sec.round() as u64))
    }
}

/// `style` with the `{rate}` key ([`rate`] of the bar's speed).
fn with_rate(style: ProgressStyle) -> ProgressStyle {
    style.with_key(
        "rate",
        |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate(state.per_sec()));
        },
    )
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        // Never a frame of a bar with the previous stage's counts: a spinner has no counts,
        // so a bar gets its counts while the old spinner still shows, and a spinner takes
        // over before the counts are cleared (else "align [====] 0/0", "0 B/0 B").
        let reset = |pb: &ProgressBar| {
            pb.set_length(total);
            pb.set_position(0);
            pb.reset_eta();
            pb.reset_elapsed();
        };
        if total > 0 {
            let unit = if name == "tokenize" {
                "{bytes}/{total_bytes} ({bytes_per_sec})"
            } else {
                "{human_pos}/{human_len} ({rate})"
            };
            reset(&self.pb);
            self.pb.set_style(with_rate(
                ProgressStyle::with_template(&format!(
                    "{{msg:>10}} [{{bar:30}}] {unit} eta {{eta}}"
                ))
                .expect("valid template")
                .progress_chars("=> "),
            ));
            self.pb.set_message(name);
        } else {
            self.pb.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
            );
            self.pb.set_message(name);
            reset(&self.pb);
        }
    }

    fn advance(&self, n: u64) {
        self.pb.inc(n);
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(rate(11454.8133), "11,455/s");
        assert_eq!(rate(7.46), "7.5/s");
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(f64::NAN), "0/s");
    }
}
