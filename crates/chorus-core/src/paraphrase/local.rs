//! Time-local idf: the words of the week's news are common that week.
//!
//! Two reports of one event share its terms, which are rare in the corpus as a whole (a
//! high idf) but common among the stories printed around the same days. When both
//! documents of a pair are dated, each stem weighs the smaller of its corpus idf and its
//! idf among the sentences of the documents dated within
//! [`Params::window_days`](super::Params::window_days) days of the pair (from that many
//! days before the earlier document to as many after the later one): a term the week's
//! news is full of weighs little, and what two stories share beyond the week's terms
//! decides whether one rewords the other. Undated documents (and a window of 0) keep the
//! corpus idf. Cost: one sort of the (stem, day) postings of the dated sentences, and
//! four binary searches per stem weighed.

/// The (stem key, day) postings of the dated sentences, sorted, and every dated
/// sentence's day, sorted.
pub(crate) struct LocalIdf {
    postings: Vec<(u64, i32)>,
    days: Vec<i32>,
    window: i32,
}

impl LocalIdf {
    /// From each sentence's distinct stem keys and its document's day (`None`: undated);
    /// `None` when `window` is 0 or no sentence is dated.
    pub(crate) fn new<'k>(
        sentences: impl Iterator<Item = (&'k [u64], Option<i32>)>,
        window: u32,
    ) -> Option<LocalIdf> {
        if window == 0 {
            return None;
        }
        let mut postings = Vec::new();
        let mut days = Vec::new();
        for (keys, day) in sentences {
            if let Some(d) = day {
                days.push(d);
                postings.extend(keys.iter().map(|&k| (k, d)));
            }
        }
        if days.is_empty() {
            return None;
        }
        days.sort_unstable();
        postings.sort_unstable();
        Some(LocalIdf {
            postings,
            days,
            window: window as i32,
        })
    }

    /// The days `[lo, hi]` of the window around two documents' days.
    pub(crate) fn span(&self, a: i32, b: i32) -> (i32, i32) {
        (a.min(b) - self.window, a.max(b) + self.window)
    }

    /// The idf of stem `k` among the sentences dated within `span` (a sentence
    /// frequency of at least 1).
    pub(crate) fn idf(&self, k: u64, span: (i32, i32)) -> f32 {
        let (lo, hi) = span;
        let n = self.days.partition_point(|&d| d <= hi) - self.days.partition_point(|&d| d < lo);
        let f = self.postings.partition_point(|&p| p <= (k, hi))
            - self.postings.partition_point(|&p| p < (k, lo));
        (n.max(1) as f32 / f.max(1) as f32).ln().max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_common_in_the_window_weighs_little_there() {
        // stem 7 is in every sentence of days 10-11 and nowhere else; stem 8 everywhere
        let mut sents: Vec<(Vec<u64>, Option<i32>)> = Vec::new();
        for day in 0..20 {
            for _ in 0..5 {
                let keys = if (10..=11).contains(&day) {
                    vec![7, 8]
                } else {
                    vec![8]
                };
                sents.push((keys, Some(day)));
            }
        }
        sents.push((vec![7], None));
        let l = LocalIdf::new(sents.iter().map(|(k, d)| (k.as_slice(), *d)), 1).unwrap();
        let span = l.span(11, 10);
        assert_eq!(span, (9, 12));
        // 20 sentences in days 9-12, 10 of them hold stem 7
        assert!((l.idf(7, span) - 2f32.ln()).abs() < 1e-6);
        assert_eq!(l.idf(8, span), 0.0);
        // away from its days stem 7 is rare
        assert!((l.idf(7, l.span(2, 3)) - 20f32.ln()).abs() < 1e-6);
        assert!(LocalIdf::new(sents.iter().map(|(k, d)| (k.as_slice(), *d)), 0).is_none());
        let undated = [(vec![1u64], None)];
        assert!(LocalIdf::new(undated.iter().map(|(k, d)| (k.as_slice(), *d)), 3).is_none());
    }
}
