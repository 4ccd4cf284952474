//! Backups taken while users work (story 002: "whether users had been accessing the
//! system during the backup"): a schedule inside an `active` window of a covered
//! service, without application consistency. Reads the model only.

use super::Facts;
use crate::analysis::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{BackupId, Consistency, Schedule, ServiceId, WeekWindow, MINUTES_PER_WEEK};
use crate::syntax::units::format_duration;
use crate::syntax::units::format_time_of_week;

const MINUTES_PER_DAY: u32 = 1440;
const SECONDS_PER_DAY: u64 = 86_400;

/// A schedule that runs while a covered service is in use.
struct Conflict {
    kind: &'static str,
    schedule: Schedule,
    service: ServiceId,
    window: WeekWindow,
    /// The run that falls inside the window, when the schedule has a clock time.
    minute: Option<u32>,
}

/// The clock times (minutes after midnight) a schedule with `at` runs at: once a day for
/// daily or rarer schedules (on whichever day), else every `every` from `at` on.
fn clock_times(schedule: Schedule, at: u32) -> Vec<u32> {
    if schedule.every >= SECONDS_PER_DAY {
        return vec![at % MINUTES_PER_DAY];
    }
    let step = (schedule.every / 60).max(1) as u32;
    let mut times: Vec<u32> = (0..MINUTES_PER_DAY.div_ceil(step))
        .map(|k| (at + k * step) % MINUTES_PER_DAY)
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

/// The first run of a schedule inside an active window of one of the services.
fn find_conflict(
    context: &Context,
    kind: &'static str,
    schedule: Schedule,
    services: &[ServiceId],
) -> Option<Conflict> {
    let plan = context.plan;
    let conflict = |service: ServiceId, window: WeekWindow, minute: Option<u32>| Conflict {
        kind,
        schedule,
        service,
        window,
        minute,
    };
    match schedule.at {
        Some(at) => {
            let times = clock_times(schedule, at);
            services.iter().find_map(|&service| {
                plan.services[service.index()]
                    .active
                    .iter()
                    .find_map(|&window| {
                        (0..7).find_map(|day| {
                            times
                                .iter()
                                .map(|&time| (day * MINUTES_PER_DAY + time) % MINUTES_PER_WEEK)
                                .find(|&minute| window.contains(minute))
                                .map(|minute| conflict(service, window, Some(minute)))
                        })
                    })
            })
        }
        // No clock time: a daily or rarer run may fall anywhere, so only a schedule that
        // runs more often than daily is sure to run while users work.
        None if schedule.every < SECONDS_PER_DAY => services.iter().find_map(|&service| {
            plan.services[service.index()]
                .active
                .first()
                .map(|&window| conflict(service, window, None))
        }),
        None => None,
    }
}

/// `inconsistent-backup` for one backup.
pub(super) fn check_backup(context: &Context, facts: &Facts, id: BackupId, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let backup = &plan.backups[id.index()];
    if backup.consistency == Consistency::App {
        return;
    }
    let active: Vec<ServiceId> = facts.services[id.index()]
        .iter()
        .copied()
        .filter(|s| !plan.services[s.index()].active.is_empty())
        .collect();
    if active.is_empty() {
        return;
    }
    let Some(conflict) = super::rpo::schedules(backup)
        .find_map(|(kind, schedule)| find_conflict(context, kind, schedule, &active))
    else {
        return;
    };
    let service = &plan.services[conflict.service.index()];
    let consistency = match backup.consistency {
        Consistency::None => "not consistent at all (`consistent none`)",
        _ => "only crash-consistent",
    };
    let (message_when, schedule_label) = match conflict.minute {
        Some(minute) => (
            format!("runs at {}", format_time_of_week(minute)),
            format!(
                "this {} runs at {}",
                conflict.kind,
                format_time_of_week(minute)
            ),
        ),
        None => (
            format!("runs every {}", format_duration(conflict.schedule.every)),
            format!(
                "every {} with no clock time: also while users work",
                format_duration(conflict.schedule.every)
            ),
        ),
    };
    let window = conflict.window.to_string();
    out.push(Finding::new(
        Diagnostic::new(
            Code::InconsistentBackup,
            format!(
                "backup `{}` is not application-consistent and {message_when} while `{}` is in use",
                backup.name, service.name
            ),
        )
        .primary(backup.span, consistency)
        .secondary(conflict.schedule.span, schedule_label)
        .secondary(service.span, format!("users active {window}"))
        .help(
            "quiesce the application during the backup (`consistent app`: VSS, a database dump or log backups), or schedule it outside the active hours (`at 01:00`)",
        ),
        [Subject::Backup(id)],
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(every: u64, at: u32) -> Schedule {
        Schedule {
            every,
            at: Some(at),
            span: Default::default(),
        }
    }

    #[test]
    fn daily_schedules_run_once_a_day() {
        assert_eq!(clock_times(schedule(7 * SECONDS_PER_DAY, 90), 90), vec![90]);
    }

    #[test]
    fn sub_daily_schedules_repeat_from_their_clock_time() {
        assert_eq!(
            clock_times(schedule(6 * 3600, 60), 60),
            vec![60, 420, 780, 1140]
        );
    }
}
