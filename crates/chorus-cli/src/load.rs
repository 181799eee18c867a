//! Getting the documents of a run: read from input files (through `chorus-input`, with
//! problems reported on stderr) or opened from a chorus index, and held where
//! [`crate::memory`] decides (memory or scratch files). Shared by `find`, `dedup` and
//! `report`.

use crate::engine_args::EngineArgs;
use crate::input_args::InputArgs;
use crate::memory::{DocumentSink, MemoryArgs, Workspace};
use crate::progress::Bar;
use anyhow::Context;
use chorus_core::report::Report;
use chorus_core::{Config, find_in};
use chorus_input::{ReadOptions, read_inputs};
use std::path::{Path, PathBuf};

/// Where a run's documents come from: input files or a chorus index (`find`, `report`).
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// Files, folders, URLs or `-` (standard input): plain text, JSON Lines (id, text,
    /// source, date, url, title), HTML, WARC, RSS/Atom, CSV/TSV; optionally .gz/.xz/.zst
    /// compressed.
    #[arg(required_unless_present = "index")]
    pub inputs: Vec<PathBuf>,
    /// Read the documents from a chorus index instead of input files.
    #[arg(long)]
    pub index: Option<PathBuf>,
}

/// How a run reads its documents, compares them and holds them: the flags `find`, `dedup`
/// and `report` share.
#[derive(clap::Args, Debug)]
pub struct CorpusArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub tuning: EngineArgs,
    #[command(flatten)]
    pub memory: MemoryArgs,
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
    let work = memory.compact(sink.finish()?);
    bar.finish();
    Ok(Loaded {
        work,
        skipped: summary.skipped,
    })
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
            let work = memory.compact(if memory.on_disk(docs.text_bytes()) {
                Workspace::on_disk(Box::new(docs), memory.scratch()?)
            } else {
                Workspace::in_memory(Box::new(docs))
            });
            Ok(Loaded { work, skipped: 0 })
        }
        None => load(inputs, opts, bar, memory),
    }
}

/// Checks `cfg`, reads the documents of `source` as `corpus` says and runs the pipeline on
/// them, with progress bars unless `quiet`.
pub fn load_and_find(
    source: &SourceArgs,
    corpus: &CorpusArgs,
    cfg: &Config,
    quiet: bool,
) -> anyhow::Result<(Loaded, Report)> {
    cfg.validate()?;
    let opts = corpus.input.read_options();
    let index = source.index.as_deref();
    let bar = Bar::new(quiet);
    let loaded = load_or_open(index, &source.inputs, &opts, &bar, &corpus.memory)?;
    let bar = Bar::new(quiet);
    let report = find_in(&*loaded.work.docs, cfg, &loaded.work.storage, &bar)?;
    bar.finish();
    Ok((loaded, report))
}
