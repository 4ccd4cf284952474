//! `drplan report`: compile the plan, run its simulations, and write the HTML report
//! atomically (a temp file in the same directory, then a rename).

use super::args::ReportArgs;
use super::output::{write_atomically, Permissions};
use super::simulate::{DEFAULT_MISSION, DEFAULT_TRIALS};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::analysis::{self, StageTimeline};
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::emit::report::{self, Input, Results};
use drplan::model::{RolloutId, ScenarioId};
use drplan::simulate::{monte_carlo, scripted};
use drplan::Compiled;
use std::io::Write;

/// The simulations of a plan that compiles.
struct Simulated {
    scenarios: Vec<scripted::Report>,
    monte_carlo: Option<monte_carlo::Report>,
    rollouts: Vec<Vec<StageTimeline>>,
    /// The Monte Carlo run was refused: it would pass the limit on component samples.
    is_over_budget: bool,
}

fn simulate(args: &ReportArgs, compiled: &Compiled, color: bool) -> Option<Simulated> {
    let (plan, graph) = (compiled.plan.as_ref()?, compiled.graph.as_ref()?);
    // As for `simulate`: safety findings do not stop a simulation, compile errors do.
    if compiled
        .diagnostics
        .iter()
        .any(|d| d.is_error() && !d.code.is_allowable())
    {
        return None;
    }
    let scenarios = (0..plan.scenarios.len())
        .map(|i| ScenarioId(i as u32))
        .filter(|id| !plan.scenarios[id.index()].events.is_empty())
        .map(|id| scripted::run(plan, graph, id))
        .collect();
    let mission_from_scenario = plan.scenarios.iter().find_map(|s| s.random_over);
    let trials = args.monte_carlo.trials.unwrap_or(DEFAULT_TRIALS);
    let asking = args.monte_carlo.trials.is_none().then(|| {
        (0..plan.scenarios.len())
            .map(|i| ScenarioId(i as u32))
            .find(|id| plan.scenarios[id.index()].random_over.is_some())
    });
    let over_budget = (args.monte_carlo.trials.is_some() || mission_from_scenario.is_some())
        .then(|| monte_carlo::check_budget(plan, graph, trials, asking.flatten()))
        .flatten();
    if let Some(diagnostic) = &over_budget {
        let style = HumanStyle { color, width: 100 };
        eprintln!("{}", render::human(diagnostic, &compiled.sources, style));
    }
    let wants_monte_carlo = args.monte_carlo.trials.is_some() || mission_from_scenario.is_some();
    let monte_carlo = (wants_monte_carlo && over_budget.is_none()).then(|| {
        let options = monte_carlo::Options {
            trials,
            seed: args.monte_carlo.seed,
            threads: super::threads(args.monte_carlo.threads),
            mission: args
                .monte_carlo
                .mission
                .or(mission_from_scenario)
                .unwrap_or(DEFAULT_MISSION),
        };
        monte_carlo::run(plan, graph, &options, &|_| {})
    });
    let context = analysis::Context::new(plan, graph);
    let rollouts = (0..plan.rollouts.len())
        .map(|i| analysis::stage_timelines(&context, RolloutId(i as u32)))
        .collect();
    Some(Simulated {
        is_over_budget: over_budget.is_some(),
        scenarios,
        monte_carlo,
        rollouts,
    })
}

pub fn run(args: &ReportArgs, color: bool) -> i32 {
    let compiled = drplan::compile(drplan::load::load(&args.path));
    if compiled.has_io_error {
        for diagnostic in &compiled.diagnostics {
            let style = HumanStyle { color, width: 100 };
            eprintln!("{}", render::human(diagnostic, &compiled.sources, style));
        }
        eprintln!("error: no report written: the plan could not be read");
        return EXIT_USAGE;
    }
    let simulated = simulate(args, &compiled, color);
    let path = args.path.display().to_string();
    let input = Input {
        path: &path,
        sources: &compiled.sources,
        diagnostics: &compiled.diagnostics,
        plan: compiled.plan.as_ref(),
        graph: compiled.graph.as_ref(),
        results: simulated.as_ref().map(|s| Results {
            scenarios: &s.scenarios,
            monte_carlo: s.monte_carlo.as_ref(),
            rollouts: &s.rollouts,
        }),
    };
    let html = report::html(&input);
    if args.output.as_os_str() == "-" {
        let _ = std::io::stdout().lock().write_all(html.as_bytes());
    } else if let Err(error) = write_atomically(&args.output, html.as_bytes(), Permissions::Keep) {
        eprintln!(
            "error: cannot write the report to `{}`: {error}",
            args.output.display()
        );
        return EXIT_USAGE;
    }
    let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
    if simulated.as_ref().is_some_and(|s| s.is_over_budget) {
        eprintln!("error: the report leaves out the Monte Carlo run");
        EXIT_ERRORS
    } else if errors > 0 {
        eprintln!(
            "error: the plan has {errors} error{}; the report shows {}",
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" }
        );
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
