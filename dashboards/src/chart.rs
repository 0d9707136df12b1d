//! Inline SVG charts rendered on the server: a line chart (a value over time) and a
//! horizontal bar chart. No script and no style attributes (the pages' CSP forbids inline
//! styles): colours come from classes in `dashboard.css`.

use std::fmt::Write;

use crate::escape::escape;

/// One point or bar: its label (x value or category) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// Shown on the axis and in the tooltip.
    pub label: String,
    /// The value plotted (y in a line chart, length in a bar chart).
    pub value: f64,
    /// Optional tooltip detail (`12 of 20 runs`).
    pub note: Option<String>,
}

impl Datum {
    /// A datum without a note.
    pub fn new(label: impl Into<String>, value: f64) -> Datum {
        Datum {
            label: label.into(),
            value,
            note: None,
        }
    }
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const PAD_L: f64 = 44.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 28.0;

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn tooltip(d: &Datum, value: &str) -> String {
    match &d.note {
        Some(n) => escape(&format!("{}: {value} ({n})", d.label)),
        None => escape(&format!("{}: {value}", d.label)),
    }
}

/// A line chart of `points` in order, y from 0 to `y_max` (or the data's maximum).
/// `percent` shows values as percentages. Empty data renders a "no data" note.
pub fn line_chart(title: &str, points: &[Datum], y_max: Option<f64>, percent: bool) -> String {
    if points.is_empty() {
        return format!(
            r#"<p class="empty">{}: no data for these filters</p>"#,
            escape(title)
        );
    }
    let max = y_max
        .unwrap_or_else(|| points.iter().map(|p| p.value).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let show = |v: f64| {
        if percent {
            format!("{:.0}%", v * 100.0)
        } else {
            fmt_num(v)
        }
    };
    let plot_w = W - PAD_L - PAD_R;
    let plot_h = H - PAD_T - PAD_B;
    let x = |i: usize| {
        if points.len() == 1 {
            PAD_L + plot_w / 2.0
        } else {
            PAD_L + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| PAD_T + plot_h * (1.0 - (v / max).clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<svg class="chart line" viewBox="0 0 {W} {H}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for frac in [0.0, 0.5, 1.0] {
        let yy = y(max * frac);
        let _ = write!(
            svg,
            r#"<line class="gridline" x1="{PAD_L}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - PAD_R,
            PAD_L - 4.0,
            yy + 4.0,
            escape(&show(max * frac))
        );
    }
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.value)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="series" fill="none" points="{}"/>"#,
        path.join(" ")
    );
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3"><title>{}</title></circle>"#,
            x(i),
            y(p.value),
            tooltip(p, &show(p.value))
        );
    }
    // First and last x labels only: dates are long.
    let last = points.len() - 1;
    for (i, anchor) in [(0, "start"), (last, "end")] {
        if i == last && last == 0 {
            continue;
        }
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            x(i),
            H - 8.0,
            escape(&points[i].label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart, one bar per datum in order.
pub fn bar_chart(title: &str, bars: &[Datum]) -> String {
    if bars.is_empty() {
        return format!(
            r#"<p class="empty">{}: no data for these filters</p>"#,
            escape(title)
        );
    }
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let row = 22.0;
    let label_w = 160.0;
    let height = row * bars.len() as f64 + 4.0;
    let bar_w = W - label_w - 60.0;
    let mut svg = format!(
        r#"<svg class="chart bars" viewBox="0 0 {W} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let top = i as f64 * row + 2.0;
        let w = (bar_w * (b.value / max).clamp(0.0, 1.0)).max(1.0);
        let (label, _) = crate::escape::truncate(&b.label, 24);
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="bar" x="{label_w}" y="{top:.1}" width="{w:.1}" height="{:.1}"><title>{}</title></rect><text class="value" x="{:.1}" y="{:.1}">{}</text>"#,
            label_w - 6.0,
            top + 15.0,
            escape(label),
            row - 6.0,
            tooltip(b, &fmt_num(b.value)),
            label_w + w + 4.0,
            top + 15.0,
            escape(&fmt_num(b.value))
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_chart_has_one_dot_per_point_and_escapes_labels() {
        let pts = vec![
            Datum::new("2026-01-01", 0.5),
            Datum::new("<b>2026-01-02</b>", 1.0),
        ];
        let svg = line_chart("pass rate", &pts, Some(1.0), true);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("&lt;b&gt;2026-01-02"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("100%"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn bar_chart_scales_to_the_largest_bar() {
        let svg = bar_chart(
            "tools",
            &[Datum::new("shell", 10.0), Datum::new("<read>", 5.0)],
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;read&gt;"));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, W - 160.0 - 60.0)));
    }

    #[test]
    fn empty_charts_say_so() {
        assert!(line_chart("x", &[], None, false).contains("no data"));
        assert!(bar_chart("<y>", &[]).contains("&lt;y&gt;: no data"));
    }
}
