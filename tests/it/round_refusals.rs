//! What round administration refuses: admin routes to anyone but admins, bad
//! input with a clear message and no change, and opening registration without
//! a complete schedule or after it closed.

use axum::http::StatusCode;
use pokmas::db::entities::{audit_event, criterion, formation};
use pokmas::domain::role::Role;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use uuid::Uuid;

use crate::rounds::{
    BUGIS, audit_count, build_round, create_round, load_round, post, save_settings,
    schedule_fields, signed_in_admin, wita,
};
use crate::support::{Browser, PASSWORD, TestApp, hidden_value, login_redirect};

#[tokio::test]
async fn every_admin_route_is_refused_to_everyone_but_admins() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    assert!(
        app.get("/").await.body.contains("href=\"/admin/seleksi\""),
        "admins see the way in"
    );
    let id = create_round(&mut app, "Rekrutmen Pokmas 2027").await;
    let fid = Uuid::now_v7();
    let gets = [
        "/admin/seleksi".to_owned(),
        format!("/admin/seleksi/{id}"),
        format!("/admin/seleksi/{id}/kriteria"),
        format!("/admin/seleksi/{id}/persyaratan"),
        format!("/admin/seleksi/{id}/formasi"),
        format!("/admin/seleksi/{id}/formasi.csv"),
    ];
    let posts = [
        "/admin/seleksi".to_owned(),
        format!("/admin/seleksi/{id}"),
        format!("/admin/seleksi/{id}/status"),
        format!("/admin/seleksi/{id}/kriteria"),
        format!("/admin/seleksi/{id}/templat"),
        format!("/admin/seleksi/{id}/persyaratan"),
        format!("/admin/seleksi/{id}/formasi/buat"),
        format!("/admin/seleksi/{id}/formasi/rt"),
        format!("/admin/seleksi/{id}/formasi/tambah"),
        format!("/admin/seleksi/{id}/formasi/kursi"),
        format!("/admin/seleksi/{id}/formasi/impor"),
        format!("/admin/seleksi/{id}/formasi/{fid}/hapus"),
    ];
    let events = audit_count(&app).await;

    // Anonymous: sent to the login page.
    let admin_jar = app.switch_browser(Browser::default());
    for path in gets.iter().chain(posts.iter()) {
        let get = gets.contains(path) && !posts.contains(path) || path.ends_with(".csv");
        let res = if get {
            app.get(path).await
        } else {
            app.post_form(path, &[("to", "registration"), ("template", "panel")])
                .await
        };
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous {path}");
        // A GET leads back after signing in; a POST is never replayed.
        let expected = if get {
            login_redirect(path)
        } else {
            "/masuk".to_owned()
        };
        assert_eq!(res.location(), Some(expected.as_str()), "anonymous {path}");
    }

    for (email, role, scope) in [
        ("operator@contoh.id", Role::Operator, vec!["64.72.09.1004"]),
        ("panelis@contoh.id", Role::Panelist, vec!["64.72.09.1004"]),
        ("auditor@contoh.id", Role::Auditor, vec![]),
        ("warga@contoh.id", Role::Applicant, vec![]),
    ] {
        app.create_user(email, role, &scope).await;
        app.switch_browser(Browser::default());
        let res = app.login(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{email} logs in");
        let home = app.get("/").await.body;
        assert!(
            !home.contains("href=\"/admin/seleksi\""),
            "{role:?} sees no admin link"
        );
        let csrf = hidden_value(&home, "csrf").expect("logout form token");
        for path in &gets {
            let res = app.get(path).await;
            assert!(
                matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role:?} GET {path}: {}",
                res.status
            );
        }
        for path in &posts {
            let res = app
                .post_form(
                    path,
                    &[
                        ("csrf", &csrf),
                        ("to", "registration"),
                        ("template", "panel"),
                        ("name", "X Y Z"),
                        ("year", "2027"),
                    ],
                )
                .await;
            assert!(
                matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{role:?} POST {path}: {}",
                res.status
            );
        }
    }
    app.switch_browser(admin_jar);
    // Only the four account creations were recorded; no round changed.
    assert_eq!(audit_count(&app).await, events + 4);
    assert_eq!(load_round(&app, id).await.state.as_str(), "draft");
    assert_eq!(
        criterion::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_changes_nothing_on_sqlite() {
    bad_input(TestApp::new().await).await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_changes_nothing_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    bad_input(app).await;
}

async fn bad_input(app: TestApp) {
    let mut app = signed_in_admin(app).await;
    let id = build_round(&mut app).await;
    let db = app.db.db.clone();
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let fpage = format!("/admin/seleksi/{id}/formasi");
    let detail = format!("/admin/seleksi/{id}");
    let events = audit_count(&app).await;
    let criteria = criterion::Entity::find().count(&db).await.expect("count");
    let formations = formation::Entity::find().count(&db).await.expect("count");
    let before = load_round(&app, id).await;

    // Weights that do not sum to 100: the form says what is missing and keeps the input.
    let res = post(
        &mut app,
        &crit,
        &crit,
        &[
            ("c0_code", "INT"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "5"),
            ("c0_weight", "50"),
            ("c0_labels", "1 = a\n2 = b\n3 = c\n4 = d\n5 = e"),
            ("c1_code", "KOM"),
            ("c1_name_id", "Komunikasi yang jelas"),
            ("c1_scale_min", "1"),
            ("c1_scale_max", "5"),
            ("c1_weight", "35"),
            ("c1_labels", "1 = a\n2 = b\n3 = c\n4 = d\n5 = e"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Total bobot 85; kurang 15."),
        "{}",
        res.body
    );
    assert!(
        res.body.contains("value=\"Komunikasi yang jelas\""),
        "typed input kept"
    );

    // A scale point without a label, next to its field.
    let res = post(
        &mut app,
        &crit,
        &crit,
        &[
            ("c0_code", "INT"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "3"),
            ("c0_weight", "100"),
            ("c0_labels", "1 = a\n3 = c"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"c0_labels-error\""), "{}", res.body);

    // Overlapping formations: RTs of Bugis already belong to its whole-kelurahan formation.
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/tambah"),
        &[
            ("code", "BUGIS-UTARA"),
            ("name", "Pokmas Bugis Utara"),
            ("kelurahan_code", BUGIS.0),
            ("rts", "1;2;3"),
            ("seats", "3"),
            ("reserve", "1"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("tumpang tindih"), "{}", res.body);
    assert!(
        res.body.contains("value=\"Pokmas Bugis Utara\""),
        "typed input kept"
    );

    // A CSV with overlapping lines is rejected whole, naming the lines.
    let csv = format!(
        "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
         {id},A,Pokmas A,{k},1;2;3,3,1\n\
         {id},B,Pokmas B,{k},3;4,3,1\n\
         {id},C,Pokmas C,64.72.09.1003,all,3,1\n",
        k = BUGIS.0
    );
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/impor"),
        &[("csv", &csv)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Baris 3:"), "{}", res.body);
    assert!(
        res.body.contains("Baris 4:"),
        "Pasar Pagi has no RTs: {}",
        res.body
    );

    // A transition out of order.
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "assessment")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Tidak dapat berpindah dari «Disiapkan» ke «Uji kelayakan dan kepatutan»"),
        "{}",
        res.body
    );

    // A schedule with dates out of order: the error sits at the later date.
    let mut bad = schedule_fields();
    bad[2].1 = wita(3); // verification ends before registration closes
    let res = save_settings(&mut app, id, &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("id=\"verification_ends_at-error\""),
        "{}",
        res.body
    );
    assert!(
        res.body
            .contains("harus sama dengan atau sesudah «Pendaftaran ditutup»")
    );

    // Cancelling needs a reason.
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "cancelled"), ("reason", "")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nonsense never gives a 500.
    for (path, fields) in [
        (format!("{detail}/status"), vec![("to", "nowhere")]),
        (
            format!("{fpage}/buat"),
            vec![("kecamatan", "99"), ("seats", "x")],
        ),
        (
            format!("{fpage}/rt"),
            vec![("kelurahan", "nope"), ("rt_count", "-4")],
        ),
        (format!("{fpage}/impor"), vec![("csv", "\"unterminated")]),
        (format!("{fpage}/kursi"), vec![]),
    ] {
        let res = post(&mut app, &detail, &path, &fields).await;
        assert!(
            res.status.is_client_error() || res.status.is_redirection(),
            "{path}: {}",
            res.status
        );
    }
    assert_eq!(
        app.get("/admin/seleksi/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/admin/seleksi/{}", Uuid::now_v7()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Nothing changed.
    assert_eq!(audit_count(&app).await, events);
    assert_eq!(
        criterion::Entity::find().count(&db).await.expect("count"),
        criteria
    );
    assert_eq!(
        formation::Entity::find().count(&db).await.expect("count"),
        formations
    );
    assert_eq!(load_round(&app, id).await, before);
}

#[tokio::test]
async fn registration_cannot_open_without_a_complete_schedule_or_after_it_closed() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = build_round(&mut app).await;
    let detail = format!("/admin/seleksi/{id}");
    let mut partial = schedule_fields();
    partial.pop();
    let res = save_settings(&mut app, id, &partial).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "a draft may be saved half-filled"
    );
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "registration")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Jadwal belum lengkap"), "{}", res.body);

    let mut late = schedule_fields();
    late[0].1 = wita(-10);
    late[1].1 = wita(-2);
    let res = save_settings(&mut app, id, &late).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "registration")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Sudah lewat"), "{}", res.body);
    assert_eq!(load_round(&app, id).await.frozen_hash, None);

    // Cancelled before it ever opened: still not public.
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "cancelled"), ("reason", "Anggaran dialihkan")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let r = load_round(&app, id).await;
    assert_eq!(r.state.as_str(), "cancelled");
    assert_eq!(
        app.get(&format!("/seleksi/{}", r.slug)).await.status,
        StatusCode::NOT_FOUND
    );
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&app.db.db)
        .await
        .expect("q")
        .expect("event");
    assert_eq!(
        (last.action.as_str(), last.reason.as_str()),
        ("round.cancelled", "Anggaran dialihkan")
    );
}
