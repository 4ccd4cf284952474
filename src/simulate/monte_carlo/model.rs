//! What each failure does, computed once per run: the components that are sampled, and
//! for each the services it takes down with their outage parts and restore points.
//! Reuses the recovery-time estimate and the RPO analysis; draws no random numbers.

use super::draw::{Variation, Varying};
use crate::analysis::backups::rpo::{self, Fate, Interval, Newest};
use crate::analysis::estimate::{
    restore_from, Assumptions, Estimator, Loss, Recovery, Replacement, Restore,
};
use crate::analysis::Context;
use crate::model::{
    BackupId, Component, FailoverTarget, Failure, Host, Plan, Seconds, ServerId, ServiceId, SiteId,
    StandbyId, StorageId, VmId,
};
use rand_distr::{Exp, Geometric};
use rustc_hash::FxHashMap;

/// "No index".
pub(super) const NONE: u32 = u32::MAX;

/// How a component's failure is drawn each trial.
#[derive(Debug, Clone, Copy)]
pub(super) enum Law {
    /// `mtbf`: time to failure ~ Exponential(rate per second); it fails when that falls
    /// in the mission.
    Rate(f64),
    /// `fail-probability`: fails with that probability, at a uniformly random time.
    Probability(f64),
}

impl Law {
    /// The probability of failing within a mission of `mission` seconds.
    pub fn within(self, mission: f64) -> f64 {
        match self {
            Law::Rate(rate) => -(-rate * mission).exp_m1(),
            Law::Probability(p) => p,
        }
    }

    /// When it fails, given that it fails within the mission; `u` is uniform in [0, 1).
    /// For a rate that is the exponential truncated to the mission, by inversion.
    #[cfg(test)]
    pub fn time_within(self, mission: f64, u: f64) -> f64 {
        self.time_given(mission, self.within(mission), u)
    }

    /// [`Law::time_within`], given `within` = [`Law::within`] of the mission (computed
    /// once per run: it is an `exp_m1`).
    pub fn time_given(self, mission: f64, within: f64, u: f64) -> f64 {
        match self {
            Law::Rate(rate) => (-(-u * within).ln_1p() / rate).min(mission * (1.0 - f64::EPSILON)),
            Law::Probability(_) => u * mission,
        }
    }
}

/// A component with failure data, sampled once per trial (its law is in [`Model::laws`]).
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub component: Component,
    /// Repair time ~ Exponential(1 / mttr), when the component declares `mttr`.
    pub repair: Option<Exp<f64>>,
    pub effect: Effect,
    /// Replicated services one of whose hosts this component takes down.
    pub replicated: Vec<u32>,
}

/// The services one failure takes down itself; those that need them are added per trial.
#[derive(Debug, Clone, Default)]
pub(super) struct Effect {
    pub hits: Vec<Hit>,
    /// Whether any hit restores data (so a throughput factor is drawn).
    pub has_restore: bool,
    /// Whether any hit waits for a repair (so a repair time is drawn).
    pub has_repair: bool,
}

/// One service a failure takes down.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    pub service: u32,
    pub kind: HitKind,
    /// Seconds that do not depend on restore throughput: detect, lead time, boot.
    pub fixed: Seconds,
    /// Seconds of restore work (queued, restore, waiting): scaled by the throughput factor.
    pub scaled: Seconds,
    /// One restore, repeated for every medium that fails to restore.
    pub restore: Seconds,
    /// Index into [`Model::points`], [`NONE`] when no data is restored, [`ALL`] when none survives.
    pub point: u32,
    /// Index into [`Model::variations`], [`NONE`] when every duration is fixed.
    pub varying: u32,
    /// The standby it runs on until repair, when that standby can fail in use ([`NONE`]).
    pub standby: u32,
}

/// Every restore point lost: the service's data is gone.
pub(super) const ALL: u32 = u32::MAX - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HitKind {
    /// Back after `fixed` + `scaled` × factor (+ fallbacks).
    Timed,
    /// Back after `fixed` + the component's repair time; never without `mttr`.
    Repair,
}

/// The restore point a service falls back on: where a backup's schedule puts it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    /// Restore interval and its offset (the schedule's `at`) in seconds.
    pub every: f64,
    pub at: f64,
    /// A copy carried off site every this many seconds (0: read where it is written).
    pub carried: f64,
    pub is_rotated: bool,
    /// How much older the previous restore point is, when a medium fails.
    pub step: f64,
    /// Media that fail before one restores ~ Geometric(1 − fail-probability).
    pub fallbacks: Option<Geometric>,
    /// Restore points kept (`keep` / `step`); more failures than that lose everything.
    pub kept: u64,
}

/// The run's precomputed model. Services are numbered by their position in dependency
/// order (needs first), their *slot*: the trial's per-service arrays and the tally are
/// in that order, so the walk that propagates outages, and the fold of the services it
/// takes down, go through memory in order. [`Model::order`] and [`Model::slot`] map
/// between slots and the plan's services.
pub(super) struct Model {
    /// How each source fails, apart from the rest so that sampling reads little memory.
    pub laws: Vec<Law>,
    pub sources: Vec<Source>,
    pub points: Vec<Point>,
    /// Durations of hits that vary between incidents.
    pub variations: Vec<Variation>,
    /// Per standby, its failure rate per second once in use (0: it does not fail).
    pub standby_rates: Vec<f64>,
    /// For each replicated service: its hosts, each as the sources that take it down.
    pub replicas: Vec<Replicated>,
    /// Each replicated service losing its quorum through several failures.
    pub combined: Vec<Effect>,
    /// The slots of the services that need others, in order: the walk that propagates
    /// outages when many services are down.
    pub walk: Vec<Pull>,
    /// The plan's service in each slot, and the slot of each of the plan's services.
    pub order: Vec<u32>,
    pub slot: Vec<u32>,
    /// The slots each slot needs (`needs[need_start[s]..need_start[s + 1]]`), and those
    /// that need it.
    pub need_start: Vec<u32>,
    pub needs: Vec<u32>,
    pub dependents: Vec<Vec<u32>>,
}

/// A service that needs others, and where they are in [`Model::needs`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Pull {
    pub service: u32,
    pub start: u32,
    pub end: u32,
}

impl Model {
    /// The services a service needs.
    pub fn needs_of(&self, service: u32) -> &[u32] {
        let s = service as usize;
        &self.needs[self.need_start[s] as usize..self.need_start[s + 1] as usize]
    }
}

/// A service on several hosts or with a quorum, which single failures may leave up.
#[derive(Debug, Clone)]
pub(super) struct Replicated {
    pub service: u32,
    pub quorum: u64,
    /// Per host, the sources whose failure takes it down.
    pub hosts: Vec<Vec<u32>>,
}

impl Model {
    pub fn build(plan: &Plan, context: &Context) -> Model {
        Builder::new(plan, context).build()
    }

    /// Component-samples per trial.
    pub fn components(&self) -> usize {
        self.sources.len()
    }
}

struct Builder<'a, 'c, 'p> {
    plan: &'a Plan,
    context: &'c Context<'p>,
    estimator: Estimator<'c, 'p>,
    detect: Seconds,
    intervals: Vec<Option<Interval>>,
    points: Vec<Point>,
    point_index: FxHashMap<(BackupId, u8, u64), u32>,
    variations: Vec<Variation>,
    order: Vec<u32>,
    rank: Vec<u32>,
    needs: Vec<Vec<u32>>,
    dependents: Vec<Vec<u32>>,
}

/// A hit before dependents are added: its nominal length (for picking the worst).
#[derive(Clone, Copy)]
struct Direct {
    hit: Hit,
    nominal: u128,
}

impl<'a, 'c, 'p> Builder<'a, 'c, 'p> {
    fn new(plan: &'a Plan, context: &'c Context<'p>) -> Self {
        let assumptions = Assumptions::of(plan);
        let n = plan.services.len();
        let mut dependents = vec![Vec::new(); n];
        let mut needs = vec![Vec::new(); n];
        let mut pending = vec![0usize; n];
        for (i, service) in plan.services.iter().enumerate() {
            for need in &service.needs {
                // `i` only grows, so a repeated `needs` is the list's last entry: no scan
                // of a list that thousands of services needing one service make long.
                if dependents[need.id.index()].last() != Some(&(i as u32)) {
                    dependents[need.id.index()].push(i as u32);
                    needs[i].push(need.id.0);
                    pending[i] += 1;
                }
            }
        }
        // Kahn's algorithm in written order; a cycle (which never passes the checks) goes last.
        let mut order: Vec<u32> = (0..n as u32)
            .filter(|&i| pending[i as usize] == 0)
            .collect();
        let mut next = 0;
        while next < order.len() {
            let i = order[next] as usize;
            next += 1;
            for &d in &dependents[i] {
                pending[d as usize] -= 1;
                if pending[d as usize] == 0 {
                    order.push(d);
                }
            }
        }
        let mut rank = vec![NONE; n];
        for (position, &i) in order.iter().enumerate() {
            rank[i as usize] = position as u32;
        }
        for (i, r) in rank.iter_mut().enumerate() {
            if *r == NONE {
                *r = order.len() as u32;
                order.push(i as u32);
            }
        }
        Builder {
            plan,
            context,
            estimator: Estimator::new(context, assumptions),
            detect: assumptions.detect,
            intervals: plan.backups.iter().map(rpo::restore_interval).collect(),
            points: Vec::new(),
            point_index: FxHashMap::default(),
            variations: Vec::new(),
            order,
            rank,
            needs,
            dependents,
        }
    }

    fn build(mut self) -> Model {
        let plan = self.plan;
        let mut sources = Vec::new();
        let mut laws = Vec::new();
        let mut push = |component: Component, failure: Failure, effect: Effect| {
            if let Some(law) = law(failure) {
                laws.push(law);
                sources.push(Source {
                    component,
                    repair: failure
                        .mttr
                        .filter(|&m| m > 0)
                        .and_then(|m| Exp::new(1.0 / m as f64).ok()),
                    effect,
                    replicated: Vec::new(),
                });
            }
        };
        for (i, site) in plan.sites.iter().enumerate() {
            if law(site.failure).is_some() {
                let effect = self.site_effect(SiteId(i as u32));
                push(Component::Site(SiteId(i as u32)), site.failure, effect);
            }
        }
        for (i, storage) in plan.storage.iter().enumerate() {
            if law(storage.failure).is_some() {
                let effect = self.storage_effect(StorageId(i as u32));
                push(
                    Component::Storage(StorageId(i as u32)),
                    storage.failure,
                    effect,
                );
            }
        }
        for (i, server) in plan.servers.iter().enumerate() {
            if law(server.failure).is_some() {
                let effect = self.server_effect(ServerId(i as u32));
                push(
                    Component::Server(ServerId(i as u32)),
                    server.failure,
                    effect,
                );
            }
        }
        for (i, vm) in plan.vms.iter().enumerate() {
            if law(vm.failure()).is_some() {
                let effect = self.vm_effect(VmId(i as u32));
                push(Component::Vm(VmId(i as u32)), vm.failure(), effect);
            }
        }
        for (i, service) in plan.services.iter().enumerate() {
            if law(service.failure()).is_some() {
                let id = ServiceId(i as u32);
                let effect = self.in_place_effect(id, &[]);
                push(Component::Service(id), service.failure(), effect);
            }
        }
        let (mut replicas, mut combined) = self.replicas(&mut sources);
        // From here on services are slots. Hits keep their order (by service).
        let slot = &self.rank;
        for effect in sources
            .iter_mut()
            .map(|s| &mut s.effect)
            .chain(combined.iter_mut())
        {
            for hit in &mut effect.hits {
                hit.service = slot[hit.service as usize];
            }
        }
        for replica in &mut replicas {
            replica.service = slot[replica.service as usize];
        }
        let in_slots = |lists: &[Vec<u32>]| -> Vec<Vec<u32>> {
            self.order
                .iter()
                .map(|&s| {
                    lists[s as usize]
                        .iter()
                        .map(|&t| slot[t as usize])
                        .collect()
                })
                .collect()
        };
        let needs = in_slots(&self.needs);
        let dependents = in_slots(&self.dependents);
        let need_start: Vec<u32> = std::iter::once(0)
            .chain(needs.iter().scan(0u32, |end, list| {
                *end += list.len() as u32;
                Some(*end)
            }))
            .collect();
        let walk = (0..needs.len())
            .filter(|&s| !needs[s].is_empty())
            .map(|s| Pull {
                service: s as u32,
                start: need_start[s],
                end: need_start[s + 1],
            })
            .collect();
        Model {
            laws,
            sources,
            points: self.points,
            variations: self.variations,
            standby_rates: plan
                .standbys
                .iter()
                .map(|s| s.mtbf.map_or(0.0, |m| 1.0 / m as f64))
                .collect(),
            replicas,
            combined,
            walk,
            order: self.order,
            slot: self.rank,
            need_start,
            needs: needs.concat(),
            dependents,
        }
    }

    /// Replicated services, the sources that take each host down, and their combined loss.
    fn replicas(&mut self, sources: &mut [Source]) -> (Vec<Replicated>, Vec<Effect>) {
        let plan = self.plan;
        let mut by_component: FxHashMap<Component, u32> = FxHashMap::default();
        for (k, source) in sources.iter().enumerate() {
            by_component.insert(source.component, k as u32);
        }
        let mut replicas = Vec::new();
        let mut combined = Vec::new();
        for (i, service) in plan.services.iter().enumerate() {
            if service.hosts.len() < 2 && service.quorum <= 1 {
                continue;
            }
            let mut hosts = Vec::with_capacity(service.hosts.len());
            let mut storage = Vec::new();
            for host in &service.hosts {
                let mut parts = Vec::new();
                if let Host::Vm(vm) = host.id {
                    parts.push(Component::Vm(vm));
                    let record = &plan.vms[vm.index()];
                    parts.extend(record.storage.iter().map(|s| Component::Storage(s.id)));
                    storage.extend(record.storage.iter().map(|s| s.id));
                }
                if let Some(server) = self.context.server_of(host.id) {
                    let record = &plan.servers[server.index()];
                    parts.push(Component::Server(server));
                    parts.extend(record.storage.iter().map(|s| Component::Storage(s.id)));
                    parts.extend(record.site.map(|s| Component::Site(s.id)));
                    storage.extend(record.storage.iter().map(|s| s.id));
                }
                let mut list: Vec<u32> = parts
                    .iter()
                    .filter_map(|c| by_component.get(c).copied())
                    .collect();
                list.sort_unstable();
                list.dedup();
                hosts.push(list);
            }
            let index = replicas.len() as u32;
            let mut touching: Vec<u32> = hosts.iter().flatten().copied().collect();
            touching.sort_unstable();
            touching.dedup();
            for k in touching {
                sources[k as usize].replicated.push(index);
            }
            replicas.push(Replicated {
                service: i as u32,
                quorum: service.quorum.max(1),
                hosts,
            });
            combined.push(self.in_place_effect(ServiceId(i as u32), &storage));
        }
        (replicas, combined)
    }

    fn site_effect(&mut self, site: SiteId) -> Effect {
        let outcome = self.estimator.estimate(Loss::Site(site));
        let sites = [site];
        let direct = outcome
            .services
            .iter()
            .map(|s| {
                let data = rpo::Loss::Sites { sites: &sites };
                self.direct(s.service, &s.recovery, data)
            })
            .collect();
        self.effect(direct)
    }

    fn server_effect(&mut self, server: ServerId) -> Effect {
        let direct = self.server_hits(server, None);
        self.effect(direct)
    }

    /// The services a server loss takes down; data lost with `storage` when given, else
    /// with the server's storage and that of the services' vms on it.
    fn server_hits(&mut self, server: ServerId, storage: Option<StorageId>) -> Vec<Direct> {
        let plan = self.plan;
        let outcome = self.estimator.estimate(Loss::Server(server));
        let mut direct = Vec::with_capacity(outcome.services.len());
        for s in &outcome.services {
            let lost: Vec<StorageId> = match storage {
                Some(one) => vec![one],
                None => {
                    let mut lost: Vec<StorageId> = plan.servers[server.index()]
                        .storage
                        .iter()
                        .map(|r| r.id)
                        .collect();
                    for host in &plan.services[s.service.index()].hosts {
                        if let Host::Vm(vm) = host.id {
                            if self.context.server_of(host.id) == Some(server) {
                                lost.extend(plan.vms[vm.index()].storage.iter().map(|r| r.id));
                            }
                        }
                    }
                    lost
                }
            };
            let data = rpo::Loss::Servers { storage: &lost };
            direct.push(self.direct(s.service, &s.recovery, data));
        }
        direct
    }

    /// Storage fails: every server using it is lost, and every vm using it.
    fn storage_effect(&mut self, storage: StorageId) -> Effect {
        let plan = self.plan;
        let mut direct = Vec::new();
        for (i, server) in plan.servers.iter().enumerate() {
            if server.storage.iter().any(|s| s.id == storage) {
                direct.extend(self.server_hits(ServerId(i as u32), Some(storage)));
            }
        }
        for (i, vm) in plan.vms.iter().enumerate() {
            if vm.storage.iter().any(|s| s.id == storage) {
                direct.extend(self.vm_hits(VmId(i as u32), &[storage]));
            }
        }
        self.effect(direct)
    }

    /// A vm fails: the services on it that lose their quorum are restored in place.
    fn vm_effect(&mut self, vm: VmId) -> Effect {
        let direct = self.vm_hits(vm, &[]);
        self.effect(direct)
    }

    fn vm_hits(&mut self, vm: VmId, storage: &[StorageId]) -> Vec<Direct> {
        let plan = self.plan;
        let mut direct = Vec::new();
        for (i, service) in plan.services.iter().enumerate() {
            let on_vm = service
                .hosts
                .iter()
                .filter(|h| h.id == Host::Vm(vm))
                .count() as u64;
            if on_vm > 0 && (service.hosts.len() as u64 - on_vm) < service.quorum.max(1) {
                direct.push(self.in_place(ServiceId(i as u32), storage));
            }
        }
        direct
    }

    /// The service itself fails (or its replicas together): restored where it runs.
    fn in_place_effect(&mut self, service: ServiceId, storage: &[StorageId]) -> Effect {
        let direct = vec![self.in_place(service, storage)];
        self.effect(direct)
    }

    /// Detect + restore from its fastest backup + boot, on its own (surviving) hardware.
    /// The estimate plans restores onto replacements; a restore in place is the same
    /// restore ([`restore_from`]) without the lead time.
    fn in_place(&mut self, id: ServiceId, storage: &[StorageId]) -> Direct {
        let plan = self.plan;
        let service = &plan.services[id.index()];
        let mut hit = Hit {
            service: id.0,
            kind: HitKind::Timed,
            fixed: self.detect + service.boot,
            scaled: 0,
            restore: 0,
            point: NONE,
            varying: NONE,
            standby: NONE,
        };
        let mut restore_spread = None;
        if service.data.is_some_and(|d| d > 0) || service.restore_time.is_some() {
            // The fastest backup; the first one on ties.
            let fastest = self
                .context
                .backups_of(id)
                .iter()
                .map(|&b| restore_from(plan, id, b))
                .fold(None::<Restore>, |best, r| match best {
                    Some(best) if best.rate >= r.rate => Some(best),
                    _ => Some(r),
                });
            match fastest {
                None => {
                    hit.kind = HitKind::Repair;
                    hit.point = ALL;
                }
                Some(restore) => {
                    restore_spread = service
                        .restore_time_spread()
                        .filter(|_| restore.is_measured);
                    hit.scaled = restore.seconds;
                    hit.restore = restore.seconds;
                    hit.point = self.point(id, rpo::Loss::Servers { storage });
                }
            }
        }
        hit.varying = self.variation(id, None, restore_spread);
        Direct {
            nominal: nominal(&hit),
            hit,
        }
    }

    /// A service the estimate says is lost, as a hit.
    fn direct(&mut self, id: ServiceId, recovery: &Recovery, data: rpo::Loss) -> Direct {
        let boot = self.plan.services[id.index()].boot;
        let mut hit = Hit {
            service: id.0,
            kind: HitKind::Repair,
            fixed: self.detect + boot,
            scaled: 0,
            restore: 0,
            point: NONE,
            varying: NONE,
            standby: NONE,
        };
        let mut lead_spread = None;
        let mut restore_spread = None;
        match recovery {
            Recovery::Timed(t) => {
                let restore = t.restore.map_or(0, |r| r.seconds);
                hit.kind = HitKind::Timed;
                hit.fixed = t.detect + t.replacement.lead() + t.boot;
                hit.scaled = t.queued + restore + t.waiting.map_or(0, |w| w.seconds);
                hit.restore = restore;
                lead_spread = self.lead_spread(t.replacement);
                hit.standby = standby_of(t.replacement)
                    .filter(|s| self.plan.standbys[s.index()].mtbf.is_some())
                    .map_or(NONE, |s| s.0);
                restore_spread = t
                    .restore
                    .filter(|r| r.is_measured)
                    .and(self.plan.services[id.index()].restore_time_spread());
                // A failover needs no restore and loses nothing; a restore loses what
                // was written after the restore point it uses.
                if t.restore.is_some() && !matches!(t.replacement, Replacement::Failover { .. }) {
                    hit.point = self.point(id, data);
                }
            }
            Recovery::NoSurvivingBackup => hit.point = ALL,
            Recovery::NoPlaceToRun { .. } | Recovery::Blocked { .. } => {}
        }
        hit.varying = self.variation(id, lead_spread, restore_spread);
        Direct {
            nominal: nominal(&hit),
            hit,
        }
    }

    /// The spread of a replacement's lead time: its standby's `ready-in`.
    fn lead_spread(&self, replacement: Replacement) -> Option<crate::model::Spread> {
        standby_of(replacement).and_then(|s| self.plan.standbys[s.index()].ready_in_spread)
    }

    /// The varying durations of a service's hit, interned as an index ([`NONE`]: none).
    fn variation(
        &mut self,
        id: ServiceId,
        lead: Option<crate::model::Spread>,
        restore: Option<crate::model::Spread>,
    ) -> u32 {
        let service = &self.plan.services[id.index()];
        let variation = Variation {
            shifts: [
                self.plan.settings.detect_spread,
                lead,
                service.boot_spread(),
            ]
            .into_iter()
            .filter_map(Varying::of)
            .collect(),
            restore: Varying::of(restore),
        };
        if variation.is_empty() {
            return NONE;
        }
        self.variations.push(variation);
        self.variations.len() as u32 - 1
    }

    /// The newest restore point that survives a loss, interned.
    fn point(&mut self, id: ServiceId, loss: rpo::Loss) -> u32 {
        let Some(newest) = rpo::newest(
            self.context,
            self.context.backups_of(id),
            &self.intervals,
            loss,
        ) else {
            return ALL;
        };
        let Newest {
            backup,
            interval,
            fate,
            is_rotated,
            ..
        } = newest;
        let (tag, carried) = match fate {
            Fate::Kept => (0u8, 0),
            Fate::CarriedOff(offsite) => (1 + u8::from(is_rotated), offsite.every),
            Fate::Lost => return ALL,
        };
        if let Some(&index) = self.point_index.get(&(backup, tag, carried)) {
            return index;
        }
        let record = &self.plan.backups[backup.index()];
        let every = interval.every.max(1) as f64;
        let at = interval.schedule.at.map_or(0.0, |m| f64::from(m) * 60.0);
        let carried_f = carried as f64;
        // Rotated media hold one restore point each: the previous one is a rotation older.
        let step = if is_rotated {
            every.max(carried_f)
        } else {
            every
        };
        let fallbacks = record
            .fail_probability()
            .filter(|&p| p > 0.0)
            .and_then(|p| Geometric::new((1.0 - p).clamp(0.0, 1.0)).ok());
        let kept = record.keep.map_or(u64::MAX, |keep| {
            (keep as f64 / step).floor().max(1.0) as u64
        });
        let index = self.points.len() as u32;
        self.points.push(Point {
            every,
            at,
            carried: carried_f,
            is_rotated,
            step,
            fallbacks,
            kept,
        });
        self.point_index.insert((backup, tag, carried), index);
        index
    }

    /// Keep the worst hit per service, in written order.
    fn effect(&mut self, direct: Vec<Direct>) -> Effect {
        let mut worst: FxHashMap<u32, Direct> = FxHashMap::default();
        for d in direct {
            let entry = worst.entry(d.hit.service).or_insert(d);
            if d.nominal > entry.nominal {
                *entry = d;
            }
        }
        let mut hits: Vec<Hit> = worst.into_values().map(|d| d.hit).collect();
        hits.sort_unstable_by_key(|h| h.service);
        Effect {
            has_restore: hits
                .iter()
                .any(|h| h.kind == HitKind::Timed && h.scaled > 0),
            has_repair: hits.iter().any(|h| h.kind == HitKind::Repair),
            hits,
        }
    }
}

/// The standby a replacement runs on, if any.
fn standby_of(replacement: Replacement) -> Option<StandbyId> {
    match replacement {
        Replacement::Standby { standby, .. }
        | Replacement::Failover {
            target: FailoverTarget::Standby(standby),
            ..
        } => Some(standby),
        Replacement::Failover { .. } => None,
    }
}

/// The failure law of a component, if it has one: a probability wins over a rate.
fn law(failure: Failure) -> Option<Law> {
    if let Some(p) = failure.probability {
        return Some(Law::Probability(p.clamp(0.0, 1.0)));
    }
    let mtbf = failure.mtbf.filter(|&m| m > 0)?;
    Some(Law::Rate(1.0 / mtbf as f64))
}

/// A hit's length at the declared rates, for choosing the worst of two; a repair ranks
/// above any timed recovery.
fn nominal(hit: &Hit) -> u128 {
    let base = u128::from(hit.fixed) + u128::from(hit.scaled);
    match hit.kind {
        HitKind::Repair => base + (1u128 << 80),
        _ => base,
    }
}
