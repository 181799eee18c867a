use super::*;

/// A pair of whole texts with the default scoring and nothing blocked.
fn plain<'t>(a: &'t Tokens, b: &'t Tokens) -> Pair<'t> {
    Pair {
        a,
        b,
        s: Scoring::default(),
        blocked_a: &[],
        blocked_b: &[],
    }
}

/// A gap's score does not depend on where its matrix lives (on the stack for small
/// gaps, in the per-thread buffer for large ones) nor on what the buffer held before.
#[test]
fn gap_scores_do_not_depend_on_the_matrix_buffer() {
    let a = Tokens::new("the new bridge acros the river will open in march after years of delay");
    let b = Tokens::new("a new bridgc across that river opens in march after many years of delays");
    let pair = plain(&a, &b);
    for n in 0..=a.len() {
        for m in 0..=b.len() {
            let got = pair.gap_fill(0, n, b.len() - m, b.len());
            if n == 0 || m == 0 {
                continue;
            }
            let mut junk = vec![(i32::MIN / 2, 7u32); (n + 1) * (m + 1)];
            assert_eq!(
                Some(got),
                pair.gap_matrix(0, n, b.len() - m, m, &mut junk, i32::MIN),
                "{n} × {m}"
            );
        }
    }
}

/// The score of aligning two tokens as first written (comparing their texts from
/// scratch, without fuzzy keys).
fn cmp(pair: &Pair<'_>, i: usize, j: usize) -> (i32, bool) {
    if pair.a.hashes[i] == pair.b.hashes[j] {
        (pair.s.matched, true)
    } else if super::super::tokens::fuzzy_equal(pair.a.text(i), pair.b.text(j)) {
        (pair.s.fuzzy, true)
    } else {
        (pair.s.mismatch, false)
    }
}

/// The gap matrix as first written (each band cell comparing its tokens from
/// scratch): the reference [`Pair::gap_fill`] must equal.
fn gap_reference(pair: &Pair<'_>, a0: usize, a1: usize, b0: usize, b1: usize) -> (i32, u32) {
    let (n, m) = (a1 - a0, b1 - b0);
    if n == 0 || m == 0 {
        return (pair.s.gap * (n + m) as i32, 0);
    }
    let w = m + 1;
    let mut h = vec![(0i32, 0u32); (n + 1) * w];
    for (j, cell) in h.iter_mut().enumerate().take(m + 1) {
        *cell = (pair.s.gap * j as i32, 0);
    }
    for i in 1..=n {
        h[i * w] = (pair.s.gap * i as i32, 0);
        let diag = i * m / n;
        for j in 1..=m {
            let (c, is_match) = if j.abs_diff(diag) <= 3 {
                cmp(pair, a0 + i - 1, b0 + j - 1)
            } else if pair.a.hashes[a0 + i - 1] == pair.b.hashes[b0 + j - 1] {
                (pair.s.matched, true)
            } else {
                (pair.s.mismatch, false)
            };
            let d = h[(i - 1) * w + j - 1];
            let mut best = (d.0 + c, d.1 + u32::from(is_match));
            let up = h[(i - 1) * w + j];
            if up.0 + pair.s.gap > best.0 {
                best = (up.0 + pair.s.gap, up.1);
            }
            let left = h[i * w + j - 1];
            if left.0 + pair.s.gap > best.0 {
                best = (left.0 + pair.s.gap, left.1);
            }
            h[i * w + j] = best;
        }
    }
    h[n * w + m]
}

#[test]
fn gap_fill_equals_the_reference_on_random_texts() {
    let mut state = 11u64;
    let mut fuzzy = 0;
    for round in 0..300 {
        let a = Tokens::new(&random_text(&mut state, 5 + round % 40));
        let b = Tokens::new(&random_text(&mut state, 5 + round % 33));
        let pair = plain(&a, &b);
        for (a0, b0) in [(0, 0), (1, 2), (a.len() / 3, b.len() / 4)] {
            for (a1, b1) in [(a.len(), b.len()), (a0 + 3, b0 + 4), (a0 + 9, b0 + 7)] {
                let (a1, b1) = (a1.min(a.len()), b1.min(b.len()));
                if a1 < a0 || b1 < b0 {
                    continue;
                }
                let got = pair.gap_fill(a0, a1, b0, b1);
                assert_eq!(
                    got,
                    gap_reference(&pair, a0, a1, b0, b1),
                    "round {round}: {a0}..{a1} × {b0}..{b1}"
                );
                // matches beyond the exact ones: fuzzy comparisons were made and held
                let exact = gap_reference(
                    &Pair {
                        s: Scoring {
                            fuzzy: -1000,
                            ..Scoring::default()
                        },
                        ..pair
                    },
                    a0,
                    a1,
                    b0,
                    b1,
                );
                fuzzy += usize::from(exact != got);
            }
        }
    }
    assert!(fuzzy > 50, "{fuzzy}");
}

/// A gap filled with a floor is the gap filled without one when it reaches the floor,
/// and nothing otherwise (the rows left early never hide a score at the floor).
#[test]
fn gap_fill_from_a_floor_is_the_gap_fill_or_nothing() {
    let mut state = 5u64;
    let (mut cut, mut kept) = (0, 0);
    for round in 0..300 {
        let a = Tokens::new(&random_text(&mut state, 8 + round % 50));
        let b = Tokens::new(&random_text(&mut state, 8 + round % 41));
        let pair = plain(&a, &b);
        for (a0, b0) in [(0, 0), (2, 1), (a.len() / 4, b.len() / 3)] {
            let (a1, b1) = (a.len(), b.len());
            let full = pair.gap_fill(a0, a1, b0, b1);
            for floor in [-60, -24, -10, 0, 5, full.0, full.0 + 1] {
                let got = pair.gap_fill_from(a0, a1, b0, b1, floor);
                assert_eq!(got, (full.0 >= floor).then_some(full), "round {round}");
                cut += usize::from(got.is_none());
                kept += usize::from(got.is_some());
            }
        }
    }
    assert!(cut > 100 && kept > 100, "{cut} {kept}");
}

/// The extension as it was first written (the whole matrix, each cell comparing its
/// tokens from scratch): the reference [`Pair::extend`] must equal.
fn extend_reference(
    pair: &Pair<'_>,
    i0: usize,
    j0: usize,
    forward: bool,
    p: &AlignParams,
) -> (usize, usize, u32) {
    let avail_a = free_run(
        pair.blocked_a,
        i0,
        forward,
        if forward { pair.a.len() - i0 } else { i0 },
    );
    let avail_b = free_run(
        pair.blocked_b,
        j0,
        forward,
        if forward { pair.b.len() - j0 } else { j0 },
    );
    let n = sentence_run(pair.a, i0, forward, avail_a.min(p.extend_window));
    let m = sentence_run(pair.b, j0, forward, avail_b.min(p.extend_window));
    if n == 0 || m == 0 {
        return (0, 0, 0);
    }
    let at = |k: usize, start: usize| if forward { start + k } else { start - 1 - k };
    const BAND: usize = 8;
    const NEG: i32 = i32::MIN / 4;
    let w = m + 1;
    let mut h = vec![(NEG, 0u32); (n + 1) * w];
    h[0] = (0, 0);
    for (j, cell) in h.iter_mut().enumerate().take(m.min(BAND) + 1).skip(1) {
        *cell = (pair.s.gap * j as i32, 0);
    }
    let mut best = (0i32, 0usize, 0usize, 0u32);
    for i in 1..=n {
        let lo = i.saturating_sub(BAND);
        let hi = (i + BAND).min(m);
        let mut row_best = NEG;
        for j in lo..=hi {
            let mut cell = (NEG, 0u32);
            if j == 0 {
                if i <= BAND {
                    cell = (pair.s.gap * i as i32, 0);
                }
            } else {
                let (c, is_match) = cmp(pair, at(i - 1, i0), at(j - 1, j0));
                let d = h[(i - 1) * w + j - 1];
                if d.0 > NEG {
                    cell = (d.0 + c, d.1 + u32::from(is_match));
                }
                let up = h[(i - 1) * w + j];
                if up.0 > NEG && up.0 + pair.s.gap > cell.0 {
                    cell = (up.0 + pair.s.gap, up.1);
                }
                let left = h[i * w + j - 1];
                if left.0 > NEG && left.0 + pair.s.gap > cell.0 {
                    cell = (left.0 + pair.s.gap, left.1);
                }
            }
            h[i * w + j] = cell;
            row_best = row_best.max(cell.0);
            if cell.0 > best.0 || (cell.0 == best.0 && cell.0 > 0 && i + j < best.1 + best.2) {
                best = (cell.0, i, j, cell.1);
            }
        }
        if row_best < best.0 - p.extend_drop {
            break;
        }
    }
    (best.1, best.2, best.3)
}

/// A text of `words` words drawn from a small vocabulary of near-misses (typos, OCR
/// confusions, short words, non-ASCII), with sentence ends here and there.
fn random_text(state: &mut u64, words: usize) -> String {
    const VOCAB: [&str; 24] = [
        "the",
        "of",
        "minister",
        "ministcr",
        "rninister",
        "said",
        "bridge",
        "bridgc",
        "river",
        "rivers",
        "modern",
        "modem",
        "a",
        "innocent",
        "innoceent",
        "café",
        "cafe",
        "straße",
        "strasse",
        "world",
        "wor1d",
        "government",
        "governor",
        "1990",
    ];
    let mut out = String::new();
    for _ in 0..words {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let r = (*state >> 33) as usize;
        out.push_str(VOCAB[r % VOCAB.len()]);
        out.push_str(if r.is_multiple_of(29) { ". " } else { " " });
    }
    out
}

#[test]
fn extension_equals_the_reference_on_random_texts() {
    let mut state = 7u64;
    let mut nonzero = 0;
    for round in 0..400 {
        let a = Tokens::new(&random_text(&mut state, 20 + round % 60));
        let b = Tokens::new(&random_text(&mut state, 20 + round % 45));
        let blocked: Vec<(u32, u32)> = if round % 5 == 0 { vec![(3, 6)] } else { vec![] };
        let pair = Pair {
            a: &a,
            b: &b,
            s: Scoring::default(),
            blocked_a: &blocked,
            blocked_b: &[],
        };
        let p = AlignParams {
            extend_window: [24, 8, 40][round % 3],
            ..AlignParams::default()
        };
        for (i0, j0) in [
            (0, 0),
            (5, 3),
            (a.len() / 2, b.len() / 2),
            (a.len(), b.len()),
        ] {
            for forward in [true, false] {
                let got = pair.extend(i0, j0, forward, &p);
                assert_eq!(
                    got,
                    extend_reference(&pair, i0, j0, forward, &p),
                    "round {round} at {i0}, {j0}"
                );
                nonzero += usize::from(got.2 > 0);
            }
        }
    }
    assert!(nonzero > 100, "{nonzero}");
}

#[test]
fn free_runs_stop_at_blocked_ranges() {
    let blocked = [(10, 15), (30, 40)];
    assert_eq!(free_run(&blocked, 5, true, 100), 5);
    assert_eq!(free_run(&blocked, 12, true, 100), 0);
    assert_eq!(free_run(&blocked, 20, true, 100), 10);
    assert_eq!(free_run(&blocked, 45, true, 100), 100);
    assert_eq!(free_run(&blocked, 20, false, 100), 5);
    assert_eq!(free_run(&blocked, 8, false, 100), 100);
    assert_eq!(free_run(&blocked, 12, false, 100), 0);
}
