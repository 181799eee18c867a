//! `chorus report`: a self-contained HTML report ([`crate::report_html`]: an outlet network,
//! an overview with search and filters, and per cluster its timeline, side-by-side text,
//! coordination evidence and links to the articles) and, with `--csv`, one CSV row per
//! cluster member.

use crate::exit_code;
use crate::load::{CorpusArgs, SourceArgs, load_and_find};
use crate::report_html::render_html;
use anyhow::Context;
use chorus_core::report::{Report, round3};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The HTML file to write.
    #[arg(short, long, default_value = "chorus-report.html")]
    pub out: PathBuf,
    /// Also write one CSV row per cluster member to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Only coordinated clusters.
    #[arg(long)]
    pub coordinated_only: bool,
    /// At most this many clusters in the HTML (largest first); 0 for all.
    #[arg(long, default_value_t = 500)]
    pub limit: usize,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

/// Writes one CSV row per cluster member.
pub fn write_csv(path: &PathBuf, report: &Report) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    w.write_record([
        "cluster",
        "coordinated",
        "coordination_score",
        "doc",
        "source",
        "date",
        "begin",
        "end",
        "quoted",
        "attribution",
        "credit",
        "reuse",
        "earliest",
        "text",
    ])?;
    for c in &report.clusters {
        let earliest = c.earliest.as_ref().map(|e| e.doc.as_str()).unwrap_or("");
        for m in &c.members {
            w.write_record([
                c.id.to_string(),
                c.coordinated.to_string(),
                round3(c.coordination_score).to_string(),
                m.doc.clone(),
                m.source.clone().unwrap_or_default(),
                m.date.clone().unwrap_or_default(),
                m.begin.to_string(),
                m.end.to_string(),
                m.quoted.to_string(),
                m.attribution.clone().unwrap_or_default(),
                m.credit.clone().unwrap_or_default(),
                m.reuse.clone(),
                (m.doc == earliest).to_string(),
                c.text.clone(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

pub fn run(args: &ReportArgs) -> anyhow::Result<i32> {
    let (loaded, report) = load_and_find(
        &args.source,
        &args.corpus,
        &args.corpus.tuning.config(),
        args.quiet,
    )?;
    let html = render_html(
        &report,
        &*loaded.work.docs,
        args.coordinated_only,
        args.limit,
    )?;
    std::fs::write(&args.out, html).with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(csv) = &args.csv {
        write_csv(csv, &report)?;
    }
    if !args.quiet {
        eprintln!(
            "chorus: wrote {} ({} clusters)",
            args.out.display(),
            report.clusters.len()
        );
    }
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}
