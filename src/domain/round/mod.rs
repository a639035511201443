//! A round's lifecycle, schedule and frozen rules, as pure rules.
//!
//! - [`RoundState`] and [`check_transition`]: the state machine
//!   `draft → registration → verification → assessment → provisional →
//!   objection → final`, with `cancelled` from any state before `final`; every
//!   step is checked against the published [`Schedule`].
//! - [`FrozenRules`]: what opening registration freezes, its canonical text
//!   and SHA-256 (the `frozen_hash` on the public page and in the audit trail).
//! - Small parsers the forms share: slugs, RT lists, scale labels, WITA times.
//!
//! Every refusal carries a [`Msg`] in Bahasa Indonesia and English, so the
//! person who clicked learns why in their own language.

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigInt;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::audit::{PayloadError, canonical_payload};
use super::lottery::sha256_hex;
pub use super::msg::Msg;
use super::ranking::{Ratio, format_fraction, format_rounded_2dp};

mod detail;
mod example;
mod frozen;
mod heads;
mod inputs;
mod records;
mod schedule;
mod setup;
mod state;
#[cfg(test)]
mod tests;
mod wita;

pub use detail::*;
pub use example::*;
pub use frozen::*;
pub use heads::*;
pub use inputs::*;
pub use records::*;
pub use schedule::*;
pub use setup::*;
pub use state::*;
pub use wita::*;
