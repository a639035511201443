//! pokmas: open recruitment and fit-and-proper test for Samarinda's Probebaya Pokmas.

pub mod db;
pub mod domain;
pub mod mail;
