//! The one integration-test binary: every journey runs through the real router,
//! a real database file (or a fresh PostgreSQL database) and real files.

mod support;

mod account_throttles;
mod accounts;
mod api;
mod api_admin;
mod api_admin_formations;
mod api_admin_panels;
mod api_admin_staff;
mod api_admin_verification;
mod applications;
mod applications_desk;
mod applications_input;
mod applications_status;
mod architecture;
mod audit_chain;
mod browser;
mod checkpoints;
mod cli;
mod compression;
mod crash;
mod crawl;
mod db_smoke;
mod demo;
mod demo_stages;
mod documents;
mod domicile_reach;
mod durability;
mod group_commit;
mod login;
mod mail;
mod migrate_home_rt;
mod operations;
mod panels;
mod pii;
mod restore;
mod round_refusals;
mod rounds;
mod schema;
mod schema_world;
mod scoring;
mod served;
mod stage_api;
mod stage_corrections;
mod stage_invitations;
mod stage_objections;
mod stage_pages;
mod stage_ranking;
mod stage_republish;
mod stages;
mod standings;
mod sweep;
mod tlog;
mod witnesses;
// verification and staff accounts
mod staff_accounts;
mod verification;
mod verification_fixture;
mod web_shell;
// auditor exports and offline verification
mod exports;
mod hardening;
mod offline_audit;
// auditors' workspace
mod analytics;
mod trail;
// lottery witnesses, imports, progress (panel/admin input side)
mod drafts;
mod imports;
mod lottery;
mod progress;
mod rank_door;
mod rank_model;
// results, objections and finalization
mod objections;
mod panel_review;
mod results;
// public downloads of a published round
mod public_downloads;
// accessibility (axe-core) and phone width of every crawled page
mod a11y;
mod scroll_regions;
// smaller things noticed by residents, panelists and admins
mod small_fixes;
// refusals in English, area by area
mod english_refusals;
// information section, messages without e-mail, open statistics
mod information;
// what residents and the help desk see: headline, scores, objections
mod resident_view;
// the resident view on a 360 px phone (browser)
mod phone_scores;
// personal data: privacy notice, retention, erasure, access, breaches
mod privacy;
// personal API tokens, API completeness and conformance
mod api_conformance;
mod api_resident;
mod api_session;
mod api_tokens;
mod bidi;
mod objection_uploads;
// privacy helper: erasure requests, desk access download, breach browser test
mod privacy_notice;
mod privacy_rights;
mod programme;
mod retention;
mod sealed_personal;
// stages: after the final result (replacement, offices, decree annex)
mod after_final;
// resb: admin, panelist and public-page small fixes
mod staff_small_fixes;
// resc: refusals in the reader's language, print buttons, desk choices
mod desk_choices;
mod print_button;
mod refusal_language;
// resa: verification slots, error summaries, form fixes, mails, English refusals
mod slots_and_forms;
// api (session 10): desk objections through the API
mod api_desk_objections;
// snapshots: every CSV header and key HTML fragments
mod csv_headers;
mod html_fragments;
