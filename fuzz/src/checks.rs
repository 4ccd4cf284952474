//! The checks the fuzz targets run on one input, shared with the test suite (which
//! includes this file) so that CI, without cargo-fuzz, replays the seed corpus and
//! every committed reproducer. Asserts only what must hold for any text; no I/O.

use drplan::diagnostics::render::{self, HumanStyle};
use drplan::model::{RolloutId, ScenarioId};
use drplan::simulate::{exact, monte_carlo, scripted};
use drplan::{emit, runbook, Compiled};

/// Trials of the Monte Carlo run on a fuzzed plan: enough to reach every code path.
const TRIALS: u64 = 10;
/// Mission time when no scenario gives one: a year, as `drplan simulate` uses.
const DEFAULT_MISSION: u64 = 365 * 86_400;

/// Compile `text` as one file, render every diagnostic as text and as JSON, and assert
/// that every label lies inside its source, on character boundaries.
///
/// It also compiles `text` as `drplan check` reads a file, with the numerous
/// declarations indexed and parsed where lowered, and asserts the same plan and
/// the same diagnostics.
pub fn frontend(text: &str) -> Compiled {
    let compiled = drplan::compile(drplan::load::load_text("fuzz.dr", text));
    let indexed = drplan::compile(drplan::load::load_text_indexed("fuzz.dr", text));
    // Past a limit, indexed declarations are not parsed, so their mistakes go unseen.
    let is_over_limits = |c: &Compiled| {
        c.diagnostics
            .iter()
            .any(|d| d.code == drplan::diagnostics::Code::LimitExceeded)
    };
    if is_over_limits(&indexed) {
        assert!(
            is_over_limits(&compiled),
            "only the indexed reading is over limits"
        );
    } else {
        assert_eq!(
            format!("{:?}", compiled.diagnostics),
            format!("{:?}", indexed.diagnostics),
            "indexed reading changed the diagnostics"
        );
        assert_eq!(
            format!("{:?}", compiled.plan),
            format!("{:?}", indexed.plan),
            "indexed reading changed the plan"
        );
    }
    for diagnostic in &compiled.diagnostics {
        for label in &diagnostic.labels {
            let source = &compiled.sources.file(label.span.file).text;
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(
                start <= end && end <= source.len(),
                "{}: span {start}..{end} outside 0..{}",
                diagnostic.code,
                source.len()
            );
            assert!(
                source.is_char_boundary(start) && source.is_char_boundary(end),
                "{}: span {start}..{end} splits a character",
                diagnostic.code
            );
        }
        let style = HumanStyle {
            color: false,
            width: 80,
        };
        let human = render::human(diagnostic, &compiled.sources, style);
        assert!(
            human.contains(diagnostic.code.name()),
            "the rendering lacks the code {}:\n{human}",
            diagnostic.code
        );
        let json = render::json(diagnostic, &compiled.sources);
        serde_json::to_string(&json).expect("a diagnostic serializes");
    }
    compiled
}

/// Compile `text`; when nothing blocks a simulation (as `drplan simulate` decides),
/// replay every scenario, run a tiny Monte Carlo and the exact analysis, and build
/// and render the runbook of every scenario and rollout.
pub fn simulate(text: &str) {
    simulate_compiled(&drplan::compile(drplan::load::load_text("fuzz.dr", text)));
}

/// [`simulate`] for a plan already compiled.
pub fn simulate_compiled(compiled: &Compiled) {
    let (Some(plan), Some(graph)) = (&compiled.plan, &compiled.graph) else {
        return;
    };
    let blocks = |d: &drplan::diagnostics::Diagnostic| d.is_error() && !d.code.is_allowable();
    if compiled.diagnostics.iter().any(blocks) {
        return;
    }
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        let id = ScenarioId(index as u32);
        if !scenario.events.is_empty() {
            let report = scripted::run(plan, graph, id);
            emit::timeline::human(plan, &report);
            serde_json::to_string(&report).expect("a scenario report serializes");
        }
        render_runbook(&runbook::scenario(plan, graph, id));
    }
    for index in 0..plan.rollouts.len() {
        render_runbook(&runbook::rollout(plan, graph, RolloutId(index as u32)));
    }
    let mission = plan
        .scenarios
        .iter()
        .find_map(|s| s.random_over)
        .unwrap_or(DEFAULT_MISSION);
    let options = monte_carlo::Options {
        trials: TRIALS,
        seed: 0,
        threads: 1,
        mission,
    };
    let estimate = monte_carlo::run(plan, graph, &options, &|_| {});
    emit::monte_carlo::human(plan, &estimate);
    serde_json::to_string(&estimate).expect("a Monte Carlo report serializes");
    // Past its node limit the analysis is a diagnostic, which is fine here: no panic.
    if let Ok(exact) = exact::analyse(plan, graph, &exact::Options::new(mission)) {
        emit::exact::human(plan, &exact, Some(&estimate));
    }
}

fn render_runbook(document: &runbook::document::Runbook) {
    emit::runbook::markdown(document);
    emit::runbook::shell(document);
    emit::runbook::json(document);
}

/// Format `text`; when it has no syntax errors, the result must parse, format to
/// itself, and compile to the same model with the same diagnostic codes.
pub fn fmt(text: &str) {
    let Ok(formatted) = drplan::fmt::format_source(text) else {
        return;
    };
    let again = drplan::fmt::format_source(&formatted)
        .unwrap_or_else(|e| panic!("the formatted text does not parse: {:?}", e.diagnostics));
    assert_eq!(again, formatted, "formatting is not idempotent");
    assert_eq!(
        meaning(&formatted),
        meaning(text),
        "formatting changed what the plan means"
    );
}

/// The model as JSON and the diagnostic codes, sorted: what formatting must keep.
fn meaning(text: &str) -> (String, Vec<String>) {
    let compiled = drplan::compile(drplan::load::load_text("fuzz.dr", text));
    let model = serde_json::to_string(&compiled.plan).expect("a model serializes");
    let mut codes: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    codes.sort();
    (model, codes)
}
