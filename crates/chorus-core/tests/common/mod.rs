//! What the stage-composition tests share: their own randomness.

#![allow(dead_code)] // each test file uses a part

/// SplitMix64: the test's own randomness for shuffles and partitions.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
    /// `v` cut into 1 to 4 random pieces.
    pub fn partition<T>(&mut self, mut v: Vec<T>) -> Vec<Vec<T>> {
        let parts = 1 + self.below(4);
        let mut out = Vec::new();
        for p in (1..=parts).rev() {
            let take = if p == 1 {
                v.len()
            } else {
                self.below(v.len() + 1)
            };
            let rest = v.split_off(take);
            out.push(v);
            v = rest;
        }
        out
    }
}
