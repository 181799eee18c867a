//! `chorus completions SHELL` and `chorus man [COMMAND]`: shell completion scripts
//! (clap_complete) and manual pages in roff (clap_mangen), generated from the same
//! command definitions that parse the flags, so they cannot drift from them.

use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for. Install, e.g.:
    /// `chorus completions bash > ~/.local/share/bash-completion/completions/chorus`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// The subcommand whose page to print (`chorus-find(1)`, ...); the main page without.
    pub command: Option<String>,
    /// Write every page (chorus.1 and chorus-COMMAND.1) into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<std::path::PathBuf>,
}

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let mut cmd = crate::Cli::command();
    // Into a buffer first: the generator panics on a write error (a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "chorus", &mut buf);
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(0)
}

/// The page of `cmd`, named `name`.
fn page(cmd: clap::Command, name: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).title(name).render(&mut buf)?;
    Ok(buf)
}

pub fn man(args: &ManArgs) -> anyhow::Result<i32> {
    let mut root = crate::Cli::command();
    root.build();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut pages = vec![("chorus".to_string(), page(root.clone(), "chorus")?)];
        for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("chorus-{}", sub.get_name());
            pages.push((name.clone(), page(sub.clone(), &name)?));
        }
        for (name, bytes) in pages {
            let path = dir.join(format!("{name}.1"));
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        return Ok(0);
    }
    let bytes = match &args.command {
        None => page(root, "chorus")?,
        Some(name) => {
            let sub = root
                .find_subcommand(name)
                .with_context(|| format!("no command `{name}` (see `chorus --help`)"))?
                .clone();
            page(sub, &format!("chorus-{name}"))?
        }
    };
    std::io::stdout().lock().write_all(&bytes)?;
    Ok(0)
}
