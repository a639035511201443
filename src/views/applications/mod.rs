//! Application pages: choosing the area, the application form, the receipt,
//! the status page, withdrawal, the help desk and the public status check.
//!
//! Plain forms, no JavaScript, one column that fits a 360 px phone. Every
//! error sits next to its field in the reader's language.

mod area;
mod check;
mod desk;
mod form;
mod receipt;
mod status;
pub use area::{AreaStep, area_step, sign_in_first};
pub use check::{CheckPage, check, objection_slip};
pub use desk::{DeskPage, desk};
pub use form::{FormPage, form};
pub use receipt::{NewPin, ReceiptPage, receipt};
pub use status::{StatusPage, reissue_confirm, status, withdraw_confirm};
use status::{headline, steps};

use maud::{Markup, html};

use super::layout::PageCtx;
use crate::domain::form::FieldErrors;
use crate::domain::round::Msg;

fn m(ctx: &PageCtx, msg: &Msg) -> String {
    msg.pick(ctx.lang).to_owned()
}

fn error(ctx: &PageCtx, errors: &FieldErrors, name: &str) -> Markup {
    html! {
        @if let Some(e) = errors.get(name) {
            p.field-error id=(format!("{name}-error")) role="alert" { (m(ctx, e)) }
        }
    }
}

/// The summary above a refused form, each field a link to it; `saved` says
/// the valid fields were kept in the draft (true on the application form,
/// where each save stores them).
fn form_alert(ctx: &PageCtx, errors: &FieldErrors, saved: bool) -> Markup {
    form_summary(ctx, errors, saved, |_| None)
}

fn form_summary(
    ctx: &PageCtx,
    errors: &FieldErrors,
    saved: bool,
    label: impl Fn(&str) -> Option<String>,
) -> Markup {
    let note = (saved && errors.keys().any(|k| !k.is_empty())).then(|| {
        ctx.t(
            "Isian lain sudah tersimpan.",
            "The other fields were saved.",
        )
    });
    super::error_summary::of_fields(ctx, errors, label, note)
}

/// The state of an application in words.
#[must_use]
pub fn state_label(ctx: &PageCtx, state: crate::domain::application::ApplicationState) -> String {
    let m = state.label();
    ctx.t(&m.id, &m.en).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::ApplicationState;
    use crate::domain::application_status::{PublicStatus, Timeline};
    use crate::domain::lang::Lang;

    #[test]
    fn the_area_lists_start_without_a_chosen_entry() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/seleksi/r/daftar".into(),
            signed_in: None,
            csrf: None,
        };
        let html = area_step(
            &ctx,
            &AreaStep {
                kecamatan: vec![
                    ("64.72.01".into(), "Samarinda Ulu".into()),
                    ("64.72.09".into(), "Samarinda Kota".into()),
                ],
                kelurahan: vec![("64.72.01.1001".into(), "Sidodadi".into())],
                selected_kecamatan: "64.72.01".into(),
                rts: vec![1, 2],
                ..AreaStep::default()
            },
        )
        .into_string();
        assert!(html.contains(r#"<option value="" disabled selected>— pilih RT —</option>"#));
        assert!(
            html.contains(r#"<option value="" disabled selected>— pilih kelurahan —</option>"#)
        );
        assert!(!html.contains(r#"<option value="1" selected"#));
        let fresh = area_step(
            &ctx,
            &AreaStep {
                kecamatan: vec![
                    ("64.72.01".into(), "Samarinda Ulu".into()),
                    ("64.72.09".into(), "Samarinda Kota".into()),
                ],
                ..AreaStep::default()
            },
        )
        .into_string();
        assert!(
            fresh.contains(r#"<option value="" disabled selected>— pilih kecamatan —</option>"#),
            "{fresh}"
        );
        assert!(!fresh.contains(r#"" selected>Samarinda"#), "{fresh}");
    }

    #[test]
    fn typed_text_is_escaped_on_the_status_check() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/cek-status".into(),
            signed_in: None,
            csrf: None,
        };
        let html = check(
            &ctx,
            &CheckPage {
                number: "\"><script>alert(1)</script>".into(),
                pin: String::new(),
                result: Some(PublicStatus {
                    first_name: "<b>Siti</b>".into(),
                    state: "submitted".parse().expect("state"),
                    round_name: "R".into(),
                    registration_no: "2027-6472091001-0001".into(),
                    submitted_at: None,
                    scores: None,
                    application_id: uuid::Uuid::nil(),
                    objections: Vec::new(),
                    may_object: false,
                    stage_window: None,
                    contest_options: Vec::new(),
                    timeline: Timeline {
                        headline: crate::domain::status_headline::headline(
                            &Timeline::default().facts(
                                ApplicationState::Submitted,
                                false,
                                time::OffsetDateTime::UNIX_EPOCH,
                            ),
                        ),
                        ..Timeline::default()
                    },
                }),
                error: None,
                ..CheckPage::default()
            },
        )
        .into_string();
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>Siti"));
        assert!(html.contains("&lt;b&gt;Siti&lt;/b&gt;"));
        assert!(html.contains("Terkirim, menunggu verifikasi"));
    }
}
