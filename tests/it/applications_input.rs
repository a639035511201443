//! What an application form takes in: no NUL byte reaches the database,
//! registration numbers across rounds, and the document size limit.

use axum::http::StatusCode;
use pokmas::db::entities::{application, document};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::journey::OpenRound;
use crate::support::journey::*;
use crate::support::{PASSWORD, TestApp, hidden_value};

async fn nul_never_reaches_the_database(mut app: TestApp) {
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;

    // In the path or the query: not found or refused, never a 500.
    for path in [
        "/seleksi/a%00b".to_owned(),
        "/seleksi/a%00b/daftar".to_owned(),
        "/seleksi/a%00b/hasil".to_owned(),
        "/seleksi/a%00b/undian".to_owned(),
        format!("/seleksi/{slug}/hasil/F%00"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    for state in ["%00", "registration%00", "terbuka"] {
        let res = app.get(&format!("/api/v1/rounds?state={state}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{state}: {}", res.body);
        assert_eq!(crate::api::json(&res)["error"], "bad_request");
    }

    // In the area step's kelurahan: no such kelurahan. In the idempotency
    // key alone: the key is not used, the draft is started.
    let area = format!("/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}");
    let csrf = app.csrf_from(&area).await;
    let start_path = format!("/seleksi/{slug}/daftar");
    let res = app
        .post_form(
            &start_path,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k1"),
                ("kelurahan", "64.72.09.1001\0"),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form(
            &start_path,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k\0-2"),
                ("kelurahan", KELURAHAN),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("form").to_owned();

    // In a text field: a message next to it, the rest saved.
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    for field in ["full_name", "motivation"] {
        let res = post_multipart(
            &mut app,
            &form,
            &[
                ("csrf", &csrf),
                (field, "Siti\0Aminah"),
                ("birth_place", "Samarinda"),
                ("action", "save"),
            ],
            &[],
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            res.body
        );
        assert!(
            res.body.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
        assert!(
            res.body
                .contains("Teks berisi karakter yang tidak diizinkan.")
        );
    }
    let a = application::Entity::find_by_id(id_in(&form))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application");
    let personal = pokmas::services::data_keys::personal_of(&app.db.db, &app.state.vault, &a)
        .await
        .expect("personal");
    assert_eq!(personal.birth_place, "Samarinda");
    // The name is the one the draft started with (from the account).
    assert_eq!(
        (a.full_name.as_str(), a.motivation.as_str()),
        ("Siti Aminah", "")
    );

    // In the help desk's kelurahan.
    app.switch_browser(Default::default());
    app.login(ADMIN, PASSWORD).await;
    let page = app.get("/meja-bantuan").await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k3"),
                ("round_id", &round_id.to_string()),
                ("kelurahan", "64.72.09.1001\0"),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}

#[tokio::test]
async fn a_nul_in_any_input_is_refused_without_an_error_page_on_sqlite() {
    nul_never_reaches_the_database(TestApp::new().await).await;
}

#[tokio::test]
async fn a_nul_in_any_input_is_refused_without_an_error_page_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        nul_never_reaches_the_database(app).await;
    }
}

async fn numbers_count_across_rounds(mut app: TestApp) {
    let OpenRound { slug: first, .. } = open_round(&app).await;
    let admin = admin_actor(&app).await;
    let OpenRound { slug: second, .. } =
        open_round_named(&app, admin, "Rekrutmen Pokmas Samarinda Kota Tahap II").await;
    assert_ne!(first, second);
    submitted_by(&mut app, &first, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let in_second = submitted_by(&mut app, &second, ("Rina Wati", "rina@contoh.id", NIK2)).await;
    // The resident of the second round gets the next number of the year.
    let receipt = app
        .get(&format!("/pendaftaran/{in_second}/tanda-terima"))
        .await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    assert!(
        receipt.body.contains("2027-6472091001-0002"),
        "{}",
        receipt.body
    );
    submitted_by(&mut app, &first, ("Dewi Lestari", "dewi@contoh.id", NIK2)).await;
    let mut numbers: Vec<String> = applications(&app)
        .await
        .into_iter()
        .filter_map(|a| a.registration_no)
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "2027-6472091001-0001",
            "2027-6472091001-0002",
            "2027-6472091001-0003"
        ]
    );
}

#[tokio::test]
async fn two_rounds_of_one_year_never_hand_out_the_same_number_on_sqlite() {
    numbers_count_across_rounds(TestApp::new().await).await;
}

#[tokio::test]
async fn two_rounds_of_one_year_never_hand_out_the_same_number_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        numbers_count_across_rounds(app).await;
    }
}

/// `--max-upload-mb` sets the limit the form announces, checks and explains.
#[tokio::test]
async fn the_document_size_limit_follows_the_installation_setting() {
    let mut app = TestApp::new()
        .await
        .reconfigured(|c| c.max_upload_bytes = 1024 * 1024);
    let OpenRound { slug, .. } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let page = app.get(&form).await;
    assert!(
        page.body.contains("paling besar 1 MB"),
        "the form announces the limit"
    );
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");

    let mut over = pdf();
    over.resize(1024 * 1024 + 1, b'0');
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_KK", "kk.pdf", &over)],
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("Ukuran maksimal 1 MB"), "{}", res.body);

    let mut under = pdf();
    under.resize(1024 * 1024, b'0');
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_KK", "kk.pdf", &under)],
    )
    .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.status
    );
    assert_eq!(
        document::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        1,
        "a file at the limit is kept"
    );
}
