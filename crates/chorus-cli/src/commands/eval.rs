//! `chorus eval`: score a chorus result against ground truth (see the `chorus-eval` crate).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chorus_eval::{PanScores, PartitionScores, Scores};

/// Score a chorus result (`chorus find --json` / `chorus dedup --json`) against ground truth.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Ground-truth folder: a reuse-bench-gen set (truth.jsonl, corpus.jsonl, ...) or a PAN
    /// corpus (source-documents/ and suspicious-documents/); detected automatically.
    #[arg(long)]
    pub truth: PathBuf,
    /// chorus result as JSON Lines (plain, .xz or .gz); "-" for stdin.
    pub result: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<i32> {
    let truth = chorus_eval::load_truth(&args.truth)
        .with_context(|| format!("reading ground truth {}", args.truth.display()))?;
    let result = if args.result.as_os_str() == "-" {
        chorus_eval::read_result(&mut std::io::stdin().lock(), "<stdin>")
            .context("reading the result from stdin")?
    } else {
        chorus_eval::load_result(&args.result)
            .with_context(|| format!("reading result {}", args.result.display()))?
    };
    let scores = chorus_eval::evaluate(&truth, &result);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &scores)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &scores)?;
    }
    out.flush()?;
    Ok(0)
}

fn num(x: f64) -> String {
    format!("{x:.3}")
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), num)
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{:.1}%", 100.0 * x))
}

fn pan_row(out: &mut dyn Write, name: &str, s: &PanScores) -> std::io::Result<()> {
    writeln!(
        out,
        "  {:<20} {:>7} {:>10} {:>9} {:>7} {:>11} {:>7} {:>9} {:>9}",
        name,
        s.cases,
        s.detections,
        num(s.precision),
        num(s.recall),
        num(s.granularity),
        num(s.plagdet),
        pct(s.over_extension),
        pct(s.under_coverage),
    )
}

fn partition_row(out: &mut dyn Write, name: &str, s: &PartitionScores) -> std::io::Result<()> {
    writeln!(
        out,
        "  {:<32} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        name,
        s.items,
        s.truth_clusters,
        s.predicted_clusters,
        num(s.ari),
        num(s.bcubed_precision),
        num(s.bcubed_recall),
    )
}

fn write_table(out: &mut dyn Write, s: &Scores) -> std::io::Result<()> {
    let c = &s.counts;
    writeln!(
        out,
        "truth: {}, {} documents, {} clusters, {} occurrences; result: {} clusters ({} members), {} dup_clusters",
        match s.truth_format {
            chorus_eval::TruthFormat::Bench => "reuse-bench-gen set",
            chorus_eval::TruthFormat::Pan => "PAN corpus",
        },
        c.truth_docs,
        c.truth_clusters,
        c.truth_occurrences,
        c.result_clusters,
        c.result_members,
        c.result_dup_clusters,
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "passages (PAN measures, characters), by {}",
        s.breakdown_by
    )?;
    writeln!(
        out,
        "  {:<20} {:>7} {:>10} {:>9} {:>7} {:>11} {:>7} {:>9} {:>9}",
        "",
        "cases",
        "detections",
        "precision",
        "recall",
        "granularity",
        "plagdet",
        "over-ext",
        "under-cov"
    )?;
    let overall = PanScores {
        cases: s.cases,
        detections: s.detections,
        detected_cases: s.detected_cases,
        precision: s.precision,
        recall: s.recall,
        granularity: s.granularity,
        plagdet: s.plagdet,
        over_extension: s.over_extension,
        under_coverage: s.under_coverage,
    };
    pan_row(out, "all", &overall)?;
    for (name, p) in &s.by_profile {
        pan_row(out, name, p)?;
    }

    if s.passage_clusters.is_some() || s.doc_clusters.is_some() {
        writeln!(out)?;
        writeln!(out, "clusters")?;
        writeln!(
            out,
            "  {:<32} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
            "", "items", "truth", "found", "ARI", "B3-P", "B3-R"
        )?;
        if let Some(p) = &s.passage_clusters {
            partition_row(out, "passages", p)?;
        }
        if let Some(d) = &s.doc_clusters {
            partition_row(out, &format!("documents ({})", d.source), &d.scores)?;
        }
    }

    writeln!(out)?;
    writeln!(
        out,
        "earliest source correct: {} (of {} clusters)",
        pct(s.earliest_correct),
        s.earliest_clusters
    )?;
    if s.boilerplate_spans > 0 {
        writeln!(
            out,
            "boilerplate kept out:    {} (of {} spans)",
            pct(s.boilerplate_kept_out),
            s.boilerplate_spans
        )?;
    }
    match &s.coordinated {
        Some(k) => writeln!(
            out,
            "coordinated clusters:    precision {}, recall {} ({} flagged, {} in truth)",
            opt(k.precision),
            opt(k.recall),
            k.flagged,
            k.truth_coordinated
        )?,
        None => writeln!(out, "coordinated clusters:    - (result has no flags)")?,
    }
    if !s.warnings.is_empty() {
        writeln!(out)?;
        for w in &s.warnings {
            writeln!(out, "warning: {w}")?;
        }
    }
    Ok(())
}
