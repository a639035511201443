//! What the forms that set a draft round up offer and accept: the row and
//! stage limits, the choices of requirement kind and stage scoring, and what
//! generating the formations reported. The services enforce these and the
//! pages render them, so both read them here.

/// Highest number of stages a round may have.
pub const MAX_STAGES: usize = 6;

/// How a stage is scored.
pub const STAGE_SCORINGS: [(&str, &str, &str); 2] = [
    (
        "imported",
        "Nilai diimpor (mis. tes tertulis)",
        "Imported values (e.g. a written test)",
    ),
    ("panel", "Dinilai panel", "Scored by the panel"),
];

/// Highest row index the criteria and requirements forms carry.
pub const MAX_ROWS: usize = 40;

/// The kinds a requirement can have, with how they are checked.
pub const REQUIREMENT_KINDS: [(&str, &str, &str); 4] = [
    (
        "document",
        "Dokumen diunggah (diperiksa MS/TMS)",
        "Uploaded document (checked eligible/ineligible)",
    ),
    (
        "declaration",
        "Pernyataan dicentang pendaftar",
        "Declaration ticked by the applicant",
    ),
    (
        "age",
        "Usia pada tanggal pendaftaran ditutup (otomatis)",
        "Age on the registration closing date (automatic)",
    ),
    (
        "domicile",
        "Domisili di wilayah formasi (otomatis)",
        "Domicile in the formation's area (automatic)",
    ),
];

/// What generating formations did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateReport {
    /// Codes of the formations created.
    pub created: Vec<String>,
    /// Kelurahan skipped because a formation of the round already covers them.
    pub already_covered: Vec<String>,
    /// Kelurahan without RT rows: `(code, name, rt_count if known)`.
    pub without_rts: Vec<(String, String, Option<i32>)>,
}
