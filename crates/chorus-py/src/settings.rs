//! Keyword arguments to the engine's configuration: each name is a CLI flag with `_` for
//! `-` (`min_words=` is `--min-words`), read onto the same field of
//! [`Config`] or [`DedupConfig`] (see `chorus-cli`'s `engine_args`); unknown names are a
//! `TypeError`, values of the wrong type a `ChorusError` naming the setting, and the
//! configuration is checked with [`Config::validate`] (the CLI's messages).

use crate::py_err;
use chorus_core::{Config, DedupConfig, DurationError, Keep, parse_duration};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The settings `find` takes (besides `boilerplate` and `formulas`, which list more).
pub(crate) const FIND: &[&str] = &[
    "ngram",
    "max_df",
    "full_pairs_df",
    "star_links",
    "max_repeats",
    "min_seeds",
    "max_skip",
    "merge_drop",
    "extend_window",
    "extend_drop",
    "min_words",
    "min_similarity",
    "min_matched",
    "boilerplate_share",
    "boilerplate_min_docs",
    "min_sources",
    "window",
    "keep_formulas",
    "boilerplate",
    "formulas",
];

/// The settings `find` takes and `dedup` does not: the paraphrase path.
const PARAPHRASE: &[&str] = &["paraphrase", "lang"];

/// The settings `dedup` adds.
const DEDUP: &[&str] = &[
    "threshold",
    "slack",
    "min_dup_similarity",
    "containment",
    "keep",
];

fn get<'py, T: FromPyObjectOwned<'py>>(
    kw: &Bound<'py, PyDict>,
    name: &str,
    slot: &mut T,
) -> PyResult<()> {
    if let Some(v) = kw.get_item(name)? {
        *slot = v
            .extract()
            .map_err(|_| py_err(format!("invalid value for `{name}`: {v}")))?;
    }
    Ok(())
}

/// `--window`: a number with a unit (`90m`, `24h`, `2d`), a bare number read as hours.
fn window(v: &Bound<'_, PyAny>) -> PyResult<i64> {
    let s = match v.extract::<String>() {
        Ok(s) => s,
        Err(_) => v.str()?.to_string(),
    };
    match parse_duration(&s) {
        Err(DurationError::MissingUnit(_)) => parse_duration(&format!("{}h", s.trim())),
        read => read,
    }
    .map_err(|e| py_err(format!("invalid value for `window`: {e}")))
}

fn check_names(kw: &Bound<'_, PyDict>, allowed: &[&[&str]]) -> PyResult<()> {
    for k in kw.keys() {
        let k: String = k.extract()?;
        if !allowed.iter().any(|names| names.contains(&k.as_str())) {
            return Err(PyTypeError::new_err(format!(
                "unknown setting `{k}` (settings: {})",
                allowed.concat().join(", ")
            )));
        }
    }
    Ok(())
}

fn fill(kw: &Bound<'_, PyDict>, cfg: &mut Config) -> PyResult<()> {
    let (s, a) = (&mut cfg.seeds, &mut cfg.align);
    get(kw, "ngram", &mut a.ngram)?;
    get(kw, "max_df", &mut s.max_df)?;
    get(kw, "full_pairs_df", &mut s.full_pairs_df)?;
    get(kw, "star_links", &mut s.star_links)?;
    get(kw, "max_repeats", &mut s.max_repeats)?;
    get(kw, "min_seeds", &mut s.min_seeds)?;
    get(kw, "max_skip", &mut a.max_skip)?;
    get(kw, "merge_drop", &mut a.merge_drop)?;
    get(kw, "extend_window", &mut a.extend_window)?;
    get(kw, "extend_drop", &mut a.extend_drop)?;
    get(kw, "min_words", &mut a.min_tokens)?;
    get(kw, "min_similarity", &mut a.min_similarity)?;
    get(kw, "min_matched", &mut a.min_matched)?;
    get(kw, "boilerplate_share", &mut s.boilerplate_share)?;
    get(kw, "boilerplate_min_docs", &mut s.boilerplate_min_docs)?;
    get(kw, "min_sources", &mut cfg.min_sources)?;
    if let Some(w) = kw.get_item("window")? {
        cfg.window_secs = window(&w)?;
    }
    get(kw, "keep_formulas", &mut cfg.keep_formulas)?;
    get(kw, "boilerplate", &mut cfg.list_boilerplate)?;
    get(kw, "formulas", &mut cfg.list_formulas)?;
    get(kw, "paraphrase", &mut cfg.paraphrase)?;
    if let Some(l) = kw.get_item("lang")?.filter(|l| !l.is_none()) {
        let name: String = l
            .extract()
            .map_err(|_| py_err(format!("invalid value for `lang`: {l}")))?;
        cfg.lang = chorus_core::query_reworded::parse_lang(&name).map_err(py_err)?;
    }
    if cfg.lang.is_some() && !cfg.paraphrase {
        return Err(py_err(
            "`lang` is the language of `paraphrase`: give `paraphrase=True` too",
        ));
    }
    cfg.validate().map_err(py_err)
}

/// The configuration of `find` from its keyword arguments (`None`: the defaults).
pub(crate) fn find_config(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Config> {
    let mut cfg = Config::default();
    if let Some(kw) = kw {
        check_names(kw, &[FIND, PARAPHRASE])?;
        fill(kw, &mut cfg)?;
    }
    Ok(cfg)
}

/// The configuration of `dedup` from its keyword arguments.
pub(crate) fn dedup_config(kw: Option<&Bound<'_, PyDict>>) -> PyResult<DedupConfig> {
    let mut cfg = DedupConfig::default();
    let Some(kw) = kw else { return Ok(cfg) };
    check_names(kw, &[FIND, DEDUP])?;
    fill(kw, &mut cfg.find)?;
    get(kw, "threshold", &mut cfg.threshold)?;
    get(kw, "slack", &mut cfg.slack)?;
    get(kw, "min_dup_similarity", &mut cfg.min_similarity)?;
    get(kw, "containment", &mut cfg.containment)?;
    if let Some(k) = kw.get_item("keep")? {
        let k: String = k.extract()?;
        cfg.keep = match k.as_str() {
            "earliest" => Keep::Earliest,
            "longest" => Keep::Longest,
            "first" => Keep::First,
            _ => {
                return Err(py_err(format!(
                    "invalid value for `keep`: `{k}` (earliest, longest or first)"
                )));
            }
        };
    }
    if !((0.0..=1.0).contains(&cfg.threshold) && (0.0..=1.0).contains(&cfg.slack)) {
        return Err(py_err("--threshold and --slack must lie in [0, 1]"));
    }
    Ok(cfg)
}
