//! The texts sent by SMS/WhatsApp, one per stage of an application.
//!
//! They are in Bahasa Indonesia (residents reached this way registered at a
//! kelurahan desk, whose language is Indonesian) and carry the first name and
//! the registration number, never the NIK, address or full name: a text can
//! be read by whoever holds the phone.

use time::OffsetDateTime;

use crate::domain::programme::Programme;
use crate::domain::round::WITA;

/// One text message, by stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsMessage {
    /// The application was submitted.
    Receipt {
        first_name: String,
        registration_no: String,
    },
    /// An invitation to the fit & proper test.
    Invitation {
        first_name: String,
        registration_no: String,
        when: OffsetDateTime,
        place: String,
    },
    /// Provisional or final results are published.
    Result {
        first_name: String,
        registration_no: String,
        final_result: bool,
        /// `selected`, `reserve`, `not_passed` or `not_selected`.
        status: String,
        rank: Option<i32>,
    },
    /// Objections may be filed until `ends_at`.
    ObjectionWindow {
        first_name: String,
        registration_no: String,
        ends_at: Option<OffsetDateTime>,
    },
    /// A stage shortlist published again after an upheld objection no
    /// longer lets the applicant on; an invitation to the next stage they
    /// held (when and where) is withdrawn.
    StageDropped {
        first_name: String,
        registration_no: String,
        /// The stage's Indonesian name.
        stage: String,
        withdrawn: Option<(OffsetDateTime, String)>,
    },
}

/// The first word of a full name: all a text may carry of it.
#[must_use]
pub fn first_name(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn wita(t: OffsetDateTime) -> String {
    let l = t.to_offset(WITA);
    format!(
        "{:02}-{:02}-{} {:02}.{:02} WITA",
        l.day(),
        u8::from(l.month()),
        l.year(),
        l.hour(),
        l.minute()
    )
}

fn status_label(status: &str) -> &'static str {
    match status {
        "selected" => "TERPILIH",
        "reserve" => "CADANGAN",
        "not_passed" => "TIDAK LULUS",
        _ => "TIDAK TERPILIH",
    }
}

impl SmsMessage {
    /// The stored template name (`mail_outbox.template`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SmsMessage::Receipt { .. } => "sms_receipt",
            SmsMessage::Invitation { .. } => "sms_invitation",
            SmsMessage::Result {
                final_result: false,
                ..
            } => "sms_result",
            SmsMessage::Result {
                final_result: true, ..
            } => "sms_final_result",
            SmsMessage::ObjectionWindow { .. } => "sms_objection_window",
            SmsMessage::StageDropped { .. } => "sms_stage_dropped",
        }
    }

    /// The addressee's first name.
    #[must_use]
    pub fn first_name(&self) -> &str {
        match self {
            SmsMessage::Receipt { first_name, .. }
            | SmsMessage::Invitation { first_name, .. }
            | SmsMessage::Result { first_name, .. }
            | SmsMessage::ObjectionWindow { first_name, .. }
            | SmsMessage::StageDropped { first_name, .. } => first_name,
        }
    }

    /// The text as sent for a round of the default programme.
    #[must_use]
    pub fn text(&self) -> String {
        self.text_for(&Programme::default())
    }

    /// The text as sent for a round whose texts name the programme `p`.
    #[must_use]
    pub fn text_for(&self, p: &Programme) -> String {
        let sender = if p.programme_id.trim().is_empty() {
            p.group_id.trim()
        } else {
            p.programme_id.trim()
        };
        let group = p.group_id.trim();
        let site = if sender == group {
            group.to_owned()
        } else {
            format!("{group} {sender}")
        };
        let tail = format!("Info: menu Cek status di situs {site} atau help desk kelurahan.");
        match self {
            SmsMessage::Receipt {
                first_name,
                registration_no,
            } => format!(
                "{sender}: Halo {first_name}, pendaftaran {group} Anda diterima dengan nomor {registration_no}. Simpan nomor dan PIN Anda. {tail}"
            ),
            SmsMessage::Invitation {
                first_name,
                registration_no,
                when,
                place,
            } => format!(
                "{sender}: Halo {first_name}, pendaftar {registration_no} diundang uji kelayakan pada {} di {place}. Bawa KTP. {tail}",
                wita(*when)
            ),
            SmsMessage::Result {
                first_name,
                registration_no,
                final_result,
                status,
                rank,
            } => {
                let kind = if *final_result { "akhir" } else { "sementara" };
                let rank = rank.map(|r| format!(", peringkat {r}")).unwrap_or_default();
                format!(
                    "{sender}: Halo {first_name}, hasil {kind} pendaftar {registration_no}: {}{rank}. {tail}",
                    status_label(status)
                )
            }
            SmsMessage::ObjectionWindow {
                first_name,
                registration_no,
                ends_at,
            } => {
                let until = ends_at
                    .map(|t| format!(" sampai {}", wita(t)))
                    .unwrap_or_default();
                format!(
                    "{sender}: Halo {first_name}, masa sanggah seleksi {group} dibuka{until}. Pendaftar {registration_no} dapat mengajukan sanggahan lewat help desk kelurahan. {tail}"
                )
            }
            SmsMessage::StageDropped {
                first_name,
                registration_no,
                stage,
                withdrawn,
            } => {
                let withdrawn = withdrawn
                    .as_ref()
                    .map(|(when, place)| {
                        format!(" Undangan uji pada {} di {place} dibatalkan.", wita(*when))
                    })
                    .unwrap_or_default();
                format!(
                    "{sender}: Halo {first_name}, daftar lolos tahap {stage} seleksi {group} diterbitkan ulang setelah keputusan sanggahan. Pendaftar {registration_no} TIDAK LOLOS ke tahap berikutnya.{withdrawn} {tail}"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_the_first_name_is_kept() {
        assert_eq!(first_name("  Siti Rahmawati Nur "), "Siti");
        assert_eq!(first_name(""), "");
    }

    #[test]
    fn an_invitation_gives_date_time_and_place_in_wita() {
        let m = SmsMessage::Invitation {
            first_name: "Siti".into(),
            registration_no: "2026-1001-0007".into(),
            when: datetime!(2026-12-01 01:00 UTC),
            place: "Aula Kelurahan".into(),
        };
        let text = m.text();
        assert!(text.contains("01-12-2026 09.00 WITA"), "{text}");
        assert!(text.contains("Aula Kelurahan") && text.contains("2026-1001-0007"));
        assert_eq!(m.name(), "sms_invitation");
    }

    #[test]
    fn a_drop_below_the_cut_names_the_stage_the_round_and_the_withdrawn_invitation() {
        let m = SmsMessage::StageDropped {
            first_name: "Dewi".into(),
            registration_no: "2027-0001".into(),
            stage: "Tes tertulis".into(),
            withdrawn: Some((datetime!(2026-12-01 01:00 UTC), "Aula Kelurahan".into())),
        };
        let tpp = Programme {
            programme_id: "Kampung Hebat".into(),
            group_id: "TPP".into(),
            ..Programme::default()
        };
        let text = m.text_for(&tpp);
        assert!(
            text.starts_with(
                "Kampung Hebat: Halo Dewi, daftar lolos tahap Tes tertulis seleksi TPP"
            ),
            "{text}"
        );
        assert!(text.contains("2027-0001 TIDAK LOLOS"), "{text}");
        assert!(
            text.contains("Undangan uji pada 01-12-2026 09.00 WITA di Aula Kelurahan dibatalkan."),
            "{text}"
        );
        assert!(!text.contains("Pokmas"), "{text}");
        assert_eq!(m.name(), "sms_stage_dropped");
    }

    #[test]
    fn results_name_the_outcome_and_rank() {
        let m = SmsMessage::Result {
            first_name: "Budi".into(),
            registration_no: "2026-1001-0001".into(),
            final_result: true,
            status: "selected".into(),
            rank: Some(2),
        };
        assert!(
            m.text()
                .contains("hasil akhir pendaftar 2026-1001-0001: TERPILIH, peringkat 2")
        );
        assert_eq!(m.name(), "sms_final_result");
    }
}
