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
    /// Draw the dependency graph: sites as clusters, a shape per kind, references as
    /// labelled edges; with `--scenario`, what the scenario takes down.
    ///
    /// Exit status: 0 when drawn, 1 when the plan does not compile, 2 for usage or I/O
    /// problems (an unknown scenario among them).
    Graph(GraphArgs),
    /// Replay failure scenarios as timelines, and estimate over many random failures how
    /// often the objectives hold (Monte Carlo, with exact values beside it).
    ///
    /// Without options, every scenario with scripted failures is replayed, and a Monte
    /// Carlo run is made when a scenario declares `random over D`.
    /// Exit status: 0 when every expectation holds, 1 when one fails, the plan has
    /// errors or a run passes a resource limit, 2 for usage or I/O problems.
    Simulate(SimulateArgs),
    /// Print the runbook of a scenario (restore) or a rollout: ordered steps with owners,
    /// times, gates and rollbacks, as Markdown, a bash script or JSON.
    ///
    /// Without --scenario or --rollout, the plan's only scenario or rollout is used.
    /// Exit status: 0 when the runbook was written, 1 when the plan does not compile, 2
    /// for usage or I/O problems (an unknown name, a file that cannot be written).
    Runbook(RunbookArgs),
    /// Run a runbook (`drplan runbook --format json`) step by step with a resumable journal.
    ///
    /// Steps run in dependency order, independent ones at once up to the runbook's
    /// parallelism. Every start and end is journaled durably; a failed step stops the
    /// run, and it runs again only when the operator says so (`--resume --retry STEP`).
    /// Exit status: 0 when every step is done (or for --dry-run, --report), 1 when a step
    /// failed, a stop condition fired, or a step needs a decision, 2 for a bad runbook,
    /// a bad journal or usage, 130 when interrupted.
    Exec(ExecArgs),
    /// Format plan files in the canonical layout, keeping every comment.
    ///
    /// Without PATHS, every `.dr` file under the current directory. A file with syntax
    /// errors is reported and left alone. Exit status: 0 when done (with `--check`:
    /// when every file is formatted), 1 when a file has syntax errors (or, with
    /// `--check`, would change), 2 for I/O problems.
    Fmt(FmtArgs),
    /// Write one self-contained HTML report of a plan: the check summary, the dependency
    /// graph, each scenario's recovery timeline, Monte Carlo histograms and the rollout
    /// stages against their windows.
    ///
    /// The report is written (atomically) whenever the plan could be read, with its
    /// diagnostics when it has any; simulations need a plan that compiles. Monte Carlo
    /// runs when a scenario declares `random over`, or whenever `--trials` is given.
    /// Exit status: 0 when the plan has no errors, 1 when it has (the report shows
    /// them), 2 for usage or I/O problems (no report is written).
    Report(ReportArgs),
    /// Print a shell completion script: `drplan completions bash > /etc/bash_completion.d/drplan`.
    Completions(CompletionsArgs),
    /// Print the manual page as roff, or write one page per subcommand with `-o DIR`.
    #[command(hide = true)]
    Man(ManArgs),
    /// Run the language server on standard input and output (for editors).
    Lsp,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `drplan.1` and one `drplan-COMMAND.1` per subcommand into this directory.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
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
pub struct SimulateArgs {
    /// The plan: a `.dr` file or a directory.
    pub path: PathBuf,

    /// Run only this scenario (repeatable).
    #[arg(long, value_name = "NAME")]
    pub scenario: Vec<String>,

    #[command(flatten)]
    pub monte_carlo: MonteCarloArgs,

    /// Override a value of the plan for this run: `KIND.NAME.PROPERTY=VALUE` (repeatable),
    /// like `--set backup.ehr-nightly.differential=30m` or `--set standby.truck.ready-in=4h`.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,

    /// Show the baseline and the plan changed by `--set` side by side.
    #[arg(long, requires = "set")]
    pub compare: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SimFormat::Human)]
    pub format: SimFormat,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The plan: a `.dr` file or a directory.
    pub path: PathBuf,

    /// Where to write the report; `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub monte_carlo: MonteCarloArgs,
}

/// The Monte Carlo options `simulate` and `report` share.
#[derive(Debug, Args)]
pub struct MonteCarloArgs {
    /// Monte Carlo trials (default 10000 when a scenario declares `random over`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub trials: Option<u64>,

    /// Seed of the Monte Carlo run: the same seed gives the same output.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Threads for Monte Carlo trials (default: all cores); the output does not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,

    /// Mission time for random failures, like `1y` (default: the scenario's `random over`, else 1y).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub mission: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Human,
    Json,
}

/// A duration as in a plan (`4h`, `1y`), in seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(|| format!("`{text}` needs a unit, like `1y` or `30d`"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration"))?;
    let multiplier = drplan::syntax::units::duration_unit(unit)
        .ok_or_else(|| format!("`{unit}` is not a unit of duration (s, m, h, d, w, y)"))?;
    let seconds = value * multiplier;
    if seconds <= 0.0 || seconds > drplan::syntax::units::MAX_DURATION_SECONDS {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(seconds.round() as u64)
}

#[derive(Debug, Args)]
pub struct RunbookArgs {
    /// The plan: a `.dr` file or a directory.
    pub path: PathBuf,

    /// The scenario to recover from.
    #[arg(long, value_name = "NAME", conflicts_with = "rollout")]
    pub scenario: Option<String>,

    /// The rollout to run.
    #[arg(long, value_name = "NAME")]
    pub rollout: Option<String>,

    /// Output format: Markdown for people, a bash script, or the JSON document `drplan exec` reads.
    #[arg(long, value_enum, default_value_t = RunbookFormat::Md)]
    pub format: RunbookFormat,

    /// Write to FILE (atomically: a temporary file in the same directory, then renamed)
    /// instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunbookFormat {
    Md,
    Sh,
    Json,
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
pub struct ExecArgs {
    /// The runbook JSON file.
    pub runbook: PathBuf,

    /// The journal (default: the runbook's path with the extension `.journal`).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    /// Continue the run its journal records; finished steps never run again.
    #[arg(long, conflicts_with_all = ["restart", "dry_run", "report"])]
    pub resume: bool,

    /// Archive an existing journal (as `PATH.N`) and start a fresh run.
    #[arg(long, conflicts_with_all = ["dry_run", "report"])]
    pub restart: bool,

    /// With --resume: run this failed, interrupted or unknown step again (repeatable).
    #[arg(long, value_name = "STEP", requires = "resume")]
    pub retry: Vec<String>,

    /// With --resume: record this failed, interrupted or unknown step as done, without
    /// running it, once a person checked that it is (repeatable).
    #[arg(long, value_name = "STEP", requires = "resume")]
    pub mark_done: Vec<String>,

    /// With --resume: run the rollback steps of every step that started, latest first.
    /// Decisions about steps (--retry, --mark-done) go with a run that goes on, not
    /// with a rollback.
    #[arg(long, requires = "resume", conflicts_with_all = ["retry", "mark_done"])]
    pub rollback: bool,

    /// Print the waves of steps that would run, with their commands; run nothing.
    #[arg(long, conflicts_with = "report")]
    pub dry_run: bool,

    /// A drill: run the drill version of each step (as written, substituted, or skipped).
    #[arg(long)]
    pub drill: bool,

    /// Confirm manual steps in advance (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Print the run's history from its journal: each step's start, end and duration.
    #[arg(long)]
    pub report: bool,

    /// Format of --report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md, requires = "report")]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The plan: a `.dr` file or a directory.
    pub path: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,

    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Show this scenario's blast radius: what fails, what goes down with it, and what
    /// it leaves alone (dimmed).
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Plan files or directories (searched for `.dr` files); `-` reads stdin.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: list the files that would change, and fail if any would.
    #[arg(long)]
    pub check: bool,

    /// Format stdin to stdout.
    #[arg(long, conflicts_with = "paths")]
    pub stdin: bool,
}
