//! What the unit tests of several stages share: a scratch folder of their own and
//! reproducible pseudo-random numbers (a fixed linear congruential generator), so that each
//! test does not carry its own copy.

use std::path::PathBuf;

/// The folder `chorus-<name>-<process id>` under the system's temporary folder, created if
/// absent: a test's own scratch folder.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chorus-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `rows` rows of `per_row` numbers: the same pseudo-random sequence on every call, each
/// number passed through `value`.
pub(crate) fn random_rows(
    rows: usize,
    per_row: usize,
    mut value: impl FnMut(u64) -> u64,
) -> Vec<Vec<u64>> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..rows)
        .map(|_| {
            (0..per_row)
                .map(|_| {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    value(x)
                })
                .collect()
        })
        .collect()
}
