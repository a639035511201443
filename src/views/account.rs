//! A resident's own account: register, forgotten password, new password, and
//! the account page. Every form works without JavaScript, shows each error
//! next to its field and keeps what was typed (except passwords).

use maud::{Markup, html};

use super::layout::{PageCtx, page};

/// One labelled input with its error and hint.
#[derive(Clone, Copy, Debug, Default)]
pub struct Field<'a> {
    /// `name` and `id` of the input.
    pub name: &'a str,
    pub label: &'a str,
    /// `text`, `email` or `password`.
    pub kind: &'a str,
    /// What was typed (always empty for passwords).
    pub value: &'a str,
    pub autocomplete: &'a str,
    pub error: Option<&'a str>,
    pub hint: Option<&'a str>,
}

/// Renders a [`Field`]; the error is tied to the input for screen readers.
pub fn field(f: &Field<'_>) -> Markup {
    let error_id = format!("{}-error", f.name);
    let hint_id = format!("{}-hint", f.name);
    let described = match (f.error.is_some(), f.hint.is_some()) {
        (true, true) => Some(format!("{error_id} {hint_id}")),
        (true, false) => Some(error_id.clone()),
        (false, true) => Some(hint_id.clone()),
        (false, false) => None,
    };
    html! {
        label for=(f.name) { (f.label) }
        input id=(f.name) type=(f.kind) name=(f.name) value=(f.value)
            autocomplete=(f.autocomplete)
            aria-invalid=[f.error.map(|_| "true")]
            aria-describedby=[described];
        @if let Some(h) = f.hint { p.muted id=(hint_id) { (h) } }
        @if let Some(e) = f.error { p.field-error id=(error_id) { (e) } }
    }
}

fn alert(text: Option<&str>) -> Markup {
    html! { @if let Some(t) = text { div.alert role="alert" { (t) } } }
}

/// The registration form.
#[derive(Clone, Debug, Default)]
pub struct RegisterForm {
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub name_error: Option<String>,
    pub email_error: Option<String>,
    pub password_error: Option<String>,
    pub confirm_error: Option<String>,
    /// A message about the whole form (e.g. too many attempts).
    pub alert: Option<String>,
}

/// `GET /daftar` and a refused `POST /daftar`.
pub fn register(ctx: &PageCtx, f: &RegisterForm) -> Markup {
    let title = ctx.t("Daftar akun", "Create an account");
    let body = html! {
        h1 { (title) }
        p { (ctx.t(
            "Akun dibutuhkan untuk mendaftar sebagai calon anggota Pokmas. Kami mengirim tautan konfirmasi ke alamat e-mail Anda.",
            "You need an account to apply as a Pokmas member. We will send a confirmation link to your e-mail address."
        )) }
        (alert(f.alert.as_deref()))
        form method="post" action="/daftar" novalidate {
            input type="hidden" name="csrf" value=(f.csrf);
            (field(&Field {
                name: "name", label: ctx.t("Nama lengkap", "Full name"), kind: "text",
                value: &f.name, autocomplete: "name", error: f.name_error.as_deref(),
                hint: Some(ctx.t("Sesuai KTP.", "As on your identity card (KTP).")),
            }))
            (field(&Field {
                name: "email", label: ctx.t("Alamat e-mail", "E-mail address"), kind: "email",
                value: &f.email, autocomplete: "email", error: f.email_error.as_deref(), hint: None,
            }))
            (field(&Field {
                name: "password", label: ctx.t("Kata sandi", "Password"), kind: "password",
                value: "", autocomplete: "new-password", error: f.password_error.as_deref(),
                hint: Some(ctx.t("Minimal 10 karakter. Boleh berupa kalimat.", "At least 10 characters. A sentence works well.")),
            }))
            (field(&Field {
                name: "password_confirm", label: ctx.t("Ulangi kata sandi", "Repeat the password"), kind: "password",
                value: "", autocomplete: "new-password", error: f.confirm_error.as_deref(), hint: None,
            }))
            button type="submit" { (ctx.t("Daftar", "Create account")) }
        }
        p { (ctx.t("Sudah punya akun?", "Already have an account?")) " " a href="/masuk" { (ctx.t("Masuk", "Log in")) } }
    };
    page(ctx, title, body)
}

/// The "forgot password" form.
#[derive(Clone, Debug, Default)]
pub struct ForgotForm {
    pub csrf: String,
    pub email: String,
    pub email_error: Option<String>,
    pub alert: Option<String>,
}

/// `GET /lupa-sandi` and a refused `POST /lupa-sandi`.
pub fn forgot(ctx: &PageCtx, f: &ForgotForm) -> Markup {
    let title = ctx.t("Lupa kata sandi", "Forgot password");
    let body = html! {
        h1 { (title) }
        p { (ctx.t(
            "Tulis alamat e-mail akun Anda. Kami mengirim tautan untuk membuat kata sandi baru; tautan berlaku 1 jam.",
            "Enter your account's e-mail address. We will send a link to choose a new password; it is valid for 1 hour."
        )) }
        (alert(f.alert.as_deref()))
        form method="post" action="/lupa-sandi" novalidate {
            input type="hidden" name="csrf" value=(f.csrf);
            (field(&Field {
                name: "email", label: ctx.t("Alamat e-mail", "E-mail address"), kind: "email",
                value: &f.email, autocomplete: "email", error: f.email_error.as_deref(), hint: None,
            }))
            button type="submit" { (ctx.t("Kirim tautan", "Send the link")) }
        }
        p.muted { (ctx.t(
            "Tidak bisa membuka e-mail Anda lagi? Datanglah ke help desk Probebaya di kantor kelurahan.",
            "Cannot open your e-mail any more? Visit the Probebaya help desk at your kelurahan office."
        )) }
    };
    page(ctx, title, body)
}

/// The new-password form reached from a reset link.
#[derive(Clone, Debug, Default)]
pub struct ResetForm {
    pub csrf: String,
    pub token: String,
    pub password_error: Option<String>,
    pub confirm_error: Option<String>,
    pub alert: Option<String>,
}

/// `GET /atur-ulang-sandi?token=…` and a refused `POST /atur-ulang-sandi`.
pub fn reset(ctx: &PageCtx, f: &ResetForm) -> Markup {
    let title = ctx.t("Buat kata sandi baru", "Choose a new password");
    let body = html! {
        h1 { (title) }
        p { (ctx.t(
            "Setelah kata sandi diganti, semua perangkat yang masih masuk ke akun ini akan dikeluarkan.",
            "Once the password is changed, every device still signed in to this account is signed out."
        )) }
        (alert(f.alert.as_deref()))
        form method="post" action="/atur-ulang-sandi" novalidate {
            input type="hidden" name="csrf" value=(f.csrf);
            input type="hidden" name="token" value=(f.token);
            (field(&Field {
                name: "password", label: ctx.t("Kata sandi baru", "New password"), kind: "password",
                value: "", autocomplete: "new-password", error: f.password_error.as_deref(),
                hint: Some(ctx.t("Minimal 10 karakter.", "At least 10 characters.")),
            }))
            (field(&Field {
                name: "password_confirm", label: ctx.t("Ulangi kata sandi baru", "Repeat the new password"), kind: "password",
                value: "", autocomplete: "new-password", error: f.confirm_error.as_deref(), hint: None,
            }))
            button type="submit" { (ctx.t("Simpan kata sandi", "Save the password")) }
        }
    };
    page(ctx, title, body)
}

/// A short page that tells what happened and where to go next.
#[derive(Clone, Debug)]
pub struct MessageView {
    pub title: String,
    pub text: String,
    /// `(href, label)` of the next step.
    pub next: Option<(String, String)>,
    /// Whether the text reports a problem (styled as an alert).
    pub problem: bool,
}

/// Confirmation and problem pages of the account flows.
pub fn message(ctx: &PageCtx, v: &MessageView) -> Markup {
    let body = html! {
        h1 { (v.title) }
        @if v.problem { div.alert role="alert" { (v.text) } } @else { div.notice role="status" { (v.text) } }
        @if let Some((href, label)) = &v.next { p { a href=(href) { (label) } } }
    };
    page(ctx, &v.title, body)
}

/// The account page's content.
#[derive(Clone, Debug, Default)]
pub struct AccountView {
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub role_label: String,
    pub email_verified: bool,
    /// A confirmation at the top (e.g. "password changed").
    pub notice: Option<String>,
    /// A problem at the top (e.g. too many resend requests).
    pub alert: Option<String>,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
    pub confirm_error: Option<String>,
    /// Whether to offer the conflict-data form (panelists only).
    pub conflict_data: bool,
    /// The account's own applications (residents).
    pub applications: Vec<crate::domain::application::OwnApplication>,
    /// Personal API tokens.
    pub tokens: super::api_tokens::TokensView,
    /// Erasure requests on the account's applications.
    pub erasure: Vec<crate::domain::erasure::RequestView>,
}

/// `GET /akun`: who is signed in, e-mail status with "send again", password change.
pub fn account(ctx: &PageCtx, v: &AccountView) -> Markup {
    let title = ctx.t("Akun saya", "My account");
    let body = html! {
        h1 { (title) }
        @if let Some(n) = &v.notice { div.notice role="status" { (n) } }
        (alert(v.alert.as_deref()))
        @if !v.email_verified {
            div.notice #verifikasi {
                p { strong { (ctx.t("Alamat e-mail Anda belum dikonfirmasi.", "Your e-mail address is not confirmed yet.")) } }
                p { (ctx.t(
                    "Buka tautan yang kami kirim ke e-mail Anda (periksa juga folder Spam). Sebelum dikonfirmasi, Anda belum dapat mengajukan lamaran.",
                    "Open the link we sent to your e-mail (check the Spam folder too). Until it is confirmed you cannot apply."
                )) }
                form method="post" action="/verifikasi-email/kirim-ulang" {
                    input type="hidden" name="csrf" value=(v.csrf);
                    button type="submit" { (ctx.t("Kirim ulang tautan konfirmasi", "Send the confirmation link again")) }
                }
            }
        }
        dl.card {
            dt { (ctx.t("Nama", "Name")) } dd { bdi { (v.name) } }
            dt { (ctx.t("E-mail", "E-mail")) } dd {
                (v.email) " "
                @if v.email_verified { span.muted { (ctx.t("(terkonfirmasi)", "(confirmed)")) } }
                @else { span.muted { (ctx.t("(belum dikonfirmasi)", "(not confirmed)")) } }
            }
            dt { (ctx.t("Peran", "Role")) } dd { (v.role_label) }
        }
        @if !v.applications.is_empty() {
            h2 #pendaftaran { (ctx.t("Pendaftaran saya", "My applications")) }
            ul {
                @for a in &v.applications {
                    li {
                        a href=(format!("/pendaftaran/{}", a.id)) {
                            (a.round_name)
                            @if let Some(no) = &a.registration_no { " · " (no) }
                        }
                        " — " (a.headline.pick(ctx.lang))
                    }
                }
            }
        }
        h2 #data-saya { (ctx.t("Data pribadi saya", "My personal data")) }
        p { a href="/akun/data-saya" download { (ctx.t("Unduh semua data saya (JSON: data, dokumen, jejak audit)", "Download all my data (JSON: data, documents, audit trail)")) } " · " a href="/pelindungan-data" { (ctx.t("Pelindungan Data Pribadi", "Personal Data Protection")) } }
        @if !v.applications.is_empty() || !v.erasure.is_empty() {
            (super::erasure::account_section(ctx, &v.csrf, &v.applications, &v.erasure))
        }
        p { a href="/saksi" { (ctx.t("Tugas saksi undian (bila Anda ditetapkan sebagai saksi)", "Lottery witness duties (if you were named a witness)")) } }
        @if v.conflict_data {
            h2 #konflik { (ctx.t("Data benturan kepentingan", "Conflict-of-interest data")) }
            p { a href="/akun/konflik" { (ctx.t("Catat RT tempat tinggal dan nomor Kartu Keluarga Anda", "Record your RT and family-card number")) } }
        }
        (super::api_tokens::section(ctx, &v.csrf, &v.tokens))
        h2 #sandi { (ctx.t("Ganti kata sandi", "Change password")) }
        p.muted { (ctx.t(
            "Perangkat lain yang masuk ke akun ini akan dikeluarkan; perangkat ini tetap masuk.",
            "Other devices signed in to this account will be signed out; this one stays signed in."
        )) }
        form method="post" action="/akun/sandi" novalidate {
            input type="hidden" name="csrf" value=(v.csrf);
            (field(&Field {
                name: "current_password", label: ctx.t("Kata sandi sekarang", "Current password"), kind: "password",
                value: "", autocomplete: "current-password", error: v.current_error.as_deref(), hint: None,
            }))
            (field(&Field {
                name: "password", label: ctx.t("Kata sandi baru", "New password"), kind: "password",
                value: "", autocomplete: "new-password", error: v.new_error.as_deref(),
                hint: Some(ctx.t("Minimal 10 karakter.", "At least 10 characters.")),
            }))
            (field(&Field {
                name: "password_confirm", label: ctx.t("Ulangi kata sandi baru", "Repeat the new password"), kind: "password",
                value: "", autocomplete: "new-password", error: v.confirm_error.as_deref(), hint: None,
            }))
            button type="submit" { (ctx.t("Ganti kata sandi", "Change password")) }
        }
    };
    page(ctx, title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    fn ctx() -> PageCtx {
        PageCtx {
            lang: Lang::Id,
            path: "/daftar".into(),
            signed_in: None,
            csrf: None,
        }
    }

    #[test]
    fn typed_values_are_escaped_and_errors_sit_next_to_their_field() {
        let html = register(
            &ctx(),
            &RegisterForm {
                name: "<b>Siti</b>".into(),
                email: "\"x\"@contoh.id".into(),
                email_error: Some("salah".into()),
                ..Default::default()
            },
        )
        .into_string();
        assert!(!html.contains("<b>Siti</b>"));
        assert!(html.contains("&lt;b&gt;Siti&lt;/b&gt;"));
        assert!(html.contains("&quot;x&quot;@contoh.id"));
        assert!(html.contains(r#"aria-describedby="email-error""#));
        assert!(html.contains(r#"<p class="field-error" id="email-error">salah</p>"#));
    }
}
