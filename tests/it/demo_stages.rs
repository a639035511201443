//! The demo's second round, a two-stage TPP-like recruitment: only those on
//! the written test's shortlist are invited to the interview, its exports
//! pass `audit verify` and `audit recompute`, an independent re-computation
//! written from the README alone agrees with every shortlist and final rank
//! (and catches a tampered row), and the reserve promoted after the final
//! result moved ranks with the withdrawal as their recorded cause.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use pokmas::db::entities::{
    application, approval, audit_event, round, stage_shortlist_entry, test_invitation,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::demo::{demo, get};

/// Runs `tests/independent/recompute_stages.py FOLDER`: its exit code and
/// output, or `None` without python3 (allowed outside CI only).
pub(crate) fn independent_recompute(folder: &Path) -> Option<(i32, String)> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/independent/recompute_stages.py"
    );
    match Command::new("python3").arg(script).arg(folder).output() {
        Ok(o) => Some((
            o.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 is needed in CI for the independent re-computation"
            );
            None
        }
    }
}

/// The last field of each data row of a CSV text (no quoted commas there).
fn last_fields(csv: &str) -> Vec<&str> {
    csv.lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn the_demos_two_stage_round_passes_the_audit_and_an_independent_recomputation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = demo(dir.path(), &["--seed", "7", "--state", "final"]).await;
    assert_eq!(code, 0);

    // Two rounds, both final; the staged one never says Pokmas.
    let rounds = round::Entity::find().all(&db).await.expect("rounds");
    assert_eq!(rounds.len(), 2);
    let tpp = rounds
        .iter()
        .find(|r| r.final_rule.is_some())
        .expect("a staged round")
        .clone();
    assert_eq!(tpp.state.as_str(), "final");
    assert_eq!(tpp.final_rule.as_deref(), Some("weighted"));
    assert!(!tpp.name.contains("Pokmas"), "{}", tpp.name);
    let (status, body) = get(dir.path(), &db, "/api/v1/rounds").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for r in &rounds {
        assert!(body.contains(&format!("\"{}\"", r.slug)), "{body}");
    }

    // Its public page and results show the stages, the shortlist's
    // publication with its objection window, and the final rule; the
    // one-stage round's pages show no stages.
    let published = pokmas::db::entities::stage_shortlist::Entity::find()
        .filter(pokmas::db::entities::stage_shortlist::Column::RoundId.eq(tpp.id))
        .one(&db)
        .await
        .expect("query")
        .expect("the written test's shortlist");
    for path in [
        format!("/seleksi/{}", tpp.slug),
        format!("/seleksi/{}/hasil", tpp.slug),
    ] {
        let (status, page) = get(dir.path(), &db, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        for text in [
            "Tahapan seleksi",
            "Tes tertulis berbasis komputer",
            "3 × kursi terbaik",
            "Daftar lolos diterbitkan",
            &pokmas::domain::round::format_wita(published.published_at),
            &pokmas::domain::round::format_wita(published.objection_ends_at),
            "rata-rata berbobot",
        ] {
            assert!(page.contains(text), "{path}: {text}");
        }
        // The round's own content speaks of facilitators; the
        // installation's header and footer carry its brand.
        let main = &page[page.find("<main").expect("main")..page.find("</main>").expect("end")];
        assert!(!main.contains("Pokmas"), "{path} names Pokmas:\n{main}");
    }
    // Every mail and text the demo queued about an application of the
    // two-stage round (each names its registration number) speaks of its
    // programme's texts, never of Pokmas.
    let numbers: Vec<String> = pokmas::db::entities::application::Entity::find()
        .filter(pokmas::db::entities::application::Column::RoundId.eq(tpp.id))
        .all(&db)
        .await
        .expect("applications")
        .into_iter()
        .filter_map(|a| a.registration_no)
        .collect();
    let about_tpp: Vec<_> = pokmas::db::entities::mail_outbox::Entity::find()
        .all(&db)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| numbers.iter().any(|n| m.body_text.contains(n.as_str())))
        .collect();
    assert!(about_tpp.len() > 40, "the demo wrote to its applicants");
    assert!(
        about_tpp
            .iter()
            .any(|m| m.body_text.contains("Tenaga Pendamping (TPP)")),
        "in the round's own words"
    );
    for m in &about_tpp {
        let text = format!("{}\n{}\n{}", m.subject, m.body_text, m.body_html)
            .replace("pokmas.test", "")
            .replace("pokmas.localhost", "")
            .replace("demo.pokmas.id", "");
        assert!(
            !text.contains("Pokmas") && !text.contains("POKMAS"),
            "{} names Pokmas:\n{text}",
            m.template
        );
    }
    let pokmas_round = rounds
        .iter()
        .find(|r| r.final_rule.is_none())
        .expect("the Pokmas round");
    let (_, page) = get(
        dir.path(),
        &db,
        &format!("/seleksi/{}/hasil", pokmas_round.slug),
    )
    .await;
    assert!(!page.contains("Tahapan seleksi"), "{page}");

    // Only those on the written test's shortlist were invited to the
    // interview, and some eligible applicants were not.
    let went_on: BTreeSet<Uuid> = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(tpp.id))
        .filter(stage_shortlist_entry::Column::Advances.eq(true))
        .all(&db)
        .await
        .expect("shortlist")
        .into_iter()
        .map(|e| e.application_id)
        .collect();
    let ours: BTreeSet<Uuid> = application::Entity::find()
        .filter(application::Column::RoundId.eq(tpp.id))
        .all(&db)
        .await
        .expect("applications")
        .into_iter()
        .map(|a| a.id)
        .collect();
    let invited: BTreeSet<Uuid> = test_invitation::Entity::find()
        .all(&db)
        .await
        .expect("invitations")
        .into_iter()
        .map(|i| i.application_id)
        .filter(|id| ours.contains(id))
        .collect();
    assert!(!went_on.is_empty());
    assert!(went_on.len() < ours.len());
    assert_eq!(invited, went_on);

    // A selected facilitator withdrew after the final result: one admin
    // asked, the other approved, and the reserve moved up with the
    // withdrawal recorded as the cause of every rank change.
    let withdrawn = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("application.withdrawn_after_final"))
        .filter(audit_event::Column::RoundId.eq(tpp.id.to_string()))
        .one(&db)
        .await
        .expect("query")
        .expect("a withdrawal after the final result");
    let payload: serde_json::Value = serde_json::from_str(&withdrawn.payload).expect("json");
    assert_ne!(payload["requested_by"], payload["approved_by"]);
    let decided = approval::Entity::find()
        .filter(approval::Column::RoundId.eq(tpp.id))
        .all(&db)
        .await
        .expect("approvals");
    assert!(
        decided
            .iter()
            .any(|a| a.status == pokmas::domain::approval::ApprovalStatus::Approved),
        "{decided:?}"
    );
    let changes: Vec<serde_json::Value> = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ranking.changed"))
        .filter(audit_event::Column::Seq.gt(withdrawn.seq))
        .order_by_asc(audit_event::Column::Seq)
        .all(&db)
        .await
        .expect("changes")
        .into_iter()
        .map(|e| serde_json::from_str(&e.payload).expect("json"))
        .collect();
    assert!(
        changes
            .iter()
            .all(|c| c["cause_seq"].as_i64() == Some(withdrawn.seq)),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["from_status"] == "reserve" && c["to_status"] == "selected"),
        "the reserve is promoted: {changes:?}"
    );
    assert!(
        changes.iter().any(|c| c["from_status"] == "selected"
            && (c["to_status"].is_null() || c["to_status"] == "")),
        "the member who left loses the seat: {changes:?}"
    );

    // The exports carry the stage of every score and rank, and pass
    // `audit verify` and `audit recompute` through the command line.
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("pokmas.db").display()
    );
    let folder = dir.path().join("ekspor-tpp");
    crate::exports::export_verify_recompute(&url, dir.path(), &tpp.slug, &folder);
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).expect(name);
    let scores = read("scores.csv");
    let stages: BTreeSet<&str> = last_fields(&scores).into_iter().collect();
    assert_eq!(
        stages,
        BTreeSet::from(["TERTULIS", "WAWANCARA"]),
        "every value names its stage"
    );
    let rankings = read("rankings.csv");
    let reached: BTreeSet<&str> = last_fields(&rankings).into_iter().collect();
    assert_eq!(
        reached,
        BTreeSet::from(["TERTULIS", "WAWANCARA"]),
        "every rank names its stage"
    );

    // The independent re-computation from the README agrees …
    let Some((code, out)) = independent_recompute(&folder) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("agree:"), "{out}");

    // … and names a shortlist entry marked as going on that did not.
    let shortlists = read("shortlists.csv");
    let row = shortlists
        .lines()
        .find(|l| l.contains(",false,") && !l.ends_with(','))
        .expect("someone with a written test who did not go on");
    let no = row.split(',').nth(3).expect("registration number");
    std::fs::write(
        folder.join("shortlists.csv"),
        shortlists.replacen(row, &row.replacen(",false,", ",true,", 1), 1),
    )
    .expect("write");
    let (code, out) = independent_recompute(&folder).expect("python3");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "{no} ({}): shortlist of stage TERTULIS: advances: exported \"true\", recomputed \"false\"",
            row.split(',').nth(2).expect("formation")
        )),
        "{out}"
    );
    std::fs::write(folder.join("shortlists.csv"), &shortlists).expect("write");

    // A first rank made a reserve in rankings.csv: named.
    let swapped = rankings.replacen(",true,1,selected,", ",true,1,reserve,", 1);
    assert_ne!(swapped, rankings);
    std::fs::write(folder.join("rankings.csv"), &swapped).expect("write");
    let (code, out) = independent_recompute(&folder).expect("python3");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("status: exported \"reserve\", recomputed \"selected\""),
        "{out}"
    );
}
