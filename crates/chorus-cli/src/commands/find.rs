//! `chorus find`: read documents, find what they share, print the report.

use crate::input_args::InputArgs;
use crate::memory::{DocumentSink, MemoryArgs, Workspace};
use crate::progress::Bar;
use crate::render::{ColorChoice, render_report};
use anyhow::Context;
use chorus_core::align::AlignParams;
use chorus_core::candidates::SeedLimits;
use chorus_core::{Config, find_in, write_jsonl};
use chorus_input::{ReadOptions, read_inputs};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
    pub tuning: Tuning,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// Thresholds of the engine. Defaults were chosen by measurement (BENCHMARKS.md).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct Tuning {
    /// Words per fingerprint (n-gram size).
    #[arg(long, default_value_t = 5)]
    pub ngram: usize,
    /// Fingerprints found in more documents than this seed nothing.
    #[arg(long, default_value_t = 1000)]
    pub max_df: usize,
    /// Above this many documents, a fingerprint pairs each document with the earliest
    /// `--star-links` only (linear instead of quadratic cost).
    #[arg(long, default_value_t = 64)]
    pub full_pairs_df: usize,
    /// Hub documents per common fingerprint (see --full-pairs-df).
    #[arg(long, default_value_t = 8)]
    pub star_links: usize,
    /// A fingerprint repeated more often inside one document is ignored for it.
    #[arg(long, default_value_t = 8)]
    pub max_repeats: usize,
    /// Shared fingerprints a document pair needs to be aligned.
    #[arg(long, default_value_t = 2)]
    pub min_seeds: usize,
    /// Longest one-sided gap (words) bridged inside a passage (a dropped sentence).
    #[arg(long, default_value_t = 64)]
    pub max_skip: usize,
    /// Largest cost of a two-sided gap bridged inside a passage (mismatch 2, gap 1 per word).
    #[arg(long, default_value_t = 24)]
    pub merge_drop: i32,
    /// How far (words) a passage end is extended past the last shared n-gram.
    #[arg(long, default_value_t = 24)]
    pub extend_window: usize,
    /// Extension stops once its score falls this far below its best.
    #[arg(long, default_value_t = 8)]
    pub extend_drop: i32,
    /// Shortest passage reported, in words on each side.
    #[arg(long, default_value_t = 10)]
    pub min_words: usize,
    /// Lowest similarity of the two copies (matched words / longer side).
    #[arg(long, default_value_t = 0.5)]
    pub min_similarity: f64,
    /// Fewest matched words (exact or up to a typo) in a reported passage.
    #[arg(long, default_value_t = 12)]
    pub min_matched: usize,
    /// Text a source prints in at least this share of its documents is its boilerplate
    /// (kept out of the results); above 1 turns boilerplate detection off.
    #[arg(long, default_value_t = 0.4)]
    pub boilerplate_share: f64,
    /// ... and in at least this many of its documents.
    #[arg(long, default_value_t = 3)]
    pub boilerplate_min_docs: usize,
    /// Distinct sources within --window that make a cluster coordinated messaging.
    #[arg(long, default_value_t = 5)]
    pub min_sources: usize,
    /// The coordination time window: a number with a unit (90m, 24h, 2d, 3600s).
    #[arg(long, default_value = "24h", value_parser = parse_window)]
    pub window: i64,
}

/// Parses a duration such as `90m`, `24h`, `2d`, `3600s` or `1w` into seconds.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90m, 24h or 2d"))?;
    let unit_secs = match unit.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" | "" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        u => return Err(format!("unknown time unit `{u}` (use s, m, h, d or w)")),
    };
    let secs = (n * unit_secs).round() as i64;
    if secs <= 0 {
        return Err("the window must be positive".to_string());
    }
    Ok(secs)
}

impl Tuning {
    pub fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            seeds: SeedLimits {
                max_df: self.max_df,
                full_pairs_df: self.full_pairs_df,
                star_links: self.star_links,
                max_repeats: self.max_repeats,
                min_seeds: self.min_seeds,
                boilerplate_share: self.boilerplate_share,
                boilerplate_min_docs: self.boilerplate_min_docs,
            },
            align: AlignParams {
                ngram: self.ngram,
                max_skip: self.max_skip,
                merge_drop: self.merge_drop,
                extend_window: self.extend_window,
                extend_drop: self.extend_drop,
                min_tokens: self.min_words,
                min_similarity: self.min_similarity,
                min_matched: self.min_matched,
                ..defaults.align
            },
            min_sources: self.min_sources,
            window_secs: self.window,
            ..defaults
        }
    }
}

/// Documents read (and where the pipeline keeps its working data), and how many inputs
/// were skipped.
pub struct Loaded {
    pub work: Workspace,
    pub skipped: usize,
}

/// Reads the inputs, reporting problems (bad records, duplicate ids) on stderr; with
/// `--low-memory`, or once the text read says the run belongs on disk, their texts are
/// spooled to a scratch file.
pub fn load(
    inputs: &[PathBuf],
    opts: &ReadOptions,
    bar: &Bar,
    memory: &MemoryArgs,
) -> anyhow::Result<Loaded> {
    bar.reading();
    let report = |p: &chorus_input::InputProblem| bar.suspend(|| eprintln!("chorus: {p}"));
    let mut sink = DocumentSink::new(memory)?;
    let summary = read_inputs(
        inputs,
        opts,
        |d| {
            bar.inc(1);
            sink.push(d);
        },
        |p| report(&p),
    )
    .context("reading inputs")?;
    let work = sink.finish()?;
    bar.finish();
    Ok(Loaded {
        work,
        skipped: summary.skipped,
    })
}

/// Sizes rayon's pool when `-j` was given (all cores otherwise).
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting the thread count")?;
    }
    Ok(())
}

/// Opens the stored corpus of `index` when one is given (texts stay in its memory-mapped
/// segments), else reads the inputs.
pub fn load_or_open(
    index: Option<&Path>,
    inputs: &[PathBuf],
    opts: &ReadOptions,
    bar: &Bar,
    memory: &MemoryArgs,
) -> anyhow::Result<Loaded> {
    match index {
        Some(path) => {
            let reader = chorus_store::IndexReader::open(path)
                .with_context(|| format!("opening the index {}", path.display()))?;
            let docs = chorus_store::StoredCorpus::new(std::sync::Arc::new(reader))
                .with_context(|| format!("reading the index {}", path.display()))?;
            let work = if memory.on_disk(docs.text_bytes()) {
                Workspace::on_disk(Box::new(docs), memory.scratch()?)
            } else {
                Workspace::in_memory(Box::new(docs))
            };
            Ok(Loaded { work, skipped: 0 })
        }
        None => load(inputs, opts, bar, memory),
    }
}

/// Checks `cfg`, reads the inputs (or the stored corpus of `index`) and runs the pipeline on
/// them, with progress bars unless `quiet`.
pub fn load_and_find(
    index: Option<&Path>,
    inputs: &[PathBuf],
    opts: &ReadOptions,
    cfg: &Config,
    quiet: bool,
    memory: &MemoryArgs,
) -> anyhow::Result<(Loaded, chorus_core::report::Report)> {
    cfg.validate()?;
    let loaded = load_or_open(index, inputs, opts, &Bar::new(quiet), memory)?;
    let bar = Bar::new(quiet);
    let report = find_in(&*loaded.work.docs, cfg, &loaded.work.storage, &bar)?;
    bar.finish();
    Ok((loaded, report))
}

/// The exit code: 2 (after saying so) when inputs were skipped, else 0 when something was
/// found and 1 when nothing was.
pub fn exit_code(skipped: usize, found: bool) -> i32 {
    if skipped > 0 {
        eprintln!("chorus: {skipped} input(s) skipped because of errors (see above)");
        2
    } else if found {
        0
    } else {
        1
    }
}

pub fn run(args: &FindArgs) -> anyhow::Result<i32> {
    let cfg = Config {
        list_boilerplate: args.boilerplate,
        ..args.tuning.config()
    };
    set_threads(args.threads)?;
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
