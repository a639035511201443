//! An application as its own pages show it (form, receipt, status): the
//! stored fields but the encrypted ones, its round and formation, its
//! documents and declarations, and the contact and birth fields opened under
//! its data key. Plain records, so no page holds a stored model.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::application::ApplicationState;
use super::round::{FormationHead, RequirementRow, Round};

/// An application's stored fields, without the ciphertexts and the emptied
/// `plain_*` columns (read [`Personal`] instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub id: Uuid,
    pub round_id: Uuid,
    pub formation_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub registration_no: Option<String>,
    pub state: ApplicationState,
    pub assisted_by: Option<Uuid>,
    pub full_name: String,
    pub nik_hash: Option<String>,
    pub nik_masked: Option<String>,
    pub sex: String,
    pub kelurahan_code: Option<String>,
    pub rt_number: Option<i32>,
    pub education: String,
    pub occupation: String,
    pub family_card_hash: Option<String>,
    pub motivation: String,
    pub experience: String,
    pub nik_warnings: String,
    pub status_pin_hash: Option<String>,
    pub submission_hash: Option<String>,
    pub seq_in_kelurahan: Option<i32>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub eligibility_decided_at: Option<OffsetDateTime>,
}

/// An uploaded document of an application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub requirement_id: Option<Uuid>,
    pub sha256: String,
    pub original_name: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// An application's contact and birth fields, decrypted. All empty for a
/// draft that has none yet and for an erased application.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Personal {
    pub email: String,
    pub phone: String,
    pub address: String,
    pub birth_place: String,
    pub birth_date: Option<Date>,
}

impl Personal {
    /// Whether any contact field (e-mail, phone, address) is held.
    #[must_use]
    pub fn has_contact(&self) -> bool {
        !(self.email.is_empty() && self.phone.is_empty() && self.address.is_empty())
    }

    /// Whether a birth field is held.
    #[must_use]
    pub fn has_birth(&self) -> bool {
        !self.birth_place.is_empty() || self.birth_date.is_some()
    }

    /// Whether any field is held.
    #[must_use]
    pub fn has_any(&self) -> bool {
        self.has_contact() || self.has_birth()
    }
}

/// An application with what its own pages (form, receipt, status) show.
#[derive(Clone, Debug)]
pub struct ApplicationPage {
    pub application: Application,
    pub round: Round,
    pub formation: Option<FormationHead>,
    pub kelurahan_name: String,
    /// Document requirements with the uploaded document, if any.
    pub documents: Vec<(RequirementRow, Option<DocumentRecord>)>,
    /// Declaration requirements and whether each is accepted.
    pub declarations: Vec<(RequirementRow, bool)>,
    /// Contact and birth fields, opened under the application's data key.
    pub personal: Personal,
}
