//! Mails of an erasure request of the applicant's data: received, refused
//! or executed.

use super::{Block, Letter, Locale};

/// A step of an erasure request the applicant is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErasureStep {
    /// The request was recorded and waits for the admin's decision.
    Received,
    /// Refused while a legal hold applies; the reason says which.
    Refused,
    /// Done: the data key is destroyed, the documents deleted.
    Executed,
}

/// The letter of an erasure request's step.
pub(super) fn erasure_letter(
    l: Locale,
    name: &str,
    registration_no: &str,
    step: ErasureStep,
    reason: &str,
) -> Letter {
    let id = l == Locale::Id;
    let what = match (id, registration_no.is_empty()) {
        (true, true) => "draf pendaftaran Anda".to_owned(),
        (true, false) => format!("pendaftaran {registration_no}"),
        (false, true) => "your draft application".to_owned(),
        (false, false) => format!("application {registration_no}"),
    };
    let (subject, mut blocks) = match (step, id) {
        (ErasureStep::Received, true) => (
            "Permintaan penghapusan data Anda diterima".to_owned(),
            vec![Block::Para(format!(
                "Permintaan Anda untuk menghapus data pribadi {what} telah kami catat. \
                 Admin akan memutusnya; Anda akan menerima email lagi."
            ))],
        ),
        (ErasureStep::Received, false) => (
            "Your erasure request was received".to_owned(),
            vec![Block::Para(format!(
                "Your request to erase the personal data of {what} was recorded. An \
                 administrator will decide it; you will receive another email."
            ))],
        ),
        (ErasureStep::Refused, true) => (
            "Permintaan penghapusan data Anda ditolak untuk sementara".to_owned(),
            vec![
                Block::Para(format!(
                    "Data pribadi {what} belum dapat dihapus karena masih wajib disimpan:"
                )),
                Block::List(vec![reason.to_owned()]),
            ],
        ),
        (ErasureStep::Refused, false) => (
            "Your erasure request was refused for now".to_owned(),
            vec![
                Block::Para(format!(
                    "The personal data of {what} cannot be erased yet because they must \
                     still be kept:"
                )),
                Block::List(vec![reason.to_owned()]),
            ],
        ),
        (ErasureStep::Executed, true) => (
            "Data pribadi Anda telah dihapus".to_owned(),
            vec![Block::Para(format!(
                "Data pribadi {what} telah dihapus: NIK, kontak, alamat, data kelahiran \
                 dan dokumen yang diunggah tidak dapat dibaca lagi. Nama, nomor \
                 pendaftaran, nilai dan peringkat tetap tercatat sebagai hasil resmi."
            ))],
        ),
        (ErasureStep::Executed, false) => (
            "Your personal data were erased".to_owned(),
            vec![Block::Para(format!(
                "The personal data of {what} were erased: NIK, contact data, address, \
                 birth data and uploaded documents can no longer be read. Name, \
                 registration number, scores and rank stay on record as the official \
                 result."
            ))],
        ),
    };
    if step == ErasureStep::Executed {
        blocks.push(Block::Note(if id {
            "Salinan cadangan berisi data ini terhapus sendiri sesuai masa simpan cadangan."
                .to_owned()
        } else {
            "Backup copies holding these data disappear as the backups rotate.".to_owned()
        }));
    }
    Letter {
        subject,
        name: name.to_owned(),
        blocks,
    }
}
