//! An application (pendaftaran) of one resident to one round.
//!
//! - `state`: `draft` | `submitted` | `eligible` | `ineligible` | `withdrawn`.
//! - One application per NIK per round (`UNIQUE(round_id, nik_hash)`) and per
//!   account per round (`UNIQUE(round_id, account_id)`); `account_id` is null for
//!   an assisted registration, where `assisted_by` names the operator.
//! - `kelurahan_code` and `rt_number` (the applicant's home, as on the KTP)
//!   reference the region list ([`super::rt`]); `formation_id` references a
//!   formation of the same round. Whether the home lies where the formation
//!   recruits is the round's domicile rule, applied by the services (`rt`:
//!   an RT of the formation; `kelurahan` and `city`: wider).
//! - NIK: `nik_ciphertext` is the AEAD ciphertext (nonce included), `nik_hash` the
//!   keyed hash, `nik_masked` the form shown to operators (`647201**********`);
//!   all null in a draft until entered. `nik_warnings` is a JSON array of warning
//!   codes.
//! - `sex`: `male` | `female` (empty in a draft). Free-text fields are empty
//!   strings until filled.
//! - `registration_no` (unique) and `seq_in_kelurahan` (counted per year and
//!   kelurahan across rounds, so unique per round and kelurahan too) are
//!   assigned at submission; `submission_hash` fingerprints what was submitted;
//!   `status_pin_hash` lets an applicant without e-mail check their status.
//! - Contact and birth fields are in `personal_ciphertext` under the data key;
//!   the `plain_*` columns only held them before that and are emptied.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub formation_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    #[sea_orm(unique)]
    pub registration_no: Option<String>,
    pub state: crate::domain::application::ApplicationState,
    pub assisted_by: Option<Uuid>,
    pub full_name: String,
    #[sea_orm(column_type = "Blob", nullable)]
    pub nik_ciphertext: Option<Vec<u8>>,
    pub nik_hash: Option<String>,
    pub nik_masked: Option<String>,
    /// Always empty since `personal_ciphertext`: read the fields through
    /// `services::data_keys::personal_of`.
    #[sea_orm(column_name = "birth_place")]
    pub plain_birth_place: String,
    #[sea_orm(column_name = "birth_date")]
    pub plain_birth_date: Option<TimeDate>,
    pub sex: String,
    #[sea_orm(column_type = "Text", column_name = "address")]
    pub plain_address: String,
    pub kelurahan_code: Option<String>,
    pub rt_number: Option<i32>,
    #[sea_orm(column_name = "phone")]
    pub plain_phone: String,
    #[sea_orm(column_name = "email")]
    pub plain_email: String,
    pub education: String,
    pub occupation: String,
    pub family_card_hash: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub motivation: String,
    #[sea_orm(column_type = "Text")]
    pub experience: String,
    #[sea_orm(column_type = "Text")]
    pub nik_warnings: String,
    pub status_pin_hash: Option<String>,
    pub submission_hash: Option<String>,
    pub seq_in_kelurahan: Option<i32>,
    /// E-mail, phone, address, birth place and date as JSON encrypted under
    /// the application's data key; null until one of them is entered.
    #[sea_orm(column_type = "Blob", nullable)]
    pub personal_ciphertext: Option<Vec<u8>>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub submitted_at: Option<TimeDateTimeWithTimeZone>,
    pub withdrawn_at: Option<TimeDateTimeWithTimeZone>,
    pub eligibility_decided_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::round::Entity",
        from = "Column::RoundId",
        to = "super::round::Column::Id",
        on_delete = "Restrict"
    )]
    Round,
    #[sea_orm(
        belongs_to = "super::formation::Entity",
        from = "Column::FormationId",
        to = "super::formation::Column::Id",
        on_delete = "Restrict"
    )]
    Formation,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AssistedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    AssistedBy,
    #[sea_orm(
        belongs_to = "super::kelurahan::Entity",
        from = "Column::KelurahanCode",
        to = "super::kelurahan::Column::Code",
        on_delete = "Restrict"
    )]
    Kelurahan,
    #[sea_orm(
        belongs_to = "super::rt::Entity",
        from = "(Column::KelurahanCode, Column::RtNumber)",
        to = "(super::rt::Column::KelurahanCode, super::rt::Column::Number)",
        on_delete = "Restrict"
    )]
    Rt,
    #[sea_orm(has_many = "super::application_declaration::Entity")]
    ApplicationDeclaration,
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
    #[sea_orm(has_many = "super::requirement_check::Entity")]
    RequirementCheck,
    #[sea_orm(has_one = "super::test_invitation::Entity")]
    TestInvitation,
    #[sea_orm(has_many = "super::conflict_declaration::Entity")]
    ConflictDeclaration,
    #[sea_orm(has_many = "super::scorecard::Entity")]
    Scorecard,
    #[sea_orm(has_many = "super::imported_value::Entity")]
    ImportedValue,
    #[sea_orm(has_one = "super::ranking::Entity")]
    Ranking,
    #[sea_orm(has_many = "super::objection::Entity")]
    Objection,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kelurahan.def()
    }
}

impl Related<super::rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rt.def()
    }
}

impl Related<super::application_declaration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApplicationDeclaration.def()
    }
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl Related<super::requirement_check::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RequirementCheck.def()
    }
}

impl Related<super::test_invitation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TestInvitation.def()
    }
}

impl Related<super::conflict_declaration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConflictDeclaration.def()
    }
}

impl Related<super::scorecard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scorecard.def()
    }
}

impl Related<super::imported_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportedValue.def()
    }
}

impl Related<super::ranking::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ranking.def()
    }
}

impl Related<super::objection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Objection.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::application_view::Application {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            formation_id: m.formation_id,
            account_id: m.account_id,
            registration_no: m.registration_no,
            state: m.state,
            assisted_by: m.assisted_by,
            full_name: m.full_name,
            nik_hash: m.nik_hash,
            nik_masked: m.nik_masked,
            sex: m.sex,
            kelurahan_code: m.kelurahan_code,
            rt_number: m.rt_number,
            education: m.education,
            occupation: m.occupation,
            family_card_hash: m.family_card_hash,
            motivation: m.motivation,
            experience: m.experience,
            nik_warnings: m.nik_warnings,
            status_pin_hash: m.status_pin_hash,
            submission_hash: m.submission_hash,
            seq_in_kelurahan: m.seq_in_kelurahan,
            created_at: m.created_at,
            updated_at: m.updated_at,
            submitted_at: m.submitted_at,
            withdrawn_at: m.withdrawn_at,
            eligibility_decided_at: m.eligibility_decided_at,
        }
    }
}
