//! The panels journeys' fixture: a round with formations, applications in a
//! given state, and the admin's clicks that form panels and schedule tests.

use axum::http::StatusCode;
use pokmas::db::entities::{
    application, audit_event, formation, panel, round, test_invitation, test_session,
};
use pokmas::domain::role::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::{PASSWORD, TestApp, TestResponse, hidden_value};

pub(super) const KECAMATAN: &str = "64.72.09";
pub(super) const KARANG_MUMUS: &str = "64.72.09.1001";
pub(super) const PELABUHAN: &str = "64.72.09.1002";
pub(super) const BUGIS: &str = "64.72.09.1004";

pub(super) async fn signed_in_admin(mut app: TestApp) -> TestApp {
    app.create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let res = app.login("admin@samarindakota.go.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login: {}", res.body);
    app
}

pub(super) use crate::support::post_with_csrf as post;

/// A round with one formation per kelurahan of Samarinda Kota that has RTs
/// (Karang Mumus, Pelabuhan, Bugis). Returns the round id.
pub(super) async fn round_with_formations(app: &mut TestApp) -> Uuid {
    let page = app.get("/admin/seleksi").await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let res = app
        .post_form(
            "/admin/seleksi",
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("name", "Rekrutmen Pokmas Samarinda Kota"),
                ("year", "2027"),
            ],
        )
        .await;
    let id: Uuid = res
        .location()
        .and_then(|l| l.strip_prefix("/admin/seleksi/"))
        .and_then(|s| s.parse().ok())
        .expect("round created");
    let fpage = format!("/admin/seleksi/{id}/formasi");
    for (code, count) in [(KARANG_MUMUS, "23"), (PELABUHAN, "17"), (BUGIS, "19")] {
        let res = post(
            app,
            &fpage,
            &format!("{fpage}/rt"),
            &[("kelurahan", code), ("rt_count", count)],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = post(
        app,
        &fpage,
        &format!("{fpage}/buat"),
        &[("kecamatan", KECAMATAN), ("seats", "5"), ("reserve", "2")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    id
}

pub(super) async fn formation_of(app: &TestApp, round_id: Uuid, kelurahan: &str) -> Uuid {
    formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .filter(formation::Column::KelurahanCode.eq(kelurahan))
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("formation exists")
        .id
}

/// Inserts an application in `state` (`draft`, `submitted`, `eligible`, …).
pub(super) async fn application_in(
    app: &TestApp,
    round_id: Uuid,
    kelurahan: &str,
    seq: i32,
    state: &str,
) -> Uuid {
    let now = OffsetDateTime::now_utc();
    let formation_id = formation_of(app, round_id, kelurahan).await;
    let short = &kelurahan[kelurahan.len() - 4..];
    let id = Uuid::now_v7();
    application::Model {
        id,
        round_id,
        formation_id: Some(formation_id),
        account_id: None,
        registration_no: (state != "draft").then(|| format!("SKT-2027-{short}-{seq:04}")),
        state: state.parse().expect("state"),
        assisted_by: None,
        full_name: format!("Warga {short} {seq}"),
        nik_ciphertext: None,
        nik_hash: Some(format!("nik-{short}-{seq}")),
        nik_masked: None,
        plain_birth_place: "Samarinda".into(),
        plain_birth_date: None,
        sex: "female".into(),
        plain_address: "Jl. Pangeran Diponegoro".into(),
        kelurahan_code: Some(kelurahan.into()),
        rt_number: Some(seq % 10 + 1),
        plain_phone: String::new(),
        plain_email: format!("warga{short}{seq}@contoh.id"),
        education: String::new(),
        occupation: String::new(),
        family_card_hash: None,
        motivation: String::new(),
        experience: String::new(),
        nik_warnings: "[]".into(),
        status_pin_hash: None,
        submission_hash: None,
        seq_in_kelurahan: Some(seq),
        personal_ciphertext: None,
        created_at: now,
        updated_at: now,
        submitted_at: (state != "draft").then_some(now),
        withdrawn_at: None,
        eligibility_decided_at: None,
    }
    .into_active_model()
    .insert(&app.db.db)
    .await
    .expect("application");
    id
}

pub(super) async fn set_round_state(app: &TestApp, round_id: Uuid, state: &str) {
    round::ActiveModel {
        id: Set(round_id),
        state: Set(state.parse().expect("state")),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .expect("round state");
}

pub(super) async fn panel_named(app: &TestApp, round_id: Uuid, name: &str) -> Uuid {
    panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .filter(panel::Column::Name.eq(name))
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("panel exists")
        .id
}

pub(super) async fn create_panel(app: &mut TestApp, round_id: Uuid, name: &str) -> Uuid {
    let path = format!("/admin/seleksi/{round_id}/panel");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let res = post(
        app,
        &path,
        &path,
        &[("name", name), ("idempotency_key", &key)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    panel_named(app, round_id, name).await
}

pub(super) async fn add_member(
    app: &mut TestApp,
    round_id: Uuid,
    panel: Uuid,
    account: Uuid,
) -> TestResponse {
    let path = format!("/admin/seleksi/{round_id}/panel");
    let account = account.to_string();
    post(
        app,
        &path,
        &format!("{path}/{panel}/anggota"),
        &[("account_id", &account)],
    )
    .await
}

pub(super) async fn set_formations(
    app: &mut TestApp,
    round_id: Uuid,
    panel: Uuid,
    formations: &[Uuid],
) -> TestResponse {
    let path = format!("/admin/seleksi/{round_id}/panel");
    let ids: Vec<String> = formations.iter().map(Uuid::to_string).collect();
    let fields: Vec<(&str, &str)> = ids.iter().map(|i| ("formation", i.as_str())).collect();
    post(app, &path, &format!("{path}/{panel}/formasi"), &fields).await
}

pub(super) fn in_days(days: i64) -> String {
    let d = (OffsetDateTime::now_utc() + Duration::days(days)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(super) async fn schedule_session(
    app: &mut TestApp,
    round_id: Uuid,
    panel: Uuid,
    date: &str,
    place: &str,
    capacity: &str,
) -> TestResponse {
    let path = format!("/admin/seleksi/{round_id}/uji");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let panel = panel.to_string();
    post(
        app,
        &path,
        &path,
        &[
            ("idempotency_key", &key),
            ("date", date),
            ("time", "09:00"),
            ("place", place),
            ("capacity", capacity),
            ("panel", &panel),
        ],
    )
    .await
}

pub(super) async fn sessions(app: &TestApp, round_id: Uuid) -> Vec<test_session::Model> {
    test_session::Entity::find()
        .filter(test_session::Column::RoundId.eq(round_id))
        .order_by_asc(test_session::Column::StartsAt)
        .all(&app.db.db)
        .await
        .expect("sessions")
}

pub(super) async fn invitations_of(app: &TestApp, session: Uuid) -> Vec<test_invitation::Model> {
    test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.eq(session))
        .all(&app.db.db)
        .await
        .expect("invitations")
}

pub(super) async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db.db)
        .await
        .expect("events")
}

pub(super) async fn audit_count(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count")
}

/// The number in the funnel row `step` of the dashboard.
pub(super) fn funnel(body: &str, step: &str) -> u64 {
    let marker = format!("data-step=\"{step}\"");
    let row = &body[body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {step} row"))..];
    let td = &row[row.find("<td>").expect("cell") + 4..];
    td[..td.find("</td>").expect("cell end")]
        .parse()
        .expect("number")
}
