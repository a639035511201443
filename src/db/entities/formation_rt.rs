//! One RT covered by a formation.
//!
//! The primary key `(round_id, kelurahan_code, rt_number)` means an RT belongs to
//! at most one formation per round, so RT groups (and whole-kelurahan formations,
//! which list all their RTs here too) can never overlap. `round_id` and
//! `kelurahan_code` repeat the formation's own values; a composite foreign key
//! keeps them equal. Under the domicile rule `rt` an applicant applies to the
//! formation whose row names their RT (applications do not reference it: a
//! wider rule admits homes outside the formation's RTs).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formation_rt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kelurahan_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub rt_number: i32,
    pub formation_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::formation::Entity",
        from = "(Column::FormationId, Column::RoundId, Column::KelurahanCode)",
        to = "(super::formation::Column::Id, super::formation::Column::RoundId, super::formation::Column::KelurahanCode)",
        on_delete = "Cascade"
    )]
    Formation,
    #[sea_orm(
        belongs_to = "super::rt::Entity",
        from = "(Column::KelurahanCode, Column::RtNumber)",
        to = "(super::rt::Column::KelurahanCode, super::rt::Column::Number)",
        on_delete = "Restrict"
    )]
    Rt,
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl Related<super::rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rt.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
