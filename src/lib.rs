//! pokmas: open recruitment and fit-and-proper test for Samarinda's Probebaya Pokmas.
//!
//! Layers: `web` and `cli` call `services` (one use case, one
//! transaction), which call the pure `domain` and the `db` storage.

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod export_cmd;
pub mod mail;
pub mod ops;
pub mod pii;
pub mod router;
pub mod server;
pub mod services;
pub mod sms;
pub mod storage;
pub mod tlog_cmd;
pub mod verify_cmd;
pub mod views;
pub mod web;
pub mod workers;
