//! How deep an HTML page nests its elements, measured in one linear pass before the page is
//! parsed, so that pathological nesting is refused instead of costing quadratic time.
//!
//! Why: the HTML parser (html5ever, under `dom_query` and `dom_smoothie`) looks through the
//! stack of open elements at most start tags, and Readability walks each node's ancestors,
//! so a page's cost grows with the square of its nesting depth: `<div>` nested 8,000 deep
//! costs 0.7 s to parse and 43 s to extract. Browsers cap the depth too (Blink flattens the
//! tree below 512 levels). [`MAX_HTML_DEPTH`] is that same 512; real pages stay far below
//! it (a few dozen levels).
//!
//! How: a small tokenizer (tags, quoted attributes, comments, raw-text elements such as
//! `script` and `style`) keeps a stack of open element names and applies the tree
//! builder's commonest implied closes, each only where the parser surely makes it: a
//! `p`, `li`, `dd`/`dt`, `option` or table cell on top is closed by the start tags that
//! close it; an end tag closes the element on top of the stack, or the one under a run of
//! elements whose end tags are implied (`<div><p>text</div>`); void elements and
//! self-closing tags inside SVG/MathML never open. Tables count the `tbody` and `tr` the
//! parser adds. The stack never grows past the limit (the scan stops there), so the pass
//! is linear in the page's size.
//!
//! Limits: the measure follows the parser closely for the markup pages are made of, not
//! for every misnesting the HTML standard resolves (the adoption agency, a table opened
//! inside a table outside a cell); markup built to exploit those differences can reach a
//! deeper tree than measured.

/// The deepest nesting of elements a page may have; deeper pages are refused.
pub const MAX_HTML_DEPTH: usize = 512;

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "iframe", "noembed", "noframes", "script", "style", "textarea", "title", "xmp",
];
/// Start tags that close an open `p` on top of the stack.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "dd",
    "dt",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
];
/// Elements whose end tag the parser implies before an enclosing element's end tag.
const IMPLIED_END: &[&str] = &[
    "dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc",
];
const TABLE_INNER: &[&str] = &[
    "caption", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr",
];
/// HTML start tags that end SVG/MathML content.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];
/// SVG/MathML elements whose content is HTML again.
const INTEGRATION: &[&str] = &[
    "annotation-xml",
    "desc",
    "foreignobject",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "title",
];

struct Open {
    name: String,
    foreign: bool,
}

/// The stack of open elements as the scan sees it.
struct Stack {
    open: Vec<Open>,
    deepest: usize,
}

impl Stack {
    fn top_is(&self, names: &[&str]) -> bool {
        self.open
            .last()
            .is_some_and(|o| !o.foreign && names.contains(&o.name.as_str()))
    }

    fn pop_if(&mut self, names: &[&str]) {
        if self.top_is(names) {
            self.open.pop();
        }
    }

    fn push(&mut self, name: &str, foreign: bool) {
        self.open.push(Open {
            name: name.to_owned(),
            foreign,
        });
        self.deepest = self.deepest.max(self.open.len());
    }

    fn in_foreign(&self) -> bool {
        self.open
            .last()
            .is_some_and(|o| o.foreign && !INTEGRATION.contains(&o.name.as_str()))
    }

    fn start(&mut self, name: &str, self_closing: bool) {
        if self.in_foreign() && BREAKOUT.contains(&name) {
            while self.in_foreign() {
                self.open.pop();
            }
        }
        let foreign = name == "svg" || name == "math" || self.in_foreign();
        if foreign {
            if !self_closing {
                self.push(name, true);
            }
            return;
        }
        if CLOSES_P.contains(&name) {
            self.pop_if(&["p"]);
        }
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.pop_if(&["h1", "h2", "h3", "h4", "h5", "h6"]);
            }
            "li" => self.pop_if(&["li"]),
            "dd" | "dt" => self.pop_if(&["dd", "dt"]),
            "option" => self.pop_if(&["option"]),
            "optgroup" => {
                self.pop_if(&["option"]);
                self.pop_if(&["optgroup"]);
            }
            "td" | "th" | "tr" | "tbody" | "thead" | "tfoot" => {
                self.pop_if(&["td", "th"]);
                if name != "td" && name != "th" {
                    self.pop_if(&["tr"]);
                }
                if matches!(name, "tbody" | "thead" | "tfoot") {
                    self.pop_if(&["tbody", "thead", "tfoot"]);
                }
                // the parser's implied tbody and tr
                if name != "tbody" && name != "thead" && name != "tfoot" && self.top_is(&["table"])
                {
                    self.push("tbody", false);
                }
                if (name == "td" || name == "th") && self.top_is(&["tbody", "thead", "tfoot"]) {
                    self.push("tr", false);
                }
            }
            _ => {}
        }
        if !VOID.contains(&name) {
            self.push(name, false);
        }
    }

    fn end(&mut self, name: &str) {
        if matches!(name, "html" | "body" | "head") {
            return;
        }
        let passable: &[&[&str]] = match name {
            "table" => &[IMPLIED_END, TABLE_INNER],
            "tbody" | "thead" | "tfoot" => &[IMPLIED_END, &["tr", "td", "th"]],
            "tr" => &[IMPLIED_END, &["td", "th"]],
            _ => &[IMPLIED_END],
        };
        let mut at = self.open.len();
        while at > 0 {
            let o = &self.open[at - 1];
            if o.name == name {
                self.open.truncate(at - 1);
                return;
            }
            if o.foreign || !passable.iter().any(|set| set.contains(&o.name.as_str())) {
                return;
            }
            at -= 1;
        }
    }
}

/// The deepest nesting of elements in `html`, counted up to `limit + 1` (the scan stops
/// once the limit is passed).
pub(crate) fn html_depth(html: &str, limit: usize) -> usize {
    let b = html.as_bytes();
    let mut stack = Stack {
        open: Vec::new(),
        deepest: 0,
    };
    let mut i = 0;
    while let Some(lt) = memchr(b'<', &b[i..]) {
        i += lt;
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i = find(b, i + 4, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = memchr(b'>', &b[i..]).map_or(b.len(), |e| i + e + 1);
            continue;
        }
        let closing = rest.starts_with(b"</");
        let name_at = i + if closing { 2 } else { 1 };
        if !b.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        let mut j = name_at;
        while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
            j += 1;
        }
        let name = html[name_at..j].to_ascii_lowercase();
        let (end, self_closing) = tag_end(b, j);
        i = end;
        if closing {
            stack.end(&name);
            continue;
        }
        stack.start(&name, self_closing);
        if stack.deepest > limit {
            return stack.deepest;
        }
        if !stack.in_foreign() && RAW_TEXT.contains(&name.as_str()) {
            // skip to the element's end tag, which the next round reads
            let close = format!("</{name}");
            i = find_ignore_case(b, i, close.as_bytes()).unwrap_or(b.len());
        } else if !stack.in_foreign() && name == "plaintext" {
            break;
        }
    }
    stack.deepest
}

/// Where a tag that has its name read up to `j` ends (past its `>`), and whether it ends
/// with `/>`. Quoted attribute values may hold `>`.
fn tag_end(b: &[u8], mut j: usize) -> (usize, bool) {
    let mut quote: Option<u8> = None;
    let mut prev = 0u8;
    while j < b.len() {
        let c = b[j];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => {
                // a quote opens a value only after `=` (allowing spaces)
                let before = b[..j]
                    .iter()
                    .rev()
                    .find(|x| !x.is_ascii_whitespace())
                    .copied();
                if before == Some(b'=') {
                    quote = Some(c);
                }
            }
            None if c == b'>' => return (j + 1, prev == b'/'),
            None => {}
        }
        prev = c;
        j += 1;
    }
    (b.len(), false)
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ignore_case(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(html: &str) -> usize {
        html_depth(html, 10_000)
    }

    #[test]
    fn counts_what_the_parser_builds() {
        assert_eq!(depth("<html><body><div><p>a</p></div></body></html>"), 4);
        assert_eq!(depth("<div><img src=x><br><p>a<p>b<p>c</div>"), 2);
        assert_eq!(depth("<ul><li>a<li>b<li>c</ul><ul><li>d</ul>"), 2);
        assert_eq!(depth("<div><p>unclosed</div><div><p>again</div>"), 2);
        assert_eq!(depth("<table><tr><td>a<td>b<tr><td>c</table><p>x"), 4);
        assert_eq!(
            depth("<script>if (a<b) { x = '<div><div><div>' }</script><p>"),
            1
        );
        assert_eq!(depth("<!-- <div><div><div> --><p title='a>b'>x</p>"), 1);
        assert_eq!(depth("<svg><g/><g/><path/></svg>"), 1);
        assert_eq!(depth("<select><option>a<option>b</select>"), 2);
    }

    #[test]
    fn deep_forms_are_measured() {
        let n = 2000;
        for (open, close) in [
            ("<div>", "</div>"),
            ("<span>", "</span>"),
            ("<div/>", ""),
            ("<b>", ""),
            ("<x-y>", ""),
            ("<ul><li>", ""),
            ("<table><td>", ""),
            ("<svg><foreignObject><div/>", ""),
            ("<svg><p><g/>", ""),
        ] {
            let html = format!("{}x{}", open.repeat(n), close.repeat(n));
            assert!(depth(&html) >= n, "{open}: {}", depth(&html));
        }
    }

    #[test]
    fn stops_past_the_limit() {
        let html = "<div>".repeat(1_000_000);
        assert_eq!(html_depth(&html, MAX_HTML_DEPTH), MAX_HTML_DEPTH + 1);
    }
}
