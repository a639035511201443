//! A submitted form as plain data: its fields by name and a message per
//! refused field. Pages, the JSON API and the services all speak these two
//! types, so they live here, free of any web or database framework.

use std::collections::BTreeMap;

use super::msg::Msg;

/// Field name → message; the key `""` is for the form as a whole.
pub type FieldErrors = BTreeMap<String, Msg>;

/// A submitted form as name → value (the last value wins).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub BTreeMap<String, String>);

impl FormData {
    /// From the pairs of an urlencoded body.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData(pairs.into_iter().collect())
    }

    /// The trimmed value of a field, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |s| s.trim())
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_the_last_one_wins() {
        let f = FormData::from_pairs(vec![
            ("name".into(), " first ".into()),
            ("name".into(), "  Rapat RT  ".into()),
            ("box".into(), " ".into()),
        ]);
        assert_eq!(f.get("name"), "Rapat RT");
        assert_eq!(f.get("missing"), "");
        assert!(!f.checked("box"));
    }
}
