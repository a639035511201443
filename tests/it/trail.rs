//! The auditors' workspace: the trail browser's filters and keyset
//! pages, an application's history with the cause of each rank change, who
//! may open it, and that an auditor can change nothing at all.

use std::collections::BTreeMap;

use pokmas::db::audit::{Actor, NewEvent, append};
use pokmas::db::entities::{application, approval, audit_event, objection, panel_member};
use pokmas::domain::role::Role;
use pokmas::services::objections::{Proposal, Reopen};
use pokmas::services::scoring::{ConflictKind, declare, submit};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, QueryOrder};
use uuid::Uuid;

use crate::standings::{Fixture, fixture, publish};
use crate::support::{PASSWORD, TestApp, hidden_value, login_redirect};

const KEL: &str = "64.72.01.1001";
const OTHER_KEL: &str = "64.72.01.1002";

async fn login_as(app: &mut TestApp, email: &str, role: Role, kel: &[&str]) -> Uuid {
    let id = app.create_user(email, role, kel).await;
    let res = app.login(email, PASSWORD).await;
    assert!(res.status.is_redirection(), "login {email}: {}", res.status);
    id
}

fn json(res: &crate::support::TestResponse) -> serde_json::Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{e}: {}", res.body))
}

/// Every event of the trail, oldest first.
async fn all_events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db.db)
        .await
        .expect("trail")
}

/// Pages through `/api/v1/audit/events?{query}` by its cursor and returns the
/// seqs in the order served, newest first.
async fn page_through(app: &mut TestApp, query: &str, limit: u64) -> Vec<i64> {
    let mut seqs = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let cursor = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let res = app
            .get(&format!(
                "/api/v1/audit/events?limit={limit}&{query}{cursor}"
            ))
            .await;
        assert_eq!(res.status, 200, "{query}: {}", res.body);
        let body = json(&res);
        let page: Vec<i64> = body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["seq"].as_i64().expect("seq"))
            .collect();
        assert!(page.len() as u64 <= limit);
        seqs.extend(page);
        match body["next_before"].as_i64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    seqs
}

#[tokio::test]
async fn filters_and_keyset_pages_return_exactly_the_matching_events_without_duplicates_or_gaps() {
    let f = fixture().await;
    let mut app = f.app;
    let db = app.db.db.clone();
    let other_round = Uuid::now_v7();
    let actors: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    // A few thousand events across two rounds, three actors, four actions
    // and the fixture's four applications (registration numbers and kelurahan).
    let tx = pokmas::db::begin_write(&db).await.expect("begin");
    for i in 0..2_400usize {
        let actor = if i % 7 == 0 {
            Actor::System
        } else {
            Actor::Account {
                id: actors[i % 3],
                role: Role::Admin,
            }
        };
        let action = [
            "score.submitted",
            "score.amended",
            "round.updated",
            "test.invited",
        ][i % 4];
        let mut ev = NewEvent::new(actor, action, "thing", format!("t{i}"))
            .round(if i % 5 == 0 { other_round } else { f.round_id })
            .payload(serde_json::json!({ "i": i }));
        if i % 3 == 0 {
            ev = ev.with_registration(f.apps[i % 4].1.clone());
        }
        if i % 11 == 0 {
            ev.kelurahan_code = Some(if i % 2 == 0 { KEL } else { OTHER_KEL }.into());
        }
        append(&tx, ev).await.expect("append");
    }
    tx.commit().await.expect("commit");
    login_as(&mut app, "auditor@contoh.id", Role::Auditor, &[]).await;
    let all = all_events(&app).await;
    assert!(all.len() >= 2_400);
    let middle = all[all.len() / 2].at.clone();
    let regnos: Vec<String> = f.apps.iter().map(|(_, n)| n.clone()).collect();

    type Pred = Box<dyn Fn(&audit_event::Model) -> bool>;
    let round_s = f.round_id.to_string();
    let actor0 = actors[0].to_string();
    let reg1 = regnos[1].clone();
    let regs = regnos.clone();
    let regs2 = regnos.clone();
    let middle2 = middle.clone();
    let round_s2 = round_s.clone();
    let formation_s = f.formation_id.to_string();
    let cases: Vec<(String, Pred)> = vec![
        ("".into(), Box::new(|_| true)),
        (
            format!("round_id={}", f.round_id),
            Box::new(move |e| e.round_id == round_s),
        ),
        (
            "action=score.amended".into(),
            Box::new(|e| e.action == "score.amended"),
        ),
        (
            "action=score.".into(),
            Box::new(|e| e.action.starts_with("score.")),
        ),
        (
            format!("actor={}", actors[0]),
            Box::new(move |e| e.actor == actor0),
        ),
        (
            format!("registration_no={}", regnos[1]),
            Box::new(move |e| e.registration_no.as_deref() == Some(reg1.as_str())),
        ),
        (
            // Indexed under the kelurahan, or about one of its applications.
            format!("kelurahan={KEL}"),
            Box::new(move |e| {
                e.kelurahan_code.as_deref() == Some(KEL)
                    || e.registration_no.as_ref().is_some_and(|n| regs.contains(n))
            }),
        ),
        (
            // About one of its applications, or about the formation itself
            // (the fixture's `formation.created`).
            format!("formation_id={}", f.formation_id),
            Box::new(move |e| {
                e.registration_no
                    .as_ref()
                    .is_some_and(|n| regs2.contains(n))
                    || (e.subject_type == "formation" && e.subject_id == formation_s)
            }),
        ),
        (
            format!(
                "from={}&action=score.amended&round_id={}",
                middle.replace(':', "%3A"),
                f.round_id
            ),
            Box::new(move |e| {
                e.at >= middle2 && e.action == "score.amended" && e.round_id == round_s2
            }),
        ),
    ];
    for (query, pred) in &cases {
        assert_pages(&mut app, &all, query, pred).await;
    }

    // The HTML browser pages by the same cursor and links each event to its subject.
    let first = app
        .get(&format!(
            "/audit/jejak?registration_no={}&limit=20",
            regnos[2]
        ))
        .await;
    assert_eq!(first.status, 200);
    assert!(
        first
            .body
            .contains(&format!("/audit/pendaftaran/{}", regnos[2]))
    );
    let next = first
        .body
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an older page")
        .replace("&amp;", "&");
    assert!(next.contains("before="), "{next}");
    assert!(!next.contains("offset"), "keyset, never OFFSET");
    let second = app.get(&next).await;
    assert_eq!(second.status, 200);
    let seqs = |html: &str| -> Vec<String> {
        html.split("<tr id=\"e")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_owned))
            .collect()
    };
    let (a, b) = (seqs(&first.body), seqs(&second.body));
    assert_eq!(a.len(), 20);
    assert!(a.iter().all(|s| !b.contains(s)), "pages do not overlap");

    // A filter that cannot be understood is explained, with the form kept.
    let bad = app.get("/audit/jejak?actor=bukan-id&from=kemarin").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("role=\"alert\""));
    assert!(bad.body.contains("value=\"bukan-id\""));
    let api_bad = app.get("/api/v1/audit/events?from=kemarin").await;
    assert_eq!(api_bad.status, 400);
}

/// Checks that paging through `query` serves exactly the events of `all`
/// that `pred` accepts, newest first, each once.
async fn assert_pages(
    app: &mut TestApp,
    all: &[audit_event::Model],
    query: &str,
    pred: &dyn Fn(&audit_event::Model) -> bool,
) {
    let mut expected: Vec<i64> = all.iter().filter(|e| pred(e)).map(|e| e.seq).collect();
    expected.reverse();
    assert!(!expected.is_empty(), "{query} matches something");
    let served = page_through(app, query, 97).await;
    let mut unique = served.clone();
    unique.dedup();
    assert_eq!(unique.len(), served.len(), "{query}: no duplicates");
    assert!(
        served == expected,
        "{query}: {} served, {} expected; first served {:?}, first expected {:?}",
        served.len(),
        expected.len(),
        served.first(),
        expected.first()
    );
}

#[tokio::test]
async fn trail_filters_and_families_page_the_same_on_postgresql() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    let rounds = [Uuid::now_v7(), Uuid::now_v7()];
    let tx = pokmas::db::begin_write(&app.db.db).await.expect("begin");
    for i in 0..400usize {
        let action = [
            "score.submitted",
            "score.amended",
            "conflict.none_declared",
            "scorecard_x.odd",
            "round.updated",
        ][i % 5];
        let mut ev =
            NewEvent::new(Actor::System, action, "thing", format!("t{i}")).round(rounds[i % 2]);
        if i % 3 == 0 {
            ev = ev.with_registration(format!("2026-0001-{:04}", i % 7));
        }
        append(&tx, ev).await.expect("append");
    }
    tx.commit().await.expect("commit");
    login_as(&mut app, "auditor@contoh.id", Role::Auditor, &[]).await;
    let all = all_events(&app).await;
    let middle = all[all.len() / 2].at.clone();
    let r0 = rounds[0].to_string();
    assert_pages(&mut app, &all, "action=score.", &|e| {
        e.action.starts_with("score.")
    })
    .await;
    assert_pages(&mut app, &all, "action=conflict.", &|e| {
        e.action.starts_with("conflict.")
    })
    .await;
    assert_pages(
        &mut app,
        &all,
        &format!("round_id={r0}&action=score.amended"),
        &|e| e.round_id == r0 && e.action == "score.amended",
    )
    .await;
    assert_pages(&mut app, &all, "registration_no=2026-0001-0003", &|e| {
        e.registration_no.as_deref() == Some("2026-0001-0003")
    })
    .await;
    assert_pages(
        &mut app,
        &all,
        &format!("from={}", middle.replace(':', "%3A")),
        &|e| e.at >= middle,
    )
    .await;
}

/// Leaves an accepted objection that reopened `panelist`'s scorecard of
/// `application`, as the objection journey (tests/it/objections.rs, through
/// the pages) does: once results are published it is the only state in
/// which a score may be amended. The two fixture panelists stand in for the
/// proposer and the approving admin; no event is needed here.
pub async fn reopen_scorecard(f: &Fixture, application: Uuid, panelist: Uuid) {
    let db = &f.app.db.db;
    let now = time::OffsetDateTime::now_utc();
    let proposal = Proposal {
        accepted: true,
        reasons: "nilai wawancara tertukar".into(),
        reopen: Reopen::Scorecard {
            panelist_id: panelist,
        },
    };
    let approval_id = Uuid::now_v7();
    approval::ActiveModel {
        id: Set(approval_id),
        round_id: Set(Some(f.round_id)),
        kind: Set("objection.decide".into()),
        subject_type: Set("objection".into()),
        subject_id: Set(approval_id.to_string()),
        payload: Set(serde_json::to_string(&proposal).expect("proposal")),
        reason: Set(proposal.reasons.clone()),
        requested_by: Set(f.panelists[0]),
        requested_at: Set(now),
        status: Set(pokmas::domain::approval::ApprovalStatus::Approved),
        decided_by: Set(Some(f.panelists[1])),
        decided_at: Set(Some(now)),
        decision_reason: Set(String::new()),
    }
    .insert(db)
    .await
    .expect("approval");
    objection::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(f.round_id),
        application_id: Set(application),
        filed_by: Set(f.panelists[0]),
        grounds: Set("nilai wawancara saya tertukar dengan peserta lain".into()),
        document_id: Set(None),
        status: Set(pokmas::domain::objection::ObjectionStatus::Accepted),
        reviewer_id: Set(Some(f.panelists[0])),
        decision_reason: Set(proposal.reasons.clone()),
        deadline_at: Set(now + time::Duration::days(7)),
        filed_at: Set(now),
        decided_at: Set(Some(now)),
        approval_id: Set(Some(approval_id)),
    }
    .insert(db)
    .await
    .expect("objection");
}

fn values(k1: i32, k2: i32) -> BTreeMap<String, i32> {
    BTreeMap::from([("K1".to_owned(), k1), ("K2".to_owned(), k2)])
}

#[tokio::test]
async fn application_history_shows_a_rank_change_with_its_cause_and_actor() {
    let f = fixture().await;
    publish(&f).await;
    reopen_scorecard(&f, f.apps[1].0, f.panelists[2]).await;
    // Panelist 3 amends B from (4,4) to (5,5): B overtakes A (83.33 > 80).
    let reason = "salah input nilai wawancara";
    submit(
        &f.app.db.db,
        f.panelists[2],
        f.apps[1].0,
        &values(5, 5),
        Some(reason),
    )
    .await
    .expect("amend");
    let mut app = f.app;
    login_as(&mut app, "auditor@contoh.id", Role::Auditor, &[]).await;

    let page = app
        .get(&format!("/audit/pendaftaran/{}", f.apps[1].1))
        .await;
    assert_eq!(page.status, 200);
    let ranks = page
        .body
        .split("<tr class=\"rank-change\">")
        .skip(1)
        .map(|s| s.split("</tr>").next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(ranks.len(), 2, "first rank at publication, then the move");
    assert!(ranks[0].contains("results.provisional_published"));
    let moved = &ranks[1];
    assert!(moved.contains("<strong>1</strong>"), "2 → 1: {moved}");
    assert!(moved.contains("cadangan") && moved.contains("terpilih"));
    assert!(moved.contains("score.amended"), "the cause: {moved}");
    assert!(
        moved.contains("Pengguna penilai3@contoh.id"),
        "who made it: {moved}"
    );
    assert!(moved.contains(reason), "and why: {moved}");
    assert!(moved.contains("83.33"));

    // The same through the API, by application id.
    let api = app
        .get(&format!(
            "/api/v1/audit/applications/{}/history",
            f.apps[1].0
        ))
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let body = json(&api);
    let changes = body["rank_changes"].as_array().expect("changes");
    let last = changes.last().expect("a move");
    assert_eq!(
        (last["from_rank"].as_i64(), last["to_rank"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(last["cause"]["action"], "score.amended");
    assert_eq!(last["cause"]["reason"], reason);
    assert_eq!(last["cause"]["actor"], f.panelists[2].to_string());
    assert_eq!(last["cause_actor_name"], "Pengguna penilai3@contoh.id");
    assert_eq!(body["current_rank"], 1);

    // The panelist view shows both versions and the amendment's reason.
    let p = app.get(&format!("/audit/penilai/{}", f.panelists[2])).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("class=\"amended\""));
    assert!(p.body.contains(reason));
}

#[tokio::test]
async fn only_auditors_and_admins_open_the_workspace_and_auditors_see_the_nik_masked() {
    let f = fixture().await;
    let db = f.app.db.db.clone();
    let nik = "6472014101900001";
    application::ActiveModel {
        id: Set(f.apps[0].0),
        nik_masked: Set(Some(pokmas::domain::masking::mask_nik(nik))),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("nik");
    // A panelist of the panel who declares a conflict for A is recused.
    let kerabat = "kerabat@contoh.id";
    let recused = f.app.create_user(kerabat, Role::Panelist, &[KEL]).await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(recused),
    }
    .insert(&db)
    .await
    .expect("member");
    declare(&db, recused, f.apps[0].0, ConflictKind::Family, "ipar")
        .await
        .expect("recusal");
    let mut app = f.app;
    let pages = [
        "/audit".to_owned(),
        "/audit/jejak".to_owned(),
        format!("/audit/pendaftaran/{}", f.apps[0].1),
        format!("/audit/penilai/{}", f.panelists[1]),
        format!("/audit/formasi/{}/konflik", f.formation_id),
        format!("/audit/seleksi/{}", f.round_id),
        format!("/audit/seleksi/{}/analitik", f.round_id),
        "/api/v1/audit/events".to_owned(),
        format!("/api/v1/audit/applications/{}/history", f.apps[0].1),
        format!("/api/v1/audit/panelists/{}", f.panelists[1]),
        format!("/api/v1/audit/formations/{}/conflicts", f.formation_id),
        format!("/api/v1/audit/rounds/{}/analytics", f.round_id),
    ];

    // Signed out: the pages send to the log-in page, the API answers 401.
    for p in &pages {
        let res = app.get(p).await;
        if p.starts_with("/api/") {
            assert_eq!(res.status, 401, "{p}");
        } else {
            assert_eq!(res.location(), Some(login_redirect(p).as_str()), "{p}");
        }
    }

    // Recused panelist, operator, applicant: refused everywhere.
    let operator = "operator@contoh.id";
    app.create_user(operator, Role::Operator, &[KEL]).await;
    let applicant = "warga@contoh.id";
    app.create_user(applicant, Role::Applicant, &[]).await;
    for email in [kerabat, operator, applicant] {
        let res = app.login(email, PASSWORD).await;
        assert!(res.status.is_redirection(), "{email}");
        for p in &pages {
            let res = app.get(p).await;
            assert_eq!(res.status, 403, "{email} on {p}");
        }
    }

    // An auditor reads every page, sees the NIK masked and never in full.
    login_as(&mut app, "auditor@contoh.id", Role::Auditor, &[]).await;
    for p in &pages {
        let res = app.get(p).await;
        assert_eq!(res.status, 200, "auditor on {p}: {}", res.body);
        assert!(!res.body.contains(nik), "full NIK on {p}");
    }
    let history = app
        .get(&format!("/audit/pendaftaran/{}", f.apps[0].1))
        .await;
    assert!(history.body.contains("647201**********"));
    let api = app
        .get(&format!(
            "/api/v1/audit/applications/{}/history",
            f.apps[0].1
        ))
        .await;
    assert_eq!(json(&api)["nik_masked"], "647201**********");
    // The conflict matrix shows the recusal with its kind.
    let matrix = app
        .get(&format!("/audit/formasi/{}/konflik", f.formation_id))
        .await;
    assert!(matrix.body.contains("data-declared=\"conflict\""));
    assert!(matrix.body.contains("keluarga"));
    // The workspace is linked from the auditor's navigation.
    let home = app.get("/akun").await;
    assert!(home.body.contains("href=\"/audit\""));
    // The OpenAPI document describes the audit API.
    let doc = app.get("/api/openapi.json").await;
    assert!(doc.body.contains("/api/v1/audit/events"));
    assert!(doc.body.contains("/api/v1/audit/rounds/{id}/analytics"));
}

/// Write routes anyone may use on their own behalf (log in and out,
/// self-registration, password reset, the public status check, one's own
/// password, one's own API tokens): not part of the auditor's refusal matrix.
const SELF_SERVICE: [&str; 12] = [
    "/masuk",
    "/keluar",
    "/daftar",
    "/lupa-sandi",
    "/atur-ulang-sandi",
    "/verifikasi-email/kirim-ulang",
    "/undangan",
    "/cek-status",
    "/cek-status/bukti",
    "/akun/sandi",
    "/akun/token",
    "/akun/token/{id}/cabut",
];

/// The HTML routes of `src/router.rs` that accept POST, PUT, PATCH or DELETE.
fn html_write_routes() -> Vec<String> {
    let source = include_str!("../../src/router.rs");
    source
        .split(".route(")
        .skip(1)
        .filter_map(|chunk| {
            let path = chunk.trim_start().strip_prefix('"')?.split('"').next()?;
            let writes = ["post(", "put(", "patch(", "delete("]
                .iter()
                .any(|m| chunk.contains(m));
            (writes && path.starts_with('/') && !path.starts_with("/api/")).then(|| path.to_owned())
        })
        .collect()
}

/// Real ids to put into route parameters, so refusals are not mere 404s.
struct Ids {
    round: Uuid,
    formation: Uuid,
    panel: Uuid,
    panelist: Uuid,
    application: Uuid,
}

fn fill(path: &str, f: &Ids, slug: &str) -> String {
    let mut out = path.to_owned();
    let id_for = |p: &str| -> String {
        if p.starts_with("/admin/seleksi") || p.starts_with("/api/v1/admin/rounds") {
            f.round.to_string()
        } else if p.starts_with("/admin/akun") || p.starts_with("/api/v1/admin/staff") {
            f.panelist.to_string()
        } else {
            f.application.to_string()
        }
    };
    let id = id_for(path);
    for (k, v) in [
        ("{id}", id.as_str()),
        ("{slug}", slug),
        ("{panel}", &f.panel.to_string()),
        ("{panel_id}", &f.panel.to_string()),
        ("{formation}", &f.formation.to_string()),
        ("{formation_id}", &f.formation.to_string()),
        ("{account}", &f.panelist.to_string()),
        ("{account_id}", &f.panelist.to_string()),
        ("{code}", KEL),
    ] {
        out = out.replace(k, v);
    }
    // Any other parameter: a well-formed id that names nothing.
    while let (Some(a), Some(b)) = (out.find('{'), out.find('}')) {
        out.replace_range(a..=b, &Uuid::now_v7().to_string());
    }
    out
}

#[tokio::test]
async fn an_auditor_is_refused_on_every_write_route_and_the_trail_stays_unchanged() {
    let f = fixture().await;
    let slug = "rekrutmen-pokmas-2026";
    let ids = Ids {
        round: f.round_id,
        formation: f.formation_id,
        panel: f.panel_id,
        panelist: f.panelists[0],
        application: f.apps[0].0,
    };
    let mut app = f.app;
    login_as(&mut app, "auditor@contoh.id", Role::Auditor, &[]).await;
    let before = audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    let csrf = hidden_value(&app.get("/akun").await.body, "csrf").expect("csrf on /akun");

    let html = html_write_routes();
    assert!(html.len() >= 30, "the router's write routes: {html:?}");
    let mut tried = 0;
    for route in html.iter().filter(|r| !SELF_SERVICE.contains(&r.as_str())) {
        let path = fill(route, &ids, slug);
        let res = if route.ends_with("/formulir") {
            // The application form is multipart.
            let boundary = "batasbatas";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}--\r\n"
            );
            app.send(
                axum::http::Request::post(&path)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(axum::body::Body::from(body))
                    .expect("request"),
            )
            .await
        } else {
            app.post_form(
                &path,
                &[
                    ("csrf", &csrf),
                    ("confirm", "yes"),
                    ("reason", "audit"),
                    ("state", "final"),
                    ("name", "x"),
                ],
            )
            .await
        };
        assert!(
            matches!(res.status.as_u16(), 403 | 404),
            "auditor POST {route} → {} {}",
            res.status,
            res.location().unwrap_or_default()
        );
        tried += 1;
    }

    let doc: serde_json::Value = json(&app.get("/api/openapi.json").await);
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() || path == "/api/v1/status-check" {
                continue;
            }
            let uri = fill(path, &ids, slug);
            let req = axum::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    r#"{"state":"final","reason":"audit","name":"x","count":1}"#,
                ))
                .expect("request");
            let res = app.send(req).await;
            assert!(
                res.status.is_client_error() && res.status != 429,
                "auditor {method} {path} → {} {}",
                res.status,
                res.body
            );
            tried += 1;
        }
    }
    assert!(tried >= 60, "only {tried} write routes tried");
    let after = audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(before, after, "an auditor changed nothing");
}
