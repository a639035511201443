//! A round's lifecycle, schedule and frozen rules, as pure rules.
//!
//! - [`RoundState`] and [`check_transition`]: the state machine
//!   `draft → registration → verification → assessment → provisional →
//!   objection → final`, with `cancelled` from any state before `final`; every
//!   step is checked against the published [`Schedule`].
//! - [`FrozenRules`]: what opening registration freezes, its canonical text
//!   and SHA-256 (the `frozen_hash` on the public page and in the audit trail).
//! - Small parsers the forms share: slugs, RT lists, scale labels, WITA times.
//!
//! Every refusal carries a [`Msg`] in Bahasa Indonesia and English, so the
//! person who clicked learns why in their own language.

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigInt;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::audit::{PayloadError, canonical_payload};
use super::lang::Lang;
use super::lottery::sha256_hex;
use super::ranking::{Ratio, format_fraction, format_rounded_2dp};

/// A message in both interface languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message from its two texts.
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg {
            id: id.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.id, &self.en)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

// ---------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------

/// The state of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoundState {
    /// Being prepared; nothing is public and everything may change.
    Draft,
    /// Registration opened: the rules are frozen and public.
    Registration,
    /// Registration closed; documents are being checked.
    Verification,
    /// The panel scores (fit & proper test).
    Assessment,
    /// Provisional results are published.
    Provisional,
    /// The objection window is open.
    Objection,
    /// Final results; nothing changes any more.
    Final,
    /// Stopped before the final result.
    Cancelled,
}

impl RoundState {
    /// The main line of states, in order (without `cancelled`).
    pub const LINE: [RoundState; 7] = [
        RoundState::Draft,
        RoundState::Registration,
        RoundState::Verification,
        RoundState::Assessment,
        RoundState::Provisional,
        RoundState::Objection,
        RoundState::Final,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Draft => "draft",
            RoundState::Registration => "registration",
            RoundState::Verification => "verification",
            RoundState::Assessment => "assessment",
            RoundState::Provisional => "provisional",
            RoundState::Objection => "objection",
            RoundState::Final => "final",
            RoundState::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<RoundState> {
        Self::LINE
            .into_iter()
            .chain([RoundState::Cancelled])
            .find(|st| st.as_str() == s)
    }

    /// A short label for pages.
    pub fn label(self) -> Msg {
        let (id, en) = match self {
            RoundState::Draft => ("Disiapkan", "In preparation"),
            RoundState::Registration => ("Pendaftaran dibuka", "Registration open"),
            RoundState::Verification => ("Verifikasi administrasi", "Document verification"),
            RoundState::Assessment => ("Uji kelayakan dan kepatutan", "Fit & proper test"),
            RoundState::Provisional => ("Hasil sementara", "Provisional results"),
            RoundState::Objection => ("Masa sanggahan", "Objection period"),
            RoundState::Final => ("Hasil akhir", "Final results"),
            RoundState::Cancelled => ("Dibatalkan", "Cancelled"),
        };
        Msg::new(id, en)
    }

    /// The next state on the main line, if any (none after `final` or `cancelled`).
    pub fn next(self) -> Option<RoundState> {
        let i = Self::LINE.iter().position(|s| *s == self)?;
        Self::LINE.get(i + 1).copied()
    }

    /// Whether criteria, requirements, formations and rules may still change.
    pub fn is_editable(self) -> bool {
        self == RoundState::Draft
    }

    /// The audit action recorded when a round enters this state.
    pub fn entered_action(self) -> &'static str {
        match self {
            RoundState::Draft => "round.created",
            RoundState::Registration => "round.registration_opened",
            RoundState::Verification => "round.registration_closed",
            RoundState::Assessment => "round.assessment_started",
            RoundState::Provisional => "round.provisional_published",
            RoundState::Objection => "round.objection_opened",
            RoundState::Final => "round.finalized",
            RoundState::Cancelled => "round.cancelled",
        }
    }
}

impl fmt::Display for RoundState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message every edit of a frozen round gets.
pub fn frozen_msg() -> Msg {
    Msg::new(
        "Aturan seleksi ini sudah dikunci sejak pendaftaran dibuka; nama, keterangan, kriteria, persyaratan, formasi dan jadwal tidak dapat diubah lagi.",
        "This round's rules were frozen when registration opened; its name, description, criteria, requirements, formations and schedule can no longer be changed.",
    )
}

// ---------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Local time (WITA) for forms and pages
// ---------------------------------------------------------------------------

/// Samarinda's time zone, WITA (UTC+8, no daylight saving).
pub const WITA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Parses a `datetime-local` value (`2026-12-01T08:00`, seconds optional) as WITA.
/// Empty input is `Ok(None)`.
///
/// # Errors
/// A message when the text is not such a date and time.
pub fn parse_wita(input: &str) -> Result<Option<OffsetDateTime>, Msg> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let short = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let long = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let spaced = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    PrimitiveDateTime::parse(s, short)
        .or_else(|_| PrimitiveDateTime::parse(s, long))
        .or_else(|_| PrimitiveDateTime::parse(s, spaced))
        .map(|p| Some(p.assume_offset(WITA).to_offset(UtcOffset::UTC)))
        .map_err(|_| {
            Msg::new(
                "Tanggal dan jam tidak valid; tulis seperti 2026-12-01T08:00 (WITA).",
                "Not a valid date and time; write it like 2026-12-01T08:00 (WITA).",
            )
        })
}

/// The `datetime-local` form value of a time, in WITA.
pub fn input_wita(at: OffsetDateTime) -> String {
    let l = at.to_offset(WITA);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// A time for reading: `2026-12-01 08:00 WITA`.
pub fn format_wita(at: OffsetDateTime) -> String {
    input_wita(at).replace('T', " ") + " WITA"
}

// ---------------------------------------------------------------------------
// Small parsers
// ---------------------------------------------------------------------------

/// The URL slug of a round: lowercase ASCII letters and digits joined by
/// single `-`, ending with the year unless the name already does
/// (`Rekrutmen Pokmas 2027` → `rekrutmen-pokmas-2027`). Letters with accents
/// lose them; other characters separate words.
pub fn slugify(name: &str, year: i32) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in name.chars() {
        let c = fold_accent(ch);
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let y = year.to_string();
    if words.last() != Some(&y) {
        words.push(y);
    }
    let mut slug = words.join("-");
    if slug.len() > 80 {
        slug.truncate(80);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Ö' | 'Õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        other => other,
    }
}

/// The area of a formation as written in `formations.csv`: `all` or RT numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RtSet {
    /// Every RT of the kelurahan.
    All,
    /// These RT numbers, ascending and without repeats.
    Some(Vec<i32>),
}

impl RtSet {
    /// Parses `all` or RT numbers joined by `;` (`,` and spaces are accepted too;
    /// `012` is RT 12).
    ///
    /// # Errors
    /// A message for an empty list, a non-number, RT 0, or a repeated RT.
    pub fn parse(text: &str) -> Result<RtSet, Msg> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") || t.eq_ignore_ascii_case("semua") {
            return Ok(RtSet::All);
        }
        let mut rts = Vec::new();
        for part in t.split([';', ',', ' ']).filter(|p| !p.trim().is_empty()) {
            let n: i32 = part.trim().parse().map_err(|_| {
                Msg::new(
                    format!("«{part}» bukan nomor RT."),
                    format!("«{part}» is not an RT number."),
                )
            })?;
            if !(1..=9999).contains(&n) {
                return Err(Msg::new(
                    format!("Nomor RT {n} tidak valid (mulai dari 1)."),
                    format!("RT number {n} is not valid (they start at 1)."),
                ));
            }
            if rts.contains(&n) {
                return Err(Msg::new(
                    format!("RT {n} disebut dua kali."),
                    format!("RT {n} is listed twice."),
                ));
            }
            rts.push(n);
        }
        if rts.is_empty() {
            return Err(Msg::new(
                "Sebutkan nomor RT (mis. 1;2;3) atau «all» untuk seluruh kelurahan.",
                "List the RT numbers (e.g. 1;2;3) or «all» for the whole kelurahan.",
            ));
        }
        rts.sort_unstable();
        Ok(RtSet::Some(rts))
    }

    /// The `formations.csv` spelling: `all` or `1;2;3`.
    pub fn to_csv(&self) -> String {
        match self {
            RtSet::All => "all".into(),
            RtSet::Some(v) => v.iter().map(i32::to_string).collect::<Vec<_>>().join(";"),
        }
    }
}

/// The label of one point of a criterion's scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointLabel {
    pub id: String,
    pub en: String,
}

/// Largest number of points for which every point must carry a label; wider
/// scales (e.g. a 0–100 written test) label only the points given.
pub const FULLY_LABELLED_POINTS: i64 = 11;

/// Parses scale labels typed one per line as `point = Indonesian | English`
/// (`3 = Cukup | Adequate`; the English part may be left out).
///
/// # Errors
/// A message for a malformed line, a point outside `min..=max` or given twice,
/// or — on scales of at most [`FULLY_LABELLED_POINTS`] points — a point without a label.
pub fn parse_scale_labels(
    text: &str,
    min: i64,
    max: i64,
) -> Result<BTreeMap<i64, PointLabel>, Msg> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((point, rest)) = line.split_once('=') else {
            return Err(Msg::new(
                format!("Baris «{line}»: tulis seperti «3 = Cukup | Adequate»."),
                format!("Line «{line}»: write it like «3 = Cukup | Adequate»."),
            ));
        };
        let p: i64 = point.trim().parse().map_err(|_| {
            Msg::new(
                format!("Baris «{line}»: «{}» bukan angka.", point.trim()),
                format!("Line «{line}»: «{}» is not a number.", point.trim()),
            )
        })?;
        if !(min..=max).contains(&p) {
            return Err(Msg::new(
                format!("Nilai {p} di luar skala {min}–{max}."),
                format!("Point {p} is outside the scale {min}–{max}."),
            ));
        }
        let (id, en) = match rest.split_once('|') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (rest.trim(), ""),
        };
        if id.is_empty() {
            return Err(Msg::new(
                format!("Nilai {p} belum diberi keterangan."),
                format!("Point {p} has no label."),
            ));
        }
        let label = PointLabel {
            id: id.to_owned(),
            en: if en.is_empty() { id } else { en }.to_owned(),
        };
        if out.insert(p, label).is_some() {
            return Err(Msg::new(
                format!("Nilai {p} diberi keterangan dua kali."),
                format!("Point {p} is labelled twice."),
            ));
        }
    }
    if max - min < FULLY_LABELLED_POINTS
        && let Some(p) = (min..=max).find(|p| !out.contains_key(p))
    {
        return Err(Msg::new(
            format!("Setiap nilai skala {min}–{max} perlu keterangan; nilai {p} belum ada."),
            format!("Every point of the scale {min}–{max} needs a label; {p} has none."),
        ));
    }
    Ok(out)
}

/// Writes labels back in the form [`parse_scale_labels`] reads.
pub fn format_scale_labels(labels: &BTreeMap<i64, PointLabel>) -> String {
    labels
        .iter()
        .map(|(p, l)| format!("{p} = {} | {}", l.id, l.en))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Labels as stored in `criterion.scale_labels`: `{"<point>": {"id": …, "en": …}}`.
pub fn scale_labels_json(labels: &BTreeMap<i64, PointLabel>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .map(|(p, l)| (p.to_string(), serde_json::json!({ "id": l.id, "en": l.en })))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Reads `criterion.scale_labels`; anything unreadable yields no labels.
pub fn scale_labels_from_json(text: &str) -> BTreeMap<i64, PointLabel> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            Some((
                k.parse().ok()?,
                PointLabel {
                    id: v.get("id")?.as_str()?.to_owned(),
                    en: v.get("en")?.as_str()?.to_owned(),
                },
            ))
        })
        .collect()
}

/// What the criteria form says about the weights: `None` when they sum to 100.
pub fn weight_shortfall(sum: i64) -> Option<Msg> {
    match sum.cmp(&100) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(Msg::new(
            format!("Total bobot {sum}; kurang {}.", 100 - sum),
            format!("Weights total {sum}; {} missing.", 100 - sum),
        )),
        std::cmp::Ordering::Greater => Some(Msg::new(
            format!("Total bobot {sum}; lebih {}.", sum - 100),
            format!("Weights total {sum}; {} too many.", sum - 100),
        )),
    }
}

// ---------------------------------------------------------------------------
// Frozen rules: canonical form and hash
// ---------------------------------------------------------------------------

/// Round-wide rules as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenSettings {
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
}

/// One criterion as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenCriterion {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub position: i32,
    pub scale_labels: BTreeMap<i64, PointLabel>,
}

/// One requirement as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenRequirement {
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub params: String,
    pub mandatory: bool,
    pub position: i32,
}

/// One formation as frozen, with the RTs it covers at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenFormation {
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub all_rts: bool,
    pub rts: Vec<i32>,
    pub seats: i32,
    pub reserve: i32,
}

/// Everything opening registration freezes.
///
/// # Canonical form
///
/// The hash is the lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785
/// (JCS) text of this JSON object — the same canonical form as audit payloads
/// (README, "Canonical payload"): keys sorted, no whitespace, only strings,
/// integers, arrays and objects:
///
/// ```text
/// { "format": "pokmas-frozen-rules/1",
///   "round_id": "<uuid>",
///   "settings": { "aggregation": "mean"|"trimmed_mean",
///                 "passing_total": <int>|"", "min_panelists": <int>,
///                 "age_min": <int>|"", "age_max": <int>|"" },
///   "criteria": [ { "code", "name_id", "name_en", "description_id",
///                   "description_en", "kind": "panel"|"imported",
///                   "scale_min": <int>, "scale_max": <int>, "weight": <int>,
///                   "pass_min": <int>|"", "tiebreak_order": <int>|"",
///                   "position": <int>,
///                   "scale_labels": { "<point>": {"id": "…", "en": "…"} } } … ],
///   "requirements": [ { "code", "kind", "text_id", "text_en", "params",
///                       "mandatory": "yes"|"no", "position": <int> } … ],
///   "formations": [ { "code", "name", "kelurahan_code", "rts": [<int>, …],
///                     "all_rts": "yes"|"no", "seats": <int>, "reserve": <int> } … ] }
/// ```
///
/// An unset number is the empty string `""`; `params` is the stored JSON
/// text (or `""`). Criteria are listed by `position` then `code`,
/// requirements likewise, formations by `code`, RTs ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenRules {
    pub round_id: String,
    pub settings: FrozenSettings,
    pub criteria: Vec<FrozenCriterion>,
    pub requirements: Vec<FrozenRequirement>,
    pub formations: Vec<FrozenFormation>,
}

/// Name and version of the canonical form, part of the hashed text so a
/// future change of the form can never produce a colliding meaning.
pub const FROZEN_FORMAT: &str = "pokmas-frozen-rules/1";

fn opt(v: Option<i32>) -> serde_json::Value {
    v.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl FrozenRules {
    /// The JSON object described on [`FrozenRules`].
    pub fn to_json(&self) -> serde_json::Value {
        let mut criteria = self.criteria.clone();
        criteria.sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        let mut requirements = self.requirements.clone();
        requirements.sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        let mut formations = self.formations.clone();
        formations.sort_by(|a, b| a.code.cmp(&b.code));
        serde_json::json!({
            "format": FROZEN_FORMAT,
            "round_id": self.round_id,
            "settings": {
                "aggregation": self.settings.aggregation,
                "passing_total": opt(self.settings.passing_total),
                "min_panelists": self.settings.min_panelists,
                "age_min": opt(self.settings.age_min),
                "age_max": opt(self.settings.age_max),
            },
            "criteria": criteria.iter().map(|c| {
                let labels: serde_json::Map<String, serde_json::Value> = c
                    .scale_labels
                    .iter()
                    .map(|(p, l)| (p.to_string(), serde_json::json!({"id": l.id, "en": l.en})))
                    .collect();
                serde_json::json!({
                    "code": c.code,
                    "name_id": c.name_id,
                    "name_en": c.name_en,
                    "description_id": c.description_id,
                    "description_en": c.description_en,
                    "kind": c.kind,
                    "scale_min": c.scale_min,
                    "scale_max": c.scale_max,
                    "weight": c.weight,
                    "pass_min": opt(c.pass_min),
                    "tiebreak_order": opt(c.tiebreak_order),
                    "position": c.position,
                    "scale_labels": labels,
                })
            }).collect::<Vec<_>>(),
            "requirements": requirements.iter().map(|r| serde_json::json!({
                "code": r.code,
                "kind": r.kind,
                "text_id": r.text_id,
                "text_en": r.text_en,
                "params": r.params,
                "mandatory": yes_no(r.mandatory),
                "position": r.position,
            })).collect::<Vec<_>>(),
            "formations": formations.iter().map(|f| {
                let mut rts = f.rts.clone();
                rts.sort_unstable();
                serde_json::json!({
                    "code": f.code,
                    "name": f.name,
                    "kelurahan_code": f.kelurahan_code,
                    "rts": rts,
                    "all_rts": yes_no(f.all_rts),
                    "seats": f.seats,
                    "reserve": f.reserve,
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// The canonical text that is hashed.
    ///
    /// # Errors
    /// Only if a value falls outside the canonical subset (it cannot: every
    /// field is a string or an `i32`).
    pub fn canonical_text(&self) -> Result<String, PayloadError> {
        canonical_payload(&self.to_json())
    }

    /// `sha256_hex` of [`FrozenRules::canonical_text`].
    ///
    /// # Errors
    /// As [`FrozenRules::canonical_text`].
    pub fn hash(&self) -> Result<String, PayloadError> {
        self.canonical_text().map(|t| sha256_hex(&t))
    }
}

// ---------------------------------------------------------------------------
// Worked example for the public page
// ---------------------------------------------------------------------------

/// One criterion's line in the worked example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleLine {
    pub code: String,
    pub weight: i32,
    pub scale_min: i32,
    pub scale_max: i32,
    /// `m_c` of applicants A and B.
    pub values: [i32; 2],
    /// `w_c · n_c` of A and B, as `p/q`.
    pub points: [String; 2],
    /// `w_c · n_c` rounded to two decimals.
    pub points_2dp: [String; 2],
}

/// Two made-up applicants ranked by hand, for the public page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkedExample {
    pub lines: Vec<ExampleLine>,
    /// Exact totals of A and B (`p/q`) and rounded.
    pub totals: [String; 2],
    pub totals_2dp: [String; 2],
    /// 0 when A ranks first, 1 when B does, `None` on an exact tie.
    pub first: Option<usize>,
}

/// Builds the example from `(code, weight, scale_min, scale_max)` of each
/// criterion: A scores three quarters of every scale, B alternately the top
/// and the middle, so the totals differ and every line shows the arithmetic.
pub fn worked_example(criteria: &[(String, i32, i32, i32)]) -> WorkedExample {
    let mut lines = Vec::new();
    let mut totals = [
        Ratio::from_integer(BigInt::from(0)),
        Ratio::from_integer(BigInt::from(0)),
    ];
    for (i, (code, weight, min, max)) in criteria.iter().enumerate() {
        let width = max - min;
        let a = min + (width * 3) / 4;
        let b = if i % 2 == 0 { *max } else { min + width / 2 };
        let mut points: [String; 2] = Default::default();
        let mut points_2dp: [String; 2] = Default::default();
        for (k, v) in [a, b].into_iter().enumerate() {
            let p = if width > 0 {
                Ratio::new(
                    BigInt::from(i64::from(*weight) * i64::from(v - min)),
                    BigInt::from(width),
                )
            } else {
                Ratio::from_integer(BigInt::from(0))
            };
            points[k] = format_fraction(&p);
            points_2dp[k] = format_rounded_2dp(&p);
            totals[k] += p;
        }
        lines.push(ExampleLine {
            code: code.clone(),
            weight: *weight,
            scale_min: *min,
            scale_max: *max,
            values: [a, b],
            points,
            points_2dp,
        });
    }
    let first = match totals[0].cmp(&totals[1]) {
        std::cmp::Ordering::Greater => Some(0),
        std::cmp::Ordering::Less => Some(1),
        std::cmp::Ordering::Equal => None,
    };
    WorkedExample {
        lines,
        totals: [format_fraction(&totals[0]), format_fraction(&totals[1])],
        totals_2dp: [
            format_rounded_2dp(&totals[0]),
            format_rounded_2dp(&totals[1]),
        ],
        first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn full_schedule() -> Schedule {
        Schedule {
            registration_opens_at: Some(datetime!(2027-01-06 00:00 UTC)),
            registration_closes_at: Some(datetime!(2027-01-13 16:00 UTC)),
            verification_ends_at: Some(datetime!(2027-01-27 16:00 UTC)),
            assessment_starts_at: Some(datetime!(2027-02-15 00:00 UTC)),
            assessment_ends_at: Some(datetime!(2027-02-17 16:00 UTC)),
            provisional_at: Some(datetime!(2027-02-20 00:00 UTC)),
            objection_ends_at: Some(datetime!(2027-02-23 16:00 UTC)),
            final_at: Some(datetime!(2027-03-07 00:00 UTC)),
        }
    }

    #[test]
    fn states_round_trip_and_follow_the_published_line() {
        for s in RoundState::LINE.into_iter().chain([RoundState::Cancelled]) {
            assert_eq!(RoundState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RoundState::parse("open"), None);
        assert_eq!(RoundState::Draft.next(), Some(RoundState::Registration));
        assert_eq!(RoundState::Final.next(), None);
        assert_eq!(RoundState::Cancelled.next(), None);
        assert!(RoundState::Draft.is_editable());
        assert!(!RoundState::Registration.is_editable());
    }

    #[test]
    fn registration_opens_only_with_a_full_ordered_schedule_before_it_closes() {
        let s = full_schedule();
        let before = datetime!(2027-01-01 00:00 UTC);
        assert_eq!(
            check_transition(RoundState::Draft, RoundState::Registration, &s, before),
            Ok(())
        );
        let mut partial = s;
        partial.final_at = None;
        let err = check_transition(
            RoundState::Draft,
            RoundState::Registration,
            &partial,
            before,
        )
        .expect_err("incomplete");
        assert!(err.id.contains("Pengumuman hasil akhir"), "{}", err.id);
        let after_close = datetime!(2027-01-14 00:00 UTC);
        let err = check_transition(RoundState::Draft, RoundState::Registration, &s, after_close)
            .expect_err("too late");
        assert!(err.id.starts_with("Sudah lewat"), "{}", err.id);
        assert!(err.en.contains("Too late"));
    }

    #[test]
    fn each_later_step_waits_for_its_date() {
        let s = full_schedule();
        let at = |t: OffsetDateTime, from, to| check_transition(from, to, &s, t);
        use RoundState::*;
        assert!(at(datetime!(2027-01-13 15:59 UTC), Registration, Verification).is_err());
        assert!(at(datetime!(2027-01-13 16:00 UTC), Registration, Verification).is_ok());
        assert!(at(datetime!(2027-02-14 23:59 UTC), Verification, Assessment).is_err());
        assert!(at(datetime!(2027-02-15 00:00 UTC), Verification, Assessment).is_ok());
        assert!(at(datetime!(2027-02-19 00:00 UTC), Assessment, Provisional).is_err());
        assert!(at(datetime!(2027-02-20 00:00 UTC), Assessment, Provisional).is_ok());
        assert!(at(datetime!(2027-02-21 00:00 UTC), Provisional, Objection).is_ok());
        assert!(at(datetime!(2027-02-24 00:00 UTC), Provisional, Objection).is_err());
        assert!(at(datetime!(2027-02-23 15:00 UTC), Objection, Final).is_err());
        assert!(at(datetime!(2027-02-23 16:00 UTC), Objection, Final).is_ok());
    }

    #[test]
    fn steps_out_of_order_are_refused_with_the_expected_next_step() {
        let s = full_schedule();
        let now = datetime!(2027-03-10 00:00 UTC);
        let err =
            check_transition(RoundState::Draft, RoundState::Assessment, &s, now).expect_err("skip");
        assert!(err.id.contains("«Pendaftaran dibuka»"), "{}", err.id);
        assert!(err.en.contains("the next step is «Registration open»"));
        assert!(
            check_transition(RoundState::Verification, RoundState::Registration, &s, now).is_err()
        );
        assert!(check_transition(RoundState::Final, RoundState::Draft, &s, now).is_err());
    }

    #[test]
    fn cancelling_is_possible_until_final() {
        let s = Schedule::default();
        let now = datetime!(2027-03-10 00:00 UTC);
        for from in RoundState::LINE {
            let res = check_transition(from, RoundState::Cancelled, &s, now);
            assert_eq!(res.is_ok(), from != RoundState::Final, "{from}");
        }
        assert!(check_transition(RoundState::Cancelled, RoundState::Cancelled, &s, now).is_err());
    }

    #[test]
    fn dates_out_of_order_name_the_offending_milestone() {
        let mut s = full_schedule();
        assert_eq!(s.check_order(), Ok(()));
        s.registration_closes_at = s.registration_opens_at;
        let (m, msg) = s.check_order().expect_err("equal");
        assert_eq!(m, Milestone::RegistrationCloses);
        assert!(
            msg.id.contains("harus sesudah «Pendaftaran dibuka»"),
            "{}",
            msg.id
        );
        let mut s = full_schedule();
        s.verification_ends_at = Some(datetime!(2027-01-01 00:00 UTC));
        assert_eq!(
            s.check_order().map_err(|e| e.0),
            Err(Milestone::VerificationEnds)
        );
        // Equal is fine where no period needs a length.
        let mut s = full_schedule();
        s.verification_ends_at = s.registration_closes_at;
        assert_eq!(s.check_order(), Ok(()));
        // Unset dates are skipped while drafting.
        let partial = Schedule {
            registration_opens_at: Some(datetime!(2027-01-06 00:00 UTC)),
            final_at: Some(datetime!(2027-03-07 00:00 UTC)),
            ..Schedule::default()
        };
        assert_eq!(partial.check_order(), Ok(()));
        assert!(partial.check_complete().is_err());
    }

    #[test]
    fn times_are_typed_and_shown_in_wita() {
        let at = parse_wita("2027-01-06T08:00").expect("ok").expect("some");
        assert_eq!(at, datetime!(2027-01-06 00:00 UTC));
        assert_eq!(input_wita(at), "2027-01-06T08:00");
        assert_eq!(format_wita(at), "2027-01-06 08:00 WITA");
        assert_eq!(parse_wita("  "), Ok(None));
        assert!(parse_wita("6 Januari").is_err());
    }

    #[test]
    fn slugs_are_ascii_and_end_with_the_year_once() {
        assert_eq!(
            slugify("Rekrutmen Pokmas 2027", 2027),
            "rekrutmen-pokmas-2027"
        );
        assert_eq!(
            slugify("  Seleksi  Pokmas — Kelurahan Bugis! ", 2027),
            "seleksi-pokmas-kelurahan-bugis-2027"
        );
        assert_eq!(slugify("Ñandú café", 2026), "nandu-cafe-2026");
        assert_eq!(slugify("", 2026), "2026");
        assert!(slugify(&"x".repeat(200), 2026).len() <= 80);
    }

    proptest::proptest! {
        #[test]
        fn any_name_gives_a_clean_slug_ending_with_the_year(name in "\\PC{0,60}", year in 2020i32..2100) {
            let slug = slugify(&name, year);
            proptest::prop_assert!(slug.len() <= 80);
            proptest::prop_assert!(slug.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())), "{}", slug);
            proptest::prop_assert!(slug.ends_with(&year.to_string()) || slug.len() == 80);
        }

        #[test]
        fn rt_lists_round_trip(mut rts in proptest::collection::btree_set(1i32..500, 1..40)) {
            let list: Vec<i32> = std::mem::take(&mut rts).into_iter().rev().collect();
            let text = list.iter().map(i32::to_string).collect::<Vec<_>>().join(";");
            let parsed = RtSet::parse(&text).expect("valid");
            proptest::prop_assert_eq!(RtSet::parse(&parsed.to_csv()).expect("again"), parsed);
        }

        #[test]
        fn a_schedule_built_in_order_always_passes(gaps in proptest::collection::vec(1i64..1000, 8)) {
            let mut s = Schedule::default();
            let mut at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
            for (m, gap) in Milestone::ALL.into_iter().zip(gaps) {
                at += time::Duration::hours(gap);
                s.set(m, Some(at));
            }
            proptest::prop_assert_eq!(s.check_complete(), Ok(()));
        }
    }

    #[test]
    fn rt_lists_parse_the_csv_spelling() {
        assert_eq!(RtSet::parse("all"), Ok(RtSet::All));
        assert_eq!(RtSet::parse("3;1; 012"), Ok(RtSet::Some(vec![1, 3, 12])));
        assert_eq!(RtSet::Some(vec![1, 3, 12]).to_csv(), "1;3;12");
        assert!(RtSet::parse("1;1").is_err());
        assert!(RtSet::parse("0").is_err());
        assert!(RtSet::parse("a").is_err());
        assert!(RtSet::parse("").is_err());
    }

    #[test]
    fn scale_labels_need_every_point_on_short_scales() {
        let ok = parse_scale_labels(
            "1 = Sangat kurang | Very poor\n2=Kurang\n3 = Cukup | Adequate",
            1,
            3,
        )
        .expect("ok");
        assert_eq!(ok[&2].en, "Kurang");
        let back = parse_scale_labels(&format_scale_labels(&ok), 1, 3).expect("round trip");
        assert_eq!(back, ok);
        assert_eq!(scale_labels_from_json(&scale_labels_json(&ok)), ok);
        assert!(parse_scale_labels("1 = a\n3 = c", 1, 3).is_err());
        assert!(parse_scale_labels("1 = a\n2 = b\n3 = c\n4 = d", 1, 3).is_err());
        assert!(parse_scale_labels("satu = a", 1, 3).is_err());
        assert!(parse_scale_labels("0 = Tidak hadir\n100 = Sempurna", 0, 100).is_ok());
    }

    #[test]
    fn the_weight_message_says_what_is_missing() {
        assert_eq!(weight_shortfall(100), None);
        assert_eq!(
            weight_shortfall(85).map(|m| m.id),
            Some("Total bobot 85; kurang 15.".into())
        );
        assert_eq!(
            weight_shortfall(110).map(|m| m.en),
            Some("Weights total 110; 10 too many.".into())
        );
    }

    fn sample_rules() -> FrozenRules {
        let mut labels = BTreeMap::new();
        labels.insert(
            1,
            PointLabel {
                id: "Kurang".into(),
                en: "Poor".into(),
            },
        );
        labels.insert(
            2,
            PointLabel {
                id: "Baik".into(),
                en: "Good".into(),
            },
        );
        FrozenRules {
            round_id: "5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7".into(),
            settings: FrozenSettings {
                aggregation: "mean".into(),
                passing_total: Some(60),
                min_panelists: 3,
                age_min: Some(21),
                age_max: None,
            },
            criteria: vec![FrozenCriterion {
                code: "K1".into(),
                name_id: "Integritas".into(),
                name_en: "Integrity".into(),
                description_id: String::new(),
                description_en: String::new(),
                kind: "panel".into(),
                scale_min: 1,
                scale_max: 2,
                weight: 100,
                pass_min: None,
                tiebreak_order: Some(1),
                position: 1,
                scale_labels: labels,
            }],
            requirements: vec![FrozenRequirement {
                code: "KTP".into(),
                kind: "document".into(),
                text_id: "Pindaian KTP".into(),
                text_en: "KTP scan".into(),
                params: String::new(),
                mandatory: true,
                position: 1,
            }],
            formations: vec![FrozenFormation {
                code: "64.72.09.1004".into(),
                name: "Bugis".into(),
                kelurahan_code: "64.72.09.1004".into(),
                all_rts: true,
                rts: vec![2, 1],
                seats: 5,
                reserve: 2,
            }],
        }
    }

    #[test]
    fn the_frozen_canonical_text_and_hash_are_pinned() {
        let rules = sample_rules();
        let text = rules.canonical_text().expect("canonical");
        assert_eq!(
            text,
            concat!(
                r#"{"criteria":[{"code":"K1","description_en":"","description_id":"","kind":"panel","#,
                r#""name_en":"Integrity","name_id":"Integritas","pass_min":"","position":1,"#,
                r#""scale_labels":{"1":{"en":"Poor","id":"Kurang"},"2":{"en":"Good","id":"Baik"}},"#,
                r#""scale_max":2,"scale_min":1,"tiebreak_order":1,"weight":100}],"#,
                r#""format":"pokmas-frozen-rules/1","#,
                r#""formations":[{"all_rts":"yes","code":"64.72.09.1004","kelurahan_code":"64.72.09.1004","#,
                r#""name":"Bugis","reserve":2,"rts":[1,2],"seats":5}],"#,
                r#""requirements":[{"code":"KTP","kind":"document","mandatory":"yes","params":"","#,
                r#""position":1,"text_en":"KTP scan","text_id":"Pindaian KTP"}],"#,
                r#""round_id":"5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7","#,
                r#""settings":{"age_max":"","age_min":21,"aggregation":"mean","min_panelists":3,"passing_total":60}}"#
            )
        );
        assert_eq!(rules.hash().expect("hash"), sha256_hex(&text));
        assert_eq!(
            rules.hash().expect("hash"),
            "2be0c6014bf611a7e32430432cfff98333fcb9c4b8769deab9d730bf98fcce39"
        );
    }

    #[test]
    fn any_change_of_a_frozen_value_changes_the_hash() {
        let base = sample_rules().hash().expect("hash");
        let mut r = sample_rules();
        r.formations[0].seats = 6;
        assert_ne!(r.hash().expect("hash"), base);
        let mut r = sample_rules();
        r.criteria[0].scale_labels.clear();
        assert_ne!(r.hash().expect("hash"), base);
        let mut r = sample_rules();
        r.requirements[0].mandatory = false;
        assert_ne!(r.hash().expect("hash"), base);
        // Listing order does not matter: the form sorts.
        let mut r = sample_rules();
        r.formations[0].rts = vec![1, 2];
        assert_eq!(r.hash().expect("hash"), base);
    }

    #[test]
    fn the_worked_example_adds_up_exactly() {
        let ex = worked_example(&[("K1".into(), 60, 1, 5), ("K2".into(), 40, 1, 5)]);
        // A: 4 and 4 → 60·3/4 + 40·3/4 = 75. B: 5 and 3 → 60 + 20 = 80.
        assert_eq!(ex.lines[0].values, [4, 5]);
        assert_eq!(ex.lines[1].values, [4, 3]);
        assert_eq!(ex.totals, ["75/1".to_string(), "80/1".to_string()]);
        assert_eq!(ex.totals_2dp, ["75.00".to_string(), "80.00".to_string()]);
        assert_eq!(ex.first, Some(1));
        let ex = worked_example(&[("T".into(), 100, 0, 100), ("W".into(), 0, 1, 3)]);
        assert_eq!(ex.lines[0].values, [75, 100]);
    }
}
