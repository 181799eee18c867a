//! Queries with reworded passages (`chorus query --paraphrase`, `"paraphrase": true` on the
//! server's `/v1/query`).
//!
//! The index holds word n-grams, not stems, so it cannot hand the paraphrase path its
//! sentence candidates. The query therefore takes its candidate documents from the n-gram
//! table as an exact query does, but counting every document that shares at least one
//! n-gram (not `min_shared`) among the `max_candidates` sharing the most; the exact
//! path aligns those sharing `min_shared` or more, as without `--paraphrase`, and the
//! paraphrase path ([`chorus_core::query_reworded`]) compares the sentences of the query
//! with those of every candidate's stored text. Limit: a rewording that shares no n-gram
//! with the query at all is not found, unless [`RewordedOptions::scan`] reads every stored text
//! for documents sharing the query's rare words (a cost linear in the index).

use crate::error::Result;
use crate::reader::{IndexReader, QueryOptions};
use crate::stock_lines::AskedIndex;
use chorus_core::query::{CandidateBuffers, PreparedQuery, QueryReport, match_text_with};
use chorus_core::query_reworded::with_reworded;
use chorus_core::tokenize::Tokens;
use chorus_core::{Document, Metadata, paraphrase::Lang};
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

/// How a query with reworded passages picks its candidates.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RewordedOptions {
    /// The language of every text (`None`: each text's `lang`/`language` field, else
    /// detected).
    pub lang: Option<Lang>,
    /// Also read every stored text for candidates sharing the query's rare words, beside
    /// those sharing n-grams: finds rewordings that keep no n-gram of the query, at the
    /// cost of tokenising the whole index per query.
    pub scan: bool,
}

impl IndexReader {
    /// The documents that share passages with `text`, exact or reworded, ranked; each
    /// match and passage says how it was found. `meta` is the query's (its
    /// `lang`/`language` field is read).
    pub fn query_reworded(
        &self,
        text: &str,
        meta: &Metadata,
        opts: &QueryOptions,
        how: &RewordedOptions,
    ) -> Result<QueryReport> {
        let lang = how.lang;
        let mut align = opts.align;
        align.ngram = self.ngram();
        let q = PreparedQuery::new(text, align.ngram);
        let keys = q.distinct_fingerprints();
        let wide = QueryOptions {
            min_shared: 1,
            ..*opts
        };
        let mut cands = self.candidates(&keys, &wide)?;
        if how.scan {
            for (s, d) in self.rare_word_candidates(&q, opts)? {
                if !cands.iter().any(|c| (c.0, c.1) == (s, d)) {
                    cands.push((s, d, 0));
                }
            }
        }
        let segments = self.segments();
        let mut docs = Vec::with_capacity(cands.len());
        let mut exact = Vec::new();
        let mut buf = CandidateBuffers::default();
        for &(s, d, shared) in &cands {
            let seg = &segments[s].seg;
            let doc = seg.doc(d)?;
            let doc = Document {
                id: doc.id.into_owned(),
                text: doc.text.to_string(),
                meta: doc.meta,
            };
            let exact_match = (shared as usize >= opts.min_shared)
                .then(|| match_text_with(&q, &doc.text, &align, &mut buf))
                .flatten();
            if let Some(m) = exact_match {
                exact.push(m.into_match(doc.id.clone(), doc.meta.clone()));
            }
            docs.push(doc);
        }
        let matches = with_reworded(&q, meta, &docs, exact, lang)?;
        // step 3 of the formula decision asks the index, as a plain query does (the
        // index's documents have unique ids)
        let at: HashMap<&str, (usize, u32)> = docs
            .iter()
            .zip(&cands)
            .map(|(doc, c)| (doc.id.as_str(), (c.0, c.1)))
            .collect();
        let keys: Vec<(usize, u32)> = matches.iter().map(|m| at[m.id.as_str()]).collect();
        let index = AskedIndex::new(self, &keys, &align, opts);
        Ok(QueryReport::ranked_in(
            &q,
            cands.len(),
            matches,
            opts.formulas,
            &index,
        )?)
    }

    /// The `max_candidates` live documents sharing the most weight of the query's rare
    /// words, read from every stored text: `(segment, document)`. A word (a token, as
    /// written: no stemming here) is rare when at most a tenth of the documents (at least
    /// 5) hold it, and weighs its inverse document frequency, `ln(N / df)`.
    fn rare_word_candidates(
        &self,
        q: &PreparedQuery,
        opts: &QueryOptions,
    ) -> Result<Vec<(usize, u32)>> {
        let mut words: HashMap<u64, u32> = HashMap::new();
        for &h in &q.tokens().hashes {
            let next = words.len() as u32;
            words.entry(h).or_insert(next);
        }
        let docs: Vec<(usize, u32)> = self
            .segments()
            .iter()
            .enumerate()
            .flat_map(|(s, ls)| ls.live_docs().map(move |d| (s, d)))
            .collect();
        // the query words each document holds
        let held = |&(s, d): &(usize, u32)| -> Result<Vec<u32>> {
            let t = Tokens::new(self.segments()[s].seg.text(d)?);
            let mut w: Vec<u32> = t
                .hashes
                .iter()
                .filter_map(|h| words.get(h).copied())
                .collect();
            w.sort_unstable();
            w.dedup();
            Ok(w)
        };
        let held: Vec<Vec<u32>> = if opts.parallel {
            docs.par_iter().map(held).collect::<Result<_>>()?
        } else {
            docs.iter().map(held).collect::<Result<_>>()?
        };
        let mut df = vec![0u32; words.len()];
        for w in held.iter().flatten() {
            df[*w as usize] += 1;
        }
        let n = docs.len() as f64;
        let cap = (docs.len() / 10).max(5) as u32;
        let mut ranked: Vec<(f64, usize)> = held
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let score = w
                    .iter()
                    .map(|&k| df[k as usize])
                    .filter(|&f| f <= cap)
                    .map(|f| (n / f64::from(f)).ln())
                    .sum::<f64>();
                (score, i)
            })
            .filter(|x| x.0 > 0.0)
            .collect();
        ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        ranked.truncate(opts.max_candidates);
        Ok(ranked.into_iter().map(|(_, i)| docs[i]).collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::{IndexOptions, IndexReader, IndexWriter, QueryOptions};
    use chorus_core::report::Found;
    use chorus_core::{Document, Metadata};

    const STORY: &str = include_str!("../../../testdata/reworded/story.txt");
    /// The story reworded, keeping one five-word run ("the end of September" aside,
    /// "Ostvik and Lemmer while the" is kept) so that the n-gram table finds it.
    const REWORDED: &str = include_str!("../../../testdata/reworded/reworded-one-run.txt");

    #[test]
    fn a_stored_rewording_sharing_one_ngram_is_found_with_its_label() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = IndexWriter::open(dir.path(), IndexOptions::default()).unwrap();
        let half = &STORY[..STORY.find(" Ferry").unwrap()];
        w.add(vec![
            Document::new(
                "b-reworded",
                format!("Morning digest. {REWORDED} More later."),
            ),
            Document::new("c-copy", format!("{half} Our desk adds nothing.")),
            Document::new(
                "d-other",
                "Tomatoes, compost and a late frost in the valley.",
            ),
        ])
        .unwrap();
        drop(w);
        let r = IndexReader::open(dir.path()).unwrap();
        let query = format!("Local news. {STORY} Weather is fine.");
        let opts = QueryOptions::default();
        let plain = r.query(&query, &opts).unwrap();
        let ids: Vec<&str> = plain.matches.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["c-copy"], "too few shared n-grams for the exact path");
        let re = r
            .query_reworded(&query, &Metadata::default(), &opts, &Default::default())
            .unwrap();
        let got: Vec<(&str, Option<Found>)> = re
            .matches
            .iter()
            .map(|m| (m.id.as_str(), m.found))
            .collect();
        assert_eq!(
            got,
            [
                ("c-copy", Some(Found::Exact)),
                ("b-reworded", Some(Found::Reworded))
            ],
            "{re:#?}"
        );
        assert_eq!(re.stats.candidates, 2);
        assert_eq!(re.stats.reworded_passages, 1);
        let p = &re.matches[1].passages[0];
        let stored = r.get("b-reworded").unwrap().unwrap().text;
        assert!(stored[p.doc.begin..p.doc.end].contains("forty million crowns"));
        assert!(query[p.query.begin..p.query.end].contains("Brennick bridge"));
    }
}
