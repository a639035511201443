//! The error summary at the top of a long refused form: how many fields need
//! correcting, each one a link to its field, so nobody has to scroll 1,500 px
//! to find out why nothing happened.
//!
//! No JavaScript: the summary takes the focus with `autofocus` (on a
//! `tabindex="-1"` region), and forms that use it post to
//! `…#ringkasan-galat` ([`action`]), so the browser lands on it too.

use maud::{Markup, html};

use super::layout::PageCtx;
use crate::domain::msg::Msg;

/// The summary's element id, the anchor forms post to.
pub const ANCHOR: &str = "ringkasan-galat";

/// A form's `action` that lands on the summary when the answer is a refusal.
#[must_use]
pub fn action(path: &str) -> String {
    format!("{path}#{ANCHOR}")
}

/// One entry: the id of the field to jump to, and what is wrong with it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The `id` of the field (or its fieldset).
    pub target: String,
    /// The field's label, when it is not already part of the message.
    pub label: Option<String>,
    pub message: String,
}

/// The summary; nothing when there is nothing to correct. `form_message` is a
/// refusal of the whole form (no field to link), `note` a sentence after
/// the count (e.g. "the other fields were saved").
pub fn summary(
    ctx: &PageCtx,
    entries: &[Entry],
    form_message: Option<&str>,
    note: Option<&str>,
) -> Markup {
    if entries.is_empty() && form_message.is_none() {
        return html! {};
    }
    let heading = format!("{ANCHOR}-judul");
    html! {
        div.alert.error-summary id=(ANCHOR) role="alert" tabindex="-1" autofocus aria-labelledby=(heading) {
            h2 id=(heading) {
                @if entries.is_empty() {
                    (ctx.t("Belum tersimpan", "Not saved"))
                } @else {
                    (ctx.t(
                        &format!("Ada {} isian yang perlu diperbaiki", entries.len()),
                        &format!("{} {} need correcting", entries.len(), if entries.len() == 1 { "field" } else { "fields" }),
                    ))
                }
            }
            @if let Some(m) = form_message { p { (m) } }
            @if let Some(n) = note { p { (n) } }
            @if !entries.is_empty() {
                ul {
                    @for e in entries {
                        li { a href=(format!("#{}", e.target)) {
                            @if let Some(l) = &e.label { (l) ": " }
                            (e.message)
                        } }
                    }
                }
            }
        }
    }
}

/// The summary of a form whose errors are keyed by field id (`""` for the
/// whole form), in the reader's language; `label` names a field when its
/// message does not.
pub fn of_fields<'a>(
    ctx: &PageCtx,
    errors: impl IntoIterator<Item = (&'a String, &'a Msg)>,
    label: impl Fn(&str) -> Option<String>,
    note: Option<&str>,
) -> Markup {
    let mut form_message = None;
    let mut entries = Vec::new();
    for (field, m) in errors {
        let text = m.pick(ctx.lang).to_owned();
        if field.is_empty() {
            form_message = Some(text);
        } else {
            entries.push(Entry {
                target: field.clone(),
                label: label(field),
                message: text,
            });
        }
    }
    summary(ctx, &entries, form_message.as_deref(), note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn links_each_field_and_says_how_many() {
        let ctx = PageCtx {
            lang: Lang::En,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        };
        let errors: std::collections::BTreeMap<String, Msg> = [
            ("nik".to_owned(), Msg::new("Wajib.", "Required.")),
            ("phone".to_owned(), Msg::new("Salah.", "Wrong.")),
        ]
        .into_iter()
        .collect();
        let html = of_fields(&ctx, &errors, |f| Some(f.to_uppercase()), None).into_string();
        assert!(html.contains("2 fields need correcting"), "{html}");
        assert!(
            html.contains(r##"<a href="#nik">NIK: Required.</a>"##),
            "{html}"
        );
        assert!(html.contains(r#"id="ringkasan-galat""#));
        assert!(
            of_fields(&ctx, &std::collections::BTreeMap::new(), |_| None, None)
                .into_string()
                .is_empty()
        );
    }
}
