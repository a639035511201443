//! A message in both interface languages, carried by every refusal so the
//! person who clicked learns why in their own language.

use std::fmt;

use super::lang::Lang;

/// A message in both interface languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Msg {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message from its two texts.
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            id: id.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.id, &self.en)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}
