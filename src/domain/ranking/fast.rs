//! The `i128` fast path: totals, common denominators and comparisons that
//! fall back to big integers only on overflow.

use super::*;

/// The fast path for totals, prepared once per round. With `L` the lcm of the
/// scale widths, `f_c = w_c · L / width_c`, `a_c = sum_c − k_c · min_c` and `K`
/// the lcm of the counts `k_c`:
/// `total = Σ w_c · a_c / (k_c · width_c) = Σ f_c · a_c · (K / k_c) / (K · L)`,
/// so each application costs one reduction instead of one per criterion.
pub(super) struct FastTotal {
    pub(super) lcm_width: i128,
    pub(super) factors: Vec<i128>,
}

impl FastTotal {
    /// `None` when `L` or a factor does not fit `i128`; totals then use
    /// [`total_big`].
    pub(super) fn new(rules: &RoundRules) -> Option<Self> {
        let width = |c: &Criterion| i128::from(c.scale_max) - i128::from(c.scale_min);
        let mut lcm_width: i128 = 1;
        for c in &rules.criteria {
            let w = width(c);
            lcm_width = (lcm_width / gcd(lcm_width, w)).checked_mul(w)?;
        }
        let factors = rules
            .criteria
            .iter()
            .map(|c| i128::from(c.weight).checked_mul(lcm_width / width(c)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { lcm_width, factors })
    }

    /// The reduced total `(numerator, denominator)`, or `None` on overflow.
    pub(super) fn total(&self, rules: &RoundRules, parts: &[(i128, i128)]) -> Option<(i128, i128)> {
        let mut k: i128 = 1;
        for &(_, count) in parts {
            if !divides(count, k) {
                k = div(k, gcd(k, count)).checked_mul(count)?;
            }
        }
        let mut n: i128 = 0;
        for ((c, &(sum, count)), &f) in rules.criteria.iter().zip(parts).zip(&self.factors) {
            let a = sum.checked_sub(count.checked_mul(i128::from(c.scale_min))?)?;
            n = n.checked_add(f.checked_mul(a)?.checked_mul(div(k, count))?)?;
        }
        let d = k.checked_mul(self.lcm_width)?;
        if n == i128::MIN {
            return None;
        }
        let g = gcd(n, d);
        Some((div(n, g), div(d, g)))
    }
}

/// `Σ w_c · n_c` in arbitrary precision, for rounds beyond [`FastTotal`].
pub(super) fn total_big(rules: &RoundRules, parts: &[(i128, i128)]) -> Ratio {
    let mut total = Ratio::zero();
    for (c, &(sum, count)) in rules.criteria.iter().zip(parts) {
        let count = BigInt::from(count);
        let min = BigInt::from(c.scale_min);
        let width = BigInt::from(c.scale_max) - &min;
        total += Ratio::new(
            BigInt::from(c.weight) * (BigInt::from(sum) - &count * min),
            count * width,
        );
    }
    total
}

/// `a / b` (truncating, `b > 0`) through 64-bit division when both fit:
/// `i128` division is a slow library call and this is the ranking hot path.
pub(super) fn div(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) if b > 0 => i128::from(a / b),
        _ => a / b,
    }
}

/// Whether `d` (> 0) divides `a`, through 64-bit arithmetic when possible.
pub(super) fn divides(d: i128, a: i128) -> bool {
    match (i64::try_from(a), i64::try_from(d)) {
        (Ok(a), Ok(d)) if d > 0 => a % d == 0,
        _ => a % d == 0,
    }
}

/// Greatest common divisor, positive; `gcd(0, x) = |x|`, and 1 for (0, 0) so
/// callers can always divide by it. Callers never pass `i128::MIN`.
///
/// Binary (Stein's) algorithm: `u128` division is a slow library call, and
/// this runs once per application on the ranking hot path.
pub(super) fn gcd(a: i128, b: i128) -> i128 {
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    let g = match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => u128::from(binary_gcd_u64(a, b)),
        _ => binary_gcd_u128(a, b),
    };
    if g == 0 {
        1
    } else {
        i128::try_from(g).unwrap_or(1)
    }
}

macro_rules! binary_gcd {
    ($name:ident, $t:ty) => {
        fn $name(mut a: $t, mut b: $t) -> $t {
            if a == 0 || b == 0 {
                return a | b;
            }
            let shift = (a | b).trailing_zeros();
            a >>= a.trailing_zeros();
            loop {
                b >>= b.trailing_zeros();
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                b -= a;
                if b == 0 {
                    return a << shift;
                }
            }
        }
    };
}
binary_gcd!(binary_gcd_u64, u64);
binary_gcd!(binary_gcd_u128, u128);

/// The fractions `n / d` as numerators over their least common denominator,
/// or `None` if any is not small or a value overflows `i128`.
pub(super) fn scale_to_common_denominator(fractions: &[Option<(i128, i128)>]) -> Option<Vec<i128>> {
    let common = fractions.iter().try_fold(1i128, |l, f| {
        let (_, d) = (*f)?;
        if divides(d, l) {
            Some(l)
        } else {
            div(l, gcd(l, d)).checked_mul(d)
        }
    })?;
    fractions
        .iter()
        .map(|f| f.and_then(|(n, d)| n.checked_mul(div(common, d))))
        .collect()
}

/// Tie-break values `sum / count`, `k` per application in `parts`, scaled per
/// criterion to a common denominator (same layout), or `None` on overflow.
pub(super) fn scale_tiebreaks(parts: &[(i128, i128)], k: usize) -> Option<Vec<i128>> {
    if k == 0 {
        return Some(Vec::new());
    }
    let mut out = vec![0i128; parts.len()];
    for j in 0..k {
        let column: Vec<Option<(i128, i128)>> =
            parts.iter().skip(j).step_by(k).map(|&p| Some(p)).collect();
        let scaled = scale_to_common_denominator(&column)?;
        for (row, value) in scaled.into_iter().enumerate() {
            out[row * k + j] = value;
        }
    }
    Some(out)
}

/// Compares two totals, by `i128` cross-multiplication when both fit, else
/// through the exact values (fetched only then).
pub(super) fn cmp_total<'r>(
    a: Option<(i128, i128)>,
    b: Option<(i128, i128)>,
    a_exact: impl FnOnce() -> Option<&'r Ratio>,
    b_exact: impl FnOnce() -> Option<&'r Ratio>,
) -> Ordering {
    if let (Some(a), Some(b)) = (a, b) {
        return cmp_quotient(a, b);
    }
    // Every sorted outcome is complete and so has a total.
    a_exact().cmp(&b_exact())
}

/// Compares `a.0 / a.1` with `b.0 / b.1` (positive denominators) exactly,
/// without allocating unless a product overflows `i128`.
pub(super) fn cmp_quotient((an, ad): (i128, i128), (bn, bd): (i128, i128)) -> Ordering {
    match (an.checked_mul(bd), bn.checked_mul(ad)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => (BigInt::from(an) * BigInt::from(bd)).cmp(&(BigInt::from(bn) * BigInt::from(ad))),
    }
}
