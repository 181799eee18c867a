//! Names: the stems a document writes capitalised, which two reports of one event share
//! without sharing any wording.
//!
//! Two stories about one event name the same people, companies and places and quote the
//! same figures, sentence after sentence, each in its own words; a rewording keeps the
//! ordinary words of its source too. So a passage is also compared without its names and
//! figures (`similarity::words_cosine`). A stem is a name in a document when every one
//! of its tokens that does not open a sentence starts with a capital letter in the
//! original text (sentence openers are capitalised whatever they are, and tell nothing).
//! Scripts without letter case have no names, and neither has a text written mostly in
//! capitals (a headline, a wire in capitals): case tells nothing there. The normalised
//! text maps back to the original (`normalize`), so the case of a token is read from the
//! original character its first byte came from. Cost: the original text of each document
//! normalised once more.

use crate::normalize::normalize;
use crate::tokenize::Tokens;

/// The stem keys of `token_stems` (0: no stem) whose every token outside `starts` (the
/// first token of each sentence, sorted) is capitalised in `original`, sorted; none when
/// `original` does not normalise to `t`'s text or is written mostly in capitals.
pub(crate) fn names(original: &str, t: &Tokens, token_stems: &[u64], starts: &[u32]) -> Vec<u64> {
    let n = normalize(original);
    if n.text != t.norm {
        return Vec::new();
    }
    let mut seen: Vec<(u64, bool)> = Vec::new();
    let (mut capitals, mut cased) = (0usize, 0usize);
    for (i, (b, _)) in t.ranges.iter().enumerate() {
        let at = n.map[b as usize] as usize;
        let Some(c) = original.get(at..).and_then(|s| s.chars().next()) else {
            continue;
        };
        if !(c.is_uppercase() || c.is_lowercase()) {
            continue;
        }
        cased += 1;
        capitals += usize::from(c.is_uppercase());
        let k = token_stems[i];
        if k != 0 && starts.binary_search(&(i as u32)).is_err() {
            seen.push((k, c.is_uppercase()));
        }
    }
    if cased == 0 || capitals * 2 > cased {
        return Vec::new();
    }
    seen.sort_unstable();
    seen.chunk_by(|x, y| x.0 == y.0)
        .filter(|g| g.iter().all(|x| x.1))
        .map(|g| g[0].0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_always_capitalised_inside_sentences_is_a_name() {
        let text = "Baird said the court ruled. Court papers show Baird and Mark IV agreed.";
        let t = Tokens::new(text);
        // one stem per distinct token, no stop words: the token index + 1 of its first use
        let mut stems = Vec::new();
        for i in 0..t.len() {
            let first = (0..=i).find(|&j| t.text(j) == t.text(i)).unwrap();
            stems.push(first as u64 + 1);
        }
        let starts = [0, 5];
        let got = names(text, &t, &stems, &starts);
        let word = |w: &str| (0..t.len()).find(|&i| t.text(i) == w).unwrap() as u64 + 1;
        // "baird" is capitalised at 0 (a start, not counted) and inside the second
        // sentence; "court" is lowercase once; "mark" and "iv" are capitalised
        assert!(got.contains(&word("baird")), "{got:?}");
        assert!(got.contains(&word("mark")) && got.contains(&word("iv")));
        assert!(!got.contains(&word("court")));
        assert!(!got.contains(&word("papers")));
        // a text in capitals tells nothing
        let caps = "BAIRD SAID THE COURT RULED. COURT PAPERS SHOW BAIRD AGREED.";
        let t2 = Tokens::new(caps);
        let stems2: Vec<u64> = (0..t2.len() as u64).map(|i| i + 1).collect();
        assert!(names(caps, &t2, &stems2, &[0, 5]).is_empty());
        // a text that is not the tokens' text tells nothing either
        assert!(names("Other text entirely.", &t, &stems, &starts).is_empty());
    }
}
