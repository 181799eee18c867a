//! One line of JSON Lines into one document.
//!
//! Each line is checked for UTF-8 and parsed straight into its document: the id and text
//! fields (names set by [`ReadOptions`]), the known metadata (`source`, `date`, `url`,
//! `title`, when strings) and everything else, kept in order in `Metadata::extra` as
//! `serde_json::Value`s. Strings without escapes are read from the line itself, so a text
//! is copied once, into its document. A line this direct parse does not take (invalid JSON,
//! not an object, a known field given twice) is parsed again into a `serde_json::Map`,
//! which names the error with its column or, for a repeated field, keeps its last value
//! at its first place, as for any JSON object. Blank lines are skipped without comment. A
//! bad line is reported with its 1-based line number and skipped; the next line is read
//! as usual.

use std::borrow::Cow;

use chorus_core::{Document, Metadata};
use serde::Deserialize;
use serde::de::{self, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::problem::{InputProblem, ProblemKind};
use crate::read::{ReadOptions, StreamName};
use crate::text::is_blank;

/// What one line of JSON Lines holds.
pub(super) enum Parsed {
    Document(Document),
    Problem(InputProblem),
    /// The first record shows the file is not JSON Lines at all: skip the file.
    NotJsonLines(InputProblem),
}

/// Parses one non-blank line (`first`: the first record of the stream).
pub(super) fn parse_line(
    line: &[u8],
    line_no: u64,
    first: bool,
    name: &StreamName<'_>,
    opts: &ReadOptions,
) -> Parsed {
    let problem = |kind, reason: String| {
        Parsed::Problem(InputProblem::line(name.display, line_no, kind, reason))
    };
    let text = match simdutf8::compat::from_utf8(line) {
        Ok(text) => text,
        Err(err) => {
            return problem(
                ProblemKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {} of the line", err.valid_up_to()),
            );
        }
    };
    let default_id = || format!("{}:{line_no}", name.id);
    if let Some(record) = parse_record(text, opts) {
        return match record.into_document(opts, default_id) {
            Ok(doc) => Parsed::Document(doc),
            Err((kind, reason)) => problem(kind, reason),
        };
    }
    let map = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        Ok(other) => {
            if first && other.is_array() {
                return Parsed::NotJsonLines(not_json_lines(name, "a JSON array"));
            }
            return problem(
                ProblemKind::InvalidJson,
                format!("expected a JSON object, found {}", value_kind(&other)),
            );
        }
        Err(err) => {
            let start = text.trim_start();
            if first && err.is_eof() && (start.starts_with('[') || start.trim() == "{") {
                let what = if start.starts_with('[') {
                    "a JSON array"
                } else {
                    "a JSON object spread over several lines"
                };
                return Parsed::NotJsonLines(not_json_lines(name, what));
            }
            return problem(
                ProblemKind::InvalidJson,
                format!("invalid JSON: {}", json_error_message(&err)),
            );
        }
    };
    match record_to_document(map, opts, default_id) {
        Ok(doc) => Parsed::Document(doc),
        Err((kind, reason)) => problem(kind, reason),
    }
}

fn not_json_lines(name: &StreamName<'_>, what: &str) -> InputProblem {
    InputProblem::file(
        name.display,
        ProblemKind::NotJsonLines,
        format!("this is {what}, not JSON Lines (one object per line); file skipped"),
    )
}

/// serde_json's message without its ` at line 1 column N` suffix, with the column.
pub(super) fn json_error_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    format!("{message} at column {}", err.column())
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A field's value as the record rules need it: a string (borrowed from the line when it
/// has no escapes), null, or any other value.
enum FieldValue<'a> {
    Str(Cow<'a, str>),
    Null,
    Other(Value),
}

impl From<Value> for FieldValue<'_> {
    fn from(value: Value) -> Self {
        match value {
            Value::String(s) => FieldValue::Str(Cow::Owned(s)),
            Value::Null => FieldValue::Null,
            other => FieldValue::Other(other),
        }
    }
}

impl FieldValue<'_> {
    fn into_value(self) -> Value {
        match self {
            FieldValue::Str(s) => Value::String(s.into_owned()),
            FieldValue::Null => Value::Null,
            FieldValue::Other(value) => value,
        }
    }
}

/// Which part of a record a key names, in the order the names are tried (the source and
/// date field names are options and could be `url` or `title`).
#[derive(Clone, Copy)]
enum Slot {
    Id,
    Text,
    Source,
    Date,
    Url,
    Title,
    Extra,
}

fn slot_of(key: &str, opts: &ReadOptions) -> Slot {
    if key == opts.id_field_name() {
        Slot::Id
    } else if key == opts.text_field_name() {
        Slot::Text
    } else if key == opts.source_field_name() {
        Slot::Source
    } else if key == opts.date_field_name() {
        Slot::Date
    } else if key == "url" {
        Slot::Url
    } else if key == "title" {
        Slot::Title
    } else {
        Slot::Extra
    }
}

/// The fields of a record, sorted into their parts, before the rules that make it a
/// document.
pub(super) struct Record<'a> {
    id: Option<FieldValue<'a>>,
    text: Option<FieldValue<'a>>,
    meta: Metadata,
}

impl<'a> Record<'a> {
    fn new() -> Self {
        Record {
            id: None,
            text: None,
            meta: Metadata::default(),
        }
    }

    /// Files the value of `key` (each key once, in the record's order): metadata that is
    /// not a string (nor null) goes to `extra` like any other field.
    fn put(&mut self, slot: Slot, key: Cow<'a, str>, value: FieldValue<'a>) {
        let meta = match slot {
            Slot::Id => {
                self.id = Some(value);
                return;
            }
            Slot::Text => {
                self.text = Some(value);
                return;
            }
            Slot::Source => &mut self.meta.source,
            Slot::Date => &mut self.meta.date,
            Slot::Url => &mut self.meta.url,
            Slot::Title => &mut self.meta.title,
            Slot::Extra => {
                self.meta.extra.insert(key.into_owned(), value.into_value());
                return;
            }
        };
        match value {
            FieldValue::Str(s) => *meta = Some(s.into_owned()),
            FieldValue::Null => {}
            FieldValue::Other(other) => {
                self.meta.extra.insert(key.into_owned(), other);
            }
        }
    }

    /// The document, or why the record is refused. `default_id` gives the id of a record
    /// without one.
    pub(super) fn into_document(
        self,
        opts: &ReadOptions,
        default_id: impl FnOnce() -> String,
    ) -> Result<Document, (ProblemKind, String)> {
        let Record { id, text, mut meta } = self;
        // passim's outlet field: the source of a record that names none.
        if meta.source.is_none()
            && matches!(meta.extra.get("series"), Some(Value::String(_)))
            && let Some(Value::String(series)) = meta.extra.shift_remove("series")
        {
            meta.source = Some(series);
        }
        let id_field = opts.id_field_name();
        let text_field = opts.text_field_name();
        let id = match id {
            None | Some(FieldValue::Null) => default_id(),
            Some(FieldValue::Str(s)) if s.is_empty() => default_id(),
            Some(FieldValue::Str(s)) => s.into_owned(),
            Some(FieldValue::Other(Value::Number(n))) => n.to_string(),
            Some(FieldValue::Other(other)) => {
                return Err((
                    ProblemKind::BadField,
                    format!(
                        "`{id_field}` must be a string or a number, found {}",
                        value_kind(&other)
                    ),
                ));
            }
        };
        let text = match text {
            None | Some(FieldValue::Null) => {
                return Err((
                    ProblemKind::MissingText,
                    format!("record `{id}` has no `{text_field}` field"),
                ));
            }
            Some(FieldValue::Str(s)) => s,
            Some(FieldValue::Other(other)) => {
                return Err((
                    ProblemKind::BadField,
                    format!(
                        "record `{id}`: `{text_field}` must be a string, found {}",
                        value_kind(&other)
                    ),
                ));
            }
        };
        if is_blank(&text) {
            return Err((
                ProblemKind::EmptyText,
                format!("record `{id}` has empty text"),
            ));
        }
        Ok(Document {
            id,
            text: text.into_owned(),
            meta,
        })
    }
}

/// Splits a parsed record into a document. `default_id` gives the id of a record without
/// one.
pub(super) fn record_to_document(
    map: Map<String, Value>,
    opts: &ReadOptions,
    default_id: impl FnOnce() -> String,
) -> Result<Document, (ProblemKind, String)> {
    let mut record = Record::new();
    for (key, value) in map {
        record.put(slot_of(&key, opts), Cow::Owned(key), value.into());
    }
    record.into_document(opts, default_id)
}

/// Parses a line straight into a record. `None` when the line is not one JSON object
/// (the caller parses it again to say why) or names a known field twice, or its first
/// key is one serde_json reserves (both left to `serde_json::Map`, whose result the
/// direct parse would otherwise have to mimic).
pub(super) fn parse_record<'a>(text: &'a str, opts: &ReadOptions) -> Option<Record<'a>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = de.deserialize_map(RecordVisitor { opts }).ok()?;
    de.end().ok()?;
    Some(record)
}

struct RecordVisitor<'o> {
    opts: &'o ReadOptions,
}

impl<'de> Visitor<'de> for RecordVisitor<'_> {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut record = Record::new();
        let mut seen = [false; Slot::Extra as usize];
        let mut first = true;
        while let Some(Key(key)) = map.next_key()? {
            if first && key.starts_with("$serde_json::private::") {
                return Err(de::Error::custom("a key serde_json reserves"));
            }
            first = false;
            let slot = slot_of(&key, self.opts);
            let value = match slot {
                Slot::Extra => FieldValue::from(map.next_value::<Value>()?),
                known => {
                    if std::mem::replace(&mut seen[known as usize], true) {
                        return Err(de::Error::custom("a field given twice"));
                    }
                    map.next_value::<FieldValue<'de>>()?
                }
            };
            record.put(slot, key, value);
        }
        Ok(record)
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor).map(Key)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// Reads a field's value: strings and null as such, anything else as the
/// `serde_json::Value` its own deserializer builds.
struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = FieldValue<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(FieldValue::Other(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Value::deserialize(de::value::I64Deserializer::<E>::new(v)).map(FieldValue::from)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Value::deserialize(de::value::U64Deserializer::<E>::new(v)).map(FieldValue::from)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Value::deserialize(de::value::F64Deserializer::<E>::new(v)).map(FieldValue::from)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(FieldValue::from)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(FieldValue::from)
    }
}
