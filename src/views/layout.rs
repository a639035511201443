//! The page frame: mobile-first, readable without JavaScript or CSS.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use crate::domain::lang::Lang;

/// Who is signed in, as far as the page frame needs to know.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub name: String,
    pub role: crate::domain::role::Role,
}

/// What every page knows about the request.
#[derive(Clone, Debug)]
pub struct PageCtx {
    pub lang: Lang,
    /// The current path with query, for the language switch's way back.
    pub path: String,
    pub signed_in: Option<SignedIn>,
    /// CSRF token for forms on the page, when there is a session.
    pub csrf: Option<String>,
}

impl PageCtx {
    /// Picks the text for the page's language.
    pub fn t<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(id, en)
    }

    /// A message in the page's language.
    pub fn msg<'a>(&self, m: &'a crate::domain::msg::Msg) -> &'a str {
        m.pick(self.lang)
    }
}

/// A page: its title and main content.
pub struct Page {
    pub title: String,
    pub body: Markup,
}

/// The full HTML document of a page titled `title`.
pub fn page(ctx: &PageCtx, title: &str, body: Markup) -> Markup {
    layout(
        ctx,
        Page {
            title: title.to_owned(),
            body,
        },
    )
}

/// Renders a full HTML document around `page`.
pub fn layout(ctx: &PageCtx, page: Page) -> Markup {
    let other = ctx.lang.other();
    let switch_href = format!("/bahasa/{}?kembali={}", other.code(), urlencode(&ctx.path));
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · Pokmas Probebaya" }
                link rel="stylesheet" href=(assets::url("app.css"));
                link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
            }
            body {
                a.skip href="#isi" { (ctx.t("Langsung ke isi", "Skip to content")) }
                header.site {
                    a.brand href="/" { "Pokmas Probebaya" span.city { " · Samarinda" } }
                    nav aria-label=(ctx.t("Navigasi utama", "Main navigation")) {
                        a href="/" { (ctx.t("Beranda", "Home")) }
                        " "
                        // Staff see a dozen links: on a phone they would fill the
                        // screen, so they fold into one menu (no script needed).
                        @let staff = ctx.signed_in.as_ref().is_some_and(|who| who.role != crate::domain::role::Role::Applicant);
                        @if staff {
                            details.menu {
                                summary { (ctx.t("Menu", "Menu")) }
                                div.menu-links {
                                    (nav_links(ctx))
                                }
                            }
                            " "
                        } @else {
                            (nav_links(ctx))
                        }
                        @if let Some(who) = &ctx.signed_in {
                            span.who { bdi { (who.name) } }
                            " "
                            form.inline method="post" action="/keluar" {
                                @if let Some(t) = &ctx.csrf { input type="hidden" name="csrf" value=(t); }
                                button.link type="submit" { (ctx.t("Keluar", "Log out")) }
                            }
                        } @else {
                            @let back = if ctx.path == "/" || ctx.path.starts_with("/masuk") { String::new() } else { format!("?lanjut={}", urlencode(&ctx.path)) };
                            a href=(format!("/masuk{back}")) { (ctx.t("Masuk", "Log in")) }
                        }
                        " "
                        a.lang href=(switch_href) lang=(other.code()) hreflang=(other.code()) {
                            (other.pick("Bahasa Indonesia", "English"))
                        }
                    }
                }
                main #isi { (page.body) }
                footer.site {
                    p { (ctx.t(
                        "Program Pembangunan dan Pemberdayaan Masyarakat (Probebaya), Pemerintah Kota Samarinda. Setiap perubahan peringkat tercatat dalam jejak audit yang dapat diverifikasi siapa pun.",
                        "Community Development and Empowerment Programme (Probebaya), City of Samarinda. Every rank change is recorded in an audit trail anyone can verify."
                    )) " " a href="/jejak-audit" { (ctx.t("Cara memeriksa", "How to check")) } }
                    p { a href="/pelindungan-data" { (ctx.t("Pelindungan Data Pribadi", "Personal Data Protection")) } }
                }
            }
        }
    }
}

/// The site's links for who is signed in (all of them: the header folds
/// them into a menu for staff).
fn nav_links(ctx: &PageCtx) -> Markup {
    html! {
        a href="/wilayah" { (ctx.t("Wilayah", "Regions")) }
        " "
        a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) }
        " "
        @if ctx.signed_in.as_ref().is_none_or(|who| who.role == crate::domain::role::Role::Applicant) {
            a href="/cek-status" { (ctx.t("Cek status", "Check status")) }
            " "
        }
        @if let Some(who) = &ctx.signed_in {
            @if who.role == crate::domain::role::Role::Panelist {
                a href="/penilai" { (ctx.t("Penilaian", "Scoring")) }
                " "
            }
            a href="/akun" { (ctx.t("Akun saya", "My account")) }
            " "
            @if who.role == crate::domain::role::Role::Admin {
                a href="/admin/seleksi" { (ctx.t("Kelola seleksi", "Manage rounds")) }
                " "
            }
            @if matches!(who.role, crate::domain::role::Role::Admin | crate::domain::role::Role::Operator) {
                a href="/petugas/verifikasi" { (ctx.t("Verifikasi", "Verification")) }
                " "
                a href="/meja-bantuan" { (ctx.t("Meja bantuan", "Help desk")) }
                " "
                a href="/admin/informasi" { (ctx.t("Kelola informasi", "Manage information")) }
                " "
            }
            @if matches!(who.role, crate::domain::role::Role::Admin | crate::domain::role::Role::Operator | crate::domain::role::Role::Panelist) {
                a href="/sanggahan" { (ctx.t("Sanggahan", "Objections")) }
                " "
            }
            @if who.role == crate::domain::role::Role::Admin {
                a href="/admin/akun" { (ctx.t("Akun petugas", "Staff accounts")) }
                " "
                a href="/admin/persetujuan" { (ctx.t("Persetujuan", "Approvals")) }
                " "
            }
            @if matches!(who.role, crate::domain::role::Role::Admin | crate::domain::role::Role::Auditor) {
                a href="/audit/ekspor" { (ctx.t("Ekspor audit", "Audit exports")) }
                " "
            }
            @if who.role == crate::domain::role::Role::Panelist {
                a href="/akun/konflik" { (ctx.t("Data benturan kepentingan", "Conflict data")) }
                " "
            }
            @if matches!(who.role, crate::domain::role::Role::Admin | crate::domain::role::Role::Auditor) {
                a href="/audit" { (ctx.t("Ruang audit", "Audit workspace")) }
                " "
            }
        }
    }
}

/// Percent-encodes a path for use inside a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(lang: Lang) -> PageCtx {
        PageCtx {
            lang,
            path: "/wilayah?x=1".into(),
            signed_in: None,
            csrf: None,
        }
    }

    #[test]
    fn user_text_is_escaped_in_the_layout() {
        let mut c = ctx(Lang::Id);
        c.signed_in = Some(SignedIn {
            name: "<script>alert(1)</script>".into(),
            role: crate::domain::role::Role::Admin,
        });
        let html = layout(
            &c,
            Page {
                title: "a&b".into(),
                body: html! {},
            },
        )
        .into_string();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<title>a&amp;b · Pokmas Probebaya</title>"));
    }

    #[test]
    fn the_language_switch_points_to_the_other_language_and_back_here() {
        let html = layout(
            &ctx(Lang::Id),
            Page {
                title: "t".into(),
                body: html! {},
            },
        )
        .into_string();
        assert!(html.contains(r#"<html lang="id">"#));
        assert!(html.contains("/bahasa/en?kembali=/wilayah%3Fx%3D1"));
        let html = layout(
            &ctx(Lang::En),
            Page {
                title: "t".into(),
                body: html! {},
            },
        )
        .into_string();
        assert!(html.contains("/bahasa/id?kembali="));
        assert!(html.contains("Log in"));
    }
}
