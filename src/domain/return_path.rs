//! The one rule for "where to go back to" after a language switch or a log
//! in (`?kembali=`, `?lanjut=`): only a path on this site, in a form that
//! every browser resolves to this site and that fits in a `Location` header.
//!
//! Browsers resolve a `Location` by the WHATWG URL rules, which drop tabs and
//! line feeds anywhere and treat `\` like `/`: `/\t/evil.example` becomes
//! `//evil.example`, another site. So the rule refuses every control
//! character and backslash outright instead of trying to clean them, refuses
//! a second leading slash, and looks through percent-encoding as well, in
//! case a later hop decodes it once more.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// Bytes written percent-encoded in a return path: space and everything
/// outside ASCII (a header value carries visible ASCII only).
const ENCODE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

/// The same-site path to return to, ready for a `Location` header, or
/// `None` when `raw` could lead anywhere else (or is not a path at all).
#[must_use]
pub fn return_path(raw: &str) -> Option<String> {
    if !is_local(raw) {
        return None;
    }
    // Percent-decoding repeatedly must not reveal another site either.
    let mut decoded = raw.to_owned();
    for _ in 0..4 {
        let next = percent_decode_str(&decoded)
            .decode_utf8_lossy()
            .into_owned();
        if next == decoded {
            break;
        }
        if !is_local(&next) {
            return None;
        }
        decoded = next;
    }
    Some(utf8_percent_encode(raw, ENCODE).to_string())
}

fn is_local(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::return_path;

    const SITE: &str = "https://pokmas.example/halaman/";

    /// Where a browser goes with `location` as the `Location` of a response.
    fn resolved_host(location: &str) -> Option<String> {
        let base = url::Url::parse(SITE).expect("base");
        base.join(location).ok()?.host_str().map(str::to_owned)
    }

    #[test]
    fn paths_of_this_site_are_kept() {
        assert_eq!(return_path("/wilayah?x=1").as_deref(), Some("/wilayah?x=1"));
        assert_eq!(
            return_path("/pendaftaran/3?q=a%20b").as_deref(),
            Some("/pendaftaran/3?q=a%20b")
        );
        assert_eq!(
            return_path("/cari?q=Sungai Pinang").as_deref(),
            Some("/cari?q=Sungai%20Pinang")
        );
    }

    #[test]
    fn known_open_redirects_are_refused() {
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%252F%252Fevil.example",
            "javascript:alert(1)",
            "evil",
            "",
            "/\u{b}",
            "/\n",
        ] {
            assert_eq!(return_path(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn every_ascii_control_character_is_refused_wherever_it_stands(
            c in (0u8..=0x1f).prop_union(0x7f..=0x7f),
            before in "[a-z/]{0,6}",
            after in "[a-z/.]{0,12}",
        ) {
            let raw = format!("/{before}{}{after}", char::from(c));
            prop_assert_eq!(return_path(&raw), None);
            let encoded = format!("/{before}%{c:02X}{after}");
            prop_assert_eq!(return_path(&encoded), None);
        }

        #[test]
        fn whatever_is_accepted_stays_on_this_site_and_fits_a_header(
            raw in prop_oneof![
                "[/\\\\%a-zA-Z0-9:.?=&#@ \t\n\r\u{b}\u{c}\u{0}-\u{1f}\u{7f}\u{202e}é]{0,24}",
                "(https?|javascript|data|file|ftp|mailto):[/\\\\]{0,3}evil\\.example",
                "/(%2[fF]|%5[cC]|%09|%0[aAdD]|%252[fF]|\\\\|/){1,3}evil\\.example",
            ],
        ) {
            if let Some(path) = return_path(&raw) {
                prop_assert!(path.starts_with('/'));
                prop_assert!(path.bytes().all(|b| (0x21..0x7f).contains(&b)), "{path:?}");
                prop_assert!(axum_free_header_check(&path));
                prop_assert_eq!(resolved_host(&path), Some("pokmas.example".to_owned()));
                let once = percent_encoding::percent_decode_str(&path).decode_utf8_lossy().into_owned();
                prop_assert_eq!(resolved_host(&once), Some("pokmas.example".to_owned()));
            }
        }
    }

    /// A header value holds visible ASCII and spaces only (RFC 9110 field-value).
    fn axum_free_header_check(value: &str) -> bool {
        value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
    }
}
