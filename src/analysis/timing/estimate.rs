//! Duration estimates: a change's declared and computed time, the data its copy moves
//! and the restore a rollback needs. Pure arithmetic over the model; no diagnostics here.

use super::arithmetic::{margin_text, seconds_to_move, show, show_rate, show_size, with_margin};
use crate::analysis::Context;
use crate::graph::Edge;
use crate::model::{
    Bytes, BytesPerSecond, Change, Component, Seconds, ServiceId, DEFAULT_RESTORE_RATE,
};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rustc_hash::{FxHashMap, FxHashSet};

/// Safety margin on a measured dry run, in percent: the real run meets surprises the
/// rehearsal did not (story 002: "theoretically should have had enough time").
pub(crate) const REHEARSAL_MARGIN_PERCENT: u64 = 125;

/// A duration the plan states for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Declared {
    /// `takes`: the hoped-for figure.
    Takes(Seconds),
    /// `rehearsed`: measured in a dry run; counted with the safety margin.
    Rehearsed(Seconds),
}

impl Declared {
    pub(crate) fn seconds(self) -> Seconds {
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
pub(crate) struct Transfer {
    pub size: Bytes,
    pub rate: BytesPerSecond,
    pub is_presync: bool,
    /// Summed `change-rate` of the services whose data it moves, if any states one.
    pub change_rate: Option<BytesPerSecond>,
}

impl Transfer {
    /// The whole copy.
    pub(crate) fn full(&self) -> Seconds {
        seconds_to_move(self.size as f64, self.rate)
    }

    /// What changes while the whole copy runs: the final delta of a pre-sync.
    pub(crate) fn delta_bytes(&self) -> Option<f64> {
        self.change_rate.map(|rate| rate * self.full() as f64)
    }

    pub(crate) fn delta(&self) -> Option<Seconds> {
        self.delta_bytes()
            .map(|bytes| seconds_to_move(bytes, self.rate))
    }

    /// Time inside the window: only the final delta when pre-synced (the whole copy when
    /// no change rate sizes the delta), else the whole copy.
    pub(crate) fn in_window(&self) -> Seconds {
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
    pub(crate) fn describe_delta(&self) -> Option<String> {
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
pub(crate) struct Estimate {
    pub declared: Option<Declared>,
    pub transfer: Option<Transfer>,
    /// Restarting the services it targets, in dependency order.
    pub boot: Seconds,
}

impl Estimate {
    pub(crate) fn is_known(&self) -> bool {
        self.declared.is_some() || self.transfer.is_some()
    }

    /// Whether the copy, not the declared figure, sets the duration.
    pub(crate) fn is_transfer_bound(&self) -> bool {
        self.transfer
            .is_some_and(|t| t.in_window() >= self.declared.map_or(0, Declared::seconds))
    }

    /// The larger of the declared and the computed duration.
    fn work(&self) -> Seconds {
        let declared = self.declared.map_or(0, Declared::seconds);
        let transfer = self.transfer.map_or(0, |t| t.in_window());
        declared.max(transfer)
    }

    pub(crate) fn total(&self) -> Seconds {
        if self.is_known() {
            self.work().saturating_add(self.boot)
        } else {
            0
        }
    }

    /// The arithmetic behind `total`, for a label.
    pub(crate) fn describe(&self) -> String {
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

/// Scratch space for walks from changed components up to the services that live on them.
pub(crate) struct Hosted {
    stamp: Vec<u32>,
    current: u32,
    queue: Vec<NodeIndex>,
}

impl Hosted {
    pub(crate) fn new(node_count: usize) -> Self {
        Hosted {
            stamp: vec![0; node_count],
            current: 0,
            queue: Vec::new(),
        }
    }

    /// The services whose data sits on a change's targets: the targets that are services,
    /// and the services on targeted vms, servers, storage and sites (not those that merely
    /// `need` them).
    pub(crate) fn services(&mut self, context: &Context, change: &Change) -> Vec<ServiceId> {
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
pub(crate) fn estimate(context: &Context, hosted: &mut Hosted, change: &Change) -> Estimate {
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
    // Expanded and waiting for their needs: a set, since scanning the stack for them
    // made a long `needs` list quadratic.
    let mut in_progress: FxHashSet<ServiceId> = FxHashSet::default();
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
                in_progress.remove(&service);
            } else {
                stack.push((service, true));
                in_progress.insert(service);
                for need in needs {
                    // A cycle is reported elsewhere; the in-progress mark breaks it here.
                    if members.contains(&need.id)
                        && !done.contains_key(&need.id)
                        && !in_progress.contains(&need.id)
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

/// The longest single restore (and boot) among the services a `rollback restore-backup`
/// brings back: a lower bound on the rollback, with its arithmetic.
pub(crate) fn restore_time(
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
                    // The fastest backup's restore rate (storage throughput included).
                    let rate = context
                        .backups_of(id)
                        .iter()
                        .map(|&b| crate::analysis::estimate::restore_from(plan, id, b).rate)
                        .fold(None, |best: Option<f64>, r| {
                            Some(best.map_or(r, |b| b.max(r)))
                        })
                        .unwrap_or_else(|| service.restore_rate.unwrap_or(DEFAULT_RESTORE_RATE));
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
}
