//! The tree itself: every complete subtree hash, level by level, so that a
//! root, a proof or a tile of any earlier size costs a few lookups rather
//! than a pass over all leaves (the city's trail holds hundreds of thousands
//! of events).

use super::{Hash, empty_root, node_hash};

/// All complete subtree hashes of a log: `levels[k][j]` is the root of the
/// `2^k` leaves starting at leaf `j · 2^k`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// The largest power of two strictly below `n` (`n ≥ 2`), the split point of
/// RFC 6962's recursion.
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

impl Tree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Tree {
        Tree::default()
    }

    /// A tree over the given leaf hashes, in order.
    #[must_use]
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Tree {
        let mut tree = Tree::new();
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if !row.len().is_multiple_of(2) {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// The number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The complete subtree hashes at `level` (`2^level` leaves each).
    #[must_use]
    pub fn level(&self, level: usize) -> &[Hash] {
        self.levels.get(level).map_or(&[], Vec::as_slice)
    }

    /// The Merkle Tree Hash of leaves `start..end`, a range that RFC 6962's
    /// recursion produces (its start is a multiple of the power of two at or
    /// above its length). The caller keeps `start < end ≤ size`.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            return self.levels[k][usize::try_from(start >> k).unwrap_or(usize::MAX)];
        }
        let k = split(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The root of the tree of the first `size` leaves; `None` beyond the
    /// tree's size.
    #[must_use]
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            s if s <= self.size() => Some(self.subtree(0, s)),
            _ => None,
        }
    }

    /// The root of the whole tree.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_else(empty_root)
    }

    /// The inclusion proof (RFC 6962 §2.1.1 `PATH`) of leaf `index` in the
    /// tree of the first `size` leaves, from the leaf's sibling upwards.
    /// `None` unless `index < size ≤ self.size()`.
    #[must_use]
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) {
        let n = end - start;
        if n == 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, start + k, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.path(m - k, start + k, end, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// The consistency proof (RFC 6962 §2.1.2 `PROOF`) from the tree of the
    /// first `old` leaves to that of the first `new`. Empty when `old` is 0
    /// or equals `new`; `None` unless `old ≤ new ≤ self.size()`.
    #[must_use]
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<Hash>) {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, start + k, whole, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// The compact range of the first `size` leaves (`size ≤ self.size()`):
    /// enough to compute that root and extend it without the leaves.
    #[must_use]
    pub fn frontier(&self, size: u64) -> Frontier {
        let size = size.min(self.size());
        let mut peaks = Vec::new();
        let mut start = 0;
        for k in (0..64).rev() {
            let len = 1u64 << k;
            if size & len != 0 {
                peaks.push((k, self.subtree(start, start + len)));
                start += len;
            }
        }
        Frontier { size, peaks }
    }
}

/// The roots of the complete subtrees that make up a tree, left to right,
/// highest first: what extends a known tree by new leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<(u32, Hash)>,
}

impl Frontier {
    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0, leaf);
        while let Some(&(height, left)) = self.peaks.last() {
            if height != node.0 {
                break;
            }
            self.peaks.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// The number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The Merkle Tree Hash of all the leaves.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(&(_, mut root)) = peaks.next() else {
            return empty_root();
        };
        for (_, left) in peaks {
            root = node_hash(left, &root);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::super::{leaf_hash, verify_consistency, verify_inclusion};
    use super::*;
    use proptest::prelude::*;

    /// RFC 6962's definition, read literally: the reference the tree must match.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    // transparency-dev/merkle `testonly/constants.go`: LeafInputs and RootHashes.
    #[test]
    fn roots_match_the_reference_tree_of_eight_leaves() {
        let inputs = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ];
        let roots = [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let tree = Tree::from_leaves(inputs.iter().map(|i| leaf_hash(&hex::decode(i).unwrap())));
        for (size, want) in roots.iter().enumerate() {
            let size = size as u64;
            assert_eq!(
                hex::encode(tree.root_at(size).unwrap()),
                *want,
                "size {size}"
            );
            assert_eq!(
                hex::encode(tree.frontier(size).root()),
                *want,
                "size {size}"
            );
        }
        assert_eq!(tree.root_at(9), None);
    }

    #[test]
    fn proofs_outside_the_tree_are_refused() {
        let tree = Tree::from_leaves(leaves(5));
        assert_eq!(tree.inclusion_proof(5, 5), None);
        assert_eq!(tree.inclusion_proof(0, 6), None);
        assert_eq!(tree.consistency_proof(4, 3), None);
        assert_eq!(tree.consistency_proof(3, 6), None);
        assert_eq!(tree.consistency_proof(0, 5), Some(vec![]));
        assert_eq!(tree.consistency_proof(5, 5), Some(vec![]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn every_inclusion_proof_verifies_against_every_later_size(n in 1u64..70) {
            let all = leaves(n);
            let tree = Tree::from_leaves(all.iter().copied());
            prop_assert_eq!(tree.root(), mth(&all));
            for size in 1..=n {
                let root = tree.root_at(size).unwrap();
                prop_assert_eq!(root, mth(&all[..size as usize]));
                for index in 0..size {
                    let proof = tree.inclusion_proof(index, size).unwrap();
                    let leaf = all[index as usize];
                    prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
                    let other = leaf_hash(b"not in the log");
                    prop_assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
                    if size > 1 {
                        prop_assert!(verify_inclusion((index + 1) % size, size, &leaf, &proof, &root).is_err());
                    }
                }
            }
        }

        #[test]
        fn consistency_holds_between_any_two_sizes(n in 1u64..70) {
            let tree = Tree::from_leaves(leaves(n));
            for new in 1..=n {
                let new_root = tree.root_at(new).unwrap();
                for old in 1..=new {
                    let old_root = tree.root_at(old).unwrap();
                    let proof = tree.consistency_proof(old, new).unwrap();
                    prop_assert_eq!(verify_consistency(old, new, &proof, &old_root, &new_root), Ok(()));
                    if old < new {
                        // A different history of the same size does not pass.
                        let mut forked = leaves(old);
                        forked[0] = leaf_hash(b"rewritten");
                        let forked_root = mth(&forked);
                        prop_assert!(verify_consistency(old, new, &proof, &forked_root, &new_root).is_err());
                    }
                }
            }
        }

        #[test]
        fn a_frontier_extends_like_the_tree(n in 0u64..300, cut in 0u64..300) {
            let all = leaves(n);
            let cut = cut.min(n);
            let tree = Tree::from_leaves(all[..cut as usize].iter().copied());
            let mut frontier = tree.frontier(cut);
            for leaf in &all[cut as usize..] {
                frontier.push(*leaf);
            }
            prop_assert_eq!(frontier.size(), n);
            prop_assert_eq!(frontier.root(), mth(&all));
        }
    }
}
