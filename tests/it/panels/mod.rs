//! Panels, the fit & proper test schedule and the round dashboard,
//! through the real router as an admin would click it.
//!
//! Applications come from a small fixture that inserts `application` rows
//! directly: the application form and the verification flow are built
//! elsewhere, and these journeys only need applications in a given state.

use axum::http::StatusCode;
use pokmas::db::entities::{panel, panel_formation, panel_member, test_invitation};
use pokmas::domain::role::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::support::{Browser, PASSWORD, TestApp, hidden_value, login_redirect};

mod fixture;

use fixture::*;

async fn journey(mut app: TestApp) {
    app = signed_in_admin(app).await;
    let id = round_with_formations(&mut app).await;
    let km = formation_of(&app, id, KARANG_MUMUS).await;
    let pl = formation_of(&app, id, PELABUHAN).await;

    // Arrange: three panelists covering Karang Mumus and Pelabuhan.
    let mut panelists = Vec::new();
    for n in 1..=3 {
        panelists.push(
            app.create_user(
                &format!("penguji{n}@contoh.id"),
                Role::Panelist,
                &[KARANG_MUMUS, PELABUHAN],
            )
            .await,
        );
    }
    // Eligible: four in Karang Mumus, one in Pelabuhan; plus one awaiting
    // verification in Bugis, one draft and one ineligible.
    for seq in 1..=4 {
        application_in(&app, id, KARANG_MUMUS, seq, "eligible").await;
    }
    application_in(&app, id, PELABUHAN, 1, "eligible").await;
    application_in(&app, id, BUGIS, 1, "submitted").await;
    application_in(&app, id, KARANG_MUMUS, 9, "draft").await;
    application_in(&app, id, PELABUHAN, 2, "ineligible").await;

    // The round page links the dashboard.
    let round_page = app.get(&format!("/admin/seleksi/{id}")).await;
    assert!(
        round_page
            .body
            .contains(&format!("/admin/seleksi/{id}/dasbor"))
    );

    // A panel is formed: flagged until it has min_panelists (3) members.
    let panel = create_panel(&mut app, id, "Panel Samarinda Kota I").await;
    let dash = app.get(&format!("/admin/seleksi/{id}/dasbor")).await;
    assert!(
        dash.body.contains("Panel Samarinda Kota I: 0 / 3"),
        "{}",
        dash.body
    );
    for p in &panelists {
        let res = add_member(&mut app, id, panel, *p).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let res = set_formations(&mut app, id, panel, &[km, pl]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&format!("/admin/seleksi/{id}/panel")).await;
    assert!(!page.body.contains("Anggota kurang"), "{}", page.body);

    // Two sessions: three seats, then five.
    let res = schedule_session(
        &mut app,
        id,
        panel,
        &in_days(10),
        "Aula Kelurahan Karang Mumus",
        "3",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = schedule_session(
        &mut app,
        id,
        panel,
        &in_days(11),
        "Kantor Kecamatan Samarinda Kota",
        "5",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // A double click (same idempotency key) schedules one session.
    let page = app.get(&format!("/admin/seleksi/{id}/uji")).await;
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let panel_text = panel.to_string();
    let date = in_days(12);
    for _ in 0..2 {
        let res = app
            .post_form(
                &format!("/admin/seleksi/{id}/uji"),
                &[
                    ("csrf", &csrf),
                    ("idempotency_key", &key),
                    ("date", &date),
                    ("time", "13:00"),
                    ("place", "Cadangan"),
                    ("capacity", "1"),
                    ("panel", &panel_text),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let ss = sessions(&app, id).await;
    assert_eq!(ss.len(), 3);
    // Stored in UTC: 09:00 WITA is 01:00 UTC.
    assert_eq!(ss[0].starts_at.to_offset(time::UtcOffset::UTC).hour(), 1);

    // Automatic fill respects capacity and registration-number order.
    let sched = format!("/admin/seleksi/{id}/uji");
    let res = post(&mut app, &sched, &format!("{sched}/{}/isi", ss[0].id), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("3 pendaftar diundang"), "{}", res.body);
    let first = invitations_of(&app, ss[0].id).await;
    assert_eq!(first.len(), 3);
    // Filling again: the session is full, nothing changes.
    let res = post(&mut app, &sched, &format!("{sched}/{}/isi", ss[0].id), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Sesi ini sudah penuh."));
    let res = post(&mut app, &sched, &format!("{sched}/{}/isi", ss[1].id), &[]).await;
    assert!(res.body.contains("2 pendaftar diundang"), "{}", res.body);
    assert_eq!(invitations_of(&app, ss[1].id).await.len(), 2);

    let invited = events(&app, "test.invited").await;
    assert_eq!(invited.len(), 5);
    let regs: Vec<String> = invited
        .iter()
        .map(|e| {
            let p: serde_json::Value = serde_json::from_str(&e.payload).expect("json");
            p["registration_no"]
                .as_str()
                .expect("registration_no")
                .to_owned()
        })
        .collect();
    assert_eq!(
        &regs[..3],
        [
            "SKT-2027-1001-0001",
            "SKT-2027-1001-0002",
            "SKT-2027-1001-0003"
        ],
        "registration-number order"
    );
    assert!(invited[0].payload.contains(&ss[0].id.to_string()));
    // Invitation mails are in the outbox; the draft and the Bugis applicant got none.
    let mail = app.last_mail_to("warga10011@contoh.id").await;
    assert_eq!(mail.template, "test_invitation");
    assert!(
        mail.subject.contains("SKT-2027-1001-0001"),
        "{}",
        mail.subject
    );
    assert!(mail.body_text.contains("Aula Kelurahan Karang Mumus"));
    assert!(mail.body_text.contains("09.00 WITA"), "{}", mail.body_text);
    assert!(app.mails_to("warga10041@contoh.id").await.is_empty());

    // Manual move: into a full session is refused, out of it works.
    let moving = first[0].id;
    let res = post(
        &mut app,
        &sched,
        &format!("{sched}/undangan/{moving}/pindah"),
        &[("session", &ss[1].id.to_string())],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(invitations_of(&app, ss[1].id).await.len(), 3);
    assert_eq!(events(&app, "test.moved").await.len(), 1);
    let back = invitations_of(&app, ss[1].id).await[0].id;
    let res = post(
        &mut app,
        &sched,
        &format!("{sched}/undangan/{back}/pindah"),
        &[("session", &ss[0].id.to_string())],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // Into a full session: refused, nothing moves.
    let stay = invitations_of(&app, ss[1].id).await[0].id;
    let res = post(
        &mut app,
        &sched,
        &format!("{sched}/undangan/{stay}/pindah"),
        &[("session", &ss[0].id.to_string())],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Sesi tujuan sudah penuh."),
        "{}",
        res.body
    );
    assert_eq!(invitations_of(&app, ss[0].id).await.len(), 3);
    assert_eq!(events(&app, "test.moved").await.len(), 2);

    // Attendance only during assessment.
    let inv = invitations_of(&app, ss[0].id).await;
    let res = post(
        &mut app,
        &sched,
        &format!("{sched}/undangan/{}/kehadiran", inv[0].id),
        &[("attendance", "present")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("hanya dicatat saat tahap uji"),
        "{}",
        res.body
    );
    set_round_state(&app, id, "assessment").await;
    let all: Vec<test_invitation::Model> = [
        invitations_of(&app, ss[0].id).await,
        invitations_of(&app, ss[1].id).await,
    ]
    .concat();
    let absent = all[0].id;
    for inv in &all {
        let value = if inv.id == absent {
            "absent"
        } else {
            "present"
        };
        let res = post(
            &mut app,
            &sched,
            &format!("{sched}/undangan/{}/kehadiran", inv.id),
            &[("attendance", value)],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    // The absence is visible, then decided.
    let page = app.get(&sched).await;
    assert!(page.body.contains("Ketidakhadiran belum diputuskan."));
    let res = post(
        &mut app,
        &sched,
        &format!("{sched}/undangan/{absent}/keputusan"),
        &[("decision", "Sakit dengan surat dokter; dijadwalkan ulang.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let decided = test_invitation::Entity::find_by_id(absent)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("invitation");
    assert_eq!(decided.attendance.as_deref(), Some("absent"));
    assert!(decided.decided_by.is_some());
    let page = app.get(&sched).await;
    assert!(page.body.contains("Sakit dengan surat dokter"));
    assert_eq!(events(&app, "test.attendance_recorded").await.len(), 5);
    let ev = events(&app, "test.absence_decided").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        ev[0].reason,
        "Sakit dengan surat dokter; dijadwalkan ulang."
    );

    // The dashboard.
    let dash = app.get(&format!("/admin/seleksi/{id}/dasbor")).await;
    assert_eq!(dash.status, StatusCode::OK);
    // The funnel is cumulative: all eight applications registered, the draft
    // never submitted, the ineligible and the Bugis one not (yet) eligible.
    let steps: Vec<u64> = ["registered", "submitted", "eligible", "invited", "attended"]
        .iter()
        .map(|s| funnel(&dash.body, s))
        .collect();
    assert_eq!(steps, [8, 7, 5, 5, 4]);
    assert!(steps.windows(2).all(|w| w[0] >= w[1]), "{steps:?}");
    assert_eq!(funnel(&dash.body, "drafts"), 1);
    assert_eq!(funnel(&dash.body, "absent"), 1);
    assert_eq!(
        funnel(&dash.body, "withdrawn"),
        0,
        "withdrawals are counted apart"
    );
    assert!(dash.body.contains("Terdaftar"), "{}", dash.body);
    assert!(
        dash.body.contains("64.72.09.1004 Bugis"),
        "backlog: {}",
        dash.body
    );
    assert!(dash.body.contains("Semua panel cukup anggota."));
    assert!(dash.body.contains("Formasi tanpa panel"));

    // Removing a member flags the panel again.
    let path = format!("/admin/seleksi/{id}/panel");
    let res = post(
        &mut app,
        &path,
        &format!("{path}/{panel}/anggota/{}/hapus", panelists[2]),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let dash = app.get(&format!("/admin/seleksi/{id}/dasbor")).await;
    assert!(
        dash.body.contains("Panel Samarinda Kota I: 2 / 3"),
        "{}",
        dash.body
    );

    for action in [
        "panel.created",
        "panel.member_added",
        "panel.member_removed",
        "panel.formations_set",
        "test_session.created",
    ] {
        assert!(!events(&app, action).await.is_empty(), "{action}");
    }
}

#[tokio::test]
async fn an_admin_forms_a_panel_schedules_the_test_invites_and_records_attendance_on_sqlite() {
    journey(TestApp::new().await).await;
}

#[tokio::test]
async fn an_admin_forms_a_panel_schedules_the_test_invites_and_records_attendance_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        journey(app).await;
    }
}

#[tokio::test]
async fn every_panel_schedule_and_dashboard_route_is_refused_to_everyone_but_admins() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = round_with_formations(&mut app).await;
    let panel = create_panel(&mut app, id, "Panel A").await;
    let x = Uuid::now_v7();
    let gets = [
        format!("/admin/seleksi/{id}/panel"),
        format!("/admin/seleksi/{id}/uji"),
        format!("/admin/seleksi/{id}/dasbor"),
    ];
    let posts = [
        format!("/admin/seleksi/{id}/panel"),
        format!("/admin/seleksi/{id}/panel/{panel}/anggota"),
        format!("/admin/seleksi/{id}/panel/{panel}/anggota/{x}/hapus"),
        format!("/admin/seleksi/{id}/panel/{panel}/formasi"),
        format!("/admin/seleksi/{id}/uji"),
        format!("/admin/seleksi/{id}/uji/{x}/isi"),
        format!("/admin/seleksi/{id}/uji/undangan/{x}/pindah"),
        format!("/admin/seleksi/{id}/uji/undangan/{x}/kehadiran"),
        format!("/admin/seleksi/{id}/uji/undangan/{x}/keputusan"),
    ];
    let before = audit_count(&app).await;

    let admin_jar = app.switch_browser(Browser::default());
    for path in &gets {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous GET {path}");
        assert_eq!(
            res.location(),
            Some(login_redirect(path).as_str()),
            "anonymous GET {path}"
        );
    }
    for path in &posts {
        let res = app.post_form(path, &[("name", "Panel B")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "anonymous POST {path}");
        assert_eq!(res.location(), Some("/masuk"), "anonymous POST {path}");
    }

    for (email, role, scope) in [
        ("operator@contoh.id", Role::Operator, vec![KARANG_MUMUS]),
        ("panelis@contoh.id", Role::Panelist, vec![KARANG_MUMUS]),
        ("auditor@contoh.id", Role::Auditor, vec![]),
        ("warga@contoh.id", Role::Applicant, vec![]),
    ] {
        app.create_user(email, role, &scope).await;
        app.switch_browser(Browser::default());
        let res = app.login(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{email} logs in");
        let home = app.get("/").await.body;
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
                        ("name", "Panel B"),
                        ("attendance", "present"),
                        ("decision", "x"),
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
    // Only the four account creations were recorded.
    assert_eq!(audit_count(&app).await, before + 4);
    assert_eq!(
        panel::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn bad_session_members_and_formations_are_refused_with_a_clear_message_and_change_nothing() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = round_with_formations(&mut app).await;
    let km = formation_of(&app, id, KARANG_MUMUS).await;
    let first = create_panel(&mut app, id, "Panel A").await;
    let second = create_panel(&mut app, id, "Panel B").await;
    let res = set_formations(&mut app, id, first, &[km]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let before = audit_count(&app).await;

    // Capacity 0, typed values kept.
    let res = schedule_session(&mut app, id, first, &in_days(5), "Aula Kelurahan", "0").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Kapasitas harus bilangan bulat 1–500."),
        "{}",
        res.body
    );
    assert!(res.body.contains("value=\"Aula Kelurahan\""));
    // A date in the past.
    let res = schedule_session(&mut app, id, first, &in_days(-2), "Aula Kelurahan", "10").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("harus di masa depan"), "{}", res.body);
    // Nonsense everywhere: still a page, never a 500.
    let path = format!("/admin/seleksi/{id}/uji");
    let res = post(
        &mut app,
        &path,
        &path,
        &[
            ("date", "besok"),
            ("time", "25:99"),
            ("capacity", "banyak"),
            ("panel", "x"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Pilih panel penguji."));
    assert!(sessions(&app, id).await.is_empty());

    // A non-panelist added to a panel.
    let operator = app
        .create_user("operator@contoh.id", Role::Operator, &[KARANG_MUMUS])
        .await;
    let before = before + 1;
    let res = add_member(&mut app, id, first, operator).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Pilih akun aktif dengan peran panelis."),
        "{}",
        res.body
    );
    // A panelist without the scope of the panel's kelurahan: the admin is told.
    let outsider = app
        .create_user("luar@contoh.id", Role::Panelist, &[BUGIS])
        .await;
    let before = before + 1;
    let res = add_member(&mut app, id, first, outsider).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("tidak memiliki cakupan kelurahan 64.72.09.1001"),
        "{}",
        res.body
    );
    assert_eq!(
        panel_member::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        0
    );

    // A formation given to a second panel.
    let res = set_formations(&mut app, id, second, &[km]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("sudah dinilai oleh panel"),
        "{}",
        res.body
    );
    let links = panel_formation::Entity::find()
        .all(&app.db.db)
        .await
        .expect("links");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].panel_id, first);

    // A duplicate panel name, and an unknown panel or session in the path.
    let panels = format!("/admin/seleksi/{id}/panel");
    let res = post(&mut app, &panels, &panels, &[("name", "Panel A")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Sudah ada panel bernama"));
    let res = post(
        &mut app,
        &panels,
        &format!("{panels}/{}/anggota", Uuid::now_v7()),
        &[("account_id", "bukan-uuid")],
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unreadable account first"
    );
    let res = post(&mut app, &path, &format!("{path}/bukan-uuid/isi"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    assert_eq!(audit_count(&app).await, before, "nothing recorded");
}
