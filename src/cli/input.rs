//! The plan a command works on: loaded and compiled, or the exit code that says why not.
//! Safety findings do not stop a command that needs the model (a plan with a big bang is
//! still worth drawing or simulating); I/O problems and plans that do not resolve do.

use super::{EXIT_ERRORS, EXIT_USAGE};
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::Compiled;

/// Compile a loaded plan that must resolve; `Err` holds the exit code, after the
/// problems were printed to stderr.
pub fn resolved(loaded: drplan::load::Loaded, color: bool) -> Result<Compiled, i32> {
    let compiled = drplan::compile(loaded);
    if compiled.has_io_error {
        for diagnostic in &compiled.diagnostics {
            eprintln!("error: {}", diagnostic.message);
        }
        return Err(EXIT_USAGE);
    }
    let blocking: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && !d.code.is_allowable())
        .collect();
    if compiled.plan.is_none() || compiled.graph.is_none() || !blocking.is_empty() {
        for diagnostic in blocking {
            let style = HumanStyle { color, width: 100 };
            eprintln!("{}", render::human(diagnostic, &compiled.sources, style));
        }
        eprintln!("error: the plan does not compile; `drplan check` shows every problem");
        return Err(EXIT_ERRORS);
    }
    Ok(compiled)
}
