//! Objections (sanggahan): filing, a reviewer who made no
//! contested decision, four-eyes approval, a reopened scorecard and rank
//! changes traced back to the objection; the same rules through the API.

use axum::http::StatusCode;
use pokmas::db::entities::*;
use pokmas::export::audit_csv::{VerifyOutcome, verify_csv};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::api::{json, post_json};
use crate::results::{CODE, SLUG, as_user, open_objection_window, order, post_from, publish};
use crate::support::journey::post_multipart;
use crate::support::{Browser, TestApp, hidden_value};

const GROUNDS: &str = "Nilai K1 saya dari penilai pertama tidak sesuai jawaban wawancara saya.";

async fn events(db: &sea_orm::DatabaseConnection, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
        .expect("events")
}

fn payload(e: &audit_event::Model) -> serde_json::Value {
    serde_json::from_str(&e.payload).expect("payload")
}

#[tokio::test]
async fn an_accepted_objection_reopens_a_scorecard_and_the_rank_changes_trace_back_to_it() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let db = p.f.app.db.db.clone();
    let (c_id, c_no) = p.f.apps[2].clone();
    let (e_id, e_no) = p.f.apps[4].clone();
    let _ = c_id;

    // E's applicant files an objection with a PDF, from her status page.
    as_user(&mut p.f.app, &p.emails[4]).await;
    let status = p.f.app.get(&format!("/pendaftaran/{e_id}")).await;
    assert!(
        status
            .body
            .contains(&format!("/pendaftaran/{e_id}/sanggahan"))
    );
    let form_path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("idempotency key");

    // Too short: refused, the text kept.
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            ("grounds", "Salah."),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Alasan sanggahan wajib diisi"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Salah."));

    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    for _ in 0..2 {
        // A double click files one objection.
        let res = post_multipart(
            &mut p.f.app,
            &form_path,
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("grounds", GROUNDS),
            ],
            &[("document", "bukti.pdf", pdf)],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let filed = objection::Entity::find().all(&db).await.expect("read");
    assert_eq!(filed.len(), 1);
    let o = filed[0].clone();
    assert!(o.document_id.is_some());
    let mine = p.f.app.get(&form_path).await;
    assert!(
        mine.body.contains("Batas jawaban"),
        "the response deadline is shown"
    );

    // Someone else's application: not found.
    let res =
        p.f.app
            .get(&format!("/pendaftaran/{}/sanggahan", p.f.apps[0].0))
            .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The admin cannot pick a panelist who scored E as reviewer.
    p.f.app.switch_browser(p.admin_browser.clone());
    let list = format!("/admin/seleksi/{}/sanggahan", p.f.round_id);
    let page = p.f.app.get(&list).await;
    assert!(page.body.contains(&e_no));
    let assign = format!("/admin/sanggahan/{}/peninjau", o.id);
    let scorer = p.f.panelists[0].to_string();
    let res = post_from(&mut p.f.app, &list, &assign, &[("reviewer_id", &scorer)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("tidak boleh orang yang membuat keputusan"),
        "{}",
        res.body
    );
    let reviewer = p.admins[1].to_string();
    let res = post_from(&mut p.f.app, &list, &assign, &[("reviewer_id", &reviewer)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The reviewer (second admin) proposes to reopen panelist 1's scorecard…
    let admin1 = p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let queue = p.f.app.get("/sanggahan").await;
    assert!(queue.body.contains(&e_no));
    let detail = format!("/sanggahan/{}", o.id);
    let reopen = format!("scorecard:{}", p.f.panelists[0]);
    let res = post_from(
        &mut p.f.app,
        &detail,
        &format!("{detail}/usulan"),
        &[
            ("outcome", &reopen),
            (
                "reasons",
                "Nilai K1 penilai 1 tertukar dengan pendaftar lain.",
            ),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // …and cannot approve it herself.
    let res = post_from(
        &mut p.f.app,
        &list,
        &format!("/admin/sanggahan/{}/keputusan", o.id),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The first admin approves: both names in the trail, the applicant mailed.
    p.f.app.switch_browser(admin1);
    // The proposal names the panelist whose scorecard it reopens, not an id.
    let page = p.f.app.get(&list).await;
    assert!(
        page.body
            .contains("lembar nilai penilai Pengguna penilai1@contoh.id"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&p.f.panelists[0].to_string()));
    let res = post_from(
        &mut p.f.app,
        &list,
        &format!("/admin/sanggahan/{}/keputusan", o.id),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let decided = events(&db, "objection.decided").await;
    assert_eq!(decided.len(), 1);
    let d = payload(&decided[0]);
    assert_eq!(d["objection_id"], o.id.to_string());
    assert_eq!(d["decision"], "accepted");
    assert_eq!(d["proposed_by"], p.admins[1].to_string());
    assert_eq!(d["approved_by"], p.admins[0].to_string());
    let mail = p.f.app.last_mail_to(&p.emails[4]).await;
    assert!(
        mail.subject.contains("Keputusan atas sanggahan"),
        "{}",
        mail.subject
    );
    assert!(mail.body_text.contains("DITERIMA"));

    // Listed publicly without personal data.
    p.f.app.switch_browser(Browser::default());
    let public = p.f.app.get(&format!("/seleksi/{SLUG}/hasil")).await;
    assert!(public.body.contains(&e_no) && public.body.contains("Diterima"));
    assert!(
        !public.body.contains("tidak sesuai jawaban wawancara"),
        "grounds stay private"
    );

    // Only the reopened scorecard may change, and only its sheet offers
    // the form.
    as_user(&mut p.f.app, "penilai2@contoh.id").await;
    let sheet = format!("/penilai/{e_id}");
    let page = p.f.app.get(&sheet).await;
    assert!(
        page.body.contains("Penilaian sudah ditutup"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("action=\"{sheet}/nilai\"")));
    let res = post_from(
        &mut p.f.app,
        &sheet,
        &format!("{sheet}/nilai"),
        &[
            ("v_K1", "5"),
            ("v_K2", "5"),
            ("reason", "Ikut memperbaiki nilai."),
        ],
    )
    .await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
    assert!(res.body.contains("sanggahan yang diterima"), "{}", res.body);

    as_user(&mut p.f.app, "penilai1@contoh.id").await;
    let page = p.f.app.get(&sheet).await;
    assert!(
        page.body.contains(&format!("action=\"{sheet}/nilai\"")),
        "{}",
        page.body
    );
    let res = post_from(
        &mut p.f.app,
        &sheet,
        &format!("{sheet}/nilai"),
        &[
            ("v_K1", "5"),
            ("v_K2", "4"),
            ("reason", "Koreksi sesuai keputusan sanggahan."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // E: K1 (5+2+3)/3 → 35, K2 4 → 30: 65, now above C. Both moves point to
    // the amendment, which names the objection.
    let amended = events(&db, "score.amended").await;
    assert_eq!(amended.len(), 1);
    assert_eq!(payload(&amended[0])["objection_id"], o.id.to_string());
    let moved: Vec<serde_json::Value> = events(&db, "ranking.changed")
        .await
        .iter()
        .filter(|e| e.seq > amended[0].seq)
        .map(payload)
        .collect();
    assert_eq!(moved.len(), 2, "{moved:?}");
    for m in &moved {
        assert_eq!(m["cause_seq"], amended[0].seq);
    }
    let e_move = moved
        .iter()
        .find(|m| m["registration_no"] == e_no.as_str())
        .expect("E moved");
    assert_eq!(
        (e_move["from_rank"].clone(), e_move["to_rank"].clone()),
        (4.into(), 3.into())
    );
    let c_move = moved
        .iter()
        .find(|m| m["registration_no"] == c_no.as_str())
        .expect("C moved");
    assert_eq!(
        (c_move["from_rank"].clone(), c_move["to_rank"].clone()),
        (3.into(), 4.into())
    );

    // The public page shows the new order at once.
    p.f.app.switch_browser(Browser::default());
    let page = p.f.app.get(&format!("/seleksi/{SLUG}/hasil/{CODE}")).await;
    assert_eq!(
        order(&page.body, &[&c_no, &e_no]),
        vec![e_no.clone(), c_no.clone()]
    );
    assert!(page.body.contains("65.00"));

    let mut csv = Vec::new();
    pokmas::db::audit::export_csv(&db, &mut csv)
        .await
        .expect("export");
    assert!(matches!(
        verify_csv(csv.as_slice(), None),
        VerifyOutcome::Valid(_)
    ));
}

#[tokio::test]
async fn the_objection_api_enforces_the_same_rules_and_finalization_waits_for_decisions() {
    let mut p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let (d_id, d_no) = p.f.apps[3].clone();

    // Outside the window: refused.
    as_user(&mut p.f.app, &p.emails[3]).await;
    let path = format!("/api/v1/me/applications/{d_id}/objections");
    let body = serde_json::json!({ "grounds": GROUNDS, "idempotency_key": "k-1" });
    let res = post_json(&mut p.f.app, &path, &body).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    let applicant = p.f.app.switch_browser(Browser::default());
    open_objection_window(&mut p).await;
    p.f.app.switch_browser(applicant);
    let res = post_json(&mut p.f.app, &path, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id: Uuid = json(&res)["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let mine = json(&p.f.app.get(&path).await);
    assert_eq!(mine[0]["registration_no"], d_no.as_str());
    assert_eq!(mine[0]["status"], "filed");
    assert!(mine[0]["deadline_at"].is_string());

    // Nobody else reads it; applicants cannot assign.
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/reviewer"),
        &serde_json::json!({ "reviewer_id": p.admins[1] }),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The admin: finalization waits for the objection; a scorer cannot review.
    p.f.app.switch_browser(p.admin_browser.clone());
    round_window_ends(&db, p.f.round_id).await;
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/rounds/{}/finalization", p.f.round_id),
        &serde_json::json!({ "reason": "Semua selesai." }),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        json(&res)["message"]
            .as_str()
            .unwrap_or_default()
            .contains("sanggahan")
    );
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/reviewer"),
        &serde_json::json!({ "reviewer_id": p.f.panelists[1] }),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/reviewer"),
        &serde_json::json!({ "reviewer_id": p.admins[1] }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // Only the reviewer proposes.
    let proposal =
        serde_json::json!({ "outcome": "rejected", "reasons": "Nilai sudah sesuai berita acara." });
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/objections/{id}/proposal"),
        &proposal,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let admin1 = p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/objections/{id}/proposal"),
        &proposal,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json(&res)["status"], "proposed");
    let decide = serde_json::json!({ "decision": "approve" });
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/decision"),
        &decide,
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "four eyes");
    p.f.app.switch_browser(admin1);
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/decision"),
        &decide,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let o = json(&res);
    assert_eq!(o["status"], "rejected");
    assert_eq!(o["proposed_by"], p.admins[1].to_string());
    assert_eq!(o["approved_by"], p.admins[0].to_string());

    // A rejection changes no rank.
    let changed = events(&db, "ranking.changed").await;
    assert_eq!(changed.len(), 6, "only the publication's first ranks");

    // Now finalization: requested by one admin, approved by the other.
    let fin = format!("/api/v1/admin/rounds/{}/finalization", p.f.round_id);
    let res = post_json(
        &mut p.f.app,
        &fin,
        &serde_json::json!({ "reason": "Semua sanggahan diputus." }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = post_json(&mut p.f.app, &format!("{fin}/decision"), &decide).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let res = post_json(&mut p.f.app, &format!("{fin}/decision"), &decide).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json(&res)["round_state"], "final");

    // Public JSON results of the formation.
    p.f.app.switch_browser(Browser::default());
    let res =
        p.f.app
            .get(&format!("/api/v1/rounds/{SLUG}/results/{CODE}"))
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let r = json(&res);
    assert_eq!(r["round_state"], "final");
    assert_eq!(r["rows"][0]["total"], "80.00");
    assert_eq!(r["rows"][0]["status"], "selected");
    assert_eq!(r["checkpoints"].as_array().map(Vec::len), Some(2));
    assert!(!res.body.contains("Kenanga"));

    // Every path is in the OpenAPI document.
    let doc = p.f.app.get("/api/openapi.json").await.body;
    for path in [
        "/api/v1/rounds/{slug}/results/{code}",
        "/api/v1/me/applications/{id}/objections",
        "/api/v1/admin/objections/{id}/reviewer",
        "/api/v1/objections/{id}/proposal",
        "/api/v1/admin/objections/{id}/decision",
        "/api/v1/admin/rounds/{id}/finalization",
        "/api/v1/admin/rounds/{id}/finalization/decision",
    ] {
        assert!(
            doc.contains(path),
            "{path} missing from the OpenAPI document"
        );
    }
}

async fn round_window_ends(db: &sea_orm::DatabaseConnection, round_id: Uuid) {
    use sea_orm::ActiveModelTrait;
    use sea_orm::ActiveValue::Set;
    round::ActiveModel {
        id: Set(round_id),
        objection_ends_at: Set(Some(
            time::OffsetDateTime::now_utc() - time::Duration::minutes(5),
        )),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("the window ends");
}

#[tokio::test]
async fn an_accepted_objection_on_verification_re_decides_eligibility_traced_to_the_decision() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let db = p.f.app.db.db.clone();
    let (d_id, d_no) = p.f.apps[3].clone();

    as_user(&mut p.f.app, &p.emails[3]).await;
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/me/applications/{d_id}/objections"),
        &serde_json::json!({ "grounds": "Saya mengundurkan diri karena pindah domisili ke luar kelurahan." }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id = json(&res)["id"].as_str().expect("id").to_owned();

    p.f.app.switch_browser(p.admin_browser.clone());
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/reviewer"),
        &serde_json::json!({ "reviewer_id": p.admins[1] }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let admin1 = p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/objections/{id}/proposal"),
        &serde_json::json!({ "outcome": "verification_ineligible", "reasons": "Domisili tidak lagi di wilayah formasi." }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    p.f.app.switch_browser(admin1);
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/admin/objections/{id}/decision"),
        &serde_json::json!({ "decision": "approve" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // D leaves the ranking; the move points at the decision, which names the objection.
    let decided = events(&db, "objection.decided").await;
    assert_eq!(payload(&decided[0])["objection_id"], id.as_str());
    assert_eq!(payload(&decided[0])["eligibility"], "ineligible");
    let moved: Vec<serde_json::Value> = events(&db, "ranking.changed")
        .await
        .iter()
        .filter(|e| e.seq > decided[0].seq)
        .map(payload)
        .collect();
    assert!(!moved.is_empty());
    assert!(moved.iter().all(|m| m["cause_seq"] == decided[0].seq));
    let d_move = moved
        .iter()
        .find(|m| m["registration_no"] == d_no.as_str())
        .expect("D moved");
    assert_eq!(d_move["to_rank"], 0);
    let app = application::Entity::find_by_id(d_id)
        .one(&db)
        .await
        .expect("read")
        .expect("application");
    assert_eq!(app.state.as_str(), "ineligible");
}
