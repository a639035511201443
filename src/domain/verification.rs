//! Verification as the operator sees it: the reasons to pick from, the
//! round states in which checks are recorded, one application opened for
//! checking with its requirements and documents, and the queue and the
//! pending changes around it.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::application::ApplicationState;
use super::approval::Approval;
use super::eligibility::{CheckOutcome, RequirementOutcome};
use super::lang::Lang;
use super::round::RoundState;

/// One recorded check of a requirement (the latest revision counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementCheck {
    pub id: Uuid,
    pub application_id: Uuid,
    pub requirement_id: Uuid,
    pub revision: i32,
    pub outcome: RequirementOutcome,
    pub reason_code: Option<String>,
    pub reason_text: String,
    pub automatic: bool,
    pub checked_by: Option<Uuid>,
    pub checked_at: OffsetDateTime,
}

/// The reasons an operator picks from: `(code, Indonesian, English)`.
pub const REASONS: [(&str, &str, &str); 6] = [
    ("unreadable", "Dokumen tidak terbaca", "Document unreadable"),
    (
        "mismatch",
        "Dokumen tidak sesuai",
        "Document does not match",
    ),
    ("expired", "Masa berlaku habis", "Document expired"),
    (
        "age",
        "Tidak memenuhi syarat usia",
        "Age requirement not met",
    ),
    (
        "domicile",
        "Domisili di luar formasi",
        "Lives outside the formation",
    ),
    ("other", "Lainnya", "Other"),
];

/// The label of a reason code in `lang`; the code itself when unknown.
pub fn reason_label(code: &str, lang: Lang) -> String {
    // Automatic checks store finer codes; people read them as the list's reason.
    let code = match code {
        "age_too_young" | "age_too_old" => "age",
        "domicile_outside" => "domicile",
        other => other,
    };
    REASONS.iter().find(|(c, _, _)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, id, en)| lang.pick(id, en).to_owned(),
    )
}

/// One requirement of an opened application, with its current check.
#[derive(Clone, Debug)]
pub struct RequirementView {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    /// An optional document that was not uploaded: recorded as not
    /// submitted, with no MS/TMS to choose.
    pub not_submitted: bool,
    /// What the platform found by itself (age, domicile).
    pub automatic: Option<CheckOutcome>,
    /// The latest recorded check.
    pub current: Option<RequirementCheck>,
}

/// A document of an opened application.
#[derive(Clone, Debug)]
pub struct DocumentView {
    pub id: Uuid,
    pub requirement_id: Option<Uuid>,
    pub original_name: String,
    pub content_type: String,
    /// Size of the stored file in bytes.
    pub size_bytes: i64,
}

/// What an operator sees of one application: masked NIK and the personal data
/// needed for checking, nothing more.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub id: Uuid,
    pub round_name: String,
    pub round_state: RoundState,
    pub registration_no: String,
    pub state: ApplicationState,
    pub full_name: String,
    pub nik_masked: String,
    pub nik_warnings: Vec<String>,
    pub birth_place: String,
    pub birth_date: Option<Date>,
    pub sex: String,
    pub address: String,
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    pub assisted: bool,
    pub requirements: Vec<RequirementView>,
    pub documents: Vec<DocumentView>,
    /// A change request waiting for a second admin.
    pub pending_change: Option<Approval>,
}

impl ApplicationView {
    /// Whether a first verification can still be recorded.
    pub fn awaiting_verification(&self) -> bool {
        self.state == ApplicationState::Submitted
    }

    /// Whether the round is in a state where outcomes are recorded or changed.
    pub fn round_open(&self) -> bool {
        self.round_state.is_verifying()
    }
}

/// One line of the verification queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub kelurahan_name: String,
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    pub state: ApplicationState,
}

/// The queue of one round.
#[derive(Clone, Debug)]
pub struct RoundQueue {
    pub round_name: String,
    pub round_state: RoundState,
    pub rows: Vec<QueueRow>,
}

/// A pending change, as the approvals page lists it.
#[derive(Clone, Debug)]
pub struct PendingApproval {
    pub id: Uuid,
    /// The application concerned (none for a file of imported values).
    pub application_id: Option<Uuid>,
    pub registration_no: String,
    pub requested_by_name: String,
    pub requested_by: Uuid,
    pub reason: String,
    pub requested_at: OffsetDateTime,
    /// Requirement codes that would be TMS after the change.
    pub tms: Vec<String>,
    /// For a change of another ranking input (a recusal, a file of imported
    /// values; [`crate::services::input_approvals`]): what approving would
    /// do, in Bahasa Indonesia and English. `None` for a verification change.
    pub change: Option<(String, String)>,
}
