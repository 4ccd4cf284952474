//! Worst-case recovery time of every service when one server or one whole site is lost.
//! Pure: reads the model, never reports; the RTO rules, the simulator and hovers reuse it.
//!
//! The model, per lost service:
//! `detect` + lead time (the covering standby's `ready-in`, or a surviving `failover`
//! target's switch-over, which needs no restore) + the restore of its data (queued behind
//! other restores beyond the plan's `restore-parallelism`) + waiting for the services it
//! `needs` that were lost too + `boot`. A service whose quorum the surviving hosts still
//! meet has no outage and is not part of an [`Outcome`]. A service with nowhere to run,
//! or data and no surviving backup, never comes back: its [`Recovery`] says why.
//!
//! Restores are list-scheduled in dependency order (what others need first, then the
//! more critical, then written order): each takes the earliest free restore slot once
//! its hardware is ready. Only direct `needs` between lost services are waited for.

use super::Context;
use crate::model::{
    BackupId, Bytes, BytesPerSecond, Criticality, FailoverTarget, Host, Hypervisor, Plan, Runs,
    Seconds, ServerId, ServiceId, SiteId, Standby, StandbyId, DEFAULT_RESTORE_RATE,
};
use crate::syntax::units::{format_duration, format_rate, format_size};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The failure being estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    Server(ServerId),
    Site(SiteId),
}

/// Plan-wide figures the estimate uses; a scenario may override them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assumptions {
    /// Time to notice the failure.
    pub detect: Seconds,
    /// Restores the team can run at once (at least 1).
    pub restore_parallelism: u64,
}

impl Assumptions {
    /// The plan's own `detect` and `restore-parallelism`.
    pub fn of(plan: &Plan) -> Self {
        Assumptions {
            detect: plan.settings.detect,
            restore_parallelism: plan.settings.restore_parallelism,
        }
    }
}

/// Every service that goes down with a loss, in the order recovery handles them.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub loss: Loss,
    pub services: Vec<ServiceOutcome>,
}

impl Outcome {
    /// The recovery of one service, if the loss takes it down.
    pub fn get(&self, service: ServiceId) -> Option<&Recovery> {
        self.services
            .iter()
            .find(|s| s.service == service)
            .map(|s| &s.recovery)
    }
}

/// One lost service and how it comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceOutcome {
    pub service: ServiceId,
    pub recovery: Recovery,
}

/// How (or whether) a lost service recovers.
#[derive(Debug, Clone, PartialEq)]
pub enum Recovery {
    /// Back after a bounded time, broken into its parts.
    Timed(Timeline),
    /// No surviving host, failover target or suitable standby: a single point of failure.
    /// Lists the standbys that cover the loss but cannot take the service, and why.
    NoPlaceToRun {
        unsuitable: Vec<(StandbyId, Unsuitable)>,
    },
    /// It has data to restore and no backup of it survives the loss.
    NoSurvivingBackup,
    /// It needs a lost service that never comes back.
    Blocked { need: ServiceId },
}

/// Why a standby that covers a loss cannot take a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsuitable {
    /// It stands at the lost site.
    LostWithSite,
    /// It `runs vm-images` and the service runs on a physical server.
    RunsVmImagesOnly,
    /// It `runs physical` (or has `hypervisor none`) and the service runs in a vm.
    CannotRunVms,
}

/// A bounded recovery: `total` = `detect` + lead + `queued` + restore + waiting + `boot`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    pub detect: Seconds,
    pub replacement: Replacement,
    pub queued: Seconds,
    pub restore: Option<Restore>,
    pub waiting: Option<Waiting>,
    pub boot: Seconds,
    pub total: Seconds,
}

/// Where the service runs again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Replacement {
    /// On a standby, usable `ready_in` after the failure is noticed.
    Standby {
        standby: StandbyId,
        ready_in: Seconds,
    },
    /// On its surviving `failover` target; a standby target first needs its `ready-in`.
    Failover {
        target: FailoverTarget,
        ready_in: Seconds,
        after: Seconds,
    },
}

impl Replacement {
    /// Time from noticing the failure to the new place being usable.
    pub fn lead(self) -> Seconds {
        match self {
            Replacement::Standby { ready_in, .. } => ready_in,
            Replacement::Failover {
                ready_in, after, ..
            } => ready_in + after,
        }
    }
}

/// A restore of a service's data from a surviving backup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Restore {
    pub backup: BackupId,
    pub data: Option<Bytes>,
    pub rate: BytesPerSecond,
    /// The service states a measured `restore-time`, used instead of data / rate.
    pub is_measured: bool,
    pub seconds: Seconds,
}

/// Time spent ready but waiting for a needed service that was lost too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub need: ServiceId,
    pub seconds: Seconds,
}

impl Timeline {
    /// The largest part, for advice: which one to shorten first.
    pub fn dominant(&self) -> Part {
        let parts = [
            (Part::Lead, self.replacement.lead()),
            (Part::Restore, self.restore.map_or(0, |r| r.seconds)),
            (Part::Queued, self.queued),
            (Part::Waiting, self.waiting.map_or(0, |w| w.seconds)),
            (Part::Boot, self.boot),
            (Part::Detect, self.detect),
        ];
        parts
            .iter()
            .copied()
            .max_by_key(|&(part, seconds)| (seconds, Reverse(part as u8)))
            .map_or(Part::Detect, |(part, _)| part)
    }

    /// The arithmetic, e.g. "detect 15m + standby `truck` 1d + restore 600GiB at
    /// 150MB/s 1h 12m + boot 10m = 1d 1h 37m".
    pub fn describe(&self, plan: &Plan) -> String {
        let mut parts = vec![format!("detect {}", format_duration(self.detect))];
        match self.replacement {
            Replacement::Standby { standby, ready_in } => parts.push(format!(
                "standby `{}` {}",
                plan.standbys[standby.index()].name,
                format_duration(ready_in)
            )),
            Replacement::Failover {
                target,
                ready_in,
                after,
            } => {
                if ready_in > 0 {
                    parts.push(format!(
                        "standby `{}` {}",
                        failover_name(plan, target),
                        format_duration(ready_in)
                    ));
                }
                parts.push(format!(
                    "failover to `{}` {}",
                    failover_name(plan, target),
                    format_duration(after)
                ));
            }
        }
        if self.queued > 0 {
            parts.push(format!(
                "queued behind other restores {}",
                format_duration(self.queued)
            ));
        }
        if let Some(restore) = self.restore {
            parts.push(match (restore.is_measured, restore.data) {
                (false, Some(data)) => format!(
                    "restore {} at {} {}",
                    format_bytes(data),
                    format_rate(restore.rate),
                    format_duration(restore.seconds)
                ),
                _ => format!("restore-time {}", format_duration(restore.seconds)),
            });
        }
        if let Some(waiting) = self.waiting {
            parts.push(format!(
                "waiting for `{}` {}",
                plan.services[waiting.need.index()].name,
                format_duration(waiting.seconds)
            ));
        }
        if self.boot > 0 {
            parts.push(format!("boot {}", format_duration(self.boot)));
        }
        format!("{} = {}", parts.join(" + "), format_duration(self.total))
    }
}

/// A part of a recovery time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Detect,
    Lead,
    Queued,
    Restore,
    Waiting,
    Boot,
}

fn failover_name(plan: &Plan, target: FailoverTarget) -> &str {
    match target {
        FailoverTarget::Server(id) => &plan.servers[id.index()].name,
        FailoverTarget::Vm(id) => &plan.vms[id.index()].name,
        FailoverTarget::Standby(id) => &plan.standbys[id.index()].name,
    }
}

/// A size as a person would write it: `600GiB`, `550GB`, else three figures in binary units.
pub fn format_bytes(bytes: Bytes) -> String {
    const UNITS: &[(u64, &str)] = &[
        (1 << 50, "PiB"),
        (1_000_000_000_000_000, "PB"),
        (1 << 40, "TiB"),
        (1_000_000_000_000, "TB"),
        (1 << 30, "GiB"),
        (1_000_000_000, "GB"),
        (1 << 20, "MiB"),
        (1_000_000, "MB"),
    ];
    UNITS
        .iter()
        .find(|&&(unit, _)| bytes >= unit && bytes % unit == 0)
        .map_or_else(
            || format_size(bytes),
            |&(unit, name)| format!("{}{name}", bytes / unit),
        )
}

/// Computes [`Outcome`]s; built once per plan (linear), then each loss costs time
/// proportional to the services it takes down.
pub struct Estimator<'c, 'p> {
    context: &'c Context<'p>,
    assumptions: Assumptions,
    services_by_server: Vec<Vec<ServiceId>>,
    services_by_site: Vec<Vec<ServiceId>>,
    /// The hosts of each service with more than `FEW_HOSTS`, by the server, and by the
    /// site, that takes them down, in written order: a loss reads the hosts it takes,
    /// not every host of each service it touches, which made a service on n servers
    /// cost n² over their n losses.
    hosts_by_server: FxHashMap<(ServiceId, ServerId), Vec<Host>>,
    hosts_by_site: FxHashMap<(ServiceId, SiteId), Vec<Host>>,
    standbys_by_server: Vec<Vec<StandbyId>>,
    standbys_by_site: Vec<Vec<StandbyId>>,
}

/// The outcome of losing one server, with the plan's own assumptions.
/// Builds an [`Estimator`] each call: for many losses, build one and reuse it.
pub fn server_loss(context: &Context, server: ServerId) -> Outcome {
    Estimator::new(context, Assumptions::of(context.plan)).estimate(Loss::Server(server))
}

/// The outcome of losing one whole site, with the plan's own assumptions.
pub fn site_loss(context: &Context, site: SiteId) -> Outcome {
    Estimator::new(context, Assumptions::of(context.plan)).estimate(Loss::Site(site))
}

/// Above this many hosts, a service's hosts are listed per server and site ahead of
/// its losses; below, looking at them is as quick, and listing them for every service
/// cost 15 MB on 100,000.
const FEW_HOSTS: usize = 8;

/// Where a lost service can run again, before scheduling.
enum Place {
    At(Replacement),
    Nowhere(Vec<(StandbyId, Unsuitable)>),
}

/// A lost service before scheduling.
struct Lost {
    service: ServiceId,
    place: Place,
    /// `None` when it needs a restore and no backup survives.
    restore: Option<Option<Restore>>,
}

impl<'c, 'p> Estimator<'c, 'p> {
    pub fn new(context: &'c Context<'p>, assumptions: Assumptions) -> Self {
        let plan = context.plan;
        let mut services_by_server: Vec<Vec<ServiceId>> = vec![Vec::new(); plan.servers.len()];
        let mut services_by_site: Vec<Vec<ServiceId>> = vec![Vec::new(); plan.sites.len()];
        let mut hosts_by_server: FxHashMap<(ServiceId, ServerId), Vec<Host>> = FxHashMap::default();
        let mut hosts_by_site: FxHashMap<(ServiceId, SiteId), Vec<Host>> = FxHashMap::default();
        for (index, service) in plan.services.iter().enumerate() {
            let id = ServiceId(index as u32);
            let is_listed = service.hosts.len() > FEW_HOSTS;
            for host in &service.hosts {
                // Services are visited in order, so a repeat is always the last entry.
                if let Some(server) = context.server_of(host.id) {
                    let list = &mut services_by_server[server.index()];
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                    if is_listed {
                        let hosts = hosts_by_server.entry((id, server)).or_default();
                        hosts.push(host.id);
                    }
                }
                if let Some(site) = context.site_of(host.id) {
                    let list = &mut services_by_site[site.index()];
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                    if is_listed {
                        hosts_by_site.entry((id, site)).or_default().push(host.id);
                    }
                }
            }
        }
        let mut standbys_by_server: Vec<Vec<StandbyId>> = vec![Vec::new(); plan.servers.len()];
        let mut standbys_by_site: Vec<Vec<StandbyId>> = vec![Vec::new(); plan.sites.len()];
        for (index, standby) in plan.standbys.iter().enumerate() {
            let id = StandbyId(index as u32);
            for covered in &standby.covers {
                let list = match covered.id {
                    crate::model::Covered::Server(s) => &mut standbys_by_server[s.index()],
                    crate::model::Covered::Site(s) => &mut standbys_by_site[s.index()],
                };
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }
        Estimator {
            context,
            assumptions: Assumptions {
                restore_parallelism: assumptions.restore_parallelism.max(1),
                ..assumptions
            },
            services_by_server,
            services_by_site,
            hosts_by_server,
            hosts_by_site,
            standbys_by_server,
            standbys_by_site,
        }
    }

    /// Services with a host on the server (directly or in a vm), in written order.
    pub fn services_on_server(&self, server: ServerId) -> &[ServiceId] {
        &self.services_by_server[server.index()]
    }

    /// Services with a host at the site, in written order.
    pub fn services_at_site(&self, site: SiteId) -> &[ServiceId] {
        &self.services_by_site[site.index()]
    }

    /// Standbys that cover a server, directly or through its site, in written order.
    pub fn standbys_covering(&self, server: ServerId) -> Vec<StandbyId> {
        let mut list = self.standbys_by_server[server.index()].clone();
        if let Some(site) = self.context.plan.servers[server.index()].site {
            list.extend(&self.standbys_by_site[site.id.index()]);
        }
        // Sorted, then repeats dropped: looking each one up cost the list's length squared.
        list.sort_unstable();
        list.dedup();
        list
    }

    /// The outcome of one loss.
    pub fn estimate(&self, loss: Loss) -> Outcome {
        let candidates = match loss {
            Loss::Server(server) => self.services_on_server(server),
            Loss::Site(site) => self.services_at_site(site),
        };
        let lost: Vec<Lost> = candidates
            .iter()
            .filter_map(|&service| self.lose(loss, service))
            .collect();
        self.schedule(loss, lost)
    }

    fn is_server_lost(&self, loss: Loss, server: ServerId) -> bool {
        match loss {
            Loss::Server(lost) => lost == server,
            Loss::Site(site) => {
                self.context.plan.servers[server.index()].site.map(|s| s.id) == Some(site)
            }
        }
    }

    /// The service's hosts that the loss takes down, in written order. Found by looking
    /// at its few hosts; listed ahead only for a service with many (see `FEW_HOSTS`).
    fn lost_hosts(
        &self,
        loss: Loss,
        service: ServiceId,
    ) -> impl Iterator<Item = Host> + use<'_, 'c, 'p> {
        let hosts = &self.context.plan.services[service.index()].hosts;
        let (listed, scanned): (&[Host], &[crate::model::Ref<Host>]) = if hosts.len() > FEW_HOSTS {
            let listed = match loss {
                Loss::Server(server) => self.hosts_by_server.get(&(service, server)),
                Loss::Site(site) => self.hosts_by_site.get(&(service, site)),
            };
            (listed.map_or(&[], Vec::as_slice), &[])
        } else {
            (&[], hosts)
        };
        listed.iter().copied().chain(
            scanned
                .iter()
                .map(|host| host.id)
                .filter(move |&host| self.is_host_lost(loss, host)),
        )
    }

    fn is_host_lost(&self, loss: Loss, host: Host) -> bool {
        self.context
            .server_of(host)
            .is_some_and(|server| self.is_server_lost(loss, server))
    }

    fn is_standby_lost(&self, loss: Loss, standby: StandbyId) -> bool {
        match loss {
            Loss::Server(_) => false,
            Loss::Site(site) => {
                self.context.plan.standbys[standby.index()]
                    .site
                    .map(|s| s.id)
                    == Some(site)
            }
        }
    }

    /// Whether a backup still has a copy after the loss: a server loss spares every
    /// backup; a site loss spares only copies known to be at another site.
    fn is_backup_surviving(&self, loss: Loss, backup: BackupId) -> bool {
        let Loss::Site(site) = loss else {
            return true;
        };
        let backup = &self.context.plan.backups[backup.index()];
        let written_elsewhere = backup
            .to
            .and_then(|to| self.context.location_site(to.id))
            .is_some_and(|s| s != site);
        let carried_elsewhere = backup.offsite.is_some_and(|o| o.site.id != site);
        written_elsewhere || carried_elsewhere
    }

    /// Why a standby cannot take a host, if it cannot.
    fn unsuitable(&self, loss: Loss, standby: StandbyId, host: Host) -> Option<Unsuitable> {
        if self.is_standby_lost(loss, standby) {
            return Some(Unsuitable::LostWithSite);
        }
        kind_mismatch(&self.context.plan.standbys[standby.index()], host)
    }

    /// A service's state after the loss, or `None` if it stays up.
    fn lose(&self, loss: Loss, id: ServiceId) -> Option<Lost> {
        let plan = self.context.plan;
        let service = &plan.services[id.index()];
        let surviving = (service.hosts.len() - self.lost_hosts(loss, id).count()) as u64;
        if surviving >= service.quorum.max(1) {
            return None;
        }
        let place = self.place(loss, id, service.quorum.max(1) - surviving);
        let restore = match place {
            Place::At(Replacement::Failover { .. }) => Some(None),
            _ => self.restore(loss, id),
        };
        Some(Lost {
            service: id,
            place,
            restore,
        })
    }

    /// Where the service runs again: a surviving failover target, or the standbys that
    /// replace `needed` of its lost hosts (the one ready last among the fastest).
    fn place(&self, loss: Loss, id: ServiceId, needed: u64) -> Place {
        let plan = self.context.plan;
        let service = &plan.services[id.index()];
        if let Some(failover) = service.failover() {
            let (is_lost, ready_in) = match failover.target.id {
                FailoverTarget::Server(s) => (self.is_server_lost(loss, s), 0),
                FailoverTarget::Vm(v) => (self.is_host_lost(loss, Host::Vm(v)), 0),
                FailoverTarget::Standby(s) => (
                    self.is_standby_lost(loss, s),
                    plan.standbys[s.index()].ready_in,
                ),
            };
            if !is_lost {
                return Place::At(Replacement::Failover {
                    target: failover.target.id,
                    ready_in,
                    after: failover.after,
                });
            }
        }
        let mut leads: Vec<(Seconds, StandbyId)> = Vec::new();
        let mut unsuitable: Vec<(StandbyId, Unsuitable)> = Vec::new();
        let mut is_unsuitable: FxHashSet<StandbyId> = FxHashSet::default();
        for host in self.lost_hosts(loss, id) {
            let Some(server) = self.context.server_of(host) else {
                continue;
            };
            let best = self
                .standbys_covering(server)
                .into_iter()
                .filter(|&standby| match self.unsuitable(loss, standby, host) {
                    Some(why) => {
                        if is_unsuitable.insert(standby) {
                            unsuitable.push((standby, why));
                        }
                        false
                    }
                    None => true,
                })
                .map(|standby| (plan.standbys[standby.index()].ready_in, standby))
                .min();
            leads.extend(best);
        }
        leads.sort_unstable();
        match leads.get(needed as usize - 1) {
            Some(&(ready_in, standby)) => Place::At(Replacement::Standby { standby, ready_in }),
            None => Place::Nowhere(unsuitable),
        }
    }

    /// The restore a service needs: `Some(None)` when it has no data to restore,
    /// `None` when it has and no backup survives.
    fn restore(&self, loss: Loss, id: ServiceId) -> Option<Option<Restore>> {
        let service = &self.context.plan.services[id.index()];
        let data = service.data.filter(|&d| d > 0);
        if data.is_none() && service.restore_time.is_none() {
            return Some(None);
        }
        let rate_of = |b: BackupId| restore_from(self.context.plan, id, b).rate;
        // The fastest surviving backup; the first one on ties.
        let backup = self
            .context
            .backups_of(id)
            .iter()
            .copied()
            .filter(|&b| self.is_backup_surviving(loss, b))
            .fold(None::<BackupId>, |best, b| match best {
                Some(best) if rate_of(best) >= rate_of(b) => Some(best),
                _ => Some(b),
            })?;
        Some(Some(restore_from(self.context.plan, id, backup)))
    }

    /// Order the lost services by dependency, list-schedule their restores, and add up.
    fn schedule(&self, loss: Loss, lost: Vec<Lost>) -> Outcome {
        let plan = self.context.plan;
        let local: FxHashMap<ServiceId, usize> = lost
            .iter()
            .enumerate()
            .map(|(k, l)| (l.service, k))
            .collect();
        let lost_needs = |k: usize| {
            plan.services[lost[k].service.index()]
                .needs
                .iter()
                .filter_map(|n| local.get(&n.id).copied())
        };
        let mut pending: Vec<usize> = (0..lost.len()).map(|k| lost_needs(k).count()).collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); lost.len()];
        for k in 0..lost.len() {
            for need in lost_needs(k) {
                dependents[need].push(k);
            }
        }
        // Kahn's algorithm: of the services whose needs are placed, the most critical,
        // then the first written.
        let key = |k: usize| {
            let service = &plan.services[lost[k].service.index()];
            (service.criticality, Reverse(lost[k].service))
        };
        let mut ready: BinaryHeap<((Criticality, Reverse<ServiceId>), usize)> = (0..lost.len())
            .filter(|&k| pending[k] == 0)
            .map(|k| (key(k), k))
            .collect();
        let mut order = Vec::with_capacity(lost.len());
        while let Some((_, k)) = ready.pop() {
            order.push(k);
            for &dependent in &dependents[k] {
                pending[dependent] -= 1;
                if pending[dependent] == 0 {
                    ready.push((key(dependent), dependent));
                }
            }
        }
        // A cycle cannot reach analysis; should one slip through, keep its members last.
        let is_ordered = {
            let mut seen = vec![false; lost.len()];
            for &k in &order {
                seen[k] = true;
            }
            seen
        };
        order.extend((0..lost.len()).filter(|&k| !is_ordered[k]));

        let detect = self.assumptions.detect;
        let slots = self.assumptions.restore_parallelism.min(lost.len() as u64) as usize;
        let mut free: BinaryHeap<Reverse<Seconds>> = (0..slots).map(|_| Reverse(0)).collect();
        let mut finish: Vec<Option<Seconds>> = vec![None; lost.len()];
        let mut services = Vec::with_capacity(lost.len());
        for k in order {
            let entry = &lost[k];
            let recovery = match (&entry.place, entry.restore) {
                (Place::Nowhere(unsuitable), _) => Recovery::NoPlaceToRun {
                    unsuitable: unsuitable.clone(),
                },
                (_, None) => Recovery::NoSurvivingBackup,
                (Place::At(replacement), Some(restore)) => {
                    let blocked = if is_ordered[k] {
                        lost_needs(k).find(|&n| finish[n].is_none())
                    } else {
                        lost_needs(k).next()
                    };
                    match blocked {
                        Some(need) => Recovery::Blocked {
                            need: lost[need].service,
                        },
                        None => {
                            let available = detect + replacement.lead();
                            let (queued, restored) = match restore {
                                Some(r) if r.seconds > 0 => {
                                    let Reverse(slot) = free.pop().expect("one slot at least");
                                    let start = available.max(slot);
                                    free.push(Reverse(start + r.seconds));
                                    (start - available, start + r.seconds)
                                }
                                _ => (0, available),
                            };
                            let binding = lost_needs(k)
                                .map(|n| (finish[n].expect("needs finish first"), n))
                                .max_by_key(|&(f, n)| (f, Reverse(n)));
                            let waiting =
                                binding
                                    .filter(|&(f, _)| f > restored)
                                    .map(|(f, n)| Waiting {
                                        need: lost[n].service,
                                        seconds: f - restored,
                                    });
                            let boot = match replacement {
                                Replacement::Failover { .. } => 0,
                                Replacement::Standby { .. } => {
                                    plan.services[entry.service.index()].boot
                                }
                            };
                            let total = restored + waiting.map_or(0, |w| w.seconds) + boot;
                            finish[k] = Some(total);
                            Recovery::Timed(Timeline {
                                detect,
                                replacement: *replacement,
                                queued,
                                restore,
                                waiting,
                                boot,
                                total,
                            })
                        }
                    }
                }
            };
            services.push(ServiceOutcome {
                service: entry.service,
                recovery,
            });
        }
        Outcome { loss, services }
    }
}

/// Why a standby cannot run a host, whatever the loss: its `runs` or `hypervisor`.
pub fn kind_mismatch(standby: &Standby, host: Host) -> Option<Unsuitable> {
    match host {
        Host::Vm(_)
            if standby.runs == Runs::Physical || standby.hypervisor == Some(Hypervisor::None) =>
        {
            Some(Unsuitable::CannotRunVms)
        }
        Host::Server(_) if standby.runs == Runs::VmImages => Some(Unsuitable::RunsVmImagesOnly),
        _ => None,
    }
}

/// The restore of a service from one backup: the service's `restore-rate`, else the
/// backup's, else the default, capped by the `throughput` of the storage the backup is
/// written to; a measured `restore-time` wins over data / rate, which is rounded up to
/// whole minutes.
pub fn restore_from(plan: &Plan, service: ServiceId, backup: BackupId) -> Restore {
    let record = &plan.services[service.index()];
    let data = record.data.filter(|&d| d > 0);
    let declared = record
        .restore_rate
        .or(plan.backups[backup.index()].restore_rate)
        .unwrap_or(DEFAULT_RESTORE_RATE);
    let storage_throughput = match plan.backups[backup.index()].to.map(|to| to.id) {
        Some(crate::model::Location::Storage(id)) => plan.storage[id.index()].throughput,
        _ => None,
    };
    let rate = storage_throughput.map_or(declared, |cap| declared.min(cap));
    let seconds = match (record.restore_time, data) {
        (Some(measured), _) => measured,
        // Whole minutes, rounded up: a plan states no finer, and the arithmetic reads.
        (None, Some(data)) => transfer_seconds(data, rate).div_ceil(60).saturating_mul(60),
        (None, None) => 0,
    };
    Restore {
        backup,
        data,
        rate,
        is_measured: record.restore_time.is_some(),
        seconds,
    }
}

/// Seconds to move `bytes` at `rate`, rounded up.
pub fn transfer_seconds(bytes: Bytes, rate: BytesPerSecond) -> Seconds {
    if rate <= 0.0 {
        return Seconds::MAX;
    }
    (bytes as f64 / rate).ceil() as Seconds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceId;

    #[test]
    fn storage_throughput_caps_the_restore_rate() {
        let compiled = compile(
            "site a { kind office }
             storage usb { kind disk  site a  throughput 40MB/s }
             server s { site a }
             service files { on s  data 144GB  restore-rate 110MB/s }
             backup nightly { of files  full every 1d  to usb }",
        );
        let plan = compiled.plan.as_ref().expect("plan");
        let restore = restore_from(plan, service(&compiled, "files"), BackupId(0));
        assert_eq!(restore.rate, 40e6);
        assert_eq!(restore.seconds, 3600);
    }

    fn compile(text: &str) -> crate::Compiled {
        let compiled = crate::compile(crate::load::load_text("test.dr", text));
        assert!(
            compiled.plan.is_some() && compiled.graph.is_some(),
            "{:?}",
            compiled.diagnostics
        );
        compiled
    }

    fn service(compiled: &crate::Compiled, name: &str) -> ServiceId {
        let plan = compiled.plan.as_ref().expect("plan");
        ServiceId(
            plan.services
                .iter()
                .position(|s| s.name == name)
                .expect(name) as u32,
        )
    }

    fn outcome(text: &str, loss: &str) -> (crate::Compiled, Outcome) {
        let compiled = compile(text);
        let plan = compiled.plan.as_ref().expect("plan");
        let context = Context::new(plan, compiled.graph.as_ref().expect("graph"));
        let outcome = if let Some(i) = plan.servers.iter().position(|s| s.name == loss) {
            server_loss(&context, ServerId(i as u32))
        } else {
            let i = plan.sites.iter().position(|s| s.name == loss).expect(loss);
            site_loss(&context, SiteId(i as u32))
        };
        (compiled, outcome)
    }

    fn timeline(compiled: &crate::Compiled, outcome: &Outcome, name: &str) -> Timeline {
        match outcome.get(service(compiled, name)) {
            Some(Recovery::Timed(t)) => *t,
            other => panic!("{name}: {other:?}"),
        }
    }

    const GIB: u64 = 1 << 30;

    #[test]
    fn standby_lead_restore_and_boot_add_up() {
        let (compiled, outcome) = outcome(
            "plan p { rto 4h }
             server sql1 { cpu 8 }
             service ehr-db { on sql1  data 600GiB  restore-rate 150MB/s  boot 10m }
             backup nightly { of ehr-db  full every 1d }
             standby truck { ready-in 24h  covers sql1 }",
            "sql1",
        );
        let t = timeline(&compiled, &outcome, "ehr-db");
        // 4295.0s, rounded up to whole minutes.
        let restore = 72 * 60;
        assert_eq!(t.detect, 900);
        assert_eq!(t.replacement.lead(), 86_400);
        assert_eq!(t.restore.map(|r| r.seconds), Some(restore));
        assert_eq!(t.total, 900 + 86_400 + restore + 600);
        let text = t.describe(compiled.plan.as_ref().unwrap());
        assert!(
            text == "detect 15m + standby `truck` 1d + restore 600GiB at 150MB/s 1h 12m + boot 10m = 1d 1h 37m",
            "{text}"
        );
    }

    #[test]
    fn rate_falls_back_to_the_backup_then_the_default() {
        let (compiled, outcome) = outcome(
            "plan p { detect 0s }
             server a { cpu 1 }
             service fast { on a  data 100GB }
             service slow { on a  data 100GB }
             backup b { of fast  full every 1d  restore-rate 50MB/s }
             backup c { of slow  full every 1d }
             standby s { covers a }",
            "a",
        );
        // 2000s and 1000s, rounded up to whole minutes.
        assert_eq!(timeline(&compiled, &outcome, "fast").total, 2040);
        assert_eq!(timeline(&compiled, &outcome, "slow").total, 1020);
    }

    #[test]
    fn a_service_starts_after_what_it_needs() {
        let (compiled, outcome) = outcome(
            "plan p { detect 10m  restore-parallelism 4 }
             server a { cpu 1 }
             service db { on a  restore-time 2h  boot 30m }
             service app { on a  needs db  restore-time 10m  boot 5m }
             backup b { of db, app  full every 1d }
             standby s { ready-in 1h  covers a }",
            "a",
        );
        let db = timeline(&compiled, &outcome, "db");
        assert_eq!(db.total, 600 + 3600 + 7200 + 1800);
        let app = timeline(&compiled, &outcome, "app");
        // ready at 10m + 1h + 10m; waits for db.
        let ready = 600 + 3600 + 600;
        assert_eq!(
            app.waiting,
            Some(Waiting {
                need: service(&compiled, "db"),
                seconds: db.total - ready
            })
        );
        assert_eq!(app.total, db.total + 300);
        assert_eq!(outcome.services[0].service, service(&compiled, "db"));
    }

    #[test]
    fn restores_queue_beyond_the_parallelism() {
        let (compiled, outcome) = outcome(
            "plan p { detect 0s  restore-parallelism 2 }
             server a { cpu 1 }
             service x { on a  restore-time 1h  criticality critical }
             service y { on a  restore-time 2h  criticality high }
             service z { on a  restore-time 1h }
             backup b { of x, y, z  full every 1d }
             standby s { covers a }",
            "a",
        );
        let x = timeline(&compiled, &outcome, "x");
        let y = timeline(&compiled, &outcome, "y");
        let z = timeline(&compiled, &outcome, "z");
        assert_eq!((x.queued, x.total), (0, 3600));
        assert_eq!((y.queued, y.total), (0, 7200));
        // The third restore takes the slot x frees after 1h.
        assert_eq!((z.queued, z.total), (3600, 7200));
        for t in [x, y, z] {
            let parts = t.detect
                + t.replacement.lead()
                + t.queued
                + t.restore.map_or(0, |r| r.seconds)
                + t.waiting.map_or(0, |w| w.seconds)
                + t.boot;
            assert_eq!(parts, t.total);
        }
    }

    #[test]
    fn quorum_met_by_survivors_means_no_outage_and_failover_skips_the_restore() {
        let (compiled, outcome) = outcome(
            "plan p { }
             server a { cpu 1 }
             server b { cpu 1 }
             server c { cpu 1 }
             service dir { on a, b  quorum 1 of 2  data 1GB }
             service app { on a  failover c after 20m  data 1TB  boot 1h }
             backup k { of dir, app  full every 1d }",
            "a",
        );
        assert!(outcome.get(service(&compiled, "dir")).is_none());
        let app = timeline(&compiled, &outcome, "app");
        assert_eq!(app.restore, None);
        assert_eq!(app.total, 900 + 1200);
    }

    #[test]
    fn site_loss_counts_only_offsite_copies_and_surviving_standbys() {
        let text = "plan p { }
             site hq { kind office }
             site vault { kind vault }
             server a { site hq  cpu 1 }
             service kept { on a  data 1GB }
             service gone { on a  data 1GB }
             service solo { on a }
             backup local { of gone  full every 1d  to hq }
             backup tapes { of kept  full every 1d  to hq  offsite vault every 7d }
             standby spare { site hq  covers a }
             standby truck { ready-in 2d  covers hq }";
        let (compiled, outcome) = outcome(text, "hq");
        assert_eq!(
            outcome.get(service(&compiled, "gone")),
            Some(&Recovery::NoSurvivingBackup)
        );
        let kept = timeline(&compiled, &outcome, "kept");
        assert!(matches!(
            kept.replacement,
            Replacement::Standby {
                ready_in: 172_800,
                ..
            }
        ));
        // Losing only the server, the spare in the room takes over at once.
        let (compiled, outcome) = super::tests::outcome(text, "a");
        let solo = timeline(&compiled, &outcome, "solo");
        assert_eq!(solo.total, 900);
    }

    #[test]
    fn no_standby_means_no_place_to_run() {
        let (compiled, outcome) = outcome(
            "plan p { }
             server a { cpu 1 }
             vm v { on a  cpu 1 }
             service s { on v }
             service t { on v  needs s }
             standby iron { runs physical  covers a }",
            "a",
        );
        let s = service(&compiled, "s");
        assert_eq!(
            outcome.get(s),
            Some(&Recovery::NoPlaceToRun {
                unsuitable: vec![(StandbyId(0), Unsuitable::CannotRunVms)]
            })
        );
        assert_eq!(
            outcome.get(service(&compiled, "t")),
            Some(&Recovery::NoPlaceToRun {
                unsuitable: vec![(StandbyId(0), Unsuitable::CannotRunVms)]
            })
        );
    }

    #[test]
    fn sizes_print_as_written() {
        assert_eq!(format_bytes(600 * GIB), "600GiB");
        assert_eq!(format_bytes(550_000_000_000), "550GB");
        assert_eq!(format_bytes(2 * (1 << 40)), "2TiB");
    }
}
