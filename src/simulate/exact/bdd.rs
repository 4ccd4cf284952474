//! A reduced ordered binary decision diagram: hash-consed nodes, ITE with a computed
//! cache, probability by one bottom-up pass. Knows nothing of plans or fault trees.

use rustc_hash::FxHashMap as HashMap;

/// A node of the diagram; `FALSE` and `TRUE` are the terminals.
pub(crate) type NodeId = u32;

pub(crate) const FALSE: NodeId = 0;
pub(crate) const TRUE: NodeId = 1;

/// Variable of the terminals: below every real variable.
const TERMINAL: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Node {
    /// Position in the variable order: smaller is nearer the root.
    var: u32,
    low: NodeId,
    high: NodeId,
}

/// One computed-cache slot: the operands of an ITE and its result.
#[derive(Debug, Clone, Copy)]
struct Computed {
    f: NodeId,
    g: NodeId,
    h: NodeId,
    result: NodeId,
}

/// Most computed-cache slots: 2^24 of 16 bytes.
const MAX_CACHE: usize = 1 << 24;

/// The diagram would pass its node limit; it is left unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

const EMPTY: Computed = Computed {
    f: u32::MAX,
    g: 0,
    h: 0,
    result: 0,
};

/// The node store: every node is unique, and children come before parents.
#[derive(Debug)]
pub(crate) struct Bdd {
    nodes: Vec<Node>,
    unique: HashMap<Node, NodeId>,
    /// Direct-mapped and lossy: a miss only costs a recomputation.
    cache: Vec<Computed>,
    /// Most nodes, terminals included; past it every operation fails with [`Full`].
    max_nodes: usize,
}

impl Bdd {
    /// An empty diagram that may grow to `max_nodes` nodes (at most 2^32 − 1).
    pub(crate) fn new(max_nodes: usize) -> Self {
        let terminal = |value| Node {
            var: TERMINAL,
            low: value,
            high: value,
        };
        Bdd {
            nodes: vec![terminal(FALSE), terminal(TRUE)],
            unique: HashMap::default(),
            cache: vec![EMPTY; 1 << 16],
            max_nodes: max_nodes.min(u32::MAX as usize),
        }
    }

    /// Number of nodes, terminals included.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The function that is true exactly when variable `var` is.
    pub(crate) fn var(&mut self, var: u32) -> Result<NodeId, Full> {
        self.make(var, FALSE, TRUE)
    }

    fn make(&mut self, var: u32, low: NodeId, high: NodeId) -> Result<NodeId, Full> {
        if low == high {
            return Ok(low);
        }
        let node = Node { var, low, high };
        if let Some(&id) = self.unique.get(&node) {
            return Ok(id);
        }
        if self.nodes.len() >= self.max_nodes {
            return Err(Full);
        }
        let id = NodeId::try_from(self.nodes.len()).map_err(|_| Full)?;
        self.nodes.push(node);
        self.unique.insert(node, id);
        if self.nodes.len() * 2 > self.cache.len() && self.cache.len() < MAX_CACHE {
            self.grow_cache();
        }
        Ok(id)
    }

    pub(crate) fn and(&mut self, f: NodeId, g: NodeId) -> Result<NodeId, Full> {
        self.ite(f, g, FALSE)
    }

    pub(crate) fn or(&mut self, f: NodeId, g: NodeId) -> Result<NodeId, Full> {
        self.ite(f, TRUE, g)
    }

    /// If `f` then `g` else `h`.
    pub(crate) fn ite(&mut self, f: NodeId, mut g: NodeId, mut h: NodeId) -> Result<NodeId, Full> {
        if f == TRUE {
            return Ok(g);
        }
        if f == FALSE {
            return Ok(h);
        }
        if g == f {
            g = TRUE;
        }
        if h == f {
            h = FALSE;
        }
        if g == h {
            return Ok(g);
        }
        if g == TRUE && h == FALSE {
            return Ok(f);
        }
        // and and or commute: one cache key for both argument orders.
        let (f, g, h) = if h == FALSE && g < f {
            (g, f, h)
        } else if g == TRUE && h < f {
            (h, g, f)
        } else {
            (f, g, h)
        };
        let slot = Self::slot(f, g, h, self.cache.len());
        let entry = self.cache[slot];
        if entry.f == f && entry.g == g && entry.h == h {
            return Ok(entry.result);
        }
        let var = self.nodes[f as usize]
            .var
            .min(self.nodes[g as usize].var)
            .min(self.nodes[h as usize].var);
        let (f0, f1) = self.cofactors(f, var);
        let (g0, g1) = self.cofactors(g, var);
        let (h0, h1) = self.cofactors(h, var);
        let low = self.ite(f0, g0, h0)?;
        let high = self.ite(f1, g1, h1)?;
        let result = self.make(var, low, high)?;
        let slot = Self::slot(f, g, h, self.cache.len());
        self.cache[slot] = Computed { f, g, h, result };
        Ok(result)
    }

    /// Keep the cache larger than the diagram, carrying its entries over: a lossy
    /// cache that is too small makes ITE recompute shared subproblems again and again.
    fn grow_cache(&mut self) {
        let len = self.cache.len() * 4;
        let old = std::mem::replace(&mut self.cache, vec![EMPTY; len]);
        for entry in old.into_iter().filter(|e| e.f != EMPTY.f) {
            self.cache[Self::slot(entry.f, entry.g, entry.h, len)] = entry;
        }
    }

    fn cofactors(&self, f: NodeId, var: u32) -> (NodeId, NodeId) {
        let node = self.nodes[f as usize];
        if node.var == var {
            (node.low, node.high)
        } else {
            (f, f)
        }
    }

    fn slot(f: NodeId, g: NodeId, h: NodeId, len: usize) -> usize {
        let key = u64::from(f)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(u64::from(g).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .wrapping_add(u64::from(h).wrapping_mul(0x1656_67B1_9E37_79F9));
        (key >> 20) as usize & (len - 1)
    }

    /// Probability that each node's function is true, given each variable's
    /// probability of being true (indexed by order position). One pass: children
    /// always precede their parents in the store.
    pub(crate) fn probabilities(&self, p: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.nodes.len());
        out.push(0.0);
        out.push(1.0);
        for node in &self.nodes[2..] {
            let q = p[node.var as usize];
            out.push(q * out[node.high as usize] + (1.0 - q) * out[node.low as usize]);
        }
        out
    }

    /// Nodes reachable from `root`, terminals included.
    pub(crate) fn size(&self, root: NodeId) -> usize {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![root];
        let mut count = 0;
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n as usize], true) {
                continue;
            }
            count += 1;
            if n > TRUE {
                let node = self.nodes[n as usize];
                stack.push(node.low);
                stack.push(node.high);
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_nodes_are_unique() -> Result<(), Full> {
        let mut bdd = Bdd::new(100);
        let (a, b) = (bdd.var(0)?, bdd.var(1)?);
        let x = bdd.and(a, b)?;
        let y = bdd.and(b, a)?;
        assert_eq!(x, y);
        let z = bdd.or(x, a)?;
        assert_eq!(z, a, "absorption: a or (a and b) is a");
        Ok(())
    }

    #[test]
    fn probability_of_xor_like_function() -> Result<(), Full> {
        let mut bdd = Bdd::new(100);
        let (a, b) = (bdd.var(0)?, bdd.var(1)?);
        let either = bdd.or(a, b)?;
        let p = bdd.probabilities(&[0.5, 0.2]);
        assert!((p[either as usize] - (1.0 - 0.5 * 0.8)).abs() < 1e-15);
        Ok(())
    }

    #[test]
    fn the_node_limit_stops_growth_but_finds_existing_nodes() -> Result<(), Full> {
        // Two terminals and three variables fill five nodes.
        let mut bdd = Bdd::new(5);
        let (a, b, c) = (bdd.var(0)?, bdd.var(1)?, bdd.var(2)?);
        assert_eq!(bdd.len(), 5);
        assert_eq!(bdd.var(1), Ok(b), "an existing node needs no room");
        assert_eq!(bdd.or(a, TRUE), Ok(TRUE), "nor does a terminal case");
        assert_eq!(bdd.and(a, c), Err(Full));
        assert_eq!(bdd.len(), 5);
        Ok(())
    }
}
