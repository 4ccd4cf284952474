//! `drplan check`: compile each plan and report its diagnostics.

use super::args::{CheckArgs, Format};
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use drplan::diagnostics::render::{self, HumanStyle};
use drplan::diagnostics::sarif;
use drplan::diagnostics::{Code, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// Width diagnostics are wrapped at.
const WIDTH: usize = 100;
/// Diagnostics of one code shown per plan in the human format; the rest are counted.
const SHOWN_PER_CODE: usize = 25;

#[derive(Debug, Default, Serialize)]
struct Summary {
    plans: usize,
    files: usize,
    errors: usize,
    warnings: usize,
}

impl Summary {
    fn line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        if self.errors == 0 && self.warnings == 0 {
            format!("no problems in {}", plural(self.files, "file"))
        } else {
            format!(
                "{}, {} in {}",
                plural(self.errors, "error"),
                plural(self.warnings, "warning"),
                plural(self.files, "file")
            )
        }
    }
}

pub fn run(args: &CheckArgs, color: bool) -> i32 {
    let deny_warnings = args.deny.is_some();
    let mut summary = Summary::default();
    let mut json_diagnostics = Vec::new();
    let mut has_io_error = false;
    let mut compiled_plans = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.paths {
        let compiled = drplan::compile(drplan::load::load(path));
        if args.suggest_stages {
            suggest_stages(&compiled, &mut out);
        }
        has_io_error |= compiled.has_io_error;
        summary.plans += 1;
        summary.files += compiled.sources.len();
        let mut shown: BTreeMap<Code, usize> = BTreeMap::new();
        for diagnostic in &compiled.diagnostics {
            let mut diagnostic = diagnostic.clone();
            if deny_warnings {
                diagnostic.severity = Severity::Error;
            }
            match diagnostic.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
            match args.format {
                Format::Human => {
                    let count = shown.entry(diagnostic.code).or_default();
                    *count += 1;
                    if *count <= SHOWN_PER_CODE {
                        let style = HumanStyle {
                            color,
                            width: WIDTH,
                        };
                        let text = render::human(&diagnostic, &compiled.sources, style);
                        let _ = writeln!(out, "{text}");
                    }
                }
                Format::Json => json_diagnostics.push(render::json(&diagnostic, &compiled.sources)),
                Format::Sarif => {}
            }
        }
        for (code, count) in &shown {
            if *count > SHOWN_PER_CODE {
                let _ = writeln!(
                    out,
                    "… and {} more `{code}` diagnostics (`--format json` lists them all)\n",
                    count - SHOWN_PER_CODE
                );
            }
        }
        if args.format == Format::Sarif {
            let mut diagnostics = compiled.diagnostics.clone();
            if deny_warnings {
                diagnostics
                    .iter_mut()
                    .for_each(|d| d.severity = Severity::Error);
            }
            compiled_plans.push((compiled, diagnostics));
        } else {
            // Freeing a large model is one free per allocation: done beside the next
            // plan's work, or cut short when the process exits (it owns no files).
            std::thread::spawn(move || drop(compiled));
        }
    }
    match args.format {
        Format::Human => {
            let _ = writeln!(out, "{}", summary.line());
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Report<'a> {
                diagnostics: &'a [render::JsonDiagnostic],
                summary: &'a Summary,
            }
            let report = Report {
                diagnostics: &json_diagnostics,
                summary: &summary,
            };
            let _ = serde_json::to_writer_pretty(&mut out, &report);
            let _ = writeln!(out);
        }
        Format::Sarif => {
            let reports: Vec<sarif::PlanReport> = compiled_plans
                .iter()
                .map(|(compiled, diagnostics)| sarif::PlanReport {
                    sources: &compiled.sources,
                    diagnostics,
                })
                .collect();
            let _ = serde_json::to_writer_pretty(&mut out, &sarif::log(&reports));
            let _ = writeln!(out);
            eprintln!("{}", summary.line());
        }
    }
    if has_io_error {
        EXIT_USAGE
    } else if summary.errors > 0 {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Print every rollout of a compiled plan, regrouped into safe stages.
fn suggest_stages(compiled: &drplan::Compiled, out: &mut impl Write) {
    let (Some(plan), Some(graph)) = (&compiled.plan, &compiled.graph) else {
        return;
    };
    let context = drplan::analysis::Context::new(plan, graph);
    for index in 0..plan.rollouts.len() {
        let rollout = drplan::model::RolloutId(index as u32);
        let stages = drplan::analysis::staging::suggest(&context, rollout);
        let _ = writeln!(
            out,
            "# suggested staging for rollout `{}`: {} stage{}, what others depend on first",
            plan.rollouts[index].name,
            stages.len(),
            if stages.len() == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            out,
            "{}",
            drplan::emit::stages::render(plan, &compiled.sources, rollout, &stages)
        );
    }
}
