//! The engine's flags, shared by the commands that run the pipeline (`find`, `dedup`,
//! `report`, `watch`; flattened into each with `#[command(flatten)]`), and their
//! translation into the engine's [`Config`].
//!
//! Each flag maps onto one field of [`Config`]; fields without a flag keep the engine's
//! default. The flags' defaults are read from `Config::default()` (the one source of the
//! engine's defaults), and a test pins that a run with no flags is a run with
//! `Config::default()`. `--min-words` is the engine's `align.min_tokens`.

use chorus_core::{Config, DurationError, parse_duration};

/// The engine's defaults, which the flags' defaults are read from.
fn defaults() -> Config {
    Config::default()
}

/// Thresholds of the engine. Defaults were chosen by measurement (BENCHMARKS.md).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct EngineArgs {
    /// Words per fingerprint (n-gram size).
    #[arg(long, default_value_t = defaults().align.ngram)]
    pub ngram: usize,
    /// Fingerprints found in more documents than this seed nothing.
    #[arg(long, default_value_t = defaults().seeds.max_df)]
    pub max_df: usize,
    /// Above this many documents, a fingerprint pairs each document with the earliest
    /// `--star-links` only (linear instead of quadratic cost).
    #[arg(long, default_value_t = defaults().seeds.full_pairs_df)]
    pub full_pairs_df: usize,
    /// Hub documents per common fingerprint (see --full-pairs-df).
    #[arg(long, default_value_t = defaults().seeds.star_links)]
    pub star_links: usize,
    /// A fingerprint repeated more often inside one document is ignored for it.
    #[arg(long, default_value_t = defaults().seeds.max_repeats)]
    pub max_repeats: usize,
    /// Shared fingerprints a document pair needs to be aligned.
    #[arg(long, default_value_t = defaults().seeds.min_seeds)]
    pub min_seeds: usize,
    /// Longest one-sided gap (words) bridged inside a passage (a dropped sentence).
    #[arg(long, default_value_t = defaults().align.max_skip)]
    pub max_skip: usize,
    /// Largest cost of a two-sided gap bridged inside a passage (mismatch 2, gap 1 per word).
    #[arg(long, default_value_t = defaults().align.merge_drop)]
    pub merge_drop: i32,
    /// How far (words) a passage end is extended past the last shared n-gram.
    #[arg(long, default_value_t = defaults().align.extend_window)]
    pub extend_window: usize,
    /// Extension stops once its score falls this far below its best.
    #[arg(long, default_value_t = defaults().align.extend_drop)]
    pub extend_drop: i32,
    /// Shortest passage reported, in words on each side.
    #[arg(long, default_value_t = defaults().align.min_tokens)]
    pub min_words: usize,
    /// Lowest similarity of the two copies (matched words / longer side).
    #[arg(long, default_value_t = defaults().align.min_similarity)]
    pub min_similarity: f64,
    /// Fewest matched words (exact or up to a typo) in a reported passage.
    #[arg(long, default_value_t = defaults().align.min_matched)]
    pub min_matched: usize,
    /// Text a source prints in at least this share of its documents is its boilerplate
    /// (kept out of the results); above 1 turns boilerplate detection off.
    #[arg(long, default_value_t = defaults().seeds.boilerplate_share)]
    pub boilerplate_share: f64,
    /// ... and in at least this many of its documents.
    #[arg(long, default_value_t = defaults().seeds.boilerplate_min_docs)]
    pub boilerplate_min_docs: usize,
    /// Distinct sources within --window that make a cluster coordinated messaging.
    #[arg(long, default_value_t = defaults().min_sources)]
    pub min_sources: usize,
    /// The coordination time window: a number with a unit (90m, 24h, 2d, 3600s).
    #[arg(long, default_value = "24h", value_parser = parse_window)]
    pub window: i64,
    /// Keep formulaic language (a frame shared with different specifics: notices,
    /// templates, results tables, sign-offs) in the clusters as if it were reuse.
    #[arg(long)]
    pub keep_formulas: bool,
}

/// Reads `--window` with [`parse_duration`] (a number with a unit); a bare number, which
/// earlier versions took as hours, is still read as hours.
pub fn parse_window(s: &str) -> Result<i64, String> {
    match parse_duration(s) {
        Err(DurationError::MissingUnit(_)) => parse_duration(&format!("{}h", s.trim())),
        read => read,
    }
    .map_err(|e| e.to_string())
}

impl EngineArgs {
    /// The engine's configuration from these flags.
    pub fn config(&self) -> Config {
        let mut cfg = Config::default();
        let (seeds, align) = (&mut cfg.seeds, &mut cfg.align);
        seeds.max_df = self.max_df;
        seeds.full_pairs_df = self.full_pairs_df;
        seeds.star_links = self.star_links;
        seeds.max_repeats = self.max_repeats;
        seeds.min_seeds = self.min_seeds;
        seeds.boilerplate_share = self.boilerplate_share;
        seeds.boilerplate_min_docs = self.boilerplate_min_docs;
        align.ngram = self.ngram;
        align.max_skip = self.max_skip;
        align.merge_drop = self.merge_drop;
        align.extend_window = self.extend_window;
        align.extend_drop = self.extend_drop;
        align.min_tokens = self.min_words;
        align.min_similarity = self.min_similarity;
        align.min_matched = self.min_matched;
        cfg.min_sources = self.min_sources;
        cfg.window_secs = self.window;
        cfg.keep_formulas = self.keep_formulas;
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_args::parse;

    #[test]
    fn no_flags_is_the_engine_default() {
        assert_eq!(parse::<EngineArgs>(&[]).config(), Config::default());
    }

    #[test]
    fn the_window_takes_a_unit_and_a_bare_number_is_hours() {
        assert_eq!(parse_window("90m"), Ok(5400));
        assert_eq!(parse_window("2d"), Ok(172_800));
        assert_eq!(parse_window("48"), Ok(48 * 3600));
        assert_eq!(parse_window("1.5"), Ok(5400));
        assert!(parse_window("0").is_err());
        assert!(parse_window("3y").is_err());
    }

    #[test]
    fn every_flag_reaches_its_field() {
        let cfg = parse::<EngineArgs>(&[
            "--ngram=3",
            "--max-df=11",
            "--full-pairs-df=12",
            "--star-links=13",
            "--max-repeats=14",
            "--min-seeds=15",
            "--max-skip=16",
            "--merge-drop=17",
            "--extend-window=18",
            "--extend-drop=19",
            "--min-words=20",
            "--min-similarity=0.21",
            "--min-matched=22",
            "--boilerplate-share=0.23",
            "--boilerplate-min-docs=24",
            "--min-sources=25",
            "--window=26m",
            "--keep-formulas",
        ])
        .config();
        let (s, a) = (&cfg.seeds, &cfg.align);
        assert_eq!(
            (
                a.ngram,
                s.max_df,
                s.full_pairs_df,
                s.star_links,
                s.max_repeats,
                s.min_seeds
            ),
            (3, 11, 12, 13, 14, 15)
        );
        assert_eq!(
            (
                a.max_skip,
                a.merge_drop,
                a.extend_window,
                a.extend_drop,
                a.min_tokens
            ),
            (16, 17, 18, 19, 20)
        );
        assert_eq!((a.min_similarity, a.min_matched), (0.21, 22));
        assert_eq!((s.boilerplate_share, s.boilerplate_min_docs), (0.23, 24));
        assert_eq!((cfg.min_sources, cfg.window_secs), (25, 26 * 60));
        assert!(cfg.keep_formulas);
        let d = Config::default();
        assert_eq!(
            d.window_secs,
            parse_window("24h").unwrap(),
            "the --window default"
        );
        assert_eq!(
            (a.scoring, cfg.list_boilerplate),
            (d.align.scoring, d.list_boilerplate)
        );
    }
}

/// `--paraphrase` and `--lang`, shared by `find` and `query`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ParaphraseArgs {
    /// Also find reworded passages (sentences rewritten with their content words kept,
    /// sharing no five words in a row), and say per passage how each was found
    /// (`"match": "exact"` or `"reworded"`). Slower; less precise on news about one event.
    #[arg(long)]
    pub paraphrase: bool,
    /// The language of every text for --paraphrase (stems and stop words): an ISO 639-1
    /// code or English name (en, fr, id, de, ...), or `auto`. Default: each document's
    /// `lang`/`language` field, else detected from its stop words.
    #[arg(long, requires = "paraphrase", value_parser = parse_lang, value_name = "LANG")]
    pub lang: Option<LangArg>,
}

/// A `--lang` value: a supported language, or `auto` (`None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LangArg(pub Option<chorus_core::paraphrase::Lang>);

/// Parses `--lang`; an unknown name lists the supported ones.
fn parse_lang(s: &str) -> Result<LangArg, String> {
    chorus_core::query_reworded::parse_lang(s)
        .map(LangArg)
        .map_err(|e| {
            e.to_string()
                .trim_start_matches("invalid configuration: ")
                .to_string()
        })
}

impl ParaphraseArgs {
    /// The language set by `--lang` (`None`: per document).
    pub fn lang(&self) -> Option<chorus_core::paraphrase::Lang> {
        self.lang.and_then(|l| l.0)
    }
}
