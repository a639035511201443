//! Reading applications: the pages' views, the public status check, the
//! timeline, the areas a round takes applications in and the account's own.

use std::collections::BTreeSet;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Acting, ServiceError, requirements_of};
use crate::db::entities::{
    application, application_declaration, document, formation, formation_rt, requirement, round,
};
use crate::domain::application::ApplicationState;
use crate::domain::application_view::{Application, DocumentRecord};
use crate::domain::eligibility::RequirementOutcome;
use crate::domain::lang::Lang;
use crate::domain::registration::{RegistrationNo, StatusPin};
use crate::domain::round::{Msg, Round, RoundState};
use crate::domain::status_headline::{self, Facts, Failing, Headline, Published};
use crate::pii::NikVault;
use crate::services as svc;

/// An application with what its pages show (form, receipt, status): plain
/// records, so a handler holds no stored row.
pub type ApplicationView = ApplicationPage;

pub use crate::domain::application_view::ApplicationPage;

/// Loads an application the caller may read.
///
/// # Errors
/// `NotFound` when it does not exist or is not the caller's to see.
pub async fn load(
    db: &DatabaseConnection,
    vault: &NikVault,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<ApplicationView, ServiceError> {
    let a = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| acting.may_read(a))
        .ok_or(ServiceError::NotFound)?;
    view_of(db, vault, a).await
}

async fn view_of(
    db: &DatabaseConnection,
    vault: &NikVault,
    a: application::Model,
) -> Result<ApplicationView, ServiceError> {
    use crate::db::entities::kelurahan;
    let r = round::Entity::find_by_id(a.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formation = match a.formation_id {
        Some(f) => formation::Entity::find_by_id(f).one(db).await?,
        None => None,
    };
    let kelurahan_name = match &a.kelurahan_code {
        Some(k) => kelurahan::Entity::find_by_id(k.clone())
            .one(db)
            .await?
            .map(|k| k.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(a.id))
        .all(db)
        .await?;
    let documents = requirements_of(db, r.id, "document")
        .await?
        .into_iter()
        .map(|req| {
            let d = docs
                .iter()
                .find(|d| d.requirement_id == Some(req.id))
                .cloned()
                .map(Into::into);
            (req.into(), d)
        })
        .collect();
    let accepted: BTreeSet<Uuid> = application_declaration::Entity::find()
        .filter(application_declaration::Column::ApplicationId.eq(a.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.requirement_id)
        .collect();
    let declarations = requirements_of(db, r.id, "declaration")
        .await?
        .into_iter()
        .map(|req| {
            let ok = accepted.contains(&req.id);
            (req.into(), ok)
        })
        .collect();
    let personal = crate::services::data_keys::personal_of(db, vault, &a).await?;
    Ok(ApplicationView {
        personal,
        application: a.into(),
        round: r.into(),
        formation: formation.map(Into::into),
        kelurahan_name,
        documents,
        declarations,
    })
}

/// The caller's application in a round, if any.
///
/// # Errors
/// Storage failures.
pub async fn own_in_round(
    db: &DatabaseConnection,
    account_id: Uuid,
    round_id: Uuid,
) -> Result<Option<Application>, DbErr> {
    Ok(application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .map(Application::from))
}

/// A document the caller may download, with its stored file's content type.
///
/// # Errors
/// `NotFound` unless the caller may read the application it belongs to.
pub async fn document_for(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    doc_id: Uuid,
) -> Result<(DocumentRecord, String), ServiceError> {
    use crate::db::entities::stored_file;
    let d = document::Entity::find_by_id(doc_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    application::Entity::find_by_id(d.application_id)
        .one(db)
        .await?
        .filter(|a| acting.may_read(a))
        .ok_or(ServiceError::NotFound)?;
    let f = stored_file::Entity::find_by_id(d.sha256.clone())
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((d.into(), f.content_type))
}

/// The public status check: number + PIN give the first name, the state, the
/// round's name and the timeline the status page shows (what the applicant
/// needs to know, no other personal data); anything else gives `None`.
///
/// # Errors
/// Storage failures.
pub async fn check_status(
    db: &DatabaseConnection,
    vault: &NikVault,
    registration_no: &str,
    pin: &StatusPin,
    now: OffsetDateTime,
) -> Result<Option<PublicStatus>, ServiceError> {
    let Ok(no) = RegistrationNo::parse(registration_no) else {
        return Ok(None);
    };
    let a = application::Entity::find()
        .filter(application::Column::RegistrationNo.eq(no.to_string()))
        .one(db)
        .await?;
    let Some(a) = a else { return Ok(None) };
    let Some(phc) = a.status_pin_hash.clone() else {
        return Ok(None);
    };
    if !svc::accounts::verify_password(pin.as_str().to_owned(), phc).await {
        return Ok(None);
    }
    let r: Round = round::Entity::find_by_id(a.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .into();
    let timeline = timeline(db, vault, &r, a.id, now).await?;
    let scores = svc::score_breakdown::for_application(db, &r, a.id).await?;
    let objections = svc::objections::for_assisted(db, a.id, now).await?;
    let contest_options = svc::score_breakdown::contest_options(db, r.id).await?;
    // The windows as the filing service sees them: the round's own first,
    // else a published stage shortlist's.
    let round_window = svc::objections::window_open(&r, now);
    let stage_window = if round_window {
        None
    } else {
        svc::shortlists::open_window(db, &r, a.id, now).await?
    };
    let may_object = ((round_window && timeline.result.is_some()) || stage_window.is_some())
        && objections.iter().all(|o| o.objection.status.is_decided());
    Ok(Some(PublicStatus {
        application_id: a.id,
        objections,
        may_object,
        stage_window,
        contest_options,
        scores,
        first_name: a
            .full_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        state: a.state,
        round_name: r.name,
        registration_no: no.to_string(),
        submitted_at: a.submitted_at,
        timeline,
    }))
}

pub use crate::domain::application_status::{CheckLine, PublicStatus, Timeline};

/// Verification outcomes, test invitation, published result and objection
/// window of an application of round `r` (the caller has already been
/// allowed to read it).
///
/// # Errors
/// Storage failures.
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    r: &Round,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Timeline, DbErr> {
    timeline_with(db, Some(vault), r, id, now).await
}

/// [`timeline`]; without `vault` the platform's own findings (which need the
/// birth date, under the data key) keep only their recorded outcome, which
/// leaves the headline's title unchanged.
async fn timeline_with<C: ConnectionTrait>(
    db: &C,
    vault: Option<&NikVault>,
    r: &Round,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Timeline, DbErr> {
    use crate::db::entities::{
        objection, ranking, requirement_check, test_invitation, test_session,
    };
    let mut checks: Vec<requirement_check::Model> = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(id))
        .order_by_desc(requirement_check::Column::Revision)
        .all(db)
        .await?;
    // The highest revision per requirement counts.
    let mut seen = BTreeSet::new();
    checks.retain(|c| seen.insert(c.requirement_id));
    // The platform's own findings, recomputed from the same inputs, so they
    // read in either language (only when they agree with what was recorded).
    let automatic = match (vault, application::Entity::find_by_id(id).one(db).await?) {
        (Some(vault), Some(a)) if checks.iter().any(|c| c.automatic) => {
            svc::verification::automatic_checks(db, vault, &a, r)
                .await
                .map_err(|e| match e {
                    svc::ServiceError::Db(e) => e,
                    other => DbErr::Custom(other.to_string()),
                })?
        }
        _ => std::collections::HashMap::new(),
    };
    let mut lines = Vec::new();
    for c in checks {
        let req = requirement::Entity::find_by_id(c.requirement_id)
            .one(db)
            .await?;
        let automatic_reason = req
            .as_ref()
            .filter(|_| c.automatic)
            .and_then(|q| automatic.get(q.kind.as_str()))
            .filter(|found| RequirementOutcome::from(found.verdict) == c.outcome)
            .map(|found| Msg::new(found.message(Lang::Id), found.message(Lang::En)));
        lines.push(CheckLine {
            requirement: req
                .map(|r| Msg::new(r.text_id, r.text_en))
                .unwrap_or_else(|| Msg::new("", "")),
            outcome: c.outcome,
            reason_code: c.reason_code,
            reason: c.reason_text,
            automatic_reason,
        });
    }
    let invitation = match test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(id))
        .one(db)
        .await?
    {
        Some(inv) => test_session::Entity::find_by_id(inv.test_session_id)
            .one(db)
            .await?
            .map(|s| (s.starts_at, s.place)),
        None => None,
    };
    let result = ranking::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.published)
        .map(|r| (r.rank, r.status));
    let result_stage = match result {
        Some(_) => svc::shortlists::reached(db, r.id).await?.of(id),
        None => None,
    };
    let objection = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(id))
        .order_by_desc(objection::Column::FiledAt)
        .one(db)
        .await?
        .map(|o| (o.status, o.decision_reason));
    let state = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|a| a.state)
        .unwrap_or(ApplicationState::Submitted);
    let mut t = Timeline {
        checks: lines,
        invitation,
        result,
        result_stage,
        objection_window: r.provisional_at.zip(r.objection_ends_at),
        objection,
        headline: Headline::default(),
    };
    t.headline = status_headline::headline(&t.facts(state, r.state == RoundState::Final, now));
    Ok(t)
}

impl Timeline {
    /// What the headline is derived from: the TMS lines (in the round's
    /// order) with their reasons, the invitation, the result, the window and
    /// the latest objection.
    #[must_use]
    pub fn facts(&self, state: ApplicationState, final_result: bool, now: OffsetDateTime) -> Facts {
        let failing = self
            .checks
            .iter()
            .filter(|c| c.outcome == RequirementOutcome::Tms)
            .map(|c| {
                let mut reason = c.reason_label().unwrap_or_else(|| Msg::new("", ""));
                let written = c
                    .automatic_reason
                    .clone()
                    .unwrap_or_else(|| Msg::new(c.reason.clone(), c.reason.clone()));
                if !written.id.is_empty() {
                    reason = if reason.id.is_empty() {
                        written
                    } else {
                        Msg::new(
                            format!("{} — {}", reason.id, written.id),
                            format!("{} — {}", reason.en, written.en),
                        )
                    };
                }
                Failing {
                    requirement: c.requirement.clone(),
                    reason,
                }
            })
            .collect();
        Facts {
            state,
            failing,
            invitation: self.invitation.clone(),
            result: self.result.as_ref().map(|(rank, status)| Published {
                status: status.as_deref().and_then(parse_result_status),
                rank: *rank,
                final_result,
            }),
            objection_window: self.objection_window,
            objection: self.objection.clone(),
            now,
        }
    }
}

fn parse_result_status(s: &str) -> Option<crate::domain::ranking::Status> {
    use crate::domain::ranking::Status;
    Some(match s {
        "selected" => Status::Selected,
        "reserve" => Status::Reserve,
        "not_selected" => Status::NotSelected,
        "not_passed" => Status::NotPassed,
        _ => return None,
    })
}

/// A kelurahan where a round takes applications, with the RTs its formations cover.
#[derive(Clone, Debug)]
pub struct Area {
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub rts: Vec<i32>,
}

/// Every kelurahan covered by a formation of the round, in code order.
///
/// # Errors
/// Storage failures.
pub async fn areas(db: &DatabaseConnection, round_id: Uuid) -> Result<Vec<Area>, DbErr> {
    use crate::db::entities::{kecamatan, kelurahan};
    let rows = formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(round_id))
        .order_by_asc(formation_rt::Column::KelurahanCode)
        .order_by_asc(formation_rt::Column::RtNumber)
        .all(db)
        .await?;
    let mut out: Vec<Area> = Vec::new();
    for r in rows {
        if let Some(last) = out.last_mut()
            && last.kelurahan_code == r.kelurahan_code
        {
            last.rts.push(r.rt_number);
            continue;
        }
        let kel = kelurahan::Entity::find_by_id(r.kelurahan_code.clone())
            .one(db)
            .await?;
        let (kec_code, kel_name) = kel.map(|k| (k.kecamatan_code, k.name)).unwrap_or_default();
        let kec_name = kecamatan::Entity::find_by_id(kec_code.clone())
            .one(db)
            .await?
            .map(|k| k.name)
            .unwrap_or_default();
        out.push(Area {
            kecamatan_code: kec_code,
            kecamatan_name: kec_name,
            kelurahan_code: r.kelurahan_code,
            kelurahan_name: kel_name,
            rts: vec![r.rt_number],
        });
    }
    Ok(out)
}

/// Where an applicant of `r` may live, by the round's domicile rule:
/// rule `rt`, the RTs its formations cover ([`areas`]); rule `kelurahan`,
/// every RT of the kelurahan its formations are in; rule `city`, every RT
/// on the region list.
///
/// # Errors
/// Storage failures.
pub async fn domicile_areas(
    db: &DatabaseConnection,
    r: &crate::domain::round::Round,
) -> Result<Vec<Area>, DbErr> {
    use crate::db::entities::{formation, kecamatan, kelurahan, rt};
    use crate::domain::programme::DomicileRule;
    let rule = r.domicile_rule();
    if rule == DomicileRule::Rt {
        return areas(db, r.id).await;
    }
    let within: Option<std::collections::BTreeSet<String>> = match rule {
        DomicileRule::Kelurahan => Some(
            formation::Entity::find()
                .filter(formation::Column::RoundId.eq(r.id))
                .all(db)
                .await?
                .into_iter()
                .map(|f| f.kelurahan_code)
                .collect(),
        ),
        _ => None,
    };
    let kecamatan: std::collections::BTreeMap<String, String> = kecamatan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    let mut out = Vec::new();
    for k in kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Code)
        .all(db)
        .await?
    {
        if within.as_ref().is_some_and(|w| !w.contains(&k.code)) {
            continue;
        }
        let rts: Vec<i32> = rt::Entity::find()
            .filter(rt::Column::KelurahanCode.eq(k.code.clone()))
            .order_by_asc(rt::Column::Number)
            .all(db)
            .await?
            .into_iter()
            .map(|x| x.number)
            .collect();
        if rts.is_empty() {
            continue;
        }
        out.push(Area {
            kecamatan_name: kecamatan
                .get(&k.kecamatan_code)
                .cloned()
                .unwrap_or_default(),
            kecamatan_code: k.kecamatan_code,
            kelurahan_code: k.code,
            kelurahan_name: k.name,
            rts,
        });
    }
    out.sort_by(|a, b| {
        (&a.kecamatan_code, &a.kelurahan_code).cmp(&(&b.kecamatan_code, &b.kelurahan_code))
    });
    Ok(out)
}

/// The formations of `round_id` an applicant may choose from, as
/// `(code, name, kelurahan_code)` in code order.
///
/// # Errors
/// Storage failures.
pub async fn formation_choices(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<Vec<(String, String, String)>, DbErr> {
    use crate::db::entities::formation;
    Ok(formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.code, f.name, f.kelurahan_code))
        .collect())
}

/// A published round (registration opened at some point) by its slug.
///
/// # Errors
/// `NotFound` for an unknown or unpublished round; storage failures.
pub async fn published_round(db: &DatabaseConnection, slug: &str) -> Result<Round, ServiceError> {
    svc::rounds::round_by_slug(db, slug)
        .await?
        .filter(|r| r.is_public())
        .map(Round::from)
        .ok_or(ServiceError::NotFound)
}

/// What the help desk's start form offers: rounds open for registration and
/// the kelurahan the caller covers (`None` = every kelurahan, for admins).
///
/// # Errors
/// Storage failures.
pub async fn desk_choices(
    db: &DatabaseConnection,
    scopes: Option<&[String]>,
) -> Result<(Vec<(Uuid, String)>, Vec<(String, String)>), DbErr> {
    use crate::db::entities::kelurahan;
    let rounds = round::Entity::find()
        .filter(round::Column::State.eq(RoundState::Registration.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut q = kelurahan::Entity::find().order_by_asc(kelurahan::Column::Code);
    if let Some(scopes) = scopes {
        q = q.filter(kelurahan::Column::Code.is_in(scopes.to_vec()));
    }
    let kelurahan = q
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    Ok((rounds, kelurahan))
}

// JSON API

/// The ids of an account's own applications, newest first (what
/// `GET /api/v1/me/applications` lists; each is then read with [`load`] and
/// [`timeline`], like the HTML status page).
///
/// # Errors
/// Storage failures.
pub async fn own_ids(db: &DatabaseConnection, account_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(own(db, account_id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

pub use crate::domain::application::OwnApplication;

/// The account's own applications, newest first.
///
/// # Errors
/// Storage failures.
pub async fn own(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<OwnApplication>, DbErr> {
    let rows = application::Entity::find()
        .filter(application::Column::AccountId.eq(account_id))
        .find_also_related(round::Entity)
        .order_by_desc(application::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (a, r) in rows {
        // The same headline as the status page (a person has one or two).
        let headline = match &r {
            Some(r) => {
                timeline_with(db, None, &r.into(), a.id, OffsetDateTime::now_utc())
                    .await?
                    .headline
                    .title
            }
            None => a.state.label(),
        };
        out.push(OwnApplication {
            id: a.id,
            round_name: r.map(|r| r.name).unwrap_or_default(),
            registration_no: a.registration_no,
            state: a.state,
            headline,
        });
    }
    Ok(out)
}

impl PublicStatus {
    /// What happens next: the headline's next step.
    #[must_use]
    pub fn next_step(&self) -> Msg {
        self.timeline.headline.next.clone()
    }
}
