//! `drplan runbook`: pick the scenario or rollout, build its runbook, write it in the
//! chosen format to stdout or, atomically, to a file.

use super::args::{RunbookArgs, RunbookFormat};
use super::input;
use super::output::{write_atomically, Permissions};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::did_you_mean;
use drplan::model::{Plan, RolloutId, ScenarioId};
use drplan::{emit, runbook};
use std::io::Write;

/// What the runbook is for.
enum Subject {
    Scenario(ScenarioId),
    Rollout(RolloutId),
}

pub fn run(args: &RunbookArgs, color: bool) -> i32 {
    let compiled = match input::resolved(drplan::load::load(&args.path), color) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let (Some(plan), Some(graph)) = (&compiled.plan, &compiled.graph) else {
        return EXIT_ERRORS;
    };
    let subject = match select(plan, args) {
        Ok(subject) => subject,
        Err(message) => {
            eprintln!("{message}");
            return EXIT_USAGE;
        }
    };
    let document = match subject {
        Subject::Scenario(id) => runbook::scenario(plan, graph, id),
        Subject::Rollout(id) => runbook::rollout(plan, graph, id),
    };
    let text = match args.format {
        RunbookFormat::Md => emit::runbook::markdown(&document),
        RunbookFormat::Sh => emit::runbook::shell(&document),
        RunbookFormat::Json => emit::runbook::json(&document),
    };
    let written = match &args.output {
        Some(path) => write_atomically(
            path,
            text.as_bytes(),
            if args.format == RunbookFormat::Sh {
                Permissions::Executable
            } else {
                Permissions::Keep
            },
        ),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(error) => {
            let target = args
                .output
                .as_ref()
                .map_or("standard output".to_string(), |p| {
                    format!("`{}`", p.display())
                });
            eprintln!("error: cannot write {target}: {error}");
            EXIT_USAGE
        }
    }
}

/// The scenario or rollout named, else the plan's only one.
fn select(plan: &Plan, args: &RunbookArgs) -> Result<Subject, String> {
    let scenarios = || plan.scenarios.iter().map(|s| s.name.as_str());
    let rollouts = || plan.rollouts.iter().map(|r| r.name.as_str());
    let unknown = |kind: &str, name: &str, names: Vec<&str>| {
        let mut message = format!("error: the plan has no {kind} `{name}`");
        if let Some(help) = did_you_mean(name, names.iter().copied()) {
            message.push_str(&format!("\nhelp: {help}"));
        } else if !names.is_empty() {
            message.push_str(&format!("\nhelp: its {kind}s: {}", names.join(", ")));
        }
        message
    };
    if let Some(name) = &args.scenario {
        let index = plan
            .scenarios
            .iter()
            .position(|s| s.name == *name)
            .ok_or_else(|| unknown("scenario", name, scenarios().collect()))?;
        if plan.scenarios[index].events.is_empty() {
            return Err(format!(
                "error: scenario `{name}` has no scripted failures (`at …`): a runbook recovers from what a scenario's events take down, and a `random over` scenario names none"
            ));
        }
        return Ok(Subject::Scenario(ScenarioId(index as u32)));
    }
    if let Some(name) = &args.rollout {
        return plan
            .rollouts
            .iter()
            .position(|r| r.name == *name)
            .map(|i| Subject::Rollout(RolloutId(i as u32)))
            .ok_or_else(|| unknown("rollout", name, rollouts().collect()));
    }
    // Only scenarios with scripted failures have something to recover from.
    let scripted: Vec<usize> = (0..plan.scenarios.len())
        .filter(|&i| !plan.scenarios[i].events.is_empty())
        .collect();
    let scenarios = || scripted.iter().map(|&i| plan.scenarios[i].name.as_str());
    match (scripted.len(), plan.rollouts.len()) {
        (1, 0) => Ok(Subject::Scenario(ScenarioId(scripted[0] as u32))),
        (0, 1) => Ok(Subject::Rollout(RolloutId(0))),
        (0, 0) => Err(
            "error: the plan declares no scenario with scripted failures (`at …`) and no rollout to write a runbook for"
                .to_string(),
        ),
        _ => {
            let mut message =
                "error: say which runbook to write: --scenario NAME or --rollout NAME".to_string();
            let names: Vec<&str> = scenarios().collect();
            if !names.is_empty() {
                message.push_str(&format!("\n  scenarios: {}", names.join(", ")));
            }
            let names: Vec<&str> = rollouts().collect();
            if !names.is_empty() {
                message.push_str(&format!("\n  rollouts: {}", names.join(", ")));
            }
            Err(message)
        }
    }
}
