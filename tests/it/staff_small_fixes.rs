//! Smaller things admins, panelists and residents noticed on a phone (issue
//! "Smaller things": Admin, Panelist, the public pages), each through the
//! real router as that person clicks it.

use axum::http::StatusCode;
use pokmas::db::entities::{audit_event, objection, panel_member, test_invitation};
use pokmas::domain::role::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::results::{SLUG, as_user, open_objection_window, post_from, publish};
use crate::standings::fixture;
use crate::support::{PASSWORD, TestApp, hidden_value};

/// The request path of a redirect, without its `#fragment` (a browser keeps
/// the fragment to scroll; the server never sees it).
fn path_of(location: &str) -> (&str, &str) {
    location.split_once('#').unwrap_or((location, ""))
}

#[tokio::test]
async fn attendance_rows_stack_on_a_phone_return_to_their_row_and_absent_to_present_asks_why() {
    let mut f = fixture().await;
    f.app.login("admin@contoh.id", PASSWORD).await;
    let sched = format!("/admin/seleksi/{}/uji", f.round_id);
    let inv = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(f.apps[0].0))
        .one(&f.app.db.db)
        .await
        .expect("read")
        .expect("invitation");
    let action = format!("{sched}/undangan/{}/kehadiran", inv.id);

    // On a phone the rows stack (no sideways scroll hiding the buttons).
    let page = f.app.get(&sched).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<table class=\"stack\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-label=\"Kehadiran\""));
    let css = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/app.css"))
        .expect("app.css");
    assert!(css.contains("table.stack tr,table.stack td{display:block}"));

    // A click comes back to the same row, with a message in it.
    let res = post_from(&mut f.app, &sched, &action, &[("attendance", "absent")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.location().expect("location").to_owned();
    let (path, anchor) = path_of(&to);
    assert_eq!(anchor, format!("undangan-{}", inv.id));
    let page = f.app.get(path).await;
    let row = page
        .body
        .split(&format!("id=\"undangan-{}\"", inv.id))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the row");
    assert!(row.contains("Kehadiran tercatat."), "{row}");
    assert!(row.contains("name=\"reason\""), "a reason field: {row}");

    // Absent → present without a reason: refused, nothing changes.
    let res = post_from(&mut f.app, &sched, &action, &[("attendance", "present")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Tulis alasan mengubahnya menjadi hadir"));
    let now = test_invitation::Entity::find_by_id(inv.id)
        .one(&f.app.db.db)
        .await
        .expect("read")
        .expect("invitation");
    assert_eq!(now.attendance.as_deref(), Some("absent"));

    // With a reason: recorded, and the reason is in the trail.
    let res = post_from(
        &mut f.app,
        &sched,
        &action,
        &[
            ("attendance", "present"),
            (
                "reason",
                "Datang terlambat 10 menit, diuji di sesi yang sama.",
            ),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let last = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("test.attendance_recorded"))
        .order_by_desc(audit_event::Column::Seq)
        .one(&f.app.db.db)
        .await
        .expect("read")
        .expect("event");
    assert_eq!(
        last.reason,
        "Datang terlambat 10 menit, diuji di sesi yang sama."
    );
    assert!(last.payload.contains("\"present\""));
}

#[tokio::test]
async fn the_panelist_list_opens_on_needs_action_while_something_waits() {
    let mut f = fixture().await;
    let id = f
        .app
        .create_user("penilai.baru@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(id),
    }
    .insert(&f.app.db.db)
    .await
    .expect("member");
    f.app.login("penilai.baru@contoh.id", PASSWORD).await;
    // Every application waits for this panelist's declaration: the list
    // opens filtered, and "All" is one click away.
    let page = f.app.get("/penilai").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<strong aria-current=\"page\">Perlu tindakan ("),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/penilai?perlu=0\""));
    let all = f.app.get("/penilai?perlu=0").await;
    assert!(all.body.contains("<strong aria-current=\"page\">Semua ("));
    for (_, no) in &f.apps {
        assert!(all.body.contains(no.as_str()), "{no} in the full list");
    }
}

#[tokio::test]
async fn the_reviewer_reads_the_objectors_scorecards_by_panelist_beside_the_objection() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (e_id, _) = p.f.apps[4].clone();
    as_user(&mut p.f.app, &p.emails[4]).await;
    let form_path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("key");
    let res = crate::support::journey::post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            (
                "grounds",
                "Nilai K1 saya dari penilai pertama tidak sesuai jawaban wawancara saya.",
            ),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let o = objection::Entity::find()
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("objection");
    let detail = format!("/sanggahan/{}", o.id);
    // The objector does not see panelists' names.
    let mine = p.f.app.get(&detail).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.body.contains("Lembar nilai pendaftar"));
    assert!(!mine.body.contains("penilai1@contoh.id"));

    p.f.app.switch_browser(p.admin_browser.clone());
    let list = format!("/admin/seleksi/{}/sanggahan", p.f.round_id);
    let assign = format!("/admin/sanggahan/{}/peninjau", o.id);
    let reviewer = p.admins[1].to_string();
    let res = post_from(&mut p.f.app, &list, &assign, &[("reviewer_id", &reviewer)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let page = p.f.app.get(&detail).await;
    assert_eq!(page.status, StatusCode::OK);
    let cards = page
        .body
        .split("Lembar nilai pendaftar")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the scorecards beside the objection");
    // E was scored K1 = 2, 2, 3 and K2 = 4 by the three panelists.
    for n in 1..=3 {
        assert!(
            cards.contains(&format!("Pengguna penilai{n}@contoh.id")),
            "panelist {n} by name: {cards}"
        );
    }
    assert_eq!(cards.matches("<code>K1</code>").count(), 3, "{cards}");
    assert!(cards.contains("<strong>3</strong>"), "{cards}");
    assert!(cards.contains("<strong>4</strong>"), "{cards}");
}

#[tokio::test]
async fn the_round_page_says_in_plain_words_how_ties_are_settled_before_the_formula() {
    let mut p = publish(TestApp::new().await).await;
    // An anonymous visitor.
    let _ = p.f.app.switch_browser(Default::default());
    let page = p.f.app.get(&format!("/seleksi/{SLUG}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let plain = page
        .body
        .find("undian yang tidak dapat diatur siapa pun")
        .expect("a plain sentence");
    let formula = page.body.find("sha256(seed").expect("the exact rule");
    let commit = page.body.find("komit–ungkap").expect("the term");
    assert!(plain < formula && plain < commit, "plain words first");
}
