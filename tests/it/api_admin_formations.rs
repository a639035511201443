//! Requirements and formations through the admin JSON API: replacing,
//! generating, editing seats, and the formations file taken back unchanged.

use axum::http::{Method, StatusCode};
use pokmas::domain::role::Role;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::admin::*;
use crate::support::api::{call, json_of, post_json, signed_in};
use crate::support::verification::*;

#[tokio::test]
async fn an_admin_replaces_requirements_adds_and_removes_a_formation_and_imports_formations_through_json()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    let r = format!("/api/v1/admin/rounds/{round}");
    let res = post_json(
        &mut app,
        "/api/v1/admin/kelurahan/64.72.09.1001/rts",
        &json!({"count": 10}),
    )
    .await;
    assert_eq!(json_of(&res)["changed"], 10, "{}", res.body);
    let res = post_json(
        &mut app,
        &format!("{r}/template"),
        &json!({"template": "panel"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert!(
        got["criteria"].as_array().is_some_and(|c| !c.is_empty()),
        "template criteria: {got}"
    );
    let dash = call(&mut app, Method::GET, &format!("{r}/dashboard"), &json!({})).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    assert_eq!(json_of(&dash)["submitted"], 0);

    let reqs = json!([
        {"code": "KTP", "kind": "document", "text_id": "Pindaian KTP", "text_en": "KTP scan", "mandatory": true},
        {"code": "NON_ASN", "kind": "declaration", "text_id": "Saya bukan ASN.", "text_en": "I am not a civil servant.", "mandatory": true}
    ]);
    let res = call(&mut app, Method::PUT, &format!("{r}/requirements"), &reqs).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert_eq!(
        got["requirements"].as_array().map(Vec::len),
        Some(2),
        "{got}"
    );

    let body = json!({"code": "KM-A", "name": "Karang Mumus RT 1-5", "kelurahan_code": "64.72.09.1001", "rts": "1;2;3;4;5", "seats": 3, "reserve": 1});
    let res = call(&mut app, Method::POST, &format!("{r}/formations"), &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fid = json_of(&res)["id"].as_str().expect("id").to_owned();
    let overlap = json!({"code": "KM-B", "name": "Karang Mumus RT 5-6", "kelurahan_code": "64.72.09.1001", "rts": "5;6", "seats": 2});
    let res = call(&mut app, Method::POST, &format!("{r}/formations"), &overlap).await;
    assert!(
        res.status.is_client_error(),
        "overlapping RT 5 refused: {} {}",
        res.status,
        res.body
    );
    let res = call(
        &mut app,
        Method::DELETE,
        &format!("{r}/formations/{fid}"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let bad = json!({"csv": "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\nx,KM,Karang Mumus,64.72.09.1001,all,nol,1\n"});
    let res = post_json(&mut app, &format!("{r}/formations/import"), &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let good = json!({"csv": format!("round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n{round},KM,Pokmas Karang Mumus,64.72.09.1001,all,5,2\n")});
    let res = post_json(&mut app, &format!("{r}/formations/import"), &good).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert_eq!(got["formations"].as_array().map(Vec::len), Some(1), "{got}");
}

#[tokio::test]
async fn the_formations_csv_of_the_api_is_the_admin_pages_file_and_the_import_takes_it_back_unchanged()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = round_with_three_formations(&mut app).await;
    let before = formations_read_back(&mut app, round).await;
    assert_eq!(before.len(), 3);

    let path = format!("/api/v1/admin/rounds/{round}/formations.csv");
    let res = app.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers["content-type"], "text/csv; charset=utf-8");
    let csv = res.body;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "round_id,formation_code,name,kelurahan_code,rts,seats,reserve"
    );
    assert!(
        lines.contains(
            &format!("{round},KM-A,Karang Mumus RT 1-5,{KARANG_MUMUS},1;2;3;4;5,3,1").as_str()
        ),
        "{csv}"
    );
    assert!(
        lines.contains(&format!("{round},PEL,Pokmas Pelabuhan,{PELABUHAN},all,5,2").as_str()),
        "{csv}"
    );
    // The same file the admin page hands out.
    let html = app
        .get(&format!("/admin/seleksi/{round}/formasi.csv"))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.body, csv);
    assert_eq!(events_named(&app, "formations.exported").await, 2);

    // Imported back as it is: the same formations, and the next export is
    // the same file byte for byte.
    let res = post_json(
        &mut app,
        &format!("/api/v1/admin/rounds/{round}/formations/import"),
        &json!({"csv": csv}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(formations_read_back(&mut app, round).await, before);
    assert_eq!(app.get(&path).await.body, csv);
}

#[tokio::test]
async fn an_admin_generates_formations_per_kelurahan_and_edits_their_seats_through_json() {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    for (k, n) in [(KARANG_MUMUS, 12), (PELABUHAN, 8)] {
        let res = post_json(
            &mut app,
            &format!("/api/v1/admin/kelurahan/{k}/rts"),
            &json!({"count": n}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let generate = format!("/api/v1/admin/rounds/{round}/formations/generate");
    let body = json!({"kecamatan": "64.72.09", "seats": 4, "reserve": 1});
    let res = call(&mut app, Method::POST, &generate, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let report = json_of(&res);
    assert_eq!(
        report["created"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    // Kelurahan of the kecamatan without RT rows are named, not guessed at.
    assert!(
        report["without_rts"]
            .as_array()
            .is_some_and(|k| !k.is_empty() && !k.contains(&json!(KARANG_MUMUS))),
        "{report}"
    );
    let got = formations_read_back(&mut app, round).await;
    let summary: Vec<(Value, Value, Value, Value)> = got
        .iter()
        .map(|f| (f[2].clone(), f[3].clone(), f[5].clone(), f[6].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!(KARANG_MUMUS), json!(true), json!(4), json!(1)),
            (json!(PELABUHAN), json!(true), json!(4), json!(1)),
        ]
    );

    // Generating again covers nothing twice.
    let res = call(&mut app, Method::POST, &generate, &body).await;
    let again = json_of(&res);
    assert_eq!(again["created"], json!([]), "{again}");
    assert_eq!(again["already_covered"].as_array().map(Vec::len), Some(2));
    assert_eq!(formations_read_back(&mut app, round).await, got);

    // Bulk seats: only Karang Mumus changes.
    let detail = json_of(&app.get(&format!("/api/v1/admin/rounds/{round}")).await);
    let km = detail["formations"]
        .as_array()
        .expect("formations")
        .iter()
        .find(|f| f["kelurahan_code"] == KARANG_MUMUS)
        .expect("km")["id"]
        .clone();
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{round}/formations/seats"),
        &json!([{"formation_id": km, "seats": 7, "reserve": 3}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["changed"], 1);
    let after: Vec<(Value, Value, Value)> = formations_read_back(&mut app, round)
        .await
        .iter()
        .map(|f| (f[2].clone(), f[5].clone(), f[6].clone()))
        .collect();
    assert_eq!(
        after,
        [
            (json!(KARANG_MUMUS), json!(7), json!(3)),
            (json!(PELABUHAN), json!(4), json!(1)),
        ]
    );
    assert_eq!(events_named(&app, "formations.seats_updated").await, 1);
}
