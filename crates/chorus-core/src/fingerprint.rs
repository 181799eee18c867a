//! Word n-gram fingerprints.
//!
//! A fingerprint is a 64-bit hash of `n` consecutive token hashes, computed by a rolling
//! polynomial over the token hashes (one multiply-add per token) and finished with a
//! SplitMix64 mix so that the high bits are uniform (the index partitions on them).
//! Every position is fingerprinted (no winnowing): a passage that survives noise only in
//! short clean stretches still yields seeds. The function is fixed, so fingerprints may be
//! persisted.

/// Odd multiplier of the rolling polynomial.
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The fingerprint of every window of `n` consecutive tokens: element `i` covers tokens
/// `i..i + n`. Empty when there are fewer than `n` tokens.
pub fn ngram_fingerprints(token_hashes: &[u64], n: usize) -> Vec<u64> {
    let mut out = Vec::with_capacity((token_hashes.len() + 1).saturating_sub(n));
    for_each_ngram_fingerprint(token_hashes, n, |_, fp| out.push(fp));
    out
}

/// Calls `f(i, fingerprint)` for every window of `n` consecutive tokens, in order, without
/// allocating: the same values as [`ngram_fingerprints`].
#[inline]
pub fn for_each_ngram_fingerprint(token_hashes: &[u64], n: usize, mut f: impl FnMut(usize, u64)) {
    for_each_ngram_key(token_hashes, n, |i, k| f(i, fingerprint_of_key(k)));
}

/// The fingerprint of an n-gram from its key ([`for_each_ngram_key`]).
#[inline]
pub fn fingerprint_of_key(key: u64) -> u64 {
    mix(key)
}

/// [`for_each_ngram_fingerprint`] before the final mix: each window's *key*, which is
/// equal for two windows exactly when their fingerprints are (the mix is a bijection), for
/// comparing n-grams in memory where only equality counts. Its bits are less uniform (the
/// low bits of a key depend only on the low bits of the token hashes).
#[inline]
pub fn for_each_ngram_key(token_hashes: &[u64], n: usize, mut f: impl FnMut(usize, u64)) {
    assert!(n >= 1, "n-gram size must be at least 1");
    if token_hashes.len() < n {
        return;
    }
    // BASE^(n-1), to remove the token leaving the window.
    let top = (1..n).fold(1u64, |acc, _| acc.wrapping_mul(BASE));
    let mut h = 0u64;
    for &t in &token_hashes[..n - 1] {
        h = h.wrapping_mul(BASE).wrapping_add(t);
    }
    for (i, &t) in token_hashes[n - 1..].iter().enumerate() {
        h = h.wrapping_mul(BASE).wrapping_add(t);
        f(i, h ^ n as u64);
        h = h.wrapping_sub(token_hashes[i].wrapping_mul(top));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_equals_direct() {
        let toks: Vec<u64> = (0..20u64)
            .map(|x| x.wrapping_mul(0x1234_5678_9abc))
            .collect();
        let fps = ngram_fingerprints(&toks, 5);
        assert_eq!(fps.len(), 16);
        for i in 0..16 {
            assert_eq!(fps[i], ngram_fingerprints(&toks[i..i + 5], 5)[0]);
        }
    }

    #[test]
    fn same_values_as_the_persisted_definition() {
        // the definition fingerprints were persisted with: rolling subtraction first
        fn reference(t: &[u64], n: usize) -> Vec<u64> {
            let top = (1..n).fold(1u64, |acc, _| acc.wrapping_mul(BASE));
            let (mut h, mut out) = (0u64, Vec::new());
            for (i, &x) in t.iter().enumerate() {
                if i >= n {
                    h = h.wrapping_sub(t[i - n].wrapping_mul(top));
                }
                h = h.wrapping_mul(BASE).wrapping_add(x);
                if i + 1 >= n {
                    out.push(mix(h ^ n as u64));
                }
            }
            out
        }
        let toks: Vec<u64> = (0..50u64).map(|x| x.wrapping_mul(0x9E37_79B9)).collect();
        for n in 1..8 {
            assert_eq!(ngram_fingerprints(&toks, n), reference(&toks, n));
        }
    }

    #[test]
    fn keys_are_the_fingerprints_before_the_mix() {
        let toks: Vec<u64> = (0..40u64)
            .map(|x| (x % 7).wrapping_mul(0x9E37_79B9))
            .collect();
        let mut keys = Vec::new();
        for_each_ngram_key(&toks, 3, |i, k| keys.push((i, k)));
        let fps = ngram_fingerprints(&toks, 3);
        assert_eq!(keys.len(), fps.len());
        for (&(i, k), &fp) in keys.iter().zip(&fps) {
            assert_eq!(fingerprint_of_key(k), fp);
            // the windows repeat every 7 tokens, and so do their keys
            if i >= 7 {
                assert_eq!(keys[i - 7].1, k);
            }
        }
    }

    #[test]
    fn order_matters_and_short_input_is_empty() {
        assert_ne!(
            ngram_fingerprints(&[1, 2, 3], 3),
            ngram_fingerprints(&[3, 2, 1], 3)
        );
        assert!(ngram_fingerprints(&[1, 2], 3).is_empty());
    }
}
