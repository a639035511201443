//! sea-orm entities, one module per table.
//!
//! The schema itself is defined by the `migration` crate; these mirror it.

pub mod account;
pub mod account_scope;
pub mod api_token;
pub mod application;
pub mod application_declaration;
pub mod approval;
pub mod audit_chain_head;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod auth_token;
pub mod breach_record;
pub mod conflict_declaration;
pub mod criterion;
pub mod data_key;
pub mod document;
pub mod erasure_request;
pub mod formation;
pub mod formation_rt;
pub mod group_role;
pub mod idempotency_key;
pub mod imported_value;
pub mod kecamatan;
pub mod kelurahan;
pub mod lottery_witness;
pub mod mail_outbox;
pub mod objection;
pub mod objection_filing;
pub mod panel;
pub mod panel_formation;
pub mod panel_member;
pub mod privacy_setting;
pub mod ranking;
pub mod rate_limit;
pub mod requirement;
pub mod requirement_check;
pub mod round;
pub mod round_stage;
pub mod rt;
pub mod score_value;
pub mod score_version;
pub mod scorecard;
pub mod scorecard_draft_value;
pub mod session;
pub mod stage_shortlist;
pub mod stage_shortlist_entry;
pub mod stored_file;
pub mod test_invitation;
pub mod test_session;
// information section and messages without e-mail
pub mod announcement;
pub mod faq_entry;
pub mod help_desk;
pub mod message_consent;
pub mod sop_document;
