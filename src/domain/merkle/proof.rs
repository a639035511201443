//! Checking inclusion and consistency proofs (RFC 9162 §2.1.3.2 and
//! §2.1.4.2): the part of the log an applicant, an auditor or a witness runs.

use super::{Hash, node_hash};

/// Why a proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the index {index} is not inside a tree of {size} entries")]
    IndexOutsideTree { index: u64, size: u64 },
    #[error("the older size {old} is larger than the newer size {new}")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmptyTree,
    #[error("the proof has the wrong number of hashes for these sizes")]
    WrongLength,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// Checks that `leaf` is entry `index` of the tree of `size` entries whose
/// root is `root`.
///
/// # Errors
/// Why the proof does not hold.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutsideTree { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `new` entries with root `new_root` extends the
/// tree of `old` entries with root `old_root`.
///
/// # Errors
/// Why the proof does not hold; a proof from the empty tree is refused as
/// meaningless (any tree extends it, so callers handle size 0 themselves).
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizesOutOfOrder { old, new });
    }
    if old == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let mut path = proof.iter();
    // When the old tree is a complete subtree, its root is the first node.
    let first = if old.is_power_of_two() {
        *old_root
    } else {
        *path.next().ok_or(ProofError::WrongLength)?
    };
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use serde::Deserialize;

    fn fixture(name: &str) -> String {
        let path = format!("{}/fixtures/merkle/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A hash in a probe. Some vectors use short placeholders ("don't care")
    /// for roots only compared with each other; our hashes are 32 bytes by
    /// type, so a placeholder stands in as the SHA-256 of a tag and its
    /// bytes: equal placeholders stay equal, and none can match a real hash.
    fn hash(b64: Option<&String>) -> Option<Hash> {
        let raw = B64.decode(b64?).ok()?;
        Some(match <[u8; 32]>::try_from(raw.as_slice()) {
            Ok(h) => h,
            Err(_) => sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new_with_prefix(b"placeholder:"),
                &raw,
            ))
            .into(),
        })
    }

    /// A leaf or proof hash: anything but 32 bytes is refused, as verifiers
    /// of the vectors' origin refuse it.
    fn strict(b64: Option<&String>) -> Option<Hash> {
        B64.decode(b64?).ok()?.try_into().ok()
    }

    fn hashes(list: &[String]) -> Option<Vec<Hash>> {
        list.iter().map(|h| strict(Some(h))).collect()
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct InclusionProbe {
        file: String,
        leaf_idx: u64,
        tree_size: u64,
        root: Option<String>,
        leaf_hash: Option<String>,
        proof: Option<Vec<String>>,
        want_err: bool,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ConsistencyProbe {
        file: String,
        size1: u64,
        size2: u64,
        root1: Option<String>,
        root2: Option<String>,
        proof: Option<Vec<String>>,
        want_err: bool,
    }

    // The transparency-dev/merkle verification vectors (fixtures/merkle/README.md).
    #[test]
    fn inclusion_vectors_verify_exactly_when_expected() {
        let probes: Vec<InclusionProbe> = serde_json::from_str(&fixture("inclusion.json")).unwrap();
        assert!(probes.len() > 90);
        for p in probes {
            let proof = hashes(p.proof.as_deref().unwrap_or_default());
            let ok = match (strict(p.leaf_hash.as_ref()), hash(p.root.as_ref()), proof) {
                (Some(leaf), Some(root), Some(proof)) => {
                    verify_inclusion(p.leaf_idx, p.tree_size, &leaf, &proof, &root).is_ok()
                }
                _ => false,
            };
            assert_eq!(ok, !p.want_err, "{}", p.file);
        }
    }

    #[test]
    fn consistency_vectors_verify_exactly_when_expected() {
        let probes: Vec<ConsistencyProbe> =
            serde_json::from_str(&fixture("consistency.json")).unwrap();
        assert!(probes.len() > 90);
        for p in probes {
            let proof = hashes(p.proof.as_deref().unwrap_or_default());
            let ok = match (hash(p.root1.as_ref()), hash(p.root2.as_ref()), proof) {
                (Some(r1), Some(r2), Some(proof)) => {
                    verify_consistency(p.size1, p.size2, &proof, &r1, &r2).is_ok()
                }
                _ => false,
            };
            assert_eq!(ok, !p.want_err, "{}", p.file);
        }
    }

    /// The vectors' happy paths are proofs over the reference tree of eight
    /// leaves (`testonly/constants.go`); our tree must produce exactly them.
    #[test]
    fn the_tree_produces_the_reference_proofs() {
        let inputs = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
        ];
        let mut leaves: Vec<Hash> = inputs
            .iter()
            .map(|i| super::super::leaf_hash(&hex::decode(i).unwrap()))
            .collect();
        leaves.push(super::super::leaf_hash(
            &hex::decode("606162636465666768696a6b6c6d6e6f").unwrap(),
        ));
        let tree = super::super::Tree::from_leaves(leaves);
        let inclusion: Vec<InclusionProbe> =
            serde_json::from_str(&fixture("inclusion.json")).unwrap();
        let mut seen = 0;
        for p in inclusion
            .iter()
            .filter(|p| p.file.ends_with("/happy-path.json"))
        {
            let want = hashes(p.proof.as_deref().unwrap_or_default()).unwrap();
            assert_eq!(
                tree.inclusion_proof(p.leaf_idx, p.tree_size).unwrap(),
                want,
                "{}",
                p.file
            );
            assert_eq!(
                Some(tree.root_at(p.tree_size).unwrap()),
                hash(p.root.as_ref())
            );
            seen += 1;
        }
        let consistency: Vec<ConsistencyProbe> =
            serde_json::from_str(&fixture("consistency.json")).unwrap();
        for p in consistency
            .iter()
            .filter(|p| p.file.ends_with("/happy-path.json"))
        {
            let want = hashes(p.proof.as_deref().unwrap_or_default()).unwrap();
            assert_eq!(
                tree.consistency_proof(p.size1, p.size2).unwrap(),
                want,
                "{}",
                p.file
            );
            seen += 1;
        }
        assert_eq!(seen, 10);
    }
}
