//! `drplan exec`: load and check a runbook, open or create its journal, run it on a
//! tokio runtime, print what happens, and pick the exit code; also `--dry-run` and
//! `--report`.

use super::args::{ExecArgs, ReportFormat};
use super::{EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE};
use drplan::exec::journal::{self, Journal, Record, Replay, StopReason, JOURNAL_VERSION};
use drplan::exec::{self, history, resume, validate, Console, Event, Options, Outcome, Stream};
use drplan::runbook::document::{Runbook, Step};
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Run `drplan exec` and return the exit code.
pub fn run(args: &ExecArgs) -> i32 {
    match run_inner(args) {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("error: {message}");
            code
        }
    }
}

type Failure = (i32, String);

fn usage(message: impl Into<String>) -> Failure {
    (EXIT_USAGE, message.into())
}

fn run_inner(args: &ExecArgs) -> Result<i32, Failure> {
    let bytes = std::fs::read(&args.runbook)
        .map_err(|error| usage(format!("cannot read `{}`: {error}", args.runbook.display())))?;
    let runbook = validate::parse(&bytes)
        .map_err(|message| usage(format!("`{}`: {message}", args.runbook.display())))?;
    let problems = validate::check(&runbook);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        return Err(usage(format!(
            "`{}` is not a runbook drplan can run ({} problem{})",
            args.runbook.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        )));
    }
    // A step the runbook does not have is a mistyped command line, not a decision.
    if let Some(unknown) = args
        .retry
        .iter()
        .chain(&args.mark_done)
        .find(|id| !runbook.steps.iter().any(|step| &step.id == *id))
    {
        return Err(usage(format!(
            "`{unknown}` is not a step of `{}`",
            args.runbook.display()
        )));
    }
    if args.dry_run {
        print_dry_run(&runbook, args.drill);
        return Ok(EXIT_OK);
    }
    let digest = exec::digest(&bytes);
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| args.runbook.with_extension("journal"));
    if args.report {
        let replay = read_journal(&journal_path, &digest, Reading::Report)?;
        let history = history::build(&runbook, &replay);
        match args.format {
            ReportFormat::Md => super::output::print_stdout(&history::markdown(&history)),
            ReportFormat::Json => super::output::print_stdout(&history::json(&history)),
        }
        return Ok(EXIT_OK);
    }
    let log_dir = log_dir(&journal_path);
    if args.restart && journal_path.exists() {
        // Held while it is archived, so a journal another drplan runs stays where it is.
        let _held = open_journal(&journal_path)?;
        let archived = archive(&journal_path, &log_dir).map_err(|error| {
            usage(format!(
                "cannot archive `{}`: {error}",
                journal_path.display()
            ))
        })?;
        println!(
            "archived the journal `{}` as `{}`",
            journal_path.display(),
            archived.display()
        );
    }
    let options = Options {
        log_dir: log_dir.clone(),
        drill: args.drill,
        yes: args.yes,
        stdin_is_terminal: std::io::stdin().is_terminal(),
    };
    let (mut journal, start) = if args.resume {
        let mut journal = open_journal(&journal_path)?;
        let replay = read_journal(&journal_path, &digest, Reading::Resume)?;
        if replay.drill != args.drill {
            return Err(usage(if replay.drill {
                "the journal records a drill; resume it with `--drill`"
            } else {
                "the journal records a real run, not a drill; resume it without `--drill`"
            }));
        }
        if replay.torn_tail {
            println!("note: the journal's last line was cut short by a crash; it is left out");
        }
        let is_rolling_back = replay
            .records
            .iter()
            .any(|record| matches!(record, Record::Start { rollback: true, .. }));
        // `--retry` and `--mark-done` decide about steps of a run that goes on.
        let decides = !args.retry.is_empty() || !args.mark_done.is_empty();
        match replay.stopped {
            Some(StopReason::RolledBack) if decides => {
                return Err(usage(
                    "the run was rolled back; there is no step left to `--retry` or `--mark-done` (`--restart` starts again)",
                ));
            }
            Some(StopReason::RolledBack) => {
                println!("the run was rolled back; nothing to resume (`--restart` starts again)");
                return Ok(EXIT_OK);
            }
            // With decisions, a finished run goes on to refuse them step by step below.
            Some(StopReason::Finished) if !args.rollback && !decides => {
                println!("the run finished; nothing to resume (`--restart` runs it again)");
                return Ok(EXIT_OK);
            }
            _ if is_rolling_back && !args.rollback => {
                return Err(usage(
                    "the run was being rolled back; continue the rollback with `--resume --rollback`",
                ));
            }
            _ => {}
        }
        let start = if args.rollback {
            // Closing the journal as rolled back would end a run nothing of which happened.
            if replay.started.is_empty() {
                let drill = if args.drill { " --drill" } else { "" };
                let next = if replay.stopped == Some(StopReason::Finished) {
                    String::new()
                } else {
                    format!(" (`--resume{drill}` continues the run)")
                };
                println!(
                    "no step has started; nothing to roll back, and the journal is left as it was{next}"
                );
                return Ok(EXIT_OK);
            }
            resume::for_rollback(&runbook, &replay)
        } else {
            resume::resume(&runbook, &replay, &args.retry, &args.mark_done).map_err(|problems| {
                for problem in problems.refused.iter().chain(&problems.undecided) {
                    eprintln!("error: {problem}");
                }
                if problems.refused.is_empty() {
                    (
                        EXIT_ERRORS,
                        "the run cannot go on until the operator decides (see above)".to_string(),
                    )
                } else {
                    usage(
                        "nothing was run: `--retry` and `--mark-done` take only a failed, interrupted or unknown step (see above)",
                    )
                }
            })?
        };
        journal
            .cut(replay.sound_length)
            .map_err(|error| usage(format!("`{}`: {error}", journal_path.display())))?;
        append(
            &mut journal,
            &Record::Resume {
                at: now(),
                retry: args.retry.clone(),
                mark_done: args.mark_done.clone(),
            },
        )?;
        (journal, start)
    } else {
        if journal_path.exists() {
            return Err(usage(describe_existing(&journal_path, &digest, args.drill)));
        }
        let mut journal = Journal::create(&journal_path).map_err(|error| {
            usage(format!(
                "cannot create the journal `{}`: {error}",
                journal_path.display()
            ))
        })?;
        append(
            &mut journal,
            &Record::Run {
                version: JOURNAL_VERSION,
                digest,
                runbook: args.runbook.display().to_string(),
                plan: runbook.plan.clone(),
                name: runbook.name.clone(),
                drill: args.drill,
                at: now(),
            },
        )?;
        (journal, resume::fresh(&runbook))
    };
    std::fs::create_dir_all(&log_dir).map_err(|error| {
        usage(format!(
            "cannot create the log directory `{}`: {error}",
            log_dir.display()
        ))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| usage(format!("cannot start the runtime: {error}")))?;
    let runbook = Arc::new(runbook);
    let console: Arc<dyn Console> = Arc::new(Terminal::default());
    let outcome = runtime.block_on(async {
        if args.rollback {
            exec::rollback(runbook.clone(), start, &mut journal, options, console).await
        } else {
            exec::execute(runbook.clone(), start, &mut journal, options, console).await
        }
    });
    // A manual prompt may still wait on stdin; it must not keep the process alive.
    runtime.shutdown_background();
    let outcome = outcome.map_err(|error| {
        usage(format!(
            "the journal `{}` cannot be written: {error}",
            journal_path.display()
        ))
    })?;
    Ok(conclude(args, &runbook, &outcome))
}

/// Print how the run ended and what the operator can do next; the exit code.
fn conclude(args: &ExecArgs, runbook: &Runbook, outcome: &Outcome) -> i32 {
    let path = args.runbook.display();
    let drill = if args.drill { " --drill" } else { "" };
    match outcome {
        Outcome::Finished => {
            println!("every step is done");
            EXIT_OK
        }
        Outcome::Failed(failed) => {
            for &i in failed {
                let step = &runbook.steps[i];
                println!("\nstep `{}` failed: {}", step.id, step.title);
                if !step.on_failure.is_empty() {
                    println!("on failure: {}", step.on_failure);
                }
                print_rollback(runbook, step);
            }
            println!("\nthe run stopped; nothing is retried without the operator:");
            for &i in failed {
                let id = &runbook.steps[i].id;
                println!("  drplan exec {path}{drill} --resume --retry {id}       # run `{id}` again once the cause is fixed");
            }
            println!("  drplan exec {path}{drill} --resume --rollback    # roll back the steps that started");
            EXIT_ERRORS
        }
        Outcome::Interrupted => {
            println!("\ninterrupted; the journal is kept: `drplan exec {path}{drill} --resume` continues (interrupted steps need `--retry STEP`)");
            EXIT_INTERRUPTED
        }
        Outcome::RolledBack { trigger } => {
            match trigger {
                Some(i) => println!(
                    "\nthe stop condition of `{}` fired; the run was rolled back",
                    runbook.steps[*i].id
                ),
                None => {
                    println!("\nthe run was rolled back");
                    return EXIT_OK;
                }
            }
            EXIT_ERRORS
        }
        Outcome::RollbackFailed(i) => {
            let step = &runbook.steps[*i];
            println!("\nrollback step `{}` failed: {}", step.id, step.title);
            if !step.on_failure.is_empty() {
                println!("on failure: {}", step.on_failure);
            }
            println!("the rollback stopped; `drplan exec {path}{drill} --resume --rollback` runs what is left of it");
            EXIT_ERRORS
        }
    }
}

fn print_rollback(runbook: &Runbook, step: &Step) {
    if step.rollback.is_empty() {
        println!("rollback: none declared; the operator decides");
        return;
    }
    println!("rollback steps:");
    for id in &step.rollback {
        if let Some(undo) = runbook.step(id) {
            println!(
                "  {id}: {}\n      {}",
                undo.title,
                exec::plan_action(undo, false).text()
            );
        }
    }
}

fn print_dry_run(runbook: &Runbook, drill: bool) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} ({} step(s), at most {} at once){}",
        runbook.name,
        runbook.title,
        runbook.steps.len(),
        runbook.parallelism,
        if drill { ", as a drill" } else { "" }
    );
    for (number, wave) in exec::dry_run_waves(runbook, drill).iter().enumerate() {
        let _ = writeln!(out, "\nwave {}:", number + 1);
        for (i, planned) in wave {
            let step = &runbook.steps[*i];
            let mut notes = Vec::new();
            if let Some(group) = &step.group {
                notes.push(format!("group {group}"));
            }
            if let Some(timeout) = step.timeout_seconds {
                notes.push(format!("timeout {timeout} s"));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", notes.join(", "))
            };
            let _ = writeln!(out, "  {}: {}{notes}", step.id, step.title);
            let _ = writeln!(out, "      {}", planned.text());
            if let Some(gate) = &step.gate {
                let _ = writeln!(
                    out,
                    "      gate: {} (every {} s, up to {} s)",
                    gate.command, gate.interval_seconds, gate.timeout_seconds
                );
            }
            if let Some(probe) = &step.stop_if {
                let _ = writeln!(
                    out,
                    "      stop if this fails: {} (every {} s)",
                    probe.command, probe.interval_seconds
                );
            }
        }
    }
    let _ = writeln!(out, "\ndry run: nothing was run and no journal was written");
    super::output::print_stdout(&out);
}

/// Open and lock an existing journal; a missing one reads as `read_journal` says it.
fn open_journal(path: &Path) -> Result<Journal, Failure> {
    Journal::open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => usage(format!(
            "cannot read the journal `{}`: {error}",
            path.display()
        )),
        _ => usage(format!("`{}`: {error}", path.display())),
    })
}

/// What a journal is read for: what to do with a foreign one depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Resume,
    Report,
}

/// Read and check a journal of this runbook.
fn read_journal(path: &Path, digest: &str, reading: Reading) -> Result<Replay, Failure> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        usage(format!(
            "cannot read the journal `{}`: {error}",
            path.display()
        ))
    })?;
    let replay =
        journal::replay(&text).map_err(|error| usage(format!("`{}`: {error}", path.display())))?;
    if replay.digest != digest {
        let instead = match reading {
            Reading::Resume => {
                "resume it with the runbook it was written for, or start this one afresh: with \
                 its own `--journal PATH`, or with `--restart` (not `--resume`), which archives it"
            }
            Reading::Report => {
                "report it with the runbook it was written for, or give this one's journal \
                 with `--journal PATH`"
            }
        };
        return Err(usage(format!(
            "the journal `{}` was written for a different runbook ({}, this one is {digest}); \
             {instead}",
            path.display(),
            replay.digest
        )));
    }
    Ok(replay)
}

/// Why a fresh run over an existing journal is refused, naming only what would work.
fn describe_existing(path: &Path, digest: &str, drill: bool) -> String {
    let shown = path.display();
    let Some(replay) = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| journal::replay(&text).ok())
    else {
        return format!(
            "`{shown}` holds a journal drplan cannot read; archive it and start again with `--restart`"
        );
    };
    // `--resume` would refuse a journal of another runbook: name it, and what works.
    if replay.digest != digest {
        return format!(
            "`{shown}` holds the journal of a different runbook ({}, this one is {digest}); \
             run this one with its own `--journal PATH`, or archive it and start again with \
             `--restart`",
            replay.digest
        );
    }
    // A closed run has nothing left to continue (`--resume` would only say so).
    match replay.stopped {
        Some(StopReason::Finished) => {
            return format!(
                "`{shown}` holds a finished run; archive it and start again with `--restart`"
            )
        }
        Some(StopReason::RolledBack) => {
            return format!(
                "`{shown}` holds a rolled-back run; archive it and start again with `--restart`"
            )
        }
        _ => {}
    }
    // The `--resume` it takes: a drill's with `--drill`, a rollback's with `--rollback`.
    let is_rolling_back = replay
        .records
        .iter()
        .any(|record| matches!(record, Record::Start { rollback: true, .. }));
    let what = match (is_rolling_back, replay.drill) {
        (false, false) if drill => "an unfinished real run, not a drill",
        (false, false) => "an unfinished run",
        (false, true) => "an unfinished drill",
        (true, false) if drill => "the unfinished rollback of a real run, not a drill",
        (true, false) => "a rollback that did not finish",
        (true, true) => "the unfinished rollback of a drill",
    };
    let resume = format!(
        "`--resume{}{}`{}",
        if replay.drill { " --drill" } else { "" },
        if is_rolling_back { " --rollback" } else { "" },
        if drill && !replay.drill {
            " (without `--drill`)"
        } else {
            ""
        }
    );
    format!(
        "`{shown}` holds {what}; continue it with {resume}, or archive it and start again with `--restart`"
    )
}

/// `NAME.journal` → `NAME.logs` beside it.
fn log_dir(journal: &Path) -> PathBuf {
    let stem = journal.file_stem().map_or_else(
        || "drplan".into(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    journal.with_file_name(format!("{stem}.logs"))
}

/// Rename the journal (and its logs) to the first free `PATH.N`.
fn archive(journal: &Path, logs: &Path) -> std::io::Result<PathBuf> {
    let with_suffix = |path: &Path, n: u32| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    };
    let n = (1..)
        .find(|&n| !with_suffix(journal, n).exists() && !with_suffix(logs, n).exists())
        .unwrap_or(1);
    let target = with_suffix(journal, n);
    std::fs::rename(journal, &target)?;
    if logs.exists() {
        std::fs::rename(logs, with_suffix(logs, n))?;
    }
    journal::sync_directory(journal)?;
    Ok(target)
}

fn append(journal: &mut Journal, record: &Record) -> Result<(), Failure> {
    journal.append(record).map_err(|error| {
        usage(format!(
            "the journal `{}` cannot be written: {error}",
            journal.path().display()
        ))
    })
}

fn now() -> String {
    exec::timestamp()
}

/// The operator's terminal: events as lines, manual steps as y/N prompts.
#[derive(Default)]
struct Terminal {
    prompt: Mutex<()>,
}

impl Console for Terminal {
    fn event(&self, event: &Event) {
        match event {
            Event::Started {
                step,
                attempt,
                title,
                action,
            } => {
                let again = if *attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                };
                println!("==> {step}: {title}{again}\n    {action}");
            }
            Event::Line {
                label,
                stream: Stream::Stdout,
                text,
            } => println!("[{label}] {text}"),
            Event::Line {
                label,
                stream: Stream::Stderr,
                text,
            } => eprintln!("[{label}] {text}"),
            Event::Finished {
                step,
                outcome,
                seconds,
                message,
            } => {
                let message = message
                    .as_ref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                println!("<== {step}: {} in {seconds:.1} s{message}", outcome.name());
            }
            Event::Notice(text) => println!("--- {text}"),
        }
    }

    fn confirm(&self, step: &Step, instruction: &str) -> bool {
        let _one_at_a_time = self.prompt.lock();
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\nmanual step `{}`: {}\n  {instruction}\nIs it done? [y/N] ",
            step.id, step.title
        );
        let _ = stderr.flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }
}
