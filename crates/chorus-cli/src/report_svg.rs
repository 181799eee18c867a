//! The figures of the HTML report, as inline SVG (no script, no external file): a cluster's
//! timeline and the outlet network of propagation.
//!
//! The timeline has one row per outlet and one dot per dated member, on an axis of real
//! dates (UTC): ticks at a round step (a minute … a year) chosen so that at most five fit,
//! labelled with the date, and with the time of day when the step is under a day (then
//! the date only on the first tick and where the day changes). The
//! network has one node per outlet, placed on a circle (biggest first, clockwise from the
//! top), sized by the outlet's copies, and one arrow per ordered pair of outlets with a
//! propagation edge between their documents (`from` certainly earlier than `to`), as wide
//! as the edges it stands for; an outlet's copies of itself are counted on its node, not
//! drawn. Arrows between the same two outlets in both directions bend apart.

use crate::report_html::escape;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One dated member on a timeline.
pub struct Dot<'a> {
    pub time: i64,
    pub outlet: &'a str,
    /// What the dot's tooltip says (already plain text; escaped here).
    pub label: String,
    /// Drawn in the "earliest" colour.
    pub first: bool,
}

/// `t` (seconds since the epoch) as a UTC date, with the time of day if `with_time`.
pub fn format_time(t: i64, with_time: bool) -> String {
    match jiff::Timestamp::from_second(t) {
        Ok(ts) if with_time => ts.strftime("%Y-%m-%d %H:%M").to_string(),
        Ok(ts) => ts.strftime("%Y-%m-%d").to_string(),
        Err(_) => t.to_string(),
    }
}

/// The tick step for a span of `span` seconds: the smallest round step giving at most
/// five ticks.
fn tick_step(span: i64) -> i64 {
    const STEPS: [i64; 16] = [
        60,
        300,
        900,
        1800,
        3600,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86_400,
        2 * 86_400,
        7 * 86_400,
        14 * 86_400,
        30 * 86_400,
        91 * 86_400,
        182 * 86_400,
        365 * 86_400,
    ];
    STEPS
        .into_iter()
        .find(|s| span / s <= 4)
        .unwrap_or(365 * 86_400 * (span / (4 * 365 * 86_400) + 1))
}

/// A timeline: one row per outlet (in order of first appearance), one dot per member.
pub fn timeline(dots: &[Dot]) -> String {
    if dots.is_empty() {
        return String::new();
    }
    let mut outlets: Vec<&str> = Vec::new();
    for d in dots {
        if !outlets.contains(&d.outlet) {
            outlets.push(d.outlet);
        }
    }
    let t0 = dots.iter().map(|d| d.time).min().unwrap_or(0);
    let t1 = dots.iter().map(|d| d.time).max().unwrap_or(0);
    let span = t1 - t0;
    let (left, width, row) = (170.0, 560.0, 22.0);
    let axis_y = 10.0 + row * outlets.len() as f64;
    let height = axis_y + 42.0;
    let x_of = |t: i64| {
        if span == 0 {
            left + width / 2.0
        } else {
            left + width * (t - t0) as f64 / span as f64
        }
    };
    let mut svg = format!(
        r#"<svg class="timeline" viewBox="0 0 760 {height}" width="760" height="{height}" role="img" aria-label="timeline of the copies, {} to {}">"#,
        format_time(t0, true),
        format_time(t1, true)
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
    // the date axis
    let _ = write!(
        svg,
        r#"<line x1="{left}" x2="{}" y1="{axis_y}" y2="{axis_y}" class="axis"/>"#,
        left + width
    );
    let step = tick_step(span.max(1));
    let with_time = step < 86_400;
    let mut tick = t0.div_euclid(step) * step;
    if tick < t0 {
        tick += step;
    }
    let ticks: Vec<i64> = if span == 0 {
        vec![t0]
    } else {
        std::iter::successors(Some(tick), |t| Some(t + step))
            .take_while(|&t| t <= t1)
            .collect()
    };
    let mut day = None;
    for t in ticks {
        let x = x_of(t);
        let date = format_time(t, false);
        let label = if !with_time {
            date.clone()
        } else if day.as_ref() == Some(&date) {
            format_time(t, true)[11..].to_string()
        } else {
            format_time(t, true)
        };
        day = Some(date);
        let anchor = if x < left + 40.0 {
            "start"
        } else if x > left + width - 40.0 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{axis_y}" y2="{}" class="axis"/><text x="{x:.1}" y="{}" text-anchor="{anchor}" class="tick">{}</text>"#,
            axis_y + 4.0,
            axis_y + 16.0,
            label
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{left}" y="{}" class="axis-note">first {} UTC, last {} (+{:.1} h)</text>"#,
        axis_y + 34.0,
        format_time(t0, true),
        format_time(t1, true),
        span as f64 / 3600.0
    );
    for d in dots {
        let i = outlets.iter().position(|x| *x == d.outlet).unwrap_or(0);
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{}" r="5"{}><title>{}</title></circle>"#,
            x_of(d.time),
            20.0 + row * i as f64,
            if d.first { r#" class="first""# } else { "" },
            escape(&d.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Who copied whom, over outlets.
#[derive(Debug, Default)]
pub struct Network {
    /// Copies (cluster members) per outlet.
    pub copies: BTreeMap<String, usize>,
    /// Propagation edges per (from outlet, to outlet), self-copies included.
    pub flows: BTreeMap<(String, String), usize>,
}

impl Network {
    pub fn add_copy(&mut self, outlet: &str) {
        *self.copies.entry(outlet.to_string()).or_default() += 1;
    }

    pub fn add_flow(&mut self, from: &str, to: &str) {
        *self
            .flows
            .entry((from.to_string(), to.to_string()))
            .or_default() += 1;
    }

    /// Edges between two different outlets.
    pub fn cross_flows(&self) -> usize {
        self.flows
            .iter()
            .filter(|((a, b), _)| a != b)
            .map(|(_, n)| n)
            .sum()
    }

    /// The network as SVG, with at most `max_nodes` outlets (those with the most edges,
    /// then the most copies); `id` keeps the arrow marker apart from other figures'.
    pub fn svg(&self, id: &str, max_nodes: usize) -> String {
        let mut degree: BTreeMap<&str, usize> = BTreeMap::new();
        for ((a, b), n) in &self.flows {
            if a != b {
                *degree.entry(a).or_default() += n;
                *degree.entry(b).or_default() += n;
            }
        }
        let mut nodes: Vec<&str> = degree.keys().copied().collect();
        nodes.sort_by(|a, b| {
            (degree[b], self.copies.get(*b))
                .cmp(&(degree[a], self.copies.get(*a)))
                .then(a.cmp(b))
        });
        nodes.truncate(max_nodes);
        if nodes.is_empty() {
            return String::new();
        }
        let n = nodes.len();
        let size = if n <= 6 { 420.0 } else { 640.0 };
        let (cx, cy, r) = (size / 2.0 + 150.0, size / 2.0, size / 2.0 - 70.0);
        let pos: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        let radius = |o: &str| {
            let c = self.copies.get(o).copied().unwrap_or(1) as f64;
            (4.0 + 2.0 * c.sqrt()).min(18.0)
        };
        let mut svg = format!(
            r##"<svg class="network" id="{id}" viewBox="0 0 {w} {size}" width="{w}" height="{size}" role="img" aria-label="outlet network: who copied whom"><defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="head"/></marker></defs>"##,
            w = size + 300.0
        );
        for ((a, b), count) in &self.flows {
            let (Some(i), Some(j)) = (
                nodes.iter().position(|x| x == a),
                nodes.iter().position(|x| x == b),
            ) else {
                continue;
            };
            if i == j {
                continue;
            }
            let ((x1, y1), (x2, y2)) = (pos[i], pos[j]);
            let (dx, dy) = (x2 - x1, y2 - y1);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            // start and end at the nodes' rims; bend to the left of the direction so that
            // the arrows of a pair in both directions do not overlap
            let (sx, sy) = (x1 + ux * radius(a), y1 + uy * radius(a));
            let (ex, ey) = (x2 - ux * (radius(b) + 2.0), y2 - uy * (radius(b) + 2.0));
            let bend = if self.flows.contains_key(&(b.clone(), a.clone())) {
                0.15 * len
            } else {
                0.0
            };
            let (mx, my) = ((sx + ex) / 2.0 + uy * bend, (sy + ey) / 2.0 - ux * bend);
            let _ = write!(
                svg,
                r#"<path d="M{sx:.1} {sy:.1}Q{mx:.1} {my:.1} {ex:.1} {ey:.1}" class="flow" stroke-width="{:.1}" marker-end="url(#{id}-arrow)" data-from="{}" data-to="{}"><title>{} → {}: {count} cop{}</title></path>"#,
                (1.0 + (*count as f64).log2()).min(6.0),
                escape(a),
                escape(b),
                escape(a),
                escape(b),
                if *count == 1 { "y" } else { "ies" }
            );
        }
        for (i, o) in nodes.iter().enumerate() {
            let (x, y) = pos[i];
            let own = self
                .flows
                .get(&(o.to_string(), o.to_string()))
                .copied()
                .unwrap_or(0);
            let (anchor, lx) = if x < cx - 1.0 {
                ("end", x - radius(o) - 4.0)
            } else if x > cx + 1.0 {
                ("start", x + radius(o) + 4.0)
            } else {
                ("middle", x)
            };
            let ly = if (x - cx).abs() <= 1.0 {
                if y < cy {
                    y - radius(o) - 4.0
                } else {
                    y + radius(o) + 12.0
                }
            } else {
                y + 4.0
            };
            let label: String = if o.chars().count() > 22 {
                o.chars().take(21).collect::<String>() + "…"
            } else {
                o.to_string()
            };
            let _ = write!(
                svg,
                r#"<g class="node" data-outlet="{}"><circle cx="{x:.1}" cy="{y:.1}" r="{:.1}"><title>{}: {} cop{}, took {} from others, gave {}{}</title></circle><text x="{lx:.1}" y="{ly:.1}" text-anchor="{anchor}">{}</text></g>"#,
                escape(o),
                radius(o),
                escape(o),
                self.copies.get(*o).copied().unwrap_or(0),
                if self.copies.get(*o) == Some(&1) {
                    "y"
                } else {
                    "ies"
                },
                self.flows
                    .iter()
                    .filter(|((a, b), _)| b == o && a != o)
                    .map(|(_, n)| n)
                    .sum::<usize>(),
                self.flows
                    .iter()
                    .filter(|((a, b), _)| a == o && b != o)
                    .map(|(_, n)| n)
                    .sum::<usize>(),
                if own > 0 {
                    format!(", {own} from itself")
                } else {
                    String::new()
                },
                escape(&label)
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_dates_within_the_span() {
        assert_eq!(tick_step(3600), 900);
        assert_eq!(tick_step(21 * 3600), 6 * 3600);
        assert_eq!(tick_step(3 * 86_400), 86_400);
        assert_eq!(tick_step(60 * 86_400), 14 * 86_400);
        assert_eq!(tick_step(100 * 86_400), 30 * 86_400);
        assert_eq!(format_time(1_709_283_600, true), "2024-03-01 09:00");
        assert_eq!(format_time(1_709_283_600, false), "2024-03-01");
        let dots = [
            Dot {
                time: 1_709_283_600,
                outlet: "Wire",
                label: "a".into(),
                first: true,
            },
            Dot {
                time: 1_709_283_600 + 21 * 3600 + 1440,
                outlet: "Gazette",
                label: "b".into(),
                first: false,
            },
        ];
        let svg = timeline(&dots);
        // ticks every 6 h from the first round hour, dated where the day changes
        let ticks: Vec<&str> = svg
            .split(r#"class="tick">"#)
            .skip(1)
            .map(|t| &t[..t.find('<').unwrap()])
            .collect();
        assert_eq!(
            ticks,
            ["2024-03-01 12:00", "18:00", "2024-03-02 00:00", "06:00"]
        );
        assert!(svg.contains("first 2024-03-01 09:00 UTC, last 2024-03-02 06:24 (+21.4 h)"));
    }

    #[test]
    fn the_network_draws_one_arrow_per_pair_of_outlets_and_no_self_loops() {
        let mut n = Network::default();
        for o in ["Wire", "Wire", "Gazette", "Herald"] {
            n.add_copy(o);
        }
        n.add_flow("Wire", "Gazette");
        n.add_flow("Wire", "Gazette");
        n.add_flow("Wire", "Herald");
        n.add_flow("Herald", "Herald");
        assert_eq!(n.cross_flows(), 3);
        let svg = n.svg("net", 10);
        assert_eq!(svg.matches(r#"class="flow""#).count(), 2, "{svg}");
        assert!(svg.contains(r#"data-from="Wire" data-to="Gazette""#));
        assert!(svg.contains("Wire → Gazette: 2 copies"));
        assert_eq!(svg.matches(r#"<g class="node""#).count(), 3);
        assert!(svg.contains("Herald: 1 copy, took 1 from others, gave 0, 1 from itself"));
        assert_eq!(Network::default().svg("x", 10), "");
    }
}
