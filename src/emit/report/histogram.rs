//! A Monte Carlo distribution as an SVG histogram: the simulator's streamed bins on a
//! logarithmic time axis, bars for "none" and "unbounded" at the ends, the objective
//! as a vertical line.

use super::svg::{Anchor, Svg};
use crate::model::Seconds;
use crate::simulate::monte_carlo::Histogram;

const LEFT: f64 = 56.0;
const PLOT_WIDTH: f64 = 560.0;
const PLOT_HEIGHT: f64 = 150.0;
const TOP: f64 = 24.0;
/// Width of the "none" and "unbounded" columns at the ends.
const END_WIDTH: f64 = 34.0;
const GAP: f64 = 8.0;

/// Round durations for the axis, with their labels.
const TICKS: [(Seconds, &str); 14] = [
    (1, "1s"),
    (10, "10s"),
    (60, "1m"),
    (600, "10m"),
    (3600, "1h"),
    (4 * 3600, "4h"),
    (12 * 3600, "12h"),
    (86_400, "1d"),
    (3 * 86_400, "3d"),
    (7 * 86_400, "1w"),
    (30 * 86_400, "30d"),
    (91 * 86_400, "13w"),
    (365 * 86_400, "1y"),
    (10 * 365 * 86_400, "10y"),
];

/// What one chart shows.
pub(super) struct Chart<'a> {
    pub label: &'a str,
    pub histogram: &'a Histogram,
    /// The objective's name and value (`RTO`, 4h).
    pub objective: Option<(&'a str, Seconds)>,
    /// What the leftmost column means: "none" for data loss, "0" for outage.
    pub zero_label: &'a str,
    /// What the rightmost column means: "never back", "all data".
    pub unbounded_label: &'a str,
}

/// The histogram as one `<svg>`.
pub(super) fn svg(chart: &Chart) -> String {
    let histogram = chart.histogram;
    // Bins from 0 (outage 0) join the zero column.
    let zero_bins: u64 = histogram
        .bins
        .iter()
        .filter(|b| b.low == 0)
        .map(|b| b.count)
        .sum();
    let zeros = histogram.zeros + zero_bins;
    let bins: Vec<_> = histogram.bins.iter().filter(|b| b.low > 0).collect();
    let total: u64 = zeros + histogram.unbounded + bins.iter().map(|b| b.count).sum::<u64>();
    let mut low = bins.first().map_or(60.0, |b| b.low as f64);
    let mut high = bins.last().map_or(3600.0, |b| b.high as f64);
    if let Some((_, objective)) = chart.objective {
        low = low.min(objective.max(1) as f64);
        high = high.max(objective as f64 * 1.5);
    }
    let (log_low, log_high) = (
        low.log2().floor(),
        high.log2().ceil().max(low.log2().floor() + 1.0),
    );
    let plot_left = LEFT + END_WIDTH + GAP;
    let plot_width = PLOT_WIDTH - 2.0 * (END_WIDTH + GAP);
    let x = |seconds: f64| {
        plot_left + (seconds.max(1.0).log2() - log_low) / (log_high - log_low) * plot_width
    };
    let peak = bins
        .iter()
        .map(|b| b.count)
        .chain([zeros, histogram.unbounded])
        .max()
        .unwrap_or(0)
        .max(1);
    let bottom = TOP + PLOT_HEIGHT;
    let y = |count: u64| bottom - count as f64 / peak as f64 * PLOT_HEIGHT;
    let width = LEFT + PLOT_WIDTH + 16.0;
    let height = bottom + 40.0;
    let objective_text = chart.objective.map_or(String::new(), |(name, value)| {
        let within: u64 = zeros
            + bins
                .iter()
                .filter(|b| b.high <= value.saturating_add(1))
                .map(|b| b.count)
                .sum::<u64>();
        format!(
            "; the red line marks the {name} of {}, with about {} of {} affected trials within it",
            crate::syntax::units::format_duration(value),
            within,
            total
        )
    });
    let mut svg = Svg::new(
        "histogram",
        width,
        height,
        chart.label,
        &format!(
            "Histogram over {total} affected trials on a logarithmic time axis: {zeros} at {}, {} {}{objective_text}",
            chart.zero_label, histogram.unbounded, chart.unbounded_label
        ),
    );
    // Count axis.
    svg.line(LEFT, TOP, LEFT, bottom, "axis");
    svg.line(LEFT, bottom, LEFT + PLOT_WIDTH, bottom, "axis");
    for fraction in [0.0, 0.5, 1.0] {
        let count = (peak as f64 * fraction).round() as u64;
        let at = y(count);
        svg.line(LEFT - 3.0, at, LEFT + PLOT_WIDTH, at, "grid");
        svg.text(
            LEFT - 6.0,
            at + 4.0,
            Anchor::End,
            "tick",
            &count.to_string(),
        );
    }
    svg.text(
        12.0,
        TOP + PLOT_HEIGHT / 2.0,
        Anchor::Middle,
        "tick vertical",
        "trials",
    );
    // Time axis.
    for (seconds, label) in TICKS {
        let value = seconds as f64;
        if value.log2() < log_low - 1e-9 || value.log2() > log_high + 1e-9 {
            continue;
        }
        let at = x(value);
        svg.line(at, bottom, at, bottom + 4.0, "axis");
        svg.line(at, TOP, at, bottom, "grid");
        svg.text(at, bottom + 16.0, Anchor::Middle, "tick", label);
    }
    // The end columns.
    let column = |svg: &mut Svg, left: f64, count: u64, label: &str, class: &str| {
        svg.rect(
            left,
            y(count),
            END_WIDTH,
            bottom - y(count),
            class,
            Some(&format!("{count} trials: {label}")),
        );
        svg.text(
            left + END_WIDTH / 2.0,
            bottom + 28.0,
            Anchor::Middle,
            "tick",
            label,
        );
    };
    column(&mut svg, LEFT + 2.0, zeros, chart.zero_label, "bar zero");
    column(
        &mut svg,
        LEFT + PLOT_WIDTH - END_WIDTH - 2.0,
        histogram.unbounded,
        chart.unbounded_label,
        "bar unbounded",
    );
    for bin in &bins {
        let (left, right) = (x(bin.low as f64), x(bin.high as f64));
        let tip = format!(
            "{} trials from {} to {}",
            bin.count,
            crate::syntax::units::format_duration(bin.low),
            crate::syntax::units::format_duration(bin.high)
        );
        let class = match chart.objective {
            Some((_, objective)) if bin.low > objective => "bar over",
            _ => "bar",
        };
        svg.rect(
            left,
            y(bin.count),
            (right - left - 0.5).max(1.0),
            bottom - y(bin.count),
            class,
            Some(&tip),
        );
    }
    if let Some((name, value)) = chart.objective {
        let at = x(value as f64);
        svg.line(at, TOP - 6.0, at, bottom, "objective");
        let (label_x, anchor) = if at > LEFT + PLOT_WIDTH - 90.0 {
            (at - 3.0, Anchor::End)
        } else {
            (at + 3.0, Anchor::Start)
        };
        svg.text(
            label_x,
            TOP - 2.0,
            anchor,
            "objective-label",
            &format!("{name} {}", crate::syntax::units::format_duration(value)),
        );
    }
    svg.finish()
}
