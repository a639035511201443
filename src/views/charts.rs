//! Server-rendered SVG charts: no JavaScript, a few hundred bytes each, and
//! readable when printed in black and white — every bar carries its number
//! as text, and a flagged bar is told apart by a hatch pattern and a written
//! mark, never by colour alone. Each chart has a `<title>` and `<desc>`
//! (`role="img"`, `aria-labelledby`) so screen readers announce it.

use maud::{Markup, html};

/// One bar of a bar chart.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as text, exactly as the table beside the chart shows it.
    pub text: String,
    /// Drawn hatched with a written mark.
    pub marked: bool,
}

/// Text and identity of a chart.
#[derive(Clone, Debug)]
pub struct ChartText<'a> {
    /// Unique on the page (used for the title/description ids and the pattern).
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    /// The written mark of a marked bar, e.g. "ditandai".
    pub mark: &'a str,
}

const W: f64 = 340.0;

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of bars and rows are small"
)]
fn as_f64(n: usize) -> f64 {
    n as f64
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

/// The `<svg>` element of a chart `h` units high, with its title and description.
fn frame(t: &ChartText<'_>, h: f64, content: &Markup) -> Markup {
    let title_id = format!("{}-t", t.id);
    let desc_id = format!("{}-d", t.id);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox=(format!("0 0 {W} {h}"))
            aria-labelledby=(format!("{title_id} {desc_id}")) {
            title id=(title_id) { (t.title) }
            desc id=(desc_id) { (t.desc) }
            (content)
        }
    }
}

/// Vertical bars from zero (counts per value, e.g. a score distribution).
pub fn columns(t: &ChartText<'_>, bars: &[Bar]) -> Markup {
    let h = 160.0;
    let top = 18.0;
    let bottom = 22.0;
    let left = 8.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let slot = (W - 2.0 * left) / as_f64(bars.len().max(1));
    let bar_w = (slot * 0.7).max(2.0);
    let plot = h - top - bottom;
    let content = html! {
            line x1=(fmt(left)) y1=(fmt(h - bottom)) x2=(fmt(W - left)) y2=(fmt(h - bottom)) stroke="#000" stroke-width="1" {}
            @for (i, b) in bars.iter().enumerate() {
                @let x = left + slot * as_f64(i) + (slot - bar_w) / 2.0;
                @let bh = plot * b.value / max;
                @let y = h - bottom - bh;
                rect x=(fmt(x)) y=(fmt(y)) width=(fmt(bar_w)) height=(fmt(bh)) fill="#bbb" stroke="#000" stroke-width="1" {}
                text x=(fmt(x + bar_w / 2.0)) y=(fmt(y - 4.0)) font-size="11" text-anchor="middle" { (b.text) }
                text x=(fmt(x + bar_w / 2.0)) y=(fmt(h - 6.0)) font-size="11" text-anchor="middle" { (b.label) }
            }
    };
    frame(t, h, &content)
}

/// Horizontal bars around a zero line (signed values, e.g. deviations):
/// one row per bar, its label on the left and its value as text beside it.
pub fn diverging(t: &ChartText<'_>, bars: &[Bar]) -> Markup {
    let row = 24.0;
    let top = 8.0;
    let h = top * 2.0 + row * as_f64(bars.len().max(1));
    let label_w = 120.0;
    let mid = label_w + (W - label_w) / 2.0;
    let half = (W - label_w) / 2.0 - 36.0;
    let max = bars
        .iter()
        .map(|b| b.value.abs())
        .fold(0.0_f64, f64::max)
        .max(25.0);
    let hatch = format!("{}-hatch", t.id);
    let content = html! {
            defs {
                pattern id=(hatch) patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)" {
                    rect width="6" height="6" fill="#fff" {}
                    line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="3" {}
                }
            }
            line x1=(fmt(mid)) y1="0" x2=(fmt(mid)) y2=(fmt(h)) stroke="#000" stroke-width="1" {}
            @for (i, b) in bars.iter().enumerate() {
                @let y = top + row * as_f64(i);
                @let len = half * b.value.abs() / max;
                @let x = if b.value < 0.0 { mid - len } else { mid };
                @let fill = if b.marked { format!("url(#{hatch})") } else { "#ccc".to_owned() };
                text x="2" y=(fmt(y + 15.0)) font-size="11" {
                    (b.label)
                    @if b.marked { " ⚑ " (t.mark) }
                }
                rect x=(fmt(x)) y=(fmt(y + 4.0)) width=(fmt(len.max(0.5))) height="14" fill=(fill) stroke="#000" stroke-width="1" {}
                @let tx = if b.value < 0.0 { mid - len - 3.0 } else { mid + len + 3.0 };
                text x=(fmt(tx)) y=(fmt(y + 15.0)) font-size="11" text-anchor=(if b.value < 0.0 { "end" } else { "start" }) { (b.text) }
            }
    };
    frame(t, h, &content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_their_labels_and_carry_accessible_titles() {
        let t = ChartText {
            id: "c1",
            title: "Sebaran <K1>",
            desc: "d",
            mark: "ditandai",
        };
        let bars = [
            Bar {
                label: "<script>".into(),
                value: -30.0,
                text: "-30.0".into(),
                marked: true,
            },
            Bar {
                label: "B".into(),
                value: 5.0,
                text: "5.0".into(),
                marked: false,
            },
        ];
        let svg = diverging(&t, &bars).into_string();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"<title id="c1-t">Sebaran &lt;K1&gt;</title>"#));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("url(#c1-hatch)"), "marked bars are hatched");
        assert!(svg.contains("⚑ ditandai"), "and say so in words");
        let cols = columns(&t, &bars[1..]).into_string();
        assert!(cols.contains(">5.0</text>"));
    }
}
