//! What a change can break: everything its targets depend on, found by a breadth-first
//! walk of the dependency graph. Shared by the big-bang rule and stage suggestions.

use super::Context;
use crate::model::ChangeId;
use petgraph::graph::NodeIndex;

/// Reusable scratch space for walks over one graph (no clearing between walks).
pub struct Walker {
    stamp: Vec<u32>,
    parent: Vec<NodeIndex>,
    current: u32,
    queue: Vec<NodeIndex>,
}

impl Walker {
    pub fn new(node_count: usize) -> Self {
        Walker {
            stamp: vec![0; node_count],
            parent: vec![NodeIndex::end(); node_count],
            current: 0,
            queue: Vec::new(),
        }
    }

    /// Every node reachable from `starts` (starts included), nearest first. Parents
    /// stay valid until the next walk, for `path_to`.
    pub fn walk(&mut self, context: &Context, starts: &[NodeIndex]) -> &[NodeIndex] {
        self.current += 1;
        self.queue.clear();
        for &start in starts {
            if self.stamp[start.index()] != self.current {
                self.stamp[start.index()] = self.current;
                self.parent[start.index()] = NodeIndex::end();
                self.queue.push(start);
            }
        }
        let mut next = 0;
        while next < self.queue.len() {
            let node = self.queue[next];
            next += 1;
            for neighbour in context.graph.graph.neighbors(node) {
                if self.stamp[neighbour.index()] != self.current {
                    self.stamp[neighbour.index()] = self.current;
                    self.parent[neighbour.index()] = node;
                    self.queue.push(neighbour);
                }
            }
        }
        &self.queue
    }

    /// The path from a start of the last walk to `node`, start first.
    pub fn path_to(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut path = vec![node];
        let mut at = node;
        while self.parent[at.index()] != NodeIndex::end() {
            at = self.parent[at.index()];
            path.push(at);
        }
        path.reverse();
        path
    }
}

/// A change's footprint: the nodes it touches and everything they depend on.
pub fn footprint(context: &Context, walker: &mut Walker, change: ChangeId) -> Vec<NodeIndex> {
    let starts = context.target_nodes(change);
    walker.walk(context, &starts).to_vec()
}
