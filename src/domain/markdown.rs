//! Markdown of announcements and FAQ answers, rendered to HTML that is safe to
//! put in a page: whatever an editor types (raw HTML, `javascript:` links,
//! event attributes) is parsed by `pulldown-cmark` and then cleaned by
//! `ammonia`'s allow-list, so the strict content security policy never has
//! to catch it.

use pulldown_cmark::{Options, Parser, html};

/// Renders `markdown` to sanitised HTML. Links get `rel="noopener noreferrer"`.
#[must_use]
pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, parser);
    ammonia::Builder::default()
        .rm_tags(&["img"])
        .clean(&raw)
        .to_string()
}

/// The first paragraph as plain text, at most `max` characters, for
/// summaries and feeds.
#[must_use]
pub fn summary(markdown: &str, max: usize) -> String {
    let text: String = Parser::new(markdown)
        .filter_map(|e| match e {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => Some(t.to_string()),
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => {
                Some(" ".to_owned())
            }
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Paragraph) => Some("\n".to_owned()),
            _ => None,
        })
        .collect();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    if first.chars().count() <= max {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html(
            "# Jadwal\n\nPendaftaran **dibuka** [di sini](https://samarindakota.go.id).",
        );
        assert!(html.contains("<h1>Jadwal</h1>"), "{html}");
        assert!(html.contains("<strong>dibuka</strong>"), "{html}");
        assert!(
            html.contains(r#"href="https://samarindakota.go.id""#),
            "{html}"
        );
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn scripts_event_handlers_and_javascript_links_are_removed() {
        let html = to_safe_html(
            "<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\" onclick=\"x()\">klik</a> [b](javascript:alert(2)) <img src=x onerror=alert(3)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(
            !html.contains("onclick") && !html.contains("onerror"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn the_summary_is_the_first_paragraph_cut_to_length() {
        assert_eq!(
            summary("**Halo** warga\nSamarinda\n\nKedua", 100),
            "Halo warga Samarinda"
        );
        assert_eq!(summary("abcdefghij", 5), "abcd…");
    }
}
