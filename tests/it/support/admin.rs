//! Admin journeys through the JSON API: a round, its criteria, formations
//! and panels, as the signed-in admin makes them.

use axum::http::{Method, StatusCode};
use pokmas::db::entities::{audit_event, formation};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::TestApp;
use super::api::{call, id_of, json_of};
use super::verification::{KARANG_MUMUS, PELABUHAN};

pub fn criteria(weights: &[i32]) -> Value {
    Value::Array(
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                json!({
                    "code": format!("K{i}"),
                    "name_id": format!("Kriteria {i}"),
                    "scale_min": 1,
                    "scale_max": 5,
                    "weight": w,
                    "tiebreak_order": i + 1,
                    "labels": "1 = Sangat kurang | Very poor\n2 = Kurang | Poor\n3 = Cukup | Fair\n4 = Baik | Good\n5 = Sangat baik | Very good",
                })
            })
            .collect(),
    )
}

pub async fn audit_count(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count")
}

pub async fn api_round(app: &mut TestApp) -> Uuid {
    let res = call(
        app,
        Method::POST,
        "/api/v1/admin/rounds",
        &json!({"name": "Rekrutmen Pokmas API", "year": 2027, "idempotency_key": "k-1"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    json_of(&res)["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("round id")
}

/// The date `days` from today, as the API takes it.
pub fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

pub async fn events_named(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.db.db)
        .await
        .expect("count")
}

/// `(code, kelurahan, all_rts, rts, seats, reserve)` of each formation of a
/// round as the API reads it back, without the ids an import replaces.
pub async fn formations_read_back(app: &mut TestApp, round: Uuid) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/admin/rounds/{round}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    json_of(&res)["formations"]
        .as_array()
        .expect("formations")
        .iter()
        .map(|f| {
            json!([
                f["code"],
                f["name"],
                f["kelurahan_code"],
                f["all_rts"],
                f["rts"],
                f["seats"],
                f["reserve"]
            ])
        })
        .collect()
}

/// A draft round with RTs in Karang Mumus and Pelabuhan: two RT groups in
/// Karang Mumus (1–5, 6–10) and the whole of Pelabuhan.
pub async fn round_with_three_formations(app: &mut TestApp) -> Uuid {
    let round = api_round(app).await;
    for (k, n) in [(KARANG_MUMUS, 10), (PELABUHAN, 8)] {
        let res = call(
            app,
            Method::POST,
            &format!("/api/v1/admin/kelurahan/{k}/rts"),
            &json!({"count": n}),
        )
        .await;
        assert_eq!(json_of(&res)["changed"], n, "{}", res.body);
    }
    for body in [
        json!({"code": "KM-A", "name": "Karang Mumus RT 1-5", "kelurahan_code": KARANG_MUMUS,
            "rts": "1;2;3;4;5", "seats": 3, "reserve": 1}),
        json!({"code": "KM-B", "name": "Karang Mumus RT 6-10", "kelurahan_code": KARANG_MUMUS,
            "rts": "6;7;8;9;10", "seats": 2, "reserve": 0}),
        json!({"code": "PEL", "name": "Pokmas Pelabuhan", "kelurahan_code": PELABUHAN,
            "rts": "all", "seats": 5, "reserve": 2}),
    ] {
        id_of(
            &call(
                app,
                Method::POST,
                &format!("/api/v1/admin/rounds/{round}/formations"),
                &body,
            )
            .await,
        );
    }
    round
}

/// The formation of round `round` over kelurahan `kelurahan` (the first, where
/// it has several).
pub async fn formation_over(app: &TestApp, round: Uuid, kelurahan: &str) -> Uuid {
    formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round))
        .filter(formation::Column::KelurahanCode.eq(kelurahan))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("formation")
        .id
}

/// Adds the accounts `members` to panel `panel` of round `round` and has the
/// panel assess `formations`, each call answered 200.
pub async fn staff_panel(
    app: &mut TestApp,
    round: Uuid,
    panel: Uuid,
    members: &[Uuid],
    formations: &[Uuid],
) {
    let base = format!("/api/v1/admin/rounds/{round}/panels/{panel}");
    for member in members {
        let res = call(
            app,
            Method::POST,
            &format!("{base}/members"),
            &json!({ "account_id": member }),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = call(
        app,
        Method::PUT,
        &format!("{base}/formations"),
        &json!({ "formations": formations }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// A new panel `name` of round `round` with the accounts `members`,
/// assessing `formations`; returns its id.
pub async fn panel_with(
    app: &mut TestApp,
    round: Uuid,
    name: &str,
    members: &[Uuid],
    formations: &[Uuid],
) -> Uuid {
    let panel = id_of(
        &call(
            app,
            Method::POST,
            &format!("/api/v1/admin/rounds/{round}/panels"),
            &json!({ "name": name }),
        )
        .await,
    );
    staff_panel(app, round, panel, members, formations).await;
    panel
}
