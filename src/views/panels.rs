//! Admin pages for panels, the fit & proper test schedule and the round
//! dashboard. Plain forms, no JavaScript; a refused form comes back with its
//! message next to the field and what was typed kept.

use maud::{Markup, html};
use uuid::Uuid;

use super::layout::{Page, PageCtx, layout};
use super::rounds::FormView;
use crate::domain::panels::{
    ABSENT, Dashboard, InvitationRow, PRESENT, PanelView, PanelsOverview, ScheduleOverview,
    SessionView,
};
use crate::domain::round::{Msg, RoundState, format_wita};

fn msg(ctx: &PageCtx, m: &Msg) -> String {
    m.pick(ctx.lang).to_owned()
}

fn field_error(ctx: &PageCtx, f: &FormView, name: &str) -> Markup {
    html! {
        @if let Some(m) = f.errors.get(name) {
            p.field-error role="alert" { (msg(ctx, m)) }
        }
    }
}

fn form_alert(ctx: &PageCtx, f: &FormView) -> Markup {
    html! {
        @if let Some(m) = f.errors.get("") { div.alert role="alert" { (msg(ctx, m)) } }
    }
}

fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A labelled input with its error; `id` keeps several copies of one form on
/// a page apart.
fn input(ctx: &PageCtx, f: &FormView, id: &str, name: &str, label: &str, kind: &str) -> Markup {
    let invalid = f.errors.contains_key(name);
    html! {
        div {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) value=(f.values.get(name))
                aria-invalid=[invalid.then_some("true")];
            (field_error(ctx, f, name))
        }
    }
}

fn nav(ctx: &PageCtx, round_id: Uuid) -> Markup {
    let base = format!("/admin/seleksi/{round_id}");
    html! {
        p.muted {
            a href=(base) { (ctx.t("Ringkasan seleksi", "Round overview")) } " · "
            a href=(format!("{base}/dasbor")) { (ctx.t("Dasbor", "Dashboard")) } " · "
            a href=(format!("{base}/panel")) { (ctx.t("Panel penguji", "Panels")) } " · "
            a href=(format!("{base}/uji")) { (ctx.t("Jadwal uji", "Test schedule")) }
            " · " a href=(format!("/audit/seleksi/{round_id}/analitik")) { (ctx.t("Analitik panel", "Panel analytics")) }
            " · " a href=(format!("/audit/jejak?round={round_id}")) { (ctx.t("Jejak audit", "Audit trail")) }
        }
    }
}

// ---------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------

/// The panels page: the overview, the "new panel" form, and the one panel form
/// that was refused (panel id and its values and errors), if any.
#[derive(Clone, Debug)]
pub struct PanelsPage {
    pub overview: PanelsOverview,
    pub create: FormView,
    pub failed: Option<(Uuid, FormView)>,
    pub csrf: String,
}

/// `GET /admin/seleksi/{id}/panel`.
pub fn panels(ctx: &PageCtx, p: &PanelsPage) -> Markup {
    let o = &p.overview;
    let base = format!("/admin/seleksi/{}/panel", o.round.id);
    let body = html! {
        h1 { (ctx.t("Panel penguji", "Panels")) ": " (o.round.name) }
        (nav(ctx, o.round.id))
        p { (ctx.t("Minimal anggota per panel", "Minimum members per panel")) ": " strong { (o.round.min_panelists) } }
        @if o.panels.is_empty() {
            div.empty { p { (ctx.t("Belum ada panel.", "No panel yet.")) } }
        }
        @for panel in &o.panels {
            (panel_section(ctx, p, panel, &base))
        }
        h2 { (ctx.t("Buat panel", "New panel")) }
        form method="post" action=(base) {
            (csrf(&p.create.csrf))
            input type="hidden" name="idempotency_key" value=(p.create.values.get("idempotency_key"));
            (form_alert(ctx, &p.create))
            (input(ctx, &p.create, "name", "name", ctx.t("Nama panel", "Panel name"), "text"))
            button type="submit" { (ctx.t("Buat panel", "Create panel")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Panel penguji", "Panels").to_owned(),
            body,
        },
    )
}

fn panel_section(ctx: &PageCtx, p: &PanelsPage, panel: &PanelView, base: &str) -> Markup {
    let o = &p.overview;
    let blank = FormView::new(Default::default(), &p.csrf);
    let f = match &p.failed {
        Some((id, f)) if *id == panel.model.id => f,
        _ => &blank,
    };
    let action = format!("{base}/{}", panel.model.id);
    let member_ids: Vec<Uuid> = panel.members.iter().map(|m| m.account_id).collect();
    let chosen: Vec<String> = if f.errors.contains_key("formation") {
        f.values
            .get("formation")
            .split(' ')
            .map(str::to_owned)
            .collect()
    } else {
        panel.formations.iter().map(|x| x.id.to_string()).collect()
    };
    html! {
        section.panel id=(format!("panel-{}", panel.model.id)) {
            h2 { (panel.model.name) }
            (form_alert(ctx, f))
            @if panel.short {
                div.notice role="status" {
                    (ctx.t("Anggota kurang", "Not enough members")) ": "
                    (panel.members.len()) " / " (o.round.min_panelists)
                }
            }
            @for (who, kel) in &panel.scope_gaps {
                div.notice role="status" {
                    (msg(ctx, &Msg::new(
                        format!("{who} tidak memiliki cakupan kelurahan {kel}."),
                        format!("{who} has no scope for kelurahan {kel}."),
                    )))
                }
            }
            h3 { (ctx.t("Anggota", "Members")) }
            @if panel.members.is_empty() {
                p.muted { (ctx.t("Belum ada anggota.", "No members yet.")) }
            }
            ul {
                @for m in &panel.members {
                    li {
                        (m.name) " (" (m.email) ") "
                        form.inline method="post" action=(format!("{action}/anggota/{}/hapus", m.account_id)) {
                            (csrf(&p.csrf))
                            button.link type="submit" { (ctx.t("Keluarkan", "Remove")) }
                        }
                    }
                }
            }
            form method="post" action=(format!("{action}/anggota")) {
                (csrf(&p.csrf))
                div {
                    label for=(format!("account-{}", panel.model.id)) { (ctx.t("Tambah panelis", "Add a panelist")) }
                    select id=(format!("account-{}", panel.model.id)) name="account_id" {
                        option value="" { "—" }
                        @for a in o.panelists.iter().filter(|a| !member_ids.contains(&a.account_id)) {
                            option value=(a.account_id) selected[f.values.get("account_id") == a.account_id.to_string()] {
                                (a.name) " — " (a.scopes.join(", "))
                            }
                        }
                    }
                    (field_error(ctx, f, "account_id"))
                }
                button type="submit" { (ctx.t("Tambah", "Add")) }
            }
            h3 { (ctx.t("Formasi yang dinilai", "Formations assessed")) }
            form method="post" action=(format!("{action}/formasi")) {
                (csrf(&p.csrf))
                fieldset {
                    legend { (ctx.t("Satu formasi hanya untuk satu panel.", "A formation has one panel.")) }
                    @for fc in &o.formations {
                        @let id = fc.model.id.to_string();
                        div {
                            label {
                                input type="checkbox" name="formation" value=(id) checked[chosen.contains(&id)];
                                " " (fc.model.code) " — " (fc.model.name) " (" (fc.kelurahan_name) ")"
                                @if let Some((pid, pname)) = &fc.panel {
                                    @if *pid != panel.model.id { " · " em { (pname) } }
                                }
                            }
                        }
                    }
                    (field_error(ctx, f, "formation"))
                }
                button type="submit" { (ctx.t("Simpan formasi", "Save formations")) }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------

/// The schedule page: the overview, the "new session" form, the one refused
/// row form (session or invitation id, with values and errors), a notice,
/// and the invitation row whose form just succeeded.
#[derive(Clone, Debug)]
pub struct SchedulePage {
    pub overview: ScheduleOverview,
    pub create: FormView,
    pub failed: Option<(Uuid, FormView)>,
    pub notice: Option<Msg>,
    pub saved: Option<(Uuid, RowSaved)>,
    pub csrf: String,
}

/// What an invitation row's form just did; the page comes back at that row
/// and says so there, where the admin is looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSaved {
    Attendance,
    Decision,
    Moved,
}

fn saved_text(ctx: &PageCtx, s: RowSaved) -> &'static str {
    match s {
        RowSaved::Attendance => ctx.t("Kehadiran tercatat.", "Attendance recorded."),
        RowSaved::Decision => ctx.t("Keputusan tercatat.", "Decision recorded."),
        RowSaved::Moved => ctx.t(
            "Dipindahkan ke sesi ini; undangan baru dikirim.",
            "Moved to this session; a new invitation was sent.",
        ),
    }
}

/// `GET /admin/seleksi/{id}/uji`.
pub fn schedule(ctx: &PageCtx, p: &SchedulePage) -> Markup {
    let o = &p.overview;
    let base = format!("/admin/seleksi/{}/uji", o.round.id);
    let body = html! {
        h1 { (ctx.t("Jadwal uji kelayakan dan kepatutan", "Fit & proper test schedule")) ": " (o.round.name) }
        (nav(ctx, o.round.id))
        p { (ctx.t("Tahap", "Stage")) ": " strong { (super::round_state_label(ctx, o.round.state)) } }
        p { (ctx.t("Pendaftar memenuhi syarat yang belum diundang", "Eligible applicants not yet invited")) ": " strong { (o.waiting) } }
        @if let Some(n) = &p.notice { div.notice role="status" { (msg(ctx, n)) } }
        @if o.sessions.is_empty() {
            div.empty { p { (ctx.t("Belum ada sesi uji.", "No test session yet.")) } }
        }
        @for s in &o.sessions {
            (session_section(ctx, p, s, &base))
        }
        h2 { (ctx.t("Jadwalkan sesi", "Schedule a session")) }
        @if o.panels.is_empty() {
            p.muted { (ctx.t("Bentuk panel terlebih dahulu.", "Form a panel first.")) }
        }
        form method="post" action=(base) {
            (csrf(&p.create.csrf))
            input type="hidden" name="idempotency_key" value=(p.create.values.get("idempotency_key"));
            (form_alert(ctx, &p.create))
            (input(ctx, &p.create, "date", "date", ctx.t("Tanggal (WITA)", "Date (WITA)"), "date"))
            (input(ctx, &p.create, "time", "time", ctx.t("Jam (WITA)", "Time (WITA)"), "time"))
            (input(ctx, &p.create, "place", "place", ctx.t("Tempat", "Place"), "text"))
            (input(ctx, &p.create, "capacity", "capacity", ctx.t("Kapasitas", "Capacity"), "number"))
            div {
                label for="panel" { (ctx.t("Panel penguji", "Panel")) }
                select id="panel" name="panel" {
                    option value="" { "—" }
                    @for (id, name) in &o.panels {
                        option value=(id) selected[p.create.values.get("panel") == id.to_string()] { (name) }
                    }
                }
                (field_error(ctx, &p.create, "panel"))
            }
            button type="submit" { (ctx.t("Jadwalkan", "Schedule")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Jadwal uji", "Test schedule").to_owned(),
            body,
        },
    )
}

fn attendance_label(ctx: &PageCtx, a: Option<&str>) -> String {
    match a {
        Some(PRESENT) => ctx.t("Hadir", "Present").to_owned(),
        Some(ABSENT) => ctx.t("Tidak hadir", "Absent").to_owned(),
        _ => ctx.t("Belum dicatat", "Not recorded").to_owned(),
    }
}

fn session_section(ctx: &PageCtx, p: &SchedulePage, s: &SessionView, base: &str) -> Markup {
    let o = &p.overview;
    let blank = FormView::new(Default::default(), &p.csrf);
    let sf = match &p.failed {
        Some((id, f)) if *id == s.model.id => f,
        _ => &blank,
    };
    html! {
        section.session id=(format!("sesi-{}", s.model.id)) {
            h2 { (format_wita(s.model.starts_at)) " · " (s.model.place) }
            p {
                (ctx.t("Panel", "Panel")) ": " (s.panel_name) " · "
                (ctx.t("Terisi", "Filled")) ": " (s.invitations.len()) " / " (s.model.capacity)
            }
            (form_alert(ctx, sf))
            form method="post" action=(format!("{base}/{}/isi", s.model.id)) {
                (csrf(&p.csrf))
                button type="submit" { (ctx.t("Isi otomatis menurut formasi panel", "Fill automatically from the panel's formations")) }
            }
            @if !s.invitations.is_empty() {
                // On a phone each row stacks into one block (app.css,
                // `table.stack`), so the buttons are on screen, not in a
                // sideways scroll.
                table.stack aria-label=(ctx.t("Tabel undangan sesi", "Session invitations table")) {
                    thead { tr {
                        th { (ctx.t("No. pendaftaran", "Registration no.")) }
                        th { (ctx.t("Nama", "Name")) }
                        th { (ctx.t("Formasi", "Formation")) }
                        th { (ctx.t("Kehadiran", "Attendance")) }
                        th { (ctx.t("Tindakan", "Actions")) }
                    } }
                    tbody {
                        @for inv in &s.invitations {
                            (invitation_row(ctx, p, o, s, inv, base))
                        }
                    }
                }
            }
        }
    }
}

fn invitation_row(
    ctx: &PageCtx,
    p: &SchedulePage,
    o: &ScheduleOverview,
    s: &SessionView,
    inv: &InvitationRow,
    base: &str,
) -> Markup {
    let blank = FormView::new(Default::default(), &p.csrf);
    let f = match &p.failed {
        Some((id, f)) if *id == inv.id => f,
        _ => &blank,
    };
    let action = format!("{base}/undangan/{}", inv.id);
    let assessment = o.state() == RoundState::Assessment;
    let absent = inv.attendance.as_deref() == Some(ABSENT);
    let saved = p.saved.filter(|(id, _)| *id == inv.id).map(|(_, s)| s);
    html! {
        tr id=(format!("undangan-{}", inv.id)) {
            td data-label=(ctx.t("No. pendaftaran", "Registration no.")) { (inv.registration_no) }
            td data-label=(ctx.t("Nama", "Name")) { bdi { (inv.full_name) } }
            td data-label=(ctx.t("Formasi", "Formation")) { (inv.formation_code) }
            td data-label=(ctx.t("Kehadiran", "Attendance")) {
                (attendance_label(ctx, inv.attendance.as_deref()))
                @if inv.attendance.as_deref() == Some(ABSENT) {
                    @if let Some(d) = &inv.decision {
                        p { strong { (ctx.t("Keputusan", "Decision")) } ": " (d)
                            @if let Some(by) = &inv.decided_by { " — " (by) } }
                    } @else {
                        p.notice { (ctx.t("Ketidakhadiran belum diputuskan.", "Absence not decided yet.")) }
                    }
                }
            }
            td {
                @if let Some(s) = saved { p.notice role="status" { (saved_text(ctx, s)) } }
                (form_alert(ctx, f))
                @if !absent { (field_error(ctx, f, "decision")) }
                @if assessment {
                    form.inline method="post" action=(format!("{action}/kehadiran")) {
                        (csrf(&p.csrf))
                        @if absent {
                            // Absent → present is a change of record: it
                            // asks why, and the trail keeps the answer.
                            label for=(format!("reason-{}", inv.id)) { (ctx.t("Alasan bila diubah menjadi hadir", "Reason if changed to present")) }
                            input type="text" id=(format!("reason-{}", inv.id)) name="reason" maxlength="500" value=(f.values.get("reason"));
                            (field_error(ctx, f, "reason"))
                        }
                        button type="submit" name="attendance" value=(PRESENT) { (ctx.t("Hadir", "Present")) }
                        " "
                        button type="submit" name="attendance" value=(ABSENT) { (ctx.t("Tidak hadir", "Absent")) }
                    }
                    (field_error(ctx, f, "attendance"))
                    @if inv.attendance.as_deref() == Some(ABSENT) {
                        form method="post" action=(format!("{action}/keputusan")) {
                            (csrf(&p.csrf))
                            label for=(format!("decision-{}", inv.id)) { (ctx.t("Keputusan atas ketidakhadiran", "Decision on the absence")) }
                            textarea id=(format!("decision-{}", inv.id)) name="decision" rows="2" {
                                (f.values.get("decision"))
                            }
                            (field_error(ctx, f, "decision"))
                            button type="submit" { (ctx.t("Catat keputusan", "Record decision")) }
                        }
                    }
                }
                @if inv.attendance.is_none() && o.sessions.len() > 1 {
                    form method="post" action=(format!("{action}/pindah")) {
                        (csrf(&p.csrf))
                        label for=(format!("move-{}", inv.id)) { (ctx.t("Pindah ke sesi", "Move to session")) }
                        select id=(format!("move-{}", inv.id)) name="session" {
                            @for other in o.sessions.iter().filter(|x| x.model.id != s.model.id) {
                                option value=(other.model.id) selected[f.values.get("session") == other.model.id.to_string()] {
                                    (format_wita(other.model.starts_at)) " · " (other.model.place)
                                }
                            }
                        }
                        (field_error(ctx, f, "session"))
                        button type="submit" { (ctx.t("Pindahkan", "Move")) }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------

/// `GET /admin/seleksi/{id}/dasbor`.
/// `failing_witnesses`: `(witness, last error)` of every log witness whose
/// last cosigning attempt failed (they never block anything, so an admin
/// must be told here).
pub fn dashboard(ctx: &PageCtx, d: &Dashboard, failing_witnesses: &[(String, String)]) -> Markup {
    let f = &d.funnel;
    // Cumulative: each step counts everyone who got at least that far.
    let steps: [(&str, &str, &str, u64); 5] = [
        ("registered", "Terdaftar", "Registered", f.registered),
        ("submitted", "Dikirim", "Submitted", f.submitted),
        ("eligible", "Memenuhi syarat", "Eligible", f.eligible),
        ("invited", "Diundang uji", "Invited to the test", f.invited),
        ("attended", "Hadir", "Attended", f.attended),
    ];
    // Side counts an admin acts on: drafts to remind, withdrawals that
    // explain a gap between the funnel and the public count, absences to
    // decide.
    let aside: [(&str, &str, &str, u64); 3] = [
        (
            "drafts",
            "Masih draf (belum dikirim)",
            "Still in draft (not submitted)",
            f.drafts,
        ),
        (
            "withdrawn",
            "Dibatalkan pendaftar",
            "Withdrawn",
            f.withdrawn,
        ),
        ("absent", "Tidak hadir", "Absent", f.absent),
    ];
    let body = html! {
        h1 { (ctx.t("Dasbor", "Dashboard")) ": " (d.round.name) }
        (nav(ctx, d.round.id))
        p { (ctx.t("Tahap", "Stage")) ": " strong { (super::round_state_label(ctx, d.round.state)) } }
        (super::panel_review::dashboard_section(ctx, &d.second_look))
        @if !failing_witnesses.is_empty() {
            section.card.overdue #saksi-log {
                h2 { (ctx.t("Saksi log tidak menandatangani", "Log witnesses not cosigning")) }
                p { (ctx.t(
                    "Platform tetap berjalan, tetapi checkpoint terbaru belum ditandatangani bersama oleh saksi berikut:",
                    "The platform keeps working, but the latest checkpoint is not cosigned by these witnesses:"
                )) }
                ul {
                    @for (name, error) in failing_witnesses {
                        li { strong { (name) } ": " (error) }
                    }
                }
                p { a href="/log" { (ctx.t("Lihat log audit publik", "See the public audit log")) } }
            }
        }
        h2 { (ctx.t("Alur pendaftar", "Applicant funnel")) }
        table.funnel {
            tbody {
                @for (key, id, en, n) in steps {
                    tr data-step=(key) { th scope="row" { (ctx.t(id, en)) } td { (n) } }
                }
            }
        }
        table.funnel-aside {
            tbody {
                @for (key, id, en, n) in aside {
                    tr data-step=(key) { th scope="row" { (ctx.t(id, en)) } td { (n) } }
                }
            }
        }
        h2 { (ctx.t("Antrean verifikasi per kelurahan", "Verification backlog per kelurahan")) }
        @if d.backlog.is_empty() {
            p.muted { (ctx.t("Tidak ada pendaftaran yang menunggu keputusan.", "No application awaits a decision.")) }
        } @else {
            table {
                thead { tr { th { "Kelurahan" } th { (ctx.t("Menunggu", "Waiting")) } } }
                tbody {
                    @for b in &d.backlog {
                        tr { td { (b.kelurahan_code) " " (b.kelurahan_name) } td { (b.count) } }
                    }
                }
            }
        }
        h2 { (ctx.t("Panel dengan anggota kurang", "Panels without enough members")) }
        @if d.short_panels.is_empty() {
            p.muted { (ctx.t("Semua panel cukup anggota.", "Every panel has enough members.")) }
        } @else {
            ul {
                @for (name, n) in &d.short_panels {
                    li { (name) ": " (n) " / " (d.round.min_panelists) }
                }
            }
        }
        h2 { (ctx.t("Formasi tanpa panel", "Formations without a panel")) }
        @if d.unassigned.is_empty() {
            p.muted { (ctx.t("Setiap formasi memiliki panel.", "Every formation has a panel.")) }
        } @else {
            ul {
                @for fc in &d.unassigned {
                    li { (fc.model.code) " — " (fc.model.name) " (" (fc.kelurahan_name) ")" }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Dasbor seleksi", "Round dashboard").to_owned(),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;
    use crate::domain::round::RoundHead;

    #[test]
    fn names_on_the_dashboard_are_escaped() {
        let ctx = PageCtx {
            lang: Lang::En,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        };
        let round = RoundHead {
            id: Uuid::nil(),
            name: "<b>Rekrutmen</b>".into(),
            state: "draft".parse().expect("state"),
            min_panelists: 3,
        };
        let d = Dashboard {
            round,
            funnel: Default::default(),
            backlog: vec![],
            short_panels: vec![("<script>x</script>".into(), 1)],
            unassigned: vec![],
            second_look: crate::domain::panel_review::SecondLookStatus {
                round_id: Uuid::nil(),
                before_publication: false,
                marked: vec![],
                pending: None,
            },
        };
        let html = dashboard(&ctx, &d, &[]).into_string();
        assert!(!html.contains("<script>x"));
        assert!(!html.contains("saksi-log"), "no witness, no notice");
        let failing = [("A<i>".to_owned(), "HTTP 422".to_owned())];
        let html = dashboard(&ctx, &d, &failing).into_string();
        assert!(html.contains("Log witnesses not cosigning"));
        assert!(html.contains("<strong>A&lt;i&gt;</strong>: HTTP 422"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;: 1 / 3"));
        assert!(html.contains("&lt;b&gt;Rekrutmen"));
    }
}
