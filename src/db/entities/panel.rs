//! An evaluation panel (tim penilai) of a round; its name is unique within the round.
//!
//! Members are in [`super::panel_member`]; the formations it scores in
//! [`super::panel_formation`].

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub name: String,
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
    #[sea_orm(has_many = "super::panel_member::Entity")]
    PanelMember,
    #[sea_orm(has_many = "super::panel_formation::Entity")]
    PanelFormation,
    #[sea_orm(has_many = "super::test_session::Entity")]
    TestSession,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::panel_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelMember.def()
    }
}

impl Related<super::panel_formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PanelFormation.def()
    }
}

impl Related<super::test_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TestSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
