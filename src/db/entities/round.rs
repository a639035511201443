//! A recruitment round (seleksi), e.g. "Rekrutmen Pokmas 2023".
//!
//! - `state`: `draft` | `registration` | `verification` | `assessment` |
//!   `provisional` | `objection` | `final` | `cancelled`.
//! - `aggregation`: `mean` (default) | `trimmed_mean`.
//! - `passing_total`: 0–100 or null (no total gate); `min_panelists` ≥ 1 (default 3);
//!   `age_min` / `age_max` in whole years, either may be null.
//! - Schedule columns may be null while the round is a draft.
//! - `frozen_hash` is the SHA-256 of the canonical form of the rules frozen when
//!   registration opens (`frozen_at`); `close_event_seq` / `close_event_hash` name
//!   the audit event that closed registration, whose payload carries
//!   `applicant_list_hash`; `lottery_seed` is the seed derived from them and the
//!   witnesses' secrets.
//! - `publish_all_names`: a frozen rule; when set, public results name every
//!   ranked applicant, not only the selected and the reserve (default off).
//! - `final_rule`: how a staged round's final ranks follow from its stages
//!   (`last_stage` | `weighted`, see `round_stage`); null without stages.
//! - `programme_*`, `group_*`, `member_*` (`_id` / `_en`): what the round's
//!   pages and mails call the programme, the group and a selected applicant
//!   ([`crate::domain::programme::Programme`]); `domicile_rule`: `rt` |
//!   `kelurahan` | `city`. Both frozen rules.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub year: i32,
    #[sea_orm(column_type = "Text")]
    pub description_id: String,
    #[sea_orm(column_type = "Text")]
    pub description_en: String,
    pub state: crate::domain::round::RoundState,
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub publish_all_names: bool,
    /// `last_stage` | `weighted` in a round with stages, `None` otherwise.
    pub final_rule: Option<String>,
    pub programme_id: String,
    pub programme_en: String,
    pub group_id: String,
    pub group_en: String,
    pub member_id: String,
    pub member_en: String,
    /// `rt` | `kelurahan` | `city`.
    pub domicile_rule: String,
    pub registration_opens_at: Option<TimeDateTimeWithTimeZone>,
    pub registration_closes_at: Option<TimeDateTimeWithTimeZone>,
    pub verification_ends_at: Option<TimeDateTimeWithTimeZone>,
    pub assessment_starts_at: Option<TimeDateTimeWithTimeZone>,
    pub assessment_ends_at: Option<TimeDateTimeWithTimeZone>,
    pub provisional_at: Option<TimeDateTimeWithTimeZone>,
    pub objection_ends_at: Option<TimeDateTimeWithTimeZone>,
    pub final_at: Option<TimeDateTimeWithTimeZone>,
    pub frozen_hash: Option<String>,
    pub frozen_at: Option<TimeDateTimeWithTimeZone>,
    pub close_event_seq: Option<i64>,
    pub close_event_hash: Option<String>,
    pub applicant_list_hash: Option<String>,
    pub lottery_seed: Option<String>,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::CreatedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    CreatedBy,
    #[sea_orm(has_many = "super::formation::Entity")]
    Formation,
    #[sea_orm(has_many = "super::criterion::Entity")]
    Criterion,
    #[sea_orm(has_many = "super::requirement::Entity")]
    Requirement,
    #[sea_orm(has_many = "super::panel::Entity")]
    Panel,
    #[sea_orm(has_many = "super::application::Entity")]
    Application,
    #[sea_orm(has_many = "super::test_session::Entity")]
    TestSession,
    #[sea_orm(has_many = "super::approval::Entity")]
    Approval,
    #[sea_orm(has_many = "super::lottery_witness::Entity")]
    LotteryWitness,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl Related<super::criterion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Criterion.def()
    }
}

impl Related<super::requirement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Requirement.def()
    }
}

impl Related<super::panel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Panel.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::test_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TestSession.def()
    }
}

impl Related<super::approval::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Approval.def()
    }
}

impl Related<super::lottery_witness::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LotteryWitness.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the round is public: its rules were frozen when registration
    /// opened. A round cancelled while still a draft never was, and a round
    /// cancelled later stays public with everything it published.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.frozen_hash.is_some()
    }

    /// The names the round's texts use.
    #[must_use]
    pub fn programme(&self) -> crate::domain::programme::Programme {
        crate::domain::programme::Programme {
            programme_id: self.programme_id.clone(),
            programme_en: self.programme_en.clone(),
            group_id: self.group_id.clone(),
            group_en: self.group_en.clone(),
            member_id: self.member_id.clone(),
            member_en: self.member_en.clone(),
        }
    }

    /// Where applicants must live; an unknown stored name reads as the
    /// default `rt`, the narrowest.
    #[must_use]
    pub fn domicile_rule(&self) -> crate::domain::programme::DomicileRule {
        crate::domain::programme::DomicileRule::parse(&self.domicile_rule).unwrap_or_default()
    }

    /// The schedule stored on the round.
    #[must_use]
    pub fn schedule(&self) -> crate::domain::round::Schedule {
        crate::domain::round::Schedule {
            registration_opens_at: self.registration_opens_at,
            registration_closes_at: self.registration_closes_at,
            verification_ends_at: self.verification_ends_at,
            assessment_starts_at: self.assessment_starts_at,
            assessment_ends_at: self.assessment_ends_at,
            provisional_at: self.provisional_at,
            objection_ends_at: self.objection_ends_at,
            final_at: self.final_at,
        }
    }
}

impl From<&Model> for crate::domain::round::RoundHead {
    fn from(r: &Model) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            state: r.state,
            min_panelists: r.min_panelists,
        }
    }
}

impl From<Model> for crate::domain::round::Round {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            slug: m.slug,
            name: m.name,
            year: m.year,
            description_id: m.description_id,
            description_en: m.description_en,
            state: m.state,
            aggregation: m.aggregation,
            passing_total: m.passing_total,
            min_panelists: m.min_panelists,
            age_min: m.age_min,
            age_max: m.age_max,
            publish_all_names: m.publish_all_names,
            final_rule: m.final_rule,
            programme_id: m.programme_id,
            programme_en: m.programme_en,
            group_id: m.group_id,
            group_en: m.group_en,
            member_id: m.member_id,
            member_en: m.member_en,
            domicile_rule: m.domicile_rule,
            registration_opens_at: m.registration_opens_at,
            registration_closes_at: m.registration_closes_at,
            verification_ends_at: m.verification_ends_at,
            assessment_starts_at: m.assessment_starts_at,
            assessment_ends_at: m.assessment_ends_at,
            provisional_at: m.provisional_at,
            objection_ends_at: m.objection_ends_at,
            final_at: m.final_at,
            frozen_hash: m.frozen_hash,
            frozen_at: m.frozen_at,
            close_event_seq: m.close_event_seq,
            close_event_hash: m.close_event_hash,
            applicant_list_hash: m.applicant_list_hash,
            lottery_seed: m.lottery_seed,
            created_by: m.created_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<&Model> for crate::domain::round::Round {
    fn from(m: &Model) -> Self {
        Self::from(m.clone())
    }
}
