//! `chorus`: find the passages that documents share.
//!
//! A thin binary: flags are parsed into the engine's configuration, inputs are read by
//! `chorus-input`, the engine runs, and the report is rendered (terminal text or JSON
//! Lines). Exit codes: 0 reuse found, 1 none found, 2 errors (including skipped input).

// unsafe_code is only denied workspace-wide (chorus-store allows it on two items); this
// crate keeps the old, stricter forbid.
#![forbid(unsafe_code)]

mod commands;
mod engine_args;
mod excerpt;
mod input_args;
mod load;
mod memory;
mod outbox;
mod output;
mod progress;
mod render;
mod report_html;
mod report_svg;
#[cfg(test)]
mod test_args;
mod threads;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "chorus",
    version,
    about = "Find the passages that documents share, verbatim or nearly so."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    color: render::ColorChoice,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find passages shared by two or more documents and group them into clusters.
    Find(commands::find::FindArgs),
    /// Group near-duplicate documents and keep one of each group.
    Dedup(commands::dedup::DedupArgs),
    /// Score a chorus result against ground truth.
    Eval(commands::eval::EvalArgs),
    /// Maintain a persistent corpus index: add, stats, remove.
    Index(commands::index::IndexArgs),
    /// Find the stored documents that share passages with one text.
    Query(commands::query::QueryArgs),
    /// Write a self-contained HTML report (and CSV) of the clusters: overview with search,
    /// outlet network, timelines, links to the articles.
    Report(commands::report::ReportArgs),
    /// Serve the HTTP API and the paste-an-article web page over an index.
    Serve(commands::serve::ServeArgs),
    /// Add documents to an index as they arrive and alert on coordinated messaging (exit 3
    /// while alerts wait in the outbox for the webhook).
    Watch(commands::watch::WatchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::docs::CompletionsArgs),
    /// Print the manual page (roff), or write every page into a folder with --dir.
    Man(commands::docs::ManArgs),
}

/// The exit code of a command that looks for reuse: 2 (after saying so) when inputs were
/// skipped, else 0 when something was found and 1 when nothing was.
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

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    render::set_color(cli.color);
    let result = match &cli.command {
        Command::Find(args) => commands::find::run(args),
        Command::Dedup(args) => commands::dedup::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Index(args) => commands::index::run(args),
        Command::Query(args) => commands::query::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Watch(args) => commands::watch::run(args),
        Command::Completions(args) => commands::docs::completions(args),
        Command::Man(args) => commands::docs::man(args),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chorus: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
