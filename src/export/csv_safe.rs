//! Spreadsheet formula-injection escaping for CSV text fields.
//!
//! Rule: a text field whose first character is `=`, `+`, `-`, `@`, TAB, CR or
//! `'` is written with one extra leading `'`. A reader strips exactly one
//! leading `'` from every text field that has one, and nothing else.
//!
//! `'` itself is a trigger so the rule round-trips: a value that really starts
//! with `'` is written as `''…`, and stripping one gives it back. Fields the
//! writer leaves alone never start with `'`, so unconditional stripping can
//! never eat a character that was part of the value.

use std::borrow::Cow;

/// True when `field` would be read as a formula (or is ambiguous with an
/// escaped field) and so needs the `'` prefix.
pub fn needs_prefix(field: &str) -> bool {
    matches!(
        field.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')
    )
}

/// The value as it is written into the CSV field.
pub fn escape(field: &str) -> Cow<'_, str> {
    if needs_prefix(field) {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

/// The value a CSV field stands for: `field` without one leading `'`.
pub fn unescape(field: &str) -> &str {
    field.strip_prefix('\'').unwrap_or(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_trigger_gets_exactly_one_quote() {
        for s in [
            "=1+1", "+62", "-x", "@SUM(A1)", "\tx", "\rx", "'quoted", "''",
        ] {
            assert_eq!(escape(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn plain_text_and_empty_are_untouched() {
        for s in ["", "abc", " =x", "{\"a\":1}", "0", "Ñ"] {
            assert_eq!(escape(s), s);
        }
    }

    #[test]
    fn unescape_strips_exactly_one() {
        assert_eq!(unescape("''x"), "'x");
        assert_eq!(unescape("'=x"), "=x");
        assert_eq!(unescape("x'"), "x'");
        assert_eq!(unescape("'"), "");
    }

    proptest! {
        #[test]
        fn round_trips(s in "[=+\\-@\t\r'a]{0,3}\\PC{0,8}") {
            let written = escape(&s);
            prop_assert_eq!(unescape(&written), s.as_str());
            prop_assert!(!needs_prefix(&written) || written.starts_with('\''));
        }
    }
}
