//! Any programme: a round's texts name its own programme and group, and its
//! domicile rule decides who may apply to which formation.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{application, formation, round};
use pokmas::domain::form::FormData;
use pokmas::domain::programme::DomicileRule;
use pokmas::domain::role::Role;
use pokmas::domain::round::{RoundState, input_wita};
use pokmas::mail::Locale;
use pokmas::mail::templates::{ResultStatus, Template};
use pokmas::services::rounds::{self as rounds, ProgrammeSettings, RoundSettings};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::journey::{
    ADMIN, KECAMATAN, KELURAHAN, NIK, pdf, post_multipart, verified_resident,
};
use crate::support::{TestApp, hidden_value};

/// Pelabuhan, a kelurahan of the same kecamatan without a formation.
const OTHER_KELURAHAN: &str = "64.72.09.1002";
/// The documents and declarations of the `tpp2023` template.
const TPP_DOCS: [&str; 8] = [
    "KTP",
    "KK",
    "PERNYATAAN",
    "CV",
    "IJAZAH",
    "SEHAT",
    "NARKOBA",
    "SKCK",
];
const TPP_DECLS: [&str; 5] = [
    "NON_PARPOL",
    "NON_ASN",
    "NON_PERANGKAT_TPP",
    "BERSIH",
    "BENAR",
];

fn names_another_programme(what: &str, text: &str) {
    for word in ["Pokmas", "Probebaya", "POKMAS", "pokmas"] {
        // The installation's own address (pokmas.localhost) is not a text.
        let text = text
            .replace("pokmas.localhost", "")
            .replace("pokmas.test", "");
        assert!(!text.contains(word), "{what} names {word}:\n{text}");
    }
}

/// The page's own content, without the installation's header and footer.
fn main_of(body: &str) -> &str {
    let start = body.find("<main").expect("a main element");
    let end = body.find("</main>").expect("main ends");
    &body[start..end]
}

async fn admin(app: &TestApp) -> Actor {
    let id = app.create_user(ADMIN, Role::Admin, &[]).await;
    Actor::Account {
        id,
        role: Role::Admin,
    }
}

/// A draft round named `name` with formations over Karang Mumus, made from
/// `template`, with RTs in Pelabuhan too (but no formation there).
async fn draft_round(app: &TestApp, actor: Actor, name: &str, template: &str) -> Uuid {
    let db = &app.db.db;
    let now = OffsetDateTime::now_utc();
    let wita = |days: i64| input_wita(now + Duration::days(days));
    let mut f = FormData::default();
    for (k, v) in [
        ("name", name.to_owned()),
        ("year", "2027".to_owned()),
        ("aggregation", "mean".to_owned()),
        ("min_panelists", "3".to_owned()),
        ("registration_opens_at", wita(-1)),
        ("registration_closes_at", wita(7)),
        ("verification_ends_at", wita(14)),
        ("assessment_starts_at", wita(20)),
        ("assessment_ends_at", wita(22)),
        ("provisional_at", wita(25)),
        ("objection_ends_at", wita(28)),
        ("final_at", wita(35)),
    ] {
        f.0.insert(k.to_owned(), v);
    }
    let settings = RoundSettings::parse(&f).expect("settings");
    let id = rounds::create_round(db, actor, &settings, None)
        .await
        .expect("round");
    rounds::apply_template(db, actor, id, template)
        .await
        .expect("template");
    rounds::create_rts(db, actor, KELURAHAN, Some(23))
        .await
        .expect("rts");
    rounds::generate_formations(db, actor, id, KECAMATAN, 2, 1)
        .await
        .expect("formations");
    rounds::create_rts(db, actor, OTHER_KELURAHAN, Some(5))
        .await
        .expect("rts elsewhere");
    id
}

async fn open(app: &TestApp, actor: Actor, id: Uuid) -> String {
    let db = &app.db.db;
    rounds::transition(
        db,
        &crate::support::checkpoint_key(),
        actor,
        id,
        RoundState::Registration,
        "",
        OffsetDateTime::now_utc(),
    )
    .await
    .expect("open registration");
    round::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("load")
        .expect("round")
        .slug
}

async fn formation_code(app: &TestApp, round_id: Uuid) -> String {
    formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .one(&app.db.db)
        .await
        .expect("formation")
        .expect("one formation")
        .code
}

/// A resident of `kelurahan` RT 1 asks to apply to the formation `code`.
async fn apply_from(
    app: &mut TestApp,
    slug: &str,
    kelurahan: &str,
    code: &str,
) -> crate::support::TestResponse {
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    app.post_form(
        &format!("/seleksi/{slug}/daftar"),
        &[
            ("csrf", csrf.as_str()),
            ("idempotency_key", key.as_str()),
            ("kelurahan", kelurahan),
            ("rt", "1"),
            ("formation", code),
        ],
    )
    .await
}

#[tokio::test]
async fn the_domicile_rule_is_enforced_when_an_application_starts() {
    let mut app = TestApp::new().await;
    let actor = admin(&app).await;
    // Rule `rt` (the panel template's): only an RT the formation covers.
    let rt_round = draft_round(&app, actor, "Rekrutmen RT", "panel").await;
    let rt_slug = open(&app, actor, rt_round).await;
    // Rule `city`: anyone living in the city, choosing the formation.
    let city_round = draft_round(&app, actor, "Rekrutmen Kota", "panel").await;
    let mut s = ProgrammeSettings::of(
        &round::Entity::find_by_id(city_round)
            .one(&app.db.db)
            .await
            .expect("load")
            .expect("round")
            .into(),
    );
    s.domicile_rule = DomicileRule::City;
    rounds::set_programme(&app.db.db, actor, city_round, &s)
        .await
        .expect("programme");
    let city_slug = open(&app, actor, city_round).await;
    verified_resident(&mut app, "Rina Pelabuhan", "rina@example.com").await;

    let rt_code = formation_code(&app, rt_round).await;
    let refused = apply_from(&mut app, &rt_slug, OTHER_KELURAHAN, &rt_code).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("tidak memenuhi aturan domisili"),
        "{}",
        refused.body
    );

    // Rule `city` offers every kelurahan of the city and the formations.
    let code = formation_code(&app, city_round).await;
    let page = app
        .get(&format!(
            "/seleksi/{city_slug}/daftar?kecamatan={KECAMATAN}&kelurahan={OTHER_KELURAHAN}"
        ))
        .await;
    assert!(page.body.contains("kelurahan mana pun"), "the rule is said");
    assert!(page.body.contains("RT 005"), "Pelabuhan's RTs are offered");
    assert!(
        page.body.contains(&format!("<option value=\"{code}\">")),
        "the formation is offered: {}",
        page.body
    );
    let accepted = apply_from(&mut app, &city_slug, KELURAHAN, &code).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let a = application::Entity::find()
        .filter(application::Column::RoundId.eq(city_round))
        .one(&app.db.db)
        .await
        .expect("find")
        .expect("the draft");
    let f = formation::Entity::find_by_id(a.formation_id.expect("formation"))
        .one(&app.db.db)
        .await
        .expect("find")
        .expect("formation");
    assert_eq!(f.code, code);
    assert!(
        application::Entity::find()
            .filter(application::Column::RoundId.eq(rt_round))
            .one(&app.db.db)
            .await
            .expect("find")
            .is_none(),
        "nothing was started in the RT round"
    );
}

/// Under the `kelurahan` rule a resident of another kelurahan is refused
/// with the reason, in both languages, and nothing is stored: not a server
/// error. (What the wider rules admit: `domicile_reach`.)
#[tokio::test]
async fn under_the_kelurahan_rule_a_resident_of_another_kelurahan_is_refused_with_the_reason() {
    let mut app = TestApp::new().await;
    let actor = admin(&app).await;
    verified_resident(&mut app, "Rina Pelabuhan", "rina@example.com").await;
    let rule = DomicileRule::Kelurahan;
    let id = draft_round(&app, actor, "Rekrutmen Wilayah", "panel").await;
    let mut s = ProgrammeSettings::of(
        &round::Entity::find_by_id(id)
            .one(&app.db.db)
            .await
            .expect("load")
            .expect("round")
            .into(),
    );
    s.domicile_rule = rule;
    rounds::set_programme(&app.db.db, actor, id, &s)
        .await
        .expect("programme");
    let slug = open(&app, actor, id).await;
    let code = formation_code(&app, id).await;
    // Pelabuhan is not the formation's kelurahan.
    for (lang, text) in [
        ("id", "tidak memenuhi aturan domisili"),
        ("en", "does not meet this round"),
    ] {
        app.get(&format!("/bahasa/{lang}")).await;
        let res = apply_from(&mut app, &slug, OTHER_KELURAHAN, &code).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule:?} {lang}: {}",
            res.body
        );
        assert!(res.body.contains(text), "{rule:?} {lang}: {}", res.body);
    }
    assert!(
        application::Entity::find()
            .filter(application::Column::RoundId.eq(id))
            .one(&app.db.db)
            .await
            .expect("find")
            .is_none(),
        "{rule:?}: nothing stored"
    );
}

#[tokio::test]
async fn a_tpp_round_from_the_template_never_names_pokmas_or_probebaya() {
    let mut app = TestApp::new().await;
    let actor = admin(&app).await;
    let id = draft_round(&app, actor, "Rekrutmen Tenaga Pendamping 2027", "tpp2023").await;
    let slug = open(&app, actor, id).await;
    let r = round::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("round");
    assert_eq!(r.domicile_rule(), DomicileRule::City);

    {
        let path = format!("/seleksi/{slug}");
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        names_another_programme(&path, main_of(&page.body));
        assert!(
            page.body.contains("TPP"),
            "the round's page names its group"
        );
    }

    // A resident of another kelurahan applies, submits, and reads the receipt
    // and the status page.
    let email = "tpp@example.com";
    verified_resident(&mut app, "Dewi Pendamping", email).await;
    let area = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={OTHER_KELURAHAN}"
        ))
        .await;
    names_another_programme("the area step", main_of(&area.body));
    let code = formation_code(&app, id).await;
    let res = apply_from(&mut app, &slug, KELURAHAN, &code).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("to the form").to_owned();
    let page = app.get(&form).await;
    names_another_programme("the application form", main_of(&page.body));
    assert!(
        page.body.contains("Tenaga Pendamping Program (TPP)"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("decl_NON_PERANGKAT\""),
        "no Pokmas declaration"
    );
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let mut fields = crate::support::journey::personal(&csrf, NIK, email)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("decl_"))
        .collect::<Vec<_>>();
    let decls: Vec<String> = TPP_DECLS.iter().map(|d| format!("decl_{d}")).collect();
    for d in &decls {
        fields.push((d.as_str(), "1"));
    }
    fields.push(("action", "submit"));
    let bytes = pdf();
    let docs: Vec<String> = TPP_DOCS.iter().map(|d| format!("doc_{d}")).collect();
    let files: Vec<(&str, &str, &[u8])> = docs
        .iter()
        .map(|d| (d.as_str(), "scan.pdf", bytes.as_slice()))
        .collect();
    let res = post_multipart(&mut app, &form, &fields, &files).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let receipt = app.get(res.location().expect("to the receipt")).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    names_another_programme("the receipt", main_of(&receipt.body));
    let app_id = crate::support::journey::id_in(&form);
    let status = app.get(&format!("/pendaftaran/{app_id}")).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    names_another_programme("the status page", main_of(&status.body));

    // Every mail queued for the applicant so far (the receipt) …
    let mails = app.mails_to(email).await;
    let receipt_mail = mails
        .iter()
        .find(|m| m.template == "application_receipt")
        .expect("a receipt mail");
    for m in &mails {
        if m.template == "verify_email" {
            continue; // the installation's account mail, not the round's
        }
        names_another_programme(
            &m.template,
            &format!("{}\n{}\n{}", m.subject, m.body_text, m.body_html),
        );
    }
    assert!(
        receipt_mail.body_text.contains("Tenaga Pendamping (TPP)"),
        "{}",
        receipt_mail.body_text
    );
    // … and every mail and text the round sends later, in both languages,
    // rendered as the outbox renders them for this round.
    let p = r.programme();
    let later = [
        Template::TestInvitation {
            name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            when: OffsetDateTime::now_utc(),
            place: "Aula".into(),
        },
        Template::ResultNotice {
            name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            status: ResultStatus::Selected,
            rank: Some(1),
            link: "https://example.org/hasil".into(),
            headline: None,
        },
        Template::FinalResultNotice {
            name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            status: ResultStatus::Selected,
            rank: Some(1),
            link: "https://example.org/hasil".into(),
            headline: None,
        },
        Template::VerificationOutcome {
            name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            eligible: true,
            reasons: Vec::new(),
            headline: None,
        },
        Template::ObjectionDecided {
            name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            accepted: true,
            reasons: "Diterima.".into(),
            link: "https://example.org/s".into(),
            headline: None,
        },
    ];
    for mail in &later {
        for locale in [Locale::Id, Locale::En] {
            let m = mail.render_for(locale, &p);
            names_another_programme(
                mail.name(),
                &format!("{}\n{}\n{}", m.subject, m.text, m.html),
            );
        }
    }
    let invitation = later[0].render_for(Locale::Id, &p);
    assert!(
        invitation.text.contains("Seleksi Tenaga Pendamping (TPP)"),
        "{}",
        invitation.text
    );
    let selected = later[1].render_for(Locale::En, &p);
    assert!(
        selected
            .text
            .contains("SELECTED as programme facilitator (TPP)"),
        "{}",
        selected.text
    );
    for sms in [
        pokmas::sms::SmsMessage::Receipt {
            first_name: "Dewi".into(),
            registration_no: "2027-0001".into(),
        },
        pokmas::sms::SmsMessage::ObjectionWindow {
            first_name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            ends_at: None,
        },
        pokmas::sms::SmsMessage::StageDropped {
            first_name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            stage: "Tes tertulis".into(),
            withdrawn: None,
        },
    ] {
        names_another_programme(sms.name(), &sms.text_for(&p));
    }
}
