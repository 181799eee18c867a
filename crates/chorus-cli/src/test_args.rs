//! Parsing one command's flags struct in unit tests, as the command line would: clap
//! parses a [`clap::Args`] struct only inside a parser, so the tests of every flags struct
//! wrap it in the one generic parser here instead of each declaring its own.

use clap::Parser;

#[derive(Parser)]
struct Wrapper<A: clap::Args> {
    #[command(flatten)]
    args: A,
}

/// `A` read from `args` (the words after the command's name); an error if clap refuses them.
pub fn try_parse<A: clap::Args>(args: &[&str]) -> Result<A, clap::Error> {
    let words = std::iter::once("chorus").chain(args.iter().copied());
    Wrapper::<A>::try_parse_from(words).map(|w| w.args)
}

/// `A` read from `args`, which clap must accept.
pub fn parse<A: clap::Args>(args: &[&str]) -> A {
    try_parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}
