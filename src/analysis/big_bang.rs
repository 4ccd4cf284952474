//! The big bang (story 001): too many changes, or coupled changes, in one stage.
//! Coupling is found through the graph, never by comparing every pair of changes.

use super::footprint::Walker;
use super::{Context, Finding, Subject};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{ChangeId, RolloutId};
use petgraph::graph::NodeIndex;
use rustc_hash::{FxHashMap, FxHashSet};

/// Coupled pairs listed in one diagnostic before the rest are counted.
const MAX_LISTED_PAIRS: usize = 20;
/// Coupled pairs collected per stage at most (a whole-estate big bang has n² of them).
const MAX_COLLECTED_PAIRS: usize = 10_000;

/// Two changes of one stage whose footprints meet at `via`.
#[derive(Debug, Clone, Copy)]
pub struct Coupling {
    /// Indexes into the stage's changes; `first` < `second`.
    pub first: usize,
    pub second: usize,
    pub via: NodeIndex,
}

/// The coupled pairs of a set of changes (cut short at `MAX_COLLECTED_PAIRS`).
pub struct Couplings {
    pub pairs: Vec<Coupling>,
    pub is_truncated: bool,
    /// Every change coupled with another, in order: exact even when the pairs were cut
    /// short.
    pub involved: Vec<usize>,
}

/// The coupled pairs of a set of changes, and which changes are coupled at all.
pub fn couplings(context: &Context, walker: &mut Walker, changes: &[ChangeId]) -> Couplings {
    let mut owners: FxHashMap<NodeIndex, Vec<usize>> = FxHashMap::default();
    // (node, change) when the change targets the node itself: a set, since scanning a
    // list of every change on one node for each pair made a stage of n changes on one
    // service cost n³.
    let mut targets: FxHashSet<(NodeIndex, usize)> = FxHashSet::default();
    for (k, &change) in changes.iter().enumerate() {
        for node in context.target_nodes(change) {
            targets.insert((node, k));
        }
    }
    let mut pairs: Vec<Coupling> = Vec::new();
    let mut is_truncated = false;
    // A change is coupled when a node it reaches is reached by another. Each shared
    // node marks its earlier owners once, so this stays linear after the pairs are full.
    let mut is_involved = vec![false; changes.len()];
    let mut shared: FxHashSet<NodeIndex> = FxHashSet::default();
    for (k, &change) in changes.iter().enumerate() {
        let starts = context.target_nodes(change);
        let reached = walker.walk(context, &starts);
        // For this change, the best meeting point with each earlier change.
        let mut found: FxHashMap<usize, NodeIndex> = FxHashMap::default();
        for &node in reached {
            let entry = owners.entry(node).or_default();
            if !entry.is_empty() {
                is_involved[k] = true;
                if shared.insert(node) {
                    entry.iter().for_each(|&other| is_involved[other] = true);
                }
            }
            // The pairs are full: what is left could only be counted, and was quadratic.
            if is_truncated {
                if entry.is_empty() {
                    entry.push(k);
                }
                continue;
            }
            for &other in entry.iter() {
                let is_direct = targets.contains(&(node, other));
                found
                    .entry(other)
                    .and_modify(|via| {
                        let was_direct = targets.contains(&(*via, other));
                        if is_direct && !was_direct {
                            *via = node;
                        }
                    })
                    .or_insert(node);
            }
            entry.push(k);
        }
        let mut partners: Vec<(usize, NodeIndex)> = found.into_iter().collect();
        partners.sort_unstable_by_key(|&(other, _)| other);
        for (other, via) in partners {
            if pairs.len() == MAX_COLLECTED_PAIRS {
                is_truncated = true;
                break;
            }
            pairs.push(Coupling {
                first: other,
                second: k,
                via,
            });
        }
    }
    let involved = (0..changes.len()).filter(|&k| is_involved[k]).collect();
    Couplings {
        pairs,
        is_truncated,
        involved,
    }
}

/// "a → b → c" from `from`'s targets to `via`, then back down to `to`'s targets.
fn describe_path(
    context: &Context,
    walker: &mut Walker,
    from: ChangeId,
    to: ChangeId,
    via: NodeIndex,
) -> String {
    let name = |n: NodeIndex| context.name(context.graph.component(n)).to_string();
    walker.walk(context, &context.target_nodes(from));
    let down: Vec<String> = walker.path_to(via).into_iter().map(name).collect();
    walker.walk(context, &context.target_nodes(to));
    let mut up: Vec<String> = walker.path_to(via).into_iter().map(name).collect();
    up.pop();
    if down.len() == 1 && up.is_empty() {
        return format!("both change `{}`", down[0]);
    }
    let mut text = down.join(" → ");
    for node in up.iter().rev() {
        text.push_str(" ← ");
        text.push_str(node);
    }
    text
}

pub(super) fn check(context: &Context, out: &mut Vec<Finding>) {
    let plan = context.plan;
    let mut walker = Walker::new(context.graph.graph.node_count());
    for (r, rollout) in plan.rollouts.iter().enumerate() {
        let rollout_id = RolloutId(r as u32);
        let limit = rollout
            .max_changes_per_stage
            .unwrap_or(plan.settings.max_changes_per_stage);
        let total: usize = rollout.stages.iter().map(|s| s.changes.len()).sum();
        let busy: Vec<usize> = (0..rollout.stages.len())
            .filter(|&s| !rollout.stages[s].changes.is_empty())
            .collect();
        if total >= 2 && busy.len() == 1 {
            let stage = &rollout.stages[busy[0]];
            out.push(Finding::new(
                Diagnostic::new(
                    Code::SingleStageRollout,
                    format!("rollout `{}` puts all {total} changes in one stage", rollout.name),
                )
                .primary(rollout.span, "one stage for everything")
                .secondary(stage.span, format!("all {total} changes are here"))
                .help("stage the rollout: one change, or a few independent ones, per stage, each verified before the next"),
                [Subject::Rollout(rollout_id)],
            ));
        }
        for (s, stage) in rollout.stages.iter().enumerate() {
            let ids: Vec<ChangeId> = (0..stage.changes.len())
                .map(|c| ChangeId {
                    rollout: rollout_id,
                    stage: s as u32,
                    change: c as u32,
                })
                .collect();
            let subject = Subject::Stage(rollout_id, s as u32);
            if stage.changes.len() as u64 > limit {
                let mut diagnostic = Diagnostic::new(
                    Code::StageTooLarge,
                    format!(
                        "stage `{}` holds {} changes; at most {limit} are allowed",
                        stage.name,
                        stage.changes.len()
                    ),
                )
                .primary(stage.span, format!("{} changes", stage.changes.len()));
                if let Some(change) = stage.changes.get(limit as usize) {
                    diagnostic =
                        diagnostic.secondary(change.span, "the first change over the limit");
                }
                out.push(Finding::new(
                    diagnostic.help(format!(
                        "move changes to later stages, or raise `max-changes-per-stage` (now {limit}) if they are truly independent"
                    )),
                    [subject],
                ));
            }
            // One change is coupled with no other: no need to walk what it reaches.
            if ids.len() < 2 {
                continue;
            }
            let Couplings {
                pairs,
                is_truncated,
                involved,
            } = couplings(context, &mut walker, &ids);
            if pairs.is_empty() {
                continue;
            }
            let count = if is_truncated {
                format!("more than {MAX_COLLECTED_PAIRS}")
            } else {
                pairs.len().to_string()
            };
            let mut diagnostic = Diagnostic::new(
                Code::BigBang,
                format!(
                    "stage `{}` changes {} coupled systems at once ({count} coupled pair{})",
                    stage.name,
                    involved.len(),
                    if pairs.len() == 1 { "" } else { "s" }
                ),
            )
            .primary(stage.span, "a big bang: these changes can break each other");
            // Each change's partner in the first pair that holds it, in one pass.
            let mut partner: FxHashMap<usize, usize> = FxHashMap::default();
            for pair in &pairs {
                partner.entry(pair.first).or_insert(pair.second);
                partner.entry(pair.second).or_insert(pair.first);
            }
            for &k in &involved {
                let Some(&other) = partner.get(&k) else {
                    continue;
                };
                diagnostic = diagnostic.secondary(
                    stage.changes[k].span,
                    format!("coupled with `{}`", stage.changes[other].name),
                );
            }
            for pair in pairs.iter().take(MAX_LISTED_PAIRS) {
                let path = describe_path(
                    context,
                    &mut walker,
                    ids[pair.first],
                    ids[pair.second],
                    pair.via,
                );
                diagnostic = diagnostic.note(format!(
                    "`{}` and `{}`: {path}",
                    stage.changes[pair.first].name, stage.changes[pair.second].name
                ));
            }
            if pairs.len() > MAX_LISTED_PAIRS {
                diagnostic = diagnostic.note(format!(
                    "… and {} more pairs",
                    pairs.len() - MAX_LISTED_PAIRS
                ));
            }
            let mut subjects = vec![subject];
            subjects.extend(involved.iter().map(|&k| Subject::Change(ids[k])));
            out.push(Finding::new(
                diagnostic.help(
                    "put coupled changes in separate stages, what others depend on first; `drplan check --suggest-stages` prints a safe order",
                ),
                subjects,
            ));
        }
    }
}
