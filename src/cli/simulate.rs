//! `drplan simulate`: scripted scenarios as timelines, Monte Carlo with the exact values
//! beside it, and what-if overrides compared with the baseline.

use super::args::{SimFormat, SimulateArgs};
use super::input;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::did_you_mean;
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::model::{Plan, ScenarioId, Seconds};
use drplan::simulate::{exact, monte_carlo, scripted};
use drplan::{emit, Compiled};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Mission time of a Monte Carlo run when neither the scenario nor `--mission` gives one.
pub(super) const DEFAULT_MISSION: Seconds = 365 * 86_400;
/// Trials when a scenario asks for a Monte Carlo run and `--trials` is not given.
pub(super) const DEFAULT_TRIALS: u64 = 10_000;

/// Everything one run of the simulator produced, for one version of the plan.
#[derive(Serialize)]
struct Results {
    scenarios: Vec<scripted::Report>,
    monte_carlo: Option<monte_carlo::Report>,
    /// Null beside a Monte Carlo report only when the exact analysis passed its limit.
    exact: Option<exact::Report>,
    /// The exact analysis passed its node limit and was left out (an error).
    #[serde(skip)]
    is_exact_over_limit: bool,
}

impl Results {
    fn has_failed_expectation(&self) -> bool {
        self.scenarios
            .iter()
            .any(scripted::Report::has_failed_expectation)
    }
}

/// Load and compile the plan with `overrides` applied; `Err` holds the exit code.
fn compile(args: &SimulateArgs, overrides: &[String], color: bool) -> Result<Compiled, i32> {
    let mut loaded = drplan::load::load(&args.path);
    if let Err(diagnostic) = drplan::apply_overrides(&mut loaded, overrides) {
        eprintln!(
            "{}",
            render::human(
                &diagnostic,
                &loaded.sources,
                HumanStyle { color, width: 100 }
            )
        );
        return Err(EXIT_USAGE);
    }
    input::resolved(loaded, color)
}

/// The scenarios to run: those named, else all.
fn selected(plan: &Plan, names: &[String]) -> Result<Vec<ScenarioId>, i32> {
    if names.is_empty() {
        return Ok((0..plan.scenarios.len())
            .map(|i| ScenarioId(i as u32))
            .collect());
    }
    names
        .iter()
        .map(|name| {
            plan.scenarios
                .iter()
                .position(|s| s.name == *name)
                .map(|i| ScenarioId(i as u32))
                .ok_or_else(|| {
                    eprintln!("error: the plan has no scenario `{name}`");
                    if let Some(help) =
                        did_you_mean(name, plan.scenarios.iter().map(|s| s.name.as_str()))
                    {
                        eprintln!("help: {help}");
                    }
                    EXIT_USAGE
                })
        })
        .collect()
}

fn progress_bar(trials: u64) -> ProgressBar {
    // Drawn only on a terminal, and only once a run has taken a second.
    let bar = ProgressBar::with_draw_target(Some(trials), ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} trials, {eta} left") {
        bar.set_style(style);
    }
    bar
}

fn run(args: &SimulateArgs, compiled: &Compiled, color: bool) -> Result<Results, i32> {
    let plan = compiled.plan.as_ref().expect("compiled");
    let graph = compiled.graph.as_ref().expect("compiled");
    let ids = selected(plan, &args.scenario)?;
    let scenarios: Vec<scripted::Report> = ids
        .iter()
        .filter(|id| !plan.scenarios[id.index()].events.is_empty())
        .map(|&id| scripted::run(plan, graph, id))
        .collect();
    let mission_from_scenario = ids
        .iter()
        .find_map(|id| plan.scenarios[id.index()].random_over);
    let wants_monte_carlo = args.monte_carlo.trials.is_some() || mission_from_scenario.is_some();
    let (monte_carlo, exact) = if wants_monte_carlo {
        let mission = args
            .monte_carlo
            .mission
            .or(mission_from_scenario)
            .unwrap_or(DEFAULT_MISSION);
        let trials = args.monte_carlo.trials.unwrap_or(DEFAULT_TRIALS);
        let asking = ids
            .iter()
            .copied()
            .find(|id| plan.scenarios[id.index()].random_over.is_some());
        let asking = if args.monte_carlo.trials.is_none() {
            asking
        } else {
            None
        };
        if let Some(diagnostic) = monte_carlo::check_budget(plan, graph, trials, asking) {
            let style = HumanStyle { color, width: 100 };
            eprintln!("{}", render::human(&diagnostic, &compiled.sources, style));
            return Err(EXIT_ERRORS);
        }
        let options = monte_carlo::Options {
            trials,
            seed: args.monte_carlo.seed,
            threads: super::threads(args.monte_carlo.threads),
            mission,
        };
        let bar = progress_bar(trials);
        let started = Instant::now();
        let is_terminal = std::io::stderr().is_terminal();
        let progress = |done: u64| {
            if is_terminal && bar.is_hidden() && started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_position(done);
        };
        let report = monte_carlo::run(plan, graph, &options, &progress);
        bar.finish_and_clear();
        // Past its node limit the exact analysis is left out and the estimate stands alone.
        let exact = match exact::analyse(plan, graph, &exact::Options::new(mission)) {
            Ok(exact) => Some(exact),
            Err(diagnostic) => {
                let style = HumanStyle { color, width: 100 };
                eprintln!("{}", render::human(&diagnostic, &compiled.sources, style));
                None
            }
        };
        (Some(report), exact)
    } else {
        (None, None)
    };
    Ok(Results {
        is_exact_over_limit: monte_carlo.is_some() && exact.is_none(),
        scenarios,
        monte_carlo,
        exact,
    })
}

fn human(plan: &Plan, results: &Results) -> String {
    let mut out = String::new();
    for report in &results.scenarios {
        out.push_str(&emit::timeline::human(plan, report));
        out.push('\n');
    }
    if let Some(report) = &results.monte_carlo {
        out.push_str(&emit::monte_carlo::human(plan, report));
        out.push('\n');
    }
    if let Some(report) = &results.exact {
        out.push_str(&emit::exact::human(
            plan,
            report,
            results.monte_carlo.as_ref(),
        ));
    }
    if results.is_exact_over_limit {
        out.push_str(&format!(
            "exact unavailability left out: its decision diagram would pass the limit of {} nodes (drplan::limit-exceeded)\n",
            exact::MAX_BDD_NODES
        ));
    }
    if results.scenarios.is_empty() && results.monte_carlo.is_none() {
        out.push_str("nothing to simulate: the plan has no scenario with failures; add `at TIME fail NAME` to a scenario, or run with `--trials N`\n");
    }
    out
}

fn emit_text(text: &str) {
    super::output::print_stdout(text);
}

pub fn run_command(args: &SimulateArgs, color: bool) -> i32 {
    let changed = match compile(args, &args.set, color) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let results = match run(args, &changed, color) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let plan = changed.plan.as_ref().expect("compiled");
    let mut failed = results.has_failed_expectation() || results.is_exact_over_limit;
    if args.compare {
        let baseline_compiled = match compile(args, &[], color) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let baseline = match run(args, &baseline_compiled, color) {
            Ok(r) => r,
            Err(code) => return code,
        };
        let baseline_plan = baseline_compiled.plan.as_ref().expect("compiled");
        failed |= baseline.is_exact_over_limit;
        match args.format {
            SimFormat::Json => {
                #[derive(Serialize)]
                struct Comparison<'a> {
                    overrides: &'a [String],
                    baseline: &'a Results,
                    changed: &'a Results,
                }
                let value = Comparison {
                    overrides: &args.set,
                    baseline: &baseline,
                    changed: &results,
                };
                emit_text(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                ));
            }
            SimFormat::Human => {
                let baseline_json = serde_json::to_value(&baseline).unwrap_or_default();
                let changed_json = serde_json::to_value(&results).unwrap_or_default();
                let mut text = emit::compare::human(&args.set, &baseline_json, &changed_json);
                text.push_str("\n== baseline ==\n\n");
                text.push_str(&human(baseline_plan, &baseline));
                text.push_str(&format!("\n== with {} ==\n\n", args.set.join(", ")));
                text.push_str(&human(plan, &results));
                emit_text(&text);
            }
        }
    } else {
        match args.format {
            SimFormat::Json => emit_text(&format!(
                "{}\n",
                serde_json::to_string_pretty(&results).unwrap_or_default()
            )),
            SimFormat::Human => emit_text(&human(plan, &results)),
        }
    }
    if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
