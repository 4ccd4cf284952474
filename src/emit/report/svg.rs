//! A small writer of inline SVG for the report: shapes, text and axes, every string
//! escaped, every number printed the same way. Pure: builds strings, draws no conclusions.

use std::fmt::Write;

/// Escape text for HTML and SVG, in element content and in quoted attributes alike.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most one decimal, `-0` and `.0` left out, so output is stable.
pub(super) fn number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 || !rounded.is_finite() {
        return "0".to_string();
    }
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Shorten a label to `max` characters, with an ellipsis.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Text anchoring.
#[derive(Debug, Clone, Copy)]
pub(super) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// One `<svg>` element being written.
pub(super) struct Svg {
    out: String,
}

impl Svg {
    /// An accessible chart: `label` becomes its `aria-label` and `<title>`, `desc` its
    /// `<desc>`. It scales down to the page width.
    pub fn new(class: &str, width: f64, height: f64, label: &str, desc: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{label}\"><title>{label}</title><desc>{desc}</desc>",
            w = number(width),
            h = number(height),
            label = escape(label),
            desc = escape(desc),
        );
        Svg { out }
    }

    /// Markup written as is (definitions, groups); the caller escapes what it holds.
    pub fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// A rectangle, with a tooltip when `tip` is given.
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        class: &str,
        tip: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
            number(x),
            number(y),
            number(width.max(0.0)),
            number(height.max(0.0))
        );
        self.close(tip, "rect");
    }

    /// A rounded rectangle.
    #[allow(clippy::too_many_arguments)]
    pub fn rounded(
        &mut self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        radius: f64,
        class: &str,
        tip: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"",
            number(x),
            number(y),
            number(width.max(0.0)),
            number(height.max(0.0)),
            number(radius)
        );
        self.close(tip, "rect");
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.out,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            number(x1),
            number(y1),
            number(x2),
            number(y2)
        );
    }

    /// A path; `d` is built from numbers by the caller.
    pub fn path(&mut self, d: &str, class: &str, tip: Option<&str>) {
        let _ = write!(self.out, "<path class=\"{class}\" d=\"{d}\"");
        self.close(tip, "path");
    }

    pub fn text(&mut self, x: f64, y: f64, anchor: Anchor, class: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>",
            number(x),
            number(y),
            anchor.name(),
            escape(text)
        );
    }

    fn close(&mut self, tip: Option<&str>, element: &str) {
        match tip {
            Some(tip) => {
                let _ = write!(self.out, "><title>{}</title></{element}>", escape(tip));
            }
            None => self.out.push_str("/>"),
        }
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A linear time axis in hours: where seconds land, and tick marks at a round step.
#[derive(Debug, Clone, Copy)]
pub(super) struct HourAxis {
    pub left: f64,
    pub width: f64,
    /// Seconds at the right edge.
    pub span: f64,
}

impl HourAxis {
    pub fn x(&self, seconds: f64) -> f64 {
        self.left + seconds.max(0.0) / self.span.max(1.0) * self.width
    }

    /// Ticks in seconds with a round step in hours, about `count` of them.
    pub fn ticks(&self, count: f64) -> Vec<f64> {
        const STEPS: [f64; 14] = [
            0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0,
        ];
        let hours = self.span / 3600.0;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| hours / s <= count)
            .unwrap_or_else(|| (hours / count / 720.0).ceil() * 720.0);
        let mut ticks = Vec::new();
        let mut k = 0.0;
        while k * step * 3600.0 <= self.span + 1e-6 {
            ticks.push(k * step * 3600.0);
            k += 1.0;
        }
        ticks
    }

    /// Draw grid lines from `top` to `bottom`, with hour labels above `top`.
    pub fn draw(&self, svg: &mut Svg, top: f64, bottom: f64, count: f64) {
        for tick in self.ticks(count) {
            let x = self.x(tick);
            svg.line(x, top, x, bottom, "grid");
            svg.text(x, top - 4.0, Anchor::Middle, "tick", &hours(tick));
        }
    }
}

/// `0h`, `0.25h`, `1.5h`, `36h`.
pub(super) fn hours(seconds: f64) -> String {
    let hours = seconds / 3600.0;
    if ((hours * 10.0).round() - hours * 10.0).abs() < 1e-9 {
        format!("{}h", number(hours))
    } else {
        format!("{hours:.2}h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn numbers_are_stable() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-0.01), "0");
        assert_eq!(number(2.25), "2.3");
        assert_eq!(hours(5400.0), "1.5h");
        assert_eq!(hours(900.0), "0.25h");
        assert_eq!(hours(7200.0), "2h");
    }

    #[test]
    fn hour_ticks_are_round() {
        let axis = HourAxis {
            left: 0.0,
            width: 100.0,
            span: 10.0 * 3600.0,
        };
        let ticks: Vec<String> = axis.ticks(8.0).iter().map(|&t| hours(t)).collect();
        assert_eq!(ticks, ["0h", "2h", "4h", "6h", "8h", "10h"]);
    }
}
