//! `pokmas retention run` on the demo, through the command as an operator
//! runs it: the dry run with a clock past the retention dates, then the
//! real run with the same clock, erase exactly the same list; and the
//! classes held outside the applications (accounts, sessions and tokens,
//! outbox messages).

use std::collections::BTreeSet;
use std::path::Path;

use pokmas::db::entities::{account, application, document};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

/// Every (number, class) the database still holds, as the retention run
/// names them.
async fn held(
    db: &DatabaseConnection,
    vault: &pokmas::pii::NikVault,
) -> BTreeSet<(String, String)> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut out = BTreeSet::new();
    for a in application::Entity::find().all(db).await.expect("read") {
        let no = a
            .registration_no
            .clone()
            .unwrap_or_else(|| format!("draft {}", a.id));
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(a.id))
            .count(db)
            .await
            .expect("count");
        let p = pokmas::services::data_keys::personal_of(db, vault, &a)
            .await
            .expect("personal");
        let key = pokmas::services::data_keys::key_of(db, vault, a.id, false)
            .await
            .expect("key");
        for (class, holds) in [
            ("documents", docs > 0),
            ("contact", p.has_contact()),
            ("birth", p.has_birth()),
            (
                "nik",
                a.nik_ciphertext.is_some() || a.nik_hash.is_some() || key.is_some(),
            ),
        ] {
            if holds {
                out.insert((no.clone(), class.to_owned()));
            }
        }
    }
    for acc in account::Entity::find().all(db).await.expect("read") {
        if !pokmas::services::retention::is_erased_account(&acc.email) {
            out.insert((format!("account {}", acc.id), "accounts".to_owned()));
        }
    }
    out
}

/// The (number, class) pairs a run printed: `  NO: documents(3), contact`.
fn listed(output: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for line in output.lines().filter(|l| l.starts_with("  ")) {
        let (no, classes) = line.trim().rsplit_once(": ").expect("NO: classes");
        for c in classes.split(", ") {
            let c = c.split('(').next().expect("class");
            out.insert((no.to_owned(), c.to_owned()));
        }
    }
    out
}

/// Standard output of a run that must succeed, without its last line (the
/// dry run's "nothing was changed" or the real run's "erased; …").
fn listing(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", crate::exports::text(o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    lines.join("\n")
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// Dry run then real run of `pokmas retention run` at `at`; the real run
/// lists the same and erases exactly the pairs listed, nothing else.
async fn dry_then_real(
    url: &str,
    dir: &Path,
    db: &DatabaseConnection,
    vault: &pokmas::pii::NikVault,
    at: &str,
) -> BTreeSet<(String, String)> {
    let run = |args: &[&str]| crate::exports::pokmas(url, dir, args);
    let dry = listing(&run(&["retention", "run", "--as-of", at]));
    let before = held(db, vault).await;
    assert_eq!(held(db, vault).await, before, "the dry run changed nothing");
    let real = listing(&run(&["retention", "run", "--execute", "--as-of", at]));
    assert_eq!(real, dry, "the real run lists what the dry run listed");
    let after = held(db, vault).await;
    let erased: BTreeSet<(String, String)> = before.difference(&after).cloned().collect();
    assert_eq!(erased, listed(&dry), "erased exactly the listed: {dry}");
    assert!(after.is_subset(&before));
    let again = listing(&run(&["retention", "run", "--as-of", at]));
    assert_eq!(again, "nothing is due", "nothing left at {at}");
    erased
}

/// On the demo's final round: now nothing is due; with the clock 400 days
/// on (README: `--as-of`), the dry run lists documents and contact data and
/// the real run at that clock prints the same list and erases exactly those
/// (number, class) pairs; 61 months on, NIK, birth data and the idle
/// applicant accounts go the same way, and a NIK ciphertext kept from
/// before no longer opens. One `retention.erased` event per round holds
/// counts only; the exported trail verifies and the ranks recompute.
#[tokio::test]
async fn on_the_demo_a_run_with_a_clock_past_the_dates_erases_exactly_what_its_dry_run_listed() {
    use pokmas::db::entities::audit_event;
    use sea_orm::{ColumnTrait, QueryFilter};

    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = crate::demo::demo(dir.path(), &["--state", "final"]).await;
    assert_eq!(code, 0);
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("pokmas.db").display()
    );
    let secret = pokmas::config::Secret::load_or_create(None, dir.path()).expect("secret");
    let vault = pokmas::pii::NikVault::new(&secret);
    let run = |args: &[&str]| crate::exports::pokmas(&url, dir.path(), args);

    assert_eq!(listing(&run(&["retention", "run"])), "nothing is due");
    let store = pokmas::storage::FileStore::new(dir.path());
    let files: Vec<String> = document::Entity::find()
        .all(&db)
        .await
        .expect("docs")
        .into_iter()
        .map(|d| d.sha256)
        .collect();
    assert!(!files.is_empty() && files.iter().all(|f| store.exists(f)));

    let now = time::OffsetDateTime::now_utc();
    let year_on = rfc3339(now + time::Duration::days(400));
    let erased = dry_then_real(&url, dir.path(), &db, &vault, &year_on).await;
    let classes: BTreeSet<&str> = erased.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        classes,
        BTreeSet::from(["contact", "documents"]),
        "a year on: documents and contact only"
    );
    assert!(files.iter().all(|f| !store.exists(f)), "the files are gone");

    // A copy of a NIK ciphertext, as a backup made before erasure holds it.
    let holder = application::Entity::find()
        .filter(application::Column::NikCiphertext.is_not_null())
        .one(&db)
        .await
        .expect("read")
        .expect("an application with a NIK");
    let copy = String::from_utf8(holder.nik_ciphertext.clone().expect("ct")).expect("utf8");
    let key = pokmas::services::data_keys::key_of(&db, &vault, holder.id, false)
        .await
        .expect("key");
    assert!(vault.decrypt_any(key.as_ref(), &copy).is_ok(), "readable");

    let five_years_on = rfc3339(now + time::Duration::days(61 * 31));
    let erased = dry_then_real(&url, dir.path(), &db, &vault, &five_years_on).await;
    let classes: BTreeSet<&str> = erased.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        classes,
        BTreeSet::from(["accounts", "birth", "nik"]),
        "five years on: identity, birth data and idle accounts"
    );
    assert!(
        vault.decrypt_any(None, &copy).is_err(),
        "the copy no longer opens"
    );
    for acc in account::Entity::find()
        .filter(account::Column::Role.eq("applicant"))
        .all(&db)
        .await
        .expect("read")
    {
        assert!(acc.name.is_empty() && acc.password_hash.is_none() && acc.phone.is_none());
    }
    assert!(
        account::Entity::find()
            .filter(account::Column::Role.eq("admin"))
            .one(&db)
            .await
            .expect("read")
            .is_some_and(|a| !pokmas::services::retention::is_erased_account(&a.email)),
        "staff accounts stay"
    );

    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("retention.erased"))
        .all(&db)
        .await
        .expect("events");
    // Both demo rounds are final: the Pokmas round and the two-stage one.
    let rounds = pokmas::db::entities::round::Entity::find()
        .all(&db)
        .await
        .expect("read");
    assert_eq!(rounds.len(), 2);
    let per_round = events.iter().filter(|e| e.subject_type == "round").count();
    assert_eq!(per_round, 2 * rounds.len(), "one per round and run");
    for e in &events {
        assert!(!e.payload.contains('@'), "counts only: {}", e.payload);
    }
    for (n, r) in rounds.iter().enumerate() {
        let out_dir = dir.path().join(format!("export-{n}"));
        crate::exports::export_verify_recompute(&url, dir.path(), &r.slug, &out_dir);
    }
}

/// Outside the applications, each class goes when its own period ends, by
/// the installation's schedule: an applicant account idle for 24 months is
/// emptied (its sessions and tokens and the text of mail to it go with
/// it), one with an application in a running round and staff accounts
/// stay; sessions and tokens a month after they ended; the address and
/// text of sent messages after 12 months, messages still waiting stay.
#[tokio::test]
async fn accounts_sessions_tokens_and_sent_messages_go_when_their_own_periods_end() {
    use pokmas::db::entities::{api_token, auth_token, mail_outbox, session};
    use pokmas::domain::delivery::Delivery;
    use pokmas::domain::role::Role;
    use pokmas::services::retention;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    use time::Duration;

    let mut f = crate::standings::fixture().await;
    let db = f.app.db.db.clone();
    // Only the rows made below.
    session::Entity::delete_many()
        .exec(&db)
        .await
        .expect("clear");
    auth_token::Entity::delete_many()
        .exec(&db)
        .await
        .expect("clear");
    mail_outbox::Entity::delete_many()
        .exec(&db)
        .await
        .expect("clear");
    let t0 = time::OffsetDateTime::now_utc();
    let idle = f
        .app
        .create_user("lama@contoh.id", Role::Applicant, &[])
        .await;
    let staff = f.app.create_user("aud@contoh.id", Role::Auditor, &[]).await;
    // An applicant of the fixture's round, which is still running.
    let busy = f
        .app
        .create_user("aktif@contoh.id", Role::Applicant, &[])
        .await;
    application::ActiveModel {
        id: Set(f.apps[0].0),
        account_id: Set(Some(busy)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("link");

    let session_of =
        |id: &str, acc: Option<uuid::Uuid>, ends: time::OffsetDateTime| session::ActiveModel {
            id: Set(id.to_owned()),
            data: Set(b"{}".to_vec()),
            expires_at: Set(ends),
            account_id: Set(acc),
        };
    session_of("ended", Some(staff), t0)
        .insert(&db)
        .await
        .expect("session");
    session_of("live", Some(staff), t0 + Duration::days(3650))
        .insert(&db)
        .await
        .expect("session");
    session_of("idle-own", Some(idle), t0 + Duration::days(3650))
        .insert(&db)
        .await
        .expect("session");
    for (n, acc, used) in [(1, staff, Some(t0)), (2, idle, None)] {
        auth_token::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            account_id: Set(acc),
            purpose: Set("password_reset".into()),
            token_hash: Set(format!("hash-{n}")),
            expires_at: Set(t0 + Duration::days(3650)),
            used_at: Set(used),
            created_at: Set(t0),
        }
        .insert(&db)
        .await
        .expect("token");
    }
    api_token::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        account_id: Set(staff),
        label: Set("skrip".into()),
        token_hash: Set("api-hash".into()),
        role: Set("auditor".into()),
        expires_at: Set(t0 + Duration::days(3650)),
        revoked_at: Set(Some(t0)),
        created_at: Set(t0),
    }
    .insert(&db)
    .await
    .expect("api token");
    for (n, to, status) in [
        (1, "warga@contoh.id", Delivery::Sent),
        (2, "warga@contoh.id", Delivery::Pending),
        (3, "lama@contoh.id", Delivery::Sent),
    ] {
        mail_outbox::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            message_id: Set(format!("<m{n}@pokmas.test>")),
            to_address: Set(to.into()),
            to_name: Set("Warga Rahasia".into()),
            locale: Set("id".into()),
            template: Set("test".into()),
            subject: Set("Subjek".into()),
            body_text: Set(format!("Isi rahasia {n}")),
            body_html: Set(format!("<p>Isi rahasia {n}</p>")),
            status: Set(status),
            attempts: Set(1),
            next_attempt_at: Set(t0),
            claimed_until: Set(None),
            last_error: Set(Some(format!("550 {to} unknown"))),
            created_at: Set(t0),
            sent_at: Set((status == Delivery::Sent).then_some(t0)),
            channel: Set("email".into()),
        }
        .insert(&db)
        .await
        .expect("mail");
    }
    let vault = pokmas::pii::NikVault::new(&f.app.state.config.secret);
    let store = f.app.state.files();

    let plan = retention::plan(&db, &vault, t0 + Duration::days(20))
        .await
        .expect("plan");
    assert!(
        plan.records.is_empty(),
        "nothing within a month: {}",
        plan.describe()
    );

    let month_on = t0 + Duration::days(32);
    let plan = retention::plan(&db, &vault, month_on).await.expect("plan");
    assert_eq!(plan.records.sessions, ["ended"]);
    assert_eq!(
        (
            plan.records.auth_tokens.len(),
            plan.records.api_tokens.len()
        ),
        (1, 1)
    );
    assert!(plan.records.accounts.is_empty() && plan.records.messages.is_empty());
    let done = retention::execute(&db, &vault, &store, month_on)
        .await
        .expect("run");
    assert_eq!(done.plan, plan);
    let sessions: Vec<String> = session::Entity::find()
        .all(&db)
        .await
        .expect("read")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(!sessions.contains(&"ended".to_owned()));
    assert_eq!(
        auth_token::Entity::find().count(&db).await.expect("count"),
        1,
        "the unused one stays"
    );
    assert_eq!(
        api_token::Entity::find().count(&db).await.expect("count"),
        0
    );

    let year_on = t0 + Duration::days(370);
    let plan = retention::plan(&db, &vault, year_on).await.expect("plan");
    assert_eq!(
        plan.records.messages.len(),
        2,
        "the two sent, not the waiting one"
    );
    retention::execute(&db, &vault, &store, year_on)
        .await
        .expect("run");
    for m in mail_outbox::Entity::find().all(&db).await.expect("read") {
        let blank = m.to_address.is_empty()
            && m.to_name.is_empty()
            && m.body_text.is_empty()
            && m.body_html.is_empty()
            && m.last_error.is_none();
        assert_eq!(blank, m.status == Delivery::Sent, "{m:?}");
    }
    assert!(
        retention::plan(&db, &vault, year_on)
            .await
            .expect("plan")
            .records
            .is_empty()
    );

    let two_years_on = t0 + Duration::days(2 * 366);
    let plan = retention::plan(&db, &vault, two_years_on)
        .await
        .expect("plan");
    assert_eq!(plan.records.accounts, [idle], "{}", plan.describe());
    retention::execute(&db, &vault, &store, two_years_on)
        .await
        .expect("run");
    let emptied = account::Entity::find_by_id(idle)
        .one(&db)
        .await
        .expect("read")
        .expect("row");
    assert!(retention::is_erased_account(&emptied.email));
    assert!(
        emptied.name.is_empty()
            && emptied.password_hash.is_none()
            && emptied.status == pokmas::domain::account::AccountStatus::Deactivated
    );
    assert_eq!(
        session::Entity::find()
            .all(&db)
            .await
            .expect("read")
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        ["live"],
        "the emptied account's sessions went with it"
    );
    assert_eq!(
        auth_token::Entity::find().count(&db).await.expect("count"),
        0
    );
    for (id, email) in [(staff, "aud@contoh.id"), (busy, "aktif@contoh.id")] {
        let acc = account::Entity::find_by_id(id)
            .one(&db)
            .await
            .expect("read")
            .expect("row");
        assert_eq!(acc.email, email, "kept");
    }
    let res = f.app.get("/pelindungan-data").await;
    for shown in [
        "Akun pendaftar",
        "24 bulan",
        "Sesi masuk dan token",
        "1 bulan",
        "Isi dan alamat pesan terkirim",
    ] {
        assert!(res.body.contains(shown), "privacy page: {shown}");
    }
    let events: Vec<(String, String)> = f
        .app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "retention.erased")
        .collect();
    assert_eq!(events.len(), 3, "one event per run");
    assert!(events.iter().all(|(_, p)| !p.contains('@')));
}

/// Every row of every table of an SQLite database as one line of quoted
/// values (`quote()`: text as text, blobs as hex), with its table's name.
pub async fn every_row(db: &DatabaseConnection) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let tables = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await
        .expect("tables");
    let mut out = Vec::new();
    for t in tables {
        let table: String = t.try_get("", "name").expect("name");
        let cols = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("PRAGMA table_info(\"{table}\")"),
            ))
            .await
            .expect("columns");
        let cols: Vec<String> = cols
            .iter()
            .map(|c| {
                let n: String = c.try_get("", "name").expect("column");
                format!("quote(\"{n}\")")
            })
            .collect();
        let sql = format!(
            "SELECT {} AS row FROM \"{table}\"",
            cols.join(" || '|' || ")
        );
        for r in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("rows")
        {
            let row: String = r.try_get("", "row").expect("row");
            out.push((table.clone(), row));
        }
    }
    out
}

/// Every file under `dir` (an export folder, the data folder) but the
/// database's own whose bytes hold `needle`.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(files_holding(&path, needle));
        } else if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("pokmas.db"))
        {
            // The database is read row by row (`every_row`).
        } else if std::fs::read(&path)
            .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            out.push(path);
        }
    }
    out
}
