//! A lottery witness of a round (commit–reveal seed).
//!
//! `position` (1, 2, …, unique per round) is the commit order, which is also the
//! order of the secrets in the seed. `commit_hash` is `sha256_hex(secret)`,
//! committed before registration closes; `secret` is revealed after, and the
//! database refuses a secret without a commit. `account_id` links a witness who
//! signs in; a community representative may have none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lottery_witness")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub position: i32,
    pub name: String,
    pub account_id: Option<Uuid>,
    pub commit_hash: Option<String>,
    pub committed_at: Option<TimeDateTimeWithTimeZone>,
    pub secret: Option<String>,
    pub revealed_at: Option<TimeDateTimeWithTimeZone>,
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
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::witness::Witness {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            position: m.position,
            name: m.name,
            account_id: m.account_id,
            commit_hash: m.commit_hash,
            committed_at: m.committed_at,
            secret: m.secret,
            revealed_at: m.revealed_at,
        }
    }
}
