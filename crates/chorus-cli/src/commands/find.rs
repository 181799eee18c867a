//! `chorus find`: read documents, find what they share, print the report.

use crate::engine_args::EngineArgs;
use crate::exit_code;
use crate::input_args::InputArgs;
use crate::load::load_and_find;
use crate::memory::MemoryArgs;
use crate::render::{ColorChoice, render_report};
use crate::threads;
use anyhow::Context;
use chorus_core::{Config, write_jsonl};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct FindArgs {
    /// Files, folders, URLs or `-` (standard input): plain text, JSON Lines (id, text,
    /// source, date, url, title), HTML, WARC, RSS/Atom, CSV/TSV; optionally .gz/.xz/.zst
    /// compressed.
    #[arg(required_unless_present = "index")]
    pub inputs: Vec<PathBuf>,
    /// Read the documents from a chorus index instead of input files.
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Write JSON Lines records (document, cluster, pair, summary) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also list the boilerplate found (records of kind `boilerplate` with --json).
    #[arg(long)]
    pub boilerplate: bool,
    /// Also list the formulaic language kept out of the clusters: frames documents share
    /// with different specifics (records of kind `formula` with --json).
    #[arg(long)]
    pub formulas: bool,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in the text report: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, default_value = "auto")]
    pub color: ColorChoice,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub tuning: EngineArgs,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

pub fn run(args: &FindArgs) -> anyhow::Result<i32> {
    threads::run_with(args.threads, || find(args))
}

fn find(args: &FindArgs) -> anyhow::Result<i32> {
    let cfg = Config {
        list_boilerplate: args.boilerplate,
        list_formulas: args.formulas,
        ..args.tuning.config()
    };
    let (loaded, report) = load_and_find(
        args.index.as_deref(),
        &args.inputs,
        &args.input.read_options(),
        &cfg,
        args.quiet,
        &args.memory,
    )?;
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    if args.json {
        write_jsonl(&report, &mut out).context("writing the report")?;
    } else {
        let color = args.color.enabled();
        render_report(&mut out, &report, &*loaded.work.docs, loaded.skipped, color)
            .context("writing the report")?;
    }
    out.flush().context("writing the report")?;
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}
