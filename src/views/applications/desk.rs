//! The kelurahan help desk page.

use maud::{Markup, html};

use super::{error, form_alert};
use crate::domain::form::{FieldErrors, FormData};
use crate::views::layout::{Page, PageCtx, layout};

/// The help desk's start page: a round, a kelurahan of the operator, an RT.
#[derive(Clone, Debug, Default)]
pub struct DeskPage {
    /// `(id, name)` of rounds open for registration.
    pub rounds: Vec<(uuid::Uuid, String)>,
    /// `(code, name)` of the operator's kelurahan.
    pub kelurahan: Vec<(String, String)>,
    pub values: FormData,
    pub errors: FieldErrors,
    pub csrf: String,
    pub idempotency_key: String,
}

/// The value typed before, or the one entry of a list of one.
fn only_or(mut entries: impl Iterator<Item = String>, typed: &str) -> String {
    if !typed.is_empty() {
        return typed.to_owned();
    }
    match (entries.next(), entries.next()) {
        (Some(one), None) => one,
        _ => String::new(),
    }
}

/// `GET /meja-bantuan`.
pub fn desk(ctx: &PageCtx, d: &DeskPage) -> Markup {
    let body = html! {
        h1 { (ctx.t("Meja bantuan: pendaftaran dibantu", "Help desk: assisted registration")) }
        p { (ctx.t(
            "Untuk warga tanpa e-mail atau HP. Pendaftaran tercatat sebagai dibantu oleh Anda.",
            "For residents without e-mail or phone. The application is recorded as assisted by you."
        )) }
        p { a href="/meja-bantuan/data-pendaftar" { (ctx.t("Unduh data pendaftar dengan nomor dan PIN (hak akses)", "Download a registrant's data with number and PIN (right of access)")) } }
        p { a href="/meja-bantuan/hapus-data" { (ctx.t("Ajukan penghapusan data pendaftar dengan nomor dan PIN", "Request the erasure of a registrant's data with number and PIN")) } }
        (form_alert(ctx, &d.errors, false))
        @if d.rounds.is_empty() {
            div.notice role="status" { (ctx.t(
                "Saat ini tidak ada seleksi yang membuka pendaftaran. Pendaftaran dibantu dapat dimulai setelah admin kota membuka pendaftaran; lihat jadwal di halaman seleksi.",
                "No round is open for registration now. Assisted registration can start once the city admin opens registration; see the schedule on the round's page."
            )) }
        } @else {
        form method="post" action="/meja-bantuan" {
            input type="hidden" name="csrf" value=(d.csrf);
            input type="hidden" name="idempotency_key" value=(d.idempotency_key);
            // A choice defaults only when there is nothing to choose from;
            // otherwise the list starts at "— pilih —" and the server asks
            // for it, so no resident is filed under the first kelurahan.
            @let round = only_or(d.rounds.iter().map(|(id, _)| id.to_string()), d.values.get("round_id"));
            label for="round_id" { (ctx.t("Seleksi", "Round")) }
            select id="round_id" name="round_id" required {
                @if d.rounds.len() != 1 {
                    option value="" disabled selected[round.is_empty()] { (ctx.t("— pilih seleksi —", "— choose a round —")) }
                }
                @for (id, name) in &d.rounds { option value=(id) selected[round == id.to_string()] { (name) } }
            }
            (error(ctx, &d.errors, "round_id"))
            @let kel = only_or(d.kelurahan.iter().map(|(code, _)| code.clone()), d.values.get("kelurahan"));
            label for="kelurahan" { (ctx.t("Kelurahan", "Kelurahan")) }
            select id="kelurahan" name="kelurahan" required {
                @if d.kelurahan.len() != 1 {
                    option value="" disabled selected[kel.is_empty()] { (ctx.t("— pilih kelurahan —", "— choose a kelurahan —")) }
                }
                @for (code, name) in &d.kelurahan {
                    option value=(code) selected[kel == *code] { (name) }
                }
            }
            (error(ctx, &d.errors, "kelurahan"))
            label for="rt" { "RT" }
            input id="rt" name="rt" type="number" min="1" value=(d.values.get("rt"));
            (error(ctx, &d.errors, "rt"))
            label for="formation" { (ctx.t("Kode formasi (hanya bila aturan domisili seleksi membolehkan memilih formasi)", "Formation code (only where the round's domicile rule lets the resident choose)")) }
            input id="formation" name="formation" value=(d.values.get("formation"));
            (error(ctx, &d.errors, "formation"))
            button type="submit" { (ctx.t("Mulai pendaftaran", "Start the application")) }
        }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Meja bantuan", "Help desk").to_owned(),
            body,
        },
    )
}
