//! A round and its rows as pages and read models hold them: plain copies of
//! the stored rows' fields, so nothing outside the service layer holds a
//! stored model (the layer rule of `tests/it/architecture.rs`). The field
//! names are the stored ones, so a page reads `round.slug` either way.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{RoundState, Schedule};
use crate::domain::programme::{DomicileRule, Programme};

/// A round: its names, rules, schedule and the hashes its freeze and close
/// recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub year: i32,
    pub description_id: String,
    pub description_en: String,
    pub state: RoundState,
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub publish_all_names: bool,
    pub final_rule: Option<String>,
    pub programme_id: String,
    pub programme_en: String,
    pub group_id: String,
    pub group_en: String,
    pub member_id: String,
    pub member_en: String,
    pub domicile_rule: String,
    pub registration_opens_at: Option<OffsetDateTime>,
    pub registration_closes_at: Option<OffsetDateTime>,
    pub verification_ends_at: Option<OffsetDateTime>,
    pub assessment_starts_at: Option<OffsetDateTime>,
    pub assessment_ends_at: Option<OffsetDateTime>,
    pub provisional_at: Option<OffsetDateTime>,
    pub objection_ends_at: Option<OffsetDateTime>,
    pub final_at: Option<OffsetDateTime>,
    pub frozen_hash: Option<String>,
    pub frozen_at: Option<OffsetDateTime>,
    pub close_event_seq: Option<i64>,
    pub close_event_hash: Option<String>,
    pub applicant_list_hash: Option<String>,
    pub lottery_seed: Option<String>,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Round {
    /// Whether the public may see it: its rules are frozen.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.frozen_hash.is_some()
    }

    /// What its texts call the programme, the group and a member.
    #[must_use]
    pub fn programme(&self) -> Programme {
        Programme {
            programme_id: self.programme_id.clone(),
            programme_en: self.programme_en.clone(),
            group_id: self.group_id.clone(),
            group_en: self.group_en.clone(),
            member_id: self.member_id.clone(),
            member_en: self.member_en.clone(),
        }
    }

    /// Where its applicants must live (the default for an unknown name).
    #[must_use]
    pub fn domicile_rule(&self) -> DomicileRule {
        DomicileRule::parse(&self.domicile_rule).unwrap_or_default()
    }

    /// Its published dates.
    #[must_use]
    pub fn schedule(&self) -> Schedule {
        Schedule {
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

/// A criterion of a round, in the stored form (scale labels as JSON text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionRow {
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub position: i32,
    pub scale_labels: String,
    pub stage_code: Option<String>,
}

/// An administrative requirement of a round (`params` as JSON text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementRow {
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub params: Option<String>,
    pub mandatory: bool,
    pub position: i32,
}

/// A stage of a staged round (frozen with the round's rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub id: Uuid,
    pub round_id: Uuid,
    pub position: i32,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub scoring: String,
    pub advance_top_k: Option<i32>,
    pub advance_passing_total: Option<i32>,
    pub final_weight: Option<i32>,
}
