//! The flags that say how inputs are read, shared by the commands that read documents
//! (flattened into each with `#[command(flatten)]`).

use chorus_input::{Columns, InputFormat, ReadOptions};
use clap::ValueEnum;

/// How to read the inputs.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Read every input in this format instead of deciding per file by extension and
    /// content.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,

    /// Keep the comment sections of HTML pages (dropped by default, like menus and
    /// footers).
    #[arg(long)]
    pub keep_comments: bool,

    /// JSON Lines: the field holding a record's id.
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub id_field: String,

    /// JSON Lines: the field holding a record's text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub text_field: String,

    /// JSON Lines: the field holding a record's source (outlet). A record without it takes
    /// its `series` field (passim's name) as its source.
    #[arg(long, value_name = "NAME", default_value = "source")]
    pub source_field: String,

    /// JSON Lines: the field holding a record's date (ISO 8601).
    #[arg(long, value_name = "NAME", default_value = "date")]
    pub date_field: String,

    /// The character encoding of plain-text, CSV/TSV and HTML files (a label such as
    /// latin1, windows-1252, iso-8859-2, shift_jis, koi8-r, utf-8) [default: UTF-8, or, for
    /// a file that is not valid UTF-8, the encoding guessed from its bytes; HTML: its
    /// declared charset]. Offsets are into the text decoded to UTF-8.
    #[arg(long, value_name = "LABEL", value_parser = parse_encoding)]
    pub encoding: Option<&'static chorus_input::Encoding>,

    /// CSV/TSV: the column holding a row's id (rows without one get FILE:LINE).
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub id_column: String,

    /// CSV/TSV: the column holding a row's text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub text_column: String,

    /// CSV/TSV: the column holding a row's source (outlet, author).
    #[arg(long, value_name = "NAME", default_value = "source")]
    pub source_column: String,

    /// CSV/TSV: the column holding a row's date (ISO 8601).
    #[arg(long, value_name = "NAME", default_value = "date")]
    pub date_column: String,

    /// CSV/TSV: the field delimiter, one ASCII character or `tab` [default: `,` for
    /// .csv, tab for .tsv]
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// The largest document, line, WARC record or CSV row read, in MiB; larger ones are
    /// reported and skipped.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_record_mib: u64,
}

/// The values of `--format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// By extension, then by content.
    Auto,
    /// Each file is one plain-text document.
    Text,
    /// One JSON object per line.
    Jsonl,
    /// One HTML page per file; the main text is extracted.
    Html,
    /// WARC archives; HTML responses become documents.
    Warc,
    /// RSS or Atom feeds; items become documents.
    Feed,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// E-mails and Usenet posts (headers, blank line, body) and mbox files; the body is
    /// the text, From/Date/Subject/Message-ID the metadata.
    Mail,
}

impl From<FormatArg> for InputFormat {
    fn from(f: FormatArg) -> InputFormat {
        match f {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Text => InputFormat::Text,
            FormatArg::Jsonl => InputFormat::JsonLines,
            FormatArg::Html => InputFormat::Html,
            FormatArg::Warc => InputFormat::Warc,
            FormatArg::Feed => InputFormat::Feed,
            FormatArg::Csv => InputFormat::Csv,
            FormatArg::Tsv => InputFormat::Tsv,
            FormatArg::Mail => InputFormat::Mail,
        }
    }
}

fn parse_encoding(s: &str) -> Result<&'static chorus_input::Encoding, String> {
    chorus_input::encoding_for_label(s).ok_or_else(|| {
        format!("unknown encoding `{s}` (try utf-8, latin1, windows-1252, iso-8859-2, shift_jis)")
    })
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err("the delimiter must be one ASCII character (not a quote) or `tab`".to_owned()),
    }
}

impl InputArgs {
    /// The reader's options from these flags.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions::new()
            .format(self.format.into())
            .keep_comments(self.keep_comments)
            .id_field(self.id_field.clone())
            .text_field(self.text_field.clone())
            .source_field(self.source_field.clone())
            .date_field(self.date_field.clone())
            .encoding(self.encoding)
            .columns(Columns {
                id: self.id_column.clone(),
                text: self.text_column.clone(),
                source: self.source_column.clone(),
                date: self.date_column.clone(),
                ..Columns::default()
            })
            .delimiter(self.delimiter)
            .max_record_bytes(self.max_record_mib.saturating_mul(1024 * 1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_args::{parse, try_parse};

    #[test]
    fn flags_become_options() {
        let input = parse::<InputArgs>(&[
            "--format",
            "tsv",
            "--keep-comments",
            "--text-column",
            "body",
            "--delimiter",
            "tab",
        ]);
        let opts = input.read_options();
        assert_eq!(opts.input_format(), InputFormat::Tsv);
        assert!(opts.keeps_comments());
        assert_eq!(opts.column_names().text, "body");
        assert_eq!(opts.delimiter_byte(), Some(b'\t'));
        assert_eq!(
            parse::<InputArgs>(&[]).read_options(),
            ReadOptions::default()
        );
        assert!(try_parse::<InputArgs>(&["--delimiter", "ab"]).is_err());
        let opts = parse::<InputArgs>(&[
            "--source-field",
            "series",
            "--date-field",
            "issued",
            "--encoding",
            "latin1",
        ])
        .read_options();
        assert_eq!(
            (opts.source_field_name(), opts.date_field_name()),
            ("series", "issued")
        );
        assert_eq!(
            opts.forced_encoding().map(|e| e.name()),
            Some("windows-1252")
        );
        assert!(try_parse::<InputArgs>(&["--encoding", "klingon"]).is_err());
    }
}
