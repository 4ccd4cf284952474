//! Time (stories 002, 003): how long each change and stage takes, whether a stage fits its
//! window, and whether the people it needs are there. Estimates only; it never edits the plan.

use super::footprint::Walker;
use super::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::stages::format_time_of_week;
use crate::graph::Edge;
use crate::model::{
    Bytes, BytesPerSecond, Change, ChangeId, Component, DateValue, Role, RoleId, Rollout,
    RolloutId, Seconds, ServiceId, Stage, WeekWindow, DEFAULT_RESTORE_RATE, MINUTES_PER_WEEK,
};
use crate::source::Span;
use crate::syntax::units::{format_duration, format_rate, format_size};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rustc_hash::{FxHashMap, FxHashSet};

/// Safety margin on a measured dry run, in percent: the real run meets surprises the
/// rehearsal did not (story 002: "theoretically should have had enough time").
pub(super) const REHEARSAL_MARGIN_PERCENT: u64 = 125;

/// A duration the plan states for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Declared {
    /// `takes`: the hoped-for figure.
    Takes(Seconds),
    /// `rehearsed`: measured in a dry run; counted with the safety margin.
    Rehearsed(Seconds),
}

impl Declared {
    pub(super) fn seconds(self) -> Seconds {
        match self {
            Declared::Takes(seconds) => seconds,
            Declared::Rehearsed(seconds) => with_margin(seconds),
        }
    }

    fn describe(self) -> String {
        match self {
            Declared::Takes(seconds) => format!("takes {}", show(seconds)),
            Declared::Rehearsed(seconds) => format!(
                "rehearsed {} × {} = {}",
                show(seconds),
                margin_text(),
                show(with_margin(seconds))
            ),
        }
    }
}

/// The data a change moves (`copy SIZE at RATE`), and how much of it lands in the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Transfer {
    pub size: Bytes,
    pub rate: BytesPerSecond,
    pub is_presync: bool,
    /// Summed `change-rate` of the services whose data it moves, if any states one.
    pub change_rate: Option<BytesPerSecond>,
}

impl Transfer {
    /// The whole copy.
    pub(super) fn full(&self) -> Seconds {
        seconds_to_move(self.size as f64, self.rate)
    }

    /// What changes while the whole copy runs: the final delta of a pre-sync.
    pub(super) fn delta_bytes(&self) -> Option<f64> {
        self.change_rate.map(|rate| rate * self.full() as f64)
    }

    pub(super) fn delta(&self) -> Option<Seconds> {
        self.delta_bytes()
            .map(|bytes| seconds_to_move(bytes, self.rate))
    }

    /// Time inside the window: only the final delta when pre-synced (the whole copy when
    /// no change rate sizes the delta), else the whole copy.
    pub(super) fn in_window(&self) -> Seconds {
        match (self.is_presync, self.delta()) {
            (true, Some(delta)) => delta,
            _ => self.full(),
        }
    }

    fn describe_full(&self) -> String {
        format!(
            "{} at {} = {}",
            show_size(self.size),
            show_rate(self.rate),
            show(self.full())
        )
    }

    /// "final delta 50GiB/d × 6h 6m ≈ 12.7GiB at 100MB/s = 2m 10s", when it can be sized.
    fn describe_delta(&self) -> Option<String> {
        let (rate, bytes, delta) = (self.change_rate?, self.delta_bytes()?, self.delta()?);
        Some(format!(
            "a final delta of {}/d × {} ≈ {} at {} = {}",
            show_size((rate * 86_400.0).round() as u64),
            show(self.full()),
            show_size(bytes.round() as u64),
            show_rate(self.rate),
            show(delta)
        ))
    }

    fn describe(&self) -> String {
        match (self.is_presync, self.describe_delta()) {
            (true, Some(delta)) => delta,
            (true, None) => format!(
                "{} (pre-synced, but no `change-rate` sizes the final delta: the whole copy is assumed)",
                self.describe_full()
            ),
            (false, _) => self.describe_full(),
        }
    }
}

/// How long one change keeps its window busy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Estimate {
    pub declared: Option<Declared>,
    pub transfer: Option<Transfer>,
    /// Restarting the services it targets, in dependency order.
    pub boot: Seconds,
}

impl Estimate {
    pub(super) fn is_known(&self) -> bool {
        self.declared.is_some() || self.transfer.is_some()
    }

    /// Whether the copy, not the declared figure, sets the duration.
    pub(super) fn is_transfer_bound(&self) -> bool {
        self.transfer
            .is_some_and(|t| t.in_window() >= self.declared.map_or(0, Declared::seconds))
    }

    /// The larger of the declared and the computed duration.
    fn work(&self) -> Seconds {
        let declared = self.declared.map_or(0, Declared::seconds);
        let transfer = self.transfer.map_or(0, |t| t.in_window());
        declared.max(transfer)
    }

    pub(super) fn total(&self) -> Seconds {
        if self.is_known() {
            self.work().saturating_add(self.boot)
        } else {
            0
        }
    }

    /// The arithmetic behind `total`, for a label.
    pub(super) fn describe(&self) -> String {
        let main = match (self.declared, self.transfer) {
            (_, Some(transfer)) if self.is_transfer_bound() => transfer.describe(),
            (Some(declared), _) => declared.describe(),
            _ => "no duration".to_string(),
        };
        if self.boot > 0 {
            format!(
                "{main}, + {} boot = {}",
                show(self.boot),
                show(self.total())
            )
        } else {
            main
        }
    }
}

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

/// Scratch space for walks from changed components up to the services that live on them.
pub(super) struct Hosted {
    stamp: Vec<u32>,
    current: u32,
    queue: Vec<NodeIndex>,
}

impl Hosted {
    pub(super) fn new(node_count: usize) -> Self {
        Hosted {
            stamp: vec![0; node_count],
            current: 0,
            queue: Vec::new(),
        }
    }

    /// The services whose data sits on a change's targets: the targets that are services,
    /// and the services on targeted vms, servers, storage and sites (not those that merely
    /// `need` them).
    pub(super) fn services(&mut self, context: &Context, change: &Change) -> Vec<ServiceId> {
        self.current += 1;
        self.queue.clear();
        for target in &change.targets {
            let node = context.graph.node(target.id);
            if self.stamp[node.index()] != self.current {
                self.stamp[node.index()] = self.current;
                self.queue.push(node);
            }
        }
        let mut next = 0;
        while next < self.queue.len() {
            let node = self.queue[next];
            next += 1;
            for edge in context
                .graph
                .graph
                .edges_directed(node, Direction::Incoming)
            {
                if edge.weight().0 == Edge::Needs {
                    continue;
                }
                let source = edge.source();
                if self.stamp[source.index()] != self.current {
                    self.stamp[source.index()] = self.current;
                    self.queue.push(source);
                }
            }
        }
        self.queue
            .iter()
            .filter_map(|&node| match context.graph.component(node) {
                Component::Service(id) => Some(id),
                _ => None,
            })
            .collect()
    }
}

/// Estimate one change.
pub(super) fn estimate(context: &Context, hosted: &mut Hosted, change: &Change) -> Estimate {
    let declared = match (change.rehearsed, change.takes) {
        (Some(rehearsed), _) => Some(Declared::Rehearsed(rehearsed)),
        (None, Some(takes)) => Some(Declared::Takes(takes)),
        (None, None) => None,
    };
    let transfer = change.copy.filter(|c| c.rate > 0.0).map(|copy| {
        let services = hosted.services(context, change);
        let rates: Vec<BytesPerSecond> = services
            .iter()
            .filter_map(|s| context.plan.services[s.index()].change_rate)
            .collect();
        Transfer {
            size: copy.size,
            rate: copy.rate,
            is_presync: change.has_presync,
            change_rate: (!rates.is_empty()).then(|| rates.iter().sum()),
        }
    });
    let targets: Vec<ServiceId> = change
        .targets
        .iter()
        .filter_map(|t| match t.id {
            Component::Service(id) => Some(id),
            _ => None,
        })
        .collect();
    Estimate {
        declared,
        transfer,
        boot: boot_chain(context, &targets),
    }
}

/// The longest chain of boot times along `needs` among a change's target services: they
/// restart in dependency order, independent ones side by side.
fn boot_chain(context: &Context, services: &[ServiceId]) -> Seconds {
    let plan = context.plan;
    let members: FxHashSet<ServiceId> = services.iter().copied().collect();
    let mut done: FxHashMap<ServiceId, Seconds> = FxHashMap::default();
    let mut longest = 0;
    for &root in services {
        // Iterative depth-first post-order, so a long chain cannot overflow the stack.
        let mut stack = vec![(root, false)];
        while let Some((service, is_expanded)) = stack.pop() {
            if done.contains_key(&service) {
                continue;
            }
            let needs = &plan.services[service.index()].needs;
            if is_expanded {
                let before = needs
                    .iter()
                    .filter_map(|n| done.get(&n.id).copied())
                    .max()
                    .unwrap_or(0);
                done.insert(service, before + plan.services[service.index()].boot);
            } else {
                stack.push((service, true));
                for need in needs {
                    // A cycle is reported elsewhere; the in-progress mark breaks it here.
                    if members.contains(&need.id)
                        && !done.contains_key(&need.id)
                        && !stack.contains(&(need.id, true))
                    {
                        stack.push((need.id, false));
                    }
                }
            }
        }
        longest = longest.max(done[&root]);
    }
    longest
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

/// A stage's window: its own, else the rollout's; `true` when inherited.
pub(super) fn stage_window(rollout: &Rollout, stage: &Stage) -> Option<(WeekWindow, bool)> {
    stage
        .window
        .map(|w| (w, false))
        .or(rollout.window.map(|w| (w, true)))
}

/// The longest single restore (and boot) among the services a `rollback restore-backup`
/// brings back: a lower bound on the rollback, with its arithmetic.
pub(super) fn restore_time(
    context: &Context,
    hosted: &mut Hosted,
    change: &Change,
) -> Option<(Seconds, String)> {
    let plan = context.plan;
    hosted
        .services(context, change)
        .into_iter()
        .filter_map(|id| {
            let service = &plan.services[id.index()];
            let (seconds, how) = match (service.restore_time, service.data) {
                (Some(time), _) => (time, format!("restore-time {}", show(time))),
                (None, Some(data)) => {
                    let rate = service.restore_rate.unwrap_or_else(|| {
                        context
                            .backups_of(id)
                            .iter()
                            .filter_map(|b| plan.backups[b.index()].restore_rate)
                            .fold(DEFAULT_RESTORE_RATE, f64::max)
                    });
                    let seconds = seconds_to_move(data as f64, rate);
                    let how = format!(
                        "{} at {} = {}",
                        show_size(data),
                        show_rate(rate),
                        show(seconds)
                    );
                    (seconds, how)
                }
                (None, None) => return None,
            };
            let total = seconds.saturating_add(service.boot);
            let how = if service.boot > 0 {
                format!("{how}, + {} boot = {}", show(service.boot), show(total))
            } else {
                how
            };
            Some((total, format!("restoring `{}`: {how}", service.name)))
        })
        .max_by_key(|(seconds, _)| *seconds)
}

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let mut walker = Walker::new(context.graph.graph.node_count());
    let mut hosted = Hosted::new(context.graph.graph.node_count());
    for (r, rollout) in plan.rollouts.iter().enumerate() {
        let rollout_id = RolloutId(r as u32);
        // Absolute minutes since 1970-01-01 00:00 at which the previous stage's window opened.
        let mut previous_start: Option<i64> = None;
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
            let Some((window, is_inherited)) = stage_window(rollout, stage) else {
                previous_start = previous_start.map(|p| p + i64::from(MINUTES_PER_WEEK));
                continue;
            };
            let start = match (previous_start, rollout.starts) {
                (Some(previous), _) => Some(next_occurrence(previous, window.start)),
                (None, Some(date)) => {
                    Some(day_number(date) * 1440 + i64::from(window.start % 1440))
                }
                (None, None) => None,
            };
            previous_start = start;
            if let Some(finding) =
                exceeds_window(rollout, rollout_id, s, &schedule, window, is_inherited)
            {
                out.push(finding);
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

/// The part of the window a stage keeps its people busy: from the window start until its
/// work is estimated to end; the whole window when some duration is unknown.
fn busy_window(schedule: &StageSchedule, window: WeekWindow) -> WeekWindow {
    if !schedule.is_complete() {
        return window;
    }
    let minutes = schedule
        .duration()
        .div_ceil(60)
        .clamp(1, u64::from(window.minutes));
    WeekWindow {
        start: window.start,
        minutes: minutes as u32,
    }
}

/// Why a role cannot be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Absence {
    Weekly(WeekWindow),
    Holiday(DateValue, DateValue),
}

/// The first absence of a role that meets the busy window (or its calendar days).
fn absence(role: &Role, busy: WeekWindow, days: Option<(i64, i64)>) -> Option<Absence> {
    let weekly = role
        .unavailable
        .iter()
        .find(|&&away| overlaps(away, busy))
        .map(|&away| Absence::Weekly(away));
    weekly.or_else(|| {
        let (first, last) = days?;
        role.holidays
            .iter()
            .find(|(from, to)| day_number(*from) <= last && day_number(*to) >= first)
            .map(|&(from, to)| Absence::Holiday(from, to))
    })
}

fn roles_away(
    context: &Context,
    rollout: &Rollout,
    rollout_id: RolloutId,
    stage_index: usize,
    busy: WeekWindow,
    start: Option<i64>,
    out: &mut Vec<Finding>,
) {
    let plan = context.plan;
    let stage = &rollout.stages[stage_index];
    let days = start.map(|start| {
        let end = start + i64::from(busy.minutes) - 1;
        (start.div_euclid(1440), end.div_euclid(1440))
    });
    let mut seen: FxHashSet<RoleId> = FxHashSet::default();
    let needed = stage
        .roles
        .iter()
        .chain(stage.changes.iter().flat_map(|c| &c.roles))
        .chain(rollout.owner.iter());
    for reference in needed {
        if !seen.insert(reference.id) {
            continue;
        }
        let role = &plan.roles[reference.id.index()];
        let Some(away) = absence(role, busy, days) else {
            continue;
        };
        // Covered when some deputy down the chain is there.
        let mut deputies = Vec::new();
        let mut next = role.deputy.map(|d| d.id);
        let mut is_covered = false;
        while let Some(deputy) = next.filter(|d| *d != reference.id && !deputies.contains(d)) {
            deputies.push(deputy);
            let data = &plan.roles[deputy.index()];
            if absence(data, busy, days).is_none() {
                is_covered = true;
                break;
            }
            next = data.deputy.map(|d| d.id);
        }
        if is_covered {
            continue;
        }
        out.push(role_finding(
            context,
            stage,
            rollout_id,
            stage_index,
            reference.id,
            reference.span,
            away,
            busy,
            days,
            &deputies,
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn role_finding(
    context: &Context,
    stage: &Stage,
    rollout_id: RolloutId,
    stage_index: usize,
    role_id: RoleId,
    reference: Span,
    away: Absence,
    busy: WeekWindow,
    days: Option<(i64, i64)>,
    deputies: &[RoleId],
) -> Finding {
    let plan = context.plan;
    let role = &plan.roles[role_id.index()];
    let runs = match days {
        Some((first, last)) if first == last => {
            format!("{} on {}", format_window(busy), format_date(date_of(first)))
        }
        Some((first, last)) => format!(
            "{} ({} .. {})",
            format_window(busy),
            format_date(date_of(first)),
            format_date(date_of(last))
        ),
        None => format_window(busy),
    };
    let why = match away {
        Absence::Weekly(window) => format!("unavailable {}", format_window(window)),
        Absence::Holiday(from, to) if from == to => format!("on holiday {}", format_date(from)),
        Absence::Holiday(from, to) => {
            format!("on holiday {} .. {}", format_date(from), format_date(to))
        }
    };
    let cover = match deputies {
        [] => "and no `deputy`".to_string(),
        _ => {
            let names: Vec<String> = deputies
                .iter()
                .map(|d| format!("`{}`", plan.roles[d.index()].name))
                .collect();
            format!("and its deputy {} is away too", names.join(", then "))
        }
    };
    Finding::new(
        Diagnostic::new(
            Code::RoleUnavailable,
            format!("role `{}` is away while stage `{}` runs", role.name, stage.name),
        )
        .primary(reference, format!("needed here, but {why}"))
        .secondary(role.span, format!("{why}, {cover}"))
        .secondary(stage.span, format!("estimated to run {runs}"))
        .help(format!(
            "schedule stage `{}` when `{}` is in, or name a `deputy` for `{}` who is available then (story 002: the upgrade slid to Saturday afternoon for lack of staff)",
            stage.name, role.name, role.name
        )),
        [Subject::Stage(rollout_id, stage_index as u32), Subject::Role(role_id)],
    )
}

// ---------------------------------------------------------------- arithmetic

/// A measured duration with the rehearsal margin.
pub(super) fn with_margin(seconds: Seconds) -> Seconds {
    seconds
        .saturating_mul(REHEARSAL_MARGIN_PERCENT)
        .div_ceil(100)
}

fn margin_text() -> String {
    format!("{}", REHEARSAL_MARGIN_PERCENT as f64 / 100.0)
}

/// Seconds to move `bytes` at `rate`, rounded up.
pub(super) fn seconds_to_move(bytes: f64, rate: BytesPerSecond) -> Seconds {
    if rate <= 0.0 {
        return Seconds::MAX;
    }
    // `as` saturates: an absurd size gives the longest duration, not a wrap.
    (bytes / rate).ceil() as Seconds
}

/// Whether two weekly windows share a minute.
pub(super) fn overlaps(a: WeekWindow, b: WeekWindow) -> bool {
    let week = MINUTES_PER_WEEK;
    let (a_start, b_start) = (a.start % week, b.start % week);
    (b_start + week - a_start) % week < a.minutes || (a_start + week - b_start) % week < b.minutes
}

/// Minutes from the end of the window back to a deadline inside it.
pub(super) fn minutes_left(window: WeekWindow, deadline: u32) -> u32 {
    let offset = (deadline + MINUTES_PER_WEEK - window.start % MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    window.minutes.saturating_sub(offset)
}

/// The first absolute minute after `previous` that falls on `minute_of_week`.
fn next_occurrence(previous: i64, minute_of_week: u32) -> i64 {
    let week = i64::from(MINUTES_PER_WEEK);
    // Day 0 (1970-01-01) was a Thursday: day 3 of a week that starts on Monday.
    let at = ((previous.div_euclid(1440) + 3).rem_euclid(7)) * 1440 + previous.rem_euclid(1440);
    let mut delta = (i64::from(minute_of_week) - at).rem_euclid(week);
    if delta == 0 {
        delta = week;
    }
    previous + delta
}

/// Days since 1970-01-01 (proleptic Gregorian).
pub(super) fn day_number(date: DateValue) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = i64::from(date.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01.
pub(super) fn date_of(days: i64) -> DateValue {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted + 2) / 5 + 1;
    let month = if shifted < 10 {
        shifted + 3
    } else {
        shifted - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    DateValue {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    }
}

fn format_date(date: DateValue) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

pub(super) fn format_window(window: WeekWindow) -> String {
    format!(
        "{} .. {}",
        format_time_of_week(window.start),
        format_time_of_week(window.end())
    )
}

/// A duration for a message: whole minutes from ten minutes up, else to the second.
pub(super) fn show(seconds: Seconds) -> String {
    if seconds >= 600 {
        format_duration(seconds - seconds % 60)
    } else {
        format_duration(seconds)
    }
}

/// `seconds` shown so that it visibly exceeds `limit`.
fn show_over(seconds: Seconds, limit: Seconds) -> String {
    if seconds - seconds % 60 > limit {
        show(seconds)
    } else {
        format_duration(seconds)
    }
}

/// A size the way it was likely written: the largest unit, binary or decimal, that gives
/// at most one decimal exactly (`2TiB`, `2.2TB`, `55GiB`), else binary to one decimal.
pub(super) fn show_size(bytes: Bytes) -> String {
    const UNITS: [(&str, u64); 10] = [
        ("PiB", 1 << 50),
        ("PB", 1_000_000_000_000_000),
        ("TiB", 1 << 40),
        ("TB", 1_000_000_000_000),
        ("GiB", 1 << 30),
        ("GB", 1_000_000_000),
        ("MiB", 1 << 20),
        ("MB", 1_000_000),
        ("KiB", 1 << 10),
        ("kB", 1_000),
    ];
    for (name, unit) in UNITS {
        if bytes >= unit && (u128::from(bytes) * 10) % u128::from(unit) == 0 {
            let tenths = u128::from(bytes) * 10 / u128::from(unit);
            return match tenths % 10 {
                0 => format!("{}{name}", tenths / 10),
                fraction => format!("{}.{fraction}{name}", tenths / 10),
            };
        }
    }
    format_size(bytes)
}

fn show_rate(rate: BytesPerSecond) -> String {
    format_rate(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIB: u64 = 1 << 40;
    const GIB: f64 = 1_073_741_824.0;

    fn transfer(size: Bytes, rate: f64, is_presync: bool, per_day: Option<f64>) -> Transfer {
        Transfer {
            size,
            rate,
            is_presync,
            change_rate: per_day.map(|bytes| bytes / 86_400.0),
        }
    }

    #[test]
    fn two_tebibytes_at_a_hundred_megabytes_take_six_hours() {
        let copy = transfer(2 * TIB, 100e6, false, None);
        assert_eq!(copy.full(), 21_991);
        assert_eq!(show(copy.full()), "6h 6m");
        assert_eq!(copy.describe(), "2TiB at 100MB/s = 6h 6m");
        assert_eq!(copy.in_window(), copy.full());
    }

    #[test]
    fn a_presync_leaves_only_the_final_delta_in_the_window() {
        let copy = transfer(2 * TIB, 100e6, true, Some(50.0 * GIB));
        // 50GiB/d over the 21,991s copy is about 12.7GiB, moved at 100MB/s.
        let delta = copy.delta_bytes().expect("a change rate");
        assert!((delta - 50.0 * GIB * 21_991.0 / 86_400.0).abs() < 1.0);
        assert_eq!(copy.in_window(), 137);
        assert_eq!(
            copy.describe(),
            "a final delta of 50GiB/d × 6h 6m ≈ 12.7GiB at 100MB/s = 2m 17s"
        );
    }

    #[test]
    fn a_presync_without_a_change_rate_assumes_the_whole_copy() {
        let copy = transfer(2 * TIB, 100e6, true, None);
        assert_eq!(copy.in_window(), copy.full());
    }

    #[test]
    fn rehearsals_count_with_the_margin_and_the_larger_figure_wins() {
        assert_eq!(with_margin(22 * 3600), 27 * 3600 + 1800);
        let estimate = Estimate {
            declared: Some(Declared::Rehearsed(4 * 3600)),
            transfer: Some(transfer(2 * TIB, 100e6, false, None)),
            boot: 600,
        };
        assert!(estimate.is_transfer_bound());
        assert_eq!(estimate.total(), 21_991 + 600);
        assert_eq!(
            estimate.describe(),
            "2TiB at 100MB/s = 6h 6m, + 10m boot = 6h 16m"
        );
        let declared = Estimate {
            transfer: None,
            ..estimate
        };
        assert_eq!(declared.total(), 5 * 3600 + 600);
    }

    #[test]
    fn sizes_show_in_the_unit_they_were_likely_written_in() {
        assert_eq!(show_size(2_200_000_000_000), "2.2TB");
        assert_eq!(show_size(2 * TIB), "2TiB");
        assert_eq!(show_size(55 << 30), "55GiB");
    }

    #[test]
    fn weekly_windows_overlap_across_sunday_midnight() {
        let window = |start, minutes| WeekWindow { start, minutes };
        let weekend = window(4 * 1440 + 19 * 60, 59 * 60); // fri 19:00 .. mon 06:00
        assert!(overlaps(weekend, window(5 * 1440, 720))); // sat 00:00 .. sat 12:00
        assert!(overlaps(window(0, 60), weekend)); // mon 00:00 .. mon 01:00
        assert!(!overlaps(weekend, window(7 * 60, 600))); // mon 07:00 .. mon 17:00
        assert_eq!(minutes_left(weekend, 6 * 1440 + 20 * 60), 10 * 60); // sun 20:00
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        let date = DateValue {
            year: 2016,
            month: 12,
            day: 9,
        };
        assert_eq!(date_of(day_number(date)), date);
        assert_eq!(
            day_number(DateValue {
                year: 1970,
                month: 1,
                day: 1
            }),
            0
        );
        // 2016-12-09 was a Friday; the next sat 00:00 is the following day.
        let start = day_number(date) * 1440 + 19 * 60;
        assert_eq!(
            next_occurrence(start, 5 * 1440),
            (day_number(date) + 1) * 1440
        );
        // The same window recurs a week later.
        assert_eq!(next_occurrence(start, 4 * 1440 + 19 * 60), start + 7 * 1440);
    }
}
