//! What a round recruits for: the programme and the group it names in every
//! page, mail and announcement of the round, and where its applicants must
//! live. Both are round settings, frozen with the other rules when
//! registration opens.
//!
//! The defaults are the texts of Samarinda's Pokmas recruitment, so a round
//! that never set them reads as before and keeps its frozen hash.

use super::msg::Msg;

/// The names a round's texts use, each in Bahasa Indonesia and English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Programme {
    /// The programme, e.g. `Probebaya`.
    pub programme_id: String,
    pub programme_en: String,
    /// The group (or body of staff) the selected join, e.g. `Pokmas`, `TPP`.
    pub group_id: String,
    pub group_en: String,
    /// What a selected applicant becomes, e.g. `anggota Pokmas` /
    /// `Pokmas member`.
    pub member_id: String,
    pub member_en: String,
}

impl Default for Programme {
    fn default() -> Self {
        Programme {
            programme_id: "Probebaya".into(),
            programme_en: "Probebaya".into(),
            group_id: "Pokmas".into(),
            group_en: "Pokmas".into(),
            member_id: "anggota Pokmas".into(),
            member_en: "Pokmas member".into(),
        }
    }
}

impl Programme {
    /// Whether every text is the default (then the frozen rules leave the
    /// programme out, so rounds frozen before it existed keep their hash).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Programme::default()
    }

    /// The selection as a whole: `Seleksi Pokmas Probebaya` /
    /// `Pokmas Probebaya selection`.
    #[must_use]
    pub fn selection(&self) -> Msg {
        Msg::new(
            join(&["Seleksi", &self.group_id, &self.programme_id]),
            join(&[&self.group_en, &self.programme_en, "selection"]),
        )
    }

    /// The selection as a title: `Seleksi Pokmas Probebaya` /
    /// `Pokmas Probebaya Selection`.
    #[must_use]
    pub fn selection_title(&self) -> Msg {
        Msg::new(
            join(&["Seleksi", &self.group_id, &self.programme_id]),
            join(&[&self.group_en, &self.programme_en, "Selection"]),
        )
    }

    /// The committee that signs: `Panitia Seleksi Pokmas Probebaya` /
    /// `Pokmas Probebaya Selection Committee`.
    #[must_use]
    pub fn committee(&self) -> Msg {
        Msg::new(
            join(&["Panitia Seleksi", &self.group_id, &self.programme_id]),
            join(&[&self.group_en, &self.programme_en, "Selection Committee"]),
        )
    }

    /// What a selected applicant becomes.
    #[must_use]
    pub fn member(&self) -> Msg {
        Msg::new(self.member_id.clone(), self.member_en.clone())
    }

    /// The group.
    #[must_use]
    pub fn group(&self) -> Msg {
        Msg::new(self.group_id.clone(), self.group_en.clone())
    }

    /// The programme.
    #[must_use]
    pub fn programme(&self) -> Msg {
        Msg::new(self.programme_id.clone(), self.programme_en.clone())
    }
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where an applicant must live (as on the KTP) to apply to a formation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DomicileRule {
    /// In one of the RTs the formation covers; the formation follows from
    /// the applicant's RT.
    #[default]
    Rt,
    /// In the formation's kelurahan, any RT of it.
    Kelurahan,
    /// Anywhere in the city (any RT on the region list).
    City,
}

impl DomicileRule {
    /// Every rule, the default first.
    pub const ALL: [DomicileRule; 3] = [
        DomicileRule::Rt,
        DomicileRule::Kelurahan,
        DomicileRule::City,
    ];

    /// The stored and exported name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DomicileRule::Rt => "rt",
            DomicileRule::Kelurahan => "kelurahan",
            DomicileRule::City => "city",
        }
    }

    /// Reads the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<DomicileRule> {
        DomicileRule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The rule in words, for forms and public pages.
    #[must_use]
    pub fn label(self) -> Msg {
        match self {
            DomicileRule::Rt => Msg::new(
                "Berdomisili di RT yang dicakup formasi yang dilamar",
                "Living in an RT the formation applied to covers",
            ),
            DomicileRule::Kelurahan => Msg::new(
                "Berdomisili di kelurahan formasi yang dilamar",
                "Living in the kelurahan of the formation applied to",
            ),
            DomicileRule::City => Msg::new(
                "Berdomisili di kota (kelurahan mana pun)",
                "Living in the city (any kelurahan)",
            ),
        }
    }

    /// Whether the formation follows from the applicant's RT (rule `rt`)
    /// rather than being chosen.
    #[must_use]
    pub fn formation_follows_rt(self) -> bool {
        self == DomicileRule::Rt
    }

    /// Whether an applicant living in `(kelurahan, rt)` may apply to a
    /// formation of `formation_kelurahan` covering `formation_rts`. For
    /// `city` the caller has checked that the RT is on the region list.
    #[must_use]
    pub fn allows<'a>(
        self,
        kelurahan: &str,
        rt: i32,
        formation_kelurahan: &str,
        mut formation_rts: impl Iterator<Item = (&'a str, i32)>,
    ) -> bool {
        match self {
            DomicileRule::Rt => formation_rts.any(|(k, r)| k == kelurahan && r == rt),
            DomicileRule::Kelurahan => kelurahan == formation_kelurahan,
            DomicileRule::City => true,
        }
    }
}

/// A round's programme settings as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProgrammeSettings {
    pub programme: Programme,
    pub domicile_rule: DomicileRule,
}

/// The fields of the programme form, each with its Indonesian and English
/// label, shortest and longest length.
pub const PROGRAMME_FIELDS: [(&str, &str, &str, usize, usize); 6] = [
    ("programme_id", "Nama program", "Programme name", 0, 120),
    (
        "programme_en",
        "Nama program (English)",
        "Programme name (English)",
        0,
        120,
    ),
    ("group_id", "Nama kelompok", "Group name", 1, 60),
    (
        "group_en",
        "Nama kelompok (English)",
        "Group name (English)",
        1,
        60,
    ),
    (
        "member_id",
        "Sebutan anggota terpilih",
        "What a selected applicant becomes",
        2,
        120,
    ),
    (
        "member_en",
        "Sebutan anggota terpilih (English)",
        "What a selected applicant becomes (English)",
        2,
        120,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_programme_reads_as_the_pokmas_selection() {
        let p = Programme::default();
        assert!(p.is_default());
        assert_eq!(p.selection().id, "Seleksi Pokmas Probebaya");
        assert_eq!(p.selection().en, "Pokmas Probebaya selection");
        assert_eq!(p.committee().id, "Panitia Seleksi Pokmas Probebaya");
    }

    #[test]
    fn another_programme_names_only_itself() {
        let p = Programme {
            programme_id: String::new(),
            programme_en: String::new(),
            group_id: "TPP".into(),
            group_en: "TPP".into(),
            member_id: "Tenaga Pendamping".into(),
            member_en: "facilitator".into(),
        };
        assert!(!p.is_default());
        assert_eq!(p.selection().id, "Seleksi TPP");
        assert_eq!(p.committee().en, "TPP Selection Committee");
    }

    #[test]
    fn each_domicile_rule_reaches_as_far_as_it_says() {
        let rts = [("64.72.01.1001", 2)];
        let allows = |rule: DomicileRule, k: &str, rt: i32| {
            rule.allows(k, rt, "64.72.01.1001", rts.iter().map(|(k, r)| (*k, *r)))
        };
        assert!(allows(DomicileRule::Rt, "64.72.01.1001", 2));
        assert!(!allows(DomicileRule::Rt, "64.72.01.1001", 3));
        assert!(allows(DomicileRule::Kelurahan, "64.72.01.1001", 3));
        assert!(!allows(DomicileRule::Kelurahan, "64.72.01.1002", 2));
        assert!(allows(DomicileRule::City, "64.72.01.1002", 9));
        for r in DomicileRule::ALL {
            assert_eq!(DomicileRule::parse(r.as_str()), Some(r));
        }
        assert_eq!(DomicileRule::parse("RT"), None);
    }
}
