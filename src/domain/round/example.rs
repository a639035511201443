//! The worked example on the public round page.

use super::*;

/// One criterion's line in the worked example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleLine {
    pub code: String,
    pub weight: i32,
    pub scale_min: i32,
    pub scale_max: i32,
    /// `m_c` of applicants A and B.
    pub values: [i32; 2],
    /// `w_c · n_c` of A and B, as `p/q`.
    pub points: [String; 2],
    /// `w_c · n_c` rounded to two decimals.
    pub points_2dp: [String; 2],
}

/// Two made-up applicants ranked by hand, for the public page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkedExample {
    pub lines: Vec<ExampleLine>,
    /// Exact totals of A and B (`p/q`) and rounded.
    pub totals: [String; 2],
    pub totals_2dp: [String; 2],
    /// 0 when A ranks first, 1 when B does, `None` on an exact tie.
    pub first: Option<usize>,
}

/// Builds the example from `(code, weight, scale_min, scale_max)` of each
/// criterion: A scores three quarters of every scale, B alternately the top
/// and the middle, so the totals differ and every line shows the arithmetic.
pub fn worked_example(criteria: &[(String, i32, i32, i32)]) -> WorkedExample {
    let mut lines = Vec::new();
    let mut totals = [
        Ratio::from_integer(BigInt::from(0)),
        Ratio::from_integer(BigInt::from(0)),
    ];
    for (i, (code, weight, min, max)) in criteria.iter().enumerate() {
        let width = max - min;
        let a = min + (width * 3) / 4;
        let b = if i % 2 == 0 { *max } else { min + width / 2 };
        let mut points: [String; 2] = Default::default();
        let mut points_2dp: [String; 2] = Default::default();
        for (k, v) in [a, b].into_iter().enumerate() {
            let p = if width > 0 {
                Ratio::new(
                    BigInt::from(i64::from(*weight) * i64::from(v - min)),
                    BigInt::from(width),
                )
            } else {
                Ratio::from_integer(BigInt::from(0))
            };
            points[k] = format_fraction(&p);
            points_2dp[k] = format_rounded_2dp(&p);
            totals[k] += p;
        }
        lines.push(ExampleLine {
            code: code.clone(),
            weight: *weight,
            scale_min: *min,
            scale_max: *max,
            values: [a, b],
            points,
            points_2dp,
        });
    }
    let first = match totals[0].cmp(&totals[1]) {
        std::cmp::Ordering::Greater => Some(0),
        std::cmp::Ordering::Less => Some(1),
        std::cmp::Ordering::Equal => None,
    };
    WorkedExample {
        lines,
        totals: [format_fraction(&totals[0]), format_fraction(&totals[1])],
        totals_2dp: [
            format_rounded_2dp(&totals[0]),
            format_rounded_2dp(&totals[1]),
        ],
        first,
    }
}
