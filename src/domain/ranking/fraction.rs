//! The one spelling of exact values (`p/q`) and their two-decimal display.

use super::*;

/// Formats an exact value as `p/q` in lowest terms with a positive
/// denominator; integers are `p/1` (`0/1`, `100/1`), so every value has one
/// spelling and readers never special-case integers.
#[must_use]
pub fn format_fraction(r: &Ratio) -> String {
    let r = r.reduced();
    format!("{}/{}", r.numer(), r.denom())
}

/// Parses the canonical `p/q` produced by [`format_fraction`].
///
/// # Errors
/// [`FractionError::Syntax`] unless the text is an optional `-`, digits, `/`,
/// digits, without signs on `q`, spaces or leading zeros;
/// [`FractionError::ZeroDenominator`]; [`FractionError::NotReduced`] when not
/// in lowest terms (including `-0/1`).
pub fn parse_fraction(text: &str) -> Result<Ratio, FractionError> {
    let (p, q) = text.split_once('/').ok_or(FractionError::Syntax)?;
    let (negative, p_digits) = match p.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, p),
    };
    let canonical_digits = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    if !canonical_digits(p_digits) || !(canonical_digits(q) || q == "0") {
        return Err(FractionError::Syntax);
    }
    let q: BigInt = q.parse().map_err(|_| FractionError::Syntax)?;
    if q.is_zero() {
        return Err(FractionError::ZeroDenominator);
    }
    let mut p: BigInt = p_digits.parse().map_err(|_| FractionError::Syntax)?;
    if negative {
        if p.is_zero() {
            return Err(FractionError::NotReduced);
        }
        p = -p;
    }
    let r = Ratio::new(p.clone(), q.clone());
    if *r.numer() != p || *r.denom() != q {
        return Err(FractionError::NotReduced);
    }
    Ok(r)
}

/// Rounds half up (toward +∞ at exactly half a hundredth) to two decimals:
/// `250/3` → `83.33`, `1/8` → `0.13`, `100/1` → `100.00`. Display only.
#[must_use]
pub fn format_rounded_2dp(r: &Ratio) -> String {
    let hundredths = (r * BigInt::from(100) + Ratio::new(BigInt::one(), BigInt::from(2)))
        .floor()
        .to_integer();
    let sign = if hundredths.is_negative() { "-" } else { "" };
    let abs = hundredths.abs();
    let hundred = BigInt::from(100);
    let whole = &abs / &hundred;
    let cents = abs % hundred;
    format!("{sign}{whole}.{cents:0>2}")
}

/// A fraction as "2 decimals (p/q)", as an applicant reads their total.
#[must_use]
pub fn decimal_and_fraction(r: &Ratio) -> String {
    format!("{} ({})", format_rounded_2dp(r), format_fraction(r))
}

/// [`format_rounded_2dp`] of `n / d` (d > 0) without allocating big integers;
/// falls back to it when a step would overflow.
pub(super) fn rounded_2dp_small(n: i128, d: i128) -> String {
    // floor(n/d · 100 + 1/2) = floor((200·n + d) / (2·d))
    let hundredths = n
        .checked_mul(200)
        .and_then(|x| x.checked_add(d))
        .zip(d.checked_mul(2))
        .map(|(x, y)| x.div_euclid(y));
    match hundredths {
        Some(h) => {
            let sign = if h < 0 { "-" } else { "" };
            let abs = h.unsigned_abs();
            // Totals are at most 10,000 hundredths; u128 formatting is slow.
            match u64::try_from(abs) {
                Ok(abs) => format!("{sign}{}.{:02}", abs / 100, abs % 100),
                Err(_) => format!("{sign}{}.{:02}", abs / 100, abs % 100),
            }
        }
        None => format_rounded_2dp(&Ratio::new(BigInt::from(n), BigInt::from(d))),
    }
}
