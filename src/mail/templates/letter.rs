//! One message as a letter (greeting, blocks, closing) and its two
//! renderings, plain text and small HTML, which walk the same letter.

use maud::{DOCTYPE, Markup, html};

use super::Locale;
use crate::domain::programme::Programme;

/// One message, independent of its text or HTML form.
pub(super) struct Letter {
    pub(super) subject: String,
    pub(super) name: String,
    pub(super) blocks: Vec<Block>,
}

pub(super) enum Block {
    Para(String),
    /// A button in HTML; the label and the bare URL in text.
    Action {
        label: String,
        url: String,
    },
    /// Label/value pairs: a table in HTML, aligned lines in text.
    Facts(Vec<(String, String)>),
    List(Vec<String>),
    /// Secondary information, smaller in HTML.
    Note(String),
}

struct Frame {
    greeting: String,
    closing: &'static str,
    signature: [String; 2],
    footer: &'static str,
    button_fallback: &'static str,
    brand: String,
}

/// The frame of a letter: greeting, the committee's signature and the brand
/// line name the round's programme `p` (the defaults for the platform's own
/// mails).
fn frame(name: &str, locale: Locale, p: &Programme) -> Frame {
    match locale {
        Locale::Id => Frame {
            greeting: format!("Yth. Bapak/Ibu {name},"),
            closing: "Hormat kami,",
            signature: [p.committee().id, "Kota Samarinda".into()],
            footer: "Email ini dikirim secara otomatis; mohon tidak membalas email ini.",
            button_fallback: "Jika tombol tidak berfungsi, salin tautan berikut ke peramban Anda:",
            brand: format!("{} · Kota Samarinda", p.selection_title().id),
        },
        Locale::En => Frame {
            greeting: format!("Dear {name},"),
            closing: "Kind regards,",
            signature: [p.committee().en, "Samarinda City".into()],
            footer: "This email was sent automatically; please do not reply to it.",
            button_fallback: "If the button does not work, copy this link into your browser:",
            brand: format!("{} · Samarinda City", p.selection_title().en),
        },
    }
}

pub(super) fn render_text(letter: &Letter, locale: Locale, p: &Programme) -> String {
    let f = frame(&letter.name, locale, p);
    let mut parts: Vec<String> = vec![f.greeting];
    for block in &letter.blocks {
        parts.push(match block {
            Block::Para(p) | Block::Note(p) => p.clone(),
            Block::Action { label, url } => format!("{label}:\n{url}"),
            Block::Facts(facts) => {
                let width = facts
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                facts
                    .iter()
                    .map(|(k, v)| format!("{k:<width$} : {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Block::List(items) => items
                .iter()
                .map(|i| format!("- {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    parts.push(format!(
        "{}\n{}\n{}",
        f.closing, f.signature[0], f.signature[1]
    ));
    // "-- " is the conventional signature separator that mail clients recognise.
    parts.push(format!("-- \n{}", f.footer));
    let mut text = parts.join("\n\n");
    text.push('\n');
    text
}

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const P: &str = "margin:0 0 16px;";

pub(super) fn render_html(letter: &Letter, locale: Locale, p: &Programme) -> Markup {
    let f = frame(&letter.name, locale, p);
    html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (letter.subject) }
            }
            body style="margin:0;padding:0;background:#f3f4f6;" {
                div style={ "max-width:560px;margin:0 auto;padding:24px 12px;" (FONT) "font-size:16px;line-height:1.5;color:#1f2933;" } {
                    p style="margin:0 0 12px;font-size:13px;color:#52606d;" { (f.brand) }
                    div style="background:#ffffff;border:1px solid #e4e7eb;border-radius:6px;padding:24px;" {
                        p style=(P) { (f.greeting) }
                        @for block in &letter.blocks {
                            (render_block(block, &f))
                        }
                        p style="margin:24px 0 0;" {
                            (f.closing) br;
                            strong { (f.signature[0]) } br;
                            (f.signature[1])
                        }
                    }
                    p style="margin:12px 0 0;font-size:12px;color:#7b8794;" { (f.footer) }
                }
            }
        }
    }
}

fn render_block(block: &Block, f: &Frame) -> Markup {
    match block {
        Block::Para(p) => html! { p style=(P) { (p) } },
        Block::Note(p) => html! { p style="margin:0 0 16px;font-size:14px;color:#52606d;" { (p) } },
        Block::Action { label, url } => html! {
            p style="margin:24px 0;" {
                a href=(url) style="display:inline-block;background:#0b6e4f;color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 20px;border-radius:4px;" { (label) }
            }
            p style="margin:0 0 16px;font-size:13px;color:#52606d;" {
                (f.button_fallback) br;
                a href=(url) style="color:#0b6e4f;word-break:break-all;" { (url) }
            }
        },
        Block::Facts(facts) => html! {
            table role="presentation" style="border-collapse:collapse;margin:0 0 16px;" {
                @for (k, v) in facts {
                    tr {
                        td style="padding:4px 16px 4px 0;color:#52606d;vertical-align:top;" { (k) }
                        td style="padding:4px 0;font-weight:bold;vertical-align:top;" { (v) }
                    }
                }
            }
        },
        Block::List(items) => html! {
            ul style="margin:0 0 16px;padding-left:24px;" {
                @for item in items { li { (item) } }
            }
        },
    }
}
