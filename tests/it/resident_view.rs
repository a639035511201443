//! What a resident (signed in, or with number + PIN) and the help desk see of
//! an application after submission: one status headline, the score
//! breakdown with the tie reason, objections for desk registrants, and the
//! verification slots.

use axum::http::StatusCode;
use pokmas::db::entities::{application, requirement, requirement_check};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::results::{as_user, open_objection_window, publish};
use crate::support::journey::post_multipart;
use crate::support::{TestApp, hidden_value};

const GROUNDS: &str = "Nilai kriteria K1 dari salah satu penilai tidak sesuai jawaban saya.";

/// The text of the status headline block of a page.
fn headline(body: &str) -> &str {
    let at = body
        .find("class=\"headline\"")
        .unwrap_or_else(|| panic!("no headline: {body}"));
    let end = at + body[at..].find("</div>").expect("headline end");
    &body[at..end]
}

#[tokio::test]
async fn the_headline_follows_the_latest_stage_and_a_filed_objection_reads_masuk() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (e_id, _) = p.f.apps[4].clone();
    as_user(&mut p.f.app, &p.emails[4]).await;
    let path = format!("/pendaftaran/{e_id}");
    let page = p.f.app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let h = headline(&page.body);
    // The published rank is the headline, not the earlier eligibility.
    assert!(h.contains("Hasil sementara: "), "{h}");
    assert!(h.contains("peringkat"), "{h}");
    assert!(!h.contains("Memenuhi syarat"), "{h}");
    assert!(h.contains("Masa sanggah sedang dibuka sampai"), "{h}");

    let form_path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("key");
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            ("grounds", GROUNDS),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    for page in [p.f.app.get(&path).await, p.f.app.get(&form_path).await] {
        assert!(
            page.body.contains("masuk, menunggu peninjau")
                || page.body.contains("Masuk, menunggu peninjau"),
            "{}",
            page.body
        );
        // On the public lists "Diterima" means an accepted objection.
        assert!(!page.body.contains("Diterima, menunggu"), "{}", page.body);
    }
    let page = p.f.app.get(&path).await;
    assert!(headline(&page.body).contains("Sanggahan masuk, menunggu peninjau"));

    // The API says the same.
    let api =
        p.f.app
            .get(&format!("/api/v1/me/applications/{e_id}"))
            .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(
        json["timeline"]["headline"]["title"]["id"],
        "Sanggahan masuk, menunggu peninjau"
    );
}

#[tokio::test]
async fn after_tms_the_failing_requirement_comes_first_with_its_reason_and_the_next_step() {
    let mut p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let (d_id, _) = p.f.apps[3].clone();
    // D failed the family-card requirement before the results.
    let req = Uuid::now_v7();
    requirement::Model {
        id: req,
        round_id: p.f.round_id,
        code: "KK".into(),
        kind: "document".into(),
        text_id: "Pindaian Kartu Keluarga.".into(),
        text_en: "Family card scan.".into(),
        params: None,
        mandatory: true,
        position: 9,
    }
    .into_active_model()
    .insert(&db)
    .await
    .expect("requirement");
    requirement_check::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(d_id),
        requirement_id: Set(req),
        revision: Set(1),
        outcome: Set(pokmas::domain::eligibility::RequirementOutcome::Tms),
        reason_code: Set(Some("unreadable".into())),
        reason_text: Set("Halaman kedua buram.".into()),
        automatic: Set(false),
        checked_by: Set(None),
        checked_at: Set(time::OffsetDateTime::now_utc()),
    }
    .insert(&db)
    .await
    .expect("check");
    application::ActiveModel {
        id: Set(d_id),
        state: Set("ineligible".parse().expect("state")),
        nik_warnings: Set(r#"["birth_date_mismatch"]"#.into()),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("ineligible");
    pokmas::db::entities::ranking::Entity::delete_by_id(d_id)
        .exec(&db)
        .await
        .expect("unranked");

    as_user(&mut p.f.app, &p.emails[3]).await;
    let page = p.f.app.get(&format!("/pendaftaran/{d_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let h = headline(&page.body);
    let title = h.find("Tidak memenuhi syarat (TMS): Pindaian Kartu Keluarga<");
    let reason = h.find("Pindaian Kartu Keluarga: Dokumen tidak terbaca — Halaman kedua buram.");
    let next = h.find("Anda tidak ikut uji kelayakan.");
    assert!(title.is_some() && reason.is_some() && next.is_some(), "{h}");
    assert!(title < reason && reason < next, "{h}");
    // The window's dates are the next step.
    assert!(
        h.contains("masa sanggah") || h.contains("Masa sanggah"),
        "{h}"
    );
    // Nothing can be edited after submission.
    assert!(!page.body.contains("lanjutkan."), "{}", page.body);
    assert!(page.body.contains("tidak dapat diubah"), "{}", page.body);
}

#[tokio::test]
async fn an_applicant_sees_anonymised_scores_the_exact_total_and_how_the_tie_was_decided() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    // E: the same total as C (50), placed behind C by the tie-break criterion K1.
    let (e_id, _) = p.f.apps[4].clone();
    // A fourth panelist scored E too, but was recused: never shown.
    let recused =
        p.f.app
            .create_user(
                "penilai.konflik@contoh.id",
                pokmas::domain::role::Role::Panelist,
                &[crate::results::KEL],
            )
            .await;
    pokmas::db::entities::panel_member::ActiveModel {
        panel_id: Set(p.f.panel_id),
        account_id: Set(recused),
    }
    .insert(&p.f.app.db.db)
    .await
    .expect("member");
    crate::standings::submit_version(&p.f, e_id, recused, 1, [5, 5], "").await;
    pokmas::db::entities::conflict_declaration::Entity::update_many()
        .col_expr(
            pokmas::db::entities::conflict_declaration::Column::Recused,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(pokmas::db::entities::conflict_declaration::Column::PanelistId.eq(recused))
        .exec(&p.f.app.db.db)
        .await
        .expect("recused");
    // The round's passing total, as the breakdown states it.
    pokmas::db::entities::round::ActiveModel {
        id: Set(p.f.round_id),
        passing_total: Set(Some(30)),
        ..Default::default()
    }
    .update(&p.f.app.db.db)
    .await
    .expect("passing total");
    let (c_no, f_no) = (p.f.apps[2].1.clone(), p.f.apps[5].1.clone());
    as_user(&mut p.f.app, &p.emails[4]).await;
    let page = p.f.app.get(&format!("/pendaftaran/{e_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("id=\"nilai\""), "{body}");
    for shown in [
        "Penilai A",
        "Penilai B",
        "Penilai C",
        "<code>50/1</code>",
        "20.00 (20/1)",
        // K1: 2, 2 and 3 from the three panelists.
        "Nilai gabungan: 2.33 (7/3)",
        "Total kelulusan: 30 · lulus",
    ] {
        assert!(body.contains(shown), "{shown}: {body}");
    }
    assert!(!body.contains("Penilai D"), "the recused panelist: {body}");
    assert!(!body.contains("<strong>5</strong>"), "{body}");
    assert!(
        body.contains(&format!("Total sama dengan {c_no}"))
            && body.contains("kriteria penentu seri K1"),
        "{body}"
    );
    // No panelist's name or id reaches the applicant.
    for pid in &p.f.panelists {
        assert!(!body.contains(&pid.to_string()));
    }

    // F tied with D on every criterion: the lottery decided, with both keys.
    as_user(&mut p.f.app, &p.emails[5]).await;
    let page =
        p.f.app
            .get(&format!("/pendaftaran/{}", p.f.apps[5].0))
            .await;
    assert!(page.body.contains("undian memutuskan"), "{}", page.body);
    let _ = f_no;

    // The objection form lets them pick what they contest; the pick is kept.
    let form_path = format!("/pendaftaran/{}/sanggahan", p.f.apps[5].0);
    let form = p.f.app.get(&form_path).await;
    assert!(form.body.contains("value=\"K1\""), "{}", form.body);
    assert!(form.body.contains("value=\"tie\""), "{}", form.body);
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("key");
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            ("contested", "tie"),
            ("grounds", GROUNDS),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mine = p.f.app.get(&form_path).await;
    assert!(
        mine.body
            .contains("Yang disanggah: Urutan pada nilai total yang sama (seri)"),
        "{}",
        mine.body
    );
}

/// Turns application `i` of the published fixture into a desk registration
/// with status PIN `123456`, registered by a new operator of the kelurahan.
pub(crate) async fn make_assisted(
    p: &mut crate::results::Published,
    i: usize,
) -> (Uuid, String, Uuid) {
    let db = p.f.app.db.db.clone();
    let operator =
        p.f.app
            .create_user(
                "operator@contoh.id",
                pokmas::domain::role::Role::Operator,
                &[crate::results::KEL],
            )
            .await;
    let (id, no) = p.f.apps[i].clone();
    let phc = pokmas::services::accounts::hash_password("123456".into())
        .await
        .expect("hash");
    application::ActiveModel {
        id: Set(id),
        account_id: Set(None),
        assisted_by: Set(Some(operator)),
        status_pin_hash: Set(Some(phc)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("assisted");
    (id, no, operator)
}

#[tokio::test]
async fn a_desk_registrant_files_an_objection_with_number_and_pin_and_an_operator_files_at_the_desk()
 {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (a_id, a_no, operator) = make_assisted(&mut p, 0).await;

    // With number + PIN: the scores, the form, then the objection.
    let page =
        p.f.app
            .post_form("/cek-status", &[("number", &a_no), ("pin", "123456")])
            .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"nilai\""), "{}", page.body);
    assert!(
        page.body.contains("action=\"/cek-status/sanggahan\""),
        "{}",
        page.body
    );
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res =
        p.f.app
            .post_form(
                "/cek-status/sanggahan",
                &[
                    ("csrf", &csrf),
                    ("number", &a_no),
                    ("pin", "123456"),
                    ("idempotency_key", &key),
                    ("contested", "K1"),
                    ("grounds", GROUNDS),
                ],
            )
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("Sanggahan masuk, menunggu peninjau"),
        "{}",
        res.body
    );
    // A wrong PIN files nothing.
    let res =
        p.f.app
            .post_form(
                "/cek-status/sanggahan",
                &[
                    ("csrf", &csrf),
                    ("number", &a_no),
                    ("pin", "654321"),
                    ("grounds", GROUNDS),
                ],
            )
            .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let slip =
        p.f.app
            .post_form(
                "/cek-status/sanggahan/cetak",
                &[("number", &a_no), ("pin", "123456")],
            )
            .await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.body);
    assert!(slip.body.contains("Bukti sanggahan") && slip.body.contains(&a_no));
    let events = p.f.app.audit_actions().await;
    assert!(
        events.iter().any(|(a, _)| a == "objection.filed"),
        "{events:?}"
    );

    // At the help desk: the kelurahan's operator opens and files for B's
    // resident (made a desk registrant too), recorded as the assistant.
    let db = p.f.app.db.db.clone();
    let (b_id, _) = p.f.apps[1].clone();
    application::ActiveModel {
        id: Set(b_id),
        account_id: Set(None),
        assisted_by: Set(Some(operator)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("assisted");
    as_user(&mut p.f.app, "operator@contoh.id").await;
    let form_path = format!("/pendaftaran/{b_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("key");
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            ("grounds", GROUNDS),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let filing = pokmas::db::entities::objection_filing::Entity::find()
        .all(&db)
        .await
        .expect("read");
    assert!(
        filing
            .iter()
            .any(|f| f.channel == "status_pin" && f.contested == "K1")
    );
    assert!(
        filing
            .iter()
            .any(|f| f.channel == "desk" && f.assisted_by == Some(operator))
    );
    // The trail records the operator as the one who assisted.
    let filed = pokmas::db::entities::audit_event::Entity::find()
        .filter(pokmas::db::entities::audit_event::Column::Action.eq("objection.filed"))
        .all(&db)
        .await
        .expect("read");
    let desk = filed
        .iter()
        .find(|e| e.payload.contains("\"channel\":\"desk\""))
        .expect("the desk filing in the trail");
    assert!(
        desk.payload
            .contains(&format!("\"assisted_by\":\"{operator}\"")),
        "{}",
        desk.payload
    );
    let _ = a_id;
}

#[tokio::test]
async fn a_desk_registrant_reads_the_decision_on_cek_status_and_on_the_printable_slip() {
    use crate::results::post_from;
    use crate::support::Browser;
    use pokmas::db::entities::objection;
    const REASONS: &str = "Nilai K1 sesuai catatan wawancara ketiga penilai.";
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (_, a_no, _) = make_assisted(&mut p, 0).await;
    let check = [("number", a_no.as_str()), ("pin", "123456")];
    let page = p.f.app.post_form("/cek-status", &check).await;
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res =
        p.f.app
            .post_form(
                "/cek-status/sanggahan",
                &[
                    ("csrf", &csrf),
                    ("number", &a_no),
                    ("pin", "123456"),
                    ("idempotency_key", &key),
                    ("contested", "K1"),
                    ("grounds", GROUNDS),
                ],
            )
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let o = objection::Entity::find()
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("objection");

    // The second admin reviews and proposes a rejection; the first approves.
    p.f.app.switch_browser(p.admin_browser.clone());
    let list = format!("/admin/seleksi/{}/sanggahan", p.f.round_id);
    let reviewer = p.admins[1].to_string();
    let res = post_from(
        &mut p.f.app,
        &list,
        &format!("/admin/sanggahan/{}/peninjau", o.id),
        &[("reviewer_id", &reviewer)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let admin1 = p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let detail = format!("/sanggahan/{}", o.id);
    let res = post_from(
        &mut p.f.app,
        &detail,
        &format!("{detail}/usulan"),
        &[("outcome", "rejected"), ("reasons", REASONS)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    p.f.app.switch_browser(admin1);
    // The first admin's approvals page counts the decision waiting for her.
    let approvals = p.f.app.get("/admin/persetujuan").await;
    assert!(
        approvals
            .body
            .contains("keputusan sanggahan menunggu persetujuan Anda"),
        "{}",
        approvals.body
    );
    let res = post_from(
        &mut p.f.app,
        &list,
        &format!("/admin/sanggahan/{}/keputusan", o.id),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The resident, with number + PIN only, reads the decision and its reasons…
    p.f.app.switch_browser(Browser::default());
    let page = p.f.app.post_form("/cek-status", &check).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let section = page
        .body
        .split("id=\"sanggahan\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the objections on /cek-status");
    assert!(section.contains("Sanggahan ditolak"), "{section}");
    assert!(section.contains(REASONS), "{section}");
    assert!(
        headline(&page.body).contains("Sanggahan ditolak"),
        "{}",
        headline(&page.body)
    );
    // …and on the slip to print.
    let slip =
        p.f.app
            .post_form("/cek-status/sanggahan/cetak", &check)
            .await;
    assert_eq!(slip.status, StatusCode::OK, "{}", slip.body);
    let main = slip.body.split("<main").nth(1).expect("main");
    assert!(main.contains(&a_no), "{main}");
    assert!(main.contains("Sanggahan ditolak"), "{main}");
    assert!(main.contains("Diputus: "), "{main}");
    assert!(main.contains(REASONS), "{main}");
    assert!(main.contains("data-print"), "a print button: {main}");
    // A wrong PIN shows nothing of it.
    let res =
        p.f.app
            .post_form(
                "/cek-status/sanggahan/cetak",
                &[("number", &a_no), ("pin", "654321")],
            )
            .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains(REASONS));
}
