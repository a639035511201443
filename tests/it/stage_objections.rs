//! Objections against a published stage shortlist: filed by a candidate it
//! considered in its own window, reviewed and decided four-eyes; an upheld
//! one that changes the list re-publishes it (new event, signed
//! checkpoint) and the next stage's invitations follow the new list.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{
    account, application, audit_checkpoint, audit_event, objection, objection_stage,
    stage_shortlist, stage_shortlist_entry, test_invitation,
};
use pokmas::domain::role::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::results::{as_user, post_from};
use crate::support::journey::post_multipart;
use crate::support::{Browser, hidden_value};

const GROUNDS: &str =
    "Saya dinyatakan tidak memenuhi syarat, padahal surat keterangan domisili saya sah.";

/// Files the objection form shown in `form` (read from `form_path`) with
/// `grounds` and no file, and returns the stored objection.
pub(crate) async fn file_objection(
    app: &mut crate::support::TestApp,
    form_path: &str,
    form: &str,
    grounds: &str,
) -> objection::Model {
    let csrf = hidden_value(form, "csrf").expect("csrf");
    let key = hidden_value(form, "idempotency_key").expect("key");
    let res = post_multipart(
        app,
        form_path,
        &[
            ("csrf", csrf.as_str()),
            ("idempotency_key", key.as_str()),
            ("grounds", grounds),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    objection::Entity::find()
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("the objection")
}

/// Who the written test's published shortlist lets on, by applicant A–D.
async fn went_on(f: &crate::standings::Fixture) -> Vec<bool> {
    let entries = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(f.round_id))
        .all(&f.app.db.db)
        .await
        .expect("entries");
    f.apps
        .iter()
        .map(|(id, _)| {
            entries
                .iter()
                .find(|e| e.application_id == *id)
                .is_some_and(|e| e.advances)
        })
        .collect()
}

async fn events(f: &crate::standings::Fixture, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&f.app.db.db)
        .await
        .expect("events")
}

#[tokio::test]
async fn an_upheld_objection_against_a_shortlist_republishes_it_and_the_interview_invitations_follow()
 {
    let mut f = crate::stages::staged_fixture().await;
    let db = f.app.db.db.clone();
    let (d_id, _) = f.apps[3].clone();
    let d_email = "pelamar.d@contoh.id";
    let d_account = f.app.create_user(d_email, Role::Applicant, &[]).await;
    let admin2 = f
        .app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    as_user(&mut f.app, "admin@contoh.id").await;
    // Written test A 90, B 70, C 60, D 80; D was ruled ineligible, so of
    // 2 × 1 seat A and B go on.
    let res = crate::stages::import_written_test(&mut f, [90, 70, 60, 80]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    application::ActiveModel {
        id: Set(d_id),
        account_id: Set(Some(d_account)),
        state: Set("ineligible".parse().expect("state")),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("D ineligible, with an account");
    crate::stages::publish_written_shortlist(&mut f).await;
    assert_eq!(went_on(&f).await, [true, true, false, false]);
    let published_seq = events(&f, "stage.shortlist_published").await[0].seq;

    // D's applicant sees the shortlist's own window and files against it.
    let admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, d_email).await;
    let form_path = format!("/pendaftaran/{d_id}/sanggahan");
    let status = f.app.get(&format!("/pendaftaran/{d_id}")).await;
    assert!(
        status
            .body
            .contains(&format!("<a href=\"{form_path}\">Sanggah daftar lolos</a>")),
        "the status page leads to the form: {}",
        status.body
    );
    let form = f.app.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains("Daftar lolos tahap <strong>TERTULIS</strong> sudah diterbitkan"),
        "{}",
        form.body
    );
    let o = file_objection(&mut f.app, &form_path, &form.body, GROUNDS).await;
    let against = objection_stage::Entity::find_by_id(o.id)
        .one(&db)
        .await
        .expect("read")
        .expect("filed against the stage");
    assert_eq!(against.stage_code, "TERTULIS");
    let filed: Value =
        serde_json::from_str(&events(&f, "objection.filed").await[0].payload).expect("payload");
    assert_eq!(filed["stage"], "TERTULIS");
    let mine = f.app.get(&form_path).await;
    assert!(
        mine.body.contains("Atas daftar lolos tahap"),
        "{}",
        mine.body
    );

    // A second admin reviews; a shortlist's values are frozen, so only the
    // verification can be reopened.
    f.app.switch_browser(admin1);
    let list = format!("/admin/seleksi/{}/sanggahan", f.round_id);
    let res = post_from(
        &mut f.app,
        &list,
        &format!("/admin/sanggahan/{}/peninjau", o.id),
        &[("reviewer_id", &admin2.to_string())],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "admin2@contoh.id").await;
    let detail = format!("/sanggahan/{}", o.id);
    let reopen_card = format!("scorecard:{}", f.panelists[0]);
    let res = post_from(
        &mut f.app,
        &detail,
        &format!("{detail}/usulan"),
        &[
            ("outcome", &reopen_card),
            ("reasons", "Nilai tes tertulis perlu diperiksa ulang."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("hanya dapat membuka kembali verifikasi"),
        "{}",
        res.body
    );
    let res = post_from(
        &mut f.app,
        &detail,
        &format!("{detail}/usulan"),
        &[
            ("outcome", "verification_eligible"),
            ("reasons", "Surat domisili sah; syarat terpenuhi."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    f.app.switch_browser(admin1);
    let res = post_from(
        &mut f.app,
        &list,
        &format!("/admin/sanggahan/{}/keputusan", o.id),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // D (80) is now eligible: the cut of 2 is 80, so A and D go on and B
    // (70) no longer does. The list is published again, caused by the
    // decision, and a signed checkpoint covers it.
    assert_eq!(went_on(&f).await, [true, false, false, true]);
    let decided = events(&f, "objection.decided").await;
    let republished = events(&f, "stage.shortlist_republished").await;
    assert_eq!(republished.len(), 1);
    let payload: Value = serde_json::from_str(&republished[0].payload).expect("payload");
    assert_eq!(payload["stage"], "TERTULIS");
    assert_eq!(payload["objection_id"], o.id.to_string());
    assert_eq!(payload["cause_seq"], decided[0].seq);
    assert_eq!(payload["replaces_seq"], published_seq);
    let stored = stage_shortlist::Entity::find_by_id((f.round_id, "TERTULIS".to_owned()))
        .one(&db)
        .await
        .expect("read")
        .expect("published");
    assert_eq!(stored.event_seq, republished[0].seq);
    let checkpoint = audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(&db)
        .await
        .expect("query")
        .expect("a signed checkpoint");
    assert!(checkpoint.seq >= republished[0].seq);

    // The interview invitations follow the list as it stands (the
    // fixture's own invitations of everyone are cleared first).
    test_invitation::Entity::delete_many()
        .filter(test_invitation::Column::TestSessionId.eq(f.session_id))
        .exec(&db)
        .await
        .expect("clear invitations");
    let admin = account::Entity::find()
        .filter(account::Column::Email.eq("admin@contoh.id"))
        .one(&db)
        .await
        .expect("query")
        .expect("the fixture's admin");
    let admin = Actor::Account {
        id: admin.id,
        role: Role::Admin,
    };
    let from = "Probebaya <noreply@pokmas.test>".parse().expect("sender");
    let vault = pokmas::pii::NikVault::new(&f.app.state.config.secret);
    pokmas::services::panels::auto_fill(&db, admin, &from, &vault, f.round_id, f.session_id)
        .await
        .expect("invitations");
    let mut invited: Vec<Uuid> = test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.eq(f.session_id))
        .all(&db)
        .await
        .expect("invitations")
        .into_iter()
        .map(|i| i.application_id)
        .collect();
    invited.sort();
    let mut expected = vec![f.apps[0].0, d_id];
    expected.sort();
    assert_eq!(invited, expected);

    // Once the window has ended nobody else can object to the list (it
    // ends here at the publication time, by the server's clock).
    stage_shortlist::ActiveModel {
        round_id: Set(f.round_id),
        stage_code: Set("TERTULIS".into()),
        objection_ends_at: Set(stored.published_at),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("window ended");
    let c_account = f
        .app
        .create_user("pelamar.c@contoh.id", Role::Applicant, &[])
        .await;
    let (c_id, _) = f.apps[2].clone();
    application::ActiveModel {
        id: Set(c_id),
        account_id: Set(Some(c_account)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("C with an account");
    f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "pelamar.c@contoh.id").await;
    let page = f.app.get(&format!("/pendaftaran/{c_id}/sanggahan")).await;
    assert!(
        page.body.contains("Masa sanggah tidak sedang dibuka"),
        "{}",
        page.body
    );
}
