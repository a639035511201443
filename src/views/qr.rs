//! QR codes as inline SVG, for receipts that are printed (registration
//! number and status link).

use maud::{Markup, PreEscaped};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Pixels per QR module. A status link (~60 characters) becomes a version 4
/// code of 33 modules plus a 4-module quiet zone on each side, 164 px: about
/// 4 cm on paper, comfortably scanned by a phone from a printed receipt.
const MODULE_PX: u32 = 4;

/// `text` as an inline `<svg>` QR code (error correction M, which survives a
/// crease or a smudge on paper), black on white, with its quiet zone.
///
/// Empty markup when `text` is too long for any QR code (over ~2 KB); such a
/// text is a programming error, so it is logged rather than shown.
#[must_use]
pub fn svg(text: &str) -> Markup {
    let code = match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!(error = %e, len = text.len(), "text does not fit in a QR code");
            return PreEscaped(String::new());
        }
    };
    let image = code
        .render::<svg::Color<'_>>()
        .module_dimensions(MODULE_PX, MODULE_PX)
        .build();
    // The XML declaration is not allowed inside HTML.
    let body = image.find("<svg").map_or(image.as_str(), |at| &image[at..]);
    // Safe to embed unescaped: the renderer writes only fixed markup and
    // numbers (module rectangles); `text` itself never appears in the output.
    PreEscaped(body.replacen(
        "<svg ",
        r#"<svg class="qr" role="img" aria-label="QR code" "#,
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(svg: &str, name: &str) -> u32 {
        let marker = format!(" {name}=\"");
        let start = svg.find(&marker).unwrap() + marker.len();
        let end = svg[start..].find('"').unwrap() + start;
        svg[start..end].parse().unwrap()
    }

    #[test]
    fn a_status_link_becomes_a_small_inline_svg() {
        let text = "https://pokmas.samarindakota.go.id/status/2023-6472011001-0042";
        let out = svg(text).into_string();
        assert!(
            out.starts_with(r#"<svg class="qr" role="img""#),
            "{}",
            &out[..60]
        );
        assert!(out.ends_with("</svg>"));
        assert!(!out.contains("<?xml"));
        let (w, h) = (attr(&out, "width"), attr(&out, "height"));
        assert_eq!(w, h);
        assert!((100..=300).contains(&w), "width {w}");
        assert_eq!(w % MODULE_PX, 0);
        assert!(out.len() < 20_000, "{} bytes", out.len());
        assert!(
            !out.contains("2023-6472011001"),
            "text is encoded, not written"
        );
    }

    #[test]
    fn same_text_same_code_other_text_other_code() {
        let a = svg("2023-6472011001-0042").into_string();
        assert_eq!(a, svg("2023-6472011001-0042").into_string());
        assert_ne!(a, svg("2023-6472011001-0043").into_string());
    }

    #[test]
    fn longer_text_needs_more_modules() {
        let short = attr(&svg("A").into_string(), "width");
        let long = attr(&svg(&"A".repeat(200)).into_string(), "width");
        // Version 1 is 21 modules, plus the 4-module quiet zone on both sides.
        assert_eq!(short, (21 + 8) * MODULE_PX);
        assert!(long > short);
    }

    #[test]
    fn text_too_long_for_a_qr_code_renders_nothing() {
        assert!(svg(&"x".repeat(5000)).into_string().is_empty());
    }
}
