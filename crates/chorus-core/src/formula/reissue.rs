//! Step 1's updated-reissue exemption and what withdraws it: a passage judged a formula by
//! its differing specifics is still a copy when one long stretch of it holds the same text
//! with specifics of its own ([`long_shared_run`]: a story reissued with other figures in one
//! sentence), unless the two documents are certainly dated apart ([`dated_apart`]) and their
//! differing specifics are *clean* ([`clean`]) or one side's repeat a filler the other lacks
//! ([`refilled`]): a periodic report repeating its text around new figures, not a damaged
//! reprint ([`damaged`]).

use super::{Capital, Judgement, LONG_RUN, MIN_DIFFERING, SideSpecifics, recur};
use crate::align::fuzzy_equal;
use crate::order::DocNum;
use crate::when::When;

/// Whether a passage's differing specifics are *clean*, as two instances of a template
/// differ: the aligner left unmatched at most [`CLEAN_UNMATCHED`] halves of a token per
/// differing specific (the slots' values, and a plain word changed around one slot in
/// two, "rose" and "fell"), and they are no damage ([`damaged`]). A copy reprinted with
/// OCR or editing damage also differs in plain words (dropped, inserted, misread beyond
/// fuzzy equality), or in specifics one edit apart. Unknown when the sides do not carry
/// the aligner's count (then not clean).
pub(super) fn clean(j: &Judgement) -> bool {
    !j.damaged
        && j.unmatched
            .is_some_and(|u| 2 * u <= CLEAN_UNMATCHED * j.differing)
}

/// Whether a passage judged a formula is a periodic report's text when its documents are
/// dated apart: its differing specifics are clean ([`clean`]), or one side's repeat a
/// filler the other side lacks ([`refilled`]).
pub(super) fn reissued_apart(j: &Judgement) -> bool {
    clean(j) || j.refilled
}

/// Least times one side's differing specifics repeat a word that the other side lacks
/// for it to be a filler used throughout the text ([`refilled`]).
pub(super) const REFILL_REPEAT: usize = 3;

/// Whether the differing specifics of one side (`left`, after pairing) hold one word at
/// least [`REFILL_REPEAT`] times while the `other` side holds it nowhere (not even where a
/// sentence starts): a slot's value that the text repeats, as a monthly report names its
/// month in every sentence ("in February" four times, "in January" in the other issue)
/// or an extended offer its new date. A rewritten issue of such a report differs in many
/// plain words as well (it is not [`clean`]), but a copy reprinted with damage does not
/// replace every occurrence of one of its words with nothing: OCR and editing damage
/// each occurrence on its own (the damaged ones pair fuzzily, [`near_equal`]), and a
/// word the copy dropped once is still there elsewhere. Limit: a copy weeks later into
/// whose aligned passage an editor inserted a new name three times (without the aligner
/// cutting the passage there) is taken for another issue.
pub(super) fn refilled(left: &[&Capital], other: &SideSpecifics) -> bool {
    let mut hashes: Vec<u64> = left.iter().map(|t| t.hash).collect();
    hashes.sort_unstable();
    hashes.chunk_by(|x, y| x == y).any(|g| {
        g.len() >= REFILL_REPEAT
            && other
                .tokens
                .binary_search_by_key(&g[0], |t| t.hash)
                .is_err()
    })
}

/// Halves of an unmatched token per differing specific, at most, in a clean passage
/// ([`clean`]): 3, one and a half tokens.
const CLEAN_UNMATCHED: usize = 3;

/// Least characters of the longer of two differing specifics one edit apart for them to be
/// one damaged word ([`damaged`]): shorter numbers ("14", "4") are one edit apart by chance.
const DAMAGE_MIN_CHARS: usize = 3;

/// Whether two words are one inserted, deleted or substituted character apart.
pub(super) fn one_edit(x: &str, y: &str) -> bool {
    let (cx, cy): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
    let (short, long) = if cx.len() <= cy.len() {
        (&cx, &cy)
    } else {
        (&cy, &cx)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let head = short
        .iter()
        .zip(long.iter())
        .take_while(|(p, q)| p == q)
        .count();
    if short.len() == long.len() {
        head == short.len() || short[head + 1..] == long[head + 1..]
    } else {
        short[head..] == long[head + 1..]
    }
}

/// Whether the differing specifics of a passage are mostly damage: at least half of those
/// of the side with fewer (`left` of `a`, `right` of `b`) are one edit from one of the
/// other side's (each paired once; the longer of at least [`DAMAGE_MIN_CHARS`]), such as
/// a digit dropped ("885", "85") or a letter misread beyond the aligner's fuzzy equality.
/// Two instances of a template fill their slots with other values, rarely one edit apart.
pub(super) fn damaged(
    a: &SideSpecifics,
    b: &SideSpecifics,
    left: &[&Capital],
    right: &[&Capital],
) -> bool {
    let fewer = left.len().min(right.len());
    if fewer == 0 {
        return false;
    }
    let mut free: Vec<&str> = right.iter().map(|t| b.word(t)).collect();
    let mut paired = 0;
    for x in left {
        let x = a.word(x);
        if let Some(k) = free.iter().position(|y| {
            x.chars().count().max(y.chars().count()) >= DAMAGE_MIN_CHARS && one_edit(x, y)
        }) {
            free.swap_remove(k);
            paired += 1;
        }
    }
    2 * paired >= fewer
}

/// Whether the first side of a passage judged a formula by its differing specifics
/// still holds a long stretch of the same text with specifics of its own: at least
/// [`LONG_RUN`] tokens between two differing specifics, holding at least
/// [`MIN_DIFFERING`] shared specifics that are no frame words. That is an updated copy
/// (a story reissued with other figures in one sentence), not a template.
pub(super) fn long_shared_run(j: &Judgement, frame: &[u64]) -> bool {
    let Some((at, matched, len)) = &j.first_side else {
        return false;
    };
    let bounds: Vec<u32> = std::iter::once(0)
        .chain(at.iter().copied())
        .chain(std::iter::once(*len))
        .collect();
    bounds.windows(2).any(|w| {
        w[1] - w[0] >= LONG_RUN
            && matched
                .iter()
                .filter(|(i, h)| w[0] < *i && *i < w[1] && frame.binary_search(h).is_err())
                .count()
                >= MIN_DIFFERING
    })
}

/// Whether two documents are certainly printed at least [`REISSUE_SPREAD`] apart (see
/// [`dated_apart`]); `false` when either is undated.
pub(crate) type Apart<'a> = &'a (dyn Fn(DocNum, DocNum) -> bool + Sync);

/// Two documents printed at least this many seconds apart are no reissue of one story
/// (two days, as step 3's spread).
const REISSUE_SPREAD: i64 = recur::SPREAD;

/// Whether two dates are certainly at least [`REISSUE_SPREAD`] apart (the later one's
/// earliest instant after the earlier one's latest); `false` when either is unknown.
pub(super) fn dated_apart(x: Option<When>, y: Option<When>) -> bool {
    match (x, y) {
        (Some(x), Some(y)) => {
            x.first.saturating_sub(y.last) >= REISSUE_SPREAD
                || y.first.saturating_sub(x.last) >= REISSUE_SPREAD
        }
        _ => false,
    }
}

/// Whether two differing specifics are one damaged word: within the aligner's fuzzy
/// equality, one adjacent transposition apart ("Smtih", "Smith"), holding the same
/// digits once OCR confusions are folded ("teh963", "the963"; "3o", "30"), or the same
/// number written once in words and once in digits ("Record April Three", "Record April
/// 3": a notice reported twice, by two desks' styles).
pub(super) fn near_equal(x: &str, y: &str) -> bool {
    if fuzzy_equal(x, y) {
        return true;
    }
    if let (Some(vx), Some(vy)) = (number_value(x), number_value(y))
        && vx == vy
        && (number_word(x).is_some() || number_word(y).is_some())
    {
        return true;
    }
    let (cx, cy): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
    if cx.len() == cy.len() && cx.len() >= 3 {
        let diff: Vec<usize> = (0..cx.len()).filter(|&i| cx[i] != cy[i]).collect();
        if diff.len() == 2
            && diff[1] == diff[0] + 1
            && cx[diff[0]] == cy[diff[1]]
            && cx[diff[1]] == cy[diff[0]]
        {
            return true;
        }
    }
    if !cx.iter().chain(&cy).any(|c| c.is_ascii_digit()) {
        return false;
    }
    let digits = |w: &[char]| -> String {
        w.iter()
            .map(|&c| ocr_digit(c))
            .filter(char::is_ascii_digit)
            .collect()
    };
    let (dx, dy) = (digits(&cx), digits(&cy));
    !dx.is_empty() && dx == dy && cx.len().abs_diff(cy.len()) <= 2
}

/// The digit an OCR engine commonly misreads as `c` ("o" for 0, "l" for 1, "s" for 5, "b"
/// for 8), else `c`.
pub(super) fn ocr_digit(c: char) -> char {
    match c {
        'o' | 'O' => '0',
        'l' | 'i' | 'I' | '|' => '1',
        's' | 'S' => '5',
        'b' | 'B' => '8',
        c => c,
    }
}

/// The value of a token that writes a number: its digits, or a number word
/// ([`number_word`]).
fn number_value(w: &str) -> Option<u32> {
    if !w.is_empty() && w.len() <= 9 && w.bytes().all(|b| b.is_ascii_digit()) {
        return w.parse().ok();
    }
    number_word(w)
}

/// The value of a cardinal written as a (normalised, lowercase) word in English, French,
/// German or Spanish, up to the days of a month: the numbers that notices and datelines
/// spell out. Words that are also common words or abbreviations elsewhere ("sept" for
/// September, Spanish "once", German "elf", articles such as "un" and "ein") are left out.
pub(super) fn number_word(w: &str) -> Option<u32> {
    Some(match w {
        "zero" | "zéro" | "null" | "cero" => 0,
        "one" | "eins" => 1,
        "two" | "deux" | "zwei" => 2,
        "three" | "trois" | "drei" | "tres" => 3,
        "four" | "quatre" | "vier" | "cuatro" => 4,
        "five" | "cinq" | "fünf" | "cinco" => 5,
        "six" | "sechs" | "seis" => 6,
        "seven" | "sieben" | "siete" => 7,
        "eight" | "huit" | "acht" | "ocho" => 8,
        "nine" | "neuf" | "neun" | "nueve" => 9,
        "ten" | "dix" | "zehn" | "diez" => 10,
        "eleven" | "onze" => 11,
        "twelve" | "douze" | "zwölf" | "doce" => 12,
        "thirteen" | "treize" | "dreizehn" | "trece" => 13,
        "fourteen" | "quatorze" | "vierzehn" | "catorce" => 14,
        "fifteen" | "quinze" | "fünfzehn" | "quince" => 15,
        "sixteen" | "seize" | "sechzehn" | "dieciséis" => 16,
        "seventeen" | "siebzehn" | "diecisiete" => 17,
        "eighteen" | "achtzehn" | "dieciocho" => 18,
        "nineteen" | "neunzehn" | "diecinueve" => 19,
        "twenty" | "vingt" | "zwanzig" | "veinte" => 20,
        "thirty" | "trente" | "dreißig" | "treinta" => 30,
        _ => return None,
    })
}
