//! A journal turned into the run's history: each step's attempts with start, end,
//! duration against `expected_seconds`, and outcome; rendered as Markdown or JSON.
//! Pure functions of the runbook and the journal's records.

use super::journal::{Record, Replay, StepOutcome, StopReason};
use crate::runbook::document::{Phase, Runbook};
use serde::Serialize;
use std::fmt::Write;

/// The history of one journal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct History {
    pub plan: String,
    pub name: String,
    pub title: String,
    pub digest: String,
    pub drill: bool,
    /// `finished`, `failed`, `interrupted`, `stop-condition`, `rolled-back`,
    /// `rollback-failed`, or `unfinished` (running, or drplan itself stopped).
    pub status: String,
    /// When the run started, and each resume.
    pub invocations: Vec<Invocation>,
    pub steps: Vec<StepHistory>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Invocation {
    pub kind: &'static str,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct StepHistory {
    pub id: String,
    pub title: String,
    pub rollback: bool,
    pub expected_seconds: u64,
    /// The last attempt's outcome (`done` once marked done), `not-run`, or `unknown`
    /// (started, no end record).
    pub outcome: String,
    /// Seconds of all attempts together.
    pub seconds: f64,
    /// Each time the step ran, and a drill's skip (an end without a start); a
    /// `--mark-done` is not an attempt.
    pub attempts: Vec<Attempt>,
    /// When the operator recorded the step as done without running it (`--mark-done`).
    pub marked_done: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Attempt {
    pub started: Option<String>,
    pub ended: Option<String>,
    pub seconds: Option<f64>,
    pub outcome: Option<StepOutcome>,
    pub exit_code: Option<i32>,
    pub message: Option<String>,
}

fn kebab(outcome: StepOutcome) -> &'static str {
    match outcome {
        StepOutcome::Done => "done",
        StepOutcome::Failed => "failed",
        StepOutcome::TimedOut => "timed-out",
        StepOutcome::Interrupted => "interrupted",
        StepOutcome::Skipped => "skipped",
    }
}

/// Build the history of `replay`, a journal of `runbook`.
pub fn build(runbook: &Runbook, replay: &Replay) -> History {
    let mut steps: Vec<StepHistory> = runbook
        .steps
        .iter()
        .map(|step| StepHistory {
            id: step.id.clone(),
            title: step.title.clone(),
            rollback: step.phase == Phase::Rollback,
            expected_seconds: step.expected_seconds,
            outcome: "not-run".to_string(),
            seconds: 0.0,
            attempts: Vec::new(),
            marked_done: None,
        })
        .collect();
    let mut invocations = Vec::new();
    let mut status = "unfinished".to_string();
    // The steps the latest resume marks done: their next `done` end is that mark.
    let mut marks: Vec<&String> = Vec::new();
    for record in &replay.records {
        match record {
            Record::Run { at, .. } => invocations.push(Invocation {
                kind: "run",
                at: at.clone(),
            }),
            Record::Resume { at, mark_done, .. } => {
                marks = mark_done.iter().collect();
                invocations.push(Invocation {
                    kind: "resume",
                    at: at.clone(),
                });
                status = "unfinished".to_string();
            }
            Record::Start { step, at, .. } => {
                if let Some(history) = steps.iter_mut().find(|s| &s.id == step) {
                    history.attempts.push(Attempt {
                        started: Some(at.clone()),
                        ended: None,
                        seconds: None,
                        outcome: None,
                        exit_code: None,
                        message: None,
                    });
                    history.outcome = "unknown".to_string();
                }
            }
            Record::End {
                step,
                at,
                outcome,
                seconds,
                exit_code,
                message,
            } => {
                if let Some(history) = steps.iter_mut().find(|s| &s.id == step) {
                    if let Some(mark) = marks.iter().position(|&id| id == step) {
                        if *outcome == StepOutcome::Done {
                            // Not an attempt: an attempt without an end stays unknown.
                            marks.swap_remove(mark);
                            history.marked_done = Some(at.clone());
                            history.outcome = kebab(*outcome).to_string();
                            continue;
                        }
                    }
                    let open = history
                        .attempts
                        .last_mut()
                        .filter(|attempt| attempt.ended.is_none() && attempt.started.is_some());
                    let attempt = match open {
                        Some(attempt) => attempt,
                        None => {
                            // Skipped in a drill: an end without a start.
                            history.attempts.push(Attempt {
                                started: None,
                                ended: None,
                                seconds: None,
                                outcome: None,
                                exit_code: None,
                                message: None,
                            });
                            history.attempts.last_mut().expect("just pushed")
                        }
                    };
                    attempt.ended = Some(at.clone());
                    attempt.seconds = Some(*seconds);
                    attempt.outcome = Some(*outcome);
                    attempt.exit_code = *exit_code;
                    attempt.message.clone_from(message);
                    history.seconds += seconds;
                    history.outcome = kebab(*outcome).to_string();
                }
            }
            Record::Stop { reason, .. } => {
                status = match reason {
                    StopReason::Finished => "finished",
                    StopReason::Failed => "failed",
                    StopReason::Interrupted => "interrupted",
                    StopReason::StopCondition => "stop-condition",
                    StopReason::RolledBack => "rolled-back",
                    StopReason::RollbackFailed => "rollback-failed",
                }
                .to_string();
            }
        }
    }
    // Rollback steps that never ran are not part of the story.
    steps.retain(|step| !step.rollback || !step.attempts.is_empty());
    History {
        plan: runbook.plan.clone(),
        name: runbook.name.clone(),
        title: runbook.title.clone(),
        digest: replay.digest.clone(),
        drill: replay.drill,
        status,
        invocations,
        steps,
    }
}

/// Seconds for people: `42 s`, `3 min 5 s`, `2 h 10 min`.
fn duration(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if whole < 60 {
        format!("{whole} s")
    } else if whole < 3600 {
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        format!("{} h {} min", whole / 3600, whole % 3600 / 60)
    }
}

/// The history as a Markdown document.
pub fn markdown(history: &History) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}run of `{}` (plan `{}`)\n",
        if history.drill { "Drill " } else { "" },
        history.name,
        history.plan
    );
    let _ = writeln!(out, "{}\n", history.title);
    let _ = writeln!(out, "- status: **{}**", history.status);
    for invocation in &history.invocations {
        let _ = writeln!(out, "- {}: {}", invocation.kind, invocation.at);
    }
    let _ = writeln!(out, "- runbook: `{}`\n", history.digest);
    out.push_str("| step | title | started | ended | took | expected | outcome |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for step in &history.steps {
        let first = step.attempts.iter().find_map(|a| a.started.clone());
        let last = step.attempts.last().and_then(|a| a.ended.clone());
        let took = if step.attempts.iter().any(|a| a.seconds.is_some()) {
            let over =
                step.expected_seconds > 0 && step.seconds > step.expected_seconds as f64 * 1.5;
            format!(
                "{}{}",
                duration(step.seconds),
                if over { " (over)" } else { "" }
            )
        } else {
            "—".to_string()
        };
        let mut outcome = step.outcome.clone();
        if step.attempts.len() > 1 {
            let _ = write!(outcome, " ({} attempts)", step.attempts.len());
        }
        if step.marked_done.is_some() {
            outcome.push_str(": marked done by the operator (--mark-done)");
        } else if let Some(message) = step.attempts.last().and_then(|a| a.message.as_ref()) {
            let _ = write!(outcome, ": {message}");
        }
        let _ = writeln!(
            out,
            "| `{}`{} | {} | {} | {} | {} | {} | {} |",
            step.id,
            if step.rollback { " (rollback)" } else { "" },
            cell(&step.title),
            first.as_deref().unwrap_or("—"),
            last.as_deref().unwrap_or("—"),
            took,
            duration(step.expected_seconds as f64),
            cell(&outcome)
        );
    }
    out
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The history as pretty JSON.
pub fn json(history: &History) -> String {
    serde_json::to_string_pretty(history).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::journal;
    use crate::exec::validate::tests::{runbook, step};

    #[test]
    fn attempts_pair_starts_with_ends() {
        let records = [
            journal::tests::header(),
            Record::Start {
                step: "a".to_string(),
                at: "t1".to_string(),
                attempt: 1,
                action: "true".to_string(),
                rollback: false,
            },
            Record::End {
                step: "a".to_string(),
                at: "t2".to_string(),
                outcome: StepOutcome::Done,
                seconds: 30.0,
                exit_code: Some(0),
                message: None,
            },
            Record::Start {
                step: "b".to_string(),
                at: "t3".to_string(),
                attempt: 1,
                action: "true".to_string(),
                rollback: false,
            },
        ];
        let text: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        let replay = journal::replay(&text).unwrap();
        let book = runbook(vec![step("a", &[]), step("b", &["a"]), step("c", &["b"])]);
        let history = build(&book, &replay);
        assert_eq!(history.status, "unfinished");
        let outcomes: Vec<&str> = history.steps.iter().map(|s| s.outcome.as_str()).collect();
        assert_eq!(outcomes, ["done", "unknown", "not-run"]);
        assert_eq!(history.steps[0].attempts[0].ended.as_deref(), Some("t2"));
        let text = markdown(&history);
        assert!(
            text.contains("| `a` | do a | t1 | t2 | 30 s (over) | 1.0 s | done |"),
            "{text}"
        );
    }

    #[test]
    fn a_step_marked_done_is_not_an_attempt() {
        let start = |at: &str| Record::Start {
            step: "a".to_string(),
            at: at.to_string(),
            attempt: 1,
            action: "true".to_string(),
            rollback: false,
        };
        let end = |at: &str, outcome, message: &str| Record::End {
            step: "a".to_string(),
            at: at.to_string(),
            outcome,
            seconds: 2.0,
            exit_code: None,
            message: Some(message.to_string()),
        };
        let resume = |at: &str, marked: &[&str]| Record::Resume {
            at: at.to_string(),
            retry: vec![],
            mark_done: marked.iter().map(|id| id.to_string()).collect(),
        };
        let records = [
            journal::tests::header(),
            start("t1"),
            end("t2", StepOutcome::Failed, "exit status 1"),
            resume("t3", &[]),
            start("t4"),
            resume("t5", &["a"]),
            end(
                "t6",
                StepOutcome::Done,
                "marked done by the operator (--mark-done)",
            ),
        ];
        let text: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        let replay = journal::replay(&text).unwrap();
        let history = build(&runbook(vec![step("a", &[])]), &replay);
        let a = &history.steps[0];
        assert_eq!(a.outcome, "done");
        assert_eq!(a.marked_done.as_deref(), Some("t6"));
        assert_eq!(a.attempts.len(), 2);
        // The second attempt was cut off: it stays without an end.
        assert_eq!(a.attempts[1].started.as_deref(), Some("t4"));
        assert_eq!(a.attempts[1].ended, None);
        assert_eq!(a.attempts[1].outcome, None);
        assert_eq!(a.seconds, 2.0);
        let text = markdown(&history);
        assert!(
            text.contains(
                "| t1 | — | 2.0 s (over) | 1.0 s | done (2 attempts): marked done by the operator (--mark-done) |"
            ),
            "{text}"
        );
    }
}
