//! E-mails and Usenet posts (RFC 5322 / RFC 5536 messages) and mbox files: the header
//! block becomes metadata, the body becomes the document's text.
//!
//! A message is a block of header fields (`Name: value`, continued on lines that start
//! with a space or tab), a blank line, and the body. Read as plain text, the headers
//! (`From:`, `Organization:`, `Lines:`, `Path:` ...) are words a poster repeats in every
//! post, and chorus would report them as shared passages; so they are read as metadata
//! instead: `From` gives `source` (the address, in lowercase, so that one poster is one
//! source whatever display name a post gives: the per-source boilerplate stage then takes
//! out what a poster repeats, such as a signature), `Date` gives `date` (RFC 2822, a
//! trailing `(comment)` dropped; a date that cannot be read is reported as a `bad-date`
//! problem like any other), `Subject` gives `title` and `Message-ID` gives the extra field
//! `message_id` (without its angle brackets). Other headers are dropped.
//!
//! The document's text is the body alone, byte for byte from the byte after the blank
//! line, as the main text of an HTML page is its text: every span chorus reports is an
//! exact byte range of that body (add the body's start to get a range of the file). Lines
//! that are not the poster's running text (signatures, also quoted ones, reply attribution
//! lines, forwarded header blocks: `mail_body.rs`) are blanked, each byte but line ends
//! replaced by a space, so that they make no reuse while every byte keeps its offset; read
//! a post with `--format text` to keep them. The
//! body is not MIME-decoded: multipart messages and quoted-printable or base64 bodies are
//! read as they are, and encoded words in headers (`=?utf-8?q?...?=`) are kept as given.
//!
//! Detection is conservative, so that ordinary text is never taken for mail: `.eml` and
//! `.mbox` files are always mail; a `.txt` file or one without extension is mail only
//! when it *starts* with a header block that is complete within its first 8 KB: at least
//! two header fields, one of them `From`, `Subject` or `Newsgroups`, every line a header
//! field or a continuation, then a blank line (an mbox `From ` line may come first). An
//! mbox file (a first line starting `From `) holds one message after each such line;
//! each is a document with id `<file id>:<line of its From line>`.

use chorus_core::Document;

use crate::mail_body::{blank, unauthored};
use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, StreamName};
use crate::text::{is_blank, strip_bom, utf8_text};

/// The header fields that make a header block a message's (with at least one other).
const KEY_FIELDS: [&str; 3] = ["from", "subject", "newsgroups"];

/// Whether `name` is a header field name: printable ASCII without space or colon.
fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 76
        && name.iter().all(|&b| (33..=126).contains(&b) && b != b':')
}

/// A line without its line ending (`\n` or `\r\n`).
fn content(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The field name of a header line, if it is one.
fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    is_field_name(name).then_some(name)
}

/// Whether the first bytes of a stream are the header block of a message (or of the first
/// message of an mbox file); see the module documentation.
pub(crate) fn looks_like_mail(head: &[u8]) -> bool {
    let head = strip_bom(head);
    let mut lines = head.split_inclusive(|&b| b == b'\n').peekable();
    if lines.peek().is_some_and(|l| l.starts_with(b"From ")) {
        lines.next();
    }
    let (mut fields, mut key) = (0, false);
    for line in lines {
        if !line.ends_with(b"\n") {
            return false; // the block does not end within the head
        }
        let text = content(line);
        if text.is_empty() {
            return fields >= 2 && key;
        }
        if text[0] == b' ' || text[0] == b'\t' {
            if fields == 0 {
                return false;
            }
            continue;
        }
        match field_name(text) {
            Some(name) => {
                fields += 1;
                key |= KEY_FIELDS
                    .iter()
                    .any(|k| name.eq_ignore_ascii_case(k.as_bytes()));
            }
            None => return false,
        }
    }
    false
}

/// A message's header fields (name, unfolded value) and where its body starts.
#[derive(Debug, PartialEq)]
struct Message<'a> {
    fields: Vec<(&'a str, String)>,
    body_start: usize,
}

/// Splits a message into its header fields and body. The header block ends at the first
/// blank line, or, leniently, at the first line that is neither a field nor a
/// continuation (that line starts the body).
fn parse_message(text: &str) -> Message<'_> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bytes = content(line.as_bytes());
        let body = &line[..bytes.len()];
        if bytes.is_empty() {
            return Message {
                fields,
                body_start: at + line.len(),
            };
        }
        if bytes[0] == b' ' || bytes[0] == b'\t' {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(body.trim());
                at += line.len();
                continue;
            }
        } else if let Some(name) = field_name(bytes) {
            let value = body[name.len() + 1..].trim().to_owned();
            fields.push((&body[..name.len()], value));
            at += line.len();
            continue;
        }
        return Message {
            fields,
            body_start: at,
        };
    }
    Message {
        fields,
        body_start: text.len(),
    }
}

/// The address in a `From` value (`Name <a@b>`, `a@b (Name)`, `a@b`), in lowercase; the
/// value itself when it holds none.
fn sender(value: &str) -> String {
    if let Some((_, rest)) = value.rsplit_once('<')
        && let Some((addr, _)) = rest.split_once('>')
        && addr.contains('@')
    {
        return addr.trim().to_lowercase();
    }
    match value.split_whitespace().find(|w| w.contains('@')) {
        Some(word) => word
            .trim_matches(|c| matches!(c, '<' | '>' | '(' | ')' | '"' | ',' | ';'))
            .to_lowercase(),
        None => value.to_owned(),
    }
}

/// The display name in a `From` value (`Jane Doe <a@b>`, `a@b (Jane Doe)`), if any.
fn display_name(value: &str) -> Option<&str> {
    let name = if let Some((name, _)) = value.split_once('<') {
        name
    } else {
        let (_, rest) = value.split_once('(')?;
        rest.rsplit_once(')')?.0
    };
    let name = name.trim().trim_matches('"').trim();
    (!name.is_empty() && !name.contains('@')).then_some(name)
}

/// A `Date` value without a trailing `(comment)` such as `(PDT)`.
fn date_value(value: &str) -> &str {
    let value = value.trim();
    match value
        .strip_suffix(')')
        .and_then(|v| v.rfind('(').map(|at| &v[..at]))
    {
        Some(rest) if !rest.trim().is_empty() => rest.trim_end(),
        _ => value,
    }
}

/// The document of one message, or why there is none.
fn message_document(id: String, text: &str) -> Result<Document, (ProblemKind, &'static str)> {
    let message = parse_message(text);
    if message.fields.is_empty() {
        return Err((
            ProblemKind::BadRecord,
            "not a mail message: no header block (`Name: value` lines, then a blank line)",
        ));
    }
    let body = &text[message.body_start..];
    if is_blank(body) {
        return Err((ProblemKind::EmptyText, "message has no body text"));
    }
    let poster = message
        .fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("from"))
        .and_then(|(_, value)| display_name(value));
    let skip = unauthored(body, poster);
    let mut doc = Document::new(id, blank(body, &skip));
    for (name, value) in message.fields {
        let meta = &mut doc.meta;
        if value.is_empty() {
            continue;
        }
        if name.eq_ignore_ascii_case("from") && meta.source.is_none() {
            meta.source = Some(sender(&value));
        } else if name.eq_ignore_ascii_case("date") && meta.date.is_none() {
            meta.date = Some(date_value(&value).to_owned());
        } else if name.eq_ignore_ascii_case("subject") && meta.title.is_none() {
            meta.title = Some(value);
        } else if name.eq_ignore_ascii_case("message-id") && !meta.extra.contains_key("message_id")
        {
            let id = value
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            meta.extra.insert("message_id".into(), id.into());
        }
    }
    Ok(doc)
}

/// Reads a message, or every message of an mbox file, held in `bytes`.
pub(crate) fn read_mail(bytes: Vec<u8>, name: &StreamName<'_>, emit: &mut Emit<'_>) {
    let text = match utf8_text(bytes) {
        Ok(text) => text,
        Err(offset) => {
            emit.problem(InputProblem::file(
                name.display,
                ProblemKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {offset}; file skipped"),
            ));
            return;
        }
    };
    if !text.starts_with("From ") {
        match message_document(name.id.to_owned(), &text) {
            Ok(doc) => emit.document(doc, name.display, None),
            Err((kind, reason)) => emit.problem(InputProblem::file(
                name.display,
                kind,
                format!("{reason}; file skipped"),
            )),
        }
        return;
    }
    // mbox: each line starting `From ` opens a message (bodies escape theirs as `>From `)
    let mut starts = Vec::new();
    let mut at = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        if line.starts_with("From ") {
            starts.push((number as u64 + 1, at, at + line.len()));
        }
        at += line.len();
    }
    for (i, &(line, _, begin)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |s| s.1);
        match message_document(format!("{}:{line}", name.id), &text[begin..end]) {
            Ok(doc) => emit.document(doc, name.display, Some(line)),
            Err((kind, reason)) => emit.problem(InputProblem::line(
                name.display,
                line,
                kind,
                format!("{reason}; message skipped"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_only_whole_header_blocks() {
        let cases = [
            ("From: a@b.org\nSubject: hi\n\nbody", true),
            ("Subject: hi\r\nX-Long: one\r\n two\r\n\r\nbody", true),
            ("Newsgroups: sci.med\nPath: x!y\n\n", true),
            (
                "From a@b Thu Apr  1 00:00:00 1993\nFrom: a@b\nSubject: s\n\nbody",
                true,
            ),
            // one field only
            ("From: a@b.org\n\nbody", false),
            // no From/Subject/Newsgroups
            ("Title: Notes\nAuthor: me\n\nbody", false),
            // a line that is not a field before the blank line
            ("From: a@b.org\nSubject: hi\nDear all,\n\nbody", false),
            // no blank line after the block (within the head)
            ("From: a@b.org\nSubject: hi", false),
            // prose that starts with a word and a colon
            ("Note: the meeting\nis moved.\n\nFrom: x\n", false),
            ("Subject to change: all prices\nFrom: shop\n\n", false),
            ("", false),
            (" From: a\nSubject: b\n\n", false),
        ];
        for (head, want) in cases {
            assert_eq!(looks_like_mail(head.as_bytes()), want, "{head:?}");
        }
    }

    #[test]
    fn headers_become_metadata_and_the_body_the_text() {
        let post = "From: jdoe@Example.ORG (Jane Doe)\nSubject: Re: the\n  budget\n\
                    Date: Mon, 5 Apr 1993 10:00:00 -0700 (PDT)\nMessage-ID: <1@example.org>\n\
                    Organization: Example\nLines: 2\n\nThe body.\n-- \nJane\n";
        let doc = message_document("p".into(), post).unwrap();
        // the signature is blanked, every other byte kept at its offset
        assert_eq!(doc.text, "The body.\n   \n    \n");
        assert_eq!(post.find("The body").unwrap() + doc.text.len(), post.len());
        assert_eq!(doc.meta.source.as_deref(), Some("jdoe@example.org"));
        assert_eq!(doc.meta.title.as_deref(), Some("Re: the budget"));
        assert_eq!(
            doc.meta.date.as_deref(),
            Some("Mon, 5 Apr 1993 10:00:00 -0700")
        );
        assert_eq!(doc.meta.extra["message_id"], "1@example.org");
        assert_eq!(doc.meta.extra.len(), 1);
        assert!(doc.meta.when().is_some());
    }

    #[test]
    fn senders() {
        assert_eq!(sender("Jane Doe <J.Doe@x.org>"), "j.doe@x.org");
        assert_eq!(sender("\"Doe, J\" <jd@x.org>"), "jd@x.org");
        assert_eq!(sender("jd@x.org (Jane)"), "jd@x.org");
        assert_eq!(sender("Sports Desk"), "Sports Desk");
        assert_eq!(date_value("(only a comment)"), "(only a comment)");
    }

    #[test]
    fn lenient_parsing_and_errors() {
        // forced as mail: a line that is no field ends the header block and starts the body
        let m = parse_message("Subject: s\nDear all,\nhello\n");
        assert_eq!(m.fields, [("Subject", "s".to_owned())]);
        assert_eq!(m.body_start, 11);
        assert!(message_document("x".into(), "plain words\n").is_err());
        assert!(message_document("x".into(), "From: a@b\nSubject: s\n\n \n").is_err());
        assert!(message_document("x".into(), "From: a@b\nSubject: s").is_err());
    }
}
