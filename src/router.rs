//! Every route and layer, in one place.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Request, header};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::AppState;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::web::applications as apps;
use crate::web::panels;
use crate::web::{self, account, api, assets, auth, public, rounds, scoring};
// verification and staff accounts
use crate::web::staff;
// auditor exports
use crate::web::audit_exports;
// auditors' workspace
use crate::web::trail;
// lottery witnesses, imports, progress (panel/admin input side)
use crate::web::lottery;
use crate::web::{imports, progress};
// results, objections and finalization
use crate::web::results;

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    let form_limit = state.form_body_limit();
    let sessions = SessionManagerLayer::new(crate::db::sessions::DbSessionStore::new(
        state.db.clone(),
        web::SESSION_ACCOUNT,
    ))
    .with_name(web::SESSION_COOKIE)
    .with_http_only(true)
    .with_same_site(tower_sessions::cookie::SameSite::Lax)
    .with_secure(state.config.https())
    .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)));

    let (api, openapi) = OpenApiRouter::with_openapi(api::ApiDoc::openapi())
        .nest("/api/v1", api::routes())
        .split_for_parts();
    let openapi = std::sync::Arc::new(api::doc::finish(&openapi));

    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .route("/", get(public::home))
        .route("/wilayah", get(public::regions))
        .route("/jejak-audit", get(public::audit_head))
        .route("/bahasa/{code}", get(public::switch_language))
        .route("/masuk", get(auth::login_page).post(auth::login_submit))
        .route("/keluar", post(auth::logout))
        // accounts
        .route(
            "/daftar",
            get(account::register_page).post(account::register_submit),
        )
        .route("/verifikasi-email", get(account::verify_email))
        .route(
            "/verifikasi-email/kirim-ulang",
            post(account::resend_verification),
        )
        .route(
            "/lupa-sandi",
            get(account::forgot_page).post(account::forgot_submit),
        )
        .route(
            "/atur-ulang-sandi",
            get(account::reset_page).post(account::reset_submit),
        )
        .route("/akun", get(account::account_page))
        .route("/akun/sandi", post(account::change_password))
        // panel scoring
        .route("/penilai", get(scoring::queue))
        .route("/penilai/{id}", get(scoring::sheet))
        .route("/penilai/{id}/pernyataan", post(scoring::declare))
        .route("/penilai/{id}/nilai", post(scoring::submit))
        .route("/healthz", get(crate::ops::health::healthz))
        .route("/readyz", get(crate::ops::health::readyz))
        .route("/metrics", get(crate::ops::metrics::page))
        .route("/assets/{name}", get(assets::get))
        // rounds (admin) and public round page
        .route("/seleksi/{slug}", get(rounds::public_page))
        .route("/admin/seleksi", get(rounds::list).post(rounds::create))
        .route(
            "/admin/seleksi/{id}",
            get(rounds::detail).post(rounds::update),
        )
        .route("/admin/seleksi/{id}/status", post(rounds::status))
        .route(
            "/admin/seleksi/{id}/kriteria",
            get(rounds::criteria).post(rounds::criteria_save),
        )
        .route("/admin/seleksi/{id}/templat", post(rounds::template))
        .route(
            "/admin/seleksi/{id}/tahap",
            get(rounds::stages_page).post(rounds::stages_save),
        )
        .route(
            "/admin/seleksi/{id}/program",
            get(rounds::programme_page).post(rounds::programme_save),
        )
        .route(
            "/admin/seleksi/{id}/tahap/{code}/terbitkan",
            post(rounds::shortlist_publish),
        )
        .route(
            "/admin/seleksi/{id}/persyaratan",
            get(rounds::requirements).post(rounds::requirements_save),
        )
        .route("/admin/seleksi/{id}/formasi", get(rounds::formations))
        .route(
            "/admin/seleksi/{id}/formasi.csv",
            get(rounds::formations_csv),
        )
        .route(
            "/admin/seleksi/{id}/formasi/buat",
            post(rounds::formations_generate),
        )
        .route(
            "/admin/seleksi/{id}/formasi/rt",
            post(rounds::formations_rts),
        )
        .route(
            "/admin/seleksi/{id}/formasi/tambah",
            post(rounds::formations_add),
        )
        .route(
            "/admin/seleksi/{id}/formasi/kursi",
            post(rounds::formations_seats),
        )
        .route(
            "/admin/seleksi/{id}/formasi/impor",
            post(rounds::formations_import),
        )
        .route(
            "/admin/seleksi/{id}/formasi/{formation}/hapus",
            post(rounds::formations_delete),
        )
        // end rounds
        // panels, test schedule and dashboard
        .route(
            "/admin/seleksi/{id}/panel",
            get(panels::panels).post(panels::panel_create),
        )
        .route(
            "/admin/seleksi/{id}/panel/{panel}/anggota",
            post(panels::member_add),
        )
        .route(
            "/admin/seleksi/{id}/panel/{panel}/anggota/{account}/hapus",
            post(panels::member_remove),
        )
        .route(
            "/admin/seleksi/{id}/panel/{panel}/formasi",
            post(panels::panel_formations),
        )
        .route(
            "/admin/seleksi/{id}/uji",
            get(panels::schedule).post(panels::session_create),
        )
        .route(
            "/admin/seleksi/{id}/uji/{session}/isi",
            post(panels::session_fill),
        )
        .route(
            "/admin/seleksi/{id}/uji/undangan/{invitation}/pindah",
            post(panels::invitation_move),
        )
        .route(
            "/admin/seleksi/{id}/uji/undangan/{invitation}/kehadiran",
            post(panels::invitation_attendance),
        )
        .route(
            "/admin/seleksi/{id}/uji/undangan/{invitation}/keputusan",
            post(panels::invitation_decision),
        )
        .route("/admin/seleksi/{id}/dasbor", get(panels::dashboard))
        .route(
            "/admin/seleksi/{id}/tinjauan-kedua/minta",
            post(crate::web::second_look::request),
        )
        .route(
            "/admin/seleksi/{id}/tinjauan-kedua/putus",
            post(crate::web::second_look::decide),
        )
        // end panels, test schedule and dashboard
        // verification and staff accounts
        .route("/petugas/verifikasi", get(staff::queue))
        .route(
            "/petugas/verifikasi/{id}",
            get(staff::application).post(staff::verify),
        )
        .route(
            "/petugas/verifikasi/{id}/perubahan",
            post(staff::request_change),
        )
        .route(
            "/petugas/verifikasi/{id}/dokumen/{doc}",
            get(staff::document),
        )
        .route("/admin/persetujuan", get(staff::approvals))
        .route("/admin/persetujuan/{id}", post(staff::decide))
        .route("/admin/akun", get(staff::accounts).post(staff::invite))
        .route("/admin/akun/{id}/kelurahan", post(staff::scopes))
        .route("/admin/akun/{id}/nonaktifkan", post(staff::deactivate))
        .route("/admin/akun/{id}/aktifkan", post(staff::reactivate))
        .route(
            "/undangan",
            get(staff::invite_page).post(staff::invite_submit),
        )
        .route(
            "/akun/konflik",
            get(staff::conflict).post(staff::conflict_submit),
        )
        // end verification and staff accounts
        // applications (portal, help desk, status)
        .route(
            "/seleksi/{slug}/daftar",
            get(apps::start_page).post(apps::start),
        )
        .route(
            "/pendaftaran/{id}/formulir",
            get(apps::form_page)
                .post(apps::form_submit)
                .layer(axum::extract::DefaultBodyLimit::max(form_limit)),
        )
        .route("/pendaftaran/{id}", get(apps::status_page))
        .route("/pendaftaran/{id}/tanda-terima", get(apps::receipt))
        .route("/pendaftaran/{id}/pin", post(apps::reissue_pin))
        .route("/pendaftaran/{id}/bukti", get(crate::web::receipts::list))
        .route(
            "/pendaftaran/{id}/bukti/{seq}",
            get(crate::web::receipts::download),
        )
        .route("/cek-status/bukti", post(crate::web::receipts::public))
        .route("/pendaftaran/{id}/batal", post(apps::withdraw))
        .route("/dokumen/{id}", get(apps::document))
        .route("/meja-bantuan", get(apps::desk).post(apps::desk_start))
        .route("/cek-status", get(apps::check_page).post(apps::check))
        .route("/cek-status/sanggahan", post(apps::check_object))
        .route("/cek-status/sanggahan/cetak", post(apps::check_slip))
        // end applications
        // auditor exports and signed checkpoints
        .route("/audit/ekspor", get(audit_exports::index))
        .route("/audit/ekspor/{id}", get(audit_exports::round))
        .route("/audit/ekspor/{id}/{file}", get(audit_exports::download))
        .route("/jejak-audit/checkpoint.txt", get(public::checkpoint_text))
        .route("/jejak-audit/kunci.txt", get(public::public_key_text))
        .route("/log", get(crate::web::tlog::page))
        .route("/log/policy.txt", get(crate::web::tlog::policy))
        .route("/log/checkpoint", get(crate::web::tlog::checkpoint))
        .route("/log/tile/{*path}", get(crate::web::tlog::tile))
        // end auditor exports and signed checkpoints
        // auditors' workspace (read only)
        .route("/audit", get(trail::home))
        .route("/audit/jejak", get(trail::trail))
        .route("/audit/pendaftaran", get(trail::lookup))
        .route("/audit/pendaftaran/{key}", get(trail::history))
        .route("/audit/penilai/{id}", get(trail::panelist))
        .route("/audit/formasi/{id}/konflik", get(trail::matrix))
        .route("/audit/seleksi/{id}", get(trail::round))
        .route("/audit/seleksi/{id}/analitik", get(trail::analytics))
        .route(
            "/audit/seleksi/{id}/tinjauan-panel",
            get(crate::web::panel_review::page),
        )
        // end auditors' workspace
        // lottery witnesses, imports, progress (panel/admin input side)
        .route(
            "/admin/seleksi/{id}/saksi",
            get(lottery::admin_page).post(lottery::admin_add),
        )
        .route(
            "/admin/seleksi/{id}/saksi/{witness}/hapus",
            post(lottery::admin_remove),
        )
        .route("/saksi", get(lottery::mine))
        .route("/saksi/{id}", get(lottery::witness_page))
        .route("/saksi/{id}/komit", post(lottery::commit))
        .route("/saksi/{id}/ungkap", post(lottery::reveal))
        .route("/seleksi/{slug}/undian", get(lottery::public_page))
        .route("/admin/seleksi/{id}/progres", get(progress::page))
        .route(
            "/admin/seleksi/{id}/progres/kecualikan",
            post(progress::recuse),
        )
        .route(
            "/admin/seleksi/{id}/impor-nilai",
            get(imports::page)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::services::imports::MAX_FILE_BYTES + 64 * 1024,
                )),
        )
        .route("/penilai/{id}/draf", post(scoring::save_draft))
        // end lottery witnesses, imports, progress
        // results, objections and finalization
        .route("/seleksi/{slug}/hasil", get(results::round_page))
        .route("/seleksi/{slug}/hasil/{code}", get(results::formation_page))
        .route(
            "/seleksi/{slug}/pengumuman/{kelurahan}",
            get(results::announcement),
        )
        .route(
            "/pendaftaran/{id}/sanggahan",
            get(results::applicant_page)
                .post(results::applicant_file)
                .layer(axum::extract::DefaultBodyLimit::max(form_limit)),
        )
        .route("/admin/seleksi/{id}/hasil", get(results::admin_page))
        .route(
            "/admin/seleksi/{id}/hasil/final",
            post(results::finalize_request),
        )
        .route(
            "/admin/seleksi/{id}/hasil/final/keputusan",
            post(results::finalize_decide),
        )
        .route(
            "/admin/seleksi/{id}/sanggahan",
            get(results::admin_objections),
        )
        .route("/admin/sanggahan/{id}/peninjau", post(results::assign))
        .route("/admin/sanggahan/{id}/keputusan", post(results::decide))
        .route("/sanggahan", get(results::reviewer_queue))
        .route("/sanggahan/{id}", get(results::detail))
        .route("/sanggahan/{id}/usulan", post(results::propose))
        // information section, messages without e-mail, open statistics
        .merge(crate::web::info::routes(form_limit))
        .merge(crate::web::after_final::routes())
        // end results, objections and finalization
        .route(
            "/seleksi/{slug}/unduh/{file}",
            get(crate::web::public_downloads::download),
        )
        // personal data: privacy notice and settings
        .route("/pelindungan-data", get(crate::web::privacy::notice))
        .route(
            "/admin/pelindungan-data",
            get(crate::web::privacy::settings).post(crate::web::privacy::save_settings),
        )
        .route("/akun/data-saya", get(crate::web::privacy::my_data))
        .route("/akun/hapus-data", post(crate::web::erasure::request))
        .route(
            "/meja-bantuan/data-pendaftar",
            get(crate::web::privacy::desk_access).post(crate::web::privacy::desk_access_download),
        )
        .route(
            "/meja-bantuan/hapus-data",
            get(crate::web::erasure::desk_form).post(crate::web::erasure::desk_file),
        )
        .route("/admin/penghapusan-data", get(crate::web::erasure::list))
        .route(
            "/admin/penghapusan-data/{id}/putuskan",
            post(crate::web::erasure::decide),
        )
        .route(
            "/admin/kebocoran-data",
            get(crate::web::privacy::breaches).post(crate::web::privacy::record_breach),
        )
        .route(
            "/admin/kebocoran-data/{id}/pemberitahuan",
            post(crate::web::privacy::breach_notified),
        )
        // personal API tokens
        .route("/akun/token", post(crate::web::api_tokens::create))
        .route(
            "/akun/token/{id}/cabut",
            post(crate::web::api_tokens::revoke),
        )
        .fallback(public::not_found)
        .method_not_allowed_fallback(public::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::csrf_cookie,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(web::security_headers::security_headers))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(crate::ops::metrics::track))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            use axum::response::IntoResponse;
            crate::error::AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        // Request logs carry method, matched route and status only: never query
        // strings or bodies, which may hold personal data.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", |p| p.as_str())
                        .to_owned();
                    tracing::info_span!("http", method = %req.method(), route = %route)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}
