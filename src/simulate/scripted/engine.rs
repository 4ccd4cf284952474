//! The discrete-event engine behind [`super::run`]: a priority queue of timed actions
//! (ties broken by the order they were queued), service states, and a pool of restore
//! slots. Builds the [`Report`]; renders nothing.
//!
//! A lost service goes: waiting (for detection and its place to run) → queued for a
//! restore slot → restoring → restored (and verified) → booting once every service it
//! `needs` is available → up. Services whose own hosts survive but that need a down
//! service are unavailable until it is back, with nothing to restore.

use super::points::{self, Loss, Point};
use super::{
    Check, DataLossBasis, Entry, ExpectationReport, Happening, Report, ServiceReport, Time, Venue,
    DISK_SWAP, ROLLBACK_COMMAND, SNAPSHOT_REVERT, VERIFY,
};
use crate::analysis::estimate::{self, Unsuitable};
use crate::analysis::Context;
use crate::graph::Graph;
use crate::model::{
    BackupId, ChangeId, Component, Covered, Criticality, EventKind, FailoverTarget, Host, Plan,
    RollbackPlan, ScenarioId, Seconds, ServerId, ServiceId, SiteId, StandbyId, VmId,
    MINUTES_PER_WEEK,
};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

const WEEK: Seconds = MINUTES_PER_WEEK as Seconds * 60;

/// Something that happens at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// The scenario's event, by its index in time order.
    Scripted(usize),
    /// The services lost by one failure are noticed.
    Detected(usize),
    /// Places to run are ready for a batch of lost services (by index).
    Ready(usize),
    RestoreDone(ServiceId, u32),
    Booted(ServiceId, u32),
    /// A failed change reaches its go/no-go deadline.
    GoNoGo(usize),
    /// A failed change's rollback command has run.
    CommandDone(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Up,
    Waiting,
    Queued,
    Restoring,
    Restored,
    Booting,
    Stuck,
}

/// Where a lost service runs again.
#[derive(Debug, Clone)]
struct Place {
    name: String,
    venue: Venue,
    lead: Seconds,
    needs_restore: bool,
    needs_boot: bool,
}

/// The work that brings a service's data back.
#[derive(Debug, Clone, Copy)]
struct Job {
    point: Option<Point>,
    seconds: Seconds,
    restore: Option<estimate::Restore>,
    uses_slot: bool,
}

#[derive(Debug, Clone)]
struct State {
    phase: Phase,
    was_lost: bool,
    is_available: bool,
    ever_down: bool,
    down_at: Seconds,
    back_at: Option<Seconds>,
    cause: String,
    recovery: String,
    place: Option<Place>,
    job: Option<Job>,
    boot: Seconds,
    attempt: u32,
    data_lost: Option<Seconds>,
    basis: DataLossBasis,
    /// The failed change whose rollback brings it back.
    rollback: Option<usize>,
    /// When it was lost: data loss is measured from then.
    lost_at: Seconds,
}

/// A change that failed its verification.
struct FailedChange {
    id: ChangeId,
    services: Vec<ServiceId>,
}

pub(super) struct Engine<'p> {
    plan: &'p Plan,
    graph: &'p Graph,
    context: Context<'p>,
    scenario: ScenarioId,
    start: u32,
    /// The scenario's events as (offset, index in the scenario), in time order.
    events: Vec<(Seconds, usize)>,
    queue: BinaryHeap<Reverse<(Seconds, u64, Action)>>,
    sequence: u64,
    now: Seconds,
    states: Vec<State>,
    /// Services in recovery order: what others need first, then the more critical.
    order: Vec<ServiceId>,
    rank: Vec<usize>,
    /// The services that need each service: whose availability its own can change.
    dependents: Vec<Vec<ServiceId>>,
    /// Services whose phase changed since the last settle: where it starts looking.
    changed: Vec<ServiceId>,
    /// Ranks of the services queued for a restore slot, so the next is found at once.
    queued: BTreeSet<usize>,
    /// Per service, its `needs` entries whose service is unavailable now.
    unavailable_needs: Vec<u32>,
    /// The services on each server or vm, and the vms on each server's local disk: a
    /// failure looks only at what it touches, not at the whole plan.
    hosted_on: FxHashMap<Component, Vec<ServiceId>>,
    local_vms: FxHashMap<ServerId, Vec<VmId>>,
    /// Services with fewer hosts than their quorum: down at any failure.
    short_of_quorum: Vec<ServiceId>,
    /// The standbys that cover each server or site, in written order.
    covers: FxHashMap<Covered, Vec<StandbyId>>,
    wiped: BTreeSet<Component>,
    dead: BTreeSet<Component>,
    swappable: BTreeSet<ServerId>,
    failed_sites: BTreeSet<SiteId>,
    corrupt: BTreeSet<BackupId>,
    /// Per backup, the services that may restore from it, in plan order: a corruption
    /// looks only at those. Empty when the scenario corrupts nothing.
    restorable_from: Vec<Vec<ServiceId>>,
    groups: Vec<Vec<ServiceId>>,
    batches: Vec<Vec<ServiceId>>,
    changes: Vec<FailedChange>,
    restoring: usize,
    slots: usize,
    timeline: Vec<Entry>,
}

impl<'p> Engine<'p> {
    pub(super) fn new(plan: &'p Plan, graph: &'p Graph, scenario: ScenarioId) -> Self {
        let record = &plan.scenarios[scenario.index()];
        let start = first_minute(record.events.iter().map(|e| e.at));
        let mut events: Vec<(Seconds, usize)> = record
            .events
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let minutes =
                    (e.at % MINUTES_PER_WEEK + MINUTES_PER_WEEK - start) % MINUTES_PER_WEEK;
                (Seconds::from(minutes) * 60, k)
            })
            .collect();
        events.sort_unstable();
        let order = recovery_order(plan);
        let mut rank = vec![0; plan.services.len()];
        for (k, s) in order.iter().enumerate() {
            rank[s.index()] = k;
        }
        let mut dependents = vec![Vec::new(); plan.services.len()];
        let mut hosted_on: FxHashMap<Component, Vec<ServiceId>> = FxHashMap::default();
        let mut short_of_quorum = Vec::new();
        for (k, service) in plan.services.iter().enumerate() {
            let id = ServiceId(k as u32);
            for need in &service.needs {
                dependents[need.id.index()].push(id);
            }
            for host in &service.hosts {
                hosted_on
                    .entry(Self::host_component(host.id))
                    .or_default()
                    .push(id);
            }
            if (service.hosts.len() as u64) < service.quorum.max(1) {
                short_of_quorum.push(id);
            }
        }
        let mut covers: FxHashMap<Covered, Vec<StandbyId>> = FxHashMap::default();
        for (k, standby) in plan.standbys.iter().enumerate() {
            for covered in &standby.covers {
                covers
                    .entry(covered.id)
                    .or_default()
                    .push(StandbyId(k as u32));
            }
        }
        let mut local_vms: FxHashMap<ServerId, Vec<VmId>> = FxHashMap::default();
        for (k, vm) in plan.vms.iter().enumerate() {
            if let Some(host) = vm.host.filter(|_| vm.storage.is_empty()) {
                local_vms.entry(host.id).or_default().push(VmId(k as u32));
            }
        }
        let states = plan
            .services
            .iter()
            .map(|service| State {
                phase: Phase::Up,
                was_lost: false,
                is_available: true,
                ever_down: false,
                down_at: 0,
                back_at: None,
                cause: String::new(),
                recovery: String::new(),
                place: None,
                job: None,
                boot: service.boot,
                attempt: 0,
                data_lost: Some(0),
                basis: DataLossBasis::None,
                rollback: None,
                lost_at: 0,
            })
            .collect();
        let context = Context::new(plan, graph);
        let mut restorable_from = Vec::new();
        let corrupts = |e: &crate::model::Event| matches!(e.kind, EventKind::Corrupt { .. });
        if record.events.iter().any(corrupts) {
            restorable_from = vec![Vec::new(); plan.backups.len()];
            for k in 0..plan.services.len() {
                let service = ServiceId(k as u32);
                for backup in context.backups_of(service) {
                    restorable_from[backup.index()].push(service);
                }
            }
        }
        Engine {
            plan,
            graph,
            context,
            scenario,
            start,
            events,
            queue: BinaryHeap::new(),
            sequence: 0,
            now: 0,
            states,
            order,
            rank,
            dependents,
            changed: Vec::new(),
            queued: BTreeSet::new(),
            unavailable_needs: vec![0; plan.services.len()],
            hosted_on,
            local_vms,
            short_of_quorum,
            covers,
            wiped: BTreeSet::new(),
            dead: BTreeSet::new(),
            swappable: BTreeSet::new(),
            failed_sites: BTreeSet::new(),
            corrupt: BTreeSet::new(),
            restorable_from,
            groups: Vec::new(),
            batches: Vec::new(),
            changes: Vec::new(),
            restoring: 0,
            slots: record.restore_parallelism.max(1) as usize,
            timeline: Vec::new(),
        }
    }

    pub(super) fn run(mut self) -> Report {
        for k in 0..self.events.len() {
            let at = self.events[k].0;
            self.push(at, Action::Scripted(k));
        }
        while let Some(Reverse((at, _, action))) = self.queue.pop() {
            self.now = at;
            self.handle(action);
        }
        self.report()
    }

    fn push(&mut self, at: Seconds, action: Action) {
        self.sequence += 1;
        self.queue.push(Reverse((at, self.sequence, action)));
    }

    fn scenario(&self) -> &'p crate::model::Scenario {
        &self.plan.scenarios[self.scenario.index()]
    }

    /// Move a service to `phase`, keeping the queue of restores and the services the
    /// next settle must look at in step.
    fn set_phase(&mut self, service: ServiceId, phase: Phase) {
        let rank = self.rank[service.index()];
        let state = &mut self.states[service.index()];
        if state.phase == Phase::Queued {
            self.queued.remove(&rank);
        }
        if phase == Phase::Queued {
            self.queued.insert(rank);
        }
        state.phase = phase;
        self.changed.push(service);
    }

    fn name(&self, service: ServiceId) -> String {
        self.plan.services[service.index()].name.to_string()
    }

    /// Second of the week of the current time.
    fn second_of_week(&self) -> Seconds {
        self.second_of_week_at(self.now)
    }

    fn second_of_week_at(&self, at: Seconds) -> Seconds {
        (Seconds::from(self.start) * 60 + at) % WEEK
    }

    /// Add a line to the timeline, folding it into the previous line when both say the
    /// same thing about different services at the same time.
    fn note(&mut self, event: Happening) {
        let time = Time::at(self.start, self.now);
        if let Some(last) = self.timeline.last_mut() {
            if last.time == time {
                match (&mut last.event, &event) {
                    (
                        Happening::Down { services, cause },
                        Happening::Down {
                            services: more,
                            cause: same,
                        },
                    ) if cause == same => {
                        services.extend(more.iter().cloned());
                        return;
                    }
                    (
                        Happening::Unavailable { services, need },
                        Happening::Unavailable {
                            services: more,
                            need: same,
                        },
                    ) if need == same => {
                        services.extend(more.iter().cloned());
                        return;
                    }
                    (
                        Happening::PlaceReady {
                            services, venue, ..
                        },
                        Happening::PlaceReady {
                            services: more,
                            venue: same,
                            ..
                        },
                    ) if venue == same => {
                        services.extend(more.iter().cloned());
                        return;
                    }
                    (Happening::Back { services }, Happening::Back { services: more }) => {
                        services.extend(more.iter().cloned());
                        return;
                    }
                    _ => {}
                }
            }
        }
        self.timeline.push(Entry { time, event });
    }

    fn handle(&mut self, action: Action) {
        match action {
            Action::Scripted(k) => self.scripted(self.events[k].1),
            Action::Detected(group) => self.detected(group),
            Action::Ready(batch) => self.ready(batch),
            Action::RestoreDone(service, attempt) => self.restore_done(service, attempt),
            Action::Booted(service, attempt) => {
                let state = &self.states[service.index()];
                if state.attempt == attempt && state.phase == Phase::Booting {
                    self.set_phase(service, Phase::Up);
                    self.settle();
                }
            }
            Action::GoNoGo(k) => self.go_no_go(k),
            Action::CommandDone(k) => {
                let services = self.changes[k].services.clone();
                let mut done = Vec::new();
                for s in services {
                    if self.states[s.index()].phase == Phase::Waiting {
                        self.set_phase(s, Phase::Restored);
                        done.push(self.name(s));
                    }
                }
                if !done.is_empty() {
                    self.note(Happening::PlaceReady {
                        services: done,
                        place: "the rollback".to_string(),
                        venue: Venue::Rollback,
                    });
                }
                self.settle();
            }
        }
    }

    fn scripted(&mut self, index: usize) {
        let event = self.scenario().events[index];
        match event.kind {
            EventKind::Fail { target, disk_only } => self.fail(target, disk_only),
            EventKind::Corrupt { backup } => self.corrupt(backup),
            EventKind::FailVerify { change } => self.fail_verify(change),
        }
    }

    /// Components that sit on `target`: what runs on it, uses it, or stands at it.
    fn below(&self, target: Component) -> BTreeSet<Component> {
        super::below(self.graph, target)
    }

    fn host_component(host: Host) -> Component {
        match host {
            Host::Server(s) => Component::Server(s),
            Host::Vm(v) => Component::Vm(v),
        }
    }

    fn fail(&mut self, target: Component, disk_only: bool) {
        self.note(Happening::Failed {
            component: self.plan.component_name(target).to_string(),
            disk_only,
        });
        // What this failure wipes that was not wiped before.
        let mut newly_wiped: Vec<Component> = Vec::new();
        match (target, disk_only) {
            (Component::Server(server), true) => {
                let vms = self.local_vms.get(&server).into_iter().flatten();
                for component in std::iter::once(target).chain(vms.map(|&v| Component::Vm(v))) {
                    if self.wiped.insert(component) {
                        newly_wiped.push(component);
                    }
                }
                if !self.dead.contains(&target) {
                    self.swappable.insert(server);
                }
            }
            _ => {
                let below = self.below(target);
                for component in &below {
                    if let Component::Server(s) = component {
                        self.swappable.remove(s);
                    }
                    if self.wiped.insert(*component) {
                        newly_wiped.push(*component);
                    }
                }
                self.dead.extend(below);
                if let Component::Site(site) = target {
                    self.failed_sites.insert(site);
                }
            }
        }
        let cause = if disk_only {
            format!(
                "the local disk of `{}` failed",
                self.plan.component_name(target)
            )
        } else {
            format!("`{}` failed", self.plan.component_name(target))
        };
        // Only these can fall short of their quorum now: any other service has the
        // hosts it had at the last failure, which it survived (or it was lost then).
        let mut exposed: Vec<ServiceId> = newly_wiped
            .iter()
            .filter_map(|c| self.hosted_on.get(c))
            .flatten()
            .chain(&self.short_of_quorum)
            .copied()
            .chain(match target {
                Component::Service(id) => Some(id),
                _ => None,
            })
            .collect();
        exposed.sort_unstable();
        exposed.dedup();
        let mut group = Vec::new();
        for id in exposed {
            let k = id.index();
            if self.states[k].was_lost || self.states[k].phase != Phase::Up {
                continue;
            }
            let service = &self.plan.services[k];
            let is_direct = target == Component::Service(id);
            let surviving = service
                .hosts
                .iter()
                .filter(|h| !self.wiped.contains(&Self::host_component(h.id)))
                .count() as u64;
            if is_direct || surviving < service.quorum.max(1) {
                self.lose(id, cause.clone(), is_direct);
                group.push(id);
            }
        }
        if !group.is_empty() {
            self.groups.push(group);
            let at = self.now.saturating_add(self.scenario().detect);
            self.push(at, Action::Detected(self.groups.len() - 1));
        }
        self.settle();
    }

    /// The loss as one service's restore points see it.
    fn loss_of(&self, service: ServiceId) -> Loss<'_> {
        let hosts = &self.plan.services[service.index()].hosts;
        Loss {
            wiped: &self.wiped,
            failed_sites: &self.failed_sites,
            is_site_lost: self
                .context
                .sites_of(service)
                .iter()
                .any(|s| self.failed_sites.contains(s)),
            is_host_lost: hosts
                .iter()
                .any(|h| self.wiped.contains(&Self::host_component(h.id))),
        }
    }

    /// The point to restore from: the youngest, then the fastest, then the first written.
    fn choose(&self, service: ServiceId, fresh: Option<BackupId>) -> Option<Point> {
        let loss = self.loss_of(service);
        let backups = self.context.backups_of(service);
        points::candidates(
            &self.context,
            backups,
            &loss,
            self.second_of_week_at(self.states[service.index()].lost_at),
            &self.corrupt,
            fresh,
        )
        .into_iter()
        .min_by_key(|p| {
            let rate = estimate::restore_from(self.plan, service, p.backup).rate;
            let position = backups.iter().position(|&b| b == p.backup);
            (p.age, Reverse(rate as u64), position)
        })
    }

    fn has_data(&self, service: ServiceId) -> bool {
        self.plan.services[service.index()]
            .data
            .is_some_and(|d| d > 0)
    }

    fn needs_restore(&self, service: ServiceId) -> bool {
        self.has_data(service) || self.plan.services[service.index()].restore_time.is_some()
    }

    /// Record the data lost from a chosen point (or its absence).
    fn set_data_loss(&mut self, service: ServiceId, point: Option<Point>) {
        let has_data = self.has_data(service);
        let state = &mut self.states[service.index()];
        (state.data_lost, state.basis) = match (has_data, point) {
            (false, _) => (Some(0), DataLossBasis::None),
            (true, Some(p)) => (Some(p.age), p.basis),
            (true, None) => (None, DataLossBasis::NoRestorePoint),
        };
    }

    fn job_from(&self, service: ServiceId, point: Point) -> Job {
        let restore = estimate::restore_from(self.plan, service, point.backup);
        Job {
            point: Some(point),
            seconds: restore.seconds,
            restore: Some(restore),
            uses_slot: true,
        }
    }

    fn lose(&mut self, service: ServiceId, cause: String, is_direct: bool) {
        self.states[service.index()].lost_at = self.now;
        let place = self.place(service, is_direct);
        let point = self.choose(service, None);
        self.set_data_loss(service, point);
        let mut job = None;
        let place = match place {
            Ok(place) if place.needs_restore && self.needs_restore(service) => match point {
                Some(point) => {
                    job = Some(self.job_from(service, point));
                    Ok(place)
                }
                None => Err("no restore point of it survives".to_string()),
            },
            other => other,
        };
        self.set_phase(service, Phase::Waiting);
        let state = &mut self.states[service.index()];
        state.was_lost = true;
        state.cause = cause;
        state.job = job;
        match place {
            Ok(place) => {
                state.recovery = place.name.clone();
                if !place.needs_boot {
                    state.boot = 0;
                }
                state.place = Some(place);
            }
            Err(reason) => {
                state.recovery = reason;
                state.place = None;
            }
        }
    }

    /// Standbys that replace a server, directly or through its site, in written order.
    fn covering(&self, server: ServerId) -> Vec<StandbyId> {
        let site = self.plan.servers[server.index()].site.map(|s| s.id);
        let mut found: Vec<StandbyId> = self
            .covers
            .get(&Covered::Server(server))
            .into_iter()
            .chain(site.and_then(|s| self.covers.get(&Covered::Site(s))))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn is_standby_lost(&self, standby: StandbyId) -> bool {
        self.plan.standbys[standby.index()]
            .site
            .is_some_and(|s| self.failed_sites.contains(&s.id))
    }

    /// Where a lost service runs again: its surviving failover target, else the
    /// standbys (or disk swaps) that replace enough of its lost hosts for its quorum.
    fn place(&self, service: ServiceId, is_direct: bool) -> Result<Place, String> {
        let plan = self.plan;
        let record = &plan.services[service.index()];
        if let Some(failover) = record.failover() {
            let (is_lost, ready_in, name) = match failover.target.id {
                FailoverTarget::Server(s) => (
                    self.wiped.contains(&Component::Server(s)),
                    0,
                    &plan.servers[s.index()].name,
                ),
                FailoverTarget::Vm(v) => (
                    self.wiped.contains(&Component::Vm(v)),
                    0,
                    &plan.vms[v.index()].name,
                ),
                FailoverTarget::Standby(s) => (
                    self.is_standby_lost(s),
                    plan.standbys[s.index()].ready_in,
                    &plan.standbys[s.index()].name,
                ),
            };
            if !is_lost {
                return Ok(Place {
                    name: format!("failover to `{name}`"),
                    venue: Venue::Failover(name.to_string()),
                    lead: ready_in.saturating_add(failover.after),
                    needs_restore: false,
                    needs_boot: false,
                });
            }
        }
        if is_direct {
            return Ok(Place {
                name: "its own host".to_string(),
                venue: Venue::OwnHost,
                lead: 0,
                needs_restore: true,
                needs_boot: true,
            });
        }
        let lost: Vec<Host> = record
            .hosts
            .iter()
            .map(|h| h.id)
            .filter(|&h| self.wiped.contains(&Self::host_component(h)))
            .collect();
        let surviving = (record.hosts.len() - lost.len()) as u64;
        let needed = record.quorum.max(1).saturating_sub(surviving).max(1) as usize;
        let mut leads: Vec<(Seconds, String, Venue)> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        for host in lost {
            let Some(server) = self.context.server_of(host) else {
                continue;
            };
            let mut best: Option<(Seconds, String, Venue)> = None;
            if let Host::Vm(vm) = host {
                // A vm lost on its own is built again on its server, which still runs.
                if !self.wiped.contains(&Component::Server(server)) {
                    let vm = plan.vms[vm.index()].name.to_string();
                    let server = plan.servers[server.index()].name.to_string();
                    let name = format!("`{vm}` rebuilt on `{server}`");
                    leads.push((0, name, Venue::Rebuilt { vm, server }));
                    continue;
                }
            }
            if self.swappable.contains(&server) {
                let name = &plan.servers[server.index()].name;
                best = Some((
                    DISK_SWAP,
                    format!("`{name}` with a new disk"),
                    Venue::NewDisk(name.to_string()),
                ));
            }
            for standby in self.covering(server) {
                let record = &plan.standbys[standby.index()];
                let why = if self.is_standby_lost(standby) {
                    Some(Unsuitable::LostWithSite)
                } else {
                    estimate::kind_mismatch(record, host)
                };
                match why {
                    Some(why) => {
                        let reason = format!("standby `{}` {}", record.name, unsuitable(why));
                        if !reasons.contains(&reason) {
                            reasons.push(reason);
                        }
                    }
                    None if best
                        .as_ref()
                        .is_none_or(|(lead, ..)| record.ready_in < *lead) =>
                    {
                        best = Some((
                            record.ready_in,
                            format!("standby `{}`", record.name),
                            Venue::Standby(record.name.to_string()),
                        ));
                    }
                    None => {}
                }
            }
            leads.extend(best);
        }
        leads.sort_by_key(|(lead, ..)| *lead);
        match leads.into_iter().nth(needed - 1) {
            Some((lead, name, venue)) => Ok(Place {
                name,
                venue,
                lead,
                needs_restore: true,
                needs_boot: true,
            }),
            None if reasons.is_empty() => Err("no standby covers its lost hosts".to_string()),
            None => Err(format!("no place to run: {}", reasons.join("; "))),
        }
    }

    fn detected(&mut self, group: usize) {
        let services = self.groups[group].clone();
        self.note(Happening::Detected {
            services: services.iter().map(|&s| self.name(s)).collect(),
        });
        let mut batches: std::collections::BTreeMap<Seconds, Vec<ServiceId>> =
            std::collections::BTreeMap::new();
        for service in services {
            let state = &self.states[service.index()];
            if state.phase != Phase::Waiting {
                continue;
            }
            match &state.place {
                Some(place) => {
                    let at = self.now.saturating_add(place.lead);
                    batches.entry(at).or_default().push(service);
                }
                None => {
                    let reason = state.recovery.clone();
                    self.set_phase(service, Phase::Stuck);
                    self.note(Happening::NotRecovered {
                        service: self.name(service),
                        reason,
                    });
                }
            }
        }
        for (at, batch) in batches {
            self.batches.push(batch);
            self.push(at, Action::Ready(self.batches.len() - 1));
        }
    }

    fn ready(&mut self, batch: usize) {
        let services = self.batches[batch].clone();
        for &service in &services {
            let state = &self.states[service.index()];
            if state.phase != Phase::Waiting {
                continue;
            }
            let (place, venue) = state
                .place
                .as_ref()
                .map_or((String::new(), Venue::OwnHost), |p| {
                    (p.name.clone(), p.venue.clone())
                });
            self.note(Happening::PlaceReady {
                services: vec![self.name(service)],
                place,
                venue,
            });
        }
        for service in services {
            if self.states[service.index()].phase == Phase::Waiting {
                self.start_job(service);
            }
        }
        self.pump();
        self.settle();
    }

    /// Queue a waiting service's restore, start its slot-free revert, or mark it restored.
    fn start_job(&mut self, service: ServiceId) {
        let state = &self.states[service.index()];
        match state.job {
            Some(job) if job.uses_slot => self.set_phase(service, Phase::Queued),
            Some(job) => {
                let at = self.now.saturating_add(job.seconds).saturating_add(VERIFY);
                let attempt = state.attempt;
                self.set_phase(service, Phase::Restoring);
                self.push(at, Action::RestoreDone(service, attempt));
            }
            None => self.set_phase(service, Phase::Restored),
        }
    }

    /// Start queued restores while slots are free, in recovery order.
    fn pump(&mut self) {
        while self.restoring < self.slots {
            let Some(&rank) = self.queued.first() else {
                return;
            };
            let service = self.order[rank];
            let state = &self.states[service.index()];
            let Some(job) = state.job else {
                self.set_phase(service, Phase::Restored);
                continue;
            };
            let attempt = state.attempt;
            self.set_phase(service, Phase::Restoring);
            self.restoring += 1;
            let at = self.now.saturating_add(job.seconds).saturating_add(VERIFY);
            self.push(at, Action::RestoreDone(service, attempt));
            let point = job.point;
            self.note(Happening::RestoreStarted {
                service: self.name(service),
                backup: point.map(|p| self.plan.backups[p.backup.index()].name.to_string()),
                data: job
                    .restore
                    .and_then(|r| if r.is_measured { None } else { r.data }),
                rate: job
                    .restore
                    .and_then(|r| if r.is_measured { None } else { Some(r.rate) }),
                seconds: job.seconds,
                is_fallback: point.is_some_and(|p| p.is_previous),
            });
        }
    }

    fn restore_done(&mut self, service: ServiceId, attempt: u32) {
        let state = &self.states[service.index()];
        if state.attempt != attempt || state.phase != Phase::Restoring {
            return;
        }
        let uses_slot = state.job.is_some_and(|j| j.uses_slot);
        self.set_phase(service, Phase::Restored);
        if uses_slot {
            self.restoring -= 1;
        }
        self.note(Happening::Restored {
            service: self.name(service),
        });
        self.pump();
        self.settle();
    }

    fn corrupt(&mut self, backup: BackupId) {
        self.note(Happening::Corrupted {
            backup: self.plan.backups[backup.index()].name.to_string(),
        });
        self.corrupt.insert(backup);
        // A job restores from one of its service's backups.
        let restorers = std::mem::take(&mut self.restorable_from[backup.index()]);
        for &service in &restorers {
            let k = service.index();
            let state = &self.states[k];
            if state.phase == Phase::Stuck {
                // Never back, but its data lost is still counted from the best restore
                // point left, which may no longer be the corrupt one.
                let fresh = state.rollback.and_then(|_| self.fresh_backup(service));
                let point = self.choose(service, fresh);
                self.set_data_loss(service, point);
                continue;
            }
            let Some(job) = state.job else { continue };
            let Some(point) = job.point else { continue };
            if point.backup != backup
                || point.is_previous
                || !matches!(
                    state.phase,
                    Phase::Waiting | Phase::Queued | Phase::Restoring
                )
            {
                continue;
            }
            let fresh = state.rollback.and_then(|_| self.fresh_backup(service));
            let replacement = self.choose(service, fresh);
            self.set_data_loss(service, replacement);
            let was_restoring = self.states[k].phase == Phase::Restoring;
            if was_restoring {
                self.restoring -= 1;
                self.note(Happening::RestoreAborted {
                    service: self.name(service),
                    backup: self.plan.backups[backup.index()].name.to_string(),
                });
            }
            let new_job = replacement.map(|p| self.job_from(service, p));
            let state = &mut self.states[k];
            state.attempt += 1;
            state.job = new_job;
            match new_job {
                Some(_) => {
                    if was_restoring {
                        self.set_phase(service, Phase::Queued);
                    }
                }
                None => {
                    self.set_phase(service, Phase::Stuck);
                    let state = &mut self.states[k];
                    state.recovery = "no usable restore point of it survives".to_string();
                    let reason = state.recovery.clone();
                    self.note(Happening::NotRecovered {
                        service: self.name(service),
                        reason,
                    });
                }
            }
        }
        self.restorable_from[backup.index()] = restorers;
        self.pump();
        self.settle();
    }

    /// The services a change takes down: its target services and what runs on its
    /// other targets.
    fn touched(&self, change: ChangeId) -> Vec<ServiceId> {
        let mut found = BTreeSet::new();
        for target in &self.plan.change(change).targets {
            for component in self.below(target.id) {
                if let Component::Service(s) = component {
                    found.insert(s);
                }
            }
        }
        found.into_iter().collect()
    }

    fn fail_verify(&mut self, change: ChangeId) {
        let record = self.plan.change(change);
        let rollout = &self.plan.rollouts[change.rollout.index()];
        let stage = &rollout.stages[change.stage as usize];
        // Wait for the go/no-go only while it is still ahead in the window the change
        // runs in; a failure found after it (or outside the window) rolls back at once.
        let now_minute = (self.second_of_week() / 60) as u32 % MINUTES_PER_WEEK;
        let is_ahead = |deadline: u32| match stage.window.or(rollout.window) {
            Some(window) => {
                let offset = |m: u32| (m + MINUTES_PER_WEEK - window.start) % MINUTES_PER_WEEK;
                window.contains(now_minute)
                    && window.contains(deadline)
                    && offset(deadline) >= offset(now_minute)
            }
            None => (deadline + MINUTES_PER_WEEK - now_minute) % MINUTES_PER_WEEK <= 24 * 60,
        };
        let deadline = record
            .go_no_go
            .or(stage.go_no_go)
            .map(|m| m % MINUTES_PER_WEEK)
            .filter(|&m| is_ahead(m))
            .map(|minute| {
                let target = Seconds::from(minute) * 60;
                self.now + (target + WEEK - self.second_of_week()) % WEEK
            });
        self.note(Happening::VerificationFailed {
            change: record.name.to_string(),
            go_no_go: deadline.map(|d| Time::at(self.start, d)),
        });
        let index = self.changes.len();
        let mut services = Vec::new();
        for service in self.touched(change) {
            let state = &self.states[service.index()];
            if state.was_lost || state.phase != Phase::Up {
                continue;
            }
            self.set_phase(service, Phase::Waiting);
            let state = &mut self.states[service.index()];
            state.was_lost = true;
            state.cause = super::failed_verification(&record.name);
            state.rollback = Some(index);
            state.lost_at = self.now;
            services.push(service);
        }
        self.changes.push(FailedChange {
            id: change,
            services,
        });
        // No deadline: the rollback starts at once.
        self.push(deadline.unwrap_or(self.now), Action::GoNoGo(index));
        self.settle();
    }

    /// The backup holding a change's `backup before`: the fastest covering backup (the
    /// first written on ties), as the recovery estimate picks.
    fn fresh_backup(&self, service: ServiceId) -> Option<BackupId> {
        let state = &self.states[service.index()];
        let change = self.plan.change(self.changes[state.rollback?].id);
        if !change.has_backup_before {
            return None;
        }
        self.context
            .backups_of(service)
            .iter()
            .copied()
            .fold(None, |best: Option<BackupId>, b| {
                let rate = |b: BackupId| estimate::restore_from(self.plan, service, b).rate;
                match best {
                    Some(best) if rate(best) >= rate(b) => Some(best),
                    _ => Some(b),
                }
            })
    }

    fn go_no_go(&mut self, index: usize) {
        let change = self.plan.change(self.changes[index].id);
        let rollback = change.rollback.clone().unwrap_or(RollbackPlan::None);
        self.note(Happening::NoGo {
            change: change.name.to_string(),
            rollback: match &rollback {
                RollbackPlan::RestoreBackup => "restore-backup".to_string(),
                RollbackPlan::RestoreSnapshot => "restore-snapshot".to_string(),
                RollbackPlan::None => "none".to_string(),
                RollbackPlan::Command(command) => format!("\"{command}\""),
            },
        });
        let mut services = self.changes[index].services.clone();
        services.sort_by_key(|s| self.rank[s.index()]);
        let mut is_command = false;
        for service in services {
            if self.states[service.index()].phase != Phase::Waiting {
                continue;
            }
            match &rollback {
                RollbackPlan::RestoreBackup => {
                    let fresh = self.fresh_backup(service);
                    let point = self.choose(service, fresh);
                    self.set_data_loss(service, point);
                    if !self.needs_restore(service) {
                        self.states[service.index()].recovery = "rollback".to_string();
                        self.start_job(service);
                        continue;
                    }
                    match point {
                        Some(point) => {
                            let job = self.job_from(service, point);
                            let state = &mut self.states[service.index()];
                            state.recovery = format!(
                                "rollback: restore from `{}`",
                                self.plan.backups[point.backup.index()].name
                            );
                            state.job = Some(job);
                            self.start_job(service);
                        }
                        None => self.stuck(service, "rollback: no backup of it".to_string()),
                    }
                }
                RollbackPlan::RestoreSnapshot => {
                    let point = if change.has_snapshot_before {
                        None
                    } else {
                        self.choose(service, None)
                    };
                    if change.has_snapshot_before || !self.has_data(service) {
                        self.set_data_loss(service, None);
                        let state = &mut self.states[service.index()];
                        state.data_lost = Some(0);
                        state.basis = DataLossBasis::None;
                    } else {
                        self.set_data_loss(service, point);
                    }
                    let state = &mut self.states[service.index()];
                    state.recovery = "rollback: revert to the snapshot".to_string();
                    state.job = Some(Job {
                        point: None,
                        seconds: SNAPSHOT_REVERT,
                        restore: None,
                        uses_slot: false,
                    });
                    self.start_job(service);
                }
                RollbackPlan::Command(command) => {
                    let state = &mut self.states[service.index()];
                    state.recovery = format!("rollback: \"{command}\"");
                    is_command = true;
                }
                RollbackPlan::None => self.stuck(service, "the change has no rollback".to_string()),
            }
        }
        if is_command {
            let at = self.now.saturating_add(ROLLBACK_COMMAND);
            self.push(at, Action::CommandDone(index));
        }
        self.pump();
        self.settle();
    }

    fn stuck(&mut self, service: ServiceId, reason: String) {
        self.set_phase(service, Phase::Stuck);
        let state = &mut self.states[service.index()];
        state.recovery.clone_from(&reason);
        self.note(Happening::NotRecovered {
            service: self.name(service),
            reason,
        });
    }

    /// Recompute availability in recovery order; note what went down or came back, and
    /// boot restored services whose needs are all available. Only what changed is
    /// looked at: the services whose phase moved since the last settle, then the
    /// dependents of each service whose availability flipped (a settle per event over
    /// every service made a replay quadratic in the services it lost).
    fn settle(&mut self) {
        let plan = self.plan;
        let changed = std::mem::take(&mut self.changed);
        let mut went_down: Vec<(ServiceId, Option<ServiceId>)> = Vec::new();
        let mut came_back: Vec<ServiceId> = Vec::new();
        // Popped lowest rank first, and a flip only adds higher ranks (what needs it):
        // each service is decided after all it needs, as one pass in order would.
        let mut pending: BTreeSet<usize> = changed.iter().map(|s| self.rank[s.index()]).collect();
        while let Some(rank) = pending.pop_first() {
            let service = self.order[rank];
            let state = &self.states[service.index()];
            let is_available =
                state.phase == Phase::Up && self.unavailable_needs[service.index()] == 0;
            if is_available == state.is_available {
                continue;
            }
            if is_available {
                came_back.push(service);
            } else {
                // The need it waits for matters only while it runs (and is not lost).
                let missing = (state.phase == Phase::Up)
                    .then(|| {
                        plan.services[service.index()]
                            .needs
                            .iter()
                            .map(|n| n.id)
                            .find(|n| !self.states[n.index()].is_available)
                    })
                    .flatten();
                went_down.push((service, missing));
            }
            self.states[service.index()].is_available = is_available;
            for &dependent in &self.dependents[service.index()] {
                let count = &mut self.unavailable_needs[dependent.index()];
                if is_available {
                    *count -= 1;
                } else {
                    *count += 1;
                }
                let later = self.rank[dependent.index()];
                if later > rank {
                    pending.insert(later);
                }
            }
        }
        went_down.sort_by_key(|&(s, _)| s);
        came_back.sort_unstable();
        let now = self.now;
        for &(service, missing) in &went_down {
            let state = &mut self.states[service.index()];
            if !state.ever_down {
                state.ever_down = true;
                state.down_at = now;
                if state.phase == Phase::Up {
                    if let Some(need) = missing {
                        state.cause = format!("`{}` is down", plan.services[need.index()].name);
                        state.recovery = "back when what it needs is back".to_string();
                    }
                }
            }
            state.back_at = None;
        }
        // Lost services first, grouped by cause (in first-seen order); then the
        // unavailable, by need.
        let mut by_cause: Vec<(String, Vec<String>)> = Vec::new();
        let mut cause_slot: FxHashMap<&str, usize> = FxHashMap::default();
        let mut by_need: Vec<(ServiceId, Vec<String>)> = Vec::new();
        let mut need_slot: FxHashMap<ServiceId, usize> = FxHashMap::default();
        for &(service, missing) in &went_down {
            let state = &self.states[service.index()];
            let name = plan.services[service.index()].name.to_string();
            match (state.phase, missing) {
                (Phase::Up, Some(need)) => {
                    let slot = *need_slot.entry(need).or_insert_with(|| {
                        by_need.push((need, Vec::new()));
                        by_need.len() - 1
                    });
                    by_need[slot].1.push(name);
                }
                (Phase::Up, None) => {}
                _ => {
                    let slot = *cause_slot.entry(state.cause.as_str()).or_insert_with(|| {
                        by_cause.push((state.cause.clone(), Vec::new()));
                        by_cause.len() - 1
                    });
                    by_cause[slot].1.push(name);
                }
            }
        }
        for (cause, services) in by_cause {
            self.note(Happening::Down { services, cause });
        }
        for (need, services) in by_need {
            self.note(Happening::Unavailable {
                services,
                need: self.name(need),
            });
        }
        if !came_back.is_empty() {
            for &service in &came_back {
                self.states[service.index()].back_at = Some(now);
            }
            let services = came_back.iter().map(|&s| self.name(s)).collect();
            self.note(Happening::Back { services });
        }
        // Boot what is restored and no longer waits for a need. Only a service restored
        // since the last settle, or one whose need just came back, can be newly ready.
        let mut ready: Vec<usize> = changed
            .iter()
            .chain(came_back.iter().flat_map(|s| &self.dependents[s.index()]))
            .filter(|s| {
                self.states[s.index()].phase == Phase::Restored
                    && self.unavailable_needs[s.index()] == 0
            })
            .map(|s| self.rank[s.index()])
            .collect();
        ready.sort_unstable();
        ready.dedup();
        for rank in ready {
            let service = self.order[rank];
            self.set_phase(service, Phase::Booting);
            let state = &self.states[service.index()];
            let at = now.saturating_add(state.boot);
            let attempt = state.attempt;
            self.push(at, Action::Booted(service, attempt));
        }
    }

    fn report(self) -> Report {
        let plan = self.plan;
        let scenario = self.scenario();
        let start = self.start;
        let services = self
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ever_down)
            .map(|(k, state)| {
                let back_at = state.back_at.filter(|_| state.is_available);
                let restored_from = state
                    .job
                    .and_then(|j| j.point)
                    .filter(|_| state.phase == Phase::Up)
                    .map(|p| plan.backups[p.backup.index()].name.to_string());
                ServiceReport {
                    service: plan.services[k].name.to_string(),
                    down_at: Time::at(start, state.down_at),
                    back_at: back_at.map(|b| Time::at(start, b)),
                    outage: back_at.map(|b| b - state.down_at),
                    cause: state.cause.clone(),
                    recovery: state.recovery.clone(),
                    data_lost: state.data_lost,
                    data_loss_basis: state.basis,
                    restored_from,
                }
            })
            .collect::<Vec<_>>();
        let expectations = scenario
            .expectations
            .iter()
            .map(|e| {
                let state = &self.states[e.service.id.index()];
                let outage = if state.ever_down {
                    state
                        .back_at
                        .filter(|_| state.is_available)
                        .map(|b| b - state.down_at)
                } else {
                    Some(0)
                };
                let rto = e.rto.map(|limit| Check::new(limit, outage));
                let rpo = e.rpo.map(|limit| Check::new(limit, state.data_lost));
                ExpectationReport {
                    service: plan.services[e.service.id.index()].name.to_string(),
                    holds: rto.is_none_or(|c| c.holds) && rpo.is_none_or(|c| c.holds),
                    rto,
                    rpo,
                }
            })
            .collect();
        Report {
            scenario: scenario.name.to_string(),
            description: scenario.description.clone(),
            start: Time::at(start, 0),
            detect: scenario.detect,
            restore_parallelism: scenario.restore_parallelism.max(1),
            timeline: self.timeline,
            services,
            expectations,
        }
    }
}

fn unsuitable(why: Unsuitable) -> &'static str {
    match why {
        Unsuitable::LostWithSite => "was lost with its site",
        Unsuitable::RunsVmImagesOnly => "runs vm images only",
        Unsuitable::CannotRunVms => "cannot run vms",
    }
}

/// The minute of the week the clock starts at: the first event after the longest
/// quiet gap in the weekly cycle, so that events wrapping past Sunday stay in order.
fn first_minute(minutes: impl Iterator<Item = u32>) -> u32 {
    let mut minutes: Vec<u32> = minutes.map(|m| m % MINUTES_PER_WEEK).collect();
    minutes.sort_unstable();
    minutes.dedup();
    let Some(&last) = minutes.last() else {
        return 0;
    };
    let mut best = (minutes[0] + MINUTES_PER_WEEK - last, minutes[0]);
    for pair in minutes.windows(2) {
        let gap = pair[1] - pair[0];
        if gap > best.0 {
            best = (gap, pair[1]);
        }
    }
    best.1
}

/// Services in the order recovery handles them: what others need first, then the
/// more critical, then written order (Kahn's algorithm, as the recovery estimate).
fn recovery_order(plan: &Plan) -> Vec<ServiceId> {
    let count = plan.services.len();
    let mut pending = vec![0usize; count];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (k, service) in plan.services.iter().enumerate() {
        for need in &service.needs {
            if need.id.index() != k {
                pending[k] += 1;
                dependents[need.id.index()].push(k);
            }
        }
    }
    let key =
        |k: usize| -> (Criticality, Reverse<usize>) { (plan.services[k].criticality, Reverse(k)) };
    let mut ready: BinaryHeap<((Criticality, Reverse<usize>), usize)> = (0..count)
        .filter(|&k| pending[k] == 0)
        .map(|k| (key(k), k))
        .collect();
    let mut order = Vec::with_capacity(count);
    let mut placed = vec![false; count];
    while let Some((_, k)) = ready.pop() {
        order.push(ServiceId(k as u32));
        placed[k] = true;
        for &dependent in &dependents[k] {
            pending[dependent] -= 1;
            if pending[dependent] == 0 {
                ready.push((key(dependent), dependent));
            }
        }
    }
    // A cycle cannot reach a compiled plan; should one slip through, keep it last.
    order.extend(
        (0..count)
            .filter(|&k| !placed[k])
            .map(|k| ServiceId(k as u32)),
    );
    order
}
