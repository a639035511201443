//! Re-publication of a stage shortlist after an upheld objection: refused
//! once the next stage's shortlist is published, and, when it goes through,
//! what it does to those it pushes below the cut.

use axum::http::StatusCode;
use pokmas::db::entities::{
    application, audit_event, objection, round_stage, stage_shortlist, stage_shortlist_entry,
};
use pokmas::domain::role::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::results::{as_user, post_from};
use crate::support::admin::audit_count;
use crate::support::api::{json_of, post_json};
use crate::support::journey::post_multipart;
use crate::support::{Browser, TestResponse};

const GROUNDS: &str =
    "Saya dinyatakan tidak memenuhi syarat, padahal surat keterangan domisili saya sah.";
const D_EMAIL: &str = "pelamar.d@contoh.id";

/// Imports the values of criterion `code` through the admin's import page,
/// one per `(applicant index, value)`.
pub(crate) async fn import_values(
    f: &mut crate::standings::Fixture,
    code: &str,
    values: &[(usize, i32)],
) -> TestResponse {
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let csrf = f.app.csrf_from(&page).await;
    let mut csv = String::from("registration_no,value\n");
    for (i, v) in values {
        csv.push_str(&format!("{},{v}\n", f.apps[*i].1));
    }
    post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", code), ("csv", &csv)],
        &[],
    )
    .await
}

/// Publishes the shortlist of `stage` on the round's page.
pub(crate) async fn publish_stage(f: &mut crate::standings::Fixture, stage: &str) {
    let detail = format!("/admin/seleksi/{}", f.round_id);
    let action = format!("{detail}/tahap/{stage}/terbitkan");
    let res = post_from(&mut f.app, &detail, &action, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// The staged fixture with a third stage between the written test and the
/// interview: `PSIKO` (imported `PT`, the best 1 × 1 seat go on).
pub(crate) async fn three_stage_fixture() -> crate::standings::Fixture {
    let f = crate::stage_ranking::staged_fixture().await;
    let db = &f.app.db.db;
    let interview = round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(f.round_id))
        .filter(round_stage::Column::Code.eq("WAWANCARA"))
        .one(db)
        .await
        .expect("query")
        .expect("the interview");
    round_stage::ActiveModel {
        id: Set(interview.id),
        position: Set(3),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("interview third");
    round_stage::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(f.round_id),
        position: Set(2),
        code: Set("PSIKO".into()),
        name_id: Set("Tes psikologi".into()),
        name_en: Set("Psychological test".into()),
        scoring: Set("imported".into()),
        advance_top_k: Set(Some(1)),
        advance_passing_total: Set(None),
        final_weight: Set(None),
    }
    .insert(db)
    .await
    .expect("stage");
    crate::stage_ranking::add_imported_criterion(
        db,
        f.round_id,
        ("PT", "Tes psikologi", "Psychological test"),
        4,
        "PSIKO",
    )
    .await;
    f
}

/// Gives each applicant `i` of `accounts` an applicant account with the
/// e-mail address beside it.
pub(crate) async fn give_accounts(f: &mut crate::standings::Fixture, accounts: &[(usize, &str)]) {
    let db = f.app.db.db.clone();
    for (i, email) in accounts {
        let account = f.app.create_user(email, Role::Applicant, &[]).await;
        application::ActiveModel {
            id: Set(f.apps[*i].0),
            account_id: Set(Some(account)),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("an account");
    }
}

/// Clears the fixture's own invitations of everyone to the interview session
/// and fills it again through the API, so that it follows the shortlist as
/// it stands; returns how many were invited.
pub(crate) async fn invite_to_the_interview_anew(f: &mut crate::standings::Fixture) -> u64 {
    use pokmas::db::entities::test_invitation;
    test_invitation::Entity::delete_many()
        .filter(test_invitation::Column::TestSessionId.eq(f.session_id))
        .exec(&f.app.db.db)
        .await
        .expect("clear invitations");
    let res = post_json(
        &mut f.app,
        &format!(
            "/api/v1/admin/rounds/{}/sessions/{}/fill",
            f.round_id, f.session_id
        ),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    json_of(&res)["invited"].as_u64().expect("invited")
}

/// Names the fixture round's own programme and group (Kampung Hebat, TPP),
/// which the mails and texts about it then say.
async fn kampung_hebat_tpp(f: &crate::standings::Fixture) {
    pokmas::db::entities::round::ActiveModel {
        id: Set(f.round_id),
        programme_id: Set("Kampung Hebat".into()),
        programme_en: Set("Kampung Hebat".into()),
        group_id: Set("TPP".into()),
        group_en: Set("TPP".into()),
        ..Default::default()
    }
    .update(&f.app.db.db)
    .await
    .expect("programme");
}

/// Written test A 90, B 70, C 60, D 80 with D ruled ineligible (and given
/// an account), published: A and B go on. D then files an objection
/// against the written test's shortlist and a second admin
/// (`admin2@contoh.id`) is named reviewer. Returns the objection, in review
/// (the first admin's browser is current).
async fn objection_in_review(f: &mut crate::standings::Fixture) -> Uuid {
    let db = f.app.db.db.clone();
    let (d_id, _) = f.apps[3].clone();
    let d_account = f.app.create_user(D_EMAIL, Role::Applicant, &[]).await;
    let admin2 = f
        .app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    as_user(&mut f.app, "admin@contoh.id").await;
    let res = import_values(f, "WT", &[(0, 90), (1, 70), (2, 60), (3, 80)]).await;
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
    publish_stage(f, "TERTULIS").await;

    let admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, D_EMAIL).await;
    let form_path = format!("/pendaftaran/{d_id}/sanggahan");
    let form = f.app.get(&form_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let o =
        crate::stage_objections::file_objection(&mut f.app, &form_path, &form.body, GROUNDS).await;

    f.app.switch_browser(admin1);
    let res = post_json(
        &mut f.app,
        &format!("/api/v1/admin/objections/{}/reviewer", o.id),
        &json!({ "reviewer_id": admin2 }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    o.id
}

/// [`objection_in_review`], then the reviewer proposes to find D eligible.
/// Returns the objection, awaiting the first admin's approval (whose
/// browser is current).
async fn objection_awaiting_approval(f: &mut crate::standings::Fixture) -> Uuid {
    let id = objection_in_review(f).await;
    let admin1 = f.app.switch_browser(Browser::default());
    as_user(&mut f.app, "admin2@contoh.id").await;
    let res = post_json(&mut f.app, &proposal_path(id), &uphold()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    f.app.switch_browser(admin1);
    id
}

fn proposal_path(id: Uuid) -> String {
    format!("/api/v1/objections/{id}/proposal")
}

/// The reviewer's proposal to uphold D's objection: D is eligible.
fn uphold() -> serde_json::Value {
    json!({
        "outcome": "verification_eligible",
        "reasons": "Surat domisili sah; syarat terpenuhi.",
    })
}

/// Every entry of the round's shortlists: (stage, application, advances,
/// position, total).
pub(crate) async fn all_entries(
    f: &crate::standings::Fixture,
) -> Vec<(String, Uuid, bool, Option<i32>, Option<String>)> {
    stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(f.round_id))
        .order_by_asc(stage_shortlist_entry::Column::StageCode)
        .order_by_asc(stage_shortlist_entry::Column::RegistrationNo)
        .all(&f.app.db.db)
        .await
        .expect("entries")
        .into_iter()
        .map(|e| {
            (
                e.stage_code,
                e.application_id,
                e.advances,
                e.position,
                e.total_exact,
            )
        })
        .collect()
}

#[tokio::test]
async fn an_upheld_objection_against_a_shortlist_is_refused_once_the_next_stages_is_published_and_changes_nothing()
 {
    let mut f = three_stage_fixture().await;
    let db = f.app.db.db.clone();
    let id = objection_awaiting_approval(&mut f).await;
    // The psychological test among A and B, who went on: A goes on.
    let res = import_values(&mut f, "PT", &[(0, 75), (1, 85)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    publish_stage(&mut f, "PSIKO").await;

    let entries = all_entries(&f).await;
    let lists = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(f.round_id))
        .order_by_asc(stage_shortlist::Column::StageCode)
        .all(&db)
        .await
        .expect("lists");
    let events = audit_count(&f.app).await;

    // The API: 409, naming the stage whose shortlist is out.
    let path = format!("/api/v1/admin/objections/{id}/decision");
    let res = post_json(&mut f.app, &path, &json!({ "decision": "approve" })).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let message = json_of(&res)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("Daftar lolos tahap PSIKO sudah diterbitkan"),
        "{message}"
    );

    // The page: the same refusal, shown (422, as every refusal on a page).
    let res = post_from(
        &mut f.app,
        &format!("/admin/seleksi/{}/sanggahan", f.round_id),
        &format!("/admin/sanggahan/{id}/keputusan"),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Daftar lolos tahap PSIKO sudah diterbitkan"),
        "{}",
        res.body
    );

    // Nothing changed: no event, the same lists, the objection still
    // awaiting approval, D still ineligible.
    assert_eq!(audit_count(&f.app).await, events);
    assert_eq!(all_entries(&f).await, entries);
    let after = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(f.round_id))
        .order_by_asc(stage_shortlist::Column::StageCode)
        .all(&db)
        .await
        .expect("lists");
    assert_eq!(after, lists);
    assert!(
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("stage.shortlist_republished"))
            .one(&db)
            .await
            .expect("query")
            .is_none()
    );
    let o = objection::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("read")
        .expect("the objection");
    assert_eq!(
        o.status,
        pokmas::domain::objection::ObjectionStatus::Proposed
    );
    let d = application::Entity::find_by_id(f.apps[3].0)
        .one(&db)
        .await
        .expect("read")
        .expect("D");
    assert_eq!(d.state.to_string(), "ineligible");
}

#[tokio::test]
async fn upholding_an_objection_against_a_shortlist_cannot_even_be_proposed_once_the_next_stages_is_published()
 {
    use pokmas::db::entities::approval;
    use sea_orm::PaginatorTrait;
    let mut f = three_stage_fixture().await;
    let db = f.app.db.db.clone();
    let id = objection_in_review(&mut f).await;
    let res = import_values(&mut f, "PT", &[(0, 75), (1, 85)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    publish_stage(&mut f, "PSIKO").await;
    as_user(&mut f.app, "admin2@contoh.id").await;
    let events = audit_count(&f.app).await;
    let approvals = approval::Entity::find().count(&db).await.expect("count");

    // The API: 409, with the message and the guard of the approval.
    let res = post_json(&mut f.app, &proposal_path(id), &uphold()).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let message = json_of(&res)["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(
            "Daftar lolos tahap PSIKO sudah diterbitkan; daftar lolos tahap TERTULIS tidak dapat diubah lagi."
        ),
        "{message}"
    );

    // The reviewer's page: the same refusal, shown on the form (422).
    let detail = format!("/sanggahan/{id}");
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
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Daftar lolos tahap PSIKO sudah diterbitkan"),
        "{}",
        res.body
    );

    // Nothing stored: no event, no approval, the objection still in review.
    assert_eq!(audit_count(&f.app).await, events);
    assert_eq!(
        approval::Entity::find().count(&db).await.expect("count"),
        approvals
    );
    let o = objection::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("read")
        .expect("the objection");
    assert_eq!((o.status.as_str(), o.approval_id), ("in_review", None));

    // Rejecting it is still proposed: the objection can still be closed.
    let res = post_json(
        &mut f.app,
        &proposal_path(id),
        &json!({ "outcome": "rejected", "reasons": "Daftar lolos tahap ini sudah tidak dapat diubah." }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn a_republished_shortlist_withdraws_the_invitation_of_whoever_it_pushes_below_the_cut_and_tells_them()
 {
    use pokmas::db::entities::test_invitation;
    let mut f = crate::stage_ranking::staged_fixture().await;
    let db = f.app.db.db.clone();
    // The round names its own programme and group; the mail says so.
    kampung_hebat_tpp(&f).await;
    give_accounts(
        &mut f,
        &[(0, "pelamar.a@contoh.id"), (1, "pelamar.b@contoh.id")],
    )
    .await;
    let id = objection_awaiting_approval(&mut f).await;

    // A and B went on and are invited to the interview (the fixture's own
    // invitations of everyone are cleared first).
    assert_eq!(invite_to_the_interview_anew(&mut f).await, 2);
    let invitation_of = |app: Uuid| {
        let db = db.clone();
        async move {
            test_invitation::Entity::find()
                .filter(test_invitation::Column::ApplicationId.eq(app))
                .one(&db)
                .await
                .expect("read")
        }
    };
    let a_invitation = invitation_of(f.apps[0].0).await.expect("A invited");
    assert!(invitation_of(f.apps[1].0).await.is_some(), "B invited");
    let a_mails = f.app.mails_to("pelamar.a@contoh.id").await.len();
    let b_mails = f.app.mails_to("pelamar.b@contoh.id").await.len();

    // The second admin's proposal approved: D (80) is eligible, so A and D
    // go on and B (70) falls below the cut.
    let res = post_from(
        &mut f.app,
        &format!("/admin/seleksi/{}/sanggahan", f.round_id),
        &format!("/admin/sanggahan/{id}/keputusan"),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let went_on: Vec<bool> = {
        let entries = all_entries(&f).await;
        f.apps
            .iter()
            .map(|(id, _)| entries.iter().any(|e| e.1 == *id && e.2))
            .collect()
    };
    assert_eq!(went_on, [true, false, false, true]);
    let republished = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("stage.shortlist_republished"))
        .one(&db)
        .await
        .expect("query")
        .expect("republished");

    // B holds no invitation any more; one event names the re-publication
    // as its cause and the invitation withdrawn; B is mailed.
    assert!(invitation_of(f.apps[1].0).await.is_none(), "B uninvited");
    let dropped = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("stage.dropped"))
        .all(&db)
        .await
        .expect("events");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].subject_id, f.apps[1].0.to_string());
    let payload: serde_json::Value = serde_json::from_str(&dropped[0].payload).expect("payload");
    assert_eq!(payload["cause_seq"], republished.seq);
    assert_eq!(payload["stage"], "TERTULIS");
    assert_eq!(payload["withdrawn_session_id"], f.session_id.to_string());
    assert_eq!(payload["objection_id"], id.to_string());
    let b = f.app.mails_to("pelamar.b@contoh.id").await;
    assert_eq!(b.len(), b_mails + 1, "one mail to B");
    let mail = b.last().expect("B's mail");
    assert_eq!(mail.template, "stage_dropped");
    assert!(mail.subject.contains(&f.apps[1].1), "{}", mail.subject);
    assert!(mail.body_text.contains("TIDAK LOLOS"), "{}", mail.body_text);
    assert!(
        mail.body_text.contains("Seleksi TPP Kampung Hebat"),
        "{}",
        mail.body_text
    );
    assert!(!mail.body_text.contains("Pokmas"), "{}", mail.body_text);
    assert!(
        mail.body_text.contains("Kantor Kelurahan Rawa Makmur"),
        "the withdrawn invitation's place: {}",
        mail.body_text
    );

    // A, who stays on, keeps the same invitation and gets no mail.
    assert_eq!(
        invitation_of(f.apps[0].0).await,
        Some(a_invitation),
        "A untouched"
    );
    assert_eq!(f.app.mails_to("pelamar.a@contoh.id").await.len(), a_mails);
}

#[tokio::test]
async fn whoever_a_republished_shortlist_pushes_below_the_cut_gets_a_text_when_they_agreed_to_texts()
 {
    use pokmas::db::entities::message_consent;
    let mut f = crate::stage_ranking::staged_fixture().await;
    let db = f.app.db.db.clone();
    kampung_hebat_tpp(&f).await;
    // A (who stays on) and B (who will be pushed below the cut) agreed to
    // texts at the desk; neither has an e-mail address.
    let phones = ["6281200000001", "6281200000002"];
    for (i, phone) in phones.iter().enumerate() {
        message_consent::ActiveModel {
            application_id: Set(f.apps[i].0),
            phone: Set((*phone).to_owned()),
            channel: Set("sms".into()),
            recorded_by: Set(None),
            given_at: Set(time::OffsetDateTime::now_utc()),
            withdrawn_at: Set(None),
        }
        .insert(&db)
        .await
        .expect("consent");
    }
    let id = objection_awaiting_approval(&mut f).await;
    assert!(dropped_texts(&f, phones[1]).await.is_empty());

    // Approved: D goes on, B (70) falls below the cut, A stays on.
    let res = post_from(
        &mut f.app,
        &format!("/admin/seleksi/{}/sanggahan", f.round_id),
        &format!("/admin/sanggahan/{id}/keputusan"),
        &[("decision", "approve"), ("note", "Setuju.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let b = dropped_texts(&f, phones[1]).await;
    assert_eq!(b.len(), 1, "exactly one text to B: {b:?}");
    let text = &b[0];
    assert_eq!(text.channel, "sms");
    assert!(
        text.body_text.starts_with("Kampung Hebat: Halo Pelamar,"),
        "the round's programme, the first name: {}",
        text.body_text
    );
    assert!(
        text.body_text
            .contains(&format!("{} TIDAK LOLOS", f.apps[1].1)),
        "{}",
        text.body_text
    );
    assert!(
        text.body_text
            .contains("daftar lolos tahap TERTULIS seleksi TPP"),
        "{}",
        text.body_text
    );
    assert!(
        text.body_text
            .contains("di Kantor Kelurahan Rawa Makmur dibatalkan"),
        "the fixture's invitation, withdrawn: {}",
        text.body_text
    );
    assert!(!text.body_text.contains("Pokmas"), "{}", text.body_text);
    assert!(
        dropped_texts(&f, phones[0]).await.is_empty(),
        "no text to A, who stays on"
    );
}

/// The texts queued for `phone` about a drop below a shortlist's cut.
async fn dropped_texts(
    f: &crate::standings::Fixture,
    phone: &str,
) -> Vec<pokmas::db::entities::mail_outbox::Model> {
    f.app
        .mails_to(phone)
        .await
        .into_iter()
        .filter(|m| m.template == "sms_stage_dropped")
        .collect()
}
