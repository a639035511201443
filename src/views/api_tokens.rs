//! The "API tokens" part of the account page: the list with a revoke button
//! per active token, the form to make one, and a new token shown once.

use maud::{Markup, html};
use time::{OffsetDateTime, UtcOffset};

use super::PageCtx;
use crate::domain::api_token::TokenRow;
use crate::domain::api_token::{LIFETIMES_DAYS, MAX_LABEL, TokenState};

/// What the section shows.
#[derive(Clone, Debug, Default)]
pub struct TokensView {
    pub rows: Vec<TokenRow>,
    /// A token just made: shown once, right after the form was sent.
    pub created: Option<String>,
    /// What was typed in the label field of a refused form.
    pub label: String,
    /// The lifetime chosen on a refused form (days).
    pub days: String,
    pub error: Option<String>,
}

/// A date in WITA (UTC+8), where Samarinda is.
fn day(t: OffsetDateTime) -> String {
    let wita = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    t.to_offset(wita).date().to_string()
}

fn state_label(ctx: &PageCtx, s: TokenState) -> &'static str {
    match s {
        TokenState::Active => ctx.t("aktif", "active"),
        TokenState::Expired => ctx.t("kedaluwarsa", "expired"),
        TokenState::Revoked => ctx.t("dicabut", "revoked"),
        TokenState::RoleChanged => ctx.t("tidak berlaku (peran berubah)", "void (role changed)"),
    }
}

/// The section, placed on `/akun`.
pub fn section(ctx: &PageCtx, csrf: &str, v: &TokensView) -> Markup {
    let days = if v.days.is_empty() {
        "90"
    } else {
        v.days.as_str()
    };
    html! {
        h2 #token { (ctx.t("Token API", "API tokens")) }
        p.muted { (ctx.t(
            "Untuk aplikasi Smart Probebaya atau skrip: kirim sebagai header Authorization: Bearer. Token bertindak atas nama akun ini dengan peran dan wilayahnya; simpan seperti kata sandi.",
            "For the Smart Probebaya app or a script: send it as the Authorization: Bearer header. A token acts as this account with its role and areas; keep it like a password."
        )) }
        @if let Some(token) = &v.created {
            div.notice role="status" {
                p { strong { (ctx.t("Token baru Anda (hanya ditampilkan sekali):", "Your new token (shown only this once):")) } }
                p { code #token-baru { (token) } }
            }
        }
        @if !v.rows.is_empty() {
            ul.tokens {
                @for t in &v.rows {
                    li {
                        bdi { (t.label) }
                        " — " (state_label(ctx, t.state)) ", "
                        (ctx.t("dibuat", "created")) " " (day(t.created_at)) ", "
                        (ctx.t("berlaku sampai", "valid until")) " " (day(t.expires_at))
                        @if t.state == TokenState::Active {
                            form method="post" action=(format!("/akun/token/{}/cabut", t.id)) {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { (ctx.t("Cabut", "Revoke")) }
                            }
                        }
                    }
                }
            }
        }
        form method="post" action="/akun/token" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            label for="token_label" { (ctx.t("Nama token", "Token name")) }
            input id="token_label" type="text" name="label" value=(v.label) maxlength=(MAX_LABEL)
                dir="auto" aria-describedby=[v.error.as_ref().map(|_| "token_label-error")];
            @if let Some(e) = &v.error { p.field-error #token_label-error { (e) } }
            label for="token_days" { (ctx.t("Masa berlaku", "Lifetime")) }
            select id="token_days" name="days" {
                @for d in LIFETIMES_DAYS {
                    option value=(d) selected[d.to_string() == days] { (d) " " (ctx.t("hari", "days")) }
                }
            }
            button type="submit" { (ctx.t("Buat token", "Create token")) }
        }
    }
}
