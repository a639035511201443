//! The public information section: announcements, SOPs, the FAQ, the help
//! desks, the consent to news by SMS/WhatsApp and the open statistics. One
//! column, no JavaScript; wide tables scroll inside themselves on a phone.

use maud::{Markup, PreEscaped, html};
use time::OffsetDateTime;

use super::layout::{Page, PageCtx, layout};
use super::scroll::scroll_table;
use crate::domain::information::AnnouncementItem;
use crate::domain::information::SopItem;
use crate::domain::information::{FaqItem, HelpDeskItem};
use crate::domain::markdown;
use crate::domain::open_stats::{RoundStats, STAGES};
use crate::domain::round::{Msg, WITA};

/// `12-01-2026 09.00 WITA`.
#[must_use]
pub fn wita(t: OffsetDateTime) -> String {
    let l = t.to_offset(WITA);
    format!(
        "{:02}-{:02}-{} {:02}.{:02} WITA",
        l.day(),
        u8::from(l.month()),
        l.year(),
        l.hour(),
        l.minute()
    )
}

/// `tel:` and `wa.me` links of a help desk.
pub fn contacts(ctx: &PageCtx, d: &HelpDeskItem) -> Markup {
    let tel: String = d
        .phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    html! {
        ul.contacts {
            @if !d.address.is_empty() { li { strong { (ctx.t("Alamat", "Address")) ": " } (d.address) } }
            li { strong { (ctx.t("Jam buka", "Opening hours")) ": " } (d.opening_hours) }
            li { strong { (ctx.t("Telepon", "Phone")) ": " } a href=(format!("tel:{tel}")) { (d.phone) } }
            @if !d.whatsapp.is_empty() {
                li { strong { "WhatsApp: " } a href=(format!("https://wa.me/{}", d.whatsapp)) { "+" (d.whatsapp) } }
            }
        }
    }
}

fn scope_label(ctx: &PageCtx, a: &AnnouncementItem) -> String {
    match (&a.kelurahan_name, &a.round_name) {
        (Some(k), _) => format!("{} {k}", ctx.t("Kelurahan", "Kelurahan")),
        (None, Some(r)) => r.clone(),
        (None, None) => ctx.t("Seluruh kota", "City-wide").to_owned(),
    }
}

/// A list of announcements with their summaries.
pub fn announcement_list(ctx: &PageCtx, items: &[AnnouncementItem]) -> Markup {
    html! {
        @if items.is_empty() {
            p.muted { (ctx.t("Belum ada pengumuman.", "No announcements yet.")) }
        }
        @for a in items {
            div.card {
                strong { a href=(format!("/informasi/pengumuman/{}", a.id)) { (a.title) } }
                br;
                span.muted { (wita(a.publish_at)) " · " (scope_label(ctx, a)) }
                p { (markdown::summary(&a.body_markdown, 200)) }
            }
        }
    }
}

fn sop_list(ctx: &PageCtx, sops: &[SopItem]) -> Markup {
    html! {
        @if sops.is_empty() {
            p.muted { (ctx.t("Belum ada SOP yang diterbitkan.", "No SOP has been published yet.")) }
        }
        ul {
            @for s in sops {
                li {
                    a href=(format!("/informasi/sop/{}", s.slug)) { (s.title) " (PDF)" }
                    " · " span.muted {
                        (ctx.t("versi", "version")) " " (s.version) ", "
                        (ctx.t("berlaku sejak", "effective from")) " " (s.effective_from)
                        @if let Some(k) = &s.kelurahan_name { " · " (k) }
                    }
                    @if !s.older.is_empty() {
                        br;
                        span.muted { (ctx.t("Versi sebelumnya", "Earlier versions")) ": " }
                        @for (v, d) in &s.older {
                            a href=(format!("/informasi/sop/{}/{v}", s.slug)) { "v" (v) } span.muted { " (" (d) ") " }
                        }
                    }
                }
            }
        }
    }
}

/// A kelurahan in the help-desk list: code, name, whether its desk is set.
pub type DeskLink = (String, String, bool);

/// What the information home shows.
#[derive(Clone, Debug)]
pub struct HubView {
    pub call_centre: Option<HelpDeskItem>,
    /// Kecamatan name → its kelurahan.
    pub desks: Vec<(String, Vec<DeskLink>)>,
    pub sops: Vec<SopItem>,
    pub announcements: Vec<AnnouncementItem>,
    /// Published rounds (slug, name) for the statistics links.
    pub rounds: Vec<(String, String)>,
}

/// `/informasi`: the help desks, the SOPs, the latest announcements.
pub fn hub(ctx: &PageCtx, v: &HubView) -> Markup {
    let body = html! {
        h1 { (ctx.t("Informasi, SOP dan help desk", "Information, SOPs and help desks")) }
        @if let Some(c) = &v.call_centre {
            div.notice {
                strong { (ctx.t("Call center Probebaya Kota Samarinda", "Probebaya call centre, City of Samarinda")) }
                (contacts(ctx, c))
            }
        }
        h2 #sop { (ctx.t("Prosedur (SOP)", "Procedures (SOPs)")) }
        (sop_list(ctx, &v.sops))
        h2 #help-desk { (ctx.t("Help desk di kelurahan Anda", "The help desk in your kelurahan")) }
        p { (ctx.t("Pilih kelurahan Anda (dikelompokkan per kecamatan).", "Choose your kelurahan (grouped by kecamatan).")) }
        // Every kelurahan is one tap away: no folded lists in between.
        @for (kec, kels) in &v.desks {
            h3.kecamatan { (ctx.t("Kecamatan", "Kecamatan")) " " (kec) }
            ul.desk-list {
                @for (code, name, set) in kels {
                    li {
                        a href=(format!("/informasi/kelurahan/{code}")) { (name) }
                        @if !set { span.muted { " *" } }
                    }
                }
            }
        }
        p.muted { "* " (ctx.t("jadwal help desk belum diumumkan; hubungi call center.", "help desk schedule not announced yet; call the call centre.")) }
        h2 { (ctx.t("Pengumuman", "Announcements")) }
        (announcement_list(ctx, &v.announcements))
        p {
            a href="/informasi/feed.atom" { (ctx.t("Ikuti lewat feed Atom", "Follow through the Atom feed")) }
            " · "
            a href="/informasi/faq" { (ctx.t("Pertanyaan yang sering diajukan (FAQ)", "Frequently asked questions (FAQ)")) }
        }
        @if !v.rounds.is_empty() {
            h2 { (ctx.t("Statistik terbuka", "Open statistics")) }
            ul {
                @for (slug, name) in &v.rounds {
                    li { a href=(format!("/seleksi/{slug}/statistik")) { (name) } }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Informasi", "Information").into(),
            body,
        },
    )
}

/// What a kelurahan's page shows.
#[derive(Clone, Debug)]
pub struct KelurahanView {
    pub desk: HelpDeskItem,
    pub desk_set: bool,
    pub call_centre: Option<HelpDeskItem>,
    pub announcements: Vec<AnnouncementItem>,
    pub sops: Vec<SopItem>,
}

/// `/informasi/kelurahan/{code}`: the kelurahan's help desk, notices and SOPs.
pub fn kelurahan(ctx: &PageCtx, v: &KelurahanView) -> Markup {
    let d = &v.desk;
    let body = html! {
        p { a href="/informasi" { "← " (ctx.t("Informasi", "Information")) } }
        h1 { (ctx.t("Help desk Kelurahan", "Help desk of Kelurahan")) " " (d.kelurahan_name) }
        p.muted { (ctx.t("Kecamatan", "Kecamatan")) " " (d.kecamatan_name) }
        @if v.desk_set {
            div.card { (contacts(ctx, d)) }
        } @else {
            div.empty { p { (ctx.t(
                "Jadwal help desk kelurahan ini belum diumumkan. Datangi kantor kelurahan pada jam kerja atau hubungi call center.",
                "This kelurahan's help desk schedule has not been announced yet. Visit the kelurahan office during office hours or call the call centre."
            )) } }
        }
        @if let Some(c) = &v.call_centre {
            h2 { (ctx.t("Call center kota", "City call centre")) }
            (contacts(ctx, c))
        }
        h2 { (ctx.t("Pengumuman", "Announcements")) }
        (announcement_list(ctx, &v.announcements))
        p { a href=(format!("/informasi/feed.atom?kelurahan={}", d.kelurahan_code)) { (ctx.t("Feed Atom kelurahan ini", "This kelurahan's Atom feed")) } }
        h2 { (ctx.t("Prosedur (SOP)", "Procedures (SOPs)")) }
        (sop_list(ctx, &v.sops))
    };
    layout(
        ctx,
        Page {
            title: format!("{} {}", ctx.t("Help desk", "Help desk"), d.kelurahan_name),
            body,
        },
    )
}

/// `/informasi/pengumuman/{id}`.
pub fn announcement(ctx: &PageCtx, a: &AnnouncementItem) -> Markup {
    let body = html! {
        p { a href="/informasi" { "← " (ctx.t("Informasi", "Information")) } }
        article.announcement {
            h1 { (a.title) }
            p.muted { (wita(a.publish_at)) " · " (scope_label(ctx, a))
                @if let Some(slug) = &a.round_slug { " · " a href=(format!("/seleksi/{slug}")) { (ctx.t("Halaman seleksi", "Round page")) } }
                @if let Some(code) = &a.kelurahan_code { " · " a href=(format!("/informasi/kelurahan/{code}")) { (ctx.t("Help desk kelurahan", "Kelurahan help desk")) } }
            }
            // Sanitised by ammonia's allow-list in `to_safe_html`.
            div.markdown { (PreEscaped(markdown::to_safe_html(&a.body_markdown))) }
        }
    };
    layout(
        ctx,
        Page {
            title: a.title.clone(),
            body,
        },
    )
}

/// `/informasi/faq`.
pub fn faq(ctx: &PageCtx, items: &[FaqItem]) -> Markup {
    let body = html! {
        p { a href="/informasi" { "← " (ctx.t("Informasi", "Information")) } }
        h1 { (ctx.t("Pertanyaan yang sering diajukan", "Frequently asked questions")) }
        @if items.is_empty() { p.muted { (ctx.t("Belum ada pertanyaan.", "No questions yet.")) } }
        @for f in items {
            details.faq {
                summary { (f.question) }
                div.markdown { (PreEscaped(markdown::to_safe_html(&f.answer_markdown))) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: "FAQ".into(),
            body,
        },
    )
}

/// `/seleksi/{slug}/statistik`: counts per area and stage, then the city's
/// counts by sex and age band.
pub fn stats(ctx: &PageCtx, s: &RoundStats) -> Markup {
    let body = html! {
        p { a href=(format!("/seleksi/{}", s.round_slug)) { "← " (s.round_name) } }
        h1 { (ctx.t("Statistik terbuka", "Open statistics")) }
        p { (s.round_name) " (" (s.year) ")" }
        p.muted { (ctx.t(
            "Jumlah 1–4 ditulis <5 agar tidak ada warga yang dapat dikenali; bila satu angka tersembunyi dapat dihitung dari jumlah lain (kelurahan dari kecamatannya, kecamatan dari seluruh kota), angka terkecil berikutnya ikut disembunyikan.",
            "Counts of 1–4 read <5 so nobody can be singled out; where a hidden count could be worked out from a sum (a kelurahan from its kecamatan, a kecamatan from the city), the next smallest count is hidden too."
        )) }
        @if !s.results_published {
            p.muted { (ctx.t("Jumlah terpilih tampil setelah hasil diumumkan.", "The number selected shows once results are published.")) }
        }
        p { a href=(format!("/seleksi/{}/statistik.csv", s.round_slug)) { (ctx.t("Unduh CSV (tanpa masuk)", "Download CSV (no sign-in)")) } }
        h2 { (ctx.t("Per wilayah", "By area")) }
        (scroll_table(ctx, ctx.t("Statistik per wilayah", "Statistics by area"), html! {
        table.stats {
            thead { tr {
                th { (ctx.t("Wilayah", "Area")) }
                @for (_, id, en) in STAGES { th { (ctx.t(id, en)) } }
            } }
            tbody {
                @for r in &s.rows {
                    tr class=(r.level) {
                        td { @match r.level {
                            "city" => strong { (ctx.t("Seluruh kota", "Whole city")) },
                            "kecamatan" => strong { (r.kecamatan) },
                            _ => (r.kelurahan),
                        } }
                        @for stage in &r.counts { td { (stage[0].label()) } }
                    }
                }
            }
        }
        }))
        @if let Some(city) = s.rows.first() {
            h2 { (ctx.t("Seluruh kota menurut jenis kelamin dan umur", "Whole city by sex and age")) }
            (scroll_table(ctx, ctx.t("Statistik menurut jenis kelamin dan umur", "Statistics by sex and age"), html! {
            table.stats {
                thead { tr {
                    th { (ctx.t("Kelompok", "Group")) }
                    @for (_, id, en) in STAGES { th { (ctx.t(id, en)) } }
                } }
                tbody {
                    @for (g, label) in group_labels().iter().enumerate().skip(1) {
                        tr {
                            td { (label.pick(ctx.lang)) }
                            @for stage in &city.counts { td { (stage[g].label()) } }
                        }
                    }
                }
            }
            }))
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Statistik terbuka", "Open statistics").into(),
            body,
        },
    )
}

fn group_labels() -> [Msg; 8] {
    [
        Msg::new("Jumlah", "Total"),
        Msg::new("Laki-laki", "Men"),
        Msg::new("Perempuan", "Women"),
        Msg::new("Umur di bawah 30", "Under 30"),
        Msg::new("Umur 30–39", "Aged 30–39"),
        Msg::new("Umur 40–49", "Aged 40–49"),
        Msg::new("Umur 50–59", "Aged 50–59"),
        Msg::new("Umur 60 ke atas", "Aged 60 and over"),
    ]
}
