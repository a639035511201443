//! After the final result: the formed groups (replacement of a member
//! through four-eyes, the offices) and the annex of the Lurah's decree.

use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use super::layout::{Page, PageCtx, layout};
use super::scroll::scroll_table;
use crate::domain::after_final::Annex;
use crate::domain::after_final::Departure;
use crate::domain::after_final::{FormationGroup, GroupMember, Overview};
use crate::domain::group_roles::GroupRole;
use crate::domain::round::format_wita;

/// The page of a round's formed groups.
pub struct AfterFinalPage {
    pub overview: Overview,
    pub me: Uuid,
    pub csrf: String,
    pub error: Option<String>,
}

fn role_title(ctx: &PageCtx, r: GroupRole) -> &'static str {
    let (id, en) = r.title();
    ctx.t(id, en)
}

fn departure_label(ctx: &PageCtx, d: Departure) -> &'static str {
    match d {
        Departure::Withdrawn => ctx.t("mengundurkan diri", "withdrew"),
        Departure::Disqualified => ctx.t("didiskualifikasi", "disqualified"),
    }
}

fn base(round_id: Uuid) -> String {
    format!("/admin/seleksi/{round_id}/pasca-final")
}

/// `GET /admin/seleksi/{id}/pasca-final`.
pub fn page(ctx: &PageCtx, v: &AfterFinalPage) -> Markup {
    let r = &v.overview.round;
    let base = base(r.id);
    let body = html! {
        p { a href=(format!("/admin/seleksi/{}", r.id)) { "← " (r.name) } }
        h1 { (ctx.t("Setelah hasil akhir", "After the final result")) }
        @if let Some(e) = &v.error { div.alert role="alert" { (e) } }
        @if r.state != crate::domain::round::RoundState::Final {
            p { (ctx.t("Halaman ini terbuka setelah hasil seleksi ditetapkan final.", "This page opens once the round's results are final.")) }
        } @else {
            p { (ctx.t(
                "Jika anggota terpilih mengundurkan diri atau didiskualifikasi, seorang admin mengusulkannya dengan alasan dan admin lain menyetujui. Persetujuan mengubah status anggota, menaikkan cadangan berikutnya, mencatat setiap perubahan peringkat beserta penyebabnya, menandatangani titik periksa dan mengirim e-mail kepada keduanya.",
                "When a selected member withdraws or is disqualified, one admin proposes it with a reason and another admin approves. Approval changes the member's status, promotes the next reserve, records every rank change with its cause, signs a checkpoint and e-mails both people."
            )) }
            @if !v.overview.pending.is_empty() {
                h2 { (ctx.t("Menunggu persetujuan", "Awaiting approval")) }
                @for p in &v.overview.pending {
                    div.card {
                        p { strong { bdi { (p.full_name) } } " (" (p.registration_no) ") " (departure_label(ctx, p.departure)) }
                        p { (ctx.t("Diusulkan oleh", "Proposed by")) " " bdi { (p.requested_by_name) } ", " (format_wita(p.approval.requested_at)) ": " bdi.reasons { (p.approval.reason) } }
                        @if p.approval.requested_by == v.me {
                            p.muted { (ctx.t("Anda yang mengusulkan; admin lain yang menyetujui.", "You proposed it; another admin approves.")) }
                        } @else {
                            form method="post" action=(format!("{base}/ganti/{}/keputusan", p.approval.id)) {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button type="submit" name="decision" value="approve" { (ctx.t("Setujui penggantian", "Approve the replacement")) }
                                " "
                                button type="submit" name="decision" value="reject" { (ctx.t("Tolak", "Reject")) }
                            }
                        }
                    }
                }
            }
            @for g in &v.overview.groups { (group_section(ctx, v, g)) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Setelah hasil akhir", "After the final result")
                .to_owned(),
            body,
        },
    )
}

fn member_line(ctx: &PageCtx, m: &GroupMember) -> Markup {
    html! {
        bdi { (m.full_name) } " · " (m.registration_no)
        @if let Some(rank) = m.rank { " · " (ctx.t("peringkat", "rank")) " " (rank) }
    }
}

fn group_section(ctx: &PageCtx, v: &AfterFinalPage, g: &FormationGroup) -> Markup {
    let r = &v.overview.round;
    let base = base(r.id);
    let f = &g.formation;
    html! {
        section.card {
            h2 { (f.name) " " span.muted { "(" (f.code) ")" } }
            p {
                a href=(format!("/admin/seleksi/{}/lampiran/{}", r.id, f.id)) { (ctx.t("Lampiran SK Lurah (cetak)", "Annex to the Lurah's decree (print)")) }
                " · "
                a href=(format!("/admin/seleksi/{}/lampiran/{}/anggota.csv", r.id, f.id)) { (ctx.t("Unduh CSV", "Download CSV")) }
            }
            @if !g.problems.is_empty() {
                div.alert role="status" {
                    @for p in &g.problems { @let (id, en) = p.message(); p { (ctx.t(&id, &en)) } }
                }
            }
            h3 { (ctx.t("Anggota terpilih dan jabatannya", "Selected members and their offices")) }
            @if g.members.is_empty() {
                p { (ctx.t("Belum ada anggota terpilih.", "No selected member.")) }
            } @else {
                form method="post" action=(format!("{base}/peran/{}", f.id)) {
                    input type="hidden" name="csrf" value=(v.csrf);
                    @for m in &g.members {
                        @let field = format!("role_{}", m.application_id);
                        p {
                            label for=(field) { (member_line(ctx, m)) }
                            br;
                            select #(field) name=(field) {
                                @for role in GroupRole::ALL {
                                    option value=(role.as_str()) selected[m.role == role] { (role_title(ctx, role)) }
                                }
                            }
                        }
                    }
                    button type="submit" { (ctx.t("Simpan jabatan", "Save the offices")) }
                }
                h3 { (ctx.t("Usulkan penggantian anggota", "Propose replacing a member")) }
                form method="post" action=(format!("{base}/ganti")) {
                    input type="hidden" name="csrf" value=(v.csrf);
                    @let member_field = format!("member_{}", f.code);
                    label for=(member_field) { (ctx.t("Anggota", "Member")) }
                    select #(member_field) name="application_id" required {
                        @for m in &g.members { option value=(m.application_id) { (m.full_name) " (" (m.registration_no) ")" } }
                    }
                    fieldset {
                        legend { (ctx.t("Alasan keluar", "Why they leave")) }
                        label { input type="radio" name="departure" value="withdrawn" required; " " (ctx.t("Mengundurkan diri", "Withdrew")) }
                        br;
                        label { input type="radio" name="departure" value="disqualified"; " " (ctx.t("Didiskualifikasi", "Disqualified")) }
                    }
                    @let reason_field = format!("reason_{}", f.code);
                    label for=(reason_field) { (ctx.t("Alasan tertulis (10–2000 karakter)", "Written reason (10–2000 characters)")) }
                    textarea #(reason_field) name="reason" required minlength="10" maxlength="2000" {}
                    button type="submit" { (ctx.t("Usulkan (perlu persetujuan admin lain)", "Propose (needs another admin's approval)")) }
                }
            }
            h3 { (ctx.t("Cadangan, menurut peringkat", "Reserves, by rank")) }
            @if g.reserves.is_empty() {
                p { (ctx.t("Tidak ada cadangan: kursi yang kosong tetap kosong.", "No reserve: a freed seat stays empty.")) }
            } @else {
                ol { @for m in &g.reserves { li { (member_line(ctx, m)) } } }
            }
        }
    }
}

/// `GET /admin/seleksi/{id}/lampiran/{formation}`: the printable annex.
pub fn annex(ctx: &PageCtx, a: &Annex, today: OffsetDateTime) -> Markup {
    let g = &a.group;
    let f = &g.formation;
    let p = a.round.programme();
    let title = ctx
        .t(
            &format!("Lampiran Keputusan Lurah: susunan anggota {}", p.group_id),
            &format!("Annex to the Lurah's decree: members of the {}", p.group_en),
        )
        .to_owned();
    let table = html! {
        table.annex {
            thead { tr {
                th scope="col" { "No" }
                th scope="col" { (ctx.t("Nama", "Name")) }
                th scope="col" { (ctx.t("Jabatan", "Office")) }
                th scope="col" { "RT" }
                th scope="col" { (ctx.t("Nomor pendaftaran", "Registration number")) }
            } }
            tbody {
                @for (i, m) in g.members.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td { bdi { (m.full_name) } }
                        td { (role_title(ctx, m.role)) }
                        td {
                            @if let Some(rt) = m.rt { (format!("{rt:03}")) }
                            @if let Some(k) = &m.home_kelurahan { " (Kel. " (k) ")" }
                        }
                        td { (m.registration_no) }
                    }
                }
            }
        }
    };
    let body = html! {
        div.pengumuman {
            p.noprint {
                a href=(format!("/admin/seleksi/{}/pasca-final", a.round.id)) { "← " (ctx.t("Setelah hasil akhir", "After the final result")) }
                " · " a href=(format!("/admin/seleksi/{}/lampiran/{}/anggota.csv", a.round.id, f.id)) { "CSV" }
            }
            p.noprint { (super::print::print_button(ctx, ("Cetak lampiran (A4)", "Print the annex (A4)"))) }
            p { (ctx.t("LAMPIRAN", "ANNEX")) br;
                (ctx.t("Keputusan Lurah", "Decree of the Lurah of")) " " (g.kelurahan_name) br;
                (ctx.t("Nomor", "Number")) ": ...................." br;
                (ctx.t("Tanggal", "Date")) ": ...................." }
            h1 { (title) }
            p.sub { (f.name) " (" (f.code) ")" br; (a.round.name) }
            @if !g.problems.is_empty() {
                div.alert.noprint role="alert" {
                    p { (ctx.t("Susunan jabatan belum lengkap:", "The offices are not complete:")) }
                    @for p in &g.problems { @let (id, en) = p.message(); p { (ctx.t(&id, &en)) } }
                }
            }
            (scroll_table(ctx, ctx.t("Susunan anggota", "Members"), table))
            @if let Some(cp) = &a.checkpoint {
                p { (ctx.t("Sesuai hasil akhir yang tercatat di jejak audit; titik periksa", "As recorded in the audit trail; checkpoint")) " " code.wrap { (cp.seq) ":" (cp.hash) } }
            }
            div.sign {
                p { "Samarinda, " (format_wita(today)) }
                p { (ctx.t("Lurah", "Lurah")) " " (g.kelurahan_name) }
                br; br; br;
                p { "( ............................................ )" }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: title.to_owned(),
            body,
        },
    )
}
