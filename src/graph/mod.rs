//! The dependency graph of a resolved plan (petgraph): what each component needs to run.
//! Reports dependency cycles; later stages query it for order and coupling.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Component, Host, Plan, ServiceId, SiteId};
use crate::source::Span;
use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHashMap as HashMap;

/// Why one component depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A service `needs` another.
    Needs,
    /// A service runs on a host, a vm on a server.
    RunsOn,
    /// A server or vm uses storage.
    Uses,
    /// A component sits at a site.
    LocatedAt,
}

/// Components as nodes; an edge points from the dependent to what it depends on.
/// Each edge keeps the span of the reference that created it.
#[derive(Debug)]
pub struct Graph {
    pub graph: DiGraph<Component, (Edge, Span)>,
    /// Where each kind's nodes start: sites, storage, servers, vms, then services,
    /// each in plan order, so a component's node is derived, not looked up.
    offsets: [usize; 5],
}

impl Graph {
    pub fn node(&self, component: Component) -> NodeIndex {
        let (kind, index) = match component {
            Component::Site(id) => (0, id.index()),
            Component::Storage(id) => (1, id.index()),
            Component::Server(id) => (2, id.index()),
            Component::Vm(id) => (3, id.index()),
            Component::Service(id) => (4, id.index()),
        };
        NodeIndex::new(self.offsets[kind] + index)
    }

    pub fn component(&self, node: NodeIndex) -> Component {
        self.graph[node]
    }
}

/// How many edges `build` adds: the graph is sized once, since growing it by doubling
/// left a third of it empty on a large plan (6 MB on 100,000 services).
fn edge_count(plan: &Plan) -> usize {
    let storage = plan.storage.iter().filter(|s| s.site.is_some()).count();
    let servers: usize = plan
        .servers
        .iter()
        .map(|s| usize::from(s.site.is_some()) + s.storage.len())
        .sum();
    let vms: usize = plan
        .vms
        .iter()
        .map(|v| usize::from(v.host.is_some()) + v.storage.len())
        .sum();
    let services: usize = plan
        .services
        .iter()
        .map(|s| s.hosts.len() + s.needs.len())
        .sum();
    storage + servers + vms + services
}

/// Build the graph and report dependency cycles among services.
pub fn build(plan: &Plan) -> (Graph, Vec<Diagnostic>) {
    let counts = [
        plan.sites.len(),
        plan.storage.len(),
        plan.servers.len(),
        plan.vms.len(),
        plan.services.len(),
    ];
    let edges = edge_count(plan);
    let mut graph = DiGraph::with_capacity(counts.iter().sum(), edges);
    let mut offsets = [0; 5];
    for (kind, &count) in counts.iter().enumerate() {
        offsets[kind] = graph.node_count();
        for i in 0..count as u32 {
            graph.add_node(match kind {
                0 => Component::Site(SiteId(i)),
                1 => Component::Storage(crate::model::StorageId(i)),
                2 => Component::Server(crate::model::ServerId(i)),
                3 => Component::Vm(crate::model::VmId(i)),
                _ => Component::Service(ServiceId(i)),
            });
        }
    }
    let mut g = Graph { graph, offsets };
    let edge = |g: &mut Graph, from: Component, to: Component, kind: Edge, span: Span| {
        let (a, b) = (g.node(from), g.node(to));
        g.graph.add_edge(a, b, (kind, span));
    };
    for (i, storage) in plan.storage.iter().enumerate() {
        if let Some(site) = storage.site {
            let me = Component::Storage(crate::model::StorageId(i as u32));
            edge(
                &mut g,
                me,
                Component::Site(site.id),
                Edge::LocatedAt,
                site.span,
            );
        }
    }
    for (i, server) in plan.servers.iter().enumerate() {
        let me = Component::Server(crate::model::ServerId(i as u32));
        if let Some(site) = server.site {
            edge(
                &mut g,
                me,
                Component::Site(site.id),
                Edge::LocatedAt,
                site.span,
            );
        }
        for s in &server.storage {
            edge(&mut g, me, Component::Storage(s.id), Edge::Uses, s.span);
        }
    }
    for (i, vm) in plan.vms.iter().enumerate() {
        let me = Component::Vm(crate::model::VmId(i as u32));
        if let Some(host) = vm.host {
            edge(
                &mut g,
                me,
                Component::Server(host.id),
                Edge::RunsOn,
                host.span,
            );
        }
        for s in &vm.storage {
            edge(&mut g, me, Component::Storage(s.id), Edge::Uses, s.span);
        }
    }
    for (i, service) in plan.services.iter().enumerate() {
        let me = Component::Service(ServiceId(i as u32));
        for host in &service.hosts {
            let target = match host.id {
                Host::Server(s) => Component::Server(s),
                Host::Vm(v) => Component::Vm(v),
            };
            edge(&mut g, me, target, Edge::RunsOn, host.span);
        }
        for need in &service.needs {
            edge(
                &mut g,
                me,
                Component::Service(need.id),
                Edge::Needs,
                need.span,
            );
        }
    }
    debug_assert_eq!(g.graph.edge_count(), edges, "edge_count counts every edge");
    let diagnostics = cycles(&g, plan);
    (g, diagnostics)
}

/// The groups of nodes that depend on each other in a cycle (strongly connected
/// components of more than one node), each sorted, in no particular order.
///
/// A topological sort proves most graphs acyclic in one pass; only a graph with a cycle
/// pays for the components, found with Kosaraju's algorithm because it is iterative: a
/// chain of thousands of `needs` overflowed the call stack in petgraph's recursive
/// Tarjan.
pub fn cycle_groups<N, E>(graph: &DiGraph<N, E>) -> Vec<Vec<NodeIndex>> {
    if toposort(graph, None).is_ok() {
        return Vec::new();
    }
    let mut components = kosaraju_scc(graph);
    components.retain(|c| c.len() > 1);
    for members in &mut components {
        members.sort();
    }
    components
}

/// One diagnostic per strongly connected group of services, with one label per edge.
fn cycles(g: &Graph, plan: &Plan) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut components = cycle_groups(&g.graph);
    components.sort();
    for members in components {
        let path = cycle_path(g, &members);
        let names: Vec<&str> = path
            .iter()
            .map(|&n| plan.component_name(g.component(n)))
            .collect();
        let mut shown = names.clone();
        shown.push(names[0]);
        let mut diagnostic = Diagnostic::new(
            Code::DependencyCycle,
            format!(
                "services depend on each other in a cycle: {}",
                shown.join(" → ")
            ),
        );
        for (k, &from) in path.iter().enumerate() {
            let to = path[(k + 1) % path.len()];
            let Some(e) = g.graph.edges_connecting(from, to).next() else {
                continue;
            };
            let message = format!("`{}` needs `{}`", names[k], names[(k + 1) % names.len()]);
            diagnostic = if k == 0 {
                diagnostic.primary(e.weight().1, message)
            } else {
                diagnostic.secondary(e.weight().1, message)
            };
        }
        diagnostics.push(diagnostic.help(
            "a service cannot be restored before what it needs; remove one `needs` to break the cycle",
        ));
    }
    diagnostics
}

/// A simple cycle through the smallest member of a strongly connected set.
fn cycle_path(g: &Graph, members: &[NodeIndex]) -> Vec<NodeIndex> {
    let start = members[0];
    let inside = |n: NodeIndex| members.binary_search(&n).is_ok();
    // Breadth-first search from start back to start, staying inside the set.
    let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = g.graph.neighbors(node).filter(|&n| inside(n)).collect();
        next.sort();
        for n in next {
            if n == start {
                let mut path = vec![node];
                let mut at = node;
                while at != start {
                    at = previous[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = previous.entry(n) {
                e.insert(node);
                queue.push_back(n);
            }
        }
    }
    members.to_vec()
}

/// A plan of `n` services in one `needs` chain, s0 → s1 → … on server `h`: deep
/// enough to overflow a test thread's stack in any walk that recurses per service.
#[cfg(test)]
pub(crate) fn needs_chain_plan(n: usize) -> String {
    let mut text = String::from("plan p { rto 4h  rpo 1h }\nserver h { }\n");
    for i in 0..n {
        let needs = if i + 1 < n {
            format!("  needs s{}", i + 1)
        } else {
            String::new()
        };
        text.push_str(&format!("service s{i} {{ on h{needs} }}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Code;

    #[test]
    fn a_needs_chain_of_fifty_thousand_services_finds_no_cycle_without_recursing() {
        // On a test thread's small stack, Tarjan's recursive walk overflowed here.
        let text = super::needs_chain_plan(50_000);
        let compiled = crate::compile(crate::load::load_text("plan.dr", &text));
        assert!(compiled.graph.is_some());
        assert!(!compiled
            .diagnostics
            .iter()
            .any(|d| d.code == Code::DependencyCycle));
    }
}
