//! `chorus query`: the stored documents that share passages with one text, ranked.

use crate::commands::index::DEFAULT_INDEX;
use crate::engine_args::ParaphraseArgs;
use crate::excerpt::one_line;
use crate::input_args::InputArgs;
use crate::output::table::{Cell, Table};
use crate::output::{OutputArgs, OutputFormat};
use anyhow::Context;
use chorus_core::Document;
use chorus_core::query::query_documents_with;
use chorus_core::query_reworded::query_documents_reworded;
use chorus_core::report::{Found, round3};
use chorus_store::{FormulaMode, IndexReader, QueryOptions, QueryReport, RewordedOptions};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The text to look for: a file, a URL or `-` for standard input, read as `find` reads
    /// it (the main text of an HTML page, a one-record JSON Lines or CSV file, a feed item;
    /// see --format). Offsets are into the text read.
    pub input: PathBuf,
    /// The index folder.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Look in these documents (files, folders, read as `find` reads them) instead of an
    /// index: every one is aligned against the text, and with --paraphrase every one's
    /// sentences are compared (no candidate limit, stem frequencies of the whole set).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub corpus: Vec<PathBuf>,
    /// One JSON record per matching document (id, metadata, score, coverage, passages with
    /// byte offsets in the query and in the document), best first.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many documents.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Documents aligned against the text (those sharing the most fingerprints).
    #[arg(long, default_value_t = QueryOptions::default().max_candidates)]
    pub max_candidates: usize,
    /// Fingerprints found in more documents than this are ignored (boilerplate).
    #[arg(long, default_value_t = QueryOptions::default().max_df)]
    pub max_df: usize,
    /// Fingerprints (word n-grams, n set by the index) a document must share with the text
    /// to be aligned.
    /// 2 also finds the shortest noisy passages, at several times the cost.
    #[arg(long, default_value_t = QueryOptions::default().min_shared)]
    pub min_shared: usize,
    /// Shortest passage reported, in words on each side.
    #[arg(long, default_value_t = QueryOptions::default().align.min_tokens)]
    pub min_words: usize,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub read: InputArgs,
    /// Also list the passages that are formulaic language (a frame shared with different
    /// specifics: another company's notice, another family's death notice), marked
    /// `"formula": true`, and the documents that share nothing else, last. They count for
    /// neither score nor coverage.
    #[arg(long, conflicts_with = "keep_formulas")]
    pub formulas: bool,
    /// Take formulaic language for reuse (no formula decision).
    #[arg(long)]
    pub keep_formulas: bool,
    /// With --paraphrase, the candidates are the --max-candidates documents sharing the
    /// most fingerprints, from one (the index has no stems: a rewording sharing no
    /// n-gram with the text is not found); each match and passage says how it was found.
    #[command(flatten)]
    pub paraphrase: ParaphraseArgs,
    /// With --paraphrase: also read every stored text for the documents sharing the most
    /// rare words with the text (up to --max-candidates more candidates), so that a
    /// rewording keeping no n-gram of it is found. Costs a pass over the whole index.
    #[arg(long, requires = "paraphrase")]
    pub scan: bool,
}

impl QueryArgs {
    /// The query's options from these flags (`--min-words` is `align.min_tokens`).
    fn options(&self) -> QueryOptions {
        let mut opts = QueryOptions {
            max_candidates: self.max_candidates,
            max_df: self.max_df,
            min_shared: self.min_shared.max(1),
            formulas: if self.keep_formulas {
                FormulaMode::Keep
            } else if self.formulas {
                FormulaMode::List
            } else {
                FormulaMode::Out
            },
            ..QueryOptions::default()
        };
        opts.align.min_tokens = self.min_words;
        opts
    }
}

/// The one document of `input`, read by the input readers (problems on stderr).
fn read_query(input: &PathBuf, args: &InputArgs) -> anyhow::Result<Document> {
    let (mut docs, problems) =
        chorus_input::read_all(std::slice::from_ref(input), &args.read_options())
            .with_context(|| format!("reading {}", input.display()))?;
    for p in &problems {
        eprintln!("chorus: {p}");
    }
    match docs.len() {
        1 => Ok(docs.pop().unwrap_or_else(|| Document::new("", ""))),
        0 => anyhow::bail!("{}: no text to look for", input.display()),
        n => anyhow::bail!(
            "{}: holds {n} documents; query looks for one text (split the file, or use \
             `chorus find` or `chorus index add` for many)",
            input.display()
        ),
    }
}

/// The passages of the matches as a table: one row per shared passage, best match first;
/// with `how`, a last column `match` says how each was found.
fn passage_table(text: &str, report: &QueryReport, how: bool) -> Table {
    let mut columns = vec![
        "rank",
        "id",
        "source",
        "date",
        "title",
        "url",
        "score",
        "coverage",
        "query_begin",
        "query_end",
        "doc_begin",
        "doc_end",
        "similarity",
        "text",
    ];
    if how {
        columns.push("match");
    }
    let mut t = Table::new(&columns);
    for (rank, m) in report.matches.iter().enumerate() {
        for p in &m.passages {
            t.rows.push(vec![
                (rank + 1).into(),
                Cell::Str(m.id.clone()),
                m.meta.source.clone().into(),
                m.meta.date.clone().into(),
                m.meta.title.clone().into(),
                m.meta.url.clone().into(),
                Cell::Int(i64::from(m.score)),
                Cell::Float(round3(m.coverage)),
                p.query.begin.into(),
                p.query.end.into(),
                p.doc.begin.into(),
                p.doc.end.into(),
                Cell::Float(round3(p.similarity)),
                Cell::Str(text[p.query.begin..p.query.end].to_string()),
            ]);
            if how {
                let found = p.found.map(|f| found_name(f).to_string());
                if let Some(row) = t.rows.last_mut() {
                    row.push(found.into());
                }
            }
        }
    }
    t
}

pub fn run(args: &QueryArgs) -> anyhow::Result<i32> {
    let target = args.output.target(args.json)?;
    let doc = read_query(&args.input, &args.read)?;
    let text = doc.text;
    let mut skipped = 0;
    let mut report = if args.corpus.is_empty() {
        let reader = IndexReader::open(&args.index)
            .with_context(|| format!("opening the index {}", args.index.display()))?;
        if args.paraphrase.paraphrase {
            let how = RewordedOptions {
                lang: args.paraphrase.lang(),
                scan: args.scan,
            };
            reader.query_reworded(&text, &doc.meta, &args.options(), &how)?
        } else {
            reader.query(&text, &args.options())?
        }
    } else {
        let (docs, problems) = chorus_input::read_all(&args.corpus, &args.read.read_options())
            .context("reading the documents to look in")?;
        for p in &problems {
            eprintln!("chorus: {p}");
        }
        skipped = problems.len();
        let opts = args.options();
        if args.paraphrase.paraphrase {
            query_documents_reworded(
                &text,
                &doc.meta,
                &docs,
                &opts.align,
                opts.formulas,
                args.paraphrase.lang(),
            )?
        } else {
            query_documents_with(&text, &docs, &opts.align, opts.formulas)
        }
    };
    if let Some(n) = args.limit {
        report.matches.truncate(n);
    }
    let mut out = target.open()?;
    match target.format {
        OutputFormat::Jsonl => {
            for m in &report.matches {
                serde_json::to_writer(&mut out, m)?;
                out.write_all(b"\n")?;
            }
            out.finish()?;
        }
        OutputFormat::Text => {
            let color = target.path.is_none() && crate::render::color_enabled();
            render(&mut out, &text, &report, color)?;
            out.finish()?;
        }
        table => passage_table(&text, &report, args.paraphrase.paraphrase).write(table, out)?,
    }
    Ok(crate::exit_code(skipped, !report.matches.is_empty()))
}

/// How a passage or match was found, as the JSON says it.
fn found_name(f: Found) -> &'static str {
    match f {
        Found::Exact => "exact",
        Found::Reworded => "reworded",
    }
}

fn render(
    out: &mut impl Write,
    text: &str,
    report: &QueryReport,
    color: bool,
) -> std::io::Result<()> {
    use anstyle::{AnsiColor, Style};
    let bold = |s: &str| crate::render::paint(Style::new().bold(), s, color);
    let shared = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let formulas = match report.stats.formula_matches {
        0 => String::new(),
        1 => "1 document sharing only formulaic language".to_string(),
        n => format!("{n} documents sharing only formulaic language"),
    };
    let listed = report.matches.iter().any(|m| m.formula);
    if report.matches.is_empty() {
        writeln!(out, "No stored document shares a passage with this text.")?;
        if !formulas.is_empty() {
            writeln!(out, "Left out: {formulas} (--formulas lists them).")?;
        }
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
            "{}{about}{}{}\n   {} shared words, {:.0}% of the text, {} passage(s)",
            bold(&format!("{}. {}", rank + 1, m.id)),
            if m.formula { "  [formula only]" } else { "" },
            if m.found == Some(Found::Reworded) {
                "  [reworded only]"
            } else {
                ""
            },
            m.score,
            round3(m.coverage) * 100.0,
            m.passages.len()
        )?;
        for p in &m.passages {
            writeln!(
                out,
                "   [{}..{}] ~ [{}..{}] similarity {:.2}{}{}: {}",
                p.query.begin,
                p.query.end,
                p.doc.begin,
                p.doc.end,
                round3(p.similarity),
                if p.formula { ", formula" } else { "" },
                if p.found == Some(Found::Reworded) {
                    ", reworded"
                } else {
                    ""
                },
                crate::render::paint(
                    shared,
                    &one_line(&text[p.query.begin..p.query.end], 160),
                    color
                )
            )?;
        }
    }
    writeln!(
        out,
        "\n{} document(s) share passages with the text ({} aligned).",
        report.stats.matches, report.stats.candidates
    )?;
    if !formulas.is_empty() {
        let how = if listed {
            "listed"
        } else {
            "left out (--formulas lists them)"
        };
        writeln!(out, "Also {formulas}: {how}.")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_args::parse;

    #[test]
    fn no_flags_is_the_engine_default() {
        let args = parse::<QueryArgs>(&["q.txt"]);
        assert_eq!(args.options(), QueryOptions::default());
        let opts = parse::<QueryArgs>(&[
            "q.txt",
            "--max-candidates=5",
            "--max-df=6",
            "--min-shared=7",
            "--min-words=8",
        ])
        .options();
        let four = (
            opts.max_candidates,
            opts.max_df,
            opts.min_shared,
            opts.align.min_tokens,
        );
        assert_eq!(four, (5, 6, 7, 8));
    }
}
