//! `chorus query`: the stored documents that share passages with one text, ranked.

use crate::commands::index::DEFAULT_INDEX;
use anyhow::Context;
use chorus_core::report::round3;
use chorus_store::{IndexReader, QueryOptions, QueryReport};
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The text to look for: a file, or `-` for standard input.
    pub input: PathBuf,
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// One JSON record per matching document (id, metadata, score, coverage, passages with
    /// byte offsets in the query and in the document), best first.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many documents.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Documents aligned against the text (those sharing the most fingerprints).
    #[arg(long, default_value_t = 32)]
    pub max_candidates: usize,
    /// Fingerprints found in more documents than this are ignored (boilerplate).
    #[arg(long, default_value_t = 1000)]
    pub max_df: usize,
    /// Fingerprints (word n-grams, n set by the index) a document must share with the text
    /// to be aligned.
    /// 2 also finds the shortest noisy passages, at several times the cost.
    #[arg(long, default_value_t = QueryOptions::default().min_shared)]
    pub min_shared: usize,
    /// Shortest passage reported, in words on each side.
    #[arg(long, default_value_t = 10)]
    pub min_words: usize,
}

fn read_query(input: &PathBuf) -> anyhow::Result<String> {
    let bytes = if input.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("reading standard input")?;
        b
    } else {
        std::fs::read(input).with_context(|| format!("reading {}", input.display()))?
    };
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: invalid UTF-8 at byte {}",
            input.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

pub fn run(args: &QueryArgs) -> anyhow::Result<i32> {
    let text = read_query(&args.input)?;
    let reader = IndexReader::open(&args.index)
        .with_context(|| format!("opening the index {}", args.index.display()))?;
    let mut opts = QueryOptions {
        max_candidates: args.max_candidates,
        max_df: args.max_df,
        min_shared: args.min_shared.max(1),
        ..QueryOptions::default()
    };
    opts.align.min_tokens = args.min_words;
    let mut report = reader.query(&text, &opts)?;
    if let Some(n) = args.limit {
        report.matches.truncate(n);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    if args.json {
        for m in &report.matches {
            serde_json::to_writer(&mut out, m)?;
            out.write_all(b"\n")?;
        }
    } else {
        render(&mut out, &text, &report)?;
    }
    out.flush()?;
    Ok(if report.matches.is_empty() { 1 } else { 0 })
}

fn snippet(text: &str, begin: usize, end: usize) -> String {
    const MAX: usize = 160;
    let s: String = text[begin..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() <= MAX {
        return s;
    }
    let head: String = s.chars().take(MAX / 2).collect();
    let tail: String = s
        .chars()
        .rev()
        .take(MAX / 2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head} … {tail}")
}

fn render(out: &mut impl Write, text: &str, report: &QueryReport) -> std::io::Result<()> {
    if report.matches.is_empty() {
        writeln!(out, "No stored document shares a passage with this text.")?;
        return Ok(());
    }
    for (rank, m) in report.matches.iter().enumerate() {
        let mut about = Vec::new();
        for v in [&m.meta.source, &m.meta.date, &m.meta.title]
            .into_iter()
            .flatten()
        {
            about.push(v.as_str());
        }
        let about = if about.is_empty() {
            String::new()
        } else {
            format!("  ({})", about.join(", "))
        };
        writeln!(
            out,
            "{}. {}{about}\n   {} shared words, {:.0}% of the text, {} passage(s)",
            rank + 1,
            m.id,
            m.score,
            round3(m.coverage) * 100.0,
            m.passages.len()
        )?;
        for p in &m.passages {
            writeln!(
                out,
                "   [{}..{}] ~ [{}..{}] similarity {:.2}: {}",
                p.query.begin,
                p.query.end,
                p.doc.begin,
                p.doc.end,
                round3(p.similarity),
                snippet(text, p.query.begin, p.query.end)
            )?;
        }
    }
    writeln!(
        out,
        "\n{} document(s) share passages with the text ({} aligned).",
        report.matches.len(),
        report.stats.candidates
    )
}
