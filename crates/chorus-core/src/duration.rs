//! Durations as people write them: a number and a unit, `90m`, `24h`, `1.5d`, `3600s`,
//! `1w`, parsed into whole seconds (rounded). Front ends read their time flags (the
//! coordination window, polling intervals) with [`parse_duration`], so every flag accepts
//! the same spellings.
//!
//! A unit is required: a bare number meant hours for one flag and seconds for another, so
//! it is reported as [`DurationError::MissingUnit`], and a front end that accepted bare
//! numbers before decides for itself what its own legacy spelling means.

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// No number where the duration should start.
    #[error("`{0}` is not a duration like 90m, 24h or 2d")]
    NotADuration(String),
    /// A number without a unit.
    #[error("`{0}` has no time unit (use s, m, h, d or w, as in 90m or 24h)")]
    MissingUnit(String),
    /// A unit other than s, m, h, d or w.
    #[error("unknown time unit `{0}` (use s, m, h, d or w)")]
    UnknownUnit(String),
    /// Zero or less (after rounding to seconds).
    #[error("the duration must be positive")]
    NotPositive,
}

/// Parses `s` (a number, optionally with a fraction, and a unit: `s`/`sec`, `m`/`min`, `h`,
/// `d` or `w`; spaces around and between are allowed) into seconds, rounded; the result is
/// at least 1.
pub fn parse_duration(s: &str) -> Result<i64, DurationError> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| DurationError::NotADuration(s.to_string()))?;
    let unit_secs = match unit.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        "" => return Err(DurationError::MissingUnit(s.to_string())),
        u => return Err(DurationError::UnknownUnit(u.to_string())),
    };
    let secs = (n * unit_secs).round() as i64;
    if secs <= 0 {
        return Err(DurationError::NotPositive);
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_fractions() {
        for (s, secs) in [
            ("3600s", 3600),
            ("5 sec", 5),
            ("90m", 5400),
            ("2min", 120),
            ("24h", 86400),
            (" 1.5h ", 5400),
            ("2d", 172_800),
            ("1w", 604_800),
            ("0.6s", 1),
        ] {
            assert_eq!(parse_duration(s), Ok(secs), "{s}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            parse_duration("48"),
            Err(DurationError::MissingUnit("48".into()))
        );
        assert_eq!(
            parse_duration("3y"),
            Err(DurationError::UnknownUnit("y".into()))
        );
        assert_eq!(
            parse_duration("h"),
            Err(DurationError::NotADuration("h".into()))
        );
        assert_eq!(parse_duration("0h"), Err(DurationError::NotPositive));
        assert_eq!(parse_duration("0.4s"), Err(DurationError::NotPositive));
    }
}
