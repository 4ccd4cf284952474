//! One step's attempt: its action (a command, a person's confirmation, or a drill's
//! substitute), then its gate; and the polling of a step's stop condition. Returns
//! what happened; the journal and the order of steps belong to the executor.

use super::executor::Options;
use super::journal::StepOutcome;
use super::process::{self, Exit};
use super::Console;
use crate::runbook::document::{Action, Drill, Gate, Runbook, Step};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// What a step does in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    Command(String),
    Manual(String),
    /// A drill skips it.
    Skip,
}

impl Planned {
    /// The command, or the instruction for a person, as journaled.
    pub fn text(&self) -> String {
        match self {
            Planned::Command(command) => command.clone(),
            Planned::Manual(instruction) => format!("manual: {instruction}"),
            Planned::Skip => "skipped in a drill".to_string(),
        }
    }
}

/// The action of `step`, with the drill's substitution applied when `drill`.
pub fn plan_action(step: &Step, drill: bool) -> Planned {
    match (drill, &step.drill, &step.action) {
        (true, Drill::Skip, _) => Planned::Skip,
        (true, Drill::Substitute { command }, _) => Planned::Command(command.clone()),
        (_, _, Action::Command { command }) => Planned::Command(command.clone()),
        (_, _, Action::Manual { instruction }) => Planned::Manual(instruction.clone()),
    }
}

/// The end of one step's attempt.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) outcome: StepOutcome,
    pub(crate) exit_code: Option<i32>,
    pub(crate) message: Option<String>,
    pub(crate) seconds: f64,
}

impl Ended {
    /// A step a drill does not run.
    pub(crate) fn skipped() -> Ended {
        Ended {
            outcome: StepOutcome::Skipped,
            exit_code: None,
            message: Some("skipped in a drill".to_string()),
            seconds: 0.0,
        }
    }
}

/// Everything a step's task needs, shared.
pub(crate) struct Context {
    pub(crate) runbook: Arc<Runbook>,
    pub(crate) options: Options,
    pub(crate) console: Arc<dyn Console>,
}

/// One attempt of a step: its action, then its gate.
pub(crate) async fn run_step(
    context: Arc<Context>,
    index: usize,
    attempt: u32,
    planned: Planned,
    cancelled: watch::Receiver<bool>,
) -> Ended {
    let began = Instant::now();
    let step = &context.runbook.steps[index];
    let log = context
        .options
        .log_dir
        .join(format!("{}.{attempt}.log", step.id));
    let (mut outcome, mut exit_code, mut message) = match planned {
        Planned::Command(command) => {
            let limit = step.timeout_seconds.map(Duration::from_secs);
            let exit = process::run(
                &command,
                limit,
                &step.id,
                &log,
                &context.console,
                cancelled.clone(),
            )
            .await;
            match exit {
                Exit::Success => (StepOutcome::Done, Some(0), None),
                Exit::Failed { code, message } => (StepOutcome::Failed, code, Some(message)),
                Exit::TimedOut => (
                    StepOutcome::TimedOut,
                    None,
                    Some(format!(
                        "killed after its timeout of {} s",
                        step.timeout_seconds.unwrap_or(0)
                    )),
                ),
                Exit::Interrupted => (
                    StepOutcome::Interrupted,
                    None,
                    Some("interrupted".to_string()),
                ),
            }
        }
        Planned::Manual(instruction) => {
            let (outcome, message) = confirm(&context, step, instruction, cancelled.clone()).await;
            (outcome, None, Some(message))
        }
        Planned::Skip => (StepOutcome::Skipped, None, None),
    };
    if outcome == StepOutcome::Done {
        if let Some(gate) = &step.gate {
            let label = format!("{} gate", step.id);
            let gate_log = context
                .options
                .log_dir
                .join(format!("{}.{attempt}.gate.log", step.id));
            if let Err((gate_outcome, gate_message)) =
                wait_for_gate(&context, gate, &label, &gate_log, cancelled).await
            {
                outcome = gate_outcome;
                exit_code = None;
                message = Some(gate_message);
            }
        }
    }
    Ended {
        outcome,
        exit_code,
        message,
        seconds: began.elapsed().as_secs_f64(),
    }
}

/// A manual step: confirmed by `--yes`, by a person on a terminal, or failed closed.
async fn confirm(
    context: &Arc<Context>,
    step: &Step,
    instruction: String,
    mut cancelled: watch::Receiver<bool>,
) -> (StepOutcome, String) {
    if context.options.yes {
        return (
            StepOutcome::Done,
            "confirmed in advance by --yes".to_string(),
        );
    }
    if !context.options.stdin_is_terminal {
        return (
            StepOutcome::Failed,
            format!(
                "a manual step needs a person to confirm it, and stdin is not a terminal; \
                 once it is done, resume with `--mark-done {}`",
                step.id
            ),
        );
    }
    let console = context.console.clone();
    let owned = step.clone();
    let asked = tokio::task::spawn_blocking(move || console.confirm(&owned, &instruction));
    tokio::select! {
        answer = asked => match answer {
            Ok(true) => (StepOutcome::Done, "confirmed by the operator".to_string()),
            Ok(false) => (StepOutcome::Failed, "not confirmed by the operator".to_string()),
            Err(error) => (StepOutcome::Failed, format!("could not ask the operator: {error}")),
        },
        _ = cancelled.wait_for(|c| *c) => (StepOutcome::Interrupted, "interrupted while waiting for the operator".to_string()),
    }
}

/// Run the gate until it passes or its timeout expires.
async fn wait_for_gate(
    context: &Context,
    gate: &Gate,
    label: &str,
    log: &std::path::Path,
    mut cancelled: watch::Receiver<bool>,
) -> Result<(), (StepOutcome, String)> {
    let deadline = Instant::now() + Duration::from_secs(gate.timeout_seconds);
    let interval = Duration::from_secs(gate.interval_seconds.max(1));
    let mut attempts = 0;
    loop {
        attempts += 1;
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        let exit = process::run(
            &gate.command,
            Some(remaining),
            label,
            log,
            &context.console,
            cancelled.clone(),
        )
        .await;
        match exit {
            Exit::Success => return Ok(()),
            Exit::Interrupted => {
                return Err((
                    StepOutcome::Interrupted,
                    "interrupted while its gate was checked".to_string(),
                ))
            }
            Exit::Failed { .. } | Exit::TimedOut => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err((
                StepOutcome::Failed,
                format!(
                    "its gate did not pass within {} s ({attempts} attempt{})",
                    gate.timeout_seconds,
                    if attempts == 1 { "" } else { "s" }
                ),
            ));
        }
        // The last attempt falls on the deadline rather than short of it.
        let pause = interval.min(deadline - now);
        if process::pause(pause, &mut cancelled).await {
            return Err((
                StepOutcome::Interrupted,
                "interrupted while its gate was checked".to_string(),
            ));
        }
    }
}

/// Poll a step's stop condition until it fails (then report the step) or the run ends.
pub(crate) async fn watch_stop_condition(
    context: Arc<Context>,
    index: usize,
    probe: Gate,
    mut cancelled: watch::Receiver<bool>,
    fired: mpsc::UnboundedSender<usize>,
) {
    let step = &context.runbook.steps[index];
    let label = format!("{} stop-if", step.id);
    let log = context
        .options
        .log_dir
        .join(format!("{}.stop-if.log", step.id));
    let interval = Duration::from_secs(probe.interval_seconds.max(1));
    let limit = Duration::from_secs(probe.timeout_seconds.max(1));
    loop {
        let exit = process::run(
            &probe.command,
            Some(limit),
            &label,
            &log,
            &context.console,
            cancelled.clone(),
        )
        .await;
        match exit {
            Exit::Success => {}
            Exit::Interrupted => return,
            Exit::Failed { .. } | Exit::TimedOut => {
                let _ = fired.send(index);
                return;
            }
        }
        if process::pause(interval, &mut cancelled).await {
            return;
        }
    }
}
