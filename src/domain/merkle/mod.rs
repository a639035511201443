//! The Merkle tree over the audit trail, kept beside the hash chain so that
//! anyone can check one event against a signed checkpoint without holding the
//! whole trail (RFC 6962 / RFC 9162, §2.1).
//!
//! Leaf `i` (counting from 0) is the event with `seq` `i + 1`; its leaf hash is
//! `SHA-256(0x00 ‖ the 32 bytes of the event's hash)`, and an inner node is
//! `SHA-256(0x01 ‖ left ‖ right)`. Entries hold event hashes only, never the
//! events themselves, so the tree carries no personal data.

pub mod cosign;
pub mod policy;
pub mod proof;
pub mod receipt;
pub mod tile;
pub mod tree;

use sha2::{Digest, Sha256};

pub use proof::{ProofError, verify_consistency, verify_inclusion};
pub use tree::Tree;

/// A SHA-256 digest: a leaf, an inner node or a root.
pub type Hash = [u8; 32];

/// The RFC 6962 leaf hash of an entry.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// The RFC 6962 hash of an inner node from its two children.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: the hash of the empty string.
#[must_use]
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The leaf hash of an audit event, from its hash as written in the trail
/// (64 hex digits). `None` when the text is not a SHA-256 in hex.
#[must_use]
pub fn event_leaf(event_hash_hex: &str) -> Option<Hash> {
    let raw: [u8; 32] = hex::decode(event_hash_hex).ok()?.try_into().ok()?;
    Some(leaf_hash(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // The hasher vectors of transparency-dev/merkle `rfc6962/rfc6962_test.go`.
    #[test]
    fn hashes_match_the_rfc6962_reference_vectors() {
        assert_eq!(
            empty_root().to_vec(),
            hx("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            leaf_hash(b"").to_vec(),
            hx("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(
            leaf_hash(b"L123456").to_vec(),
            hx("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        );
        // HashChildren("N123", "N456") hashes 0x01 ‖ "N123" ‖ "N456".
        let mut h = Sha256::new();
        h.update([1]);
        h.update(b"N123N456");
        let node: Hash = h.finalize().into();
        assert_eq!(
            node.to_vec(),
            hx("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
        );
    }

    #[test]
    fn an_event_leaf_hashes_the_raw_event_hash_not_its_hex_text() {
        let hex64 = "ab".repeat(32);
        assert_eq!(event_leaf(&hex64), Some(leaf_hash(&[0xab; 32])));
        assert_eq!(event_leaf("abc"), None);
        assert_eq!(event_leaf(&"zz".repeat(32)), None);
    }
}
