//! The privacy notice where an applicant meets it (the application form),
//! and the legal hold of an undecided objection on an erasure request.

use axum::http::StatusCode;

use crate::results::{as_user, open_objection_window, post_from, publish};
use crate::support::TestApp;
use crate::support::journey::OpenRound;

/// The application form links the privacy notice, and the notice names
/// its purposes, the data classes with their periods and the rights with
/// how to use them, in both languages, titled "Pelindungan Data Pribadi".
#[tokio::test]
async fn the_application_form_links_the_privacy_notice_which_states_purposes_classes_and_rights() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = crate::support::journey::open_round(&app).await;
    crate::support::journey::verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = crate::support::journey::start(&mut app, &slug).await;
    let page = app.get(&form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(r#"href="/pelindungan-data""#),
        "the form links the notice"
    );
    let notice = app.get("/pelindungan-data").await;
    for part in [
        "<title>Pelindungan Data Pribadi",
        "Pengendali data",
        "Pejabat pelindungan data pribadi",
        "Untuk apa data diproses",
        "Berapa lama data disimpan",
        "NIK (terenkripsi)",
        "Akun pendaftar",
        "Hak Anda dan cara menggunakannya",
        "Akses",
        "Penghapusan",
        "Pemberitahuan kebocoran",
    ] {
        assert!(notice.body.contains(part), "notice: {part}");
    }
    app.get("/bahasa/en?kembali=/").await;
    let en = app.get("/pelindungan-data").await;
    for part in [
        "Pelindungan Data Pribadi",
        "Data controller",
        "Why data are processed",
        "How long data are kept",
        "Your rights and how to use them",
    ] {
        assert!(en.body.contains(part), "English notice: {part}");
    }
}

/// Applicant E files an objection in the objection window, then asks for
/// her data to be erased: the admin's decision refuses it with the
/// undecided objection as the hold, shown on `/akun` and in the trail.
#[tokio::test]
async fn an_erasure_request_is_refused_while_the_applicants_objection_is_undecided() {
    use crate::support::hidden_value;
    use crate::support::journey::post_multipart;
    use pokmas::db::entities::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (e_id, _) = p.f.apps[4].clone();
    let email = p.emails[4].clone();
    as_user(&mut p.f.app, &email).await;
    let form_path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("idempotency key");
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            (
                "grounds",
                "Nilai K1 saya dari penilai pertama tidak sesuai jawaban wawancara saya.",
            ),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let res = post_from(
        &mut p.f.app,
        "/akun",
        "/akun/hapus-data",
        &[("application_id", &e_id.to_string()), ("reason", "")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let listed = crate::api::json(&p.f.app.get("/api/v1/me/erasure-requests").await);
    let request_id = listed["requests"][0]["id"].as_str().expect("id").to_owned();

    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let res = post_from(
        &mut p.f.app,
        "/admin/penghapusan-data",
        &format!("/admin/penghapusan-data/{request_id}/putuskan"),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    p.f.app.switch_browser(mine);

    as_user(&mut p.f.app, &email).await;
    let account = p.f.app.get("/akun").await;
    assert!(
        account
            .body
            .contains("Ada sanggahan atas pendaftaran ini yang belum diputus"),
        "{}",
        account.body
    );
    let refused = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("erasure.refused"))
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("erasure.refused");
    assert!(
        refused.payload.contains("open_objection"),
        "{}",
        refused.payload
    );
}
