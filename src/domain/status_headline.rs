//! The one headline of an application's status: what happened last and what
//! happens next, derived from the latest stage the application reached.
//!
//! Every place that tells an applicant where they stand (the status page, the
//! number + PIN check, the JSON API) reads it from here, so a later stage can
//! never sit under an earlier headline ("eligible, wait for the invitation"
//! above a published rank). The words keep "masuk" (received, not yet
//! decided) apart from "diterima", which on the public lists means an
//! objection was accepted.

use time::OffsetDateTime;

use super::application::ApplicationState;
use super::objection::ObjectionStatus;
use super::ranking::Status;
use super::round::{Msg, format_wita};

// The headline's words for each status live with the headline, not with
// the stored type.
impl ObjectionStatus {
    /// The status in the headline's words. "Masuk" for a received objection: "diterima"
    /// is kept for an accepted one.
    #[must_use]
    pub fn label(self) -> Msg {
        match self {
            ObjectionStatus::Filed => Msg::new(
                "Sanggahan masuk, menunggu peninjau",
                "Objection received, awaiting a reviewer",
            ),
            ObjectionStatus::InReview => {
                Msg::new("Sanggahan sedang ditinjau", "Objection under review")
            }
            ObjectionStatus::Proposed => Msg::new(
                "Sanggahan sedang ditinjau (usulan keputusan menunggu persetujuan)",
                "Objection under review (a proposed decision awaits approval)",
            ),
            ObjectionStatus::Accepted => Msg::new(
                "Sanggahan diterima (dikabulkan)",
                "Objection accepted (upheld)",
            ),
            ObjectionStatus::Rejected => Msg::new("Sanggahan ditolak", "Objection rejected"),
        }
    }
}

/// A requirement that was not met, with its reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failing {
    pub requirement: Msg,
    pub reason: Msg,
}

/// A published result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// `None` while scoring is incomplete.
    pub status: Option<Status>,
    pub rank: Option<i32>,
    /// The round's results are final (no more objections).
    pub final_result: bool,
}

/// Everything the headline is derived from.
#[derive(Clone, Debug)]
pub struct Facts {
    pub state: ApplicationState,
    /// The requirements not met, in the round's order.
    pub failing: Vec<Failing>,
    /// The test's start and place.
    pub invitation: Option<(OffsetDateTime, String)>,
    pub result: Option<Published>,
    /// From the provisional results to the last moment to object.
    pub objection_window: Option<(OffsetDateTime, OffsetDateTime)>,
    /// The latest objection's stage and, once decided, its reasons.
    pub objection: Option<(ObjectionStatus, String)>,
    pub now: OffsetDateTime,
}

/// The headline: the stage reached, the details that explain it (the
/// failing requirements with their reasons first), and what happens next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub title: Msg,
    pub details: Vec<Msg>,
    pub next: Msg,
}

impl Default for Headline {
    /// A blank headline, for a status not derived yet.
    fn default() -> Self {
        Headline {
            title: Msg::new("", ""),
            details: Vec::new(),
            next: Msg::new("", ""),
        }
    }
}

/// The result status in words.
#[must_use]
pub fn result_label(status: Option<Status>) -> Msg {
    match status {
        Some(Status::Selected) => Msg::new("Terpilih", "Selected"),
        Some(Status::Reserve) => Msg::new("Cadangan", "Reserve"),
        Some(Status::NotSelected) => Msg::new("Tidak terpilih", "Not selected"),
        Some(Status::NotPassed) => Msg::new("Tidak lulus", "Did not pass"),
        None => Msg::new("Menunggu penilaian lengkap", "Pending (scoring incomplete)"),
    }
}

/// What the objection window offers at `now`.
fn objection_next(window: Option<(OffsetDateTime, OffsetDateTime)>, now: OffsetDateTime) -> Msg {
    match window {
        Some((from, to)) if now < from => Msg::new(
            format!(
                "Sanggahan dapat diajukan pada masa sanggah, {} – {}.",
                format_wita(from),
                format_wita(to)
            ),
            format!(
                "An objection can be filed in the objection window, {} – {}.",
                format_wita(from),
                format_wita(to)
            ),
        ),
        Some((_, to)) if now <= to => Msg::new(
            format!(
                "Masa sanggah sedang dibuka sampai {}: Anda dapat mengajukan sanggahan.",
                format_wita(to)
            ),
            format!(
                "The objection window is open until {}: you can file an objection.",
                format_wita(to)
            ),
        ),
        Some((_, to)) => Msg::new(
            format!(
                "Masa sanggah berakhir {}; hasil akhir ditetapkan setelah semua sanggahan diputus.",
                format_wita(to)
            ),
            format!(
                "The objection window closed {}; the final result follows once every objection is decided.",
                format_wita(to)
            ),
        ),
        None => Msg::new(
            "Sanggahan dapat diajukan pada masa sanggah setelah hasil sementara diumumkan; jadwalnya tampil di halaman seleksi.",
            "An objection can be filed in the objection window after the provisional results; its dates are on the round's page.",
        ),
    }
}

fn result_title(p: &Published) -> Msg {
    let label = result_label(p.status);
    let prefix = if p.final_result {
        Msg::new("Hasil akhir", "Final result")
    } else {
        Msg::new("Hasil sementara", "Provisional result")
    };
    match p.rank {
        Some(k) => Msg::new(
            format!("{}: {} · peringkat {k}", prefix.id, label.id),
            format!("{}: {} · rank {k}", prefix.en, label.en),
        ),
        None => Msg::new(
            format!("{}: {}", prefix.id, label.id),
            format!("{}: {}", prefix.en, label.en),
        ),
    }
}

fn failing_details(failing: &[Failing]) -> Vec<Msg> {
    failing
        .iter()
        .map(|f| {
            let req = Msg::new(
                f.requirement.id.trim_end_matches('.'),
                f.requirement.en.trim_end_matches('.'),
            );
            if f.reason.id.is_empty() {
                req
            } else {
                Msg::new(
                    format!("{}: {}", req.id, f.reason.id),
                    format!("{}: {}", req.en, f.reason.en),
                )
            }
        })
        .collect()
}

/// The headline of the latest stage: withdrawal, then an objection, then a
/// published result, then the test invitation, then the verification, then
/// the submission.
#[must_use]
pub fn headline(f: &Facts) -> Headline {
    match f.state {
        ApplicationState::Withdrawn => return withdrawn(),
        ApplicationState::Disqualified => return disqualified(),
        _ => {}
    }
    if let Some((stage, reasons)) = &f.objection {
        let mut details = Vec::new();
        if let Some(p) = &f.result {
            details.push(result_title(p));
        }
        if stage.is_decided() && !reasons.trim().is_empty() {
            details.push(Msg::new(
                format!("Alasan keputusan: {}", reasons.trim()),
                format!("Reasons for the decision: {}", reasons.trim()),
            ));
        }
        let next = match stage {
            ObjectionStatus::Accepted => Msg::new(
                "Langkah yang disanggah dibuka kembali; peringkat dihitung ulang dan diumumkan sebelum hasil akhir.",
                "The contested step is reopened; the ranks are recomputed and published before the final result.",
            ),
            ObjectionStatus::Rejected => Msg::new(
                "Hasil tetap; hasil akhir ditetapkan setelah semua sanggahan diputus.",
                "The result stands; the final result follows once every objection is decided.",
            ),
            _ => Msg::new(
                "Panitia memutus sanggahan paling lambat 7 hari setelah masuk; keputusannya tampil di sini.",
                "The committee decides the objection within 7 days of receiving it; the decision shows here.",
            ),
        };
        return Headline {
            title: stage.label(),
            details,
            next,
        };
    }
    if let Some(p) = &f.result {
        let next = if p.final_result {
            Msg::new(
                "Hasil ini final; tidak ada langkah lanjutan.",
                "This result is final; there is no next step.",
            )
        } else {
            objection_next(f.objection_window, f.now)
        };
        return Headline {
            title: result_title(p),
            details: Vec::new(),
            next,
        };
    }
    match f.state {
        ApplicationState::Draft => Headline {
            title: Msg::new("Draf (belum dikirim)", "Draft (not submitted)"),
            details: Vec::new(),
            next: Msg::new(
                "Lengkapi formulir lalu kirim pendaftaran.",
                "Complete the form and submit the application.",
            ),
        },
        ApplicationState::Submitted => Headline {
            title: Msg::new(
                "Terkirim, menunggu verifikasi",
                "Submitted, awaiting verification",
            ),
            details: Vec::new(),
            next: Msg::new(
                "Panitia memeriksa persyaratan dan dokumen (verifikasi).",
                "The committee checks the requirements and documents (verification).",
            ),
        },
        ApplicationState::Ineligible => {
            let first = f.failing.first().map(|x| {
                Msg::new(
                    x.requirement.id.trim_end_matches('.'),
                    x.requirement.en.trim_end_matches('.'),
                )
            });
            Headline {
                title: match first {
                    Some(q) => Msg::new(
                        format!("Tidak memenuhi syarat (TMS): {}", q.id),
                        format!("Not eligible: {}", q.en),
                    ),
                    None => Msg::new("Tidak memenuhi syarat (TMS)", "Not eligible"),
                },
                details: failing_details(&f.failing),
                next: Msg::new(
                    format!(
                        "Anda tidak ikut uji kelayakan. {}",
                        objection_next(f.objection_window, f.now).id
                    ),
                    format!(
                        "You do not take the fit-and-proper test. {}",
                        objection_next(f.objection_window, f.now).en
                    ),
                ),
            }
        }
        ApplicationState::Eligible => match &f.invitation {
            Some((at, place)) => Headline {
                title: Msg::new(
                    "Memenuhi syarat (MS), diundang uji kelayakan",
                    "Eligible, invited to the fit-and-proper test",
                ),
                details: Vec::new(),
                next: Msg::new(
                    format!(
                        "Hadir di uji kelayakan dan kepatutan: {}, {place}. Bawa KTP asli.",
                        format_wita(*at)
                    ),
                    format!(
                        "Attend the fit-and-proper test: {}, {place}. Bring your original KTP.",
                        format_wita(*at)
                    ),
                ),
            },
            None => Headline {
                title: Msg::new("Memenuhi syarat (MS)", "Eligible"),
                details: Vec::new(),
                next: Msg::new(
                    "Tunggu undangan uji kelayakan dan kepatutan.",
                    "Wait for the invitation to the fit-and-proper test.",
                ),
            },
        },
        ApplicationState::Withdrawn => withdrawn(),
        ApplicationState::Disqualified => disqualified(),
    }
}

fn disqualified() -> Headline {
    Headline {
        title: Msg::new("Didiskualifikasi", "Disqualified"),
        details: Vec::new(),
        next: Msg::new(
            "Dua admin memutuskan diskualifikasi setelah hasil akhir; alasannya dikirim melalui e-mail. Kursi diisi cadangan berikutnya.",
            "Two administrators decided the disqualification after the final result; the reason was sent by e-mail. The next reserve takes the seat.",
        ),
    }
}

fn withdrawn() -> Headline {
    Headline {
        title: Msg::new("Dibatalkan", "Withdrawn"),
        details: Vec::new(),
        next: Msg::new(
            "Pendaftaran telah dibatalkan; tidak ada langkah lanjutan.",
            "The application was withdrawn; there is no next step.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn facts(state: ApplicationState) -> Facts {
        Facts {
            state,
            failing: Vec::new(),
            invitation: None,
            result: None,
            objection_window: None,
            objection: None,
            now: datetime!(2027-03-01 00:00 UTC),
        }
    }

    #[test]
    fn a_published_rank_outranks_the_eligible_headline() {
        let mut f = facts(ApplicationState::Eligible);
        f.invitation = Some((datetime!(2027-02-01 01:00 UTC), "Aula".into()));
        f.result = Some(Published {
            status: Some(Status::NotSelected),
            rank: Some(10),
            final_result: false,
        });
        let h = headline(&f);
        assert_eq!(h.title.id, "Hasil sementara: Tidak terpilih · peringkat 10");
        assert!(!h.title.id.contains("Memenuhi syarat"));
        assert!(h.next.id.contains("masa sanggah"));
    }

    #[test]
    fn a_filed_objection_reads_masuk_never_diterima() {
        let mut f = facts(ApplicationState::Eligible);
        f.objection = Some((ObjectionStatus::Filed, String::new()));
        let h = headline(&f);
        assert!(h.title.id.contains("masuk"));
        assert!(!h.title.id.to_lowercase().contains("diterima"));
        let accepted = ObjectionStatus::Accepted.label();
        assert!(accepted.id.contains("diterima"));
    }

    #[test]
    fn tms_names_the_failing_requirement_first_then_the_window() {
        let mut f = facts(ApplicationState::Ineligible);
        f.failing = vec![Failing {
            requirement: Msg::new("Pindaian Kartu Keluarga.", "Family card scan."),
            reason: Msg::new("Dokumen tidak terbaca", "Document unreadable"),
        }];
        f.objection_window = Some((
            datetime!(2027-04-01 00:00 UTC),
            datetime!(2027-04-05 00:00 UTC),
        ));
        let h = headline(&f);
        assert_eq!(
            h.title.id,
            "Tidak memenuhi syarat (TMS): Pindaian Kartu Keluarga"
        );
        assert_eq!(
            h.details[0].id,
            "Pindaian Kartu Keluarga: Dokumen tidak terbaca"
        );
        assert!(h.next.id.contains("2027-04-01"), "{}", h.next.id);
    }

    #[test]
    fn an_open_window_says_until_when() {
        let mut f = facts(ApplicationState::Ineligible);
        f.objection_window = Some((
            datetime!(2027-02-01 00:00 UTC),
            datetime!(2027-03-05 00:00 UTC),
        ));
        assert!(headline(&f).next.id.contains("sedang dibuka sampai"));
    }

    #[test]
    fn a_disqualification_after_the_final_result_is_said_as_such() {
        assert_eq!(
            ApplicationState::parse("disqualified"),
            Some(ApplicationState::Disqualified)
        );
        let mut f = facts(ApplicationState::Disqualified);
        f.objection = Some((ObjectionStatus::Rejected, String::new()));
        assert_eq!(headline(&f).title.id, "Didiskualifikasi");
    }

    #[test]
    fn withdrawal_wins_over_everything() {
        let mut f = facts(ApplicationState::Withdrawn);
        f.objection = Some((ObjectionStatus::Filed, String::new()));
        assert_eq!(headline(&f).title.id, "Dibatalkan");
    }

    #[test]
    fn a_final_result_has_no_objection_step() {
        let mut f = facts(ApplicationState::Eligible);
        f.result = Some(Published {
            status: Some(Status::Selected),
            rank: Some(1),
            final_result: true,
        });
        let h = headline(&f);
        assert!(h.title.id.starts_with("Hasil akhir: Terpilih"));
        assert!(!h.next.id.contains("sanggah"));
    }
}
