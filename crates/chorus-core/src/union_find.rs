//! Union-find over `0..n`, in which the smaller root wins every union: the root of a set is
//! always its smallest element, so the sets and their roots do not depend on the order of
//! the unions. Used to join aligned pairs into clusters and near-duplicates into groups,
//! and by chorus-eval to join documents that share a cluster: one union-find for the
//! workspace, public at the crate root as [`UnionFind`](crate::UnionFind).

/// Disjoint sets over `0..n`; the root of each set is its smallest element.
#[derive(Debug, Clone)]
pub struct UnionFind(Vec<u32>);

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind((0..n as u32).collect())
    }

    /// The root (smallest element) of `x`'s set, halving the path on the way.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }

    /// Joins the sets of `x` and `y`.
    pub fn union(&mut self, x: u32, y: u32) {
        let (rx, ry) = (self.find(x), self.find(y));
        if rx != ry {
            let (lo, hi) = (rx.min(ry), rx.max(ry));
            self.0[hi as usize] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_smallest_members_whatever_the_order() {
        let mut a = UnionFind::new(6);
        a.union(4, 5);
        a.union(5, 2);
        a.union(1, 3);
        let mut b = UnionFind::new(6);
        b.union(2, 5);
        b.union(3, 1);
        b.union(4, 2);
        for x in 0..6 {
            assert_eq!(a.find(x), b.find(x));
        }
        assert_eq!([a.find(5), a.find(3), a.find(0)], [2, 1, 0]);
    }
}
