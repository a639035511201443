//! Mails along an application: its receipt, the outcome of the
//! administrative check and the invitation to the fit and proper test.

use time::OffsetDateTime;

use super::wita::local_datetime;
use super::{Block, Letter, Locale};
use crate::domain::programme::Programme;

/// Confirms that an application was submitted.
pub(super) fn application_receipt(
    l: Locale,
    name: &str,
    registration_no: &str,
    round_name: &str,
    status_link: &str,
    submission_hash_short: &str,
) -> Letter {
    let id = l == Locale::Id;
    Letter {
        subject: if id {
            format!("Tanda terima pendaftaran {registration_no}")
        } else {
            format!("Application receipt {registration_no}")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(if id {
                format!(
                    "Terima kasih. Pendaftaran Anda pada {round_name} telah kami \
                     terima dengan rincian sebagai berikut."
                )
            } else {
                format!(
                    "Thank you. We have received your application for {round_name} \
                     with the following details."
                )
            }),
            Block::Facts(vec![
                (
                    l.pick("Nomor pendaftaran", "Registration number"),
                    registration_no.to_owned(),
                ),
                (l.pick("Seleksi", "Selection round"), round_name.to_owned()),
                (
                    l.pick("Kode bukti pengiriman", "Submission code"),
                    submission_hash_short.to_owned(),
                ),
            ]),
            Block::Para(l.pick(
                "Simpan email ini sebagai bukti pendaftaran. Kode bukti pengiriman \
                 adalah sidik digital dari data yang Anda kirim; dengan kode ini Anda \
                 dapat memastikan bahwa data pendaftaran Anda tidak berubah.",
                "Keep this email as proof of your application. The submission code \
                 is a digital fingerprint of the data you sent; with it you can check \
                 that your application has not been changed.",
            )),
            Block::Action {
                label: l.pick("Lihat status pendaftaran", "View application status"),
                url: status_link.to_owned(),
            },
            Block::Note(l.pick(
                "Hasil pemeriksaan persyaratan administrasi akan kami sampaikan \
                 melalui email dan dapat dipantau pada halaman status pendaftaran.",
                "We will send you the result of the administrative check by email; \
                 you can also follow it on the application status page.",
            )),
        ],
    }
}

/// The result of the administrative check (MS / TMS).
pub(super) fn verification_outcome(
    l: Locale,
    name: &str,
    registration_no: &str,
    eligible: bool,
    reasons: &[String],
) -> Letter {
    let id = l == Locale::Id;
    let mut blocks = Vec::new();
    let subject;
    if eligible {
        subject = if id {
            format!("Hasil verifikasi administrasi {registration_no}: Memenuhi Syarat")
        } else {
            format!("Administrative check {registration_no}: eligible")
        };
        blocks.push(Block::Para(if id {
            format!(
                "Berdasarkan pemeriksaan persyaratan administrasi, pendaftaran \
                 Anda dengan nomor {registration_no} dinyatakan MEMENUHI SYARAT \
                 (MS)."
            )
        } else {
            format!(
                "After checking the administrative requirements, your \
                 application {registration_no} is ELIGIBLE."
            )
        }));
        blocks.push(Block::Para(l.pick(
            "Anda dapat mengikuti tahap berikutnya, yaitu uji kelayakan dan \
             kepatutan. Jadwal dan tempat pelaksanaan akan kami sampaikan melalui \
             email tersendiri.",
            "You may take part in the next stage, the fit and proper test. We \
             will send its date and place in a separate email.",
        )));
    } else {
        subject = if id {
            format!(
                "Hasil verifikasi administrasi {registration_no}: Tidak Memenuhi \
                 Syarat"
            )
        } else {
            format!("Administrative check {registration_no}: not eligible")
        };
        blocks.push(Block::Para(if id {
            format!(
                "Berdasarkan pemeriksaan persyaratan administrasi, pendaftaran \
                 Anda dengan nomor {registration_no} dinyatakan TIDAK MEMENUHI \
                 SYARAT (TMS)."
            )
        } else {
            format!(
                "After checking the administrative requirements, your \
                 application {registration_no} is NOT ELIGIBLE."
            )
        }));
        if !reasons.is_empty() {
            blocks.push(Block::Para(l.pick("Alasannya:", "The reasons:")));
            blocks.push(Block::List(reasons.to_owned()));
        }
        blocks.push(Block::Para(l.pick(
            "Untuk pertanyaan mengenai hasil ini, silakan hubungi help desk di \
             kantor kelurahan Anda.",
            "For questions about this result, please contact the help desk at \
             your kelurahan office.",
        )));
    }
    Letter {
        subject,
        name: name.to_owned(),
        blocks,
    }
}

/// The schedule of the fit and proper test.
pub(super) fn test_invitation(
    l: Locale,
    name: &str,
    registration_no: &str,
    when: OffsetDateTime,
    place: &str,
    p: &Programme,
) -> Letter {
    let id = l == Locale::Id;
    Letter {
        subject: if id {
            format!("Undangan uji kelayakan dan kepatutan ({registration_no})")
        } else {
            format!("Invitation to the fit and proper test ({registration_no})")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(if id {
                format!(
                    "Dengan hormat, kami mengundang Anda untuk mengikuti uji kelayakan dan \
                     kepatutan (fit and proper test) {} pada:",
                    p.selection().id
                )
            } else {
                format!(
                    "We are pleased to invite you to the fit and proper test of the \
                     {} on:",
                    p.selection().en
                )
            }),
            Block::Facts(vec![
                (
                    l.pick("Nomor pendaftaran", "Registration number"),
                    registration_no.to_owned(),
                ),
                (l.pick("Waktu", "Time"), local_datetime(when, l)),
                (l.pick("Tempat", "Place"), place.to_owned()),
            ]),
            Block::Para(l.pick(
                "Mohon hadir tepat waktu dan membawa KTP asli.",
                "Please arrive on time and bring your original identity card (KTP).",
            )),
        ],
    }
}
