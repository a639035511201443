//! Fit & proper test scoring: conflict declarations, scorecards and
//! amendments. Each use case is one transaction that writes the
//! change, appends its event (with old and new values, so any standing can be
//! replayed from the trail) and re-ranks the formation with that event as cause.

mod declaration;
mod draft;
mod reads;
mod submit;
mod values;
pub use declaration::{ConflictKind, conflict_flags, declare};
pub use draft::{DraftValues, save_draft};
pub use reads::{QueueItem, ScoreSheet, panelist_queue, score_sheet};
pub use submit::{submit, submit_with_comments};
pub use values::{COMMENT_MAX_CHARS, Comments, Values};
use values::{check_comments, check_values, not_panel, off_scale};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::ServiceError;
use super::standings::Known;
use crate::db::entities::{application, conflict_declaration, criterion, round};
use crate::domain::application::ApplicationState;

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::Invalid(crate::domain::msg::Msg::new(id, en))
}

/// An application as its panel sees it: with its round and the panelists
/// of the panels that assess its formation.
struct Scope {
    app: application::Model,
    round: round::Model,
    /// Sorted, without duplicates; the re-rank needs the same list.
    panelists: Vec<Uuid>,
}

/// Loads the application and checks that `panelist` sits on the panel that
/// assesses its formation; anything else is "not found" to the panelist.
/// Two statements: this opens every declaration and scorecard.
async fn scope<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<Scope, ServiceError> {
    let (app, round) = application::Entity::find_by_id(application_id)
        .find_also_related(round::Entity)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = round.ok_or(ServiceError::NotFound)?;
    let formation_id = app.formation_id.ok_or(ServiceError::NotFound)?;
    let panelists = super::standings::formation_panelists(tx, formation_id).await?;
    if panelists.binary_search(&panelist).is_err() {
        return Err(ServiceError::NotFound);
    }
    Ok(Scope {
        app,
        round,
        panelists,
    })
}

impl Scope {
    /// What the re-rank after this change would otherwise read again.
    fn known(self, criteria: Option<Vec<criterion::Model>>) -> Known {
        Known {
            round: Some(self.round),
            criteria,
            panelists: Some(self.panelists),
            application: Some(self.app),
            stage: None,
        }
    }
}

/// A panelist may put values on an application's sheet only after declaring
/// no conflict of interest, never when recused, and only for an eligible
/// applicant.
async fn may_score<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    app: &application::Model,
) -> Result<(), ServiceError> {
    let declaration = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(app.id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .one(tx)
        .await?;
    check_may_score(declaration.map(|d| (d.kind, d.recused)), app)
}

/// [`may_score`] on a declaration already read: its kind and whether it
/// recuses.
fn check_may_score(
    declaration: Option<(Option<String>, bool)>,
    app: &application::Model,
) -> Result<(), ServiceError> {
    match declaration {
        Some((_, true)) => {
            return Err(invalid(
                "Anda dikecualikan dari penilaian pendaftar ini.",
                "You are recused from this application.",
            ));
        }
        Some((Some(kind), _)) if kind == "none" => {}
        _ => {
            return Err(invalid(
                "Nyatakan dahulu bahwa Anda tidak memiliki konflik kepentingan.",
                "Declare first that you have no conflict of interest.",
            ));
        }
    }
    if app.state != ApplicationState::Eligible {
        return Err(invalid(
            "Hanya pendaftar yang memenuhi syarat yang dapat dinilai.",
            "Only eligible applicants can be scored.",
        ));
    }
    Ok(())
}
