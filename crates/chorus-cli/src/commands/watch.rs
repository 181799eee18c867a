//! `chorus watch`: add new documents to an index as they arrive and alert, once per
//! cluster, the moment a passage crosses the coordination threshold.
//!
//! Documents come as JSON Lines on standard input (batched while they flow) or from a
//! folder polled for new files. Each batch is committed to the index first; then the
//! clusters of the whole index are brought up to date with it as `chorus serve` does
//! ([`LiveClusters`]: computed in full at the first batch, then only the clusters each
//! batch can change are recomputed), and for each new document, each coordinated cluster
//! holding it that no earlier alert covers is alerted: a JSON line on stdout and, with
//! `--webhook`, an HTTP POST of the same JSON. The alerted members, the files already read
//! and the outbox of alerts the webhook has not yet acknowledged are kept in
//! `watch-state.json` in the index folder (written atomically: a temporary file, fsynced,
//! renamed), so a restart neither repeats an alert nor re-reads a file, and an alert the
//! webhook did not take is retried (see [`crate::outbox`]) until it answers 2xx, also by the
//! next `watch`. The run ends with a summary line of the deliveries and exits 3 if alerts
//! are left in the outbox.

use crate::engine_args::EngineArgs;
use crate::input_args::InputArgs;
use crate::outbox::{Delivered, Outbox, Webhook};
use anyhow::Context;
use chorus_core::report::{Cluster, ClusterMember};
use chorus_core::{Config, Document, DurationError, parse_duration};
use chorus_input::{InputReader, read_inputs};
use chorus_server::LiveClusters;
use chorus_store::{IndexOptions, IndexReader, IndexWriter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
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
    /// POST each alert (JSON) to this http:// or https:// URL as well; an alert is
    /// retried (also by the next `watch`) until the URL answers 2xx.
    #[arg(long)]
    pub webhook: Option<String>,
    /// Trust the PEM certificate(s) in this file (a private CA, a self-signed server)
    /// for an https --webhook, instead of the built-in Mozilla roots.
    #[arg(long, requires = "webhook")]
    pub webhook_ca: Option<PathBuf>,
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

/// What survives a restart (written through [`State::save_with`]'s view, same fields).
#[derive(Debug, Default, Deserialize)]
struct State {
    /// Members of clusters already alerted.
    alerted: Vec<AlertedMember>,
    /// Files of --dir already read.
    seen_files: BTreeSet<String>,
    /// Alerts raised so far (the last alert's number).
    alerts: u64,
    /// Alerts the webhook has not acknowledged yet.
    #[serde(default)]
    outbox: Outbox,
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
        self.save_with(&self.outbox, index)
    }

    /// Writes the state with `outbox` as its outbox.
    fn save_with(&self, outbox: &Outbox, index: &Path) -> anyhow::Result<()> {
        #[derive(Serialize)]
        struct View<'a> {
            alerted: &'a [AlertedMember],
            seen_files: &'a BTreeSet<String>,
            alerts: u64,
            outbox: &'a Outbox,
        }
        let view = View {
            alerted: &self.alerted,
            seen_files: &self.seen_files,
            alerts: self.alerts,
            outbox,
        };
        let tmp = index.join("watch-state.json.tmp");
        {
            let mut f = std::fs::File::create(&tmp).context("writing the watch state")?;
            f.write_all(&serde_json::to_vec(&view)?)?;
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
    /// The alert's number in this index, 1, 2, … (also the webhook's idempotency key).
    id: u64,
    trigger: &'a str,
    sources: Option<usize>,
    cluster: &'a Cluster,
}

struct Watcher<'a> {
    args: &'a WatchArgs,
    cfg: Config,
    writer: IndexWriter,
    state: State,
    webhook: Option<Webhook>,
    /// Deliveries and failed attempts of this run.
    delivery: Delivered,
    /// The clusters of the index, from the first batch on.
    clusters: Option<LiveClusters>,
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
        // the clusters of the whole index, brought up to date with the batch as the server
        // does it (computed in full at the first batch)
        let reader = Some(Arc::new(
            IndexReader::open(&self.args.index).context("opening the index")?,
        ));
        match self.clusters.as_mut() {
            Some(c) => {
                let changed: BTreeSet<String> = new_ids.iter().cloned().collect();
                c.update(reader, &changed)
                    .map_err(|e| anyhow::anyhow!("updating the clusters: {e}"))?;
            }
            None => {
                let c = LiveClusters::compute(reader, &self.cfg, &std::env::temp_dir())
                    .map_err(|e| anyhow::anyhow!("computing the clusters: {e}"))?;
                self.clusters = Some(c);
            }
        }
        for id in &new_ids {
            let found: Vec<Cluster> = match &self.clusters {
                Some(c) => c.clusters_of(id).into_iter().cloned().collect(),
                None => Vec::new(),
            };
            for c in found {
                if !c.coordinated {
                    continue;
                }
                if self.state.covers(&c) {
                    self.state.remember(&c.members);
                    continue;
                }
                self.state.remember(&c.members);
                self.state.alerts += 1;
                let line = serde_json::to_string(&Alert {
                    kind: "alert",
                    id: self.state.alerts,
                    trigger: id,
                    sources: c.coordination.as_ref().map(|x| x.sources_in_window),
                    cluster: &c,
                })?;
                if self.webhook.is_some() {
                    self.state.outbox.push(self.state.alerts, line.clone());
                }
                // the alert is committed (and queued) before it goes out: printed at
                // most once, posted until acknowledged
                self.state.save(&self.args.index)?;
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()?;
            }
        }
        self.state.save(&self.args.index)?;
        self.deliver(false)
    }

    /// Posts the queued alerts that are due (all of them with `all`).
    fn deliver(&mut self, all: bool) -> anyhow::Result<()> {
        let Some(hook) = &self.webhook else {
            return Ok(());
        };
        if self.state.outbox.is_empty() {
            return Ok(());
        }
        let index = &self.args.index;
        let mut outbox = std::mem::take(&mut self.state.outbox);
        let state = &self.state;
        // the state written holds the outbox as it is after each attempt
        let done = outbox.deliver(hook, all, |o| state.save_with(o, index));
        self.state.outbox = outbox;
        let done = done?;
        self.state.save(index)?;
        if done.failed > 0 && !self.args.quiet {
            eprintln!(
                "chorus: webhook {}: {} (an alert waits in the outbox, retried with backoff)",
                hook.url(),
                self.state.outbox.last_error().unwrap_or("failed")
            );
        }
        self.delivery.delivered += done.delivered;
        self.delivery.failed += done.failed;
        Ok(())
    }

    /// The summary line of deliveries (with a webhook or a non-empty outbox) and whether
    /// alerts are left undelivered.
    fn finish(&mut self) -> anyhow::Result<bool> {
        self.deliver(true)?;
        let waiting = self.state.outbox.len();
        if self.webhook.is_some() || waiting > 0 {
            eprintln!(
                "chorus: webhook: {} alert(s) delivered, {} failed attempt(s), {} waiting in the outbox{}",
                self.delivery.delivered,
                self.delivery.failed,
                waiting,
                match (waiting, &self.webhook) {
                    (0, _) => String::new(),
                    (_, None) => " (give --webhook to deliver them)".into(),
                    (_, Some(_)) => format!(
                        " ({}; retried by the next watch on {})",
                        self.state.outbox.last_error().unwrap_or("not yet tried"),
                        self.args.index.display()
                    ),
                }
            );
        }
        Ok(waiting > 0)
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
    let webhook = match &args.webhook {
        Some(url) => Some(Webhook::new(url, args.webhook_ca.as_deref())?),
        None => None,
    };
    let mut w = Watcher {
        args,
        cfg,
        writer,
        state,
        webhook,
        delivery: Delivered::default(),
        clusters: None,
    };
    // alerts a previous run left undelivered go first
    w.deliver(true)?;
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
            w.deliver(false)?;
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
                } else {
                    w.deliver(false)?;
                }
                if done {
                    break;
                }
            }
        }
    }
    let undelivered = w.finish()?;
    Ok(if problems > 0 {
        2
    } else if undelivered {
        3
    } else {
        0
    })
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
