//! The conflict-of-interest declaration a panelist makes before opening an
//! application, and the flags that suggest one.

use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, JoinType, QuerySelect,
    RelationDef,
};
use uuid::Uuid;

use super::{invalid, scope};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, application, conflict_declaration};
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::standings::{RankChange, recompute_after_change};

/// What a panelist declares before opening an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictKind {
    /// No conflict of interest: the panelist may score.
    None,
    /// Family relation.
    Family,
    /// Same household.
    Household,
    /// Employer or employee.
    Employment,
    /// Political ties.
    Political,
    /// Anything else, described in text.
    Other,
}

impl ConflictKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::None => "none",
            ConflictKind::Family => "family",
            ConflictKind::Household => "household",
            ConflictKind::Employment => "employment",
            ConflictKind::Political => "political",
            ConflictKind::Other => "other",
        }
    }
}

/// Why the system thinks a panelist may be conflicted (shown to the panelist and the admin).
pub fn conflict_flags(panelist: &account::Model, app: &application::Model) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if panelist.own_kelurahan_code.is_some()
        && panelist.own_kelurahan_code == app.kelurahan_code
        && panelist.own_rt_number.is_some()
        && panelist.own_rt_number == app.rt_number
    {
        flags.push("same_rt");
    }
    if panelist.family_card_hash.is_some() && panelist.family_card_hash == app.family_card_hash {
        flags.push("same_family_card");
    }
    flags
}

/// Records a panelist's declaration for one application. A declared conflict
/// recuses them; the formation is re-ranked since a recusal can change who is
/// complete.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` for a conflict without
/// text, or a second, different declaration (declarations are final).
pub async fn declare(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    kind: ConflictKind,
    text: &str,
) -> Result<Vec<RankChange>, ServiceError> {
    let tx = begin_write(db).await?;
    let scope = scope(&tx, panelist, application_id).await?;
    let (app, round) = (&scope.app, &scope.round);
    if !round.state.scores_may_change() {
        return Err(invalid(
            "Penilaian belum atau tidak lagi dibuka untuk seleksi ini.",
            "Scoring is not open for this round.",
        ));
    }
    let text = text.trim();
    if kind == ConflictKind::Other && text.is_empty() {
        return Err(invalid(
            "Jelaskan konflik kepentingan Anda.",
            "Describe the conflict of interest.",
        ));
    }
    // The panelist with their declaration for this application, if any, in
    // one statement (this runs for every panelist and application).
    let (who, existing) = account::Entity::find_by_id(panelist)
        .select_also(conflict_declaration::Entity)
        .join(
            JoinType::LeftJoin,
            RelationDef::from(
                conflict_declaration::Entity::belongs_to(account::Entity)
                    .from(conflict_declaration::Column::PanelistId)
                    .to(account::Column::Id),
            )
            .rev()
            .on_condition(move |_, declaration| {
                Expr::col((declaration, conflict_declaration::Column::ApplicationId))
                    .eq(application_id)
                    .into_condition()
            }),
        )
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if existing.as_ref().is_some_and(|d| d.kind.is_some()) {
        // A refusal by state, not by input: 409.
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Pernyataan konflik kepentingan sudah dicatat dan tidak dapat diubah.",
            "The declaration is already recorded and final.",
        )));
    }
    let flags = conflict_flags(&who, app);
    let now = time::OffsetDateTime::now_utc();
    let recused = kind != ConflictKind::None;
    let model = conflict_declaration::ActiveModel {
        kind: Set(Some(kind.as_str().to_owned())),
        text: Set(text.to_owned()),
        recused: Set(recused),
        recused_at: Set(recused.then_some(now)),
        flagged_reasons: Set((!flags.is_empty()).then(|| flags.join(","))),
        declared_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    match existing {
        Some(d) => {
            let mut m = model;
            m.id = Set(d.id);
            m.update(&tx).await?;
        }
        None => {
            let mut m = model;
            m.id = Set(Uuid::now_v7());
            m.application_id = Set(application_id);
            m.panelist_id = Set(panelist);
            m.recused_by = Set(None);
            m.created_at = Set(now);
            m.insert(&tx).await?;
        }
    }
    let no = app.registration_no.clone().unwrap_or_default();
    let event = append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            if recused {
                "conflict.declared"
            } else {
                "conflict.none_declared"
            },
            "application",
            app.id.to_string(),
        )
        .round(round.id)
        .payload(serde_json::json!({
            "registration_no": no,
            "panelist_id": panelist.to_string(),
            "kind": kind.as_str(),
            "recused": i64::from(recused),
            "flags": flags,
        }))
        .with_registration(no.clone()),
    )
    .await?;
    let changes = match (recused, app.formation_id) {
        (true, Some(f)) => {
            let app_id = app.id;
            recompute_after_change(&tx, f, app_id, event.seq, scope.known(None)).await?
        }
        _ => Vec::new(),
    };
    tx.commit().await?;
    Ok(changes)
}
