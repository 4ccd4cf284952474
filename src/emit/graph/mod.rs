//! The plan's dependency graph as a drawing: sites as clusters, components as nodes of
//! one shape per kind, references as labelled edges, and optionally a scenario's blast
//! radius. Builds one format-neutral [`Drawing`]; `dot`, `mermaid` and `json` only print it.

pub mod dot;
pub mod json;
pub mod mermaid;

use crate::graph::{Edge as GraphEdge, Graph};
use crate::model::{
    BackupSubject, Component, Covered, FailoverTarget, Host, Location, Plan, ServerId, SiteId,
    StorageId, VmId,
};
use crate::simulate::scripted::BlastRadius;
use petgraph::visit::EdgeRef;
use serde::Serialize;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Site,
    Storage,
    Server,
    Vm,
    Service,
    Backup,
    Standby,
}

impl NodeKind {
    /// Every kind that is drawn as a node, in legend order.
    pub const DRAWN: [NodeKind; 6] = [
        NodeKind::Service,
        NodeKind::Vm,
        NodeKind::Server,
        NodeKind::Storage,
        NodeKind::Backup,
        NodeKind::Standby,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Site => "site",
            NodeKind::Storage => "storage",
            NodeKind::Server => "server",
            NodeKind::Vm => "vm",
            NodeKind::Service => "service",
            NodeKind::Backup => "backup",
            NodeKind::Standby => "standby",
        }
    }
}

/// Why one node points at another: the property that made the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// A service on its servers or vms, a vm on its server.
    RunsOn,
    /// A service on a service it needs.
    Needs,
    /// A server or vm on the storage it uses.
    StoredOn,
    /// A service on its `failover` target.
    FailsOverTo,
    /// A backup on what it copies.
    BackupOf,
    /// A backup on where it is written (`to`).
    WritesTo,
    /// A backup on the site its copies are taken to (`offsite`).
    OffsiteTo,
    /// A standby on the servers or sites it replaces.
    Covers,
}

impl EdgeKind {
    pub fn label(self) -> &'static str {
        match self {
            EdgeKind::RunsOn => "runs-on",
            EdgeKind::Needs => "needs",
            EdgeKind::StoredOn => "stored-on",
            EdgeKind::FailsOverTo => "fails-over-to",
            EdgeKind::BackupOf => "backup-of",
            EdgeKind::WritesTo => "writes-to",
            EdgeKind::OffsiteTo => "offsite-to",
            EdgeKind::Covers => "covers",
        }
    }

    /// Whether the edge is about recovery (copies and replacements) rather than running.
    pub fn is_recovery(self) -> bool {
        matches!(
            self,
            EdgeKind::FailsOverTo
                | EdgeKind::BackupOf
                | EdgeKind::WritesTo
                | EdgeKind::OffsiteTo
                | EdgeKind::Covers
        )
    }
}

/// Where a node stands in a scenario's blast radius.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Named by the scenario: failed, corrupted, or the target of a failed change.
    Failed,
    /// Went down with what failed.
    Down,
    Unaffected,
}

/// One node: a declaration of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    /// The kind within the kind, when declared: `san`, `hot`, `tape`, `colo`.
    pub detail: Option<String>,
    /// Index of the site node it stands at: one site, or `None` (several, or unknown).
    pub site: Option<usize>,
    /// Only when a scenario is drawn.
    pub status: Option<Status>,
}

impl Node {
    /// An id unique in the plan: `kind:name`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.kind.name(), self.name)
    }
}

/// One edge, from the dependent node to what it depends on (node indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

/// A plan ready to print: nodes in plan order (sites, storage, servers, vms, services,
/// backups, standbys), edges in the order of their source node.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub plan: String,
    pub scenario: Option<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Drawing {
    /// The nodes standing at site node `site`, in order.
    pub fn members(&self, site: usize) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.site == Some(site) && n.kind != NodeKind::Site)
    }

    /// Whether an edge touches a node the scenario left alone.
    pub fn is_dimmed(&self, edge: &Edge) -> bool {
        let unaffected = |i: usize| self.nodes[i].status == Some(Status::Unaffected);
        unaffected(edge.from) || unaffected(edge.to)
    }
}

/// Lay out a plan's graph; with a blast radius, give every node its status.
pub fn drawing(plan: &Plan, graph: &Graph, scenario: Option<(&str, &BlastRadius)>) -> Drawing {
    // The graph holds sites, storage, servers, vms and services in this order; backups
    // and standbys follow.
    let counts = [
        plan.sites.len(),
        plan.storage.len(),
        plan.servers.len(),
        plan.vms.len(),
        plan.services.len(),
        plan.backups.len(),
    ];
    let mut offsets = [0; 7];
    for (k, count) in counts.iter().enumerate() {
        offsets[k + 1] = offsets[k] + count;
    }
    let site_node = |id: SiteId| offsets[0] + id.index();
    let storage_node = |id: StorageId| offsets[1] + id.index();
    let server_node = |id: ServerId| offsets[2] + id.index();
    let vm_node = |id: VmId| offsets[3] + id.index();
    let component_node = |c: Component| match c {
        Component::Site(id) => site_node(id),
        Component::Storage(id) => storage_node(id),
        Component::Server(id) => server_node(id),
        Component::Vm(id) => vm_node(id),
        Component::Service(id) => offsets[4] + id.index(),
    };
    let server_site = |id: ServerId| plan.servers[id.index()].site.map(|s| site_node(s.id));
    let host_site = |h: Host| match h {
        Host::Server(id) => server_site(id),
        Host::Vm(id) => plan.vms[id.index()].host.and_then(|s| server_site(s.id)),
    };
    let one = |sites: Vec<Option<usize>>| -> Option<usize> {
        let first = *sites.first()?;
        sites.iter().all(|s| *s == first).then_some(first).flatten()
    };

    let mut nodes = Vec::new();
    let node = |kind, name: &str, detail, site| Node {
        kind,
        name: name.to_string(),
        detail,
        site,
        status: None,
    };
    for (k, site) in plan.sites.iter().enumerate() {
        let detail = site.kind.and_then(|k| serde_name(&k));
        nodes.push(node(NodeKind::Site, &site.name, detail, Some(k)));
    }
    for storage in &plan.storage {
        let detail = storage.kind.and_then(|k| serde_name(&k));
        let site = storage.site.map(|s| site_node(s.id));
        nodes.push(node(NodeKind::Storage, &storage.name, detail, site));
    }
    for server in &plan.servers {
        let site = server.site.map(|s| site_node(s.id));
        nodes.push(node(NodeKind::Server, &server.name, None, site));
    }
    for vm in &plan.vms {
        let site = vm.host.and_then(|h| server_site(h.id));
        nodes.push(node(NodeKind::Vm, &vm.name, None, site));
    }
    for service in &plan.services {
        let site = one(service.hosts.iter().map(|h| host_site(h.id)).collect());
        nodes.push(node(NodeKind::Service, &service.name, None, site));
    }
    for backup in &plan.backups {
        let site = backup.to.and_then(|to| match to.id {
            Location::Site(id) => Some(site_node(id)),
            Location::Storage(id) => plan.storage[id.index()].site.map(|s| site_node(s.id)),
        });
        let detail = serde_name(&backup.media);
        nodes.push(node(NodeKind::Backup, &backup.name, detail, site));
    }
    for standby in &plan.standbys {
        let site = standby.site.map(|s| site_node(s.id));
        let detail = serde_name(&standby.kind);
        nodes.push(node(NodeKind::Standby, &standby.name, detail, site));
    }

    let mut edges = Vec::new();
    let mut edge = |from, to, kind| edges.push(Edge { from, to, kind });
    // What components run on, use and need: the dependency graph's own edges, in its order.
    for reference in graph.graph.edge_references() {
        let kind = match reference.weight().0 {
            GraphEdge::RunsOn => EdgeKind::RunsOn,
            GraphEdge::Needs => EdgeKind::Needs,
            GraphEdge::Uses => EdgeKind::StoredOn,
            // Drawn as the site's cluster.
            GraphEdge::LocatedAt => continue,
        };
        let from = component_node(graph.component(reference.source()));
        let to = component_node(graph.component(reference.target()));
        edge(from, to, kind);
    }
    for (k, service) in plan.services.iter().enumerate() {
        if let Some(failover) = service.failover() {
            let to = match failover.target.id {
                FailoverTarget::Server(id) => server_node(id),
                FailoverTarget::Vm(id) => vm_node(id),
                FailoverTarget::Standby(id) => offsets[6] + id.index(),
            };
            edge(offsets[4] + k, to, EdgeKind::FailsOverTo);
        }
    }
    for (k, backup) in plan.backups.iter().enumerate() {
        let me = offsets[5] + k;
        for subject in &backup.subjects {
            let to = match subject.id {
                BackupSubject::Service(id) => offsets[4] + id.index(),
                BackupSubject::Vm(id) => vm_node(id),
                BackupSubject::Server(id) => server_node(id),
            };
            edge(me, to, EdgeKind::BackupOf);
        }
        if let Some(to) = backup.to {
            let to = match to.id {
                Location::Site(id) => site_node(id),
                Location::Storage(id) => storage_node(id),
            };
            edge(me, to, EdgeKind::WritesTo);
        }
        if let Some(offsite) = &backup.offsite {
            edge(me, site_node(offsite.site.id), EdgeKind::OffsiteTo);
        }
    }
    for (k, standby) in plan.standbys.iter().enumerate() {
        let me = offsets[6] + k;
        for covered in &standby.covers {
            let to = match covered.id {
                Covered::Server(id) => server_node(id),
                Covered::Site(id) => site_node(id),
            };
            edge(me, to, EdgeKind::Covers);
        }
    }

    let mut scenario_name = None;
    if let Some((name, radius)) = scenario {
        scenario_name = Some(name.to_string());
        for node in &mut nodes {
            node.status = Some(Status::Unaffected);
        }
        for &c in &radius.down {
            nodes[component_node(c)].status = Some(Status::Down);
        }
        for &c in &radius.failed {
            nodes[component_node(c)].status = Some(Status::Failed);
        }
        for &s in &radius.lost_standbys {
            nodes[offsets[6] + s.index()].status = Some(Status::Down);
        }
        for &b in &radius.corrupted {
            nodes[offsets[5] + b.index()].status = Some(Status::Failed);
        }
    }
    Drawing {
        plan: plan.name.to_string(),
        scenario: scenario_name,
        nodes,
        edges,
    }
}

/// A model enum's name as the language writes it (its kebab-case serde name).
fn serde_name<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
}
