//! After the final result, through the real router: a selected member
//! withdraws or is disqualified and the next reserve takes the seat
//! (four-eyes, every rank change caused, a signed checkpoint, mails to
//! both, `audit verify` and `audit recompute` still agree); the formed
//! group's offices; the annex of the Lurah's decree and its CSV.
//!
//! The formation of `results::publish` (1 seat, 1 reserve): A 80 is
//! selected, B 75 reserve, then C, E, D/F.

use axum::http::StatusCode;
use pokmas::db::entities::*;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::exports::{pokmas, text};
use crate::results::{Published, SLUG, as_user, open_objection_window, post_from, publish};
use crate::support::TestApp;

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// The published round, finalized by two admins through the results page;
/// the second admin's browser is signed in at the end.
async fn finalized() -> Published {
    let mut p = publish(TestApp::new().await).await;
    finalize(&mut p).await;
    p
}

/// Objection window, then finalization by the two admins.
pub(crate) async fn finalize(p: &mut Published) {
    open_objection_window(p).await;
    round::ActiveModel {
        id: Set(p.f.round_id),
        objection_ends_at: Set(Some(now() - time::Duration::hours(1))),
        ..Default::default()
    }
    .update(&p.f.app.db.db)
    .await
    .expect("the window ends");
    let results = format!("/admin/seleksi/{}/hasil", p.f.round_id);
    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let res = post_from(
        &mut p.f.app,
        &results,
        &format!("{results}/final"),
        &[("reason", "Masa sanggah selesai, semua sanggahan diputus.")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    p.f.app.switch_browser(mine);
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let res = post_from(
        &mut p.f.app,
        &results,
        &format!("{results}/final/keputusan"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

fn page(p: &Published) -> String {
    format!("/admin/seleksi/{}/pasca-final", p.f.round_id)
}

/// The first admin proposes that `app` leaves (`withdrawn` or `disqualified`).
async fn propose(
    p: &mut Published,
    app: Uuid,
    departure: &str,
    reason: &str,
) -> crate::support::TestResponse {
    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let url = page(p);
    let res = post_from(
        &mut p.f.app,
        &url,
        &format!("{url}/ganti"),
        &[
            ("application_id", &app.to_string()),
            ("departure", departure),
            ("reason", reason),
        ],
    )
    .await;
    p.admin_browser = p.f.app.switch_browser(mine);
    res
}

async fn pending_approval(p: &Published) -> approval::Model {
    approval::Entity::find()
        .filter(approval::Column::Kind.eq("member.replace"))
        .filter(approval::Column::Status.eq("pending"))
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("a pending replacement")
}

/// `by_first`: the proposer tries; otherwise the signed-in second admin.
async fn decide(
    p: &mut Published,
    a: &approval::Model,
    by_first: bool,
) -> crate::support::TestResponse {
    let url = page(p);
    let path = format!("{url}/ganti/{}/keputusan", a.id);
    if by_first {
        let mine = p.f.app.switch_browser(p.admin_browser.clone());
        let res = post_from(&mut p.f.app, &url, &path, &[("decision", "approve")]).await;
        p.admin_browser = p.f.app.switch_browser(mine);
        res
    } else {
        post_from(&mut p.f.app, &url, &path, &[("decision", "approve")]).await
    }
}

async fn ranking_of(p: &Published, app: Uuid) -> (Option<i32>, Option<String>, String) {
    let row = ranking::Entity::find_by_id(app)
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("ranked");
    (row.rank, row.status, row.eligibility)
}

async fn event(p: &Published, action: &str) -> (audit_event::Model, serde_json::Value) {
    let e = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_desc(audit_event::Column::Seq)
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("no {action}"));
    let payload = serde_json::from_str(&e.payload).expect("json");
    (e, payload)
}

/// Every `ranking.changed` after `seq`: (registration no, from, to status, cause).
async fn rank_changes_after(p: &Published, seq: i64) -> Vec<(String, String, String, i64)> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ranking.changed"))
        .filter(audit_event::Column::Seq.gt(seq))
        .order_by_asc(audit_event::Column::Seq)
        .all(&p.f.app.db.db)
        .await
        .expect("read")
        .into_iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.payload).expect("json");
            (
                v["registration_no"].as_str().unwrap_or_default().to_owned(),
                v["from_status"].as_str().unwrap_or_default().to_owned(),
                v["to_status"].as_str().unwrap_or_default().to_owned(),
                v["cause_seq"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_withdrawn_or_disqualified_member_is_replaced_by_the_next_reserve_through_four_eyes_and_the_exports_still_agree()
 {
    let mut p = publish(TestApp::new().await).await;
    let (a, b, c) = (p.f.apps[0].0, p.f.apps[1].0, p.f.apps[2].0);
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    let reason = "Mengundurkan diri karena pindah ke luar kota (surat 12/2026).";

    // Not before the results are final.
    let res = propose(&mut p, a, "withdrawn", reason).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("belum final"), "{}", res.body);

    finalize(&mut p).await;
    assert_eq!(ranking_of(&p, a).await.1.as_deref(), Some("selected"));
    assert_eq!(ranking_of(&p, b).await.1.as_deref(), Some("reserve"));

    // A reason is required; a reserve cannot be replaced.
    let res = propose(&mut p, a, "withdrawn", "pindah").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("10–2000"), "{}", res.body);
    let res = propose(&mut p, b, "withdrawn", reason).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("bukan anggota terpilih"), "{}", res.body);

    // Proposed: nothing changes yet, the page lists it.
    let res = propose(&mut p, a, "withdrawn", reason).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let proposal = pending_approval(&p).await;
    assert_eq!(ranking_of(&p, a).await.1.as_deref(), Some("selected"));
    let shown = p.f.app.get(&page(&p)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Setujui penggantian"), "{}", shown.body);

    // The second admin finds it among the pending approvals.
    let approvals = p.f.app.get("/admin/persetujuan").await;
    assert!(approvals.body.contains(&page(&p)), "{}", approvals.body);

    // The proposer cannot approve.
    let res = decide(&mut p, &proposal, true).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(ranking_of(&p, a).await.1.as_deref(), Some("selected"));

    // The second admin approves: one transaction does everything.
    let before = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("events")
        .seq;
    let res = decide(&mut p, &proposal, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (withdrawn, payload) = event(&p, "application.withdrawn_after_final").await;
    assert_eq!(payload["requested_by"], p.admins[0].to_string());
    assert_eq!(payload["approved_by"], p.admins[1].to_string());
    assert_eq!(payload["approval_id"], proposal.id.to_string());
    assert_eq!(withdrawn.reason, reason);
    assert_eq!(ranking_of(&p, a).await, (None, None, "withdrawn".into()));
    assert_eq!(
        ranking_of(&p, b).await,
        (Some(1), Some("selected".into()), "eligible".into())
    );
    assert_eq!(
        ranking_of(&p, c).await,
        (Some(2), Some("reserve".into()), "eligible".into())
    );
    let changes = rank_changes_after(&p, before).await;
    assert!(changes.len() >= 3, "{changes:?}");
    assert!(
        changes.iter().all(|x| x.3 == withdrawn.seq),
        "every rank change names the withdrawal: {changes:?}"
    );
    assert!(changes.contains(&(
        nos[0].clone(),
        "selected".into(),
        String::new(),
        withdrawn.seq
    )));
    assert!(changes.contains(&(
        nos[1].clone(),
        "reserve".into(),
        "selected".into(),
        withdrawn.seq
    )));
    assert!(changes.contains(&(
        nos[2].clone(),
        "not_selected".into(),
        "reserve".into(),
        withdrawn.seq
    )));
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("events");
    let cp = pokmas::services::checkpoints::latest(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("checkpoint");
    assert_eq!(
        (cp.reason.as_str(), cp.seq, cp.hash.as_str()),
        ("promotion", last.seq, last.hash.as_str()),
        "a signed checkpoint over the whole replacement"
    );
    let to_a = p.f.app.last_mail_to(&p.emails[0]).await;
    assert_eq!(to_a.template, "member_withdrawn");
    assert!(to_a.body_text.contains(&nos[0]));
    let to_b = p.f.app.last_mail_to(&p.emails[1]).await;
    assert_eq!(to_b.template, "reserve_promoted");
    assert!(
        to_b.subject.contains("anggota terpilih"),
        "{}",
        to_b.subject
    );
    // Approved requests are decided once.
    let res = decide(&mut p, &proposal, false).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // A rejected proposal changes nothing.
    let res = propose(
        &mut p,
        b,
        "withdrawn",
        "Kabar lisan bahwa ia mundur, belum ada surat.",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let proposal = pending_approval(&p).await;
    let url = page(&p);
    let res = post_from(
        &mut p.f.app,
        &url,
        &format!("{url}/ganti/{}/keputusan", proposal.id),
        &[
            ("decision", "reject"),
            ("note", "Belum ada surat pengunduran diri."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (rejected, _) = event(&p, "approval.rejected").await;
    assert_eq!(ranking_of(&p, b).await.1.as_deref(), Some("selected"));
    assert!(rank_changes_after(&p, rejected.seq).await.is_empty());

    // Then B is disqualified: C takes the seat.
    let res = propose(
        &mut p,
        b,
        "disqualified",
        "Pernyataan tidak pernah dipidana terbukti palsu.",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let proposal = pending_approval(&p).await;
    let res = decide(&mut p, &proposal, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (disq, _) = event(&p, "application.disqualified").await;
    assert_eq!(ranking_of(&p, b).await, (None, None, "disqualified".into()));
    assert_eq!(ranking_of(&p, c).await.1.as_deref(), Some("selected"));
    let to_b = p.f.app.last_mail_to(&p.emails[1]).await;
    assert_eq!(to_b.template, "member_disqualified");
    assert!(
        to_b.body_text.contains("terbukti palsu"),
        "{}",
        to_b.body_text
    );
    assert_eq!(
        p.f.app.last_mail_to(&p.emails[2]).await.template,
        "reserve_promoted"
    );
    assert!(
        rank_changes_after(&p, disq.seq)
            .await
            .iter()
            .all(|x| x.3 == disq.seq)
    );
    let public =
        p.f.app
            .get(&format!("/seleksi/{SLUG}/hasil/{}", crate::results::CODE))
            .await;
    assert_eq!(public.status, StatusCode::OK);
    let row_c = crate::results::row_of(&public.body, &nos[2]);
    assert!(row_c.contains("Terpilih"), "{row_c}");

    // The exports carry both changes, and the offline checks agree.
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ekspor");
    let url = p.f.app.db.url.clone();
    let run = |args: &[&str]| {
        let o = pokmas(&url, dir.path(), args);
        (o.status.code(), text(&o))
    };
    let (code, out) = run(&[
        "export",
        "all",
        "--round",
        SLUG,
        "--out",
        folder.to_str().expect("utf8"),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let rankings = std::fs::read_to_string(folder.join("rankings.csv")).expect("rankings.csv");
    assert!(
        rankings.contains(&format!("{},withdrawn,", nos[0])),
        "{rankings}"
    );
    assert!(
        rankings.contains(&format!("{},disqualified,", nos[1])),
        "{rankings}"
    );
    let note = p.f.app.get("/jejak-audit/checkpoint.txt").await;
    let key = p.f.app.get("/jejak-audit/kunci.txt").await;
    let note_path = dir.path().join("checkpoint.txt");
    std::fs::write(&note_path, &note.body).expect("write");
    let audit = folder.join("audit.csv");
    let (code, out) = run(&[
        "audit",
        "verify",
        audit.to_str().expect("utf8"),
        "--checkpoint-file",
        note_path.to_str().expect("utf8"),
        "--public-key",
        key.body.trim(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["audit", "recompute", folder.to_str().expect("utf8")]);
    assert_eq!(code, Some(0), "{out}");
}

#[tokio::test]
async fn offices_follow_the_rule_die_with_the_membership_and_the_decree_annex_prints_and_exports() {
    let mut p = finalized().await;
    let (a, b) = (p.f.apps[0].0, p.f.apps[1].0);
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    let db = p.f.app.db.db.clone();
    let url = page(&p);
    let formation = p.f.formation_id;
    let roles_path = format!("{url}/peran/{formation}");

    // Linked from the round's admin page and its results page.
    let round_page =
        p.f.app
            .get(&format!("/admin/seleksi/{}", p.f.round_id))
            .await;
    assert!(
        round_page.body.contains(&url),
        "round page links the after-final page"
    );
    let results_page =
        p.f.app
            .get(&format!("/admin/seleksi/{}/hasil", p.f.round_id))
            .await;
    assert!(results_page.body.contains(&url));

    // One seat: a chair is required, and only a selected member holds an office.
    let shown = p.f.app.get(&url).await;
    assert!(
        shown.body.contains("Jabatan Ketua belum diisi"),
        "{}",
        shown.body
    );
    let res = post_from(
        &mut p.f.app,
        &url,
        &roles_path,
        &[(&format!("role_{a}"), "secretary")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Jabatan Ketua belum diisi"),
        "{}",
        res.body
    );
    let res = post_from(
        &mut p.f.app,
        &url,
        &roles_path,
        &[
            (&format!("role_{a}"), "chair"),
            (&format!("role_{b}"), "secretary"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("bukan anggota terpilih"), "{}", res.body);
    assert!(
        group_role::Entity::find()
            .all(&db)
            .await
            .expect("read")
            .is_empty()
    );
    let res = post_from(
        &mut p.f.app,
        &url,
        &roles_path,
        &[(&format!("role_{a}"), "chair")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, payload) = event(&p, "group.roles_set").await;
    assert_eq!(payload["chair"], nos[0]);
    assert_eq!(payload["previous_chair"], "");

    // The annex: print page and CSV (an audited export).
    let annex = format!("/admin/seleksi/{}/lampiran/{formation}", p.f.round_id);
    let printed = p.f.app.get(&annex).await;
    assert_eq!(printed.status, StatusCode::OK);
    assert!(
        printed.body.contains("Lampiran Keputusan Lurah"),
        "{}",
        printed.body
    );
    assert!(printed.body.contains("Pelamar A"));
    assert!(printed.body.contains("Ketua"));
    assert!(
        printed.body.contains("class=\"pengumuman\""),
        "print CSS applies"
    );
    assert!(
        printed.body.contains("role=\"region\""),
        "the table scrolls inside its region on a phone"
    );
    assert!(
        !printed.body.contains("Pelamar B"),
        "a reserve is not on the decree"
    );
    let csv = p.f.app.get(&format!("{annex}/anggota.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "round_id,formation_code,kelurahan_code,no,role,registration_no,full_name,rt"
    );
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(
        lines[1].contains(&format!(",1,chair,{},Pelamar A,", nos[0])),
        "{}",
        lines[1]
    );
    let (_, exported) = event(&p, "export.created").await;
    assert_eq!(
        exported["file"],
        format!("lampiran-sk-{}.csv", crate::results::CODE)
    );
    assert_eq!(exported["rows"], 1);

    // English.
    p.f.app.get("/bahasa/en?kembali=/").await;
    let en = p.f.app.get(&url).await;
    assert!(en.body.contains("After the final result"), "{}", en.body);
    let en = p.f.app.get(&annex).await;
    assert!(
        en.body.contains("Annex to the Lurah's decree"),
        "{}",
        en.body
    );
    assert!(en.body.contains("Chair"));
    p.f.app.get("/bahasa/id?kembali=/").await;

    // A's withdrawal clears the office; B, promoted, has none until named.
    let res = propose(
        &mut p,
        a,
        "withdrawn",
        "Mengundurkan diri karena sakit berkepanjangan.",
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let proposal = pending_approval(&p).await;
    let res = decide(&mut p, &proposal, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, payload) = event(&p, "application.withdrawn_after_final").await;
    assert_eq!(payload["office_cleared"], "chair");
    assert!(
        group_role::Entity::find()
            .all(&db)
            .await
            .expect("read")
            .is_empty()
    );
    let printed = p.f.app.get(&annex).await;
    assert!(printed.body.contains("Pelamar B"));
    assert!(!printed.body.contains("Pelamar A"));
    assert!(printed.body.contains("Jabatan Ketua belum diisi"));
    let res = post_from(
        &mut p.f.app,
        &url,
        &roles_path,
        &[(&format!("role_{b}"), "chair")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, payload) = event(&p, "group.roles_set").await;
    assert_eq!(payload["chair"], nos[1]);
}

/// A member whose home lies outside the formation's kelurahan (a domicile
/// rule wider than `rt` admitted them) is printed with their kelurahan, so
/// their RT is not read as one of the formation's.
#[tokio::test]
async fn the_annex_names_the_kelurahan_of_a_member_living_outside_the_formations() {
    let mut p = finalized().await;
    let db = p.f.app.db.db.clone();
    let handil_bakti = "64.72.01.1002";
    rt::ActiveModel {
        kelurahan_code: Set(handil_bakti.into()),
        number: Set(5),
    }
    .insert(&db)
    .await
    .expect("rt");
    application::ActiveModel {
        id: Set(p.f.apps[0].0),
        kelurahan_code: Set(Some(handil_bakti.into())),
        rt_number: Set(Some(5)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("move A's home");
    let annex = format!(
        "/admin/seleksi/{}/lampiran/{}",
        p.f.round_id, p.f.formation_id
    );
    let printed = p.f.app.get(&annex).await;
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.body);
    assert!(printed.body.contains("Pelamar A"), "{}", printed.body);
    assert!(
        printed.body.contains("005 (Kel. Handil Bakti)"),
        "{}",
        printed.body
    );
}
