//! The restore points a failure leaves a service: which backups survive, how old their
//! newest point is at the moment of the failure, and the older point a corrupt one falls
//! back to. Follows the static rules of `analysis::backups::rpo` (same survival and
//! worst-case ages), adding the exact age when a schedule states its clock time.

use super::DataLossBasis;
use crate::analysis::backups::rpo::{self, is_snapshot_like};
use crate::analysis::Context;
use crate::model::{Backup, BackupId, Component, Location, Offsite, Seconds, SiteId};
use std::collections::BTreeSet;

const DAY: Seconds = 86_400;

/// What has failed so far, as the restore points see it.
pub(super) struct Loss<'a> {
    /// Components whose contents are gone (failed, or on something that failed).
    pub wiped: &'a BTreeSet<Component>,
    pub failed_sites: &'a BTreeSet<SiteId>,
    /// Whether one of the service's sites failed.
    pub is_site_lost: bool,
    /// Whether the service's own hosts lost their data.
    pub is_host_lost: bool,
}

/// Where a loss leaves a backup's restore points.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Kept,
    CarriedOff(Offsite),
    Lost,
}

/// A surviving restore point to restore a service from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Point {
    pub backup: BackupId,
    pub age: Seconds,
    pub basis: DataLossBasis,
    /// The newest point was corrupt: this is the one before it.
    pub is_previous: bool,
}

/// The shortest gap between restorable points: one "backup interval".
pub(super) fn interval(backup: &Backup) -> Option<Seconds> {
    rpo::restore_interval(backup).map(|i| i.every)
}

fn fate(context: &Context, backup: &Backup, loss: &Loss) -> Fate {
    let is_written_lost = match backup.to.map(|r| r.id) {
        None => loss.is_site_lost || (loss.is_host_lost && is_snapshot_like(backup)),
        Some(Location::Site(site)) => loss.failed_sites.contains(&site),
        Some(Location::Storage(storage)) => {
            loss.wiped.contains(&Component::Storage(storage))
                || (context.plan.storage[storage.index()].site.is_none() && loss.is_site_lost)
        }
    };
    if !is_written_lost {
        return Fate::Kept;
    }
    match backup.offsite {
        Some(offsite) if !loss.failed_sites.contains(&offsite.site.id) => Fate::CarriedOff(offsite),
        _ => Fate::Lost,
    }
}

/// Age of the newest point of a schedule at `second_of_week`, when its clock time
/// fixes when points are taken (an `at` and a period that divides a day).
fn exact_age(schedule: crate::model::Schedule, second_of_week: Seconds) -> Option<Seconds> {
    let at = Seconds::from(schedule.at?) * 60;
    let every = schedule.every;
    if every == 0 || every > DAY || DAY % every != 0 {
        return None;
    }
    let of_day = second_of_week % DAY;
    Some((of_day + DAY - at % DAY) % every)
}

/// Age of a backup's newest surviving point after a loss at `second_of_week`.
fn newest_age(
    context: &Context,
    backup: &Backup,
    loss: &Loss,
    second_of_week: Seconds,
) -> Option<(Seconds, DataLossBasis)> {
    let interval = interval(backup)?;
    match fate(context, backup, loss) {
        Fate::Kept => rpo::restorable_schedules(backup)
            .map(|(_, s)| s)
            .map(|s| match exact_age(s, second_of_week) {
                Some(age) => (age, DataLossBasis::Exact),
                None => (s.every, DataLossBasis::WorstCase),
            })
            .min_by_key(|&(age, basis)| (age, basis != DataLossBasis::Exact)),
        // Rotated media leave right after a backup is written to them; a copy carried
        // off every `every` holds a point up to one interval older. No clock is known.
        Fate::CarriedOff(offsite) if backup.rotate > 1 => {
            Some((offsite.every.max(interval), DataLossBasis::WorstCase))
        }
        Fate::CarriedOff(offsite) => Some((
            offsite.every.saturating_add(interval),
            DataLossBasis::WorstCase,
        )),
        Fate::Lost => None,
    }
}

/// Every surviving point a service could be restored from, youngest first; a corrupt
/// backup offers its previous point (one interval older). `fresh` is a backup holding a
/// point taken just before (a change's `backup before`): age 0.
pub(super) fn candidates(
    context: &Context,
    backups: &[BackupId],
    loss: &Loss,
    second_of_week: Seconds,
    corrupt: &BTreeSet<BackupId>,
    fresh: Option<BackupId>,
) -> Vec<Point> {
    let mut points: Vec<Point> = backups
        .iter()
        .filter_map(|&id| {
            let backup = &context.plan.backups[id.index()];
            let (age, basis) = if fresh == Some(id) {
                (0, DataLossBasis::None)
            } else {
                newest_age(context, backup, loss, second_of_week)?
            };
            let is_previous = corrupt.contains(&id);
            let (age, basis) = if is_previous {
                let basis = if basis == DataLossBasis::None {
                    DataLossBasis::WorstCase
                } else {
                    basis
                };
                (age.saturating_add(interval(backup)?), basis)
            } else {
                (age, basis)
            };
            Some(Point {
                backup: id,
                age,
                basis,
                is_previous,
            })
        })
        .collect();
    points.sort_by_key(|p| p.age);
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schedule;

    fn schedule(every: Seconds, at: Option<u32>) -> Schedule {
        Schedule {
            every,
            at,
            span: Default::default(),
        }
    }

    #[test]
    fn a_nightly_full_at_one_loses_an_hour_at_two() {
        // sat 02:00 is minute 5 * 1440 + 120 of the week.
        let sat_0200 = (5 * 1440 + 120) * 60;
        assert_eq!(exact_age(schedule(DAY, Some(60)), sat_0200), Some(3600));
        assert_eq!(exact_age(schedule(DAY, None), sat_0200), None);
        // Twice a day at 02:30: the newest point is 14:30 yesterday.
        assert_eq!(
            exact_age(schedule(DAY / 2, Some(150)), sat_0200),
            Some(11 * 3600 + 1800)
        );
        // A weekly full at 18:00: the day is not known.
        assert_eq!(exact_age(schedule(7 * DAY, Some(1080)), sat_0200), None);
    }
}
