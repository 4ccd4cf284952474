//! A rollout's stages against their windows: per stage the window as a band, the
//! estimated duration of the stage and of each change as bars, go/no-go deadlines as
//! marks; hours from the start of each stage's window.

use super::svg::{clip, hours, Anchor, HourAxis, Svg};
use crate::analysis::StageTimeline;
use crate::model::{Rollout, Seconds, WeekWindow, MINUTES_PER_WEEK};
use crate::syntax::units::{format_duration, format_time_of_week};

const LABEL_WIDTH: f64 = 190.0;
const PLOT_WIDTH: f64 = 720.0;
const ROW_HEIGHT: f64 = 22.0;
const BAR_HEIGHT: f64 = 12.0;
const TOP: f64 = 40.0;
const LEGEND_HEIGHT: f64 = 40.0;

/// Seconds from the window start to a minute of the week.
pub(super) fn offset(window: WeekWindow, minute: u32) -> Seconds {
    Seconds::from(
        (minute % MINUTES_PER_WEEK + MINUTES_PER_WEEK - window.start % MINUTES_PER_WEEK)
            % MINUTES_PER_WEEK,
    ) * 60
}

/// Draw a go/no-go diamond centred at `x`.
fn diamond(svg: &mut Svg, x: f64, y: f64, tip: &str) {
    let d = format!(
        "M{} {}L{} {}L{} {}L{} {}Z",
        super::svg::number(x),
        super::svg::number(y - 6.0),
        super::svg::number(x + 5.0),
        super::svg::number(y),
        super::svg::number(x),
        super::svg::number(y + 6.0),
        super::svg::number(x - 5.0),
        super::svg::number(y)
    );
    svg.path(&d, "go-no-go", Some(tip));
}

/// The rollout's timeline as one `<svg>`.
pub(super) fn svg(rollout: &Rollout, timelines: &[StageTimeline]) -> String {
    let rows = rollout
        .stages
        .iter()
        .map(|s| 1 + s.changes.len())
        .sum::<usize>();
    let mut span: Seconds = 3600;
    for (stage, timeline) in rollout.stages.iter().zip(timelines) {
        span = span.max(timeline.duration);
        if let Some(window) = timeline.window {
            span = span.max(Seconds::from(window.minutes) * 60);
            for minute in stage
                .go_no_go
                .into_iter()
                .chain(stage.changes.iter().filter_map(|c| c.go_no_go))
            {
                span = span.max(offset(window, minute));
            }
        }
    }
    let span = span as f64 * 1.05;
    let axis = HourAxis {
        left: LABEL_WIDTH,
        width: PLOT_WIDTH,
        span,
    };
    let bottom = TOP + rows.max(1) as f64 * ROW_HEIGHT;
    let width = LABEL_WIDTH + PLOT_WIDTH + 20.0;
    let mut svg = Svg::new(
        "rollout",
        width,
        bottom + LEGEND_HEIGHT,
        &format!("Stages of rollout {} against their windows", rollout.name),
        &format!(
            "{} stages; for each, its window as a green band, the estimated duration of the stage and of each change as bars (red where it runs past the window) and go/no-go deadlines as diamonds, in hours from the start of the stage's window",
            rollout.stages.len()
        ),
    );
    axis.draw(&mut svg, TOP, bottom, 10.0);
    svg.text(
        LABEL_WIDTH - 16.0,
        TOP - 4.0,
        Anchor::End,
        "tick",
        "hours from the window start",
    );
    let mut row = 0;
    for (stage, timeline) in rollout.stages.iter().zip(timelines) {
        let y = TOP + row as f64 * ROW_HEIGHT;
        let available = timeline.window.map(|w| Seconds::from(w.minutes) * 60);
        let height = (1 + stage.changes.len()) as f64 * ROW_HEIGHT;
        svg.rect(
            0.0,
            y,
            width,
            height,
            if row % 2 == 0 { "group" } else { "group odd" },
            None,
        );
        if let (Some(window), Some(available)) = (timeline.window, available) {
            svg.rect(
                axis.x(0.0),
                y + 2.0,
                axis.x(available as f64) - axis.x(0.0),
                height - 4.0,
                "window",
                Some(&format!(
                    "window {window}{}: {}",
                    if timeline.is_window_inherited {
                        " (the rollout's)"
                    } else {
                        ""
                    },
                    format_duration(available)
                )),
            );
        }
        svg.text(
            LABEL_WIDTH - 8.0,
            y + ROW_HEIGHT / 2.0 + 4.0,
            Anchor::End,
            "row-label stage-label",
            &clip(&format!("stage {}", stage.name), 28),
        );
        let exceeds = available.is_some_and(|a| timeline.duration > a);
        let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
        svg.rect(
            axis.x(0.0),
            bar_y,
            axis.x(timeline.duration as f64) - axis.x(0.0),
            BAR_HEIGHT,
            if exceeds {
                "stage-bar exceeds"
            } else {
                "stage-bar"
            },
            Some(&format!(
                "stage {}: estimated {}{}",
                stage.name,
                format_duration(timeline.duration),
                match available {
                    Some(a) if timeline.duration > a =>
                        format!(", past its {} window", format_duration(a)),
                    Some(_) => ", within its window".to_string(),
                    None => ", no window".to_string(),
                }
            )),
        );
        if let (Some(window), Some(minute)) = (timeline.window, stage.go_no_go) {
            diamond(
                &mut svg,
                axis.x(offset(window, minute) as f64),
                y + ROW_HEIGHT / 2.0,
                &format!(
                    "go/no-go for stage {} at {}",
                    stage.name,
                    format_time_of_week(minute)
                ),
            );
        }
        row += 1;
        for (change, times) in stage.changes.iter().zip(&timeline.changes) {
            let y = TOP + row as f64 * ROW_HEIGHT;
            svg.text(
                LABEL_WIDTH - 8.0,
                y + ROW_HEIGHT / 2.0 + 4.0,
                Anchor::End,
                "row-label",
                &clip(&change.name, 26),
            );
            let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
            if times.is_known {
                let late = available.is_some_and(|a| times.finish > a);
                svg.rect(
                    axis.x(times.start as f64),
                    bar_y,
                    axis.x(times.finish as f64) - axis.x(times.start as f64),
                    BAR_HEIGHT,
                    if late {
                        "change-bar exceeds"
                    } else {
                        "change-bar"
                    },
                    Some(&format!(
                        "{}: from {} to {} ({})",
                        change.name,
                        hours(times.start as f64),
                        hours(times.finish as f64),
                        format_duration(times.finish - times.start)
                    )),
                );
            } else {
                svg.text(
                    axis.x(times.start as f64) + 4.0,
                    y + ROW_HEIGHT / 2.0 + 4.0,
                    Anchor::Start,
                    "note",
                    "no duration declared",
                );
            }
            if let (Some(window), Some(minute)) = (timeline.window, change.go_no_go) {
                diamond(
                    &mut svg,
                    axis.x(offset(window, minute) as f64),
                    y + ROW_HEIGHT / 2.0,
                    &format!(
                        "go/no-go for {} at {}",
                        change.name,
                        format_time_of_week(minute)
                    ),
                );
            }
            row += 1;
        }
    }
    // Legend.
    let y = bottom + 16.0;
    let mut x = LABEL_WIDTH;
    for (class, label) in [
        ("window", "window"),
        ("stage-bar", "stage, estimated"),
        ("change-bar", "change, estimated"),
        ("change-bar exceeds", "past the window"),
    ] {
        svg.rect(x, y, 12.0, 10.0, class, None);
        svg.text(x + 16.0, y + 9.0, Anchor::Start, "legend", label);
        x += 24.0 + label.len() as f64 * 6.2;
    }
    diamond(&mut svg, x + 6.0, y + 5.0, "go/no-go");
    svg.text(
        x + 16.0,
        y + 9.0,
        Anchor::Start,
        "legend",
        "go/no-go deadline",
    );
    svg.finish()
}
