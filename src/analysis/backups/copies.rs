//! Whether a service's data exists elsewhere: some backup, a copy off its site, and the
//! 3-2-1 rule for critical services (story 004). Reads the model only.

use super::list_names;
use super::rpo::{fate, location_name, Fate, Loss};
use crate::analysis::estimate::format_bytes;
use crate::analysis::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Location, Media, ServiceId, SiteId, SiteKind, StorageKind};
use crate::syntax::units::format_duration_literal;
use std::collections::BTreeSet;

/// Backups named in labels of one diagnostic before the rest are left out.
const MAX_LABELLED_BACKUPS: usize = 5;

/// `no-backup`: a service with data that no backup covers.
pub(super) fn check_no_backup(context: &Context, service_id: ServiceId, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let service = &plan.services[service_id.index()];
    let data = service.data.unwrap_or_default();
    let mut diagnostic = Diagnostic::new(
        Code::NoBackup,
        format!(
            "`{}` holds {} of data and no backup covers it",
            service.name,
            // As written (`10GB`), not converted (`9.3GiB`), like the timelines.
            format_bytes(data)
        ),
    )
    .primary(
        service.span,
        "no backup of this service, its vm or its server",
    );
    if let Some(host) = service.hosts.first() {
        diagnostic = diagnostic.secondary(
            host.span,
            format!(
                "a backup of `{}` would cover it too",
                plan.host_name(host.id)
            ),
        );
    }
    // Monthly, or as often as the plan's `test-every` asks, so that the example passes
    // the untested-backup rule as pasted.
    let tested = format_duration_literal(plan.settings.test_every.min(30 * 86_400));
    out.push(Finding::new(
        diagnostic.help(format!(
            "add a backup, for example `backup {} {{ of {}  full every 1d at 01:00  to STORAGE  tested every {tested} }}`",
            context.free_name(&format!("{}-nightly", service.name)),
            service.name
        )),
        [Subject::Service(service_id)],
    ));
}

/// Whether any backup of a service survives the loss of its sites.
pub(super) fn has_offsite_copy(context: &Context, service_id: ServiceId, sites: &[SiteId]) -> bool {
    context.backups_of(service_id).iter().any(|&id| {
        fate(
            context,
            &context.plan.backups[id.index()],
            Loss::Sites { sites },
        ) != Fate::Lost
    })
}

/// `no-offsite-copy`: every backup of a service stays at the sites it runs at.
pub(super) fn check_no_offsite_copy(
    context: &Context,
    service_id: ServiceId,
    sites: &[SiteId],
    out: &mut Vec<Finding>,
) {
    let plan = context.plan;
    let service = &plan.services[service_id.index()];
    let site_names = list_names(sites.iter().map(|s| plan.sites[s.index()].name.as_str()));
    let mut diagnostic = Diagnostic::new(
        Code::NoOffsiteCopy,
        format!("no backup of `{}` leaves site {site_names}", service.name),
    )
    .primary(
        service.span,
        format!("lost with every backup if {site_names} is lost"),
    );
    for &id in context
        .backups_of(service_id)
        .iter()
        .take(MAX_LABELLED_BACKUPS)
    {
        let backup = &plan.backups[id.index()];
        let label = match backup.to {
            Some(to) => format!("written to `{}`, on site", location_name(context, to.id)),
            None => "no `to`: taken to be on site".to_string(),
        };
        diagnostic = diagnostic.secondary(backup.span, label);
    }
    // Name a real site elsewhere in the example when the plan has one.
    let elsewhere = plan
        .sites
        .iter()
        .enumerate()
        .find(|(i, _)| !sites.iter().any(|s| s.index() == *i))
        .map(|(_, site)| site.name.as_str());
    let help = match elsewhere {
        Some(site) => format!(
            "carry a copy to another site (`offsite {site} every 1d`) or write one to a storage at another site (`to` a cloud bucket or a colo array)"
        ),
        None => "declare a site elsewhere (a colo, a vault, a cloud region) and carry a copy there (`offsite SITE every 1d`) or write one to a storage there".to_string(),
    };
    out.push(Finding::new(
        diagnostic.help(help),
        [Subject::Service(service_id)],
    ));
}

/// What a copy is kept on, for counting kinds of media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Medium {
    Disk,
    Tape,
    Cloud,
    Replica,
}

impl Medium {
    fn name(self) -> &'static str {
        match self {
            Medium::Disk => "disk",
            Medium::Tape => "tape",
            Medium::Cloud => "cloud",
            Medium::Replica => "replica",
        }
    }
}

/// Whether a backup location is in the cloud.
fn is_cloud(context: &Context, location: Location) -> bool {
    match location {
        Location::Site(id) => context.plan.sites[id.index()].kind == Some(SiteKind::Cloud),
        Location::Storage(id) => {
            let storage = &context.plan.storage[id.index()];
            storage.kind == Some(StorageKind::Cloud)
                || storage.site.is_some_and(|site| {
                    context.plan.sites[site.id.index()].kind == Some(SiteKind::Cloud)
                })
        }
    }
}

/// The medium a backup's copies count as: a copy written to the cloud is cloud media,
/// and a snapshot lives on the live data's own storage (a copy, but not another medium).
fn written_medium(context: &Context, backup: &crate::model::Backup) -> Option<Medium> {
    match backup.media {
        _ if backup.to.is_some_and(|to| is_cloud(context, to.id)) => Some(Medium::Cloud),
        Media::Snapshot => None,
        Media::Disk => Some(Medium::Disk),
        Media::Tape => Some(Medium::Tape),
        Media::Cloud => Some(Medium::Cloud),
        Media::Replica => Some(Medium::Replica),
    }
}

/// `three-two-one`: a critical service needs three copies (the live data counts), on
/// two kinds of media, one of them off site.
pub(super) fn check_three_two_one(
    context: &Context,
    service_id: ServiceId,
    has_offsite_copy: bool,
    out: &mut Vec<Finding>,
) {
    let plan = context.plan;
    let service = &plan.services[service_id.index()];
    let backups = context.backups_of(service_id);
    let mut copies = 1;
    let mut media: BTreeSet<Medium> = BTreeSet::new();
    for &id in backups {
        let backup = &plan.backups[id.index()];
        copies += 1;
        let written = written_medium(context, backup);
        media.extend(written);
        if let Some(offsite) = backup.offsite {
            copies += 1;
            if plan.sites[offsite.site.id.index()].kind == Some(SiteKind::Cloud) {
                media.insert(Medium::Cloud);
            } else {
                media.extend(written);
            }
        }
    }
    let mut shortfalls = Vec::new();
    if copies < 3 {
        shortfalls.push(format!(
            "{copies} cop{} (the live data and {} backup{}), not 3",
            if copies == 1 { "y" } else { "ies" },
            copies - 1,
            if copies == 2 { "" } else { "s" }
        ));
    }
    if media.len() < 2 {
        let kinds = if media.is_empty() {
            "no backup medium besides the live storage".to_string()
        } else {
            format!(
                "backups only on {}",
                list_names(media.iter().map(|m| m.name()))
            )
        };
        shortfalls.push(format!("{kinds}, not 2 kinds of media"));
    }
    if !has_offsite_copy {
        shortfalls.push("no copy off site".to_string());
    }
    if shortfalls.is_empty() {
        return;
    }
    let mut diagnostic = Diagnostic::new(
        Code::ThreeTwoOne,
        format!(
            "critical service `{}` does not meet the 3-2-1 rule: {}",
            service.name,
            shortfalls.join("; ")
        ),
    )
    .primary(
        service.span,
        "critical: needs 3 copies, 2 media, 1 off site",
    );
    for &id in backups.iter().take(MAX_LABELLED_BACKUPS) {
        let backup = &plan.backups[id.index()];
        // Named as counted: `media disk` written to a cloud bucket is a copy on cloud.
        let mut label = match written_medium(context, backup) {
            Some(Medium::Cloud) if backup.media != Media::Cloud => {
                format!(
                    "a copy on cloud (`media {}` written to the cloud)",
                    media_name(backup.media)
                )
            }
            _ => format!("a copy on {}", media_name(backup.media)),
        };
        if let Some(offsite) = backup.offsite {
            label.push_str(&format!(
                ", and one at `{}`",
                plan.sites[offsite.site.id.index()].name
            ));
        }
        diagnostic = diagnostic.secondary(backup.span, label);
    }
    // Help for what is actually short: a count, a second medium, or a copy off site.
    let mut fixes = Vec::new();
    if copies < 3 {
        fixes.push("add a second backup of it".to_string());
    }
    if media.len() < 2 {
        let other = [Medium::Disk, Medium::Tape, Medium::Cloud]
            .into_iter()
            .find(|m| !media.contains(m))
            .unwrap_or(Medium::Tape);
        let outside = if media.contains(&Medium::Cloud) {
            ", written to a storage that is not in the cloud"
        } else {
            ""
        };
        fixes.push(format!(
            "keep one backup on another kind of medium (`media {}`{outside})",
            other.name()
        ));
    }
    if !has_offsite_copy {
        fixes.push("carry one copy to another site (`offsite SITE every 1d`)".to_string());
    }
    out.push(Finding::new(
        diagnostic.help(format!(
            "three copies (the live data and two backups), on two kinds of media, one off site: {}",
            fixes.join("; ")
        )),
        [Subject::Service(service_id)],
    ));
}

fn media_name(media: Media) -> &'static str {
    match media {
        Media::Tape => "tape",
        Media::Disk => "disk",
        Media::Cloud => "cloud",
        Media::Snapshot => "a snapshot",
        Media::Replica => "a replica",
    }
}
