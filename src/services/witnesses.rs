//! Asking independent witnesses to cosign each checkpoint (C2SP
//! `tlog-witness`): the log sends `add-checkpoint` with a consistency proof
//! from the size the witness last cosigned; a `409` tells that size and the
//! request is retried from it. Valid cosignatures are appended to the stored
//! note, which is what `/log/checkpoint` and every receipt carry.
//!
//! The witnesses come from `witnesses.policy` in the data folder, in the
//! C2SP `tlog-policy` format with each witness's URL (its submission
//! prefix). Witnessing runs in the background: a witness that is down or
//! refuses never blocks the platform; its last error is kept for operators.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use time::OffsetDateTime;

use super::ServiceError;
use crate::app::App;
use crate::domain::merkle::cosign::cosigned_at;
use crate::domain::merkle::policy::{Policy, Witness};

/// Retries after `409 Conflict` before giving up on a witness for now.
const MAX_CONFLICTS: usize = 3;

pub use crate::domain::merkle::cosign::WitnessStatus;

/// The configured witnesses and their status in this process.
#[derive(Debug)]
pub struct Witnesses {
    policy: Option<Policy>,
    /// The policy file as written, published for verifiers.
    text: Option<String>,
    status: Mutex<BTreeMap<String, WitnessStatus>>,
    client: reqwest::Client,
}

impl Witnesses {
    /// The witnesses of `data_dir/witnesses.policy`, none when it is absent.
    /// A malformed file is logged and ignored: the platform runs without
    /// witnesses rather than not at all.
    #[must_use]
    pub fn load(data_dir: &Path) -> Witnesses {
        let path = data_dir.join("witnesses.policy");
        let text = std::fs::read_to_string(&path).ok();
        let policy = text.as_deref().and_then(|t| {
            Policy::parse(t)
                .inspect_err(|e| tracing::error!(error = %e, file = %path.display(), "witness policy ignored"))
                .ok()
        });
        let mut w = Witnesses::new(policy);
        if w.policy.is_some() {
            w.text = text;
        }
        w
    }

    /// The policy a verifier of this installation's receipts uses: the log
    /// key, then the configured witnesses and quorum (or `quorum none`).
    #[must_use]
    pub fn verifier_policy(&self, log: &crate::domain::checkpoint::VerifierKey) -> String {
        let witnesses = self.text.as_deref().unwrap_or("quorum none\n");
        format!("log {log}\n{witnesses}")
    }

    /// The given witnesses.
    #[must_use]
    pub fn new(policy: Option<Policy>) -> Witnesses {
        // reqwest is built without a bundled crypto provider; ring is the one
        // the mail transport already uses. A second install is refused, harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Witnesses {
            policy,
            text: None,
            status: Mutex::default(),
            client,
        }
    }

    /// The policy, if witnesses are configured.
    #[must_use]
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// Each witness's status, by policy name.
    #[must_use]
    pub fn statuses(&self) -> Vec<(String, WitnessStatus)> {
        let status = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.policy
            .iter()
            .flat_map(|p| &p.witnesses)
            .map(|w| {
                (
                    w.name.clone(),
                    status.get(&w.name).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn update(&self, name: &str, change: impl FnOnce(&mut WitnessStatus)) {
        let mut status = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        change(status.entry(name.to_owned()).or_default());
    }
}

/// Asks every configured witness that has not cosigned the latest
/// checkpoint to do so; returns how many new cosignatures were stored.
///
/// # Errors
/// Storage failures only; each witness's failure is recorded in its status.
pub async fn witness_latest(app: &App) -> Result<usize, ServiceError> {
    let Some(policy) = app.witnesses.policy() else {
        return Ok(0);
    };
    let Some(cp) = super::checkpoints::latest_row(&app.db).await? else {
        return Ok(0);
    };
    let opened = crate::domain::checkpoint::open(&cp.note, &app.checkpoint_key.verifier())
        .map_err(|e| anyhow::anyhow!("the latest checkpoint does not open: {e}"))?;
    let size = opened.checkpoint.seq;
    app.merkle.sync(&app.db).await?;
    let mut lines = String::new();
    for w in &policy.witnesses {
        let Some(url) = &w.url else { continue };
        if cosigned_at(&w.key, &opened.text, &cp.note).is_some() {
            continue;
        }
        match ask(app, w, url, &cp.note, size).await {
            Ok(line) => {
                app.witnesses.update(&w.name, |s| {
                    s.size = size;
                    s.cosigned_at = Some(OffsetDateTime::now_utc());
                    s.last_error = None;
                });
                lines.push_str(&line);
            }
            Err(e) => {
                tracing::warn!(witness = %w.name, error = %e, "witness did not cosign");
                app.witnesses.update(&w.name, |s| s.last_error = Some(e));
            }
        }
    }
    if lines.is_empty() {
        return Ok(0);
    }
    let added = lines.lines().count();
    let mut model: crate::db::entities::audit_checkpoint::ActiveModel = cp.clone().into();
    model.note = Set(format!("{}{lines}", cp.note));
    // In turn with the other writers, not beside them in SQLite's busy handler.
    let tx = crate::db::begin_write(&app.db).await?;
    model.update(&tx).await?;
    tx.commit().await?;
    Ok(added)
}

/// One witness: `add-checkpoint`, following `409` to the size it knows.
async fn ask(app: &App, w: &Witness, url: &str, note: &str, size: u64) -> Result<String, String> {
    let text_end = note.find("\n\n").map_or(note.len(), |i| i + 1);
    let text = &note[..text_end];
    let mut old = app
        .witnesses
        .statuses()
        .into_iter()
        .find(|(n, _)| *n == w.name)
        .map_or(0, |(_, s)| s.size);
    for _ in 0..=MAX_CONFLICTS {
        let proof = app
            .merkle
            .read()
            .tree
            .consistency_proof(old, size)
            .ok_or_else(|| format!("the witness has seen size {old}, more than this log's {size}: a split view or a truncated log"))?;
        let mut body = format!("old {old}\n");
        for h in proof {
            body.push_str(&B64.encode(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        let res = app
            .witnesses
            .client
            .post(format!("{}/add-checkpoint", url.trim_end_matches('/')))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("unreachable: {e}"))?;
        let status = res.status().as_u16();
        let answer = res.text().await.map_err(|e| format!("no answer: {e}"))?;
        match status {
            200 => {
                return answer
                    .lines()
                    .find(|l| cosigned_at(&w.key, text, l).is_some())
                    .map(|l| format!("{l}\n"))
                    .ok_or_else(|| {
                        "the answer holds no valid cosignature by this witness".to_owned()
                    });
            }
            409 => {
                old = answer.trim().parse().map_err(|_| {
                    format!(
                        "409 without a size: {:?}",
                        answer.chars().take(80).collect::<String>()
                    )
                })?;
                app.witnesses.update(&w.name, |s| s.size = old);
            }
            code => {
                return Err(format!(
                    "HTTP {code}: {}",
                    answer.chars().take(200).collect::<String>().trim()
                ));
            }
        }
    }
    Err("the witness kept answering 409".into())
}
