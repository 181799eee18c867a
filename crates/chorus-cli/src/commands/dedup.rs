//! `chorus dedup`: group near-duplicate documents, keep one per group.

use crate::exit_code;
use crate::load::{CorpusArgs, load};
use crate::output::table::{Cell, Table};
use crate::output::{OutputFormat, Target};
use crate::progress::Bar;
use crate::threads::RunArgs;
use anyhow::Context;
use chorus_core::report::write_dedup_jsonl;
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
    #[arg(long, default_value_t = DedupConfig::default().threshold)]
    pub threshold: f64,
    /// How much less the other document of the pair may be covered.
    #[arg(long, default_value_t = DedupConfig::default().slack)]
    pub slack: f64,
    /// Lowest similarity (matched words over the longer side) of the passages two
    /// near-duplicates share, unless they match 0.85 of the shorter side.
    #[arg(long, default_value_t = DedupConfig::default().min_similarity)]
    pub min_dup_similarity: f64,
    /// Do not group a document that is (at least --threshold) contained in a longer one
    /// (by default it joins the longer one's group, and a member contained in another is
    /// never the one kept).
    #[arg(long, overrides_with = "containment")]
    pub no_containment: bool,
    /// Group a document contained in a longer one (the default; undoes --no-containment).
    #[arg(long, overrides_with = "no_containment")]
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
    /// Write the de-duplicated corpus to this file, in the format its extension names: .jsonl
    /// (records with id, metadata and text), .csv, .tsv or .parquet (columns id, source,
    /// date, url, title, text and the other metadata), optionally compressed (.gz, .zst,
    /// .xz). A path that is an existing folder or ends with `/` gets one text file per kept
    /// document, named by id. Nothing is written when no document could be read.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// The format of --out, whatever its extension: jsonl, csv, tsv, parquet, or passim
    /// (JSON Lines with the source as `series`).
    #[arg(long, value_enum, value_name = "FORMAT", requires = "out")]
    pub output_format: Option<OutputFormat>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    Earliest,
    Longest,
    First,
}

/// Writes the kept documents as JSON Lines records (id, metadata, text); `passim` names
/// the source `series`, as passim's input does.
fn write_jsonl_corpus(
    out: &mut impl Write,
    docs: impl Iterator<Item = chorus_core::Result<Document>>,
    passim: bool,
) -> anyhow::Result<()> {
    for d in docs {
        let d = d?;
        let mut rec = Map::new();
        rec.insert("id".into(), json!(d.id));
        if let Value::Object(meta) = serde_json::to_value(&d.meta)? {
            for (k, v) in meta {
                let k = if passim && k == "source" {
                    "series".to_string()
                } else {
                    k
                };
                rec.insert(k, v);
            }
        }
        rec.insert("text".into(), json!(d.text));
        serde_json::to_writer(&mut *out, &rec)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The kept documents as a table: id, source, date, url, title, text, then every other
/// metadata field, in order of first appearance.
fn corpus_table(
    docs: impl Iterator<Item = chorus_core::Result<Document>>,
) -> anyhow::Result<Table> {
    let docs: Vec<Document> = docs.collect::<chorus_core::Result<_>>()?;
    let mut table = Table::new(&["id", "source", "date", "url", "title", "text"]);
    for d in &docs {
        for k in d.meta.extra.keys() {
            if !table.columns.contains(k) {
                table.columns.push(k.clone());
            }
        }
    }
    for d in docs {
        let m = d.meta;
        let mut row: Vec<Cell> = vec![
            Cell::Str(d.id),
            m.source.into(),
            m.date.into(),
            m.url.into(),
            m.title.into(),
            Cell::Str(d.text),
        ];
        for k in &table.columns[6..] {
            row.push(match m.extra.get(k) {
                None | Some(Value::Null) => Cell::Null,
                Some(Value::String(s)) => Cell::Str(s.clone()),
                Some(v) => Cell::Json(v.clone()),
            });
        }
        table.rows.push(row);
    }
    Ok(table)
}

/// Where `--out` sends the kept documents.
enum KeptOut {
    /// A folder of text files named by id.
    Folder(PathBuf),
    File(Target),
}

impl KeptOut {
    /// A folder when the path is an existing folder or ends with `/`; else a file whose
    /// format the extension (or `--output-format`) names.
    fn new(path: &Path, format: Option<OutputFormat>) -> anyhow::Result<KeptOut> {
        let name = path.to_string_lossy();
        if path.is_dir() || name.ends_with('/') || name.ends_with(std::path::MAIN_SEPARATOR) {
            return Ok(KeptOut::Folder(path.to_path_buf()));
        }
        let target = Target::new(Some(path), format, OutputFormat::Jsonl)?;
        anyhow::ensure!(
            target.format != OutputFormat::Text,
            "{}: the kept documents are written as .jsonl, .csv, .tsv or .parquet, or as text \
             files in a folder (a path ending with `/`)",
            path.display()
        );
        Ok(KeptOut::File(target))
    }

    fn write(
        &self,
        docs: impl Iterator<Item = chorus_core::Result<Document>>,
    ) -> anyhow::Result<()> {
        match self {
            KeptOut::Folder(dir) => write_text_corpus(dir, docs),
            KeptOut::File(target) => {
                let mut out = target.open()?;
                match target.format {
                    OutputFormat::Jsonl | OutputFormat::Passim | OutputFormat::Text => {
                        write_jsonl_corpus(&mut out, docs, target.format == OutputFormat::Passim)?;
                        out.finish()
                    }
                    table => corpus_table(docs)?.write(table, out),
                }
            }
        }
    }
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
    args.run.run(|| dedup(args))
}

impl DedupArgs {
    /// The engine's settings from these flags.
    fn config(&self) -> DedupConfig {
        DedupConfig {
            find: self.corpus.tuning.config(),
            threshold: self.threshold,
            slack: self.slack,
            containment: !self.no_containment,
            min_similarity: self.min_dup_similarity,
            keep: match self.keep {
                KeepArg::Earliest => Keep::Earliest,
                KeepArg::Longest => Keep::Longest,
                KeepArg::First => Keep::First,
            },
        }
    }
}

fn dedup(args: &DedupArgs) -> anyhow::Result<i32> {
    let cfg = args.config();
    anyhow::ensure!(
        (0.0..=1.0).contains(&cfg.threshold) && (0.0..=1.0).contains(&cfg.slack),
        "--threshold and --slack must lie in [0, 1]"
    );
    cfg.find.validate()?;
    let kept_out = match &args.out {
        Some(path) => Some(KeptOut::new(path, args.output_format)?),
        None => None,
    };
    let (quiet, corpus) = (args.run.quiet, &args.corpus);
    let bar = Bar::new(quiet);
    let loaded = load(
        &args.inputs,
        &corpus.input.read_options(),
        &bar,
        &corpus.memory,
    )?;
    let bar = Bar::new(quiet);
    let docs = &*loaded.work.docs;
    let report = dedup_in(docs, &cfg, &loaded.work.storage, &bar)?;
    bar.finish();

    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        write_dedup_jsonl(&report, args.pairs, &mut out)?;
    } else {
        use anstyle::{AnsiColor, Style};
        let color = crate::render::color_enabled();
        let paint = |style: Style, s: &str| crate::render::paint(style, s, color);
        let (bold, keep, drop) = (
            Style::new().bold(),
            Style::new().fg_color(Some(AnsiColor::Green.into())),
            Style::new().dimmed(),
        );
        for c in &report.clusters {
            let header = format!("Group {} · {} documents", c.id, c.docs.len());
            writeln!(out, "{}", paint(bold, &header))?;
            for d in &c.docs {
                let mark = if *d == c.keep {
                    paint(keep, "keep")
                } else {
                    paint(drop, "drop")
                };
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
    if let (Some(kept_out), Some(path)) = (&kept_out, &args.out) {
        anyhow::ensure!(
            !docs.is_empty(),
            "no document could be read; {} not written",
            path.display()
        );
        kept_out.write(report.kept.iter().map(|&i| docs.document(i)))?;
    }
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_args::parse;

    #[test]
    fn no_flags_is_the_engine_default() {
        let args = parse::<DedupArgs>(&["in.jsonl"]);
        assert_eq!(args.config(), DedupConfig::default());
        let args = parse::<DedupArgs>(&[
            "in.jsonl",
            "--threshold=0.6",
            "--slack=0.1",
            "--min-dup-similarity=0.9",
            "--no-containment",
            "--keep=longest",
        ]);
        let cfg = args.config();
        assert_eq!(
            (cfg.threshold, cfg.slack, cfg.min_similarity),
            (0.6, 0.1, 0.9)
        );
        assert!(!cfg.containment);
        assert_eq!(cfg.keep, Keep::Longest);
        let args = parse::<DedupArgs>(&["in.jsonl", "--no-containment", "--containment"]);
        assert!(args.config().containment);
    }
}
