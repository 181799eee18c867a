//! The pipeline from documents to a [`Report`], driven stage by stage: number the
//! documents, normalise and tokenise them, fingerprint, index, pick candidate pairs and
//! align them ([`crate::aligned`]), then map every passage back to exact byte offsets of
//! the original texts, cluster the passages and describe the clusters
//! (the `describe` module).
//!
//! Documents are numbered in `(date, id)` order before anything else ([`crate::order`]), so
//! the output does not depend on input order or thread count, and "first" means
//! "earliest" wherever the pipeline needs a representative. The same stages are public one
//! by one in [`crate::stages`], for engines that distribute them.

use crate::aligned::{Aligned, PairPlan, align_corpus_with};
use crate::config::Config;
use crate::corpus::{Corpus, Storage};
use crate::describe::build_report;
use crate::document::Document;
use crate::error::Result;
use crate::order::DocNum;
use crate::progress::Progress;
use crate::report::Report;

/// The cache of hashed tokens of the report stages of a run in memory, as a multiple of its
/// text (see [`crate::token_source::TokenSource::keep_only`]).
const REPORT_CACHE_PER_TEXT_BYTE: f64 = 0.25;

/// Finds the passages that documents share (see the module documentation), keeping
/// everything in memory.
pub fn find(docs: &[Document], cfg: &Config, progress: &dyn Progress) -> Result<Report> {
    find_in(&docs, cfg, &Storage::Memory, progress)
}

/// [`find`] over any [`Corpus`], keeping the working data where `storage` says.
pub fn find_in(
    docs: &dyn Corpus,
    cfg: &Config,
    storage: &Storage,
    progress: &dyn Progress,
) -> Result<Report> {
    let (al, _) = align_corpus_with(docs, cfg, storage, progress, &|_, _, _| PairPlan::Align)?;
    report_of(al, docs, cfg, progress)
}

/// The report of the aligned corpus `docs`: byte spans, clusters and their description.
pub(crate) fn report_of<'c>(
    mut al: Aligned<'c>,
    docs: &'c dyn Corpus,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    let aligned = std::mem::take(&mut al.aligned);
    // the weak passages wait for corroboration (see crate::corroborate)
    let (aligned, weak) = crate::corroborate::split_weak(aligned, &cfg.align);
    let numbered = al.order.numbered(docs);
    // the paraphrase path adds its passages and says how each was found
    let (aligned, found) = if cfg.paraphrase {
        progress.stage("paraphrase", 0);
        let params = crate::paraphrase::Params {
            lang: cfg.lang,
            ..crate::paraphrase::Params::default()
        };
        let merged =
            crate::paraphrase::with_reworded(aligned, &numbered, &al.tokens, &al.blocked, &params)?;
        let (aligned, found): (Vec<_>, Vec<_>) = merged.into_iter().unzip();
        (aligned, Some(found))
    } else {
        (aligned, None)
    };
    // the report speaks only of documents that share a passage: the tokens of the others
    // (most documents of most corpora) are freed before its stages run
    let mut involved = vec![false; al.tokens.len()];
    for p in aligned.iter().chain(&weak) {
        involved[p.a.index()] = true;
        involved[p.b.index()] = true;
    }
    // and so are the hashes of the others, made again when asked for (report stages ask
    // for few documents, most of them several times: the cache keeps them)
    let cache = (al.stats.bytes as f64 * REPORT_CACHE_PER_TEXT_BYTE) as usize;
    al.tokens
        .keep_only(docs, &al.order, |d| involved[d.index()], cache);
    let blocked: Vec<(DocNum, &[(u32, u32)])> = al
        .blocked
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.is_empty())
        .map(|(d, b)| (DocNum(d as u32), b.as_slice()))
        .collect();
    build_report(
        &numbered,
        Some(&al.tokens),
        None,
        aligned,
        found,
        weak,
        &blocked,
        &al.sources,
        al.stats.clone(),
        cfg,
        progress,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use crate::testing::scratch_dir;

    #[test]
    fn finds_one_passage_in_three_documents() {
        let passage = "The committee announced on Tuesday that the harbour bridge will \
                       close for repairs until the end of the summer season.";
        let docs = vec![
            Document::new("a", format!("Local news. {passage} Weather is fine.")),
            Document::new("b", format!("Ferry times change. {passage}")),
            Document::new("c", format!("{passage} More later from our desk.")),
            Document::new("d", "An unrelated story about gardening and tomatoes."),
        ];
        let r = find(&docs, &Config::default(), &NoProgress).unwrap();
        assert_eq!(r.clusters.len(), 1);
        let c = &r.clusters[0];
        assert_eq!(c.members.len(), 3);
        for m in &c.members {
            let doc = docs.iter().find(|d| d.id == m.doc).unwrap();
            assert_eq!(&doc.text[m.begin..m.end], passage);
        }
        assert_eq!(r.pairs.len(), 3);
    }

    /// A corpus with reuse, near-duplicates, dates, outlets and per-outlet boilerplate.
    pub(crate) fn mixed_corpus() -> Vec<Document> {
        let words: Vec<String> = (0..400)
            .map(|i| format!("w{}x{}", i * 7919 % 1000, i))
            .collect();
        let passage = |k: usize, len: usize| words[k..k + len].join(" ");
        let mut docs = Vec::new();
        for i in 0..40usize {
            let mut text = format!("Story {i} opens with its own words number {i} here. ");
            text.push_str(&passage((i * 13) % 300, 30));
            text.push_str(". ");
            if i % 3 == 0 {
                text.push_str(&passage(5, 25));
                text.push_str(". ");
            }
            if i % 4 == 1 {
                text.push_str(&passage(100, 40).replace("x1", "xl"));
                text.push_str(". ");
            }
            text.push_str(&format!(
                "Copyright outlet {} all rights reserved forever.",
                i % 3
            ));
            let mut d = Document::new(format!("doc-{i:02}"), text);
            d.meta.source = Some(format!("outlet-{}", i % 3));
            d.meta.date = Some(format!("2024-01-{:02}", 1 + (i * 7) % 28));
            docs.push(d);
        }
        docs
    }

    #[test]
    fn working_data_on_disk_gives_the_same_report() {
        let docs = mixed_corpus();
        let cfg = Config {
            list_boilerplate: true,
            ..Config::default()
        };
        let memory = find(&docs, &cfg, &NoProgress).unwrap();
        assert!(memory.clusters.len() >= 3, "{}", memory.clusters.len());
        assert!(!memory.boilerplate.is_empty());
        let dir = scratch_dir("find-disk");
        let disk = find_in(
            &docs,
            &cfg,
            &Storage::Disk {
                dir: dir.clone(),
                cache_bytes: 1 << 20,
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(disk, memory);
        let compact = find_in(&docs, &cfg, &Storage::Compact, &NoProgress).unwrap();
        assert_eq!(compact, memory);
        // the scratch folder is left empty
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
        // a scratch folder that does not exist is an error naming the file
        let err = find_in(
            &docs,
            &cfg,
            &Storage::Disk {
                dir: dir.join("missing"),
                cache_bytes: 0,
            },
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("missing"), "{err}");
    }

    /// A corpus whose text `bad` cannot be read.
    struct Failing {
        docs: Vec<Document>,
        bad: usize,
    }

    impl Corpus for Failing {
        fn len(&self) -> usize {
            self.docs.len()
        }
        fn id(&self, i: usize) -> &str {
            &self.docs[i].id
        }
        fn meta(&self, i: usize) -> &crate::document::Metadata {
            &self.docs[i].meta
        }
        fn text(&self, i: usize) -> Result<std::borrow::Cow<'_, str>> {
            if i == self.bad {
                return Err(crate::Error::text(&self.docs[i].id, "disk on fire"));
            }
            Ok(std::borrow::Cow::Borrowed(&self.docs[i].text))
        }
        fn text_len(&self, i: usize) -> usize {
            self.docs[i].text.len()
        }
    }

    #[test]
    fn a_text_that_cannot_be_read_is_an_error_in_memory_and_on_disk() {
        let docs = Failing {
            docs: mixed_corpus(),
            bad: 17,
        };
        let dir = scratch_dir("find-fail");
        for storage in [
            Storage::Memory,
            Storage::Compact,
            Storage::Disk {
                dir: dir.clone(),
                cache_bytes: 0,
            },
        ] {
            let err = find_in(&docs, &Config::default(), &storage, &NoProgress).unwrap_err();
            assert!(matches!(err, crate::Error::Text { .. }), "{err}");
            assert!(err.to_string().contains("doc-17"), "{err}");
            assert!(err.to_string().contains("disk on fire"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_report_does_not_depend_on_the_number_of_threads() {
        let docs = mixed_corpus();
        let cfg = Config {
            list_boilerplate: true,
            ..Config::default()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let r = pool.install(|| find(&docs, &cfg, &NoProgress)).unwrap();
            serde_json::to_string(&r).unwrap()
        };
        let one = run(1);
        assert!(one.contains("\"members\""), "{one}");
        for threads in [2, 3, 8] {
            assert_eq!(run(threads), one, "{threads} threads");
        }
    }
}
