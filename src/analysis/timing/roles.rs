//! Staff (story 002): a role a stage needs that is away while its work runs, unless a
//! deputy down the chain is there. Reports only; the schedule comes from `timing`.

use super::arithmetic::{date_of, day_number, format_date, format_window, overlaps};
use super::StageSchedule;
use crate::analysis::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DateValue, Role, RoleId, Rollout, RolloutId, Stage, WeekWindow};
use crate::source::Span;
use rustc_hash::FxHashSet;

/// The part of the window a stage keeps its people busy: from the window start until its
/// work is estimated to end; the whole window when some duration is unknown.
pub(crate) fn busy_window(schedule: &StageSchedule, window: WeekWindow) -> WeekWindow {
    if !schedule.is_complete() {
        return window;
    }
    let minutes = schedule
        .duration()
        .div_ceil(60)
        .clamp(1, u64::from(window.minutes));
    WeekWindow {
        start: window.start,
        minutes: minutes as u32,
    }
}

/// Why a role cannot be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Absence {
    Weekly(WeekWindow),
    Holiday(DateValue, DateValue),
}

/// The first absence of a role that meets the busy window (or its calendar days).
fn absence(role: &Role, busy: WeekWindow, days: Option<(i64, i64)>) -> Option<Absence> {
    let weekly = role
        .unavailable
        .iter()
        .find(|&&away| overlaps(away, busy))
        .map(|&away| Absence::Weekly(away));
    weekly.or_else(|| {
        let (first, last) = days?;
        role.holidays
            .iter()
            .find(|(from, to)| day_number(*from) <= last && day_number(*to) >= first)
            .map(|&(from, to)| Absence::Holiday(from, to))
    })
}

pub(crate) fn roles_away(
    context: &Context,
    rollout: &Rollout,
    rollout_id: RolloutId,
    stage_index: usize,
    busy: WeekWindow,
    start: Option<i64>,
    out: &mut Vec<Finding>,
) {
    let plan = context.plan;
    let stage = &rollout.stages[stage_index];
    let days = start.map(|start| {
        let end = start + i64::from(busy.minutes) - 1;
        (start.div_euclid(1440), end.div_euclid(1440))
    });
    let mut seen: FxHashSet<RoleId> = FxHashSet::default();
    let needed = stage
        .roles
        .iter()
        .chain(stage.changes.iter().flat_map(|c| &c.roles))
        .chain(rollout.owner.iter());
    for reference in needed {
        if !seen.insert(reference.id) {
            continue;
        }
        let role = &plan.roles[reference.id.index()];
        let Some(away) = absence(role, busy, days) else {
            continue;
        };
        // Covered when some deputy down the chain is there.
        let mut deputies = Vec::new();
        let mut next = role.deputy.map(|d| d.id);
        let mut is_covered = false;
        while let Some(deputy) = next.filter(|d| *d != reference.id && !deputies.contains(d)) {
            deputies.push(deputy);
            let data = &plan.roles[deputy.index()];
            if absence(data, busy, days).is_none() {
                is_covered = true;
                break;
            }
            next = data.deputy.map(|d| d.id);
        }
        if is_covered {
            continue;
        }
        out.push(role_finding(
            context,
            stage,
            rollout_id,
            stage_index,
            reference.id,
            reference.span,
            away,
            busy,
            days,
            &deputies,
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn role_finding(
    context: &Context,
    stage: &Stage,
    rollout_id: RolloutId,
    stage_index: usize,
    role_id: RoleId,
    reference: Span,
    away: Absence,
    busy: WeekWindow,
    days: Option<(i64, i64)>,
    deputies: &[RoleId],
) -> Finding {
    let plan = context.plan;
    let role = &plan.roles[role_id.index()];
    let runs = match days {
        Some((first, last)) if first == last => {
            format!("{} on {}", format_window(busy), format_date(date_of(first)))
        }
        Some((first, last)) => format!(
            "{} ({} .. {})",
            format_window(busy),
            format_date(date_of(first)),
            format_date(date_of(last))
        ),
        None => format_window(busy),
    };
    let why = match away {
        Absence::Weekly(window) => format!("unavailable {}", format_window(window)),
        Absence::Holiday(from, to) if from == to => format!("on holiday {}", format_date(from)),
        Absence::Holiday(from, to) => {
            format!("on holiday {} .. {}", format_date(from), format_date(to))
        }
    };
    let cover = match deputies {
        [] => "and no `deputy`".to_string(),
        _ => {
            let names: Vec<String> = deputies
                .iter()
                .map(|d| format!("`{}`", plan.roles[d.index()].name))
                .collect();
            format!("and its deputy {} is away too", names.join(", then "))
        }
    };
    Finding::new(
        Diagnostic::new(
            Code::RoleUnavailable,
            format!("role `{}` is away while stage `{}` runs", role.name, stage.name),
        )
        .primary(reference, format!("needed here, but {why}"))
        .secondary(role.span, format!("{why}, {cover}"))
        .secondary(stage.span, format!("estimated to run {runs}"))
        .help(format!(
            "schedule stage `{}` when `{}` is in, or name a `deputy` for `{}` who is available then (story 002: the upgrade slid to Saturday afternoon for lack of staff)",
            stage.name, role.name, role.name
        )),
        [Subject::Stage(rollout_id, stage_index as u32), Subject::Role(role_id)],
    )
}
