//! Parquet output of a [`Table`] (with the `parquet` cargo feature), through the `parquet`
//! crate's column writer (no Arrow): one row group, every column OPTIONAL, typed by its
//! cells (INT64, DOUBLE, BOOLEAN, else a UTF-8 string; nested values as their JSON text),
//! uncompressed pages (the crate's codecs are left out of the build).
//!
//! The crate adds about 50 CPU-seconds to a clean release build, hence the feature.

use super::table::{Cell, Table};
use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::io::Write;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Float,
    Bool,
    Text,
}

/// The kind of a column: that of its first non-null cell when every non-null cell has it,
/// else text.
fn kind(table: &Table, col: usize) -> Kind {
    let of = |c: &Cell| match c {
        Cell::Null => None,
        Cell::Int(_) => Some(Kind::Int),
        Cell::Float(_) => Some(Kind::Float),
        Cell::Bool(_) => Some(Kind::Bool),
        Cell::Str(_) | Cell::Json(_) => Some(Kind::Text),
    };
    let mut kinds = table.rows.iter().filter_map(|r| of(&r[col]));
    match kinds.next() {
        Some(k) if kinds.all(|o| o == k) => k,
        _ => Kind::Text,
    }
}

/// Writes `table` as a Parquet file into `out`.
pub fn write(table: &Table, out: &mut dyn Write) -> anyhow::Result<()> {
    let kinds: Vec<Kind> = (0..table.columns.len()).map(|c| kind(table, c)).collect();
    let mut fields = Vec::new();
    for (name, k) in table.columns.iter().zip(&kinds) {
        let (physical, logical) = match k {
            Kind::Int => (PhysicalType::INT64, None),
            Kind::Float => (PhysicalType::DOUBLE, None),
            Kind::Bool => (PhysicalType::BOOLEAN, None),
            Kind::Text => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
        };
        fields.push(Arc::new(
            Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()?,
        ));
    }
    let schema = Arc::new(
        Type::group_type_builder("chorus")
            .with_fields(fields)
            .build()?,
    );
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, props)?;
    let mut group = writer.next_row_group()?;
    let mut col = 0;
    while let Some(mut column) = group.next_column()? {
        let cells = table.rows.iter().map(|r| &r[col]);
        let levels: Vec<i16> = cells.clone().map(|c| i16::from(*c != Cell::Null)).collect();
        let w = column.untyped();
        match kinds[col] {
            Kind::Int => {
                let v: Vec<i64> = cells
                    .filter_map(|c| match c {
                        Cell::Int(n) => Some(*n),
                        _ => None,
                    })
                    .collect();
                w_typed::<Int64Type>(w, &v, &levels)?;
            }
            Kind::Float => {
                let v: Vec<f64> = cells
                    .filter_map(|c| match c {
                        Cell::Float(x) => Some(*x),
                        _ => None,
                    })
                    .collect();
                w_typed::<DoubleType>(w, &v, &levels)?;
            }
            Kind::Bool => {
                let v: Vec<bool> = cells
                    .filter_map(|c| match c {
                        Cell::Bool(b) => Some(*b),
                        _ => None,
                    })
                    .collect();
                w_typed::<BoolType>(w, &v, &levels)?;
            }
            Kind::Text => {
                let v: Vec<ByteArray> = cells
                    .filter(|c| **c != Cell::Null)
                    .map(|c| ByteArray::from(c.text().into_bytes()))
                    .collect();
                w_typed::<ByteArrayType>(w, &v, &levels)?;
            }
        }
        column.close()?;
        col += 1;
    }
    group.close()?;
    let bytes = writer.into_inner()?;
    out.write_all(&bytes)?;
    Ok(())
}

fn w_typed<T: parquet::data_type::DataType>(
    w: &mut parquet::column::writer::ColumnWriter<'_>,
    values: &[T::T],
    levels: &[i16],
) -> anyhow::Result<()> {
    T::get_column_writer_mut(w)
        .ok_or_else(|| anyhow::anyhow!("parquet column of an unexpected type"))?
        .write_batch(values, Some(levels), None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn a_table_round_trips() {
        let mut t = Table::new(&["cluster", "id", "score", "quoted"]);
        t.rows.push(vec![
            Cell::Int(1),
            Cell::Str("a".into()),
            Cell::Float(0.5),
            Cell::Bool(true),
        ]);
        t.rows.push(vec![
            Cell::Int(2),
            Cell::Null,
            Cell::Float(1.0),
            Cell::Bool(false),
        ]);
        let mut file = tempfile::tempfile().unwrap();
        write(&t, &mut file).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 2);
        let rows: Vec<String> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| r.unwrap().to_string())
            .collect();
        assert_eq!(
            rows,
            [
                "{cluster: 1, id: \"a\", score: 0.5, quoted: true}",
                "{cluster: 2, id: null, score: 1.0, quoted: false}"
            ]
        );
    }
}
