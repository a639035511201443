//! A sitting of the fit & proper test: when, where, which panel, how many seats.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub panel_id: Uuid,
    pub starts_at: TimeDateTimeWithTimeZone,
    pub place: String,
    pub capacity: i32,
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
        belongs_to = "super::panel::Entity",
        from = "Column::PanelId",
        to = "super::panel::Column::Id",
        on_delete = "Restrict"
    )]
    Panel,
    #[sea_orm(has_many = "super::test_invitation::Entity")]
    TestInvitation,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::panel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Panel.def()
    }
}

impl Related<super::test_invitation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TestInvitation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
