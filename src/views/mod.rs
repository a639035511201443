//! maud views: a layout, small components and one module per page family.
//! Views take view-model structs and never see the database.

pub mod account;
pub mod applications;
pub mod assets;
pub mod auth;
pub mod errors;
pub mod layout;
pub mod panels;
pub mod public;
pub mod qr;
pub mod rounds;
pub mod scoring;
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
pub mod results;

pub use layout::{Page, PageCtx, SignedIn};
