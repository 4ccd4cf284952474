//! Reading and checking a runbook before anything runs: the format version, unique and
//! well-formed ids, known `after` and `rollback` references, no cycles. Returns every
//! problem found; never panics on bad input.

use crate::runbook::document::{Phase, Runbook, FORMAT_VERSION};
use std::collections::{HashMap, HashSet};

/// Parse runbook JSON; the error names the line and column.
pub fn parse(bytes: &[u8]) -> Result<Runbook, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| format!("the runbook is not valid JSON: {error}"))?;
    // The version is checked first, so that a newer document gets a clear message
    // rather than a complaint about a field this drplan does not know.
    if let Some(format) = value.get("format").and_then(serde_json::Value::as_u64) {
        if format != u64::from(FORMAT_VERSION) {
            return Err(format!(
                "the runbook has format {format}, and this drplan reads format {FORMAT_VERSION}"
            ));
        }
    }
    serde_json::from_value(value).map_err(|error| format!("the runbook is malformed: {error}"))
}

/// Whether an id is `[a-z0-9][a-z0-9.-]*` (safe in file names and shells).
fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && id.len() <= 200
}

/// Every problem of a parsed runbook, in step order; empty when it can run.
pub fn check(runbook: &Runbook) -> Vec<String> {
    let mut problems = Vec::new();
    if runbook.format != FORMAT_VERSION {
        problems.push(format!(
            "the runbook has format {}, and this drplan reads format {FORMAT_VERSION}",
            runbook.format
        ));
    }
    if runbook.parallelism == 0 {
        problems.push("`parallelism` is 0; at least one step must be able to run".to_string());
    }
    let mut phases: HashMap<&str, Phase> = HashMap::new();
    for step in &runbook.steps {
        if !is_valid_id(&step.id) {
            problems.push(format!(
                "step id `{}` is not of the form `[a-z0-9][a-z0-9.-]*`",
                step.id
            ));
        }
        if phases.insert(&step.id, step.phase).is_some() {
            problems.push(format!("step `{}` is declared more than once", step.id));
        }
    }
    for step in &runbook.steps {
        let mut seen = HashSet::new();
        for after in &step.after {
            if !seen.insert(after) {
                continue;
            }
            match phases.get(after.as_str()) {
                None => problems.push(format!(
                    "step `{}` runs after `{after}`, which is not a step of this runbook",
                    step.id
                )),
                Some(_) if *after == step.id => {
                    problems.push(format!("step `{}` runs after itself", step.id));
                }
                Some(Phase::Rollback) if step.phase != Phase::Rollback => {
                    problems.push(format!(
                        "step `{}` runs after `{after}`, a rollback step that runs only when a run is rolled back",
                        step.id
                    ));
                }
                Some(_) => {}
            }
        }
        for id in &step.rollback {
            match phases.get(id.as_str()) {
                None => problems.push(format!(
                    "step `{}` rolls back with `{id}`, which is not a step of this runbook",
                    step.id
                )),
                Some(Phase::Rollback) => {}
                Some(_) => problems.push(format!(
                    "step `{}` rolls back with `{id}`, which is not a `rollback`-phase step",
                    step.id
                )),
            }
        }
    }
    if let Some(cycle) = find_cycle(runbook) {
        problems.push(format!(
            "steps form a cycle through `after`: {}",
            cycle
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(" → ")
        ));
    }
    problems
}

/// A cycle of `after` edges as ids, first id repeated at the end; none when acyclic.
fn find_cycle(runbook: &Runbook) -> Option<Vec<String>> {
    let edges = runbook.dependencies();
    // Iterative depth-first search: 0 unvisited, 1 on the stack, 2 done.
    let mut mark = vec![0u8; edges.len()];
    for root in 0..edges.len() {
        if mark[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&target) = edges[node].get(*next) {
                *next += 1;
                match mark[target] {
                    0 => {
                        mark[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let start = stack.iter().position(|&(n, _)| n == target).unwrap_or(0);
                        let mut cycle: Vec<String> = stack[start..]
                            .iter()
                            .map(|&(n, _)| runbook.steps[n].id.clone())
                            .collect();
                        cycle.push(runbook.steps[target].id.clone());
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                mark[node] = 2;
                stack.pop();
            }
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runbook::document::{Action, Drill, RunbookKind, Step};

    pub(crate) fn step(id: &str, after: &[&str]) -> Step {
        Step {
            id: id.to_string(),
            phase: Phase::Recovery,
            stage: None,
            title: format!("do {id}"),
            owner: None,
            after: after.iter().map(ToString::to_string).collect(),
            group: None,
            expected_seconds: 1,
            clock_seconds: 1,
            action: Action::Command {
                command: "true".to_string(),
            },
            timeout_seconds: None,
            drill: Drill::Run,
            gate: None,
            stop_if: None,
            on_failure: String::new(),
            rollback: Vec::new(),
        }
    }

    pub(crate) fn runbook(steps: Vec<Step>) -> Runbook {
        Runbook {
            format: FORMAT_VERSION,
            plan: "p".to_string(),
            kind: RunbookKind::Scenario,
            name: "n".to_string(),
            title: "t".to_string(),
            rto_seconds: None,
            parallelism: 2,
            contacts: Vec::new(),
            steps,
        }
    }

    #[test]
    fn a_sound_runbook_has_no_problems() {
        let book = runbook(vec![
            step("a", &[]),
            step("b", &["a"]),
            step("c", &["a", "b"]),
        ]);
        assert!(check(&book).is_empty());
    }

    #[test]
    fn finds_duplicates_unknown_references_and_cycles() {
        let mut undo = step("undo", &[]);
        undo.phase = Phase::Rollback;
        let mut a = step("a", &["b"]);
        a.rollback = vec!["b".to_string(), "nope".to_string()];
        let book = runbook(vec![
            a,
            step("b", &["a"]),
            step("c", &["b", "ghost"]),
            step("c", &[]),
            step("Bad id", &["undo"]),
            undo,
        ]);
        let problems = check(&book);
        let has = |text: &str| problems.iter().any(|p| p.contains(text));
        assert!(has("`c` is declared more than once"), "{problems:?}");
        assert!(has("`ghost`, which is not a step"), "{problems:?}");
        assert!(has("`nope`, which is not a step"), "{problems:?}");
        assert!(
            has("`b`, which is not a `rollback`-phase step"),
            "{problems:?}"
        );
        assert!(has("`Bad id` is not of the form"), "{problems:?}");
        assert!(has("a rollback step"), "{problems:?}");
        assert!(has("cycle"), "{problems:?}");
    }

    #[test]
    fn a_cycle_names_its_steps_in_order() {
        let book = runbook(vec![step("a", &["b"]), step("b", &["a"])]);
        assert_eq!(find_cycle(&book).unwrap(), ["a", "b", "a"]);
    }

    #[test]
    fn parse_reports_a_newer_format_clearly() {
        let error = parse(br#"{"format": 9, "anything": true}"#).unwrap_err();
        assert!(error.contains("format 9"), "{error}");
        assert!(parse(b"{").unwrap_err().contains("not valid JSON"));
    }
}
