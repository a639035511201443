//! Panels and the test schedule through the admin JSON API: members,
//! sessions, invitations, attendance, and the authorization of every read.

use axum::http::{Method, StatusCode};
use pokmas::db::audit::Actor;
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::admin::*;
use crate::support::api::{call, id_of, json_of, post_json, signed_in};
use crate::support::journey::advance;
use crate::support::verification::*;
use crate::support::{Browser, PASSWORD, TestApp};

#[tokio::test]
async fn an_admin_forms_a_panel_schedules_a_session_fills_it_and_records_attendance_through_json() {
    use pokmas::db::entities::test_invitation;
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let panelist = app
        .create_user(
            "panelis@samarindakota.go.id",
            Role::Panelist,
            &[KARANG_MUMUS],
        )
        .await;
    let InVerification { round, ktp, km, .. } = verification_round(&mut app, admin).await;
    let km_app = km.id;
    // Karang Mumus' applicant is eligible, so there is someone to invite.
    let res = post_json(
        &mut app,
        &format!("/api/v1/operator/applications/{km_app}/verification"),
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]}),
    )
    .await;
    assert_eq!(json_of(&res)["eligible"], true, "{}", res.body);

    let base = format!("/api/v1/admin/rounds/{round}");
    let res = post_json(&mut app, &format!("{base}/panels"), &json!({"name": ""})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(json_of(&res)["fields"]["name"].is_string());
    let res = post_json(
        &mut app,
        &format!("{base}/panels"),
        &json!({"name": "Panel Karang Mumus"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let panel = id_of(&res);
    // A taken name is well formed: the round refuses it as a conflict.
    let res = post_json(
        &mut app,
        &format!("{base}/panels"),
        &json!({"name": "Panel Karang Mumus"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        json_of(&res)["message"]
            .as_str()
            .is_some_and(|m| m.contains("Panel Karang Mumus")),
        "{}",
        res.body
    );

    let km_formation = formation_over(&app, round, KARANG_MUMUS).await;
    staff_panel(&mut app, round, panel, &[panelist], &[km_formation]).await;
    let res = app.get(&format!("{base}/panels")).await;
    let list = json_of(&res);
    assert_eq!(
        list[0]["members"][0]["account_id"],
        json!(panelist),
        "{list}"
    );
    assert_eq!(list[0]["formations"], json!([km_formation]), "{list}");

    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(12)).date();
    let res = post_json(
        &mut app,
        &format!("{base}/sessions"),
        &json!({"date": date.to_string(), "time": "09:00", "place": "Aula Kelurahan",
            "capacity": 10, "panel_id": panel}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let session = json_of(&res)["id"].as_str().expect("id").to_owned();
    let res = post_json(
        &mut app,
        &format!("{base}/sessions/{session}/fill"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["invited"], 1);
    let invitation = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(km_app))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("invitation")
        .id;
    let attendance = format!("{base}/invitations/{invitation}/attendance");
    let res = post_json(&mut app, &attendance, &json!({"attendance": "maybe"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = post_json(&mut app, &attendance, &json!({"attendance": "present"})).await;
    // Attendance belongs to the assessment stage: refused with the reason before it.
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        json_of(&res)["message"]
            .as_str()
            .is_some_and(|m| m.contains("uji"))
    );
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    advance(&app, actor, round, RoundState::Assessment).await;
    let res = post_json(&mut app, &attendance, &json!({"attendance": "present"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn an_admin_reads_the_test_schedule_with_attendance_and_the_absence_decision_and_the_funnel_adds_up()
 {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let base = format!("/api/v1/admin/rounds/{}", fx.round);
    let path = format!("{base}/sessions");

    let res = app.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(&res);
    assert_eq!(s["waiting"], 0, "{s}");
    let invited = json!({
        "id": fx.invitation,
        "application_id": fx.km_app,
        "registration_no": fx.registration_no,
        "full_name": format!("Pemohon {KARANG_MUMUS}"),
        "formation_code": KARANG_MUMUS.replace('.', ""),
        "attendance": null,
        "absence_decision": null,
        "decided_by": null,
    });
    assert_eq!(
        s["sessions"],
        json!([
            {"id": fx.sessions[0], "date": in_days(11), "time": "09:00",
             "starts_at": s["sessions"][0]["starts_at"], "place": "Aula Kelurahan Karang Mumus",
             "capacity": 5, "panel_id": fx.panel, "panel_name": "Panel Karang Mumus",
             "invitations": [invited]},
            {"id": fx.sessions[1], "date": in_days(12), "time": "09:00",
             "starts_at": s["sessions"][1]["starts_at"], "place": "Kantor Camat Samarinda Kota",
             "capacity": 5, "panel_id": fx.panel, "panel_name": "Panel Karang Mumus",
             "invitations": []},
        ])
    );
    // 09:00 WITA is 01:00 UTC.
    assert!(
        s["sessions"][0]["starts_at"]
            .as_str()
            .is_some_and(|t| t.starts_with(&format!("{}T01:00:00", in_days(11)))),
        "{s}"
    );

    // At the test the applicant does not come; the admin records why.
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    advance(&app, actor, fx.round, RoundState::Assessment).await;
    let inv = format!("{base}/invitations/{}", fx.invitation);
    let res = post_json(
        &mut app,
        &format!("{inv}/attendance"),
        &json!({"attendance": "absent"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let decision = "Sakit dengan surat dokter; dijadwalkan ulang.";
    let res = post_json(
        &mut app,
        &format!("{inv}/decision"),
        &json!({"decision": decision}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(&app.get(&path).await);
    let row = &s["sessions"][0]["invitations"][0];
    assert_eq!(row["attendance"], "absent", "{s}");
    assert_eq!(row["absence_decision"], decision, "{s}");
    assert_eq!(
        row["decided_by"], "Pengguna admin@samarindakota.go.id",
        "{s}"
    );
    assert_eq!(events_named(&app, "test.absence_decided").await, 1);

    // The funnel, cumulative: both registered and submitted, one eligible and
    // invited, nobody attended; Pelabuhan still waits for verification.
    let d = json_of(&app.get(&format!("{base}/dashboard")).await);
    let steps: Vec<u64> = ["registered", "submitted", "eligible", "invited", "attended"]
        .iter()
        .map(|k| d[k].as_u64().unwrap_or_else(|| panic!("{k}: {d}")))
        .collect();
    assert_eq!(steps, [2, 2, 1, 1, 0], "{d}");
    assert!(steps.windows(2).all(|w| w[0] >= w[1]), "{steps:?}");
    assert_eq!(
        (d["drafts"].as_u64(), d["absent"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(d["backlog"][0]["kelurahan_code"], PELABUHAN, "{d}");
}

#[tokio::test]
async fn an_admin_moves_an_invitation_to_another_session_and_the_applicant_is_mailed_the_new_place()
{
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let mails = app.mails_to(APPLICANT_EMAIL).await.len();
    let path = format!(
        "/api/v1/admin/rounds/{}/invitations/{}/move",
        fx.round, fx.invitation
    );

    let res = post_json(&mut app, &path, &json!({"session_id": fx.sessions[1]})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(
        &app.get(&format!("/api/v1/admin/rounds/{}/sessions", fx.round))
            .await,
    );
    assert_eq!(s["sessions"][0]["invitations"], json!([]), "{s}");
    assert_eq!(
        s["sessions"][1]["invitations"][0]["id"],
        json!(fx.invitation)
    );
    assert_eq!(
        s["sessions"][1]["invitations"][0]["application_id"],
        json!(fx.km_app)
    );
    let sent = app.mails_to(APPLICANT_EMAIL).await;
    assert_eq!(sent.len(), mails + 1);
    let mail = sent.last().expect("mail");
    assert_eq!(mail.template, "test_invitation");
    assert!(
        mail.subject.contains(&fx.registration_no),
        "{}",
        mail.subject
    );
    assert!(
        mail.body_text.contains("Kantor Camat Samarinda Kota"),
        "{}",
        mail.body_text
    );
    assert_eq!(events_named(&app, "test.moved").await, 1);

    // Into the session it is already in: refused, no second mail.
    let res = post_json(&mut app, &path, &json!({"session_id": fx.sessions[1]})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["session"].is_string(),
        "{}",
        res.body
    );
    assert_eq!(app.mails_to(APPLICANT_EMAIL).await.len(), mails + 1);
}

#[tokio::test]
async fn an_admin_removes_a_panelist_through_json_and_the_panel_loses_the_member() {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let panels = format!("/api/v1/admin/rounds/{}/panels", fx.round);
    let list = json_of(&app.get(&panels).await);
    assert_eq!(list[0]["members"][0]["account_id"], json!(fx.panelist));

    let member = format!("{panels}/{}/members/{}", fx.panel, fx.panelist);
    let res = call(&mut app, Method::DELETE, &member, &json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = json_of(&app.get(&panels).await);
    assert_eq!(list[0]["members"], json!([]), "{list}");
    assert_eq!(list[0]["short"], true);
    let d = json_of(
        &app.get(&format!("/api/v1/admin/rounds/{}/dashboard", fx.round))
            .await,
    );
    assert_eq!(d["short_panels"], json!(["Panel Karang Mumus"]), "{d}");
    assert_eq!(events_named(&app, "panel.member_removed").await, 1);

    // Removing them again: there is no such membership.
    let res = call(&mut app, Method::DELETE, &member, &json!({})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(events_named(&app, "panel.member_removed").await, 1);
}

/// Every admin and operator read, with real ids of [`scheduled_round`] so a
/// 404 cannot pass for a refusal: `(path, operator of the kelurahan may)`.
fn reads(fx: &Scheduled) -> Vec<(String, bool)> {
    let r = format!("/api/v1/admin/rounds/{}", fx.round);
    let a = format!("/api/v1/operator/applications/{}", fx.km_app);
    vec![
        ("/api/v1/admin/rounds".into(), false),
        (r.clone(), false),
        (format!("{r}/panels"), false),
        (format!("{r}/dashboard"), false),
        (format!("{r}/sessions"), false),
        (format!("{r}/formations.csv"), false),
        ("/api/v1/admin/approvals".into(), false),
        ("/api/v1/admin/staff".into(), false),
        ("/api/v1/operator/verification".into(), true),
        (a.clone(), true),
        (format!("{a}/documents/{}", fx.document), true),
    ]
}

#[tokio::test]
async fn every_admin_and_operator_read_refuses_anonymous_callers_and_other_roles_and_answers_an_admin()
 {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let all = reads(&fx);

    // The admin reads every one of them.
    for (p, _) in &all {
        let res = app.get(p).await;
        assert_eq!(res.status, StatusCode::OK, "admin {p}: {}", res.body);
    }

    app.switch_browser(Browser::default());
    for (p, _) in &all {
        let res = app.get(p).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{p}: {}", res.body);
        assert_eq!(json_of(&res)["error"], "login_required", "{p}");
    }

    // Auditors read everything too, but through their own read-only routes
    // (/api/v1/audit/…): the admin and operator routes are not
    // theirs, as on the HTML side (/admin/…, /petugas/…).
    for (email, role, scope) in [
        ("warga@example.com", Role::Applicant, &[][..]),
        ("panelis@example.com", Role::Panelist, &[KARANG_MUMUS][..]),
        ("auditor@example.com", Role::Auditor, &[][..]),
        ("op.km@example.com", Role::Operator, &[KARANG_MUMUS][..]),
    ] {
        app.switch_browser(Browser::default());
        signed_in(&mut app, email, role, scope).await;
        for (p, operator_may) in &all {
            let res = app.get(p).await;
            if role == Role::Operator && *operator_may {
                assert_eq!(res.status, StatusCode::OK, "{role:?} {p}: {}", res.body);
                continue;
            }
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "{role:?} {p}: {}",
                res.body
            );
            assert_eq!(json_of(&res)["error"], "forbidden", "{role:?} {p}");
        }
    }

    // An operator of another kelurahan: the application and its document do
    // not exist for them, and their queue does not list it.
    app.switch_browser(Browser::default());
    signed_in(&mut app, "op.pel@example.com", Role::Operator, &[PELABUHAN]).await;
    for (p, operator_may) in &all {
        let res = app.get(p).await;
        let expected = match (*operator_may, p.as_str()) {
            (false, _) => StatusCode::FORBIDDEN,
            (true, "/api/v1/operator/verification") => StatusCode::OK,
            (true, _) => StatusCode::NOT_FOUND,
        };
        assert_eq!(res.status, expected, "op.pel {p}: {}", res.body);
        assert!(
            !res.body.contains(&fx.km_app.to_string()),
            "op.pel {p}: {}",
            res.body
        );
    }

    // The auditor's way to the same round's formations file.
    app.switch_browser(Browser::default());
    let res = app.login("auditor@example.com", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = app
        .get(&format!(
            "/api/v1/audit/rounds/{}/exports/formations.csv",
            fx.round
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}
