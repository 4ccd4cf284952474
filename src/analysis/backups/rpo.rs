//! Data lost when a service's servers or its site are lost (stories 002, 004): the age
//! of the newest restore point that survives, against the service's RPO. Reads the model only.

use super::{list_names, Facts};
use crate::analysis::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    Backup, BackupId, Location, Media, Offsite, Schedule, Seconds, ServiceId, SiteId, StorageId,
};
use crate::syntax::units::{format_duration, format_duration_literal};

/// The shortest gap between restore points a backup can actually be restored from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Interval {
    pub every: Seconds,
    /// The schedule that sets the gap, and its keyword.
    pub schedule: Schedule,
    pub kind: &'static str,
}

/// A backup's schedules with their keywords, in declaration order.
pub(super) fn schedules(backup: &Backup) -> impl Iterator<Item = (&'static str, Schedule)> {
    [
        ("full", backup.full),
        ("differential", backup.differential()),
        ("incremental", backup.incremental),
        ("snapshot", backup.snapshot()),
    ]
    .into_iter()
    .filter_map(|(kind, schedule)| schedule.map(|s| (kind, s)))
}

/// Whether differentials and incrementals have something to be based on: a `full`, or a
/// primary `snapshot` (story 000: differential snapshots after a primary one).
pub(super) fn has_base(backup: &Backup) -> bool {
    backup.full.is_some() || backup.snapshot().is_some()
}

/// The schedules that yield a restorable point: differentials and incrementals only
/// when the backup has a base.
pub(crate) fn restorable_schedules(
    backup: &Backup,
) -> impl Iterator<Item = (&'static str, Schedule)> {
    let is_based = has_base(backup);
    schedules(backup).filter(move |&(kind, _)| is_based || kind == "full" || kind == "snapshot")
}

/// The restore interval of a backup: its shortest schedule that yields a restorable
/// point. Differentials and incrementals count only when the backup has a base.
pub(crate) fn restore_interval(backup: &Backup) -> Option<Interval> {
    restorable_schedules(backup)
        .map(|(kind, schedule)| Interval {
            every: schedule.every,
            schedule,
            kind,
        })
        .min_by_key(|interval| interval.every)
}

/// What a failure takes out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loss<'a> {
    /// The service's servers, with the storage they (and the service's vms) use.
    Servers { storage: &'a [StorageId] },
    /// The sites the service runs at.
    Sites { sites: &'a [SiteId] },
}

/// What a loss leaves of a backup's restore points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fate {
    /// Where they are written survives.
    Kept,
    /// Where they are written is lost; the copy carried off site survives.
    CarriedOff(Offsite),
    /// Nothing survives.
    Lost,
}

/// Whether a backup with no `to` keeps its restore points next to the data: snapshots do.
pub(crate) fn is_snapshot_like(backup: &Backup) -> bool {
    backup.media == Media::Snapshot
        || (backup.snapshot().is_some()
            && backup.full.is_none()
            && backup.differential().is_none()
            && backup.incremental.is_none())
}

/// Where a loss leaves a backup's restore points. A backup with no `to` is taken to be
/// on site (snapshots: on the server's own storage); a storage with no site, on site.
pub(crate) fn fate(context: &Context, backup: &Backup, loss: Loss) -> Fate {
    let is_written_lost = match (backup.to.map(|r| r.id), loss) {
        (None, Loss::Servers { .. }) => is_snapshot_like(backup),
        (None, Loss::Sites { .. }) => true,
        (Some(Location::Site(_)), Loss::Servers { .. }) => false,
        (Some(Location::Storage(id)), Loss::Servers { storage }) => storage.contains(&id),
        (Some(location), Loss::Sites { sites }) => context
            .location_site(location)
            .is_none_or(|site| sites.contains(&site)),
    };
    if !is_written_lost {
        return Fate::Kept;
    }
    match (backup.offsite, loss) {
        (Some(offsite), Loss::Sites { sites }) if sites.contains(&offsite.site.id) => Fate::Lost,
        (Some(offsite), _) => Fate::CarriedOff(offsite),
        (None, _) => Fate::Lost,
    }
}

/// Worst-case age of the newest surviving restore point. Where the backup is written
/// survives: one restore interval. A copy carried off every `every`: it left up to
/// `every` ago holding a point up to one interval older, so `every` + interval. Rotated
/// media (`rotate N media`, story 004) leave right after a backup is written to them, so
/// the rotation interval alone (or the restore interval, when that is longer).
pub(super) fn worst_age(interval: Seconds, fate: Fate, is_rotated: bool) -> Option<Seconds> {
    match fate {
        Fate::Kept => Some(interval),
        Fate::CarriedOff(offsite) if is_rotated => Some(offsite.every.max(interval)),
        Fate::CarriedOff(offsite) => Some(offsite.every.saturating_add(interval)),
        Fate::Lost => None,
    }
}

/// The newest restore point a loss leaves a service.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Newest {
    pub backup: BackupId,
    pub interval: Interval,
    pub fate: Fate,
    /// Whether the backup rotates media (`rotate N media`, N > 1).
    pub is_rotated: bool,
    pub age: Seconds,
}

/// The surviving backup with the youngest worst-case restore point, if any survives.
pub(crate) fn newest(
    context: &Context,
    backups: &[BackupId],
    intervals: &[Option<Interval>],
    loss: Loss,
) -> Option<Newest> {
    backups
        .iter()
        .filter_map(|&id| {
            let interval = intervals[id.index()]?;
            let backup = &context.plan.backups[id.index()];
            let fate = fate(context, backup, loss);
            let is_rotated = backup.rotate > 1;
            let age = worst_age(interval.every, fate, is_rotated)?;
            Some(Newest {
                backup: id,
                interval,
                fate,
                is_rotated,
                age,
            })
        })
        .min_by_key(|newest| newest.age)
}

/// How old the newest restore point can be, with the arithmetic: "1d old",
/// "7d + 1d = 8d old" for a carried-off copy, "7d old (a medium leaves every 7d)".
/// The diagnostic for data a loss costs: how old the newest surviving point can be,
/// or that none survives. `when` says what is lost ("`sql1` is lost"); `point` names
/// the kind of restore point and what to say when none survives.
fn data_loss(
    code: Code,
    service: &crate::model::Service,
    rpo: Seconds,
    newest: Option<&Newest>,
    when: &str,
    (point, none_label): (&str, &str),
) -> Diagnostic {
    match newest {
        Some(newest) => Diagnostic::new(
            code,
            format!(
                "`{}` can lose {} of data when {when}, more than its rpo of {}",
                service.name,
                format_duration(newest.age),
                format_duration(rpo)
            ),
        )
        .primary(
            service.span,
            format!(
                "newest {point} can be {} > rpo {}",
                age_text(newest),
                format_duration(rpo)
            ),
        ),
        None => Diagnostic::new(
            code,
            format!(
                "no restorable copy of `{}` survives when {when}",
                service.name
            ),
        )
        .primary(
            service.span,
            format!("{none_label} (rpo {})", format_duration(rpo)),
        ),
    }
}

fn age_text(newest: &Newest) -> String {
    match newest.fate {
        Fate::CarriedOff(offsite) if newest.is_rotated => format!(
            "{} old (a medium leaves every {})",
            format_duration(newest.age),
            format_duration(offsite.every)
        ),
        Fate::CarriedOff(offsite) => format!(
            "{} + {} = {} old",
            format_duration(offsite.every),
            format_duration(newest.interval.every),
            format_duration(newest.age)
        ),
        _ => format!("{} old", format_duration(newest.age)),
    }
}

/// `rpo-unmet` and `rpo-unmet-site-loss` for one service with data, backups and an RPO.
pub(super) fn check_service(
    context: &Context,
    service_id: ServiceId,
    facts: &Facts,
    has_offsite_copy: bool,
    out: &mut Vec<Finding>,
) {
    let plan = context.plan;
    let service = &plan.services[service_id.index()];
    let Some(rpo) = service.rpo else { return };
    let backups = context.backups_of(service_id);
    let servers = context.servers_of(service_id);
    let mut storage: Vec<StorageId> = Vec::new();
    for server in &servers {
        storage.extend(plan.servers[server.index()].storage.iter().map(|r| r.id));
    }
    for host in &service.hosts {
        if let crate::model::Host::Vm(vm) = host.id {
            storage.extend(plan.vms[vm.index()].storage.iter().map(|r| r.id));
        }
    }
    let loss = Loss::Servers { storage: &storage };
    let newest_kept = newest(context, backups, &facts.intervals, loss);
    // A service replicated on several servers keeps its data on the others when one
    // is lost; only a single-server service loses what was not yet backed up.
    let is_replicated = servers.len() >= 2;
    if !is_replicated && newest_kept.is_none_or(|n| n.age > rpo) {
        // Names are listed only for a finding: most services pass.
        let what = if servers.is_empty() {
            "its server".to_string()
        } else {
            list_names(
                servers
                    .iter()
                    .map(|s| plan.servers[s.index()].name.as_str()),
            )
        };
        let is_lost = if servers.len() > 1 {
            "are lost"
        } else {
            "is lost"
        };
        // No restore point: every backup is lost, or the ones that survive have nothing
        // to restore (differentials with no `full` under them).
        let survives_unrestorable = newest_kept.is_none()
            && backups.iter().any(|&id| {
                facts.intervals[id.index()].is_none()
                    && fate(context, &plan.backups[id.index()], loss) != Fate::Lost
            });
        let none_label = if survives_unrestorable {
            "what survives has no `full` or `snapshot` to restore"
        } else {
            "every backup is lost with it"
        };
        let mut diagnostic = data_loss(
            Code::RpoUnmet,
            service,
            rpo,
            newest_kept.as_ref(),
            &format!("{what} {is_lost}"),
            ("restore point", none_label),
        );
        if let Some(newest) = &newest_kept {
            diagnostic = label_newest(context, diagnostic, newest);
        }
        for &id in backups {
            let backup = &plan.backups[id.index()];
            if Some(id) != newest_kept.map(|n| n.backup)
                && fate(context, backup, loss) == Fate::Lost
            {
                let where_ = backup.to.map_or("next to the data".to_string(), |to| {
                    format!("written to `{}`", location_name(context, to.id))
                });
                diagnostic =
                    diagnostic.secondary(backup.span, format!("{where_}: lost with {what}"));
            }
        }
        let help = if survives_unrestorable {
            "give the backup a `full` (or a primary `snapshot`) schedule for its differentials and incrementals to build on".to_string()
        } else {
            format!(
                "take restore points at least every {} on storage that does not fail with {what} (for example `incremental every {}` on a backup array, with a `full` to base it on), or raise the rpo",
                format_duration(rpo),
                format_duration_literal(rpo)
            )
        };
        out.push(Finding::new(
            diagnostic.help(help),
            [Subject::Service(service_id)],
        ));
    }
    let sites = context.sites_of(service_id);
    if sites.len() != 1 || !has_offsite_copy {
        // No site to lose; or replicas at other sites keep the data when one is lost;
        // or `no-offsite-copy` already says nothing leaves it.
        return;
    }
    let newest_off = newest(
        context,
        backups,
        &facts.intervals,
        Loss::Sites { sites: &sites },
    );
    if newest_off.is_some_and(|n| n.age <= rpo) {
        return;
    }
    let site_names = format!(
        "{} {}",
        if sites.len() > 1 { "sites" } else { "site" },
        list_names(sites.iter().map(|s| plan.sites[s.index()].name.as_str()))
    );
    let is_lost = if sites.len() > 1 {
        "are lost"
    } else {
        "is lost"
    };
    let mut diagnostic = data_loss(
        Code::RpoUnmetSiteLoss,
        service,
        rpo,
        newest_off.as_ref(),
        &format!("{site_names} {is_lost}"),
        (
            "off-site restore point",
            "the off-site copies cannot be restored",
        ),
    );
    let mut help = format!(
        "get a copy off site at least every {}: write backups straight to another site (`to` a storage there), or carry them off more often (`offsite SITE every ...`)",
        format_duration(rpo)
    );
    if let Some(newest) = &newest_off {
        diagnostic = label_newest(context, diagnostic, newest);
        let backup = &plan.backups[newest.backup.index()];
        if let Fate::CarriedOff(offsite) = newest.fate {
            if newest.is_rotated {
                help = format!(
                    "`{}` rotates {} media and one leaves for `{}` every {}: when the site is lost, the medium off site holds restore points up to {} old (more if it is swapped long after its last backup). Swap media more often (`offsite {} every {}`), or write a copy straight to another site",
                    backup.name,
                    backup.rotate,
                    plan.sites[offsite.site.id.index()].name,
                    format_duration(offsite.every),
                    format_duration(newest.age),
                    plan.sites[offsite.site.id.index()].name,
                    format_duration_literal(rpo)
                );
            } else {
                help = format!(
                    "a copy reaches `{}` every {}, holding a restore point up to {} older: carry copies off more often (`offsite {} every ...`, so that the sum is at most {}), or write backups straight to another site",
                    plan.sites[offsite.site.id.index()].name,
                    format_duration(offsite.every),
                    format_duration(newest.interval.every),
                    plan.sites[offsite.site.id.index()].name,
                    format_duration(rpo)
                );
            }
        }
    }
    out.push(Finding::new(
        diagnostic.help(help),
        [Subject::Service(service_id)],
    ));
}

/// Secondary labels on the backup that holds the newest surviving restore point.
fn label_newest(context: &Context, diagnostic: Diagnostic, newest: &Newest) -> Diagnostic {
    let plan = context.plan;
    let backup = &plan.backups[newest.backup.index()];
    let diagnostic = diagnostic.secondary(
        newest.interval.schedule.span,
        format!(
            "restore points of `{}` every {}",
            backup.name,
            format_duration(newest.interval.every)
        ),
    );
    match newest.fate {
        Fate::CarriedOff(offsite) => diagnostic.secondary(
            offsite.site.span,
            format!(
                "a copy reaches `{}` only every {}",
                plan.sites[offsite.site.id.index()].name,
                format_duration(offsite.every)
            ),
        ),
        _ => diagnostic,
    }
}

/// The name of a site or storage.
pub(super) fn location_name<'p>(context: &Context<'p>, location: Location) -> &'p str {
    match location {
        Location::Site(id) => &context.plan.sites[id.index()].name,
        Location::Storage(id) => &context.plan.storage[id.index()].name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Context;
    use crate::model::Plan;

    fn compile(text: &str) -> (Plan, crate::graph::Graph) {
        let compiled = crate::compile(crate::load::load_text("test.dr", text));
        (
            compiled.plan.expect("plan resolves"),
            compiled.graph.expect("graph builds"),
        )
    }

    const ESTATE: &str = "
        plan p { rpo 1h }
        site main { kind office }
        site vault { kind vault }
        storage local { kind array  site main }
        storage nas { kind nas  site main }
        server db1 { site main  storage local }
        service db { on db1  data 10GB }
    ";

    fn newest_of(backup: &str, site_loss: bool) -> Option<Seconds> {
        let (plan, graph) = compile(&format!("{ESTATE}\n{backup}"));
        let context = Context::new(&plan, &graph);
        let intervals: Vec<Option<Interval>> = plan.backups.iter().map(restore_interval).collect();
        let service = ServiceId(0);
        let storage: Vec<StorageId> = vec![StorageId(0)];
        let sites = context.sites_of(service);
        let loss = if site_loss {
            Loss::Sites { sites: &sites }
        } else {
            Loss::Servers { storage: &storage }
        };
        newest(&context, context.backups_of(service), &intervals, loss).map(|n| n.age)
    }

    const HOUR: Seconds = 3600;
    const DAY: Seconds = 86_400;

    #[test]
    fn replicas_at_two_sites_keep_the_data() {
        let text = "plan p { owner ops  escalation ops  rto 4h  rpo 1h }
            role ops { kind owner }
            site a { kind office }  site b { kind colo }  site vault { kind vault }
            server h1 { site a }  server h2 { site b }
            service dir { on h1, h2  data 10GB }
            backup daily { of dir  full every 1d at 01:00  to vault  keep 30d  tested every 30d  consistent app }";
        let compiled = crate::compile(crate::load::load_text("p.dr", text));
        let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
        assert!(!codes.contains(&Code::RpoUnmet), "{codes:?}");
        assert!(!codes.contains(&Code::RpoUnmetSiteLoss), "{codes:?}");
        let single = text.replace("on h1, h2", "on h1");
        let compiled = crate::compile(crate::load::load_text("p.dr", &single));
        let codes: Vec<Code> = compiled.diagnostics.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::RpoUnmet), "{codes:?}");
        assert!(codes.contains(&Code::RpoUnmetSiteLoss), "{codes:?}");
    }

    #[test]
    fn the_shortest_based_schedule_sets_the_interval() {
        let backup = "backup b { of db  full every 7d  incremental every 15m  to nas }";
        assert_eq!(newest_of(backup, false), Some(15 * 60));
    }

    #[test]
    fn differentials_without_a_base_do_not_restore() {
        let backup = "backup b { of db  differential every 1h  to nas }";
        assert_eq!(newest_of(backup, false), None);
    }

    #[test]
    fn a_primary_snapshot_is_a_base_for_differentials() {
        let backup =
            "backup b { of db  snapshot every 1d  differential every 4h  media snapshot  to nas }";
        assert_eq!(newest_of(backup, false), Some(4 * HOUR));
    }

    #[test]
    fn backups_on_the_servers_storage_are_lost_with_it() {
        let backup = "backup b { of db  full every 1d  incremental every 1h  to local }";
        assert_eq!(newest_of(backup, false), None);
    }

    #[test]
    fn snapshots_without_a_target_are_lost_with_the_server() {
        let backup = "backup b { of db  snapshot every 1h  media snapshot }";
        assert_eq!(newest_of(backup, false), None);
    }

    #[test]
    fn an_on_site_backup_is_lost_with_the_site() {
        let backup = "backup b { of db  full every 1d  to nas }";
        assert_eq!(newest_of(backup, false), Some(DAY));
        assert_eq!(newest_of(backup, true), None);
    }

    #[test]
    fn a_carried_off_copy_adds_its_delay_to_the_interval() {
        let backup = "backup b { of db  full every 7d  incremental every 1d  to nas  offsite vault every 7d }";
        assert_eq!(newest_of(backup, true), Some(8 * DAY));
        assert_eq!(newest_of(backup, false), Some(DAY));
    }

    #[test]
    fn rotated_media_lose_the_rotation_interval() {
        // Story 004: two drives, one taken home every week, daily incrementals.
        let backup = "backup b { of db  full every 7d  incremental every 1d  to nas  rotate 2 media  offsite vault every 7d }";
        assert_eq!(newest_of(backup, true), Some(7 * DAY));
        assert_eq!(newest_of(backup, false), Some(DAY));
    }

    #[test]
    fn a_backup_written_off_site_keeps_its_interval() {
        let backup = "backup b { of db  full every 1d  incremental every 1h  to vault }";
        assert_eq!(newest_of(backup, true), Some(HOUR));
    }

    #[test]
    fn the_youngest_surviving_backup_wins() {
        let backups = "backup a { of db  full every 1d  to vault }\nbackup b { of db  full every 1d  incremental every 15m  to local  offsite vault every 1d }";
        assert_eq!(newest_of(backups, false), Some(DAY));
        assert_eq!(newest_of(backups, true), Some(DAY));
    }

    #[test]
    fn worst_age_adds_the_offsite_interval() {
        let offsite = Offsite {
            site: crate::model::Ref {
                id: SiteId(0),
                span: Default::default(),
            },
            every: 7 * DAY,
        };
        assert_eq!(worst_age(DAY, Fate::Kept, false), Some(DAY));
        assert_eq!(
            worst_age(DAY, Fate::CarriedOff(offsite), false),
            Some(8 * DAY)
        );
        assert_eq!(
            worst_age(DAY, Fate::CarriedOff(offsite), true),
            Some(7 * DAY)
        );
        assert_eq!(
            worst_age(14 * DAY, Fate::CarriedOff(offsite), true),
            Some(14 * DAY)
        );
        assert_eq!(worst_age(DAY, Fate::Lost, false), None);
    }
}
