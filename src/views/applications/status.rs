//! An application's status page: its steps and headline, and the
//! confirmations of a withdrawal and of a new PIN.

use maud::{Markup, html};

use super::m;
use crate::domain::application::ApplicationState;
use crate::domain::application_status::Timeline;
use crate::domain::application_view::ApplicationPage;
use crate::domain::round::RoundState;
use crate::domain::round::format_wita;
use crate::views::layout::{PageCtx, page};
use crate::views::results::status_label;

/// The steps after submission, as items of the timeline list: each
/// requirement's outcome with its reason, the test invitation, the published
/// result and rank, the objection window. Shared by the status page and the
/// public number + PIN check, so both say the same.
pub(super) fn steps(ctx: &PageCtx, t: &Timeline) -> Markup {
    html! {
        li {
            (ctx.t("Verifikasi persyaratan", "Requirement verification")) ": "
            @if t.checks.is_empty() { (ctx.t("belum ada hasil.", "no outcome yet.")) }
            @else {
                ul { @for c in &t.checks {
                    li {
                        (m(ctx, &c.requirement)) " — " strong { (m(ctx, &c.outcome_label())) }
                        @if let Some(l) = c.reason_label() { ": " (m(ctx, &l)) }
                        @if let Some(found) = &c.automatic_reason { " — " (m(ctx, found)) }
                        @else if !c.reason.is_empty() { " — " bdi { (c.reason) } }
                    }
                } }
            }
        }
        li {
            (ctx.t("Undangan uji kelayakan", "Test invitation")) ": "
            @match &t.invitation {
                Some((at, place)) => { (format_wita(*at)) ", " (place) }
                None => { (ctx.t("belum ada.", "none yet.")) }
            }
        }
        li {
            (ctx.t("Hasil", "Result")) ": "
            @match &t.result {
                Some((rank, status)) => {
                    strong { (status.as_deref().map(|s| status_label(ctx, s)).unwrap_or_default()) }
                    @if let Some(r) = rank { " · " (ctx.t("peringkat", "rank")) " " (r) }
                }
                None => { (ctx.t("belum diumumkan.", "not published yet.")) }
            }
        }
        @if let Some((from, to)) = t.objection_window {
            li { (ctx.t("Masa sanggah", "Objection window")) ": " (format_wita(from)) " – " (format_wita(to)) }
        }
    }
}

/// The one status headline: the stage reached, the failing requirements with
/// their reasons (or the decision), then what happens next and when.
pub(super) fn headline(ctx: &PageCtx, h: &crate::domain::status_headline::Headline) -> Markup {
    html! {
        div.headline role="status" {
            p.headline-title { strong { (m(ctx, &h.title)) } }
            @if !h.details.is_empty() {
                ul.headline-details { @for d in &h.details { li { (m(ctx, d)) } } }
            }
            p.headline-next { (ctx.t("Selanjutnya", "Next")) ": " (m(ctx, &h.next)) }
        }
    }
}

/// The status page of one application.
#[derive(Clone, Debug)]
pub struct StatusPage<'a> {
    pub view: &'a ApplicationPage,
    pub timeline: &'a Timeline,
    pub can_withdraw: bool,
    pub csrf: String,
    /// Arrived from "Daftar" of a round the resident already applied to.
    pub already_applied: bool,
    /// The viewer may change the application (its owner, or the desk).
    pub can_edit: bool,
    /// The score breakdown once results are published.
    pub scores: Option<&'a crate::domain::score_breakdown::ScoreView>,
    /// A published stage shortlist that considered the application and is
    /// open to objections.
    pub shortlist_window: Option<&'a crate::domain::objection::OpenWindow>,
}

/// `GET /pendaftaran/{id}`.
pub fn status(ctx: &PageCtx, s: &StatusPage<'_>) -> Markup {
    let v = s.view;
    let a = &v.application;
    let warnings = if a.state == ApplicationState::Draft {
        crate::domain::nik::warning_messages(&a.nik_warnings)
    } else {
        crate::domain::nik::submitted_warning_messages(&a.nik_warnings)
    };
    let body = html! {
        h1 { (ctx.t("Status pendaftaran", "Application status")) }
        p { (v.round.name) @if let Some(no) = &a.registration_no { " · " strong { (no) } } }
        (headline(ctx, &s.timeline.headline))
        @if a.registration_no.is_some() {
            p { a href={ "/pendaftaran/" (a.id) "/bukti" } { (ctx.t("Bukti tercatat di jejak audit (unduh)", "Receipts from the audit trail (download)")) } }
        }
        @if s.already_applied {
            div.notice role="status" { (ctx.t(
                "Anda sudah memiliki pendaftaran pada seleksi ini. Setiap orang hanya dapat mendaftar satu kali per seleksi; ini pendaftaran Anda.",
                "You already have an application in this round. Each person can apply once per round; this is your application."
            )) }
        }
        @if let Some(at) = a.withdrawn_at {
            div.notice { (ctx.t("Dibatalkan pada ", "Withdrawn on ")) (format_wita(at)) ". " (ctx.t(
                "Pendaftaran yang dibatalkan tidak dapat diajukan lagi pada seleksi ini.",
                "A withdrawn application cannot be submitted again in this round."
            )) }
        }
        @for w in &warnings { div.alert.warning { (m(ctx, w)) } }
        @if a.state == ApplicationState::Draft {
            p { a href=(format!("/pendaftaran/{}/formulir", a.id)) { (ctx.t("Lanjutkan mengisi formulir", "Continue the form")) } }
        }
        @if s.can_edit && a.state != ApplicationState::Withdrawn {
            p { a href=(format!("/pendaftaran/{}/pesan", a.id)) { (ctx.t("Kabar lewat SMS/WhatsApp", "News by SMS/WhatsApp")) } }
        }
        ol.timeline {
            @if let Some(at) = a.submitted_at {
                li { (ctx.t("Terkirim", "Submitted")) ": " (format_wita(at)) " · "
                    a href=(format!("/pendaftaran/{}/tanda-terima", a.id)) { (ctx.t("tanda terima", "receipt")) } }
            }
            (steps(ctx, s.timeline))
            @if let Some(w) = s.shortlist_window {
                li {
                    (ctx.t("Daftar lolos tahap", "The shortlist of stage")) " " strong { (w.stage_name.pick(ctx.lang)) } " "
                    (ctx.t("sudah diterbitkan; masa sanggah sampai", "is published; objections until")) " " (format_wita(w.ends_at)) " · "
                    a href=(format!("/pendaftaran/{}/sanggahan", a.id)) { (ctx.t("Sanggah daftar lolos", "Object to the shortlist")) }
                }
            }
            @if v.round.state.is_published() {
                li {
                    a href=(format!("/seleksi/{}/hasil", v.round.slug)) { (ctx.t("Hasil seleksi", "Selection results")) }
                    " · "
                    a href=(format!("/pendaftaran/{}/sanggahan", a.id)) {
                        @if v.round.state == RoundState::Objection { (ctx.t("Ajukan sanggahan", "File an objection")) }
                        @else { (ctx.t("Sanggahan Anda", "Your objections")) }
                    }
                }
            }
        }
        @if let Some(sc) = s.scores { (crate::views::scores::section(ctx, sc)) }
        @if s.can_withdraw {
            form method="post" action=(format!("/pendaftaran/{}/batal", a.id)) {
                input type="hidden" name="csrf" value=(s.csrf);
                button type="submit" { (ctx.t("Batalkan pendaftaran…", "Withdraw application…")) }
            }
        }
    };
    page(ctx, ctx.t("Status pendaftaran", "Application status"), body)
}

/// The confirmation step of a withdrawal.
pub fn withdraw_confirm(ctx: &PageCtx, id: uuid::Uuid, csrf: &str) -> Markup {
    confirm_page(
        ctx,
        &Confirm {
            title: ctx.t("Batalkan pendaftaran", "Withdraw"),
            question: ctx.t("Batalkan pendaftaran?", "Withdraw the application?"),
            why: ctx.t(
                "Pendaftaran yang dibatalkan tidak dapat diaktifkan lagi dan tidak ikut dinilai.",
                "A withdrawn application cannot be reactivated and is not assessed.",
            ),
            action: format!("/pendaftaran/{id}/batal"),
            yes: ctx.t("Ya, batalkan", "Yes, withdraw"),
            back: format!("/pendaftaran/{id}"),
            csrf,
        },
    )
}

/// The confirmation step of a new status PIN.
pub fn reissue_confirm(ctx: &PageCtx, id: uuid::Uuid, csrf: &str) -> Markup {
    confirm_page(
        ctx,
        &Confirm {
            title: ctx.t("Terbitkan PIN baru", "Issue a new PIN"),
            question: ctx.t("Terbitkan PIN baru?", "Issue a new PIN?"),
            why: ctx.t(
                "PIN lama langsung tidak berlaku lagi. Berikan PIN baru hanya kepada warga pemilik pendaftaran.",
                "The old PIN stops working at once. Give the new PIN only to the resident who owns the application.",
            ),
            action: format!("/pendaftaran/{id}/pin"),
            yes: ctx.t("Ya, terbitkan PIN baru", "Yes, issue a new PIN"),
            back: format!("/pendaftaran/{id}/tanda-terima"),
            csrf,
        },
    )
}

/// A step that asks before an action that cannot be undone.
struct Confirm<'a> {
    title: &'a str,
    question: &'a str,
    /// What the action does, beneath the question.
    why: &'a str,
    /// Where `confirm=yes` is posted.
    action: String,
    yes: &'a str,
    /// The page to go back to instead.
    back: String,
    csrf: &'a str,
}

fn confirm_page(ctx: &PageCtx, c: &Confirm<'_>) -> Markup {
    let body = html! {
        h1 { (c.question) }
        p { (c.why) }
        form method="post" action=(c.action) {
            input type="hidden" name="csrf" value=(c.csrf);
            input type="hidden" name="confirm" value="yes";
            button.danger type="submit" { (c.yes) }
            " "
            a href=(c.back) { (ctx.t("Tidak, kembali", "No, go back")) }
        }
    };
    page(ctx, c.title, body)
}
