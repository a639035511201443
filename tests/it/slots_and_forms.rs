//! Issue #16, verification and forms: documents under their requirement, an
//! optional document not uploaded recorded as "not submitted", error
//! summaries at the top of long forms, the application form's smaller
//! fixes, mails that say the status page's headline, and refusals in
//! English.

use axum::http::StatusCode;
use pokmas::db::entities::{application, requirement, requirement_check};
use pokmas::domain::role::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::journey::OpenRound;
use crate::verification_fixture::{KARANG_MUMUS, as_user, fixture, post_on};

/// An optional document requirement ("Surat pernyataan bermeterai") that
/// the fixture's applicants did not upload.
async fn optional_statement(app: &TestApp, round_id: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    requirement::Model {
        id,
        round_id,
        code: "PERNYATAAN".into(),
        kind: "document".into(),
        text_id: "Surat pernyataan bermeterai".into(),
        text_en: "Signed statement with duty stamp".into(),
        params: None,
        mandatory: false,
        position: 9,
    }
    .into_active_model()
    .insert(&app.db.db)
    .await
    .expect("requirement");
    id
}

#[tokio::test]
async fn documents_sit_under_their_requirement_and_a_missing_optional_one_is_not_submitted() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let f = fixture(&app, admin).await;
    let optional = optional_statement(&app, f.round_id).await;
    // Siti follows her application with an account of her own.
    let siti_account = app
        .create_user("siti@contoh.id", Role::Applicant, &[])
        .await;
    let mut a = application::Entity::find_by_id(f.siti)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("siti")
        .into_active_model();
    a.account_id = sea_orm::ActiveValue::Set(Some(siti_account));
    a.update(&app.db.db).await.expect("owner");

    as_user(&mut app, "op@karangmumus.id").await;
    let path = format!("/petugas/verifikasi/{}", f.siti);
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    // The KTP scan is shown inside the KTP requirement, named by it.
    let ktp_set = page
        .body
        .split(&format!(r#"<fieldset id="req-{}">"#, f.ktp))
        .nth(1)
        .and_then(|rest| rest.split("</fieldset>").next())
        .expect("the KTP requirement");
    assert!(
        ktp_set.contains(&format!("/dokumen/{}", f.siti_doc))
            && ktp_set.contains("Buka dokumen: Fotokopi KTP"),
        "{ktp_set}"
    );
    let optional_set = page
        .body
        .split(&format!(r#"<fieldset id="req-{optional}">"#))
        .nth(1)
        .and_then(|rest| rest.split("</fieldset>").next())
        .expect("the optional requirement");
    assert!(optional_set.contains("Tidak diserahkan"), "{optional_set}");
    assert!(
        !optional_set.contains(&format!("outcome_{optional}")),
        "no MS/TMS to choose for a file that does not exist: {optional_set}"
    );

    // The operator decides the three others only; the optional one is
    // recorded as not submitted, by the platform.
    let (o_ktp, o_age, o_dom) = (
        format!("outcome_{}", f.ktp),
        format!("outcome_{}", f.age),
        format!("outcome_{}", f.domicile),
    );
    let res = post_on(
        &mut app,
        &path,
        &path,
        &[(&o_ktp, "ms"), (&o_age, "ms"), (&o_dom, "ms")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let check = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(f.siti))
        .filter(requirement_check::Column::RequirementId.eq(optional))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("a check of the optional requirement");
    assert_eq!(
        check.outcome,
        pokmas::domain::eligibility::RequirementOutcome::NotSubmitted
    );
    assert!(check.automatic && check.checked_by.is_none());

    // The mail states the status with the status page's headline.
    let mail = app.last_mail_to("siti@contoh.id").await;
    assert!(
        mail.body_text.contains("Status pendaftaran")
            && mail.body_text.contains("Memenuhi syarat (MS)")
            && mail
                .body_text
                .contains("Selanjutnya: Tunggu undangan uji kelayakan dan kepatutan."),
        "{}",
        mail.body_text
    );

    // The applicant's page never says the missing file met the requirement.
    as_user(&mut app, "siti@contoh.id").await;
    let status = app.get(&format!("/pendaftaran/{}", f.siti)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    let line = status
        .body
        .split("Surat pernyataan bermeterai")
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .expect("the optional requirement's line");
    assert!(line.contains("Tidak diserahkan"), "{line}");
    assert!(!line.contains("Memenuhi Syarat"), "{line}");
}

#[tokio::test]
async fn an_incomplete_verification_lists_every_missing_decision_at_the_top() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let f = fixture(&app, admin).await;
    as_user(&mut app, "op@karangmumus.id").await;
    let path = format!("/petugas/verifikasi/{}", f.budi);
    let page = app.get(&path).await;
    assert!(
        page.body
            .contains(&format!(r##"action="{path}#ringkasan-galat""##)),
        "a refusal lands on the summary: {}",
        page.body
    );
    let o_age = format!("outcome_{}", f.age);
    let res = post_on(&mut app, &path, &path, &[(&o_age, "ms")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary_at = res
        .body
        .find(r#"id="ringkasan-galat""#)
        .expect("an error summary");
    let first_field = res.body.find("<fieldset").expect("the requirements");
    assert!(summary_at < first_field, "the summary comes first");
    let summary = &res.body[summary_at..first_field];
    assert!(summary.contains("autofocus"), "{summary}");
    assert!(
        summary.contains("Ada 2 isian yang perlu diperbaiki"),
        "{summary}"
    );
    for id in [f.ktp, f.domicile] {
        assert!(
            summary.contains(&format!(r##"href="#req-{id}""##)),
            "{summary}"
        );
        assert!(res.body.contains(&format!(r#"<fieldset id="req-{id}">"#)));
    }
    assert!(
        summary.contains("Fotokopi KTP: Pilih MS atau TMS."),
        "{summary}"
    );
    assert!(!summary.contains(&format!("#req-{}", f.age)));
    // In English too.
    app.get(&format!("/bahasa/en?kembali={path}")).await;
    let res = post_on(&mut app, &path, &path, &[(&o_age, "ms")]).await;
    assert!(
        res.body.contains("2 fields need correcting"),
        "{}",
        res.body
    );
}

#[tokio::test]
async fn the_form_starts_from_the_account_refuses_an_unchosen_rt_and_sums_up_its_errors() {
    use crate::support::hidden_value;
    use crate::support::journey::{KECAMATAN, KELURAHAN, open_round, start, verified_resident};
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let area = format!("/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}");
    let page = app.get(&area).await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    // An RT left on "— pilih RT —" is refused by the server, not taken as RT 001.
    let res = app
        .post_form(
            &format!("/seleksi/{slug}/daftar"),
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("kelurahan", KELURAHAN),
                ("rt", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("Pilih RT Anda dari daftar."),
        "{}",
        res.body
    );
    assert!(res.body.contains(r##"href="#rt""##), "{}", res.body);
    let res = app
        .post_form(
            &format!("/seleksi/{slug}/daftar"),
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("kelurahan", ""),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Pilih kelurahan Anda dari daftar."));
    assert_eq!(
        application::Entity::find()
            .all(&app.db.db)
            .await
            .expect("load")
            .len(),
        0,
        "no draft from an unchosen list"
    );

    // The draft starts with the account's name and address.
    let form = start(&mut app, &slug).await;
    let page = app.get(&form).await;
    assert!(
        page.body
            .contains(r#"id="full_name" name="full_name" type="text" value="Siti Aminah""#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"id="email" name="email" type="email" value="siti@contoh.id""#)
    );
    // The phone field is styled like the others (full width, bordered).
    assert!(page.body.contains(r#"id="phone" name="phone" type="tel""#));
    let css_url = page
        .body
        .split("href=\"/assets/app.css")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|q| format!("/assets/app.css{q}"))
        .expect("stylesheet");
    let css = app.get(&css_url).await;
    let rule = css
        .body
        .split("input[type=text],")
        .nth(1)
        .and_then(|r| r.split('{').next())
        .expect("the text input rule");
    assert!(rule.contains("input[type=tel]"), "{rule}");

    // A refused submission opens with a summary linking each field.
    assert!(
        page.body.contains("/formulir#ringkasan-galat\""),
        "{}",
        page.body
    );
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res = crate::support::journey::post_multipart(
        &mut app,
        &form,
        &[
            ("csrf", &csrf),
            ("full_name", "Siti Aminah"),
            ("nik", "123"),
            ("action", "submit"),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let main = res.body.split("<main").nth(1).expect("main");
    let summary_at = main.find(r#"id="ringkasan-galat""#).expect("summary");
    assert!(summary_at < main.find("<form").expect("form"));
    assert!(main.contains(r##"<a href="#nik">NIK: "##), "{main}");
    assert!(main.contains("Isian lain sudah tersimpan."));
}

#[tokio::test]
async fn withdrawal_is_confirmed_with_a_danger_button() {
    use crate::support::hidden_value;
    use crate::support::journey::{open_round, start, verified_resident};
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let id = crate::support::journey::id_in(&form);
    let status = app.get(&format!("/pendaftaran/{id}")).await;
    let csrf = hidden_value(&status.body, "csrf").expect("csrf");
    let res = app
        .post_form(&format!("/pendaftaran/{id}/batal"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body
            .contains(r#"<button class="danger" type="submit">Ya, batalkan</button>"#),
        "{}",
        res.body
    );
    // A danger button is red, unlike the ordinary ones.
    let css = app.get("/assets/app.css").await;
    assert!(
        css.body
            .contains("button.danger { background: #b91c1c; border-color: #b91c1c; color: #fff; }"),
        "the danger style"
    );
}

#[tokio::test]
async fn a_desk_receipt_prints_with_the_full_status_address_and_no_mail_it_never_sent() {
    use crate::support::journey::{
        KELURAHAN, NIK, all_docs, desk_form, open_round, pdf, post_multipart,
        without_phone_or_email,
    };
    use crate::support::{PASSWORD, hidden_value};
    let mut app = TestApp::new()
        .await
        .reconfigured(|c| c.base_url = "https://pokmas.samarindakota.go.id".into());
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = without_phone_or_email(&csrf, NIK);
    fields.push(("action", "submit"));
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let receipt = res.body;
    assert!(
        receipt.contains("https://pokmas.samarindakota.go.id/cek-status"),
        "the full address of the status check: {receipt}"
    );
    assert!(!receipt.contains("Cek status di /cek-status"));
    assert!(
        !receipt.contains("e-mail tanda terima"),
        "no e-mail was sent to this resident: {receipt}"
    );
    assert!(receipt.contains("Simpan tanda terima ini."));
    assert!(receipt.contains("Cetak tanda terima") && receipt.contains("Ctrl+P"));
    // The same receipt opened again later says the same.
    let again = app
        .get(&format!(
            "/pendaftaran/{}/tanda-terima",
            crate::support::journey::id_in(&form)
        ))
        .await;
    assert!(
        again
            .body
            .contains("https://pokmas.samarindakota.go.id/cek-status")
    );
    assert!(!again.body.contains("e-mail tanda terima"));
}

#[tokio::test]
async fn the_account_page_and_the_result_mail_use_the_status_headline() {
    use crate::results::{as_user, publish};
    let mut p = publish(TestApp::new().await).await;
    let (e_id, _) = p.f.apps[4].clone();
    as_user(&mut p.f.app, &p.emails[4]).await;
    let status = p.f.app.get(&format!("/pendaftaran/{e_id}")).await;
    let title = status
        .body
        .split("<p class=\"headline-title\"><strong>")
        .nth(1)
        .and_then(|r| r.split("</strong>").next())
        .expect("the headline's title")
        .to_owned();
    assert!(title.starts_with("Hasil sementara: "), "{title}");
    let account = p.f.app.get("/akun").await;
    let line = account
        .body
        .split(&format!("href=\"/pendaftaran/{e_id}\""))
        .nth(1)
        .and_then(|r| r.split("</li>").next())
        .expect("the application on /akun");
    assert!(line.contains(&title), "{line}");
    assert!(!line.contains("Memenuhi syarat (MS)"), "{line}");

    let mail = p.f.app.last_mail_to(&p.emails[4]).await;
    assert_eq!(mail.template, "result_notice");
    assert!(
        mail.body_text.contains("Status pendaftaran") && mail.body_text.contains(&title),
        "{}",
        mail.body_text
    );
    assert!(
        mail.body_text.contains("Selanjutnya: "),
        "{}",
        mail.body_text
    );
}

/// Posts JSON to the API with an `Accept-Language` header.
async fn post_json_in(
    app: &mut TestApp,
    path: &str,
    lang: &str,
    body: &serde_json::Value,
) -> crate::support::TestResponse {
    use axum::body::Body;
    use axum::http::{Request, header};
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn api_refusals_follow_accept_language() {
    use crate::api::json;
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let f = fixture(&app, admin).await;
    as_user(&mut app, "op@karangmumus.id").await;
    let path = format!("/api/v1/operator/applications/{}/verification", f.siti);
    let all_ms = serde_json::json!({"decisions": [
        {"requirement_id": f.ktp, "outcome": "ms"},
        {"requirement_id": f.age, "outcome": "ms"},
        {"requirement_id": f.domicile, "outcome": "ms"},
    ]});
    // A missing decision, refused field by field in English.
    let partial = serde_json::json!({"decisions": [
        {"requirement_id": f.age, "outcome": "ms"},
    ]});
    let res = post_json_in(&mut app, &path, "en-GB,en;q=0.9", &partial).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(json(&res)["fields"][f.ktp.to_string()], "Choose MS or TMS.");
    let res = post_json_in(&mut app, &path, "id", &all_ms).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The service's refusal of a second verification, in either language.
    let res = post_json_in(&mut app, &path, "en-GB,en;q=0.9,id;q=0.8", &all_ms).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(
        json(&res)["message"],
        "The verification outcome was already sent; a change needs a second admin's approval."
    );
    let res = post_json_in(&mut app, &path, "id, en;q=0.5", &all_ms).await;
    assert!(
        json(&res)["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Hasil verifikasi sudah dikirim")),
        "{}",
        res.body
    );
    // The API's own messages too.
    let missing = format!(
        "/api/v1/operator/applications/{}/verification",
        Uuid::now_v7()
    );
    let res = post_json_in(&mut app, &missing, "en", &all_ms).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(json(&res)["message"], "Not found.");
}

#[tokio::test]
async fn an_amendment_refusal_reads_in_english_in_an_english_session() {
    use crate::support::hidden_value;
    let mut f = crate::standings::fixture().await;
    let id = f
        .app
        .create_user("penilai.baru@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    pokmas::db::entities::panel_member::ActiveModel {
        panel_id: sea_orm::ActiveValue::Set(f.panel_id),
        account_id: sea_orm::ActiveValue::Set(id),
    }
    .insert(&f.app.db.db)
    .await
    .expect("member");
    let app_id = f.apps[2].0;
    f.app
        .login("penilai.baru@contoh.id", crate::support::PASSWORD)
        .await;
    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    let csrf = hidden_value(&sheet.body, "csrf").expect("csrf");
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/pernyataan"),
            &[("csrf", &csrf), ("kind", "none")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "4"), ("v_K2", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    f.app
        .get(&format!("/bahasa/en?kembali=/penilai/{app_id}"))
        .await;
    // A change without a written reason is refused, in English.
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "5"), ("v_K2", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Changing submitted scores needs a written reason"),
        "{}",
        res.body
    );
    assert!(!res.body.contains("wajib disertai alasan tertulis"));
}

#[tokio::test]
async fn a_tms_mail_names_a_requirement_without_its_full_stop_before_the_colon() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let f = fixture(&app, admin).await;
    // Requirement texts are sentences, as in the seeded rounds.
    let mut ktp = requirement::Entity::find_by_id(f.ktp)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("ktp")
        .into_active_model();
    ktp.text_id = sea_orm::ActiveValue::Set("Pindaian Kartu Keluarga.".into());
    ktp.update(&app.db.db).await.expect("text");
    as_user(&mut app, "op@karangmumus.id").await;
    let path = format!("/petugas/verifikasi/{}", f.budi);
    let (o_ktp, r_ktp, t_ktp, o_age, o_dom) = (
        format!("outcome_{}", f.ktp),
        format!("reason_{}", f.ktp),
        format!("text_{}", f.ktp),
        format!("outcome_{}", f.age),
        format!("outcome_{}", f.domicile),
    );
    let res = post_on(
        &mut app,
        &path,
        &path,
        &[
            (&o_ktp, "tms"),
            (&r_ktp, "unreadable"),
            (&t_ktp, "Halaman kedua buram."),
            (&o_age, "ms"),
            (&o_dom, "ms"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mail = app.last_mail_to("budi@contoh.id").await;
    assert!(!mail.body_text.contains(".:"), "{}", mail.body_text);
    assert!(
        mail.body_text
            .contains("Pindaian Kartu Keluarga: Dokumen tidak terbaca — Halaman kedua buram."),
        "{}",
        mail.body_text
    );
    assert!(
        mail.body_text
            .contains("Tidak memenuhi syarat (TMS): Pindaian Kartu Keluarga"),
        "the headline, too: {}",
        mail.body_text
    );
}

#[tokio::test]
async fn a_refused_round_settings_form_sums_up_its_errors_at_the_top_linking_each_field() {
    use crate::rounds::{create_round, post, schedule_fields, signed_in_admin};
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = create_round(&mut app, "Rekrutmen Pokmas Uji").await;
    let path = format!("/admin/seleksi/{id}");
    let schedule = schedule_fields();
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", ""),
        ("year", "dua ribu"),
        ("aggregation", "mean"),
        ("min_panelists", "3"),
    ];
    fields.extend(schedule.iter().map(|(k, v)| (*k, v.as_str())));
    let res = post(&mut app, &path, &path, &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let main = res.body.split("<main").nth(1).expect("main");
    let summary_at = main.find(r#"id="ringkasan-galat""#).expect("a summary");
    // The settings form lands on the summary (its action ends in the
    // summary's anchor), which stands right above its fields.
    let form_at = main
        .find(&format!(r##"action="{path}#ringkasan-galat""##))
        .expect("the settings form lands on the summary");
    assert!(summary_at < form_at, "the summary comes before the fields");
    assert!(
        main[summary_at..form_at].contains("autofocus"),
        "the summary takes the focus"
    );
    let summary = &main[summary_at..form_at];
    let targets: Vec<&str> = summary
        .split("href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    for field in ["name", "year"] {
        assert!(targets.contains(&field), "{field} linked: {summary}");
    }
    for t in targets {
        assert!(
            main.contains(&format!("id=\"{t}\"")),
            "the link #{t} leads to its field"
        );
    }
}
