//! The public status check: each outcome with its reason, the test
//! invitation, and published ranks.

use axum::http::StatusCode;
use pokmas::db::entities::{application, requirement, test_session};
use pokmas::domain::role::Role;
use pokmas::domain::round::{format_wita, input_wita};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};

use crate::support::journey::OpenRound;
use crate::support::journey::*;
use crate::support::{PASSWORD, TestApp, hidden_value};

#[tokio::test]
async fn the_status_pages_name_each_outcome_with_its_reason_and_the_test_invitation() {
    use pokmas::services::panels::{self, SessionForm};
    use pokmas::services::verification::{Decision, Staff, verify};

    let mut app = TestApp::new().await;
    let db = app.db.db.clone();
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    let siti = submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let siti_browser = app.switch_browser(Default::default());

    // Rahmat registers at the desk.
    let operator = app
        .create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields: Vec<(&str, &str)> = without_phone_or_email(&csrf, NIK2)
        .into_iter()
        .map(|(k, v)| {
            if k == "full_name" {
                (k, "Rahmat Hidayat")
            } else {
                (k, v)
            }
        })
        .collect();
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let pin = pin_on(&res.body);
    let rahmat = id_in(&form);
    let rahmat_no = "2027-6472091001-0002";

    // The operator finds Siti's KTP unreadable and everything else met.
    let from: pokmas::mail::Mailbox = app.state.config.mail_from.parse().expect("from");
    let staff = Staff {
        id: operator,
        role: Role::Operator,
        scopes: vec![KELURAHAN.into()],
    };
    let reqs = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round_id))
        .all(&db)
        .await
        .expect("requirements");
    let reason = "Foto KTP buram, mohon pindai ulang.";
    let decide = |tms: &str| -> Vec<Decision> {
        reqs.iter()
            .map(|q| {
                let tms = q.code == tms;
                Decision {
                    requirement_id: q.id,
                    tms,
                    reason_code: tms.then(|| "unreadable".to_owned()),
                    reason_text: if tms { reason.into() } else { String::new() },
                }
            })
            .collect()
    };
    let eligible = verify(&db, &from, &app.state.vault, &staff, siti, &decide("KTP"))
        .await
        .expect("verify Siti");
    assert!(!eligible);
    let eligible = verify(&db, &from, &app.state.vault, &staff, rahmat, &decide(""))
        .await
        .expect("verify Rahmat");
    assert!(eligible);

    // The admin schedules the test; Rahmat (eligible) is invited.
    let admin = admin_actor(&app).await;
    let panel = panels::create_panel(&db, admin, round_id, "Panel Karang Mumus", None)
        .await
        .expect("panel");
    let formation = application::Entity::find_by_id(rahmat)
        .one(&db)
        .await
        .expect("load")
        .and_then(|a| a.formation_id)
        .expect("formation");
    panels::set_formations(&db, admin, round_id, panel, &[formation.to_string()])
        .await
        .expect("formations");
    let starts_at = pokmas::domain::round::parse_wita(&input_wita(
        OffsetDateTime::now_utc() + Duration::days(21),
    ))
    .expect("time")
    .expect("some");
    let place = "Aula Kantor Kelurahan Karang Mumus";
    let session = panels::create_session(
        &db,
        admin,
        round_id,
        &SessionForm {
            starts_at,
            place: place.into(),
            capacity: 10,
            panel_id: panel,
        },
        None,
    )
    .await
    .expect("session");
    let invited = panels::auto_fill(
        &db,
        admin,
        &from,
        &pokmas::pii::NikVault::new(&app.state.config.secret),
        round_id,
        session,
    )
    .await
    .expect("invite");
    assert_eq!(invited, 1);
    let when = format_wita(
        test_session::Entity::find_by_id(session)
            .one(&db)
            .await
            .expect("load")
            .expect("session")
            .starts_at,
    );

    // Siti reads her outcome in words, with the listed reason and the
    // operator's explanation; no raw codes.
    app.switch_browser(siti_browser);
    let page = app.get(&format!("/pendaftaran/{siti}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let ktp = reqs.iter().find(|q| q.code == "KTP").expect("KTP");
    assert!(
        page.body.contains(&format!(
            "{} — <strong>Tidak Memenuhi Syarat</strong>: Dokumen tidak terbaca — <bdi>{reason}</bdi>",
            ktp.text_id
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>Memenuhi Syarat</strong>"));
    assert!(!page.body.contains(">tms<") && !page.body.contains(">ms<"));
    assert!(page.body.contains("Undangan uji kelayakan: belum ada."));
    app.get("/bahasa/en").await;
    let page = app.get(&format!("/pendaftaran/{siti}")).await;
    assert!(
        page.body
            .contains("<strong>Does not meet requirements</strong>: Document unreadable")
    );
    // The platform's own age finding reads in English too (the stored
    // sentence is Indonesian).
    assert!(page.body.contains(" — Age "), "{}", page.body);
    assert!(!page.body.contains("Umur "), "{}", page.body);
    let api = app.get(&format!("/api/v1/me/applications/{siti}")).await;
    let checks = crate::api::json(&api)["timeline"]["checks"].clone();
    let ktp_check = checks
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["requirement"]["id"] == ktp.text_id.as_str())
        .expect("KTP check")
        .clone();
    assert_eq!(ktp_check["outcome"], "tms");
    assert_eq!(ktp_check["outcome_label"]["id"], "Tidak Memenuhi Syarat");
    assert_eq!(ktp_check["reason_label"]["en"], "Document unreadable");
    assert_eq!(ktp_check["reason"], reason);
    assert!(ktp_check["automatic_reason"].is_null());
    assert!(
        checks
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["automatic_reason"]["en"]
                .as_str()
                .is_some_and(|t| t.starts_with("Age "))),
        "{checks}"
    );

    // Rahmat, without an account, checks with number + PIN: the same
    // timeline, his invitation included, and no personal data.
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", rahmat_no), ("pin", &pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("<strong>Memenuhi Syarat</strong>"));
    assert!(!res.body.contains("Tidak Memenuhi Syarat"));
    assert!(
        res.body
            .contains(&format!("Undangan uji kelayakan: {when}, {place}")),
        "{}",
        res.body
    );
    assert!(res.body.contains("Hasil: belum diumumkan."));
    assert!(res.body.contains("Masa sanggah: "));
    assert!(res.body.contains("Rahmat ·"));
    for private in ["Hidayat", NIK2, "647209*", "Pahlawan"] {
        assert!(!res.body.contains(private), "{private}");
    }
    let res = crate::api::post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": rahmat_no, "pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let answer = crate::api::json(&res);
    let t = &answer["timeline"];
    assert!(
        t["checks"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["outcome"] == "ms"))
    );
    assert_eq!(t["invitation"]["place"], place);
    assert!(t["invitation"]["starts_at"].is_string());
    assert!(t["objection_window"]["ends_at"].is_string());
    assert!(t["result"].is_null());
    assert!(!res.body.contains("Hidayat") && !res.body.contains(NIK2));
}

#[tokio::test]
async fn published_results_and_ranks_show_on_the_status_page_and_the_number_and_pin_check() {
    let mut p = crate::results::publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let (a_id, _) = p.f.apps[0].clone();
    let (b_id, b_no) = p.f.apps[1].clone();
    let session = test_session::Entity::find_by_id(p.f.session_id)
        .one(&db)
        .await
        .expect("load")
        .expect("session");
    let when = format_wita(session.starts_at);

    // A follows her application signed in: selected, rank 1.
    crate::results::as_user(&mut p.f.app, &p.emails[0]).await;
    let page = p.f.app.get(&format!("/pendaftaran/{a_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Hasil: <strong>Terpilih</strong> · peringkat 1"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("{when}, {}", session.place)));
    assert!(page.body.contains("Masa sanggah: "));
    assert!(!page.body.contains(">selected<"));

    // B was registered at the desk: with the PIN an admin issues, the
    // public check shows the reserve place and rank.
    let pin = assisted_with_pin(&db, p.admins[0], b_id).await;
    p.f.app.switch_browser(Default::default());
    let res =
        p.f.app
            .post_form("/cek-status", &[("number", &b_no), ("pin", pin.as_str())])
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("Hasil: <strong>Cadangan</strong> · peringkat 2"),
        "{}",
        res.body
    );
    assert!(res.body.contains(&format!("{when}, {}", session.place)));
    assert!(!res.body.contains("Kenanga") && !res.body.contains("640102"));
}
