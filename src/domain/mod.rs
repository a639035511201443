//! Pure domain rules: plain types and functions with no I/O and no web,
//! database or mail framework, so the server and the offline verifier share
//! one implementation.

pub mod account;
pub mod analytics;
pub mod api_token;
pub mod application;
pub mod approval;
pub mod audit;
pub mod checkpoint;
pub mod delivery;
pub mod eligibility;
pub mod erasure;
pub mod family_card;
pub mod form;
pub mod group_bias;
pub mod group_roles;
pub mod imported;
pub mod information;
pub mod lang;
pub mod lottery;
pub mod masking;
pub mod merkle;
pub mod msg;
pub mod nik;
pub mod panel_review;
pub mod privacy;
pub mod programme;
pub mod progress;
pub mod ranking;
pub mod registration;
pub mod reliability;
pub mod return_path;
pub mod role;
pub mod round;
pub mod score_breakdown;
pub mod stage;
pub mod status_headline;
pub mod stored_name;
pub mod text;
pub mod trail;
pub mod verification;
// information section: Markdown and open statistics
pub mod markdown;
pub mod open_stats;
