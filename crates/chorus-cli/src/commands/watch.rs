//! `chorus watch`: add new documents to an index as they arrive and alert, once per
//! cluster, the moment a passage crosses the coordination threshold.
//!
//! Documents come as JSON Lines on standard input (batched while they flow) or from a
//! folder polled for new files. Each batch is committed to the index first; then every new
//! document is queried against the index, the clusters over it and the documents sharing
//! its passages are computed, and each coordinated cluster that no earlier alert covers is
//! alerted: a JSON line on stdout and, with `--webhook`, an HTTP POST of the same JSON.
//! The alerted members and the files already read are kept in `watch-state.json` in the
//! index folder (written atomically, before the alert is sent), so a restart neither
//! repeats an alert nor re-reads a file: alerts are delivered at most once.

use crate::engine_args::EngineArgs;
use crate::input_args::InputArgs;
use anyhow::Context;
use chorus_core::report::{Cluster, ClusterMember};
use chorus_core::{Config, Document, DurationError, NoProgress, find, parse_duration};
use chorus_input::{InputReader, read_inputs};
use chorus_store::{FormulaMode, IndexOptions, IndexReader, IndexWriter, QueryOptions};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// The index folder (created if absent).
    #[arg(long, default_value = "chorus-index")]
    pub index: PathBuf,
    /// Poll this folder for new files instead of reading JSON Lines from standard input.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// How often to poll --dir, as a duration (10s, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_interval)]
    pub interval: u64,
    /// Poll --dir once and exit (standard input is read until its end either way).
    #[arg(long)]
    pub once: bool,
    /// POST each alert (JSON) to this http:// URL as well.
    #[arg(long)]
    pub webhook: Option<String>,
    /// No progress messages on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub tuning: EngineArgs,
}

/// Reads `--interval` with [`parse_duration`] (a number with a unit); a bare number of
/// seconds, which earlier versions accepted, still works (0 polls every second).
fn parse_interval(s: &str) -> Result<u64, String> {
    let secs = match parse_duration(s) {
        Err(DurationError::MissingUnit(_)) if s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<i64>().map_err(|e| e.to_string())?
        }
        read => read.map_err(|e| e.to_string())?,
    };
    Ok(secs.max(1) as u64)
}

/// What survives a restart.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Members of clusters already alerted.
    alerted: Vec<AlertedMember>,
    /// Files of --dir already read.
    seen_files: BTreeSet<String>,
    /// Alerts sent so far.
    alerts: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AlertedMember {
    doc: String,
    begin: usize,
    end: usize,
}

impl State {
    fn path(index: &Path) -> PathBuf {
        index.join("watch-state.json")
    }

    fn load(index: &Path) -> anyhow::Result<State> {
        match std::fs::read(State::path(index)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", State::path(index).display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e).context("reading the watch state"),
        }
    }

    /// Writes the state atomically: a temporary file, fsynced, renamed over the old one.
    fn save(&self, index: &Path) -> anyhow::Result<()> {
        let tmp = index.join("watch-state.json.tmp");
        {
            let mut f = std::fs::File::create(&tmp).context("writing the watch state")?;
            f.write_all(&serde_json::to_vec(self)?)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, State::path(index)).context("committing the watch state")?;
        if let Ok(d) = std::fs::File::open(index) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Whether a member of `c` is (mostly) a member of an earlier alert.
    fn covers(&self, c: &Cluster) -> bool {
        c.members.iter().any(|m| {
            self.alerted.iter().any(|a| {
                let overlap = m.end.min(a.end).saturating_sub(m.begin.max(a.begin));
                a.doc == m.doc && 2 * overlap >= (m.end - m.begin).min(a.end - a.begin)
            })
        })
    }

    fn remember(&mut self, members: &[ClusterMember]) {
        for m in members {
            let a = AlertedMember {
                doc: m.doc.clone(),
                begin: m.begin,
                end: m.end,
            };
            if !self.alerted.contains(&a) {
                self.alerted.push(a);
            }
        }
    }
}

/// An alert, as printed and posted: the new document that completed a coordinated
/// cluster, the distinct sources in its busiest window, and the cluster.
#[derive(Serialize)]
struct Alert<'a> {
    kind: &'static str,
    trigger: &'a str,
    sources: Option<usize>,
    cluster: &'a Cluster,
}

struct Watcher<'a> {
    args: &'a WatchArgs,
    cfg: Config,
    writer: IndexWriter,
    state: State,
}

impl Watcher<'_> {
    /// Commits a batch, then alerts on the coordinated clusters its documents complete.
    fn process(&mut self, batch: Vec<Document>) -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let new_ids: Vec<String> = batch.iter().map(|d| d.id.clone()).collect();
        self.writer
            .add(batch)
            .context("adding documents to the index")?;
        if !self.args.quiet {
            eprintln!(
                "chorus: added {} document(s); {} in the index",
                new_ids.len(),
                self.writer.len()
            );
        }
        let reader = IndexReader::open(&self.args.index).context("opening the index")?;
        // the documents sharing only formulas with the new one are no candidates (find
        // would keep their passages out of its clusters anyway)
        let opts = QueryOptions {
            align: self.cfg.align,
            formulas: if self.cfg.keep_formulas {
                FormulaMode::Keep
            } else {
                FormulaMode::Out
            },
            ..QueryOptions::default()
        };
        for id in &new_ids {
            let Some(doc) = reader.get(id)? else { continue };
            let report = reader.query(&doc.text, &opts)?;
            let mut docs = vec![doc];
            for m in &report.matches {
                if m.id != *id
                    && let Some(d) = reader.get(&m.id)?
                {
                    docs.push(d);
                }
            }
            if docs.len() < self.cfg.min_sources {
                continue;
            }
            let found = find(&docs, &self.cfg, &NoProgress)?;
            for c in found.clusters {
                if !c.coordinated || !c.members.iter().any(|m| m.doc == *id) {
                    continue;
                }
                if self.state.covers(&c) {
                    self.state.remember(&c.members);
                    continue;
                }
                self.state.remember(&c.members);
                self.state.alerts += 1;
                // the state is committed before the alert goes out: at most once
                self.state.save(&self.args.index)?;
                self.alert(&c, id)?;
            }
        }
        self.state.save(&self.args.index)
    }

    fn alert(&self, c: &Cluster, trigger: &str) -> anyhow::Result<()> {
        let line = serde_json::to_string(&Alert {
            kind: "alert",
            trigger,
            sources: c.coordination.as_ref().map(|x| x.sources_in_window),
            cluster: c,
        })?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        if let Some(url) = &self.args.webhook {
            let sent = ureq::post(url)
                .header("content-type", "application/json")
                .send(line.as_bytes());
            if let Err(e) = sent {
                eprintln!("chorus: webhook {url}: {e}");
            }
        }
        Ok(())
    }
}

pub fn run(args: &WatchArgs) -> anyhow::Result<i32> {
    let cfg = args.tuning.config();
    cfg.validate()?;
    std::fs::create_dir_all(&args.index)
        .with_context(|| format!("creating {}", args.index.display()))?;
    let writer = IndexWriter::open(
        &args.index,
        IndexOptions {
            ngram: Some(cfg.align.ngram),
            ..IndexOptions::default()
        },
    )
    .with_context(|| format!("opening the index {}", args.index.display()))?;
    let state = State::load(&args.index)?;
    let mut w = Watcher {
        args,
        cfg,
        writer,
        state,
    };
    let opts = args.input.read_options();
    let mut problems = 0usize;
    match &args.dir {
        Some(dir) => loop {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            names.sort();
            for name in names {
                if w.state.seen_files.contains(&name) {
                    continue;
                }
                let mut batch = Vec::new();
                read_inputs(
                    &[dir.join(&name)],
                    &opts,
                    |d| batch.push(d),
                    |p| {
                        problems += usize::from(p.kind.skips());
                        eprintln!("chorus: {p}");
                    },
                )?;
                w.process(batch)?;
                w.state.seen_files.insert(name);
                w.state.save(&args.index)?;
            }
            if args.once {
                break;
            }
            std::thread::sleep(Duration::from_secs(args.interval));
        },
        None => {
            // lines arrive on a thread; a batch is processed when input pauses or grows big
            let (tx, rx) = mpsc::channel::<String>();
            std::thread::spawn(move || {
                let stdin = std::io::stdin().lock();
                for line in stdin.lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            let mut reader = InputReader::new(opts)?;
            let mut pending = String::new();
            let mut pending_lines = 0usize;
            loop {
                let msg = rx.recv_timeout(Duration::from_millis(500));
                let done = matches!(msg, Err(mpsc::RecvTimeoutError::Disconnected));
                if let Ok(line) = msg {
                    pending.push_str(&line);
                    pending.push('\n');
                    pending_lines += 1;
                    if pending_lines < 1000 {
                        continue;
                    }
                }
                if !pending.is_empty() {
                    let mut batch = Vec::new();
                    reader.read_stream(
                        "-",
                        std::io::Cursor::new(std::mem::take(&mut pending)),
                        |d| batch.push(d),
                        |p| {
                            problems += 1;
                            eprintln!("chorus: {p}");
                        },
                    );
                    pending_lines = 0;
                    w.process(batch)?;
                }
                if done {
                    break;
                }
            }
        }
    }
    Ok(if problems > 0 { 2 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_takes_a_unit_and_a_bare_number_is_seconds() {
        assert_eq!(parse_interval("10s"), Ok(10));
        assert_eq!(parse_interval("1m"), Ok(60));
        assert_eq!(parse_interval("1.5h"), Ok(5400));
        assert_eq!(parse_interval("30"), Ok(30));
        assert_eq!(parse_interval("0"), Ok(1));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("1.5").is_err());
        assert!(parse_interval("soon").is_err());
    }
}
