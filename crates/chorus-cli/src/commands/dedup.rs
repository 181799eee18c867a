//! `chorus dedup`: group near-duplicate documents, keep one per group.

use crate::commands::find::{Tuning, exit_code, load, set_threads};
use crate::input_args::InputArgs;
use crate::memory::MemoryArgs;
use crate::progress::Bar;
use anyhow::Context;
use chorus_core::{DedupConfig, Document, Keep, dedup_in};
use serde_json::{Map, Value, json};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct DedupArgs {
    /// Files, folders or `-` (standard input), as for `chorus find`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Coverage (share of a document's words in passages shared with the other) the better
    /// covered document of a pair needs.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// How much less the other document of the pair may be covered.
    #[arg(long, default_value_t = 0.25)]
    pub slack: f64,
    /// Lowest similarity (matched words over the longer side) of the passages two
    /// near-duplicates share.
    #[arg(long, default_value_t = 0.75)]
    pub min_dup_similarity: f64,
    /// Also group a document that is (at least --threshold) contained in a longer one.
    #[arg(long)]
    pub containment: bool,
    /// Which member of each group to keep.
    #[arg(long, value_enum, default_value = "earliest")]
    pub keep: KeepArg,
    /// Write JSON Lines records (dup_cluster, summary) instead of text.
    #[arg(long)]
    pub json: bool,
    /// With --json, also write every aligned pair with its coverages (dup_pair records).
    #[arg(long)]
    pub pairs: bool,
    /// Write the de-duplicated corpus: a .jsonl file (records with id, text and metadata),
    /// or a folder of text files named by id.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    Earliest,
    Longest,
    First,
}

fn write_jsonl_corpus(
    path: &Path,
    docs: impl Iterator<Item = chorus_core::Result<Document>>,
) -> anyhow::Result<()> {
    let f = fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(f);
    for d in docs {
        let d = d?;
        let mut rec = Map::new();
        rec.insert("id".into(), json!(d.id));
        if let Value::Object(meta) = serde_json::to_value(&d.meta)? {
            rec.extend(meta);
        }
        rec.insert("text".into(), json!(d.text));
        serde_json::to_writer(&mut w, &rec)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn write_text_corpus(
    dir: &Path,
    docs: impl Iterator<Item = chorus_core::Result<Document>>,
) -> anyhow::Result<()> {
    for d in docs {
        let d = d?;
        let rel: PathBuf =
            d.id.split('/')
                .filter(|c| !c.is_empty() && *c != "." && *c != "..")
                .collect();
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, &d.text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

pub fn run(args: &DedupArgs) -> anyhow::Result<i32> {
    let cfg = DedupConfig {
        find: args.tuning.config(),
        threshold: args.threshold,
        slack: args.slack,
        containment: args.containment,
        min_similarity: args.min_dup_similarity,
        keep: match args.keep {
            KeepArg::Earliest => Keep::Earliest,
            KeepArg::Longest => Keep::Longest,
            KeepArg::First => Keep::First,
        },
    };
    anyhow::ensure!(
        (0.0..=1.0).contains(&cfg.threshold) && (0.0..=1.0).contains(&cfg.slack),
        "--threshold and --slack must lie in [0, 1]"
    );
    cfg.find.validate()?;
    set_threads(args.threads)?;
    let bar = Bar::new(args.quiet);
    let loaded = load(&args.inputs, &args.input.read_options(), &bar, &args.memory)?;
    let bar = Bar::new(args.quiet);
    let docs = &*loaded.work.docs;
    let report = dedup_in(docs, &cfg, &loaded.work.storage, &bar)?;
    bar.finish();

    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for c in &report.clusters {
            let mut rec = serde_json::to_value(c)?;
            rec.as_object_mut()
                .expect("object")
                .insert("kind".into(), json!("dup_cluster"));
            writeln!(out, "{rec}")?;
        }
        if args.pairs {
            for p in &report.pairs {
                let mut rec = serde_json::to_value(p)?;
                rec.as_object_mut()
                    .expect("object")
                    .insert("kind".into(), json!("dup_pair"));
                writeln!(out, "{rec}")?;
            }
        }
        let mut summary = serde_json::to_value(&report.stats)?;
        let s = summary.as_object_mut().expect("object");
        s.insert("kind".into(), json!("summary"));
        s.insert("kept".into(), json!(report.kept.len()));
        s.insert("dropped".into(), json!(report.dropped.len()));
        writeln!(out, "{summary}")?;
    } else {
        for c in &report.clusters {
            writeln!(out, "Group {} · {} documents", c.id, c.docs.len())?;
            for d in &c.docs {
                let mark = if *d == c.keep { "keep" } else { "drop" };
                writeln!(out, "  {mark}  {d}")?;
            }
        }
        writeln!(
            out,
            "{} group(s) of near-duplicates; {} of {} documents kept, {} dropped.",
            report.clusters.len(),
            report.kept.len(),
            docs.len(),
            report.dropped.len()
        )?;
    }
    out.flush()?;
    if let Some(path) = &args.out {
        let kept = report.kept.iter().map(|&i| docs.document(i));
        let name = path.to_string_lossy();
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            write_jsonl_corpus(path, kept)?;
        } else {
            write_text_corpus(path, kept)?;
        }
    }
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}
