//! maud views: a layout, small components and one module per page family.
//! Views take view-model structs and never see the database.

pub mod account;
pub mod applications;
pub mod assets;
pub mod auth;
pub mod errors;
pub mod layout;
pub mod panels;
pub mod print;
pub mod public;
pub mod qr;
pub mod receipts;
pub mod rounds;
pub mod scoring;
pub mod stages;
pub mod tlog;
// verification and staff accounts
pub mod staff;
// auditor exports
pub mod audit_exports;
// auditors' workspace
pub mod charts;
pub mod trail;
// lottery witnesses, imports, progress (panel/admin input side)
pub mod imports;
pub mod lottery;
pub mod progress;
// results, objections and finalization
pub mod panel_review;
pub mod results;
pub mod scores;
// personal data: privacy notice, erasure, access, breaches
pub mod erasure;
pub mod privacy;
// personal API tokens on the account page
pub mod api_tokens;

pub use layout::{Page, PageCtx, SignedIn};

/// A round's stage in words (`registration` → "Pendaftaran dibuka").
#[must_use]
pub fn round_state_label(ctx: &PageCtx, state: crate::domain::round::RoundState) -> String {
    let m = state.label();
    ctx.t(&m.id, &m.en).to_owned()
}
// tables that scroll on phones
pub mod scroll;
// after the final result: formed groups and the decree annex
pub mod after_final;
// public downloads of a published round
pub mod public_downloads;
// information section, messages without e-mail, open statistics
pub mod atom;
pub mod info;
pub mod info_admin;
// the error summary at the top of long forms
pub mod error_summary;
