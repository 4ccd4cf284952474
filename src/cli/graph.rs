//! `drplan graph`: compile a plan and print its dependency graph as DOT, Mermaid or JSON,
//! optionally with one scenario's blast radius.

use super::args::{GraphArgs, GraphFormat};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::did_you_mean;
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::emit::graph::{self, dot, json, mermaid};
use drplan::model::ScenarioId;
use drplan::simulate::scripted;

pub fn run(args: &GraphArgs, color: bool) -> i32 {
    let compiled = drplan::compile(drplan::load::load(&args.path));
    if compiled.has_io_error {
        for d in &compiled.diagnostics {
            eprintln!("error: {}", d.message);
        }
        return EXIT_USAGE;
    }
    // Safety findings do not stop a drawing (a plan with a big bang is worth seeing); a
    // plan that does not resolve does.
    let blocking: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && !drplan::analysis::is_analysis_code(d.code))
        .collect();
    let (Some(plan), Some(dependencies)) = (&compiled.plan, &compiled.graph) else {
        return does_not_compile(&compiled, &blocking, color);
    };
    if !blocking.is_empty() {
        return does_not_compile(&compiled, &blocking, color);
    }
    let radius = match &args.scenario {
        None => None,
        Some(name) => {
            let Some(index) = plan.scenarios.iter().position(|s| s.name == *name) else {
                eprintln!("error: the plan has no scenario `{name}`");
                if let Some(help) =
                    did_you_mean(name, plan.scenarios.iter().map(|s| s.name.as_str()))
                {
                    eprintln!("help: {help}");
                }
                return EXIT_USAGE;
            };
            let id = ScenarioId(index as u32);
            Some((
                name.as_str(),
                scripted::blast_radius(plan, dependencies, id),
            ))
        }
    };
    let drawing = graph::drawing(plan, dependencies, radius.as_ref().map(|(n, r)| (*n, r)));
    let text = match args.format {
        GraphFormat::Dot => dot::render(&drawing),
        GraphFormat::Mermaid => mermaid::render(&drawing),
        GraphFormat::Json => json::render(&drawing),
    };
    match &args.output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(error) = std::fs::write(path, text) {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    EXIT_OK
}

fn does_not_compile(
    compiled: &drplan::Compiled,
    blocking: &[&drplan::diagnostics::Diagnostic],
    color: bool,
) -> i32 {
    for diagnostic in blocking {
        let style = HumanStyle { color, width: 100 };
        eprintln!("{}", render::human(diagnostic, &compiled.sources, style));
    }
    eprintln!("error: the plan does not compile; `drplan check` shows every problem");
    EXIT_ERRORS
}
