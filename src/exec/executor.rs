//! The run loop: starts ready steps up to `parallelism`, journals each start before
//! spawning and each end after it, polls stop conditions, and stops on the first
//! failure, a stop condition, or Ctrl-C. A stop condition runs the rollback.

use super::journal::{Journal, Record, StepOutcome, StopReason};
use super::resume::Start;
use super::scheduler::{Scheduler, State};
use super::step::{plan_action, run_step, watch_stop_condition, Context, Ended, Planned};
use super::{clock, Console, Event};
use crate::runbook::document::{Runbook, Step};
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// How a run is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where each attempt's output is logged (`STEP.ATTEMPT.log`).
    pub log_dir: PathBuf,
    /// Run the drill version of each step.
    pub drill: bool,
    /// Manual steps are confirmed in advance.
    pub yes: bool,
    /// Whether a person can be asked to confirm manual steps.
    pub stdin_is_terminal: bool,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step is done.
    Finished,
    /// These steps failed (indexes); the others were let finish and nothing new started.
    Failed(Vec<usize>),
    /// Ctrl-C or SIGTERM; running steps were signalled and journaled as interrupted.
    Interrupted,
    /// The stop condition of this step fired, and the rollback ran to its end.
    RolledBack { trigger: Option<usize> },
    /// A rollback step failed (or was interrupted).
    RollbackFailed(usize),
}

/// The waves a run would take (for `--dry-run`), with what each step would do.
pub fn dry_run_waves(runbook: &Runbook, drill: bool) -> Vec<Vec<(usize, Planned)>> {
    Scheduler::new(runbook)
        .waves()
        .into_iter()
        .map(|wave| {
            wave.into_iter()
                .map(|i| (i, plan_action(&runbook.steps[i], drill)))
                .collect()
        })
        .collect()
}

/// Why the loop stops starting steps.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stopping {
    Failed,
    Interrupted,
    StopCondition(usize),
}

/// Ctrl-C and SIGTERM.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Run the runbook from `start`, journaling into `journal`.
pub async fn execute(
    runbook: Arc<Runbook>,
    mut start: Start,
    journal: &mut Journal,
    options: Options,
    console: Arc<dyn Console>,
) -> io::Result<Outcome> {
    let mut signals = Signals::new()?;
    let context = Arc::new(Context {
        runbook: runbook.clone(),
        options,
        console,
    });
    for &i in &start.marked_done {
        journal.append(&Record::End {
            step: runbook.steps[i].id.clone(),
            at: clock::now(),
            outcome: StepOutcome::Done,
            seconds: 0.0,
            exit_code: None,
            message: Some("marked done by the operator (--mark-done)".to_string()),
        })?;
    }
    let (cancel, cancelled) = watch::channel(false);
    let (stop_sender, mut stop_receiver) = mpsc::unbounded_channel::<usize>();
    let mut tasks: JoinSet<Ended> = JoinSet::new();
    let mut task_steps: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut probes: JoinSet<()> = JoinSet::new();
    let mut stopping: Option<Stopping> = None;
    let mut failed = Vec::new();
    let scheduler = &mut start.scheduler;
    loop {
        while stopping.is_none() {
            let next = scheduler.next();
            if next.is_empty() {
                break;
            }
            for i in next {
                let step = &runbook.steps[i];
                let planned = plan_action(step, context.options.drill);
                if planned == Planned::Skip {
                    record_end(journal, &*context.console, &step.id, Ended::skipped())?;
                    scheduler.set(i, State::Done);
                    continue;
                }
                start.attempts[i] += 1;
                let attempt = start.attempts[i];
                record_start(journal, &*context.console, step, &planned, attempt, false)?;
                if !start.started.contains(&i) {
                    start.started.push(i);
                }
                scheduler.set(i, State::Running);
                if let Some(probe) = &step.stop_if {
                    probes.spawn(watch_stop_condition(
                        context.clone(),
                        i,
                        probe.clone(),
                        cancelled.clone(),
                        stop_sender.clone(),
                    ));
                }
                let handle = tasks.spawn(run_step(
                    context.clone(),
                    i,
                    attempt,
                    planned,
                    cancelled.clone(),
                ));
                task_steps.insert(handle.id(), i);
            }
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next_with_id() => {
                let (i, ended) = match joined {
                    Ok((id, ended)) => (task_steps.remove(&id), ended),
                    Err(error) => (task_steps.remove(&error.id()), Ended {
                        outcome: StepOutcome::Failed,
                        exit_code: None,
                        message: Some(format!("the step's task ended abnormally: {error}")),
                        seconds: 0.0,
                    }),
                };
                let Some(i) = i else { continue };
                let step = &runbook.steps[i];
                let outcome = ended.outcome;
                record_end(journal, &*context.console, &step.id, ended)?;
                if outcome.is_done() {
                    scheduler.set(i, State::Done);
                } else {
                    scheduler.set(i, State::Blocked);
                    if outcome != StepOutcome::Interrupted {
                        failed.push(i);
                    }
                    if stopping.is_none() {
                        stopping = Some(Stopping::Failed);
                        if !tasks.is_empty() {
                            context.console.event(&Event::Notice(format!(
                                "step `{}` did not succeed: starting nothing new, waiting for {} running step(s)",
                                step.id,
                                tasks.len()
                            )));
                        }
                    }
                }
            }
            () = signals.recv() => {
                if stopping != Some(Stopping::Interrupted) {
                    context.console.event(&Event::Notice(
                        "interrupted: signalling the running steps".to_string(),
                    ));
                }
                stopping = Some(Stopping::Interrupted);
                let _ = cancel.send(true);
            }
            Some(i) = stop_receiver.recv(), if !matches!(stopping, Some(Stopping::StopCondition(_) | Stopping::Interrupted)) => {
                context.console.event(&Event::Notice(format!(
                    "the stop condition of step `{}` fired: stopping the run and rolling back",
                    runbook.steps[i].id
                )));
                stopping = Some(Stopping::StopCondition(i));
                let _ = cancel.send(true);
            }
        }
    }
    // Probes still polling are ended like any command, their process groups with them.
    let _ = cancel.send(true);
    while probes.join_next().await.is_some() {}
    let at = clock::now();
    match stopping {
        None if scheduler.is_complete() => {
            journal.append(&Record::Stop {
                at,
                reason: StopReason::Finished,
                step: None,
            })?;
            Ok(Outcome::Finished)
        }
        None | Some(Stopping::Failed) => {
            journal.append(&Record::Stop {
                at,
                reason: StopReason::Failed,
                step: failed.first().map(|&i| runbook.steps[i].id.clone()),
            })?;
            Ok(Outcome::Failed(failed))
        }
        Some(Stopping::Interrupted) => {
            journal.append(&Record::Stop {
                at,
                reason: StopReason::Interrupted,
                step: None,
            })?;
            Ok(Outcome::Interrupted)
        }
        Some(Stopping::StopCondition(i)) => {
            journal.append(&Record::Stop {
                at,
                reason: StopReason::StopCondition,
                step: Some(runbook.steps[i].id.clone()),
            })?;
            drop(signals);
            run_rollback(&context, &mut start, journal, Some(i)).await
        }
    }
}

/// Roll back the steps that started (for `--rollback`), journaling into `journal`.
pub async fn rollback(
    runbook: Arc<Runbook>,
    mut start: Start,
    journal: &mut Journal,
    options: Options,
    console: Arc<dyn Console>,
) -> io::Result<Outcome> {
    let context = Context {
        runbook,
        options,
        console,
    };
    run_rollback(&context, &mut start, journal, None).await
}

/// The rollback steps of every started step, latest started first, each once, leaving
/// out those already done.
fn rollback_order(runbook: &Runbook, start: &Start) -> Vec<usize> {
    let mut order = Vec::new();
    for &i in start.started.iter().rev() {
        for id in &runbook.steps[i].rollback {
            if let Some(r) = runbook.steps.iter().position(|step| &step.id == id) {
                if !order.contains(&r) && start.scheduler.state(r) != State::Done {
                    order.push(r);
                }
            }
        }
    }
    order
}

/// Run the rollback steps one at a time; the first failure stops it.
async fn run_rollback(
    context: &Context,
    start: &mut Start,
    journal: &mut Journal,
    trigger: Option<usize>,
) -> io::Result<Outcome> {
    let runbook = context.runbook.clone();
    let order = rollback_order(&runbook, start);
    if order.is_empty() {
        context.console.event(&Event::Notice(
            "no started step has rollback steps: the operator decides what to undo".to_string(),
        ));
    }
    let mut signals = Signals::new()?;
    let (cancel, cancelled) = watch::channel(false);
    for r in order {
        let step = &runbook.steps[r];
        let planned = plan_action(step, context.options.drill);
        if planned == Planned::Skip {
            record_end(journal, &*context.console, &step.id, Ended::skipped())?;
            start.scheduler.set(r, State::Done);
            continue;
        }
        start.attempts[r] += 1;
        let attempt = start.attempts[r];
        record_start(journal, &*context.console, step, &planned, attempt, true)?;
        let shared = Arc::new(Context {
            runbook: runbook.clone(),
            options: context.options.clone(),
            console: context.console.clone(),
        });
        let run = run_step(shared, r, attempt, planned, cancelled.clone());
        tokio::pin!(run);
        let ended = loop {
            tokio::select! {
                ended = &mut run => break ended,
                () = signals.recv() => {
                    let _ = cancel.send(true);
                }
            }
        };
        let outcome = ended.outcome;
        record_end(journal, &*context.console, &step.id, ended)?;
        if outcome.is_done() {
            start.scheduler.set(r, State::Done);
        } else {
            journal.append(&Record::Stop {
                at: clock::now(),
                reason: StopReason::RollbackFailed,
                step: Some(step.id.clone()),
            })?;
            return Ok(Outcome::RollbackFailed(r));
        }
    }
    journal.append(&Record::Stop {
        at: clock::now(),
        reason: StopReason::RolledBack,
        step: trigger.map(|i| runbook.steps[i].id.clone()),
    })?;
    Ok(Outcome::RolledBack { trigger })
}

/// Journal a step's start, durably before its side effect can begin, and tell the console.
fn record_start(
    journal: &mut Journal,
    console: &dyn Console,
    step: &Step,
    planned: &Planned,
    attempt: u32,
    rollback: bool,
) -> io::Result<()> {
    journal.append(&Record::Start {
        step: step.id.clone(),
        at: clock::now(),
        attempt,
        action: planned.text(),
        rollback,
    })?;
    console.event(&Event::Started {
        step: step.id.clone(),
        attempt,
        title: step.title.clone(),
        action: planned.text(),
    });
    Ok(())
}

/// Journal a step's end (durably) and tell the console.
fn record_end(
    journal: &mut Journal,
    console: &dyn Console,
    step: &str,
    ended: Ended,
) -> io::Result<()> {
    journal.append(&Record::End {
        step: step.to_string(),
        at: clock::now(),
        outcome: ended.outcome,
        seconds: ended.seconds,
        exit_code: ended.exit_code,
        message: ended.message.clone(),
    })?;
    console.event(&Event::Finished {
        step: step.to_string(),
        outcome: ended.outcome,
        seconds: ended.seconds,
        message: ended.message,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::resume;
    use crate::exec::validate::tests::{runbook, step};
    use crate::runbook::document::Phase;

    #[test]
    fn rollback_undoes_the_latest_started_step_first_and_each_once() {
        let mut undo_a = step("undo-a", &[]);
        undo_a.phase = Phase::Rollback;
        let mut undo_b = step("undo-b", &[]);
        undo_b.phase = Phase::Rollback;
        let mut a = step("a", &[]);
        a.rollback = vec!["undo-a".to_string()];
        let mut b = step("b", &["a"]);
        b.rollback = vec!["undo-b".to_string(), "undo-a".to_string()];
        let book = runbook(vec![a, b, step("c", &["b"]), undo_a, undo_b]);
        let mut start = resume::fresh(&book);
        start.started = vec![0, 1];
        assert_eq!(rollback_order(&book, &start), [4, 3]);
        start.scheduler.set(4, State::Done);
        assert_eq!(rollback_order(&book, &start), [3]);
    }
}
