//! Mails of a change of the formed group after the final result: to the
//! member who withdrew or was disqualified, and to the reserve who takes
//! the seat.

use super::{Block, Letter, Locale};

/// What happened to the person the mail goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MembershipChange {
    /// Their withdrawal as a selected member was recorded.
    Withdrawn,
    /// They were disqualified, for the reason given.
    Disqualified {
        /// The reason, as approved by two admins.
        reason: String,
    },
    /// They moved from reserve to selected.
    Promoted {
        /// Their new rank.
        rank: u32,
    },
}

/// A mail about a change of the formed group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipMail {
    /// The person's name.
    pub name: String,
    /// Their registration number.
    pub registration_no: String,
    /// The round's name.
    pub round_name: String,
    /// What changed for them.
    pub change: MembershipChange,
    /// The formation's public results page.
    pub link: String,
}

impl MembershipMail {
    /// The stable template name of the outbox.
    pub(super) fn name(&self) -> &'static str {
        match self.change {
            MembershipChange::Withdrawn => "member_withdrawn",
            MembershipChange::Disqualified { .. } => "member_disqualified",
            MembershipChange::Promoted { .. } => "reserve_promoted",
        }
    }

    pub(super) fn compose(&self, l: Locale) -> Letter {
        let t = |id: String, en: String| if l == Locale::Id { id } else { en };
        let round = &self.round_name;
        let (subject, para) = match &self.change {
            MembershipChange::Withdrawn => (
                t(
                    "Pengunduran diri Anda telah dicatat".into(),
                    "Your withdrawal has been recorded".into(),
                ),
                t(
                    format!(
                        "Pengunduran diri Anda sebagai anggota terpilih pada {round} telah dicatat \
                         dan disetujui oleh dua admin. Kursi Anda diisi oleh cadangan berikutnya."
                    ),
                    format!(
                        "Your withdrawal as a selected member of {round} has been recorded and \
                         approved by two administrators. The next reserve takes your seat."
                    ),
                ),
            ),
            MembershipChange::Disqualified { reason } => (
                t(
                    "Anda didiskualifikasi dari hasil akhir".into(),
                    "You have been disqualified from the final result".into(),
                ),
                t(
                    format!(
                        "Dua admin telah memutuskan bahwa Anda didiskualifikasi sebagai anggota \
                         terpilih pada {round}. Alasannya: {reason}"
                    ),
                    format!(
                        "Two administrators decided that you are disqualified as a selected \
                         member of {round}. The reason: {reason}"
                    ),
                ),
            ),
            MembershipChange::Promoted { rank } => (
                t(
                    "Anda kini anggota terpilih".into(),
                    "You are now a selected member".into(),
                ),
                t(
                    format!(
                        "Seorang anggota terpilih pada {round} mengundurkan diri atau \
                         didiskualifikasi. Sebagai cadangan berikutnya, Anda kini terpilih \
                         (peringkat {rank}). Kelurahan akan menghubungi Anda untuk SK Lurah."
                    ),
                    format!(
                        "A selected member of {round} withdrew or was disqualified. As the next \
                         reserve you are now selected (rank {rank}). The kelurahan will contact \
                         you about the Lurah's decree."
                    ),
                ),
            ),
        };
        Letter {
            subject,
            name: self.name.clone(),
            blocks: vec![
                Block::Para(para),
                Block::Facts(vec![(
                    t("Nomor pendaftaran".into(), "Registration number".into()),
                    self.registration_no.clone(),
                )]),
                Block::Action {
                    label: t("Lihat hasil".into(), "See the results".into()),
                    url: self.link.clone(),
                },
                Block::Note(t(
                    "Perubahan ini tercatat di jejak audit beserta penyebabnya.".into(),
                    "This change is recorded in the audit trail with its cause.".into(),
                )),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Template;
    use super::*;

    #[test]
    fn each_change_reads_in_both_languages_and_names_the_number() {
        for change in [
            MembershipChange::Withdrawn,
            MembershipChange::Disqualified {
                reason: "Pernyataan palsu".into(),
            },
            MembershipChange::Promoted { rank: 1 },
        ] {
            let mail = Template::MembershipChanged(MembershipMail {
                name: "Siti".into(),
                registration_no: "2026-0001".into(),
                round_name: "Rekrutmen 2026".into(),
                change,
                link: "https://contoh.id/hasil".into(),
            });
            let id = mail.render(Locale::Id);
            let en = mail.render(Locale::En);
            assert_ne!(id.subject, en.subject);
            for r in [&id, &en] {
                assert!(r.text.contains("2026-0001"));
                assert!(r.html.contains("2026-0001"));
            }
        }
    }
}
