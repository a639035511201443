//! A round in verification and the same round carried on to its test
//! schedule.

use axum::http::Method;
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use pokmas::db::audit::Actor;
use pokmas::db::entities::{document, requirement};

use super::admin::{formation_over, in_days, panel_with};
use super::api::{call, id_of, json_of};
use super::journey::{
    Applicant, NIK, NIK2, OpenRound, Resident, RoundPlan, applies, close_registration,
    open_round_with,
};
use super::{Browser, TestApp};

pub const KARANG_MUMUS: &str = "64.72.09.1001";
pub const PELABUHAN: &str = "64.72.09.1002";

/// A small PDF, ASCII only so the test client's text body holds it exactly.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The address the Karang Mumus applicant of [`verification_round`] gives.
pub const APPLICANT_EMAIL: &str = "pemohon.km@contoh.id";

/// The file name the Karang Mumus applicant's KTP scan is uploaded under.
pub const KTP_FILE: &str = "ktp-pemohon.pdf";

/// What [`verification_round`] built.
pub struct InVerification {
    pub round: Uuid,
    /// The one requirement: a copy of the KTP.
    pub ktp: Uuid,
    /// The applicant in Karang Mumus (address [`APPLICANT_EMAIL`]).
    pub km: Applicant,
    /// The KTP scan ([`PDF`]) the Karang Mumus applicant uploaded.
    pub km_document: Uuid,
    /// The applicant in Pelabuhan.
    pub pel: Applicant,
}

/// A round in verification with one document requirement (the KTP) and a
/// formation over each of Karang Mumus and Pelabuhan (5 RTs each, whole
/// kelurahan, 5 seats, 2 in reserve), where one resident of each applied
/// with the KTP and submitted before registration closed. Set up by `admin`
/// through the services and by the residents through the pages; the
/// caller's browser is kept.
pub async fn verification_round(app: &mut TestApp, admin: Uuid) -> InVerification {
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let km_code = KARANG_MUMUS.replace('.', "");
    let pel_code = PELABUHAN.replace('.', "");
    let km_name = format!("Pokmas {KARANG_MUMUS}");
    let pel_name = format!("Pokmas {PELABUHAN}");
    let plan = RoundPlan {
        name: "Rekrutmen Pokmas API 2027",
        days: [-1, 7, 9, 10, 12, 15, 18, 25],
        ages: None,
        rts: &[(KARANG_MUMUS, 5), (PELABUHAN, 5)],
        formations: &[
            (&km_code, &km_name, KARANG_MUMUS),
            (&pel_code, &pel_name, PELABUHAN),
        ],
        formation_rts: "all",
        documents: &[("KTP", "Fotokopi KTP", "Copy of the ID card")],
        domicile_rule: pokmas::domain::programme::DomicileRule::Rt,
    };
    let OpenRound { id: round, slug } = open_round_with(app, actor, &plan).await;
    let caller = app.switch_browser(Browser::default());
    let km_applicant = format!("Pemohon {KARANG_MUMUS}");
    let km = applies(
        app,
        &slug,
        &Resident {
            name: &km_applicant,
            email: APPLICANT_EMAIL,
            nik: NIK,
            kelurahan: KARANG_MUMUS,
            rt: "3",
            documents: &[("KTP", KTP_FILE, PDF)],
        },
    )
    .await;
    let pel_applicant = format!("Pemohon {PELABUHAN}");
    let pel = applies(
        app,
        &slug,
        &Resident {
            name: &pel_applicant,
            email: "pemohon.pel@contoh.id",
            nik: NIK2,
            kelurahan: PELABUHAN,
            rt: "3",
            documents: &[("KTP", "ktp.pdf", PDF)],
        },
    )
    .await;
    app.switch_browser(caller);
    close_registration(app, actor, round).await;
    let ktp = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round))
        .filter(requirement::Column::Code.eq("KTP"))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("the KTP requirement")
        .id;
    let km_document = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(km.id))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("the KTP scan")
        .id;
    InVerification {
        round,
        ktp,
        km,
        km_document,
        pel,
    }
}

/// What [`scheduled_round`] built.
pub struct Scheduled {
    pub round: Uuid,
    pub km_app: Uuid,
    /// The Karang Mumus applicant's registration number.
    pub registration_no: String,
    pub document: Uuid,
    pub panel: Uuid,
    pub panelist: Uuid,
    /// In date order; the first holds the one invitation.
    pub sessions: [Uuid; 2],
    pub invitation: Uuid,
}

/// The verification fixture carried on to the test schedule through the API,
/// as the signed-in admin: Karang Mumus' applicant (with a PDF and an e-mail
/// address) verified eligible, a panel with one panelist assessing Karang
/// Mumus, two sessions (days 11 and 12, 09:00 WITA, five seats each) and the
/// first one filled. Pelabuhan's applicant stays submitted.
pub async fn scheduled_round(app: &mut TestApp, admin: Uuid) -> Scheduled {
    use pokmas::db::entities::test_invitation;
    let InVerification {
        round,
        ktp,
        km,
        km_document: document,
        ..
    } = verification_round(app, admin).await;
    let km_app = km.id;
    let res = call(
        app,
        Method::POST,
        &format!("/api/v1/operator/applications/{km_app}/verification"),
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]}),
    )
    .await;
    assert_eq!(json_of(&res)["eligible"], true, "{}", res.body);

    let panelist = app
        .create_user(
            "penilai.km@samarindakota.go.id",
            Role::Panelist,
            &[KARANG_MUMUS],
        )
        .await;
    let km_formation = formation_over(app, round, KARANG_MUMUS).await;
    let panel = panel_with(
        app,
        round,
        "Panel Karang Mumus",
        &[panelist],
        &[km_formation],
    )
    .await;
    let base = format!("/api/v1/admin/rounds/{round}");
    let mut sessions = [Uuid::nil(); 2];
    for (slot, (days, place)) in sessions.iter_mut().zip([
        (11, "Aula Kelurahan Karang Mumus"),
        (12, "Kantor Camat Samarinda Kota"),
    ]) {
        *slot = id_of(
            &call(
                app,
                Method::POST,
                &format!("{base}/sessions"),
                &json!({"date": in_days(days), "time": "09:00", "place": place,
                    "capacity": 5, "panel_id": panel}),
            )
            .await,
        );
    }
    let res = call(
        app,
        Method::POST,
        &format!("{base}/sessions/{}/fill", sessions[0]),
        &json!({}),
    )
    .await;
    assert_eq!(json_of(&res)["invited"], 1, "{}", res.body);
    let invitation = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(km_app))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("invitation")
        .id;
    Scheduled {
        round,
        km_app,
        registration_no: km.registration_no,
        document,
        panel,
        panelist,
        sessions,
        invitation,
    }
}
