//! Choosing the area of an application, and the sign-in prompt before it.

use maud::{Markup, html};

use super::{error, form_alert};
use crate::domain::form::FieldErrors;
use crate::views::layout::{Page, PageCtx, layout};

/// The area-choice steps before a draft exists.
#[derive(Clone, Debug, Default)]
pub struct AreaStep {
    pub round_name: String,
    /// Where the GET steps and the final POST go.
    pub action: String,
    pub kecamatan: Vec<(String, String)>,
    pub selected_kecamatan: String,
    pub kelurahan: Vec<(String, String)>,
    pub selected_kelurahan: String,
    pub rts: Vec<i32>,
    /// The round's domicile rule in words.
    pub domicile: crate::domain::msg::Msg,
    /// `(code, name)` of the formations to choose from; empty when the
    /// formation follows from the RT.
    pub formations: Vec<(String, String)>,
    pub csrf: String,
    pub idempotency_key: String,
    pub errors: FieldErrors,
}

/// `GET /seleksi/{slug}/daftar` and the help desk's start page.
pub fn area_step(ctx: &PageCtx, s: &AreaStep) -> Markup {
    let body = html! {
        h1 { (ctx.t("Daftar", "Apply")) ": " (s.round_name) }
        @if s.formations.is_empty() {
            p { (ctx.t(
                "Langkah 1: pilih wilayah tempat tinggal Anda sesuai KTP. Formasi ditentukan dari RT Anda.",
                "Step 1: choose where you live as on your KTP. The formation follows from your RT."
            )) }
        } @else {
            p { (ctx.t(
                "Langkah 1: pilih wilayah tempat tinggal Anda sesuai KTP, lalu formasi yang Anda lamar.",
                "Step 1: choose where you live as on your KTP, then the formation you apply to."
            )) }
        }
        p.muted { (ctx.t("Aturan domisili", "Domicile rule")) ": " (ctx.msg(&s.domicile)) "." }
        (form_alert(ctx, &s.errors, false))
        form method="get" action=(s.action) {
            label for="kecamatan" { (ctx.t("Kecamatan", "Kecamatan")) }
            select id="kecamatan" name="kecamatan" required {
                // A list of several starts empty: a resident who skims
                // past it must not land in the first kecamatan unawares.
                @if s.kecamatan.len() != 1 {
                    option value="" disabled selected[s.selected_kecamatan.is_empty()] { (ctx.t("— pilih kecamatan —", "— choose a kecamatan —")) }
                }
                @for (code, name) in &s.kecamatan {
                    option value=(code) selected[*code == s.selected_kecamatan] { (name) }
                }
            }
            button type="submit" { (ctx.t("Pilih kecamatan", "Choose kecamatan")) }
        }
        @if !s.kelurahan.is_empty() {
            form method="get" action=(s.action) {
                input type="hidden" name="kecamatan" value=(s.selected_kecamatan);
                label for="kelurahan" { (ctx.t("Kelurahan", "Kelurahan")) }
                select id="kelurahan" name="kelurahan" required {
                    option value="" disabled selected[s.selected_kelurahan.is_empty()] { (ctx.t("— pilih kelurahan —", "— choose a kelurahan —")) }
                    @for (code, name) in &s.kelurahan {
                        option value=(code) selected[*code == s.selected_kelurahan] { (name) }
                    }
                }
                button type="submit" { (ctx.t("Pilih kelurahan", "Choose kelurahan")) }
            }
        }
        @if !s.rts.is_empty() {
            form method="post" action=(s.action) {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="idempotency_key" value=(s.idempotency_key);
                input type="hidden" name="kelurahan" value=(s.selected_kelurahan);
                label for="rt" { "RT" }
                select id="rt" name="rt" required {
                    option value="" disabled selected { (ctx.t("— pilih RT —", "— choose an RT —")) }
                    @for n in &s.rts { option value=(n) { (format!("RT {n:03}")) } }
                }
                (error(ctx, &s.errors, "rt"))
                @if !s.formations.is_empty() {
                    label for="formation" { (ctx.t("Formasi yang dilamar", "Formation applied to")) }
                    select id="formation" name="formation" required {
                        option value="" disabled selected { (ctx.t("— pilih formasi —", "— choose a formation —")) }
                        @for (code, name) in &s.formations { option value=(code) { (name) " (" (code) ")" } }
                    }
                    (error(ctx, &s.errors, "formation"))
                }
                button type="submit" { (ctx.t("Lanjut ke formulir", "Continue to the form")) }
            }
        }
        // Only covered areas are offered, so say what a missing one means
        // rather than leave the resident searching.
        p.muted id="not-listed" { (ctx.t(
            "Kelurahan atau RT Anda tidak ada dalam daftar? Berarti wilayah itu tidak memenuhi aturan domisili seleksi ini, sehingga belum dapat didaftarkan. Untuk keterangan, hubungi help desk di kantor kelurahan Anda.",
            "Your kelurahan or RT is not listed? Then it does not meet this round's domicile rule, so no application can be made for it. For details, contact the help desk at your kelurahan office."
        )) }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Daftar", "Apply").to_owned(),
            body,
        },
    )
}

/// `GET /seleksi/{slug}/daftar` without a session: sign in or register first.
pub fn sign_in_first(ctx: &PageCtx, round_name: &str, back: &str) -> Markup {
    let body = html! {
        h1 { (ctx.t("Daftar", "Apply")) ": " (round_name) }
        p { (ctx.t(
            "Untuk mendaftar, masuk dengan akun Anda. Belum punya akun? Buat akun lalu konfirmasi e-mail Anda, kemudian buka kembali halaman ini.",
            "To apply, log in with your account. No account yet? Create one and confirm your e-mail, then come back to this page."
        )) }
        p {
            a.button href=(format!("/masuk?lanjut={}", crate::views::layout::urlencode(back))) { (ctx.t("Masuk", "Log in")) }
            " "
            a href="/daftar" { (ctx.t("Buat akun", "Create an account")) }
        }
        p.muted { (ctx.t("Alamat halaman ini", "This page's address")) ": " code { (back) } }
        p.muted { (ctx.t(
            "Tidak punya e-mail atau HP? Datang ke kantor kelurahan: petugas dapat mendaftarkan Anda.",
            "No e-mail or phone? Go to the kelurahan office: an officer can register you."
        )) }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Daftar", "Apply").to_owned(),
            body,
        },
    )
}
