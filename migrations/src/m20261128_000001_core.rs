//! Domain tables: regions, accounts, rounds, applications, scoring, objections.
//!
//! Conventions, so that every later step reads the same way:
//! - Primary keys are UUIDs, except region codes and pure link tables.
//! - Timestamps are `timestamp with time zone`, always written in UTC.
//! - Enum-like columns are short lowercase strings; their allowed values are
//!   listed on the entity. They carry no `CHECK (x IN …)` on purpose: adding a
//!   value later would force a table rebuild on SQLite. CHECKs are kept for
//!   invariants that will not change (ranges, four-eyes, amendment reasons).
//! - Exact numbers are integers or `"p/q"` strings, never floats.
//! - Foreign keys, CHECKs and indexes are named, so errors and `\d` output are readable.
//! - Foreign keys RESTRICT by default; round configuration and pure children
//!   CASCADE. A round with applications therefore cannot be deleted, while a
//!   draft round without any takes its formations and criteria with it.
//!
//! Formation areas: every formation lists the RTs it covers in `formation_rt`,
//! a whole-kelurahan formation included (one row per RT of the kelurahan, marked
//! by `formation.all_rts`). The primary key `(round_id, kelurahan_code,
//! rt_number)` then makes any overlap between two formations of a round
//! impossible, whatever their kind. A partial unique index also allows at most
//! one whole-kelurahan formation per kelurahan and round, even before its RTs
//! are listed. An application's `(formation_id, round_id, kelurahan_code,
//! rt_number)` references `formation_rt`, so an applicant can only be placed in
//! the formation that covers their own RT (until
//! `m20261212_000070_application_home_rt`, which leaves that to the round's
//! domicile rule).

use ForeignKeyAction::{Cascade, Restrict};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table of this step, parents before children; `down` drops in reverse.
const TABLES: &[&str] = &[
    "kecamatan",
    "kelurahan",
    "rt",
    "account",
    "account_scope",
    "session",
    "auth_token",
    "rate_limit",
    "idempotency_key",
    "stored_file",
    "round",
    "formation",
    "formation_rt",
    "criterion",
    "requirement",
    "panel",
    "panel_member",
    "panel_formation",
    "application",
    "application_declaration",
    "document",
    "requirement_check",
    "test_session",
    "test_invitation",
    "conflict_declaration",
    "scorecard",
    "scorecard_draft_value",
    "score_version",
    "score_value",
    "imported_value",
    "ranking",
    "approval",
    "objection",
    "lottery_witness",
];

/// A named foreign key `table(cols) → parent(parent_cols)`.
fn fk(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
    parent: &'static str,
    parent_cols: &[&'static str],
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(name)
        .from_tbl(table)
        .to_tbl(parent)
        .on_delete(on_delete);
    for col in cols {
        fk.from_col(*col);
    }
    for col in parent_cols {
        fk.to_col(*col);
    }
    fk
}

/// A composite primary key.
fn pk(cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    for col in cols {
        idx.col(*col);
    }
    idx
}

/// A named CHECK constraint written in SQL that both backends understand.
fn check(name: &'static str, sql: &'static str) -> Check {
    Check::named(name, Expr::cust(sql))
}

/// An index, `unique` or not, over `cols` of `table`.
fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(*col);
    }
    if unique {
        idx.unique();
    }
    idx
}

async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for idx in indexes {
        manager.create_index(idx).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        regions(manager).await?;
        accounts(manager).await?;
        rounds(manager).await?;
        applications(manager).await?;
        assessment(manager).await?;
        results(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Kecamatan, kelurahan and their RTs: master data from `pokmas import-regions`.
async fn regions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("kecamatan")
                .col(string("code").primary_key())
                .col(string("name"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("kelurahan")
                .col(string("code").primary_key())
                .col(string("kecamatan_code"))
                .col(string("name"))
                .col(integer_null("rt_count"))
                .foreign_key(&mut fk(
                    "fk_kelurahan_kecamatan",
                    "kelurahan",
                    &["kecamatan_code"],
                    "kecamatan",
                    &["code"],
                    Restrict,
                ))
                .check(check(
                    "ck_kelurahan_rt_count",
                    "rt_count IS NULL OR rt_count >= 0",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("rt")
                .col(string("kelurahan_code"))
                .col(integer("number"))
                .primary_key(&mut pk(&["kelurahan_code", "number"]))
                .foreign_key(&mut fk(
                    "fk_rt_kelurahan",
                    "rt",
                    &["kelurahan_code"],
                    "kelurahan",
                    &["code"],
                    Cascade,
                ))
                .check(check("ck_rt_number", "number >= 1"))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![index(
            "idx_kelurahan_kecamatan",
            "kelurahan",
            &["kecamatan_code"],
            false,
        )],
    )
    .await
}

/// Accounts, their kelurahan scopes, sessions, one-time tokens, throttling and
/// idempotency keys.
async fn accounts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("account")
                .col(uuid("id").primary_key())
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string_null("password_hash"))
                .col(string("role"))
                .col(string("status"))
                .col(timestamp_with_time_zone_null("email_verified_at"))
                .col(string("locale").default("id"))
                .col(string_null("phone"))
                .col(string_null("own_kelurahan_code"))
                .col(integer_null("own_rt_number"))
                .col(string_null("family_card_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("last_login_at"))
                .foreign_key(&mut fk(
                    "fk_account_own_kelurahan",
                    "account",
                    &["own_kelurahan_code"],
                    "kelurahan",
                    &["code"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_account_own_rt",
                    "account",
                    &["own_kelurahan_code", "own_rt_number"],
                    "rt",
                    &["kelurahan_code", "number"],
                    Restrict,
                ))
                .check(check("ck_account_email_lowercase", "email = lower(email)"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("account_scope")
                .col(uuid("account_id"))
                .col(string("kelurahan_code"))
                .primary_key(&mut pk(&["account_id", "kelurahan_code"]))
                .foreign_key(&mut fk(
                    "fk_account_scope_account",
                    "account_scope",
                    &["account_id"],
                    "account",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_account_scope_kelurahan",
                    "account_scope",
                    &["kelurahan_code"],
                    "kelurahan",
                    &["code"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("session")
                .col(string("id").primary_key())
                .col(blob("data"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(uuid_null("account_id"))
                .foreign_key(&mut fk(
                    "fk_session_account",
                    "session",
                    &["account_id"],
                    "account",
                    &["id"],
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("auth_token")
                .col(uuid("id").primary_key())
                .col(uuid("account_id"))
                .col(string("purpose"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_auth_token_account",
                    "auth_token",
                    &["account_id"],
                    "account",
                    &["id"],
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("rate_limit")
                .col(string("key"))
                .col(timestamp_with_time_zone("window_start"))
                .col(integer("count"))
                .primary_key(&mut pk(&["key", "window_start"]))
                .check(check("ck_rate_limit_count", "count >= 0"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("idempotency_key")
                .col(string("scope"))
                .col(string("key"))
                .col(string("request_hash"))
                .col(integer_null("status_code"))
                .col(string_null("response_location"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(&mut pk(&["scope", "key"]))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index("idx_account_role", "account", &["role", "status"], false),
            index(
                "idx_account_scope_kelurahan",
                "account_scope",
                &["kelurahan_code"],
                false,
            ),
            index("idx_session_account", "session", &["account_id"], false),
            index("idx_session_expires", "session", &["expires_at"], false),
            index(
                "idx_auth_token_account",
                "auth_token",
                &["account_id", "purpose"],
                false,
            ),
            index(
                "idx_rate_limit_window",
                "rate_limit",
                &["window_start"],
                false,
            ),
            index(
                "idx_idempotency_key_created",
                "idempotency_key",
                &["created_at"],
                false,
            ),
        ],
    )
    .await
}

/// Rounds and their configuration, frozen when registration opens: formations
/// and the RTs they cover, criteria, requirements, panels.
async fn rounds(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("stored_file")
                .col(string("sha256").primary_key())
                .col(big_integer("size_bytes"))
                .col(string("content_type"))
                .col(timestamp_with_time_zone("created_at"))
                .check(check("ck_stored_file_size", "size_bytes >= 0"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("round")
                .col(uuid("id").primary_key())
                .col(string_uniq("slug"))
                .col(string("name"))
                .col(integer("year"))
                .col(text("description_id"))
                .col(text("description_en"))
                .col(string("state").default("draft"))
                .col(string("aggregation").default("mean"))
                .col(integer_null("passing_total"))
                .col(integer("min_panelists").default(3))
                .col(integer_null("age_min"))
                .col(integer_null("age_max"))
                .col(timestamp_with_time_zone_null("registration_opens_at"))
                .col(timestamp_with_time_zone_null("registration_closes_at"))
                .col(timestamp_with_time_zone_null("verification_ends_at"))
                .col(timestamp_with_time_zone_null("assessment_starts_at"))
                .col(timestamp_with_time_zone_null("assessment_ends_at"))
                .col(timestamp_with_time_zone_null("provisional_at"))
                .col(timestamp_with_time_zone_null("objection_ends_at"))
                .col(timestamp_with_time_zone_null("final_at"))
                .col(string_null("frozen_hash"))
                .col(timestamp_with_time_zone_null("frozen_at"))
                .col(big_integer_null("close_event_seq"))
                .col(string_null("close_event_hash"))
                .col(string_null("applicant_list_hash"))
                .col(string_null("lottery_seed"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "fk_round_created_by",
                    "round",
                    &["created_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .check(check(
                    "ck_round_passing_total",
                    "passing_total IS NULL OR (passing_total >= 0 AND passing_total <= 100)",
                ))
                .check(check("ck_round_min_panelists", "min_panelists >= 1"))
                .check(check(
                    "ck_round_age",
                    "age_min IS NULL OR age_max IS NULL OR age_min <= age_max",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("formation")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(string("code"))
                .col(string("name"))
                .col(string("kelurahan_code"))
                .col(boolean("all_rts"))
                .col(integer("seats"))
                .col(integer("reserve"))
                .foreign_key(&mut fk(
                    "fk_formation_round",
                    "formation",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_formation_kelurahan",
                    "formation",
                    &["kelurahan_code"],
                    "kelurahan",
                    &["code"],
                    Restrict,
                ))
                .check(check("ck_formation_places", "seats >= 1 AND reserve >= 0"))
                .to_owned(),
        )
        .await?;
    // PostgreSQL wants the target of a composite foreign key to exist first.
    let mut one_whole_formation = index(
        "uq_formation_whole_kelurahan",
        "formation",
        &["round_id", "kelurahan_code"],
        true,
    );
    one_whole_formation.and_where(Expr::col("all_rts").eq(true));
    create_indexes(
        manager,
        vec![
            index(
                "uq_formation_code",
                "formation",
                &["round_id", "code"],
                true,
            ),
            index(
                "uq_formation_area_target",
                "formation",
                &["id", "round_id", "kelurahan_code"],
                true,
            ),
            one_whole_formation,
            index(
                "idx_formation_kelurahan",
                "formation",
                &["kelurahan_code"],
                false,
            ),
        ],
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table("formation_rt")
                .col(uuid("round_id"))
                .col(string("kelurahan_code"))
                .col(integer("rt_number"))
                .col(uuid("formation_id"))
                // One formation per RT and round: RT groups never overlap.
                .primary_key(&mut pk(&["round_id", "kelurahan_code", "rt_number"]))
                .foreign_key(&mut fk(
                    "fk_formation_rt_formation",
                    "formation_rt",
                    &["formation_id", "round_id", "kelurahan_code"],
                    "formation",
                    &["id", "round_id", "kelurahan_code"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_formation_rt_rt",
                    "formation_rt",
                    &["kelurahan_code", "rt_number"],
                    "rt",
                    &["kelurahan_code", "number"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![index(
            "uq_formation_rt_target",
            "formation_rt",
            &["formation_id", "round_id", "kelurahan_code", "rt_number"],
            true,
        )],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table("criterion")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(string("code"))
                .col(string("name_id"))
                .col(string("name_en"))
                .col(text("description_id"))
                .col(text("description_en"))
                .col(string("kind"))
                .col(integer("scale_min"))
                .col(integer("scale_max"))
                .col(integer("weight"))
                .col(integer_null("pass_min"))
                .col(integer_null("tiebreak_order"))
                .col(integer("position"))
                .col(text("scale_labels"))
                .foreign_key(&mut fk(
                    "fk_criterion_round",
                    "criterion",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .check(check("ck_criterion_scale", "scale_min < scale_max"))
                .check(check(
                    "ck_criterion_weight",
                    "weight >= 0 AND weight <= 100",
                ))
                .check(check(
                    "ck_criterion_pass_min",
                    "pass_min IS NULL OR (pass_min >= scale_min AND pass_min <= scale_max)",
                ))
                .check(check(
                    "ck_criterion_tiebreak_order",
                    "tiebreak_order IS NULL OR tiebreak_order >= 1",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("requirement")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(string("code"))
                .col(string("kind"))
                .col(text("text_id"))
                .col(text("text_en"))
                .col(text_null("params"))
                .col(boolean("mandatory"))
                .col(integer("position"))
                .foreign_key(&mut fk(
                    "fk_requirement_round",
                    "requirement",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("panel")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(string("name"))
                .foreign_key(&mut fk(
                    "fk_panel_round",
                    "panel",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("panel_member")
                .col(uuid("panel_id"))
                .col(uuid("account_id"))
                .primary_key(&mut pk(&["panel_id", "account_id"]))
                .foreign_key(&mut fk(
                    "fk_panel_member_panel",
                    "panel_member",
                    &["panel_id"],
                    "panel",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_panel_member_account",
                    "panel_member",
                    &["account_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("panel_formation")
                .col(uuid("panel_id"))
                .col(uuid("formation_id"))
                .primary_key(&mut pk(&["panel_id", "formation_id"]))
                .foreign_key(&mut fk(
                    "fk_panel_formation_panel",
                    "panel_formation",
                    &["panel_id"],
                    "panel",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_panel_formation_formation",
                    "panel_formation",
                    &["formation_id"],
                    "formation",
                    &["id"],
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index(
                "uq_criterion_code",
                "criterion",
                &["round_id", "code"],
                true,
            ),
            index(
                "uq_criterion_tiebreak_order",
                "criterion",
                &["round_id", "tiebreak_order"],
                true,
            ),
            index(
                "uq_criterion_round_target",
                "criterion",
                &["id", "round_id"],
                true,
            ),
            index(
                "uq_requirement_code",
                "requirement",
                &["round_id", "code"],
                true,
            ),
            index("uq_panel_name", "panel", &["round_id", "name"], true),
            index(
                "idx_panel_member_account",
                "panel_member",
                &["account_id"],
                false,
            ),
            // A formation is scored by exactly one panel.
            index(
                "uq_panel_formation_formation",
                "panel_formation",
                &["formation_id"],
                true,
            ),
        ],
    )
    .await
}

/// Applications with their declarations, documents and requirement checks.
async fn applications(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("application")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(uuid_null("formation_id"))
                .col(uuid_null("account_id"))
                .col(string_null("registration_no"))
                .col(string("state").default("draft"))
                .col(uuid_null("assisted_by"))
                .col(string("full_name"))
                .col(blob_null("nik_ciphertext"))
                .col(string_null("nik_hash"))
                .col(string_null("nik_masked"))
                .col(string("birth_place"))
                .col(date_null("birth_date"))
                .col(string("sex"))
                .col(text("address"))
                .col(string_null("kelurahan_code"))
                .col(integer_null("rt_number"))
                .col(string("phone"))
                .col(string("email"))
                .col(string("education"))
                .col(string("occupation"))
                .col(string_null("family_card_hash"))
                .col(text("motivation"))
                .col(text("experience"))
                .col(text("nik_warnings"))
                .col(string_null("status_pin_hash"))
                .col(string_null("submission_hash"))
                .col(integer_null("seq_in_kelurahan"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("withdrawn_at"))
                .col(timestamp_with_time_zone_null("eligibility_decided_at"))
                .foreign_key(&mut fk(
                    "fk_application_round",
                    "application",
                    &["round_id"],
                    "round",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_formation_rt",
                    "application",
                    &["formation_id", "round_id", "kelurahan_code", "rt_number"],
                    "formation_rt",
                    &["formation_id", "round_id", "kelurahan_code", "rt_number"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_formation",
                    "application",
                    &["formation_id"],
                    "formation",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_account",
                    "application",
                    &["account_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_assisted_by",
                    "application",
                    &["assisted_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_kelurahan",
                    "application",
                    &["kelurahan_code"],
                    "kelurahan",
                    &["code"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_application_rt",
                    "application",
                    &["kelurahan_code", "rt_number"],
                    "rt",
                    &["kelurahan_code", "number"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index(
                "uq_application_registration_no",
                "application",
                &["registration_no"],
                true,
            ),
            // One application per person (NIK) and per account in a round.
            index(
                "uq_application_nik",
                "application",
                &["round_id", "nik_hash"],
                true,
            ),
            index(
                "uq_application_account",
                "application",
                &["round_id", "account_id"],
                true,
            ),
            index(
                "uq_application_kelurahan_seq",
                "application",
                &["round_id", "kelurahan_code", "seq_in_kelurahan"],
                true,
            ),
            index(
                "uq_application_round_target",
                "application",
                &["id", "round_id"],
                true,
            ),
            index(
                "idx_application_round_state",
                "application",
                &["round_id", "state"],
                false,
            ),
            index(
                "idx_application_formation",
                "application",
                &["formation_id", "state"],
                false,
            ),
            index(
                "idx_application_kelurahan",
                "application",
                &["kelurahan_code", "round_id"],
                false,
            ),
            index(
                "idx_application_account",
                "application",
                &["account_id"],
                false,
            ),
        ],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table("application_declaration")
                .col(uuid("application_id"))
                .col(uuid("requirement_id"))
                .col(timestamp_with_time_zone("accepted_at"))
                .primary_key(&mut pk(&["application_id", "requirement_id"]))
                .foreign_key(&mut fk(
                    "fk_application_declaration_application",
                    "application_declaration",
                    &["application_id"],
                    "application",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_application_declaration_requirement",
                    "application_declaration",
                    &["requirement_id"],
                    "requirement",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("document")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(uuid_null("requirement_id"))
                .col(string("sha256"))
                .col(string("original_name"))
                .col(uuid_null("uploaded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_document_application",
                    "document",
                    &["application_id"],
                    "application",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_document_requirement",
                    "document",
                    &["requirement_id"],
                    "requirement",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_document_file",
                    "document",
                    &["sha256"],
                    "stored_file",
                    &["sha256"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_document_uploaded_by",
                    "document",
                    &["uploaded_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("requirement_check")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(uuid("requirement_id"))
                .col(integer("revision"))
                .col(string("outcome"))
                .col(string_null("reason_code"))
                .col(text("reason_text"))
                .col(boolean("automatic"))
                .col(uuid_null("checked_by"))
                .col(timestamp_with_time_zone("checked_at"))
                .foreign_key(&mut fk(
                    "fk_requirement_check_application",
                    "requirement_check",
                    &["application_id"],
                    "application",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_requirement_check_requirement",
                    "requirement_check",
                    &["requirement_id"],
                    "requirement",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_requirement_check_checked_by",
                    "requirement_check",
                    &["checked_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .check(check("ck_requirement_check_revision", "revision >= 1"))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index(
                "idx_application_declaration_requirement",
                "application_declaration",
                &["requirement_id"],
                false,
            ),
            index(
                "idx_document_application",
                "document",
                &["application_id", "requirement_id"],
                false,
            ),
            index("idx_document_file", "document", &["sha256"], false),
            // The highest revision per (application, requirement) counts.
            index(
                "uq_requirement_check_revision",
                "requirement_check",
                &["application_id", "requirement_id", "revision"],
                true,
            ),
        ],
    )
    .await
}

/// Test sessions, conflict declarations, scorecards and their versions, and
/// imported values.
async fn assessment(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("test_session")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(uuid("panel_id"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(string("place"))
                .col(integer("capacity"))
                .foreign_key(&mut fk(
                    "fk_test_session_round",
                    "test_session",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_test_session_panel",
                    "test_session",
                    &["panel_id"],
                    "panel",
                    &["id"],
                    Restrict,
                ))
                .check(check("ck_test_session_capacity", "capacity >= 1"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("test_invitation")
                .col(uuid("id").primary_key())
                .col(uuid("test_session_id"))
                .col(uuid_uniq("application_id"))
                .col(timestamp_with_time_zone("invited_at"))
                .col(string_null("attendance"))
                .col(text_null("decision"))
                .col(uuid_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .foreign_key(&mut fk(
                    "fk_test_invitation_session",
                    "test_invitation",
                    &["test_session_id"],
                    "test_session",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_test_invitation_application",
                    "test_invitation",
                    &["application_id"],
                    "application",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_test_invitation_decided_by",
                    "test_invitation",
                    &["decided_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("conflict_declaration")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(uuid("panelist_id"))
                .col(string_null("kind"))
                .col(text("text"))
                .col(boolean("recused"))
                .col(uuid_null("recused_by"))
                .col(timestamp_with_time_zone_null("recused_at"))
                .col(text_null("flagged_reasons"))
                .col(timestamp_with_time_zone_null("declared_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "fk_conflict_declaration_application",
                    "conflict_declaration",
                    &["application_id"],
                    "application",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_conflict_declaration_panelist",
                    "conflict_declaration",
                    &["panelist_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_conflict_declaration_recused_by",
                    "conflict_declaration",
                    &["recused_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index(
                "uq_conflict_declaration",
                "conflict_declaration",
                &["application_id", "panelist_id"],
                true,
            ),
            index(
                "idx_conflict_declaration_panelist",
                "conflict_declaration",
                &["panelist_id"],
                false,
            ),
            index(
                "idx_test_session_round",
                "test_session",
                &["round_id", "starts_at"],
                false,
            ),
            index(
                "idx_test_session_panel",
                "test_session",
                &["panel_id"],
                false,
            ),
            index(
                "idx_test_invitation_session",
                "test_invitation",
                &["test_session_id"],
                false,
            ),
        ],
    )
    .await?;

    manager
        .create_table(
            Table::create()
                .table("scorecard")
                .col(uuid("id").primary_key())
                .col(uuid("application_id"))
                .col(uuid("panelist_id"))
                .col(string("status").default("draft"))
                .col(integer("current_version").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                // No scorecard without the panelist's conflict declaration.
                .foreign_key(&mut fk(
                    "fk_scorecard_declaration",
                    "scorecard",
                    &["application_id", "panelist_id"],
                    "conflict_declaration",
                    &["application_id", "panelist_id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_scorecard_application",
                    "scorecard",
                    &["application_id"],
                    "application",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_scorecard_panelist",
                    "scorecard",
                    &["panelist_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .check(check(
                    "ck_scorecard_current_version",
                    "current_version >= 0",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("scorecard_draft_value")
                .col(uuid("scorecard_id"))
                .col(uuid("criterion_id"))
                .col(integer_null("value"))
                .col(text("comment"))
                .primary_key(&mut pk(&["scorecard_id", "criterion_id"]))
                .foreign_key(&mut fk(
                    "fk_scorecard_draft_value_scorecard",
                    "scorecard_draft_value",
                    &["scorecard_id"],
                    "scorecard",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_scorecard_draft_value_criterion",
                    "scorecard_draft_value",
                    &["criterion_id"],
                    "criterion",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("score_version")
                .col(uuid("id").primary_key())
                .col(uuid("scorecard_id"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(text("reason"))
                .col(big_integer_null("audit_seq"))
                .foreign_key(&mut fk(
                    "fk_score_version_scorecard",
                    "score_version",
                    &["scorecard_id"],
                    "scorecard",
                    &["id"],
                    Restrict,
                ))
                .check(check("ck_score_version_version", "version >= 1"))
                // An amendment (any version after the first) needs a written reason.
                .check(check(
                    "ck_score_version_amendment_reason",
                    "version = 1 OR length(trim(reason)) > 0",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("score_value")
                .col(uuid("score_version_id"))
                .col(uuid("criterion_id"))
                .col(integer("value"))
                .col(text("comment"))
                .primary_key(&mut pk(&["score_version_id", "criterion_id"]))
                .foreign_key(&mut fk(
                    "fk_score_value_version",
                    "score_value",
                    &["score_version_id"],
                    "score_version",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_score_value_criterion",
                    "score_value",
                    &["criterion_id"],
                    "criterion",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("imported_value")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(uuid("criterion_id"))
                .col(uuid("application_id"))
                .col(integer("value"))
                .col(uuid("imported_by"))
                .col(timestamp_with_time_zone("imported_at"))
                .col(uuid("batch_id"))
                .foreign_key(&mut fk(
                    "fk_imported_value_criterion",
                    "imported_value",
                    &["criterion_id", "round_id"],
                    "criterion",
                    &["id", "round_id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_imported_value_application",
                    "imported_value",
                    &["application_id", "round_id"],
                    "application",
                    &["id", "round_id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_imported_value_imported_by",
                    "imported_value",
                    &["imported_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    create_indexes(
        manager,
        vec![
            index(
                "uq_scorecard",
                "scorecard",
                &["application_id", "panelist_id"],
                true,
            ),
            index(
                "idx_scorecard_panelist",
                "scorecard",
                &["panelist_id", "status"],
                false,
            ),
            index(
                "uq_score_version",
                "score_version",
                &["scorecard_id", "version"],
                true,
            ),
            index(
                "uq_imported_value",
                "imported_value",
                &["criterion_id", "application_id"],
                true,
            ),
            index(
                "idx_imported_value_round",
                "imported_value",
                &["round_id", "batch_id"],
                false,
            ),
            index(
                "idx_imported_value_application",
                "imported_value",
                &["application_id"],
                false,
            ),
        ],
    )
    .await
}

/// Standings and ranks, four-eyes approvals, objections, lottery witnesses.
async fn results(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("ranking")
                .col(uuid("application_id").primary_key())
                .col(uuid("round_id"))
                .col(uuid("formation_id"))
                .col(boolean("complete"))
                .col(string("eligibility"))
                .col(string_null("total_exact"))
                .col(boolean_null("passed"))
                .col(integer_null("rank"))
                .col(string_null("status"))
                .col(string_null("lottery_key"))
                .col(boolean("published"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "fk_ranking_application",
                    "ranking",
                    &["application_id", "round_id"],
                    "application",
                    &["id", "round_id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_ranking_formation",
                    "ranking",
                    &["formation_id"],
                    "formation",
                    &["id"],
                    Restrict,
                ))
                .check(check(
                    "ck_ranking_rank",
                    "\"rank\" IS NULL OR \"rank\" >= 1",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("approval")
                .col(uuid("id").primary_key())
                .col(uuid_null("round_id"))
                .col(string("kind"))
                .col(string("subject_type"))
                .col(string("subject_id"))
                .col(text("payload"))
                .col(text("reason"))
                .col(uuid("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(string("status").default("pending"))
                .col(uuid_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_reason"))
                .foreign_key(&mut fk(
                    "fk_approval_round",
                    "approval",
                    &["round_id"],
                    "round",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_approval_requested_by",
                    "approval",
                    &["requested_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_approval_decided_by",
                    "approval",
                    &["decided_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                // Four eyes: whoever asked cannot decide.
                .check(check(
                    "ck_approval_four_eyes",
                    "decided_by IS NULL OR decided_by <> requested_by",
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("objection")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(uuid("application_id"))
                .col(uuid("filed_by"))
                .col(text("grounds"))
                .col(uuid_null("document_id"))
                .col(string("status").default("filed"))
                .col(uuid_null("reviewer_id"))
                .col(text("decision_reason"))
                .col(timestamp_with_time_zone("deadline_at"))
                .col(timestamp_with_time_zone("filed_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(uuid_null("approval_id"))
                .foreign_key(&mut fk(
                    "fk_objection_application",
                    "objection",
                    &["application_id", "round_id"],
                    "application",
                    &["id", "round_id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_filed_by",
                    "objection",
                    &["filed_by"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_document",
                    "objection",
                    &["document_id"],
                    "document",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_reviewer",
                    "objection",
                    &["reviewer_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .foreign_key(&mut fk(
                    "fk_objection_approval",
                    "objection",
                    &["approval_id"],
                    "approval",
                    &["id"],
                    Restrict,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("lottery_witness")
                .col(uuid("id").primary_key())
                .col(uuid("round_id"))
                .col(integer("position"))
                .col(string("name"))
                .col(uuid_null("account_id"))
                .col(string_null("commit_hash"))
                .col(timestamp_with_time_zone_null("committed_at"))
                .col(string_null("secret"))
                .col(timestamp_with_time_zone_null("revealed_at"))
                .foreign_key(&mut fk(
                    "fk_lottery_witness_round",
                    "lottery_witness",
                    &["round_id"],
                    "round",
                    &["id"],
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "fk_lottery_witness_account",
                    "lottery_witness",
                    &["account_id"],
                    "account",
                    &["id"],
                    Restrict,
                ))
                .check(check("ck_lottery_witness_position", "\"position\" >= 1"))
                .check(check(
                    "ck_lottery_witness_reveal_after_commit",
                    "secret IS NULL OR commit_hash IS NOT NULL",
                ))
                .to_owned(),
        )
        .await?;
    let mut one_pending_approval = index(
        "uq_approval_pending",
        "approval",
        &["kind", "subject_type", "subject_id"],
        true,
    );
    one_pending_approval.and_where(Expr::col("status").eq("pending"));
    create_indexes(
        manager,
        vec![
            index(
                "idx_ranking_formation_rank",
                "ranking",
                &["formation_id", "rank"],
                false,
            ),
            index("idx_ranking_round", "ranking", &["round_id"], false),
            index(
                "idx_approval_status",
                "approval",
                &["status", "round_id"],
                false,
            ),
            index(
                "idx_approval_subject",
                "approval",
                &["subject_type", "subject_id"],
                false,
            ),
            one_pending_approval,
            index(
                "idx_objection_round_status",
                "objection",
                &["round_id", "status"],
                false,
            ),
            index(
                "idx_objection_application",
                "objection",
                &["application_id"],
                false,
            ),
            index(
                "uq_lottery_witness_position",
                "lottery_witness",
                &["round_id", "position"],
                true,
            ),
        ],
    )
    .await
}
