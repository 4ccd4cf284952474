//! Change safety (stories 000, 002): a way back before every change (snapshot or backup,
//! rollback), checks before and after it, and a go/no-go deadline that leaves time to roll
//! back. Durations, windows and staff are `timing`'s; this file never estimates a stage.

use super::timing::{self, format_window, minutes_left, show, Hosted};
use super::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    Change, ChangeId, Component, RollbackPlan, Rollout, RolloutId, Seconds, Stage, VerifyKind,
    WeekWindow,
};
use crate::syntax::units::format_time_of_week;

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let mut hosted = Hosted::new(context.graph.graph.node_count());
    for (r, rollout) in plan.rollouts.iter().enumerate() {
        let rollout_id = RolloutId(r as u32);
        for (s, stage) in rollout.stages.iter().enumerate() {
            let window = timing::stage_window(rollout, stage);
            if let (Some(deadline), Some((window, is_inherited))) = (stage.go_no_go, window) {
                if !window.contains(deadline) {
                    out.push(stage_deadline_outside(
                        rollout,
                        stage,
                        deadline,
                        window,
                        is_inherited,
                        Subject::Stage(rollout_id, s as u32),
                    ));
                }
            }
            for (c, change) in stage.changes.iter().enumerate() {
                let subject = Subject::Change(ChangeId {
                    rollout: rollout_id,
                    stage: s as u32,
                    change: c as u32,
                });
                let findings = [
                    no_snapshot(context, change),
                    missing_rollback(change),
                    missing_verification(context, change),
                    no_load_test(context, change),
                    missing_precheck(change),
                    go_no_go(context, &mut hosted, rollout, stage, change),
                ];
                out.extend(
                    findings
                        .into_iter()
                        .flatten()
                        .map(|diagnostic| Finding::new(diagnostic, [subject])),
                );
            }
        }
    }
    timing::check(context, out);
}

/// A change to a service, server or vm with nothing taken right before it to go back to.
fn no_snapshot(context: &Context, change: &Change) -> Option<Diagnostic> {
    if change.has_snapshot_before || change.has_backup_before {
        return None;
    }
    let touched: Vec<_> = change
        .targets
        .iter()
        .filter(|t| {
            matches!(
                t.id,
                Component::Service(_) | Component::Server(_) | Component::Vm(_)
            )
        })
        .collect();
    let first = touched.first()?;
    let mut diagnostic = Diagnostic::new(
        Code::NoSnapshotBeforeChange,
        format!(
            "change `{}` takes no snapshot or backup before it touches `{}`",
            change.name,
            context.name(first.id)
        ),
    )
    .primary(change.span, "no `snapshot before` or `backup before`");
    for target in &touched {
        diagnostic = diagnostic.secondary(
            target.span,
            format!("`{}` has no point to return to", context.name(target.id)),
        );
    }
    let has_vm = touched.iter().any(|t| match t.id {
        Component::Vm(_) => true,
        Component::Service(id) => context.plan.services[id.index()]
            .hosts
            .iter()
            .any(|h| matches!(h.id, crate::model::Host::Vm(_))),
        _ => false,
    });
    let how = if has_vm {
        "add `snapshot before` (or `backup before`)"
    } else {
        "add `backup before` (or `snapshot before` where the storage can take one)"
    };
    Some(diagnostic.help(format!(
        "{how} so that a failed change can be undone to the minute it started; in story 000 the pre-upgrade snapshots saved Monday"
    )))
}

fn missing_rollback(change: &Change) -> Option<Diagnostic> {
    let (message, label) = match &change.rollback {
        None => (
            format!("change `{}` has no rollback", change.name),
            "no `rollback`",
        ),
        Some(RollbackPlan::None) => (
            format!("change `{}` declares `rollback none`", change.name),
            "`rollback none`: no way back if it fails",
        ),
        Some(RollbackPlan::RestoreSnapshot) if !change.has_snapshot_before => (
            format!(
                "change `{}` rolls back to a snapshot that is never taken",
                change.name
            ),
            "`rollback restore-snapshot` without `snapshot before`",
        ),
        Some(_) => return None,
    };
    if matches!(change.rollback, Some(RollbackPlan::RestoreSnapshot)) {
        return Some(
            Diagnostic::new(Code::MissingRollback, message)
                .primary(change.span, label)
                .help("add `snapshot before`, so that the snapshot the rollback restores exists; or roll back with `restore-backup` from a `backup before`"),
        );
    }
    let help = if change.has_snapshot_before {
        "add `rollback restore-snapshot`: the snapshot taken before the change is the way back"
    } else if change.has_backup_before {
        "add `rollback restore-backup`: the backup taken before the change is the way back"
    } else {
        "take `snapshot before` or `backup before` and add `rollback restore-snapshot` or `rollback restore-backup`, or say how to undo it: `rollback \"point DNS back to the old server\"`"
    };
    Some(
        Diagnostic::new(Code::MissingRollback, message)
            .primary(change.span, label)
            .help(help),
    )
}

/// The first target that is a user-facing service.
fn user_facing_target(context: &Context, change: &Change) -> Option<crate::model::Ref<Component>> {
    change.targets.iter().copied().find(|t| match t.id {
        Component::Service(id) => context.plan.services[id.index()].is_user_facing,
        _ => false,
    })
}

fn missing_verification(context: &Context, change: &Change) -> Option<Diagnostic> {
    if !change.verifications.is_empty() {
        return None;
    }
    let load = match user_facing_target(context, change) {
        Some(target) => format!(
            ", and `verify load-test \"...\"` because people use `{}` directly",
            context.name(target.id)
        ),
        None => String::new(),
    };
    Some(
        Diagnostic::new(
            Code::MissingVerification,
            format!("change `{}` is never verified", change.name),
        )
        .primary(change.span, "no `verify`")
        .help(format!(
            "say how the team knows it worked before going live: `verify smoke \"...\"`, `verify integrity \"...\"`{load}"
        )),
    )
}

/// Verified, but not under load, though people use a target directly. A change with no
/// verification at all gets `missing-verification` instead, which asks for both.
fn no_load_test(context: &Context, change: &Change) -> Option<Diagnostic> {
    if change.verifications.is_empty()
        || change
            .verifications
            .iter()
            .any(|v| v.kind == VerifyKind::LoadTest)
    {
        return None;
    }
    let target = user_facing_target(context, change)?;
    Some(
        Diagnostic::new(
            Code::NoLoadTest,
            format!(
                "change `{}` to user-facing `{}` has no load test",
                change.name,
                context.name(target.id)
            ),
        )
        .primary(change.span, "verified without `verify load-test`")
        .secondary(target.span, format!("`{}` is user-facing", context.name(target.id)))
        .help("add `verify load-test \"...\"` that replays peak use before go-live; in story 000 Sunday's tests passed and Monday's load brought the EHR down"),
    )
}

fn missing_precheck(change: &Change) -> Option<Diagnostic> {
    if !change.prechecks.is_empty() {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::MissingPrecheck,
            format!("change `{}` has no pre-checks", change.name),
        )
        .primary(change.span, "no `precheck`")
        .help("list the playbook's preconditions as `precheck \"...\"` lines (backup verified, users logged off, replication suspended the documented way); a failed pre-check stops the change instead of a blind retry (story 002)"),
    )
}

/// A deadline to decide go or roll back: declared, inside the window, and early enough
/// that a restore from backup still fits before the window closes.
fn go_no_go(
    context: &Context,
    hosted: &mut Hosted,
    rollout: &Rollout,
    stage: &Stage,
    change: &Change,
) -> Option<Diagnostic> {
    let window = timing::stage_window(rollout, stage);
    let Some(deadline) = change.go_no_go.or(stage.go_no_go) else {
        return Some(
            Diagnostic::new(
                Code::MissingGoNoGo,
                format!("change `{}` has no go/no-go deadline", change.name),
            )
            .primary(change.span, format!("no `go-no-go` here or on stage `{}`", stage.name))
            .help(format!(
                "add `go-no-go DAY HH:MM` to the change or to stage `{}`: when the team decides to go live or roll back, early enough that the rollback fits in the window (story 002 decided near midnight)",
                stage.name
            )),
        );
    };
    let (window, is_inherited) = window?;
    let is_own = change.go_no_go.is_some();
    if !window.contains(deadline) {
        // A stage deadline outside the window is reported once, for the stage.
        return is_own.then(|| {
            outside(
                Diagnostic::new(
                    Code::MissingGoNoGo,
                    format!(
                        "the go/no-go deadline of change `{}` is outside its window",
                        change.name
                    ),
                ),
                change.span,
                deadline,
                window,
                is_inherited,
                rollout,
                stage,
            )
        });
    }
    if change.rollback != Some(RollbackPlan::RestoreBackup) {
        return None;
    }
    let (needed, how) = timing::restore_time(context, hosted, change)?;
    let left = Seconds::from(minutes_left(window, deadline)) * 60;
    if left >= needed {
        return None;
    }
    let latest = (window.end() + crate::model::MINUTES_PER_WEEK
        - (needed.div_ceil(60) % u64::from(crate::model::MINUTES_PER_WEEK)) as u32)
        % crate::model::MINUTES_PER_WEEK;
    let mut diagnostic = Diagnostic::new(
        Code::MissingGoNoGo,
        format!(
            "the go/no-go deadline of change `{}` leaves {} to roll back, which needs at least {}",
            change.name,
            show(left),
            show(needed)
        ),
    )
    .primary(
        change.span,
        format!(
            "go-no-go {}, {} before the window closes at {}",
            format_time_of_week(deadline),
            show(left),
            format_time_of_week(window.end())
        ),
    );
    if !is_own {
        diagnostic = diagnostic.secondary(stage.span, "the deadline is set on the stage");
    }
    let help = if needed < Seconds::from(window.minutes) * 60 {
        format!(
            "decide by {} at the latest, or widen the window",
            format_time_of_week(latest)
        )
    } else {
        "the restore alone does not fit in the window: widen the window, or roll back another way (`snapshot before` with `rollback restore-snapshot`)".to_string()
    };
    Some(
        diagnostic
            .note(format!(
                "`rollback restore-backup`, {how} (the longest single restore; drplan assumes the rest run alongside)"
            ))
            .help(help),
    )
}

fn stage_deadline_outside(
    rollout: &Rollout,
    stage: &Stage,
    deadline: u32,
    window: WeekWindow,
    is_inherited: bool,
    subject: Subject,
) -> Finding {
    let diagnostic = Diagnostic::new(
        Code::MissingGoNoGo,
        format!(
            "the go/no-go deadline of stage `{}` is outside its window",
            stage.name
        ),
    );
    Finding::new(
        outside(
            diagnostic,
            stage.span,
            deadline,
            window,
            is_inherited,
            rollout,
            stage,
        ),
        [subject],
    )
}

/// Labels and help for a deadline outside the window it decides about.
fn outside(
    diagnostic: Diagnostic,
    span: crate::source::Span,
    deadline: u32,
    window: WeekWindow,
    is_inherited: bool,
    rollout: &Rollout,
    stage: &Stage,
) -> Diagnostic {
    let diagnostic = diagnostic.primary(
        span,
        format!(
            "go-no-go {} is not within {}",
            format_time_of_week(deadline),
            format_window(window)
        ),
    );
    let diagnostic = if is_inherited {
        diagnostic.secondary(
            rollout.span,
            format!(
                "window {}, used by stage `{}`",
                format_window(window),
                stage.name
            ),
        )
    } else if span != stage.span {
        diagnostic.secondary(stage.span, format!("window {}", format_window(window)))
    } else {
        diagnostic
    };
    diagnostic.help(format!(
        "move the go/no-go inside {}, early enough to roll back before it closes",
        format_window(window)
    ))
}
