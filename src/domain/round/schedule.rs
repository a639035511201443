//! The published schedule and the transitions it allows.

use super::*;

/// The published dates of a round (UTC). Any may be unset while drafting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    pub registration_opens_at: Option<OffsetDateTime>,
    pub registration_closes_at: Option<OffsetDateTime>,
    pub verification_ends_at: Option<OffsetDateTime>,
    pub assessment_starts_at: Option<OffsetDateTime>,
    pub assessment_ends_at: Option<OffsetDateTime>,
    pub provisional_at: Option<OffsetDateTime>,
    pub objection_ends_at: Option<OffsetDateTime>,
    pub final_at: Option<OffsetDateTime>,
}

/// One date of the schedule, for field-level messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Milestone {
    RegistrationOpens,
    RegistrationCloses,
    VerificationEnds,
    AssessmentStarts,
    AssessmentEnds,
    Provisional,
    ObjectionEnds,
    Final,
}

impl Milestone {
    /// Every milestone in schedule order.
    pub const ALL: [Milestone; 8] = [
        Milestone::RegistrationOpens,
        Milestone::RegistrationCloses,
        Milestone::VerificationEnds,
        Milestone::AssessmentStarts,
        Milestone::AssessmentEnds,
        Milestone::Provisional,
        Milestone::ObjectionEnds,
        Milestone::Final,
    ];

    /// The form field and column name.
    pub fn field(self) -> &'static str {
        match self {
            Milestone::RegistrationOpens => "registration_opens_at",
            Milestone::RegistrationCloses => "registration_closes_at",
            Milestone::VerificationEnds => "verification_ends_at",
            Milestone::AssessmentStarts => "assessment_starts_at",
            Milestone::AssessmentEnds => "assessment_ends_at",
            Milestone::Provisional => "provisional_at",
            Milestone::ObjectionEnds => "objection_ends_at",
            Milestone::Final => "final_at",
        }
    }

    /// The label for forms and the public page.
    pub fn label(self) -> Msg {
        let (id, en) = match self {
            Milestone::RegistrationOpens => ("Pendaftaran dibuka", "Registration opens"),
            Milestone::RegistrationCloses => ("Pendaftaran ditutup", "Registration closes"),
            Milestone::VerificationEnds => (
                "Verifikasi administrasi selesai",
                "Document verification ends",
            ),
            Milestone::AssessmentStarts => (
                "Uji kelayakan dan kepatutan dimulai",
                "Fit & proper test starts",
            ),
            Milestone::AssessmentEnds => (
                "Uji kelayakan dan kepatutan selesai",
                "Fit & proper test ends",
            ),
            Milestone::Provisional => (
                "Pengumuman hasil sementara",
                "Provisional results announced",
            ),
            Milestone::ObjectionEnds => ("Masa sanggahan berakhir", "Objection window ends"),
            Milestone::Final => ("Pengumuman hasil akhir", "Final results announced"),
        };
        Msg::new(id, en)
    }
}

impl Schedule {
    /// The date of one milestone.
    pub fn get(&self, m: Milestone) -> Option<OffsetDateTime> {
        match m {
            Milestone::RegistrationOpens => self.registration_opens_at,
            Milestone::RegistrationCloses => self.registration_closes_at,
            Milestone::VerificationEnds => self.verification_ends_at,
            Milestone::AssessmentStarts => self.assessment_starts_at,
            Milestone::AssessmentEnds => self.assessment_ends_at,
            Milestone::Provisional => self.provisional_at,
            Milestone::ObjectionEnds => self.objection_ends_at,
            Milestone::Final => self.final_at,
        }
    }

    /// Sets the date of one milestone.
    pub fn set(&mut self, m: Milestone, at: Option<OffsetDateTime>) {
        let slot = match m {
            Milestone::RegistrationOpens => &mut self.registration_opens_at,
            Milestone::RegistrationCloses => &mut self.registration_closes_at,
            Milestone::VerificationEnds => &mut self.verification_ends_at,
            Milestone::AssessmentStarts => &mut self.assessment_starts_at,
            Milestone::AssessmentEnds => &mut self.assessment_ends_at,
            Milestone::Provisional => &mut self.provisional_at,
            Milestone::ObjectionEnds => &mut self.objection_ends_at,
            Milestone::Final => &mut self.final_at,
        };
        *slot = at;
    }

    /// Checks the order of the dates that are set; unset ones are skipped so
    /// a draft can be saved half-filled.
    ///
    /// Each milestone must not come before the one set before it, and three
    /// periods must have a length: registration (opens < closes), the test
    /// (starts < ends) and the objection window (announcement < end).
    ///
    /// # Errors
    /// The first milestone out of order, with a message naming both dates.
    pub fn check_order(&self) -> Result<(), (Milestone, Msg)> {
        let mut prev: Option<(Milestone, OffsetDateTime)> = None;
        for m in Milestone::ALL {
            let Some(at) = self.get(m) else { continue };
            if let Some((pm, pat)) = prev {
                let strict = matches!(
                    (pm, m),
                    (Milestone::RegistrationOpens, Milestone::RegistrationCloses)
                        | (Milestone::AssessmentStarts, Milestone::AssessmentEnds)
                        | (Milestone::Provisional, Milestone::ObjectionEnds)
                );
                let bad = if strict { at <= pat } else { at < pat };
                if bad {
                    let (word_id, word_en) = if strict {
                        ("sesudah", "after")
                    } else {
                        ("sama dengan atau sesudah", "at or after")
                    };
                    return Err((
                        m,
                        Msg::new(
                            format!(
                                "Tanggal «{}» harus {word_id} «{}».",
                                m.label().id,
                                pm.label().id
                            ),
                            format!("«{}» must be {word_en} «{}».", m.label().en, pm.label().en),
                        ),
                    ));
                }
            }
            prev = Some((m, at));
        }
        Ok(())
    }

    /// Checks that every date is set and in order.
    ///
    /// # Errors
    /// The first unset milestone, or the first out of order.
    pub fn check_complete(&self) -> Result<(), (Milestone, Msg)> {
        if let Some(m) = Milestone::ALL.into_iter().find(|m| self.get(*m).is_none()) {
            return Err((
                m,
                Msg::new(
                    format!("Jadwal belum lengkap: «{}» belum diisi.", m.label().id),
                    format!("The schedule is incomplete: «{}» is not set.", m.label().en),
                ),
            ));
        }
        self.check_order()
    }
}

/// Checks whether a round in state `from` may move to `to` at `now`.
///
/// Forward steps go one at a time along [`RoundState::LINE`]:
/// - to `registration`: the whole schedule is set and in order, and
///   registration has not closed yet (`now < registration_closes_at`);
///   opening before `registration_opens_at` is allowed — it publishes and
///   freezes the rules early, while applications are still only accepted
///   from the published opening time;
/// - to `verification`: registration has closed (`now ≥ registration_closes_at`);
/// - to `assessment`: the test period has begun (`now ≥ assessment_starts_at`);
/// - to `provisional`: the test period is over and the announcement date has
///   come (`now ≥ assessment_ends_at` and `now ≥ provisional_at`);
/// - to `objection`: the window is open (`provisional_at ≤ now < objection_ends_at`);
/// - to `final`: the objection window has ended (`now ≥ objection_ends_at`).
///
/// `cancelled` is allowed from every state except `final` and `cancelled`.
///
/// # Errors
/// A message saying why, naming the state or date that blocks the step.
pub fn check_transition(
    from: RoundState,
    to: RoundState,
    schedule: &Schedule,
    now: OffsetDateTime,
) -> Result<(), Msg> {
    if to == RoundState::Cancelled {
        return match from {
            RoundState::Final | RoundState::Cancelled => Err(Msg::new(
                format!(
                    "Seleksi berstatus «{}» tidak dapat dibatalkan.",
                    from.label().id
                ),
                format!(
                    "A round in state «{}» cannot be cancelled.",
                    from.label().en
                ),
            )),
            _ => Ok(()),
        };
    }
    if from.next() != Some(to) {
        let expected = from.next().map_or_else(
            || Msg::new("tidak ada langkah berikutnya", "there is no next step"),
            |n| {
                Msg::new(
                    format!("langkah berikutnya adalah «{}»", n.label().id),
                    format!("the next step is «{}»", n.label().en),
                )
            },
        );
        return Err(Msg::new(
            format!(
                "Tidak dapat berpindah dari «{}» ke «{}»: {}.",
                from.label().id,
                to.label().id,
                expected.id
            ),
            format!(
                "Cannot move from «{}» to «{}»: {}.",
                from.label().en,
                to.label().en,
                expected.en
            ),
        ));
    }
    schedule.check_complete().map_err(|(_, m)| m)?;
    // `check_complete` proved every date is set; `date` only unwraps for the type.
    let date = |m: Milestone| schedule.get(m).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let not_before = |m: Milestone| -> Result<(), Msg> {
        if now < date(m) {
            Err(Msg::new(
                format!(
                    "Belum waktunya: «{}» dijadwalkan {}.",
                    m.label().id,
                    format_wita(date(m))
                ),
                format!(
                    "Too early: «{}» is scheduled for {}.",
                    m.label().en,
                    format_wita(date(m))
                ),
            ))
        } else {
            Ok(())
        }
    };
    let before = |m: Milestone| -> Result<(), Msg> {
        if now >= date(m) {
            Err(Msg::new(
                format!(
                    "Sudah lewat: «{}» dijadwalkan {}. Perbarui jadwal terlebih dahulu.",
                    m.label().id,
                    format_wita(date(m))
                ),
                format!(
                    "Too late: «{}» was scheduled for {}. Update the schedule first.",
                    m.label().en,
                    format_wita(date(m))
                ),
            ))
        } else {
            Ok(())
        }
    };
    match to {
        RoundState::Registration => before(Milestone::RegistrationCloses),
        RoundState::Verification => not_before(Milestone::RegistrationCloses),
        RoundState::Assessment => not_before(Milestone::AssessmentStarts),
        RoundState::Provisional => {
            not_before(Milestone::AssessmentEnds)?;
            not_before(Milestone::Provisional)
        }
        RoundState::Objection => {
            not_before(Milestone::Provisional)?;
            before(Milestone::ObjectionEnds)
        }
        RoundState::Final => not_before(Milestone::ObjectionEnds),
        RoundState::Draft | RoundState::Cancelled => Ok(()),
    }
}
