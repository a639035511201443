//! Sign-in pages.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};

/// The login form, with what was typed kept and the error, if any.
#[derive(Clone, Debug, Default)]
pub struct LoginForm {
    pub email: String,
    pub error: Option<String>,
    pub csrf: String,
    /// Where to go after logging in (a same-site path), when the person came from there.
    pub next: String,
}

/// `GET /masuk` and a failed `POST /masuk`.
pub fn login(ctx: &PageCtx, f: &LoginForm) -> Markup {
    let body = html! {
        h1 { (ctx.t("Masuk", "Log in")) }
        @if let Some(e) = &f.error { div.alert role="alert" { (e) } }
        form method="post" action="/masuk" novalidate {
            input type="hidden" name="csrf" value=(f.csrf);
            @if !f.next.is_empty() { input type="hidden" name="lanjut" value=(f.next); }
            label for="email" { (ctx.t("Alamat e-mail", "E-mail address")) }
            input #email type="email" name="email" value=(f.email) autocomplete="username" required autofocus[f.email.is_empty()];
            label for="password" { (ctx.t("Kata sandi", "Password")) }
            input #password type="password" name="password" autocomplete="current-password" required autofocus[!f.email.is_empty()];
            button type="submit" { (ctx.t("Masuk", "Log in")) }
        }
        p {
            a href="/lupa-sandi" { (ctx.t("Lupa kata sandi", "Forgot password")) }
            " · "
            (ctx.t("Belum punya akun?", "No account yet?")) " "
            a href="/daftar" { (ctx.t("Daftar", "Register")) }
        }
        p.muted { (ctx.t(
            "Tidak punya e-mail atau ponsel? Datanglah ke help desk Probebaya di kantor kelurahan; petugas dapat mendaftarkan Anda.",
            "No e-mail or phone? Visit the Probebaya help desk at your kelurahan office; an officer can register you."
        )) }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Masuk", "Log in").into(),
            body,
        },
    )
}
