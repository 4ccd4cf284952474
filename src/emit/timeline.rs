//! A scripted scenario's replay as text for people: a compact timeline, then per
//! service the outage and data lost, then the expectations. Pure: no I/O, no colour.

use crate::analysis::estimate::format_bytes;
use crate::model::Plan;
use crate::simulate::scripted::{
    Check, DataLossBasis, ExpectationReport, Happening, Report, ServiceReport, Time, Venue,
};
use crate::syntax::units::{format_duration, format_rate};
use std::fmt::Write;

/// The report of one scripted scenario.
pub fn human(plan: &Plan, report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "scenario `{}` of plan `{}`",
        report.scenario, plan.name
    );
    if let Some(description) = &report.description {
        let _ = write!(out, ": {description}");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "clock starts {}; failures noticed after {}; {} restore{} at once",
        report.start.clock,
        format_duration(report.detect),
        report.restore_parallelism,
        if report.restore_parallelism == 1 {
            ""
        } else {
            "s"
        }
    );

    out.push_str("\ntimeline\n");
    let rows: Vec<(String, String, String)> = report
        .timeline
        .iter()
        .map(|entry| {
            (
                offset(&entry.time),
                clock(&entry.time),
                happening(&entry.event),
            )
        })
        .collect();
    let offset_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let clock_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    if rows.is_empty() {
        out.push_str("  nothing happens\n");
    }
    for (offset, clock, text) in rows {
        let _ = writeln!(
            out,
            "  {offset:<offset_width$}  {clock:<clock_width$}  {text}"
        );
    }

    out.push_str("\nservices\n");
    if report.services.is_empty() {
        out.push_str("  none went down\n");
    } else {
        services(&mut out, &report.services);
    }

    if !report.expectations.is_empty() {
        out.push_str("\nexpectations\n");
        let width = report
            .expectations
            .iter()
            .map(|e| e.service.len())
            .max()
            .unwrap_or(0);
        for expectation in &report.expectations {
            let _ = writeln!(
                out,
                "  {:<6}  {:<width$}  {}",
                if expectation.holds { "holds" } else { "FAILS" },
                expectation.service,
                checks(expectation)
            );
        }
        let held = report.expectations.iter().filter(|e| e.holds).count();
        let _ = writeln!(
            out,
            "\nexpectations held: {held} of {}",
            report.expectations.len()
        );
    }
    out
}

/// `+1h 5m`; `+0m` at the start.
fn offset(time: &Time) -> String {
    if time.seconds == 0 {
        "+0m".to_string()
    } else {
        format!("+{}", format_duration(time.seconds))
    }
}

/// `sat 02:00`, with the week when the replay runs past the first one.
fn clock(time: &Time) -> String {
    if time.week == 0 {
        time.clock.clone()
    } else {
        format!("{} (week {})", time.clock, time.week + 1)
    }
}

fn names(list: &[String]) -> String {
    list.join(", ")
}

fn happening(event: &Happening) -> String {
    match event {
        Happening::Failed {
            component,
            disk_only: false,
        } => format!("`{component}` fails"),
        Happening::Failed {
            component,
            disk_only: true,
        } => format!("the local disk of `{component}` fails"),
        Happening::Corrupted { backup } => {
            format!("the newest restore point of `{backup}` is found corrupt")
        }
        Happening::VerificationFailed { change, go_no_go } => match go_no_go {
            Some(deadline) => format!(
                "`{change}` fails its verification; go/no-go at {}",
                clock(deadline)
            ),
            None => format!(
                "`{change}` fails its verification; no go/no-go ahead, so it rolls back at once"
            ),
        },
        Happening::Down { services, cause } => format!("down ({cause}): {}", names(services)),
        Happening::Unavailable { services, need } => {
            format!("unavailable (`{need}` is down): {}", names(services))
        }
        Happening::Detected { services } => format!("failure noticed: {}", names(services)),
        Happening::NoGo { change, rollback } => {
            format!("go/no-go for `{change}`: no-go, rollback {rollback} starts")
        }
        Happening::PlaceReady {
            services,
            venue: Venue::Rollback,
            ..
        } => format!("rollback done: {}", names(services)),
        Happening::PlaceReady {
            services, place, ..
        } => {
            format!("{place} ready: {}", names(services))
        }
        Happening::RestoreStarted {
            service,
            backup,
            data,
            rate,
            seconds,
            is_fallback,
        } => {
            let from = match (backup, is_fallback) {
                (Some(b), false) => format!(" from `{b}`"),
                (Some(b), true) => format!(" from the previous restore point of `{b}`"),
                (None, _) => String::new(),
            };
            let size = match (data, rate) {
                (Some(data), Some(rate)) => {
                    format!("{} at {} = ", format_bytes(*data), format_rate(*rate))
                }
                _ => "restore-time ".to_string(),
            };
            format!(
                "restore of `{service}` starts{from}: {size}{}",
                format_duration(*seconds)
            )
        }
        Happening::RestoreAborted { service, backup } => {
            format!("restore of `{service}` abandoned: `{backup}`'s restore point is corrupt")
        }
        Happening::Restored { service } => format!("`{service}` restored"),
        Happening::Back { services } => format!("back: {}", names(services)),
        Happening::NotRecovered { service, reason } => {
            format!("`{service}` cannot be recovered: {reason}")
        }
    }
}

fn data_lost(service: &ServiceReport) -> String {
    match (service.data_lost, service.data_loss_basis) {
        (None, _) | (_, DataLossBasis::NoRestorePoint) => "all (no restore point)".to_string(),
        (Some(0), DataLossBasis::None) => "none".to_string(),
        (Some(lost), DataLossBasis::Exact) => format!("{} (exact)", format_duration(lost)),
        (Some(lost), DataLossBasis::WorstCase) => {
            format!("{} (worst case)", format_duration(lost))
        }
        (Some(lost), DataLossBasis::None) => format_duration(lost),
    }
}

fn services(out: &mut String, services: &[ServiceReport]) {
    let header = [
        "service".to_string(),
        "down".to_string(),
        "back".to_string(),
        "outage".to_string(),
        "data lost".to_string(),
        "recovery".to_string(),
    ];
    let rows: Vec<[String; 6]> = services
        .iter()
        .map(|s| {
            let recovery = match &s.restored_from {
                Some(backup) if !s.recovery.contains(backup.as_str()) => {
                    format!("{}, from `{backup}`", s.recovery)
                }
                _ => s.recovery.clone(),
            };
            [
                s.service.clone(),
                clock(&s.down_at),
                s.back_at.as_ref().map_or("never".to_string(), clock),
                s.outage
                    .map_or("not recovered".to_string(), format_duration),
                data_lost(s),
                recovery,
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(rows.iter()) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::from(" ");
        for (k, (cell, width)) in row.iter().zip(widths).enumerate() {
            if k + 1 == row.len() {
                let _ = write!(line, " {cell}");
            } else {
                let _ = write!(line, " {cell:<width$} ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn check(name: &str, check: Option<Check>) -> Option<String> {
    let check = check?;
    let actual = match (name, check.actual) {
        ("rto", None) => "never back".to_string(),
        (_, None) => "all data".to_string(),
        (_, Some(actual)) => format_duration(actual),
    };
    let relation = if check.holds { "within" } else { "over" };
    Some(format!(
        "{name} {}: {actual} ({relation})",
        format_duration(check.limit)
    ))
}

fn checks(expectation: &ExpectationReport) -> String {
    [check("rto", expectation.rto), check("rpo", expectation.rpo)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}
