//! A safe staged order for a rollout: changes topologically ordered over the
//! dependency graph (what others depend on first), no two coupled changes together.

use super::footprint::Walker;
use super::Context;
use crate::model::{ChangeId, RolloutId};
use petgraph::graph::NodeIndex;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The proposed stages, each a list of changes in written order.
pub fn suggest(context: &Context, rollout: RolloutId) -> Vec<Vec<ChangeId>> {
    let plan = context.plan;
    let data = &plan.rollouts[rollout.index()];
    let limit = data
        .max_changes_per_stage
        .unwrap_or(plan.settings.max_changes_per_stage)
        .max(1) as usize;
    let ids: Vec<ChangeId> = data
        .stages
        .iter()
        .enumerate()
        .flat_map(|(s, stage)| {
            (0..stage.changes.len()).map(move |c| ChangeId {
                rollout,
                stage: s as u32,
                change: c as u32,
            })
        })
        .collect();
    let mut walker = Walker::new(context.graph.graph.node_count());
    let footprints: Vec<Vec<NodeIndex>> = ids
        .iter()
        .map(|&id| super::footprint::footprint(context, &mut walker, id))
        .collect();
    let mut targeted_by: FxHashMap<NodeIndex, Vec<usize>> = FxHashMap::default();
    for (k, &id) in ids.iter().enumerate() {
        for node in context.target_nodes(id) {
            targeted_by.entry(node).or_default().push(k);
        }
    }
    let mut owners: FxHashMap<NodeIndex, Vec<usize>> = FxHashMap::default();
    for (k, nodes) in footprints.iter().enumerate() {
        for &node in nodes {
            owners.entry(node).or_default().push(k);
        }
    }
    // Coupled partners and "must come first" edges, both found through shared nodes.
    let mut coupled: Vec<FxHashSet<usize>> = vec![FxHashSet::default(); ids.len()];
    let mut before: Vec<FxHashSet<usize>> = vec![FxHashSet::default(); ids.len()];
    for (k, nodes) in footprints.iter().enumerate() {
        for node in nodes {
            for &other in &owners[node] {
                if other != k {
                    coupled[k].insert(other);
                }
            }
            for &other in targeted_by.get(node).map_or(&[][..], |v| v.as_slice()) {
                if other != k {
                    before[k].insert(other);
                }
            }
        }
    }
    // Infrastructure first: a change ranks by how low its targets sit in the graph.
    let heights = heights(context);
    let rank: Vec<(u64, usize)> = ids
        .iter()
        .enumerate()
        .map(|(k, &id)| {
            let nodes = context.target_nodes(id);
            let total: u64 = nodes.iter().map(|n| u64::from(heights[n.index()])).sum();
            // Mean height, scaled to stay an integer; then written order.
            (total * 1000 / nodes.len().max(1) as u64, k)
        })
        .collect();
    // Two changes to one system: hardware before what is installed on it, then
    // moves, installs, migrations, upgrades and configuration; then the lower in the
    // graph; then written order.
    let kind_order = |k: usize| {
        use crate::model::ChangeKind::*;
        let kind = plan.change(ids[k]).kind;
        let position = [Hardware, Move, Install, Clone, Migrate, Upgrade, Config]
            .iter()
            .position(|&c| c == kind)
            .unwrap_or(usize::MAX);
        (position, rank[k])
    };
    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for k in 0..ids.len() {
        for &other in &before[k] {
            if !before[other].contains(&k) || kind_order(other) < kind_order(k) {
                predecessors[k].push(other);
            }
        }
        predecessors[k].sort_unstable();
    }
    // Kahn's algorithm, ties broken by written order.
    let mut remaining: Vec<usize> = predecessors.iter().map(Vec::len).collect();
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for (k, preds) in predecessors.iter().enumerate() {
        for &p in preds {
            successors[p].push(k);
        }
    }
    let mut ready: BinaryHeap<Reverse<(u64, usize)>> = (0..ids.len())
        .filter(|&k| remaining[k] == 0)
        .map(|k| Reverse(rank[k]))
        .collect();
    let mut stage_of = vec![0usize; ids.len()];
    let mut stages: Vec<Vec<usize>> = Vec::new();
    let mut is_placed = vec![false; ids.len()];
    loop {
        let k = match ready.pop() {
            Some(Reverse((_, k))) => k,
            // Changes that each touch what another depends on, in a ring: break the
            // ring at the earliest written change.
            None => match (0..ids.len()).find(|&k| !is_placed[k]) {
                Some(k) => k,
                None => break,
            },
        };
        if is_placed[k] {
            continue;
        }
        is_placed[k] = true;
        let mut stage = predecessors[k]
            .iter()
            .filter(|&&p| is_placed[p])
            .map(|&p| stage_of[p] + 1)
            .max()
            .unwrap_or(0);
        while stage < stages.len()
            && (stages[stage].len() >= limit
                || stages[stage].iter().any(|o| coupled[k].contains(o)))
        {
            stage += 1;
        }
        if stage == stages.len() {
            stages.push(Vec::new());
        }
        stages[stage].push(k);
        stage_of[k] = stage;
        for &next in &successors[k] {
            remaining[next] = remaining[next].saturating_sub(1);
            if remaining[next] == 0 && !is_placed[next] {
                ready.push(Reverse(rank[next]));
            }
        }
    }
    stages
        .into_iter()
        .map(|mut members| {
            members.sort_unstable();
            members.into_iter().map(|k| ids[k]).collect()
        })
        .collect()
}

/// Each node's height: 0 for what depends on nothing, else one more than the highest
/// thing it depends on. The graph of a plan without errors has no cycles.
fn heights(context: &Context) -> Vec<u32> {
    let graph = &context.graph.graph;
    let order = petgraph::algo::toposort(graph, None).unwrap_or_default();
    let mut height = vec![0u32; graph.node_count()];
    for &node in order.iter().rev() {
        height[node.index()] = graph
            .neighbors(node)
            .map(|n| height[n.index()] + 1)
            .max()
            .unwrap_or(0);
    }
    height
}
