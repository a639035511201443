//! A round's domicile rule alone decides where an applicant may live: under
//! `kelurahan` and `city` an applicant from an RT the formation does not
//! cover (no formation of the round covers it) applies, submits, is
//! verified, scored, ranked and exported like any other; under `rt` the
//! same choice is refused with the rule's reason.

use axum::http::{Method, StatusCode};
use pokmas::db::audit::Actor;
use pokmas::db::entities::{application, criterion, formation, ranking, test_invitation};
use pokmas::domain::programme::DomicileRule;
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::support::admin::{formation_over, in_days, panel_with};
use crate::support::api::{call, id_of, json_of, signed_in};
use crate::support::journey::{
    ADMIN, DOCS, NIK, OpenRound, Resident, RoundPlan, advance, applies_to, close_registration,
    open_round_with, pdf, verified_resident,
};
use crate::support::verification::{KARANG_MUMUS, PELABUHAN};
use crate::support::{PASSWORD, TestApp, hidden_value};

/// The one formation: RTs 1 and 2 of Karang Mumus.
const FORMATION: &str = "KM-A";

/// A round with rule `rule` whose one formation, [`FORMATION`], covers RTs 1
/// and 2 of Karang Mumus (5 RTs); Pelabuhan (5 RTs) has no formation. The
/// panel template's requirements (age, domicile, four documents).
async fn reach_round(app: &mut TestApp, rule: DomicileRule) -> (Actor, OpenRound) {
    let admin = signed_in(app, ADMIN, Role::Admin, &[]).await;
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let plan = RoundPlan {
        name: "Rekrutmen Pendamping 2027",
        days: [-1, 7, 9, 10, 12, 15, 18, 25],
        rts: &[(KARANG_MUMUS, 5), (PELABUHAN, 5)],
        formations: &[(FORMATION, "Karang Mumus A", KARANG_MUMUS)],
        formation_rts: "1;2",
        domicile_rule: rule,
        ..RoundPlan::named("")
    };
    (actor, open_round_with(app, actor, &plan).await)
}

fn resident<'a>(
    kelurahan: &'a str,
    rt: &'a str,
    docs: &'a [(&'a str, &'a str, &'a [u8])],
) -> Resident<'a> {
    Resident {
        name: "Rina Warga",
        email: "rina@example.com",
        nik: NIK,
        kelurahan,
        rt,
        documents: docs,
    }
}

/// As the signed-in admin: the automatic domicile check says MS, and every
/// requirement is recorded MS, so the application is eligible.
async fn verified_eligible(app: &mut TestApp, id: Uuid) {
    let path = format!("/api/v1/operator/applications/{id}");
    let res = app.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let view = json_of(&res);
    let requirements = view["requirements"].as_array().expect("requirements");
    let domicile = requirements
        .iter()
        .find(|q| q["kind"] == "domicile")
        .expect("the domicile requirement");
    assert_eq!(domicile["automatic"]["outcome"], "ms", "{domicile}");
    let decisions: Vec<_> = requirements
        .iter()
        .map(|q| json!({"requirement_id": q["requirement_id"], "outcome": "ms"}))
        .collect();
    let res = call(
        app,
        Method::POST,
        &format!("{path}/verification"),
        &json!({ "decisions": decisions }),
    )
    .await;
    assert_eq!(json_of(&res)["eligible"], true, "{}", res.body);
}

/// A panel of three panelists of Karang Mumus for the formation, a session,
/// the applicant invited and present, and each panelist's scores through
/// the scoring pages. Leaves the admin's browser signed in.
async fn scored(app: &mut TestApp, actor: Actor, round: Uuid, id: Uuid) {
    let mut panelists = Vec::new();
    let mut members = Vec::new();
    for i in 1..=3 {
        let email = format!("penilai{i}@samarindakota.go.id");
        members.push(
            app.create_user(&email, Role::Panelist, &[KARANG_MUMUS])
                .await,
        );
        panelists.push(email);
    }
    let f = formation_over(app, round, KARANG_MUMUS).await;
    let panel = panel_with(app, round, "Panel Kota", &members, &[f]).await;
    let base = format!("/api/v1/admin/rounds/{round}");
    let session = id_of(
        &call(
            app,
            Method::POST,
            &format!("{base}/sessions"),
            &json!({"date": in_days(11), "time": "09:00", "place": "Balai Kota",
                "capacity": 5, "panel_id": panel}),
        )
        .await,
    );
    let res = call(
        app,
        Method::POST,
        &format!("{base}/sessions/{session}/fill"),
        &json!({}),
    )
    .await;
    assert_eq!(json_of(&res)["invited"], 1, "{}", res.body);
    advance(app, actor, round, RoundState::Assessment).await;
    let invitation = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(id))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("invitation")
        .id;
    let res = call(
        app,
        Method::POST,
        &format!("{base}/invitations/{invitation}/attendance"),
        &json!({"attendance": "present"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let codes: Vec<String> = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round))
        .all(&app.db.db)
        .await
        .expect("criteria")
        .into_iter()
        .map(|c| format!("v_{}", c.code))
        .collect();
    let admin = app.switch_browser(Default::default());
    for email in panelists {
        app.switch_browser(Default::default());
        let res = app.login(&email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let sheet = app.get(&format!("/penilai/{id}")).await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
        let csrf = hidden_value(&sheet.body, "csrf").expect("csrf");
        let res = app
            .post_form(
                &format!("/penilai/{id}/pernyataan"),
                &[("csrf", csrf.as_str()), ("kind", "none")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let mut values: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        values.extend(codes.iter().map(|c| (c.as_str(), "4")));
        let res = app
            .post_form(&format!("/penilai/{id}/nilai"), &values)
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    app.switch_browser(admin);
}

/// The applicant from `(kelurahan, rt)`, outside the formation's RTs, goes
/// the whole way under `rule`: the formation is the one chosen, verified
/// eligible by the domicile rule, ranked first, and in the round's exports
/// (which `audit recompute` agrees with).
async fn goes_the_whole_way(mut app: TestApp, rule: DomicileRule, kelurahan: &str, rt: &str) {
    let (actor, round) = reach_round(&mut app, rule).await;
    let pdf = pdf();
    let docs: Vec<(&str, &str, &[u8])> = DOCS.iter().map(|d| (*d, "scan.pdf", &pdf[..])).collect();
    let admin = app.switch_browser(Default::default());
    let who = resident(kelurahan, rt, &docs);
    let applicant = applies_to(&mut app, &round.slug, &who, Some(FORMATION)).await;
    app.switch_browser(admin);

    let a = application::Entity::find_by_id(applicant.id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application");
    let f = formation::Entity::find_by_id(a.formation_id.expect("a formation"))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("formation");
    assert_eq!(f.code, FORMATION, "{rule:?}: the chosen formation is kept");
    assert_eq!(
        (a.kelurahan_code.as_deref(), a.rt_number),
        (Some(kelurahan), rt.parse().ok()),
        "{rule:?}: the home is the applicant's own"
    );

    close_registration(&app, actor, round.id).await;
    verified_eligible(&mut app, applicant.id).await;
    scored(&mut app, actor, round.id, applicant.id).await;
    let standing = ranking::Entity::find_by_id(applicant.id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("a standing");
    assert_eq!(
        (standing.complete, standing.rank),
        (true, Some(1)),
        "{rule:?}"
    );

    advance(&app, actor, round.id, RoundState::Provisional).await;
    let out_dir = app.db.dir.path().join("export");
    crate::exports::export_verify_recompute(&app.db.url, app.db.dir.path(), &round.slug, &out_dir);
    for file in ["applications.csv", "rankings.csv"] {
        let text = std::fs::read_to_string(out_dir.join(file)).expect("exported file");
        let row = text
            .lines()
            .find(|l| l.contains(&applicant.registration_no))
            .unwrap_or_else(|| panic!("{rule:?}: {file} lists the applicant:\n{text}"));
        assert!(row.contains(kelurahan), "{rule:?}: {file}: {row}");
        if file == "rankings.csv" {
            assert!(row.contains(FORMATION), "{rule:?}: {file}: {row}");
        }
    }
}

#[tokio::test]
async fn under_the_kelurahan_rule_an_applicant_from_an_rt_the_formation_does_not_cover_goes_the_whole_way()
 {
    let app = TestApp::new().await;
    goes_the_whole_way(app, DomicileRule::Kelurahan, KARANG_MUMUS, "4").await;
}

#[tokio::test]
async fn under_the_city_rule_an_applicant_from_another_kelurahan_goes_the_whole_way() {
    let app = TestApp::new().await;
    goes_the_whole_way(app, DomicileRule::City, PELABUHAN, "3").await;
}

#[tokio::test]
async fn under_the_city_rule_an_applicant_from_another_kelurahan_goes_the_whole_way_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    goes_the_whole_way(app, DomicileRule::City, PELABUHAN, "3").await;
}

/// Under `rt` the formation follows from the RT: choosing one that does not
/// cover it is refused with the rule's reason, and nothing is stored.
#[tokio::test]
async fn under_the_rt_rule_an_rt_the_formation_does_not_cover_is_still_refused() {
    let mut app = TestApp::new().await;
    let (_, round) = reach_round(&mut app, DomicileRule::Rt).await;
    app.switch_browser(Default::default());
    verified_resident(&mut app, "Rina Warga", "rina@example.com").await;
    for (lang, reason) in [
        ("id", "tidak memenuhi aturan domisili"),
        ("en", "does not meet this round"),
    ] {
        app.get(&format!("/bahasa/{lang}")).await;
        let page = app
            .get(&format!(
                "/seleksi/{}/daftar?kecamatan=64.72.09&kelurahan={KARANG_MUMUS}",
                round.slug
            ))
            .await;
        let csrf = hidden_value(&page.body, "csrf").expect("csrf");
        let key = hidden_value(&page.body, "idempotency_key").expect("key");
        let res = app
            .post_form(
                &format!("/seleksi/{}/daftar", round.slug),
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("kelurahan", KARANG_MUMUS),
                    ("rt", "4"),
                    ("formation", FORMATION),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains(reason), "{lang}: {}", res.body);
    }
    assert!(
        application::Entity::find()
            .filter(application::Column::RoundId.eq(round.id))
            .one(&app.db.db)
            .await
            .expect("find")
            .is_none(),
        "nothing stored"
    );
}
