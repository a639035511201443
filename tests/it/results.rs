//! Provisional results, the announcement, result mail, the page cache and
//! finalization, through the real router.
//!
//! The formation of `standings::fixture` (1 seat, 1 reserve; K1 weight 60 and
//! tie-break 1, K2 weight 40, both 1–5; three panelists) with six applicants:
//! A 80, B 75, C 50, E 50 (C first: higher K1), D 25 and F 25 (the lottery
//! decides).

use axum::http::StatusCode;
use pokmas::db::entities::*;
use pokmas::domain::role::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::standings::{Fixture, add_application, fixture_on, submit_version};
use crate::support::{Browser, PASSWORD, TestApp, TestResponse, hidden_value};

pub const SLUG: &str = "rekrutmen-pokmas-2026";
pub const CODE: &str = "F-6472011001";
pub const KEL: &str = "64.72.01.1001";
const SEED: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A round with published provisional results.
pub struct Published {
    pub f: Fixture,
    /// The first admin (who published) and a second one.
    pub admins: [Uuid; 2],
    /// Applicant e-mail per application, in `f.apps` order (A B C D E F).
    pub emails: Vec<String>,
    /// Cookies of the first admin's browser.
    pub admin_browser: Browser,
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Logs `email` in a fresh browser and returns the previous browser's cookies.
pub async fn as_user(app: &mut TestApp, email: &str) -> Browser {
    let previous = app.switch_browser(Browser::default());
    let res = app.login(email, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "login {email}: {}",
        res.body
    );
    previous
}

/// Posts a form carrying the CSRF token of the page at `page`.
pub async fn post_from(
    app: &mut TestApp,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> TestResponse {
    let form = app.get(page).await;
    assert_eq!(form.status, StatusCode::OK, "{page}: {}", form.body);
    let csrf = hidden_value(&form.body, "csrf").unwrap_or_else(|| panic!("no csrf on {page}"));
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(path, &all).await
}

/// The lottery key of the ranking rule, computed here from the published seed.
fn lottery_key(no: &str) -> String {
    hex::encode(Sha256::digest(format!("{SEED}:{no}").as_bytes()))
}

/// Six scored applicants with accounts, a second admin, the schedule, and
/// the provisional results announced by the first admin through the page.
pub async fn publish(app: TestApp) -> Published {
    let mut f = fixture_on(app).await;
    let (e, _) = add_application(&mut f, "E").await;
    let (fa, _) = add_application(&mut f, "F").await;
    let panelists = f.panelists.clone();
    for (p, k1) in panelists.iter().zip([2, 2, 3]) {
        submit_version(&f, e, *p, 1, [k1, 4], "").await;
        submit_version(&f, fa, *p, 1, [2, 2], "").await;
    }
    let db = f.app.db.db.clone();
    let mut emails = Vec::new();
    for (i, (id, _)) in f.apps.iter().enumerate() {
        let email = format!("pelamar{}@contoh.id", i + 1);
        let account = f.app.create_user(&email, Role::Applicant, &[]).await;
        application::ActiveModel {
            id: Set(*id),
            account_id: Set(Some(account)),
            // Personal data that must never reach a public page.
            nik_masked: Set(Some("640102**********".into())),
            plain_address: Set("Jl. Kenanga Rahasia 7".into()),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("link applicant");
        emails.push(email);
    }
    let admin2 = f
        .app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    let admin1 = account::Entity::find()
        .filter(account::Column::Email.eq("admin@contoh.id"))
        .one(&db)
        .await
        .expect("find")
        .expect("admin")
        .id;
    let t0 = now() - time::Duration::days(40);
    let day = |n: i64| Set(Some(t0 + time::Duration::days(n)));
    round::ActiveModel {
        id: Set(f.round_id),
        registration_opens_at: day(1),
        registration_closes_at: day(5),
        verification_ends_at: day(10),
        assessment_starts_at: day(12),
        assessment_ends_at: day(15),
        provisional_at: day(16),
        objection_ends_at: day(50),
        final_at: day(60),
        frozen_hash: Set(Some("0".repeat(64))),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("schedule");

    as_user(&mut f.app, "admin@contoh.id").await;
    let page = format!("/admin/seleksi/{}", f.round_id);
    let res = post_from(
        &mut f.app,
        &page,
        &format!("{page}/status"),
        &[("to", "provisional")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let admin_browser = f.app.switch_browser(Browser::default());
    Published {
        f,
        admins: [admin1, admin2],
        emails,
        admin_browser,
    }
}

/// The signed-in admin asks the round page for the step to `to`.
async fn round_step(p: &mut Published, to: &str) -> TestResponse {
    let page = format!("/admin/seleksi/{}", p.f.round_id);
    post_from(
        &mut p.f.app,
        &page,
        &format!("{page}/status"),
        &[("to", to)],
    )
    .await
}

/// The admin moves the round into its objection period.
pub async fn open_objection_window(p: &mut Published) {
    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let res = round_step(p, "objection").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    p.admin_browser = p.f.app.switch_browser(mine);
}

/// The table row (`<tr …>…</tr>`) of a registration number.
pub fn row_of<'a>(body: &'a str, no: &str) -> &'a str {
    let at = body.find(no).unwrap_or_else(|| panic!("{no} not listed"));
    let start = body[..at].rfind("<tr").expect("row start");
    let end = at + body[at..].find("</tr>").expect("row end");
    &body[start..end]
}

/// Registration numbers in the order a page lists them.
pub fn order(body: &str, numbers: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = numbers
        .iter()
        .map(|n| (body.find(n).unwrap_or(usize::MAX), (*n).to_owned()))
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

async fn check_publication(p: &mut Published) {
    let db = p.f.app.db.db.clone();
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    let (a, b, c, d, e, fno) = (&nos[0], &nos[1], &nos[2], &nos[3], &nos[4], &nos[5]);
    let (lottery_first, lottery_second) = if lottery_key(d) < lottery_key(fno) {
        (d, fno)
    } else {
        (fno, d)
    };

    // Anonymous visitors reach the results from the home and round pages.
    let home = p.f.app.get("/").await;
    assert!(home.body.contains(&format!("/seleksi/{SLUG}/hasil")));
    let round_page = p.f.app.get(&format!("/seleksi/{SLUG}")).await;
    assert!(round_page.body.contains(&format!("/seleksi/{SLUG}/hasil")));

    let res = p.f.app.get(&format!("/seleksi/{SLUG}/hasil/{CODE}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = &res.body;
    let all: Vec<&str> = nos.iter().map(String::as_str).collect();
    assert_eq!(
        order(body, &all),
        vec![
            a.clone(),
            b.clone(),
            c.clone(),
            e.clone(),
            lottery_first.clone(),
            lottery_second.clone()
        ],
        "C and E tie at 50 and K1 decides; D and F tie exactly and the lottery key decides"
    );
    for (no, rank, total, status) in [
        (a, "1", "80.00", "Terpilih"),
        (b, "2", "75.00", "Cadangan"),
        (c, "3", "50.00", "Tidak terpilih"),
        (e, "4", "50.00", "Tidak terpilih"),
        (lottery_first, "5", "25.00", "Tidak terpilih"),
        (lottery_second, "6", "25.00", "Tidak terpilih"),
    ] {
        let row = row_of(body, no);
        assert!(
            row.contains(&format!(">{rank}<")),
            "{no} rank {rank}: {row}"
        );
        assert!(row.contains(total), "{no} total {total}: {row}");
        assert!(row.contains(status), "{no} {status}: {row}");
    }
    assert!(body.contains("Pelamar A"), "names are public");
    assert!(
        !body.contains("640102") && !body.contains("*****"),
        "never a NIK"
    );
    assert!(!body.contains("Kenanga"), "never an address");

    // The ranks on the page are the stored ones, each announced once.
    let ranked = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(p.f.round_id))
        .all(&db)
        .await
        .expect("ranking");
    assert!(ranked.iter().all(|r| r.published));
    let announced = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ranking.changed"))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(announced, 6);

    // The signed checkpoint of the publication is shown with how to verify.
    let cp = pokmas::services::checkpoints::latest(&db)
        .await
        .expect("read")
        .expect("checkpoint");
    assert_eq!(cp.reason, "provisional");
    let shown = format!("{}:{}", cp.seq, cp.hash);
    let index = p.f.app.get(&format!("/seleksi/{SLUG}/hasil")).await;
    assert!(index.body.contains(&shown), "{}", index.body);
    assert!(index.body.contains("audit verify"));
    let print =
        p.f.app
            .get(&format!("/seleksi/{SLUG}/pengumuman/{KEL}"))
            .await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains(&shown));
    assert!(print.body.contains(r#"class="pengumuman""#));
    let css = p.f.app.get(&pokmas::views::assets::url("app.css")).await;
    assert!(
        css.body.contains("@page pengumuman{size:A4"),
        "A4 from the stylesheet"
    );
    assert!(
        print.body.contains("kunci undian"),
        "the rule in one paragraph"
    );
    assert!(print.body.contains("Pengumuman hasil sementara"));
    assert!(!print.body.contains("Kenanga"));

    // Every ranked applicant got the result by e-mail, with the page link.
    for (i, email) in p.emails.iter().enumerate() {
        let mail = p.f.app.last_mail_to(email).await;
        assert!(
            mail.subject.contains("Pengumuman hasil seleksi"),
            "{}",
            mail.subject
        );
        assert!(
            mail.body_text
                .contains(&format!("/seleksi/{SLUG}/hasil/{CODE}")),
            "{}",
            mail.body_text
        );
        assert!(mail.body_text.contains(&nos[i]));
    }
    assert!(
        p.f.app
            .last_mail_to(&p.emails[0])
            .await
            .body_text
            .contains("Terpilih")
    );

    // English too.
    p.f.app.get("/bahasa/en?kembali=/").await;
    let en = p.f.app.get(&format!("/seleksi/{SLUG}/hasil/{CODE}")).await;
    assert!(en.body.contains("Selected") && en.body.contains("Reserve"));
    p.f.app.get("/bahasa/id?kembali=/").await;
}

#[tokio::test]
async fn publishing_provisional_results_ranks_ties_by_rule_and_lottery_shows_the_checkpoint_and_mails_everyone()
 {
    let mut p = publish(TestApp::new().await).await;
    check_publication(&mut p).await;
}

#[tokio::test]
async fn the_publication_journey_on_postgresql() {
    let Some(app) = TestApp::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let mut p = publish(app).await;
    check_publication(&mut p).await;
}

#[tokio::test]
async fn the_cached_results_page_is_fresh_after_any_change() {
    let mut p = publish(TestApp::new().await).await;
    let path = format!("/seleksi/{SLUG}/hasil");
    let first = p.f.app.get(&path).await;
    let again = p.f.app.get(&path).await;
    assert_eq!(first.body, again.body, "served from the cache");
    assert!(!first.body.contains("Masa sanggah sedang berjalan"));

    open_objection_window(&mut p).await;
    let after = p.f.app.get(&path).await;
    assert!(
        after.body.contains("Masa sanggah sedang berjalan"),
        "the round moved on: {}",
        after.body
    );

    // Unpublished or unknown results are not found.
    let res = p.f.app.get("/seleksi/tidak-ada/hasil").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res =
        p.f.app
            .get(&format!("/seleksi/{SLUG}/hasil/F-TIDAK-ADA"))
            .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn finalization_needs_a_second_admin_locks_scores_and_signs_the_final_checkpoint() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let db = p.f.app.db.db.clone();
    let results = format!("/admin/seleksi/{}/hasil", p.f.round_id);

    // The generic state form cannot finalize on its own.
    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let res = round_step(&mut p, "final").await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
    assert!(res.body.contains("persetujuan admin kedua"), "{}", res.body);

    // Not before the objection period has ended.
    let reason = [("reason", "Masa sanggah selesai, semua sanggahan diputus.")];
    let res = post_from(&mut p.f.app, &results, &format!("{results}/final"), &reason).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Belum waktunya"), "{}", res.body);

    round::ActiveModel {
        id: Set(p.f.round_id),
        objection_ends_at: Set(Some(now() - time::Duration::hours(1))),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("the window ends");
    let res = post_from(&mut p.f.app, &results, &format!("{results}/final"), &reason).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The requester cannot approve their own request.
    let res = post_from(
        &mut p.f.app,
        &results,
        &format!("{results}/final/keputusan"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let r = round::Entity::find_by_id(p.f.round_id)
        .one(&db)
        .await
        .expect("read")
        .expect("round");
    assert_eq!(r.state.as_str(), "objection");
    p.f.app.switch_browser(mine);

    // A second admin approves.
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let res = post_from(
        &mut p.f.app,
        &results,
        &format!("{results}/final/keputusan"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let r = round::Entity::find_by_id(p.f.round_id)
        .one(&db)
        .await
        .expect("read")
        .expect("round");
    assert_eq!(r.state.as_str(), "final");

    let finalized = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("round.finalized"))
        .one(&db)
        .await
        .expect("read")
        .expect("the finalization event");
    let payload: serde_json::Value = serde_json::from_str(&finalized.payload).expect("json");
    assert_eq!(payload["requested_by"], p.admins[0].to_string());
    assert_eq!(payload["approved_by"], p.admins[1].to_string());
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&db)
        .await
        .expect("read")
        .expect("events");
    let cp = pokmas::services::checkpoints::latest(&db)
        .await
        .expect("read")
        .expect("checkpoint");
    assert_eq!(
        (cp.reason.as_str(), cp.seq, cp.hash.as_str()),
        ("final", last.seq, last.hash.as_str()),
        "one final checkpoint over the whole finalization"
    );
    let finals = audit_checkpoint::Entity::find()
        .filter(audit_checkpoint::Column::Reason.eq("final"))
        .all(&db)
        .await
        .expect("read");
    assert_eq!(finals.len(), 1);

    // Final e-mails and the final announcement, basis of the Lurah's decree.
    let mail = p.f.app.last_mail_to(&p.emails[0]).await;
    assert!(mail.subject.contains("hasil akhir"), "{}", mail.subject);
    let print =
        p.f.app
            .get(&format!("/seleksi/{SLUG}/pengumuman/{KEL}"))
            .await;
    assert!(print.body.contains("Pengumuman hasil akhir"));
    assert!(print.body.contains("surat keputusan (SK) penetapan Pokmas"));
    assert!(print.body.contains(&format!("{}:{}", cp.seq, cp.hash)));

    // Scores are locked: a panelist's amendment is refused.
    as_user(&mut p.f.app, "penilai1@contoh.id").await;
    let a = p.f.apps[0].0;
    let versions_before = score_version::Entity::find()
        .all(&db)
        .await
        .expect("read")
        .len();
    let sheet = format!("/penilai/{a}");
    let res = post_from(
        &mut p.f.app,
        &sheet,
        &format!("{sheet}/nilai"),
        &[
            ("v_K1", "1"),
            ("v_K2", "1"),
            ("reason", "Koreksi setelah final."),
        ],
    )
    .await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
    assert!(res.body.contains("tidak dapat diubah lagi"), "{}", res.body);
    let versions_after = score_version::Entity::find()
        .all(&db)
        .await
        .expect("read")
        .len();
    assert_eq!(versions_before, versions_after);
}
