//! `chorus find`: read documents, find what they share, print the report.

use crate::engine_args::ParaphraseArgs;
use crate::exit_code;
use crate::load::{CorpusArgs, SourceArgs, load_and_find};
use crate::output::members::member_table;
use crate::output::{OutputArgs, OutputFormat};
use crate::render::{color_enabled, render_report};
use crate::threads::RunArgs;
use anyhow::Context;
use chorus_core::{Config, write_jsonl};

#[derive(clap::Args, Debug)]
pub struct FindArgs {
    #[command(flatten)]
    pub source: SourceArgs,
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
    #[command(flatten)]
    pub paraphrase: ParaphraseArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

pub fn run(args: &FindArgs) -> anyhow::Result<i32> {
    args.run.run(|| find(args))
}

fn find(args: &FindArgs) -> anyhow::Result<i32> {
    let cfg = Config {
        list_boilerplate: args.boilerplate,
        list_formulas: args.formulas,
        paraphrase: args.paraphrase.paraphrase,
        lang: args.paraphrase.lang(),
        ..args.corpus.tuning.config()
    };
    let target = args.output.target(args.json)?;
    let (loaded, report) = load_and_find(&args.source, &args.corpus, &cfg, args.run.quiet)?;
    let mut out = target.open()?;
    let docs = &*loaded.work.docs;
    match target.format {
        OutputFormat::Jsonl => write_jsonl(&report, &mut out).context("writing the report")?,
        OutputFormat::Text => {
            let color = target.path.is_none() && color_enabled();
            render_report(&mut out, &report, docs, loaded.skipped, color)
                .context("writing the report")?;
        }
        table => {
            member_table(&report, docs)?.write(table, out)?;
            return Ok(exit_code(loaded.skipped, !report.clusters.is_empty()));
        }
    }
    out.finish()?;
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}
