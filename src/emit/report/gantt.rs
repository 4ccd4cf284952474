//! A scripted scenario's recovery as a Gantt chart: a row per service that went down,
//! its outage split into phases (detection, waiting for a place to run, restore, boot),
//! hours on the axis and a vertical line at each RTO.

use super::svg::{clip, hours, Anchor, HourAxis, Svg};
use crate::model::{Plan, Seconds};
use crate::simulate::scripted::{Happening, Report};
use crate::syntax::units::format_duration;
use rustc_hash::FxHashMap;

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

/// One service's outage as the timeline is read: its bars so far, and the phase it is
/// in since when.
#[derive(Default)]
struct Outage {
    bars: Vec<Segment>,
    open: Option<(Phase, Seconds)>,
    /// The last timeline entry that moved it: an entry naming it twice moves it once.
    last_entry: Option<usize>,
}

impl Outage {
    /// End the open phase at `at` and start `next` (none: the service is back).
    fn switch(&mut self, next: Option<Phase>, at: Seconds) {
        if let Some((phase, start)) = self.open.take() {
            let phase = match (phase, next) {
                (Phase::Down, Some(Phase::Lead)) => Phase::Detection,
                (phase, _) => phase,
            };
            if at > start {
                self.bars.push(Segment {
                    phase,
                    start,
                    end: Some(at),
                });
            }
        }
        self.open = next.map(|phase| (phase, at));
    }

    /// What a timeline entry that names this service does to it.
    fn apply(&mut self, entry: usize, event: &Happening, at: Seconds) {
        if self.last_entry == Some(entry) {
            return;
        }
        self.last_entry = Some(entry);
        let next = match event {
            Happening::Down { .. } => Phase::Down,
            Happening::Unavailable { .. } => Phase::Dependency,
            Happening::Detected { .. } => Phase::Lead,
            Happening::PlaceReady { .. } => Phase::Queued,
            Happening::RestoreStarted { .. } => Phase::Restore,
            Happening::RestoreAborted { .. } => {
                if let Some((Phase::Restore, start)) = self.open {
                    self.open = Some((Phase::Aborted, start));
                }
                Phase::Queued
            }
            Happening::Restored { .. } => Phase::Boot,
            Happening::Back { .. } => return self.switch(None, at),
            Happening::NotRecovered { .. } => Phase::Stuck,
            Happening::Failed { .. }
            | Happening::Corrupted { .. }
            | Happening::VerificationFailed { .. }
            | Happening::NoGo { .. } => return,
        };
        // A service already down that a later failure lists again keeps its phase.
        if matches!(next, Phase::Down | Phase::Dependency) && self.open.is_some() {
            return;
        }
        self.switch(Some(next), at);
    }

    fn finish(mut self) -> Vec<Segment> {
        if let Some((phase, start)) = self.open {
            self.bars.push(Segment {
                phase,
                start,
                end: None,
            });
        }
        self.bars
    }
}

/// The services a timeline entry names.
fn named(event: &Happening) -> &[String] {
    match event {
        Happening::Down { services, .. }
        | Happening::Unavailable { services, .. }
        | Happening::Detected { services }
        | Happening::PlaceReady { services, .. }
        | Happening::Back { services } => services,
        Happening::RestoreStarted { service, .. }
        | Happening::RestoreAborted { service, .. }
        | Happening::Restored { service }
        | Happening::NotRecovered { service, .. } => std::slice::from_ref(service),
        Happening::Failed { .. }
        | Happening::Corrupted { .. }
        | Happening::VerificationFailed { .. }
        | Happening::NoGo { .. } => &[],
    }
}

/// The phases of each service's outage, in the order given, read off the timeline in
/// one pass (a pass per service made the chart quadratic in the services down).
pub(super) fn segments(report: &Report, services: &[&str]) -> Vec<Vec<Segment>> {
    let mut slot: FxHashMap<&str, usize> = FxHashMap::default();
    for &service in services {
        let next = slot.len();
        slot.entry(service).or_insert(next);
    }
    let mut outages: Vec<Outage> = (0..slot.len()).map(|_| Outage::default()).collect();
    for (k, entry) in report.timeline.iter().enumerate() {
        for service in named(&entry.event) {
            if let Some(&s) = slot.get(service.as_str()) {
                outages[s].apply(k, &entry.event, entry.time.seconds);
            }
        }
    }
    let bars: Vec<Vec<Segment>> = outages.into_iter().map(Outage::finish).collect();
    services.iter().map(|s| bars[slot[s]].clone()).collect()
}

/// The Gantt chart of one scenario.
pub(super) fn svg(plan: &Plan, report: &Report) -> String {
    // Each service's own RTO, by name (the first written, as a search would find).
    let mut rto_of: FxHashMap<&str, Option<Seconds>> = FxHashMap::default();
    for service in &plan.services {
        rto_of.entry(service.name.as_str()).or_insert(service.rto);
    }
    let names: Vec<&str> = report.services.iter().map(|s| s.service.as_str()).collect();
    let rows: Vec<(&str, Vec<Segment>, Option<Seconds>)> = names
        .iter()
        .zip(segments(report, &names))
        .map(|(&name, bars)| (name, bars, rto_of.get(name).copied().flatten()))
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
