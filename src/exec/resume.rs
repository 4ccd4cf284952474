//! Where a run starts: fresh, or from a journal, with the operator's `--retry` and
//! `--mark-done` decisions. A step whose side effect may have happened (failed,
//! interrupted, or started without an end record) never runs again silently.

use super::journal::{Record, Replay, StepOutcome};
use super::scheduler::{Scheduler, State};
use crate::runbook::document::{Phase, Runbook};

/// The state a run starts from.
#[derive(Debug, Clone)]
pub struct Start {
    pub scheduler: Scheduler,
    /// Attempts so far, by step index.
    pub attempts: Vec<u32>,
    /// Indexes of steps that have started, in the order they first did.
    pub started: Vec<usize>,
    /// Steps the operator marked done, to be journaled as such.
    pub marked_done: Vec<usize>,
}

/// A fresh run: nothing started.
pub fn fresh(runbook: &Runbook) -> Start {
    Start {
        scheduler: Scheduler::new(runbook),
        attempts: vec![0; runbook.steps.len()],
        started: Vec::new(),
        marked_done: Vec::new(),
    }
}

/// Why a run cannot go on from its journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    /// Decisions that do not apply (a `--retry` or `--mark-done` of a finished step, or
    /// of one that has not run): the command line is wrong, and nothing runs.
    pub refused: Vec<String>,
    /// Steps that still need the operator's decision.
    pub undecided: Vec<String>,
}

impl Problems {
    fn is_empty(&self) -> bool {
        self.refused.is_empty() && self.undecided.is_empty()
    }
}

/// Continue from a journal; `Err` lists every decision that does not apply and every
/// step that needs one.
pub fn resume(
    runbook: &Runbook,
    replay: &Replay,
    retry: &[String],
    mark_done: &[String],
) -> Result<Start, Problems> {
    let (start, problems) = decide(runbook, replay, retry, mark_done);
    if problems.is_empty() {
        Ok(start)
    } else {
        Err(problems)
    }
}

/// The state of a journal's run for rolling it back: steps that need a decision stay
/// blocked, since a rollback undoes them whatever they did.
pub fn for_rollback(runbook: &Runbook, replay: &Replay) -> Start {
    decide(runbook, replay, &[], &[]).0
}

fn decide(
    runbook: &Runbook,
    replay: &Replay,
    retry: &[String],
    mark_done: &[String],
) -> (Start, Problems) {
    let mut start = fresh(runbook);
    let mut problems = Problems::default();
    let index = |id: &str| runbook.steps.iter().position(|step| step.id == id);
    for id in retry.iter().chain(mark_done) {
        if index(id).is_none() {
            problems
                .refused
                .push(format!("`{id}` is not a step of this runbook"));
        } else if !replay.steps.contains_key(id) {
            problems.refused.push(format!(
                "step `{id}` has not run yet; there is nothing to decide"
            ));
        }
    }
    for id in retry {
        if mark_done.contains(id) {
            problems.refused.push(format!(
                "step `{id}` is given to both `--retry` and `--mark-done`"
            ));
        }
    }
    for record in &replay.records {
        if let Record::Start { step, .. } = record {
            let Some(i) = index(step) else {
                problems.refused.push(format!(
                    "the journal names step `{step}`, which is not in this runbook"
                ));
                continue;
            };
            start.attempts[i] += 1;
        }
    }
    for id in &replay.started {
        if let Some(i) = index(id) {
            start.started.push(i);
        }
    }
    for (id, record) in &replay.steps {
        let Some(i) = index(id) else {
            continue;
        };
        if runbook.steps[i].phase == Phase::Rollback {
            // Rollback steps are not part of the forward run: a done one is not run
            // again by `--rollback`, any other is.
            if matches!(record, Record::End { outcome, .. } if outcome.is_done()) {
                start.scheduler.set(i, State::Done);
            }
            continue;
        }
        let why = match record {
            Record::End { outcome, .. } if outcome.is_done() => {
                if retry.contains(id) || mark_done.contains(id) {
                    problems.refused.push(format!(
                        "step `{id}` already finished; drplan never runs a finished step twice"
                    ));
                }
                start.scheduler.set(i, State::Done);
                continue;
            }
            Record::End {
                outcome: StepOutcome::Interrupted,
                at,
                ..
            } => format!("was interrupted at {at}; what it did may be partial"),
            Record::End {
                outcome,
                at,
                exit_code,
                message,
                ..
            } => {
                let detail = match (exit_code, message) {
                    (_, Some(message)) => format!(": {message}"),
                    (Some(code), None) => format!(" with exit status {code}"),
                    (None, None) => String::new(),
                };
                format!("{} at {at}{detail}", outcome.name())
            }
            Record::Start { at, .. } => format!(
                "started at {at} and has no end record (drplan stopped while it ran): \
                 it may or may not have taken effect"
            ),
            _ => continue,
        };
        if retry.contains(id) {
            start.scheduler.set(i, State::Pending);
        } else if mark_done.contains(id) {
            start.scheduler.set(i, State::Done);
            start.marked_done.push(i);
        } else {
            start.scheduler.set(i, State::Blocked);
            problems.undecided.push(format!(
                "step `{id}` {why}; check what it did, then resume with `--retry {id}` to run \
                 it again or `--mark-done {id}` if it is complete"
            ));
        }
    }
    (start, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::journal;
    use crate::exec::validate::tests::{runbook, step};

    fn replay_of(records: Vec<Record>) -> Replay {
        let mut all = vec![journal::tests::header()];
        all.extend(records);
        let text: String = all
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        journal::replay(&text).unwrap()
    }

    fn start(id: &str) -> Record {
        Record::Start {
            step: id.to_string(),
            at: "t0".to_string(),
            attempt: 1,
            action: "true".to_string(),
            rollback: false,
        }
    }

    fn end(id: &str, outcome: StepOutcome) -> Record {
        Record::End {
            step: id.to_string(),
            at: "t1".to_string(),
            outcome,
            seconds: 1.0,
            exit_code: Some(3),
            message: None,
        }
    }

    fn book() -> Runbook {
        runbook(vec![step("a", &[]), step("b", &["a"]), step("c", &["b"])])
    }

    #[test]
    fn finished_steps_are_done_and_the_rest_pending() {
        let replay = replay_of(vec![start("a"), end("a", StepOutcome::Done)]);
        let start = resume(&book(), &replay, &[], &[]).unwrap();
        assert_eq!(start.scheduler.state(0), State::Done);
        assert_eq!(start.scheduler.next(), [1]);
        assert_eq!(start.attempts, [1, 0, 0]);
    }

    #[test]
    fn a_step_without_an_end_needs_a_decision() {
        let replay = replay_of(vec![start("a"), end("a", StepOutcome::Done), start("b")]);
        let problems = resume(&book(), &replay, &[], &[]).unwrap_err();
        assert!(problems.refused.is_empty());
        assert_eq!(problems.undecided.len(), 1);
        assert!(problems.undecided[0].contains("`b` started at t0 and has no end record"));
        let retried = resume(&book(), &replay, &["b".to_string()], &[]).unwrap();
        assert_eq!(retried.scheduler.next(), [1]);
        let marked = resume(&book(), &replay, &[], &["b".to_string()]).unwrap();
        assert_eq!(marked.scheduler.next(), [2]);
        assert_eq!(marked.marked_done, [1]);
    }

    #[test]
    fn a_failed_step_needs_a_retry_and_a_finished_one_never_reruns() {
        let replay = replay_of(vec![start("a"), end("a", StepOutcome::Failed)]);
        let problems = resume(&book(), &replay, &[], &[]).unwrap_err();
        assert!(
            problems.undecided[0].contains("failed at t1 with exit status 3"),
            "{problems:?}"
        );
        let done = replay_of(vec![start("a"), end("a", StepOutcome::Done)]);
        let problems = resume(&book(), &done, &["a".to_string()], &[]).unwrap_err();
        assert!(problems.refused[0].contains("never runs a finished step twice"));
        assert!(problems.undecided.is_empty());
        let problems =
            resume(&book(), &done, &["c".to_string(), "x".to_string()], &[]).unwrap_err();
        assert!(problems.refused[0].contains("`c` has not run yet"));
        assert!(problems.refused[1].contains("`x` is not a step"));
    }
}
