//! Personal data over its whole life, as pure rules: which result rows may
//! carry a name in public, how long each class of personal data is kept
//! after its round ends, what holds data against an erasure request, and the
//! three-day clock of a breach notification.

use std::collections::BTreeMap;
use std::fmt;

use time::{Duration, OffsetDateTime};

use super::round::Msg;

// ---------------------------------------------------------------------------
// Minimisation of public results
// ---------------------------------------------------------------------------

/// Whether a result row with this stored status may name the applicant on a
/// public page: only the selected and the reserve are named, everyone else
/// (not selected, not passed, pending) appears by registration number only,
/// since their names serve no purpose of the announcement — unless the
/// round's frozen rules publish every name (`publish_all_names`).
#[must_use]
pub fn name_is_public(status: &str, publish_all_names: bool) -> bool {
    publish_all_names || matches!(status, "selected" | "reserve")
}

// ---------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------

/// A class of personal data with its own retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataClass {
    /// Uploaded documents (scans of KTP, KK, certificates…).
    Documents,
    /// The NIK ciphertext and its masked form.
    Nik,
    /// E-mail address, phone number and street address on the application.
    Contact,
    /// Place and date of birth.
    Birth,
    /// An applicant's account: e-mail, name, phone, password, own RT and
    /// family-card hash (staff accounts are managed by admins).
    Accounts,
    /// Sign-in sessions, e-mail and password-reset tokens and API tokens
    /// that ended (expired, used or revoked).
    Sessions,
    /// The address, name and text of sent or given-up messages (e-mail
    /// and text messages) in the outbox.
    MailBodies,
}

impl DataClass {
    /// Every class, in the order the privacy page lists them.
    pub const ALL: [DataClass; 7] = [
        DataClass::Documents,
        DataClass::Contact,
        DataClass::Birth,
        DataClass::Nik,
        DataClass::Accounts,
        DataClass::Sessions,
        DataClass::MailBodies,
    ];

    /// The classes held on an application, counted from its round's end.
    pub const PER_APPLICATION: [DataClass; 4] = [
        DataClass::Documents,
        DataClass::Contact,
        DataClass::Birth,
        DataClass::Nik,
    ];

    /// The key of the class's setting (`retention.<key>_months`) and in summaries.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            DataClass::Documents => "documents",
            DataClass::Nik => "nik",
            DataClass::Contact => "contact",
            DataClass::Birth => "birth",
            DataClass::Accounts => "accounts",
            DataClass::Sessions => "sessions",
            DataClass::MailBodies => "mail",
        }
    }

    /// The setting key of this class's retention period.
    #[must_use]
    pub fn retention_key(self) -> String {
        format!("retention.{}_months", self.key())
    }

    /// Months kept (from [`DataClass::counted_from`]) unless the
    /// installation sets otherwise; the README lists the same figures.
    #[must_use]
    pub fn default_months(self) -> u32 {
        match self {
            DataClass::Documents | DataClass::Contact | DataClass::MailBodies => 12,
            DataClass::Nik | DataClass::Birth => 60,
            DataClass::Accounts => 24,
            DataClass::Sessions => 1,
        }
    }

    /// What the class's period counts from, on the privacy page.
    #[must_use]
    pub fn counted_from(self) -> Msg {
        match self {
            DataClass::Documents | DataClass::Nik | DataClass::Contact | DataClass::Birth => {
                Msg::new(
                    "bulan setelah seleksi selesai (final atau dibatalkan)",
                    "months after the round ends (final or cancelled)",
                )
            }
            DataClass::Accounts => Msg::new(
                "bulan setelah masuk terakhir, bila tidak ada pendaftaran pada seleksi yang masih berjalan",
                "months after the last sign-in, once no application is in a round still running",
            ),
            DataClass::Sessions => Msg::new(
                "bulan setelah berakhir (kedaluwarsa, dipakai atau dicabut)",
                "months after it ended (expired, used or revoked)",
            ),
            DataClass::MailBodies => Msg::new(
                "bulan setelah pesan dikirim (atau gagal dikirim)",
                "months after the message was sent (or given up)",
            ),
        }
    }

    /// The class's name on the privacy page.
    #[must_use]
    pub fn label(self) -> Msg {
        match self {
            DataClass::Documents => Msg::new("Dokumen unggahan", "Uploaded documents"),
            DataClass::Nik => Msg::new("NIK (terenkripsi)", "NIK (encrypted)"),
            DataClass::Contact => Msg::new(
                "Kontak: e-mail, telepon, alamat",
                "Contact: e-mail, phone, address",
            ),
            DataClass::Birth => Msg::new("Tempat dan tanggal lahir", "Place and date of birth"),
            DataClass::Accounts => Msg::new(
                "Akun pendaftar: e-mail, nama, telepon, kata sandi",
                "Applicant accounts: e-mail, name, phone, password",
            ),
            DataClass::Sessions => Msg::new(
                "Sesi masuk dan token (tautan e-mail, token API)",
                "Sign-in sessions and tokens (e-mail links, API tokens)",
            ),
            DataClass::MailBodies => Msg::new(
                "Isi dan alamat pesan terkirim (e-mail, SMS)",
                "Text and address of sent messages (e-mail, SMS)",
            ),
        }
    }
}

impl fmt::Display for DataClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Retention periods in months per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionSchedule {
    pub documents: u32,
    pub nik: u32,
    pub contact: u32,
    pub birth: u32,
    pub accounts: u32,
    pub sessions: u32,
    pub mail: u32,
}

impl Default for RetentionSchedule {
    fn default() -> Self {
        Self {
            documents: DataClass::Documents.default_months(),
            nik: DataClass::Nik.default_months(),
            contact: DataClass::Contact.default_months(),
            birth: DataClass::Birth.default_months(),
            accounts: DataClass::Accounts.default_months(),
            sessions: DataClass::Sessions.default_months(),
            mail: DataClass::MailBodies.default_months(),
        }
    }
}

/// Longest retention period a setting may name (ten years): a typo of
/// "600" for "60" should be refused, not keep data for half a century.
pub const MAX_RETENTION_MONTHS: u32 = 120;

impl RetentionSchedule {
    /// The months of `class`.
    #[must_use]
    pub fn months(&self, class: DataClass) -> u32 {
        match class {
            DataClass::Documents => self.documents,
            DataClass::Nik => self.nik,
            DataClass::Contact => self.contact,
            DataClass::Birth => self.birth,
            DataClass::Accounts => self.accounts,
            DataClass::Sessions => self.sessions,
            DataClass::MailBodies => self.mail,
        }
    }

    /// Sets the months of `class`.
    pub fn set(&mut self, class: DataClass, months: u32) {
        match class {
            DataClass::Documents => self.documents = months,
            DataClass::Nik => self.nik = months,
            DataClass::Contact => self.contact = months,
            DataClass::Birth => self.birth = months,
            DataClass::Accounts => self.accounts = months,
            DataClass::Sessions => self.sessions = months,
            DataClass::MailBodies => self.mail = months,
        }
    }

    /// When data of `class` counted from `ended_at` fall due.
    #[must_use]
    pub fn due_at(&self, class: DataClass, ended_at: OffsetDateTime) -> OffsetDateTime {
        add_months(ended_at, self.months(class))
    }

    /// Whether data of `class` counted from `ended_at` are due at `now`.
    #[must_use]
    pub fn is_due(&self, class: DataClass, ended_at: OffsetDateTime, now: OffsetDateTime) -> bool {
        now >= self.due_at(class, ended_at)
    }

    /// The per-application classes due at `now` for a round that ended at
    /// `ended_at`.
    #[must_use]
    pub fn due_classes(&self, ended_at: OffsetDateTime, now: OffsetDateTime) -> Vec<DataClass> {
        DataClass::PER_APPLICATION
            .into_iter()
            .filter(|c| self.is_due(*c, ended_at, now))
            .collect()
    }
}

/// Parses a retention setting: whole months from 1 to [`MAX_RETENTION_MONTHS`].
///
/// # Errors
/// A message in both languages.
pub fn parse_months(text: &str) -> Result<u32, Msg> {
    match text.trim().parse::<u32>() {
        Ok(m) if (1..=MAX_RETENTION_MONTHS).contains(&m) => Ok(m),
        _ => Err(Msg::new(
            format!("Isi jumlah bulan 1–{MAX_RETENTION_MONTHS}."),
            format!("Enter a number of months from 1 to {MAX_RETENTION_MONTHS}."),
        )),
    }
}

/// `at` plus `months` calendar months, the day clamped to the month's end
/// (31 January + 1 month = 28 or 29 February).
#[must_use]
pub fn add_months(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
    let month_no = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(12);
    let Ok(month) = time::Month::try_from(month_no) else {
        return at;
    };
    let day = at.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(d) => at.replace_date(d),
        Err(_) => at,
    }
}

// ---------------------------------------------------------------------------
// Breach notification clock
// ---------------------------------------------------------------------------

/// The written notice of a breach is due this long after its discovery.
pub const BREACH_NOTICE_WITHIN: Duration = Duration::hours(72);

/// Where a breach record stands against its notification deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreachClock {
    /// Both notices sent.
    Notified,
    /// Still open, with this much time left.
    Running(Duration),
    /// Still open past the deadline by this much.
    Overdue(Duration),
}

/// The deadline of a breach discovered at `discovered_at`.
#[must_use]
pub fn breach_deadline(discovered_at: OffsetDateTime) -> OffsetDateTime {
    discovered_at + BREACH_NOTICE_WITHIN
}

/// The clock of a breach discovered at `discovered_at`, at `now`.
#[must_use]
pub fn breach_clock(
    discovered_at: OffsetDateTime,
    notified: bool,
    now: OffsetDateTime,
) -> BreachClock {
    if notified {
        return BreachClock::Notified;
    }
    let deadline = breach_deadline(discovered_at);
    if now < deadline {
        BreachClock::Running(deadline - now)
    } else {
        BreachClock::Overdue(now - deadline)
    }
}

/// A duration as whole hours and minutes, e.g. `71 jam 5 menit` / `71 h 5 min`.
#[must_use]
pub fn hours_minutes(d: Duration) -> Msg {
    let mins = d.whole_minutes().max(0);
    let (h, m) = (mins / 60, mins % 60);
    Msg::new(format!("{h} jam {m} menit"), format!("{h} h {m} min"))
}

// ---------------------------------------------------------------------------
// Erasure on request
// ---------------------------------------------------------------------------

/// Why an applicant's data must still be kept when they ask for erasure
/// (UU 27/2022 Art. 43 allows keeping data a legal obligation needs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegalHold {
    /// An objection on the application is still undecided: its evidence
    /// and the data it contests are needed for the decision.
    OpenObjection,
    /// The round has not ended (finalized or cancelled): the application
    /// may still be verified, scored, ranked or contested.
    RoundNotFinal,
}

impl LegalHold {
    /// The hold in words, the refusal's reason.
    #[must_use]
    pub fn message(self) -> Msg {
        match self {
            LegalHold::OpenObjection => Msg::new(
                "Ada sanggahan atas pendaftaran ini yang belum diputus; datanya diperlukan untuk memutusnya. Ajukan lagi setelah sanggahan diputus dan seleksi ditetapkan.",
                "An objection on this application is still undecided; its data are needed to decide it. Ask again once the objection is decided and the round is final.",
            ),
            LegalHold::RoundNotFinal => Msg::new(
                "Seleksi belum ditetapkan (hasil akhir belum ada); data pendaftaran masih diperlukan untuk verifikasi, penilaian, peringkat dan sanggahan. Ajukan lagi setelah hasil akhir ditetapkan.",
                "The round is not final yet; the application's data are still needed for verification, scoring, ranking and objections. Ask again once the final result is set.",
            ),
        }
    }

    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            LegalHold::OpenObjection => "open_objection",
            LegalHold::RoundNotFinal => "round_not_final",
        }
    }
}

/// The hold that keeps an application's data, if any: an open objection
/// first (it names what must happen), then a round that has not ended
/// (`final` or `cancelled`).
#[must_use]
pub fn legal_hold(
    round_state: crate::domain::round::RoundState,
    open_objections: u64,
) -> Option<LegalHold> {
    if open_objections > 0 {
        Some(LegalHold::OpenObjection)
    } else if !matches!(
        round_state,
        crate::domain::round::RoundState::Final | crate::domain::round::RoundState::Cancelled
    ) {
        Some(LegalHold::RoundNotFinal)
    } else {
        None
    }
}

/// The controller named on the privacy page until an admin sets another.
pub const DEFAULT_CONTROLLER: &str = "Pemerintah Kota Samarinda";

/// What the privacy page says about the controller and its officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacySettings {
    pub controller_name: String,
    pub controller_address: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub dpo_phone: String,
    pub retention: RetentionSchedule,
}

impl PrivacySettings {
    /// The value of a text key.
    #[must_use]
    pub fn text(&self, key: &str) -> &str {
        match key {
            "controller_name" => &self.controller_name,
            "controller_address" => &self.controller_address,
            "dpo_name" => &self.dpo_name,
            "dpo_email" => &self.dpo_email,
            "dpo_phone" => &self.dpo_phone,
            _ => "",
        }
    }

    /// Sets a text key; an unknown key changes nothing.
    pub fn set_text(&mut self, key: &str, value: String) {
        match key {
            "controller_name" => self.controller_name = value,
            "controller_address" => self.controller_address = value,
            "dpo_name" => self.dpo_name = value,
            "dpo_email" => self.dpo_email = value,
            "dpo_phone" => self.dpo_phone = value,
            _ => {}
        }
    }

    /// Whether a data protection officer is named with a way to reach them.
    #[must_use]
    pub fn dpo_is_set(&self) -> bool {
        !self.dpo_name.is_empty() && (!self.dpo_email.is_empty() || !self.dpo_phone.is_empty())
    }

    /// Every setting as stored: the text keys and each class's retention
    /// period in months.
    #[must_use]
    pub fn pairs(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = TEXT_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), self.text(k).to_owned()))
            .collect();
        for c in DataClass::ALL {
            out.insert(c.retention_key(), self.retention.months(c).to_string());
        }
        out
    }
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            controller_name: DEFAULT_CONTROLLER.into(),
            controller_address: String::new(),
            dpo_name: String::new(),
            dpo_email: String::new(),
            dpo_phone: String::new(),
            retention: RetentionSchedule::default(),
        }
    }
}

/// The text fields of the settings, by key, in form order.
pub const TEXT_KEYS: [&str; 5] = [
    "controller_name",
    "controller_address",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
];

/// A recorded personal-data breach: when it was discovered, what leaked,
/// whom it concerns, how, the measures taken, and when each notice went out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreachRecord {
    pub id: uuid::Uuid,
    pub discovered_at: OffsetDateTime,
    pub recorded_at: OffsetDateTime,
    pub recorded_by: uuid::Uuid,
    pub what: String,
    pub whom: String,
    pub how: String,
    pub measures: String,
    pub subjects_notified_at: Option<OffsetDateTime>,
    pub authority_notified_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_open_objection_or_an_unended_round_holds_the_data() {
        assert_eq!(
            legal_hold(crate::domain::round::RoundState::Final, 1),
            Some(LegalHold::OpenObjection)
        );
        assert_eq!(
            legal_hold(crate::domain::round::RoundState::Provisional, 0),
            Some(LegalHold::RoundNotFinal)
        );
        assert_eq!(
            legal_hold(crate::domain::round::RoundState::Registration, 0),
            Some(LegalHold::RoundNotFinal)
        );
        assert_eq!(legal_hold(crate::domain::round::RoundState::Final, 0), None);
        assert_eq!(
            legal_hold(crate::domain::round::RoundState::Cancelled, 0),
            None
        );
    }

    #[test]
    fn only_selected_and_reserve_are_named() {
        assert!(name_is_public("selected", false));
        assert!(name_is_public("reserve", false));
        for s in ["not_selected", "not_passed", "pending", ""] {
            assert!(!name_is_public(s, false), "{s}");
            assert!(
                name_is_public(s, true),
                "{s}: the round's rules publish all"
            );
        }
    }

    #[test]
    fn months_are_added_by_the_calendar_and_clamped() {
        let t = datetime!(2026-01-31 10:00 UTC);
        assert_eq!(add_months(t, 1), datetime!(2026-02-28 10:00 UTC));
        assert_eq!(add_months(t, 12), datetime!(2027-01-31 10:00 UTC));
        assert_eq!(add_months(t, 13), datetime!(2027-02-28 10:00 UTC));
        assert_eq!(
            add_months(datetime!(2027-12-29 00:00 UTC), 2),
            datetime!(2028-02-29 00:00 UTC)
        );
        assert_eq!(add_months(t, 60), datetime!(2031-01-31 10:00 UTC));
    }

    #[test]
    fn the_default_schedule_keeps_documents_a_year_and_identity_five() {
        let s = RetentionSchedule::default();
        let ended = datetime!(2026-12-01 00:00 UTC);
        assert!(
            s.due_classes(ended, datetime!(2027-11-30 23:59 UTC))
                .is_empty()
        );
        assert_eq!(
            s.due_classes(ended, datetime!(2027-12-01 00:00 UTC)),
            vec![DataClass::Documents, DataClass::Contact]
        );
        assert_eq!(
            s.due_classes(ended, datetime!(2031-12-01 00:00 UTC)).len(),
            4
        );
    }

    #[test]
    fn accounts_sessions_and_messages_have_their_own_periods_outside_the_round_classes() {
        let s = RetentionSchedule::default();
        assert_eq!(
            (s.accounts, s.sessions, s.mail),
            (24, 1, 12),
            "the README's defaults"
        );
        let ended = datetime!(2026-12-01 00:00 UTC);
        let all = s.due_classes(ended, datetime!(2040-01-01 00:00 UTC));
        assert_eq!(all, DataClass::PER_APPLICATION.to_vec());
        assert!(s.is_due(DataClass::Sessions, ended, datetime!(2027-01-01 00:00 UTC)));
    }

    #[test]
    fn retention_settings_are_whole_months_within_bounds() {
        assert_eq!(parse_months(" 24 "), Ok(24));
        for bad in ["0", "121", "-1", "1.5", "", "dua"] {
            assert!(parse_months(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_breach_clock_runs_72_hours_from_discovery() {
        let d = datetime!(2026-12-06 08:00 UTC);
        assert_eq!(breach_deadline(d), datetime!(2026-12-09 08:00 UTC));
        assert_eq!(
            breach_clock(d, false, datetime!(2026-12-06 09:00 UTC)),
            BreachClock::Running(Duration::hours(71))
        );
        assert_eq!(
            breach_clock(d, false, datetime!(2026-12-09 09:30 UTC)),
            BreachClock::Overdue(Duration::minutes(90))
        );
        assert_eq!(
            breach_clock(d, true, datetime!(2027-01-01 00:00 UTC)),
            BreachClock::Notified
        );
        assert_eq!(hours_minutes(Duration::minutes(4265)).en, "71 h 5 min");
    }
}
