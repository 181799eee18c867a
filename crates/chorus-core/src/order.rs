//! Document numbers: the one order every later stage works in.
//!
//! Before anything else the pipeline numbers the documents of a [`Corpus`] by their
//! [`NumberingKey`]: dated documents first, by date, then by id, then by text; ties (the
//! same date, id and text) keep their input order. A document's number is a [`DocNum`];
//! [`Order`] maps numbers back to the corpus's own indices. Numbering first makes the
//! output independent of input order and thread count, and makes "first" mean "earliest
//! as far as anyone can tell" wherever a stage needs a representative (the hub of a large
//! fingerprint group, the first member of a cluster, the kept copy of a duplicate).
//!
//! The date in the key is the first second the date allows ([`Metadata::timestamp`]): a
//! date-only value sorts at its midnight (UTC), before a timestamp of the same day, and an
//! unreadable date counts as none. The numbering must be total, so it orders what the
//! dates leave open (the same second, a day against a time of that day, undated
//! documents) by id; it is the engine's working order, not a claim. What the report claims
//! about time (the earliest member, the direction of propagation) it claims only where the
//! dates make it certain: see [`crate::when`].
//!
//! A distributed engine reproduces the numbering by sorting the keys of all documents
//! (with the input position as the last tie-break) and numbering them from 0.
//! [`ByNumber`] is what the later stages read documents through: a corpus seen through
//! its [`Order`] ([`Numbered`]), or any map from numbers to documents.

use crate::corpus::Corpus;
use crate::document::{Document, Metadata};
use crate::error::Result;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A document's number in the pipeline's order (see the module documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocNum(pub u32);

impl DocNum {
    /// The number as an index into per-document tables.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What documents are numbered by: date (undated last), id, then text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberingKey<'a> {
    /// [`Metadata::timestamp`] of the document: the first second its date allows.
    pub timestamp: Option<i64>,
    pub id: &'a str,
    pub text: &'a str,
}

impl<'a> NumberingKey<'a> {
    /// The key of a document.
    pub fn new(id: &'a str, meta: &Metadata, text: &'a str) -> NumberingKey<'a> {
        NumberingKey {
            timestamp: meta.timestamp(),
            id,
            text,
        }
    }
}

/// The order of the keys' date and id: the text is compared only when these are equal.
fn head_cmp(x: (Option<i64>, &str), y: (Option<i64>, &str)) -> Ordering {
    (x.0.is_none(), x.0, x.1).cmp(&(y.0.is_none(), y.0, y.1))
}

impl Ord for NumberingKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        head_cmp((self.timestamp, self.id), (other.timestamp, other.id))
            .then_with(|| self.text.cmp(other.text))
    }
}

impl PartialOrd for NumberingKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The numbering of a corpus: which input index each [`DocNum`] is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    input: Vec<usize>,
}

impl Order {
    /// Numbers the documents of `docs` by their [`NumberingKey`]s. Texts are read only for
    /// documents whose date and id are both equal to another's.
    pub fn new(docs: &dyn Corpus) -> Result<Order> {
        let mut order: Vec<(Option<i64>, &str, usize)> = (0..docs.len())
            .map(|i| (docs.meta(i).timestamp(), docs.id(i), i))
            .collect();
        // stable: equal keys keep their input order
        order.sort_by(|x, y| head_cmp((x.0, x.1), (y.0, y.1)));
        let mut input: Vec<usize> = order.iter().map(|o| o.2).collect();
        let mut at = 0;
        while at < order.len() {
            let end = at
                + order[at..]
                    .iter()
                    .take_while(|o| head_cmp((o.0, o.1), (order[at].0, order[at].1)).is_eq())
                    .count();
            if end - at > 1 {
                let texts = input[at..end]
                    .iter()
                    .map(|&i| docs.text(i))
                    .collect::<Result<Vec<Cow<'_, str>>>>()?;
                let mut by_text: Vec<usize> = (0..texts.len()).collect();
                by_text.sort_by(|&x, &y| texts[x].cmp(&texts[y]));
                let run: Vec<usize> = by_text.iter().map(|&k| input[at + k]).collect();
                input[at..end].copy_from_slice(&run);
            }
            at = end;
        }
        Ok(Order { input })
    }

    /// The order given by the input index of each number (`inputs[d]` is number `d`).
    pub fn from_inputs(inputs: Vec<usize>) -> Order {
        Order { input: inputs }
    }

    /// The input index of document number `d`.
    #[inline]
    pub fn input(&self, d: DocNum) -> usize {
        self.input[d.index()]
    }

    /// Input indices by number.
    pub fn inputs(&self) -> &[usize] {
        &self.input
    }

    pub fn len(&self) -> usize {
        self.input.len()
    }

    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// `(number, input index)` of every document, by number.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (DocNum, usize)> + Clone + '_ {
        self.input
            .iter()
            .enumerate()
            .map(|(d, &i)| (DocNum(d as u32), i))
    }

    /// `docs` seen by number.
    pub fn numbered<'a>(&'a self, docs: &'a dyn Corpus) -> Numbered<'a> {
        Numbered { docs, order: self }
    }
}

/// Documents by [`DocNum`]: what the stages after numbering read them through.
pub trait ByNumber: Sync {
    fn id(&self, d: DocNum) -> &str;
    fn meta(&self, d: DocNum) -> &Metadata;
    /// The original text of document `d`.
    fn text(&self, d: DocNum) -> Result<Cow<'_, str>>;
}

/// A corpus seen through its [`Order`].
#[derive(Clone, Copy)]
pub struct Numbered<'a> {
    docs: &'a dyn Corpus,
    order: &'a Order,
}

impl ByNumber for Numbered<'_> {
    fn id(&self, d: DocNum) -> &str {
        self.docs.id(self.order.input(d))
    }
    fn meta(&self, d: DocNum) -> &Metadata {
        self.docs.meta(self.order.input(d))
    }
    fn text(&self, d: DocNum) -> Result<Cow<'_, str>> {
        self.docs.text(self.order.input(d))
    }
}

/// Documents held by number (a distributed engine collects the ones a report needs).
///
/// # Panics
///
/// When asked for a number it does not hold.
impl ByNumber for BTreeMap<DocNum, Document> {
    fn id(&self, d: DocNum) -> &str {
        &self[&d].id
    }
    fn meta(&self, d: DocNum) -> &Metadata {
        &self[&d].meta
    }
    fn text(&self, d: DocNum) -> Result<Cow<'_, str>> {
        Ok(Cow::Borrowed(&self[&d].text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_date_then_id_then_text_keeping_input_order_on_ties() {
        let mut docs = vec![
            Document::new("b", "x"),
            Document::new("a", "z"),
            Document::new("a", "y"),
            Document::new("c", "dated"),
            Document::new("a", "y"),
        ];
        docs[3].meta.date = Some("2024-01-01".into());
        let order = Order::new(&docs).unwrap();
        assert_eq!(order.inputs(), &[3, 2, 4, 1, 0]);
        // the keys sort the same way
        let mut keys: Vec<(NumberingKey<'_>, usize)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (NumberingKey::new(&d.id, &d.meta, &d.text), i))
            .collect();
        keys.sort();
        let by_key: Vec<usize> = keys.iter().map(|k| k.1).collect();
        assert_eq!(by_key, order.inputs());
        assert_eq!(order.input(DocNum(1)), 2);
    }
}
