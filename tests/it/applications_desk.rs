//! The help desk's assisted registration: a resident without phone or
//! e-mail, the status PIN, a retried submission, an RT outside every
//! formation, and a closed period.

use axum::http::{StatusCode, header};
use pokmas::db::audit::Actor;
use pokmas::db::entities::application;
use pokmas::domain::role::Role;
use pokmas::services::rounds::{self as rounds};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::journey::OpenRound;
use crate::support::journey::*;
use crate::support::{PASSWORD, TestApp, hidden_value};

#[tokio::test]
async fn an_operator_registers_a_resident_without_phone_or_email_and_the_public_checks_the_status_with_a_pin()
 {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    let res = app.login("operator@karangmumus.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let page = app.get("/meja-bantuan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round_str = round_id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("round_id", round_str.as_str()),
        ("kelurahan", KELURAHAN),
        ("rt", "3"),
    ];
    let res = app.post_form("/meja-bantuan", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("form").to_owned();
    let again = app.post_form("/meja-bantuan", &fields).await;
    assert_eq!(
        again.location(),
        Some(form.as_str()),
        "one application per key"
    );

    // Another kelurahan is out of the operator's scope.
    let page = app.get("/meja-bantuan").await;
    let csrf2 = hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", &csrf2),
                ("idempotency_key", "k2"),
                ("round_id", &round_str),
                ("kelurahan", "64.72.09.1002"),
                ("rt", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The desk is for residents without e-mail or phone: neither is asked for.
    let page = app.get(&form).await;
    assert!(page.body.contains("Nomor HP (boleh dikosongkan)"));
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let mut fields = without_phone_or_email(&csrf, NIK);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let number = "2027-6472091001-0001";
    assert!(res.body.contains(number));
    let pin = pin_on(&res.body);

    let a = &applications(&app).await[0];
    assert_eq!(a.state.as_str(), "submitted");
    assert_eq!((a.plain_phone.as_str(), a.plain_email.as_str()), ("", ""));
    assert!(a.account_id.is_none());
    assert!(a.assisted_by.is_some());
    assert!(
        a.status_pin_hash
            .as_deref()
            .is_some_and(|h| !h.contains(&pin))
    );
    let actions = app.audit_actions().await;
    assert!(
        actions
            .iter()
            .any(|(a, _)| a == "application.assisted_registered")
    );

    // The public check: number + PIN show the first name and status only.
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Siti ·"));
    assert!(!res.body.contains("Aminah") && !res.body.contains(NIK));

    // Receipts from the public check: the submission is listed, and its
    // proof file can be downloaded once a signed checkpoint covers it.
    assert!(res.body.contains("action=\"/cek-status/bukti\""));
    let list = app
        .post_form("/cek-status/bukti", &[("number", number), ("pin", &pin)])
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("application.submitted"), "{}", list.body);
    assert!(list.body.contains("tersedia setelah checkpoint berikutnya"));
    let key = app.state.checkpoint_key.clone();
    pokmas::services::checkpoints::daily(&app.db.db, &key, time::OffsetDateTime::now_utc())
        .await
        .expect("daily")
        .expect("signed");
    let seq = pokmas::services::receipts::list(&app.state, number)
        .await
        .expect("list")
        .iter()
        .find(|r| r.action == "application.submitted")
        .expect("the submission")
        .seq
        .to_string();
    let file = app
        .post_form(
            "/cek-status/bukti",
            &[("number", number), ("pin", &pin), ("seq", &seq)],
        )
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(
        file.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .contains(".tlog-proof")
    );
    let policy = pokmas::domain::merkle::policy::Policy::parse(&format!(
        "log {}\nquorum none\n",
        key.verifier()
    ))
    .expect("policy");
    let verified = pokmas::domain::merkle::receipt::Receipt::parse(&file.body)
        .expect("a receipt")
        .verify(&policy)
        .expect("valid");
    assert_eq!(verified.event["action"], "application.submitted");
    assert!(!file.body.contains(NIK));
    let refused = app
        .post_form(
            "/cek-status/bukti",
            &[("number", number), ("pin", "000000"), ("seq", &seq)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", "000000x")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", " ")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Isi nomor pendaftaran dan PIN"));
    assert!(res.body.contains(number), "the number is kept");
    let total = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(total, 1);
}

#[tokio::test]
async fn a_retried_desk_submission_shows_the_receipt_and_only_the_kelurahan_operator_issues_a_new_pin()
 {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.create_user("operator@pelabuhan.id", Role::Operator, &["64.72.09.1002"])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = without_phone_or_email(&csrf, NIK);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let old_pin = pin_on(&res.body);
    let number = "2027-6472091001-0001";

    // A double click: the second answer is the receipt, without a PIN (only
    // its hash is kept), and still one application with one number.
    let id = id_in(&form);
    let receipt = format!("/pendaftaran/{id}/tanda-terima");
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(receipt.as_str()));
    let apps = applications(&app).await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].registration_no.as_deref(), Some(number));
    let page = app.get(&receipt).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(number));
    assert_eq!(
        page.body.matches("class=\"regno\"><strong>").count(),
        1,
        "the number, no PIN"
    );
    assert!(page.body.contains("Terbitkan PIN baru"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");

    // Without the CSRF token nothing changes.
    let pin_path = format!("/pendaftaran/{id}/pin");
    let res = app.post_form(&pin_path, &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The operator issues a new PIN: shown once, the old one stops working.
    let mut new_pin = old_pin.clone();
    // First a confirmation step: nothing changes yet.
    let res = app.post_form(&pin_path, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Ya, terbitkan PIN baru"), "{}", res.body);
    assert!(!res.body.contains("PIN lama tidak berlaku lagi"));
    while new_pin == old_pin {
        let res = app
            .post_form(&pin_path, &[("csrf", &csrf), ("confirm", "yes")])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("PIN lama tidak berlaku lagi"));
        assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");
        new_pin = pin_on(&res.body);
    }
    let reissued = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "application.status_pin_reissued")
        .collect::<Vec<_>>();
    assert!(!reissued.is_empty());
    assert!(
        reissued
            .iter()
            .all(|(_, p)| p.contains(number) && !p.contains(&new_pin))
    );
    let operator = app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &old_pin)])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "old PIN refused");
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &new_pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "new PIN accepted");

    // Another kelurahan's operator sees neither the receipt nor the button,
    // and cannot issue a PIN with a valid token of their own.
    app.login("operator@pelabuhan.id", PASSWORD).await;
    assert_eq!(app.get(&receipt).await.status, StatusCode::NOT_FOUND);
    let csrf = app.csrf_from("/meja-bantuan").await;
    let res = app.post_form(&pin_path, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &new_pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "still the same PIN");
    app.switch_browser(operator);
}

#[tokio::test]
async fn an_rt_outside_every_formation_is_explained() {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    // Pelabuhan's RTs are listed only after the formations were frozen.
    rounds::create_rts(&app.db.db, Actor::System, "64.72.09.1002", Some(4))
        .await
        .expect("rts");
    app.create_user(
        "operator@samarindakota.id",
        Role::Operator,
        &[KELURAHAN, "64.72.09.1002"],
    )
    .await;
    app.login("operator@samarindakota.id", PASSWORD).await;
    let round_str = round_id.to_string();
    for (kelurahan, rt, message) in [
        (
            "64.72.09.1002",
            "2",
            "tidak termasuk wilayah formasi mana pun",
        ),
        (KELURAHAN, "99", "RT ini tidak terdaftar"),
    ] {
        let page = app.get("/meja-bantuan").await;
        let csrf = hidden_value(&page.body, "csrf").expect("csrf");
        let key = hidden_value(&page.body, "idempotency_key").expect("key");
        let res = app
            .post_form(
                "/meja-bantuan",
                &[
                    ("csrf", &csrf),
                    ("idempotency_key", &key),
                    ("round_id", &round_str),
                    ("kelurahan", kelurahan),
                    ("rt", rt),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("id=\"rt-error\""), "{}", res.body);
        assert!(res.body.contains(message), "{message}");
    }
    assert!(applications(&app).await.is_empty());

    // The area steps offer only what formations cover, and say what a
    // missing RT means and whom to ask.
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("RT 023"));
    assert!(!page.body.contains("Pelabuhan"), "not in any formation");
    assert!(
        page.body.contains(
            "Kelurahan atau RT Anda tidak ada dalam daftar? Berarti wilayah itu tidak memenuhi aturan domisili seleksi ini"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("hubungi help desk di kantor kelurahan Anda")
    );
    app.get("/bahasa/en").await;
    let page = app
        .get(&format!("/seleksi/{slug}/daftar?kecamatan={KECAMATAN}"))
        .await;
    assert!(
        page.body
            .contains("Then it does not meet this round's domicile rule")
    );
}

/// The help desk before any round opens explains why nothing can start, and
/// an unreadable RT is a message next to it with the other choices kept.
#[tokio::test]
async fn the_help_desk_explains_a_closed_period_and_keeps_choices_on_a_bad_rt() {
    let mut app = TestApp::new().await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    assert_eq!(
        app.login("operator@karangmumus.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get("/meja-bantuan").await;
    assert!(
        page.body
            .contains("tidak ada seleksi yang membuka pendaftaran"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Mulai pendaftaran"), "no form to fill");

    let OpenRound { id: round_id, .. } = open_round(&app).await;
    let page = app.get("/meja-bantuan").await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round = round_id.to_string();
    for rt in ["", "tujuh"] {
        let res = app
            .post_form(
                "/meja-bantuan",
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("round_id", round.as_str()),
                    ("kelurahan", KELURAHAN),
                    ("rt", rt),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{rt:?}");
        assert!(res.body.contains("id=\"rt-error\""), "{}", res.body);
        assert!(res.body.contains("Isi nomor RT dengan angka"));
        assert!(
            res.body
                .contains(&format!("value=\"{KELURAHAN}\" selected")),
            "kelurahan kept"
        );
    }
    assert_eq!(applications(&app).await.len(), 0);
}
