//! An application's contact and birth fields live only as a ciphertext
//! under its own data key: every page shows them to those allowed, the
//! database file never holds them in plain text, and after an erasure —
//! here one filed at the help desk for a desk registrant — neither the
//! database file nor any page or download holds them at all.

use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::results::{KEL, as_user, post_from, publish};
use crate::support::TestApp;

const EMAIL: &str = "rahasia.b@contoh.id";
const PHONE: &str = "081298765432";
const ADDRESS: &str = "Jl. Melati Tersembunyi 9";
const BIRTH_PLACE: &str = "Tenggarong";
const BIRTH_DATE: &str = "1990-04-17";

/// Every byte of the SQLite database after a full checkpoint (the WAL
/// folded in and truncated), the WAL file included if one is left.
async fn database_bytes(app: &TestApp) -> Vec<u8> {
    app.db
        .db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    let base = app.db.dir.path().join("pokmas.db");
    let mut bytes = std::fs::read(&base).expect("database file");
    if let Ok(wal) = std::fs::read(base.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// B, a desk registrant of a final round, has e-mail, phone, address and
/// birth data. The desk download and the verification page show them; the
/// database file holds none in plain text. An operator of another
/// kelurahan, or a wrong PIN, cannot file B's erasure request (422); B's
/// operator files it with number and PIN (the trail names the operator and
/// says it was assisted), a second one is 409, and the admin's decision
/// executes it. Afterwards no page or download shows the fields, the
/// database file holds none of them (the sent notice, the consent number
/// and the outbox included), and the trail still verifies and recomputes.
#[tokio::test]
async fn a_desk_registrants_fields_are_sealed_and_after_a_desk_erasure_no_byte_of_them_is_left() {
    use pokmas::db::audit::Actor;
    use pokmas::db::entities::{application, audit_event};
    use pokmas::domain::role::Role;
    use pokmas::services::applications::Acting;
    use pokmas::services::data_keys::{Personal, store_personal};

    let mut p = publish(TestApp::new().await).await;
    crate::after_final::finalize(&mut p).await;
    let db = p.f.app.db.db.clone();
    let vault = p.f.app.state.vault.clone();
    let (b_id, b_no) = p.f.apps[1].clone();
    let mut m = application::ActiveModel {
        id: Set(b_id),
        account_id: Set(None),
        plain_address: Set(String::new()),
        ..Default::default()
    };
    let personal = Personal {
        email: EMAIL.into(),
        phone: PHONE.into(),
        address: ADDRESS.into(),
        birth_place: BIRTH_PLACE.into(),
        birth_date: Some(time::macros::date!(1990 - 04 - 17)),
    };
    store_personal(&db, &vault, b_id, &personal, &mut m)
        .await
        .expect("sealed");
    m.update(&db).await.expect("desk registrant");
    let admin = Actor::Account {
        id: p.admins[0],
        role: Role::Admin,
    };
    let pin = crate::support::journey::desk_pin(&db, p.admins[0], b_id).await;
    let desk_acting = Acting {
        actor: admin,
        scopes: &[],
    };
    pokmas::services::message_consent::give(
        &db,
        desk_acting,
        b_id,
        PHONE,
        "sms",
        true,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("consent");
    p.f.app
        .create_user("op-lain@contoh.id", Role::Operator, &["64.72.01.1002"])
        .await;
    p.f.app
        .create_user("op@contoh.id", Role::Operator, &[KEL])
        .await;

    // Before: shown to those allowed, never stored in plain text.
    as_user(&mut p.f.app, "op@contoh.id").await;
    let download = post_from(
        &mut p.f.app,
        "/meja-bantuan/data-pendaftar",
        "/meja-bantuan/data-pendaftar",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    for shown in [EMAIL, PHONE, ADDRESS, BIRTH_PLACE, BIRTH_DATE] {
        assert!(download.body.contains(shown), "{shown} in the download");
    }
    let check = p.f.app.get(&format!("/petugas/verifikasi/{b_id}")).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains(ADDRESS) && check.body.contains(BIRTH_PLACE));
    let bytes = database_bytes(&p.f.app).await;
    for sealed in [EMAIL, ADDRESS, BIRTH_PLACE, BIRTH_DATE] {
        assert!(!holds(&bytes, sealed), "{sealed} stored in plain text");
    }

    // Filing at the desk: only B's operator, only with B's PIN.
    as_user(&mut p.f.app, "op-lain@contoh.id").await;
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/hapus-data",
        "/meja-bantuan/hapus-data",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other kelurahan"
    );
    as_user(&mut p.f.app, "op@contoh.id").await;
    let desk = p.f.app.get("/meja-bantuan").await;
    assert!(desk.body.contains(r#"href="/meja-bantuan/hapus-data""#));
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/hapus-data",
        "/meja-bantuan/hapus-data",
        &[("registration_no", &b_no), ("pin", "000000")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "wrong PIN");
    assert!(res.body.contains(&b_no) && res.body.contains("tidak cocok"));
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/hapus-data",
        "/meja-bantuan/hapus-data",
        &[
            ("registration_no", &b_no),
            ("pin", pin.as_str()),
            ("reason", "Warga meminta langsung di kelurahan."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let done = p.f.app.get("/meja-bantuan/hapus-data?tercatat=1").await;
    assert!(done.body.contains("Permintaan penghapusan tercatat"));
    let again = post_from(
        &mut p.f.app,
        "/meja-bantuan/hapus-data",
        "/meja-bantuan/hapus-data",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "one open request");
    let operator = pokmas::db::entities::account::Entity::find()
        .filter(pokmas::db::entities::account::Column::Email.eq("op@contoh.id"))
        .one(&db)
        .await
        .expect("read")
        .expect("operator");
    let filed = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("erasure.requested"))
        .one(&db)
        .await
        .expect("read")
        .expect("erasure.requested");
    assert!(
        filed.actor.contains(&operator.id.to_string()),
        "{}",
        filed.actor
    );
    assert_eq!(filed.actor_role, "operator");
    assert!(
        filed.payload.contains("\"assisted\":\"yes\""),
        "{}",
        filed.payload
    );
    assert!(
        !filed.payload.contains("Warga meminta"),
        "the reason stays out"
    );

    // The admin decides it like any other: the round is final, so executed.
    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let page = p.f.app.get("/admin/penghapusan-data").await;
    assert!(page.body.contains("Warga meminta langsung di kelurahan."));
    let request_id = pokmas::db::entities::erasure_request::Entity::find()
        .one(&db)
        .await
        .expect("read")
        .expect("request");
    assert!(request_id.requested_by.is_none(), "no account asked");
    let res = post_from(
        &mut p.f.app,
        "/admin/penghapusan-data",
        &format!("/admin/penghapusan-data/{}/putuskan", request_id.id),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    p.f.app.switch_browser(mine);
    let page_after = p.f.app.get("/meja-bantuan/hapus-data").await;
    assert_eq!(page_after.status, StatusCode::OK);
    // The notice of the execution goes out, and then forgets its address.
    let transport = pokmas::mail::Transport::memory();
    let from: pokmas::mail::Mailbox = "Probebaya <noreply@pokmas.test>".parse().expect("from");
    pokmas::mail::drain_once(&db, &transport, &from, time::OffsetDateTime::now_utc())
        .await
        .expect("drain");
    assert!(
        transport.sent().iter().any(|m| m.to.contains(EMAIL)),
        "the execution notice reached B"
    );

    // After: no page, no download, no byte.
    as_user(&mut p.f.app, "op@contoh.id").await;
    let download = post_from(
        &mut p.f.app,
        "/meja-bantuan/data-pendaftar",
        "/meja-bantuan/data-pendaftar",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    let check = p.f.app.get(&format!("/petugas/verifikasi/{b_id}")).await;
    for gone in [EMAIL, PHONE, ADDRESS, BIRTH_PLACE, BIRTH_DATE] {
        assert!(!download.body.contains(gone), "{gone} in the download");
        assert!(
            !check.body.contains(gone),
            "{gone} on the verification page"
        );
    }
    let bytes = database_bytes(&p.f.app).await;
    for gone in [
        EMAIL,
        PHONE,
        "6281298765432",
        ADDRESS,
        BIRTH_PLACE,
        BIRTH_DATE,
    ] {
        assert!(!holds(&bytes, gone), "{gone} left in the database file");
    }

    let slug = crate::results::SLUG;
    let out_dir = p.f.app.db.dir.path().join("export");
    crate::exports::export_verify_recompute(&p.f.app.db.url, p.f.app.db.dir.path(), slug, &out_dir);
}

/// A database from before the personal fields moved under the data key holds
/// them in plain columns. The start-up step seals them under each
/// application's key and empties the columns in one go: afterwards every
/// reader still gets the same values, the database file no longer holds
/// them in plain text, and a second start finds nothing left to seal.
#[tokio::test]
async fn plain_fields_of_an_older_database_are_sealed_at_start_and_read_back_the_same() {
    use pokmas::db::entities::application;
    use pokmas::services::data_keys::{personal_of, seal_plain_fields};

    let p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let vault = p.f.app.state.vault.clone();
    let (b_id, _) = p.f.apps[1].clone();
    // As an older version stored it: plain columns, no ciphertext.
    application::ActiveModel {
        id: Set(b_id),
        personal_ciphertext: Set(None),
        plain_email: Set(EMAIL.into()),
        plain_phone: Set(PHONE.into()),
        plain_address: Set(ADDRESS.into()),
        plain_birth_place: Set(BIRTH_PLACE.into()),
        plain_birth_date: Set(Some(time::macros::date!(1990 - 04 - 17))),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("an older row");
    assert!(
        holds(&database_bytes(&p.f.app).await, ADDRESS),
        "the setup holds it in plain text"
    );

    let sealed = seal_plain_fields(&db, &vault).await.expect("sealed");
    assert!(sealed >= 1, "at least the older row was sealed: {sealed}");
    let a = application::Entity::find_by_id(b_id)
        .one(&db)
        .await
        .expect("load")
        .expect("exists");
    assert!(a.personal_ciphertext.is_some());
    assert_eq!(
        (
            a.plain_email.as_str(),
            a.plain_phone.as_str(),
            a.plain_address.as_str()
        ),
        ("", "", "")
    );
    assert!(a.plain_birth_date.is_none() && a.plain_birth_place.is_empty());
    let read = personal_of(&db, &vault, &a).await.expect("readable");
    assert_eq!(
        (
            read.email.as_str(),
            read.phone.as_str(),
            read.address.as_str(),
            read.birth_place.as_str(),
            read.birth_date.map(|d| d.to_string())
        ),
        (
            EMAIL,
            PHONE,
            ADDRESS,
            BIRTH_PLACE,
            Some(BIRTH_DATE.to_owned())
        )
    );
    let bytes = database_bytes(&p.f.app).await;
    for secret in [EMAIL, PHONE, ADDRESS, BIRTH_PLACE] {
        assert!(
            !holds(&bytes, secret),
            "{secret} is still in plain text after sealing"
        );
    }
    assert_eq!(
        seal_plain_fields(&db, &vault).await.expect("again"),
        0,
        "nothing left"
    );
}
