//! The flat member table of `find`: one row per reprint (a cluster member), as passim
//! writes its clusters and as its users load them into a data frame.
//!
//! Columns: `cluster`, `size` (member count), `id`, `series` (the outlet: the document's
//! `source`, else its URL's host, as in the JSON report), `date`, `begin`, `end`
//! (character offsets, counted in Unicode scalar values, into the document's text, as
//! passim gives them), `byte_begin`, `byte_end` (the same span in UTF-8 bytes, chorus's
//! own offsets), `text` (the passage as printed there), `title`, `url`, `quoted`,
//! `reuse` (`copy`, `quotation` or `credited`), and `pages` when any member document has
//! OCR pages.
//!
//! OCR coordinates follow passim's input format: a document's `pages` is a list of page
//! objects, each with a `regions` list of `{"start", "length", "coords": {...}}`, where
//! `start` and `length` are character offsets into the document's text. A member's
//! `pages` keeps, of each page, its other fields and only the regions that overlap the
//! member's character span, and leaves out pages with no such region; it is null when none
//! overlap. Regions without a numeric `start`/`length` are left out.

use super::table::{Cell, Table};
use chorus_core::Corpus;
use chorus_core::report::Report;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The member table's columns, in order.
pub const COLUMNS: &[&str] = &[
    "cluster",
    "size",
    "id",
    "series",
    "date",
    "begin",
    "end",
    "byte_begin",
    "byte_end",
    "text",
    "title",
    "url",
    "quoted",
    "reuse",
    "pages",
];

/// The member table of `report` over the documents it was found in.
pub fn member_table(report: &Report, docs: &dyn Corpus) -> anyhow::Result<Table> {
    let by_id: HashMap<&str, usize> = (0..docs.len()).map(|i| (docs.id(i), i)).collect();
    let mut table = Table::new(COLUMNS);
    for c in &report.clusters {
        for m in &c.members {
            let Some(&d) = by_id.get(m.doc.as_str()) else {
                continue;
            };
            let text = docs.text(d)?;
            let meta = docs.meta(d);
            let begin = text[..m.begin].chars().count();
            let end = begin + text[m.begin..m.end].chars().count();
            let pages = meta
                .extra
                .get("pages")
                .and_then(|p| pages_overlapping(p, begin, end));
            table.rows.push(vec![
                Cell::Int(i64::from(c.id)),
                c.members.len().into(),
                Cell::Str(m.doc.clone()),
                m.source.clone().into(),
                meta.date.clone().or_else(|| m.date.clone()).into(),
                begin.into(),
                end.into(),
                m.begin.into(),
                m.end.into(),
                Cell::Str(text[m.begin..m.end].to_string()),
                meta.title.clone().into(),
                meta.url.clone().into(),
                Cell::Bool(m.quoted),
                Cell::Str(m.reuse.clone()),
                pages.map_or(Cell::Null, Cell::Json),
            ]);
        }
    }
    table.drop_empty_columns(&["pages"]);
    Ok(table)
}

/// The pages of a passim `pages` value with only the regions overlapping the character
/// span `begin..end`; `None` when no region does.
pub fn pages_overlapping(pages: &Value, begin: usize, end: usize) -> Option<Value> {
    let mut kept = Vec::new();
    for page in pages.as_array()? {
        let Some(page) = page.as_object() else {
            continue;
        };
        let regions: Vec<Value> = page
            .get("regions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| {
                let num = |k: &str| r.get(k).and_then(Value::as_u64).map(|n| n as usize);
                match (num("start"), num("length")) {
                    (Some(s), Some(l)) => s < end && s + l > begin,
                    _ => false,
                }
            })
            .cloned()
            .collect();
        if regions.is_empty() {
            continue;
        }
        let mut p: Map<String, Value> = page.clone();
        p.insert("regions".into(), Value::Array(regions));
        kept.push(Value::Object(p));
    }
    (!kept.is_empty()).then_some(Value::Array(kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_regions_overlapping_the_span_are_kept() {
        let pages = json!([
            {"id": "p1", "seq": 1, "regions": [
                {"start": 0, "length": 10, "coords": {"x": 1, "y": 2, "w": 3, "h": 4}},
                {"start": 10, "length": 10, "coords": {"x": 5, "y": 6, "w": 7, "h": 8}}
            ]},
            {"id": "p2", "seq": 2, "regions": [
                {"start": 20, "length": 10, "coords": {"x": 9, "y": 9, "w": 9, "h": 9}},
                {"start": "bad", "length": 3}
            ]}
        ]);
        let got = pages_overlapping(&pages, 12, 22).unwrap();
        assert_eq!(
            got,
            json!([
                {"id": "p1", "seq": 1, "regions": [
                    {"start": 10, "length": 10, "coords": {"x": 5, "y": 6, "w": 7, "h": 8}}]},
                {"id": "p2", "seq": 2, "regions": [
                    {"start": 20, "length": 10, "coords": {"x": 9, "y": 9, "w": 9, "h": 9}}]}
            ])
        );
        assert_eq!(
            pages_overlapping(&pages, 0, 10).unwrap()[0]["regions"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(pages_overlapping(&pages, 30, 40), None);
    }
}
