//! `drplan graph`: compile a plan and print its dependency graph as DOT, Mermaid or JSON,
//! optionally with one scenario's blast radius.

use super::args::{GraphArgs, GraphFormat};
use super::input;
use super::output::{write_atomically, Permissions};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::did_you_mean;
use drplan::emit::graph::{self, dot, json, mermaid};
use drplan::model::ScenarioId;
use drplan::simulate::scripted;

pub fn run(args: &GraphArgs, color: bool) -> i32 {
    let compiled = match input::resolved(drplan::load::load(&args.path), color) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let (Some(plan), Some(dependencies)) = (&compiled.plan, &compiled.graph) else {
        return EXIT_ERRORS;
    };
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
        None => super::output::print_stdout(&text),
        Some(path) => {
            if let Err(error) = write_atomically(path, text.as_bytes(), Permissions::Keep) {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                return EXIT_USAGE;
            }
        }
    }
    EXIT_OK
}
