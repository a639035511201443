//! The messages the platform sends, each rendered to a subject, a plain-text body
//! and an equivalent small HTML body, in Bahasa Indonesia (default) or English.
//!
//! Every message is first composed as a [`Letter`] (greeting, blocks, closing);
//! the text and HTML renderers walk the same letter, so the two bodies cannot say
//! different things. All data is escaped by maud; nothing here uses `PreEscaped`.

mod account;
mod after_final;
mod application;
mod erasure;
mod letter;
mod objection;
mod results;
mod stage;
mod wita;

pub use account::InvitedRole;
pub use after_final::{MembershipChange, MembershipMail};
pub use erasure::ErasureStep;
pub use results::ResultStatus;
pub use stage::StageDroppedMail;
use time::OffsetDateTime;

use crate::domain::programme::Programme;
use crate::domain::status_headline::Headline;
use letter::{Block, Letter, render_html, render_text};

/// The language of a message. Indonesian unless the person chose English.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Locale {
    /// Reads a stored or requested locale code; anything but `en` is Indonesian.
    pub fn parse(code: &str) -> Locale {
        if code.trim().eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::Id
        }
    }

    /// The code stored in the outbox and used as the HTML `lang`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Id => "id",
            Locale::En => "en",
        }
    }

    /// `indonesian` or `english`, as this locale reads.
    fn pick(self, indonesian: &str, english: &str) -> String {
        match self {
            Locale::Id => indonesian.to_owned(),
            Locale::En => english.to_owned(),
        }
    }
}

/// A message ready to be stored in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMail {
    /// The subject line, plain text.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, equivalent to `text`.
    pub html: String,
}

/// Every message the platform sends, with the data it needs.
///
/// Links are absolute URLs built by the caller; names and other strings are
/// plain text and are escaped when rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Template {
    /// Confirms the address of a new account.
    VerifyEmail {
        /// The person's name as they typed it.
        name: String,
        /// The confirmation link.
        link: String,
    },
    /// Lets a person choose a new password.
    PasswordReset {
        /// The person's name.
        name: String,
        /// The reset link.
        link: String,
    },
    /// Invites staff (operator, panelist, admin, auditor) to activate an account.
    Invitation {
        /// The invited person's name.
        name: String,
        /// The role the account will hold.
        role: InvitedRole,
        /// The activation link.
        link: String,
    },
    /// Confirms that an application was submitted.
    ApplicationReceipt {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// The round's name, e.g. "Rekrutmen Pokmas 2023".
        round_name: String,
        /// The applicant's status page.
        status_link: String,
        /// The first characters of the submission hash, as proof of what was sent.
        submission_hash_short: String,
    },
    /// The result of the administrative check (MS / TMS).
    VerificationOutcome {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// Whether every requirement was met.
        eligible: bool,
        /// Why the application is ineligible (empty when eligible).
        reasons: Vec<String>,
        /// The status headline after this step, as the status page shows it
        /// (`None` in previews without an application).
        headline: Option<Headline>,
    },
    /// The schedule of the fit and proper test.
    TestInvitation {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// When the test starts; shown in Samarinda time (WITA, UTC+8).
        when: OffsetDateTime,
        /// Where the test takes place.
        place: String,
    },
    /// A published (provisional or final) result.
    ResultNotice {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// The outcome.
        status: ResultStatus,
        /// The rank within the formation, when ranked.
        rank: Option<u32>,
        /// The result page.
        link: String,
        /// The status headline after this step, as the status page shows it
        /// (`None` in previews without an application).
        headline: Option<Headline>,
    },
    /// A final result (after the objection period), the basis of the
    /// Lurah's decree.
    FinalResultNotice {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// The outcome.
        status: ResultStatus,
        /// The rank within the formation, when ranked.
        rank: Option<u32>,
        /// The result page.
        link: String,
        /// The status headline after this step, as the status page shows it
        /// (`None` in previews without an application).
        headline: Option<Headline>,
    },
    /// The approved decision on an objection (sanggahan).
    ObjectionDecided {
        /// The applicant's name.
        name: String,
        /// The registration number.
        registration_no: String,
        /// Whether the objection was accepted.
        accepted: bool,
        /// The reasons, as the reviewer wrote them.
        reasons: String,
        /// The applicant's status page.
        link: String,
        /// The status headline after this step, as the status page shows it
        /// (`None` in previews without an application).
        headline: Option<Headline>,
    },
    /// An erasure request of the applicant's data: received, refused or
    /// executed.
    ErasureNotice {
        /// The applicant's name.
        name: String,
        /// The registration number, or empty for a draft.
        registration_no: String,
        /// What happened.
        step: ErasureStep,
        /// Why it was refused (empty otherwise).
        reason: String,
    },
    /// A change of the formed group after the final result: a selected
    /// member withdrew or was disqualified, or a reserve was promoted
    /// (`services::after_final`).
    MembershipChanged(after_final::MembershipMail),
    /// A stage shortlist published again no longer lets the applicant on
    /// (`services::shortlists::republish`).
    StageDropped(StageDroppedMail),
    /// The admin's "send a test mail" button.
    Test {
        /// The recipient's name.
        name: String,
    },
}

impl Template {
    /// A stable name stored in the outbox and written to logs.
    pub fn name(&self) -> &'static str {
        match self {
            Template::VerifyEmail { .. } => "verify_email",
            Template::PasswordReset { .. } => "password_reset",
            Template::Invitation { .. } => "invitation",
            Template::ApplicationReceipt { .. } => "application_receipt",
            Template::VerificationOutcome { .. } => "verification_outcome",
            Template::TestInvitation { .. } => "test_invitation",
            Template::ResultNotice { .. } => "result_notice",
            Template::FinalResultNotice { .. } => "final_result_notice",
            Template::ObjectionDecided { .. } => "objection_decided",
            Template::ErasureNotice { .. } => "erasure_notice",
            Template::MembershipChanged(m) => m.name(),
            Template::StageDropped(_) => "stage_dropped",
            Template::Test { .. } => "test",
        }
    }

    /// Renders subject, text and HTML in `locale`, naming the default
    /// programme (the platform's own mails: accounts, tests).
    pub fn render(&self, locale: Locale) -> RenderedMail {
        self.render_for(locale, &Programme::default())
    }

    /// Renders subject, text and HTML in `locale` for a mail of a round
    /// whose texts name the programme `p`.
    pub fn render_for(&self, locale: Locale, p: &Programme) -> RenderedMail {
        let mut letter = self.compose(locale, p);
        // A mail that states where an application stands says it with the
        // status page's own headline, right after its opening sentence.
        if let Some(h) = self.headline() {
            let pick = |m: &crate::domain::msg::Msg| match locale {
                Locale::Id => m.id.clone(),
                Locale::En => m.en.clone(),
            };
            let (status, next) = match locale {
                Locale::Id => ("Status pendaftaran", "Selanjutnya"),
                Locale::En => ("Application status", "Next"),
            };
            let at = letter.blocks.len().min(1);
            letter
                .blocks
                .insert(at, Block::Para(format!("{next}: {}", pick(&h.next))));
            letter
                .blocks
                .insert(at, Block::Facts(vec![(status.to_owned(), pick(&h.title))]));
        }
        RenderedMail {
            subject: letter.subject.clone(),
            text: render_text(&letter, locale, p),
            html: render_html(&letter, locale, p).into_string(),
        }
    }

    /// The status headline a mail carries, if any.
    fn headline(&self) -> Option<&Headline> {
        match self {
            Template::VerificationOutcome { headline, .. }
            | Template::ResultNotice { headline, .. }
            | Template::FinalResultNotice { headline, .. }
            | Template::ObjectionDecided { headline, .. } => headline.as_ref(),
            _ => None,
        }
    }

    fn compose(&self, l: Locale, p: &Programme) -> Letter {
        match self {
            Template::VerifyEmail { name, link } => account::verify_email(l, name, link),
            Template::PasswordReset { name, link } => account::password_reset(l, name, link),
            Template::Invitation { name, role, link } => account::invitation(l, name, *role, link),
            Template::ApplicationReceipt {
                name,
                registration_no,
                round_name,
                status_link,
                submission_hash_short,
            } => application::application_receipt(
                l,
                name,
                registration_no,
                round_name,
                status_link,
                submission_hash_short,
            ),
            Template::VerificationOutcome {
                name,
                registration_no,
                eligible,
                reasons,
                ..
            } => application::verification_outcome(l, name, registration_no, *eligible, reasons),
            Template::TestInvitation {
                name,
                registration_no,
                when,
                place,
            } => application::test_invitation(l, name, registration_no, *when, place, p),
            Template::ResultNotice {
                name,
                registration_no,
                status,
                rank,
                link,
                ..
            } => results::result_notice(l, name, registration_no, *status, *rank, link, p),
            Template::FinalResultNotice {
                name,
                registration_no,
                status,
                rank,
                link,
                ..
            } => results::final_result_notice(l, name, registration_no, *status, *rank, link, p),
            Template::ObjectionDecided {
                name,
                registration_no,
                accepted,
                reasons,
                link,
                ..
            } => objection::objection_decided(l, name, registration_no, *accepted, reasons, link),
            Template::ErasureNotice {
                name,
                registration_no,
                step,
                reason,
            } => erasure::erasure_letter(l, name, registration_no, *step, reason),
            Template::MembershipChanged(m) => m.compose(l),
            Template::StageDropped(m) => m.compose(l, p),
            Template::Test { name } => account::test_mail(l, name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn snapshot(name: &str, mail: &Template, locale: Locale) {
        let r = mail.render(locale);
        insta::assert_snapshot!(
            name,
            format!(
                "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}\n",
                r.subject, r.text, r.html
            )
        );
    }

    fn all_templates() -> Vec<Template> {
        vec![
            Template::VerifyEmail {
                name: "Siti Rahmawati".into(),
                link: "https://pokmas.example.id/verifikasi/abc".into(),
            },
            Template::PasswordReset {
                name: "Siti Rahmawati".into(),
                link: "https://pokmas.example.id/reset/abc".into(),
            },
            Template::Invitation {
                name: "Budi Santoso".into(),
                role: InvitedRole::Panelist,
                link: "https://pokmas.example.id/undangan/abc".into(),
            },
            Template::ApplicationReceipt {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                round_name: "Rekrutmen Pokmas 2023".into(),
                status_link: "https://pokmas.example.id/status/2023-SMD-0042".into(),
                submission_hash_short: "9f86d081".into(),
            },
            Template::VerificationOutcome {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                eligible: false,
                reasons: vec![
                    "Surat keterangan domisili tidak dilampirkan".into(),
                    "Usia di bawah 21 tahun".into(),
                ],
                headline: None,
            },
            Template::VerificationOutcome {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                eligible: true,
                reasons: vec![],
                headline: None,
            },
            Template::TestInvitation {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                when: datetime!(2023-06-05 01:00 UTC),
                place: "Aula Kantor Kelurahan Sungai Pinang Dalam".into(),
            },
            Template::ResultNotice {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                status: ResultStatus::Reserve,
                rank: Some(7),
                link: "https://pokmas.example.id/hasil/2023-SMD-0042".into(),
                headline: None,
            },
            Template::Test {
                name: "Admin Kota".into(),
            },
            Template::FinalResultNotice {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                status: ResultStatus::Selected,
                rank: Some(1),
                link: "https://pokmas.example.id/seleksi/pokmas-2023/hasil/F-1".into(),
                headline: None,
            },
            Template::ObjectionDecided {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                accepted: true,
                reasons: "Nilai wawancara salah input; penilai diminta memperbaiki.".into(),
                link: "https://pokmas.example.id/pendaftaran/abc".into(),
                headline: None,
            },
            Template::ErasureNotice {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                step: ErasureStep::Received,
                reason: String::new(),
            },
            Template::ErasureNotice {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                step: ErasureStep::Refused,
                reason: "Seleksi belum ditetapkan.".into(),
            },
            Template::ErasureNotice {
                name: "Siti Rahmawati".into(),
                registration_no: String::new(),
                step: ErasureStep::Executed,
                reason: String::new(),
            },
            Template::StageDropped(StageDroppedMail {
                name: "Siti Rahmawati".into(),
                registration_no: "2023-SMD-0042".into(),
                stage: ("Tes tertulis".into(), "Written test".into()),
                withdrawn: Some((
                    datetime!(2023-06-05 01:00 UTC),
                    "Aula Kantor Kelurahan Sungai Pinang Dalam".into(),
                )),
                link: "https://pokmas.example.id/pendaftaran/abc".into(),
                correction: false,
            }),
        ]
    }

    #[test]
    fn verify_email_in_indonesian_reads_as_expected() {
        snapshot("verify_email_id", &all_templates()[0], Locale::Id);
    }

    #[test]
    fn application_receipt_in_indonesian_reads_as_expected() {
        snapshot("application_receipt_id", &all_templates()[3], Locale::Id);
    }

    #[test]
    fn ineligible_verification_outcome_in_english_reads_as_expected() {
        snapshot(
            "verification_outcome_tms_en",
            &all_templates()[4],
            Locale::En,
        );
    }

    #[test]
    fn test_invitation_shows_samarinda_time_in_indonesian() {
        let r = all_templates()[6].render(Locale::Id);
        assert!(
            r.text.contains("Senin, 5 Juni 2023, pukul 09.00 WITA"),
            "{}",
            r.text
        );
        snapshot("test_invitation_id", &all_templates()[6], Locale::Id);
    }

    #[test]
    fn objection_decision_in_indonesian_reads_as_expected() {
        snapshot(
            "objection_decided_accepted_id",
            &all_templates()[10],
            Locale::Id,
        );
    }

    #[test]
    fn final_result_notice_names_the_decree_in_both_languages() {
        let id = all_templates()[9].render(Locale::Id);
        // The decree forming the round's group (the Lurah's, for a Pokmas).
        assert!(
            id.text.contains("surat keputusan penetapan Pokmas"),
            "{}",
            id.text
        );
        let en = all_templates()[9].render(Locale::En);
        assert!(
            en.text.contains("decree appointing the Pokmas"),
            "{}",
            en.text
        );
    }

    #[test]
    fn result_notice_in_english_reads_as_expected() {
        snapshot("result_notice_reserve_en", &all_templates()[7], Locale::En);
    }

    #[test]
    fn every_template_renders_in_both_languages_with_the_same_content_in_text_and_html() {
        for mail in all_templates() {
            for locale in [Locale::Id, Locale::En] {
                let r = mail.render(locale);
                assert!(!r.subject.is_empty());
                assert!(r.html.starts_with("<!DOCTYPE html>"));
                assert!(r.html.contains(&format!("lang=\"{}\"", locale.as_str())));
                // Every paragraph of the text version appears in the HTML one.
                let letter = mail.compose(locale, &Programme::default());
                for block in &letter.blocks {
                    let snippets: Vec<&str> = match block {
                        Block::Para(p) | Block::Note(p) => vec![p],
                        Block::Action { label, url } => vec![label, url],
                        Block::Facts(f) => f.iter().flat_map(|(k, v)| [&**k, &**v]).collect(),
                        Block::List(items) => items.iter().map(|s| &**s).collect(),
                    };
                    for s in snippets {
                        assert!(r.text.contains(s), "{} text lacks {s}", mail.name());
                        let escaped = maud::html! { (s) }.into_string();
                        assert!(r.html.contains(&escaped), "{} html lacks {s}", mail.name());
                    }
                }
            }
        }
    }

    #[test]
    fn names_and_reasons_are_escaped_in_html() {
        let mail = Template::VerificationOutcome {
            name: "<script>alert(1)</script>".into(),
            registration_no: "X".into(),
            eligible: false,
            reasons: vec!["KTP \"palsu\" & <b>buram</b>".into()],
            headline: None,
        };
        let r = mail.render(Locale::Id);
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            r.html
                .contains("KTP &quot;palsu&quot; &amp; &lt;b&gt;buram&lt;/b&gt;")
        );
        // The text version is not HTML and keeps the characters as typed.
        assert!(r.text.contains("Yth. Bapak/Ibu <script>alert(1)</script>,"));
    }

    #[test]
    fn unknown_locale_codes_fall_back_to_indonesian() {
        assert_eq!(Locale::parse("en"), Locale::En);
        assert_eq!(Locale::parse(" EN "), Locale::En);
        assert_eq!(Locale::parse("id"), Locale::Id);
        assert_eq!(Locale::parse("fr"), Locale::Id);
        assert_eq!(Locale::parse(""), Locale::Id);
    }
}
