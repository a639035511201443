//! The mail of a stage shortlist published again (after an upheld objection
//! or a correction of the stage's values), to an applicant the new list no
//! longer lets on.

use time::OffsetDateTime;

use super::wita::local_datetime;
use super::{Block, Letter, Locale};
use crate::domain::programme::Programme;

/// What the re-published shortlist of a stage means for one applicant who
/// was on the list before and is not any more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageDroppedMail {
    /// The applicant's name.
    pub name: String,
    /// The registration number.
    pub registration_no: String,
    /// The stage's names (Indonesian, English).
    pub stage: (String, String),
    /// The invitation to the next stage that is withdrawn, if one was
    /// given: when and where.
    pub withdrawn: Option<(OffsetDateTime, String)>,
    /// The applicant's status page.
    pub link: String,
    /// Whether a correction of the stage's values approved by two admins
    /// caused it (else a decision on an objection).
    pub correction: bool,
}

impl StageDroppedMail {
    pub(super) fn compose(&self, l: Locale, p: &Programme) -> Letter {
        let id = l == Locale::Id;
        let no = &self.registration_no;
        let stage = if id { &self.stage.0 } else { &self.stage.1 };
        let after = match (self.correction, id) {
            (false, true) => "keputusan atas sebuah sanggahan",
            (false, false) => "a decision on an objection",
            (true, true) => "koreksi nilai tahap ini yang disetujui dua admin",
            (true, false) => "a correction of this stage's values approved by two admins",
        };
        let mut blocks = vec![Block::Para(if id {
            format!(
                "Daftar lolos tahap {stage} {} diterbitkan ulang setelah {after}. Menurut \
                 daftar yang baru, pendaftaran Anda dengan nomor {no} TIDAK LOLOS ke tahap \
                 berikutnya.",
                p.selection().id
            )
        } else {
            format!(
                "The shortlist of the {stage} stage of the {} was published again after \
                 {after}. In the new list, your application {no} does NOT go on to the next \
                 stage.",
                p.selection().en
            )
        })];
        if let Some((when, place)) = &self.withdrawn {
            blocks.push(Block::Para(l.pick(
                "Karena itu undangan Anda ke tahap berikutnya dibatalkan:",
                "Your invitation to the next stage is therefore withdrawn:",
            )));
            blocks.push(Block::Facts(vec![
                (l.pick("Waktu", "Time"), local_datetime(*when, l)),
                (l.pick("Tempat", "Place"), place.clone()),
            ]));
        }
        blocks.push(Block::Action {
            label: l.pick("Lihat status pendaftaran", "View your application"),
            url: self.link.clone(),
        });
        blocks.push(Block::Note(l.pick(
            "Daftar lolos disusun ulang dengan aturan yang sama yang diumumkan sebelum \
             pendaftaran; perubahannya tercatat dalam jejak audit.",
            "The shortlist was derived again by the same rule published before \
             registration; the change is recorded in the audit trail.",
        )));
        Letter {
            subject: if id {
                format!("Perubahan daftar lolos tahap {stage} ({no})")
            } else {
                format!("Change to the shortlist of the {stage} stage ({no})")
            },
            name: self.name.clone(),
            blocks,
        }
    }
}
