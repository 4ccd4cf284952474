//! The one integration test binary: a module per feature, each running the real `drplan`.
//! Module files live in `tests/main/` so that Cargo builds a single test target.

#[path = "main/book.rs"]
mod book;
#[path = "main/ci_output.rs"]
mod ci_output;
#[path = "main/cli.rs"]
mod cli;
#[path = "main/diagnostics.rs"]
mod diagnostics;
#[path = "main/editors.rs"]
mod editors;
#[path = "main/exec.rs"]
mod exec;
#[path = "main/explain.rs"]
mod explain;
#[path = "main/fmt.rs"]
mod fmt;
#[path = "main/fmt_props.rs"]
mod fmt_props;
#[path = "../fuzz/src/checks.rs"]
mod fuzz_checks;
#[path = "main/fuzz_corpus.rs"]
mod fuzz_corpus;
#[path = "main/generated_plans.rs"]
mod generated_plans;
#[path = "main/graph.rs"]
mod graph;
#[path = "main/guards.rs"]
mod guards;
#[path = "main/inputs.rs"]
mod inputs;
#[path = "main/lsp.rs"]
mod lsp;
#[path = "main/outside.rs"]
mod outside;
#[path = "main/parser_props.rs"]
mod parser_props;
#[path = "main/report.rs"]
mod report;
#[path = "main/rules.rs"]
mod rules;
#[path = "main/runbook.rs"]
mod runbook;
#[path = "main/simulate_cli.rs"]
mod simulate_cli;
#[path = "main/simulate_exact.rs"]
mod simulate_exact;
#[path = "main/simulate_monte_carlo.rs"]
mod simulate_monte_carlo;
#[path = "main/simulate_schema.rs"]
mod simulate_schema;
#[path = "main/simulate_scripted.rs"]
mod simulate_scripted;
#[path = "main/staging.rs"]
mod staging;
#[path = "main/test_builder.rs"]
mod test_builder;
#[path = "main/tree_sitter.rs"]
mod tree_sitter;
