//! `chorus report`: a self-contained HTML report (clusters, timelines, side-by-side text,
//! coordination evidence) and, with `--csv`, one CSV row per cluster member.

use crate::excerpt::Excerpt;
use crate::exit_code;
use crate::load::{CorpusArgs, SourceArgs, load_and_find};
use anyhow::Context;
use chorus_core::Corpus;
use chorus_core::document::parse_timestamp;
use chorus_core::report::{Cluster, ClusterMember, EarliestUnknown, Report, round3};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The HTML file to write.
    #[arg(short, long, default_value = "chorus-report.html")]
    pub out: PathBuf,
    /// Also write one CSV row per cluster member to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Only coordinated clusters.
    #[arg(long)]
    pub coordinated_only: bool,
    /// At most this many clusters in the HTML (largest first); 0 for all.
    #[arg(long, default_value_t = 500)]
    pub limit: usize,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

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

fn how(m: &ClusterMember) -> String {
    match (&m.attribution, &m.credit) {
        (Some(a), _) if m.quoted => format!("quoted, attributed to {a}"),
        _ if m.quoted => "quoted".into(),
        (_, Some(c)) => format!("credited to {c}"),
        _ => "copied without credit".into(),
    }
}

/// A timeline: one row per outlet, one dot per member at its time.
fn timeline(c: &Cluster) -> String {
    let points: Vec<(i64, String, &str)> = c
        .members
        .iter()
        .filter_map(|m| {
            let t = parse_timestamp(m.date.as_deref()?)?;
            Some((
                t,
                m.source.clone().unwrap_or_else(|| "?".into()),
                m.doc.as_str(),
            ))
        })
        .collect();
    if points.is_empty() {
        return String::new();
    }
    let mut outlets: Vec<String> = Vec::new();
    for p in &points {
        if !outlets.contains(&p.1) {
            outlets.push(p.1.clone());
        }
    }
    let (t0, t1) = (
        points.iter().map(|p| p.0).min().unwrap_or(0),
        points.iter().map(|p| p.0).max().unwrap_or(0),
    );
    let span = (t1 - t0).max(1) as f64;
    let (left, width, row) = (170.0, 560.0, 22.0);
    let height = row * outlets.len() as f64 + 40.0;
    let mut svg = format!(
        r#"<svg class="timeline" viewBox="0 0 760 {height}" width="760" height="{height}" role="img" aria-label="timeline">"#
    );
    for (i, o) in outlets.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" class="outlet">{}</text><line x1="{left}" x2="{}" y1="{y}" y2="{y}" class="row"/>"#,
            left - 8.0,
            y + 4.0,
            escape(o),
            left + width
        );
    }
    for (t, o, doc) in &points {
        let i = outlets.iter().position(|x| x == o).unwrap_or(0);
        let x = left + width * (t - t0) as f64 / span;
        let y = 20.0 + row * i as f64;
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y}" r="5"><title>{}</title></circle>"#,
            escape(doc)
        );
    }
    let hours = (t1 - t0) as f64 / 3600.0;
    let _ = write!(
        svg,
        r#"<text x="{left}" y="{}" class="axis">first</text><text x="{}" y="{}" text-anchor="end" class="axis">+{hours:.1} h</text></svg>"#,
        height - 6.0,
        left + width,
        height - 6.0
    );
    svg
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.5em}section{border-top:2px solid #ddd;padding:1em 0}\
.badge{display:inline-block;padding:.1em .5em;border-radius:.3em;background:#eee;font-size:.85em}\
.coord{background:#c62828;color:#fff}mark{background:#ffe066}\
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.pair div{background:#fafafa;padding:.6em;border:1px solid #eee}\
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-bottom:1px solid #eee;padding:.3em;text-align:left;vertical-align:top}\
.timeline .row{stroke:#eee}.timeline circle{fill:#1565c0}.timeline text{font-size:11px;fill:#555}";

/// Renders the report as one self-contained HTML page.
pub fn render_html(
    report: &Report,
    docs: &dyn Corpus,
    coordinated_only: bool,
    limit: usize,
) -> chorus_core::Result<String> {
    let by_id: HashMap<&str, usize> = (0..docs.len()).map(|i| (docs.id(i), i)).collect();
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
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>chorus report</title>\
         <style>{STYLE}</style></head><body><h1>chorus report</h1><p>{} documents, {} clusters of shared \
         passages ({} coordinated), {} aligned passages.</p>",
        report.stats.documents,
        report.clusters.len(),
        coordinated,
        report.stats.passages
    );
    for c in clusters {
        let sources: std::collections::BTreeSet<&str> = c
            .members
            .iter()
            .filter_map(|m| m.source.as_deref())
            .collect();
        let _ = write!(
            h,
            "<section id=\"cluster-{}\"><h2>Cluster {} <span class=\"badge\">{} members</span> \
             <span class=\"badge\">{} sources</span>{}</h2>",
            c.id,
            c.id,
            c.members.len(),
            sources.len(),
            if c.coordinated {
                " <span class=\"badge coord\">coordinated</span>"
            } else {
                ""
            }
        );
        if let Some(co) = &c.coordination {
            let _ = write!(
                h,
                "<p>Busiest window: {} distinct sources within {:.1} h ({}); coordination score {:.2}.</p>",
                co.sources_in_window,
                (co.window_end - co.window_start) as f64 / 3600.0,
                escape(&co.outlets.join(", ")),
                round3(c.coordination_score)
            );
        }
        match (&c.earliest, &c.earliest_unknown) {
            (Some(e), _) => {
                let _ = write!(
                    h,
                    "<p>Earliest: <b>{}</b> {} {}</p>",
                    escape(&e.doc),
                    escape(e.source.as_deref().unwrap_or("")),
                    escape(e.date.as_deref().unwrap_or(""))
                );
            }
            (None, Some(EarliestUnknown::Tie { docs })) => {
                let _ = write!(
                    h,
                    "<p>Earliest: unknown (tie: {} could each be first)</p>",
                    escape(&docs.join(", "))
                );
            }
            (None, _) => h.push_str("<p>Earliest: unknown (undated)</p>"),
        }
        h.push_str(&timeline(c));
        // side by side: the first two members (the earliest first, when it is known)
        if c.members.len() >= 2 {
            h.push_str("<div class=\"pair\">");
            for m in &c.members[..2] {
                if let Some(&d) = by_id.get(m.doc.as_str()) {
                    let text = docs.text(d)?;
                    let _ = write!(
                        h,
                        "<div><b>{}</b> <small>{} {}</small><p>{}</p></div>",
                        escape(&m.doc),
                        escape(m.source.as_deref().unwrap_or("")),
                        escape(m.date.as_deref().unwrap_or("")),
                        excerpt(&text, m)
                    );
                }
            }
            h.push_str("</div>");
        }
        h.push_str("<table><tr><th>document</th><th>source</th><th>date</th><th>use</th><th>text</th></tr>");
        for m in &c.members {
            let text = match by_id.get(m.doc.as_str()) {
                Some(&d) => excerpt(&docs.text(d)?, m),
                None => String::new(),
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&m.doc),
                escape(m.source.as_deref().unwrap_or("")),
                escape(m.date.as_deref().unwrap_or("")),
                escape(&how(m)),
                text
            );
        }
        h.push_str("</table></section>");
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

/// Writes one CSV row per cluster member.
pub fn write_csv(path: &PathBuf, report: &Report) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    w.write_record([
        "cluster",
        "coordinated",
        "coordination_score",
        "doc",
        "source",
        "date",
        "begin",
        "end",
        "quoted",
        "attribution",
        "credit",
        "reuse",
        "earliest",
        "text",
    ])?;
    for c in &report.clusters {
        let earliest = c.earliest.as_ref().map(|e| e.doc.as_str()).unwrap_or("");
        for m in &c.members {
            w.write_record([
                c.id.to_string(),
                c.coordinated.to_string(),
                round3(c.coordination_score).to_string(),
                m.doc.clone(),
                m.source.clone().unwrap_or_default(),
                m.date.clone().unwrap_or_default(),
                m.begin.to_string(),
                m.end.to_string(),
                m.quoted.to_string(),
                m.attribution.clone().unwrap_or_default(),
                m.credit.clone().unwrap_or_default(),
                m.reuse.clone(),
                (m.doc == earliest).to_string(),
                c.text.clone(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

pub fn run(args: &ReportArgs) -> anyhow::Result<i32> {
    let (loaded, report) = load_and_find(
        &args.source,
        &args.corpus,
        &args.corpus.tuning.config(),
        args.quiet,
    )?;
    let html = render_html(
        &report,
        &*loaded.work.docs,
        args.coordinated_only,
        args.limit,
    )?;
    std::fs::write(&args.out, html).with_context(|| format!("writing {}", args.out.display()))?;
    if let Some(csv) = &args.csv {
        write_csv(csv, &report)?;
    }
    if !args.quiet {
        eprintln!(
            "chorus: wrote {} ({} clusters)",
            args.out.display(),
            report.clusters.len()
        );
    }
    Ok(exit_code(loaded.skipped, !report.clusters.is_empty()))
}
