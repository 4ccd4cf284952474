//! drplan: a disaster-recovery plan compiler and simulator.
//!
//! The pipeline, one module per stage:
//! `load` (files) → `syntax` (text → ast) → `model` (ast → resolved plan)
//! → `graph` (dependency graph) → `analysis` (safety rules) → `simulate` (failures)
//! → `runbook` (recovery and rollout steps) → `emit` (text for people and machines).
//! Beside the pipeline, `fmt` rewrites plan text in its canonical layout.

pub mod analysis;
pub mod diagnostics;
pub mod emit;
pub mod exec;
pub mod fmt;
pub mod graph;
pub mod load;
pub mod lsp;
pub mod model;
pub mod runbook;
pub mod simulate;
pub mod source;
pub mod syntax;

use diagnostics::{Code, Diagnostic, Severity};
use source::SourceMap;

/// The result of compiling one plan: its sources, the model when resolution could
/// run, and every diagnostic in source order.
#[derive(Debug)]
pub struct Compiled {
    pub sources: SourceMap,
    pub plan: Option<model::Plan>,
    pub graph: Option<graph::Graph>,
    pub diagnostics: Vec<Diagnostic>,
    pub has_io_error: bool,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Compile a loaded plan: resolve names, build the graph.
pub fn compile(loaded: load::Loaded) -> Compiled {
    let load::Loaded {
        sources,
        files,
        mut diagnostics,
        has_io_error,
    } = loaded;
    let mut plan = None;
    let mut graph = None;
    let over_limits = model::limits::check(&files);
    if !over_limits.is_empty() {
        // Resolving a plan past its limits is the very cost the limits exist to avoid.
        diagnostics.extend(over_limits);
    } else if !has_io_error && !files.is_empty() {
        if files.iter().all(|(_, f)| f.is_empty()) && diagnostics.is_empty() {
            let (_, first) = sources.files().next().expect("one file was loaded");
            diagnostics.push(
                Diagnostic::new(Code::EmptyPlan, format!("`{}` declares nothing", first.name)).help(
                    "a plan declares at least its sites, servers and services; see `drplan explain empty-plan`",
                ),
            );
        } else {
            // The syntax tree is the largest structure: resolution consumes it.
            let (resolved, resolve_diagnostics) = model::resolve(files, &sources);
            diagnostics.extend(resolve_diagnostics);
            // Read off the plan as resolved: a file that resolution had to parse whole
            // may hold a `plan` block that its index did not show.
            if resolved.settings.span.is_none() {
                let (_, first) = sources.files().next().expect("one file was loaded");
                diagnostics.push(
                    Diagnostic::new(Code::MissingPlan, format!("`{}` has no `plan` block", first.name))
                        .help("add `plan NAME { owner ROLE  escalation ROLE  rto 4h  rpo 1h }` to name the plan and its objectives"),
                );
            }
            let (built, graph_diagnostics) = graph::build(&resolved);
            diagnostics.extend(graph_diagnostics);
            // Safety rules need a sound model: only a plan without errors is analysed.
            if !diagnostics.iter().any(Diagnostic::is_error) {
                diagnostics.extend(analysis::check(&resolved, &built));
            }
            plan = Some(resolved);
            graph = Some(built);
        }
    }
    sort_diagnostics(&mut diagnostics);
    Compiled {
        sources,
        plan,
        graph,
        diagnostics,
        has_io_error,
    }
}

/// Apply what-if overrides (`KIND.NAME.PROPERTY=VALUE`) to a loaded plan, before it is
/// compiled. Each value's text becomes a source named after the option, so that a bad
/// value is reported like any plan text.
pub fn apply_overrides(
    loaded: &mut load::Loaded,
    assignments: &[String],
) -> Result<(), Diagnostic> {
    if !assignments.is_empty() {
        loaded.keep_whole();
    }
    for assignment in assignments {
        let target = syntax::parse_override(assignment)?;
        let file = loaded
            .sources
            .add(format!("--set {assignment}").into(), target.text.clone());
        syntax::apply_override(&mut loaded.files, &target, file)?;
    }
    Ok(())
}

/// Source order: by file, then position; diagnostics without a span first.
fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start, s.end)));
}
