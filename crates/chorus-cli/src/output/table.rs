//! A flat table (named columns, one row per item) and its writers: CSV and TSV with a
//! header row (via the `csv` crate: fields quoted when needed), JSON Lines (one object per
//! row, every column present, null when empty) and Parquet (with the `parquet` feature).
//!
//! Cells are typed so that each format keeps what it can: numbers stay numbers in JSON and
//! Parquet, nested values (OCR page regions) are JSON objects in JSON Lines and JSON text
//! in CSV and Parquet.

use super::{Output, OutputFormat};
use serde_json::{Map, Value};
use std::io::Write;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// A nested value: an object in JSON, its JSON text elsewhere.
    Json(Value),
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Null, Cell::Str)
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Cell {
        Cell::Int(n as i64)
    }
}

impl Cell {
    /// The cell as CSV text (empty when null).
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Str(s) => s.clone(),
            Cell::Json(v) => v.to_string(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(n) => Value::from(*n),
            Cell::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Str(s) => Value::String(s.clone()),
            Cell::Json(v) => v.clone(),
        }
    }
}

/// Named columns and rows of cells (each row as long as `columns`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Drops the columns that are null in every row (optional columns such as `pages`).
    pub fn drop_empty_columns(&mut self, which: &[&str]) {
        let mut keep: Vec<bool> = vec![true; self.columns.len()];
        for (i, c) in self.columns.iter().enumerate() {
            if which.contains(&c.as_str()) && self.rows.iter().all(|r| r[i] == Cell::Null) {
                keep[i] = false;
            }
        }
        let filter = |v: Vec<Cell>| -> Vec<Cell> {
            v.into_iter()
                .zip(&keep)
                .filter_map(|(c, k)| k.then_some(c))
                .collect()
        };
        self.columns = std::mem::take(&mut self.columns)
            .into_iter()
            .zip(&keep)
            .filter_map(|(c, k)| k.then_some(c))
            .collect();
        self.rows = std::mem::take(&mut self.rows)
            .into_iter()
            .map(filter)
            .collect();
    }

    /// Writes the table in `format` (a table format: CSV, TSV, JSON Lines, passim's JSON
    /// Lines or Parquet) and finishes the output.
    pub fn write(&self, format: OutputFormat, mut out: Output) -> anyhow::Result<()> {
        match format {
            OutputFormat::Csv | OutputFormat::Tsv => {
                let delimiter = if format == OutputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let mut w = csv::WriterBuilder::new()
                    .delimiter(delimiter)
                    .from_writer(&mut out);
                w.write_record(&self.columns)?;
                for row in &self.rows {
                    w.write_record(row.iter().map(Cell::text))?;
                }
                w.flush()?;
            }
            OutputFormat::Jsonl | OutputFormat::Passim | OutputFormat::Text => {
                for row in &self.rows {
                    let obj: Map<String, Value> = self
                        .columns
                        .iter()
                        .cloned()
                        .zip(row.iter().map(Cell::json))
                        .collect();
                    serde_json::to_writer(&mut out, &obj)?;
                    out.write_all(b"\n")?;
                }
            }
            OutputFormat::Parquet => {
                #[cfg(feature = "parquet")]
                super::parquet::write(self, &mut out)?;
                #[cfg(not(feature = "parquet"))]
                anyhow::bail!("this chorus was built without Parquet output");
            }
        }
        out.finish()
    }
}
