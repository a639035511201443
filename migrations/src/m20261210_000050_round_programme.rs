//! What a round recruits for and where its applicants must live.
//!
//! - `round.programme_id` / `programme_en`, `group_id` / `group_en`,
//!   `member_id` / `member_en`: the programme, the group and what a selected
//!   applicant becomes, as the round's pages, mails and announcements name
//!   them; the defaults are Samarinda's Pokmas recruitment (`Probebaya`,
//!   `Pokmas`, `anggota Pokmas` / `Pokmas member`), so every earlier round
//!   reads as before.
//! - `round.domicile_rule`: `rt` (default: the applicant's RT is one the
//!   formation covers) | `kelurahan` (the formation's kelurahan) | `city`
//!   (any RT of the city).
//!
//! Both are frozen rules, in the hashed object only when they differ from
//! the defaults, so rounds frozen before keep their hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TEXTS: [(&str, &str); 6] = [
    ("programme_id", "Probebaya"),
    ("programme_en", "Probebaya"),
    ("group_id", "Pokmas"),
    ("group_en", "Pokmas"),
    ("member_id", "anggota Pokmas"),
    ("member_en", "Pokmas member"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for (name, default) in TEXTS {
            manager
                .alter_table(
                    Table::alter()
                        .table("round")
                        .add_column(string_len(name, 120).default(default))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("round")
                    .add_column(string_len("domicile_rule", 16).default("rt"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut names: Vec<&str> = TEXTS.iter().map(|(n, _)| *n).collect();
        names.push("domicile_rule");
        for name in names {
            manager
                .alter_table(Table::alter().table("round").drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
