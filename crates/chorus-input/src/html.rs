//! HTML pages: charset decoding, main-content extraction, and page metadata.
//!
//! Bytes are decoded by the charset the page states (a byte-order mark, then the charset of
//! an HTTP `Content-Type` header when the page came from a WARC record, then a `<meta>`
//! charset in the first 4 KB). When the stated charset does not decode the bytes cleanly (a
//! page declared UTF-8 but saved as Latin-1, say), or none is stated and the bytes are not
//! UTF-8, `chardetng` guesses from the bytes, as browsers do.
//!
//! The main text is found by `dom_smoothie`, a port of Mozilla's Readability: it scores
//! blocks by their text and link density and by their class names, and drops navigation,
//! headers, footers, asides, share bars and comment sections. With `keep_comments`, the
//! text of the outermost elements whose `id` or `class` mentions `comment` is appended after
//! the article. When Readability finds nothing, the page's body text (less scripts, styles,
//! navigation, header, footer and aside) is used; a page with no text at all is a problem.
//!
//! Pages nested deeper than [`MAX_HTML_DEPTH`] (measured in one linear pass, `depth.rs`)
//! are refused before parsing: parsing and Readability cost time quadratic in the depth. A
//! feed item's HTML that deep gives the text between its tags instead.
//!
//! Metadata: `title` (Readability's, from `og:title`, JSON-LD or `<title>`), `date` (the
//! published time from `article:published_time` or JSON-LD `datePublished`, else a
//! `<meta name="date">`-like tag, else the first `<time datetime>`), `url` (the canonical
//! link, else `og:url`), `source` (`og:site_name` or JSON-LD publisher). Readability costs
//! about a millisecond per page of usual size; pages are parsed whole, so the reader caps
//! their size ([`ReadOptions::max_record_bytes`](crate::ReadOptions::max_record_bytes)).

use crate::depth::{MAX_HTML_DEPTH, html_depth};
use chorus_core::Document as ChorusDocument;
use chorus_core::Metadata;
use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};
use encoding_rs::{Encoding, UTF_8};

/// Decodes an HTML page's bytes to text. `declared` is a charset from outside the page (an
/// HTTP header), if any.
pub(crate) fn decode_html(bytes: &[u8], declared: Option<&str>) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let stated = declared
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .or_else(|| meta_charset(bytes));
    if let Some(enc) = stated {
        // A page cannot really be UTF-16 without a BOM; browsers read such a label as UTF-8.
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            enc
        };
        if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
            return text.into_owned();
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    guess.decode_without_bom_handling(bytes).0.into_owned()
}

/// The charset named by a `<meta charset>` or `<meta http-equiv content="...charset=...">`
/// in the first 4 KB.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"charset") {
        let mut i = from + at + b"charset".len();
        from = i;
        while i < lower.len() && lower[i].is_ascii_whitespace() {
            i += 1;
        }
        if lower.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < lower.len() && matches!(lower[i], b' ' | b'"' | b'\'') {
            i += 1;
        }
        let end = lower[i..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .map_or(lower.len(), |n| i + n);
        if let Some(enc) = Encoding::for_label(&lower[i..end]) {
            return Some(enc);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Extracts the main text and metadata of a page. `page_url` is where the page was found
/// (used when it is absolute). Fails, with a reason, when the page has no text.
pub(crate) fn extract(
    html: &str,
    page_url: Option<&str>,
    keep_comments: bool,
) -> Result<(String, Metadata), String> {
    if html_depth(html, MAX_HTML_DEPTH) > MAX_HTML_DEPTH {
        return Err(format!(
            "the page nests its elements more than {MAX_HTML_DEPTH} deep; refused (parsing it \
             would take time quadratic in the depth)"
        ));
    }
    let cfg = Config {
        text_mode: TextMode::Formatted,
        ..Config::default()
    };
    let base = page_url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let mut readability = match Readability::new(html, base, Some(cfg.clone())) {
        Ok(r) => r,
        Err(_) => Readability::new(html, None, Some(cfg)).map_err(|e| e.to_string())?,
    };
    let doc = &readability.doc;
    let canonical = first_attr(doc, "link[rel~=canonical]", "href")
        .or_else(|| first_attr(doc, "meta[property='og:url']", "content"));
    let date_tag = first_attr(
        doc,
        "meta[name='date'], meta[name='pubdate'], meta[name='publishdate'], \
         meta[name='DC.date.issued'], meta[name='dc.date'], meta[itemprop='datePublished'], \
         meta[property='og:published_time']",
        "content",
    )
    .or_else(|| first_attr(doc, "time[pubdate][datetime]", "datetime"))
    .or_else(|| first_attr(doc, "article time[datetime]", "datetime"))
    .or_else(|| first_attr(doc, "time[datetime]", "datetime"));
    let comments = if keep_comments {
        comment_text(doc)
    } else {
        String::new()
    };
    let fallback_body = body_text(doc);

    let mut meta = Metadata::default();
    let text = match readability.parse() {
        Ok(article) => {
            meta.title = non_empty(article.title);
            meta.source = article.site_name.and_then(non_empty);
            meta.date = article.published_time.and_then(non_empty);
            if canonical.is_none() {
                meta.url = article.url.and_then(non_empty);
            }
            let text = tidy(&article.text_content);
            if text.is_empty() { fallback_body } else { text }
        }
        Err(_) => fallback_body,
    };
    if meta.title.is_none() {
        meta.title = first_text(&Document::from(html), "title");
    }
    meta.date = meta.date.or(date_tag);
    if canonical.is_some() {
        meta.url = canonical;
    }
    let mut text = text;
    if !comments.is_empty() {
        text.push_str("\n\n");
        text.push_str(&comments);
    }
    if text.trim().is_empty() {
        return Err("no text in the page (no body, or only markup)".to_owned());
    }
    Ok((text, meta))
}

/// A page (already decoded) as a document: its text and metadata, `page_url` as above.
pub(crate) fn page_document(
    id: &str,
    html: &str,
    page_url: Option<&str>,
    keep_comments: bool,
) -> Result<ChorusDocument, String> {
    let (text, meta) = extract(html, page_url, keep_comments)?;
    Ok(ChorusDocument {
        id: id.to_owned(),
        text,
        meta,
    })
}

/// The text of an HTML fragment (a feed item's content), paragraphs on their own lines.
pub(crate) fn fragment_text(html: &str) -> String {
    if !html.contains('<') {
        return tidy(&decode_entities(html));
    }
    if html_depth(html, MAX_HTML_DEPTH) > MAX_HTML_DEPTH {
        // too deep to parse in reasonable time: the text between the tags
        return tidy(&decode_entities(&strip_tags(html)));
    }
    let doc = Document::fragment(html);
    doc.select("script, style").remove();
    tidy(&doc.formatted_text())
}

/// The text outside `<...>` tags, each tag replaced by a space (linear, no parsing).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Plain text that may hold character references (`&amp;`): parsed as a fragment.
fn decode_entities(text: &str) -> String {
    if text.contains('&') {
        Document::fragment(text).text().to_string()
    } else {
        text.to_owned()
    }
}

fn non_empty(s: impl Into<String>) -> Option<String> {
    let s: String = s.into();
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn first_attr(doc: &Document, selector: &str, attr: &str) -> Option<String> {
    let sel = doc.try_select(selector)?;
    sel.nodes()
        .iter()
        .filter_map(|n| n.attr(attr))
        .find_map(|v| non_empty(v.to_string()))
}

fn first_text(doc: &Document, selector: &str) -> Option<String> {
    let sel = doc.try_select(selector)?;
    sel.nodes()
        .iter()
        .find_map(|n| non_empty(n.text().to_string()))
}

fn mentions_comment(node: &dom_query::NodeRef<'_>) -> bool {
    ["id", "class"].iter().any(|a| {
        node.attr(a)
            .is_some_and(|v| v.to_ascii_lowercase().contains("comment"))
    })
}

/// The text of the outermost elements whose id or class mentions `comment`.
fn comment_text(doc: &Document) -> String {
    let Some(sel) = doc.try_select("[id*=omment], [class*=omment], [id*=OMMENT], [class*=OMMENT]")
    else {
        return String::new();
    };
    let mut parts = Vec::new();
    for node in sel.nodes() {
        if !mentions_comment(node) || node.ancestors_it(None).any(|a| mentions_comment(&a)) {
            continue;
        }
        let text = tidy(&node.formatted_text());
        if !text.is_empty() {
            parts.push(text);
        }
    }
    parts.join("\n\n")
}

/// The body's text without scripts, styles and page chrome, from a copy of the page.
fn body_text(doc: &Document) -> String {
    let copy = Document::from(doc.html());
    copy.select("script, style, noscript, template, nav, header, footer, aside, form")
        .remove();
    copy.try_select("body")
        .map(|b| tidy(&b.formatted_text()))
        .unwrap_or_default()
}

/// Trims each line, drops runs of blank lines to one, and trims the whole.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets() {
        let latin1 = b"<meta charset=\"iso-8859-1\"><p>caf\xe9</p>";
        assert!(decode_html(latin1, None).contains("café"));
        // Declared UTF-8, saved as windows-1252: detected.
        let wrong = b"<meta charset=utf-8><p>Le caf\xe9 est tr\xe8s bon, d\xe9j\xe0 vu.</p>";
        assert!(decode_html(wrong, None).contains("café"));
        let header = b"<p>caf\xe9</p>";
        assert!(decode_html(header, Some("windows-1252")).contains("café"));
        assert!(decode_html("<p>café</p>".as_bytes(), None).contains("café"));
        let http_equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=KOI8-R\"><p>\xf0\xd2\xc9</p>";
        assert!(decode_html(http_equiv, None).contains("При"));
    }

    #[test]
    fn tidies_lines() {
        assert_eq!(tidy("  a  b \n\n\n c\nd  "), "a b\n\nc\nd");
    }

    #[test]
    fn fragments() {
        assert_eq!(
            fragment_text("<p>One</p><p>Two &amp; three</p>"),
            "One\n\nTwo & three"
        );
        assert_eq!(fragment_text("Fish &amp; chips"), "Fish & chips");
    }
}
