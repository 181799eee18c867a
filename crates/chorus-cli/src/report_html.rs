//! The HTML report of `chorus report`: one self-contained file (inline CSS, one inline
//! script, inline SVG; nothing loaded from elsewhere) that links out to the articles.
//!
//! It opens with the outlet network of propagation over the clusters shown (who copied
//! whom, [`crate::report_svg::Network`]) and an overview table, one row per cluster: its
//! headline (the title of its earliest, else first titled, member; else the start of the
//! passage), copies, outlets, earliest copy and the coordination flag. A search box and
//! filters (coordinated only, one outlet) narrow the table and the cluster sections
//! together, in the page's script; without script everything is shown. Each cluster is a
//! collapsed `<details>` section (opened from the overview), so a report of many clusters
//! reads as a list, not one wall of text: evidence of coordination, the earliest copy, a
//! timeline on a date axis, the propagation edges, the first two copies side by side and
//! every copy with its headline, linked to its URL (http and https URLs only), outlet,
//! date and use (quoted and attributed, credited, or copied without credit). All document
//! text is escaped.

use crate::excerpt::Excerpt;
use crate::report_svg::{Dot, Network, format_time, timeline};
use chorus_core::Corpus;
use chorus_core::document::parse_timestamp;
use chorus_core::report::{Cluster, ClusterMember, EarliestUnknown, Report, round3};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The member's text with the shared part in `<mark>`, with some context.
fn excerpt(text: &str, m: &ClusterMember) -> String {
    let ex = Excerpt::new(text, m.begin, m.end, 200);
    format!(
        "{}{}<mark>{}</mark>{}{}",
        if ex.cut_before { "… " } else { "" },
        escape(ex.before),
        escape(ex.shared),
        escape(ex.after),
        if ex.cut_after { " …" } else { "" },
    )
}

/// How a member took the passage over.
pub fn how(m: &ClusterMember) -> String {
    match (&m.attribution, &m.credit) {
        (Some(a), _) if m.quoted => format!("quoted, attributed to {a}"),
        _ if m.quoted => "quoted".into(),
        (_, Some(c)) => format!("credited to {c}"),
        _ => "copied without credit".into(),
    }
}

/// A URL that may be a link target: http or https only (never `javascript:`).
fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then_some(u)
}

/// The first `n` characters of `s` on one line, with an ellipsis if cut.
fn shorten(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= n {
        one
    } else {
        one.chars().take(n).collect::<String>() + "…"
    }
}

/// What the corpus knows of a document: its title and link target.
struct DocInfo<'a> {
    title: Option<&'a str>,
    url: Option<&'a str>,
}

struct Docs<'a> {
    corpus: &'a dyn Corpus,
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Docs<'a> {
    fn info(&self, id: &str) -> DocInfo<'a> {
        match self.by_id.get(id) {
            Some(&i) => {
                let m = self.corpus.meta(i);
                DocInfo {
                    title: m.title.as_deref().filter(|t| !t.trim().is_empty()),
                    url: m.url.as_deref().and_then(safe_url),
                }
            }
            None => DocInfo {
                title: None,
                url: None,
            },
        }
    }

    /// The document's headline (its title, else its id), linked to its URL if it has one.
    fn headline(&self, id: &str) -> String {
        let info = self.info(id);
        let text = match info.title {
            Some(t) => format!("{} <small class=\"id\">{}</small>", escape(t), escape(id)),
            None => escape(id),
        };
        match info.url {
            Some(u) => format!(
                "<a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{text}</a>",
                escape(u)
            ),
            None => text,
        }
    }
}

/// The cluster's headline: the title of its earliest member, else of its first titled
/// member, else the start of its passage.
fn cluster_headline(c: &Cluster, docs: &Docs) -> String {
    let earliest = c.earliest.as_ref().map(|e| e.doc.as_str());
    earliest
        .into_iter()
        .chain(c.members.iter().map(|m| m.doc.as_str()))
        .find_map(|d| docs.info(d).title)
        .map(|t| shorten(t, 120))
        .unwrap_or_else(|| shorten(&c.text, 120))
}

fn outlet(m: &ClusterMember) -> &str {
    m.source.as_deref().unwrap_or("?")
}

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Renders the report as one self-contained HTML page.
pub fn render_html(
    report: &Report,
    corpus: &dyn Corpus,
    coordinated_only: bool,
    limit: usize,
) -> chorus_core::Result<String> {
    let docs = Docs {
        corpus,
        by_id: (0..corpus.len()).map(|i| (corpus.id(i), i)).collect(),
    };
    let mut clusters: Vec<&Cluster> = report
        .clusters
        .iter()
        .filter(|c| !coordinated_only || c.coordinated)
        .collect();
    clusters.sort_by(|a, b| {
        (b.coordinated, b.members.len(), std::cmp::Reverse(a.id)).cmp(&(
            a.coordinated,
            a.members.len(),
            std::cmp::Reverse(b.id),
        ))
    });
    if limit > 0 {
        clusters.truncate(limit);
    }
    let coordinated = report.clusters.iter().filter(|c| c.coordinated).count();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>chorus report</title><style>{STYLE}</style></head><body><h1>chorus report</h1>\
         <p>{} documents, {} clusters of shared passages ({} coordinated), {} aligned passages{}.</p>\
         <nav><a href=\"#overview\">Overview</a> · <a href=\"#network\">Outlet network</a> · \
         <a href=\"#clusters\">Clusters</a></nav>",
        report.stats.documents,
        report.clusters.len(),
        coordinated,
        report.stats.passages,
        if clusters.len() < report.clusters.len() {
            format!("; {} clusters shown", clusters.len())
        } else {
            String::new()
        }
    );

    // the outlet network over the clusters shown
    let mut net = Network::default();
    for c in &clusters {
        for m in &c.members {
            net.add_copy(outlet(m));
        }
        let source_of: HashMap<&str, &str> = c
            .members
            .iter()
            .map(|m| (m.doc.as_str(), outlet(m)))
            .collect();
        for e in &c.propagation {
            if let (Some(a), Some(b)) =
                (source_of.get(e.from.as_str()), source_of.get(e.to.as_str()))
            {
                net.add_flow(a, b);
            }
        }
    }
    h.push_str("<section id=\"network\"><h2>Outlet network</h2>");
    let figure = net.svg("network-all", 40);
    if figure.is_empty() {
        h.push_str(
            "<p class=\"muted\">No propagation between outlets: no copy is certainly later \
             than a copy of another outlet (members undated, or dated alike).</p>",
        );
    } else {
        let _ = write!(
            h,
            "<p class=\"muted\">Who copied whom: an arrow from outlet A to outlet B for each \
             copy in B whose likeliest source is an earlier copy in A ({} such copies over {} \
             outlets; node size: copies). Hover for counts.</p>{figure}",
            net.cross_flows(),
            net.copies.len()
        );
    }
    h.push_str("</section>");

    // the overview, with search and filters
    let outlets: BTreeSet<&str> = clusters
        .iter()
        .flat_map(|c| c.members.iter().filter_map(|m| m.source.as_deref()))
        .collect();
    h.push_str(
        "<section id=\"overview\"><h2>Overview</h2><form class=\"filters\" id=\"filters\">\
         <input type=\"search\" id=\"q\" placeholder=\"Search headlines, passages, outlets, ids\" \
         aria-label=\"search\"><label><input type=\"checkbox\" id=\"coord\"> coordinated only</label>\
         <select id=\"outlet\" aria-label=\"outlet\"><option value=\"\">all outlets</option>",
    );
    for o in &outlets {
        let _ = write!(h, "<option>{}</option>", escape(o));
    }
    let _ = write!(
        h,
        "</select> <button type=\"button\" id=\"open-all\">open all</button> \
         <button type=\"button\" id=\"close-all\">close all</button> \
         <span id=\"shown\" class=\"muted\">{n} of {n} clusters</span></form>\
         <table id=\"overview-table\"><thead><tr><th>#</th><th>headline</th><th>copies</th>\
         <th>outlets</th><th>earliest</th><th>coordinated</th></tr></thead><tbody>",
        n = clusters.len()
    );
    for c in &clusters {
        let sources: BTreeSet<&str> = c
            .members
            .iter()
            .filter_map(|m| m.source.as_deref())
            .collect();
        let headline = cluster_headline(c, &docs);
        let search = format!(
            "{headline} {} {} {}",
            shorten(&c.text, 400),
            sources.iter().copied().collect::<Vec<_>>().join(" "),
            c.members
                .iter()
                .map(|m| m.doc.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
        .to_lowercase();
        let earliest = match &c.earliest {
            Some(e) => format!(
                "{} <small>{}</small>",
                escape(e.source.as_deref().unwrap_or(&e.doc)),
                escape(e.date.as_deref().unwrap_or(""))
            ),
            None => "<span class=\"muted\">unknown</span>".into(),
        };
        let _ = write!(
            h,
            "<tr data-cluster=\"{id}\" data-coord=\"{}\" data-outlets=\"{}\" data-search=\"{}\">\
             <td><a href=\"#cluster-{id}\">{id}</a></td><td><a href=\"#cluster-{id}\">{}</a></td>\
             <td>{}</td><td>{}</td><td>{earliest}</td><td>{}</td></tr>",
            u8::from(c.coordinated),
            escape(&sources.iter().copied().collect::<Vec<_>>().join("\n")),
            escape(&search),
            escape(&headline),
            c.members.len(),
            sources.len(),
            if c.coordinated {
                "<span class=\"badge coord\">yes</span>"
            } else {
                "no"
            },
            id = c.id,
        );
    }
    h.push_str("</tbody></table></section><section id=\"clusters\"><h2>Clusters</h2>");
    for c in &clusters {
        cluster_section(&mut h, c, &docs)?;
    }
    let _ = writeln!(h, "</section><script>{SCRIPT}</script></body></html>");
    Ok(h)
}

/// One cluster as a collapsed `<details>` section.
fn cluster_section(h: &mut String, c: &Cluster, docs: &Docs) -> chorus_core::Result<()> {
    let sources: BTreeSet<&str> = c
        .members
        .iter()
        .filter_map(|m| m.source.as_deref())
        .collect();
    let _ = write!(
        h,
        "<details class=\"cluster\" id=\"cluster-{id}\" data-cluster=\"{id}\"><summary>\
         <b>Cluster {id}</b> {} <span class=\"badge\">{} copies</span> \
         <span class=\"badge\">{} outlets</span>{}</summary>",
        escape(&cluster_headline(c, docs)),
        c.members.len(),
        sources.len(),
        if c.coordinated {
            " <span class=\"badge coord\">coordinated</span>"
        } else {
            ""
        },
        id = c.id
    );
    if let Some(co) = &c.coordination {
        let _ = write!(
            h,
            "<p>Busiest window: {} distinct sources within {:.1} h, {} to {} UTC ({}); \
             coordination score {:.2}.</p>",
            co.sources_in_window,
            (co.window_end - co.window_start) as f64 / 3600.0,
            format_time(co.window_start, true),
            format_time(co.window_end, true),
            escape(&co.outlets.join(", ")),
            round3(c.coordination_score)
        );
    }
    match (&c.earliest, &c.earliest_unknown) {
        (Some(e), _) => {
            let _ = write!(
                h,
                "<p>Earliest: <b>{}</b> {} {}</p>",
                docs.headline(&e.doc),
                escape(e.source.as_deref().unwrap_or("")),
                escape(e.date.as_deref().unwrap_or(""))
            );
        }
        (None, Some(EarliestUnknown::Tie { docs: tied })) => {
            let _ = write!(
                h,
                "<p>Earliest: unknown (tie: {} could each be first)</p>",
                escape(&tied.join(", "))
            );
        }
        (None, _) => h.push_str("<p>Earliest: unknown (undated)</p>"),
    }
    let earliest = c.earliest.as_ref().map(|e| e.doc.as_str());
    let dots: Vec<Dot> = c
        .members
        .iter()
        .filter_map(|m| {
            let time = parse_timestamp(m.date.as_deref()?)?;
            Some(Dot {
                time,
                outlet: outlet(m),
                label: format!(
                    "{} {} {}",
                    outlet(m),
                    m.date.as_deref().unwrap_or(""),
                    m.doc
                ),
                first: Some(m.doc.as_str()) == earliest,
            })
        })
        .collect();
    h.push_str(&timeline(&dots));
    if !c.propagation.is_empty() {
        let source_of: HashMap<&str, &str> = c
            .members
            .iter()
            .map(|m| (m.doc.as_str(), outlet(m)))
            .collect();
        h.push_str("<p class=\"edges\">Likely path: ");
        for (i, e) in c.propagation.iter().enumerate() {
            let _ = write!(
                h,
                "{}<span title=\"{} → {}, similarity {:.2}\">{} → {}</span>",
                if i > 0 { "; " } else { "" },
                escape(&e.from),
                escape(&e.to),
                e.score,
                escape(source_of.get(e.from.as_str()).unwrap_or(&"?")),
                escape(source_of.get(e.to.as_str()).unwrap_or(&"?")),
            );
        }
        h.push_str("</p>");
    }
    // side by side: the first two members (the earliest first, when it is known)
    if c.members.len() >= 2 {
        h.push_str("<div class=\"pair\">");
        for m in &c.members[..2] {
            if let Some(&d) = docs.by_id.get(m.doc.as_str()) {
                let text = docs.corpus.text(d)?;
                let _ = write!(
                    h,
                    "<div><b>{}</b> <small>{} {} · {}</small><p>{}</p></div>",
                    docs.headline(&m.doc),
                    escape(m.source.as_deref().unwrap_or("")),
                    escape(m.date.as_deref().unwrap_or("")),
                    escape(&how(m)),
                    excerpt(&text, m)
                );
            }
        }
        h.push_str("</div>");
    }
    h.push_str(
        "<table><tr><th>copy</th><th>outlet</th><th>date</th><th>use</th><th>text</th></tr>",
    );
    for m in &c.members {
        let text = match docs.by_id.get(m.doc.as_str()) {
            Some(&d) => excerpt(&docs.corpus.text(d)?, m),
            None => String::new(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"use {}\">{}</span></td><td>{}</td></tr>",
            docs.headline(&m.doc),
            escape(m.source.as_deref().unwrap_or("")),
            escape(m.date.as_deref().unwrap_or("")),
            escape(&m.reuse),
            escape(&how(m)),
            text
        );
    }
    h.push_str("</table></details>");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_become_links() {
        assert_eq!(
            safe_url(" https://a.example/x "),
            Some("https://a.example/x")
        );
        assert_eq!(safe_url("HTTP://a.example/"), Some("HTTP://a.example/"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(safe_url("http:"), None);
    }

    #[test]
    fn shorten_keeps_whole_characters_on_one_line() {
        assert_eq!(shorten("a\n b  c", 10), "a b c");
        assert_eq!(shorten("日本語のテキスト", 3), "日本語…");
    }
}
