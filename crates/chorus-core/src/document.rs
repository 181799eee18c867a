//! Documents, their metadata, and byte spans into their original text.
//!
//! A [`Document`] is the unit chorus compares: an id, the original text (kept byte for
//! byte, so every reported [`Span`] is an exact byte range of it) and optional metadata
//! (outlet, date, url, title, and any other fields, passed through untouched).

use crate::when::When;
use serde::{Deserialize, Serialize};

/// A document's identifier as the user gave it (a path relative to the folder read, or the
/// `id` field of a JSON record).
pub type DocId = String;

/// A byte range `[begin, end)` into a document's original UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub begin: usize,
    pub end: usize,
}

impl Span {
    pub fn new(begin: usize, end: usize) -> Span {
        debug_assert!(begin <= end);
        Span { begin, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.begin
    }

    pub fn is_empty(&self) -> bool {
        self.begin == self.end
    }

    /// Bytes shared by the two ranges.
    pub fn overlap(&self, other: &Span) -> usize {
        let b = self.begin.max(other.begin);
        let e = self.end.min(other.end);
        e.saturating_sub(b)
    }
}

/// What is known about a document besides its text. Every field is optional; `extra` keeps
/// unknown fields of the input record so that they can be written back out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// ISO 8601 date or date-time, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Fields of the input record that chorus does not interpret.
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One input document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: DocId,
    pub text: String,
    pub meta: Metadata,
}

impl Document {
    /// A document with no metadata.
    pub fn new(id: impl Into<DocId>, text: impl Into<String>) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            meta: Metadata::default(),
        }
    }
}

impl Metadata {
    /// The outlet a document belongs to: its `source`, else the host of its `url`.
    pub fn outlet(&self) -> Option<std::borrow::Cow<'_, str>> {
        if let Some(s) = self.source.as_deref().filter(|s| !s.is_empty()) {
            return Some(s.into());
        }
        self.host()
    }

    /// The host of the URL, without `www.`, in lowercase (host names ignore case): the site
    /// whose page templates a document shares.
    pub fn host(&self) -> Option<std::borrow::Cow<'_, str>> {
        let url = self.url.as_deref()?;
        let rest = url.split_once("://").map_or(url, |x| x.1);
        let host = rest.split(['/', '?', '#']).next()?;
        let host = host.rsplit_once('@').map_or(host, |x| x.1);
        let host = host.split(':').next()?;
        let host = match host.get(..4) {
            Some(www) if www.eq_ignore_ascii_case("www.") => &host[4..],
            _ => host,
        };
        if host.is_empty() {
            return None;
        }
        Some(if host.bytes().any(|b| b.is_ascii_uppercase()) {
            host.to_ascii_lowercase().into()
        } else {
            host.into()
        })
    }

    /// What the date allows ([`When::parse`]): `None` when there is no date or it cannot be
    /// read.
    pub fn when(&self) -> Option<When> {
        When::parse(self.date.as_deref()?)
    }

    /// The first second (Unix epoch, UTC) the date allows ([`Metadata::when`]): the
    /// timestamp itself, or the midnight that starts a date-only value.
    pub fn timestamp(&self) -> Option<i64> {
        Some(self.when()?.first)
    }
}

/// The first second (Unix epoch, UTC) a date allows: an RFC 3339 timestamp, an ISO 8601
/// date-time without offset (taken as UTC), an RFC 2822 date, or the midnight (UTC) that
/// starts an ISO 8601 date. `None` when the date cannot be read (see [`When::parse`]).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    Some(When::parse(s)?.first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlet_from_source_or_url_host() {
        let mut m = Metadata {
            url: Some("https://www.example.com:8080/a/b?x=1".into()),
            ..Metadata::default()
        };
        assert_eq!(m.outlet().as_deref(), Some("example.com"));
        m.url = Some("http://WWW.Example.COM/x".into());
        assert_eq!(m.outlet().as_deref(), Some("example.com"));
        m.source = Some("wire".into());
        assert_eq!(m.outlet().as_deref(), Some("wire"));
        assert_eq!(Metadata::default().outlet(), None);
    }

    #[test]
    fn parses_dates() {
        assert_eq!(parse_timestamp("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-02"), Some(86400));
        assert_eq!(parse_timestamp("1970-01-01 00:00:10"), Some(10));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("03/04/2025"), None);
        let m = Metadata {
            date: Some("1970-01-02".into()),
            ..Metadata::default()
        };
        assert_eq!(m.when(), Some(When::day(86400)));
        assert_eq!(m.timestamp(), Some(86400));
    }
}
