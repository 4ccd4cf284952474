//! A runbook for people: printable Markdown with numbered checkboxes, the clock
//! against the RTO, the phases as headings and a contacts table.

use crate::runbook::document::{Action, Drill, Phase, Runbook, RunbookKind, Step};
use crate::syntax::units::format_duration;
use std::fmt::Write;

/// Render a runbook as Markdown.
pub fn markdown(runbook: &Runbook) -> String {
    let mut out = String::new();
    let kind = match runbook.kind {
        RunbookKind::Scenario => "scenario",
        RunbookKind::Rollout => "rollout",
    };
    let _ = writeln!(out, "# Runbook: {}\n", inline(&runbook.title));
    let _ = write!(
        out,
        "Plan {} · {kind} {}",
        code(&runbook.plan),
        code(&runbook.name)
    );
    if let Some(rto) = runbook.rto_seconds {
        let _ = write!(out, " · RTO {}", format_duration(rto));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        " · up to {} step{} at once · {} step{}\n",
        runbook.parallelism,
        plural(runbook.parallelism as usize),
        runbook.steps.len(),
        plural(runbook.steps.len())
    );
    let _ = writeln!(
        out,
        "Tick each box when the step is done and write the time beside it. The clock is the\nexpected time since {}; a step that fails is not retried blindly: do what its *if it fails* says.\n",
        match runbook.kind {
            RunbookKind::Scenario => "the failure",
            RunbookKind::Rollout => "the start of the rollout",
        }
    );
    out.push_str("## Contacts\n\n");
    if runbook.contacts.is_empty() {
        out.push_str("The plan names no roles to call.\n\n");
    } else {
        out.push_str("| role | kind | person | contact |\n|---|---|---|---|\n");
        for contact in &runbook.contacts {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&contact.role),
                contact.kind,
                cell(contact.person.as_deref().unwrap_or("")),
                cell(&contact.contacts.join(", "))
            );
        }
        out.push('\n');
    }
    let mut heading: Option<(Phase, Option<&str>)> = None;
    for (n, step) in runbook.steps.iter().enumerate() {
        let this = (step.phase, step.stage.as_deref());
        if heading != Some(this) {
            heading = Some(this);
            let title = match step.phase {
                Phase::Activation => "Activation and notification".to_string(),
                Phase::Recovery => "Recovery".to_string(),
                Phase::Reconstitution => "Reconstitution".to_string(),
                Phase::Stage => format!("Stage {}", inline(step.stage.as_deref().unwrap_or(""))),
                Phase::Rollback => "Rollback (only on a no-go or a failed step)".to_string(),
            };
            let _ = writeln!(out, "## {title}\n");
        }
        write_step(&mut out, n + 1, step, runbook);
    }
    out
}

fn write_step(out: &mut String, n: usize, step: &Step, runbook: &Runbook) {
    let _ = writeln!(
        out,
        "- [ ] **{n}. {}** {}",
        inline(&step.title),
        code(&step.id)
    );
    let mut facts = Vec::new();
    if let Some(owner) = &step.owner {
        facts.push(format!("owner {}", code(owner)));
    }
    facts.push(format!(
        "expected {}",
        format_duration(step.expected_seconds)
    ));
    if step.phase != Phase::Rollback {
        let mut clock = format!("clock +{}", format_duration(step.clock_seconds));
        if let Some(rto) = runbook
            .rto_seconds
            .filter(|_| step.phase != Phase::Reconstitution)
        {
            let _ = write!(clock, " of RTO {}", format_duration(rto));
            if step.phase == Phase::Recovery && step.clock_seconds > rto {
                clock.push_str(" (**past the RTO**)");
            }
        }
        facts.push(clock);
    }
    if let Some(group) = &step.group {
        facts.push(format!("runs alongside group {}", code(group)));
    }
    let _ = writeln!(out, "  - {}", facts.join(" · "));
    if !step.after.is_empty() {
        let after: Vec<String> = step.after.iter().map(|a| code(a)).collect();
        let _ = writeln!(out, "  - after: {}", after.join(", "));
    }
    match &step.action {
        Action::Command { command } => {
            let _ = write!(out, "  - run: {}", code(command));
            if let Some(timeout) = step.timeout_seconds {
                let _ = write!(out, " (give up after {})", format_duration(timeout));
            }
            out.push('\n');
        }
        Action::Manual { instruction } => {
            let _ = writeln!(out, "  - do: {}", inline(instruction));
        }
    }
    match &step.drill {
        Drill::Run => {}
        Drill::Substitute { command } => {
            let _ = writeln!(out, "  - in a drill, run instead: {}", code(command));
        }
        Drill::Skip => out.push_str("  - in a drill: skipped\n"),
    }
    if let Some(gate) = &step.gate {
        let _ = writeln!(
            out,
            "  - ready when: {} passes (every {}, for up to {})",
            code(&gate.command),
            format_duration(gate.interval_seconds),
            format_duration(gate.timeout_seconds)
        );
    }
    if let Some(stop) = &step.stop_if {
        let _ = writeln!(
            out,
            "  - stop if: {} fails (checked every {})",
            code(&stop.command),
            format_duration(stop.interval_seconds)
        );
    }
    if !step.on_failure.is_empty() {
        let _ = writeln!(out, "  - if it fails: {}", inline(&step.on_failure));
    }
    if !step.rollback.is_empty() {
        let rollback: Vec<String> = step.rollback.iter().map(|r| code(r)).collect();
        let _ = writeln!(out, "  - rollback: {}", rollback.join(" → "));
    }
    out.push_str("  - done at: ____\n\n");
}

/// Text on one line, with Markdown's active characters escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A table cell: inline text.
fn cell(text: &str) -> String {
    inline(text)
}

/// A code span that holds any text: fenced with one more backtick than the longest run inside.
fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}
