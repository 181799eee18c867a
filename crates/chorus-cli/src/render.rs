//! The terminal report: each cluster with its earliest member (or why it is unknown:
//! undated, or a tie) and its members with the shared text highlighted in its context. Colour only when asked for or when stdout is a terminal and `NO_COLOR` is
//! unset; without colour the shared text is marked with ⟦ ⟧.

use crate::excerpt::{Excerpt, head_and_tail, one_line};
use anstyle::{AnsiColor, Style};
use chorus_core::report::{Cluster, EarliestUnknown, Report};
use chorus_core::{Corpus, Span};
use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The `--color` of this run (a flag of every command), set once by `main`.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether text written to standard output is coloured in this run.
pub fn color_enabled() -> bool {
    COLOR.get().copied().unwrap_or(ColorChoice::Auto).enabled()
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        }
    }
}

const WIDTH: usize = 96;
const CONTEXT: usize = 60;
const LONG: usize = 900;

struct Styles {
    color: bool,
    header: Style,
    doc: Style,
    shared: Style,
    context: Style,
}

impl Styles {
    fn new(color: bool) -> Styles {
        Styles {
            color,
            header: Style::new().bold(),
            doc: Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            shared: Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            context: Style::new().dimmed(),
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

/// Words of `text`, each tagged with whether it is shared text.
fn words(text: &str, shared: bool, out: &mut Vec<(String, bool)>) {
    out.extend(text.split_whitespace().map(|w| (w.to_string(), shared)));
}

/// The member's text in context, as styled and wrapped lines.
fn excerpt(text: &str, span: Span, st: &Styles, indent: &str) -> Vec<String> {
    let ex = Excerpt::new(text, span.begin, span.end, CONTEXT);
    let mut tagged: Vec<(String, bool)> = Vec::new();
    if ex.cut_before {
        tagged.push(("…".to_string(), false));
    }
    // context words cut in half at the window edge are dropped
    let pre = if ex.cut_before {
        ex.before
            .split_once(char::is_whitespace)
            .map_or("", |x| x.1)
    } else {
        ex.before
    };
    words(pre, false, &mut tagged);
    if let Some((head, tail)) = head_and_tail(ex.shared, LONG / 2) {
        words(head, true, &mut tagged);
        tagged.push(("[…]".to_string(), false));
        words(tail, true, &mut tagged);
    } else {
        words(ex.shared, true, &mut tagged);
    }
    let post = if ex.cut_after {
        ex.after
            .rsplit_once(char::is_whitespace)
            .map_or("", |x| x.0)
    } else {
        ex.after
    };
    words(post, false, &mut tagged);
    if ex.cut_after {
        tagged.push(("…".to_string(), false));
    }
    // mark the shared run when there is no colour
    if !st.color {
        if let Some(first) = tagged.iter().position(|w| w.1) {
            tagged[first].0.insert(0, '⟦');
        }
        if let Some(last) = tagged.iter().rposition(|w| w.1) {
            tagged[last].0.push('⟧');
        }
    }
    let mut lines = Vec::new();
    let mut line = String::from(indent);
    let mut width = indent.chars().count();
    for (w, is_shared) in tagged {
        let wlen = w.chars().count();
        if width + 1 + wlen > WIDTH && width > indent.len() {
            lines.push(std::mem::replace(&mut line, String::from(indent)));
            width = indent.chars().count();
        }
        if width > indent.chars().count() {
            line.push(' ');
            width += 1;
        }
        let style = if is_shared { st.shared } else { st.context };
        line.push_str(&st.paint(style, &w));
        width += wlen;
    }
    if width > indent.chars().count() {
        lines.push(line);
    }
    lines
}

fn hours(secs: i64) -> String {
    if secs < 3600 {
        format!("{} min", (secs + 59) / 60)
    } else {
        format!("{:.1} h", secs as f64 / 3600.0)
    }
}

/// The earliest member, or why it is unknown; with the number of undated member documents
/// when the order leaves some out.
fn earliest(c: &Cluster) -> String {
    let mut out = match (&c.earliest, &c.earliest_unknown) {
        (Some(e), _) => {
            let when: Vec<&str> = [e.source.as_deref(), e.date.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            format!("{} ({})", e.doc, when.join(", "))
        }
        (None, Some(EarliestUnknown::Tie { docs })) => {
            format!("unknown (tie: {} could each be first)", docs.join(", "))
        }
        (None, _) => "unknown (undated)".to_string(),
    };
    if c.undated > 0 && c.earliest_unknown != Some(EarliestUnknown::Undated) {
        let s = if c.undated == 1 { "" } else { "s" };
        out.push_str(&format!("; {} undated document{s} not ordered", c.undated));
    }
    out
}

/// Whether `c` belongs to a script written without spaces between words (as the
/// tokenizer counts them: one word per character).
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F // Han
    )
}

/// The length of a passage for the cluster header: "1 word", "12 words", or, for text in
/// a script written without spaces, its letters and digits as "N characters".
pub fn length(text: &str) -> String {
    if text.chars().any(unspaced) {
        let n = text.chars().filter(|c| c.is_alphanumeric()).count();
        return format!("{n} character{}", if n == 1 { "" } else { "s" });
    }
    let n = text.split_whitespace().count();
    format!("{n} word{}", if n == 1 { "" } else { "s" })
}

/// `text` in `style` when `color`.
pub fn paint(style: Style, text: &str, color: bool) -> String {
    Styles::new(color).paint(style, text)
}

/// Writes the human-readable report.
pub fn render_report<W: Write>(
    w: &mut W,
    report: &Report,
    docs: &dyn Corpus,
    skipped: usize,
    color: bool,
) -> io::Result<()> {
    let st = Styles::new(color);
    let by_id: HashMap<&str, usize> = (0..docs.len()).map(|i| (docs.id(i), i)).collect();
    for c in &report.clusters {
        let first = &c.members[0];
        let words = match by_id.get(first.doc.as_str()) {
            Some(&d) => length(&docs.text(d).map_err(io::Error::other)?[first.begin..first.end]),
            None => length(""),
        };
        let n_docs = {
            let mut ds: Vec<&str> = c.members.iter().map(|m| m.doc.as_str()).collect();
            ds.dedup();
            ds.len()
        };
        let mut header = format!("Cluster {} · {} documents · {words}", c.id, n_docs);
        if c.coordinated
            && let Some(co) = &c.coordination
        {
            header.push_str(&format!(
                " · COORDINATED: {} sources within {}",
                co.sources_in_window,
                hours(co.window_end - co.window_start)
            ));
        }
        writeln!(w, "{}", st.paint(st.header, &header))?;
        writeln!(w, "  earliest: {}", earliest(c))?;
        for m in &c.members {
            let Some(&doc) = by_id.get(m.doc.as_str()) else {
                continue;
            };
            let mut label = st.paint(st.doc, &m.doc);
            let meta: Vec<&str> = [m.source.as_deref(), m.date.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !meta.is_empty() {
                label.push_str(&format!(" ({})", meta.join(", ")));
            }
            let how = match (&m.attribution, &m.credit) {
                (Some(a), _) if m.quoted => format!("quoted, attributed to {a}"),
                _ if m.quoted => "quoted".to_string(),
                (_, Some(c)) => format!("credited to {c}"),
                _ => "copied".to_string(),
            };
            writeln!(w, "  {label}  bytes {}..{}  {how}", m.begin, m.end)?;
            let text = docs.text(doc).map_err(io::Error::other)?;
            for line in excerpt(&text, Span::new(m.begin, m.end), &st, "    ") {
                writeln!(w, "{line}")?;
            }
        }
        writeln!(w)?;
    }
    if !report.formulas.is_empty() {
        writeln!(
            w,
            "{}",
            st.paint(
                st.header,
                "Formulas (frames shared with different specifics, kept out of the clusters)"
            )
        )?;
        for f in &report.formulas {
            let text = f.text.split_whitespace().collect::<Vec<_>>().join(" ");
            writeln!(
                w,
                "  {} documents · {} outlets · {}",
                f.documents,
                f.outlets,
                one_line(&text, 160)
            )?;
        }
        writeln!(w)?;
    }
    if !report.boilerplate.is_empty() {
        writeln!(
            w,
            "{}",
            st.paint(st.header, "Boilerplate (kept out of the clusters)")
        )?;
        for b in &report.boilerplate {
            writeln!(
                w,
                "  {} · {} documents · {}",
                b.source.as_deref().unwrap_or("?"),
                b.members.len(),
                b.text.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
        }
        writeln!(w)?;
    }
    let s = &report.stats;
    let docs_sharing = report.documents.len();
    writeln!(
        w,
        "{} passage{} shared in {} cluster{}, across {} of {} documents{}{}.",
        s.passages,
        if s.passages == 1 { "" } else { "s" },
        s.clusters,
        if s.clusters == 1 { "" } else { "s" },
        docs_sharing,
        s.documents,
        match s.formula_passages {
            0 => String::new(),
            1 => "; 1 passage of formulaic language kept out".to_string(),
            n => format!("; {n} passages of formulaic language kept out"),
        },
        if skipped > 0 {
            format!(" ({skipped} input(s) skipped)")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_in_words_or_characters() {
        assert_eq!(length("one"), "1 word");
        assert_eq!(length("two words"), "2 words");
        assert_eq!(length("中华人民共和国，今天"), "9 characters");
        assert_eq!(length("字"), "1 character");
        assert_eq!(length("東京で 3 人"), "5 characters");
    }
}
