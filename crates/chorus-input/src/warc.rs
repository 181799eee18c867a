//! WARC archives (`.warc`, `.warc.gz` as Common Crawl writes them: one gzip member per
//! record, which the gzip decoder reads as one stream).
//!
//! A record is a version line (`WARC/1.0` or `WARC/1.1`), header lines up to a blank line,
//! then exactly `Content-Length` bytes of block and two line ends. The reader streams record
//! by record: a record's block is buffered only when it becomes a document (and only up to
//! [`ReadOptions::max_record_bytes`]); other blocks are read past.
//!
//! Documents: `response` records whose HTTP payload is HTML (status 2xx; a chunked or gzip
//! payload is decoded; the charset of the HTTP `Content-Type` is honoured), and `resource`
//! records of type `text/html` (or `text/plain`, taken as is). The id and `url` are the
//! record's `WARC-Target-URI`. The `date` is the page's own publication date when the page
//! states one, since that is when the text appeared; otherwise the record's `WARC-Date`
//! (the crawl time). The `WARC-Date` is always kept in `extra.warc_date`. Other records
//! (`warcinfo`, `request`, `metadata`, `revisit`, non-HTML payloads, redirects and errors)
//! are skipped without comment.
//!
//! Damage is reported with the record's number (`file:3`): a version line missing (the
//! reader then skips to the next line starting with `WARC/`), a missing or unreadable
//! `Content-Length` (likewise), a block cut short, a page without text.

use std::io::{self, BufRead, Read};

use chorus_core::Document;
use serde_json::Value;

use crate::html;
use crate::problem::{InputProblem, ProblemKind};
use crate::read::{Emit, ReadOptions, StreamName};
use crate::text::{LineRead, read_line_bounded};

/// Longest header line kept; longer lines are cut.
const MAX_HEADER_LINE: usize = 64 * 1024;
/// Most header lines in one record before it is taken as damaged.
const MAX_HEADERS: usize = 1024;

struct Header {
    version_ok: bool,
    fields: Vec<(String, String)>,
}

impl Header {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Step {
    Record(Header),
    Eof,
    Bad(String),
}

/// Reads the next record header. Blank lines before it are skipped.
fn read_header(reader: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<Step> {
    loop {
        match read_line_bounded(reader, line, MAX_HEADER_LINE)? {
            LineRead::Eof => return Ok(Step::Eof),
            _ if trim_eol(line).is_empty() => continue,
            _ => break,
        }
    }
    let first = String::from_utf8_lossy(trim_eol(line)).into_owned();
    let version_ok = first.starts_with("WARC/");
    if !version_ok {
        let shown: String = first.chars().take(40).collect();
        return Ok(Step::Bad(format!(
            "expected a `WARC/1.x` version line, found `{shown}`"
        )));
    }
    let mut fields = Vec::new();
    loop {
        if read_line_bounded(reader, line, MAX_HEADER_LINE)? == LineRead::Eof {
            return Ok(Step::Bad(
                "header cut short by the end of the file".to_owned(),
            ));
        }
        let text = trim_eol(line);
        if text.is_empty() {
            break;
        }
        if fields.len() >= MAX_HEADERS {
            return Ok(Step::Bad(format!("more than {MAX_HEADERS} header lines")));
        }
        let text = String::from_utf8_lossy(text);
        if text.starts_with([' ', '\t']) {
            // A continuation line.
            if let Some((_, v)) = fields.last_mut() {
                let v: &mut String = v;
                v.push(' ');
                v.push_str(text.trim());
            }
            continue;
        }
        match text.split_once(':') {
            Some((k, v)) => fields.push((k.trim().to_owned(), v.trim().to_owned())),
            None => {
                let shown: String = text.chars().take(40).collect();
                return Ok(Step::Bad(format!("malformed header line `{shown}`")));
            }
        }
    }
    Ok(Step::Record(Header { version_ok, fields }))
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Skips lines until one starting with `WARC/`, which is left unread. Returns false at the
/// end of the stream.
fn resync(reader: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        if buf.starts_with(b"WARC/") {
            return Ok(true);
        }
        if buf.len() < 5 && b"WARC/".starts_with(buf) {
            // Too few bytes buffered to decide: read the line and look at it.
            if read_line_bounded(reader, line, MAX_HEADER_LINE)? == LineRead::Eof {
                return Ok(false);
            }
            continue;
        }
        read_line_bounded(reader, line, 0)?;
    }
}

/// Reads every record of a WARC stream.
pub(crate) fn read_warc(
    reader: &mut dyn BufRead,
    name: &StreamName<'_>,
    opts: &ReadOptions,
    emit: &mut Emit<'_>,
    stream_error: &dyn Fn(&io::Error) -> (ProblemKind, String),
) {
    let mut line = Vec::new();
    let mut record: u64 = 0;
    let problem = |record: u64, kind: ProblemKind, reason: String| {
        InputProblem::line(name.display, record, kind, reason)
    };
    let fail = |err: &io::Error, record: u64| {
        let (kind, what) = stream_error(err);
        InputProblem::file(name.display, kind, format!("{what} (in record {record})"))
    };
    loop {
        record += 1;
        let header = match read_header(reader, &mut line) {
            Ok(Step::Eof) => break,
            Ok(Step::Record(h)) => h,
            Ok(Step::Bad(reason)) => {
                emit.problem(problem(
                    record,
                    ProblemKind::BadRecord,
                    format!("broken WARC header: {reason}; skipped to the next record"),
                ));
                match resync(reader, &mut line) {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(err) => return emit.problem(fail(&err, record)),
                }
            }
            Err(err) => return emit.problem(fail(&err, record)),
        };
        debug_assert!(header.version_ok);
        let Some(length) = header
            .get("Content-Length")
            .and_then(|v| v.trim().parse::<u64>().ok())
        else {
            emit.problem(problem(
                record,
                ProblemKind::BadRecord,
                "broken WARC header: no valid Content-Length; skipped to the next record"
                    .to_owned(),
            ));
            match resync(reader, &mut line) {
                Ok(true) => continue,
                Ok(false) => break,
                Err(err) => return emit.problem(fail(&err, record)),
            }
        };
        let wanted = wanted_kind(&header);
        let limit = opts.record_limit();
        if wanted.is_none() || length > limit {
            if wanted.is_some() {
                emit.problem(problem(
                    record,
                    ProblemKind::TooLarge,
                    format!("record of {length} bytes is larger than the limit of {limit} bytes; skipped"),
                ));
            }
            match io::copy(&mut reader.take(length), &mut io::sink()) {
                Ok(n) if n == length => continue,
                Ok(n) => {
                    emit.problem(cut_short(name, record, n, length));
                    break;
                }
                Err(err) => return emit.problem(fail(&err, record)),
            }
        }
        let mut block = Vec::new();
        match reader.take(length).read_to_end(&mut block) {
            Ok(n) if n as u64 == length => {}
            Ok(n) => {
                emit.problem(cut_short(name, record, n as u64, length));
                break;
            }
            Err(err) => return emit.problem(fail(&err, record)),
        }
        let Some(kind) = wanted else { continue };
        match record_document(&header, kind, &block, name, record, opts) {
            Ok(Some(doc)) => emit.document(doc, name.display, Some(record)),
            Ok(None) => {}
            Err((kind, reason)) => emit.problem(problem(record, kind, reason)),
        }
    }
}

fn cut_short(name: &StreamName<'_>, record: u64, got: u64, length: u64) -> InputProblem {
    InputProblem::line(
        name.display,
        record,
        ProblemKind::BadRecord,
        format!("record cut short: {got} of its {length} bytes"),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    HttpResponse,
    Html,
    Text,
}

fn wanted_kind(header: &Header) -> Option<Wanted> {
    let kind = header.get("WARC-Type")?.to_ascii_lowercase();
    let ctype = header
        .get("Content-Type")
        .unwrap_or("")
        .to_ascii_lowercase();
    match kind.as_str() {
        "response" if ctype.starts_with("application/http") => Some(Wanted::HttpResponse),
        "response" | "resource" if is_html_type(&ctype) => Some(Wanted::Html),
        "resource" if ctype.starts_with("text/plain") => Some(Wanted::Text),
        _ => None,
    }
}

fn is_html_type(ctype: &str) -> bool {
    let ctype = ctype.trim_start();
    ctype.starts_with("text/html") || ctype.starts_with("application/xhtml+xml")
}

fn charset_of(ctype: &str) -> Option<&str> {
    ctype.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

type RecordResult = Result<Option<Document>, (ProblemKind, String)>;

fn record_document(
    header: &Header,
    kind: Wanted,
    block: &[u8],
    name: &StreamName<'_>,
    record: u64,
    opts: &ReadOptions,
) -> RecordResult {
    let uri = header
        .get("WARC-Target-URI")
        .map(|u| u.trim_matches(['<', '>']).to_owned())
        .filter(|u| !u.is_empty());
    let id = uri
        .clone()
        .unwrap_or_else(|| format!("{}:{record}", name.id));
    let (payload, charset, is_html) = match kind {
        Wanted::HttpResponse => match http_payload(block)? {
            Some(found) => found,
            None => return Ok(None),
        },
        Wanted::Html => (
            block.to_vec(),
            header
                .get("Content-Type")
                .and_then(charset_of)
                .map(str::to_owned),
            true,
        ),
        Wanted::Text => (block.to_vec(), None, false),
    };
    let mut doc = if is_html {
        let page = html::decode_html(&payload, charset.as_deref());
        html::page_document(&id, &page, uri.as_deref(), opts.keeps_comments())
            .map_err(|reason| (ProblemKind::EmptyText, format!("`{id}`: {reason}")))?
    } else {
        let text = String::from_utf8_lossy(&payload).into_owned();
        if text.trim().is_empty() {
            return Err((ProblemKind::EmptyText, format!("`{id}`: empty text")));
        }
        Document::new(id, text)
    };
    if doc.meta.url.is_none() {
        doc.meta.url = uri;
    }
    if let Some(warc_date) = header.get("WARC-Date") {
        if doc.meta.date.is_none() {
            doc.meta.date = Some(warc_date.to_owned());
        }
        doc.meta
            .extra
            .insert("warc_date".to_owned(), Value::String(warc_date.to_owned()));
    }
    Ok(Some(doc))
}

/// The payload of an HTTP response block when it is a 2xx HTML page: (bytes, charset, is
/// html). `None` for other responses.
type Payload = (Vec<u8>, Option<String>, bool);

fn http_payload(block: &[u8]) -> Result<Option<Payload>, (ProblemKind, String)> {
    let bad = |reason: &str| {
        (
            ProblemKind::BadRecord,
            format!("bad HTTP response: {reason}"),
        )
    };
    let end = find(block, b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| find(block, b"\n\n").map(|at| (at, at + 2)));
    let Some((head_end, body_start)) = end else {
        return Err(bad("no end to its headers"));
    };
    let head = String::from_utf8_lossy(&block[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status code"))?;
    if !(200..300).contains(&status) {
        return Ok(None);
    }
    let mut ctype = String::new();
    let mut chunked = false;
    let mut encoding = String::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("content-type") {
            ctype = v.to_ascii_lowercase();
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.to_ascii_lowercase().contains("chunked");
        } else if k.eq_ignore_ascii_case("content-encoding") {
            encoding = v.to_ascii_lowercase();
        }
    }
    if !is_html_type(&ctype) {
        return Ok(None);
    }
    let mut body = block[body_start..].to_vec();
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("broken chunked encoding"))?;
    }
    match encoding.as_str() {
        "" | "identity" => {}
        "gzip" | "x-gzip" => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .map_err(|e| bad(&format!("gzip payload: {e}")))?;
            body = out;
        }
        other => {
            return Err((
                ProblemKind::BadRecord,
                format!("payload in content-encoding `{other}`, which chorus does not decode"),
            ));
        }
    }
    let charset = charset_of(&ctype).map(str::to_owned);
    Ok(Some((body, charset, true)))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes an HTTP chunked body.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = find(body, b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..eol]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        body = &body[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if body.len() < size {
            return None;
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size..)?;
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n").as_deref(),
            Some(&b"Wikipedia"[..])
        );
        assert_eq!(dechunk(b"ff\r\nshort"), None);
    }

    #[test]
    fn charsets_from_content_type() {
        assert_eq!(
            charset_of("text/html; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_of("text/html"), None);
    }

    #[test]
    fn http_responses() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>";
        let (body, charset, _) = http_payload(ok).unwrap().unwrap();
        assert_eq!(body, b"<p>hi</p>");
        assert_eq!(charset.as_deref(), Some("utf-8"));
        let redirect = b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n";
        assert!(http_payload(redirect).unwrap().is_none());
        let image = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG";
        assert!(http_payload(image).unwrap().is_none());
        assert!(http_payload(b"garbage").is_err());
    }
}
