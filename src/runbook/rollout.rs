//! The runbook of a rollout: per stage, each change's pre-checks, snapshot or backup,
//! the change, its verification, the go/no-go and the soak; rollback steps apart,
//! referenced from every step that can fail.

use super::document::{Action, Drill, Gate, Phase, Runbook, RunbookKind, Step, FORMAT_VERSION};
use super::{action, fill_clock, gate, set_timeouts, sort_steps, step, who, Contacts, MIN_TIMEOUT};
use crate::analysis::estimate::{format_bytes, restore_from};
use crate::analysis::timing::arithmetic::format_minute;
use crate::analysis::timing::estimate::{estimate, Hosted};
use crate::analysis::timing::stage_timelines;
use crate::analysis::Context;
use crate::graph::Graph;
use crate::model::{
    Change, Component, Plan, RollbackPlan, Rollout, RolloutId, Seconds, ServiceId, VerifyKind,
};
use crate::simulate::scripted::{ROLLBACK_COMMAND, SNAPSHOT_REVERT};
use crate::syntax::units::{format_duration, format_time_of_week};

/// Seconds between two runs of a stop condition while a stage soaks.
const SOAK_INTERVAL: Seconds = 5 * 60;

/// When each stage starts, dated as `check` dates them, so that the runbook's clock
/// waits for a stage's window instead of starting it right after the last soak (a
/// Monday-morning stage after a weekend one is a week later, not two days).
struct StageDates<'a> {
    rollout: &'a Rollout,
    /// Each stage's start, in minutes since 1970-01-01; `None` without a window.
    starts: Vec<Option<i64>>,
    /// The minute the runbook's clock 0 stands for: the first stage's start.
    origin: Option<i64>,
    /// The steps counted into `elapsed`, and their expected time: a rollout's steps
    /// form one chain (each waits for the one before), so the clock after them is
    /// their sum, kept as they come rather than summed again for each stage.
    counted: usize,
    elapsed: Seconds,
}

impl<'a> StageDates<'a> {
    fn new(context: &Context<'a>, id: RolloutId) -> StageDates<'a> {
        let starts: Vec<Option<i64>> = stage_timelines(context, id)
            .iter()
            .map(|timeline| timeline.start)
            .collect();
        StageDates {
            rollout: &context.plan.rollouts[id.index()],
            origin: starts.first().copied().flatten(),
            starts,
            counted: 0,
            elapsed: 0,
        }
    }

    /// A step that waits for stage `index`'s window, when the runbook's clock after
    /// the `steps` so far is earlier than the stage's start.
    fn wait(&mut self, index: usize, steps: &[Step], escalate_to: &str) -> Option<Step> {
        self.elapsed += steps[self.counted..]
            .iter()
            .map(|s| s.expected_seconds)
            .sum::<Seconds>();
        self.counted = steps.len();
        let now = self.elapsed;
        let (origin, start) = (self.origin?, self.starts[index]?);
        if index == 0 {
            return None;
        }
        let due = Seconds::try_from(start - origin).ok()? * 60;
        if due <= now {
            return None;
        }
        let stage = &self.rollout.stages[index];
        let window = stage.window.or(self.rollout.window)?;
        let before = &self.rollout.stages[index - 1];
        let after = match before.soak.or(self.rollout.soak) {
            Some(soak) if soak > 0 => format!("stage {}'s soak", before.name),
            _ => format!("stage {}", before.name),
        };
        let opens = match self.rollout.starts {
            Some(_) => format!("opens {}", format_minute(start)),
            None => format!("is expected to open {} later", format_duration(due - now)),
        };
        let mut s = step(
            format!("{}.wait", stage.name),
            Phase::Stage,
            format!("Wait for the window of stage {}", stage.name),
            Action::manual(format!(
                "Start stage {} only in its window, {window}. The first one after {after} {opens}. Confirm when it is open.",
                stage.name
            )),
        );
        s.stage = Some(stage.name.to_string());
        s.expected_seconds = due - now;
        s.drill = Drill::Skip;
        s.on_failure = format!(
            "Do not start stage {} outside its window: move it to a later one and tell {escalate_to}.",
            stage.name
        );
        Some(s)
    }
}

/// Build the runbook of one rollout of a compiled plan without errors.
pub fn rollout(plan: &Plan, graph: &Graph, id: RolloutId) -> Runbook {
    let context = Context::new(plan, graph);
    let mut hosted = Hosted::new(graph.graph.node_count());
    let record = &plan.rollouts[id.index()];
    let role_name = |r: crate::model::RoleId| plan.roles[r.index()].name.to_string();
    let escalation = plan.settings.escalation.map(|r| r.id);
    let rollout_owner = record.owner.or(plan.settings.owner).map(|r| r.id);
    let escalate_to = who(plan, escalation.or(rollout_owner))
        .unwrap_or_else(|| "the rollout's owner".to_string());
    let mut contacts = Contacts::default();
    contacts.add(rollout_owner, "owner");
    contacts.add(escalation, "escalation");

    let mut steps: Vec<Step> = Vec::new();
    let mut rollback_steps: Vec<Step> = Vec::new();
    let mut previous: Vec<String> = Vec::new();
    let mut dates = StageDates::new(&context, id);
    for (stage_index, stage) in record.stages.iter().enumerate() {
        if let Some(wait) = dates.wait(stage_index, &steps, &escalate_to) {
            let mut s = wait;
            s.owner = rollout_owner.map(role_name);
            s.after = std::mem::replace(&mut previous, vec![s.id.clone()]);
            steps.push(s);
        }
        for role in &stage.roles {
            contacts.add(Some(role.id), "team");
        }
        let stage_owner = stage.roles.first().map(|r| r.id).or(rollout_owner);
        let mut stage_rollback: Vec<String> = Vec::new();
        let mut stage_services: Vec<ServiceId> = Vec::new();
        for change in &stage.changes {
            for role in &change.roles {
                contacts.add(Some(role.id), "team");
            }
            let owner = change
                .roles
                .first()
                .map(|r| r.id)
                .or(stage_owner)
                .map(role_name);
            let prefix = format!("{}.{}", stage.name, change.name);
            let services = hosted.services(&context, change);
            stage_services.extend(services.iter().copied());
            let targets = change
                .targets
                .iter()
                .map(|t| plan.component_name(t.id))
                .collect::<Vec<_>>()
                .join(", ");

            // Rollback steps first: the steps that can fail name them.
            let rollback = rollback_for(plan, &context, change, &prefix, &services, &escalate_to);
            let rollback_ids: Vec<String> = rollback.iter().map(|s| s.id.clone()).collect();
            rollback_steps.extend(rollback);
            let no_rollback = if rollback_ids.is_empty() {
                format!(" No rollback is declared: stop and call {escalate_to}.")
            } else {
                " Then run the rollback.".to_string()
            };

            let mut push = |mut s: Step, after: &mut Vec<String>| {
                s.stage = Some(stage.name.to_string());
                if s.owner.is_none() {
                    s.owner.clone_from(&owner);
                }
                s.after = std::mem::replace(after, vec![s.id.clone()]);
                steps.push(s);
            };
            for (n, text) in change.prechecks.iter().enumerate() {
                let mut s = step(
                    format!("{prefix}.precheck-{}", n + 1),
                    Phase::Stage,
                    format!("Pre-check {} of {}", n + 1, change.name),
                    Action::manual(format!("Confirm: {text}")),
                );
                s.on_failure = format!(
                    "Stop: do not start {}. Fix the cause and run this check again; never restart the change without it.",
                    change.name
                );
                push(s, &mut previous);
            }
            if change.has_snapshot_before {
                let mut s = step(
                    format!("{prefix}.snapshot"),
                    Phase::Stage,
                    format!("Snapshot what {} touches", change.name),
                    Action::manual(format!(
                        "Take a snapshot of {targets} right before the change, after users are off; note the snapshot names."
                    )),
                );
                s.drill = Drill::Skip;
                s.on_failure = format!("Stop: do not start {} without its snapshot.", change.name);
                push(s, &mut previous);
            }
            if change.has_backup_before {
                let (seconds, what) = backup_before(plan, &context, &services);
                let mut s = step(
                    format!("{prefix}.backup"),
                    Phase::Stage,
                    format!("Back up what {} touches", change.name),
                    Action::manual(format!(
                        "Take a full, app-consistent backup {what} after users are off; verify it finished{}.",
                        if seconds > 0 {
                            format!(" (expected {})", format_duration(seconds))
                        } else {
                            String::new()
                        }
                    )),
                );
                s.expected_seconds = seconds;
                s.drill = Drill::Skip;
                s.on_failure = format!(
                    "Stop: do not start {} without a verified backup taken while nobody was using it.",
                    change.name
                );
                push(s, &mut previous);
            }
            let estimate = estimate(&context, &mut hosted, change);
            let mut s = step(
                format!("{prefix}.change"),
                Phase::Stage,
                describe_change(change, &targets),
                action(change.run_command.as_deref(), || {
                    format!(
                        "{}; expected {} ({}).",
                        describe_change(change, &targets),
                        format_duration(estimate.total()),
                        estimate.describe()
                    )
                }),
            );
            s.expected_seconds = estimate.total();
            s.drill = Drill::Skip;
            s.on_failure = format!(
                "Do not restart {} blindly: record the error and tell {escalate_to}.{no_rollback}",
                change.name
            );
            s.rollback.clone_from(&rollback_ids);
            push(s, &mut previous);
            for &service in &services {
                let record = &plan.services[service.index()];
                if record.check_command().is_none() {
                    continue;
                }
                let mut s = step(
                    format!("{prefix}.check.{}", record.name),
                    Phase::Stage,
                    format!("Check {} serves after {}", record.name, change.name),
                    action(record.check_command(), String::new),
                );
                s.gate = gate(record.check_command(), record.boot);
                s.on_failure = format!(
                    "{} does not serve after {}.{no_rollback}",
                    record.name, change.name
                );
                s.rollback.clone_from(&rollback_ids);
                push(s, &mut previous);
            }
            for (n, verification) in change.verifications.iter().enumerate() {
                let kind = match verification.kind {
                    VerifyKind::Smoke => "smoke test",
                    VerifyKind::LoadTest => "load test",
                    VerifyKind::Integrity => "integrity check",
                    VerifyKind::Manual => "manual check",
                };
                let mut s = step(
                    format!("{prefix}.verify-{}", n + 1),
                    Phase::Stage,
                    format!("Verify {} ({kind})", change.name),
                    Action::manual(format!(
                        "Run the {kind}: {}",
                        verification
                            .command
                            .clone()
                            .unwrap_or_else(|| format!("confirm {} works", change.name))
                    )),
                );
                if verification.kind == VerifyKind::LoadTest {
                    s.drill = Drill::Skip;
                }
                s.on_failure = format!(
                    "Record the failure; do not fix forward past the go/no-go.{no_rollback}"
                );
                s.rollback.clone_from(&rollback_ids);
                push(s, &mut previous);
            }
            stage_rollback.extend(rollback_ids);
        }
        // Go/no-go: the stage's deadline, else the earliest of its changes'.
        let deadline = stage
            .go_no_go
            .or_else(|| stage.changes.iter().filter_map(|c| c.go_no_go).min());
        let mut decision = step(
            format!("{}.go-no-go", stage.name),
            Phase::Stage,
            format!("Go/no-go for stage {}", stage.name),
            Action::manual(format!(
                "Decide{}: go when every check and verification above passed; otherwise no-go and run the rollback.",
                deadline.map_or(String::new(), |d| format!(" by {}", format_time_of_week(d)))
            )),
        );
        decision.stage = Some(stage.name.to_string());
        decision.owner = escalation.or(rollout_owner).map(role_name);
        decision.after = std::mem::take(&mut previous);
        decision.on_failure = format!(
            "No decision by the deadline is a no-go.{}",
            if stage_rollback.is_empty() {
                format!(" No rollback is declared: call {escalate_to}.")
            } else {
                " Run the rollback.".to_string()
            }
        );
        // Rollbacks undo the changes in reverse order.
        decision.rollback = reversed(&stage_rollback, &rollback_steps);
        previous = vec![decision.id.clone()];
        steps.push(decision);
        let soak = stage.soak.or(record.soak).unwrap_or(0);
        if soak > 0 {
            // Every changed service's check: the stage soaks until one of them fails.
            let mut checks: Vec<&str> = Vec::new();
            for service in &stage_services {
                if let Some(check) = plan.services[service.index()].check_command() {
                    if !checks.contains(&check) {
                        checks.push(check);
                    }
                }
            }
            let probe = match checks.as_slice() {
                [] => None,
                [check] => Some(check.to_string()),
                _ => Some(
                    checks
                        .iter()
                        .map(|check| format!("({check})"))
                        .collect::<Vec<_>>()
                        .join(" && "),
                ),
            };
            let mut s = step(
                format!("{}.soak", stage.name),
                Phase::Stage,
                format!("Soak stage {} for {}", stage.name, format_duration(soak)),
                Action::manual(format!(
                    "Watch the changed services in production for {} {}; a sev-1 incident is a no-go.",
                    format_duration(soak),
                    if stage_index + 1 < record.stages.len() {
                        "before the next stage starts"
                    } else {
                        "before the rollout is called done"
                    }
                )),
            );
            s.stage = Some(stage.name.to_string());
            s.owner = rollout_owner.map(role_name);
            s.after = std::mem::take(&mut previous);
            s.expected_seconds = soak;
            s.stop_if = probe.map(|command| Gate {
                command,
                // The time one probe may take, as for any command; the soak is the step's.
                timeout_seconds: MIN_TIMEOUT,
                interval_seconds: SOAK_INTERVAL,
            });
            s.drill = Drill::Skip;
            s.on_failure = format!("Stop the rollout and tell {escalate_to}; run the rollback if the change is the cause.");
            s.rollback = reversed(&stage_rollback, &rollback_steps);
            previous = vec![s.id.clone()];
            steps.push(s);
        }
    }
    set_timeouts(&mut steps);
    set_timeouts(&mut rollback_steps);
    fill_clock(&mut steps, 0);
    // Rollback steps are timed from the start of their own run.
    fill_clock(&mut rollback_steps, 0);
    steps.extend(rollback_steps);
    let steps = sort_steps(steps);
    Runbook {
        format: FORMAT_VERSION,
        plan: plan.name.to_string(),
        kind: RunbookKind::Rollout,
        name: record.name.to_string(),
        title: record
            .description
            .clone()
            .unwrap_or_else(|| format!("Roll out {} of plan {}", record.name, plan.name)),
        rto_seconds: None,
        parallelism: plan
            .settings
            .restore_parallelism
            .clamp(1, u64::from(u32::MAX)) as u32,
        contacts: contacts.build(plan),
        steps,
    }
}

/// The rollback steps of a stage, last change first, each change's steps in order.
fn reversed(ids: &[String], rollback_steps: &[Step]) -> Vec<String> {
    let mut changes: Vec<Vec<String>> = Vec::new();
    for id in ids {
        let change = change_prefix(id);
        match changes.last_mut() {
            Some(group) if change_prefix(&group[0]) == change => group.push(id.clone()),
            _ => changes.push(vec![id.clone()]),
        }
    }
    debug_assert!(ids
        .iter()
        .all(|i| rollback_steps.iter().any(|s| s.id == *i)));
    changes.into_iter().rev().flatten().collect()
}

/// `stage.change` of a rollback step id `stage.change.rollback…`.
fn change_prefix(id: &str) -> &str {
    id.find(".rollback").map_or(id, |i| &id[..i])
}

fn describe_change(change: &Change, targets: &str) -> String {
    let mut text = format!("{} {targets}", kind_verb(change));
    if let Some(from) = &change.from {
        text.push_str(&format!(" from {from}"));
    }
    if let Some(to) = &change.to {
        text.push_str(&format!(" to {to}"));
    }
    text
}

fn kind_verb(change: &Change) -> &'static str {
    use crate::model::ChangeKind::*;
    match change.kind {
        Upgrade => "Upgrade",
        Migrate => "Migrate",
        Clone => "Clone",
        Install => "Install",
        Config => "Reconfigure",
        Hardware => "Change the hardware of",
        Move => "Move",
    }
}

/// The backup of each service with data before a change: its duration, sized like its
/// restore, and a description naming the backups.
fn backup_before(plan: &Plan, context: &Context, services: &[ServiceId]) -> (Seconds, String) {
    let mut seconds = 0;
    let mut parts = Vec::new();
    for &service in services {
        let record = &plan.services[service.index()];
        let Some(&backup) = context.backups_of(service).first() else {
            if record.data.is_some() {
                parts.push(format!("of {}", record.name));
            }
            continue;
        };
        let restore = restore_from(plan, service, backup);
        seconds += restore.seconds;
        parts.push(format!(
            "of {}{} with {}",
            record.name,
            restore
                .data
                .map_or(String::new(), |d| format!(" ({})", format_bytes(d))),
            plan.backups[backup.index()].name
        ));
    }
    if parts.is_empty() {
        parts.push("of what it touches".to_string());
    }
    (seconds, parts.join(", "))
}

/// The rollback-phase steps of one change.
fn rollback_for(
    plan: &Plan,
    context: &Context,
    change: &Change,
    prefix: &str,
    services: &[ServiceId],
    escalate_to: &str,
) -> Vec<Step> {
    let mut steps = Vec::new();
    let chain = |mut s: Step, steps: &mut Vec<Step>| {
        if let Some(last) = steps.last() {
            s.after = vec![last.id.clone()];
        }
        s.drill = Drill::Skip;
        if s.on_failure.is_empty() {
            s.on_failure = format!("Stop and call {escalate_to}.");
        }
        steps.push(s);
    };
    match &change.rollback {
        None | Some(RollbackPlan::None) => return steps,
        Some(RollbackPlan::RestoreSnapshot) => {
            let targets: Vec<&str> = change
                .targets
                .iter()
                .filter(|t| matches!(t.id, Component::Vm(_) | Component::Server(_)))
                .map(|t| plan.component_name(t.id))
                .collect();
            let mut s = step(
                format!("{prefix}.rollback.revert"),
                Phase::Rollback,
                format!("Revert {} to its snapshot", change.name),
                Action::manual(format!(
                    "Revert {} to the snapshot taken before {}.",
                    if targets.is_empty() {
                        "what it touched".to_string()
                    } else {
                        targets.join(", ")
                    },
                    change.name
                )),
            );
            s.expected_seconds = SNAPSHOT_REVERT;
            chain(s, &mut steps);
        }
        Some(RollbackPlan::RestoreBackup) => {
            // Every touched service with a backup is restored, with data declared or
            // not (its configuration and programs are in the backup too).
            for &service in services {
                let record = &plan.services[service.index()];
                let Some(&backup) = context.backups_of(service).first() else {
                    continue;
                };
                let restore = restore_from(plan, service, backup);
                let backup = &plan.backups[backup.index()];
                let mut s = step(
                    format!("{prefix}.rollback.restore.{}", record.name),
                    Phase::Rollback,
                    format!("Restore {} from {}", record.name, backup.name),
                    action(backup.restore_command(), || {
                        format!(
                            "Restore {} from the backup taken before {} with {}; expected {}.",
                            record.name,
                            change.name,
                            backup.name,
                            format_duration(restore.seconds)
                        )
                    }),
                );
                s.expected_seconds = restore.seconds;
                s.on_failure = format!(
                    "Do not restart the restore blindly: check the restore point, use the one before it, and tell {escalate_to}."
                );
                chain(s, &mut steps);
            }
            if steps.is_empty() {
                // No declared backup: what `backup before` took is what there is.
                let s = step(
                    format!("{prefix}.rollback.restore"),
                    Phase::Rollback,
                    format!("Restore what {} touched", change.name),
                    Action::manual(format!(
                        "Restore what {} touched from the backup taken before it.",
                        change.name
                    )),
                );
                chain(s, &mut steps);
            }
        }
        Some(RollbackPlan::Command(text)) => {
            let mut s = step(
                format!("{prefix}.rollback.procedure"),
                Phase::Rollback,
                format!("Roll back {}", change.name),
                Action::manual(text.clone()),
            );
            s.expected_seconds = ROLLBACK_COMMAND;
            chain(s, &mut steps);
        }
    }
    for &service in services {
        let record = &plan.services[service.index()];
        let mut s = step(
            format!("{prefix}.rollback.start.{}", record.name),
            Phase::Rollback,
            format!("Start {} on the old version", record.name),
            action(record.start_command(), || {
                format!("Start {} and confirm it runs the old version.", record.name)
            }),
        );
        s.expected_seconds = record.boot;
        s.gate = gate(record.check_command(), record.boot);
        chain(s, &mut steps);
    }
    steps
}
