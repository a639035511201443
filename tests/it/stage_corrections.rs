//! Correcting the imported values of a stage after its shortlist is
//! published: a four-eyes request that, once approved, changes the values
//! and publishes the shortlist again in one transaction (invitations of
//! those pushed below the cut withdrawn, every event caused), and that is
//! refused once the next stage's shortlist is published.

use axum::http::StatusCode;
use pokmas::db::entities::{
    approval, audit_checkpoint, audit_event, criterion, imported_value, test_invitation,
};
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::results::{as_user, post_from};
use crate::stage_republish::{
    all_entries, give_accounts, import_values, invite_to_the_interview_anew, publish_stage,
    three_stage_fixture,
};
use crate::standings::Fixture;
use crate::support::admin::audit_count;
use crate::support::api::{json_of, post_json};
use crate::support::journey::post_multipart;
use crate::support::{Browser, TestApp};

const REASON: &str = "Nilai tes tertulis C salah ketik: lembar jawabannya 85, bukan 60.";
const B_EMAIL: &str = "pelamar.b@contoh.id";
const C_EMAIL: &str = "pelamar.c@contoh.id";

/// The staged fixture's written test A 90, B 70, C 60, D 40 imported and
/// its shortlist published by the first admin (whose browser is current):
/// A and B go on (the best 2 × 1 seat), C and D do not. A second admin
/// exists; B and C have accounts.
async fn published_written_test(f: &mut Fixture) {
    f.app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    give_accounts(f, &[(1, B_EMAIL), (2, C_EMAIL)]).await;
    as_user(&mut f.app, "admin@contoh.id").await;
    let res = import_values(f, "WT", &[(0, 90), (1, 70), (2, 60), (3, 40)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    publish_stage(f, "TERTULIS").await;
}

/// Who goes on from the written test, A–D.
async fn went_on(f: &Fixture) -> Vec<bool> {
    let entries = all_entries(f).await;
    f.apps
        .iter()
        .map(|(id, _)| {
            entries
                .iter()
                .any(|e| e.0 == "TERTULIS" && e.1 == *id && e.2)
        })
        .collect()
}

/// The stored written-test value of applicant `i`.
async fn written_value(f: &Fixture, i: usize) -> Option<i32> {
    let wt = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(f.round_id))
        .filter(criterion::Column::Code.eq("WT"))
        .one(&f.app.db.db)
        .await
        .expect("query")
        .expect("WT");
    imported_value::Entity::find()
        .filter(imported_value::Column::CriterionId.eq(wt.id))
        .filter(imported_value::Column::ApplicationId.eq(f.apps[i].0))
        .one(&f.app.db.db)
        .await
        .expect("query")
        .map(|v| v.value)
}

/// Posts C's corrected written test (85) on the import page with `reason`.
async fn correct_c(f: &mut Fixture, reason: &str) -> crate::support::TestResponse {
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let csrf = f.app.csrf_from(&page).await;
    let csv = format!("registration_no,value\n{},85\n", f.apps[2].1);
    post_multipart(
        &mut f.app,
        &page,
        &[
            ("csrf", &csrf),
            ("criterion", "WT"),
            ("csv", &csv),
            ("reason", reason),
        ],
        &[],
    )
    .await
}

/// The pending request of a file of imported values.
async fn pending_import(f: &Fixture) -> Uuid {
    approval::Entity::find()
        .filter(approval::Column::Kind.eq("imported_values.replace"))
        .filter(approval::Column::Status.eq(pokmas::domain::approval::ApprovalStatus::Pending))
        .one(&f.app.db.db)
        .await
        .expect("query")
        .expect("a pending request")
        .id
}

/// The events of `action`, oldest first, with their payloads.
async fn events(f: &Fixture, action: &str) -> Vec<(audit_event::Model, Value)> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&f.app.db.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| {
            let p = serde_json::from_str(&e.payload).expect("payload");
            (e, p)
        })
        .collect()
}

/// The re-publication a correction caused: it replaces the first
/// publication, names the approval, and its cause is `approval.approved`.
async fn republished_by_the_correction(f: &Fixture, approval_id: Uuid) -> i64 {
    let published = events(f, "stage.shortlist_published").await;
    let republished = events(f, "stage.shortlist_republished").await;
    assert_eq!(republished.len(), 1);
    let (event, payload) = &republished[0];
    let approved = events(f, "approval.approved").await;
    let approved = approved
        .iter()
        .find(|(e, _)| e.subject_id == approval_id.to_string())
        .expect("approval.approved");
    assert_eq!(payload["approval_id"], approval_id.to_string());
    assert_eq!(payload["cause_seq"], approved.0.seq);
    assert_eq!(payload["replaces_seq"], published[0].0.seq);
    assert_eq!(payload["stage"], "TERTULIS");
    // C's corrected value names the approval too.
    let set = events(f, "imported_value.set").await;
    let (_, value) = set.last().expect("the corrected value");
    assert_eq!(value["registration_no"], f.apps[2].1.as_str());
    assert_eq!(
        (value["old"].as_i64(), value["new"].as_i64()),
        (Some(60), Some(85))
    );
    assert_eq!(value["approval_id"], approval_id.to_string());
    assert!(event.seq > approved.0.seq);
    event.seq
}

#[tokio::test]
async fn an_approved_correction_of_a_written_test_republishes_its_shortlist_and_withdraws_the_invitation_of_whoever_falls_below_the_cut_on_sqlite()
 {
    an_approved_correction_republishes_the_shortlist(TestApp::new().await).await;
}

#[tokio::test]
async fn an_approved_correction_of_a_written_test_republishes_its_shortlist_and_withdraws_the_invitation_of_whoever_falls_below_the_cut_on_postgres()
 {
    let Some(app) = TestApp::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    an_approved_correction_republishes_the_shortlist(app).await;
}

async fn an_approved_correction_republishes_the_shortlist(app: TestApp) {
    let mut f = crate::stage_ranking::staged_fixture_on(app).await;
    let db = f.app.db.db.clone();
    published_written_test(&mut f).await;
    assert_eq!(went_on(&f).await, [true, true, false, false]);

    // A and B are invited to the interview (the fixture's own invitations
    // of everyone cleared first).
    invite_to_the_interview_anew(&mut f).await;
    let ids: Vec<Uuid> = f.apps.iter().map(|(id, _)| *id).collect();
    let invited = |i: usize| {
        let (db, id) = (db.clone(), ids[i]);
        async move {
            test_invitation::Entity::find()
                .filter(test_invitation::Column::ApplicationId.eq(id))
                .one(&db)
                .await
                .expect("read")
                .is_some()
        }
    };
    assert!(invited(0).await && invited(1).await);
    let b_mails = f.app.mails_to(B_EMAIL).await.len();
    let c_mails = f.app.mails_to(C_EMAIL).await.len();

    // The import page offers the correction, with a reason.
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let form = f.app.get(&page).await;
    assert!(
        form.body.contains("WT (tahap TERTULIS)"),
        "the page names the correctable criterion: {}",
        form.body
    );
    // Without a reason it is refused and nothing is stored or audited.
    let events_before = audit_count(&f.app).await;
    let res = correct_c(&mut f, "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Daftar lolos tahap TERTULIS sudah diterbitkan: koreksi nilainya memerlukan alasan tertulis"),
        "{}",
        res.body
    );
    assert_eq!(audit_count(&f.app).await, events_before);
    // With one it waits for a second admin; nothing changes yet.
    let res = correct_c(&mut f, REASON).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("menunggu persetujuan admin lain"),
        "{}",
        res.body
    );
    assert_eq!(written_value(&f, 2).await, Some(60));
    assert_eq!(went_on(&f).await, [true, true, false, false]);
    let id = pending_import(&f).await;
    let requested = events(&f, "approval.requested").await;
    assert_eq!(requested.last().expect("requested").1["stage"], "TERTULIS");

    // The second admin sees what approving does, and approves (API).
    let _admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "admin2@contoh.id").await;
    let list = f.app.get("/admin/persetujuan").await;
    assert!(
        list.body
            .contains("daftar lolos tahap TERTULIS dihitung dan diterbitkan ulang"),
        "{}",
        list.body
    );
    let res = post_json(
        &mut f.app,
        &format!("/api/v1/admin/approvals/{id}"),
        &json!({ "decision": "approve" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // C (85) now goes on with A; B (70) falls below the cut.
    assert_eq!(written_value(&f, 2).await, Some(85));
    assert_eq!(went_on(&f).await, [true, false, true, false]);
    let republished = republished_by_the_correction(&f, id).await;

    // B's invitation is withdrawn, with one event caused by the
    // re-publication, and B is told why; C gets no mail of it.
    assert!(!invited(1).await, "B uninvited");
    assert!(invited(0).await, "A keeps the invitation");
    let dropped = events(&f, "stage.dropped").await;
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].0.subject_id, f.apps[1].0.to_string());
    assert_eq!(dropped[0].1["cause_seq"], republished);
    assert_eq!(dropped[0].1["approval_id"], id.to_string());
    assert_eq!(
        dropped[0].1["withdrawn_session_id"],
        f.session_id.to_string()
    );
    let b = f.app.mails_to(B_EMAIL).await;
    assert_eq!(b.len(), b_mails + 1);
    let mail = b.last().expect("B's mail");
    assert_eq!(mail.template, "stage_dropped");
    assert!(
        mail.body_text
            .contains("koreksi nilai tahap ini yang disetujui dua admin"),
        "{}",
        mail.body_text
    );
    assert!(mail.body_text.contains("TIDAK LOLOS"), "{}", mail.body_text);
    assert_eq!(f.app.mails_to(C_EMAIL).await.len(), c_mails);

    // The standings follow the new list (interview: A 80, C 50), and a
    // signed checkpoint covers the re-publication.
    let ranks = crate::stage_ranking::stored_ranks(&f).await;
    assert_eq!(
        ranks,
        [
            (Some(1), Some("selected".into()), Some("80/1".into())),
            (None, Some("not_passed".into()), None),
            (Some(2), Some("reserve".into()), Some("50/1".into())),
            (None, Some("not_passed".into()), None),
        ]
    );
    let checkpoint = audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(&db)
        .await
        .expect("query")
        .expect("a checkpoint");
    assert!(checkpoint.seq >= republished);

    // The exports re-derive the corrected shortlist and the ranks.
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ekspor");
    let folder = folder.to_str().expect("utf8");
    let run = |args: &[&str]| {
        let o = crate::exports::pokmas(&f.app.db.url, dir.path(), args);
        (o.status.code(), crate::exports::text(&o))
    };
    let (code, out) = run(&[
        "export",
        "all",
        "--round",
        "rekrutmen-pokmas-2026",
        "--out",
        folder,
    ]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["audit", "recompute", folder]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("1 stage shortlists re-derived"), "{out}");
}

#[tokio::test]
async fn a_correction_after_the_results_are_announced_moves_the_ranks_with_ranking_changed_caused_by_its_republication()
 {
    let mut f = crate::stage_ranking::staged_fixture().await;
    published_written_test(&mut f).await;
    crate::standings::announce_provisional(&f).await;
    let changed_before = events(&f, "ranking.changed").await.len();

    // Requested through the API, approved on the approvals page.
    let res = post_json(
        &mut f.app,
        &format!("/api/v1/admin/rounds/{}/imported-values", f.round_id),
        &json!({
            "criterion": "WT",
            "csv": format!("registration_no,value\n{},85\n", f.apps[2].1),
            "reason": REASON,
        }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id: Uuid = json_of(&res)["approval_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("approval_id");
    assert_eq!(events(&f, "ranking.changed").await.len(), changed_before);
    let _admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "admin2@contoh.id").await;
    let res = post_from(
        &mut f.app,
        "/admin/persetujuan",
        &format!("/admin/persetujuan/{id}"),
        &[
            ("decision", "approve"),
            ("note", "Lembar jawaban diperiksa."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    assert_eq!(went_on(&f).await, [true, false, true, false]);
    let republished = republished_by_the_correction(&f, id).await;
    // B (reserve) is no longer ranked, C takes the reserve place: each
    // move is a ranking.changed caused by the re-publication.
    let changed: Vec<(String, Value)> = events(&f, "ranking.changed")
        .await
        .into_iter()
        .skip(changed_before)
        .map(|(_, p)| {
            (
                p["registration_no"].as_str().unwrap_or_default().to_owned(),
                p,
            )
        })
        .collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    for (no, p) in &changed {
        assert_eq!(p["cause_seq"], republished, "{no}");
    }
    let of = |i: usize| {
        changed
            .iter()
            .find(|(no, _)| *no == f.apps[i].1)
            .map(|(_, p)| {
                (
                    p["from_rank"].clone(),
                    p["to_rank"].clone(),
                    p["to_status"].clone(),
                )
            })
    };
    assert_eq!(of(1), Some((json!(2), json!(0), json!("not_passed"))));
    assert_eq!(of(2), Some((json!(0), json!(2), json!("reserve"))));
}

#[tokio::test]
async fn a_correction_is_refused_once_the_next_stages_shortlist_is_published_and_changes_nothing() {
    let mut f = three_stage_fixture().await;
    published_written_test(&mut f).await;
    let url = format!("/api/v1/admin/rounds/{}/imported-values", f.round_id);
    let body = json!({
        "criterion": "WT",
        "csv": format!("registration_no,value\n{},85\n", f.apps[2].1),
        "reason": REASON,
    });
    // Asked while the psychological test's shortlist is not out yet…
    let res = post_json(&mut f.app, &url, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let id = pending_import(&f).await;
    // …which is then published among A and B, who went on.
    let res = import_values(&mut f, "PT", &[(0, 75), (1, 85)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    publish_stage(&mut f, "PSIKO").await;
    let entries = all_entries(&f).await;
    let events_before = audit_count(&f.app).await;
    let refusal = "Daftar lolos tahap PSIKO sudah diterbitkan; nilai tahap TERTULIS tidak dapat dikoreksi lagi.";

    // A new correction: 409 in the API, the same refusal on the page.
    let res = post_json(&mut f.app, &url, &body).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(json_of(&res)["message"], refusal);
    let res = correct_c(&mut f, REASON).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains(refusal), "{}", res.body);

    // The one already asked: the second admin's approval is refused too.
    let _admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "admin2@contoh.id").await;
    let res = post_json(
        &mut f.app,
        &format!("/api/v1/admin/approvals/{id}"),
        &json!({ "decision": "approve" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(json_of(&res)["message"], refusal);

    // Nothing changed: no event, the same lists and value, the request
    // still pending.
    assert_eq!(audit_count(&f.app).await, events_before);
    assert_eq!(all_entries(&f).await, entries);
    assert_eq!(written_value(&f, 2).await, Some(60));
    assert_eq!(pending_import(&f).await, id);
}
