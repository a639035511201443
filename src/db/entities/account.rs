//! A person who signs in: applicant, operator, panelist, admin or auditor.
//!
//! - `email` is unique and stored lowercased (a CHECK enforces the lowercasing).
//! - `password_hash` (argon2 PHC string) is null while an invitation is open.
//! - `role`: `applicant` | `operator` | `panelist` | `admin` | `auditor`.
//! - `status`: `active` | `invited` | `deactivated`.
//! - `locale`: `id` (default) | `en`.
//! - `own_kelurahan_code` / `own_rt_number`: where a panelist lives, for the
//!   same-RT conflict flag; `family_card_hash` is the keyed hash of their KK
//!   number, for the same-family flag. Both are optional.
//! - Operators and panelists are scoped to kelurahan through [`super::account_scope`].

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub status: crate::domain::account::AccountStatus,
    pub email_verified_at: Option<TimeDateTimeWithTimeZone>,
    pub locale: String,
    pub phone: Option<String>,
    pub own_kelurahan_code: Option<String>,
    pub own_rt_number: Option<i32>,
    pub family_card_hash: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub last_login_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::kelurahan::Entity",
        from = "Column::OwnKelurahanCode",
        to = "super::kelurahan::Column::Code",
        on_delete = "Restrict"
    )]
    OwnKelurahan,
    #[sea_orm(
        belongs_to = "super::rt::Entity",
        from = "(Column::OwnKelurahanCode, Column::OwnRtNumber)",
        to = "(super::rt::Column::KelurahanCode, super::rt::Column::Number)",
        on_delete = "Restrict"
    )]
    OwnRt,
    #[sea_orm(has_many = "super::account_scope::Entity")]
    AccountScope,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
    #[sea_orm(has_many = "super::auth_token::Entity")]
    AuthToken,
    #[sea_orm(has_many = "super::round::Entity")]
    Round,
    #[sea_orm(has_many = "super::panel_member::Entity")]
    PanelMember,
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
    #[sea_orm(has_many = "super::requirement_check::Entity")]
    RequirementCheck,
    #[sea_orm(has_many = "super::test_invitation::Entity")]
    TestInvitation,
    #[sea_orm(has_many = "super::scorecard::Entity")]
    Scorecard,
    #[sea_orm(has_many = "super::imported_value::Entity")]
    ImportedValue,
    #[sea_orm(has_many = "super::lottery_witness::Entity")]
    LotteryWitness,
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnKelurahan.def()
    }
}

impl Related<super::rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnRt.def()
    }
}

impl Related<super::account_scope::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountScope.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::auth_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuthToken.def()
    }
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

impl Related<super::lottery_witness::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LotteryWitness.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
