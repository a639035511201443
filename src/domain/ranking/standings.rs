//! Step 4 over stored standings, so one change re-ranks without re-reading
//! every score of a formation.

use super::*;

/// `n_c` of each tie-break criterion in tie-break order, for a complete
/// outcome of [`rank_formation`] under `rules` (empty otherwise): what step 4
/// compares after the total, kept beside the total so that a formation can be
/// re-ordered from stored standings ([`order_standings`]).
#[must_use]
pub fn tiebreak_values(rules: &RoundRules, outcome: &Outcome) -> Vec<Ratio> {
    let mut order: Vec<(u32, &str)> = rules
        .criteria
        .iter()
        .filter_map(|c| c.tiebreak_order.map(|o| (o, c.code.as_str())))
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|(_, code)| {
            outcome
                .criteria
                .iter()
                .find(|c| c.code() == code)
                .map(CriterionScore::normalized)
        })
        .collect()
}

/// One passing eligible application as stored between re-ranks: everything
/// step 4 orders by.
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    /// Registration number (the last resort on a SHA-256 collision).
    pub registration_no: &'a str,
    /// Exact total.
    pub total: &'a Ratio,
    /// [`tiebreak_values`], in tie-break order.
    pub tiebreak: &'a [Ratio],
    /// `sha256_hex(seed + ":" + registration_no)`, lowercase.
    pub lottery_key: &'a str,
}

/// Step 4 over stored standings of passing eligible applications: the
/// indices into `standings` in rank order, each with its rank and status.
/// Gives the same ranks and statuses as [`rank_formation`] on the inputs the
/// standings came from (the `stored_standings_order_like_rank_formation`
/// property test), so a change to one application can be re-ranked without
/// re-reading every score of the formation.
#[must_use]
pub fn order_standings(
    formation: &Formation,
    standings: &[Standing<'_>],
) -> Vec<(usize, u32, Status)> {
    let keys: Vec<StandingKeys> = standings.iter().map(StandingKeys::of).collect();
    let mut order: Vec<usize> = (0..standings.len()).collect();
    order
        .sort_unstable_by(|&a, &b| cmp_keyed((&standings[a], &keys[a]), (&standings[b], &keys[b])));
    order
        .into_iter()
        .zip(1u32..)
        .map(|(i, rank)| (i, rank, status_at(formation, rank)))
        .collect()
}

/// How two standings compare in step 4: `Less` when `a` ranks before `b`.
/// The one comparison behind [`order_standings`], for a caller that places
/// one changed standing among others already in rank order (a binary search
/// over stored ranks) instead of sorting them all again.
#[must_use]
pub fn cmp_standings(a: &Standing<'_>, b: &Standing<'_>) -> Ordering {
    cmp_keyed((a, &StandingKeys::of(a)), (b, &StandingKeys::of(b)))
}

/// A standing's fractions as `(numerator, denominator)` when both fit
/// `i128`, so that sorting compares integers instead of big ratios.
pub(super) struct StandingKeys {
    pub(super) total: Option<(i128, i128)>,
    pub(super) tiebreak: Vec<Option<(i128, i128)>>,
}

impl StandingKeys {
    pub(super) fn of(s: &Standing<'_>) -> Self {
        let small = |r: &Ratio| -> Option<(i128, i128)> {
            Some((
                i128::try_from(r.numer()).ok()?,
                i128::try_from(r.denom()).ok()?,
            ))
        };
        Self {
            total: small(s.total),
            tiebreak: s.tiebreak.iter().map(small).collect(),
        }
    }
}

pub(super) fn cmp_keyed(
    (sa, ka): (&Standing<'_>, &StandingKeys),
    (sb, kb): (&Standing<'_>, &StandingKeys),
) -> Ordering {
    let cmp_exact =
        |a: Option<(i128, i128)>, b: Option<(i128, i128)>, ra: &Ratio, rb: &Ratio| match (a, b) {
            (Some(a), Some(b)) => cmp_quotient(a, b),
            _ => ra.cmp(rb),
        };
    cmp_exact(ka.total, kb.total, sa.total, sb.total)
        .reverse()
        .then_with(|| {
            sa.tiebreak
                .iter()
                .zip(sb.tiebreak)
                .zip(ka.tiebreak.iter().zip(&kb.tiebreak))
                .map(|((ra, rb), (x, y))| cmp_exact(*x, *y, ra, rb).reverse())
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
        .then_with(|| sa.lottery_key.cmp(sb.lottery_key))
        .then_with(|| sa.registration_no.cmp(sb.registration_no))
}
