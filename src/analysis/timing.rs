//! Time (stories 002, 003): how long each change and stage takes, whether a stage fits its
//! window, and whether the people it needs are there. Estimates only; it never edits the plan.

pub(crate) mod arithmetic;
pub(crate) mod estimate;
mod roles;

pub(super) use arithmetic::{format_window, minutes_left, show};
pub(super) use estimate::{restore_time, Hosted};

use super::footprint::Walker;
use super::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Change, ChangeId, DateValue, Rollout, RolloutId, Seconds, Stage, WeekWindow};
use arithmetic::{margin_text, show_over, show_size, StageClock};
use estimate::{estimate, Estimate};
use petgraph::graph::NodeIndex;
use roles::{busy_window, roles_away};
use rustc_hash::FxHashMap;

/// A stage's changes laid out from its window start: independent changes in parallel,
/// a change after those it depends on (or that depend on it), in written order.
pub(super) struct StageSchedule {
    pub estimates: Vec<Estimate>,
    /// Seconds from the window start until each change is done.
    pub finish: Vec<Seconds>,
    /// The change each one waits for on its longest chain.
    after: Vec<Option<usize>>,
}

impl StageSchedule {
    pub(super) fn duration(&self) -> Seconds {
        self.finish.iter().copied().max().unwrap_or(0)
    }

    /// The longest chain of changes, first to last.
    pub(super) fn critical_path(&self) -> Vec<usize> {
        let Some(last) = (0..self.finish.len()).max_by_key(|&k| (self.finish[k], usize::MAX - k))
        else {
            return Vec::new();
        };
        let mut path = vec![last];
        while let Some(previous) = self.after[*path.last().expect("path is not empty")] {
            path.push(previous);
        }
        path.reverse();
        path
    }

    /// Whether every change has a duration drplan can estimate.
    pub(super) fn is_complete(&self) -> bool {
        !self.estimates.is_empty() && self.estimates.iter().all(Estimate::is_known)
    }
}

/// Lay out a stage's changes over its window.
pub(super) fn schedule(
    context: &Context,
    walker: &mut Walker,
    hosted: &mut Hosted,
    rollout: RolloutId,
    stage_index: usize,
) -> StageSchedule {
    let stage = &context.plan.rollouts[rollout.index()].stages[stage_index];
    let estimates: Vec<Estimate> = stage
        .changes
        .iter()
        .map(|change| estimate(context, hosted, change))
        .collect();
    let count = estimates.len();
    let mut finish = vec![0; count];
    let mut after = vec![None; count];
    // For each node, the latest-finishing earlier change that targets it, and the
    // latest-finishing earlier change whose footprint holds it: a change runs after every
    // earlier change it depends on or that depends on it, with no pairwise comparison.
    let mut by_target: FxHashMap<NodeIndex, (Seconds, usize)> = FxHashMap::default();
    let mut by_footprint: FxHashMap<NodeIndex, (Seconds, usize)> = FxHashMap::default();
    for k in 0..count {
        let total = estimates[k].total();
        if count == 1 {
            finish[k] = total;
            break;
        }
        let id = ChangeId {
            rollout,
            stage: stage_index as u32,
            change: k as u32,
        };
        let targets = context.target_nodes(id);
        let reached = walker.walk(context, &targets);
        let mut best: Option<(Seconds, usize)> = None;
        for node in reached {
            best = best.max(by_target.get(node).copied());
        }
        for node in &targets {
            best = best.max(by_footprint.get(node).copied());
        }
        finish[k] = best.map_or(0, |b| b.0).saturating_add(total);
        after[k] = best.map(|b| b.1);
        let mine = (finish[k], k);
        for &node in reached {
            let entry = by_footprint.entry(node).or_insert(mine);
            *entry = (*entry).max(mine);
        }
        for &node in &targets {
            let entry = by_target.entry(node).or_insert(mine);
            *entry = (*entry).max(mine);
        }
    }
    StageSchedule {
        estimates,
        finish,
        after,
    }
}

/// A stage laid out over its window, for charts: when each change runs, in seconds from
/// the window start (independent changes in parallel, dependent ones in turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTimeline {
    /// The stage's window, else the rollout's (`is_window_inherited`), else none.
    pub window: Option<WeekWindow>,
    pub is_window_inherited: bool,
    /// When the last change is estimated to be done.
    pub duration: Seconds,
    /// When the stage starts, dated as the book's "How stages are dated" says, in
    /// minutes since 1970-01-01 00:00; `None` without a window. A calendar date only
    /// when the rollout `starts` on one (`is_dated`): else the stages are dated from
    /// a Monday, which still gives how far apart they are.
    pub start: Option<i64>,
    pub is_dated: bool,
    /// In written order.
    pub changes: Vec<ChangeTimeline>,
}

/// A Monday, to date stages relative to one another when a rollout has no `starts`:
/// only the weekly windows matter then.
const ANY_MONDAY: DateValue = DateValue {
    year: 2024,
    month: 1,
    day: 1,
};

/// One change of a [`StageTimeline`]; `start == finish` when its duration is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeTimeline {
    pub start: Seconds,
    pub finish: Seconds,
    pub is_known: bool,
}

/// Every stage of a rollout laid out over its window, in written order.
pub fn stage_timelines(context: &Context, rollout: RolloutId) -> Vec<StageTimeline> {
    let graph = &context.graph.graph;
    let mut walker = Walker::new(graph.node_count());
    let mut hosted = Hosted::new(graph.node_count());
    let record = &context.plan.rollouts[rollout.index()];
    let mut clock = StageClock::new(Some(record.starts.unwrap_or(ANY_MONDAY)));
    (0..record.stages.len())
        .map(|s| {
            let schedule = schedule(context, &mut walker, &mut hosted, rollout, s);
            let stage = &record.stages[s];
            let window = stage_window(record, stage);
            let soak = stage.soak.or(record.soak).unwrap_or(0);
            StageTimeline {
                window: window.map(|w| w.0),
                is_window_inherited: window.is_some_and(|w| w.1),
                duration: schedule.duration(),
                start: clock.date(window.map(|w| w.0), schedule.duration(), soak),
                is_dated: record.starts.is_some(),
                changes: schedule
                    .estimates
                    .iter()
                    .zip(&schedule.finish)
                    .map(|(estimate, &finish)| ChangeTimeline {
                        start: finish.saturating_sub(estimate.total()),
                        finish,
                        is_known: estimate.is_known(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A stage's window: its own, else the rollout's; `true` when inherited.
pub(super) fn stage_window(rollout: &Rollout, stage: &Stage) -> Option<(WeekWindow, bool)> {
    stage
        .window
        .map(|w| (w, false))
        .or(rollout.window.map(|w| (w, true)))
}

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let mut walker = Walker::new(context.graph.graph.node_count());
    let mut hosted = Hosted::new(context.graph.graph.node_count());
    for (r, rollout) in plan.rollouts.iter().enumerate() {
        let rollout_id = RolloutId(r as u32);
        let mut clock = StageClock::new(rollout.starts);
        for (s, stage) in rollout.stages.iter().enumerate() {
            let schedule = schedule(context, &mut walker, &mut hosted, rollout_id, s);
            for (c, change) in stage.changes.iter().enumerate() {
                if !schedule.estimates[c].is_known() {
                    out.push(missing_duration(
                        change,
                        ChangeId {
                            rollout: rollout_id,
                            stage: s as u32,
                            change: c as u32,
                        },
                    ));
                }
            }
            let soak = stage.soak.or(rollout.soak).unwrap_or(0);
            let window = stage_window(rollout, stage);
            let start = clock.date(window.map(|w| w.0), schedule.duration(), soak);
            let Some((window, is_inherited)) = window else {
                continue;
            };
            let exceeds = exceeds_window(rollout, rollout_id, s, &schedule, window, is_inherited);
            let is_exceeding = exceeds.is_some();
            out.extend(exceeds);
            if !is_exceeding {
                out.extend(decided_too_early(rollout, rollout_id, s, &schedule, window));
            }
            let busy = busy_window(&schedule, window);
            roles_away(context, rollout, rollout_id, s, busy, start, out);
        }
    }
}

fn missing_duration(change: &Change, id: ChangeId) -> Finding {
    Finding::new(
        Diagnostic::new(
            Code::MissingDuration,
            format!("change `{}` has no duration", change.name),
        )
        .primary(change.span, "no `takes`, `rehearsed` or `copy`")
        .help("add `takes` with the expected duration (and `rehearsed` once a dry run has measured it, `copy SIZE at RATE` for the data it moves) so that drplan can check it fits its window"),
        [Subject::Change(id)],
    )
}

/// A go/no-go that falls before its change is estimated to be done: nobody can decide
/// on a change that is still running (story 002 decided near midnight).
fn decided_too_early(
    rollout: &Rollout,
    rollout_id: RolloutId,
    stage_index: usize,
    schedule: &StageSchedule,
    window: WeekWindow,
) -> Option<Finding> {
    let stage = &rollout.stages[stage_index];
    let offset = |minute: u32| {
        Seconds::from(
            (minute + crate::model::MINUTES_PER_WEEK - window.start)
                % crate::model::MINUTES_PER_WEEK,
        ) * 60
    };
    // The first change whose estimated end is after its deadline.
    let (index, deadline, finish) = stage.changes.iter().enumerate().find_map(|(c, change)| {
        let deadline = change.go_no_go.or(stage.go_no_go)?;
        let finish = schedule.finish[c];
        (schedule.estimates[c].is_known() && window.contains(deadline) && finish > offset(deadline))
            .then_some((c, deadline, finish))
    })?;
    let change = &stage.changes[index];
    let ends = crate::syntax::units::format_time_of_week(
        (window.start + (finish / 60) as u32) % crate::model::MINUTES_PER_WEEK,
    );
    let at = crate::syntax::units::format_time_of_week(deadline);
    Some(Finding::new(
        Diagnostic::new(
            Code::MissingGoNoGo,
            format!(
                "the go/no-go for `{}` at {at} comes before the change is estimated to end ({ends})",
                change.name
            ),
        )
        .primary(
            change.span,
            format!("estimated to run {} from {}", show(finish), crate::syntax::units::format_time_of_week(window.start)),
        )
        .help(format!(
            "set the go/no-go after the change is done and verified, with time left for the rollback (`go-no-go` later than {ends}), or make the change shorter (`presync`, a faster copy)"
        )),
        [
            Subject::Change(crate::model::ChangeId {
                rollout: rollout_id,
                stage: stage_index as u32,
                change: index as u32,
            }),
            Subject::Stage(rollout_id, stage_index as u32),
        ],
    ))
}

fn exceeds_window(
    rollout: &Rollout,
    rollout_id: RolloutId,
    stage_index: usize,
    schedule: &StageSchedule,
    window: WeekWindow,
    is_inherited: bool,
) -> Option<Finding> {
    let stage = &rollout.stages[stage_index];
    let available = Seconds::from(window.minutes) * 60;
    let needed = schedule.duration();
    if needed <= available {
        return None;
    }
    let path = schedule.critical_path();
    let (needed_text, available_text) = (show_over(needed, available), show(available));
    let window_text = format!("window {} = {available_text}", format_window(window));
    let mut diagnostic = Diagnostic::new(
        Code::StageExceedsWindow,
        format!(
            "stage `{}` needs {needed_text} but its window is {available_text}",
            stage.name
        ),
    );
    if let [only] = path[..] {
        let estimate = &schedule.estimates[only];
        diagnostic = diagnostic
            .primary(
                stage.changes[only].span,
                format!("{} > {available_text} window", estimate.describe()),
            )
            .secondary(
                stage.span,
                if is_inherited {
                    "no `window` of its own".to_string()
                } else {
                    window_text.clone()
                },
            );
    } else {
        let label = if is_inherited {
            format!("no `window` of its own; the longest chain of changes needs {needed_text}")
        } else {
            format!("{window_text}; the longest chain of changes needs {needed_text}")
        };
        diagnostic = diagnostic.primary(stage.span, label);
        for (position, &k) in path.iter().enumerate() {
            let label = match position {
                0 => schedule.estimates[k].describe(),
                _ => format!(
                    "{}, after `{}`",
                    schedule.estimates[k].describe(),
                    stage.changes[path[position - 1]].name
                ),
            };
            diagnostic = diagnostic.secondary(stage.changes[k].span, label);
        }
        let chain: Vec<String> = path
            .iter()
            .map(|&k| {
                format!(
                    "`{}` {}",
                    stage.changes[k].name,
                    show(schedule.estimates[k].total())
                )
            })
            .collect();
        diagnostic = diagnostic.note(format!(
            "these changes depend on each other, so they run one after another: {} = {needed_text} > {available_text}",
            chain.join(" + ")
        ));
    }
    if is_inherited {
        diagnostic = diagnostic.secondary(
            rollout.span,
            format!("{window_text}, used by stage `{}`", stage.name),
        );
    }
    let dominant = path
        .iter()
        .copied()
        .max_by_key(|&k| schedule.estimates[k].total())
        .expect("an over-long stage has changes");
    let help = window_help(
        stage,
        &stage.changes[dominant],
        &schedule.estimates[dominant],
    );
    let mut subjects = vec![Subject::Stage(rollout_id, stage_index as u32)];
    subjects.extend(path.iter().map(|&k| {
        Subject::Change(ChangeId {
            rollout: rollout_id,
            stage: stage_index as u32,
            change: k as u32,
        })
    }));
    Some(Finding::new(diagnostic.help(help), subjects))
}

/// What to do about an over-long stage, depending on what makes its longest change long.
fn window_help(stage: &Stage, change: &Change, estimate: &Estimate) -> String {
    let name = &change.name;
    match estimate.transfer {
        Some(transfer) if estimate.is_transfer_bound() && !transfer.is_presync => {
            match transfer.describe_delta() {
                Some(delta) => format!(
                    "copy the data ahead with `presync` while the services stay up, then move only what changed in the window: {delta}"
                ),
                None => format!(
                    "copy the data ahead with `presync` while the services stay up and move only a final delta in the window; declare `change-rate` on the services `{name}` moves so that drplan can size that delta"
                ),
            }
        }
        Some(transfer) if estimate.is_transfer_bound() && transfer.change_rate.is_none() => format!(
            "declare `change-rate` on the services `{name}` moves: without it drplan assumes the final sync copies all {}",
            show_size(transfer.size)
        ),
        Some(_) if estimate.is_transfer_bound() => "even the final delta does not fit: re-run the pre-sync just before the window, or widen the window".to_string(),
        _ => format!(
            "give stage `{}` a longer `window`, or split the work over more stages; a measured `rehearsed` counts × {}, else `takes`",
            stage.name,
            margin_text()
        ),
    }
}
