//! Imported criteria: a bad file is refused whole with line
//! numbers and nothing stored; a good one is audited value by value and
//! re-ranks, with rank changes pointing at the value's event.

use axum::http::StatusCode;
use pokmas::db::entities::{criterion, imported_value};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::progress::{events, payload, rank_of};
use crate::standings::{Fixture, fixture, publish};
use crate::support::PASSWORD;
use crate::support::journey::post_multipart;

/// K1 50 and K2 30 (panel), plus WT 20: a written test on 0–100, imported.
async fn with_written_test(f: &Fixture) {
    let db = &f.app.db.db;
    for (id, weight) in [(f.criteria[0], 50), (f.criteria[1], 30)] {
        criterion::ActiveModel {
            id: Set(id),
            weight: Set(weight),
            ..Default::default()
        }
        .update(db)
        .await
        .expect("weight");
    }
    criterion::ActiveModel {
        stage_code: sea_orm::ActiveValue::NotSet,
        id: Set(Uuid::now_v7()),
        round_id: Set(f.round_id),
        code: Set("WT".into()),
        name_id: Set("Tes tertulis".into()),
        name_en: Set("Written test".into()),
        description_id: Set(String::new()),
        description_en: Set(String::new()),
        kind: Set("imported".into()),
        scale_min: Set(0),
        scale_max: Set(100),
        weight: Set(20),
        pass_min: Set(None),
        tiebreak_order: Set(None),
        position: Set(2),
        scale_labels: Set("{}".into()),
    }
    .insert(db)
    .await
    .expect("criterion");
    // The fixture's standings were kept under the old criteria.
    crate::standings::rerank_in_full(f).await;
}

#[tokio::test]
async fn a_bad_file_is_refused_whole_and_a_good_one_is_audited_per_value_and_re_ranks() {
    let mut f = fixture().await;
    with_written_test(&f).await;
    f.app.login("admin@contoh.id", PASSWORD).await;
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let res = f.app.get(&page).await;
    assert_eq!(res.status, StatusCode::OK);
    let csrf = crate::support::hidden_value(&res.body, "csrf").expect("csrf");
    let no = |i: usize| f.apps[i].1.clone();

    // Line 3 is off the scale, line 4 an unknown number, line 5 repeats line 2.
    let bad = format!(
        "registration_no,value\n{},10\n{},101\n2026-0000000000-9999,50\n{},20\n",
        no(0),
        no(1),
        no(0)
    );
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT")],
        &[("file", "nilai.csv", bad.as_bytes())],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("ditolak seluruhnya"));
    assert!(
        res.body
            .contains("Baris 3: nilai «101» harus bilangan bulat 0–100."),
        "{}",
        res.body
    );
    assert!(
        res.body
            .contains("Baris 4: nomor pendaftaran «2026-0000000000-9999» tidak dikenal")
    );
    assert!(res.body.contains("Baris 5: nomor «"));
    // In the English interface the same refusal reads in English.
    f.app.get("/bahasa/en?kembali=/").await;
    let csrf = crate::support::hidden_value(&f.app.get(&page).await.body, "csrf").expect("csrf");
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT")],
        &[("file", "nilai.csv", bad.as_bytes())],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Line 3: value «101» must be a whole number 0–100."),
        "{}",
        res.body
    );
    assert!(!res.body.contains("Baris 3"), "{}", res.body);
    f.app.get("/bahasa/id?kembali=/").await;
    assert_eq!(
        imported_value::Entity::find()
            .count(&f.app.db.db)
            .await
            .expect("count"),
        0
    );
    assert!(events(&f.app, "imported_value.set").await.is_empty());
    // Before any value, every application waits for its written test.
    let api = f
        .app
        .get(&format!("/api/v1/admin/rounds/{}/progress", f.round_id))
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let progress: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(progress[0]["incomplete"], 4);
    assert_eq!(
        progress[0]["rows"][0]["missing"],
        serde_json::json!(["nilai impor belum ada: WT"])
    );
    // In English when the request asks for it.
    let api = f
        .app
        .send(
            axum::http::Request::get(format!("/api/v1/admin/rounds/{}/progress", f.round_id))
                .header(axum::http::header::ACCEPT_LANGUAGE, "en")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    let progress: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(
        progress[0]["rows"][0]["missing"],
        serde_json::json!(["imported value missing: WT"])
    );

    // A good file (pasted): A 0, B 100, C 50, D 50.
    let good = format!(
        "registration_no,value\n{},0\n{},100\n{},50\n{},50\n",
        no(0),
        no(1),
        no(2),
        no(3)
    );
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT"), ("csv", &good)],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Impor diterima"), "{}", res.body);
    let set = events(&f.app, "imported_value.set").await;
    assert_eq!(set.len(), 4, "one event per value");
    assert_eq!(payload(&set[1])["new"], 100);
    assert!(payload(&set[1]).get("old").is_none());
    // B: 50·3/4 + 30·3/4 + 20 = 80 > A: 50 + 15 + 0 = 65.
    assert_eq!(rank_of(&f.app, f.apps[1].0).await.0, Some(1));
    assert_eq!(rank_of(&f.app, f.apps[0].0).await.0, Some(2));

    // After publication a corrected value for A (0 → 100: 85) swaps A and B,
    // and both rank changes point at A's value event.
    publish(&f).await;
    let fix = format!("registration_no,value\n{},100\n{},100\n", no(0), no(1));
    // Once published a correction needs a written reason ...
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT"), ("csv", &fix)],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("persetujuan admin lain"), "{}", res.body);
    // ... and waits for a second admin: nothing changes until then.
    let reason = "Lembar jawaban A salah dipindai oleh panitia.";
    let res = post_multipart(
        &mut f.app,
        &page,
        &[
            ("csrf", &csrf),
            ("criterion", "WT"),
            ("csv", &fix),
            ("reason", reason),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("menunggu persetujuan admin lain"),
        "{}",
        res.body
    );
    assert_eq!(events(&f.app, "imported_value.set").await.len(), 4);
    assert_eq!(rank_of(&f.app, f.apps[1].0).await.0, Some(1));
    crate::progress::second_admin_approves(&mut f.app).await;
    let set = events(&f.app, "imported_value.set").await;
    assert_eq!(set.len(), 5, "only the changed value is an event");
    let correction = &set[4];
    assert_eq!(payload(correction)["old"], 0);
    assert_eq!(payload(correction)["new"], 100);
    let moved: Vec<serde_json::Value> = events(&f.app, "ranking.changed")
        .await
        .iter()
        .filter(|e| e.seq > correction.seq)
        .map(payload)
        .collect();
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(moved.iter().all(|p| p["cause_seq"] == correction.seq));
    assert_eq!(rank_of(&f.app, f.apps[0].0).await.0, Some(1));
    assert_eq!(rank_of(&f.app, f.apps[1].0).await.0, Some(2));
}

#[tokio::test]
async fn a_panel_criterion_cannot_be_imported_and_only_admins_may_import() {
    let mut f = fixture().await;
    with_written_test(&f).await;
    f.app.login("admin@contoh.id", PASSWORD).await;
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let csrf = f.app.csrf_from(&page).await;
    let file = format!("registration_no,value\n{},3\n", f.apps[0].1);
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "K1"), ("csv", &file)],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("dinilai oleh tim penilai"),
        "{}",
        res.body
    );
    f.app.switch_browser(crate::support::Browser::default());
    f.app.login("penilai1@contoh.id", PASSWORD).await;
    assert_eq!(f.app.get(&page).await.status, StatusCode::FORBIDDEN);
    let csrf = f.app.csrf_from("/akun").await;
    let res = post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT"), ("csv", &file)],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(events(&f.app, "imported_value.set").await.is_empty());
}
