//! When a document was printed, as far as its date tells, and what the report may claim
//! about the order of a cluster's members.
//!
//! A date is read as a [`When`]: the span of seconds (UTC) it allows, `first..=last`. An
//! RFC 3339 timestamp (`2025-03-03T08:30:00+01:00`), an ISO 8601 date-time without offset
//! (`2025-03-03T08:30`, `2025-03-03 08:30:00`, taken as UTC) and an RFC 2822 date as in RSS
//! feeds (`Mon, 03 Mar 2025 08:30:00 +0000`) are one second; an ISO 8601 date
//! (`2025-03-03`) is the whole UTC day, `2025-03-03T00:00:00Z..=2025-03-03T23:59:59Z`.
//! Anything else (`yesterday`, `03/04/2025`, whose day and month nobody can tell apart) is
//! not read: the document is *undated* ([`Metadata::when`](crate::Metadata::when) is
//! `None`), and `chorus-input` reports the date as a problem with its file and line.
//! Fractions of a second are dropped: two documents printed within the same second tie.
//!
//! One `When` is [certainly before](When::before) another when its last second is before
//! the other's first: `2025-03-03` is *not* before `2025-03-03T08:30Z` (nor after it); the
//! two tie. The report claims an order only where it is certain:
//!
//! - a cluster's **earliest** member is the document whose time is certainly before that of
//!   every other dated member document ([`earliest`]); when no member is dated there is no
//!   earliest ([`EarliestUnknown::Undated`]), and when several dated documents could each
//!   be first (their times overlap the earliest possible end) none is named
//!   ([`EarliestUnknown::Tie`], with the documents). Undated members cannot be placed; they
//!   are counted in the cluster's `undated` and take no part in the order;
//! - a **propagation** edge joins two documents only when one is certainly before the other
//!   ([`crate::analyze::propagation`]): none between undated or tied documents;
//! - a **coordination** window counts a member only when the member's whole time fits in it
//!   ([`crate::analyze::busiest_window`]): a date-only member is uncertain by a day, so it
//!   counts in the default 24-hour window only with members of its own day, and never in a
//!   window shorter than a day.
//!
//! The document *numbering* ([`crate::order`]) is a different thing: a total,
//! deterministic order for the engine's work, by the first second a date allows (a
//! date-only value sorts at its midnight), then id, then text. It puts the member lists in
//! a stable order but claims nothing the report does not.

use crate::document::DocId;
use serde::{Deserialize, Serialize};

/// The seconds since the Unix epoch (UTC) a date allows: from `first` to `last`, both
/// included. A timestamp is one second (`first == last`); a date-only value a whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct When {
    pub first: i64,
    pub last: i64,
}

const DAY: i64 = 24 * 3600;

impl When {
    /// One second.
    pub fn instant(t: i64) -> When {
        When { first: t, last: t }
    }

    /// The UTC day that starts at `midnight`.
    pub fn day(midnight: i64) -> When {
        When {
            first: midnight,
            last: midnight + DAY - 1,
        }
    }

    /// Reads a date (see the module documentation); `None` when it cannot be read,
    /// including a blank one.
    pub fn parse(s: &str) -> Option<When> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Ok(t) = s.parse::<jiff::Timestamp>() {
            return Some(When::instant(t.as_second()));
        }
        let utc = |dt: jiff::civil::DateTime| {
            dt.to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp().as_second())
        };
        // a date alone (no time part) is its whole day
        if !s.contains(['T', 't', ' ', ':'])
            && let Ok(d) = s.parse::<jiff::civil::Date>()
        {
            return utc(d.to_datetime(jiff::civil::Time::midnight())).map(When::day);
        }
        if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
            return utc(dt).map(When::instant);
        }
        if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
            return Some(When::instant(z.timestamp().as_second()));
        }
        None
    }

    /// Whether every second of `self` is before every second of `other`.
    pub fn before(&self, other: &When) -> bool {
        self.last < other.first
    }

    /// Whether the date gives the second (not only the day).
    pub fn is_instant(&self) -> bool {
        self.first == self.last
    }
}

/// Why a cluster names no earliest member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum EarliestUnknown {
    /// No member document has a readable date.
    Undated,
    /// These dated documents (in member order) could each have been first: the earliest
    /// possible end of their times is not before any of their starts (a date-only member
    /// and a timestamp of the same day, two members of the same second).
    Tie { docs: Vec<DocId> },
}

/// What [`earliest`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum First<K> {
    /// The one document certainly before every other dated one.
    Known(K),
    /// No document is dated.
    Undated,
    /// The documents that could each be first, in the order given.
    Tie(Vec<K>),
}

/// The earliest of documents `(key, time)` (each document once, undated ones with `None`):
/// the dated document whose time is certainly before every other dated one's, else why
/// there is none.
pub fn earliest<K: Copy>(docs: &[(K, Option<When>)]) -> First<K> {
    let dated = || docs.iter().filter_map(|&(k, w)| Some((k, w?)));
    let Some(end) = dated().map(|(_, w)| w.last).min() else {
        return First::Undated;
    };
    // a document can be first when nothing ends before it starts
    let could: Vec<K> = dated()
        .filter(|(_, w)| w.first <= end)
        .map(|(k, _)| k)
        .collect();
    match could[..] {
        [k] => First::Known(k),
        _ => First::Tie(could),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unambiguous_dates_only() {
        assert_eq!(When::parse("1970-01-01T00:01:00Z"), Some(When::instant(60)));
        assert_eq!(
            When::parse("1970-01-01T01:00:00+01:00"),
            Some(When::instant(0))
        );
        assert_eq!(When::parse("1970-01-01 00:00:10"), Some(When::instant(10)));
        assert_eq!(When::parse("1970-01-01T00:00:10"), Some(When::instant(10)));
        assert_eq!(When::parse(" 1970-01-02 "), Some(When::day(86400)));
        assert_eq!(
            When::parse("Thu, 01 Jan 1970 00:02:00 +0000"),
            Some(When::instant(120))
        );
        assert_eq!(
            When::parse("Thu, 1 Jan 1970 01:02:00 +0100"),
            Some(When::instant(120))
        );
        for bad in ["yesterday", "03/04/2025", "3.4.2025", "2025", "", "  "] {
            assert_eq!(When::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_date_is_its_whole_day() {
        let day = When::parse("2025-03-03").unwrap();
        assert!(!day.is_instant());
        let morning = When::parse("2025-03-03T08:30Z").unwrap();
        assert!(morning.is_instant());
        assert!(!day.before(&morning) && !morning.before(&day));
        let next = When::parse("2025-03-04T00:00:00Z").unwrap();
        assert!(day.before(&next));
        let eve = When::parse("2025-03-02T23:59:59Z").unwrap();
        assert!(eve.before(&day));
    }

    #[test]
    fn earliest_is_named_only_when_certain() {
        let t = |s: &str| When::parse(s);
        let known = [
            ("a", t("2025-03-03T08:30Z")),
            ("b", t("2025-03-03T09:00Z")),
            ("u", None),
        ];
        assert_eq!(earliest(&known), First::Known("a"));
        let undated = [("a", None), ("b", None)];
        assert_eq!(earliest(&undated), First::Undated);
        // a date-only member ties with a timestamp of its day, but not with a later day
        let tie = [
            ("day", t("2025-03-03")),
            ("six", t("2025-03-03T06:00Z")),
            ("nine", t("2025-03-03T09:00Z")),
            ("next", t("2025-03-04")),
        ];
        assert_eq!(earliest(&tie), First::Tie(vec!["day", "six"]));
        let same_second = [("a", t("2025-03-03T06:00Z")), ("b", t("2025-03-03T06:00Z"))];
        assert_eq!(earliest(&same_second), First::Tie(vec!["a", "b"]));
        let day_before = [("day", t("2025-03-02")), ("six", t("2025-03-03T06:00Z"))];
        assert_eq!(earliest(&day_before), First::Known("day"));
    }
}
