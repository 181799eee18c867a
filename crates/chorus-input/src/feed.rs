//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, parsed by `feed-rs`: one document per item.
//!
//! A feed is read whole (it is one XML document), up to
//! [`ReadOptions::max_record_bytes`](crate::ReadOptions::max_record_bytes). Each item
//! becomes a document: the text is its content, else its summary (HTML reduced to text,
//! paragraphs on their own lines); `title`, `url` (the item's first link), `date` (published,
//! else updated, in RFC 3339) and `source` (the feed's title) fill the metadata. The id is
//! the item's link, else its guid (Atom `id`; `feed-rs` makes one from the item's content
//! when the feed gives none). An item without text is reported with its 1-based position
//! (`feed.xml:3`); a feed that does not parse is reported once for the file.

use chorus_core::{Document, Metadata};

use crate::html::fragment_text;
use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, StreamName};

/// Whether the first bytes of a stream look like an RSS, RDF or Atom feed.
pub(crate) fn looks_like_feed(head: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&head[..head.len().min(2048)]).to_ascii_lowercase();
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf")
}

/// Reads the items of a feed held in `bytes`.
pub(crate) fn read_feed(bytes: &[u8], name: &StreamName<'_>, emit: &mut Emit<'_>) {
    let feed = match feed_rs::parser::parse(bytes) {
        Ok(feed) => feed,
        Err(err) => {
            emit.problem(InputProblem::file(
                name.display,
                ProblemKind::BadRecord,
                format!("not a readable RSS or Atom feed: {err}; file skipped"),
            ));
            return;
        }
    };
    let source = feed
        .title
        .as_ref()
        .map(|t| fragment_text(&t.content))
        .filter(|t| !t.is_empty());
    if feed.entries.is_empty() {
        emit.problem(InputProblem::file(
            name.display,
            ProblemKind::EmptyFile,
            "feed has no items",
        ));
        return;
    }
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let item = i as u64 + 1;
        let url = entry
            .links
            .first()
            .map(|l| l.href.trim().to_owned())
            .filter(|h| !h.is_empty());
        let id = url.clone().unwrap_or_else(|| {
            if entry.id.trim().is_empty() {
                format!("{}:{item}", name.id)
            } else {
                entry.id.trim().to_owned()
            }
        });
        let text = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .map(fragment_text)
            .filter(|t| !t.is_empty())
            .or_else(|| {
                entry
                    .summary
                    .as_ref()
                    .map(|s| fragment_text(&s.content))
                    .filter(|t| !t.is_empty())
            });
        let Some(text) = text else {
            emit.problem(InputProblem::line(
                name.display,
                item,
                ProblemKind::MissingText,
                format!("item `{id}` has no content or summary"),
            ));
            continue;
        };
        let meta = Metadata {
            source: source.clone(),
            date: entry.published.or(entry.updated).map(|d| d.to_rfc3339()),
            url,
            title: entry
                .title
                .as_ref()
                .map(|t| fragment_text(&t.content))
                .filter(|t| !t.is_empty()),
            extra: Default::default(),
        };
        emit.document(Document { id, text, meta }, name.display, Some(item));
    }
}
