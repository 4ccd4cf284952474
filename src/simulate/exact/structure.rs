//! A fault tree: basic events with probabilities and AND/OR/at-least gates over them,
//! and its exact evaluation with a BDD. Knows nothing of plans.

use super::bdd::{Bdd, Full, NodeId, FALSE, TRUE};
use super::MAX_BDD_NODES;
use rustc_hash::FxHashMap;

/// What a gate or a top event reads: a basic event, a gate, or a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    Event(u32),
    Gate(u32),
    /// Never fails (a component without failure data).
    Never,
    /// Always failed.
    Always,
}

/// How a gate combines its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateKind {
    /// Fails when every input fails.
    And,
    /// Fails when any input fails.
    Or,
    /// Fails when at least this many inputs fail.
    AtLeast(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub kind: GateKind,
    pub inputs: Vec<Input>,
}

/// Independent basic events and the gates over them; gates may be shared (a DAG).
#[derive(Debug, Clone, Default)]
pub struct FaultTree {
    /// Failure probability of each basic event.
    pub events: Vec<f64>,
    pub gates: Vec<Gate>,
}

/// The diagram passed its node limit while the top event at index `top` (of those asked
/// for) was being built; nothing was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the decision diagram passed its limit of {max_nodes} nodes")]
pub struct TooLarge {
    pub max_nodes: usize,
    pub top: usize,
}

/// The exact probability of one top event and the size of its diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exact {
    pub probability: f64,
    /// Nodes of the diagram of this top event, terminals included.
    pub bdd_nodes: usize,
}

impl FaultTree {
    pub fn new() -> Self {
        FaultTree::default()
    }

    /// Add a basic event that fails with probability `p`.
    pub fn event(&mut self, p: f64) -> Input {
        self.events.push(p);
        Input::Event(u32::try_from(self.events.len() - 1).expect("fewer than 2^32 events"))
    }

    /// Add a gate; its inputs may be set later with [`FaultTree::define`].
    pub fn gate(&mut self, kind: GateKind, inputs: Vec<Input>) -> Input {
        self.gates.push(Gate { kind, inputs });
        Input::Gate(u32::try_from(self.gates.len() - 1).expect("fewer than 2^32 gates"))
    }

    /// Replace a gate's kind and inputs (for gates referenced before they are defined).
    pub fn define(&mut self, gate: Input, kind: GateKind, inputs: Vec<Input>) {
        let Input::Gate(g) = gate else {
            panic!("define takes a gate");
        };
        self.gates[g as usize] = Gate { kind, inputs };
    }

    /// Exact probability of one top event, within the default node limit.
    pub fn probability(&self, top: Input) -> Result<Exact, TooLarge> {
        let mut compiled = Compiled::new(self, &[top], MAX_BDD_NODES);
        let root = compiled.build(top).map_err(|Full| TooLarge {
            max_nodes: MAX_BDD_NODES,
            top: 0,
        })?;
        Ok(Exact {
            probability: compiled.probabilities()[root as usize],
            bdd_nodes: compiled.bdd.size(root),
        })
    }

    /// Exact probabilities of several top events over one shared diagram of at most
    /// `max_nodes` nodes, and its size.
    pub fn probabilities(
        &self,
        tops: &[Input],
        max_nodes: usize,
    ) -> Result<(Vec<f64>, usize), TooLarge> {
        let mut compiled = Compiled::new(self, tops, max_nodes);
        let mut roots = Vec::with_capacity(tops.len());
        for (index, &top) in tops.iter().enumerate() {
            roots.push(compiled.build(top).map_err(|Full| TooLarge {
                max_nodes,
                top: index,
            })?);
        }
        let p = compiled.probabilities();
        Ok((
            roots.iter().map(|&r| p[r as usize]).collect(),
            compiled.bdd.len(),
        ))
    }

    /// Basic events a top event depends on (its cone), in first-visit order.
    pub fn cone_events(&self, top: Input) -> Vec<u32> {
        let mut seen_gate = vec![false; self.gates.len()];
        let mut seen_event = vec![false; self.events.len()];
        let mut events = Vec::new();
        let mut stack = vec![top];
        while let Some(input) = stack.pop() {
            match input {
                Input::Event(e) => {
                    if !std::mem::replace(&mut seen_event[e as usize], true) {
                        events.push(e);
                    }
                }
                Input::Gate(g) => {
                    if !std::mem::replace(&mut seen_gate[g as usize], true) {
                        stack.extend(self.gates[g as usize].inputs.iter().rev());
                    }
                }
                Input::Never | Input::Always => {}
            }
        }
        events
    }
}

/// Most inputs of a gate folded one after another rather than pairwise.
const LINEAR_FOLD: usize = 16;

/// A fault tree being turned into one BDD.
struct Compiled<'a> {
    tree: &'a FaultTree,
    bdd: Bdd,
    /// Position of each event in the variable order.
    position: Vec<u32>,
    /// Each gate's diagram, once built.
    gates: Vec<Option<NodeId>>,
}

impl<'a> Compiled<'a> {
    /// Variable order: basic events in depth-first order from the tops, the last top
    /// first (in a plan, services that need others tend to come later), so that events
    /// under one gate sit together.
    fn new(tree: &'a FaultTree, tops: &[Input], max_nodes: usize) -> Self {
        let mut position = vec![u32::MAX; tree.events.len()];
        let mut next = 0;
        let mut visited = vec![false; tree.gates.len()];
        let mut stack: Vec<Input> = tops.to_vec();
        while let Some(input) = stack.pop() {
            match input {
                Input::Event(e) => {
                    if position[e as usize] == u32::MAX {
                        position[e as usize] = next;
                        next += 1;
                    }
                }
                Input::Gate(g) => {
                    if !std::mem::replace(&mut visited[g as usize], true) {
                        stack.extend(tree.gates[g as usize].inputs.iter().rev());
                    }
                }
                Input::Never | Input::Always => {}
            }
        }
        Compiled {
            tree,
            bdd: Bdd::new(max_nodes),
            position,
            gates: vec![None; tree.gates.len()],
        }
    }

    fn build(&mut self, input: Input) -> Result<NodeId, Full> {
        match input {
            Input::Never => Ok(FALSE),
            Input::Always => Ok(TRUE),
            Input::Event(e) => {
                let p = self.tree.events[e as usize];
                if p <= 0.0 {
                    Ok(FALSE)
                } else if p >= 1.0 {
                    Ok(TRUE)
                } else {
                    self.bdd.var(self.position[e as usize])
                }
            }
            Input::Gate(g) => {
                if let Some(node) = self.gates[g as usize] {
                    return Ok(node);
                }
                let gate = &self.tree.gates[g as usize];
                let children = gate
                    .inputs
                    .iter()
                    .map(|&i| self.build(i))
                    .collect::<Result<Vec<NodeId>, Full>>()?;
                let node = match gate.kind {
                    GateKind::And => self.fold(&children, true)?,
                    GateKind::Or => self.fold(&children, false)?,
                    GateKind::AtLeast(k) => self.at_least(k as usize, &children)?,
                };
                self.gates[g as usize] = Some(node);
                Ok(node)
            }
        }
    }

    /// AND (or OR) of many diagrams. A few are folded in the order written (their
    /// variables' order), many are combined pairwise (a balanced tree), since a long
    /// linear fold walks one ever larger intermediate diagram at every step. Measured
    /// on SCRAM's 200_event both ways: written order for the tree's small gates,
    /// pairwise for the converted plan's OR of 3,000 terms.
    fn fold(&mut self, children: &[NodeId], is_and: bool) -> Result<NodeId, Full> {
        let (unit, zero) = if is_and { (TRUE, FALSE) } else { (FALSE, TRUE) };
        if children.contains(&zero) {
            return Ok(zero);
        }
        let mut level: Vec<NodeId> = children.to_vec();
        if level.len() <= LINEAR_FOLD {
            let mut acc = unit;
            for child in level {
                acc = if is_and {
                    self.bdd.and(acc, child)?
                } else {
                    self.bdd.or(acc, child)?
                };
            }
            return Ok(acc);
        }
        while level.len() > 1 {
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            for pair in level.chunks(2) {
                next.push(match *pair {
                    [a, b] if is_and => self.bdd.and(a, b)?,
                    [a, b] => self.bdd.or(a, b)?,
                    [a] => a,
                    _ => unreachable!("chunks of two"),
                });
            }
            level = next;
        }
        Ok(level.first().copied().unwrap_or(unit))
    }

    /// At least `k` of the children: a threshold table built from the last child back.
    /// A child repeated m times (a host listed twice, vms that fail only with their one
    /// server) is one step that counts m, and only the rows that can still reach `k`
    /// are computed: the work is that of the diagram, not k × n, which a long `on`
    /// list of one host made quadratic without a node to show for it.
    fn at_least(&mut self, k: usize, children: &[NodeId]) -> Result<NodeId, Full> {
        if k == 0 {
            return Ok(TRUE);
        }
        if k > children.len() {
            return Ok(FALSE);
        }
        // Each distinct child and how often it appears, in first-appearance order.
        let mut groups: Vec<(NodeId, usize)> = Vec::new();
        let mut group_of: FxHashMap<NodeId, usize> = FxHashMap::default();
        for &child in children {
            let next = groups.len();
            let g = *group_of.entry(child).or_insert(next);
            if g == next {
                groups.push((child, 0));
            }
            groups[g].1 += 1;
        }
        // row[j]: at least j of the children after the current group.
        let mut row = vec![FALSE; k + 1];
        row[0] = TRUE;
        let mut after = 0;
        let mut before = children.len();
        for &(child, count) in groups.iter().rev() {
            before -= count;
            // Rows under k − before cannot reach k with the children left before them;
            // rows over after + count are still false.
            let low = k.saturating_sub(before).max(1);
            let high = k.min(after + count);
            for j in (low..=high).rev() {
                let failed = if j <= count { TRUE } else { row[j - count] };
                row[j] = self.bdd.ite(child, failed, row[j])?;
            }
            after += count;
        }
        Ok(row[k])
    }

    fn probabilities(&self) -> Vec<f64> {
        let mut by_position = vec![0.0; self.position.len()];
        for (e, &position) in self.position.iter().enumerate() {
            if position != u32::MAX {
                by_position[position as usize] = self.tree.events[e];
            }
        }
        self.bdd.probabilities(&by_position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probability that at least `k` of `inputs` (events, repeats counted) fail, by
    /// summing over every assignment of the events.
    fn brute_force(p: &[f64], inputs: &[usize], k: usize) -> f64 {
        (0..1u32 << p.len())
            .map(|failed| {
                let weight: f64 = (0..p.len())
                    .map(|e| {
                        if failed >> e & 1 == 1 {
                            p[e]
                        } else {
                            1.0 - p[e]
                        }
                    })
                    .product();
                let count = inputs.iter().filter(|&&e| failed >> e & 1 == 1).count();
                if count >= k {
                    weight
                } else {
                    0.0
                }
            })
            .sum()
    }

    #[test]
    fn at_least_counts_repeated_inputs_and_skips_no_row_it_needs() -> Result<(), TooLarge> {
        let p = [0.1, 0.35, 0.5, 0.8, 0.02];
        for inputs in [
            vec![0, 1, 2, 3, 4],
            vec![0, 0, 1],
            vec![2, 2, 2, 2],
            vec![3, 0, 3, 1, 0, 4, 3],
            vec![4, 1, 1, 2, 1, 0, 3, 2],
        ] {
            for k in 0..=inputs.len() + 1 {
                let mut tree = FaultTree::new();
                let events: Vec<Input> = p.iter().map(|&q| tree.event(q)).collect();
                let top = tree.gate(
                    GateKind::AtLeast(k as u32),
                    inputs.iter().map(|&e| events[e]).collect(),
                );
                let exact = tree.probability(top)?.probability;
                let expected = brute_force(&p, &inputs, k);
                assert!(
                    (exact - expected).abs() < 1e-12,
                    "at least {k} of {inputs:?}: {exact} against {expected}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn a_diagram_past_the_limit_names_the_top_being_built() {
        let mut tree = FaultTree::new();
        let events: Vec<Input> = (0..12).map(|_| tree.event(0.5)).collect();
        let small = tree.gate(GateKind::Or, events[..2].to_vec());
        // At least 6 of 12 needs 6 × 7 nodes.
        let large = tree.gate(GateKind::AtLeast(6), events.clone());
        assert!(tree.probabilities(&[small, large], 1_000).is_ok());
        assert_eq!(
            tree.probabilities(&[small, large], 20),
            Err(TooLarge {
                max_nodes: 20,
                top: 1
            })
        );
    }
}
