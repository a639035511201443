//! Use cases. One function = one transaction that changes state, appends its
//! audit events and enqueues its mail; handlers and the CLI only call these.

pub mod accounts;
pub mod applications;
pub mod checkpoints;
pub mod documents;
pub mod merkle_log;
pub mod panel_freeze;
pub mod panels;
pub mod rate_limit;
pub mod receipts;
pub mod regions;
pub mod rounds;
pub mod scoring;
pub mod self_service;
pub mod shortlists;
pub mod standings;
pub mod tlog;
// verification and staff accounts
pub mod staff;
pub mod verification;
pub mod witnesses;
// auditor exports
pub mod exports;
// auditors' workspace: trail browser, histories, panel analytics
pub mod analytics;
pub mod panel_review;
pub mod second_look;
pub mod trail;
// lottery witnesses, imports, progress (panel/admin input side)
pub mod after_final;
pub mod imports;
pub mod input_approvals;
pub mod lottery;
pub mod panel_admin;
// results, objections and finalization
pub mod objection_scorecards;
pub mod objections;
pub mod results;
// public downloads of a published round
pub mod public_exports;
// objection decisions waiting for a second admin
pub mod score_breakdown;
pub mod waiting_decisions;
// personal data: privacy settings, retention, erasure, access, breaches
pub mod access;
pub mod breaches;
pub mod data_keys;
pub mod erasure;
pub mod privacy;
pub mod retention;
// personal API tokens
pub mod api_tokens;

use sea_orm::DbErr;

/// Why a use case did not happen. Nothing was changed in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that breaks a rule; the message is for the person who typed it,
    /// in both languages.
    #[error("{0}")]
    Invalid(crate::domain::msg::Msg),
    /// Input that breaks a rule, with a message per field (`""` for the
    /// form as a whole): a form shows each next to its field.
    #[error("invalid input: {0:?}")]
    Fields(crate::domain::form::FieldErrors),
    /// A file refused whole (an import), with every problem and its line,
    /// in file order: a line may have several, which field errors keyed by
    /// name could not keep.
    #[error("refused file: {0:?}")]
    Lines(Vec<crate::domain::imported::LineError>),
    /// An upload larger than allowed; the message, in both languages, says
    /// the limit (the API answers 413).
    #[error("{0}")]
    TooLarge(crate::domain::msg::Msg),
    /// The thing already exists (e.g. an e-mail address already registered),
    /// or the state does not allow it; in both languages.
    #[error("{0}")]
    Conflict(crate::domain::msg::Msg),
    /// The subject does not exist (or is out of the caller's scope).
    #[error("not found")]
    NotFound,
    /// The caller's role or scope does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    /// A refusal of input (`id` may be a [`Msg`](crate::domain::msg::Msg) in
    /// both languages, or a text not translated yet).
    pub fn invalid(m: impl Into<crate::domain::msg::Msg>) -> ServiceError {
        ServiceError::Invalid(m.into())
    }

    /// A refusal by the current state, see [`ServiceError::invalid`].
    pub fn conflict(m: impl Into<crate::domain::msg::Msg>) -> ServiceError {
        ServiceError::Conflict(m.into())
    }

    /// A refusal of a form as a whole, shown above its fields.
    pub fn form(msg: crate::domain::msg::Msg) -> ServiceError {
        Self::field("", msg)
    }

    /// A refusal attached to one field of a form.
    pub fn field(name: &str, msg: crate::domain::msg::Msg) -> ServiceError {
        let mut e = crate::domain::form::FieldErrors::new();
        e.insert(name.to_owned(), msg);
        ServiceError::Fields(e)
    }

    /// Every message of the refusal as one, in both languages (field
    /// errors joined); `None` for errors that are not refusals.
    #[must_use]
    pub fn refusal(&self) -> Option<crate::domain::msg::Msg> {
        use crate::domain::msg::Msg;
        match self {
            ServiceError::Invalid(m) | ServiceError::Conflict(m) | ServiceError::TooLarge(m) => {
                Some(m.clone())
            }
            ServiceError::Fields(errs) => {
                let join =
                    |pick: fn(&Msg) -> &str| errs.values().map(pick).collect::<Vec<_>>().join(" ");
                Some(Msg::new(join(|m| &m.id), join(|m| &m.en)))
            }
            ServiceError::Lines(lines) => {
                let join = |lang| {
                    lines
                        .iter()
                        .map(|l| l.text(lang))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                Some(Msg::new(
                    join(crate::domain::lang::Lang::Id),
                    join(crate::domain::lang::Lang::En),
                ))
            }
            _ => None,
        }
    }
}

/// The id of the admin account acting; `Forbidden` for any other role and
/// for the platform itself (a decision, an approval or a four-eyes step
/// needs a person to attribute it to).
pub(crate) fn require_admin(actor: crate::db::audit::Actor) -> Result<uuid::Uuid, ServiceError> {
    actor.admin_id().ok_or(ServiceError::Forbidden)
}

/// Administration the platform itself may run too (the CLI and the demo set
/// up rounds, witnesses and staff accounts): an admin account or the
/// platform; `Forbidden` for anyone else.
pub(crate) fn require_admin_or_platform(
    actor: crate::db::audit::Actor,
) -> Result<(), ServiceError> {
    if actor.administers() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

// information section, messages without e-mail, open statistics
pub mod info_docs;
pub mod information;
pub mod message_consent;
pub mod open_stats;
