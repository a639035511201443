//! Erasure requests: the applicant's section on `/akun` (file a request,
//! follow its state) and the admin's list at `/admin/penghapusan-data`.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use crate::domain::application::OwnApplication;
use crate::domain::erasure::{ErasureStatus, RequestView, reason_in};
use crate::domain::round::format_wita;

/// The `/akun` section: the requests with their state, and a form for an
/// application whose data are not erased and that has no open request.
pub fn account_section(
    ctx: &PageCtx,
    csrf: &str,
    applications: &[OwnApplication],
    requests: &[RequestView],
) -> Markup {
    let closed = |id: uuid::Uuid| {
        requests.iter().any(|r| {
            r.request.application_id == id
                && matches!(
                    r.request.status,
                    ErasureStatus::Requested | ErasureStatus::Executed
                )
        })
    };
    let open_for: Vec<&OwnApplication> = applications.iter().filter(|a| !closed(a.id)).collect();
    html! {
        h3 #hapus-data { (ctx.t("Hapus data pribadi saya", "Erase my personal data")) }
        p { (ctx.t(
            "Anda dapat meminta NIK, kontak, alamat, data kelahiran dan dokumen sebuah pendaftaran dihapus. Selama ada sanggahan yang belum diputus atau seleksi belum ditetapkan, data masih wajib disimpan dan permintaan ditolak sementara. Nama, nomor pendaftaran, nilai dan peringkat tetap tercatat sebagai hasil resmi.",
            "You can ask for the NIK, contact data, address, birth data and documents of an application to be erased. While an objection is undecided or the round is not final the data must still be kept and the request is refused for now. Name, registration number, scores and rank stay on record as the official result."
        )) }
        @if !requests.is_empty() {
            ul.erasure-requests {
                @for r in requests {
                    li {
                        (r.round_name)
                        @if !r.registration_no.is_empty() { " · " (r.registration_no) }
                        " — " strong { (r.status_label().pick(ctx.lang)) }
                        " (" (ctx.t("diajukan", "filed")) " " (format_wita(r.request.requested_at)) ")"
                        @if r.request.status == ErasureStatus::Refused {
                            br; (ctx.t("Alasan", "Reason")) ": " (reason_in(&r.request.decision_reason, ctx.lang))
                        }
                    }
                }
            }
        }
        @if !open_for.is_empty() {
            form method="post" action="/akun/hapus-data" {
                input type="hidden" name="csrf" value=(csrf);
                label for="erasure-application" { (ctx.t("Pendaftaran", "Application")) }
                select id="erasure-application" name="application_id" {
                    @for a in &open_for {
                        option value=(a.id) {
                            (a.round_name)
                            @if let Some(no) = &a.registration_no { " · " (no) }
                        }
                    }
                }
                label for="erasure-reason" { (ctx.t("Alasan (boleh dikosongkan)", "Reason (optional)")) }
                textarea id="erasure-reason" name="reason" rows="2" maxlength="1000" {}
                button type="submit" { (ctx.t("Ajukan penghapusan data", "Request erasure")) }
            }
        }
    }
}

/// `GET /admin/penghapusan-data`: open requests with the hold that applies
/// now and a "decide" button, then the decided ones.
pub fn admin_page(ctx: &PageCtx, csrf: &str, rows: &[RequestView]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Permintaan penghapusan data", "Erasure requests")) }
        p { (ctx.t(
            "Memutus menjalankan aturan: selama ada sanggahan terbuka atau seleksi belum ditetapkan, permintaan ditolak dengan alasan itu; selain itu data langsung dihapus seperti pada penghapusan berkala (kunci data dimusnahkan, dokumen dihapus). Pendaftar menerima e-mail.",
            "Deciding applies the rule: while an objection is open or the round is not final the request is refused with that reason; otherwise the data are erased at once as the retention run does (the data key destroyed, the documents deleted). The applicant is mailed."
        )) " " a href="/admin/pelindungan-data" { (ctx.t("Pengaturan pelindungan data", "Data protection settings")) } }
        @if rows.is_empty() {
            p.muted { (ctx.t("Belum ada permintaan.", "No requests yet.")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (ctx.t("Diajukan", "Filed")) }
                    th scope="col" { (ctx.t("Pendaftaran", "Application")) }
                    th scope="col" { (ctx.t("Alasan pendaftar", "Applicant's reason")) }
                    th scope="col" { (ctx.t("Status", "Status")) }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (format_wita(r.request.requested_at)) }
                            td { (r.round_name) @if !r.registration_no.is_empty() { " · " (r.registration_no) } }
                            td { (r.request.reason) }
                            td {
                                (r.status_label().pick(ctx.lang))
                                @if r.request.status == ErasureStatus::Requested {
                                    @if let Some(h) = r.hold {
                                        br; span.muted { (ctx.t("Akan ditolak", "Will be refused")) ": " (h.message().pick(ctx.lang)) }
                                    } @else {
                                        br; span.muted { (ctx.t("Tidak ada penahanan: data akan dihapus.", "No hold: the data will be erased.")) }
                                    }
                                    form method="post" action=(format!("/admin/penghapusan-data/{}/putuskan", r.request.id)) {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" { (ctx.t("Putuskan", "Decide")) }
                                    }
                                } @else if r.request.status == ErasureStatus::Refused {
                                    br; (reason_in(&r.request.decision_reason, ctx.lang))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Penghapusan data", "Erasure requests").into(),
            body,
        },
    )
}

/// `/meja-bantuan/hapus-data`: the help desk files an erasure request for a
/// desk registrant who is present, with number and status PIN.
pub fn desk_page(
    ctx: &PageCtx,
    csrf: &str,
    registration_no: &str,
    reason: &str,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let body = html! {
        h1 { (ctx.t("Meja bantuan: permintaan hapus data pendaftar", "Help desk: a registrant's erasure request")) }
        p { (ctx.t(
            "Untuk pendaftar yang didaftarkan di meja bantuan dan hadir sendiri: dengan nomor pendaftaran dan PIN status dari tanda terimanya, ajukan penghapusan NIK, kontak, alamat, data kelahiran dan dokumennya. Admin memutuskannya seperti permintaan lain; selama ada sanggahan yang belum diputus atau seleksi belum ditetapkan, permintaan ditolak sementara. Permintaan tercatat di jejak audit atas nama Anda sebagai pendamping.",
            "For a registrant registered at the help desk who is present in person: with the registration number and the status PIN from their receipt, request the erasure of their NIK, contact data, address, birth data and documents. An admin decides it like any other request; while an objection is undecided or the round is not final it is refused for now. The request is recorded in the audit trail under your name as the assistant."
        )) }
        @if let Some(n) = notice { div.notice role="status" { (n) } }
        @if let Some(e) = error { div.alert role="alert" { (e) } }
        form method="post" action="/meja-bantuan/hapus-data" {
            input type="hidden" name="csrf" value=(csrf);
            label for="desk-erasure-no" { (ctx.t("Nomor pendaftaran", "Registration number")) }
            input id="desk-erasure-no" type="text" name="registration_no" value=(registration_no) autocomplete="off" required;
            label for="desk-erasure-pin" { (ctx.t("PIN status", "Status PIN")) }
            input id="desk-erasure-pin" type="password" name="pin" autocomplete="off" inputmode="numeric" required;
            label for="desk-erasure-reason" { (ctx.t("Alasan (boleh dikosongkan)", "Reason (optional)")) }
            textarea id="desk-erasure-reason" name="reason" rows="2" maxlength="1000" { (reason) }
            button type="submit" { (ctx.t("Ajukan penghapusan data", "Request erasure")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Hapus data pendaftar", "Erase a registrant's data")
                .into(),
            body,
        },
    )
}
