//! Pure domain rules: plain types and functions with no I/O and no web,
//! database or mail framework, so the server and the offline verifier share
//! one implementation (DESIGN §9).

pub mod account;
pub mod analytics;
pub mod audit;
pub mod checkpoint;
pub mod eligibility;
pub mod family_card;
pub mod imported;
pub mod lang;
pub mod lottery;
pub mod masking;
pub mod nik;
pub mod ranking;
pub mod registration;
pub mod return_path;
pub mod role;
pub mod round;
pub mod text;
