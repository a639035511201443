//! Mails of a published result: the provisional notice and the final one,
//! the basis of the Lurah's decree.

use super::{Block, Letter, Locale};
use crate::domain::programme::Programme;

/// The outcome of a ranked application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultStatus {
    /// Ranked within the seats.
    Selected,
    /// Ranked within the reserve places.
    Reserve,
    /// Complete but below a passing threshold.
    NotPassed,
    /// Passed but ranked beyond seats and reserve.
    NotSelected,
}

impl ResultStatus {
    fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ResultStatus::Selected, Locale::Id) => "Terpilih",
            (ResultStatus::Selected, Locale::En) => "Selected",
            (ResultStatus::Reserve, Locale::Id) => "Cadangan",
            (ResultStatus::Reserve, Locale::En) => "Reserve",
            (ResultStatus::NotPassed, Locale::Id) => "Tidak lulus",
            (ResultStatus::NotPassed, Locale::En) => "Did not pass",
            (ResultStatus::NotSelected, Locale::Id) => "Tidak terpilih",
            (ResultStatus::NotSelected, Locale::En) => "Not selected",
        }
    }

    fn explanation(self, locale: Locale, p: &Programme) -> String {
        match (self, locale) {
            (ResultStatus::Selected, Locale::Id) => {
                format!("Selamat! Anda dinyatakan TERPILIH sebagai {}.", p.member_id)
            }
            (ResultStatus::Selected, Locale::En) => {
                format!(
                    "Congratulations! You have been SELECTED as {}.",
                    p.member_en
                )
            }
            (ResultStatus::Reserve, Locale::Id) => {
                "Anda dinyatakan sebagai CADANGAN. Apabila ada anggota terpilih yang \
                 mengundurkan diri atau berhalangan tetap, Anda dapat dipanggil sesuai \
                 urutan peringkat."
                    .into()
            }
            (ResultStatus::Reserve, Locale::En) => {
                "You are on the RESERVE list. If a selected member withdraws or can no \
                 longer serve, you may be called in order of rank."
                    .into()
            }
            (ResultStatus::NotPassed, Locale::Id) => {
                "Nilai Anda belum memenuhi batas kelulusan yang ditetapkan, sehingga Anda \
                 dinyatakan TIDAK LULUS."
                    .into()
            }
            (ResultStatus::NotPassed, Locale::En) => {
                "Your score did not reach the published passing threshold, so you DID NOT \
                 PASS."
                    .into()
            }
            (ResultStatus::NotSelected, Locale::Id) => {
                "Anda memenuhi batas kelulusan, namun peringkat Anda berada di luar jumlah \
                 kursi dan cadangan yang tersedia, sehingga Anda dinyatakan TIDAK TERPILIH."
                    .into()
            }
            (ResultStatus::NotSelected, Locale::En) => {
                "You passed, but your rank is beyond the available seats and reserve \
                 places, so you were NOT SELECTED."
                    .into()
            }
        }
    }
}

/// A published (provisional) result.
pub(super) fn result_notice(
    l: Locale,
    name: &str,
    registration_no: &str,
    status: ResultStatus,
    rank: Option<u32>,
    link: &str,
    p: &Programme,
) -> Letter {
    let id = l == Locale::Id;
    let facts = result_facts(l, registration_no, l.pick("Status", "Status"), status, rank);
    Letter {
        subject: if id {
            format!("Pengumuman hasil seleksi ({registration_no})")
        } else {
            format!("Selection result ({registration_no})")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(if id {
                format!(
                    "Hasil seleksi untuk pendaftaran Anda dengan nomor \
                     {registration_no} telah diumumkan."
                )
            } else {
                format!(
                    "The selection result for your application \
                     {registration_no} has been published."
                )
            }),
            Block::Facts(facts),
            Block::Para(status.explanation(l, p)),
            Block::Action {
                label: l.pick("Lihat hasil", "View result"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Rincian nilai dan peringkat dapat dilihat pada halaman hasil. \
                 Selama masa sanggah berlaku, Anda dapat mengajukan sanggahan \
                 melalui halaman tersebut.",
                "Your scores and rank are shown on the result page. While the \
                 objection period is open, you can file an objection there.",
            )),
        ],
    }
}

/// A final result (after the objection period).
pub(super) fn final_result_notice(
    l: Locale,
    name: &str,
    registration_no: &str,
    status: ResultStatus,
    rank: Option<u32>,
    link: &str,
    p: &Programme,
) -> Letter {
    let id = l == Locale::Id;
    let facts = result_facts(
        l,
        registration_no,
        l.pick("Status akhir", "Final status"),
        status,
        rank,
    );
    Letter {
        subject: if id {
            format!("Pengumuman hasil akhir seleksi ({registration_no})")
        } else {
            format!("Final selection result ({registration_no})")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(if id {
                format!(
                    "Masa sanggah telah berakhir dan hasil seleksi untuk \
                     pendaftaran {registration_no} telah ditetapkan sebagai hasil \
                     akhir. Hasil ini menjadi dasar surat keputusan penetapan {}.",
                    p.group_id
                )
            } else {
                format!(
                    "The objection period has ended and the result of application \
                     {registration_no} is now final. It is the basis of the \
                     decree appointing the {}.",
                    p.group_en
                )
            }),
            Block::Facts(facts),
            Block::Para(status.explanation(l, p)),
            Block::Action {
                label: l.pick("Lihat pengumuman", "View the announcement"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Hasil akhir tidak dapat diubah lagi.",
                "The final result can no longer be changed.",
            )),
        ],
    }
}

/// The facts of a result notice: number, status (under `status_heading`)
/// and the rank when ranked.
fn result_facts(
    l: Locale,
    registration_no: &str,
    status_heading: String,
    status: ResultStatus,
    rank: Option<u32>,
) -> Vec<(String, String)> {
    let id = l == Locale::Id;
    let mut facts = vec![
        (
            if id {
                "Nomor pendaftaran"
            } else {
                "Registration number"
            }
            .to_owned(),
            registration_no.to_owned(),
        ),
        (status_heading, status.label(l).to_owned()),
    ];
    if let Some(rank) = rank {
        facts.push((
            if id { "Peringkat" } else { "Rank" }.to_owned(),
            rank.to_string(),
        ));
    }
    facts
}
