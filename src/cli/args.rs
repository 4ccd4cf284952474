//! The command line as clap parses it; `cli` turns it into actions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// drplan compiles disaster-recovery plans: it checks them for unsafe changes,
/// unmet recovery objectives and untested backups, simulates failures, and
/// prints the runbooks that recover from them.
#[derive(Debug, Parser)]
#[command(name = "drplan", version, about, max_term_width = 100)]
pub struct Cli {
    /// When to colour output: auto follows the terminal and NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile plans and report every problem found.
    ///
    /// Each PATH is one plan: a `.dr` file together with the files it includes,
    /// or a directory whose `.dr` files together form one plan.
    /// Exit status: 0 when no plan has errors, 1 when any has, 2 when a path
    /// cannot be read or the command line is wrong.
    Check(CheckArgs),
    /// Print the explanation of a diagnostic code, with examples and fixes.
    Explain(ExplainArgs),
    /// Draw the dependency graph (not yet available).
    Graph(PendingArgs),
    /// Simulate failure scenarios and Monte Carlo runs (not yet available).
    Simulate(PendingArgs),
    /// Emit restore and rollout runbooks (not yet available).
    Runbook(PendingArgs),
    /// Run a runbook with a resumable journal (not yet available).
    Exec(PendingArgs),
    /// Format plan files in the canonical layout (not yet available).
    Fmt(PendingArgs),
    /// Write an HTML report of a plan (not yet available).
    Report(PendingArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Plan files or directories.
    #[arg(required = true, value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Output format: human-readable diagnostics, one JSON document, or SARIF 2.1.0.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Print a safe staged order for every rollout, as plan text to paste.
    #[arg(long)]
    pub suggest_stages: bool,

    /// Treat warnings as errors (`--deny warnings`).
    #[arg(long, value_name = "LEVEL", value_parser = ["warnings"])]
    pub deny: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code, with or without the `drplan::` prefix (for example `unknown-reference`).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,

    /// List every code with a one-line summary.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct PendingArgs {
    /// Arguments of the future command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}
