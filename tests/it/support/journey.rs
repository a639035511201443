//! Journeys: the steps a test needs before the one it is about, taken the
//! way the application takes them (the services an admin's page calls, the
//! pages a resident fills in), so a fixture can never hold a state the
//! application could not reach. Each journey hands back typed handles (ids,
//! slugs, registration numbers) rather than database rows.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::audit::Actor;
use pokmas::db::entities::{account, application, round};
use pokmas::domain::form::FormData;
use pokmas::domain::programme::DomicileRule;
use pokmas::domain::role::Role;
use pokmas::domain::round::{RoundState, input_wita};
use pokmas::services::rounds::{self as rounds, RoundSettings};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{PASSWORD, TestApp, TestResponse, hidden_value};

/// A round a journey opened: its id and its public slug.
#[derive(Clone, Debug)]
pub struct OpenRound {
    pub id: Uuid,
    pub slug: String,
}

pub const KECAMATAN: &str = "64.72.09";
/// Karang Mumus, with 23 RTs.
pub const KELURAHAN: &str = "64.72.09.1001";
/// A valid NIK of a woman born 15 May 1990, first registered in 64.72.09.
pub const NIK: &str = "6472095505900001";
/// Another valid NIK with the same birth date and sex.
pub const NIK2: &str = "6472095505900002";
pub const DOCS: [&str; 4] = ["KTP", "KK", "PERNYATAAN", "CV"];
pub const DECLS: [&str; 5] = ["NON_PARPOL", "NON_ASN", "NON_PERANGKAT", "BERSIH", "BENAR"];

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

/// The admin [`open_round`] creates (password [`PASSWORD`]).
pub const ADMIN: &str = "admin@samarindakota.go.id";

/// An open round of Samarinda Kota with one formation for Karang Mumus.
pub async fn open_round(app: &TestApp) -> OpenRound {
    let admin = app.create_user(ADMIN, Role::Admin, &[]).await;
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    open_round_named(app, actor, "Rekrutmen Pokmas Samarinda Kota").await
}

/// The [`ADMIN`] account as an audit actor, for services a test calls directly.
pub async fn admin_actor(app: &TestApp) -> Actor {
    let id = account::Entity::find()
        .filter(account::Column::Email.eq(ADMIN))
        .one(&app.db.db)
        .await
        .expect("find admin")
        .expect("admin")
        .id;
    Actor::Account {
        id,
        role: Role::Admin,
    }
}

/// An open 2027 round called `name` with formations over Karang Mumus,
/// opened by `actor` (an admin).
pub async fn open_round_named(app: &TestApp, actor: Actor, name: &str) -> OpenRound {
    open_round_with(app, actor, &RoundPlan::named(name)).await
}

/// How a journey sets a round up before opening its registration.
pub struct RoundPlan<'a> {
    pub name: &'a str,
    /// Days from now of the schedule, in order: registration opens, closes,
    /// verification ends, assessment starts and ends, provisional results,
    /// objections end, final results.
    pub days: [i64; 8],
    /// The age range `(min, max)` of the settings (the template then sets
    /// its own); `None`: no age range, for a plan with its own documents.
    pub ages: Option<(i32, i32)>,
    /// `(kelurahan, number of RTs)` created before the formations.
    pub rts: &'a [(&'a str, i32)],
    /// Whole-kelurahan formations `(code, name, kelurahan)` with 5 seats and 2
    /// in reserve; empty: one generated for each kelurahan of [`KECAMATAN`]
    /// that has RTs.
    pub formations: &'a [(&'a str, &'a str, &'a str)],
    /// The RTs of each of [`RoundPlan::formations`], as the formation form
    /// takes them (`all`, `1;2` …).
    pub formation_rts: &'a str,
    /// Mandatory documents `(code, text_id, text_en)` that replace the
    /// template's requirements; empty: the template's.
    pub documents: &'a [(&'a str, &'a str, &'a str)],
    /// Where applicants must live (set in the draft round's programme).
    pub domicile_rule: DomicileRule,
}

impl<'a> RoundPlan<'a> {
    /// The round [`open_round`] opens: registration open for a week,
    /// Karang Mumus with 23 RTs, the panel template's requirements.
    pub fn named(name: &'a str) -> Self {
        RoundPlan {
            name,
            days: [-1, 7, 14, 20, 22, 25, 28, 35],
            ages: Some((21, 60)),
            rts: &[(KELURAHAN, 23)],
            formations: &[],
            formation_rts: "all",
            documents: &[],
            domicile_rule: DomicileRule::Rt,
        }
    }
}

/// A 2027 round planned by `plan`, its registration opened by `actor` (an
/// admin), through the same services the admin pages call.
pub async fn open_round_with(app: &TestApp, actor: Actor, plan: &RoundPlan<'_>) -> OpenRound {
    let db = &app.db.db;
    let now = OffsetDateTime::now_utc();
    let wita = |days: i64| input_wita(now + Duration::days(days));
    let mut f = FormData::default();
    for (k, v) in [
        ("name", plan.name.to_owned()),
        ("year", "2027".to_owned()),
        ("description_id", "Seleksi.".to_owned()),
        ("description_en", "Selection.".to_owned()),
        ("aggregation", "mean".to_owned()),
        ("passing_total", "60".to_owned()),
        ("min_panelists", "3".to_owned()),
    ] {
        f.0.insert(k.to_owned(), v);
    }
    if let Some((min, max)) = plan.ages {
        f.0.insert("age_min".to_owned(), min.to_string());
        f.0.insert("age_max".to_owned(), max.to_string());
    }
    for (k, days) in SCHEDULE.iter().zip(plan.days) {
        f.0.insert((*k).to_owned(), wita(days));
    }
    let settings = RoundSettings::parse(&f).expect("settings");
    let id = rounds::create_round(db, actor, &settings, None)
        .await
        .expect("round");
    rounds::apply_template(db, actor, id, "panel")
        .await
        .expect("template");
    if plan.ages.is_none() {
        // The template brings its own age range; a plan without one saves
        // the round's settings again after choosing it, as an admin would.
        rounds::update_round(db, actor, id, &settings)
            .await
            .expect("settings after the template");
    }
    if !plan.documents.is_empty() {
        let mut f = FormData::default();
        for (i, (code, text_id, text_en)) in plan.documents.iter().enumerate() {
            for (k, v) in [
                ("code", *code),
                ("kind", "document"),
                ("text_id", *text_id),
                ("text_en", *text_en),
                ("mandatory", "on"),
            ] {
                f.0.insert(format!("r{i}_{k}"), v.to_owned());
            }
        }
        let rows = rounds::parse_requirements(&f).expect("requirements");
        rounds::set_requirements(db, actor, id, &rows)
            .await
            .expect("set requirements");
    }
    for (kelurahan, count) in plan.rts {
        rounds::create_rts(db, actor, kelurahan, Some(*count))
            .await
            .expect("rts");
    }
    if plan.formations.is_empty() {
        rounds::generate_formations(db, actor, id, KECAMATAN, 5, 2)
            .await
            .expect("formations");
    }
    for (code, name, kelurahan) in plan.formations {
        let mut f = FormData::default();
        for (k, v) in [
            ("code", *code),
            ("name", *name),
            ("kelurahan_code", *kelurahan),
            ("rts", plan.formation_rts),
            ("seats", "5"),
            ("reserve", "2"),
        ] {
            f.0.insert(k.to_owned(), v.to_owned());
        }
        let draft = rounds::parse_formation(&f).expect("formation");
        rounds::add_formation(db, actor, id, &draft)
            .await
            .expect("add formation");
    }
    if plan.domicile_rule != DomicileRule::Rt {
        let r = round::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("load")
            .expect("round");
        let mut s = rounds::ProgrammeSettings::of(&r.into());
        s.domicile_rule = plan.domicile_rule;
        rounds::set_programme(db, actor, id, &s)
            .await
            .expect("programme");
    }
    rounds::transition(
        db,
        &crate::support::checkpoint_key(),
        actor,
        id,
        RoundState::Registration,
        "",
        now,
    )
    .await
    .expect("open registration");
    let slug = round::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("load")
        .expect("round")
        .slug;
    OpenRound { id, slug }
}

/// The round form's schedule fields, in the order of [`RoundPlan::days`].
const SCHEDULE: [&str; 8] = [
    "registration_opens_at",
    "registration_closes_at",
    "verification_ends_at",
    "assessment_starts_at",
    "assessment_ends_at",
    "provisional_at",
    "objection_ends_at",
    "final_at",
];

/// Closes the registration of `round` (moves it to verification) as `actor`,
/// a minute after its scheduled close, as the admin's button does then.
pub async fn close_registration(app: &TestApp, actor: Actor, round: Uuid) {
    advance(app, actor, round, RoundState::Verification).await;
}

/// Moves `round` on to `to` as `actor` (an admin) through the service the
/// round page's button calls, a minute after the moment its schedule allows
/// the step: registration's close, the assessment's start, the provisional
/// date, the end of objections.
pub async fn advance(app: &TestApp, actor: Actor, round: Uuid, to: RoundState) {
    let r = round::Entity::find_by_id(round)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("round");
    let allowed = match to {
        RoundState::Verification => r.registration_closes_at,
        RoundState::Assessment => r.assessment_starts_at,
        RoundState::Provisional | RoundState::Objection => r.provisional_at,
        RoundState::Final => r.objection_ends_at,
        _ => Some(OffsetDateTime::now_utc()),
    }
    .expect("the step is scheduled");
    rounds::transition(
        &app.db.db,
        &crate::support::checkpoint_key(),
        actor,
        round,
        to,
        "",
        allowed + Duration::minutes(1),
    )
    .await
    .unwrap_or_else(|e| panic!("move the round to {to:?}: {e:?}"));
}

/// A resident a journey has apply.
pub struct Resident<'a> {
    pub name: &'a str,
    /// The account's and the form's address.
    pub email: &'a str,
    pub nik: &'a str,
    pub kelurahan: &'a str,
    pub rt: &'a str,
    /// `(requirement code, file name, bytes)` uploaded with the form.
    pub documents: &'a [(&'a str, &'a str, &'a [u8])],
}

/// A submitted application as its receipt names it.
#[derive(Clone, Debug)]
pub struct Applicant {
    pub id: Uuid,
    pub registration_no: String,
    /// The keyed hash stored for the NIK, which no answer may show.
    pub nik_hash: String,
}

/// `who` registers (in a fresh browser, left signed in), verifies the
/// e-mail, starts a draft in their kelurahan and RT and submits it with
/// `who.documents`, through the pages.
pub async fn applies(app: &mut TestApp, slug: &str, who: &Resident<'_>) -> Applicant {
    applies_to(app, slug, who, None).await
}

/// [`applies`], choosing the formation `formation` (by code) on the area
/// step, as a round whose domicile rule lets applicants choose offers it;
/// `None`: the formation follows from the RT.
pub async fn applies_to(
    app: &mut TestApp,
    slug: &str,
    who: &Resident<'_>,
    formation: Option<&str>,
) -> Applicant {
    app.switch_browser(Default::default());
    verified_resident(app, who.name, who.email).await;
    let form = start_choosing(app, slug, (who.kelurahan, who.rt), formation).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields: Vec<(&str, &str)> = personal(&csrf, who.nik, who.email)
        .into_iter()
        .map(|(k, v)| {
            if k == "full_name" {
                (k, who.name)
            } else {
                (k, v)
            }
        })
        .collect();
    fields.push(("action", "submit"));
    let names: Vec<String> = who
        .documents
        .iter()
        .map(|(c, ..)| format!("doc_{c}"))
        .collect();
    let files: Vec<(&str, &str, &[u8])> = who
        .documents
        .iter()
        .zip(&names)
        .map(|((_, file, bytes), name)| (name.as_str(), *file, *bytes))
        .collect();
    let res = post_multipart(app, &form, &fields, &files).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_in(&form);
    let row = application::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application");
    Applicant {
        id,
        registration_no: row.registration_no.expect("a registration number"),
        nik_hash: row.nik_hash.expect("a NIK hash"),
    }
}

/// Walks the area steps to `kelurahan` (in [`KECAMATAN`]), RT `rt`, and
/// starts a draft, choosing the formation `formation` (by code) when given;
/// returns the form's path.
pub async fn start_choosing(
    app: &mut TestApp,
    slug: &str,
    (kelurahan, rt): (&str, &str),
    formation: Option<&str>,
) -> String {
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={kelurahan}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kelurahan", kelurahan),
        ("rt", rt),
    ];
    if let Some(code) = formation {
        assert!(
            page.body.contains(&format!("<option value=\"{code}\">")),
            "the area step offers formation {code}: {}",
            page.body
        );
        fields.push(("formation", code));
    }
    let res = app
        .post_form(&format!("/seleksi/{slug}/daftar"), &fields)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().expect("to the form").to_owned()
}

/// Registers, verifies the e-mail from the outbox and logs in.
pub async fn verified_resident(app: &mut TestApp, name: &str, email: &str) {
    let res = app.register(name, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let link = TestApp::link_in(&app.last_mail_to(email).await, "/verifikasi-email?token=");
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// Walks the area steps and starts a draft; returns the form's path.
pub async fn start(app: &mut TestApp, slug: &str) -> String {
    let page = app.get(&format!("/seleksi/{slug}/daftar")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Samarinda Kota"), "kecamatan offered");
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}"
        ))
        .await;
    assert!(page.body.contains("RT 023"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kelurahan", KELURAHAN),
        ("rt", "7"),
    ];
    let res = app
        .post_form(&format!("/seleksi/{slug}/daftar"), &fields)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("to the form").to_owned();
    // A double click with the same key: the same draft.
    let again = app
        .post_form(&format!("/seleksi/{slug}/daftar"), &fields)
        .await;
    assert_eq!(again.location(), Some(form.as_str()));
    form
}

pub fn personal<'a>(csrf: &'a str, nik: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("csrf", csrf),
        ("full_name", "Siti Aminah"),
        ("nik", nik),
        ("birth_place", "Samarinda"),
        ("birth_date", "1990-05-15"),
        ("sex", "female"),
        ("address", "Jl. Pahlawan No. 7, RT 007"),
        ("phone", "081234567890"),
        ("email", email),
        ("education", "SMA"),
        ("occupation", "Wiraswasta"),
        ("motivation", "Ingin membangun lingkungan RT bersama warga."),
        ("experience", "Pengurus posyandu 5 tahun."),
    ];
    for d in DECLS {
        v.push((Box::leak(format!("decl_{d}").into_boxed_str()), "1"));
    }
    v
}

pub fn all_docs(bytes: &[u8]) -> Vec<(&'static str, &'static str, &[u8])> {
    DOCS.iter()
        .map(|d| {
            (
                &*Box::leak(format!("doc_{d}").into_boxed_str()),
                "scan.pdf",
                bytes,
            )
        })
        .collect()
}

/// A verified resident (in a fresh browser, left signed in) applies with
/// every document and submits; returns the application's id.
pub async fn submitted_by(
    app: &mut TestApp,
    slug: &str,
    (name, email, nik): (&str, &str, &str),
) -> Uuid {
    app.switch_browser(Default::default());
    verified_resident(app, name, email).await;
    let form = start(app, slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, nik, email);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    id_in(&form)
}

/// The application id in a `/pendaftaran/{id}…` path.
pub fn id_in(path: &str) -> Uuid {
    let rest = path.trim_start_matches("/pendaftaran/");
    rest.split('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no application id in {path}"))
}

/// The signed-in operator starts an assisted application at the help desk
/// in Karang Mumus, RT `rt`; returns the form's path.
pub async fn desk_form(app: &mut TestApp, round_id: Uuid, rt: &str) -> String {
    let page = app.get("/meja-bantuan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round_str = round_id.to_string();
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("round_id", round_str.as_str()),
                ("kelurahan", KELURAHAN),
                ("rt", rt),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().expect("to the form").to_owned()
}

/// The form fields of an assisted application for a resident without phone
/// or e-mail.
pub fn without_phone_or_email<'a>(csrf: &'a str, nik: &'a str) -> Vec<(&'a str, &'a str)> {
    personal(csrf, nik, "")
        .into_iter()
        .map(|(k, v)| if k == "phone" { (k, "") } else { (k, v) })
        .collect()
}

/// The status PIN shown (once) on an assisted receipt.
pub fn pin_on(body: &str) -> String {
    let marker = "class=\"regno\"><strong>";
    let (i, _) = body.match_indices(marker).last().expect("pin shown");
    let pin = body[i + marker.len()..i + marker.len() + 6].to_owned();
    assert!(pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
    pin
}

/// A `multipart/form-data` body.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----pokmasTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_multipart(
    app: &mut TestApp,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> TestResponse {
    let (ct, body) = multipart(fields, files);
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

/// Every application stored, as a test reads back what a journey wrote.
pub async fn applications(app: &TestApp) -> Vec<application::Model> {
    application::Entity::find()
        .all(&app.db.db)
        .await
        .expect("applications")
}

/// A new status PIN for application `id`, issued by admin `admin` as the
/// help desk does for a registrant without an account.
pub async fn desk_pin(
    db: &sea_orm::DatabaseConnection,
    admin: Uuid,
    id: Uuid,
) -> pokmas::domain::registration::StatusPin {
    use pokmas::services::applications::{Acting, reissue_pin};
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    reissue_pin(db, Acting { actor, scopes: &[] }, id)
        .await
        .expect("pin")
}

/// Application `id` as if registered at the help desk (no account behind
/// it), with a status PIN issued by admin `admin`.
pub async fn assisted_with_pin(
    db: &sea_orm::DatabaseConnection,
    admin: Uuid,
    id: Uuid,
) -> pokmas::domain::registration::StatusPin {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    application::ActiveModel {
        id: Set(id),
        account_id: Set(None),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("assisted");
    desk_pin(db, admin, id).await
}
