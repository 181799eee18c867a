//! `chorus index add|stats|remove`: maintain a persistent corpus index (chorus-store).

use crate::input_args::InputArgs;
use crate::threads::RunArgs;
use anyhow::Context;
use chorus_core::Document;
use chorus_input::read_inputs;
use chorus_store::{IndexOptions, IndexReader, IndexWriter};
use std::io::Write;
use std::path::PathBuf;

/// Where the index lives unless `--index` says otherwise.
pub const DEFAULT_INDEX: &str = "chorus-index";

#[derive(clap::Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum IndexCommand {
    /// Add documents to the index (created if absent); a document whose id is already
    /// stored replaces it. The load is one atomic commit (see `--tiered`).
    Add(Box<AddArgs>),
    /// Count the documents and sources of the index.
    Stats(StatsArgs),
    /// Remove documents by id.
    Remove(RemoveArgs),
    /// Merge every segment into one and drop removed documents: fewer segments make
    /// queries faster (each looks its fingerprints up in every segment). Readers keep
    /// working meanwhile; the merge is one atomic commit.
    Optimize(OptimizeArgs),
    /// Read every segment's fingerprint table through and check it (keys in order, postings
    /// in range); exits 1 with the damage found.
    Verify(OptimizeArgs),
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// Files, folders, URLs or `-` (standard input): plain text, JSON Lines, HTML, WARC,
    /// RSS/Atom, CSV/TSV, optionally .gz/.xz/.zst compressed.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Index a batch once it holds this many MiB of text. The batches of a load are
    /// written into one segment, committed at the end (a killed load leaves the index as
    /// it was), or whenever their postings fill a quarter of the available memory (the
    /// segments of the load are then merged into one at the end).
    #[arg(long, default_value_t = 64)]
    pub batch_mb: usize,
    /// Commit each batch as it comes, as its own segment (a killed load keeps them), and
    /// merge segments by size tier: a slower load that leaves several segments, which make
    /// queries slower until `chorus index optimize`.
    #[arg(long)]
    pub tiered: bool,
    /// Index a batch once it holds this many documents.
    #[arg(long, default_value_t = 50_000)]
    pub batch_docs: usize,
    /// Words per fingerprint, for a new index (an existing index keeps its own).
    #[arg(long)]
    pub ngram: Option<usize>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Print {"documents", "sources", "bytes_on_disk", "format_version"} as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RemoveArgs {
    /// Ids of the documents to remove.
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct OptimizeArgs {
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
}

pub fn run(args: &IndexArgs) -> anyhow::Result<i32> {
    match &args.command {
        IndexCommand::Add(a) => add(a),
        IndexCommand::Stats(a) => stats(a),
        IndexCommand::Remove(a) => remove(a),
        IndexCommand::Optimize(a) => optimize(a),
        IndexCommand::Verify(a) => verify(a),
    }
}

fn open_writer(path: &std::path::Path, ngram: Option<usize>) -> anyhow::Result<IndexWriter> {
    let opts = IndexOptions {
        ngram,
        ..IndexOptions::default()
    };
    IndexWriter::open(path, opts).with_context(|| format!("opening the index {}", path.display()))
}

fn add(args: &AddArgs) -> anyhow::Result<i32> {
    args.run.run(|| add_documents(args))
}

fn add_documents(args: &AddArgs) -> anyhow::Result<i32> {
    let mut writer = open_writer(&args.index, args.ngram)?;
    let (mut added, mut replaced, mut batches) = (0usize, 0usize, 0usize);
    let mut index_batch = |docs: Vec<Document>, writer: &mut IndexWriter| -> anyhow::Result<()> {
        let n = docs.len();
        // unless tiered, batches go into the segment of the load, committed at the end
        // (`merge_added`)
        let s = if args.tiered {
            writer.add(docs)
        } else {
            writer.add_to_load(docs)
        }
        .context("indexing a batch")?;
        added += s.added;
        replaced += s.replaced;
        batches += 1;
        if !args.run.quiet {
            if args.tiered {
                eprintln!(
                    "chorus: committed batch {batches}: {n} documents ({} in the index)",
                    writer.len()
                );
            } else {
                eprintln!("chorus: indexed batch {batches}: {n} documents");
            }
        }
        Ok(())
    };
    // Without `-j`, the inputs are read on a thread of their own, the next batch while
    // this one is indexed (splitting lines uses one core; indexing, all of them), and both
    // use rayon's global pool. With `-j N` they are read between batches on the command's
    // own pool, which a second thread could not enter without holding one of its workers.
    let (summary, result) = if args.run.threads.is_none() {
        let (to_index, read) = std::sync::mpsc::sync_channel::<Vec<Document>>(0);
        std::thread::scope(|scope| {
            let reading =
                scope.spawn(move || read_batches(args, |batch| to_index.send(batch).is_ok()));
            let mut result = Ok(());
            for docs in read {
                if let Err(e) = index_batch(docs, &mut writer) {
                    result = Err(e);
                    break;
                }
            }
            match reading.join() {
                Ok(summary) => (summary, result),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    } else {
        let mut result = Ok(());
        let summary = read_batches(args, |batch| {
            result = index_batch(batch, &mut writer);
            result.is_ok()
        });
        (summary, result)
    };
    let summary = summary.context("reading inputs")?;
    // the batches indexed so far are committed as one segment, whatever happened to the
    // rest
    if batches > 1 && !args.tiered && !args.run.quiet {
        eprintln!("chorus: committing the {batches} batches as one segment ...");
    }
    let merged = writer
        .merge_added()
        .context("merging the batches of this load");
    result?;
    merged?;
    if !args.run.quiet {
        eprintln!(
            "chorus: added {added} documents ({replaced} replaced) in {batches} batch(es); \
             the index holds {} documents",
            writer.len()
        );
    }
    if summary.skipped > 0 {
        eprintln!(
            "chorus: {} input(s) skipped because of errors (see above)",
            summary.skipped
        );
        return Ok(2);
    }
    Ok(0)
}

/// Reads the inputs in batches of `--batch-mb` / `--batch-docs`, each handed to `batch`;
/// once that returns false (indexing failed), the rest is read and dropped.
fn read_batches(
    args: &AddArgs,
    mut batch: impl FnMut(Vec<Document>) -> bool,
) -> Result<chorus_input::ReadSummary, chorus_input::InputError> {
    let max_bytes = args.batch_mb.max(1) << 20;
    let max_docs = args.batch_docs.max(1);
    let mut docs: Vec<Document> = Vec::new();
    let mut bytes = 0usize;
    let mut open = true;
    let summary = read_inputs(
        &args.inputs,
        &args.input.read_options(),
        |d| {
            if !open {
                return;
            }
            bytes += d.text.len();
            docs.push(d);
            if docs.len() >= max_docs || bytes >= max_bytes {
                bytes = 0;
                open = batch(std::mem::take(&mut docs));
            }
        },
        |p| eprintln!("chorus: {p}"),
    )?;
    if open && !docs.is_empty() {
        batch(docs);
    }
    Ok(summary)
}

fn stats(args: &StatsArgs) -> anyhow::Result<i32> {
    let reader = IndexReader::open(&args.index)
        .with_context(|| format!("opening the index {}", args.index.display()))?;
    let s = reader.stats()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &s)?;
        writeln!(out)?;
    } else {
        writeln!(out, "index          {}", args.index.display())?;
        writeln!(out, "documents      {}", s.documents)?;
        writeln!(out, "sources        {}", s.sources)?;
        writeln!(out, "bytes on disk  {}", s.bytes_on_disk)?;
        writeln!(
            out,
            "segments       {} ({} deleted documents not yet merged away)",
            s.segments, s.deleted
        )?;
        writeln!(out, "format version {}", s.format_version)?;
    }
    out.flush()?;
    Ok(0)
}

fn verify(args: &OptimizeArgs) -> anyhow::Result<i32> {
    let reader = IndexReader::open(&args.index)
        .with_context(|| format!("opening the index {}", args.index.display()))?;
    match reader.verify() {
        Ok(()) => {
            println!(
                "{}: {} segments verified",
                args.index.display(),
                reader.segment_count()
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("chorus: {e}");
            Ok(1)
        }
    }
}

fn remove(args: &RemoveArgs) -> anyhow::Result<i32> {
    let mut writer = open_writer(&args.index, None)?;
    let s = writer.remove(&args.ids)?;
    for id in &s.missing {
        eprintln!("chorus: {id}: not in the index");
    }
    eprintln!(
        "chorus: removed {} document(s); the index holds {} documents",
        s.removed,
        writer.len()
    );
    Ok(if s.missing.is_empty() { 0 } else { 1 })
}

fn optimize(args: &OptimizeArgs) -> anyhow::Result<i32> {
    if !args.index.join("MANIFEST").is_file() {
        anyhow::bail!("{}: no index here", args.index.display());
    }
    let mut writer = open_writer(&args.index, None)?;
    let before = writer.segment_count();
    writer.merge_all()?;
    eprintln!(
        "chorus: {} segment(s) merged into {}; the index holds {} documents",
        before,
        writer.segment_count(),
        writer.len()
    );
    Ok(0)
}
