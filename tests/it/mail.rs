//! Mail: the outbox in the caller's transaction, the worker, and the transports,
//! including real SMTP over loopback against a small in-test server.

use std::collections::HashSet;
use std::time::Duration;

use pokmas::db::begin_write;
use pokmas::db::entities::mail_outbox::{self, Column, Entity};
use pokmas::mail::templates::{InvitedRole, ResultStatus};
use pokmas::mail::worker::{LEASE, MAX_ATTEMPTS};
use pokmas::mail::{Locale, Mailbox, Template, Transport, backoff, drain_once, enqueue, failures};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::support::TestDb;
use crate::support::smtp_sink::{ParsedMail, SinkMode, SmtpSink};

/// Runs one journey on SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.
macro_rules! on_both_databases {
    ($journey:ident) => {
        mod $journey {
            #[tokio::test]
            async fn sqlite() {
                super::$journey(crate::support::TestDb::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(t) = crate::support::TestDb::postgres().await else {
                    return;
                };
                super::$journey(t).await;
            }
        }
    };
}

on_both_databases!(a_committed_mail_reaches_the_smtp_server_once_with_its_outbox_message_id);
on_both_databases!(a_rolled_back_change_sends_no_mail);
on_both_databases!(
    an_unreachable_relay_keeps_the_mail_pending_and_retries_with_backoff_until_it_gives_up
);
on_both_databases!(a_relay_that_rejects_the_recipient_fails_the_mail_without_retrying);
on_both_databases!(mail_stuck_in_sending_after_a_crash_is_sent_again_but_sent_mail_never_is);
on_both_databases!(two_workers_draining_together_send_every_mail_exactly_once);
on_both_databases!(without_smtp_each_mail_becomes_a_parseable_eml_file_in_send_order);

fn sender() -> Mailbox {
    "Panitia Seleksi Pokmas <noreply@pokmas.samarindakota.go.id>"
        .parse()
        .expect("sender mailbox")
}

fn receipt(no: &str) -> Template {
    Template::ApplicationReceipt {
        name: "Siti Rahmawati".into(),
        registration_no: no.into(),
        round_name: "Rekrutmen Pokmas 2023".into(),
        status_link: format!("https://pokmas.example.id/status/{no}"),
        submission_hash_short: "9f86d081".into(),
    }
}

/// Queues one mail in its own committed transaction, as a use case would.
async fn queue(db: &DatabaseConnection, to: &str, mail: &Template) -> Uuid {
    let tx = begin_write(db).await.expect("begin");
    let id = enqueue(&tx, to, "Siti Rahmawati", Locale::Id, mail, &sender())
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

async fn row(db: &DatabaseConnection, id: Uuid) -> mail_outbox::Model {
    Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("outbox row exists")
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

// ---------------------------------------------------------------------------
// Journeys

async fn a_committed_mail_reaches_the_smtp_server_once_with_its_outbox_message_id(t: TestDb) {
    let sink = SmtpSink::start(SinkMode::Accept).await;
    let transport =
        Transport::from_url(Some(&sink.url()), t.dir.path().join("mail")).expect("smtp transport");
    let id = queue(&t.db, "siti@example.id", &receipt("2023-SMD-0042")).await;
    let queued = row(&t.db, id).await;
    assert_eq!(queued.status.as_str(), "pending");

    let report = drain_once(&t.db, &transport, &sender(), OffsetDateTime::now_utc())
        .await
        .expect("drain");

    assert_eq!((report.claimed, report.sent), (1, 1));
    let got = sink.received();
    assert_eq!(got.len(), 1, "exactly one message reached the relay");
    assert_eq!(got[0].rcpt_to, vec!["<siti@example.id>".to_owned()]);
    assert_eq!(got[0].mail_from, "<noreply@pokmas.samarindakota.go.id>");
    let mail = ParsedMail::parse(&got[0].data);
    assert!(
        mail.header("To").contains("<siti@example.id>"),
        "{}",
        mail.header("To")
    );
    assert!(
        mail.header("From")
            .contains("noreply@pokmas.samarindakota.go.id")
    );
    assert_eq!(
        mail.header("Subject"),
        "Tanda terima pendaftaran 2023-SMD-0042"
    );
    assert_eq!(mail.header("Message-ID"), queued.message_id);
    assert!(queued.message_id.ends_with("@pokmas.samarindakota.go.id>"));
    assert!(!mail.header("Date").is_empty());
    assert!(
        mail.header("Content-Type")
            .starts_with("multipart/alternative")
    );
    let text = mail.part("text/plain");
    assert!(text.contains("Yth. Bapak/Ibu Siti Rahmawati,"), "{text}");
    assert!(
        text.contains("Nomor pendaftaran     : 2023-SMD-0042"),
        "{text}"
    );
    let html = mail.part("text/html");
    assert!(
        html.contains("<a href=\"https://pokmas.example.id/status/2023-SMD-0042\""),
        "{html}"
    );

    let sent = row(&t.db, id).await;
    assert_eq!(sent.status.as_str(), "sent");
    assert!(sent.sent_at.is_some());
    assert_eq!(sent.attempts, 1);

    let again = drain_once(
        &t.db,
        &transport,
        &sender(),
        OffsetDateTime::now_utc() + LEASE * 2,
    )
    .await
    .expect("drain again");
    assert_eq!(again.claimed, 0);
    assert_eq!(sink.received().len(), 1, "a sent mail is not sent twice");
}

async fn a_rolled_back_change_sends_no_mail(t: TestDb) {
    let kept = queue(&t.db, "siti@example.id", &receipt("2023-SMD-0001")).await;
    let tx = begin_write(&t.db).await.expect("begin");
    enqueue(
        &tx,
        "budi@example.id",
        "Budi",
        Locale::En,
        &receipt("2023-SMD-0002"),
        &sender(),
    )
    .await
    .expect("enqueue");
    tx.rollback().await.expect("rollback");

    assert_eq!(Entity::find().count(&t.db).await.expect("count"), 1);
    let memory = Transport::memory();
    let report = drain_once(&t.db, &memory, &sender(), OffsetDateTime::now_utc())
        .await
        .expect("drain");
    assert_eq!(report.sent, 1);
    let sent = memory.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].outbox_id, kept);
    assert_eq!(sent[0].to, "siti@example.id");
    assert_eq!(sent[0].subject, "Tanda terima pendaftaran 2023-SMD-0001");
    assert!(sent[0].text.contains("2023-SMD-0001"));
    assert!(sent[0].html.contains("2023-SMD-0001"));
    let raw = String::from_utf8(sent[0].raw.clone()).expect("ascii message");
    assert_eq!(
        ParsedMail::parse(&raw).header("Message-ID"),
        sent[0].message_id
    );
}

async fn an_unreachable_relay_keeps_the_mail_pending_and_retries_with_backoff_until_it_gives_up(
    t: TestDb,
) {
    let url = format!("smtp://127.0.0.1:{}", closed_port().await);
    let transport = Transport::from_url(Some(&url), t.dir.path().join("mail")).expect("smtp");
    let id = queue(
        &t.db,
        "siti@example.id",
        &Template::Test {
            name: "Siti".into(),
        },
    )
    .await;
    let first_try = row(&t.db, id).await.next_attempt_at;

    let report = drain_once(&t.db, &transport, &sender(), first_try)
        .await
        .expect("drain");

    assert_eq!((report.sent, report.retrying, report.failed), (0, 1, 0));
    let after = row(&t.db, id).await;
    assert_eq!(after.status.as_str(), "pending");
    assert_eq!(after.attempts, 1);
    assert!(
        after
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("temporary failure"))
    );
    assert_eq!(after.next_attempt_at, first_try + backoff(1));
    assert_eq!(after.claimed_until, None);

    // Not due yet: nothing is tried before the backoff has passed.
    let early = drain_once(
        &t.db,
        &transport,
        &sender(),
        after.next_attempt_at - Duration::from_secs(1),
    )
    .await
    .expect("drain early");
    assert_eq!(early.claimed, 0);

    let mut current = after;
    while current.status.as_str() == "pending" {
        let due = current.next_attempt_at;
        drain_once(&t.db, &transport, &sender(), due)
            .await
            .expect("drain");
        let next = row(&t.db, id).await;
        if next.status.as_str() == "pending" {
            assert_eq!(
                next.next_attempt_at,
                due + backoff(u32::try_from(next.attempts).expect("small"))
            );
        }
        current = next;
    }
    assert_eq!(current.status.as_str(), "failed");
    assert_eq!(current.attempts, MAX_ATTEMPTS);
    assert!(current.last_error.is_some());
    let listed = failures(&t.db).await.expect("failures");
    assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
    let later = drain_once(
        &t.db,
        &transport,
        &sender(),
        current.next_attempt_at + Duration::from_secs(86_400),
    )
    .await
    .expect("drain");
    assert_eq!(later.claimed, 0, "a failed mail is not retried on its own");
}

async fn a_relay_that_rejects_the_recipient_fails_the_mail_without_retrying(t: TestDb) {
    let sink = SmtpSink::start(SinkMode::RejectRecipients).await;
    let transport =
        Transport::from_url(Some(&sink.url()), t.dir.path().join("mail")).expect("smtp");
    let id = queue(&t.db, "nobody@example.id", &receipt("2023-SMD-0003")).await;

    let report = drain_once(&t.db, &transport, &sender(), OffsetDateTime::now_utc())
        .await
        .expect("drain");

    assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 1));
    let failed = row(&t.db, id).await;
    assert_eq!(failed.status.as_str(), "failed");
    assert_eq!(failed.attempts, 1);
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{:?}",
        failed.last_error
    );
    assert!(sink.received().is_empty());
}

async fn mail_stuck_in_sending_after_a_crash_is_sent_again_but_sent_mail_never_is(t: TestDb) {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("whole second");
    let crashed = queue(&t.db, "a@example.id", &receipt("2023-SMD-0010")).await;
    let busy = queue(&t.db, "b@example.id", &receipt("2023-SMD-0011")).await;
    let done = queue(&t.db, "c@example.id", &receipt("2023-SMD-0012")).await;
    let hopeless = queue(&t.db, "d@example.id", &receipt("2023-SMD-0013")).await;
    // A worker claimed `crashed` and died; another is still sending `busy`.
    set_state(
        &t.db,
        crashed,
        "sending",
        1,
        Some(now - Duration::from_secs(60)),
    )
    .await;
    set_state(
        &t.db,
        busy,
        "sending",
        1,
        Some(now + Duration::from_secs(600)),
    )
    .await;
    set_state(&t.db, done, "sent", 1, None).await;
    // Every try of this one was interrupted.
    set_state(
        &t.db,
        hopeless,
        "sending",
        MAX_ATTEMPTS,
        Some(now - Duration::from_secs(60)),
    )
    .await;
    let memory = Transport::memory();

    let report = drain_once(&t.db, &memory, &sender(), now)
        .await
        .expect("drain");

    assert_eq!((report.sent, report.failed), (1, 1));
    let sent: Vec<Uuid> = memory.sent().iter().map(|m| m.outbox_id).collect();
    assert_eq!(sent, vec![crashed]);
    assert_eq!(
        memory.sent()[0].message_id,
        row(&t.db, crashed).await.message_id
    );
    assert_eq!(row(&t.db, crashed).await.status.as_str(), "sent");
    assert_eq!(row(&t.db, crashed).await.attempts, 2);
    assert_eq!(
        row(&t.db, busy).await.status.as_str(),
        "sending",
        "a live lease is respected"
    );
    assert_eq!(row(&t.db, hopeless).await.status.as_str(), "failed");

    // Long after every lease: only `busy` is left to send; `done` never is.
    let later = drain_once(&t.db, &memory, &sender(), now + LEASE * 4)
        .await
        .expect("drain");
    assert_eq!(later.sent, 1);
    let sent: Vec<Uuid> = memory.sent().iter().map(|m| m.outbox_id).collect();
    assert_eq!(sent, vec![crashed, busy]);
    assert_eq!(row(&t.db, done).await.status.as_str(), "sent");
    assert_eq!(
        row(&t.db, done).await.sent_at,
        None,
        "untouched by the worker"
    );
}

async fn two_workers_draining_together_send_every_mail_exactly_once(t: TestDb) {
    let second = pokmas::db::connect(&t.url)
        .await
        .expect("second connection pool");
    let mut queued = HashSet::new();
    for i in 0..40 {
        queued.insert(
            queue(
                &t.db,
                "siti@example.id",
                &receipt(&format!("2023-SMD-{i:04}")),
            )
            .await,
        );
    }
    let (a, b) = (Transport::memory(), Transport::memory());

    let worker = |db: DatabaseConnection, transport: Transport| async move {
        loop {
            let r = drain_once(&db, &transport, &sender(), OffsetDateTime::now_utc())
                .await
                .expect("drain");
            if r.claimed == 0 {
                break;
            }
        }
    };
    tokio::join!(worker(t.db.clone(), a.clone()), worker(second, b.clone()));

    let ids: Vec<Uuid> = a
        .sent()
        .iter()
        .chain(b.sent().iter())
        .map(|m| m.outbox_id)
        .collect();
    assert_eq!(ids.len(), 40, "no mail sent twice, none left out");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), queued);
    let unsent = Entity::find()
        .filter(Column::Status.ne("sent"))
        .count(&t.db)
        .await
        .expect("count");
    assert_eq!(unsent, 0);
}

async fn without_smtp_each_mail_becomes_a_parseable_eml_file_in_send_order(t: TestDb) {
    let dir = t.dir.path().join("mail-out");
    let transport = Transport::from_url(None, dir.clone()).expect("file transport");
    let first = queue(
        &t.db,
        "budi@example.id",
        &Template::Invitation {
            name: "Budi Santoso".into(),
            role: InvitedRole::Panelist,
            link: "https://pokmas.example.id/undangan/x".into(),
        },
    )
    .await;
    drain_once(&t.db, &transport, &sender(), OffsetDateTime::now_utc())
        .await
        .expect("drain");
    let second = queue(
        &t.db,
        "siti@example.id",
        &Template::ResultNotice {
            name: "Siti Rahmawati".into(),
            registration_no: "2023-SMD-0042".into(),
            status: ResultStatus::Selected,
            rank: Some(1),
            link: "https://pokmas.example.id/hasil/2023-SMD-0042".into(),
            headline: None,
        },
    )
    .await;
    drain_once(&t.db, &transport, &sender(), OffsetDateTime::now_utc())
        .await
        .expect("drain");

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("mail dir exists")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with(".eml")), "{files:?}");
    for (file, id) in files.iter().zip([first, second]) {
        assert!(file.contains(&id.to_string()), "{file} sorts in send order");
        let raw = std::fs::read_to_string(dir.join(file)).expect("read eml");
        let mail = ParsedMail::parse(&raw);
        assert_eq!(mail.header("Message-ID"), row(&t.db, id).await.message_id);
        assert!(!mail.part("text/plain").is_empty());
        assert!(mail.part("text/html").starts_with("<!DOCTYPE html>"));
    }
    let invitation =
        ParsedMail::parse(&std::fs::read_to_string(dir.join(&files[0])).expect("read"));
    assert_eq!(
        invitation.header("Subject"),
        "Undangan bergabung sebagai Anggota Tim Penilai"
    );
    assert!(invitation.header("To").contains("<budi@example.id>"));
    let result = ParsedMail::parse(&std::fs::read_to_string(dir.join(&files[1])).expect("read"));
    assert!(
        result
            .part("text/plain")
            .contains("Selamat! Anda dinyatakan TERPILIH")
    );
}

#[tokio::test]
async fn the_background_worker_sends_queued_mail_and_stops_promptly_on_shutdown() {
    let t = TestDb::sqlite().await;
    let id = queue(
        &t.db,
        "siti@example.id",
        &Template::Test {
            name: "Admin".into(),
        },
    )
    .await;
    let memory = Transport::memory();
    let (stop, stopped) = tokio::sync::watch::channel(false);

    let handle = pokmas::workers::mail::spawn(t.db.clone(), memory.clone(), sender(), stopped);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while memory.sent().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "worker did not send in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).expect("worker listening");

    tokio::time::timeout(Duration::from_secs(2), handle)
        .await
        .expect("worker stops within 2 s")
        .expect("worker did not panic");
    assert_eq!(memory.sent()[0].outbox_id, id);
    assert_eq!(
        memory.sent()[0].subject,
        "Email uji coba dari sistem Seleksi Pokmas Probebaya"
    );
}

#[tokio::test]
async fn an_invalid_recipient_address_is_refused_when_queued() {
    let t = TestDb::sqlite().await;
    let tx = begin_write(&t.db).await.expect("begin");
    let err = enqueue(
        &tx,
        "not-an-address",
        "X",
        Locale::Id,
        &Template::Test { name: "X".into() },
        &sender(),
    )
    .await
    .expect_err("refused");
    assert!(
        err.to_string().contains("not a valid e-mail address"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("not-an-address"),
        "the address is not echoed"
    );
}

async fn set_state(
    db: &DatabaseConnection,
    id: Uuid,
    status: &str,
    attempts: i32,
    claimed_until: Option<OffsetDateTime>,
) {
    let mut m: mail_outbox::ActiveModel = row(db, id).await.into();
    m.status = Set(status.parse().expect("a delivery state"));
    m.attempts = Set(attempts);
    m.claimed_until = Set(claimed_until);
    m.update(db).await.expect("update");
}
