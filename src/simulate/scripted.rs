//! Scripted scenarios replayed as a discrete-event simulation over the compiled model:
//! failures at times of the week, detection, standby lead times, restores with limited
//! parallelism, boot, corrupt restore points and failed changes rolled back. Pure: no
//! I/O and no randomness (a backup's `fail-probability` is Monte Carlo's business).
//!
//! The figures the model does not declare, and what the simulation assumes instead:
//! - a restore is verified in [`VERIFY`] (nothing in a plan states a figure);
//! - a server's failed local disk (`fail disk of SERVER`) is swapped in [`DISK_SWAP`]
//!   unless a covering standby is ready sooner;
//! - a `rollback restore-snapshot` reverts each service in [`SNAPSHOT_REVERT`], a
//!   rollback command runs for [`ROLLBACK_COMMAND`]; both are followed by the boot.

mod engine;
mod points;

use crate::graph::{Edge, Graph};
use crate::model::{
    BackupId, Bytes, BytesPerSecond, Component, EventKind, Plan, ScenarioId, Seconds, ServiceId,
    StandbyId, MINUTES_PER_WEEK,
};
use petgraph::Direction;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeSet;

/// Time to verify a restored service before it boots: none is declared, so 0.
pub const VERIFY: Seconds = 0;
/// Time to replace a server's failed local disk.
pub const DISK_SWAP: Seconds = 4 * 3600;
/// Time to revert one service to the snapshot taken before a change.
pub const SNAPSHOT_REVERT: Seconds = 15 * 60;
/// Time a rollback command (`rollback "…"`) runs.
pub const ROLLBACK_COMMAND: Seconds = 30 * 60;

/// Replay one scenario of a compiled plan (one without errors).
pub fn run(plan: &Plan, graph: &Graph, scenario: ScenarioId) -> Report {
    engine::Engine::new(plan, graph, scenario).run()
}

/// Components that sit on `target` (itself included): what runs on it, uses it, or
/// stands at it, following every edge of the graph but `needs`.
pub fn below(graph: &Graph, target: Component) -> BTreeSet<Component> {
    let mut found = BTreeSet::from([target]);
    let mut stack = vec![graph.node(target)];
    while let Some(node) = stack.pop() {
        for edge in graph.graph.edges_directed(node, Direction::Incoming) {
            let (kind, _) = *edge.weight();
            if kind == Edge::Needs {
                continue;
            }
            let source = petgraph::visit::EdgeRef::source(&edge);
            let component = graph.component(source);
            if found.insert(component) {
                stack.push(source);
            }
        }
    }
    found
}

/// What one scenario takes down, for drawing: what its events name, and what the replay
/// lost with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlastRadius {
    /// Components a `fail` event names, and the targets of a change that fails its
    /// verification.
    pub failed: BTreeSet<Component>,
    /// Backups a `corrupt` event names.
    pub corrupted: BTreeSet<BackupId>,
    /// What goes down with them (never a failed component): what sits on a failed
    /// component (not for `fail disk of`), and every service the replay took down.
    pub down: BTreeSet<Component>,
    /// Standbys lost with their site (the replay does not use them).
    pub lost_standbys: BTreeSet<StandbyId>,
}

/// Replay a scenario and collect its blast radius.
pub fn blast_radius(plan: &Plan, graph: &Graph, scenario: ScenarioId) -> BlastRadius {
    let report = run(plan, graph, scenario);
    let mut radius = BlastRadius::default();
    for event in &plan.scenarios[scenario.index()].events {
        match event.kind {
            EventKind::Fail { target, disk_only } => {
                radius.failed.insert(target);
                if !disk_only {
                    radius.down.extend(below(graph, target));
                }
            }
            EventKind::Corrupt { backup } => {
                radius.corrupted.insert(backup);
            }
            EventKind::FailVerify { change } => {
                radius
                    .failed
                    .extend(plan.change(change).targets.iter().map(|t| t.id));
            }
        }
    }
    // By name, the first written as a search would find it: one search per lost
    // service made a large loss quadratic.
    let mut service_id: FxHashMap<&str, ServiceId> = FxHashMap::default();
    for (k, service) in plan.services.iter().enumerate() {
        service_id
            .entry(service.name.as_str())
            .or_insert(ServiceId(k as u32));
    }
    for lost in &report.services {
        if let Some(&id) = service_id.get(lost.service.as_str()) {
            radius.down.insert(Component::Service(id));
        }
    }
    for (k, standby) in plan.standbys.iter().enumerate() {
        let site = standby.site.map(|s| Component::Site(s.id));
        if site.is_some_and(|s| radius.failed.contains(&s)) {
            radius.lost_standbys.insert(StandbyId(k as u32));
        }
    }
    let failed = radius.failed.clone();
    radius.down.retain(|c| !failed.contains(c));
    radius
}

/// The replay of one scenario: its timeline, every service it took down, and its
/// expectations.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub description: Option<String>,
    /// When the clock starts: the scenario's first event.
    pub start: Time,
    pub detect: Seconds,
    pub restore_parallelism: u64,
    pub timeline: Vec<Entry>,
    /// Services that were down at some point, in written order.
    pub services: Vec<ServiceReport>,
    pub expectations: Vec<ExpectationReport>,
}

impl Report {
    /// Whether any expectation of the scenario does not hold.
    pub fn has_failed_expectation(&self) -> bool {
        self.expectations.iter().any(|e| !e.holds)
    }

    /// The result for one service, by name, if it was down.
    pub fn service(&self, name: &str) -> Option<&ServiceReport> {
        self.services.iter().find(|s| s.service == name)
    }
}

/// A moment of the replay: seconds (and whole minutes) since the first event, and the
/// day and clock of the week, with the week counted from the first event's (0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Time {
    pub seconds: Seconds,
    pub minute: u64,
    pub week: u64,
    /// `sat 02:00`.
    pub clock: String,
}

impl Time {
    /// The moment `seconds` after a first event at `start` (minutes since Monday 00:00).
    pub fn at(start: u32, seconds: Seconds) -> Self {
        let of_week = u64::from(start % MINUTES_PER_WEEK) + seconds / 60;
        let week = of_week / u64::from(MINUTES_PER_WEEK);
        let minute = (of_week % u64::from(MINUTES_PER_WEEK)) as u32;
        Time {
            seconds,
            minute: seconds / 60,
            week,
            clock: clock(minute),
        }
    }
}

/// `sat 02:00` from minutes since Monday 00:00.
fn clock(minute: u32) -> String {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = (minute / 1440) as usize % 7;
    let in_day = minute % 1440;
    format!("{} {:02}:{:02}", DAYS[day], in_day / 60, in_day % 60)
}

/// One line of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub time: Time,
    #[serde(flatten)]
    pub event: Happening,
}

/// The cause `Happening::Down` gives for a service taken down by a change that failed
/// its verification: how a runbook finds the change that took a service down.
pub(crate) fn failed_verification(change: &str) -> String {
    format!("`{change}` failed its verification")
}

/// What happened. Names are as written in the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "event")]
pub enum Happening {
    /// A scenario `fail` event.
    Failed { component: String, disk_only: bool },
    /// A scenario `corrupt` event: the backup's newest restore point is unusable.
    Corrupted { backup: String },
    /// A scenario `fail-verify` event, and the go/no-go deadline it waits for.
    VerificationFailed {
        change: String,
        go_no_go: Option<Time>,
    },
    /// Services go down: their host or data was lost, or a change took them out.
    Down {
        services: Vec<String>,
        cause: String,
    },
    /// Services are unavailable because a service they need is down.
    Unavailable { services: Vec<String>, need: String },
    /// The failure is noticed (`detect` after it).
    Detected { services: Vec<String> },
    /// The go/no-go deadline of a failed change: the rollback starts.
    NoGo { change: String, rollback: String },
    /// A place to run is ready: a standby, a failover target, a repaired server.
    PlaceReady {
        services: Vec<String>,
        /// In words, for people.
        place: String,
        /// The same, for tools that act on it (runbooks).
        #[serde(skip)]
        venue: Venue,
    },
    /// A restore starts.
    RestoreStarted {
        service: String,
        backup: Option<String>,
        data: Option<Bytes>,
        rate: Option<BytesPerSecond>,
        seconds: Seconds,
        /// From an older restore point than the newest (the newest was corrupt).
        is_fallback: bool,
    },
    /// A running restore is abandoned: its restore point is corrupt.
    RestoreAborted { service: String, backup: String },
    /// A restore (or a revert) finished and was verified.
    Restored { service: String },
    /// A service that was down is available again.
    Back { services: Vec<String> },
    /// A service cannot come back, and why.
    NotRecovered { service: String, reason: String },
}

/// Where a lost service runs again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Venue {
    /// Its own (surviving or repaired) host.
    #[default]
    OwnHost,
    /// A standby, by name.
    Standby(String),
    /// Its `failover` target, by name.
    Failover(String),
    /// A server, by name, once its failed disk is replaced.
    NewDisk(String),
    /// A vm lost on its own, built again on its server, which still runs.
    Rebuilt { vm: String, server: String },
    /// The failed change's rollback command brought it back.
    Rollback,
}

/// How much data a service lost, and how that figure was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataLossBasis {
    /// Nothing lost: no data of its own, a dependency outage only, or a rollback to a
    /// restore point taken right before the change.
    None,
    /// From the failure's clock time against the schedule's `at` time.
    Exact,
    /// The worst case within the schedule (no clock time, or an off-site rotation).
    WorstCase,
    /// No restore point survives: everything is lost.
    NoRestorePoint,
}

/// One service the scenario took down.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReport {
    pub service: String,
    pub down_at: Time,
    /// When it is available again for good; `None` when it never comes back.
    pub back_at: Option<Time>,
    pub outage: Option<Seconds>,
    /// Why it went down.
    pub cause: String,
    /// Where and how it came back, or why it did not.
    pub recovery: String,
    /// Data lost; `None` when no restore point survives.
    pub data_lost: Option<Seconds>,
    pub data_loss_basis: DataLossBasis,
    /// The backup it was restored from.
    pub restored_from: Option<String>,
}

/// One `expect` of the scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectationReport {
    pub service: String,
    pub rto: Option<Check>,
    pub rpo: Option<Check>,
    pub holds: bool,
}

/// An objective against what happened; `actual` is `None` when unbounded (never back,
/// or no restore point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    pub limit: Seconds,
    pub actual: Option<Seconds>,
    pub holds: bool,
}

impl Check {
    fn new(limit: Seconds, actual: Option<Seconds>) -> Self {
        Check {
            limit,
            actual,
            holds: actual.is_some_and(|a| a <= limit),
        }
    }
}

#[cfg(test)]
mod tests;
