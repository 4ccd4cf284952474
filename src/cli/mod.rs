//! The command line: parse arguments, run the pipeline, print, and choose the exit code.
//! The only module that writes to stdout or stderr.

mod args;
mod check;
mod completions;
mod exec;
mod explain;
mod fmt;
mod graph;
mod input;
mod lsp;
mod output;
mod report;
mod runbook;
mod simulate;

pub use args::Cli;
use args::{ColorChoice, Command};
use std::io::IsTerminal;

/// Exit code for a clean run.
pub const EXIT_OK: i32 = 0;
/// Exit code when a plan has errors.
pub const EXIT_ERRORS: i32 = 1;
/// Exit code for usage and I/O problems.
pub const EXIT_USAGE: i32 = 2;
/// Exit code of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Threads for Monte Carlo trials: as asked, else every core.
fn threads(requested: Option<u64>) -> usize {
    requested
        .map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |t| t as usize,
        )
        .max(1)
}

/// Whether to colour a stream, following `--color` and `NO_COLOR`.
fn use_color(choice: ColorChoice, stream_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Run the command line and return the process exit code.
pub fn run(cli: Cli) -> i32 {
    let color = use_color(cli.color, std::io::stdout().is_terminal());
    match cli.command {
        Command::Check(args) => check::run(&args, color),
        Command::Explain(args) => explain::run(&args),
        Command::Simulate(args) => simulate::run_command(&args, color),
        Command::Runbook(args) => runbook::run(&args, color),
        Command::Report(args) => report::run(&args, color),
        Command::Exec(args) => exec::run(&args),
        Command::Completions(args) => completions::run_completions(&args),
        Command::Man(args) => completions::run_man(&args),
        Command::Lsp => lsp::run(),
        Command::Graph(args) => graph::run(&args, color),
        Command::Fmt(args) => {
            fmt::run(&args, use_color(cli.color, std::io::stderr().is_terminal()))
        }
    }
}
