//! Administrative verification and four-eyes changes, through the real
//! router as operators and admins would click them.

use axum::http::StatusCode;
use pokmas::db::entities::{application, approval, audit_event, requirement_check, round};
use pokmas::domain::role::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use time::{Date, Month};
use uuid::Uuid;

use crate::support::{TestApp, login_redirect};
use crate::verification_fixture::{KARANG_MUMUS, PELABUHAN, as_user, fixture, post_on, submitted};

async fn load_round(app: &TestApp, id: Uuid) -> round::Model {
    round::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("round")
}

async fn state_of(app: &TestApp, id: Uuid) -> String {
    application::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application")
        .state
        .to_string()
}

pub(crate) async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db.db)
        .await
        .expect("trail")
}

async fn verification_journey(mut app: TestApp) {
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let admin2 = app
        .create_user("admin2@samarindakota.go.id", Role::Admin, &[])
        .await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let f = fixture(&app, admin).await;
    let (ktp, age, dom) = (f.ktp.to_string(), f.age.to_string(), f.domicile.to_string());
    as_user(&mut app, "op@karangmumus.id").await;

    // The queue lists Karang Mumus only.
    let q = app.get("/petugas/verifikasi").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("SKT-2027-0001") && q.body.contains("SKT-2027-0002"));
    assert!(!q.body.contains("SKT-2027-0003"), "{}", q.body);

    // The check page: masked NIK, automatic age/domicile outcomes pre-filled, the document.
    let page_path = format!("/petugas/verifikasi/{}", f.siti);
    let page = app.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("647201**********"));
    assert!(page.body.contains("Umur 4"), "age message: {}", page.body);
    assert!(page.body.contains("termasuk wilayah formasi ini"));
    assert!(page.body.contains(&format!("/dokumen/{}", f.siti_doc)));
    let doc = app
        .get(&format!("{page_path}/dokumen/{}", f.siti_doc))
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.headers["content-type"], "application/pdf");
    assert!(
        doc.headers["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("inline")
    );
    assert_eq!(doc.headers["x-content-type-options"], "nosniff");

    // All MS: eligible, with its event and mail.
    let (o_ktp, o_age, o_dom) = (
        format!("outcome_{ktp}"),
        format!("outcome_{age}"),
        format!("outcome_{dom}"),
    );
    let res = post_on(
        &mut app,
        &page_path,
        &page_path,
        &[(&o_ktp, "ms"), (&o_age, "ms"), (&o_dom, "ms")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(state_of(&app, f.siti).await, "eligible");
    let checks = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(f.siti))
        .all(&app.db.db)
        .await
        .expect("checks");
    assert_eq!(checks.len(), 3);
    let age_check = checks
        .iter()
        .find(|c| c.requirement_id == f.age)
        .expect("age");
    assert!(age_check.automatic && age_check.checked_by.is_none());
    let ktp_check = checks
        .iter()
        .find(|c| c.requirement_id == f.ktp)
        .expect("ktp");
    assert!(!ktp_check.automatic && ktp_check.checked_by.is_some());
    let mail = app.last_mail_to("siti@contoh.id").await;
    assert_eq!(mail.template, "verification_outcome");
    assert!(mail.subject.contains("Memenuhi Syarat"), "{}", mail.subject);
    // A second verification of the same application is refused.
    let again = post_on(
        &mut app,
        &page_path,
        &page_path,
        &[(&o_ktp, "tms"), (&o_age, "ms"), (&o_dom, "ms")],
    )
    .await;
    // A conflict with what is already decided: 409, and the page says why, so
    // a double click does not look like a breakdown.
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .contains("perubahan memerlukan persetujuan admin kedua"),
        "{}",
        again.body
    );
    assert_eq!(state_of(&app, f.siti).await, "eligible");

    // TMS without an explanation is refused and keeps what was typed.
    let budi_path = format!("/petugas/verifikasi/{}", f.budi);
    let reason = format!("reason_{ktp}");
    let text = format!("text_{ktp}");
    let res = post_on(
        &mut app,
        &budi_path,
        &budi_path,
        &[
            (&o_ktp, "tms"),
            (&reason, "unreadable"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("TMS wajib disertai alasan"));
    assert_eq!(state_of(&app, f.budi).await, "submitted");
    // A reason from the list left on an MS (the radio switched back) would
    // record a check that contradicts itself: refused, said next to it.
    let res = post_on(
        &mut app,
        &budi_path,
        &budi_path,
        &[
            (&o_ktp, "ms"),
            (&reason, "unreadable"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Alasan dari daftar hanya untuk TMS"));
    assert_eq!(state_of(&app, f.budi).await, "submitted");
    // The check page spells the outcomes out.
    assert!(res.body.contains("MS (memenuhi syarat)"), "{}", res.body);
    // With one: ineligible, and the applicant is told why.
    let res = post_on(
        &mut app,
        &budi_path,
        &budi_path,
        &[
            (&o_ktp, "tms"),
            (&reason, "unreadable"),
            (&text, "Foto KTP buram, NIK tidak terbaca"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(state_of(&app, f.budi).await, "ineligible");
    let mail = app.last_mail_to("budi@contoh.id").await;
    assert!(
        mail.subject.contains("Tidak Memenuhi Syarat"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body_text.contains("Dokumen tidak terbaca"),
        "{}",
        mail.body_text
    );
    assert!(
        mail.body_text.contains("Foto KTP buram"),
        "{}",
        mail.body_text
    );
    let verified = events(&app, "application.verified").await;
    assert_eq!(verified.len(), 2);
    assert_eq!(
        verified[1].payload,
        r#"{"outcome":"ineligible","registration_no":"SKT-2027-0002","tms":["KTP"]}"#
    );
    assert_eq!(verified[1].round_id, f.round_id.to_string());
    assert!(!verified[1].payload.contains("Budi"));

    // An admin asks to overturn it; an operator may not.
    let change = format!("{budi_path}/perubahan");
    let res = post_on(
        &mut app,
        &budi_path,
        &change,
        &[
            (&o_ktp, "ms"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
            ("change_reason", "x"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    as_user(&mut app, "admin@samarindakota.go.id").await;
    let res = post_on(
        &mut app,
        &budi_path,
        &change,
        &[(&o_ktp, "ms"), (&o_age, "ms"), (&o_dom, "ms")],
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let res = post_on(
        &mut app,
        &budi_path,
        &change,
        &[
            (&o_ktp, "ms"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
            (
                "change_reason",
                "KTP asli diperlihatkan di kantor kelurahan",
            ),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        state_of(&app, f.budi).await,
        "ineligible",
        "not before approval"
    );
    let pending = approval::Entity::find()
        .one(&app.db.db)
        .await
        .expect("approval")
        .expect("one request");
    let decide = format!("/admin/persetujuan/{}", pending.id);

    // The same admin cannot approve their own request.
    let list = app.get("/admin/persetujuan").await;
    assert!(list.body.contains("SKT-2027-0002"));
    let res = post_on(
        &mut app,
        "/admin/persetujuan",
        &decide,
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&app, f.budi).await, "ineligible");

    // Another admin approves: the change applies, both names in the trail.
    as_user(&mut app, "admin2@samarindakota.go.id").await;
    let res = post_on(
        &mut app,
        "/admin/persetujuan",
        &decide,
        &[("decision", "approve"), ("note", "Sesuai berita acara")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(state_of(&app, f.budi).await, "eligible");
    let requested = events(&app, "approval.requested").await;
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].actor, admin.to_string());
    assert_eq!(
        requested[0].reason,
        "KTP asli diperlihatkan di kantor kelurahan"
    );
    let approved = events(&app, "approval.approved").await;
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].actor, admin2.to_string());
    let changed = events(&app, "application.verification_changed").await;
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0]
            .payload
            .contains(&format!("\"requested_by\":\"{admin}\""))
    );
    assert!(
        changed[0]
            .payload
            .contains(&format!("\"approved_by\":\"{admin2}\""))
    );
    assert!(changed[0].payload.contains("\"outcome\":\"eligible\""));
    let mail = app.last_mail_to("budi@contoh.id").await;
    assert!(mail.subject.contains("Memenuhi Syarat") && !mail.subject.contains("Tidak"));
    // The database refuses four-eyes violations too.
    let mut row = approval::Entity::find_by_id(pending.id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("approval")
        .into_active_model();
    row.decided_by = sea_orm::ActiveValue::Set(Some(pending.requested_by));
    assert!(row.update(&app.db.db).await.is_err());

    // Too old on the closing date: the platform's TMS is pre-filled with its
    // explanation, and accepting it as is keeps it automatic.
    let formation_id = application::Entity::find_by_id(f.siti)
        .one(&app.db.db)
        .await
        .expect("load")
        .and_then(|a| a.formation_id)
        .expect("formation");
    let old_id = submitted(
        &app,
        f.round_id,
        formation_id,
        (KARANG_MUMUS, 5),
        "SKT-2027-0004",
        "Hasan Basri",
        "hasan@contoh.id",
    )
    .await;
    let birth = Date::from_calendar_date(1950, Month::January, 1).expect("date");
    let mut row = application::Entity::find_by_id(old_id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application")
        .into_active_model();
    row.plain_birth_date = sea_orm::ActiveValue::Set(Some(birth));
    row.update(&app.db.db).await.expect("birth date");
    let closes = load_round(&app, f.round_id)
        .await
        .registration_closes_at
        .expect("closes")
        .to_offset(pokmas::domain::round::WITA)
        .date();
    let expected = pokmas::domain::eligibility::check_age(
        birth,
        closes,
        pokmas::domain::eligibility::AgeLimits {
            min: Some(21),
            max: Some(60),
        },
    )
    .message(pokmas::domain::lang::Lang::Id);
    let old_path = format!("/petugas/verifikasi/{}", old_id);
    let page = app.get(&old_path).await;
    assert!(page.body.contains(&expected), "pre-filled: {}", page.body);
    let age_reason = format!("reason_{age}");
    let age_text = format!("text_{age}");
    let res = post_on(
        &mut app,
        &old_path,
        &old_path,
        &[
            (&o_ktp, "ms"),
            (&o_age, "tms"),
            (&age_reason, "age"),
            (&age_text, &expected),
            (&o_dom, "ms"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(state_of(&app, old_id).await, "ineligible");
    let check = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(old_id))
        .filter(requirement_check::Column::RequirementId.eq(f.age))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("age check");
    assert!(check.automatic && check.checked_by.is_none());
    assert_eq!(check.reason_code.as_deref(), Some("age_too_old"));
    let mail = app.last_mail_to("hasan@contoh.id").await;
    assert!(
        mail.body_text.contains("maksimal 60 tahun"),
        "{}",
        mail.body_text
    );

    // A rejected request changes nothing but is recorded.
    let res = post_on(
        &mut app,
        &budi_path,
        &change,
        &[
            (&o_ktp, "tms"),
            (&reason, "mismatch"),
            (&text, "Nama di KTP berbeda"),
            (&o_age, "ms"),
            (&o_dom, "ms"),
            ("change_reason", "Laporan warga"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let second = approval::Entity::find()
        .filter(approval::Column::Status.eq("pending"))
        .one(&app.db.db)
        .await
        .expect("approval")
        .expect("pending request");
    as_user(&mut app, "admin@samarindakota.go.id").await;
    let res = post_on(
        &mut app,
        "/admin/persetujuan",
        &format!("/admin/persetujuan/{}", second.id),
        &[("decision", "reject"), ("note", "Tidak cukup bukti")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(state_of(&app, f.budi).await, "eligible");
    let rejected = events(&app, "approval.rejected").await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].actor, admin.to_string());
    assert_eq!(rejected[0].reason, "Tidak cukup bukti");

    // An assisted application without e-mail is verified without a mail.
    let rahmat_path = format!("/petugas/verifikasi/{}", f.rahmat);
    let before = pokmas::db::entities::mail_outbox::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    let res = post_on(
        &mut app,
        &rahmat_path,
        &rahmat_path,
        &[(&o_ktp, "ms"), (&o_age, "ms"), (&o_dom, "ms")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let after = pokmas::db::entities::mail_outbox::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(before, after);
}

#[tokio::test]
async fn an_operator_verifies_applications_and_a_change_needs_a_second_admin_on_sqlite() {
    verification_journey(TestApp::new().await).await;
}

#[tokio::test]
async fn an_operator_verifies_applications_and_a_change_needs_a_second_admin_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        verification_journey(app).await;
    }
}

#[tokio::test]
async fn verification_and_staff_routes_refuse_everyone_outside_their_role_and_kelurahan() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let f = fixture(&app, admin).await;
    app.create_user("pendaftar@contoh.id", Role::Applicant, &[])
        .await;
    app.create_user("penilai@contoh.id", Role::Panelist, &[KARANG_MUMUS])
        .await;
    app.create_user("auditor@contoh.id", Role::Auditor, &[])
        .await;
    app.create_user("op@pelabuhan.id", Role::Operator, &[PELABUHAN])
        .await;
    let operator = app
        .create_user("op2@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let pending_id = Uuid::now_v7();

    let app_path = format!("/petugas/verifikasi/{}", f.siti);
    let doc_path = format!("{app_path}/dokumen/{}", f.siti_doc);
    let scoped_gets = [app_path.clone(), doc_path.clone()];
    let admin_gets = ["/admin/persetujuan".to_owned(), "/admin/akun".to_owned()];
    let posts = [
        app_path.clone(),
        format!("{app_path}/perubahan"),
        format!("/admin/persetujuan/{pending_id}"),
        "/admin/akun".to_owned(),
        format!("/admin/akun/{operator}/kelurahan"),
        format!("/admin/akun/{operator}/nonaktifkan"),
        format!("/admin/akun/{operator}/aktifkan"),
    ];

    // Anonymous: to the login page, everywhere.
    for path in scoped_gets
        .iter()
        .chain(&admin_gets)
        .chain(std::iter::once(&"/petugas/verifikasi".to_owned()))
        .chain(std::iter::once(&"/akun/konflik".to_owned()))
    {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "GET {path}");
        assert_eq!(
            res.location(),
            Some(login_redirect(path).as_str()),
            "GET {path}"
        );
    }
    for path in &posts {
        let csrf = app.csrf_from("/masuk").await;
        let res = app.post_form(path, &[("csrf", &csrf)]).await;
        assert_eq!(res.location(), Some("/masuk"), "POST {path}");
    }

    // Applicant, panelist and auditor: refused everywhere.
    for who in [
        "pendaftar@contoh.id",
        "penilai@contoh.id",
        "auditor@contoh.id",
    ] {
        as_user(&mut app, who).await;
        for path in scoped_gets
            .iter()
            .chain(&admin_gets)
            .chain(std::iter::once(&"/petugas/verifikasi".to_owned()))
        {
            let res = app.get(path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} GET {path}");
        }
        for path in &posts {
            let res = post_on(&mut app, "/akun", path, &[]).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{who} POST {path}");
        }
    }

    // An operator of another kelurahan: never 200, not even the document.
    as_user(&mut app, "op@pelabuhan.id").await;
    let q = app.get("/petugas/verifikasi").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(!q.body.contains("SKT-2027-0001"));
    for path in &scoped_gets {
        let res = app.get(path).await;
        assert!(
            matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "GET {path}: {}",
            res.status
        );
        assert!(!res.body.contains("Siti"), "GET {path}");
    }
    for path in &admin_gets {
        assert_eq!(
            app.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    for path in &posts {
        let res = post_on(&mut app, "/petugas/verifikasi", path, &[]).await;
        assert!(
            matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "POST {path}: {}",
            res.status
        );
    }
    assert_eq!(state_of(&app, f.siti).await, "submitted");
    // Nor a document of another application through an application in scope.
    let own = format!("/petugas/verifikasi/{}/dokumen/{}", f.rahmat, f.siti_doc);
    assert_eq!(app.get(&own).await.status, StatusCode::NOT_FOUND);
    // Only a panelist has conflict data.
    assert_eq!(app.get("/akun/konflik").await.status, StatusCode::FORBIDDEN);
}
