//! Backup and RPO rules (stories 002, 004): coverage, restore tests, consistency while
//! users work, off-site copies, chains, retention, 3-2-1 and the data a loss costs.
//! Rules read the model only; services × backups is never walked, only `backups_of`.

mod consistency;
mod copies;
pub(crate) mod rpo;

use super::{list_names, Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{BackupId, Criticality, Seconds, ServiceId};
use crate::syntax::units::{format_duration, format_duration_literal};
use rpo::Interval;

/// Facts about every backup, computed once per check.
pub(super) struct Facts {
    /// The restore interval of each backup, when it has a restorable schedule.
    intervals: Vec<Option<Interval>>,
    /// The services with data each backup covers, in plan order.
    services: Vec<Vec<ServiceId>>,
}

impl Facts {
    fn new(context: &Context) -> Self {
        let plan = context.plan;
        let mut services = vec![Vec::new(); plan.backups.len()];
        for (index, service) in plan.services.iter().enumerate() {
            if service.data.is_none() {
                continue;
            }
            let id = ServiceId(index as u32);
            for backup in context.backups_of(id) {
                services[backup.index()].push(id);
            }
        }
        Facts {
            intervals: plan.backups.iter().map(rpo::restore_interval).collect(),
            services,
        }
    }
}

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let facts = Facts::new(context);
    for index in 0..plan.backups.len() {
        let id = BackupId(index as u32);
        check_tested(context, id, out);
        check_chain(context, id, out);
        check_retention(context, &facts, id, out);
        consistency::check_backup(context, &facts, id, out);
    }
    for (index, service) in plan.services.iter().enumerate() {
        // Without data there is nothing to lose.
        if service.data.is_none() {
            continue;
        }
        let id = ServiceId(index as u32);
        let backups = context.backups_of(id);
        if backups.is_empty() {
            copies::check_no_backup(context, id, out);
            continue;
        }
        // Backups with no schedule are reported as such: what they would lose follows.
        if backups
            .iter()
            .all(|b| rpo::schedules(&plan.backups[b.index()]).next().is_none())
        {
            continue;
        }
        let sites = context.sites_of(id);
        // A service replicated at two or more sites keeps a copy off each of them.
        let has_offsite_copy = sites.len() != 1 || copies::has_offsite_copy(context, id, &sites);
        if !has_offsite_copy {
            copies::check_no_offsite_copy(context, id, &sites, out);
        }
        rpo::check_service(context, id, &facts, has_offsite_copy, out);
        if service.criticality == Criticality::Critical {
            copies::check_three_two_one(context, id, has_offsite_copy, out);
        }
    }
}

/// `untested-backup` and `restore-test-overdue`.
fn check_tested(context: &Context, id: BackupId, out: &mut Vec<Finding>) {
    let backup = &context.plan.backups[id.index()];
    let required = context.plan.settings.test_every;
    match backup.tested_every {
        None => {
            let mut diagnostic = Diagnostic::new(
                Code::UntestedBackup,
                format!("backup `{}` is never restore-tested", backup.name),
            )
            .primary(backup.span, "never restore-tested: no `tested every`");
            if let Some(date) = backup.last_tested {
                diagnostic = diagnostic.note(format!(
                    "`last-tested {:04}-{:02}-{:02}` records one test, but nothing says it is repeated",
                    date.year, date.month, date.day
                ));
            }
            out.push(Finding::new(
                diagnostic.help(format!(
                    "restore it to a scratch machine and check the data, then declare `tested every {}` (the plan's `test-every`) or more often",
                    format_duration_literal(required)
                )),
                [Subject::Backup(id)],
            ));
        }
        Some(every) if every > required => out.push(Finding::new(
            Diagnostic::new(
                Code::RestoreTestOverdue,
                format!(
                    "backup `{}` is restore-tested every {}, less often than the plan's {}",
                    backup.name,
                    format_duration(every),
                    format_duration(required)
                ),
            )
            .primary(
                backup.span,
                format!(
                    "tested every {} > test-every {}",
                    format_duration(every),
                    format_duration(required)
                ),
            )
            .help(format!(
                "test-restore it at least every {} (`tested every {}`), or change the plan's `test-every`",
                format_duration(required),
                format_duration_literal(required)
            )),
            [Subject::Backup(id)],
        )),
        Some(_) => {}
    }
}

/// `differential-without-full`: differentials and incrementals need a full (or a primary
/// snapshot) to be restored on top of; `missing-property` when there is no schedule.
fn check_chain(context: &Context, id: BackupId, out: &mut Vec<Finding>) {
    let backup = &context.plan.backups[id.index()];
    if rpo::has_base(backup) {
        return;
    }
    if rpo::schedules(backup).next().is_none() {
        out.push(Finding::new(
            Diagnostic::new(
                Code::MissingProperty,
                format!("backup `{}` has no schedule", backup.name),
            )
            .primary(
                backup.span,
                "`full`, `differential`, `incremental` or `snapshot` is required here",
            )
            .help("say when it runs: `full every 1d at 01:00` (a full copy is a restore point on its own)"),
            [Subject::Backup(id)],
        ));
        return;
    }
    let Some((kind, schedule)) =
        rpo::schedules(backup).find(|&(kind, _)| kind == "differential" || kind == "incremental")
    else {
        return;
    };
    out.push(Finding::new(
        Diagnostic::new(
            Code::DifferentialWithoutFull,
            format!(
                "backup `{}` takes {kind} backups but never a full one",
                backup.name
            ),
        )
        .primary(schedule.span, format!("{kind}s with nothing to restore them onto"))
        .secondary(backup.span, "no `full` or `snapshot` schedule in this backup")
        .help(format!(
            "add the full backup the {kind}s build on, for example `full every 7d at 01:00`, or a primary `snapshot` schedule for differential snapshots"
        )),
        [Subject::Backup(id)],
    ));
}

/// `retention-too-short`: restore points must outlive the RPO window of what the backup
/// covers, the restore-test interval, and, for differentials, the full they need.
fn check_retention(context: &Context, facts: &Facts, id: BackupId, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let backup = &plan.backups[id.index()];
    let Some(keep) = backup.keep else { return };
    // What must stay restorable, for how long; cheap to gather, since the words are
    // written only when the retention falls short.
    let mut needs: Vec<Need> = Vec::new();
    if let Some(service) = facts.services[id.index()]
        .iter()
        .filter_map(|&s| plan.services[s.index()].rpo.map(|rpo| (s, rpo)))
        .max_by_key(|&(_, rpo)| rpo)
    {
        needs.push(Need::Rpo(&plan.services[service.0.index()], service.1));
    }
    if let Some(tested) = backup.tested_every {
        needs.push(Need::RestoreTest(tested));
    }
    if let Some(full) = backup.full {
        if let Some((kind, _)) = rpo::schedules(backup)
            .find(|&(kind, _)| kind == "differential" || kind == "incremental")
        {
            needs.push(Need::Full(kind, full));
        }
    }
    needs.retain(|need| keep < need.seconds());
    needs.sort_by_key(|need| std::cmp::Reverse(need.seconds()));
    let Some(first) = needs.first() else {
        return;
    };
    let longest = &first.seconds();
    let mut diagnostic = Diagnostic::new(
        Code::RetentionTooShort,
        format!(
            "backup `{}` keeps restore points for {}, less than {}",
            backup.name,
            format_duration(keep),
            first.describe()
        ),
    )
    .primary(
        backup.span,
        format!(
            "keep {} < {}",
            format_duration(keep),
            format_duration(*longest)
        ),
    );
    for need in &needs {
        if let Some(span) = need.span() {
            diagnostic = diagnostic.secondary(span, format!("needs {}", need.describe()));
        }
    }
    for need in needs.iter().skip(1) {
        diagnostic = diagnostic.note(format!("also shorter than {}", need.describe()));
    }
    out.push(Finding::new(
        diagnostic.help(format!(
            "keep restore points at least {} (`keep {}`)",
            format_duration(*longest),
            format_duration_literal(*longest)
        )),
        [Subject::Backup(id)],
    ));
}

/// What a backup's restore points must outlive (`retention-too-short`).
enum Need<'p> {
    /// The largest rpo among the services it covers.
    Rpo(&'p crate::model::Service, Seconds),
    RestoreTest(Seconds),
    /// The full its differentials or incrementals (named) are built on.
    Full(&'static str, crate::model::Schedule),
}

impl Need<'_> {
    fn seconds(&self) -> Seconds {
        match *self {
            Need::Rpo(_, seconds) | Need::RestoreTest(seconds) => seconds,
            Need::Full(_, full) => full.every,
        }
    }

    /// The related declaration, when it is not the backup itself.
    fn span(&self) -> Option<crate::source::Span> {
        match self {
            Need::Rpo(service, _) => Some(service.span),
            Need::RestoreTest(_) => None,
            Need::Full(_, full) => Some(full.span),
        }
    }

    fn describe(&self) -> String {
        match self {
            Need::Rpo(service, rpo) => {
                format!("the rpo of `{}` ({})", service.name, format_duration(*rpo))
            }
            Need::RestoreTest(tested) => {
                format!("its restore-test interval ({})", format_duration(*tested))
            }
            Need::Full(kind, full) => format!(
                "its full interval ({}), which its {kind}s need",
                format_duration(full.every)
            ),
        }
    }
}
