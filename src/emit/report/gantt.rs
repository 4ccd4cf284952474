//! A scripted scenario's recovery as a Gantt chart: a row per service that went down,
//! its outage split into phases (detection, waiting for a place to run, restore, boot),
//! hours on the axis and a vertical line at each RTO.

use super::svg::{clip, hours, Anchor, HourAxis, Svg};
use crate::model::{Plan, Seconds};
use crate::simulate::scripted::{Happening, Report};
use crate::syntax::units::format_duration;

const LABEL_WIDTH: f64 = 170.0;
const PLOT_WIDTH: f64 = 740.0;
const ROW_HEIGHT: f64 = 24.0;
const BAR_HEIGHT: f64 = 14.0;
const TOP: f64 = 40.0;
const LEGEND_HEIGHT: f64 = 56.0;

/// What a service is doing during one part of its outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Down, until the failure is noticed.
    Detection,
    /// Down with no failure detection of its own (a change taken out, awaiting go/no-go).
    Down,
    /// Waiting for a place to run: standby lead time, failover, repair.
    Lead,
    /// Waiting for a restore slot.
    Queued,
    Restore,
    /// A restore abandoned because its restore point was corrupt.
    Aborted,
    /// Restored, booting once what it needs is back.
    Boot,
    /// Unavailable because a service it needs is down.
    Dependency,
    /// Never recovered.
    Stuck,
}

impl Phase {
    fn class(self) -> &'static str {
        match self {
            Phase::Detection => "phase detection",
            Phase::Down => "phase down",
            Phase::Lead => "phase lead",
            Phase::Queued => "phase queued",
            Phase::Restore => "phase restore",
            Phase::Aborted => "phase aborted",
            Phase::Boot => "phase boot",
            Phase::Dependency => "phase dependency",
            Phase::Stuck => "phase stuck",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Phase::Detection => "detection",
            Phase::Down => "down (awaiting rollback)",
            Phase::Lead => "standby lead / place to run",
            Phase::Queued => "waiting for a restore slot",
            Phase::Restore => "restore",
            Phase::Aborted => "restore abandoned",
            Phase::Boot => "boot",
            Phase::Dependency => "a needed service is down",
            Phase::Stuck => "never recovered",
        }
    }
}

/// One bar of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub phase: Phase,
    pub start: Seconds,
    /// `None`: runs to the end of the chart.
    pub end: Option<Seconds>,
}

fn lists(services: &[String], name: &str) -> bool {
    services.iter().any(|s| s == name)
}

/// The phases of one service's outage, read off the timeline.
pub(super) fn segments(report: &Report, service: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut open: Option<(Phase, Seconds)> = None;
    let mut switch = |open: &mut Option<(Phase, Seconds)>, next: Option<Phase>, at: Seconds| {
        if let Some((phase, start)) = open.take() {
            let phase = match (phase, next) {
                (Phase::Down, Some(Phase::Lead)) => Phase::Detection,
                (phase, _) => phase,
            };
            if at > start {
                out.push(Segment {
                    phase,
                    start,
                    end: Some(at),
                });
            }
        }
        *open = next.map(|phase| (phase, at));
    };
    for entry in &report.timeline {
        let at = entry.time.seconds;
        let next = match &entry.event {
            Happening::Down { services, .. } if lists(services, service) => Some(Phase::Down),
            Happening::Unavailable { services, .. } if lists(services, service) => {
                Some(Phase::Dependency)
            }
            Happening::Detected { services } if lists(services, service) => Some(Phase::Lead),
            Happening::PlaceReady { services, .. } if lists(services, service) => {
                Some(Phase::Queued)
            }
            Happening::RestoreStarted { service: s, .. } if s == service => Some(Phase::Restore),
            Happening::RestoreAborted { service: s, .. } if s == service => {
                if let Some((Phase::Restore, start)) = open {
                    open = Some((Phase::Aborted, start));
                }
                Some(Phase::Queued)
            }
            Happening::Restored { service: s } if s == service => Some(Phase::Boot),
            Happening::Back { services } if lists(services, service) => {
                switch(&mut open, None, at);
                continue;
            }
            Happening::NotRecovered { service: s, .. } if s == service => Some(Phase::Stuck),
            _ => continue,
        };
        // A service already down that a later failure lists again keeps its phase.
        if matches!(next, Some(Phase::Down | Phase::Dependency)) && open.is_some() {
            continue;
        }
        switch(&mut open, next, at);
    }
    if let Some((phase, start)) = open {
        out.push(Segment {
            phase,
            start,
            end: None,
        });
    }
    out
}

/// The Gantt chart of one scenario.
pub(super) fn svg(plan: &Plan, report: &Report) -> String {
    let rows: Vec<(&str, Vec<Segment>, Option<Seconds>)> = report
        .services
        .iter()
        .map(|s| {
            let rto = plan
                .services
                .iter()
                .find(|p| p.name == s.service)
                .and_then(|p| p.rto);
            (s.service.as_str(), segments(report, &s.service), rto)
        })
        .collect();
    let last_event = report.timeline.last().map_or(0, |e| e.time.seconds);
    let plan_rto = plan.settings.rto;
    // The axis covers the replay and the tightest objective; a looser one far to the
    // right is named at the end of its row instead of stretching the chart.
    let tightest = rows.iter().filter_map(|r| r.2).chain(plan_rto).min();
    let span = [last_event, tightest.unwrap_or(0), 3600]
        .into_iter()
        .max()
        .unwrap_or(3600) as f64
        * 1.08;
    let axis = HourAxis {
        left: LABEL_WIDTH,
        width: PLOT_WIDTH,
        span,
    };
    let bottom = TOP + rows.len().max(1) as f64 * ROW_HEIGHT;
    let width = LABEL_WIDTH + PLOT_WIDTH + 80.0;
    let height = bottom + LEGEND_HEIGHT;
    let back = report
        .services
        .iter()
        .filter(|s| s.back_at.is_some())
        .count();
    let mut svg = Svg::new(
        "gantt",
        width,
        height,
        &format!("Recovery timeline of scenario {}", report.scenario),
        &format!(
            "Gantt chart: one row per service that went down ({} of them, {back} back); bars show detection, waiting for a place to run, restore and boot, in hours from the first failure at {}; red lines mark each RTO{}",
            rows.len(),
            report.start.clock,
            plan_rto.map_or(String::new(), |r| format!(", the dashed one the plan's RTO of {}", format_duration(r)))
        ),
    );
    axis.draw(&mut svg, TOP, bottom, 10.0);
    svg.text(
        LABEL_WIDTH - 16.0,
        TOP - 4.0,
        Anchor::End,
        "tick",
        "hours from the first failure",
    );
    if rows.is_empty() {
        svg.text(
            axis.x(0.0) + 6.0,
            TOP + 16.0,
            Anchor::Start,
            "note",
            "no service went down",
        );
    }
    let mut used: Vec<Phase> = Vec::new();
    for (k, (name, segments, rto)) in rows.iter().enumerate() {
        let y = TOP + k as f64 * ROW_HEIGHT;
        if k % 2 == 1 {
            svg.rect(0.0, y, width, ROW_HEIGHT, "stripe", None);
        }
        svg.text(
            LABEL_WIDTH - 8.0,
            y + ROW_HEIGHT / 2.0 + 4.0,
            Anchor::End,
            "row-label",
            &clip(name, 24),
        );
        let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
        for segment in segments {
            let start = segment.start as f64;
            let end = segment.end.map_or(span, |e| e as f64);
            let tip = format!(
                "{name}: {} from {} to {}",
                segment.phase.label(),
                hours(start),
                segment
                    .end
                    .map_or("the end".to_string(), |e| hours(e as f64))
            );
            svg.rect(
                axis.x(start),
                bar_y,
                axis.x(end) - axis.x(start),
                BAR_HEIGHT,
                segment.phase.class(),
                Some(&tip),
            );
            if !used.contains(&segment.phase) {
                used.push(segment.phase);
            }
        }
        match rto {
            Some(rto) if (*rto as f64) <= span => {
                let x = axis.x(*rto as f64);
                svg.line(x, y + 2.0, x, y + ROW_HEIGHT - 2.0, "rto-mark");
            }
            Some(rto) => svg.text(
                axis.x(span) + 4.0,
                y + ROW_HEIGHT / 2.0 + 4.0,
                Anchor::Start,
                "rto-label",
                &format!("RTO {} →", format_duration(*rto)),
            ),
            None => {}
        }
    }
    if let Some(rto) = plan_rto.filter(|&r| r as f64 <= span) {
        let x = axis.x(rto as f64);
        svg.line(x, TOP, x, bottom, "rto-line");
        svg.text(
            x,
            TOP - 18.0,
            Anchor::Middle,
            "rto-label",
            &format!("plan RTO {}", format_duration(rto)),
        );
    }
    // Legend of the phases drawn, in a fixed order, wrapped to the chart's width.
    let mut items: Vec<(&str, &str)> = [
        Phase::Detection,
        Phase::Down,
        Phase::Lead,
        Phase::Queued,
        Phase::Restore,
        Phase::Aborted,
        Phase::Boot,
        Phase::Dependency,
        Phase::Stuck,
    ]
    .into_iter()
    .filter(|p| used.contains(p))
    .map(|p| (p.class(), p.label()))
    .collect();
    items.push(("rto-mark", "service RTO"));
    let (mut x, mut y) = (LABEL_WIDTH, bottom + 20.0);
    for (class, label) in items {
        let needed = 22.0 + label.len() as f64 * 6.2;
        if x + needed > width {
            x = LABEL_WIDTH;
            y += 16.0;
        }
        if class == "rto-mark" {
            svg.line(x + 6.0, y, x + 6.0, y + 10.0, class);
        } else {
            svg.rect(x, y, 12.0, 10.0, class, None);
        }
        svg.text(x + 16.0, y + 9.0, Anchor::Start, "legend", label);
        x += needed;
    }
    svg.finish()
}
