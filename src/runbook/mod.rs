//! Runbooks: the ordered steps that recover from a scenario or roll out a change,
//! built from the checked plan. `document` is the machine form shared with `exec`.
//! Builds documents only; rendering them as text is `emit::runbook`'s business.
//!
//! Figures the plan does not state, and what a runbook assumes instead:
//! - a command times out after twice its expected duration, and never before
//!   [`MIN_TIMEOUT`];
//! - a readiness gate is retried every [`GATE_INTERVAL`] for twice the expected time of
//!   the step before it, and at least [`MIN_TIMEOUT`];
//! - people's steps with no figure in the plan (a pre-check, a call) count as 0s.

pub mod document;
mod index;
mod rollout;
mod scenario;

pub use rollout::rollout;
pub use scenario::scenario;

use crate::model::{Plan, RoleId, RoleKind, Seconds};
use document::{Action, Contact, Drill, Gate, Phase, Step};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A command is killed and its step failed after no less than this.
pub const MIN_TIMEOUT: Seconds = 10 * 60;
/// Seconds between two attempts of a readiness gate.
pub const GATE_INTERVAL: Seconds = 30;

/// Timeout of a command expected to take `expected`.
fn timeout(expected: Seconds) -> Seconds {
    expected.saturating_mul(2).max(MIN_TIMEOUT)
}

/// A readiness gate running `command` after a step expected to take `expected`.
fn gate(command: Option<&str>, expected: Seconds) -> Option<Gate> {
    command.map(|command| Gate {
        command: command.to_string(),
        timeout_seconds: timeout(expected),
        interval_seconds: GATE_INTERVAL,
    })
}

/// A command when the plan gives one, else an instruction for people.
fn action(command: Option<&str>, instruction: impl FnOnce() -> String) -> Action {
    match command {
        Some(command) => Action::Command {
            command: command.to_string(),
        },
        None => Action::manual(instruction()),
    }
}

/// A step with the fields every builder fills the same way; the rest are set by the caller.
fn step(id: impl Into<String>, phase: Phase, title: impl Into<String>, action: Action) -> Step {
    Step {
        id: id.into(),
        phase,
        stage: None,
        title: title.into(),
        owner: None,
        after: Vec::new(),
        group: None,
        expected_seconds: 0,
        clock_seconds: 0,
        action,
        timeout_seconds: None,
        drill: Drill::Run,
        gate: None,
        stop_if: None,
        on_failure: String::new(),
        rollback: Vec::new(),
    }
}

/// Give command steps their timeout (manual steps wait for people).
fn set_timeouts(steps: &mut [Step]) {
    for step in steps {
        if matches!(step.action, Action::Command { .. }) {
            step.timeout_seconds = Some(timeout(step.expected_seconds));
        }
    }
}

/// Roles to call, in first-mentioned order, each once.
#[derive(Default)]
struct Contacts {
    roles: Vec<(RoleId, &'static str)>,
    /// The roles already added (a runbook adds one per service).
    added: FxHashSet<RoleId>,
}

impl Contacts {
    /// Add a role; `relation` is the kind used when the role declares none.
    fn add(&mut self, role: Option<RoleId>, relation: &'static str) {
        if let Some(role) = role {
            if self.added.insert(role) {
                self.roles.push((role, relation));
            }
        }
    }

    fn build(self, plan: &Plan) -> Vec<Contact> {
        self.roles
            .into_iter()
            .map(|(id, relation)| {
                let role = &plan.roles[id.index()];
                Contact {
                    role: role.name.to_string(),
                    kind: role.kind.map_or(relation, role_kind).to_string(),
                    person: role.person.clone(),
                    contacts: role.contacts.clone(),
                }
            })
            .collect()
    }
}

fn role_kind(kind: RoleKind) -> &'static str {
    match kind {
        RoleKind::Owner => "owner",
        RoleKind::OnCall => "on-call",
        RoleKind::Escalation => "escalation",
        RoleKind::Vendor => "vendor",
        RoleKind::Team => "team",
    }
}

/// `Name (person)` of a role, for instructions.
fn who(plan: &Plan, role: Option<RoleId>) -> Option<String> {
    role.map(|id| {
        let role = &plan.roles[id.index()];
        match &role.person {
            Some(person) => format!("{} ({person})", role.name),
            None => role.name.to_string(),
        }
    })
}

/// Order steps so each comes after all of its `after`, earliest clock first, ties in
/// the order built (Kahn's algorithm, deterministic). Ids are looked up in a map and
/// the ready steps kept in a heap: a runbook has steps per lost service, and scans of
/// every step for each one made large runbooks quadratic.
fn sort_steps(steps: Vec<Step>) -> Vec<Step> {
    let mut with_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, step) in steps.iter().enumerate() {
        with_id.entry(step.id.as_str()).or_default().push(i);
    }
    // A step waits once for each step its `after` names, however often it names it:
    // each of those releases it once (counting a repeated `after` twice left the step
    // waiting for ever).
    let mut waiting = vec![0usize; steps.len()];
    let mut released: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        let mut named: Vec<&str> = step
            .after
            .iter()
            .map(String::as_str)
            .filter(|a| with_id.contains_key(a))
            .collect();
        named.sort_unstable();
        named.dedup();
        for id in named {
            for &j in &with_id[id] {
                released[j].push(i);
                waiting[i] += 1;
            }
        }
    }
    let key = |i: usize| Reverse((steps[i].phase == Phase::Rollback, steps[i].clock_seconds, i));
    let mut ready: BinaryHeap<_> = (0..steps.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(steps.len());
    while order.len() < steps.len() {
        let Reverse((_, _, next)) = ready.pop().expect("step dependencies form no cycle");
        order.push(next);
        for &i in &released[next] {
            waiting[i] -= 1;
            if waiting[i] == 0 {
                ready.push(key(i));
            }
        }
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each step once"))
        .collect()
}

/// The clock of steps without one from the simulation: the latest end of what they
/// come after, plus their own expected time.
fn fill_clock(steps: &mut [Step], from: usize) {
    let mut clocks: Vec<Seconds> = steps.iter().map(|s| s.clock_seconds).collect();
    // The first step of each id, as a search from the start would find.
    let mut first_with_id: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, step) in steps.iter().enumerate() {
        first_with_id.entry(step.id.as_str()).or_insert(i);
    }
    for i in from..steps.len() {
        let start = steps[i]
            .after
            .iter()
            .filter_map(|a| first_with_id.get(a.as_str()))
            .map(|&j| clocks[j])
            .max()
            .unwrap_or(0);
        clocks[i] = start + steps[i].expected_seconds;
    }
    for (step, clock) in steps.iter_mut().zip(clocks).skip(from) {
        step.clock_seconds = clock;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manual(id: &str, after: &[&str]) -> Step {
        let mut s = step(id, Phase::Recovery, id, Action::manual(String::new()));
        s.after = after.iter().map(|a| a.to_string()).collect();
        s
    }

    #[test]
    fn a_step_after_the_same_step_twice_is_still_ordered() {
        // Found by fuzzing: a service that needs another twice waited for its boot twice.
        let steps = vec![
            manual("verify.scanning", &["boot.emr", "boot.emr"]),
            manual("boot.emr", &[]),
            manual("hand-back", &["verify.scanning"]),
        ];
        let ids: Vec<String> = sort_steps(steps).into_iter().map(|s| s.id).collect();
        assert_eq!(ids, ["boot.emr", "verify.scanning", "hand-back"]);
    }
}
