//! A round with everything its admin and public pages show: criteria,
//! requirements, formations with their area, and stages, as plain records.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::{
    CriterionRow, FormationHead, FrozenCriterion, FrozenFormation, FrozenRequirement, FrozenRules,
    FrozenSettings, FrozenStage, RequirementRow, Round, RoundState, Stage, scale_labels_from_json,
};

/// A formation with its area, for pages.
#[derive(Clone, Debug)]
pub struct FormationView {
    pub model: FormationHead,
    pub rts: Vec<i32>,
    pub kelurahan_name: String,
    pub kecamatan_code: String,
    pub kecamatan_name: String,
}

/// Everything the admin and public round pages show.
#[derive(Clone, Debug)]
pub struct RoundDetail {
    pub round: Round,
    pub criteria: Vec<CriterionRow>,
    pub requirements: Vec<RequirementRow>,
    pub formations: Vec<FormationView>,
    /// The stages, first to last; empty for a one-stage round.
    pub stages: Vec<Stage>,
}

impl RoundDetail {
    /// The state, `draft` if the stored name is unknown.
    pub fn state(&self) -> RoundState {
        self.round.state
    }

    /// The frozen object as it stands now (hashing it gives `frozen_hash`
    /// while nothing has changed since the freeze).
    pub fn frozen_rules(&self) -> FrozenRules {
        FrozenRules {
            round_id: self.round.id.to_string(),
            settings: FrozenSettings {
                aggregation: self.round.aggregation.clone(),
                passing_total: self.round.passing_total,
                min_panelists: self.round.min_panelists,
                age_min: self.round.age_min,
                age_max: self.round.age_max,
                publish_all_names: self.round.publish_all_names,
                programme: self.round.programme(),
                domicile_rule: self.round.domicile_rule(),
            },
            criteria: self
                .criteria
                .iter()
                .map(|c| FrozenCriterion {
                    code: c.code.clone(),
                    name_id: c.name_id.clone(),
                    name_en: c.name_en.clone(),
                    description_id: c.description_id.clone(),
                    description_en: c.description_en.clone(),
                    kind: c.kind.clone(),
                    scale_min: c.scale_min,
                    scale_max: c.scale_max,
                    weight: c.weight,
                    pass_min: c.pass_min,
                    tiebreak_order: c.tiebreak_order,
                    position: c.position,
                    scale_labels: scale_labels_from_json(&c.scale_labels),
                    stage: c.stage_code.clone(),
                })
                .collect(),
            requirements: self
                .requirements
                .iter()
                .map(|r| FrozenRequirement {
                    code: r.code.clone(),
                    kind: r.kind.clone(),
                    text_id: r.text_id.clone(),
                    text_en: r.text_en.clone(),
                    params: r.params.clone().unwrap_or_default(),
                    mandatory: r.mandatory,
                    position: r.position,
                })
                .collect(),
            formations: self
                .formations
                .iter()
                .map(|f| FrozenFormation {
                    code: f.model.code.clone(),
                    name: f.model.name.clone(),
                    kelurahan_code: f.model.kelurahan_code.clone(),
                    all_rts: f.model.all_rts,
                    rts: f.rts.clone(),
                    seats: f.model.seats,
                    reserve: f.model.reserve,
                })
                .collect(),
            stages: self
                .stages
                .iter()
                .map(|s| FrozenStage {
                    position: s.position,
                    code: s.code.clone(),
                    name_id: s.name_id.clone(),
                    name_en: s.name_en.clone(),
                    scoring: s.scoring.clone(),
                    advance_top_k: s.advance_top_k,
                    advance_passing_total: s.advance_passing_total,
                    final_weight: s.final_weight,
                })
                .collect(),
            final_rule: if self.stages.is_empty() {
                None
            } else {
                self.round.final_rule.clone()
            },
        }
    }

    /// Sum of the criteria weights.
    pub fn weight_sum(&self) -> i64 {
        self.criteria.iter().map(|c| i64::from(c.weight)).sum()
    }
}

/// Application counts of a round for the public page.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Formation id → submitted applications.
    pub by_formation: BTreeMap<Uuid, u64>,
    /// Kelurahan code → submitted applications.
    pub by_kelurahan: BTreeMap<String, u64>,
    /// Kecamatan code → submitted applications.
    pub by_kecamatan: BTreeMap<String, u64>,
    pub total: u64,
}

/// A published round with live counts, for `/seleksi/{slug}`.
#[derive(Clone, Debug)]
pub struct PublicRound {
    pub detail: RoundDetail,
    pub counts: Counts,
    /// A staged round's published shortlists.
    pub shortlists: Vec<crate::domain::stage::Published>,
}
