//! The runbook's machine form: what `drplan runbook --format json` writes and
//! `drplan exec` reads. This is a stable, documented contract (book: "Runbook JSON");
//! change it only by raising [`FORMAT_VERSION`].
//!
//! A runbook is a list of steps forming a DAG through `after`. Steps run in
//! dependency order; steps whose dependencies are all done may run at once, up
//! to `parallelism` (steps that share a `group` are the ones the plan expects to
//! run side by side, like restores of independent services).

use serde::{Deserialize, Serialize};

/// Raised on any incompatible change of the document.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Runbook {
    /// Always [`FORMAT_VERSION`]; readers refuse other versions.
    pub format: u32,
    /// The plan's name.
    pub plan: String,
    /// What the runbook recovers from or rolls out.
    pub kind: RunbookKind,
    /// The scenario's or rollout's name.
    pub name: String,
    /// One line saying what this runbook is for.
    pub title: String,
    /// The recovery objective the clock is measured against, in seconds
    /// (the smallest RTO of the services the scenario takes down); none for rollouts.
    pub rto_seconds: Option<u64>,
    /// How many steps may run at once (the plan's `restore-parallelism`).
    pub parallelism: u32,
    /// Who is called, and how: activation and escalation contacts.
    pub contacts: Vec<Contact>,
    /// Every step, in a valid execution order (each step after all of its `after`).
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunbookKind {
    Scenario,
    Rollout,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Contact {
    /// The role's name in the plan.
    pub role: String,
    /// `owner`, `escalation`, `on-call`, `vendor`, `team`.
    pub kind: String,
    pub person: Option<String>,
    pub contacts: Vec<String>,
}

/// The NIST SP 800-34 phase (scenarios) or the rollout part a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Activation and notification: declare the incident, call people.
    Activation,
    /// Recovery: standby, restores, boot, verification, hand-back.
    Recovery,
    /// Reconstitution: validation, then failback in reverse dependency order.
    Reconstitution,
    /// A rollout stage's pre-checks, snapshot, change, verification and go/no-go.
    Stage,
    /// Steps that run only when a run is rolled back (never in order).
    Rollback,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Step {
    /// Unique within the runbook; `[a-z0-9][a-z0-9.-]*`, safe in file names and shells.
    pub id: String,
    pub phase: Phase,
    /// For rollouts, the stage's name; for scenarios, none.
    pub stage: Option<String>,
    /// What is done, for people ("Restore ehr-db from ehr-nightly").
    pub title: String,
    /// The role that does it, when the plan says.
    pub owner: Option<String>,
    /// Steps that must be done before this one starts.
    pub after: Vec<String>,
    /// Steps sharing a group are expected to run concurrently.
    pub group: Option<String>,
    /// Expected duration in seconds.
    pub expected_seconds: u64,
    /// Expected time from the start of the run to the end of this step, in seconds.
    pub clock_seconds: u64,
    /// What to run, or what a person must do.
    pub action: Action,
    /// Kill the command and fail the step after this many seconds.
    pub timeout_seconds: Option<u64>,
    /// How the step behaves under `drplan exec --drill`.
    pub drill: Drill,
    /// A readiness gate: must pass after the action before dependants start.
    pub gate: Option<Gate>,
    /// A health probe checked while the run goes on; when it fails the run stops
    /// and the rollback starts.
    pub stop_if: Option<Gate>,
    /// What to do when the step fails, for people.
    pub on_failure: String,
    /// Ids of `rollback`-phase steps to run, in order, when this step fails or a
    /// stop condition fires after it started (empty: stop and ask the operator).
    pub rollback: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", deny_unknown_fields)]
pub enum Action {
    /// A shell command run with `sh -c`; exit status 0 is success.
    Command { command: String },
    /// A person does it and confirms.
    Manual { instruction: String },
}

impl Action {
    /// A step a person does and confirms.
    pub fn manual(instruction: impl Into<String>) -> Action {
        Action::Manual {
            instruction: instruction.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "mode", deny_unknown_fields)]
pub enum Drill {
    /// Safe to run as written in a drill.
    Run,
    /// Run this command instead in a drill (a restore into an isolated network).
    Substitute { command: String },
    /// Not run in a drill (it would touch production).
    Skip,
}

/// A check command retried until it passes or the timeout expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Gate {
    pub command: String,
    pub timeout_seconds: u64,
    /// Seconds between attempts.
    pub interval_seconds: u64,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.id == id)
    }

    /// Each step's `after` as positions in `steps` (ids that name no step are left out).
    pub fn dependencies(&self) -> Vec<Vec<usize>> {
        let index: std::collections::HashMap<&str, usize> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| (step.id.as_str(), i))
            .collect();
        self.steps
            .iter()
            .map(|step| {
                step.after
                    .iter()
                    .filter_map(|id| index.get(id.as_str()).copied())
                    .collect()
            })
            .collect()
    }
}
