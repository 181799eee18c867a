//! A query judges formulas as `find` does over the index's documents and the query, step 3
//! (recurring stock lines) included: the index tells which of its documents hold the
//! query's stock lines, and when they were printed.

use chorus_core::query::query_documents_with;
use chorus_core::query_reworded::query_documents_reworded;
use chorus_core::{Config, Document, NoProgress, find};
use chorus_store::{
    FormulaMode, IndexOptions, IndexReader, IndexWriter, QueryOptions, QueryReport, RewordedOptions,
};

const LINE: &str = "It said it may buy more shares or sell some or all of its current stake.";
const HEAD: &str = "It said it may buy more shares or";

/// Eight stake filings by other investors in other companies, printed on `days` of March
/// 1987: the first two end with the stock line, the others with its first words only.
fn filings(days: &[u32]) -> Vec<Document> {
    let filers = [
        ("Harbor Mills", "told regulators it owns", "Dexter Corp", 5),
        ("Quinn Partners", "has acquired", "Lakeside Foods", 7),
        ("Orr Capital", "disclosed a holding of", "Tamarack Inc", 6),
        ("Vela Group", "now controls", "Pioneer Gas", 9),
        ("Wendt Holdings", "reported buying", "Ashby Steel", 8),
        ("Corliss Fund", "filed to show it has", "Marsh Cable", 11),
        ("Ames Trust", "raised its stake to", "Fulton Paper", 12),
        ("Birch Equity", "bought", "Kellogg Mining", 14),
    ];
    filers
        .iter()
        .zip(days)
        .enumerate()
        .map(|(i, ((who, did, what, pct), day))| {
            let tail = if i < 2 {
                LINE.to_string()
            } else {
                format!("{HEAD} acquire a board seat, filer {i} added.")
            };
            let mut d = Document::new(
                format!("f{i}"),
                format!("{who} {did} {pct} pct of {what}. {tail} Reuter"),
            );
            d.meta.date = Some(format!("1987-03-{day:02}"));
            d.meta.source = Some(format!("wire-{i}"));
            d
        })
        .collect()
}

/// `find` over the filings, and a query of the first filing's text against an index of
/// the others (with `find`'s document frequency limit: the frame's first words are too
/// common to seed a pair in either).
fn find_and_query(days: &[u32], formulas: FormulaMode) -> (chorus_core::Report, Vec<String>) {
    let docs = filings(days);
    let max_df = 3;
    let mut cfg = Config::default();
    cfg.seeds.max_df = max_df;
    let found = find(&docs, &cfg, &NoProgress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
    w.add(docs[1..].to_vec()).unwrap();
    let r = IndexReader::open(dir.path()).unwrap();
    let opts = QueryOptions {
        max_df,
        formulas,
        ..QueryOptions::default()
    };
    let rep = r.query(&docs[0].text, &opts).unwrap();
    let names = |rep: &QueryReport| -> Vec<String> {
        rep.matches
            .iter()
            .map(|m| format!("{}{}", m.id, if m.formula { " formula" } else { "" }))
            .collect()
    };
    // the same query against the same documents in memory (`chorus query --corpus`)
    let in_memory = query_documents_with(&docs[0].text, &docs[1..], &opts.align, formulas);
    assert_eq!(names(&in_memory), names(&rep));
    // and with the paraphrase path, which judges its exact passages the same way
    let reworded = r
        .query_reworded(
            &docs[0].text,
            &docs[0].meta,
            &opts,
            &RewordedOptions::default(),
        )
        .unwrap();
    assert_eq!(names(&reworded), names(&rep));
    let reworded_in_memory = query_documents_reworded(
        &docs[0].text,
        &docs[0].meta,
        &docs[1..],
        &opts.align,
        formulas,
        None,
    )
    .unwrap();
    assert_eq!(names(&reworded_in_memory), names(&rep));
    (found, names(&rep))
}

#[test]
fn a_query_sharing_a_recurring_stock_line_is_judged_as_find_judges_it() {
    // within a day the line is a statement printed by many: reuse in both
    let (found, matched) = find_and_query(&[3; 8], FormulaMode::Out);
    assert_eq!(found.clusters.len(), 1);
    assert_eq!(found.stats.formula_passages, 0);
    assert_eq!(matched, ["f1"]);
    // over a month it is a stock line: a formula in both
    let days = [2, 5, 9, 13, 20, 27, 29, 30];
    let (found, matched) = find_and_query(&days, FormulaMode::Out);
    assert!(found.clusters.is_empty());
    assert!(found.stats.formula_passages > 0);
    assert!(matched.is_empty(), "{matched:?}");
    let (_, listed) = find_and_query(&days, FormulaMode::List);
    assert_eq!(listed, ["f1 formula"]);
    // taking formulas for reuse, the line is a match
    let (_, kept) = find_and_query(&days, FormulaMode::Keep);
    assert_eq!(kept, ["f1"]);
}
