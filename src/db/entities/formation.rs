//! A formation (formasi): one Pokmas to fill in a round, in one kelurahan.
//!
//! `code` is unique within the round. `all_rts` marks a whole-kelurahan formation;
//! its area is still listed RT by RT in [`super::formation_rt`] (every RT of the
//! kelurahan), which is what keeps formations of a round from overlapping, and at
//! most one whole-kelurahan formation may exist per kelurahan and round (partial
//! unique index). `seats` ≥ 1, `reserve` ≥ 0.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "formation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub all_rts: bool,
    pub seats: i32,
    pub reserve: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::round::Entity",
        from = "Column::RoundId",
        to = "super::round::Column::Id",
        on_delete = "Cascade"
    )]
    Round,
    #[sea_orm(
        belongs_to = "super::kelurahan::Entity",
        from = "Column::KelurahanCode",
        to = "super::kelurahan::Column::Code",
        on_delete = "Restrict"
    )]
    Kelurahan,
    #[sea_orm(has_many = "super::formation_rt::Entity")]
    FormationRt,
    #[sea_orm(has_many = "super::panel_formation::Entity")]
    PanelFormation,
    #[sea_orm(has_many = "super::application::Entity")]
    Application,
    #[sea_orm(has_many = "super::ranking::Entity")]
    Ranking,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kelurahan.def()
    }
}

impl Related<super::formation_rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FormationRt.def()
    }
}

impl Related<super::panel_formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelFormation.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::ranking::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ranking.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::round::FormationHead {
    fn from(f: Model) -> Self {
        Self {
            id: f.id,
            round_id: f.round_id,
            code: f.code,
            name: f.name,
            kelurahan_code: f.kelurahan_code,
            all_rts: f.all_rts,
            seats: f.seats,
            reserve: f.reserve,
        }
    }
}
