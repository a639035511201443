//! Receipts: one audit event with the proof that it is in the log, in the
//! C2SP `tlog-proof` format, checkable offline by anyone holding a policy.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the event's canonical JSON text, exactly as hashed>
//! index <seq − 1>
//! <inclusion proof: one base64 hash per line, from the leaf's sibling up>
//!
//! <the checkpoint note, with the log's signature and the witnesses' cosignatures>
//! ```
//!
//! The event hash is the SHA-256 of the `extra` bytes; its leaf hash is
//! `SHA-256(0x00 ‖ event hash)`; the JSON's `seq` must be `index + 1`.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use super::policy::Policy;
use super::{Hash, leaf_hash, verify_inclusion};
use crate::domain::checkpoint::open;

/// The first line of every receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A receipt as written to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The event's canonical JSON text.
    pub event: String,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The checkpoint note, verbatim.
    pub checkpoint: String,
}

/// Why a receipt does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The file is not a receipt (exit code 2 in the CLI).
    #[error("not a tlog-proof receipt: {0}")]
    Malformed(String),
    #[error("the checkpoint is not signed by a log the policy names: {0}")]
    NotSignedByLog(String),
    #[error("the witnesses' cosignatures ({have}) do not meet the quorum {quorum}")]
    QuorumNotMet { have: String, quorum: String },
    #[error("the event does not say it is entry {0}")]
    WrongSeq(u64),
    #[error("the event is not in the signed tree: {0}")]
    NotIncluded(String),
}

/// A receipt that holds: what it proves.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    pub event: serde_json::Value,
    pub event_hash: String,
    pub origin: String,
    pub tree_size: u64,
    /// Policy names of the witnesses that cosigned, with their times.
    pub witnesses: Vec<(String, u64)>,
}

impl Receipt {
    /// The file text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            B64.encode(self.event.as_bytes()),
            self.index
        );
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Reads a receipt file.
    ///
    /// # Errors
    /// [`ReceiptError::Malformed`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let bad = |why: &str| ReceiptError::Malformed(why.to_owned());
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.lines();
        if lines.next() != Some(HEADER) {
            return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
        }
        let extra = lines
            .next()
            .and_then(|l| l.strip_prefix("extra "))
            .ok_or_else(|| bad("no extra line holding the event"))?;
        let event = B64
            .decode(extra)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| bad("the extra line is not base64 of UTF-8 text"))?;
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .filter(|n| *n == "0" || (!n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad("no index line"))?;
        let proof = lines
            .map(|l| B64.decode(l).ok().and_then(|h| h.try_into().ok()))
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))?;
        Ok(Receipt {
            event,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Checks the receipt against a policy: the log's signature, the
    /// witnesses' quorum, the event's place and its inclusion proof.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn verify(&self, policy: &Policy) -> Result<Verified, ReceiptError> {
        let mut last_error = "the policy names no log".to_owned();
        let opened = policy
            .logs
            .iter()
            .find_map(|key| match open(&self.checkpoint, key) {
                Ok(o) => Some(o),
                Err(e) => {
                    last_error = e.to_string();
                    None
                }
            })
            .ok_or(ReceiptError::NotSignedByLog(last_error))?;
        let signatures = &self.checkpoint[opened.text.len()..];
        let witnesses: Vec<(String, u64)> = policy
            .witnesses
            .iter()
            .filter_map(|w| {
                super::cosign::cosigned_at(&w.key, &opened.text, signatures)
                    .map(|t| (w.name.clone(), t))
            })
            .collect();
        let names: BTreeSet<String> = witnesses.iter().map(|(n, _)| n.clone()).collect();
        if !policy.quorum_met(&names) {
            return Err(ReceiptError::QuorumNotMet {
                have: if names.is_empty() {
                    "none".into()
                } else {
                    names.into_iter().collect::<Vec<_>>().join(", ")
                },
                quorum: policy.quorum_name().to_owned(),
            });
        }
        let event: serde_json::Value = serde_json::from_str(&self.event)
            .map_err(|_| ReceiptError::Malformed("the event is not JSON".into()))?;
        if event.get("seq").and_then(serde_json::Value::as_u64) != self.index.checked_add(1) {
            return Err(ReceiptError::WrongSeq(self.index));
        }
        let event_hash: Hash = Sha256::digest(self.event.as_bytes()).into();
        verify_inclusion(
            self.index,
            opened.checkpoint.seq,
            &leaf_hash(&event_hash),
            &self.proof,
            &opened.root,
        )
        .map_err(|e| ReceiptError::NotIncluded(e.to_string()))?;
        Ok(Verified {
            event,
            event_hash: hex::encode(event_hash),
            origin: opened.origin,
            tree_size: opened.checkpoint.seq,
            witnesses,
        })
    }
}

/// One event of an application, as listed for download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRow {
    pub seq: i64,
    pub action: String,
    /// The stored UTC time text of the event.
    pub at: String,
    /// Whether a signed checkpoint covers it already (otherwise the receipt
    /// can be downloaded after the next one).
    pub covered: bool,
}

#[cfg(test)]
mod tests {
    use super::super::cosign::{WitnessKey, cosign};
    use super::super::{Tree, event_leaf};
    use super::*;
    use crate::domain::audit::Checkpoint;
    use crate::domain::checkpoint::{VerifierKey, sign};
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "pokmas.example/audit";

    fn event(seq: u64) -> String {
        format!(r#"{{"action":"test.happened","payload":{{}},"seq":{seq}}}"#)
    }

    /// A log of five events, a receipt for event `seq`, cosigned by `w` of
    /// two witnesses; returns the receipt and a 2-of-2 policy.
    fn fixture(seq: u64, cosigners: &[u8]) -> (Receipt, Policy) {
        let hashes: Vec<String> = (1..=5)
            .map(|s| hex::encode(Sha256::digest(event(s).as_bytes())))
            .collect();
        let tree = Tree::from_leaves(hashes.iter().map(|h| event_leaf(h).unwrap()));
        let log = SigningKey::from_bytes(&[1; 32]);
        let cp = Checkpoint {
            seq: 5,
            hash: hashes[4].clone(),
        };
        let mut note = sign(ORIGIN, &cp, &tree.root(), &log).unwrap();
        let text = note.split("\n\n").next().unwrap().to_owned() + "\n";
        for &w in cosigners {
            note.push_str(&cosign(
                &format!("w{w}.example"),
                &SigningKey::from_bytes(&[w; 32]),
                &text,
                1_700_000_000,
            ));
        }
        let policy = format!(
            "log {}\nwitness A {}\nwitness B {}\ngroup both 2 A B\nquorum both\n",
            VerifierKey::new(ORIGIN, log.verifying_key()).unwrap(),
            WitnessKey::new(
                "w7.example",
                SigningKey::from_bytes(&[7; 32]).verifying_key()
            ),
            WitnessKey::new(
                "w8.example",
                SigningKey::from_bytes(&[8; 32]).verifying_key()
            ),
        );
        let receipt = Receipt {
            event: event(seq),
            index: seq - 1,
            proof: tree.inclusion_proof(seq - 1, 5).unwrap(),
            checkpoint: note,
        };
        (receipt, Policy::parse(&policy).unwrap())
    }

    #[test]
    fn a_receipt_cosigned_by_the_quorum_verifies_and_round_trips() {
        let (receipt, policy) = fixture(3, &[7, 8]);
        let text = receipt.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        assert!(text.contains("\nindex 2\n"));
        let parsed = Receipt::parse(&text).unwrap();
        assert_eq!(parsed, receipt);
        let v = parsed.verify(&policy).unwrap();
        assert_eq!(v.tree_size, 5);
        assert_eq!(v.event["seq"], 3);
        assert_eq!(
            v.witnesses.iter().map(|w| w.0.as_str()).collect::<Vec<_>>(),
            ["A", "B"]
        );
    }

    #[test]
    fn a_receipt_fails_without_the_quorum_or_with_anything_changed() {
        let (receipt, policy) = fixture(3, &[7]);
        assert!(matches!(
            receipt.verify(&policy),
            Err(ReceiptError::QuorumNotMet { .. })
        ));
        let (receipt, policy) = fixture(3, &[7, 8]);
        let mut other = receipt.clone();
        other.event = event(3).replace("test.happened", "test.forged");
        assert!(matches!(
            other.verify(&policy),
            Err(ReceiptError::NotIncluded(_))
        ));
        let mut moved = receipt.clone();
        moved.index = 3;
        assert_eq!(moved.verify(&policy), Err(ReceiptError::WrongSeq(3)));
        let mut resigned = receipt.clone();
        resigned.checkpoint = resigned.checkpoint.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            resigned.verify(&policy),
            Err(ReceiptError::NotSignedByLog(_))
        ));
        assert!(matches!(
            Receipt::parse("hello\n\n"),
            Err(ReceiptError::Malformed(_))
        ));
    }
}
