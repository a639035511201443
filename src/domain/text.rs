//! Rules for free text people type.

/// Whether typed text is storable as is: PostgreSQL refuses NUL in text, and
/// other control characters in a name or place are never intended.
/// `multiline` allows line breaks and tabs (a motivation, a reason).
#[must_use]
pub fn plain_text(s: &str, multiline: bool) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_with_control_characters_is_not_plain() {
        assert!(plain_text("Panel Samarinda Kota I", false));
        assert!(plain_text("Sakit.\nDijadwalkan ulang.", true));
        assert!(!plain_text("Sakit.\nDijadwalkan ulang.", false));
        assert!(!plain_text("a\u{0}b", true));
    }
}
