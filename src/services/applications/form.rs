//! The application form's POST as one use case: save every valid field,
//! attach the chosen files and, when asked, submit, in one transaction.
//!
//! A resident presses one button; what that press changed is committed
//! together or not at all, with one fsync instead of one per step. A refused
//! submission still keeps what was saved: the refusal writes nothing, so the
//! saved fields and files are committed with it.

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::draft::{
    PreparedUpload, Upload, attach_in, forget_replaced, prepare_upload, requirement_for, save_in,
    store_in,
};
use super::fields::{Fields, parse_fields};
use super::submit::{Submitted, lock_round, pin_for, submit_in};
use super::{Acting, MailCtx, load_for_edit};
use crate::db::begin_write;
use crate::domain::application::ApplicationState;
use crate::domain::form::FieldErrors;
use crate::domain::lang::Lang;
use crate::domain::round::Msg;
use crate::pii::NikVault;
use crate::services::ServiceError;
use crate::services::documents::told_uploader;
use crate::storage::FileStore;

/// What the form's POST sends.
#[derive(Debug, Default)]
pub struct FormPost {
    /// The form's text fields.
    pub fields: Fields,
    /// The files chosen, one per document requirement.
    pub uploads: Vec<Upload>,
    /// `action=submit`: submit when nothing was refused.
    pub submit: bool,
    /// The language of the receipt mail.
    pub lang: Lang,
}

/// What the form's POST did.
#[derive(Debug, Default)]
pub struct FormOutcome {
    /// A message per field (or file) that was refused; empty when all was kept.
    pub errors: FieldErrors,
    /// NIK warnings (stored, shown; never a rejection).
    pub warnings: Vec<Msg>,
    /// A file was refused for its size (the page answers 413).
    pub too_large: bool,
    /// The submission, when asked for and accepted.
    pub submitted: Option<Submitted>,
    /// The application was no longer a draft (a double click, or a POST
    /// retried after the submission went through): nothing was saved, and
    /// the form sends it on to its receipt.
    pub already_sent: bool,
}

/// Saves the draft's valid fields, attaches each upload and, with
/// `post.submit` and nothing refused, submits, all in one transaction.
///
/// An application that is no longer a draft (a retried submission) is
/// `already_sent`, with nothing saved.
///
/// # Errors
/// `NotFound` when not the caller's; `Fields` when the fields cannot be
/// saved at all (nothing is kept); a refusal of the submission other than
/// `Fields` after the saved part was committed; storage failures.
pub async fn save_form(
    db: &DatabaseConnection,
    store: &FileStore,
    vault: &NikVault,
    mail: MailCtx<'_>,
    acting: Acting<'_>,
    id: Uuid,
    post: FormPost,
) -> Result<FormOutcome, ServiceError> {
    let today = OffsetDateTime::now_utc().date();
    let parsed = parse_fields(&post.fields.0, today);
    let mut out = FormOutcome::default();
    // Files are checked and synced to disk before the write lock is taken.
    let mut prepared: Vec<PreparedUpload> = Vec::new();
    for upload in post.uploads {
        let field = upload.field();
        match prepare_upload(store, upload).await {
            Ok(p) => prepared.push(p),
            Err(e) => note_refused(&mut out, &field, &e),
        }
    }
    let will_submit = post.submit && parsed.errors.is_empty() && out.errors.is_empty();
    let pin = if will_submit {
        pin_for(db, id).await?
    } else {
        None
    };
    let tx = begin_write(db).await?;
    if will_submit {
        // The submission locks the round; taken before the draft's audit
        // event locks the chain head, in the order every writer keeps
        // (PostgreSQL found the deadlock with a draft started meanwhile).
        let draft = load_for_edit(&tx, &acting, id).await?;
        lock_round(&tx, draft.round_id).await?;
    }
    let draft = load_for_edit(&tx, &acting, id).await?;
    if draft.state != ApplicationState::Draft {
        return Ok(FormOutcome {
            already_sent: true,
            ..FormOutcome::default()
        });
    }
    out.warnings = save_in(&tx, vault, &acting, &draft, &post.fields.0, &parsed, today).await?;
    out.errors.extend(parsed.errors);
    let mut replaced = Vec::new();
    for p in &prepared {
        let req = requirement_for(&tx, &draft, p).await?;
        match store_in(&tx, store, p).await {
            Ok(file) => {
                replaced.extend(
                    attach_in(&tx, &acting, &draft, p, &req, &file)
                        .await?
                        .replaced,
                );
            }
            Err(e) => note_refused(&mut out, p.field(), &e),
        }
    }
    let mut after_commit = Ok(());
    if will_submit && out.errors.is_empty() {
        match submit_in(&tx, vault, mail, &acting, id, post.lang, pin).await {
            Ok(done) => out.submitted = Some(done),
            Err(ServiceError::Fields(errors)) => out.errors = errors,
            Err(e) => after_commit = Err(e),
        }
    }
    tx.commit().await?;
    forget_replaced(db, store, replaced).await;
    after_commit.map(|()| out)
}

/// Files an upload that did not happen under its field: the refusal, or
/// that the file could not be saved.
fn note_refused(out: &mut FormOutcome, field: &str, e: &ServiceError) {
    out.too_large |= matches!(e, ServiceError::TooLarge(_));
    out.errors.insert(field.to_owned(), told_uploader(e));
}
