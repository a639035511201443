//! Trust policies in the C2SP `tlog-policy` format: which logs a verifier
//! accepts, which witnesses it knows, and the quorum of cosignatures that
//! makes a checkpoint trustworthy (`group NAME k|all|any MEMBER…`,
//! `quorum NAME|none`). The installation reads its witnesses (with their
//! URLs) from the same format.

use std::collections::{BTreeMap, BTreeSet};

use super::cosign::WitnessKey;
use crate::domain::checkpoint::VerifierKey;

/// A witness of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// The policy's name for it (for groups and the quorum).
    pub name: String,
    pub key: WitnessKey,
    /// The submission prefix, for a log that asks for cosignatures.
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    threshold: usize,
    members: Vec<String>,
}

/// A parsed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub logs: Vec<VerifierKey>,
    pub witnesses: Vec<Witness>,
    groups: BTreeMap<String, Group>,
    /// `None` for `quorum none`.
    quorum: Option<String>,
}

/// Why a policy file was refused, with its line number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {why}")]
pub struct PolicyError {
    pub line: usize,
    pub why: String,
}

impl Policy {
    /// Reads a policy file.
    ///
    /// # Errors
    /// The first line that breaks the format, or a missing quorum line.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy {
            logs: Vec::new(),
            witnesses: Vec::new(),
            groups: BTreeMap::new(),
            quorum: None,
        };
        let mut quorum_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let err = |why: &str| PolicyError {
                line: i + 1,
                why: why.to_owned(),
            };
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            match words.as_slice() {
                [] => {}
                [first, ..] if first.starts_with('#') => {}
                ["log", vkey, rest @ ..] if rest.len() <= 1 => {
                    let key: VerifierKey = vkey
                        .parse()
                        .map_err(|_| err("not a log key (vkey of type 0x01)"))?;
                    if p.logs.iter().any(|l| l.key == key.key) {
                        return Err(err("the same log twice"));
                    }
                    p.logs.push(key);
                }
                ["witness", name, vkey, rest @ ..] if rest.len() <= 1 => {
                    let key = WitnessKey::parse(vkey).map_err(|e| err(&e.to_string()))?;
                    if p.defines(name) || p.witnesses.iter().any(|w| w.key.key == key.key) {
                        return Err(err("a witness name or key defined twice"));
                    }
                    p.witnesses.push(Witness {
                        name: (*name).to_owned(),
                        key,
                        url: rest.first().map(|u| (*u).to_owned()),
                    });
                }
                ["group", name, k, members @ ..] if !members.is_empty() => {
                    if p.defines(name) {
                        return Err(err("a name defined twice"));
                    }
                    let unique: BTreeSet<&&str> = members.iter().collect();
                    if unique.len() != members.len() || members.iter().any(|m| !p.defines(m)) {
                        return Err(err("a member listed twice or not defined above"));
                    }
                    let threshold = match *k {
                        "all" => members.len(),
                        "any" => 1,
                        n => n
                            .parse::<usize>()
                            .ok()
                            .filter(|n| (1..=members.len()).contains(n))
                            .ok_or_else(|| {
                                err("a threshold must be all, any or 1 to the member count")
                            })?,
                    };
                    p.groups.insert(
                        (*name).to_owned(),
                        Group {
                            threshold,
                            members: members.iter().map(|m| (*m).to_owned()).collect(),
                        },
                    );
                }
                ["quorum", name] => {
                    if quorum_seen {
                        return Err(err("a second quorum line"));
                    }
                    if *name != "none" && !p.defines(name) {
                        return Err(err("the quorum names nothing defined above"));
                    }
                    quorum_seen = true;
                    p.quorum = (*name != "none").then(|| (*name).to_owned());
                }
                _ => return Err(err("not a log, witness, group or quorum line")),
            }
        }
        if !quorum_seen {
            return Err(PolicyError {
                line: text.lines().count(),
                why: "no quorum line".into(),
            });
        }
        Ok(p)
    }

    fn defines(&self, name: &str) -> bool {
        name != "none"
            && (self.groups.contains_key(name) || self.witnesses.iter().any(|w| w.name == name))
    }

    /// Whether the witnesses named (by their policy names) satisfy the quorum.
    #[must_use]
    pub fn quorum_met(&self, cosigned: &BTreeSet<String>) -> bool {
        self.quorum
            .as_ref()
            .is_none_or(|q| self.witnessed(q, cosigned))
    }

    fn witnessed(&self, name: &str, cosigned: &BTreeSet<String>) -> bool {
        match self.groups.get(name) {
            Some(g) => {
                g.members
                    .iter()
                    .filter(|m| self.witnessed(m, cosigned))
                    .count()
                    >= g.threshold
            }
            None => cosigned.contains(name),
        }
    }

    /// A one-line description of the quorum, for messages.
    #[must_use]
    pub fn quorum_name(&self) -> &str {
        self.quorum.as_deref().unwrap_or("none")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn wkey(n: u8) -> String {
        WitnessKey::new(
            &format!("w{n}.example"),
            SigningKey::from_bytes(&[n; 32]).verifying_key(),
        )
        .to_string()
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_two_level_example_of_the_specification_holds() {
        let text = format!(
            "# comment\nwitness X1 {}\nwitness X2 {}\nwitness X3 {}\ngroup X-witnesses 2 X1 X2 X3\n\n\
             witness Y1 {} https://y1.example/\n\twitness Y2 {}\ngroup Y-witnesses any Y1 Y2\n\
             group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n",
            wkey(1),
            wkey(2),
            wkey(3),
            wkey(4),
            wkey(5)
        );
        let p = Policy::parse(&text).unwrap();
        assert_eq!(p.witnesses.len(), 5);
        assert_eq!(p.witnesses[3].url.as_deref(), Some("https://y1.example/"));
        assert!(p.quorum_met(&set(&["X1", "X3", "Y2"])));
        assert!(!p.quorum_met(&set(&["X1", "Y2"])));
        assert!(!p.quorum_met(&set(&["X1", "X2", "X3"])));
    }

    #[test]
    fn malformed_policies_are_refused_with_their_line() {
        let w1 = wkey(1);
        for (bad, line) in [
            (format!("witness A {w1}\n"), 1),
            (format!("witness A {w1}\nquorum B\n"), 2),
            (
                format!("witness A {w1}\nwitness A {}\nquorum A\n", wkey(2)),
                2,
            ),
            (format!("witness A {w1}\ngroup G 2 A\nquorum G\n"), 2),
            (format!("witness A {w1}\ngroup G any A A\nquorum G\n"), 2),
            ("quorum none\nquorum none\n".to_owned(), 2),
            ("witness A notakey\nquorum A\n".to_owned(), 1),
            ("frobnicate\nquorum none\n".to_owned(), 1),
        ] {
            assert_eq!(
                Policy::parse(&bad).map(|_| ()).unwrap_err().line,
                line,
                "{bad}"
            );
        }
        assert!(
            Policy::parse("quorum none\n")
                .unwrap()
                .quorum_met(&BTreeSet::new())
        );
    }
}
