//! The mail of an approved decision on an objection (sanggahan).

use super::{Block, Letter, Locale};

/// The approved decision on an objection.
pub(super) fn objection_decided(
    l: Locale,
    name: &str,
    registration_no: &str,
    accepted: bool,
    reasons: &str,
    link: &str,
) -> Letter {
    let id = l == Locale::Id;
    Letter {
        subject: if id {
            format!("Keputusan atas sanggahan Anda ({registration_no})")
        } else {
            format!("Decision on your objection ({registration_no})")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(match (id, accepted) {
                (true, true) => format!(
                    "Sanggahan Anda atas hasil pendaftaran {registration_no} DITERIMA. \
                     Tahap yang disanggah dibuka kembali; perubahan peringkat, bila ada, \
                     diumumkan di halaman hasil."
                ),
                (true, false) => {
                    format!("Sanggahan Anda atas hasil pendaftaran {registration_no} DITOLAK.")
                }
                (false, true) => format!(
                    "Your objection against the result of application {registration_no} \
                     was ACCEPTED. The contested step is reopened; any change of rank is \
                     published on the results page."
                ),
                (false, false) => format!(
                    "Your objection against the result of application {registration_no} \
                     was REJECTED."
                ),
            }),
            Block::Para(l.pick("Alasannya:", "The reasons:")),
            Block::List(vec![reasons.to_owned()]),
            Block::Action {
                label: l.pick("Lihat status pendaftaran", "View your application"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Keputusan ini telah diperiksa dan disetujui oleh dua petugas yang \
                 berbeda.",
                "This decision was reviewed and approved by two different officers.",
            )),
        ],
    }
}
