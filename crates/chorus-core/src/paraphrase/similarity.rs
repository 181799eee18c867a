//! How alike two bags of stems are: tf-idf cosine and Dice.
//!
//! A bag is a sentence's (or a run of sentences') distinct stem keys, sorted, each with its
//! count. Each stem weighs its count times its inverse sentence frequency over the corpus
//! (`ln(sentences / sentences holding it)`), so a name or a rare term counts far more than
//! a word every sentence has, and the cosine of the weighted bags says how much of their
//! content two sentences share. Dice (twice the shared distinct stems over the stems of
//! both) adds the plain share of words, so that one shared rare name cannot carry two
//! otherwise different sentences. Both are computed by one merge of the sorted keys.

/// A bag of stems: sorted distinct keys and their counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Bag {
    pub keys: Vec<u64>,
    pub counts: Vec<u32>,
}

impl Bag {
    /// The bag of a list of stem keys (in any order, repeats counted).
    pub(crate) fn of(mut stems: Vec<u64>) -> Bag {
        stems.sort_unstable();
        let mut bag = Bag::default();
        for g in stems.chunk_by(|x, y| x == y) {
            bag.keys.push(g[0]);
            bag.counts.push(g.len() as u32);
        }
        bag
    }

    /// The union of several bags, counts added.
    pub(crate) fn sum<'b>(bags: impl Iterator<Item = &'b Bag>) -> Bag {
        let mut stems = Vec::new();
        for b in bags {
            for (&k, &c) in b.keys.iter().zip(&b.counts) {
                stems.extend(std::iter::repeat_n(k, c as usize));
            }
        }
        Bag::of(stems)
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// The weights of a bag's stems (count × idf) and their Euclidean norm; `idf` gives a
/// stem key's inverse sentence frequency.
pub(crate) fn weights(bag: &Bag, idf: impl Fn(u64) -> f32) -> (Vec<f32>, f32) {
    let w: Vec<f32> = bag
        .keys
        .iter()
        .zip(&bag.counts)
        .map(|(&k, &c)| c as f32 * idf(k))
        .collect();
    let norm = w.iter().map(|x| x * x).sum::<f32>().sqrt();
    (w, norm)
}

/// The figures two bags agree on: Dice of their distinct number keys (keys with
/// `number_bit` set), or 1 when either has none; and the fewer figures of the two.
pub(crate) fn figures_agree(a: &Bag, b: &Bag, number_bit: u64) -> (f32, usize) {
    // keys with the top bit set sort last
    let nums = |x: &Bag| {
        let at = x.keys.partition_point(|&k| k & number_bit == 0);
        x.keys[at..].to_vec()
    };
    let (x, y) = (nums(a), nums(b));
    let fewest = x.len().min(y.len());
    if fewest == 0 {
        return (1.0, 0);
    }
    let shared = x.iter().filter(|k| y.binary_search(k).is_ok()).count();
    (2.0 * shared as f32 / (x.len() + y.len()) as f32, fewest)
}

/// The tf-idf cosine of two bags left without their names (`is_name`) and figures (keys
/// with `number_bit` set): how much of their ordinary wording two passages share. Two
/// reports of one event share its names and figures, each in its own words.
pub(crate) fn words_cosine(
    a: &Bag,
    b: &Bag,
    idf: &dyn Fn(u64) -> f32,
    is_name: &dyn Fn(u64) -> bool,
    number_bit: u64,
) -> f32 {
    let words = |x: &Bag| {
        let mut out = Bag::default();
        for (&k, &c) in x.keys.iter().zip(&x.counts) {
            if k & number_bit == 0 && !is_name(k) {
                out.keys.push(k);
                out.counts.push(c);
            }
        }
        out
    };
    let (x, y) = (words(a), words(b));
    let (wx, nx) = weights(&x, idf);
    let (wy, ny) = weights(&y, idf);
    compare(&x, &wx, nx, &y, &wy, ny).0
}

/// Cosine of two weighted bags, Dice of their distinct stems, and the stems they share
/// counted with multiplicity (the smaller count of each shared stem).
pub(crate) fn compare(
    a: &Bag,
    wa: &[f32],
    na: f32,
    b: &Bag,
    wb: &[f32],
    nb: f32,
) -> (f32, f32, u32) {
    let (mut i, mut j) = (0, 0);
    let (mut dot, mut shared, mut matched) = (0f32, 0u32, 0u32);
    while i < a.keys.len() && j < b.keys.len() {
        match a.keys[i].cmp(&b.keys[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += wa[i] * wb[j];
                shared += 1;
                matched += a.counts[i].min(b.counts[j]);
                i += 1;
                j += 1;
            }
        }
    }
    let cos = if na > 0.0 && nb > 0.0 {
        dot / (na * nb)
    } else {
        0.0
    };
    let total = a.keys.len() + b.keys.len();
    let dice = if total > 0 {
        2.0 * shared as f32 / total as f32
    } else {
        0.0
    };
    (cos, dice, matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_dice_and_shared_counts() {
        let a = Bag::of(vec![1, 2, 2, 3]);
        let b = Bag::of(vec![2, 3, 4]);
        assert_eq!(a.keys, [1, 2, 3]);
        assert_eq!(a.counts, [1, 2, 1]);
        let idf = |k: u64| if k == 3 { 2.0 } else { 1.0 };
        let (wa, na) = weights(&a, idf);
        let (wb, nb) = weights(&b, idf);
        let (cos, dice, matched) = compare(&a, &wa, na, &b, &wb, nb);
        // a = (1, 2, 2, 0), b = (0, 1, 2, 1) over keys 1..4
        let want = (2.0 + 4.0) / (9f32.sqrt() * 6f32.sqrt());
        assert!((cos - want).abs() < 1e-6, "{cos} {want}");
        assert!((dice - 4.0 / 6.0).abs() < 1e-6);
        assert_eq!(matched, 2);
        let (cos, dice, _) = compare(&a, &wa, na, &a, &wa, na);
        assert!((cos - 1.0).abs() < 1e-6 && (dice - 1.0).abs() < 1e-6);
        let n = 1u64 << 63;
        let x = Bag::of(vec![1, n | 5, n | 6]);
        let y = Bag::of(vec![1, n | 5, n | 7, n | 8]);
        let (f, fewest) = figures_agree(&x, &y, n);
        assert!((f - 2.0 / 5.0).abs() < 1e-6 && fewest == 2);
        assert_eq!(figures_agree(&x, &Bag::of(vec![1, 2]), n), (1.0, 0));
        // without names (key 3) and figures: a = (1, 2, 2), b = (2, 4)
        let w = words_cosine(&a, &b, &|_| 1.0, &|k| k == 3, n);
        assert!((w - 2.0 / (5f32.sqrt() * 2f32.sqrt())).abs() < 1e-6, "{w}");
        let only_names = Bag::of(vec![3, n | 5]);
        assert_eq!(
            words_cosine(&only_names, &only_names, &|_| 1.0, &|k| k == 3, n),
            0.0
        );
        let e = Bag::default();
        assert_eq!(compare(&a, &wa, na, &e, &[], 0.0), (0.0, 0.0, 0));
        assert_eq!(
            Bag::sum([&a, &b].into_iter()),
            Bag::of(vec![1, 2, 2, 3, 2, 3, 4])
        );
    }
}
