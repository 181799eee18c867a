//! Scheduled lines: a stock line that a publication prints at one hour of the day, day
//! after day (a morning market column's opening line, a daily notice), read from the
//! dates of the documents holding its words (a part of step 3, [`super::recur`]).
//!
//! Step 3 keeps a short line as reuse when its other holders are the pair's partners
//! (documents sharing a passage with either document): the copies of a brief reprinted by
//! many outlets hold its words and pair with each other through it. The instances of a
//! daily column's opening line pair with each other through the line too, so that test
//! cannot tell them apart; their dates can. A reprint follows its first printing after a
//! random lag (hours, sometimes weeks), at any hour; a schedule prints its line once a
//! day at its own hour. So the holders of an n-gram print it *on a schedule* when at least
//! [`super::recur::RECUR_DOCS`] of them were printed on distinct days within one hour of
//! the day ([`WINDOW`]), no day twice in that hour, over at least two weeks (a standing
//! column; the follow-ups of one story, filed at its desk's hour, run for days), and
//! they are at least three quarters of all its holders (a holder without a time of day, or undated, is counted among the
//! others). Such n-grams make a line recur whoever its holders are related to, and the
//! capitalised words of a line that recurs by them are the column's frame, not a name of
//! its own (the same bank or agency in every edition).
//!
//! Limits: a schedule kept in local time across a change of daylight-saving time moves
//! by an hour in UTC, so a column's editions on the two sides of the change may fall out
//! of one window; dates given to the day (no time) never make a schedule; a query against
//! an index reads only the dates its index gives (the index may leave out those that
//! cannot change the two-day spread), so a query may keep as reuse a scheduled line that
//! `find` over the index's documents calls a formula.

use crate::when::When;
use std::collections::HashMap;

/// Width of the hour of the day at which a schedule prints its line (seconds).
pub(crate) const WINDOW: i64 = 3600;
/// Longest span of a date that still tells its hour of the day (seconds): a timestamp,
/// or a time given to the minute.
const PRECISE: i64 = 15 * 60;
/// Share of the holders that the scheduled ones make at least: 3 in 4.
const SHARE_NUM: usize = 3;
const SHARE_DEN: usize = 4;
/// Days between the first and the last edition of a schedule, at least: a standing
/// column is printed over weeks, while the follow-ups of one story, filed by its desk at
/// the desk's hour, run for days.
const SPAN_DAYS: i64 = 14;
const DAY: i64 = 24 * 3600;

/// Whether holders dated `whens` (one per holder) print their n-gram on a schedule: at
/// least `min_days` of them on distinct days within [`WINDOW`] of the day (no day twice
/// in that window), over at least [`SPAN_DAYS`] days, and these at least [`SHARE_NUM`]
/// in [`SHARE_DEN`] of all of them.
pub(crate) fn scheduled(whens: &[Option<When>], min_days: usize) -> bool {
    let n = whens.len();
    if n < min_days.max(1) {
        return false;
    }
    // (second of the day, day) of the holders with a time of day
    let mut at: Vec<(i64, i64)> = whens
        .iter()
        .flatten()
        .filter(|w| w.last - w.first <= PRECISE)
        .map(|w| (w.first.rem_euclid(DAY), w.first.div_euclid(DAY)))
        .collect();
    let m = at.len();
    if m * SHARE_DEN < SHARE_NUM * n || m < min_days {
        return false;
    }
    at.sort_unstable();
    // the hours of the day wrap around midnight: the holders again, a day later
    let ring: Vec<(i64, i64)> = at
        .iter()
        .copied()
        .chain(at.iter().map(|&(t, d)| (t + DAY, d)))
        .collect();
    // a window [ring[i], ring[i] + WINDOW) slid over the ring, counting each day's holders
    let mut per_day: HashMap<i64, u32> = HashMap::new();
    let mut repeated = 0usize;
    let mut j = 0usize;
    for i in 0..m {
        while j < i + m && ring[j].0 - ring[i].0 < WINDOW {
            let c = per_day.entry(ring[j].1).or_insert(0);
            *c += 1;
            if *c == 2 {
                repeated += 1;
            }
            j += 1;
        }
        let n_in = j - i;
        if repeated == 0 && n_in >= min_days && n_in * SHARE_DEN >= SHARE_NUM * n {
            let days = ring[i..j].iter().map(|x| x.1);
            let (first, last) = (days.clone().min(), days.max());
            if last.zip(first).is_some_and(|(l, f)| l - f >= SPAN_DAYS) {
                return true;
            }
        }
        let c = per_day.get_mut(&ring[i].1).expect("in the window");
        *c -= 1;
        if *c == 1 {
            repeated -= 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 544_233_600; // 1987-03-30 00:00:00 UTC

    fn at(day: i64, hour: f64) -> Option<When> {
        Some(When::instant(T0 + day * DAY + (hour * 3600.0) as i64))
    }

    #[test]
    fn one_hour_a_day_over_days_is_a_schedule() {
        let daily: Vec<Option<When>> = [10.9, 11.2, 11.0, 11.3, 10.95, 11.1]
            .iter()
            .enumerate()
            .map(|(d, &h)| at(d as i64 * 3, h))
            .collect();
        assert!(scheduled(&daily, 4));
        let week: Vec<Option<When>> = (0..5).map(|d| at(d, 11.0)).collect();
        assert!(!scheduled(&week, 4));
        // around midnight too
        let night: Vec<Option<When>> = [23.8, 0.2, 23.9, 0.1]
            .iter()
            .enumerate()
            .map(|(d, &h)| at(d as i64 * 5, h))
            .collect();
        assert!(scheduled(&night, 4));
        // one holder in four elsewhere is allowed, two are not
        let mut some = daily.clone();
        some.extend([at(1, 3.0), at(5, 17.0)]);
        assert!(scheduled(&some, 4));
        some.extend([at(7, 20.0)]);
        assert!(!scheduled(&some, 4));
    }

    #[test]
    fn reprints_at_random_hours_or_on_one_day_are_no_schedule() {
        let random: Vec<Option<When>> = [(0, 9.2), (0, 13.5), (1, 8.0), (4, 22.1), (19, 11.0)]
            .iter()
            .map(|&(d, h)| at(d, h))
            .collect();
        assert!(!scheduled(&random, 4));
        // a burst: several copies within the hour of one day
        let burst: Vec<Option<When>> = [11.0, 11.1, 11.2, 11.3, 11.4]
            .iter()
            .map(|&h| at(0, h))
            .collect();
        assert!(!scheduled(&burst, 4));
        // dates without a time of day, or no date
        let days: Vec<Option<When>> = (0..6).map(|d| Some(When::day(T0 + d * DAY))).collect();
        assert!(!scheduled(&days, 4));
        assert!(!scheduled(&[None; 6], 4));
        // too few holders
        assert!(!scheduled(&[at(0, 11.0), at(2, 11.0), at(4, 11.0)], 4));
    }
}
