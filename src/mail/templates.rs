//! The messages the platform sends, each rendered to a subject, a plain-text body
//! and an equivalent small HTML body, in Bahasa Indonesia (default) or English.
//!
//! Every message is first composed as a [`Letter`] (greeting, blocks, closing);
//! the text and HTML renderers walk the same letter, so the two bodies cannot say
//! different things. All data is escaped by maud; nothing here uses `PreEscaped`.

use maud::{DOCTYPE, Markup, html};

mod after_final;
pub use after_final::{MembershipChange, MembershipMail};
use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use crate::domain::status_headline::Headline;

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

/// The role an invited account will hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitedRole {
    /// Kelurahan help-desk officer.
    Operator,
    /// Member of an evaluation panel.
    Panelist,
    /// City programme officer.
    Admin,
    /// Inspectorate, DPRD or independent observer.
    Auditor,
}

impl InvitedRole {
    fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (InvitedRole::Operator, Locale::Id) => "Operator Kelurahan",
            (InvitedRole::Operator, Locale::En) => "Kelurahan Operator",
            (InvitedRole::Panelist, Locale::Id) => "Anggota Tim Penilai",
            (InvitedRole::Panelist, Locale::En) => "Panel Member",
            (InvitedRole::Admin, Locale::Id) => "Admin Program",
            (InvitedRole::Admin, Locale::En) => "Programme Administrator",
            (InvitedRole::Auditor, _) => "Auditor",
        }
    }
}

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

    fn explanation(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ResultStatus::Selected, Locale::Id) => {
                "Selamat! Anda dinyatakan TERPILIH sebagai anggota Pokmas."
            }
            (ResultStatus::Selected, Locale::En) => {
                "Congratulations! You have been SELECTED as a member of the Pokmas."
            }
            (ResultStatus::Reserve, Locale::Id) => {
                "Anda dinyatakan sebagai CADANGAN. Apabila ada anggota terpilih yang \
                 mengundurkan diri atau berhalangan tetap, Anda dapat dipanggil sesuai \
                 urutan peringkat."
            }
            (ResultStatus::Reserve, Locale::En) => {
                "You are on the RESERVE list. If a selected member withdraws or can no \
                 longer serve, you may be called in order of rank."
            }
            (ResultStatus::NotPassed, Locale::Id) => {
                "Nilai Anda belum memenuhi batas kelulusan yang ditetapkan, sehingga Anda \
                 dinyatakan TIDAK LULUS."
            }
            (ResultStatus::NotPassed, Locale::En) => {
                "Your score did not reach the published passing threshold, so you DID NOT \
                 PASS."
            }
            (ResultStatus::NotSelected, Locale::Id) => {
                "Anda memenuhi batas kelulusan, namun peringkat Anda berada di luar jumlah \
                 kursi dan cadangan yang tersedia, sehingga Anda dinyatakan TIDAK TERPILIH."
            }
            (ResultStatus::NotSelected, Locale::En) => {
                "You passed, but your rank is beyond the available seats and reserve \
                 places, so you were NOT SELECTED."
            }
        }
    }
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
            Template::Test { .. } => "test",
        }
    }

    /// Renders subject, text and HTML in `locale`.
    pub fn render(&self, locale: Locale) -> RenderedMail {
        let mut letter = self.compose(locale);
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
            text: render_text(&letter, locale),
            html: render_html(&letter, locale).into_string(),
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

    fn compose(&self, l: Locale) -> Letter {
        let id = l == Locale::Id;
        let t = |indonesian: &str, english: &str| {
            if id {
                indonesian.to_owned()
            } else {
                english.to_owned()
            }
        };
        match self {
            Template::VerifyEmail { name, link } => Letter {
                subject: t("Konfirmasi alamat email Anda", "Confirm your email address"),
                name: name.clone(),
                blocks: vec![
                    Block::Para(t(
                        "Terima kasih telah mendaftar pada sistem Seleksi Pokmas Probebaya \
                         Kota Samarinda. Untuk mengaktifkan akun Anda, mohon konfirmasi \
                         alamat email ini melalui tombol di bawah.",
                        "Thank you for registering with the Pokmas Probebaya selection \
                         system of Samarinda City. To activate your account, please confirm \
                         this email address with the button below.",
                    )),
                    Block::Action {
                        label: t("Konfirmasi email", "Confirm email"),
                        url: link.clone(),
                    },
                    Block::Note(t(
                        "Tautan ini hanya berlaku untuk waktu terbatas. Jika Anda tidak \
                         merasa mendaftar, abaikan email ini; akun tidak akan diaktifkan.",
                        "This link is valid for a limited time. If you did not register, \
                         please ignore this email; the account will not be activated.",
                    )),
                ],
            },
            Template::PasswordReset { name, link } => Letter {
                subject: t("Permintaan atur ulang kata sandi", "Reset your password"),
                name: name.clone(),
                blocks: vec![
                    Block::Para(t(
                        "Kami menerima permintaan untuk mengatur ulang kata sandi akun Anda. \
                         Silakan buat kata sandi baru melalui tombol di bawah.",
                        "We received a request to reset the password of your account. \
                         Please choose a new password with the button below.",
                    )),
                    Block::Action {
                        label: t("Atur ulang kata sandi", "Reset password"),
                        url: link.clone(),
                    },
                    Block::Note(t(
                        "Tautan ini hanya berlaku untuk waktu terbatas dan hanya dapat \
                         digunakan satu kali. Jika Anda tidak meminta pengaturan ulang, \
                         abaikan email ini; kata sandi Anda tidak berubah.",
                        "This link is valid for a limited time and can be used once. If you \
                         did not ask for a reset, please ignore this email; your password \
                         stays the same.",
                    )),
                ],
            },
            Template::Invitation { name, role, link } => {
                let role = role.label(l);
                Letter {
                    subject: if id {
                        format!("Undangan bergabung sebagai {role}")
                    } else {
                        format!("Invitation to join as {role}")
                    },
                    name: name.clone(),
                    blocks: vec![
                        Block::Para(if id {
                            format!(
                                "Anda diundang untuk bergabung dalam sistem Seleksi Pokmas \
                                 Probebaya Kota Samarinda sebagai {role}. Silakan aktifkan \
                                 akun Anda dan buat kata sandi melalui tombol di bawah."
                            )
                        } else {
                            format!(
                                "You are invited to join the Pokmas Probebaya selection \
                                 system of Samarinda City as {role}. Please activate your \
                                 account and choose a password with the button below."
                            )
                        }),
                        Block::Action {
                            label: t("Terima undangan", "Accept invitation"),
                            url: link.clone(),
                        },
                        Block::Note(t(
                            "Jika Anda merasa tidak seharusnya menerima undangan ini, abaikan \
                             email ini atau hubungi admin program.",
                            "If you think you should not have received this invitation, \
                             please ignore this email or contact the programme administrator.",
                        )),
                    ],
                }
            }
            Template::ApplicationReceipt {
                name,
                registration_no,
                round_name,
                status_link,
                submission_hash_short,
            } => Letter {
                subject: if id {
                    format!("Tanda terima pendaftaran {registration_no}")
                } else {
                    format!("Application receipt {registration_no}")
                },
                name: name.clone(),
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
                            t("Nomor pendaftaran", "Registration number"),
                            registration_no.clone(),
                        ),
                        (t("Seleksi", "Selection round"), round_name.clone()),
                        (
                            t("Kode bukti pengiriman", "Submission code"),
                            submission_hash_short.clone(),
                        ),
                    ]),
                    Block::Para(t(
                        "Simpan email ini sebagai bukti pendaftaran. Kode bukti pengiriman \
                         adalah sidik digital dari data yang Anda kirim; dengan kode ini Anda \
                         dapat memastikan bahwa data pendaftaran Anda tidak berubah.",
                        "Keep this email as proof of your application. The submission code \
                         is a digital fingerprint of the data you sent; with it you can check \
                         that your application has not been changed.",
                    )),
                    Block::Action {
                        label: t("Lihat status pendaftaran", "View application status"),
                        url: status_link.clone(),
                    },
                    Block::Note(t(
                        "Hasil pemeriksaan persyaratan administrasi akan kami sampaikan \
                         melalui email dan dapat dipantau pada halaman status pendaftaran.",
                        "We will send you the result of the administrative check by email; \
                         you can also follow it on the application status page.",
                    )),
                ],
            },
            Template::VerificationOutcome {
                name,
                registration_no,
                eligible,
                reasons,
                ..
            } => {
                let mut blocks = Vec::new();
                let subject;
                if *eligible {
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
                    blocks.push(Block::Para(t(
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
                        blocks.push(Block::Para(t("Alasannya:", "The reasons:")));
                        blocks.push(Block::List(reasons.clone()));
                    }
                    blocks.push(Block::Para(t(
                        "Untuk pertanyaan mengenai hasil ini, silakan hubungi help desk di \
                         kantor kelurahan Anda.",
                        "For questions about this result, please contact the help desk at \
                         your kelurahan office.",
                    )));
                }
                Letter {
                    subject,
                    name: name.clone(),
                    blocks,
                }
            }
            Template::TestInvitation {
                name,
                registration_no,
                when,
                place,
            } => Letter {
                subject: if id {
                    format!("Undangan uji kelayakan dan kepatutan ({registration_no})")
                } else {
                    format!("Invitation to the fit and proper test ({registration_no})")
                },
                name: name.clone(),
                blocks: vec![
                    Block::Para(t(
                        "Dengan hormat, kami mengundang Anda untuk mengikuti uji kelayakan dan \
                         kepatutan (fit and proper test) Seleksi Pokmas Probebaya pada:",
                        "We are pleased to invite you to the fit and proper test of the \
                         Pokmas Probebaya selection on:",
                    )),
                    Block::Facts(vec![
                        (
                            t("Nomor pendaftaran", "Registration number"),
                            registration_no.clone(),
                        ),
                        (t("Waktu", "Time"), local_datetime(*when, l)),
                        (t("Tempat", "Place"), place.clone()),
                    ]),
                    Block::Para(t(
                        "Mohon hadir tepat waktu dan membawa KTP asli.",
                        "Please arrive on time and bring your original identity card (KTP).",
                    )),
                ],
            },
            Template::ResultNotice {
                name,
                registration_no,
                status,
                rank,
                link,
                ..
            } => {
                let facts = result_facts(l, registration_no, t("Status", "Status"), *status, *rank);
                Letter {
                    subject: if id {
                        format!("Pengumuman hasil seleksi ({registration_no})")
                    } else {
                        format!("Selection result ({registration_no})")
                    },
                    name: name.clone(),
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
                        Block::Para(status.explanation(l).to_owned()),
                        Block::Action {
                            label: t("Lihat hasil", "View result"),
                            url: link.clone(),
                        },
                        Block::Note(t(
                            "Rincian nilai dan peringkat dapat dilihat pada halaman hasil. \
                             Selama masa sanggah berlaku, Anda dapat mengajukan sanggahan \
                             melalui halaman tersebut.",
                            "Your scores and rank are shown on the result page. While the \
                             objection period is open, you can file an objection there.",
                        )),
                    ],
                }
            }
            Template::FinalResultNotice {
                name,
                registration_no,
                status,
                rank,
                link,
                ..
            } => {
                let facts = result_facts(
                    l,
                    registration_no,
                    t("Status akhir", "Final status"),
                    *status,
                    *rank,
                );
                Letter {
                    subject: if id {
                        format!("Pengumuman hasil akhir seleksi ({registration_no})")
                    } else {
                        format!("Final selection result ({registration_no})")
                    },
                    name: name.clone(),
                    blocks: vec![
                        Block::Para(if id {
                            format!(
                                "Masa sanggah telah berakhir dan hasil seleksi untuk \
                                 pendaftaran {registration_no} telah ditetapkan sebagai hasil \
                                 akhir. Hasil ini menjadi dasar Surat Keputusan Lurah."
                            )
                        } else {
                            format!(
                                "The objection period has ended and the result of application \
                                 {registration_no} is now final. It is the basis of the \
                                 Lurah's decree."
                            )
                        }),
                        Block::Facts(facts),
                        Block::Para(status.explanation(l).to_owned()),
                        Block::Action {
                            label: t("Lihat pengumuman", "View the announcement"),
                            url: link.clone(),
                        },
                        Block::Note(t(
                            "Hasil akhir tidak dapat diubah lagi.",
                            "The final result can no longer be changed.",
                        )),
                    ],
                }
            }
            Template::ObjectionDecided {
                name,
                registration_no,
                accepted,
                reasons,
                link,
                ..
            } => Letter {
                subject: if id {
                    format!("Keputusan atas sanggahan Anda ({registration_no})")
                } else {
                    format!("Decision on your objection ({registration_no})")
                },
                name: name.clone(),
                blocks: vec![
                    Block::Para(match (id, *accepted) {
                        (true, true) => format!(
                            "Sanggahan Anda atas hasil pendaftaran {registration_no} DITERIMA. \
                             Tahap yang disanggah dibuka kembali; perubahan peringkat, bila ada, \
                             diumumkan di halaman hasil."
                        ),
                        (true, false) => format!(
                            "Sanggahan Anda atas hasil pendaftaran {registration_no} DITOLAK."
                        ),
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
                    Block::Para(t("Alasannya:", "The reasons:")),
                    Block::List(vec![reasons.clone()]),
                    Block::Action {
                        label: t("Lihat status pendaftaran", "View your application"),
                        url: link.clone(),
                    },
                    Block::Note(t(
                        "Keputusan ini telah diperiksa dan disetujui oleh dua petugas yang \
                         berbeda.",
                        "This decision was reviewed and approved by two different officers.",
                    )),
                ],
            },
            Template::ErasureNotice {
                name,
                registration_no,
                step,
                reason,
            } => erasure_letter(l, name, registration_no, *step, reason),
            Template::MembershipChanged(m) => m.compose(l),
            Template::Test { name } => Letter {
                subject: t(
                    "Email uji coba dari sistem Seleksi Pokmas Probebaya",
                    "Test email from the Pokmas Probebaya selection system",
                ),
                name: name.clone(),
                blocks: vec![
                    Block::Para(t(
                        "Ini adalah email uji coba yang dikirim oleh admin sistem Seleksi \
                         Pokmas Probebaya Kota Samarinda. Jika Anda menerima email ini, \
                         pengiriman email berfungsi dengan baik.",
                        "This is a test email sent by an administrator of the Pokmas \
                         Probebaya selection system of Samarinda City. If you received it, \
                         email delivery works.",
                    )),
                    Block::Note(t(
                        "Tidak ada tindakan yang perlu Anda lakukan.",
                        "No action is needed.",
                    )),
                ],
            },
        }
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

/// One message, independent of its text or HTML form.
struct Letter {
    subject: String,
    name: String,
    blocks: Vec<Block>,
}

enum Block {
    Para(String),
    /// A button in HTML; the label and the bare URL in text.
    Action {
        label: String,
        url: String,
    },
    /// Label/value pairs: a table in HTML, aligned lines in text.
    Facts(Vec<(String, String)>),
    List(Vec<String>),
    /// Secondary information, smaller in HTML.
    Note(String),
}

struct Frame {
    greeting: String,
    closing: &'static str,
    signature: [&'static str; 2],
    footer: &'static str,
    button_fallback: &'static str,
    brand: &'static str,
}

fn frame(name: &str, locale: Locale) -> Frame {
    match locale {
        Locale::Id => Frame {
            greeting: format!("Yth. Bapak/Ibu {name},"),
            closing: "Hormat kami,",
            signature: ["Panitia Seleksi Pokmas Probebaya", "Kota Samarinda"],
            footer: "Email ini dikirim secara otomatis; mohon tidak membalas email ini.",
            button_fallback: "Jika tombol tidak berfungsi, salin tautan berikut ke peramban Anda:",
            brand: "Seleksi Pokmas Probebaya · Kota Samarinda",
        },
        Locale::En => Frame {
            greeting: format!("Dear {name},"),
            closing: "Kind regards,",
            signature: ["Pokmas Probebaya Selection Committee", "Samarinda City"],
            footer: "This email was sent automatically; please do not reply to it.",
            button_fallback: "If the button does not work, copy this link into your browser:",
            brand: "Pokmas Probebaya Selection · Samarinda City",
        },
    }
}

fn render_text(letter: &Letter, locale: Locale) -> String {
    let f = frame(&letter.name, locale);
    let mut parts: Vec<String> = vec![f.greeting];
    for block in &letter.blocks {
        parts.push(match block {
            Block::Para(p) | Block::Note(p) => p.clone(),
            Block::Action { label, url } => format!("{label}:\n{url}"),
            Block::Facts(facts) => {
                let width = facts
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                facts
                    .iter()
                    .map(|(k, v)| format!("{k:<width$} : {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Block::List(items) => items
                .iter()
                .map(|i| format!("- {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    parts.push(format!(
        "{}\n{}\n{}",
        f.closing, f.signature[0], f.signature[1]
    ));
    // "-- " is the conventional signature separator that mail clients recognise.
    parts.push(format!("-- \n{}", f.footer));
    let mut text = parts.join("\n\n");
    text.push('\n');
    text
}

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const P: &str = "margin:0 0 16px;";

fn render_html(letter: &Letter, locale: Locale) -> Markup {
    let f = frame(&letter.name, locale);
    html! {
        (DOCTYPE)
        html lang=(locale.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (letter.subject) }
            }
            body style="margin:0;padding:0;background:#f3f4f6;" {
                div style={ "max-width:560px;margin:0 auto;padding:24px 12px;" (FONT) "font-size:16px;line-height:1.5;color:#1f2933;" } {
                    p style="margin:0 0 12px;font-size:13px;color:#52606d;" { (f.brand) }
                    div style="background:#ffffff;border:1px solid #e4e7eb;border-radius:6px;padding:24px;" {
                        p style=(P) { (f.greeting) }
                        @for block in &letter.blocks {
                            (render_block(block, &f))
                        }
                        p style="margin:24px 0 0;" {
                            (f.closing) br;
                            strong { (f.signature[0]) } br;
                            (f.signature[1])
                        }
                    }
                    p style="margin:12px 0 0;font-size:12px;color:#7b8794;" { (f.footer) }
                }
            }
        }
    }
}

fn render_block(block: &Block, f: &Frame) -> Markup {
    match block {
        Block::Para(p) => html! { p style=(P) { (p) } },
        Block::Note(p) => html! { p style="margin:0 0 16px;font-size:14px;color:#52606d;" { (p) } },
        Block::Action { label, url } => html! {
            p style="margin:24px 0;" {
                a href=(url) style="display:inline-block;background:#0b6e4f;color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 20px;border-radius:4px;" { (label) }
            }
            p style="margin:0 0 16px;font-size:13px;color:#52606d;" {
                (f.button_fallback) br;
                a href=(url) style="color:#0b6e4f;word-break:break-all;" { (url) }
            }
        },
        Block::Facts(facts) => html! {
            table role="presentation" style="border-collapse:collapse;margin:0 0 16px;" {
                @for (k, v) in facts {
                    tr {
                        td style="padding:4px 16px 4px 0;color:#52606d;vertical-align:top;" { (k) }
                        td style="padding:4px 0;font-weight:bold;vertical-align:top;" { (v) }
                    }
                }
            }
        },
        Block::List(items) => html! {
            ul style="margin:0 0 16px;padding-left:24px;" {
                @for item in items { li { (item) } }
            }
        },
    }
}

/// Samarinda is on WITA (Waktu Indonesia Tengah), UTC+8, all year.
const WITA: UtcOffset = time::macros::offset!(+8);

fn local_datetime(when: OffsetDateTime, locale: Locale) -> String {
    let t = when.to_offset(WITA);
    let (h, m) = (t.hour(), t.minute());
    match locale {
        Locale::Id => format!(
            "{}, {} {} {}, pukul {h:02}.{m:02} WITA",
            weekday_id(t.weekday()),
            t.day(),
            month_id(t.month()),
            t.year()
        ),
        Locale::En => format!(
            "{}, {} {} {}, {h:02}:{m:02} WITA (UTC+8)",
            t.weekday(),
            t.day(),
            t.month(),
            t.year()
        ),
    }
}

fn weekday_id(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Senin",
        Weekday::Tuesday => "Selasa",
        Weekday::Wednesday => "Rabu",
        Weekday::Thursday => "Kamis",
        Weekday::Friday => "Jumat",
        Weekday::Saturday => "Sabtu",
        Weekday::Sunday => "Minggu",
    }
}

fn month_id(m: Month) -> &'static str {
    match m {
        Month::January => "Januari",
        Month::February => "Februari",
        Month::March => "Maret",
        Month::April => "April",
        Month::May => "Mei",
        Month::June => "Juni",
        Month::July => "Juli",
        Month::August => "Agustus",
        Month::September => "September",
        Month::October => "Oktober",
        Month::November => "November",
        Month::December => "Desember",
    }
}

/// The letter of an erasure request's step.
fn erasure_letter(
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
        assert!(id.text.contains("Surat Keputusan Lurah"), "{}", id.text);
        let en = all_templates()[9].render(Locale::En);
        assert!(en.text.contains("Lurah's decree"), "{}", en.text);
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
                let letter = mail.compose(locale);
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
