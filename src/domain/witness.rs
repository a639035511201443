//! The lottery's witnesses as its pages show them: plain copies of the
//! stored rows, with the round they witness, so no page holds a stored model.

use time::OffsetDateTime;
use uuid::Uuid;

use super::round::Round;

/// A witness of a round's lottery: who, and their commit and reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    pub id: Uuid,
    pub round_id: Uuid,
    pub position: i32,
    pub name: String,
    pub account_id: Option<Uuid>,
    pub commit_hash: Option<String>,
    pub committed_at: Option<OffsetDateTime>,
    pub secret: Option<String>,
    pub revealed_at: Option<OffsetDateTime>,
}

/// One witness for pages.
#[derive(Clone, Debug)]
pub struct WitnessView {
    pub model: Witness,
    /// The account's role (`auditor`, …), empty without an account.
    pub role: String,
}

/// Everything the lottery pages show about one round.
#[derive(Clone, Debug)]
pub struct LotteryView {
    pub round: Round,
    /// In position order: commit order for those who committed.
    pub witnesses: Vec<WitnessView>,
    /// The smallest registration number of the round, for the worked example.
    pub example_registration_no: Option<String>,
}

/// A witness role of the signed-in account, with its round.
#[derive(Clone, Debug)]
pub struct MyWitness {
    pub witness: Witness,
    pub round: Round,
}
