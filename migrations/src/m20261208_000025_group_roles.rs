//! The formed group's offices after the final result: which selected member
//! is chair (ketua), secretary (sekretaris) or treasurer (bendahara); every
//! other selected member is a member (anggota) and has no row. One row per
//! application; one holder per office and formation. Set by an admin
//! (`group.roles_set`), cleared when the holder withdraws or is
//! disqualified after the final result.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("group_role")
                    .col(uuid("application_id").primary_key())
                    .col(uuid("round_id"))
                    .col(uuid("formation_id"))
                    .col(string_len("role", 20))
                    .col(uuid("assigned_by"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .check(Check::named(
                        "ck_group_role_role",
                        Expr::cust("role IN ('chair', 'secretary', 'treasurer')"),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_role_application")
                            .from_tbl("group_role")
                            .from_col("application_id")
                            .to_tbl("application")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_role_formation")
                            .from_tbl("group_role")
                            .from_col("formation_id")
                            .to_tbl("formation")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_role_assigned_by")
                            .from_tbl("group_role")
                            .from_col("assigned_by")
                            .to_tbl("account")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_group_role_office")
                    .table("group_role")
                    .col("formation_id")
                    .col("role")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("group_role").if_exists().to_owned())
            .await
    }
}
