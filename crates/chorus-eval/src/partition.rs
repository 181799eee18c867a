//! Comparing two partitions of the same items: adjusted Rand index and B-cubed.
//!
//! Both come from the contingency table of (truth label, predicted label) counts, so the
//! cost is linear in the number of items. ARI follows Hubert & Arabie (1985) as in
//! scikit-learn, including its convention that two partitions whose index cannot vary (all
//! items in one cluster, or every item alone, on both sides) score 1. B-cubed (Bagga &
//! Baldwin 1998) averages per item the share of its predicted cluster that shares its true
//! label (precision) and the share of its true cluster found in its predicted one (recall).

use std::collections::HashMap;

use serde::Serialize;

/// How well a predicted partition matches the true one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionScores {
    pub items: usize,
    pub truth_clusters: usize,
    pub predicted_clusters: usize,
    pub ari: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

fn comb2(x: u64) -> f64 {
    let x = x as f64;
    x * (x - 1.0) / 2.0
}

struct Contingency {
    n: u64,
    cells: HashMap<(usize, usize), u64>,
    rows: HashMap<usize, u64>,
    cols: HashMap<usize, u64>,
}

fn contingency(truth: &[usize], predicted: &[usize]) -> Contingency {
    assert_eq!(
        truth.len(),
        predicted.len(),
        "partitions of different item sets"
    );
    let mut c = Contingency {
        n: truth.len() as u64,
        cells: HashMap::new(),
        rows: HashMap::new(),
        cols: HashMap::new(),
    };
    for (&t, &p) in truth.iter().zip(predicted) {
        *c.cells.entry((t, p)).or_default() += 1;
        *c.rows.entry(t).or_default() += 1;
        *c.cols.entry(p).or_default() += 1;
    }
    c
}

/// Adjusted Rand index of two labelings of the same items (label values are arbitrary).
pub fn adjusted_rand_index(truth: &[usize], predicted: &[usize]) -> f64 {
    ari_of(&contingency(truth, predicted))
}

fn ari_of(c: &Contingency) -> f64 {
    if c.n < 2 {
        return 1.0;
    }
    let index: f64 = c.cells.values().map(|&x| comb2(x)).sum();
    let a: f64 = c.rows.values().map(|&x| comb2(x)).sum();
    let b: f64 = c.cols.values().map(|&x| comb2(x)).sum();
    let expected = a * b / comb2(c.n);
    let max = (a + b) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// B-cubed precision, recall and F1 of two labelings of the same items.
pub fn bcubed(truth: &[usize], predicted: &[usize]) -> (f64, f64, f64) {
    bcubed_of(&contingency(truth, predicted))
}

fn bcubed_of(c: &Contingency) -> (f64, f64, f64) {
    if c.n == 0 {
        return (1.0, 1.0, 1.0);
    }
    let mut p = 0.0;
    let mut r = 0.0;
    for (&(t, q), &x) in &c.cells {
        let x = x as f64;
        p += x * x / c.cols[&q] as f64;
        r += x * x / c.rows[&t] as f64;
    }
    let n = c.n as f64;
    let (p, r) = (p / n, r / n);
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// ARI and B-cubed of two labelings of the same items.
pub fn partition_scores(truth: &[usize], predicted: &[usize]) -> PartitionScores {
    let c = contingency(truth, predicted);
    let (p, r, f) = bcubed_of(&c);
    PartitionScores {
        items: truth.len(),
        truth_clusters: c.rows.len(),
        predicted_clusters: c.cols.len(),
        ari: ari_of(&c),
        bcubed_precision: p,
        bcubed_recall: r,
        bcubed_f1: f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    #[test]
    fn ari_known_values() {
        // Values as given by scikit-learn's adjusted_rand_score documentation.
        let table: &[(&[usize], &[usize], f64)] = &[
            (&[0, 0, 1, 1], &[0, 0, 1, 1], 1.0),
            (&[0, 0, 1, 1], &[1, 1, 0, 0], 1.0),
            (&[0, 0, 1, 2], &[0, 0, 1, 1], 4.0 / 7.0),
            (&[0, 0, 1, 1], &[0, 0, 1, 2], 4.0 / 7.0),
            (&[0, 0, 0, 0], &[0, 1, 2, 3], 0.0),
            (&[0, 0, 1, 1], &[0, 1, 0, 1], -0.5),
            (&[0, 1, 2, 3], &[5, 6, 7, 8], 1.0),
            (&[0, 0, 0], &[1, 1, 1], 1.0),
        ];
        for (t, p, want) in table {
            let got = adjusted_rand_index(t, p);
            assert!(close(got, *want), "{t:?} vs {p:?}: {got} != {want}");
        }
    }

    #[test]
    fn bcubed_known_values() {
        // Items 2 and 3 belong together but are predicted apart: recall 0.75.
        let (p, r, f) = bcubed(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!(close(p, 1.0) && close(r, 0.75) && close(f, 6.0 / 7.0));
        // Everything merged: precision (2/4 for each item) 0.5, recall 1.
        let (p, r, _) = bcubed(&[0, 0, 1, 1], &[9, 9, 9, 9]);
        assert!(close(p, 0.5) && close(r, 1.0));
        // Example with unequal clusters: truth {a,b,c},{d}; predicted {a,b},{c,d}.
        // precision: a 1, b 1, c 1/2, d 1/2 -> 0.75; recall: a 2/3, b 2/3, c 1/3, d 1 -> 2/3.
        let (p, r, _) = bcubed(&[0, 0, 0, 1], &[0, 0, 1, 1]);
        assert!(close(p, 0.75) && close(r, 2.0 / 3.0));
    }

    #[test]
    fn partition_scores_counts_clusters() {
        let s = partition_scores(&[0, 0, 1], &[3, 4, 4]);
        assert_eq!((s.items, s.truth_clusters, s.predicted_clusters), (3, 2, 2));
    }
}
