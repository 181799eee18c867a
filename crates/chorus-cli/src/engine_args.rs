//! The engine's flags, shared by the commands that run the pipeline (`find`, `dedup`,
//! `report`, `watch`; flattened into each with `#[command(flatten)]`), and their
//! translation into the engine's [`Config`].
//!
//! Each flag maps onto one field of [`Config`]; fields without a flag keep the engine's
//! default, so a run with no flags is a run with `Config::default()`.

use chorus_core::Config;
use chorus_core::align::AlignParams;
use chorus_core::candidates::SeedLimits;

/// Thresholds of the engine. Defaults were chosen by measurement (BENCHMARKS.md).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Thresholds")]
pub struct EngineArgs {
    /// Words per fingerprint (n-gram size).
    #[arg(long, default_value_t = 5)]
    pub ngram: usize,
    /// Fingerprints found in more documents than this seed nothing.
    #[arg(long, default_value_t = 1000)]
    pub max_df: usize,
    /// Above this many documents, a fingerprint pairs each document with the earliest
    /// `--star-links` only (linear instead of quadratic cost).
    #[arg(long, default_value_t = 64)]
    pub full_pairs_df: usize,
    /// Hub documents per common fingerprint (see --full-pairs-df).
    #[arg(long, default_value_t = 8)]
    pub star_links: usize,
    /// A fingerprint repeated more often inside one document is ignored for it.
    #[arg(long, default_value_t = 8)]
    pub max_repeats: usize,
    /// Shared fingerprints a document pair needs to be aligned.
    #[arg(long, default_value_t = 2)]
    pub min_seeds: usize,
    /// Longest one-sided gap (words) bridged inside a passage (a dropped sentence).
    #[arg(long, default_value_t = 64)]
    pub max_skip: usize,
    /// Largest cost of a two-sided gap bridged inside a passage (mismatch 2, gap 1 per word).
    #[arg(long, default_value_t = 24)]
    pub merge_drop: i32,
    /// How far (words) a passage end is extended past the last shared n-gram.
    #[arg(long, default_value_t = 24)]
    pub extend_window: usize,
    /// Extension stops once its score falls this far below its best.
    #[arg(long, default_value_t = 8)]
    pub extend_drop: i32,
    /// Shortest passage reported, in words on each side.
    #[arg(long, default_value_t = 10)]
    pub min_words: usize,
    /// Lowest similarity of the two copies (matched words / longer side).
    #[arg(long, default_value_t = 0.5)]
    pub min_similarity: f64,
    /// Fewest matched words (exact or up to a typo) in a reported passage.
    #[arg(long, default_value_t = 12)]
    pub min_matched: usize,
    /// Text a source prints in at least this share of its documents is its boilerplate
    /// (kept out of the results); above 1 turns boilerplate detection off.
    #[arg(long, default_value_t = 0.4)]
    pub boilerplate_share: f64,
    /// ... and in at least this many of its documents.
    #[arg(long, default_value_t = 3)]
    pub boilerplate_min_docs: usize,
    /// Distinct sources within --window that make a cluster coordinated messaging.
    #[arg(long, default_value_t = 5)]
    pub min_sources: usize,
    /// The coordination time window: a number with a unit (90m, 24h, 2d, 3600s).
    #[arg(long, default_value = "24h", value_parser = parse_window)]
    pub window: i64,
}

/// Parses a duration such as `90m`, `24h`, `2d`, `3600s` or `1w` into seconds.
pub fn parse_window(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90m, 24h or 2d"))?;
    let unit_secs = match unit.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" | "" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        u => return Err(format!("unknown time unit `{u}` (use s, m, h, d or w)")),
    };
    let secs = (n * unit_secs).round() as i64;
    if secs <= 0 {
        return Err("the window must be positive".to_string());
    }
    Ok(secs)
}

impl EngineArgs {
    /// The engine's configuration from these flags.
    pub fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            seeds: SeedLimits {
                max_df: self.max_df,
                full_pairs_df: self.full_pairs_df,
                star_links: self.star_links,
                max_repeats: self.max_repeats,
                min_seeds: self.min_seeds,
                boilerplate_share: self.boilerplate_share,
                boilerplate_min_docs: self.boilerplate_min_docs,
            },
            align: AlignParams {
                ngram: self.ngram,
                max_skip: self.max_skip,
                merge_drop: self.merge_drop,
                extend_window: self.extend_window,
                extend_drop: self.extend_drop,
                min_tokens: self.min_words,
                min_similarity: self.min_similarity,
                min_matched: self.min_matched,
                ..defaults.align
            },
            min_sources: self.min_sources,
            window_secs: self.window,
            ..defaults
        }
    }
}
