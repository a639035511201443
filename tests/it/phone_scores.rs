//! On a 360 px phone a resident reads their rank, status, score breakdown
//! and tie reason without sideways scrolling: signed in, on their own status
//! page, and as a desk registrant with number + PIN at `/cek-status`. Real
//! Chromium at 360×740; screenshots `phone-status-scores`,
//! `phone-cek-status-scores` and each one's `-breakdown` are kept under
//! `target/tmp/artifacts/`.

use fantoccini::Locator;
use pokmas::db::entities::ranking;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::browser::{Chrome, serve};
use crate::resident_view::make_assisted;
use crate::results::{open_objection_window, publish};
use crate::support::TestApp;

/// What the phone shows of the result, read in the browser.
#[derive(Debug, serde::Deserialize)]
struct Seen {
    /// `document.documentElement.scrollWidth` and `window.innerWidth`.
    scroll: u64,
    inner: u64,
    /// Elements of the headline and of the breakdown that stick out of the
    /// 360 px screen, are squeezed to nothing, or scroll inside themselves.
    off: Vec<String>,
    headline: String,
    criteria: Vec<String>,
    total: String,
    ties: Vec<String>,
}

const READ: &str = r"
const all = sel => Array.from(document.querySelectorAll(sel));
const off = all('.headline, .headline *, #nilai, #nilai *').filter(e => {
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  if (s.display === 'none' || s.visibility === 'hidden') return true;
  return r.left < 0 || r.right > 360 || e.scrollWidth > e.clientWidth + 1
    || (e.matches('.headline, #nilai, .score-criterion, .score-total, .score-ties li') && (r.width === 0 || r.height === 0));
}).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right) + 'px');
const text = e => e.innerText;
return {
  scroll: document.documentElement.scrollWidth,
  inner: window.innerWidth,
  off: off,
  headline: all('.headline-title').map(text).join(' '),
  criteria: all('#nilai .score-criterion').map(text),
  total: all('#nilai .score-total').map(text).join(' '),
  ties: all('#nilai .score-ties li').map(text),
};";

/// The published rank and status words of an application.
async fn rank_of(app: &TestApp, id: Uuid) -> (i32, &'static str) {
    let r = ranking::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("read")
        .expect("ranked");
    let status = match r.status.as_deref() {
        Some("selected") => "Terpilih",
        Some("reserve") => "Cadangan",
        Some("not_selected") => "Tidak terpilih",
        other => panic!("unexpected status {other:?}"),
    };
    (r.rank.expect("a rank"), status)
}

/// Reads the current page and checks the four things a resident must read,
/// all within the screen; `tie` is a phrase of the expected tie reason.
async fn assert_readable(chrome: &Chrome, (rank, status): (i32, &str), tie: &str, shot: &str) {
    chrome.wait_for_text("main", "Nilai Anda").await;
    chrome.screenshot(shot).await;
    let v = chrome.client.execute(READ, vec![]).await.expect("read");
    let seen: Seen = serde_json::from_value(v).expect("seen");
    // A page wider than the phone also widens Chromium's layout viewport.
    assert!(
        seen.inner == 360 && seen.scroll <= 360,
        "{shot}: the page is {}px wide in a {}px viewport; off the screen: {:?}",
        seen.scroll,
        seen.inner,
        seen.off
    );
    assert!(
        seen.off.is_empty(),
        "{shot}: off the screen: {:?}",
        seen.off
    );
    // Rank and status, in the headline.
    assert!(
        seen.headline
            .contains(&format!("{status} · peringkat {rank}")),
        "{shot}: {}",
        seen.headline
    );
    // The breakdown: both criteria with every panelist's value, the total.
    assert_eq!(seen.criteria.len(), 2, "{shot}: {:?}", seen.criteria);
    for c in &seen.criteria {
        for who in ["Penilai A", "Penilai B", "Penilai C", "Nilai gabungan"] {
            assert!(c.contains(who), "{shot}: {who} in {c}");
        }
    }
    assert!(
        seen.total.starts_with("Total: ") && seen.total.contains("/1"),
        "{shot}: {}",
        seen.total
    );
    // How the tie was decided.
    assert!(
        seen.ties.iter().any(|t| t.contains(tie)),
        "{shot}: {tie} in {:?}",
        seen.ties
    );
    chrome
        .client
        .execute("document.getElementById('nilai').scrollIntoView();", vec![])
        .await
        .expect("scroll to the breakdown");
    chrome.screenshot(&format!("{shot}-breakdown")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_a_resident_reads_rank_status_scores_and_tie_reason_without_scrolling_sideways()
{
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    // E (signed in) tied with C and was placed by the tie-break criterion;
    // F (a desk registrant, number + PIN) tied with D and the lottery decided.
    let (e_id, _) = p.f.apps[4].clone();
    let (f_id, f_no, _) = make_assisted(&mut p, 5).await;
    let e_rank = rank_of(&p.f.app, e_id).await;
    let f_rank = rank_of(&p.f.app, f_id).await;
    let base = serve(&p.f.app).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let c = &chrome.client;

    c.goto(&format!("{base}/masuk")).await.expect("login page");
    chrome.sign_in(&p.emails[4], None).await;
    c.goto(&format!("{base}/pendaftaran/{e_id}"))
        .await
        .expect("status page");
    assert_readable(
        &chrome,
        e_rank,
        "karena kriteria penentu seri K1",
        "phone-status-scores",
    )
    .await;

    // Signed out, with number + PIN.
    c.delete_all_cookies().await.expect("sign out");
    c.goto(&format!("{base}/cek-status"))
        .await
        .expect("status check");
    for (id, value) in [("number", f_no.as_str()), ("pin", "123456")] {
        c.find(Locator::Id(id))
            .await
            .expect("field")
            .send_keys(value)
            .await
            .expect("type");
    }
    c.find(Locator::Css(
        "form[action='/cek-status'] button[type=submit]",
    ))
    .await
    .expect("check button")
    .click()
    .await
    .expect("click");
    assert_readable(
        &chrome,
        f_rank,
        "undian memutuskan",
        "phone-cek-status-scores",
    )
    .await;
    chrome.stop().await;
}
