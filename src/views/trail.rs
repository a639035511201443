//! The auditors' workspace pages: the trail browser, application
//! histories, panelist views, conflict matrices and panel analytics. Plain
//! GET forms and links, no JavaScript; small tables that scroll on phones.

use maud::{Markup, html};
use uuid::Uuid;

use super::charts::{self, Bar, ChartText};
use super::layout::{Page, PageCtx, layout, urlencode};
use crate::domain::analytics::{FLAG_MIN_COMPARISONS, FLAG_THRESHOLD_PP, format_1dp};
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::round::format_wita;
use crate::services::analytics::RoundAnalytics;
use crate::services::rounds::Round;
use crate::services::trail::Event as TrailEvent;
use crate::services::trail::{
    ApplicationHistory, ConflictMatrix, Declared, PanelistView, RoundOverview, TrailPage,
    TrailQuery,
};

/// Base path of the workspace.
pub const BASE: &str = "/audit";

fn page(ctx: &PageCtx, title: &str, body: Markup) -> Markup {
    layout(
        ctx,
        Page {
            title: title.to_owned(),
            body,
        },
    )
}

fn workspace_nav(ctx: &PageCtx) -> Markup {
    html! {
        p.muted.noprint {
            a href=(BASE) { (ctx.t("Ruang audit", "Audit workspace")) } " · "
            a href=(format!("{BASE}/jejak")) { (ctx.t("Jejak audit lengkap", "Full audit trail")) } " · "
            a href="/jejak-audit" { (ctx.t("Titik periksa publik", "Public checkpoint")) }
        }
    }
}

/// An audit `at` (UTC) shown in WITA; unreadable text is shown as it is.
fn at_wita(at: &str) -> String {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| at.to_owned(), format_wita)
}

fn status_label(ctx: &PageCtx, s: &str) -> String {
    match s {
        "" => "—".to_owned(),
        "selected" => ctx.t("terpilih", "selected").to_owned(),
        "reserve" => ctx.t("cadangan", "reserve").to_owned(),
        "not_selected" => ctx.t("tidak terpilih", "not selected").to_owned(),
        "not_passed" => ctx.t("tidak lulus", "not passed").to_owned(),
        other => other.to_owned(),
    }
}

fn rank_text(r: i64) -> String {
    if r == 0 {
        "—".to_owned()
    } else {
        r.to_string()
    }
}

fn total_text(exact: &str) -> String {
    parse_fraction(exact).map_or_else(|_| exact.to_owned(), |r| format_rounded_2dp(&r))
}

/// The link to what an event is about: the application history when it
/// concerns an application, the round's workspace page for a round, else
/// the trail filtered to the same subject.
pub fn subject_href(e: &TrailEvent) -> String {
    if let Some(no) = e.registration_no.as_deref().filter(|n| !n.is_empty()) {
        return format!("{BASE}/pendaftaran/{}", urlencode(no));
    }
    match e.subject_type.as_str() {
        "application" => format!("{BASE}/pendaftaran/{}", urlencode(&e.subject_id)),
        "round" if e.subject_id.parse::<Uuid>().is_ok() => {
            format!("{BASE}/seleksi/{}", e.subject_id)
        }
        "formation" => format!("{BASE}/jejak?formation={}", urlencode(&e.subject_id)),
        _ => format!(
            "{BASE}/jejak?subject_type={}&subject_id={}",
            urlencode(&e.subject_type),
            urlencode(&e.subject_id)
        ),
    }
}

/// Who acted, as a link to their events (and, for a panelist, their scorecards).
fn actor_cell(
    ctx: &PageCtx,
    e: &TrailEvent,
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    let name = names.get(&e.actor).cloned();
    html! {
        a href=(format!("{BASE}/jejak?actor={}", urlencode(&e.actor))) {
            @if let Some(n) = &name { (n) } @else { code { (e.actor) } }
        }
        br;
        span.muted { (e.actor_role) }
        @if e.actor_role == "panelist" {
            " · " a href=(format!("{BASE}/penilai/{}", urlencode(&e.actor))) { (ctx.t("lembar nilai", "scorecards")) }
        }
    }
}

/// A payload as a readable list of its fields.
fn payload(text: &str) -> Markup {
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(text).ok();
    html! {
        @match parsed {
            Some(map) if map.is_empty() => {}
            Some(map) => {
                dl.payload {
                    @for (k, v) in &map {
                        dt { (k) }
                        dd {
                            @match v {
                                serde_json::Value::String(s) => { (s) }
                                serde_json::Value::Number(n) => { (n.to_string()) }
                                other => { code { (other.to_string()) } }
                            }
                        }
                    }
                }
            }
            None => { code { (text) } }
        }
    }
}

fn event_row(
    ctx: &PageCtx,
    e: &TrailEvent,
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    html! {
        tr id=(format!("e{}", e.seq)) {
            td.num { (e.seq) }
            td { (at_wita(&e.at)) }
            td { (actor_cell(ctx, e, names)) }
            td {
                a href=(format!("{BASE}/jejak?action={}", urlencode(&e.action))) { code { (e.action) } }
                br;
                a.subject href=(subject_href(e)) {
                    (e.subject_type) " "
                    @if let Some(no) = &e.registration_no { (no) } @else { code { (e.subject_id) } }
                }
            }
            td {
                (payload(&e.payload))
                @if !e.reason.is_empty() {
                    p { strong { (ctx.t("Alasan", "Reason")) ": " } bdi { (e.reason) } }
                }
            }
        }
    }
}

fn events_table(
    ctx: &PageCtx,
    events: &[TrailEvent],
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    html! {
        table.trail {
            thead { tr {
                th.num { "seq" }
                th { (ctx.t("Waktu (WITA)", "Time (WITA)")) }
                th { (ctx.t("Pelaku", "Actor")) }
                th { (ctx.t("Aksi / subjek", "Action / subject")) }
                th { (ctx.t("Isi", "Payload")) }
            } }
            tbody { @for e in events { (event_row(ctx, e, names)) } }
        }
    }
}

// ---------------------------------------------------------------------------
// Workspace home and round page
// ---------------------------------------------------------------------------

/// The workspace home: every round and the ways into the trail.
pub fn home(ctx: &PageCtx, rounds: &[Round]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Ruang audit", "Audit workspace")) }
        (workspace_nav(ctx))
        p.lead { (ctx.t(
            "Semua peristiwa tercatat dalam satu jejak audit berantai-hash. Dari sini Anda dapat menelusuri jejak, riwayat setiap pendaftaran beserta sebab setiap perubahan peringkat, lembar nilai penilai, matriks konflik kepentingan dan analitik panel. Halaman ini hanya untuk membaca.",
            "Every event is recorded in one hash-chained audit trail. From here you can browse the trail, each application's history with the cause of every rank change, panelists' scorecards, conflict matrices and panel analytics. These pages only read."
        )) }
        form method="get" action=(format!("{BASE}/pendaftaran")) {
            label for="nomor" { (ctx.t("Riwayat pendaftaran: nomor pendaftaran", "Application history: registration number")) }
            input #nomor type="text" name="nomor" required placeholder="2026-6472011001-0001";
            button type="submit" { (ctx.t("Buka riwayat", "Open history")) }
        }
        h2 { (ctx.t("Seleksi", "Rounds")) }
        @if rounds.is_empty() {
            p.empty { (ctx.t("Belum ada seleksi.", "No rounds yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Seleksi", "Round")) } th { (ctx.t("Tahap", "Stage")) } th { (ctx.t("Telusuri", "Browse")) } } }
                tbody {
                    @for r in rounds {
                        tr {
                            td { a href=(format!("{BASE}/seleksi/{}", r.id)) { (r.name) } }
                            td { (super::round_state_label(ctx, r.state)) }
                            td {
                                a href=(format!("{BASE}/jejak?round={}", r.id)) { (ctx.t("Jejak", "Trail")) } " · "
                                a href=(format!("{BASE}/seleksi/{}/analitik", r.id)) { (ctx.t("Analitik panel", "Panel analytics")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Ruang audit", "Audit workspace"), body)
}

/// One round: its formations (trail, conflict matrix, analytics) and panelists.
pub fn round_page(ctx: &PageCtx, o: &RoundOverview) -> Markup {
    let id = o.round.id;
    let body = html! {
        h1 { (o.round.name) }
        (workspace_nav(ctx))
        p {
            (ctx.t("Tahap", "Stage")) ": " strong { (super::round_state_label(ctx, o.round.state)) } " · "
            a href=(format!("{BASE}/jejak?round={id}")) { (ctx.t("Jejak seleksi ini", "This round's trail")) } " · "
            a href=(format!("{BASE}/seleksi/{id}/analitik")) { (ctx.t("Analitik panel", "Panel analytics")) } " · "
            a href=(format!("/seleksi/{}", urlencode(&o.round.slug))) { (ctx.t("Halaman publik", "Public page")) }
        }
        h2 { (ctx.t("Formasi", "Formations")) }
        @if o.formations.is_empty() {
            p.empty { (ctx.t("Seleksi ini belum memiliki formasi.", "This round has no formations yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Formasi", "Formation")) } th.num { (ctx.t("Pendaftar", "Applicants")) } th { (ctx.t("Telusuri", "Browse")) } } }
                tbody {
                    @for f in &o.formations {
                        tr {
                            td { code { (f.formation.code) } " " (f.formation.name) br; span.muted { (f.kelurahan_name) } }
                            td.num { (f.applications) }
                            td {
                                a href=(format!("{BASE}/jejak?formation={}", f.formation.id)) { (ctx.t("Jejak", "Trail")) } " · "
                                a href=(format!("{BASE}/formasi/{}/konflik", f.formation.id)) { (ctx.t("Matriks konflik", "Conflict matrix")) } " · "
                                a href=(format!("{BASE}/seleksi/{id}/analitik#f-{}", f.formation.id)) { (ctx.t("Analitik", "Analytics")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Panel penguji", "Panels")) }
        @if o.panels.is_empty() {
            p.empty { (ctx.t("Belum ada panel.", "No panels yet.")) }
        }
        @for (name, members) in &o.panels {
            h3 { (name) }
            ul {
                @for (pid, pname) in members {
                    li { a href=(format!("{BASE}/penilai/{pid}")) { (pname) } }
                }
            }
        }
    };
    page(ctx, &o.round.name, body)
}

// ---------------------------------------------------------------------------
// Trail browser
// ---------------------------------------------------------------------------

/// The query string of `q` with another cursor.
pub fn trail_href(q: &TrailQuery, before: Option<i64>) -> String {
    let mut parts: Vec<String> = [
        ("round", &q.round),
        ("kelurahan", &q.kelurahan),
        ("formation", &q.formation),
        ("registration_no", &q.registration_no),
        ("actor", &q.actor),
        ("action", &q.action),
        ("subject_type", &q.subject_type),
        ("subject_id", &q.subject_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
    .collect();
    if let Some(l) = q.limit {
        parts.push(format!("limit={l}"));
    }
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    if parts.is_empty() {
        format!("{BASE}/jejak")
    } else {
        format!("{BASE}/jejak?{}", parts.join("&"))
    }
}

/// Known actions offered as suggestions in the action filter.
const ACTIONS: [&str; 22] = [
    "application.",
    "application.submitted",
    "application.verified",
    "application.verification_changed",
    "application.withdrawn",
    "approval.",
    "conflict.",
    "conflict.declared",
    "conflict.none_declared",
    "score.",
    "score.submitted",
    "score.amended",
    "ranking.changed",
    "round.",
    "panel.",
    "test.",
    "account.",
    "formation.",
    "formations.",
    "criteria.updated",
    "requirements.updated",
    "objection.",
];

/// The trail browser: the filter form, a page of events and the way to the next page.
pub fn trail_page(ctx: &PageCtx, q: &TrailQuery, result: Result<&TrailPage, &str>) -> Markup {
    let field = |name: &'static str,
                 id: &'static str,
                 en: &'static str,
                 value: &str,
                 hint: &'static str| {
        html! {
            div {
                label for=(format!("f-{name}")) { (ctx.t(id, en)) }
                input id=(format!("f-{name}")) type="text" name=(name) value=(value) placeholder=(hint);
            }
        }
    };
    let body = html! {
        h1 { (ctx.t("Jejak audit", "Audit trail")) }
        (workspace_nav(ctx))
        form.filters method="get" action=(format!("{BASE}/jejak")) {
            div.row {
                (field("round", "ID seleksi", "Round id", &q.round, ""))
                (field("kelurahan", "Kode kelurahan", "Kelurahan code", &q.kelurahan, "64.72.01.1001"))
                (field("formation", "ID formasi", "Formation id", &q.formation, ""))
            }
            div.row {
                (field("registration_no", "Nomor pendaftaran", "Registration number", &q.registration_no, "2026-6472011001-0001"))
                (field("actor", "Pelaku (ID akun atau system)", "Actor (account id or system)", &q.actor, "system"))
                div {
                    label for="f-action" { (ctx.t("Aksi (akhiri dengan titik untuk satu keluarga)", "Action (end with a dot for a family)")) }
                    input #f-action type="text" name="action" value=(q.action) list="actions" placeholder="score.";
                    datalist #actions { @for a in ACTIONS { option value=(a) {} } }
                }
            }
            div.row {
                (field("subject_type", "Jenis subjek", "Subject type", &q.subject_type, "application"))
                (field("subject_id", "ID subjek", "Subject id", &q.subject_id, ""))
            }
            div.row {
                div {
                    label for="f-from" { (ctx.t("Dari (WITA)", "From (WITA)")) }
                    input #f-from type="text" name="from" value=(q.from) placeholder="2026-12-01";
                }
                div {
                    label for="f-to" { (ctx.t("Sampai (WITA)", "Until (WITA)")) }
                    input #f-to type="text" name="to" value=(q.to) placeholder="2026-12-31";
                }
            }
            button type="submit" { (ctx.t("Saring", "Filter")) }
            " " a href=(format!("{BASE}/jejak")) { (ctx.t("Hapus saringan", "Clear filters")) }
        }
        @match result {
            Err(message) => { div.alert role="alert" { (message) } }
            Ok(p) => {
                @if p.events.is_empty() {
                    p.empty { (ctx.t("Tidak ada peristiwa yang cocok dengan saringan ini.", "No event matches these filters.")) }
                } @else {
                    p.muted { (ctx.t("Terbaru lebih dulu.", "Newest first.")) " " (p.events.len()) " " (ctx.t("peristiwa di halaman ini.", "events on this page.")) }
                    (events_table(ctx, &p.events, &p.actors))
                }
                p.pager {
                    @if q.before.is_some() {
                        a href=(trail_href(q, None)) { (ctx.t("« Terbaru", "« Newest")) } " "
                    }
                    @if let Some(b) = p.next_before {
                        a rel="next" href=(trail_href(q, Some(b))) { (ctx.t("Lebih lama »", "Older »")) }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Jejak audit", "Audit trail"), body)
}

// ---------------------------------------------------------------------------
// Application history
// ---------------------------------------------------------------------------

/// The timeline of one application with its ranks and their causes.
pub fn history_page(ctx: &PageCtx, h: &ApplicationHistory) -> Markup {
    let a = &h.application;
    let title = a
        .registration_no
        .clone()
        .unwrap_or_else(|| a.id.to_string());
    let who = |actor: &str| {
        h.actors
            .get(actor)
            .cloned()
            .unwrap_or_else(|| actor.to_owned())
    };
    let body = html! {
        h1 { (ctx.t("Riwayat pendaftaran", "Application history")) " " (title) }
        (workspace_nav(ctx))
        dl.summary {
            dt { (ctx.t("Nama", "Name")) } dd { bdi { (a.full_name) } }
            dt { "NIK" } dd { code { (a.nik_masked.as_deref().unwrap_or("—")) } }
            dt { (ctx.t("Seleksi", "Round")) } dd { a href=(format!("{BASE}/seleksi/{}", a.round_id)) { (a.round_name) } }
            dt { (ctx.t("Formasi", "Formation")) }
            dd {
                @if let Some(f) = &a.formation {
                    code { (f.code) } " " (f.name) " · "
                    a href=(format!("{BASE}/formasi/{}/konflik", f.id)) { (ctx.t("matriks konflik", "conflict matrix")) }
                } @else { "—" }
            }
            dt { (ctx.t("Wilayah", "Area")) } dd { (a.kelurahan.as_deref().unwrap_or("—")) @if let Some(rt) = a.rt_number { " RT " (format!("{rt:03}")) } }
            dt { (ctx.t("Status pendaftaran", "Application state")) } dd { (super::applications::state_label(ctx, a.state)) }
            @if let Some(r) = &h.current {
                dt { (ctx.t("Peringkat sekarang", "Current rank")) }
                dd {
                    (r.rank.map_or_else(|| "—".to_owned(), |x| x.to_string())) " · "
                    (status_label(ctx, r.status.as_deref().unwrap_or_default()))
                    @if let Some(t) = &r.total_exact { " · " (ctx.t("total", "total")) " " (total_text(t)) " (" code { (t) } ")" }
                    @if !r.published { " " span.muted { (ctx.t("(belum diumumkan)", "(not yet published)")) } }
                }
            }
        }
        h2 { (ctx.t("Peringkat dari waktu ke waktu", "Rank over time")) }
        @if h.rank_steps().next().is_none() {
            p.empty { (ctx.t("Belum ada perubahan peringkat yang diumumkan.", "No published rank change yet.")) }
        } @else {
            table.ranks {
                thead { tr {
                    th.num { "seq" } th { (ctx.t("Waktu (WITA)", "Time (WITA)")) }
                    th { (ctx.t("Peringkat", "Rank")) } th { "Status" } th.num { "Total" }
                    th { (ctx.t("Sebab", "Cause")) }
                } }
                tbody {
                    @for (e, r) in h.rank_steps() {
                        tr.rank-change {
                            td.num { a href=(format!("#e{}", e.seq)) { (e.seq) } }
                            td { (at_wita(&e.at)) }
                            td { (rank_text(r.from_rank)) " → " strong { (rank_text(r.to_rank)) } }
                            td { (status_label(ctx, &r.from_status)) " → " strong { (status_label(ctx, &r.to_status)) } }
                            td.num { @if !r.total.is_empty() { (total_text(&r.total)) } }
                            td.cause {
                                @if let Some(c) = &r.cause {
                                    a href=(format!("{BASE}/jejak?subject_type={}&subject_id={}#e{}", urlencode(&c.subject_type), urlencode(&c.subject_id), c.seq)) { code { (c.action) } }
                                    " (seq " (c.seq) ") " (ctx.t("oleh", "by")) " "
                                    strong.cause-actor { (who(&c.actor)) } " (" (c.actor_role) ")"
                                    @if !c.reason.is_empty() { br; (ctx.t("Alasan", "Reason")) ": " span.cause-reason { bdi { (c.reason) } } }
                                } @else {
                                    "seq " (r.cause_seq)
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Semua peristiwa", "Every event")) }
        @if h.timeline.is_empty() {
            p.empty { (ctx.t("Belum ada peristiwa.", "No events yet.")) }
        } @else {
            @let events: Vec<TrailEvent> = h.timeline.iter().map(|x| x.event.clone()).collect();
            (events_table(ctx, &events, &h.actors))
        }
    };
    page(
        ctx,
        &format!("{} {title}", ctx.t("Riwayat", "History")),
        body,
    )
}

// ---------------------------------------------------------------------------
// Panelist view and conflict matrix
// ---------------------------------------------------------------------------

fn kind_label(ctx: &PageCtx, kind: &str) -> String {
    match kind {
        "none" => ctx.t("tidak ada konflik", "no conflict").to_owned(),
        "family" => ctx.t("keluarga", "family").to_owned(),
        "household" => ctx.t("serumah", "household").to_owned(),
        "employment" => ctx.t("hubungan kerja", "employment").to_owned(),
        "political" => ctx.t("politik", "political").to_owned(),
        "other" => ctx.t("lainnya", "other").to_owned(),
        k => k.to_owned(),
    }
}

fn flag_label(ctx: &PageCtx, flag: &str) -> String {
    match flag {
        "same_rt" => ctx.t("RT sama", "same RT").to_owned(),
        "same_family_card" => ctx.t("KK sama", "same family card").to_owned(),
        f => f.to_owned(),
    }
}

/// A panelist's scorecards (every version) and declarations.
pub fn panelist_page(ctx: &PageCtx, p: &PanelistView) -> Markup {
    let body = html! {
        h1 { (ctx.t("Penilai", "Panelist")) ": " (p.name) }
        (workspace_nav(ctx))
        p {
            a href=(format!("{BASE}/jejak?actor={}", p.id)) { (ctx.t("Semua tindakan penilai ini di jejak audit", "Everything this panelist did, in the trail")) }
            @if p.status != "active" { " · " strong { (ctx.t("akun nonaktif", "account deactivated")) } }
        }
        @if !p.panels.is_empty() {
            ul { @for (rid, rname, pname) in &p.panels { li { (pname) " — " a href=(format!("{BASE}/seleksi/{rid}")) { (rname) } } } }
        }
        h2 { (ctx.t("Lembar nilai", "Scorecards")) }
        @if p.cards.is_empty() {
            p.empty { (ctx.t("Belum ada nilai yang dikirim.", "No scores submitted yet.")) }
        } @else {
            table.cards {
                thead { tr {
                    th { (ctx.t("Pendaftar", "Applicant")) } th.num { (ctx.t("Versi", "Version")) }
                    th { (ctx.t("Dikirim (WITA)", "Submitted (WITA)")) }
                    @for c in &p.criteria_codes { th.num { (c) } }
                    th { (ctx.t("Alasan perubahan", "Amendment reason")) }
                } }
                tbody {
                    @for card in &p.cards {
                        @for v in &card.versions {
                            tr.amended[v.version > 1] {
                                td { a href=(format!("{BASE}/pendaftaran/{}", urlencode(&card.registration_no))) { (card.registration_no) } br; span.muted { (card.formation_code) } }
                                td.num { (v.version) @if v.version == card.current_version { " ✓" } }
                                td { (format_wita(v.submitted_at)) @if let Some(s) = v.audit_seq { br; a href=(format!("{BASE}/jejak?registration_no={}#e{s}", urlencode(&card.registration_no))) { "seq " (s) } } }
                                @for c in &p.criteria_codes { td.num { (v.values.get(c).map_or_else(|| "—".to_owned(), ToString::to_string)) } }
                                td { bdi { (v.reason) } }
                            }
                        }
                    }
                }
            }
            p.muted { "✓ " (ctx.t("= versi yang berlaku", "= the version that counts")) }
        }
        h2 { (ctx.t("Pernyataan konflik kepentingan", "Conflict-of-interest declarations")) }
        @if p.declarations.is_empty() {
            p.empty { (ctx.t("Belum ada pernyataan.", "No declarations yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Pendaftar", "Applicant")) } th { (ctx.t("Pernyataan", "Declaration")) } th { (ctx.t("Tanda sistem", "System flags")) } th { (ctx.t("Waktu (WITA)", "Time (WITA)")) } } }
                tbody {
                    @for d in &p.declarations {
                        tr {
                            td { a href=(format!("{BASE}/pendaftaran/{}", urlencode(&d.registration_no))) { (d.registration_no) } }
                            td {
                                @match &d.kind { Some(k) => { (kind_label(ctx, k)) }, None => { (ctx.t("belum menyatakan", "not declared")) } }
                                @if d.recused { " — " strong { (ctx.t("dikecualikan", "recused")) } }
                                @if !d.text.is_empty() { br; (d.text) }
                            }
                            td { @for f in &d.flags { (flag_label(ctx, f)) " " } }
                            td { @if let Some(t) = d.declared_at { (format_wita(t)) } }
                        }
                    }
                }
            }
        }
    };
    page(
        ctx,
        &format!("{} {}", ctx.t("Penilai", "Panelist"), p.name),
        body,
    )
}

/// Panelists × applicants of a formation: declaration and system flags per cell.
pub fn matrix_page(ctx: &PageCtx, m: &ConflictMatrix) -> Markup {
    let body = html! {
        h1 { (ctx.t("Matriks konflik kepentingan", "Conflict-of-interest matrix")) }
        (workspace_nav(ctx))
        p { code { (m.formation.code) } " " (m.formation.name) " — " a href=(format!("{BASE}/seleksi/{}", m.round_id)) { (m.round_name) } }
        p.muted { (ctx.t(
            "Setiap sel: pernyataan penilai (— belum menyatakan, ✓ tidak ada konflik, ✗ konflik dengan jenisnya, penilai dikecualikan) dan tanda sistem (⚠ RT sama / KK sama).",
            "Each cell: the panelist's declaration (— not declared, ✓ no conflict, ✗ conflict with its kind, panelist recused) and the system's flags (⚠ same RT / same family card)."
        )) }
        @if m.panelists.is_empty() || m.rows.is_empty() {
            p.empty { (ctx.t("Belum ada penilai atau pendaftar pada formasi ini.", "This formation has no panelists or applicants yet.")) }
        } @else {
            table.matrix {
                thead { tr {
                    th { (ctx.t("Pendaftar", "Applicant")) }
                    @for (pid, name) in &m.panelists { th { a href=(format!("{BASE}/penilai/{pid}")) { (name) } } }
                } }
                tbody {
                    @for (_, no, cells) in &m.rows {
                        tr {
                            th scope="row" { a href=(format!("{BASE}/pendaftaran/{}", urlencode(no))) { (no) } }
                            @for c in cells {
                                td data-declared=(match &c.declared { Declared::Nothing => "nothing", Declared::NoConflict => "none", Declared::Conflict(_) => "conflict" }) {
                                    @match &c.declared {
                                        Declared::Nothing => { "— " span.muted { (ctx.t("belum", "not yet")) } }
                                        Declared::NoConflict => { "✓ " (ctx.t("tidak ada", "none")) }
                                        Declared::Conflict(k) => { "✗ " strong { (kind_label(ctx, k)) } }
                                    }
                                    @for f in &c.flags { br; "⚠ " (flag_label(ctx, f)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Matriks konflik", "Conflict matrix"), body)
}

// ---------------------------------------------------------------------------
// Panel analytics
// ---------------------------------------------------------------------------

#[expect(clippy::cast_precision_loss, reason = "counts of scores are small")]
fn count_f64(n: usize) -> f64 {
    n as f64
}

fn opt_1dp(r: Option<&crate::domain::analytics::Ratio>) -> String {
    r.map_or_else(|| "—".to_owned(), format_1dp)
}

/// The analytics of a round, one section per formation, with SVG charts.
pub fn analytics_page(ctx: &PageCtx, a: &RoundAnalytics) -> Markup {
    let body = html! {
        h1 { (ctx.t("Analitik panel", "Panel analytics")) ": " (a.round.name) }
        (workspace_nav(ctx))
        p { a href=(format!("/audit/seleksi/{}/tinjauan-panel", a.round.id)) { (ctx.t(
            "Tinjauan panel: keberpihakan kepada RT, kelurahan atau pendaftar yang berkonflik; α dan ICC per formasi",
            "Panel review: favouritism towards an RT, kelurahan or conflicted applicants; α and ICC per formation"
        )) } }
        div.notice {
            p { (ctx.t(
                "Angka ini menggambarkan panel; tidak ada nilai atau peringkat yang diubah karenanya. Nilai diubah ke skala 0–100 (poin persentase skala kriteria). Deviasi = nilai penilai dikurangi median nilai semua penilai untuk pendaftar dan kriteria yang sama. Sebaran = rata-rata selisih mutlak nilai penilai dari rata-ratanya sendiri. Kesepakatan = bagian pasangan nilai dua penilai (pendaftar dan kriteria sama) yang berselisih paling banyak satu langkah skala atau 10% skala.",
                "These figures describe the panel; no score or rank is changed because of them. Values are put on a 0–100 scale (percentage points of the criterion's scale). Deviation = the panelist's value minus the median of all panelists' values for the same applicant and criterion. Spread = the mean absolute difference of the panelist's values from their own mean. Agreement = the share of pairs of two panelists' values (same applicant and criterion) that differ by at most one scale step or 10% of the scale."
            )) }
            p { (ctx.t("Ditandai", "Flagged")) " ⚑: "
                (ctx.t("deviasi mutlak rata-rata", "mean absolute deviation")) " ≥ " (FLAG_THRESHOLD_PP) " "
                (ctx.t("poin dari sedikitnya", "points over at least")) " " (FLAG_MIN_COMPARISONS) " "
                (ctx.t("nilai yang dibandingkan. Tanda hanya untuk ditelaah auditor, tidak pernah mengoreksi apa pun.", "compared values. A flag is for the auditor to look into; it never corrects anything.")) }
        }
        @if a.formations.is_empty() {
            p.empty { (ctx.t("Seleksi ini belum memiliki formasi.", "This round has no formations yet.")) }
        }
        @for f in &a.formations {
            section.formation id=(format!("f-{}", f.formation.id)) {
                h2 { code { (f.formation.code) } " " (f.formation.name) }
                p {
                    (ctx.t("Kesepakatan panel", "Panel agreement")) ": "
                    @match f.agreement.rate() {
                        Some(r) => {
                            strong { (format_1dp(&(r * crate::domain::analytics::Ratio::from_integer(100.into())))) " %" }
                            " (" (f.agreement.agreeing) " / " (f.agreement.pairs) " " (ctx.t("pasangan", "pairs")) ")"
                        }
                        None => { (ctx.t("belum ada dua penilai yang menilai pendaftar yang sama", "no two panelists scored the same applicant yet")) }
                    }
                    " · " a href=(format!("{BASE}/formasi/{}/konflik", f.formation.id)) { (ctx.t("matriks konflik", "conflict matrix")) }
                }
                @if f.panelists.is_empty() {
                    p.empty { (ctx.t("Belum ada nilai yang dikirim.", "No scores submitted yet.")) }
                } @else {
                    table.analytics {
                        thead { tr {
                            th { (ctx.t("Penilai", "Panelist")) }
                            th.num { (ctx.t("Nilai", "Values")) }
                            th.num { (ctx.t("Deviasi rata-rata", "Mean deviation")) }
                            th.num { (ctx.t("Deviasi mutlak", "Mean abs. deviation")) }
                            th.num { (ctx.t("Sebaran", "Spread")) }
                            th.num { (ctx.t("Perubahan nilai", "Amendments")) }
                            th.num { (ctx.t("…yang mengubah keterpilihan", "…that changed selection")) }
                        } }
                        tbody {
                            @for p in &f.panelists {
                                tr.flagged[p.stats.flagged] {
                                    td {
                                        a href=(format!("{BASE}/penilai/{}", urlencode(&p.id))) { (if p.name.is_empty() { p.id.as_str() } else { p.name.as_str() }) }
                                        @if p.stats.flagged { " " strong.flag { "⚑ " (ctx.t("ditandai", "flagged")) } }
                                    }
                                    td.num { (p.stats.scored) " (" (p.stats.compared) ")" }
                                    td.num { (opt_1dp(p.stats.mean_deviation.as_ref())) }
                                    td.num { (opt_1dp(p.stats.mean_abs_deviation.as_ref())) }
                                    td.num { (opt_1dp(p.stats.spread.as_ref())) }
                                    td.num { (p.amendments.amendments) }
                                    td.num { (p.amendments.changed_selection) }
                                }
                            }
                        }
                    }
                    @let bars: Vec<Bar> = f.panelists.iter().map(|p| {
                        let text = opt_1dp(p.stats.mean_deviation.as_ref());
                        Bar {
                            label: if p.name.is_empty() { p.id.clone() } else { p.name.clone() },
                            value: text.parse().unwrap_or(0.0),
                            text,
                            marked: p.stats.flagged,
                        }
                    }).collect();
                    @let dev_id = format!("dev-{}", f.formation.id.simple());
                    @let dev_title = format!("{} — {}", ctx.t("Deviasi rata-rata per penilai (poin)", "Mean deviation per panelist (points)"), f.formation.code);
                    figure {
                        (charts::diverging(&ChartText {
                            id: &dev_id,
                            title: &dev_title,
                            desc: ctx.t("Batang ke kiri: lebih ketat dari median panel; ke kanan: lebih longgar. Batang berarsir: ditandai.", "Bars to the left: harsher than the panel median; to the right: more lenient. Hatched bars: flagged."),
                            mark: ctx.t("ditandai", "flagged"),
                        }, &bars))
                        figcaption { (dev_title) }
                    }
                }
                @for d in &f.distributions {
                    @let id = format!("dist-{}-{}", f.formation.id.simple(), d.code);
                    @let title = format!("{} {} ({})", ctx.t("Sebaran nilai", "Score distribution"), d.code, ctx.t(&d.name_id, &d.name_en));
                    @let bars: Vec<Bar> = d.bins.iter().map(|b| Bar {
                        label: b.label(),
                        value: count_f64(b.count),
                        text: b.count.to_string(),
                        marked: false,
                    }).collect();
                    figure {
                        (charts::columns(&ChartText {
                            id: &id,
                            title: &title,
                            desc: ctx.t("Jumlah nilai terakhir yang dikirim untuk setiap nilai skala.", "Number of latest submitted values for each point of the scale."),
                            mark: "",
                        }, &bars))
                        figcaption { (title) }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Analitik panel", "Panel analytics"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(subject_type: &str, subject_id: &str, regno: Option<&str>) -> TrailEvent {
        TrailEvent {
            seq: 7,
            at: "2026-12-01T00:30:00.000000Z".into(),
            actor: "system".into(),
            actor_role: "system".into(),
            action: "x.y".into(),
            subject_type: subject_type.into(),
            subject_id: subject_id.into(),
            round_id: String::new(),
            payload: r#"{"a":"<b>"}"#.into(),
            reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
            registration_no: regno.map(str::to_owned),
            kelurahan_code: None,
        }
    }

    #[test]
    fn every_event_links_to_its_subject() {
        let id = Uuid::nil().to_string();
        assert_eq!(
            subject_href(&event("scorecard", "x", Some("2026-1-0001"))),
            "/audit/pendaftaran/2026-1-0001"
        );
        assert_eq!(
            subject_href(&event("round", &id, None)),
            format!("/audit/seleksi/{id}")
        );
        assert_eq!(
            subject_href(&event("account", "a&b", None)),
            "/audit/jejak?subject_type=account&subject_id=a%26b"
        );
    }

    #[test]
    fn payload_values_are_escaped_and_times_shown_in_wita() {
        let html = payload(&event("x", "y", None).payload).into_string();
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
        assert_eq!(
            at_wita("2026-12-01T00:30:00.000000Z"),
            "2026-12-01 08:30 WITA"
        );
    }
}
