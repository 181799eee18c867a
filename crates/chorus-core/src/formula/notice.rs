//! The same short notice filed twice (step 4 of the parent module): a passage covering
//! most of two short documents that hold the same values, printed within two days, stays
//! reuse whatever steps 2 and 3 said.

use super::reissue::near_equal;
use super::{SideSpecifics, capital_at, reissue, starts_sentence};
use crate::tokenize::Tokens;

/// Tokens of a document, at most, for it to be a short notice ([`same_notice`]).
pub(super) const NOTICE_TOKENS: usize = 64;
/// Values, at least, that a short notice holds for two of its copies to be compared.
const NOTICE_VALUES: usize = 3;

/// The values of a whole document (its specifics, and the numbers it writes in words:
/// "four cts"), normalised and sorted.
pub(super) fn notice_values(tokens: &Tokens, map: &[u32], original: &str) -> Vec<String> {
    let mut out: Vec<String> = (0..tokens.len())
        .filter_map(|i| {
            let (b, e) = tokens.ranges.at(i);
            let word = &tokens.norm[b as usize..e as usize];
            let at = map[b as usize] as usize;
            let value = word.chars().any(char::is_numeric)
                || reissue::number_word(word).is_some()
                || (capital_at(original, at) && !starts_sentence(original, at));
            value.then(|| word.to_string())
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether a passage is one short notice filed twice: each side covers at least three
/// quarters of a document of at most [`NOTICE_TOKENS`] tokens, and the two documents hold
/// the same values, at least [`NOTICE_VALUES`] (as multisets, a value written in words
/// pairing with its digits and a damaged one with its original, [`near_equal`]), within
/// the passage and beyond it. The values may all be a frame's common ones (a dividend of 30
/// cts paid on April 30): every slot filled alike is the same notice when printed within
/// two days, which the caller asks.
pub(super) fn same_notice(a: &SideSpecifics, b: &SideSpecifics) -> bool {
    let (x, y) = (&a.notice, &b.notice);
    if x.len().min(y.len()) < NOTICE_VALUES || x.len() != y.len() {
        return false;
    }
    // the multiset difference (both sorted), then the damaged or spelled-out ones paired
    let (mut i, mut j) = (0, 0);
    let (mut lx, mut ly): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
            std::cmp::Ordering::Less => {
                lx.push(&x[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                ly.push(&y[j]);
                j += 1;
            }
        }
    }
    lx.extend(x[i..].iter().map(String::as_str));
    ly.extend(y[j..].iter().map(String::as_str));
    lx.iter()
        .all(|p| match ly.iter().position(|q| near_equal(p, q)) {
            Some(k) => {
                ly.swap_remove(k);
                true
            }
            None => false,
        })
}
