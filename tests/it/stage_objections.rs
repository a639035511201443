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
    let mut f = crate::stage_ranking::staged_fixture().await;
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
    let res = crate::stage_ranking::import_written_test(&mut f, [90, 70, 60, 80]).await;
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
    crate::stage_ranking::publish_written_shortlist(&mut f).await;
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

/// Checks the status of `no` with `pin` on `/cek-status`.
async fn check_status(f: &mut crate::standings::Fixture, no: &str, pin: &str) -> String {
    let page = f
        .app
        .post_form("/cek-status", &[("number", no), ("pin", pin)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

/// The stage objections stored so far.
async fn stage_objections(f: &crate::standings::Fixture) -> Vec<objection_stage::Model> {
    objection_stage::Entity::find()
        .all(&f.app.db.db)
        .await
        .expect("read")
}

#[tokio::test]
async fn an_assisted_candidate_below_the_cut_objects_to_the_shortlist_on_cek_status_with_number_and_pin()
 {
    use crate::support::journey::desk_pin;
    let mut f = crate::stage_ranking::staged_fixture().await;
    let db = f.app.db.db.clone();
    as_user(&mut f.app, "admin@contoh.id").await;
    let admin = account::Entity::find()
        .filter(account::Column::Email.eq("admin@contoh.id"))
        .one(&db)
        .await
        .expect("query")
        .expect("the fixture's admin")
        .id;
    // B and C registered at the desk (no account), each with a status PIN.
    let mut pins = Vec::new();
    for i in [1, 2] {
        application::ActiveModel {
            id: Set(f.apps[i].0),
            assisted_by: Set(Some(admin)),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("registered at the desk");
        pins.push(desk_pin(&db, admin, f.apps[i].0).await.as_str().to_owned());
    }
    let ((b_no, b_pin), (c_no, c_pin)) = (
        (f.apps[1].1.clone(), pins[0].clone()),
        (f.apps[2].1.clone(), pins[1].clone()),
    );
    // Written test A 90, B 70, C 60, D 80: of 2 × 1 seat A and D go on.
    let res = crate::stage_ranking::import_written_test(&mut f, [90, 70, 60, 80]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    crate::stage_ranking::publish_written_shortlist(&mut f).await;
    assert_eq!(went_on(&f).await, [true, false, false, true]);

    // C, with number + PIN: the form, naming the stage and its window.
    let admin1 = f.app.switch_browser(Browser::default());
    let page = check_status(&mut f, &c_no, &c_pin).await;
    assert!(
        page.contains("Daftar lolos tahap <strong>TERTULIS</strong> sudah diterbitkan"),
        "{page}"
    );
    assert!(page.contains("action=\"/cek-status/sanggahan\""), "{page}");
    let csrf = hidden_value(&page, "csrf").expect("csrf");
    let key = hidden_value(&page, "idempotency_key").expect("key");
    let filing = |csrf: &str, pin: &str, grounds: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("number".to_owned(), c_no.clone()),
            ("pin".to_owned(), pin.to_owned()),
            ("idempotency_key".to_owned(), key.clone()),
            ("contested".to_owned(), "WT".to_owned()),
            ("grounds".to_owned(), grounds.to_owned()),
        ]
    };
    let send = async |f: &mut crate::standings::Fixture, fields: Vec<(String, String)>| {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        f.app.post_form("/cek-status/sanggahan", &fields).await
    };

    // Without the form's token, or with a wrong PIN, nothing is filed; too
    // short grounds come back with what was typed.
    let res = send(&mut f, filing("", &c_pin, GROUNDS)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let wrong = if c_pin == "000000" {
        "111111"
    } else {
        "000000"
    };
    let res = send(&mut f, filing(&csrf, wrong, GROUNDS)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = send(&mut f, filing(&csrf, &c_pin, "Terlalu pendek.")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains(">Terlalu pendek.</textarea>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("value=\"WT\" checked"), "{}", res.body);
    assert!(stage_objections(&f).await.is_empty());

    // Filed: against the written test's shortlist, through the PIN channel.
    let res = send(&mut f, filing(&csrf, &c_pin, GROUNDS)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("Sanggahan Anda sudah masuk"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Atas daftar lolos tahap"), "{}", res.body);
    let against = stage_objections(&f).await;
    assert_eq!(against.len(), 1);
    assert_eq!(against[0].stage_code, "TERTULIS");
    let o = objection::Entity::find_by_id(against[0].objection_id)
        .one(&db)
        .await
        .expect("read")
        .expect("the objection");
    assert_eq!(o.application_id, f.apps[2].0);
    let filed: Value =
        serde_json::from_str(&events(&f, "objection.filed").await[0].payload).expect("payload");
    assert_eq!(filed["stage"], "TERTULIS");
    assert_eq!(filed["channel"], "status_pin");
    assert_eq!(filed["contested"], "WT");

    // The admin finds it among the round's objections, as one filed signed in.
    let resident = f.app.switch_browser(admin1);
    let list = f
        .app
        .get(&format!("/admin/seleksi/{}/sanggahan", f.round_id))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let card = list
        .body
        .split("class=\"card")
        .find(|c| c.contains(&c_no))
        .expect("C's objection on the admin's list");
    assert!(
        card.contains("Atas daftar lolos tahap <code>TERTULIS</code>"),
        "{card}"
    );

    // Once the window has ended, B gets no form, and a filing is refused.
    let stored = stage_shortlist::Entity::find_by_id((f.round_id, "TERTULIS".to_owned()))
        .one(&db)
        .await
        .expect("read")
        .expect("published");
    stage_shortlist::ActiveModel {
        round_id: Set(f.round_id),
        stage_code: Set("TERTULIS".into()),
        objection_ends_at: Set(stored.published_at),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("window ended");
    f.app.switch_browser(resident);
    let page = check_status(&mut f, &b_no, &b_pin).await;
    assert!(!page.contains("action=\"/cek-status/sanggahan\""), "{page}");
    let res = f
        .app
        .post_form(
            "/cek-status/sanggahan",
            &[
                ("csrf", &csrf),
                ("number", &b_no),
                ("pin", &b_pin),
                ("grounds", GROUNDS),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.body.contains("Masa sanggah tidak sedang dibuka"),
        "{}",
        res.body
    );
    assert_eq!(stage_objections(&f).await.len(), 1);
}
