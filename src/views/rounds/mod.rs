//! Round pages: the admin's round list, round detail, criteria, requirements
//! and formations pages, and the public round page `/seleksi/{slug}`.
//!
//! Forms are plain HTML (no JavaScript). Every form page takes a [`FormView`]:
//! the values to show (what was typed, on an error) and one message per field.

mod criteria;
mod formations;
mod list;
mod programme;
mod public;
mod requirements;
mod settings;
pub use criteria::{admin_criteria, criteria_values};
use criteria::{criteria_table, used_rows};
pub use formations::{FormationsPage, admin_formations};
use formations::{kelurahan_of, rt_text};
pub use list::{RoundRow, admin_list, admin_list_with};
pub use programme::{programme_section, programme_values};
pub use public::public_round;
use requirements::requirements_list;
pub use requirements::{admin_requirements, requirement_values};
use settings::schedule_table;
pub use settings::{admin_round, admin_round_with_programme, admin_round_with_stages};

use maud::{Markup, html};

use super::layout::PageCtx;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::RoundDetail;
use crate::domain::round::{Msg, RoundState};

/// A form's values, errors and CSRF token.
#[derive(Clone, Debug, Default)]
pub struct FormView {
    pub values: FormData,
    pub errors: FieldErrors,
    pub csrf: String,
}

impl FormView {
    /// A form showing `values` with no errors.
    pub fn new(values: FormData, csrf: &str) -> FormView {
        FormView {
            values,
            errors: FieldErrors::new(),
            csrf: csrf.to_owned(),
        }
    }
}

pub(super) fn msg(ctx: &PageCtx, m: &Msg) -> String {
    m.pick(ctx.lang).to_owned()
}

/// The message of one field, if any, right under it.
pub(super) fn field_error(ctx: &PageCtx, f: &FormView, name: &str) -> Markup {
    html! {
        @if let Some(m) = f.errors.get(name) {
            p.field-error id=(format!("{name}-error")) role="alert" { (msg(ctx, m)) }
        }
    }
}

/// A labelled input with its error.
pub(super) fn input(ctx: &PageCtx, f: &FormView, name: &str, label: &str, kind: &str) -> Markup {
    let invalid = f.errors.contains_key(name);
    html! {
        div {
            label for=(name) { (label) }
            input id=(name) name=(name) type=(kind) value=(f.values.get(name))
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{name}-error"))];
            (field_error(ctx, f, name))
        }
    }
}

/// A labelled choice among `options` (value, Indonesian, English) with its
/// error.
pub(super) fn choice(
    ctx: &PageCtx,
    f: &FormView,
    name: &str,
    label: &str,
    options: &[(&str, &str, &str)],
) -> Markup {
    html! {
        div {
            label for=(name) { (label) }
            select id=(name) name=(name) {
                @for (value, id, en) in options {
                    option value=(value) selected[f.values.get(name) == *value] { (ctx.t(id, en)) }
                }
            }
            (field_error(ctx, f, name))
        }
    }
}

fn textarea(ctx: &PageCtx, f: &FormView, name: &str, label: &str, rows: u32) -> Markup {
    html! {
        div {
            label for=(name) { (label) }
            textarea id=(name) name=(name) rows=(rows) { (f.values.get(name)) }
            (field_error(ctx, f, name))
        }
    }
}

/// The error summary at the top of a refused round form, each field a link.
pub(super) fn form_alert(ctx: &PageCtx, f: &FormView) -> Markup {
    let note = f
        .errors
        .keys()
        .any(|k| !k.is_empty())
        .then(|| ctx.t("Belum ada yang disimpan.", "Nothing was saved."));
    super::error_summary::of_fields(ctx, &f.errors, |_| None, note)
}

pub(super) fn csrf(f: &FormView) -> Markup {
    html! { input type="hidden" name="csrf" value=(f.csrf); }
}

fn state_badge(ctx: &PageCtx, state: RoundState) -> String {
    msg(ctx, &state.label())
}

fn admin_nav(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let base = format!("/admin/seleksi/{}", d.round.id);
    html! {
        p.muted {
            a href="/admin/seleksi" { (ctx.t("Semua seleksi", "All rounds")) } " · "
            a href=(base) { (ctx.t("Ringkasan & jadwal", "Overview & schedule")) } " · "
            a href=(format!("{base}/kriteria")) { (ctx.t("Kriteria", "Criteria")) } " · "
            a href=(format!("{base}/persyaratan")) { (ctx.t("Persyaratan", "Requirements")) } " · "
            a href=(format!("{base}/formasi")) { (ctx.t("Formasi", "Formations")) }
            " · " a href=(format!("{base}/panel")) { (ctx.t("Panel penguji", "Panels")) }
            " · " a href=(format!("{base}/uji")) { (ctx.t("Jadwal uji", "Test schedule")) }
            " · " a href=(format!("{base}/dasbor")) { (ctx.t("Dasbor", "Dashboard")) }
            " · " a href=(format!("{base}/hasil")) { (ctx.t("Hasil", "Results")) }
            " · " a href=(format!("{base}/sanggahan")) { (ctx.t("Sanggahan", "Objections")) }
            @if d.round.state == crate::domain::round::RoundState::Final {
                " · " a href=(format!("{base}/pasca-final")) { (ctx.t("Setelah hasil akhir", "After the final result")) }
            }
            " · " a href=(format!("/audit/seleksi/{}", d.round.id)) { (ctx.t("Ruang audit", "Audit workspace")) }
            " · " a href=(format!("{base}/saksi")) { (ctx.t("Saksi undian", "Lottery witnesses")) }
            " · " a href=(format!("{base}/progres")) { (ctx.t("Progres penilaian", "Scoring progress")) }
            @if d.criteria.iter().any(|c| c.kind == "imported") {
                " · " a href=(format!("{base}/impor-nilai")) { (ctx.t("Impor nilai", "Import values")) }
            }
            @if d.round.is_public() {
                " · " a href=(format!("/seleksi/{}", d.round.slug)) { (ctx.t("Halaman publik", "Public page")) }
            }
        }
    }
}

/// The frozen banner; `refused` says an edit was just refused, which on a
/// frozen page has no form to show its message next to.
pub(super) fn frozen_notice(ctx: &PageCtx, d: &RoundDetail, refused: bool) -> Markup {
    html! {
        @if !d.state().is_editable() {
            @if refused {
                div.alert role="alert" { (ctx.t("Perubahan tidak disimpan.", "The change was not saved.")) }
            }
            div.notice {
                (msg(ctx, &crate::domain::round::frozen_msg()))
                @if let Some(h) = &d.round.frozen_hash { br; (ctx.t("Hash aturan", "Rules hash")) ": " code.hash { (h) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn typed_values_and_errors_are_escaped_and_kept() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        };
        let mut f = FormView::new(
            FormData::from_pairs(vec![("name".into(), "<script>x</script>".into())]),
            "tok",
        );
        f.errors
            .insert("name".into(), Msg::new("Nama <salah>", "Name <bad>"));
        let html = admin_list(&ctx, &[], &f).into_string();
        assert!(html.contains("value=\"&lt;script&gt;x&lt;/script&gt;\""));
        assert!(html.contains("Nama &lt;salah&gt;"));
        assert!(!html.contains("<script>x"));
    }
}
