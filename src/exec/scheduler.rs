//! Which steps may start now: the dependency and parallelism bookkeeping of a run,
//! without processes or time, so that it can be tested alone. Rollback-phase steps are
//! never scheduled here; they run only when a run is rolled back.

use crate::runbook::document::{Phase, Runbook};

/// Where a step stands in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not started yet.
    Pending,
    Running,
    /// Finished (or skipped in a drill, or marked done by the operator).
    Done,
    /// Failed, timed out, interrupted, or started without an end record: the operator
    /// must decide before it runs again.
    Blocked,
    /// A rollback-phase step: not part of the forward run.
    Rollback,
}

/// The states of a validated runbook's steps, by index in `runbook.steps`.
#[derive(Debug, Clone)]
pub struct Scheduler {
    after: Vec<Vec<usize>>,
    groups: Vec<Option<String>>,
    states: Vec<State>,
    parallelism: usize,
}

impl Scheduler {
    /// Every forward step pending; the runbook must have passed `validate::check`.
    pub fn new(runbook: &Runbook) -> Self {
        Scheduler {
            after: runbook.dependencies(),
            groups: runbook
                .steps
                .iter()
                .map(|step| step.group.clone())
                .collect(),
            states: runbook
                .steps
                .iter()
                .map(|step| {
                    if step.phase == Phase::Rollback {
                        State::Rollback
                    } else {
                        State::Pending
                    }
                })
                .collect(),
            parallelism: usize::try_from(runbook.parallelism.max(1)).unwrap_or(1),
        }
    }

    pub fn state(&self, index: usize) -> State {
        self.states[index]
    }

    pub fn set(&mut self, index: usize, state: State) {
        self.states[index] = state;
    }

    /// Pending steps whose dependencies are all done, in runbook order.
    pub fn ready(&self) -> Vec<usize> {
        (0..self.states.len())
            .filter(|&i| {
                self.states[i] == State::Pending
                    && self.after[i].iter().all(|&d| self.states[d] == State::Done)
            })
            .collect()
    }

    pub fn running(&self) -> usize {
        self.states.iter().filter(|&&s| s == State::Running).count()
    }

    /// The ready steps that fit beside the running ones under `parallelism`, in runbook
    /// order, except that a step brings the ready steps of its `group` along with it.
    pub fn next(&self) -> Vec<usize> {
        let room = self.parallelism.saturating_sub(self.running());
        let ready = self.ready();
        let mut chosen: Vec<usize> = Vec::new();
        for &i in &ready {
            if chosen.len() >= room {
                break;
            }
            if chosen.contains(&i) {
                continue;
            }
            chosen.push(i);
            if let Some(group) = &self.groups[i] {
                for &j in &ready {
                    if chosen.len() < room
                        && !chosen.contains(&j)
                        && self.groups[j].as_ref() == Some(group)
                    {
                        chosen.push(j);
                    }
                }
            }
        }
        chosen
    }

    /// Whether every forward step is done.
    pub fn is_complete(&self) -> bool {
        self.states
            .iter()
            .all(|&s| matches!(s, State::Done | State::Rollback))
    }

    /// The order a run would take if every step took the same time: waves of steps that
    /// run together, each at most `parallelism` wide (for `--dry-run`).
    pub fn waves(mut self) -> Vec<Vec<usize>> {
        let mut waves = Vec::new();
        loop {
            let wave = self.next();
            if wave.is_empty() {
                break;
            }
            for &i in &wave {
                self.states[i] = State::Done;
            }
            waves.push(wave);
        }
        waves
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::validate::tests::{runbook, step};

    #[test]
    fn a_step_is_ready_only_when_its_dependencies_are_done() {
        let book = runbook(vec![step("a", &[]), step("b", &["a"]), step("c", &[])]);
        let mut scheduler = Scheduler::new(&book);
        assert_eq!(scheduler.next(), [0, 2]);
        scheduler.set(0, State::Running);
        scheduler.set(2, State::Running);
        assert!(scheduler.next().is_empty());
        scheduler.set(0, State::Done);
        assert_eq!(scheduler.next(), [1]);
        scheduler.set(0, State::Blocked);
        assert!(scheduler.ready().is_empty());
    }

    #[test]
    fn parallelism_limits_how_many_start() {
        let mut book = runbook(vec![step("a", &[]), step("b", &[]), step("c", &[])]);
        book.parallelism = 2;
        let mut scheduler = Scheduler::new(&book);
        assert_eq!(scheduler.next(), [0, 1]);
        scheduler.set(0, State::Running);
        assert_eq!(scheduler.next(), [1]);
        book.parallelism = 1;
        assert_eq!(Scheduler::new(&book).waves(), [[0], [1], [2]]);
    }

    #[test]
    fn a_group_starts_together() {
        let mut restore_db = step("restore-db", &[]);
        restore_db.group = Some("restores".to_string());
        let mut restore_files = step("restore-files", &[]);
        restore_files.group = Some("restores".to_string());
        let book = runbook(vec![restore_db, step("notify", &[]), restore_files]);
        assert_eq!(Scheduler::new(&book).waves(), vec![vec![0, 2], vec![1]]);
    }

    #[test]
    fn waves_follow_dependencies_and_leave_out_rollback_steps() {
        let mut undo = step("undo", &[]);
        undo.phase = Phase::Rollback;
        let book = runbook(vec![
            step("a", &[]),
            step("b", &["a"]),
            step("c", &["a"]),
            step("d", &["b", "c"]),
            undo,
        ]);
        let scheduler = Scheduler::new(&book);
        assert_eq!(
            scheduler.clone().waves(),
            vec![vec![0], vec![1, 2], vec![3]]
        );
        let mut done = scheduler;
        for i in 0..4 {
            done.set(i, State::Done);
        }
        assert!(done.is_complete());
    }
}
