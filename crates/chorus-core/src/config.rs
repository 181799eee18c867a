//! The engine's settings: every tunable of `find`, with the defaults chosen by
//! measurement and the checks that they make sense together. Each stage reads the part it
//! needs ([`SeedLimits`] the candidate stage, [`AlignParams`] the aligner, the coordination
//! settings the report).

use crate::align::AlignParams;
use crate::error::{Error, Result};

/// Limits that decide which shared fingerprints seed which pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedLimits {
    pub max_df: usize,
    pub full_pairs_df: usize,
    pub star_links: usize,
    pub max_repeats: usize,
    pub min_seeds: usize,
    /// Share of a source's documents a fingerprint must be in to be its boilerplate;
    /// above 1 turns boilerplate detection off.
    pub boilerplate_share: f64,
    /// Fewest documents of one source a boilerplate fingerprint must be in.
    pub boilerplate_min_docs: usize,
}

/// Every tunable of `find`. `Config::default()` holds the defaults chosen by measurement
/// (see BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub seeds: SeedLimits,
    pub align: AlignParams,
    /// Fill [`crate::Report::boilerplate`]. Default false.
    pub list_boilerplate: bool,
    /// Fill [`crate::Report::formulas`]. Default false.
    pub list_formulas: bool,
    /// Keep formulas in the clusters, as reuse (no formula decision). Default false.
    pub keep_formulas: bool,
    /// Distinct sources within `window_secs` that make a cluster coordinated. Default 5.
    pub min_sources: usize,
    /// The coordination window in seconds. Default 24 hours.
    pub window_secs: i64,
    /// Also find reworded passages (similar sentences sharing no word n-gram,
    /// [`crate::paraphrase`]) and say per member how it was found. Default false.
    pub paraphrase: bool,
    /// The language of every document for the paraphrase path (its stems and stop words),
    /// overriding a document's `lang`/`language` field and the detection. Default `None`.
    pub lang: Option<crate::paraphrase::Lang>,
    /// Also align the weak passages of candidate pairs (under the `align` filters, above
    /// [`crate::corroborate::floor`]) and keep those that third documents corroborate
    /// ([`crate::corroborate`]). Default true.
    pub corroborate: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seeds: SeedLimits {
                max_df: 1000,
                full_pairs_df: 64,
                star_links: 8,
                max_repeats: 8,
                min_seeds: 2,
                boilerplate_share: 0.4,
                boilerplate_min_docs: 3,
            },
            align: AlignParams::default(),
            list_boilerplate: false,
            list_formulas: false,
            keep_formulas: false,
            min_sources: 5,
            window_secs: 24 * 3600,
            paraphrase: false,
            lang: None,
            corroborate: true,
        }
    }
}

impl Config {
    /// Checks that the values make sense together.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: &str| Err(Error::InvalidConfig(msg.to_string()));
        if self.align.ngram == 0 {
            return bad("n-gram size must be at least 1");
        }
        if self.seeds.max_df < 2 {
            return bad("max-df must be at least 2 (a fingerprint must be in two documents)");
        }
        if self.seeds.star_links == 0 {
            return bad("star-links must be at least 1");
        }
        if self.seeds.boilerplate_share.is_nan() || self.seeds.boilerplate_share <= 0.0 {
            return bad("boilerplate-share must be positive (above 1 turns detection off)");
        }
        if self.seeds.boilerplate_min_docs < 2 {
            return bad("boilerplate-min-docs must be at least 2");
        }
        if self.min_sources < 2 || self.window_secs <= 0 {
            return bad("min-sources must be at least 2 and the window positive");
        }
        if !(0.0..=1.0).contains(&self.align.min_similarity) {
            return bad("min-similarity must lie in [0, 1]");
        }
        Ok(())
    }
}
